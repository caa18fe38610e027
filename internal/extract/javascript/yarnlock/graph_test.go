package yarnlock_test

import (
	"testing"

	"github.com/patchline/patchline/internal/extract/extracttest"
)

// TestExtractGraph checks the dependency graph on the real fixtures and
// that every fixture's graph is consistent.
func TestExtractGraph(t *testing.T) {
	tests := []struct {
		dir   string
		edges int
		roots []string
		some  map[string][]string
	}{
		{dir: "minimal-classic", edges: 3},
		{dir: "minimal-berry", edges: 2},
		{
			dir:   "real-classic-prettier-excerpt",
			edges: 10,
			roots: []string{"@angular/compiler@9.1.9", "@babel/code-frame@7.10.1", "ci-info@2.0.0", "parse-srcset@1.0.2"},
			some:  map[string][]string{"@babel/code-frame@7.10.1": {"@babel/highlight@7.10.1"}},
		},
		{
			dir:   "real-berry-prettier-excerpt",
			edges: 4,
			roots: []string{"@angular/compiler@16.0.3", "@babel/code-frame@7.21.4", "remark-parse@8.0.3", "typescript@5.0.4"},
			some:  map[string][]string{"@babel/code-frame@7.21.4": {"@babel/highlight@7.18.6"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			inv, err := extract(t, tt.dir)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			extracttest.CheckGraph(t, inv)
			if got := extracttest.EdgeCount(inv.Packages); got != tt.edges {
				t.Errorf("%d edges, want %d", got, tt.edges)
			}
			extracttest.CheckRoots(t, tt.roots, inv)
			extracttest.CheckEdges(t, tt.some, inv.Packages)
		})
	}
}
