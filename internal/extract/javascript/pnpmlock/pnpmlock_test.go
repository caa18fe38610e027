package pnpmlock_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/extract/extracttest"
	"github.com/patchline/patchline/internal/extract/javascript/pnpmlock"
	"github.com/patchline/patchline/internal/inventory"
)

// extract runs the extractor on testdata/dir/pnpm-lock.yaml.
func extract(t testing.TB, dir string, opts ...pnpmlock.Option) (inventory.Inventory, error) {
	t.Helper()
	data, err := os.ReadFile(path.Join("testdata", dir, "pnpm-lock.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return pnpmlock.New(opts...).Extract(context.Background(), &inventory.Input{
		Path:   dir + "/pnpm-lock.yaml",
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
	prod       = inventory.ScopeProd
	dev        = inventory.ScopeDev
	optional   = inventory.ScopeOptional
)

const leftPadCommit = "5f8f8ea1eb6d2d9b8bc3ae7e4e6e8d7b7f3a1c2d"

func TestExtract(t *testing.T) {
	const f5 = "minimal-v5/pnpm-lock.yaml"
	const f6 = "minimal-v6/pnpm-lock.yaml"
	const f9 = "minimal-v9/pnpm-lock.yaml"
	tests := []struct {
		name string
		dir  string
		want []inventory.Package
	}{
		{
			name: "minimal_v5_workspace",
			dir:  "minimal-v5",
			want: []inventory.Package{
				// No "dev" field: needed by both prod and dev.
				pkg(f5, 32, "@babel/code-frame", "7.18.6", transitive, prod, ""),
				// A dependency of the workspace packages/shared.
				pkg(f5, 36, "chokidar", "3.5.3", direct, prod, ""),
				pkg(f5, 43, "fsevents", "2.3.2", transitive, optional, ""),
				pkg(f5, 51, "js-tokens", "4.0.0", transitive, prod, ""),
				pkg(f5, 55, "loose-envify", "1.4.0", transitive, prod, ""),
				pkg(f5, 62, "ms", "2.1.3", direct, prod, ""),
				// Peer suffix "_react@18.2.0" stripped.
				pkg(f5, 66, "react-dom", "18.2.0", direct, prod, ""),
				pkg(f5, 76, "react", "18.2.0", transitive, prod, ""),
				pkg(f5, 83, "scheduler", "0.23.0", transitive, prod, ""),
				// Installed as the alias string-width-cjs.
				pkg(f5, 89, "string-width", "4.2.3", direct, prod, ""),
				pkg(f5, 94, "typescript", "4.7.4", direct, dev, ""),
				// file:tools/local-tool (line 100) is a local folder: skipped.
				pkg(f5, 106, "left-pad", "1.3.0", direct, prod, "not from a registry: github.com/stevemao/left-pad/"+leftPadCommit),
			},
		},
		{
			name: "minimal_v6_single_project",
			dir:  "minimal-v6",
			want: []inventory.Package{
				pkg(f6, 30, "@types/prop-types", "15.7.5", transitive, dev, ""),
				pkg(f6, 34, "@types/react", "18.2.0", direct, dev, ""),
				pkg(f6, 41, "csstype", "3.1.2", transitive, dev, ""),
				pkg(f6, 45, "fsevents", "2.3.2", direct, optional, ""),
				pkg(f6, 53, "js-tokens", "4.0.0", transitive, prod, ""),
				pkg(f6, 56, "loose-envify", "1.4.0", transitive, prod, ""),
				// Peer suffix "(react@18.2.0)" stripped.
				pkg(f6, 63, "react-dom", "18.2.0", direct, prod, ""),
				pkg(f6, 73, "react", "18.2.0", transitive, prod, ""),
				pkg(f6, 80, "scheduler", "0.23.0", transitive, prod, ""),
				pkg(f6, 86, "string-width", "4.2.3", direct, prod, ""),
				pkg(f6, 91, "left-pad", "1.3.0", direct, dev, "not from a registry: github.com/stevemao/left-pad/"+leftPadCommit),
			},
		},
		{
			name: "minimal_v9_workspace",
			dir:  "minimal-v9",
			want: []inventory.Package{
				pkg(f9, 96, "chokidar", "3.5.3", direct, prod, ""),
				// Reached from prod only through an optionalDependencies edge.
				pkg(f9, 100, "fsevents", "2.3.2", transitive, optional, ""),
				pkg(f9, 103, "js-tokens", "4.0.0", transitive, prod, ""),
				pkg(f9, 105, "left-pad", "1.3.0", direct, dev,
					"not from a registry: https://codeload.github.com/stevemao/left-pad/tar.gz/"+leftPadCommit),
				// local-tool@file:tools/local-tool (line 107): skipped.
				pkg(f9, 109, "loose-envify", "1.4.0", transitive, prod, ""),
				pkg(f9, 113, "react-dom", "18.2.0", direct, prod, ""),
				pkg(f9, 119, "react", "18.2.0", transitive, prod, ""),
				pkg(f9, 123, "scheduler", "0.23.0", transitive, prod, ""),
				pkg(f9, 127, "string-width", "4.2.3", direct, prod, ""),
				// Optional for vue, required by devDependencies: npm's devOptional.
				pkg(f9, 129, "typescript", "5.4.5", direct, dev, ""),
				pkg(f9, 131, "vue", "3.4.0", direct, prod, ""),
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
		{name: "malformed", dir: "malformed", wantLine: 114, wantErr: "invalid YAML: found character that cannot start any token"},
		{name: "wrong_format", dir: "wrong-format", wantLine: 3, wantErr: `unsupported lockfileVersion "3"`},
		{name: "no_version", content: "importers: {}\npackages: {}\n", wantLine: 1, wantErr: "no lockfileVersion"},
		{name: "not_a_mapping", content: "- a\n- b\n", wantLine: 1, wantErr: "want a mapping with lockfileVersion"},
		{name: "packages_not_a_mapping", content: "lockfileVersion: '6.0'\npackages:\n  - /a@1.0.0\n", wantLine: 3, wantErr: "packages: want a mapping, got a list"},
		{
			name:     "unreadable_key",
			content:  "lockfileVersion: '6.0'\npackages:\n  /no-version:\n    dev: false\n  /b@2.0.0:\n    dev: false\n",
			wantLine: 3,
			wantErr:  `entry "/no-version": cannot tell the package name and version`,
			wantPkgs: 1,
		},
		{
			name:     "bad_dev_flag",
			content:  "lockfileVersion: 5.4\npackages:\n  /a/1.0.0:\n    dev: maybe\n  /b/2.0.0:\n    dev: false\n",
			wantLine: 4,
			wantErr:  `entry "/a/1.0.0": dev: want true or false, got "maybe"`,
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
				got, err = extract(t, tt.dir)
			} else {
				got, err = pnpmlock.New().Extract(context.Background(), &inventory.Input{Path: "pnpm-lock.yaml", Reader: strings.NewReader(tt.content)})
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
	const f5 = "real-v5-vuejs-core-excerpt/pnpm-lock.yaml"
	const f9 = "real-v9-vue-vapor-bench-excerpt/pnpm-lock.yaml"
	tests := []struct {
		name     string
		dir      string
		selected map[string]bool
		want     counts
	}{
		{
			name:     "vuejs_core_v5_4",
			dir:      "real-v5-vuejs-core-excerpt",
			selected: map[string]bool{"@vue/repl@1.2.4": true, "fsevents@2.3.2": true, "postcss@8.4.4": true, "typescript@4.6.4": true},
			want: counts{
				Total:  18,
				ByKind: map[string]int{"direct/prod": 6, "direct/dev": 1, "transitive/prod": 6, "transitive/dev": 5},
				Selected: []inventory.Package{
					// Peer suffix "_vue@packages+vue" stripped.
					pkg(f5, 312, "@vue/repl", "1.2.4", direct, prod, ""),
					// "dev: true" and "optional: true": dev.
					pkg(f5, 337, "fsevents", "2.3.2", transitive, dev, ""),
					pkg(f5, 382, "postcss", "8.4.4", direct, prod, ""),
					pkg(f5, 396, "typescript", "4.6.4", direct, dev, ""),
				},
			},
		},
		{
			name:     "vue_vapor_bench_v9",
			dir:      "real-v9-vue-vapor-bench-excerpt",
			selected: map[string]bool{"@vitejs/plugin-vue@6.0.6": true, "@types/node@25.6.0": true, "typescript@5.9.3": true, "vue@3.5.33": true},
			want: counts{
				Total:  13,
				ByKind: map[string]int{"direct/prod": 3, "direct/dev": 1, "transitive/prod": 6, "transitive/optional": 3},
				Selected: []inventory.Package{
					// The lockfile marks it "optional: true" too.
					pkg(f9, 133, "@types/node", "25.6.0", transitive, optional, ""),
					pkg(f9, 138, "@vitejs/plugin-vue", "6.0.6", direct, prod, ""),
					pkg(f9, 163, "typescript", "5.9.3", direct, dev, ""),
					pkg(f9, 179, "vue", "3.5.33", transitive, prod, ""),
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

// TestExtractCorpus checks the whole vuejs/core lockfile of the shared corpus
// against counts made independently with Python (see testdata/SOURCES.md).
func TestExtractCorpus(t *testing.T) {
	file := "pnpm-vuejs-core-2022/pnpm-lock.yaml"
	data, err := os.ReadFile(path.Join(corpus, file))
	if err != nil {
		t.Skipf("shared corpus not available: %v", err)
	}
	inv, err := pnpmlock.New().Extract(context.Background(), &inventory.Input{Path: file, Reader: bytes.NewReader(data)})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	want := counts{
		Total:  932,
		ByKind: map[string]int{"direct/prod": 11, "direct/dev": 55, "transitive/prod": 18, "transitive/dev": 848},
	}
	if diff := cmp.Diff(want, summarise(inv.Packages, nil), extracttest.IgnoreGraph()); diff != "" {
		t.Errorf("Extract summary (-want +got):\n%s", diff)
	}
}

// TestExtractLogsSkipped checks that entries that are not packages are
// reported with their line rather than dropped silently.
func TestExtractLogsSkipped(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if _, err := extract(t, "minimal-v9", pnpmlock.WithLogger(log)); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	for _, want := range []string{
		`line=107 key=local-tool@file:tools/local-tool reason="local folder or tarball \"file:tools/local-tool\", not a registry package"`,
		`line=11 importer=. name=@minimal/shared reason="link to workspace folder \"packages/shared\", not a registry package"`,
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
		{"pnpm-lock.yaml", true},
		{"apps/web/pnpm-lock.yaml", true},
		{"pnpm-workspace.yaml", false},
		{"pnpm-lock.yml", false},
	}
	e := pnpmlock.New()
	for _, tt := range tests {
		if got := e.FileRequired(tt.path); got != tt.want {
			t.Errorf("FileRequired(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func FuzzExtract(f *testing.F) {
	for _, dir := range []string{"minimal-v5", "minimal-v6", "minimal-v9", "empty", "malformed", "wrong-format", "real-v5-vuejs-core-excerpt", "real-v9-vue-vapor-bench-excerpt"} {
		data, err := os.ReadFile(path.Join("testdata", dir, "pnpm-lock.yaml"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	e := pnpmlock.New()
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, _ := e.Extract(context.Background(), &inventory.Input{Path: "pnpm-lock.yaml", Reader: bytes.NewReader(data)})
		for _, p := range inv.Packages {
			if p.Name == "" || p.Version == "" || p.Location.Line < 1 {
				t.Errorf("Extract returned an incomplete package %+v", p)
			}
		}
	})
}

// BenchmarkExtract measures the vuejs/core lockfile of the shared corpus
// (237 KB, 932 packages).
func BenchmarkExtract(b *testing.B) {
	data, err := os.ReadFile(path.Join(corpus, "pnpm-vuejs-core-2022", "pnpm-lock.yaml"))
	if err != nil {
		b.Skipf("shared corpus not available: %v", err)
	}
	e := pnpmlock.New()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Extract(context.Background(), &inventory.Input{Path: "pnpm-lock.yaml", Reader: bytes.NewReader(data)}); err != nil {
			b.Fatal(err)
		}
	}
}
