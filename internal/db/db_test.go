package db

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fixture returns the bytes of a test advisory.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "osv", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

type zipFile struct {
	name   string
	data   []byte
	method uint16
}

// writeZip writes an archive of files to path.
func writeZip(t *testing.T, path string, files ...zipFile) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: f.method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// exportLayout writes an OSV export layout with the test advisories.
func exportLayout(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeZip(t, filepath.Join(dir, "PyPI", "all.zip"),
		zipFile{name: "PYSEC-2008-1.json", data: fixture(t, "PYSEC-2008-1.json"), method: zip.Deflate},
		zipFile{name: "PYSEC-2012-6.json", data: fixture(t, "PYSEC-2012-6.json"), method: zip.Deflate},
		zipFile{name: "PYSEC-2019-144.json", data: fixture(t, "PYSEC-2019-144.json"), method: zip.Deflate},
	)
	writeZip(t, filepath.Join(dir, "Go", "all.zip"),
		zipFile{name: "GO-2021-0067.json", data: fixture(t, "GO-2021-0067.json"), method: zip.Deflate},
		zipFile{name: "GO-2022-0617.json", data: fixture(t, "GO-2022-0617.json"), method: zip.Deflate},
	)
	return dir
}

func ids(t *testing.T, d *DB, eco, name string) []string {
	t.Helper()
	entries, err := d.Lookup(eco, name)
	if err != nil {
		t.Fatalf("Lookup(%q, %q): %v", eco, name, err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.ID)
	}
	sort.Strings(out)
	return out
}

func mustImport(t *testing.T, dir string, paths ...string) *ImportReport {
	t.Helper()
	rep, err := Import(context.Background(), dir, paths, ImportOptions{})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return rep
}

func open(t *testing.T, dir string) *DB {
	t.Helper()
	d, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestImportExportLayout(t *testing.T) {
	dbDir := t.TempDir()
	rep := mustImport(t, dbDir, exportLayout(t))
	if len(rep.Skipped) != 0 {
		t.Errorf("skipped = %v, want none", rep.Skipped)
	}
	d := open(t, dbDir)

	tests := []struct {
		name      string
		eco, pkg  string
		want      []string
		wantEmpty bool
	}{
		{name: "pypi_name_normalised", eco: "PyPI", pkg: "Django", want: []string{"PYSEC-2008-1"}},
		{name: "pypi_exact", eco: "PyPI", pkg: "trytond", want: []string{"PYSEC-2012-6"}},
		{name: "withdrawn_not_indexed", eco: "PyPI", pkg: "arrayfire", wantEmpty: true},
		{name: "go_stdlib", eco: "Go", pkg: "stdlib", want: []string{"GO-2021-0067"}},
		{name: "go_withdrawn", eco: "Go", pkg: "k8s.io/kubernetes", wantEmpty: true},
		{name: "unknown_package", eco: "PyPI", pkg: "no-such-package", wantEmpty: true},
		{name: "ecosystem_not_imported", eco: "npm", pkg: "hapi", wantEmpty: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(t, d, tt.eco, tt.pkg)
			if tt.wantEmpty {
				if len(got) != 0 {
					t.Errorf("Lookup = %v, want none", got)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lookup (-want +got):\n%s", diff)
			}
		})
	}

	status := d.Status()
	type row struct {
		Eco                string
		Entries, Withdrawn int
		Newest             string
	}
	var got []row
	for _, s := range status {
		got = append(got, row{s.Ecosystem, s.Entries, s.Withdrawn, s.NewestModified.Format(time.RFC3339)})
		if !strings.HasSuffix(s.Source, filepath.Join(s.Ecosystem, "all.zip")) {
			t.Errorf("%s source = %q, want the all.zip path", s.Ecosystem, s.Source)
		}
	}
	want := []row{
		{"Go", 2, 1, "2024-08-21T16:25:56Z"},
		{"PyPI", 3, 1, "2024-09-09T00:00:00Z"},
	}
	// The newest modified times are those of the fixtures.
	want[1].Newest = newestModified(t, "PYSEC-2008-1.json", "PYSEC-2012-6.json", "PYSEC-2019-144.json")
	want[0].Newest = newestModified(t, "GO-2021-0067.json", "GO-2022-0617.json")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Status (-want +got):\n%s", diff)
	}

	// Withdrawn entries are still stored, by id.
	e, err := d.Get("PyPI", "PYSEC-2019-144")
	if err != nil || e == nil || e.Withdrawn == nil {
		t.Errorf("Get(withdrawn) = %v, %v; want the withdrawn entry", e, err)
	}
}

