package yarnlock_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/extract/extracttest"
	"github.com/patchline/patchline/internal/extract/javascript/yarnlock"
	"github.com/patchline/patchline/internal/inventory"
)

// extract runs the extractor on testdata/dir/yarn.lock, with testdata/dir as
// the file system so that package.json files are found.
func extract(t testing.TB, dir string, opts ...yarnlock.Option) (inventory.Inventory, error) {
	t.Helper()
	data, err := os.ReadFile(path.Join("testdata", dir, "yarn.lock"))
	if err != nil {
		t.Fatal(err)
	}
	return yarnlock.New(opts...).Extract(context.Background(), &inventory.Input{
		Path:   dir + "/yarn.lock",
		FS:     os.DirFS(path.Join("testdata", dir)),
		FSPath: "yarn.lock",
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
	direct       = inventory.RelationDirect
	transitive   = inventory.RelationTransitive
	unknownRel   = inventory.RelationUnknown
	prod         = inventory.ScopeProd
	dev          = inventory.ScopeDev
	optional     = inventory.ScopeOptional
	unknownScope = inventory.ScopeUnknown
)

func TestExtract(t *testing.T) {
	const classic = "minimal-classic/yarn.lock"
	const berry = "minimal-berry/yarn.lock"
	tests := []struct {
		name string
		dir  string
		want []inventory.Package
	}{
		{
			name: "minimal_classic",
			dir:  "minimal-classic",
			want: []inventory.Package{
				pkg(classic, 5, "@babel/code-frame", "7.10.4", direct, dev, ""),
				pkg(classic, 12, "@babel/highlight", "7.10.4", transitive, dev, ""),
				pkg(classic, 17, "chokidar", "3.4.0", direct, prod, ""),
				// Reached from prod only through an optionalDependencies edge.
				pkg(classic, 24, "fsevents", "2.1.3", transitive, optional, ""),
				// local-helper (line 29) is a link: skipped.
				pkg(classic, 33, "ms", "2.1.2", transitive, prod, ""),
				pkg(classic, 38, "parse-srcset", "1.0.2", direct, prod,
					"not from a registry: ikatyang/parse-srcset#54eb9c1cb21db5c62b4d0e275d7249516df6f0ee"),
				// A dependency of the workspace packages/util.
				pkg(classic, 42, "string-width", "4.2.3", direct, prod, `installed as alias "string-width-cjs"`),
				pkg(classic, 47, "vendored", "1.0.0", direct, prod, "not from a registry: file:./vendor/vendored-1.0.0.tgz"),
			},
		},
		{
			name: "minimal_berry",
			dir:  "minimal-berry",
			want: []inventory.Package{
				// @minimal/lib (line 8) is a workspace: skipped.
				pkg(berry, 16, "chokidar", "3.5.3", direct, prod, ""),
				pkg(berry, 28, "fsevents", "2.3.2", transitive, optional, "patched with Yarn's patch: protocol (line 38)"),
				// The patch entry (line 38) is the same install; helper (line 47) is a link.
				pkg(berry, 53, "left-pad", "1.3.0", direct, prod,
					"not from a registry: https://github.com/stevemao/left-pad.git#commit=5f8f8ea1eb6d2d9b8bc3ae7e4e6e8d7b7f3a1c2d"),
				// minimal-berry (line 60) is the project's workspace.
				// ms is forced to 2.1.3 by "resolutions"; packages/lib asks for ^2.1.2.
				pkg(berry, 73, "ms", "2.1.3", direct, prod, ""),
				pkg(berry, 80, "node-gyp", "9.3.1", transitive, optional, ""),
				pkg(berry, 87, "string-width", "4.2.3", direct, dev, `installed as alias "string-width-cjs"`),
				pkg(berry, 94, "typescript", "5.0.4", direct, dev, "patched with Yarn's patch: protocol (line 104)"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := extract(t, tt.dir)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if diff := cmp.Diff(tt.want, got.Packages, extracttest.IgnoreGraph()); diff != "" {
				t.Errorf("Extract packages (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExtractWithoutManifest checks what is known when no package.json is
// found: nothing for Yarn 1; for Yarn 2+ the relation, from the lockfile's
// workspace entries, but not the scope.
func TestExtractWithoutManifest(t *testing.T) {
	tests := []struct {
		name      string
		dir       string
		wantRel   map[inventory.Relation]int
		wantScope map[inventory.Scope]int
	}{
		{
			name:      "classic",
			dir:       "minimal-classic",
			wantRel:   map[inventory.Relation]int{unknownRel: 8},
			wantScope: map[inventory.Scope]int{unknownScope: 8},
		},
		{
			name: "berry",
			dir:  "minimal-berry",
			// Without the "resolutions" of package.json, packages/lib's
			// ms@^2.1.2 is not found: ms@2.1.3 counts as transitive.
			wantRel:   map[inventory.Relation]int{direct: 4, transitive: 3},
			wantScope: map[inventory.Scope]int{unknownScope: 7},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := os.ReadFile(path.Join("testdata", tt.dir, "yarn.lock"))
			if err != nil {
				t.Fatal(err)
			}
			inv, err := yarnlock.New().Extract(context.Background(), &inventory.Input{Path: "yarn.lock", Reader: bytes.NewReader(data)})
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			rel := map[inventory.Relation]int{}
			scope := map[inventory.Scope]int{}
			for _, p := range inv.Packages {
				rel[p.Relation]++
				scope[p.Scope]++
			}
			if diff := cmp.Diff(tt.wantRel, rel); diff != "" {
				t.Errorf("relations (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantScope, scope); diff != "" {
				t.Errorf("scopes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExtractEmpty(t *testing.T) {
	for _, content := range []string{"", "# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\n", "__metadata:\n  version: 6\n  cacheKey: 8\n"} {
		inv, err := yarnlock.New().Extract(context.Background(), &inventory.Input{Path: "yarn.lock", Reader: strings.NewReader(content)})
		if err != nil || len(inv.Packages) != 0 {
			t.Errorf("Extract(%q) = %d packages, %v; want none and no error", content, len(inv.Packages), err)
		}
	}
	if inv, err := extract(t, "empty"); err != nil || len(inv.Packages) != 0 {
		t.Errorf("Extract(testdata/empty) = %d packages, %v; want none and no error", len(inv.Packages), err)
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
		{name: "malformed_classic", dir: "malformed-classic", wantLine: 13, wantErr: "unterminated quoted string", wantPkgs: 1},
		{name: "malformed_berry", dir: "malformed-berry", wantLine: 17, wantErr: "invalid YAML: found character that cannot start any token"},
		{name: "wrong_format", dir: "wrong-format", wantLine: 1, wantErr: "want an entry header ending with ':'"},
		{name: "odd_indentation", content: "a@^1:\n   version \"1.0.0\"\n", wantLine: 2, wantErr: "indentation of 3 spaces"},
		{name: "tab_indentation", content: "a@^1:\n\tversion \"1.0.0\"\n", wantLine: 2, wantErr: "tab in indentation"},
		{name: "field_outside_entry", content: "  version \"1.0.0\"\n", wantLine: 1, wantErr: "outside an entry"},
		{name: "dependency_outside_block", content: "a@^1:\n  version \"1.0.0\"\n    b \"^1\"\n", wantLine: 3, wantErr: "not inside a block"},
		{name: "too_deep", content: "a@^1:\n  version \"1.0.0\"\n  dependencies:\n    b \"^1\"\n      c \"^1\"\n", wantLine: 5, wantErr: "unexpected indentation"},
		{name: "bad_header", content: "a@^1, , b@^2:\n  version \"1.0.0\"\n", wantLine: 1, wantErr: "empty descriptor"},
		{
			name:     "classic_entry_without_version",
			content:  "a@^1:\n  resolved \"https://registry.npm.example/a/-/a-1.0.0.tgz\"\n\nb@^2:\n  version \"2.0.0\"\n",
			wantLine: 1,
			wantErr:  `entry "a@^1" has no version`,
			wantPkgs: 1,
		},
		{
			name:     "berry_entry_without_resolution",
			content:  "__metadata:\n  version: 6\n\n\"a@npm:^1\":\n  version: 1.0.0\n\n\"b@npm:^2\":\n  version: 2.0.0\n  resolution: \"b@npm:2.0.0\"\n",
			wantLine: 4,
			wantErr:  `entry "a@npm:^1" has no resolution`,
			wantPkgs: 1,
		},
		{
			name:     "berry_entry_not_a_mapping",
			content:  "__metadata:\n  version: 6\n\n\"a@npm:^1\": [1, 2]\n",
			wantLine: 4,
			wantErr:  "want a mapping, got a list",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				got inventory.Inventory
				err error
			)
			if tt.dir != "" {
				got, err = extract(t, tt.dir)
			} else {
				got, err = yarnlock.New().Extract(context.Background(), &inventory.Input{Path: "yarn.lock", Reader: strings.NewReader(tt.content)})
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
// independently of patchline (see testdata/SOURCES.md).
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
	const classic = "real-classic-prettier-excerpt/yarn.lock"
	const berry = "real-berry-prettier-excerpt/yarn.lock"
	tests := []struct {
		name     string
		dir      string
		selected map[string]bool
		want     counts
	}{
		{
			name:     "prettier_2020_classic",
			dir:      "real-classic-prettier-excerpt",
			selected: map[string]bool{"@babel/code-frame@7.0.0": true, "@babel/code-frame@7.10.1": true, "ci-info@2.0.0": true, "chalk@2.4.2": true},
			want: counts{
				Total:  14,
				ByKind: map[string]int{"direct/prod": 4, "transitive/prod": 9, "transitive/": 1},
				Selected: []inventory.Package{
					// Required only by entries left out of the excerpt.
					pkg(classic, 10, "@babel/code-frame", "7.0.0", transitive, unknownScope, ""),
					pkg(classic, 17, "@babel/code-frame", "7.10.1", direct, prod, ""),
					pkg(classic, 45, "chalk", "2.4.2", transitive, prod, ""),
					pkg(classic, 54, "ci-info", "2.0.0", direct, prod, "not from a registry: watson/ci-info#f43f6a1cefff47fb361c88cf4b943fdbcaafe540"),
				},
			},
		},
		{
			name:     "prettier_2023_berry",
			dir:      "real-berry-prettier-excerpt",
			selected: map[string]bool{"resolve@1.22.3": true, "typescript@5.0.4": true, "trim@1.0.1": true, "js-tokens@4.0.0": true},
			want: counts{
				Total:  10,
				ByKind: map[string]int{"direct/prod": 4, "transitive/prod": 4, "transitive/": 2},
				Selected: []inventory.Package{
					pkg(berry, 68, "js-tokens", "4.0.0", transitive, prod, ""),
					pkg(berry, 227, "resolve", "1.22.3", transitive, unknownScope, "patched with Yarn's patch: protocol (line 240)"),
					// Forced by "resolutions": remark-parse asks for trim 0.0.1.
					pkg(berry, 253, "trim", "1.0.1", transitive, prod, ""),
					pkg(berry, 260, "typescript", "5.0.4", direct, prod, "patched with Yarn's patch: protocol (line 270)"),
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := extract(t, tt.dir)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if diff := cmp.Diff(tt.want, summarise(inv.Packages, tt.selected), extracttest.IgnoreGraph()); diff != "" {
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
			name: "prettier_2020_classic", dir: "yarn-prettier-2020", total: 1094,
			byKind: map[string]int{"direct/prod": 61, "direct/dev": 37, "transitive/prod": 128, "transitive/dev": 867, "transitive/optional": 1},
		},
		{
			name: "prettier_2023_berry", dir: "yarn-prettier-2023", total: 891,
			byKind: map[string]int{"direct/prod": 75, "direct/dev": 44, "transitive/prod": 137, "transitive/dev": 635},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := path.Join(tt.dir, "yarn.lock")
			data, err := os.ReadFile(path.Join(corpus, file))
			if err != nil {
				t.Skipf("shared corpus not available: %v", err)
			}
			inv, err := yarnlock.New().Extract(context.Background(), &inventory.Input{
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

// TestExtractLogsSkipped checks that entries that are not packages are
// reported with their line rather than dropped silently.
func TestExtractLogsSkipped(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if _, err := extract(t, "minimal-berry", yarnlock.WithLogger(log)); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	for _, want := range []string{
		`line=8 key="@minimal/lib@workspace:^, @minimal/lib@workspace:packages/lib" reason="workspace \"packages/lib\", not a registry package"`,
		`line=38 key=fsevents@patch:fsevents@~2.3.2#~builtin<compat/fsevents> reason="patch of \"fsevents@npm:2.3.2\", reported at line 28"`,
		`line=47 key="helper@link:./helper::locator=minimal-berry%40workspace%3A." reason="link: to a local folder, not a registry package"`,
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log does not contain %q; log:\n%s", want, buf.String())
		}
	}
}

func TestFileRequired(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"yarn.lock", true},
		{"web/yarn.lock", true},
		{"yarn.lock.orig", false},
		{"package-lock.json", false},
		{"my-yarn.lock", false},
	}
	e := yarnlock.New()
	for _, tt := range tests {
		if got := e.FileRequired(tt.path); got != tt.want {
			t.Errorf("FileRequired(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func FuzzExtract(f *testing.F) {
	for _, dir := range []string{"minimal-classic", "minimal-berry", "empty", "malformed-classic", "malformed-berry", "wrong-format", "real-classic-prettier-excerpt", "real-berry-prettier-excerpt"} {
		data, err := os.ReadFile(path.Join("testdata", dir, "yarn.lock"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	e := yarnlock.New()
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, _ := e.Extract(context.Background(), &inventory.Input{Path: "yarn.lock", Reader: bytes.NewReader(data)})
		for _, p := range inv.Packages {
			if p.Name == "" || p.Version == "" || p.Location.Line < 1 {
				t.Errorf("Extract returned an incomplete package %+v", p)
			}
		}
	})
}

// BenchmarkExtract measures the largest yarn.lock files of the shared corpus.
func BenchmarkExtract(b *testing.B) {
	for _, dir := range []string{"yarn-prettier-2020", "yarn-prettier-2023"} {
		b.Run(dir, func(b *testing.B) {
			data, err := os.ReadFile(path.Join(corpus, dir, "yarn.lock"))
			if err != nil {
				b.Skipf("shared corpus not available: %v", err)
			}
			e := yarnlock.New()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Extract(context.Background(), &inventory.Input{Path: "yarn.lock", Reader: bytes.NewReader(data)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestExtractScopeRules checks npm's rules for packages reached both
// optionally and from development roots.
func TestExtractScopeRules(t *testing.T) {
	const lock = `a@^1:
  version "1.0.0"
  optionalDependencies:
    t "^5"
    x "^1"

b@^1:
  version "1.0.0"
  optionalDependencies:
    x "^1"

t@^5:
  version "5.0.0"

x@^1:
  version "1.0.0"
`
	const manifest = `{"dependencies": {"a": "^1"}, "devDependencies": {"b": "^1", "t": "^5"}}`
	fsys := fstest.MapFS{"yarn.lock": {Data: []byte(lock)}, "package.json": {Data: []byte(manifest)}}
	inv, err := yarnlock.New().Extract(context.Background(), &inventory.Input{
		Path: "yarn.lock", FS: fsys, FSPath: "yarn.lock", Reader: strings.NewReader(lock),
	})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	want := []inventory.Package{
		pkg("yarn.lock", 1, "a", "1.0.0", direct, prod, ""),
		pkg("yarn.lock", 7, "b", "1.0.0", direct, dev, ""),
		// Optional for a, required by the project's devDependencies: npm's devOptional.
		pkg("yarn.lock", 12, "t", "5.0.0", direct, dev, ""),
		// Every path to x has an optional edge, one from a prod root.
		pkg("yarn.lock", 15, "x", "1.0.0", transitive, optional, ""),
	}
	if diff := cmp.Diff(want, inv.Packages, extracttest.IgnoreGraph()); diff != "" {
		t.Errorf("Extract packages (-want +got):\n%s", diff)
	}
}
