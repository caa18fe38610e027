package pdmlock

import (
	"errors"
	"os"
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
		{"pdm.lock", true},
		{"services/api/pdm.lock", true},
		{"PDM.lock", false},
		{"pdm.lock.orig", false},
		{"pdm.toml", false},
		{"poetry.lock", false},
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
	prod       = inventory.ScopeProd
	dev        = inventory.ScopeDev
	optional   = inventory.ScopeOptional
	noScope    = inventory.ScopeUnknown
)

func pkg(name, version string, rel inventory.Relation, scope inventory.Scope, file string, line int, note string) inventory.Package {
	return inventory.Package{
		Ecosystem: inventory.PyPI,
		Name:      name,
		Version:   version,
		Relation:  rel,
		Scope:     scope,
		Location:  inventory.Location{File: file, Line: line},
		Note:      note,
	}
}

func TestExtract(t *testing.T) {
	const (
		minimal  = "minimal/pdm.lock"
		sections = "sections/pdm.lock"
		demo     = "real/pdm-demo/pdm.lock"
		nogroups = "real/pdm-demo-nogroups/pdm.lock"
		badentry = "badentry/pdm.lock"
		wrong    = "wrongformat/pdm.lock"
	)
	tests := []struct {
		name     string
		path     string
		want     []inventory.Package
		wantErrs []string
	}{
		{
			name: "minimal",
			path: minimal,
			want: []inventory.Package{
				pkg("blinker", "1.8.2", transitive, prod, minimal, 12, ""),
				// "ci" is not declared in pyproject.toml.
				pkg("build-helper", "2.0.0", transitive, noScope, minimal, 22, ""),
				pkg("docs-theme", "0.1.0", transitive, dev, minimal, 28, `editable local project "./docs-theme"`),
				// The [[package]] on line 40 is inside a string.
				pkg("flask", "3.0.3", direct, prod, minimal, 36, ""),
				pkg("iniconfig", "2.0.0", transitive, dev, minimal, 48, ""),
				pkg("mkdocs", "1.6.1", direct, dev, minimal, 53, ""),
				pkg("mylib", "0.2.0", direct, prod, minimal, 58, `from local path "./libs/mylib"`),
				pkg("packaging", "24.1", transitive, prod, minimal, 64, ""),
				pkg("pysocks", "1.7.1", direct, optional, minimal, 69, ""),
				pkg("pytest", "8.3.3", direct, dev, minimal, 74, ""),
				pkg("ruff", "0.6.9", direct, dev, minimal, 83, ""),
				pkg("urllib3", "2.2.3", transitive, optional, minimal, 88, `from URL "https://example.com/wheels/urllib3-2.2.3-py3-none-any.whl"`),
				pkg("werkzeug", "3.1.0.dev0", transitive, prod, minimal, 94,
					`from git "https://github.com/example/werkzeug.git" at "0123456789abcdef0123456789abcdef01234567"`),
			},
		},
		{
			name: "older_sections",
			path: sections,
			want: []inventory.Package{
				pkg("click", "7.1.2", direct, prod, sections, 3, ""),
				pkg("pytest", "6.2.1", direct, dev, sections, 8, ""),
			},
		},
		{
			// PDM's own test project: "tests" and "security" are
			// extras, so everything outside "default" is optional.
			name: "real_pdm_demo",
			path: demo,
			want: []inventory.Package{
				pkg("certifi", "2025.1.31", transitive, optional, demo, 13, ""),
				pkg("chardet", "3.0.4", direct, prod, demo, 25, ""),
				pkg("charset-normalizer", "2.0.12", transitive, optional, demo, 36, ""),
				pkg("colorama", "0.3.9", transitive, optional, demo, 48, ""),
				pkg("idna", "2.7", direct, prod, demo, 59, ""),
				pkg("py", "1.4.34", transitive, optional, demo, 69, ""),
				pkg("pytest", "3.2.5", direct, optional, demo, 79, ""),
				pkg("requests", "2.27.1", direct, optional, demo, 96, ""),
				pkg("setuptools", "39.2.0", transitive, optional, demo, 116, ""),
				pkg("urllib3", "1.26.20", transitive, optional, demo, 127, ""),
			},
		},
		{
			// The same project locked without per-package groups.
			name: "real_pdm_demo_without_groups",
			path: nogroups,
			want: []inventory.Package{
				pkg("certifi", "2025.1.31", transitive, noScope, nogroups, 13, ""),
				pkg("chardet", "3.0.4", direct, noScope, nogroups, 23, ""),
				pkg("charset-normalizer", "2.0.12", transitive, noScope, nogroups, 32, ""),
				pkg("colorama", "0.3.9", transitive, noScope, nogroups, 42, ""),
				pkg("idna", "2.7", direct, noScope, nogroups, 51, ""),
				pkg("py", "1.4.34", transitive, noScope, nogroups, 60, ""),
				pkg("pytest", "3.2.5", direct, noScope, nogroups, 69, ""),
				pkg("requests", "2.27.1", direct, noScope, nogroups, 85, ""),
				pkg("setuptools", "39.2.0", transitive, noScope, nogroups, 103, ""),
				pkg("urllib3", "1.26.20", transitive, noScope, nogroups, 113, ""),
			},
		},
		{
			name: "empty",
			path: "empty/pdm.lock",
		},
		{
			name:     "malformed_toml",
			path:     "malformed/pdm.lock",
			wantErrs: []string{"malformed/pdm.lock:6"},
		},
		{
			name: "bad_entries_keep_the_others",
			path: badentry,
			want: []inventory.Package{
				pkg("ok", "1.0.0", noRel, prod, badentry, 5, ""),
				pkg("also-ok", "4.0.0", noRel, prod, badentry, 27, ""),
			},
			wantErrs: []string{
				badentry + ":10", // no name
				badentry + ":14", // no version
				badentry + ":18", // groups = "default"
				badentry + ":23", // version = 3
			},
		},
		{
			name:     "wrong_format_poetry_lock",
			path:     wrong,
			wantErrs: []string{wrong + ":0"},
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

func TestExtractWithoutPyproject(t *testing.T) {
	lock := `[metadata]
lock_version = "4.5.0"

[[package]]
name = "a"
version = "1.0"
groups = ["default"]

[[package]]
name = "b"
version = "2.0"
groups = ["dev"]
`
	inv, err := extracttest.Extract(t, New(), fstest.MapFS{"pdm.lock": {Data: []byte(lock)}}, "pdm.lock")
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.Package{
		pkg("a", "1.0", noRel, prod, "pdm.lock", 4, ""),
		// "dev" could be an extra or a development group.
		pkg("b", "2.0", noRel, noScope, "pdm.lock", 9, ""),
	}
	if diff := cmp.Diff(want, inv.Packages); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}

func TestExtractBadPyproject(t *testing.T) {
	fsys := fstest.MapFS{
		"pdm.lock":       {Data: []byte("[metadata]\nlock_version = \"4.5.0\"\n\n[[package]]\nname = \"a\"\nversion = \"1.0\"\ngroups = [\"default\"]\n")},
		"pyproject.toml": {Data: []byte("[project\n")},
	}
	inv, err := extracttest.Extract(t, New(), fsys, "pdm.lock")
	extracttest.CheckErrors(t, []string{"pyproject.toml:2"}, err)
	want := []inventory.Package{pkg("a", "1.0", noRel, prod, "pdm.lock", 4, "")}
	if diff := cmp.Diff(want, inv.Packages); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}

func TestExtractNotPDMLock(t *testing.T) {
	for name, data := range map[string]string{
		"no_metadata":         "[[package]]\nname = \"a\"\nversion = \"1\"\n",
		"lock_version_number": "[metadata]\nlock_version = 4\n",
		"json":                "{\"lockfileVersion\": 3}\n",
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"pdm.lock": {Data: []byte(data)}}, "pdm.lock")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) || pe.Path != "pdm.lock" {
				t.Errorf("err = %v, want a parse error for pdm.lock", err)
			}
			if len(inv.Packages) != 0 {
				t.Errorf("got %d packages, want none", len(inv.Packages))
			}
		})
	}
}

func TestRequirementName(t *testing.T) {
	for req, want := range map[string]string{
		"Flask>=3.0":                            "Flask",
		"  zope.interface ; python_version<'3'": "zope.interface",
		"mylib @ file:///x":                     "mylib",
		"-e file:///x#egg=y":                    "",
		"":                                      "",
	} {
		if got := requirementName(req); got != want {
			t.Errorf("requirementName(%q) = %q, want %q", req, got, want)
		}
	}
}

func TestExtractCanceled(t *testing.T) {
	extracttest.CheckCanceled(t, New(), os.DirFS("testdata"), "minimal/pdm.lock")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "pdm.lock")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, _ := extracttest.Extract(t, New(), fstest.MapFS{"pdm.lock": {Data: data}}, "pdm.lock")
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.PyPI || p.Name == "" || p.Version == "" {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}
