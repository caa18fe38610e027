package poetrylock

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
	for _, pattern := range []string{"*/poetry.lock", "*/*/poetry.lock"} {
		m, err := fs.Glob(fsys, pattern)
		if err != nil {
			t.Fatal(err)
		}
		locks = append(locks, m...)
	}
	if len(locks) < 7 {
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
// python3 tomllib, leaving out optional dependencies as the extractor does.
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
			name:   "saleor_v1",
			file:   "real/saleor-2021/poetry.lock",
			edges:  276,
			nroots: 89,
			roots:  []string{"django@3.2.2", "celery@5.1.0", "boto3@1.17.70"},
			some: map[string][]string{
				"celery@5.1.0":    {"billiard@3.6.4.0", "click@7.1.2", "kombu@5.1.0", "vine@5.0.0"},
				"django@3.2.2":    {"asgiref@3.3.4", "pytz@2021.1", "sqlparse@0.4.1"},
				"requests@2.25.1": {"certifi@2020.12.5", "chardet@4.0.0", "idna@2.10", "urllib3@1.26.4"},
			},
			id: "celery@5.1.0",
			hashes: []string{
				"sha256:1329de1edeaf734ef859e630cb42df2c116d53e59d2f46433b13aed196e85620",
				"sha256:65f061c04578cf189cd7352c192e1a79fdeb370b916bff792bcc769560e81184",
			},
		},
		{
			name:   "minimal_v1",
			file:   "minimal-v1/poetry.lock",
			edges:  1,
			nroots: 5,
			roots:  []string{"Django@3.2.4", "pytest@6.2.4", "redis@3.5.3", "forked@1.0.0"},
			some:   map[string][]string{"Django@3.2.4": {"asgiref@3.4.1"}},
			id:     "asgiref@3.4.1",
		},
		{
			name:   "minimal_v2",
			file:   "minimal-v2/poetry.lock",
			edges:  4,
			roots:  []string{"pytest@8.3.5", "sphinx@7.4.7", "bundle@0.3.0"},
			nroots: -1,
			some:   map[string][]string{"requests@2.32.3": {"certifi@2025.1.31"}},
			id:     "certifi@2025.1.31",
			hashes: []string{"sha256:00"},
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
			if tt.nroots >= 0 && len(inv.Roots) != tt.nroots {
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
