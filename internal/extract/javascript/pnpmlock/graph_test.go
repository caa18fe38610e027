package pnpmlock_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/extract/extracttest"
)

// TestExtractGraph checks the dependency graph and hashes on the real
// fixtures (counts made independently with Python over the same files), and
// that every fixture's graph is consistent.
func TestExtractGraph(t *testing.T) {
	tests := []struct {
		name   string
		dir    string
		edges  int
		roots  []string
		some   map[string][]string
		id     string
		hashes []string
	}{
		{
			name:  "vuejs_core_v5_4",
			dir:   "real-v5-vuejs-core-excerpt",
			edges: 9,
			roots: []string{"/@vue/repl/1.2.4_vue@packages+vue", "/csstype/2.6.19", "/file-saver/2.0.5", "/jszip/3.7.1",
				"/monaco-editor/0.20.0", "/postcss/8.4.4", "/typescript/4.6.4"},
		},
		{
			name:  "vue_vapor_bench_v9",
			dir:   "real-v9-vue-vapor-bench-excerpt",
			edges: 12,
			roots: []string{"@vitejs/plugin-vue@6.0.6(vite@8.0.10(@types/node@25.6.0))(vue@3.5.33(typescript@5.9.3))",
				"solid-js@1.9.12", "typescript@5.9.3", "vite@8.0.10(@types/node@25.6.0)"},
			some: map[string][]string{
				"vue@3.5.33(typescript@5.9.3)": {"@vue/shared@3.5.33", "typescript@5.9.3"},
			},
			id:     "vue@3.5.33(typescript@5.9.3)",
			hashes: []string{"sha512-1AgChhx5w3ALgT4oK3acm2Es/7jyZhWSVUfs3rOBlGQC0rjEDkS7G4lWlJJGGNQD+BV3reCwbQrOe1mPNwKHBQ=="},
		},
		{name: "minimal_v5", dir: "minimal-v5", edges: -1},
		{name: "minimal_v6", dir: "minimal-v6", edges: -1},
		{name: "minimal_v9", dir: "minimal-v9", edges: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := extract(t, tt.dir)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			extracttest.CheckGraph(t, inv)
			if tt.edges >= 0 {
				if got := extracttest.EdgeCount(inv.Packages); got != tt.edges {
					t.Errorf("%d edges, want %d", got, tt.edges)
				}
				if diff := cmp.Diff(len(tt.roots), len(inv.Roots)); diff != "" {
					t.Errorf("number of roots (-want +got):\n%s", diff)
				}
			}
			extracttest.CheckRoots(t, tt.roots, inv)
			extracttest.CheckEdges(t, tt.some, inv.Packages)
			if tt.id == "" {
				return
			}
			for _, p := range inv.Packages {
				if p.ID == tt.id {
					if diff := cmp.Diff(tt.hashes, p.Hashes); diff != "" {
						t.Errorf("%s: Hashes (-want +got):\n%s", tt.id, diff)
					}
				}
			}
		})
	}
}
