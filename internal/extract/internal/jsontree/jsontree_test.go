package jsontree

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/inventory"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *Node
	}{
		{
			name: "scalars",
			in:   `["a", 1, true, false, null]`,
			want: &Node{Kind: Array, Line: 1, Complete: true, Items: []*Node{
				{Kind: String, Line: 1, Str: "a", Complete: true},
				{Kind: Number, Line: 1, Str: "1", Complete: true},
				{Kind: Bool, Line: 1, Bool: true, Complete: true},
				{Kind: Bool, Line: 1, Complete: true},
				{Kind: Null, Line: 1, Complete: true},
			}},
		},
		{
			name: "lines_of_keys_and_values",
			in:   "{\n  \"a\": {\n    \"b\":\n      [\n        1\n      ]\n  }\n}\n",
			want: &Node{Kind: Object, Line: 1, Complete: true, Members: []Member{
				{Key: "a", Line: 2, Value: &Node{Kind: Object, Line: 2, Complete: true, Members: []Member{
					{Key: "b", Line: 3, Value: &Node{Kind: Array, Line: 4, Complete: true, Items: []*Node{
						{Kind: Number, Line: 5, Str: "1", Complete: true},
					}}},
				}}},
			}},
		},
		{
			name: "repeated_keys_kept_in_order",
			in:   `{"a": 1, "a": 2}`,
			want: &Node{Kind: Object, Line: 1, Complete: true, Members: []Member{
				{Key: "a", Line: 1, Value: &Node{Kind: Number, Line: 1, Str: "1", Complete: true}},
				{Key: "a", Line: 1, Value: &Node{Kind: Number, Line: 1, Str: "2", Complete: true}},
			}},
		},
		{
			name: "escapes_decoded",
			in:   `{"k\u00e9y": "a\nb\"c"}`,
			want: &Node{Kind: Object, Line: 1, Complete: true, Members: []Member{
				{Key: "kéy", Line: 1, Value: &Node{Kind: String, Line: 1, Str: "a\nb\"c", Complete: true}},
			}},
		},
		{
			name: "number_literals_kept_as_written",
			in:   `[1.50, -0, 1E+3]`,
			want: &Node{Kind: Array, Line: 1, Complete: true, Items: []*Node{
				{Kind: Number, Line: 1, Str: "1.50", Complete: true},
				{Kind: Number, Line: 1, Str: "-0", Complete: true},
				{Kind: Number, Line: 1, Str: "1E+3", Complete: true},
			}},
		},
		{
			name: "empty_containers",
			in:   "{\"o\": {},\r\n \"a\": []}",
			want: &Node{Kind: Object, Line: 1, Complete: true, Members: []Member{
				{Key: "o", Line: 1, Value: &Node{Kind: Object, Line: 1, Complete: true}},
				{Key: "a", Line: 2, Value: &Node{Kind: Array, Line: 2, Complete: true}},
			}},
		},
		{
			name: "top_level_scalar_after_white_space",
			in:   "\n\n  \"x\"  \n",
			want: &Node{Kind: String, Line: 3, Str: "x", Complete: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in), "f.json")
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name string
		in   string
		// wantLine and wantCol are the error's position (column 0: none).
		wantLine, wantCol int
		wantMsg           string // in the error's text
		want              *Node  // the part read
	}{
		{
			name:     "empty",
			in:       "",
			wantLine: 1, wantCol: 1,
			wantMsg: "invalid JSON: unexpected end of JSON",
		},
		{
			name:     "cut_inside_an_array",
			in:       "{\n  \"a\": 1,\n  \"b\": [2",
			wantLine: 3, wantCol: 10,
			wantMsg: "unexpected end of JSON",
			want: &Node{Kind: Object, Line: 1, Members: []Member{
				{Key: "a", Line: 2, Value: &Node{Kind: Number, Line: 2, Str: "1", Complete: true}},
				{Key: "b", Line: 3, Value: &Node{Kind: Array, Line: 3, Items: []*Node{
					{Kind: Number, Line: 3, Str: "2", Complete: true},
				}}},
			}},
		},
		{
			name:     "bad_literal",
			in:       "[1,\n tru]",
			wantLine: 2, wantCol: 2,
			wantMsg: "invalid character ']' in literal true",
			want: &Node{Kind: Array, Line: 1, Items: []*Node{
				{Kind: Number, Line: 1, Str: "1", Complete: true},
			}},
		},
		{
			name:     "trailing_comma",
			in:       `{"a": 1,}`,
			wantLine: 1, wantCol: 9,
			wantMsg: "invalid character '}'",
			want: &Node{Kind: Object, Line: 1, Members: []Member{
				{Key: "a", Line: 1, Value: &Node{Kind: Number, Line: 1, Str: "1", Complete: true}},
			}},
		},
		{
			name:     "data_after_the_value",
			in:       "{}\n{}",
			wantLine: 2,
			wantMsg:  "invalid JSON: unexpected data after the top-level value",
			want:     &Node{Kind: Object, Line: 1, Complete: true},
		},
		{
			name:     "too_deep",
			in:       "[" + deep(MaxDepth) + "]",
			wantLine: 1, wantCol: MaxDepth + 2,
			wantMsg: "nested more than 512 levels deep",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in), "dir/f.json")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error = %v, want an *inventory.ParseError", tt.in, err)
			}
			if pe.Path != "dir/f.json" || pe.Line != tt.wantLine || pe.Column != tt.wantCol {
				t.Errorf("error at %s:%d:%d, want dir/f.json:%d:%d", pe.Path, pe.Line, pe.Column, tt.wantLine, tt.wantCol)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tt.wantMsg)
			}
			if tt.want == nil && tt.name == "too_deep" {
				// The part read is MaxDepth open arrays; cmp.Diff of
				// trees this deep takes too long.
				if d := depth(got); d != MaxDepth {
					t.Errorf("part read is %d arrays deep, want %d", d, MaxDepth)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("part read (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("max_depth_is_accepted", func(t *testing.T) {
		if _, err := Parse([]byte(deep(MaxDepth)), "f.json"); err != nil {
			t.Errorf("Parse of %d nested arrays: %v", MaxDepth, err)
		}
	})
}

