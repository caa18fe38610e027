package uvlock

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
	for _, pattern := range []string{"*/uv.lock", "*/*/uv.lock"} {
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
// python3 tomllib and a separate walk of the tables.
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
			name:   "saleor",
			file:   "real/saleor-2025/uv.lock",
			edges:  322,
			nroots: 105,
			roots:  []string{"adyen@4.0.0", "asgiref@3.9.1", "authlib@1.6.4"},
			some: map[string][]string{
				"celery@5.5.3":    {"billiard@4.2.1", "kombu@5.5.4", "vine@5.1.0", "boto3@1.40.30"},
				"django@5.2.5":    {"asgiref@3.9.1", "sqlparse@0.5.3", "bcrypt@4.3.0"},
				"requests@2.32.5": {"certifi@2025.8.3", "charset-normalizer@3.4.3", "idna@3.10", "urllib3@2.5.0"},
			},
			id: "celery@5.5.3",
			hashes: []string{
				"sha256:6c972ae7968c2b5281227f01c3a3f984037d21c5129d07bf3550cc2afc6b10a5",
				"sha256:0b5761a07057acee94694464ca482416b959568904c9dfa41ce8413a7d65d525",
			},
		},
		{
			name:   "minimal",
			file:   "minimal/uv.lock",
			edges:  9,
			nroots: 7,
			roots:  []string{"httpx@0.28.1", "mylib@0.2.0", "numpy@1.26.4", "rich@14.1.0", "idna@3.10"},
			some: map[string][]string{
				"anyio@4.10.0": {"idna@3.10"},
				"mylib@0.2.0":  {"numpy@2.3.2"},
				"pytest@8.4.2": {"colorama@0.4.6", "iniconfig@2.1.0"},
			},
		},
		{
			name:   "workspace",
			file:   "workspace/uv.lock",
			edges:  0,
			nroots: 3,
			roots:  []string{"click@8.2.1", "pydantic@2.11.7", "pytest@8.4.2"},
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
			if tt.id == "" {
				return
			}
			var p inventory.Package
			for _, q := range inv.Packages {
				if q.ID == tt.id {
					p = q
				}
			}
			if diff := cmp.Diff(tt.hashes, p.Hashes); diff != "" {
				t.Errorf("%s: Hashes (-want +got):\n%s", tt.id, diff)
			}
		})
	}
}
