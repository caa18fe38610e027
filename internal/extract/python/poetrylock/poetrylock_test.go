package poetrylock

import (
	"io/fs"
	"os"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/extract/extracttest"
	"github.com/patchline/patchline/internal/inventory"
)

func TestFileRequired(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"poetry.lock", true},
		{"app/poetry.lock", true},
		{"Poetry.lock", false},
		{"poetry.lock.bak", false},
		{"pyproject.toml", false},
		{"uv.lock", false},
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
	optional   = inventory.ScopeOptional
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
		v1       = "minimal-v1/poetry.lock"
		v2       = "minimal-v2/poetry.lock"
		saleor   = "real/saleor-2021/poetry.lock"
		badentry = "badentry/poetry.lock"
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
			name: "minimal_v1_category",
			path: v1,
			want: []inventory.Package{
				pkg("Django", "3.2.4", direct, prod, v1, 1, ""),
				pkg("asgiref", "3.4.1", transitive, prod, v1, 12, ""),
				pkg("pytest", "6.2.4", direct, dev, v1, 22, ""),
				pkg("redis", "3.5.3", direct, optional, v1, 30, ""),
				pkg("mylib", "0.1.0", direct, prod, v1, 38, `from local directory "../mylib"`),
				pkg("forked", "1.0.0", direct, prod, v1, 51, `from git "https://github.com/example/forked.git" at "0123456789abcdef0123456789abcdef01234567"`),
			},
		},
		{
			name: "minimal_v2_groups",
			path: v2,
			want: []inventory.Package{
				pkg("bundle", "0.3.0", direct, prod, v2, 3, `from URL "https://example.com/bundle-0.3.0.tar.gz"`),
				pkg("certifi", "2025.1.31", transitive, prod, v2, 18, ""),
				pkg("colorama", "0.4.6", transitive, dev, v2, 29, ""),
				pkg("iniconfig", "2.0.0", transitive, dev, v2, 41, ""),
				pkg("internal-tool", "1.0.0", direct, prod, v2, 52, `from package index "https://pkgs.example.com/simple"`),
				pkg("localwheel", "0.1", direct, optional, v2, 66, `from local file "wheels/localwheel-0.1-py3-none-any.whl"`),
				pkg("pytest", "8.3.5", direct, dev, v2, 82, ""),
				pkg("requests", "2.32.3", direct, prod, v2, 97, ""),
				pkg("sphinx", "7.4.7", direct, dev, v2, 111, ""),
				pkg("tomli", "2.2.1", direct, prod, v2, 125, ""),
			},
		},
		{
			// Counted with python3 tomllib: 214 [[package]] tables,
			// 150 category "main" and 64 "dev"; the pyproject names
			// 89 of them (normalised), so 125 are transitive.
			name:      "real_saleor_2021",
			path:      saleor,
			wantCount: 214,
			wantSome: []inventory.Package{
				pkg("adyen", "4.0.0", direct, prod, saleor, 1, ""),
				pkg("black", "21.5b0", direct, dev, saleor, 144, ""),
				pkg("celery", "5.1.0", direct, prod, saleor, 248, ""),
				pkg("django", "3.2.2", direct, prod, saleor, 460, ""),
				pkg("pytest", "6.2.4", direct, dev, saleor, 1818, ""),
				pkg("uvicorn", "0.13.4", direct, prod, saleor, 2434, ""),
				pkg("vine", "5.0.0", transitive, prod, saleor, 2483, ""),
				pkg("yarl", "1.6.3", transitive, dev, saleor, 2571, ""),
			},
		},
		{
			name: "empty",
			path: "empty/poetry.lock",
		},
		{
			name:     "malformed_toml",
			path:     "malformed/poetry.lock",
			wantErrs: []string{"malformed/poetry.lock:8"},
		},
		{
			name: "bad_entries_keep_the_others",
			path: badentry,
			want: []inventory.Package{
				pkg("ok", "1.0.0", unknownRel, prod, badentry, 1, ""),
				pkg("also-ok", "4.0.0", unknownRel, dev, badentry, 19, ""),
			},
			wantErrs: []string{badentry + ":6", badentry + ":11", badentry + ":15"},
		},
		{
			name:     "wrong_format_json",
			path:     "wrongformat/poetry.lock",
			wantErrs: []string{"wrongformat/poetry.lock:1"},
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
	inv, err := extracttest.Extract(t, New(), os.DirFS("testdata"), "real/saleor-2021/poetry.lock")
	if err != nil {
		t.Fatal(err)
	}
	got := extracttest.CountByRelationScope(inv.Packages)
	// Counted with python3 tomllib against the pyproject.toml.
	want := map[inventory.Relation]map[inventory.Scope]int{
		direct:     {prod: 60, dev: 29},
		transitive: {prod: 90, dev: 35},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("relation and scope counts (-want +got):\n%s", diff)
	}
}