// depth counts the incomplete arrays on line 1 nested in n, each holding
// the next as its only item.
func depth(n *Node) int {
	d := 0
	for n != nil && n.Kind == Array && n.Line == 1 && !n.Complete {
		d++
		if len(n.Items) != 1 {
			break
		}
		n = n.Items[0]
	}
	return d
}

func TestFixtures(t *testing.T) {
	tests := []struct {
		file     string
		wantErr  string // "file:line" of the error, or ""
		wantRoot bool
		check    func(t *testing.T, root *Node)
	}{
		{
			file:     "minimal.json",
			wantRoot: true,
			check: func(t *testing.T, root *Node) {
				type field struct {
					Kind Kind
					Line int
					Text string
				}
				at := func(n *Node) field {
					s := n.Str
					if n.Kind == Bool && n.Bool {
						s = "true"
					}
					return field{n.Kind, n.Line, s}
				}
				got := []field{
					at(root.Get("name")),
					at(root.Get("version")),
					at(root.Get("flags").Items[0]),
					at(root.Get("flags").Items[2]),
					at(root.Get("nested").Get("deep").Get("key")),
					at(root.Get("nested").Get("list")),
					at(root.Get(`escaped "key"`)),
					at(root.Get("repeated")),
					at(root.Get("number")),
				}
				want := []field{
					{String, 2, "minimal"},
					{Number, 3, "2"},
					{Bool, 4, "true"},
					{Null, 4, ""},
					{String, 6, "value"},
					{Array, 8, ""},
					{String, 10, "tab\there é"},
					{String, 12, "last"},
					{Number, 13, "-1.5e3"},
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("values (-want +got):\n%s", diff)
				}
			},
		},
		{
			file:     "real.json",
			wantRoot: true,
			check: func(t *testing.T, root *Node) {
				var got []string
				for _, m := range root.Get("Packages").Members {
					v, _ := m.Value.Get("Version").Text()
					got = append(got, m.Key+"@"+v+":"+strconv.Itoa(m.Line))
				}
				want := []string{"BiocGenerics@0.38.0:15", "limma@3.50.0:25", "renv@0.14.0-69:35"}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("packages (-want +got):\n%s", diff)
				}
			},
		},
		{
			file:     "malformed.json",
			wantErr:  "malformed.json:25",
			wantRoot: true,
			check: func(t *testing.T, root *Node) {
				pkgs := root.Get("Packages")
				if root.Complete || pkgs.Complete || len(pkgs.Members) != 2 {
					t.Fatalf("Packages: complete %v, %d members; want an incomplete object with 2", pkgs.Complete, len(pkgs.Members))
				}
				if first, second := pkgs.Members[0].Value, pkgs.Members[1].Value; !first.Complete || second.Complete {
					t.Errorf("complete: BiocGenerics %v, limma %v; want true, false", first.Complete, second.Complete)
				}
			},
		},
		{file: "empty.json", wantErr: "empty.json:1"},
		{file: "wrongformat.yaml", wantErr: "wrongformat.yaml:1"},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.file, ".", "_"), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			root, err := Parse(data, tt.file)
			var gotErr string
			var pe *inventory.ParseError
			if errors.As(err, &pe) {
				gotErr = pe.Path + ":" + strconv.Itoa(pe.Line)
			} else if err != nil {
				t.Fatalf("error %v is not an *inventory.ParseError", err)
			}
			if gotErr != tt.wantErr {
				t.Errorf("error at %q, want %q (%v)", gotErr, tt.wantErr, err)
			}
			if valid := json.Valid(data); valid != (err == nil) {
				t.Errorf("json.Valid = %v, but Parse error = %v", valid, err)
			}
			if (root != nil) != tt.wantRoot {
				t.Fatalf("root = %v, want one: %v", root, tt.wantRoot)
			}
			if tt.check != nil {
				tt.check(t, root)
			}
		})
	}
}

