package scan

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/patchline/patchline/internal/db"
	"github.com/patchline/patchline/internal/extract"
	"github.com/patchline/patchline/internal/report/jsonreport"
)

// BenchmarkScanUptimeKuma is the hot path end to end, in process: extract
// the 882 KB package-lock.json of uptime-kuma (1,402 distinct packages),
// match every package against all of shared/osv, and write the JSON report.
func BenchmarkScanUptimeKuma(b *testing.B) {
	database := sharedDB(b)
	lock := filepath.Join(sharedDir(b), "corpus", "npm-uptime-kuma-2024", "package-lock.json")
	s := &Scanner{Extractors: extract.List(extract.Options{GoStdlib: true}), DB: database}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Run(context.Background(), []string{lock}, jsonreport.New(io.Discard)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanGoCaddy scans a go.mod with its go.sum (183 modules and the
// standard library) against the 4,291 Go advisories.
func BenchmarkScanGoCaddy(b *testing.B) {
	database := sharedDB(b)
	mod := filepath.Join(sharedDir(b), "corpus", "go-caddy-2020", "go.mod")
	s := &Scanner{Extractors: extract.List(extract.Options{GoStdlib: true}), DB: database}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Run(context.Background(), []string{mod}, jsonreport.New(io.Discard)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanMonorepo scans a generated monorepo of N projects, each a
// copy of the demo's real lockfiles (a 1,460-package package-lock v1 and a
// requirements.txt), against the bundled advisories. Time per lockfile
// stays flat as N grows: the scan is linear in the size of the tree.
func BenchmarkScanMonorepo(b *testing.B) {
	lock, err := os.ReadFile(filepath.Join("..", "..", "examples", "demo", "nodegoat", "package-lock.json"))
	if err != nil {
		b.Fatal(err)
	}
	reqs, err := os.ReadFile(filepath.Join("..", "..", "examples", "demo", "pygoat", "requirements.txt"))
	if err != nil {
		b.Fatal(err)
	}
	database := benchDemoDB(b)
	for _, projects := range []int{25, 50, 100} {
		root := b.TempDir()
		for i := range projects {
			dir := filepath.Join(root, "services", fmt.Sprintf("svc%03d", i))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "package-lock.json"), lock, 0o644); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "requirements.txt"), reqs, 0o644); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("lockfiles=%d", 2*projects), func(b *testing.B) {
			s := &Scanner{Extractors: extract.List(extract.Options{GoStdlib: true}), DB: database}
			for b.Loop() {
				if _, err := s.Run(context.Background(), []string{root}, jsonreport.New(io.Discard)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(2*projects)/1e6, "ms/lockfile")
		})
	}
}

func benchDemoDB(b *testing.B) *db.DB {
	b.Helper()
	dir := b.TempDir()
	if _, err := db.Import(context.Background(), dir, []string{filepath.Join("..", "..", "testdata", "osv")}, db.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	d, err := db.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	return d
}