func TestExtractWithoutPyproject(t *testing.T) {
	data, err := os.ReadFile("testdata/minimal-v1/poetry.lock")
	if err != nil {
		t.Fatal(err)
	}
	for name, fsys := range map[string]fs.FS{
		"no_pyproject": fstest.MapFS{"poetry.lock": {Data: data}},
		"not_a_project": fstest.MapFS{
			"poetry.lock":    {Data: data},
			"pyproject.toml": {Data: []byte("[tool.black]\nline-length = 88\n")},
		},
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fsys, "poetry.lock")
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range inv.Packages {
				if p.Relation != unknownRel {
					t.Errorf("%s: relation %q, want unknown", p.Name, p.Relation)
				}
			}
		})
	}
}

func TestExtractBadPyproject(t *testing.T) {
	data, err := os.ReadFile("testdata/minimal-v1/poetry.lock")
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"app/poetry.lock":    {Data: data},
		"app/pyproject.toml": {Data: []byte("[tool.poetry]\nname = \n")},
	}
	inv, err := extracttest.Extract(t, New(), fsys, "app/poetry.lock")
	extracttest.CheckErrors(t, []string{"app/pyproject.toml:2"}, err)
	if len(inv.Packages) != 6 {
		t.Errorf("got %d packages, want all 6", len(inv.Packages))
	}
}

func TestExtractOtherTOML(t *testing.T) {
	fsys := fstest.MapFS{"poetry.lock": {Data: []byte("[tool.poetry]\nname = \"x\"\n")}}
	_, err := extracttest.Extract(t, New(), fsys, "poetry.lock")
	extracttest.CheckErrors(t, []string{"poetry.lock:0"}, err)
}

// TestNormalizePyPI checks the name folding the Python extractors use to
// match a lock's names with a pyproject.toml's ([ecosystem.NormalizePyPI];
// package ecosystem has no tests of its own yet).
func TestNormalizePyPI(t *testing.T) {
	for in, want := range map[string]string{
		"Django":           "django",
		"Internal_Tool":    "internal-tool",
		"zope.interface":   "zope-interface",
		"a__b--c":          "a-b-c",
		"python-magic-bin": "python-magic-bin",
		"Café.Ünïcode":     "café-Ünïcode", // only ASCII letters fold
	} {
		if got := ecosystem.NormalizePyPI(in); got != want {
			t.Errorf("NormalizePyPI(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestExtractInvalidUTF8 checks that a name with invalid UTF-8 never
// reaches [ecosystem.NormalizePyPI], which would fold every invalid byte to
// U+FFFD: the TOML decoder rejects such a file.
func TestExtractInvalidUTF8(t *testing.T) {
	lock := "[[package]]\nname = \"caf\xe9\"\nversion = \"1.0\"\n"
	fsys := fstest.MapFS{"poetry.lock": {Data: []byte(lock)}}
	inv, err := extracttest.Extract(t, New(), fsys, "poetry.lock")
	if err == nil || len(inv.Packages) != 0 {
		t.Errorf("Extract of a lock with invalid UTF-8 = %d packages, error %v; want none and an error", len(inv.Packages), err)
	}
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "poetry.lock")
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{
			"poetry.lock":    {Data: data},
			"pyproject.toml": {Data: data},
		}
		inv, _ := extracttest.Extract(t, New(), fsys, "poetry.lock")
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.PyPI || p.Name == "" || p.Version == "" {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}
