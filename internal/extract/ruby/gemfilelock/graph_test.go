package gemfilelock

import (
	"io/fs"
	"os"
	"testing"

	"github.com/patchline/patchline/internal/extract/extracttest"
)

// TestExtractGraphConsistent checks that the graph of every fixture,
// including the broken ones, is consistent.
func TestExtractGraphConsistent(t *testing.T) {
	fsys := os.DirFS("testdata")
	var locks []string
	for _, pattern := range []string{"*/Gemfile.lock", "*/gems.locked"} {
		m, err := fs.Glob(fsys, pattern)
		if err != nil {
			t.Fatal(err)
		}
		locks = append(locks, m...)
	}
	if len(locks) < 6 {
		t.Fatalf("found %d fixtures: %q", len(locks), locks)
	}
	for _, p := range locks {
		t.Run(p, func(t *testing.T) {
			inv, _ := extracttest.Extract(t, New(), fsys, p) // broken fixtures return errors
			extracttest.CheckGraph(t, inv)
		})
	}
}

// TestExtractGraph checks edges and roots. Counts were made with a separate
// python3 reading of the lockfiles (dependency names not among the specs,
// such as bundler, are left out).
func TestExtractGraph(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		edges  int
		nroots int
		roots  []string
		some   map[string][]string
	}{
		{
			name:   "railsgoat",
			file:   "real-railsgoat/Gemfile.lock",
			edges:  183,
			nroots: 43,
			roots:  []string{"bcrypt@3.1.12"},
			some: map[string][]string{
				"rails@5.1.6":     {"actionpack@5.1.6", "activesupport@5.1.6", "railties@5.1.6"},
				"rack-test@1.0.0": {"rack@2.0.5"},
			},
		},
		{
			name:   "minimal",
			file:   "minimal/Gemfile.lock",
			edges:  8,
			nroots: 11,
			some:   map[string][]string{"rails@7.1.3": {"activesupport@7.1.3"}},
		},
		{name: "gems_locked", file: "gems-locked/gems.locked", edges: 0, nroots: 2},
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
		})
	}
}
