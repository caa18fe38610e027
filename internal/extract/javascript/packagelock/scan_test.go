package packagelock

import (
	"encoding/json"
	"os"
	"testing"
)

func TestScannerSkip(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"object", `{"a": [1, -2.5e+3, true, false, null, "x\u00e9\n"], "b": {}}`, true},
		{"empty_array", `[ ]`, true},
		{"string_escapes", `"\"\\\/\b\f\n\r\t\uABCD"`, true},
		{"bad_escape", `"\x"`, false},
		{"short_unicode_escape", `"\u12"`, false},
		{"control_char_in_string", "\"a\tb\"", false},
		{"leading_zero", `01`, false},
		{"bare_minus", `-`, false},
		{"missing_fraction", `1.`, false},
		{"missing_exponent", `1e`, false},
		{"trailing_comma_object", `{"a": 1,}`, false},
		{"trailing_comma_array", `[1,]`, false},
		{"single_quotes", `{'a': 1}`, false},
		{"unterminated", `{"a": [1, 2`, false},
		{"bad_literal", `tru`, false},
		{"non_string_key", `{1: 2}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scanValid([]byte(tt.in)); got != tt.ok {
				t.Errorf("scanner accepts %q = %v, want %v", tt.in, got, tt.ok)
			}
			if want := json.Valid([]byte(tt.in)); want != tt.ok {
				t.Errorf("test case disagrees with encoding/json: json.Valid(%q) = %v", tt.in, want)
			}
		})
	}
}

func scanValid(data []byte) bool {
	s := &scanner{data: data}
	return s.skip() == nil && s.end() == nil
}

// FuzzScanner checks that the scanner accepts exactly the JSON texts
// encoding/json accepts.
func FuzzScanner(f *testing.F) {
	for _, name := range []string{"minimal-v1", "minimal-v3", "malformed", "wrong-format"} {
		data, err := os.ReadFile("testdata/" + name + "/package-lock.json")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"a\u0041": ["\ud800", 1e-7, -0.0]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := scanValid(data), json.Valid(data); got != want {
			t.Errorf("scanner accepts %q = %v, json.Valid = %v", data, got, want)
		}
	})
}
