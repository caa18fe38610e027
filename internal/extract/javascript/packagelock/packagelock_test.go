package packagelock_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/extract/extracttest"
	"github.com/patchline/patchline/internal/extract/javascript/packagelock"
	"github.com/patchline/patchline/internal/inventory"
)

// extract runs the extractor on testdata/dir/file, with testdata/dir as the
// file system so that a package.json beside it is found.
func extract(t testing.TB, dir, file string) (inventory.Inventory, error) {
	t.Helper()
	fsys := os.DirFS(path.Join("testdata", dir))
	data, err := os.ReadFile(path.Join("testdata", dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return packagelock.New().Extract(context.Background(), &inventory.Input{
		Path:   dir + "/" + file,
		FS:     fsys,
		FSPath: file,
		Reader: bytes.NewReader(data),
	})
}

func pkg(file string, line int, name, version string, rel inventory.Relation, scope inventory.Scope, note string) inventory.Package {
	return inventory.Package{
		Ecosystem: inventory.Npm,
		Name:      name,
		Version:   version,
		Relation:  rel,
		Scope:     scope,
		Location:  inventory.Location{File: file, Line: line},
		Note:      note,
	}
}

const (
	direct     = inventory.RelationDirect
	transitive = inventory.RelationTransitive
	unknownRel = inventory.RelationUnknown
	prod       = inventory.ScopeProd
	dev        = inventory.ScopeDev
	optional   = inventory.ScopeOptional
)

func TestExtract(t *testing.T) {
	const v1 = "minimal-v1/package-lock.json"
	const v3 = "minimal-v3/package-lock.json"
	tests := []struct {
		name string
		dir  string
		want []inventory.Package
	}{
		{
			name: "minimal_v1",
			dir:  "minimal-v1",
			want: []inventory.Package{
				pkg(v1, 7, "@babel/code-frame", "7.8.3", direct, dev, ""),
				pkg(v1, 13, "debug", "2.6.9", direct, prod, ""),
				pkg(v1, 21, "ms", "2.0.0", transitive, prod, ""),
				pkg(v1, 28, "fsevents", "1.2.9", direct, optional, ""),
				pkg(v1, 37, "abbrev", "1.1.1", transitive, optional, "bundled inside its parent package"),
				pkg(v1, 46, "left-pad", "github:stevemao/left-pad#5f8f8ea1eb6d2d9b8bc3ae7e4e6e8d7b7f3a1c2d", direct, prod,
					"not from a registry: github:stevemao/left-pad#5f8f8ea1eb6d2d9b8bc3ae7e4e6e8d7b7f3a1c2d"),
				pkg(v1, 50, "ms", "2.1.2", transitive, prod, ""),
				pkg(v1, 55, "string-width", "4.2.3", direct, prod, `installed as alias "string-width-cjs"`),
				pkg(v1, 60, "tarball-dep", "https://files.npm.example/tarball-dep-1.0.0.tgz", direct, prod,
					"not from a registry: https://files.npm.example/tarball-dep-1.0.0.tgz"),
				// uninstalled-peer (line 64) has no version: skipped.
			},
		},
		{
			name: "minimal_v3_workspaces",
			dir:  "minimal-v3",
			want: []inventory.Package{
				// "" is the project and node_modules/@minimal/web a link: skipped.
				pkg(v3, 31, "debug", "4.3.4", transitive, dev, ""),
				pkg(v3, 37, "express", "4.19.2", direct, prod, ""),
				pkg(v3, 45, "debug", "2.6.9", transitive, prod, ""),
				pkg(v3, 50, "fsevents", "2.3.3", direct, optional, ""),
				// jest-resolve (line 60) has no version: skipped.
				pkg(v3, 65, "left-pad", "1.3.0", direct, prod,
					"not from a registry: git+ssh://git@github.com/stevemao/left-pad.git#5f8f8ea1eb6d2d9b8bc3ae7e4e6e8d7b7f3a1c2d"),
				pkg(v3, 70, "react", "18.3.1", direct, prod, ""),
				pkg(v3, 76, "string-width", "4.2.3", direct, prod, `installed as alias "string-width-cjs"`),
				pkg(v3, 82, "typescript", "5.4.5", direct, dev, ""),
				pkg(v3, 88, "uuid", "9.0.1", direct, dev, ""),
				// packages/web is a workspace: skipped; lodash is its direct dependency.
				pkg(v3, 105, "lodash", "4.17.21", direct, prod, ""),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := extract(t, tt.dir, "package-lock.json")
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if diff := cmp.Diff(tt.want, got.Packages, extracttest.IgnoreGraph()); diff != "" {
				t.Errorf("Extract packages (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExtractV1WithoutManifest checks that top-level entries of a version 1
// lockfile have an unknown relation when no package.json says which are direct.
func TestExtractV1WithoutManifest(t *testing.T) {
	data, err := os.ReadFile("testdata/minimal-v1/package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"package-lock.json": {Data: data}}
	got, err := packagelock.New().Extract(context.Background(), &inventory.Input{
		Path: "package-lock.json", FS: fsys, FSPath: "package-lock.json", Reader: bytes.NewReader(data),
	})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	rel := map[string]inventory.Relation{}
	for _, p := range got.Packages {
		rel[p.Name+"@"+p.Version] = p.Relation
	}
	want := map[string]inventory.Relation{"debug@2.6.9": unknownRel, "ms@2.0.0": transitive, "ms@2.1.2": unknownRel}
	for k, w := range want {
		if rel[k] != w {
			t.Errorf("relation of %s = %q, want %q", k, rel[k], w)
		}
	}
}

// TestExtractPrefersPackages checks that a version 2 lockfile is read from
// "packages", not from the "dependencies" tree kept for old npm releases.
func TestExtractPrefersPackages(t *testing.T) {
	const lock = `{
  "lockfileVersion": 2,
  "dependencies": {
    "old": {"version": "0.0.1"}
  },
  "packages": {
    "": {"dependencies": {"new": "^1.0.0"}},
    "node_modules/new": {"version": "1.0.0"}
  }
}`
	got, err := packagelock.New().Extract(context.Background(), &inventory.Input{Path: "p", Reader: strings.NewReader(lock)})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	want := []inventory.Package{pkg("p", 8, "new", "1.0.0", direct, prod, "")}
	if diff := cmp.Diff(want, got.Packages, extracttest.IgnoreGraph()); diff != "" {
		t.Errorf("Extract packages (-want +got):\n%s", diff)
	}
}

func TestExtractErrors(t *testing.T) {
	tests := []struct {
		name     string
		dir      string // testdata folder, or
		content  string // inline content
		wantLine int
		wantErr  string
		wantPkgs int // packages returned beside the error
	}{
		{name: "empty", dir: "empty", wantLine: 1, wantErr: "empty file"},
		{name: "malformed", dir: "malformed", wantLine: 45, wantErr: "invalid JSON: invalid character '\"' in object (expecting ',' or '}')", wantPkgs: 2},
		{name: "wrong_format", dir: "wrong-format", wantLine: 1, wantErr: "not a package-lock.json"},
		{name: "package_json", content: `{"name": "x", "dependencies": {"a": "^1"}}`, wantLine: 1, wantErr: "no lockfileVersion"},
		{name: "future_version", content: `{"lockfileVersion": 4, "packages": {}}`, wantLine: 1, wantErr: "unsupported lockfileVersion 4"},
		{name: "truncated", content: "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"node_modules/a\": {\"version\": \"1.0.0\"},\n    \"node_modules/b\": {\"vers", wantLine: 5, wantErr: "unexpected end of JSON input", wantPkgs: 1},
		{name: "trailing_data", content: `{"lockfileVersion": 3, "packages": {}} x`, wantLine: 1, wantErr: "data after top-level value"},
		{
			name:     "wrong_type_in_one_entry",
			content:  "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"node_modules/a\": {\"version\": 1},\n    \"node_modules/b\": {\"version\": \"2.0.0\"}\n  }\n}",
			wantLine: 4,
			wantErr:  `entry "node_modules/a", field "version": want JSON string, got number`,
			wantPkgs: 1,
		},
		{
			name:     "v1_entry_not_an_object",
			content:  "{\n  \"lockfileVersion\": 1,\n  \"dependencies\": {\n    \"a\": \"1.0.0\",\n    \"b\": {\"version\": \"2.0.0\"}\n  }\n}",
			wantLine: 4,
			wantErr:  `dependency "a": want JSON object, got string`,
			wantPkgs: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				got inventory.Inventory
				err error
			)
			if tt.dir != "" {
				got, err = extract(t, tt.dir, "package-lock.json")
			} else {
				got, err = packagelock.New().Extract(context.Background(), &inventory.Input{Path: "p", Reader: strings.NewReader(tt.content)})
			}
			if err == nil {
				t.Fatalf("Extract: no error, want %q", tt.wantErr)
			}
			var pe *inventory.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Extract error %v is not a *inventory.ParseError", err)
			}
			if pe.Line != tt.wantLine || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Extract error = %q (line %d), want line %d containing %q", err, pe.Line, tt.wantLine, tt.wantErr)
			}
			if len(got.Packages) != tt.wantPkgs {
				t.Errorf("Extract returned %d packages with the error, want %d", len(got.Packages), tt.wantPkgs)
			}
		})
	}
}

// counts summarises an inventory for comparison with counts made
// independently of patchline (with Python over the same files; see
// testdata/SOURCES.md).
type counts struct {
	Total    int
	ByKind   map[string]int // "relation/scope"
	Selected []inventory.Package
}

func summarise(pkgs []inventory.Package, selected map[string]bool) counts {
	c := counts{Total: len(pkgs), ByKind: map[string]int{}}
	for _, p := range pkgs {
		c.ByKind[string(p.Relation)+"/"+string(p.Scope)]++
		if selected[p.Name+"@"+p.Version] {
			c.Selected = append(c.Selected, p)
		}
	}
	return c
}

func TestExtractReal(t *testing.T) {
	const bookstack = "real-v2-bookstack/package-lock.json"
	const nodegoat = "real-v1-nodegoat-excerpt/package-lock.json"
	tests := []struct {
		name string
		dir  string
		want counts
	}{
		{
			name: "bookstack_v2",
			dir:  "real-v2-bookstack",
			want: counts{
				Total:  160,
				ByKind: map[string]int{"direct/prod": 6, "direct/dev": 6, "transitive/prod": 9, "transitive/dev": 139},
				Selected: []inventory.Package{
					pkg(bookstack, 196, "codemirror", "5.65.5", direct, prod, ""),
					pkg(bookstack, 346, "esbuild", "0.14.42", direct, dev, ""),
					pkg(bookstack, 669, "esbuild-windows-64", "0.14.42", transitive, dev, ""),
					pkg(bookstack, 1132, "linkify-it", "4.0.1", transitive, prod, ""),
				},
			},
		},
		{
			name: "nodegoat_v1_excerpt",
			dir:  "real-v1-nodegoat-excerpt",
			want: counts{
				Total:  16,
				ByKind: map[string]int{"direct/prod": 2, "direct/dev": 1, "transitive/prod": 1, "transitive/dev": 12},
				Selected: []inventory.Package{
					pkg(nodegoat, 46, "express", "4.16.4", direct, prod, ""),
					pkg(nodegoat, 90, "grunt-if", "https://github.com/binarymist/grunt-if/tarball/master", direct, dev,
						"not from a registry: https://github.com/binarymist/grunt-if/tarball/master"),
					pkg(nodegoat, 102, "marked", "0.3.9", direct, prod, ""),
					// "resolved": false, which osv-scanner v2.5.0 cannot read.
					pkg(nodegoat, 203, "dezalgo", "1.0.3", transitive, dev, ""),
				},
			},
		},
	}
	selected := map[string]bool{
		"codemirror@5.65.5": true, "esbuild@0.14.42": true, "esbuild-windows-64@0.14.42": true, "linkify-it@4.0.1": true,
		"express@4.16.4": true, "grunt-if@https://github.com/binarymist/grunt-if/tarball/master": true,
		"marked@0.3.9": true, "dezalgo@1.0.3": true,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := extract(t, tt.dir, "package-lock.json")
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if diff := cmp.Diff(tt.want, summarise(inv.Packages, selected), extracttest.IgnoreGraph()); diff != "" {
				t.Errorf("Extract summary (-want +got):\n%s", diff)
			}
		})
	}
}

// corpus is the shared collection of real lockfiles; tests that use it skip
// when it is missing.
const corpus = "/work/shared/corpus"

// TestExtractCorpus checks the whole real lockfiles of the shared corpus
// against counts made independently with Python (see testdata/SOURCES.md).
func TestExtractCorpus(t *testing.T) {
	tests := []struct {
		name   string
		dir    string
		total  int
		byKind map[string]int
	}{
		{
			name: "nodegoat_v1", dir: "npm-nodegoat-2020", total: 1460,
			byKind: map[string]int{"direct/prod": 16, "direct/dev": 18, "transitive/prod": 379, "transitive/dev": 979, "transitive/optional": 68},
		},
		{
			name: "bookstack_v2", dir: "npm-bookstack-2022", total: 160,
			byKind: map[string]int{"direct/prod": 6, "direct/dev": 6, "transitive/prod": 9, "transitive/dev": 139},
		},
		{
			name: "uptime_kuma_v3", dir: "npm-uptime-kuma-2024", total: 1661,
			byKind: map[string]int{"direct/prod": 67, "direct/dev": 60, "transitive/prod": 514, "transitive/dev": 903, "transitive/optional": 117},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := path.Join(tt.dir, "package-lock.json")
			data, err := os.ReadFile(path.Join(corpus, file))
			if err != nil {
				t.Skipf("shared corpus not available: %v", err)
			}
			inv, err := packagelock.New().Extract(context.Background(), &inventory.Input{
				Path: file, FS: os.DirFS(corpus), FSPath: file, Reader: bytes.NewReader(data),
			})
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			got := summarise(inv.Packages, nil)
			if diff := cmp.Diff(counts{Total: tt.total, ByKind: tt.byKind}, got); diff != "" {
				t.Errorf("Extract summary (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFileRequired(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"package-lock.json", true},
		{"web/npm-shrinkwrap.json", true},
		{"a/b/package-lock.json", true},
		{"package.json", false},
		{"yarn.lock", false},
		{"package-lock.json.bak", false},
		{"my-package-lock.json", false},
	}
	e := packagelock.New()
	for _, tt := range tests {
		if got := e.FileRequired(tt.path); got != tt.want {
			t.Errorf("FileRequired(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func FuzzExtract(f *testing.F) {
	for _, dir := range []string{"minimal-v1", "minimal-v3", "empty", "malformed", "wrong-format", "real-v1-nodegoat-excerpt"} {
		data, err := os.ReadFile(path.Join("testdata", dir, "package-lock.json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"lockfileVersion": 2, "packages": {"": {"dependencies": {"a": "1"}}, "node_modules/a": {"version": "1", "name": "b"}}}`))
	e := packagelock.New()
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := e.Extract(context.Background(), &inventory.Input{Path: "p", Reader: bytes.NewReader(data)})
		if err == nil && !json.Valid(data) {
			t.Errorf("Extract accepted invalid JSON %q", data)
		}
		for _, p := range inv.Packages {
			if p.Name == "" || p.Version == "" || p.Location.Line < 1 {
				t.Errorf("Extract returned an incomplete package %+v", p)
			}
		}
	})
}

// BenchmarkExtract measures the largest real lockfile of the shared corpus
// (882 KB, 1,661 entries).
func BenchmarkExtract(b *testing.B) {
	data, err := os.ReadFile(path.Join(corpus, "npm-uptime-kuma-2024", "package-lock.json"))
	if err != nil {
		b.Skipf("shared corpus not available: %v", err)
	}
	e := packagelock.New()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Extract(context.Background(), &inventory.Input{Path: "package-lock.json", Reader: bytes.NewReader(data)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodingJSON is the baseline the scanner is measured against:
// decoding the same file's "packages" with encoding/json, without lines.
func BenchmarkEncodingJSON(b *testing.B) {
	data, err := os.ReadFile(path.Join(corpus, "npm-uptime-kuma-2024", "package-lock.json"))
	if err != nil {
		b.Skipf("shared corpus not available: %v", err)
	}
	type entry struct {
		Name, Version, Resolved    string
		Dev, Optional, DevOptional bool
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var v struct {
			Packages map[string]entry `json:"packages"`
		}
		if err := json.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}

// TestExtractOddFolders checks folder keys that once made resolution loop.
func TestExtractOddFolders(t *testing.T) {
	const lock = `{"lockfileVersion": 3, "packages": {
"/abs": {"dependencies": {"a": "1"}},
"../lib": {"dependencies": {"a": "1", "b": "1"}},
"../lib/node_modules/b": {"version": "1.0.0"},
"node_modules/a": {"version": "1.0.0"}}}`
	got, err := packagelock.New().Extract(context.Background(), &inventory.Input{Path: "p", Reader: strings.NewReader(lock)})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	want := []inventory.Package{
		pkg("p", 4, "b", "1.0.0", direct, prod, ""),
		pkg("p", 5, "a", "1.0.0", direct, prod, ""),
	}
	if diff := cmp.Diff(want, got.Packages, extracttest.IgnoreGraph()); diff != "" {
		t.Errorf("Extract packages (-want +got):\n%s", diff)
	}
}

// TestExtractLogsSkipped checks that entries that are not packages are
// reported, with their line, rather than dropped silently.
func TestExtractLogsSkipped(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	data, err := os.ReadFile("testdata/minimal-v3/package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := packagelock.New(packagelock.WithLogger(log)).Extract(context.Background(), &inventory.Input{Path: "p", Reader: bytes.NewReader(data)}); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	for _, want := range []string{
		`line=27 key=node_modules/@minimal/web reason="link to folder \"packages/web\", not a registry package"`,
		`line=60 key=node_modules/jest-resolve reason="no version: not installed`,
		`line=94 key=packages/web reason="workspace or local folder, not a registry package"`,
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log does not contain %q; log:\n%s", want, buf.String())
		}
	}
}
