package jsonstream

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/inventory"
)

// walk reads doc, an object of arrays of objects, and records the line of
// every element and every error.
func walk(t *testing.T, d *Decoder) (lines []int, errs []string) {
	t.Helper()
	_, err := d.Object(func(key string) error {
		if key == "skip" {
			return d.Skip()
		}
		_, err := d.Array(func() error {
			raw, line, err := d.Raw()
			if err != nil {
				return err
			}
			if !json.Valid(raw) {
				t.Errorf("Raw returned invalid JSON %q", raw)
			}
			lines = append(lines, line)
			return nil
		})
		if err, ok := Mismatch(err, `"`+key+`"`); ok {
			errs = append(errs, err.Error())
			return nil
		}
		return err
	})
	if err == nil {
		err = d.End()
	}
	if err != nil {
		errs = append(errs, err.Error())
	}
	return lines, errs
}

func TestDecoder(t *testing.T) {
	tests := []struct {
		name      string
		doc       string
		wantLines []int
		wantErrs  []string
	}{
		{
			name:      "lines_of_elements",
			doc:       "{\n\"a\": [\n  {\"x\": 1},\n\n  {\"y\":\n   2}, 3],\n\"skip\": {\"deep\": [[{}], \"]\\n\"]},\n\"b\": [\"s\"\n]}\n",
			wantLines: []int{3, 5, 6, 8},
		},
		{
			name:      "wrong_type_is_skipped",
			doc:       "{\"a\": {\"not\": [\"an array\"]},\n\"b\": [1]}",
			wantLines: []int{2},
			wantErrs:  []string{`f:1:7: "a" is a JSON object, want an array`},
		},
		{
			// encoding/json reports the offset before the
			// second comma, the column of the first.
			name:      "syntax_error_position",
			doc:       "{\"a\": [1,\n  2,,]}",
			wantLines: []int{1, 2},
			wantErrs:  []string{"f:2:4: invalid JSON: invalid character ',' looking for beginning of value"},
		},
		{
			name:      "truncated",
			doc:       "{\"a\": [1,\n2",
			wantLines: []int{1, 2},
			wantErrs:  []string{"f:2:2: invalid JSON: unexpected end of file"},
		},
		{
			name:     "trailing_value",
			doc:      "{}\n[]",
			wantErrs: []string{"f:2:1: invalid JSON: data after the top-level value (array)"},
		},
		{
			name:     "top_level_not_object",
			doc:      "[1]",
			wantErrs: []string{"f:1:1: is a JSON array, want an object"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One byte at a time, so that positions are asked for
			// while the reader is mid-document.
			d := New("f", iotest.OneByteReader(strings.NewReader(tt.doc)))
			lines, errs := walk(t, d)
			if diff := cmp.Diff(tt.wantLines, lines); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErrs, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewAt(t *testing.T) {
	d := NewAt("f", strings.NewReader("{\"a\": [\n{}]}"), 10)
	lines, errs := walk(t, d)
	if diff := cmp.Diff([]int{11}, lines); diff != "" || errs != nil {
		t.Errorf("lines (-want +got):\n%s\nerrors: %v", diff, errs)
	}
}

func TestString(t *testing.T) {
	d := New("f", strings.NewReader(`["x", 1, {"a": "b"}]`))
	var got []string
	_, err := d.Array(func() error {
		s, err := d.String()
		var pe *inventory.ParseError
		var te *TypeError
		if errors.As(err, &pe) && errors.As(err, &te) {
			got = append(got, "type error: "+te.Error())
			return nil
		}
		got = append(got, s)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"x", "type error: is a JSON number, want a string", "type error: is a JSON object, want a string"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("String (-want +got):\n%s", diff)
	}
}

func TestDescribeError(t *testing.T) {
	type inner struct {
		Name string `json:"name"`
	}
	type outer struct {
		inner
		Refs []string `json:"refs"`
	}
	tests := []struct {
		doc  string
		want string
	}{
		{`{"name": 5}`, `"name" is a JSON number, want a string`},
		{`{"refs": {}}`, `"refs" is a JSON object, want an array`},
		{`"x"`, `is a JSON string, want an object`},
	}
	for _, tt := range tests {
		var v outer
		err := json.Unmarshal([]byte(tt.doc), &v)
		if got := DescribeError(err).Error(); got != tt.want {
			t.Errorf("DescribeError(Unmarshal(%s)) = %q, want %q", tt.doc, got, tt.want)
		}
	}
}

func FuzzDecoder(f *testing.F) {
	for _, s := range []string{`{"a": [{}, 1, "x"], "skip": {"b": [[]]}}`, "{\"a\": [\n", `{"a": {}}`, `[]`, `{}{}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		d := New("f", strings.NewReader(doc))
		_, errs := walk(t, d)
		if errs == nil && !json.Valid([]byte(doc)) {
			t.Errorf("no error for invalid JSON %q", doc)
		}
	})
}