func newestModified(t *testing.T, names ...string) string {
	t.Helper()
	var newest time.Time
	for _, n := range names {
		e, err := parseEntry(fixture(t, n))
		if err != nil {
			t.Fatal(err)
		}
		if e.modified.After(newest) {
			newest = e.modified
		}
	}
	return newest.Format(time.RFC3339)
}

func TestImportReplacesFullExport(t *testing.T) {
	dbDir := t.TempDir()
	mustImport(t, dbDir, exportLayout(t))

	// A new export of PyPI without django replaces the old one.
	layout := t.TempDir()
	writeZip(t, filepath.Join(layout, "PyPI", "all.zip"),
		zipFile{name: "PYSEC-2012-6.json", data: fixture(t, "PYSEC-2012-6.json")})
	mustImport(t, dbDir, filepath.Join(layout, "PyPI", "all.zip"))

	d := open(t, dbDir)
	if got := ids(t, d, "PyPI", "django"); len(got) != 0 {
		t.Errorf("django after replacing export = %v, want none", got)
	}
	if got := ids(t, d, "PyPI", "trytond"); len(got) != 1 {
		t.Errorf("trytond = %v, want PYSEC-2012-6", got)
	}
	if got := ids(t, d, "Go", "stdlib"); len(got) != 1 {
		t.Errorf("Go, untouched by the PyPI import = %v, want GO-2021-0067", got)
	}
	// Old segments are cleaned up: one per ecosystem is left.
	segs, _ := filepath.Glob(filepath.Join(dbDir, "*.seg"))
	if len(segs) != 2 {
		t.Errorf("segment files = %v, want 2", segs)
	}
}

func TestImportMergesFilesAndDirectories(t *testing.T) {
	dbDir := t.TempDir()
	mustImport(t, dbDir, exportLayout(t))

	// One .json file adds to what is there.
	mustImport(t, dbDir, filepath.Join("testdata", "osv", "NSWG-ECO-11.json"))
	// A directory of .json files (the PyPI ones again, one modified later).
	jsonDir := t.TempDir()
	newer := bytes.Replace(fixture(t, "PYSEC-2008-1.json"), []byte(`"modified": "`), []byte(`"modified": "2099-01-01T00:00:00Z", "x_old_modified": "`), 1)
	if err := os.WriteFile(filepath.Join(jsonDir, "PYSEC-2008-1.json"), newer, 0o644); err != nil {
		t.Fatal(err)
	}
	mustImport(t, dbDir, jsonDir)

	d := open(t, dbDir)
	if got := ids(t, d, "npm", "hapi"); !cmp.Equal(got, []string{"NSWG-ECO-11"}) {
		t.Errorf("npm hapi = %v, want NSWG-ECO-11", got)
	}
	if got := ids(t, d, "PyPI", "trytond"); !cmp.Equal(got, []string{"PYSEC-2012-6"}) {
		t.Errorf("trytond after merge = %v, want it kept", got)
	}
	e, err := d.Get("PyPI", "PYSEC-2008-1")
	if err != nil || e == nil || e.Modified.Year() != 2099 {
		t.Errorf("PYSEC-2008-1 after merge = %+v, %v; want the newer copy", e, err)
	}
}

func TestImportSkipsInvalidEntries(t *testing.T) {
	layout := t.TempDir()
	writeZip(t, filepath.Join(layout, "PyPI", "all.zip"),
		zipFile{name: "PYSEC-2008-1.json", data: fixture(t, "PYSEC-2008-1.json")},
		zipFile{name: "broken.json", data: []byte(`{"id": "PYSEC-BROKEN", "affected": [`)},
		zipFile{name: "noid.json", data: []byte(`{"modified": "2020-01-01T00:00:00Z"}`)},
		zipFile{name: "README.txt", data: []byte("not an advisory")},
	)
	dbDir := t.TempDir()
	rep := mustImport(t, dbDir, layout)
	var got []string
	for _, s := range rep.Skipped {
		got = append(got, s.Entry)
	}
	sort.Strings(got)
	if want := []string{"README.txt", "broken.json", "noid.json"}; !cmp.Equal(got, want) {
		t.Errorf("skipped = %v, want %v", got, want)
	}
	if got := ids(t, open(t, dbDir), "PyPI", "django"); len(got) != 1 {
		t.Errorf("valid entry not imported: %v", got)
	}
}

