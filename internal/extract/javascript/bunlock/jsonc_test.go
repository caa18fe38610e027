package bunlock

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// plain converts a parsed value to the types encoding/json decodes into
// (numbers as json.Number), to compare the two parsers.
func plain(v *value) any {
	switch v.kind {
	case kindNull:
		return nil
	case kindBool:
		return v.boolean
	case kindNumber:
		return json.Number(v.str)
	case kindString:
		return v.str
	case kindArray:
		out := make([]any, len(v.items))
		for i, it := range v.items {
			out[i] = plain(it)
		}
		return out
	}
	out := make(map[string]any, len(v.members))
	for _, m := range v.members {
		out[m.key] = plain(m.val) // the last duplicate wins, as in encoding/json
	}
	return out
}

func TestParseJSONC(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want any
	}{
		{"trailing_commas", `{"a": [1, 2,], "b": {"c": true,},}`,
			map[string]any{"a": []any{json.Number("1"), json.Number("2")}, "b": map[string]any{"c": true}}},
		{"comments", "// line\n{/* block */\"a\" /* between */: null // end\n}",
			map[string]any{"a": nil}},
		{"comment_markers_in_strings", `{"a": "// not a comment", "b": "/* nor this */"}`,
			map[string]any{"a": "// not a comment", "b": "/* nor this */"}},
		{"escapes", `["\u00e9\n\"\\\/", "\ud83d\ude00", "\ud83d"]`,
			[]any{"é\n\"\\/", "😀", "\ufffd"}},
		{"numbers", `[0, -1, 2.5e-3, 1E+2]`,
			[]any{json.Number("0"), json.Number("-1"), json.Number("2.5e-3"), json.Number("1E+2")}},
		{"empty_containers", `{"a": {}, "b": []}`, map[string]any{"a": map[string]any{}, "b": []any{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := parseJSONC([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, plain(v)); diff != "" {
				t.Errorf("parseJSONC(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseJSONCErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantOff int
	}{
		{"missing_comma", `{"a": 1 "b": 2}`, 8},
		{"double_trailing_comma", `[1,,]`, 3},
		{"leading_comma", `[,1]`, 1},
		{"bare_key", `{a: 1}`, 1},
		{"single_quotes", `['a']`, 1},
		{"unterminated_string", `["abc`, 5},
		{"control_in_string", "[\"a\tb\"]", 3},
		{"bad_escape", `["\x"]`, 2},
		{"bad_number", `[01]`, 2},
		{"true_prefix", `[truex]`, 1},
		{"two_values", `{} {}`, 3},
		{"unterminated_comment", `[1 /* `, 3},
		{"too_deep", strings.Repeat("[", maxDepth+1), maxDepth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseJSONC([]byte(tt.in))
			var se *syntaxError
			if !errors.As(err, &se) {
				t.Fatalf("parseJSONC(%q) err = %v, want a syntax error", tt.in, err)
			}
			if se.off != tt.wantOff {
				t.Errorf("parseJSONC(%q) error at offset %d, want %d (%v)", tt.in, se.off, tt.wantOff, se)
			}
		})
	}
}

func TestParseJSONCKeyOffsets(t *testing.T) {
	in := "{\n  \"a\": 1,\n  \"b\": [\"x\"]\n}"
	v, err := parseJSONC([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, m := range v.members {
		got = append(got, m.keyOff, m.val.off)
	}
	want := []int{strings.Index(in, `"a"`), strings.Index(in, "1"), strings.Index(in, `"b"`), strings.Index(in, "[")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("offsets (-want +got):\n%s", diff)
	}
}

// FuzzParseJSONC checks that on input without comments and trailing commas
// (which encoding/json rejects) the parser accepts exactly what
// encoding/json accepts, with the same result, and that it never panics.
func FuzzParseJSONC(f *testing.F) {
	for _, s := range []string{`{"a": [1, "x", null, true, {"b": -2.5e3}]}`, `"\ud83d\ude00"`, `[]`, `{"a": 1,}`, "// c\n1", "\xff"} {
		f.Add([]byte(s))
	}
	extractSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := parseJSONC(data)
		var std any
		d := json.NewDecoder(strings.NewReader(string(data)))
		d.UseNumber()
		stdErr := d.Decode(&std)
		if stdErr == nil {
			if _, tokErr := d.Token(); tokErr != io.EOF {
				stdErr = errors.New("trailing data")
			}
		}
		if stdErr == nil {
			if err != nil {
				t.Fatalf("encoding/json accepts %q, parseJSONC: %v", data, err)
			}
			if diff := cmp.Diff(std, plain(v)); diff != "" {
				t.Fatalf("parseJSONC(%q) differs from encoding/json (-json +jsonc):\n%s", data, diff)
			}
			return
		}
		if err == nil && v != nil && !hasJSONCExtras(data) {
			t.Fatalf("encoding/json rejects %q (%v), parseJSONC accepts it", data, stdErr)
		}
	})
}

// hasJSONCExtras reports whether data might hold a comment or trailing
// comma (a cheap over-approximation), which encoding/json rejects.
func hasJSONCExtras(data []byte) bool {
	s := string(data)
	return strings.Contains(s, "/") || strings.Contains(s, ",")
}

// extractSeeds adds the bun.lock fixtures to f's corpus.
func extractSeeds(f *testing.F) {
	for _, p := range []string{"testdata/minimal/bun.lock", "testdata/malformed/bun.lock", "testdata/wrongformat/bun.lock"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}
