package requirements

import (
	"context"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/extract/extracttest"
	"github.com/patchline/patchline/internal/inventory"
)

func TestFileRequired(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"requirements.txt", true},
		{"app/requirements.txt", true},
		{"requirements-dev.txt", true},
		{"requirements_test.txt", true},
		{"dev-requirements.txt", true},
		{"test_requirements.txt", true},
		{"Requirements.txt", true},
		{"requirements/base.txt", true},
		{"app/requirements/prod.txt", true},
		{"constraints.txt", true},
		{"requirements.in", false},
		{"requirements.txt.bak", false},
		{"notes.txt", false},
		{"Pipfile.lock", false},
		{"requirements/README.md", false},
	}
	for _, tt := range tests {
		if got := New().FileRequired(tt.path); got != tt.want {
			t.Errorf("FileRequired(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

// pkg builds an expected PyPI package.
func pkg(name, version, requirement string, rel inventory.Relation, file string, line int, note string) inventory.Package {
	return inventory.Package{
		Ecosystem:   inventory.PyPI,
		Name:        name,
		Version:     version,
		Requirement: requirement,
		Relation:    rel,
		Scope:       inventory.ScopeUnknown,
		Location:    inventory.Location{File: file, Line: line},
		Note:        note,
	}
}

const direct = inventory.RelationDirect

func TestExtract(t *testing.T) {
	const (
		minimal   = "minimal/requirements.txt"
		saleor    = "real/saleor-2019/requirements.txt"
		pygoat    = "real/pygoat-2021/requirements.txt"
		malformed = "malformed/requirements.txt"
		wrong     = "wrongformat/requirements.txt"
	)
	tests := []struct {
		name string
		path string
		// want is the whole inventory when wantCount is 0; otherwise
		// the inventory has wantCount packages including wantSome.
		want      []inventory.Package
		wantCount int
		wantSome  []inventory.Package
		// wantErrs are the "file:line" of the expected parse errors.
		wantErrs []string
	}{
		{
			name: "minimal",
			path: minimal,
			want: []inventory.Package{
				pkg("Django", "3.2.4", "", direct, minimal, 8, ""),
				pkg("requests", "2.25.1", "", direct, minimal, 9, `only where python_version >= "3.6"`),
				pkg("flask", "", ">=1.0,<2", direct, minimal, 10, ""),
				pkg("six", "", "", direct, minimal, 11, ""),
				pkg("urllib3", "", "~=1.26", direct, minimal, 12, ""),
				pkg("legacy", "1.0-custom", "", direct, minimal, 13, ""),
				pkg("wildcard", "", "==1.*", direct, minimal, 14, ""),
				pkg("paren", "0.4.1", "", direct, minimal, 15, ""),
				pkg("hashed", "1.0.0", "", direct, minimal, 16, ""),
				pkg("editable-pkg", "", "git+https://github.com/example/editable-pkg.git@v1.0#egg=editable-pkg",
					direct, minimal, 19, "editable; from version control"),
				pkg("vcs_pkg", "", "git+https://github.com/example/vcs-pkg.git@abc123#egg=vcs_pkg",
					direct, minimal, 20, "from version control"),
				pkg("pinned-url", "", "https://files.pypi.example/packages/pinned_url-1.0.tar.gz",
					direct, minimal, 21, "from a URL"),
				pkg("wheelpkg", "", "https://files.pypi.example/packages/wheelpkg-2.0-py3-none-any.whl",
					direct, minimal, 22, "from a URL"),
				pkg("localwheel", "", "./local/wheels/localwheel-0.1-py3-none-any.whl",
					direct, minimal, 23, "from a local path"),
				// -e . on line 24 is the project itself: not listed.
				pkg("attrs", "21.2.0", "", direct, "minimal/base.txt", 1, ""),
				pkg("pytz", "2021.1", "", direct, "minimal/nested/extra.txt", 2, ""),
				pkg("idna", "2.10", "", inventory.RelationUnknown, "minimal/constraints.txt", 1,
					"from a constraints file: installed only if something else requires it"),
			},
		},
		{
			// 122 lines: -i on line 1, then 121 requirements, all
			// pinned with == (grep -cv '^-' and grep -c '==' both
			// give 121).
			name:      "real_saleor_2019",
			path:      saleor,
			wantCount: 121,
			wantSome: []inventory.Package{
				pkg("amqp", "2.5.0", "", direct, saleor, 2, ""),
				pkg("celery", "4.3.0", "", direct, saleor, 14, ""),
				pkg("dataclasses", "0.6", "", direct, saleor, 19, "only where python_version < '3.7'"),
				pkg("django-storages", "1.7.1", "", direct, saleor, 45, ""),
				pkg("django", "2.2.1", "", direct, saleor, 49, ""),
				pkg("uwsgi", "2.0.18", "", direct, saleor, 119, "only where platform_system != 'Windows'"),
				pkg("webencodings", "0.5.1", "", direct, saleor, 122, ""),
			},
		},
		{
			// 11 lines, 11 requirements, 5 pinned (grep -c '==').
			name:      "real_pygoat_2021",
			path:      pygoat,
			wantCount: 11,
			wantSome: []inventory.Package{
				pkg("asgiref", "3.2.7", "", direct, pygoat, 1, ""),
				pkg("Django", "3.0.14", "", direct, pygoat, 2, ""),
				pkg("php-wsgi", "", "", direct, pygoat, 5, ""),
				pkg("pyyaml", "5.4", "", direct, pygoat, 6, ""),
				pkg("django-allauth", "", "", direct, pygoat, 11, ""),
			},
		},
		{
			name: "empty",
			path: "empty/requirements.txt",
			want: nil,
		},
		{
			name: "malformed_keeps_good_lines",
			path: malformed,
			want: []inventory.Package{
				pkg("good", "1.0", "", direct, malformed, 1, ""),
				pkg("ok", "", ">=2", direct, malformed, 4, ""),
				pkg("also-good", "3.0", "", direct, malformed, 8, ""),
				pkg("last", "4.0", "", direct, malformed, 11, ""),
			},
			wantErrs: []string{
				malformed + ":2",  // ==2.0: no name
				malformed + ":3",  // bad name==1.0
				malformed + ":5",  // unclosed [
				malformed + ":6",  // unknown option
				malformed + ":7",  // == without a version
				malformed + ":8",  // --hash without ALGORITHM:
				malformed + ":10", // -r without a file
			},
		},
		{
			name: "wrong_format_json",
			path: wrong,
			want: nil,
			wantErrs: []string{
				wrong + ":1", wrong + ":2", wrong + ":3", wrong + ":4", wrong + ":5", wrong + ":6",
			},
		},
		{
			name: "include_cycle",
			path: "cycle/a.txt",
			want: []inventory.Package{
				pkg("a", "1.0", "", direct, "cycle/a.txt", 1, ""),
				pkg("b", "2.0", "", direct, "cycle/b.txt", 1, ""),
			},
			wantErrs: []string{"cycle/b.txt:2"},
		},
		{
			name: "missing_include",
			path: "missing/requirements.txt",
			want: []inventory.Package{
				pkg("present", "1.0", "", direct, "missing/requirements.txt", 1, ""),
				pkg("after", "2.0", "", direct, "missing/requirements.txt", 3, ""),
			},
			wantErrs: []string{"missing/requirements.txt:2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), os.DirFS("testdata"), tt.path)
			extracttest.CheckErrors(t, tt.wantErrs, err)
			if tt.wantCount == 0 {
				extracttest.CheckPackages(t, tt.want, inv.Packages)
				return
			}
			extracttest.CheckSome(t, tt.wantCount, tt.wantSome, inv.Packages)
			for _, p := range inv.Packages {
				if p.Version == "" && strings.Contains(p.Requirement, "==") && !strings.Contains(p.Requirement, "*") {
					t.Errorf("%s has an exact pin %q but no version", p.Name, p.Requirement)
				}
			}
		})
	}
}

func TestExtractMissingFS(t *testing.T) {
	in := &inventory.Input{
		Path:   "requirements.txt",
		Reader: strings.NewReader("a==1\n-r other.txt\n"),
	}
	inv, err := New().Extract(context.Background(), in)
	extracttest.CheckErrors(t, []string{"requirements.txt:2"}, err)
	if len(inv.Packages) != 1 {
		t.Errorf("got %d packages, want 1", len(inv.Packages))
	}
}

func TestExtractIncludeEscapesRoot(t *testing.T) {
	fsys := fstest.MapFS{
		"app/requirements.txt": {Data: []byte("-r ../../outside.txt\n-r /etc/passwd\n-r https://example.com/r.txt\n")},
	}
	_, err := extracttest.Extract(t, New(), fsys, "app/requirements.txt")
	want := []string{"app/requirements.txt:1", "app/requirements.txt:2", "app/requirements.txt:3"}
	extracttest.CheckErrors(t, want, err)
}

func TestExtractTooManyErrors(t *testing.T) {
	fsys := fstest.MapFS{
		"requirements.txt": {Data: []byte(strings.Repeat("{bad}\n", 15) + "good==1\n")},
	}
	inv, err := extracttest.Extract(t, New(), fsys, "requirements.txt")
	lines := extracttest.ErrorLines(err)
	if len(lines) != maxLineErrors+1 || lines[maxLineErrors] != "requirements.txt:0" {
		t.Errorf("errors = %q, want %d line errors and a summary", lines, maxLineErrors)
	}
	if len(inv.Packages) != 1 || inv.Packages[0].Location.Line != 16 {
		t.Errorf("packages = %+v, want good on line 16", inv.Packages)
	}
}

func TestExtractCancelled(t *testing.T) {
	fsys := fstest.MapFS{"requirements.txt": {Data: []byte("a==1\n")}}
	extracttest.CheckCanceled(t, New(), fsys, "requirements.txt")
}

func TestParseRequirement(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want requirement
	}{
		{"pin", "a==1.0", requirement{name: "a", version: "1.0"}},
		{"pin_with_spaces", "a == 1.0", requirement{name: "a", version: "1.0"}},
		{"pin_local_version", "a==1.0+cpu", requirement{name: "a", version: "1.0+cpu"}},
		{"arbitrary_equality", "a===foo", requirement{name: "a", version: "foo"}},
		{"pin_and_exclusion", "a==1.0,!=1.1", requirement{name: "a", version: "1.0"}},
		{"two_pins", "a==1.0,==1.1", requirement{name: "a", constraint: "==1.0,==1.1"}},
		{"wildcard", "a==1.*", requirement{name: "a", constraint: "==1.*"}},
		{"range", "a>=1,<2", requirement{name: "a", constraint: ">=1,<2"}},
		{"compatible", "a~=1.4.2", requirement{name: "a", constraint: "~=1.4.2"}},
		{"bare", "a", requirement{name: "a"}},
		{"extras", "a[x, y]==2", requirement{name: "a", version: "2"}},
		{"marker", `a==1; sys_platform == "win32"`, requirement{name: "a", version: "1", marker: `sys_platform == "win32"`}},
		{"name_at_url", "a @ https://example.com/a-1.0.tar.gz", requirement{name: "a",
			constraint: "https://example.com/a-1.0.tar.gz", source: "from a URL"}},
		{"name_at_url_marker", "a@https://example.com/a.zip ; python_version<'3'", requirement{name: "a",
			constraint: "https://example.com/a.zip", marker: "python_version<'3'", source: "from a URL"}},
		{"egg_with_extras", "git+ssh://git@example.com/a.git#egg=a[x]&subdirectory=s", requirement{name: "a",
			constraint: "git+ssh://git@example.com/a.git#egg=a[x]&subdirectory=s", source: "from version control"}},
		{"local_dir", "./src/lib", requirement{}},
		{"file_url_dir", "file:///srv/lib", requirement{}},
		{"local_dir_with_egg", "../lib#egg=lib", requirement{name: "lib", constraint: "../lib#egg=lib", source: "from a local path"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRequirement(tt.in)
			if err != nil {
				t.Fatalf("parseRequirement(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(requirement{})); diff != "" {
				t.Errorf("parseRequirement(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseRequirementErrors(t *testing.T) {
	for _, in := range []string{
		"-a", "a b", "a==", "a>=1,", "a[x", "a[-x]", "a (==1", "a; ", "_a==1",
		"https://example.com/archive.tar.gz", "./dist/a.tar.gz", "a==1 2",
	} {
		if got, err := parseRequirement(in); err == nil {
			t.Errorf("parseRequirement(%q) = %+v, want an error", in, got)
		}
	}
}

func TestLogicalLines(t *testing.T) {
	in := "\xef\xbb\xbfa==1 \\\n  --hash=sha256:x\r\n# c \\\nb # note\nurl#frag\n\\\nc\nd \\"
	want := []logicalLine{
		{text: "a==1   --hash=sha256:x", line: 1},
		{text: "b", line: 4},
		{text: "url#frag", line: 5},
		{text: "c", line: 6},
		{text: "d", line: 8},
	}
	if diff := cmp.Diff(want, logicalLines([]byte(in)), cmp.AllowUnexported(logicalLine{})); diff != "" {
		t.Errorf("logicalLines (-want +got):\n%s", diff)
	}
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "*.txt")
	f.Fuzz(func(t *testing.T, data []byte) {
		// The fuzzed file can include itself and a sibling.
		fsys := fstest.MapFS{
			"dir/requirements.txt": {Data: data},
			"dir/base.txt":         {Data: []byte("x==1\n-r requirements.txt\n")},
		}
		inv, _ := extracttest.Extract(t, New(), fsys, "dir/requirements.txt")
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.PyPI || !validName(p.Name) || p.Location.Line < 1 {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}