// TestImportRefusesHostileArchives checks every refusal leaves the previous
// database intact and usable.
func TestImportRefusesHostileArchives(t *testing.T) {
	big := bytes.Repeat([]byte(" "), 4<<20)
	bomb := append(append([]byte(`{"id": "BOMB-1", "modified": "2020-01-01T00:00:00Z", "details": "`), big...), []byte(`"}`)...)
	tests := []struct {
		name    string
		files   []zipFile
		raw     []byte // the archive bytes, when not built from files
		wantErr string
	}{
		{name: "path_traversal", files: []zipFile{{name: "../../etc/evil.json", data: fixture(t, "PYSEC-2008-1.json")}}, wantErr: "path traversal"},
		{name: "absolute_path", files: []zipFile{{name: "/tmp/evil.json", data: fixture(t, "PYSEC-2008-1.json")}}, wantErr: "absolute path"},
		{name: "backslash_path", files: []zipFile{{name: `..\evil.json`, data: fixture(t, "PYSEC-2008-1.json")}}, wantErr: "absolute path"},
		{name: "compression_bomb", files: []zipFile{{name: "bomb.json", data: bomb, method: zip.Deflate}}, wantErr: "over the 200× limit"},
		{name: "not_a_zip", raw: []byte("this is not a zip archive"), wantErr: "not a readable zip archive"},
		{name: "truncated_zip", raw: truncatedZip(t), wantErr: "not a readable zip archive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbDir := t.TempDir()
			mustImport(t, dbDir, exportLayout(t))
			before, err := os.ReadFile(filepath.Join(dbDir, manifestName))
			if err != nil {
				t.Fatal(err)
			}

			layout := t.TempDir()
			zipPath := filepath.Join(layout, "PyPI", "all.zip")
			if tt.raw != nil {
				if err := os.MkdirAll(filepath.Dir(zipPath), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(zipPath, tt.raw, 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				writeZip(t, zipPath, tt.files...)
			}
			_, err = Import(context.Background(), dbDir, []string{layout}, ImportOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Import error = %v, want one containing %q", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), zipPath) {
				t.Errorf("error %q does not name the archive %q", err, zipPath)
			}
			after, err := os.ReadFile(filepath.Join(dbDir, manifestName))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Errorf("manifest changed by a failed import")
			}
			if got := ids(t, open(t, dbDir), "PyPI", "django"); len(got) != 1 {
				t.Errorf("previous database unusable after failed import: %v", got)
			}
			if tmp, _ := filepath.Glob(filepath.Join(dbDir, "*.tmp")); len(tmp) != 0 {
				t.Errorf("temporary files left behind: %v", tmp)
			}
			if segs, _ := filepath.Glob(filepath.Join(dbDir, "*.seg")); len(segs) != 2 {
				t.Errorf("segment files = %v, want the 2 of the previous import", segs)
			}
		})
	}
}

func truncatedZip(t *testing.T) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "all.zip")
	writeZip(t, p, zipFile{name: "PYSEC-2008-1.json", data: fixture(t, "PYSEC-2008-1.json"), method: zip.Deflate})
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data[:len(data)/2]
}

func TestImportEntryOverSizeCap(t *testing.T) {
	// A header claiming more than the cap is refused before any reading.
	layout := t.TempDir()
	zipPath := filepath.Join(layout, "PyPI", "all.zip")
	entry := append(append([]byte(`{"id": "HUGE-1", "modified": "2020-01-01T00:00:00Z", "details": "`), bytes.Repeat([]byte("ab"), (MaxEntrySize/2)+1)...), '"', '}')
	writeZip(t, zipPath, zipFile{name: "HUGE-1.json", data: entry, method: zip.Deflate})
	_, err := Import(context.Background(), t.TempDir(), []string{layout}, ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "over the 32 MiB limit") {
		t.Fatalf("Import error = %v, want the size cap", err)
	}
}

func TestOpenMissingDatabase(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "nothing"))
	if err == nil || !strings.Contains(err.Error(), "patchline db update") {
		t.Errorf("Open error = %v, want advice to run db update", err)
	}
}

func TestImportNothingUsable(t *testing.T) {
	_, err := Import(context.Background(), t.TempDir(), []string{t.TempDir()}, ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "no .json files") {
		t.Errorf("Import(empty dir) error = %v", err)
	}
}
