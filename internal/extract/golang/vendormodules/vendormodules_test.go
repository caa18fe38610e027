package vendormodules

import (
	"os"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/mod/module"

	"github.com/patchline/patchline/internal/extract/extracttest"
	"github.com/patchline/patchline/internal/inventory"
)

func TestFileRequired(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"vendor/modules.txt", true},
		{"src/cmd/vendor/modules.txt", true},
		{"modules.txt", false},
		{"notvendor/modules.txt", false},
		{"vendor/modules.txt.orig", false},
		{"vendor/github.com/x/y/modules.txt", false},
		{"go.mod", false},
	}
	for _, tt := range tests {
		if got := New().FileRequired(tt.path); got != tt.want {
			t.Errorf("FileRequired(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

const (
	direct     = inventory.RelationDirect
	transitive = inventory.RelationTransitive
	noRel      = inventory.RelationUnknown
)

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

func TestExtract(t *testing.T) {
	const (
		minimal  = "minimal/vendor/modules.txt"
		explicit = "explicit-only/vendor/modules.txt"
		old      = "old-format/vendor/modules.txt"
		real     = "real-go-cmd/vendor/modules.txt"
		bad      = "malformed/vendor/modules.txt"
		wrong    = "wrongformat/vendor/modules.txt"
	)
	const (
		replaced = "replaced: example.com/old v1.0.0 => example.com/new v1.1.0"
		local    = `replaced by local directory "./local": the code comes from that directory, not from example.com/local v0.0.0-00010101000000-000000000000, so it has no version to match advisories against`
	)
	tests := []struct {
		name     string
		path     string
		want     []inventory.Package
		wantErrs []string
	}{
		{
			// The unused and wildcard replacements (lines 18, 19) are
			// not modules of the build.
			name: "minimal_with_go_mod",
			path: minimal,
			want: []inventory.Package{
				pkg("example.com/direct", "v1.2.3", direct, minimal, 1, ""),
				pkg("example.com/indirect", "v0.4.0", transitive, minimal, 5, ""),
				pkg("example.com/new", "v1.1.0", direct, minimal, 8, replaced),
				pkg("example.com/local", "", direct, minimal, 11, local),
				pkg("example.com/incompat", "v2.0.0+incompatible", transitive, minimal, 14, ""),
				pkg("example.com/toolonly", "v0.1.0", direct, minimal, 16, ""),
			},
		},
		{
			// Without go.mod every explicit module is taken as direct.
			name: "explicit_without_go_mod",
			path: explicit,
			want: []inventory.Package{
				pkg("example.com/direct", "v1.2.3", direct, explicit, 1, ""),
				pkg("example.com/indirect", "v0.4.0", direct, explicit, 5, ""),
				pkg("example.com/new", "v1.1.0", direct, explicit, 8, replaced),
				pkg("example.com/local", "", direct, explicit, 11, local),
				pkg("example.com/incompat", "v2.0.0+incompatible", transitive, explicit, 14, ""),
				pkg("example.com/toolonly", "v0.1.0", direct, explicit, 16, ""),
			},
		},
		{
			name: "before_go_1_14",
			path: old,
			want: []inventory.Package{
				pkg("github.com/pkg/errors", "v0.8.1", noRel, old, 1, ""),
				pkg("golang.org/x/sys", "v0.0.0-20190412213103-97732733099d", noRel, old, 3, ""),
			},
		},
		{
			name: "real_go_cmd",
			path: real,
			want: []inventory.Package{
				pkg("github.com/google/pprof", "v0.0.0-20250208200701-d0013a598941", direct, real, 1, ""),
				pkg("github.com/ianlancetaylor/demangle", "v0.0.0-20240912202439-0a2b6291aafd", transitive, real, 16, ""),
				pkg("golang.org/x/arch", "v0.18.1-0.20250605182141-b2f4e2807dec", direct, real, 19, ""),
				pkg("golang.org/x/build", "v0.0.0-20250606033421-8c8ff6f34a83", direct, real, 28, ""),
				pkg("golang.org/x/mod", "v0.25.1-0.20260813213422-9be67dd65223", direct, real, 31, ""),
				pkg("golang.org/x/sync", "v0.15.0", direct, real, 42, ""),
				pkg("golang.org/x/sys", "v0.33.1-0.20260225210015-e0c9f78de999", direct, real, 46, ""),
				pkg("golang.org/x/telemetry", "v0.0.0-20250606142133-60998feb31a8", direct, real, 51, ""),
				pkg("golang.org/x/term", "v0.32.0", direct, real, 63, ""),
				pkg("golang.org/x/text", "v0.26.0", transitive, real, 66, ""),
				pkg("golang.org/x/tools", "v0.34.0", direct, real, 76, ""),
				pkg("rsc.io/markdown", "v0.0.0-20240306144322-0bf8f97ee8ef", transitive, real, 138, ""),
			},
		},
		{
			name: "empty",
			path: "empty/vendor/modules.txt",
		},
		{
			name: "malformed_lines_keep_the_others",
			path: bad,
			want: []inventory.Package{
				pkg("example.com/a", "v1.0.0", direct, bad, 2, ""),
				pkg("example.com/e", "v1.1.0", direct, bad, 13, ""),
			},
			wantErrs: []string{
				bad + ":1",  // package before any module
				bad + ":5",  // not a version
				bad + ":8",  // replacement without a valid version
				bad + ":10", // two fields
				bad + ":12", // package under a wildcard replacement
			},
		},
		{
			name: "wrong_format_go_sum",
			path: wrong,
			wantErrs: []string{
				wrong + ":1", wrong + ":2", wrong + ":3", wrong + ":4", wrong + ":5",
				wrong + ":6", wrong + ":7", wrong + ":8", wrong + ":9", wrong + ":10",
				wrong + ":0", // 2 more errors
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), os.DirFS("testdata"), tt.path)
			extracttest.CheckErrors(t, tt.wantErrs, err)
			extracttest.CheckPackages(t, tt.want, inv.Packages)
		})
	}
}

func TestExtractBadGoMod(t *testing.T) {
	fsys := fstest.MapFS{
		"go.mod":             {Data: []byte("module m\n\nrequire (\n")},
		"vendor/modules.txt": {Data: []byte("# example.com/a v1.0.0\n## explicit\nexample.com/a\n")},
	}
	inv, err := extracttest.Extract(t, New(), fsys, "vendor/modules.txt")
	if err == nil {
		t.Error("no error for an unreadable go.mod")
	}
	want := []inventory.Package{pkg("example.com/a", "v1.0.0", direct, "vendor/modules.txt", 1, "")}
	if diff := cmp.Diff(want, inv.Packages); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}

func TestParseModuleLine(t *testing.T) {
	tests := []struct {
		line     string
		want     vendored
		wildcard bool
		wantErr  bool
	}{
		{line: "# a.com/x v1.0.0", want: vendored{mod: mv("a.com/x", "v1.0.0")}},
		{line: "# a.com/x v1.0.0 => b.com/y v1.1.0", want: vendored{mod: mv("a.com/x", "v1.0.0"), repl: mv("b.com/y", "v1.1.0")}},
		{line: "# a.com/x v1.0.0 => ../x", want: vendored{mod: mv("a.com/x", "v1.0.0"), repl: mv("../x", "")}},
		{line: "# a.com/x => b.com/y v1.1.0", want: vendored{mod: mv("a.com/x", ""), repl: mv("b.com/y", "v1.1.0")}, wildcard: true},
		{line: "# a.com/x", wantErr: true},
		{line: "# a.com/x 1.0.0", wantErr: true},
		{line: "# a.com/x =>", wantErr: true},
		{line: "# a.com/x v1.0.0 extra", wantErr: true},
		{line: "# a.com/x v1.0.0 => b.com/y 1.1", wantErr: true},
		{line: "# a.com/x v1.0.0 => b.com/y v1.1.0 more", wantErr: true},
	}
	for _, tt := range tests {
		got, wildcard, err := parseModuleLine(tt.line)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseModuleLine(%q) err = %v, want error %v", tt.line, err, tt.wantErr)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(vendored{})); diff != "" || wildcard != tt.wildcard {
			t.Errorf("parseModuleLine(%q) wildcard %v (-want +got):\n%s", tt.line, wildcard, diff)
		}
	}
}

func TestExtractCanceled(t *testing.T) {
	var data []byte
	for i := 0; i < 3000; i++ {
		data = append(data, "# example.com/m v1.0.0\n## explicit\nexample.com/m\n"...)
	}
	extracttest.CheckCanceled(t, New(), fstest.MapFS{"vendor/modules.txt": {Data: data}}, "vendor/modules.txt")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "modules.txt")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, _ := extracttest.Extract(t, New(), fstest.MapFS{"vendor/modules.txt": {Data: data}}, "vendor/modules.txt")
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.Go || p.Name == "" || (p.Version == "" && p.Note == "") || p.Location.Line < 1 {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}

func mv(p, v string) module.Version { return module.Version{Path: p, Version: v} }
