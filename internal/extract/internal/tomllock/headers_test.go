package tomllock

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/google/go-cmp/cmp"
)

func TestHeaderLines(t *testing.T) {
	tests := []struct {
		name string
		file string
		n    int
		// want is the whole result when wantFirst is nil; otherwise the
		// result has n lines starting with wantFirst and ending at
		// wantLast.
		want      []int
		wantFirst []int
		wantLast  int
	}{
		{
			name: "minimal",
			file: "minimal.toml",
			n:    3,
			want: []int{2, 9, 17},
		},
		{
			name:      "real_cargo_lock",
			file:      "real/Cargo.lock",
			n:         47,
			wantFirst: []int{1, 9, 17},
			wantLast:  369,
		},
		{
			name: "empty",
			file: "empty.toml",
			n:    0,
			want: []int{},
		},
		{
			name: "count_differs_gives_no_lines",
			file: "minimal.toml",
			n:    2,
			want: []int{0, 0},
		},
		{
			name: "wrong_format_json",
			file: "wrongformat.json",
			n:    0,
			want: []int{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got := HeaderLines(data, "package", tt.n)
			if tt.wantFirst == nil {
				if diff := cmp.Diff(tt.want, got, cmpEmpty); diff != "" {
					t.Errorf("HeaderLines (-want +got):\n%s", diff)
				}
				return
			}
			if len(got) != tt.n {
				t.Fatalf("got %d lines, want %d", len(got), tt.n)
			}
			if diff := cmp.Diff(tt.wantFirst, got[:len(tt.wantFirst)]); diff != "" {
				t.Errorf("first lines (-want +got):\n%s", diff)
			}
			if last := got[len(got)-1]; last != tt.wantLast {
				t.Errorf("last line %d, want %d", last, tt.wantLast)
			}
		})
	}
}

// cmpEmpty makes nil and empty slices equal.
var cmpEmpty = cmp.Transformer("nonNil", func(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
})

// TestHeaderLinesMatchDecoder: on the valid fixtures the scan finds one
// header for each table the TOML decoder decodes.
func TestHeaderLinesMatchDecoder(t *testing.T) {
	for _, file := range []string{"minimal.toml", "real/Cargo.lock", "empty.toml"} {
		t.Run(strings.ReplaceAll(file, "/", "_"), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Package []map[string]any `toml:"package"`
			}
			if _, err := toml.Decode(string(data), &doc); err != nil {
				t.Fatal(err)
			}
			if got, want := len(scanHeaders(data, "package")), len(doc.Package); got != want {
				t.Errorf("scan found %d headers, the decoder %d tables", got, want)
			}
		})
	}
}

func TestScanHeaders(t *testing.T) {
	doc := strings.Join([]string{
		`[[package]]`,                // 1
		`a = "[[package]]"`,          // 2
		`b = """`,                    // 3
		`[[package]]`,                // 4: inside a string
		`\"""`,                       // 5: escaped quotes
		`[[package]]"""`,             // 6: still inside
		`c = '''`,                    // 7
		`[[package]]'''`,             // 8: inside
		`# [[package]]`,              // 9
		`  [[ "package" ]] # quoted`, // 10
		`[[package.deps]]`,           // 11: another table
		`d = 'x' # [[package]]`,      // 12
		`[[package]]`,                // 13
	}, "\n")
	want := []int{1, 10, 13}
	if diff := cmp.Diff(want, scanHeaders([]byte(doc), "package")); diff != "" {
		t.Errorf("scanHeaders (-want +got):\n%s", diff)
	}
}

func FuzzHeaderLines(f *testing.F) {
	for _, file := range []string{"minimal.toml", "real/Cargo.lock", "empty.toml", "malformed.toml", "wrongformat.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := scanHeaders(data, "package")
		last := bytes.Count(data, []byte("\n")) + 1
		for i, l := range lines {
			if l < 1 || l > last || i > 0 && l <= lines[i-1] {
				t.Fatalf("lines %v: want increasing lines from 1 to %d", lines, last)
			}
		}
		for _, n := range []int{len(lines), len(lines) + 1} {
			if got := HeaderLines(data, "package", n); len(got) != n {
				t.Fatalf("HeaderLines(data, %q, %d) has %d lines", "package", n, len(got))
			}
		}
	})
}