func TestNodeMethods(t *testing.T) {
	obj := &Node{Kind: Object, Members: []Member{
		{Key: "s", Value: &Node{Kind: String, Str: "x y"}},
		{Key: "n", Value: &Node{Kind: Number, Str: "1.0"}},
	}}
	tests := []struct {
		name                   string
		n                      *Node
		wantText               string
		wantIsText             bool
		wantKind, wantDescribe string
	}{
		{name: "nil", n: nil, wantKind: "missing", wantDescribe: "of type missing"},
		{name: "string", n: obj.Get("s"), wantText: "x y", wantIsText: true, wantKind: "string", wantDescribe: `"x y"`},
		{name: "number", n: obj.Get("n"), wantKind: "number", wantDescribe: "1.0"},
		{name: "object", n: obj, wantKind: "object", wantDescribe: "of type object"},
		{name: "boolean", n: &Node{Kind: Bool}, wantKind: "boolean", wantDescribe: "of type boolean"},
		{name: "zero_kind", n: &Node{}, wantKind: "nothing", wantDescribe: "of type nothing"},
		{name: "missing_key", n: obj.Get("absent"), wantKind: "missing", wantDescribe: "of type missing"},
		{name: "key_of_a_non_object", n: obj.Get("s").Get("s"), wantKind: "missing", wantDescribe: "of type missing"},
		{name: "key_of_nil", n: obj.Get("absent").Get("s"), wantKind: "missing", wantDescribe: "of type missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, ok := tt.n.Text()
			if text != tt.wantText || ok != tt.wantIsText {
				t.Errorf("Text() = %q, %v; want %q, %v", text, ok, tt.wantText, tt.wantIsText)
			}
			if got := tt.n.KindName(); got != tt.wantKind {
				t.Errorf("KindName() = %q, want %q", got, tt.wantKind)
			}
			if got := tt.n.Describe(); got != tt.wantDescribe {
				t.Errorf("Describe() = %q, want %q", got, tt.wantDescribe)
			}
		})
	}
}

