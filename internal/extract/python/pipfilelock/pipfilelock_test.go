package pipfilelock

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
		{"Pipfile.lock", true},
		{"app/Pipfile.lock", true},
		{"Pipfile", false},
		{"pipfile.lock", false},
		{"Pipfile.lock.bak", false},
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
	unknownRel = inventory.RelationUnknown
	prod       = inventory.ScopeProd
	dev        = inventory.ScopeDev
	noScope    = inventory.ScopeUnknown
)

func pkg(name, version, requirement string, rel inventory.Relation, scope inventory.Scope, file string, line int, note string) inventory.Package {
	return inventory.Package{
		Ecosystem:   inventory.PyPI,
		Name:        name,
		Version:     version,
		Requirement: requirement,
		Relation:    rel,
		Scope:       scope,
		Location:    inventory.Location{File: file, Line: line},
		Note:        note,
	}
}

func TestExtract(t *testing.T) {
	const (
		minimal   = "minimal/Pipfile.lock"
		real      = "real/requests-html-2020/Pipfile.lock"
		malformed = "malformed/Pipfile.lock"
		badentry  = "badentry/Pipfile.lock"
		wrong     = "wrongformat/Pipfile.lock"
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
				pkg("certifi", "2024.2.2", "", transitive, prod, minimal, 19, ""),
				pkg("django", "4.2.11", "", direct, prod, minimal, 26, ""),
				pkg("forked-lib", "", "https://github.com/example/forked-lib.git@0123456789abcdef0123456789abcdef01234567",
					direct, prod, minimal, 33, "from git; the lock records no version"),
				pkg("local-pkg", "", "./libs/local-pkg", direct, prod, minimal, 37,
					"editable; from a local path; the lock records no version"),
				pkg("requests", "2.31.0", "", direct, prod, minimal, 41, ""),
				pkg("vendored", "", "https://example.com/vendored-1.0.tar.gz", direct, prod, minimal, 48,
					"from a file or URL; the lock records no version"),
				// develop: certifi 2024.2.2 is the default install
				// again and is not repeated; django is another version.
				pkg("django", "4.2.10", "", direct, dev, minimal, 60, ""),
				pkg("pluggy", "1.4.0", "", transitive, dev, minimal, 66, ""),
				pkg("pytest", "8.1.1", "", direct, dev, minimal, 73, ""),
				pkg("sphinx", "7.2.6", "", direct, noScope, minimal, 82, `Pipenv category "docs"`),
			},
		},
		{
			// Counted with python3: 21 default and 60 develop
			// entries, 19 develop entries repeat a default one with
			// the same version, so 21 + 41 = 62. The Pipfile names
			// 16 packages: 8 direct prod, 8 direct dev (one of them
			// the editable project e1839a8).
			name:      "real_requests_html_2020",
			path:      real,
			wantCount: 62,
			wantSome: []inventory.Package{
				pkg("bs4", "0.0.1", "", direct, prod, real, 25, ""),
				pkg("requests", "2.23.0", "", direct, prod, real, 74, ""),
				pkg("websockets", "8.1", "", transitive, prod, real, 105, ""),
				pkg("alabaster", "0.7.12", "", transitive, dev, real, 111, ""),
				pkg("e1839a8", "", ".", direct, dev, real, 151,
					"editable; from a local path; the lock records no version"),
				pkg("importlib-metadata", "1.6.0", "", transitive, dev, real, 168, ""),
				pkg("mypy", "0.770", "", direct, dev, real, 193, ""),
				pkg("white", "0.1.2", "", direct, dev, real, 356, ""),
				pkg("zipp", "3.1.0", "", transitive, dev, real, 361, ""),
			},
		},
		{
			name: "empty",
			path: "empty/Pipfile.lock",
		},
		{
			// Truncated inside "default": the entries before the cut
			// are kept.
			name: "truncated_keeps_entries",
			path: malformed,
			want: []inventory.Package{
				pkg("appdirs", "1.4.3", "", unknownRel, prod, malformed, 17, ""),
				pkg("beautifulsoup4", "4.9.0", "", unknownRel, prod, malformed, 21, ""),
			},
			wantErrs: []string{malformed + ":25"},
		},
		{
			name: "bad_entries_keep_the_others",
			path: badentry,
			want: []inventory.Package{
				pkg("also-ok", "2.0-custom", "", unknownRel, prod, badentry, 19, ""),
				pkg("ok", "1.0", "", unknownRel, prod, badentry, 26, ""),
				pkg("unpinned", "", "*", unknownRel, prod, badentry, 29, "the lock records no exact version"),
			},
			wantErrs: []string{
				badentry + ":22", // {}
				badentry + ":23", // "version": 1
				badentry + ":33", // "develop": []
			},
		},
		{
			name:     "wrong_format_package_lock",
			path:     wrong,
			wantErrs: []string{wrong + ":1"},
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
		})
	}
}

func TestExtractRealCounts(t *testing.T) {
	inv, err := extracttest.Extract(t, New(), os.DirFS("testdata"), "real/requests-html-2020/Pipfile.lock")
	if err != nil {
		t.Fatal(err)
	}
	got := extracttest.CountByRelationScope(inv.Packages)
	// Counted with python3 json and tomllib against the Pipfile.
	want := map[inventory.Relation]map[inventory.Scope]int{
		direct:     {prod: 8, dev: 8},
		transitive: {prod: 13, dev: 33},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("relation and scope counts (-want +got):\n%s", diff)
	}
}

func TestExtractPipfileProblems(t *testing.T) {
	lock, err := os.ReadFile("testdata/minimal/Pipfile.lock")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("no_pipfile", func(t *testing.T) {
		inv, err := extracttest.Extract(t, New(), fstest.MapFS{"Pipfile.lock": {Data: lock}}, "Pipfile.lock")
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range inv.Packages {
			if p.Relation != unknownRel {
				t.Errorf("%s: relation %q, want unknown", p.Name, p.Relation)
			}
		}
	})
	t.Run("bad_pipfile", func(t *testing.T) {
		fsys := fstest.MapFS{
			"app/Pipfile.lock": {Data: lock},
			"app/Pipfile":      {Data: []byte("[packages]\nrequests = \n")},
		}
		inv, err := extracttest.Extract(t, New(), fsys, "app/Pipfile.lock")
		extracttest.CheckErrors(t, []string{"app/Pipfile:2"}, err)
		if len(inv.Packages) != 10 {
			t.Errorf("got %d packages, want all 10", len(inv.Packages))
		}
	})
}

func TestExtractNotPipfileLock(t *testing.T) {
	for name, data := range map[string]string{
		"array":       "[1, 2]",
		"toml":        "[packages]\nrequests = \"*\"\n",
		"trailing":    "{\"_meta\": {}}\n{}",
		"no_sections": "{\"name\": \"x\"}",
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"Pipfile.lock": {Data: []byte(data)}}, "Pipfile.lock")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) || pe.Path != "Pipfile.lock" || pe.Line < 1 {
				t.Errorf("err = %v, want a parse error with a line", err)
			}
			if len(inv.Packages) != 0 {
				t.Errorf("got %d packages, want none", len(inv.Packages))
			}
		})
	}
}

func TestExtractCancelled(t *testing.T) {
	extracttest.CheckCanceled(t, New(), os.DirFS("testdata"), "minimal/Pipfile.lock")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "Pipfile.lock")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, _ := extracttest.Extract(t, New(), fstest.MapFS{"Pipfile.lock": {Data: data}}, "Pipfile.lock")
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.PyPI || p.Name == "" || p.Location.Line < 1 ||
				(p.Version == "" && p.Requirement == "") {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}
