package db

import (
	"archive/zip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/osv"
)

// The benchmarks in this file chose the storage layout (see BENCHMARKS.md).
// Each answers the question a scan asks, "which advisories name these
// packages?", for the 1,402 package names of a real npm lockfile against the
// npm advisories of shared/osv, three ways:
//
//   - Segment: patchline's indexed, memory-mapped file (open + lookups);
//   - ParseExport: osv-scanner's offline way, reading and decoding the
//     ecosystem's whole all.zip on every run;
//   - Bolt: a bbolt B+tree file (what Trivy's database uses), one key per
//     normalised name holding the JSON of its advisories.

func sharedOSV(b *testing.B) string {
	b.Helper()
	dir := os.Getenv("PATCHLINE_SHARED")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "osv", "npm", "all.zip")); err != nil {
		b.Skip("no shared test data")
	}
	return filepath.Join(dir, "osv")
}

// lockfileNames returns the package names of the uptime-kuma lockfile.
func lockfileNames(b *testing.B, osvDir string) []string {
	b.Helper()
	data, err := os.ReadFile(filepath.Join(osvDir, "..", "corpus", "npm-uptime-kuma-2024", "package-lock.json"))
	if err != nil {
		b.Skip("no shared corpus")
	}
	var lock struct {
		Packages map[string]json.RawMessage `json:"packages"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		b.Fatal(err)
	}
	seen := map[string]bool{}
	var names []string
	for k := range lock.Packages {
		n := k
		if i := strings.LastIndex(k, "node_modules/"); i >= 0 {
			n = k[i+len("node_modules/"):]
		}
		if n != "" && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func BenchmarkLookupSegment(b *testing.B) {
	osvDir := sharedOSV(b)
	names := lockfileNames(b, osvDir)
	dir := b.TempDir()
	if _, err := Import(context.Background(), dir, []string{filepath.Join(osvDir, "npm", "all.zip")}, ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		d, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range names {
			if _, err := d.Lookup("npm", n); err != nil {
				b.Fatal(err)
			}
		}
		d.Close()
	}
}

func BenchmarkLookupParseExport(b *testing.B) {
	osvDir := sharedOSV(b)
	names := lockfileNames(b, osvDir)
	b.ReportAllocs()
	for b.Loop() {
		zr, err := zip.OpenReader(filepath.Join(osvDir, "npm", "all.zip"))
		if err != nil {
			b.Fatal(err)
		}
		index := map[string][]*osv.Entry{}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				b.Fatal(err)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				b.Fatal(err)
			}
			e := new(osv.Entry)
			if err := json.Unmarshal(data, e); err != nil {
				continue
			}
			for _, a := range e.Affected {
				index[a.Package.Name] = append(index[a.Package.Name], e)
			}
		}
		zr.Close()
		for _, n := range names {
			_ = index[n]
		}
	}
}

func BenchmarkLookupBolt(b *testing.B) {
	osvDir := sharedOSV(b)
	names := lockfileNames(b, osvDir)
	path := filepath.Join(b.TempDir(), "bolt.db")
	bdb, err := bolt.Open(path, 0o644, nil)
	if err != nil {
		b.Fatal(err)
	}
	byName := map[string][]json.RawMessage{}
	err = readZip(context.Background(), filepath.Join(osvDir, "npm", "all.zip"), &ImportReport{}, func(e *parsedEntry) {
		for _, n := range e.ecosystems["npm"] {
			byName[n] = append(byName[n], e.json)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucket([]byte("npm"))
		if err != nil {
			return err
		}
		for n, entries := range byName {
			v, err := json.Marshal(entries)
			if err != nil {
				return err
			}
			if err := bk.Put([]byte(n), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	bdb.Close()
	b.ReportAllocs()
	for b.Loop() {
		bdb, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		err = bdb.View(func(tx *bolt.Tx) error {
			bk := tx.Bucket([]byte("npm"))
			for _, n := range names {
				v := bk.Get([]byte(ecosystem.NormalizeName("npm", n)))
				if v == nil {
					continue
				}
				var raw []json.RawMessage
				if err := json.Unmarshal(v, &raw); err != nil {
					return err
				}
				for _, r := range raw {
					e := new(osv.Entry)
					if err := json.Unmarshal(r, e); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		bdb.Close()
	}
}

// BenchmarkImportShared imports all of shared/osv (13,339 advisories in 10
// ecosystems) into a new database.
func BenchmarkImportShared(b *testing.B) {
	osvDir := sharedOSV(b)
	b.ReportAllocs()
	for b.Loop() {
		dir := b.TempDir()
		if _, err := Import(context.Background(), dir, []string{osvDir}, ImportOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
