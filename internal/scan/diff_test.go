package scan

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/extract"
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/policy"
	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/report/diffreport"
	"github.com/patchline/patchline/internal/result"
)

// TestDiffsOnSharedCorpus compares real versions of the same project from
// the shared corpus (patchline diff OLD NEW on two lockfiles) and pins the
// JSON in testdata/diff (-update rewrites it).
func TestDiffsOnSharedCorpus(t *testing.T) {
	shared := sharedDir(t)
	database := sharedDB(t)
	pairs := []struct{ name, old, new string }{
		{"yarn-prettier-2020-2023", "yarn-prettier-2020/yarn.lock", "yarn-prettier-2023/yarn.lock"},
		{"pypi-saleor-2019-2021", "pypi-saleor-2019/requirements.txt", "pypi-saleor-2021/poetry.lock"},
		{"pypi-saleor-2021-2025", "pypi-saleor-2021/poetry.lock", "pypi-saleor-2025/uv.lock"},
		{"pnpm-vuejs-core-2022-manifest-lock", "pnpm-vuejs-core-2022/package.json", "pnpm-vuejs-core-2022/pnpm-lock.yaml"},
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			via := map[[3]string][]string{}
			side := func(rel string) *result.Result {
				c := &report.Collector{}
				s := &Scanner{Extractors: extract.List(extract.Options{GoStdlib: true}), DB: database, Reachability: "off",
					OnInventory: func(_ extract.File, inv inventory.Inventory) {
						through := inv.Via()
						for _, p := range inv.Packages {
							if p.ID != "" && len(through[p.ID]) > 0 {
								via[[3]string{p.Ecosystem, p.Name, p.Version}] = through[p.ID]
							}
						}
					}}
				if _, err := s.Run(context.Background(), []string{filepath.Join(shared, "corpus", rel)}, c); err != nil {
					t.Fatal(err)
				}
				r := &c.Result
				for i := range r.Packages {
					r.Packages[i].Source = "" // two files: no source to pair by
				}
				for i := range r.Findings {
					r.Findings[i].Source = ""
				}
				return r
			}
			before := side(p.old)
			clear(via) // only the new side's graph says what brought a package in
			after := side(p.new)
			d, err := policy.NewDiff(context.Background(), before, after)
			if err != nil {
				t.Fatal(err)
			}
			for _, list := range [][]policy.Package{d.Added, d.NewTransitive} {
				for i := range list {
					list[i].Via = via[[3]string{list[i].Ecosystem, list[i].Name, list[i].Version}]
				}
			}
			var buf bytes.Buffer
			if err := diffreport.New(p.old, p.new, d).WriteJSON(&buf); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "diff", p.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if diff := cmp.Diff(string(want), buf.String()); diff != "" {
				t.Errorf("diff differs from %s (-want +got):\n%s", golden, diff)
			}
		})
	}
}
