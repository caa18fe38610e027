package scan

import (
	"context"
	"io"
	"path/filepath"
	"testing"

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
