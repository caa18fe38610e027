package gomod_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/extract/extracttest"
	"github.com/patchline/patchline/internal/extract/golang/gomod"
	"github.com/patchline/patchline/internal/inventory"
)

// pkg builds a Go package located in file at line.
func pkg(name, version string, rel inventory.Relation, file string, line int, note string) inventory.Package {
	return inventory.Package{
		Ecosystem: inventory.Go,
		Name:      name,
		Version:   version,
		Relation:  rel,
		Location:  inventory.Location{File: file, Line: line},
		Note:      note,
	}
}

const (
	direct     = inventory.RelationDirect
	transitive = inventory.RelationTransitive
	minimum    = "; the Go that builds the module may be newer"
)

func TestExtractFixtures(t *testing.T) {
	fsys := os.DirFS("testdata")
	tests := []struct {
		name       string
		file       string
		want       []inventory.Package
		wantErrors []string
	}{
		{
			name: "minimal",
			file: "minimal/go.mod",
			want: []inventory.Package{
				pkg("stdlib", "1.21.0", direct, "minimal/go.mod", 3, "Go version from the go line (go 1.21)"+minimum),
				pkg("golang.org/x/text", "v0.14.0", direct, "minimal/go.mod", 5, ""),
			},
		},
		{
			name: "modern_toolchain_local_replaces_indirect_block",
			file: "modern/go.mod",
			want: []inventory.Package{
				pkg("stdlib", "1.22.4", direct, "modern/go.mod", 5, "Go version from the toolchain line (go1.22.4)"+minimum),
				pkg("github.com/ebitengine/purego", "v0.7.1", direct, "modern/go.mod", 12, ""),
				pkg("github.com/igadmg/raylib-go/raymath", "", direct, "modern/go.mod", 13,
					`replaced by local directory "../raymath" (replace on line 7): the code comes from that directory, not from github.com/igadmg/raylib-go/raymath v1.6.0, so it has no version to match advisories against`),
				pkg("golang.org/x/sys", "v0.21.0", direct, "modern/go.mod", 14, ""),
				pkg("github.com/igadmg/goex", "", transitive, "modern/go.mod", 18,
					`replaced by local directory "../../goex" (replace on line 9): the code comes from that directory, not from github.com/igadmg/goex v0.0.0-20240505224334-5f13a70c4df7, so it has no version to match advisories against`),
				pkg("golang.org/x/exp", "v0.0.0-20240604190554-fc45aab8b7f8", transitive, "modern/go.mod", 19, ""),
			},
		},
		{
			// An empty go.mod is valid for modfile (the go command would
			// ask for a module line, but nothing here is a dependency).
			// It has no go line, so no standard library either.
			name: "empty",
			file: "empty/go.mod",
		},
		{
			// The bad require and the bad replace are reported and
			// skipped; the rest of the file is still listed.
			name: "malformed",
			file: "malformed/go.mod",
			want: []inventory.Package{
				pkg("stdlib", "1.21.0", direct, "malformed/go.mod", 3, "Go version from the go line (go 1.21)"+minimum),
				pkg("github.com/pkg/errors", "v0.9.1", direct, "malformed/go.mod", 6, ""),
				pkg("gopkg.in/yaml.v3", "v3.0.1", transitive, "malformed/go.mod", 8, ""),
			},
			wantErrors: []string{"malformed/go.mod:7", "malformed/go.mod:11"},
		},
		{
			name:       "wrong_format",
			file:       "wrong-format/go.mod",
			wantErrors: []string{"wrong-format/go.mod:1", "wrong-format/go.mod:2", "wrong-format/go.mod:3", "wrong-format/go.mod:4", "wrong-format/go.mod:5", "wrong-format/go.mod:6", "wrong-format/go.mod:7"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := extracttest.Extract(t, gomod.New(gomod.Config{}), fsys, tt.file)
			extracttest.CheckErrors(t, tt.wantErrors, err)
			if diff := cmp.Diff(tt.want, got.Packages, extracttest.IgnoreGraph()); diff != "" {
				t.Errorf("Extract(%q) mismatch (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

func TestExtractInline(t *testing.T) {
	const fromSum116 = "from go.sum: go.mod says go 1.16, before 1.17, so it does not list every module of the build; " +
		"the highest of the %d version(s) go.sum records is taken, an approximation of minimal version selection"
	sumNote := func(n int) string { return strings.Replace(fromSum116, "%d", strconv.Itoa(n), 1) }
	tests := []struct {
		name       string
		cfg        gomod.Config
		gomod      string
		gosum      string // no go.sum when empty
		want       []inventory.Package
		wantErrors []string
	}{
		{
			name: "pseudo_version_and_incompatible_kept_as_written",
			cfg:  gomod.Config{OmitStdlib: true},
			gomod: `module example.com/m
go 1.21
require (
	github.com/dgrijalva/jwt-go v3.2.0+incompatible
	golang.org/x/crypto v0.0.0-20200427165652-729f1e841bcc // indirect
)
`,
			want: []inventory.Package{
				pkg("github.com/dgrijalva/jwt-go", "v3.2.0+incompatible", direct, "go.mod", 4, ""),
				pkg("golang.org/x/crypto", "v0.0.0-20200427165652-729f1e841bcc", transitive, "go.mod", 5, ""),
			},
		},
		{
			name: "same_requirement_twice_listed_once",
			cfg:  gomod.Config{OmitStdlib: true},
			gomod: `module example.com/m
go 1.21
require example.com/a v1.0.0
require example.com/a v1.0.0
`,
			want: []inventory.Package{pkg("example.com/a", "v1.0.0", direct, "go.mod", 3, "")},
		},
		{
			name: "replace_every_version_by_module",
			cfg:  gomod.Config{OmitStdlib: true},
			gomod: `module example.com/m
go 1.21
require example.com/old v1.2.3
replace example.com/old => example.com/fork v1.4.0
`,
			want: []inventory.Package{
				pkg("example.com/fork", "v1.4.0", direct, "go.mod", 3, "replaced: example.com/old v1.2.3 => example.com/fork v1.4.0 (replace on line 4)"),
			},
		},
		{
			name: "replace_one_version_applies_to_that_version",
			cfg:  gomod.Config{OmitStdlib: true},
			gomod: `module example.com/m
go 1.21
require example.com/old v1.2.3
replace example.com/old v1.2.3 => example.com/old v1.4.0
`,
			want: []inventory.Package{
				pkg("example.com/old", "v1.4.0", direct, "go.mod", 3, "replaced: example.com/old v1.2.3 => example.com/old v1.4.0 (replace on line 4)"),
			},
		},
		{
			name: "replace_one_version_leaves_other_versions",
			cfg:  gomod.Config{OmitStdlib: true},
			gomod: `module example.com/m
go 1.21
require example.com/old v1.2.4
replace example.com/old v1.2.3 => example.com/old v1.4.0
`,
			want: []inventory.Package{pkg("example.com/old", "v1.2.4", direct, "go.mod", 3, "")},
		},
		{
			name: "replace_of_one_version_wins_over_every_version",
			cfg:  gomod.Config{OmitStdlib: true},
			gomod: `module example.com/m
go 1.21
require example.com/old v1.2.3
replace (
	example.com/old => example.com/fork v2.0.0+incompatible
	example.com/old v1.2.3 => example.com/old v1.2.5
)
`,
			want: []inventory.Package{
				pkg("example.com/old", "v1.2.5", direct, "go.mod", 3, "replaced: example.com/old v1.2.3 => example.com/old v1.2.5 (replace on line 6)"),
			},
		},
		{
			name: "replace_by_local_directory_keeps_module_without_version",
			cfg:  gomod.Config{OmitStdlib: true},
			gomod: `module example.com/m
go 1.21
require example.com/old v1.2.3 // indirect
replace example.com/old v1.2.3 => ./third_party/old
`,
			want: []inventory.Package{
				pkg("example.com/old", "", transitive, "go.mod", 3,
					`replaced by local directory "./third_party/old" (replace on line 4): the code comes from that directory, not from example.com/old v1.2.3, so it has no version to match advisories against`),
			},
		},
		{
			name: "conflicting_replaces_keep_the_first",
			cfg:  gomod.Config{OmitStdlib: true},
			gomod: `module example.com/m
go 1.21
require example.com/old v1.2.3
replace example.com/old => example.com/a v1.0.0
replace example.com/old => example.com/b v1.0.0
`,
			want: []inventory.Package{
				pkg("example.com/a", "v1.0.0", direct, "go.mod", 3, "replaced: example.com/old v1.2.3 => example.com/a v1.0.0 (replace on line 4)"),
			},
			wantErrors: []string{"go.mod:5"},
		},
		{
			name: "exclude_retract_tool_godebug_change_nothing",
			cfg:  gomod.Config{OmitStdlib: true},
			gomod: `module example.com/m
go 1.24
godebug default=go1.21
require example.com/a v1.2.3
exclude example.com/a v1.2.3
retract v0.1.0
tool example.com/a/cmd/gen
`,
			want: []inventory.Package{pkg("example.com/a", "v1.2.3", direct, "go.mod", 4, "")},
		},
		{
			name:  "toolchain_line_wins_over_go_line",
			gomod: "module example.com/m\n\ngo 1.21\n\ntoolchain go1.22.3\n",
			want: []inventory.Package{
				pkg("stdlib", "1.22.3", direct, "go.mod", 5, "Go version from the toolchain line (go1.22.3)"+minimum),
			},
		},
		{
			name:  "toolchain_with_custom_suffix",
			gomod: "module example.com/m\ngo 1.21\ntoolchain go1.22.3-bigcorp\n",
			want: []inventory.Package{
				pkg("stdlib", "1.22.3", direct, "go.mod", 3, "Go version from the toolchain line (go1.22.3-bigcorp)"+minimum),
			},
		},
		{
			name:  "unknown_toolchain_reported_go_line_used",
			gomod: "module example.com/m\ngo 1.21\ntoolchain go1.x\n",
			want: []inventory.Package{
				pkg("stdlib", "1.21.0", direct, "go.mod", 2, "Go version from the go line (go 1.21)"+minimum),
			},
			wantErrors: []string{"go.mod:3"},
		},
		{
			name:  "toolchain_default_uses_go_line",
			gomod: "module example.com/m\ngo 1.21.3\ntoolchain default\n",
			want: []inventory.Package{
				pkg("stdlib", "1.21.3", direct, "go.mod", 2, "Go version from the go line (go 1.21.3)"+minimum),
			},
		},
		{
			name:  "release_candidate",
			gomod: "module example.com/m\ngo 1.21rc1\n",
			want: []inventory.Package{
				pkg("stdlib", "1.21.0-rc.1", direct, "go.mod", 2, "Go version from the go line (go 1.21rc1)"+minimum),
			},
		},
		{
			name:  "no_go_line_no_stdlib",
			gomod: "module example.com/m\nrequire example.com/a v1.0.0\n",
			want:  []inventory.Package{pkg("example.com/a", "v1.0.0", direct, "go.mod", 2, "")},
		},
		{
			name:  "omit_stdlib",
			cfg:   gomod.Config{OmitStdlib: true},
			gomod: "module example.com/m\ngo 1.22\ntoolchain go1.22.3\n",
		},
		{
			name: "go_sum_completes_go_1_16",
			cfg:  gomod.Config{OmitStdlib: true},
			gomod: `module example.com/m
go 1.16
require (
	example.com/a v1.0.0
	example.com/old v1.0.0
)
replace example.com/old => example.com/fork v1.1.0
`,
			gosum: `example.com/a v0.9.0 h1:aaa=
example.com/a v1.0.0 h1:aaa=
example.com/a v1.0.0/go.mod h1:aaa=
example.com/b v1.2.0 h1:bbb=
example.com/b v1.2.0/go.mod h1:bbb=
example.com/b v1.10.0 h1:bbb=
example.com/b v1.11.0/go.mod h1:bbb=
example.com/c v0.1.0/go.mod h1:ccc=
example.com/fork v1.1.0 h1:fff=
example.com/d v0.0.0-20200101000000-abcdefabcdef h1:ddd=
`,
			want: []inventory.Package{
				pkg("example.com/a", "v1.0.0", direct, "go.mod", 4, ""),
				pkg("example.com/fork", "v1.1.0", direct, "go.mod", 5, "replaced: example.com/old v1.0.0 => example.com/fork v1.1.0 (replace on line 7)"),
				// v1.11.0 has only a /go.mod line: its zip was never
				// downloaded, so v1.10.0 is the highest built.
				pkg("example.com/b", "v1.10.0", transitive, "go.sum", 6, sumNote(2)),
				// example.com/c has only a /go.mod line: not built.
				pkg("example.com/d", "v0.0.0-20200101000000-abcdefabcdef", transitive, "go.sum", 10, sumNote(1)),
			},
		},
		{
			name:  "go_sum_modules_replaced_in_go_mod",
			cfg:   gomod.Config{OmitStdlib: true},
			gomod: "module example.com/m\ngo 1.16\nreplace example.com/b v1.2.0 => ../b\n",
			gosum: "example.com/b v1.2.0 h1:bbb=\n",
			want: []inventory.Package{
				pkg("example.com/b", "", transitive, "go.sum", 1,
					sumNote(1)+`; replaced by local directory "../b" (replace on line 3): the code comes from that directory, not from example.com/b v1.2.0, so it has no version to match advisories against`),
			},
		},
		{
			name:  "go_sum_read_without_go_line",
			gomod: "module example.com/m\n",
			gosum: "example.com/b v1.2.0 h1:bbb=\n",
			want: []inventory.Package{
				pkg("example.com/b", "v1.2.0", transitive, "go.sum", 1,
					strings.Replace(sumNote(1), "says go 1.16", "has no go line (the go command assumes go 1.16)", 1)),
			},
		},
		{
			name:  "go_sum_ignored_from_go_1_17",
			cfg:   gomod.Config{OmitStdlib: true},
			gomod: "module example.com/m\ngo 1.17\nrequire example.com/a v1.0.0\n",
			gosum: "example.com/a v1.0.0 h1:aaa=\nexample.com/b v1.2.0 h1:bbb=\n",
			want:  []inventory.Package{pkg("example.com/a", "v1.0.0", direct, "go.mod", 3, "")},
		},
		{
			name:  "go_sum_malformed_lines_reported_rest_listed",
			cfg:   gomod.Config{OmitStdlib: true},
			gomod: "module example.com/m\ngo 1.16\n",
			gosum: "example.com/a v1.0.0\n\nexample.com/b v1.2.0 h1:bbb=\nexample.com/c latest h1:ccc=\n",
			want: []inventory.Package{
				pkg("example.com/b", "v1.2.0", transitive, "go.sum", 3, sumNote(1)),
			},
			wantErrors: []string{"go.sum:1", "go.sum:4"},
		},
		{
			name:       "unterminated_block",
			gomod:      "module example.com/m\ngo 1.21\nrequire (\n\texample.com/a v1.0.0\n",
			wantErrors: []string{"go.mod:5"},
		},
		{
			name:       "unterminated_string_skips_that_line",
			cfg:        gomod.Config{OmitStdlib: true},
			gomod:      "module example.com/m\ngo 1.21\nrequire example.com/a \"v1.0.0\nrequire example.com/b v1.0.0\n",
			want:       []inventory.Package{pkg("example.com/b", "v1.0.0", direct, "go.mod", 4, "")},
			wantErrors: []string{"go.mod:3"},
		},
		{
			// A file in another format fails on every line: ten errors
			// are reported one by one, then one error sums up the rest.
			name:  "many_errors_are_capped",
			gomod: strings.Repeat("key = value\n", 12),
			wantErrors: []string{"go.mod:1", "go.mod:2", "go.mod:3", "go.mod:4", "go.mod:5",
				"go.mod:6", "go.mod:7", "go.mod:8", "go.mod:9", "go.mod:10", "go.mod:0"},
		},
		{
			name:       "major_version_mismatch",
			cfg:        gomod.Config{OmitStdlib: true},
			gomod:      "module example.com/m\ngo 1.21\nrequire example.com/a/v2 v1.0.0\n",
			wantErrors: []string{"go.mod:3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"go.mod": {Data: []byte(tt.gomod)}}
			if tt.gosum != "" {
				fsys["go.sum"] = &fstest.MapFile{Data: []byte(tt.gosum)}
			}
			got, err := extracttest.Extract(t, gomod.New(tt.cfg), fsys, "go.mod")
			extracttest.CheckErrors(t, tt.wantErrors, err)
			if diff := cmp.Diff(tt.want, got.Packages, extracttest.IgnoreGraph()); diff != "" {
				t.Errorf("Extract mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExtractCaddy checks the real caddy go.mod of May 2020 (go 1.14) and
// its go.sum.
//
// osv-scanner lists 236 Go packages for these files (26 from go.mod and 210
// more from go.sum). It takes every "path version h1:" line of go.sum as a
// package: 236 (module, version) pairs of 182 modules, so a module with
// several recorded versions (golang.org/x/crypto has 4) is listed several
// times, although a build uses only one version of each module.
//
// This extractor lists 183: the 26 requires of go.mod, 156 modules that only
// go.sum names, each once at the highest version it records (what minimal
// version selection would pick if every recorded version were still
// required), and the standard library at 1.14.0 from the go line, which
// osv-scanner leaves out for this file. The 182 module paths are the same
// set as osv-scanner's. Where go.sum still holds hashes of versions no
// longer selected, the highest one is the right pick; where it holds
// hashes for modules only the tests of dependencies use, both tools list
// modules a build of caddy does not link.
func TestExtractCaddy(t *testing.T) {
	got, err := extracttest.Extract(t, gomod.New(gomod.Config{}), os.DirFS("testdata"), "caddy/go.mod")
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	count := map[string]int{}
	byName := map[string]inventory.Package{}
	for _, p := range got.Packages {
		count[p.Location.File+" "+string(p.Relation)]++
		if _, dup := byName[p.Name]; dup {
			t.Errorf("module %q listed twice", p.Name)
		}
		byName[p.Name] = p
	}
	wantCount := map[string]int{
		"caddy/go.mod direct":     26, // 25 requires and the standard library
		"caddy/go.mod transitive": 1,  // github.com/naoina/go-stringutil // indirect
		"caddy/go.sum transitive": 156,
	}
	if diff := cmp.Diff(wantCount, count); diff != "" {
		t.Errorf("package counts mismatch (-want +got):\n%s", diff)
	}
	if len(got.Packages) != 183 {
		t.Errorf("got %d packages, want 183", len(got.Packages))
	}

	const note = "from go.sum: go.mod says go 1.14, before 1.17, so it does not list every module of the build; " +
		"the highest of the %s version(s) go.sum records is taken, an approximation of minimal version selection"
	want := []inventory.Package{
		pkg("stdlib", "1.14.0", direct, "caddy/go.mod", 3, "Go version from the go line (go 1.14)"+minimum),
		pkg("github.com/Masterminds/sprig/v3", "v3.0.2", direct, "caddy/go.mod", 6, ""),
		pkg("github.com/naoina/go-stringutil", "v0.1.0", transitive, "caddy/go.mod", 19, ""),
		pkg("golang.org/x/crypto", "v0.0.0-20200427165652-729f1e841bcc", direct, "caddy/go.mod", 27, ""),
		pkg("github.com/dgrijalva/jwt-go", "v3.2.0+incompatible", transitive, "caddy/go.sum", 193, strings.Replace(note, "%s", "1", 1)),
		pkg("golang.org/x/sys", "v0.0.0-20200323222414-85ca7c5b95cd", transitive, "caddy/go.sum", 982, strings.Replace(note, "%s", "5", 1)),
	}
	for _, w := range want {
		if diff := cmp.Diff(w, byName[w.Name], extracttest.IgnoreGraph()); diff != "" {
			t.Errorf("package %q mismatch (-want +got):\n%s", w.Name, diff)
		}
	}
}

func TestFileRequired(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"go.mod", true},
		{"a/b/go.mod", true},
		{"go.sum", false},
		{"go.work", false},
		{"a/go.mod.bak", false},
		{"a/xgo.mod", false},
	}
	e := gomod.New(gomod.Config{})
	for _, tt := range tests {
		if got := e.FileRequired(tt.path); got != tt.want {
			t.Errorf("FileRequired(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestName(t *testing.T) {
	if got := gomod.New(gomod.Config{}).Name(); got != "golang/gomod" {
		t.Errorf("Name() = %q, want %q", got, "golang/gomod")
	}
}

func TestExtractCanceled(t *testing.T) {
	extracttest.CheckCanceled(t, gomod.New(gomod.Config{}), os.DirFS("testdata"), "caddy/go.mod")
}

func FuzzExtract(f *testing.F) {
	for _, dir := range []string{"minimal", "caddy", "modern", "empty", "malformed", "wrong-format"} {
		mod, err := os.ReadFile(path.Join("testdata", dir, "go.mod"))
		if err != nil {
			f.Fatal(err)
		}
		sum, err := os.ReadFile(path.Join("testdata", dir, "go.sum"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			f.Fatal(err)
		}
		f.Add(mod, sum)
	}
	f.Add([]byte("module m\ngo 1.16\nreplace a => ../a\nrequire a v1.0.0\n"), []byte("b v1.0.0 h1:x=\nb v1.0.0/go.mod h1:x=\n"))
	f.Fuzz(func(t *testing.T, mod, sum []byte) {
		fsys := fstest.MapFS{"dir/go.mod": {Data: mod}, "dir/go.sum": {Data: sum}}
		got, err := extracttest.Extract(t, gomod.New(gomod.Config{}), fsys, "dir/go.mod")
		if err != nil && !strings.Contains(err.Error(), "dir/go.") {
			t.Errorf("error does not name the file: %v", err)
		}
		for _, p := range got.Packages {
			if p.Ecosystem != inventory.Go || p.Name == "" || p.Location.Line == 0 {
				t.Errorf("incomplete package %+v", p)
			}
			if p.Version == "" && p.Note == "" {
				t.Errorf("package %q without version and without a note saying why", p.Name)
			}
		}
	})
}

// TestGraph: every module gets its path as ID, and the direct ones (the
// standard library included) are the roots.
func TestGraph(t *testing.T) {
	inv, err := gomod.New(gomod.Config{}).Extract(context.Background(), &inventory.Input{
		Path: "go.mod", Reader: strings.NewReader("module m\n\ngo 1.22\n\nrequire (\n\tgolang.org/x/text v0.14.0\n\tgolang.org/x/sys v0.15.0 // indirect\n)\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	extracttest.CheckGraph(t, inv)
	if diff := cmp.Diff([]string{"stdlib", "golang.org/x/text"}, inv.Roots); diff != "" {
		t.Errorf("roots (-want +got):\n%s", diff)
	}
}
