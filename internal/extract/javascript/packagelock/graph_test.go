package packagelock_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/extract/extracttest"
	"github.com/patchline/patchline/internal/inventory"
)

// TestExtractGraph checks the dependency graph, hashes and licences on the
// real fixtures, and that every fixture's graph is consistent.
func TestExtractGraph(t *testing.T) {
	tests := []struct {
		name  string
		dir   string
		edges int
		roots []string
		some  map[string][]string
		// hashes and licenses of one package, by ID
		id       string
		hashes   []string
		licenses []string
	}{
		{
			name:  "bookstack_v2",
			dir:   "real-v2-bookstack",
			edges: 203,
			roots: []string{"node_modules/codemirror", "node_modules/markdown-it", "node_modules/esbuild", "node_modules/chokidar-cli"},
			some: map[string][]string{
				"node_modules/markdown-it": {"node_modules/argparse", "node_modules/entities", "node_modules/linkify-it", "node_modules/mdurl", "node_modules/uc.micro"},
				"node_modules/chokidar":    {"node_modules/anymatch", "node_modules/braces", "node_modules/readdirp"},
			},
			id:     "node_modules/codemirror",
			hashes: []string{"sha512-HNyhvGLnYz5c+kIsB9QKVitiZUevha3ovbIYaQiGzKo7ECSL/elWD9RXt3JgNr0NdnyqE9/Rc/7uLfkJQL638w=="},
		},
		{
			name:  "nodegoat_v1_excerpt",
			dir:   "real-v1-nodegoat-excerpt",
			edges: 11,
			roots: []string{"node_modules/express", "node_modules/marked", "node_modules/grunt-if"},
			some: map[string][]string{
				"node_modules/npm": {"node_modules/npm/node_modules/dezalgo"},
			},
			id:     "node_modules/marked",
			hashes: []string{"sha1-VM5qV+cgw6xgmDdOxiX8vMl/8pA="},
		},
		{name: "minimal_v1", dir: "minimal-v1", edges: -1},
		{
			name:     "minimal_v3",
			dir:      "minimal-v3",
			edges:    -1,
			id:       "node_modules/left-pad",
			licenses: []string{"WTFPL"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := extract(t, tt.dir, "package-lock.json")
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			extracttest.CheckGraph(t, inv)
			if tt.edges >= 0 {
				if got := extracttest.EdgeCount(inv.Packages); got != tt.edges {
					t.Errorf("%d edges, want %d", got, tt.edges)
				}
			}
			extracttest.CheckRoots(t, tt.roots, inv)
			extracttest.CheckEdges(t, tt.some, inv.Packages)
			var p inventory.Package
			for _, q := range inv.Packages {
				if q.ID == tt.id {
					p = q
				}
			}
			if diff := cmp.Diff(tt.hashes, p.Hashes); diff != "" {
				t.Errorf("%s: Hashes (-want +got):\n%s", tt.id, diff)
			}
			if diff := cmp.Diff(tt.licenses, p.Licenses); diff != "" {
				t.Errorf("%s: Licenses (-want +got):\n%s", tt.id, diff)
			}
		})
	}
}
