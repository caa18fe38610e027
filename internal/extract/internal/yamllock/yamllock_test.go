package yamllock

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/patchline/patchline/internal/inventory"
)

// decode decodes data as yaml.v3 does for the extractors.
func decode(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc)
	return &doc, err
}

func TestDecodeErrorFixtures(t *testing.T) {
	tests := []struct {
		file string
		// want is the position of the error, or nil when the file decodes.
		want    *inventory.ParseError
		wantMsg string // the start of the wrapped error's text
	}{
		{file: "minimal.yaml"},
		{file: "real.yaml"},
		{
			file: "malformed.yaml",
			// yaml.v3 names the line where the enclosing block starts,
			// not line 4, where the bad indentation is.
			want:    &inventory.ParseError{Path: "malformed.yaml", Line: 1},
			wantMsg: "invalid YAML: did not find expected key",
		},
		{
			file:    "wrongformat.json",
			want:    &inventory.ParseError{Path: "wrongformat.json", Line: 2},
			wantMsg: "invalid YAML: did not find expected ',' or '}'",
		},
		{
			// The decoder reports an empty document as io.EOF, which
			// names no line.
			file:    "empty.yaml",
			want:    &inventory.ParseError{Path: "empty.yaml"},
			wantMsg: "invalid YAML: EOF",
		},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.file, ".", "_"), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			_, decErr := decode(data)
			if tt.want == nil {
				if decErr != nil {
					t.Fatalf("decode: %v", decErr)
				}
				return
			}
			if decErr == nil {
				t.Fatal("decode: no error, want one")
			}
			var pe *inventory.ParseError
			if !errors.As(DecodeError(tt.file, decErr), &pe) {
				t.Fatal("DecodeError gave no *inventory.ParseError")
			}
			got := &inventory.ParseError{Path: pe.Path, Line: pe.Line, Column: pe.Column}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("position (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(pe.Err.Error(), tt.wantMsg) {
				t.Errorf("error %q, want it to start with %q", pe.Err, tt.wantMsg)
			}
		})
	}
}

func TestDecodeError(t *testing.T) {
	other := errors.New("yaml: unknown anchor 'x' referenced")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"line_and_message", errors.New("yaml: line 12: mapping values are not allowed in this context"), "f.yaml:12: invalid YAML: mapping values are not allowed in this context"},
		{"no_line", other, "f.yaml: invalid YAML: yaml: unknown anchor 'x' referenced"},
		{"line_too_large", errors.New("yaml: line 99999999999999999999: x"), "f.yaml: invalid YAML: yaml: line 99999999999999999999: x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := DecodeError("f.yaml", tt.err)
			if got := err.Error(); got != tt.want {
				t.Errorf("DecodeError = %q, want %q", got, tt.want)
			}
			if tt.err == other && !errors.Is(err, other) {
				t.Errorf("DecodeError does not wrap the error without a line")
			}
		})
	}
}

func TestKindName(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := decode(data)
	if err != nil {
		t.Fatal(err)
	}
	top := doc.Content[0]
	value := func(key string) *yaml.Node {
		for i := 0; i+1 < len(top.Content); i += 2 {
			if top.Content[i].Value == key {
				return top.Content[i+1]
			}
		}
		t.Fatalf("no %q in minimal.yaml", key)
		return nil
	}
	packages := value("packages")
	long := strings.Repeat("x", 61)
	tests := []struct {
		name string
		node *yaml.Node
		want string
	}{
		{"document", doc, "a document"},
		{"mapping", packages, "a mapping"},
		{"list", packages.Content[7], "a list"},
		{"alias", packages.Content[5], "an alias"},
		{"scalar", value("lockfileVersion"), `"9.0"`},
		{"scalar_of_60_bytes", &yaml.Node{Kind: yaml.ScalarNode, Value: long[:60]}, `"` + long[:60] + `"`},
		{"long_scalar_cut", &yaml.Node{Kind: yaml.ScalarNode, Value: long}, `"` + long[:60] + `..."`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KindName(tt.node); got != tt.want {
				t.Errorf("KindName = %s, want %s", got, tt.want)
			}
		})
	}
}

// FuzzDecodeError checks that every decoder error becomes a ParseError for
// the file, at a line of the input when it has one, and that KindName
// describes every node without panicking.
func FuzzDecodeError(f *testing.F) {
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
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, decErr := decode(data)
		if decErr == nil {
			var walk func(n *yaml.Node, depth int)
			walk = func(n *yaml.Node, depth int) {
				if KindName(n) == "" || depth > 100 {
					return
				}
				for _, c := range n.Content {
					walk(c, depth+1)
				}
			}
			walk(doc, 0)
			return
		}
		var pe *inventory.ParseError
		if !errors.As(DecodeError("f.yaml", decErr), &pe) || pe.Path != "f.yaml" {
			t.Fatalf("DecodeError(%v) is not a ParseError for the file", decErr)
		}
		if lines := bytes.Count(data, []byte("\n")) + 2; pe.Line < 0 || pe.Line > lines {
			t.Fatalf("error %v on line %d of a %d-line input", decErr, pe.Line, lines)
		}
	})
}
