package cargolock

import (
	"io/fs"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/extract/extracttest"
	"github.com/patchline/patchline/internal/inventory"
)

// TestExtractGraphConsistent checks that the graph of every fixture,
// including the broken ones, is consistent.
func TestExtractGraphConsistent(t *testing.T) {
	fsys := os.DirFS("testdata")
	var locks []string
	for _, pattern := range []string{"*/Cargo.lock", "*/*/Cargo.lock"} {
		m, err := fs.Glob(fsys, pattern)
		if err != nil {
			t.Fatal(err)
		}
		locks = append(locks, m...)
	}
	if len(locks) < 14 {
		t.Fatalf("found %d fixtures: %q", len(locks), locks)
	}
	for _, p := range locks {
		t.Run(p, func(t *testing.T) {
			inv, _ := extracttest.Extract(t, New(), fsys, p) // broken fixtures return errors
			extracttest.CheckGraph(t, inv)
		})
	}
}

// TestExtractGraph checks edges, roots and hashes. Counts were made with
// python3 tomllib and a separate resolution of the dependency entries.
func TestExtractGraph(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		edges  int
		nroots int
		roots  []string
		some   map[string][]string
		id     string
		hashes []string
	}{
		{
			name:   "ripgrep_v1",
			file:   "real/ripgrep-2018/Cargo.lock",
			edges:  46,
			nroots: 21,
			roots:  []string{"aho-corasick@0.6.4", "regex@1.0.0", "log@0.4.1"},
			some: map[string][]string{
				"regex@1.0.0": {"aho-corasick@0.6.4", "memchr@2.0.1", "regex-syntax@0.6.0", "thread_local@0.3.5", "utf8-ranges@1.0.0"},
				"clap@2.31.2": {"ansi_term@0.11.0", "atty@0.2.10", "bitflags@1.0.3", "strsim@0.7.0", "textwrap@0.9.0"},
			},
			id:     "regex@1.0.0",
			hashes: []string{"sha256:75ecf88252dce580404a22444fc7d626c01815debba56a7f4f536772a5ff19d3"},
		},
		{
			name:   "v1",
			file:   "v1/Cargo.lock",
			edges:  9,
			nroots: 1,
			roots:  []string{"rand@0.5.6"},
			some:   map[string][]string{"rand@0.5.6": {"cloudabi@0.0.3", "fuchsia-cprng@0.1.1", "libc@0.2.66"}},
			id:     "bitflags@1.2.1",
			hashes: []string{"sha256:cf1de2fe8c75bc145a2f577add951f8134889b4795d47466a54a5c846d691693"},
		},
		{
			name:   "v2",
			file:   "v2/Cargo.lock",
			edges:  11,
			nroots: 1,
			roots:  []string{"rand@0.8.0"},
			some:   map[string][]string{"rand@0.8.0": {"libc@0.2.81", "rand_chacha@0.3.0"}},
			id:     "rand@0.8.0",
			hashes: []string{"sha256:a76330fb486679b4ace3670f117bbc9e16204005c4bde9c4bd372f45bed34f12"},
		},
		{
			name:   "replace",
			file:   "replace/Cargo.lock",
			edges:  0,
			nroots: 1,
			roots:  []string{"log@0.4.20"},
			id:     "log@0.4.20",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), os.DirFS("testdata"), tt.file)
			if err != nil {
				t.Fatal(err)
			}
			extracttest.CheckGraph(t, inv)
			if got := extracttest.EdgeCount(inv.Packages); got != tt.edges {
				t.Errorf("%d edges, want %d", got, tt.edges)
			}
			if len(inv.Roots) != tt.nroots {
				t.Errorf("%d roots, want %d", len(inv.Roots), tt.nroots)
			}
			extracttest.CheckRoots(t, tt.roots, inv)
			extracttest.CheckEdges(t, tt.some, inv.Packages)
			var p inventory.Package
			for _, q := range inv.Packages {
				if q.ID == tt.id {
					p = q
				}
			}
			if p.ID == "" {
				t.Fatalf("no package with ID %q", tt.id)
			}
			if diff := cmp.Diff(tt.hashes, p.Hashes); diff != "" {
				t.Errorf("%s: Hashes (-want +got):\n%s", tt.id, diff)
			}
		})
	}
}