func TestReadObject(t *testing.T) {
	readErr := errors.New("disk on fire")
	tests := []struct {
		name      string
		in        string
		readErr   error
		wantRoot  bool
		wantErrs  []string
		wantIsErr error
	}{
		{name: "blank", in: " \n\t\n"},
		{name: "object", in: `{"a": 1}`, wantRoot: true},
		{
			name:     "cut_short",
			in:       "{\"a\": 1,\n",
			wantRoot: true,
			wantErrs: []string{"app/x.lock:2:1: invalid JSON: unexpected end of JSON"},
		},
		{
			name:     "array_at_the_top",
			in:       "\n[1]",
			wantErrs: []string{"app/x.lock:2: the top level is a JSON array, not an object: not a x.lock"},
		},
		{
			name:     "array_cut_short",
			in:       "[1,",
			wantErrs: []string{"app/x.lock:1: the top level is a JSON array, not an object: not a x.lock"},
		},
		{
			name:     "nothing_read",
			in:       "nope",
			wantErrs: []string{"app/x.lock:1:3: invalid JSON: invalid character 'o' in literal null (expecting 'u')"},
		},
		{
			name:      "read_error",
			readErr:   readErr,
			wantErrs:  []string{`read "app/x.lock": disk on fire`},
			wantIsErr: readErr,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &inventory.Input{Path: "app/x.lock", Reader: strings.NewReader(tt.in)}
			if tt.readErr != nil {
				in.Reader = iotest.ErrReader(tt.readErr)
			}
			root, errs := ReadObject(in, "x.lock")
			if (root != nil) != tt.wantRoot {
				t.Errorf("root = %v, want one: %v", root, tt.wantRoot)
			}
			var got []string
			for _, err := range errs {
				got = append(got, err.Error())
			}
			if diff := cmp.Diff(tt.wantErrs, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if tt.wantIsErr != nil && !errors.Is(errors.Join(errs...), tt.wantIsErr) {
				t.Errorf("errors %v do not wrap %v", errs, tt.wantIsErr)
			}
		})
	}
}

// FuzzParse checks that Parse never panics and accepts exactly the
// documents json.Valid accepts, but for nesting beyond MaxDepth, and that
// every line it reports is in the file.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		if strings.HasSuffix(file, ".md") {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"a\u0041": ["\ud800", 1e-7, -0.0, "\xff"]}`))
	f.Add([]byte(`[[[[]]]] 1`))
	f.Fuzz(func(t *testing.T, data []byte) {
		root, err := Parse(data, "f.json")
		if errors.Is(err, errTooDeep) {
			return
		}
		if valid := json.Valid(data); valid != (err == nil) {
			t.Fatalf("Parse(%q) error = %v, json.Valid = %v", data, err, valid)
		}
		lines := strings.Count(string(data), "\n") + 1
		if err != nil {
			var pe *inventory.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %v is not an *inventory.ParseError", data, err)
			}
			if pe.Line < 1 || pe.Line > lines {
				t.Fatalf("Parse(%q) error on line %d of %d", data, pe.Line, lines)
			}
		} else if root == nil || !root.Complete {
			t.Fatalf("Parse(%q) = %+v without an error, want a complete root", data, root)
		}
		var walk func(n *Node)
		walk = func(n *Node) {
			if n.Line < 1 || n.Line > lines {
				t.Fatalf("Parse(%q): a %s on line %d of %d", data, n.Kind, n.Line, lines)
			}
			for _, m := range n.Members {
				if m.Line < n.Line || m.Line > lines {
					t.Fatalf("Parse(%q): key %q on line %d of %d", data, m.Key, m.Line, lines)
				}
				walk(m.Value)
			}
			for _, it := range n.Items {
				walk(it)
			}
		}
		if root != nil {
			walk(root)
		}
	})
}
