package uvlock

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
		{"uv.lock", true},
		{"services/api/uv.lock", true},
		{"UV.lock", false},
		{"uv.lock.orig", false},
		{"poetry.lock", false},
		{"pyproject.toml", false},
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
		minimal   = "minimal/uv.lock"
		workspace = "workspace/uv.lock"
		saleor    = "real/saleor-2025/uv.lock"
		badentry  = "badentry/uv.lock"
		wrong     = "wrongformat/uv.lock"
	)
	tool := pkg("tool", "", direct, dev, minimal, 137, `from local directory "tools/tool"; the lock records no version`)
	tool.Requirement = "tools/tool"
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
			// The root "example" (line 24) is not listed.
			name: "minimal",
			path: minimal,
			want: []inventory.Package{
				pkg("anyio", "4.10.0", transitive, prod, minimal, 5, ""),
				pkg("certifi", "2025.8.3", transitive, prod, minimal, 14, ""),
				pkg("colorama", "0.4.6", transitive, dev, minimal, 19, ""),
				pkg("httpx", "0.28.1", direct, prod, minimal, 64, ""),
				// Named in a dev group but also needed by httpx.
				pkg("idna", "3.10", direct, prod, minimal, 79, ""),
				pkg("iniconfig", "2.1.0", transitive, dev, minimal, 84, ""),
				pkg("mylib", "0.2.0", direct, prod, minimal, 89, `editable local project "../mylib"`),
				// Two versions: the root names 1.26.4, mylib 2.3.2.
				pkg("numpy", "1.26.4", direct, prod, minimal, 97, ""),
				pkg("numpy", "2.3.2", transitive, prod, minimal, 105, ""),
				pkg("pytest", "8.4.2", direct, dev, minimal, 113, ""),
				pkg("rich", "14.1.0", direct, optional, minimal, 122,
					`from git "https://github.com/example/rich?rev=main#0123456789abcdef0123456789abcdef01234567"`),
				pkg("sniffio", "1.3.1", transitive, prod, minimal, 127, ""),
				// Only through the extra httpx[socks].
				pkg("socksio", "1.0.0", transitive, prod, minimal, 132, ""),
				tool,
			},
		},
		{
			// Members "app" and "shared-lib" are roots, not listed.
			name: "workspace_members_are_roots",
			path: workspace,
			want: []inventory.Package{
				pkg("click", "8.2.1", direct, prod, workspace, 20, ""),
				pkg("pydantic", "2.11.7", direct, prod, workspace, 25, ""),
				pkg("pytest", "8.4.2", direct, dev, workspace, 30, ""),
			},
		},
		{
			// Counted with python3 tomllib and a separate graph walk:
			// 238 [[package]] tables, 237 from the registry plus the
			// virtual root "saleor"; the root names 73 dependencies
			// and 32 dev dependencies; 78 more are reached through
			// the dependencies and 54 only through the dev group.
			name:      "real_saleor_2025",
			path:      saleor,
			wantCount: 237,
			wantSome: []inventory.Package{
				pkg("adyen", "4.0.0", direct, prod, saleor, 11, ""),
				pkg("amqp", "5.3.1", transitive, prod, saleor, 17, ""),
				pkg("boto3", "1.40.30", direct, prod, saleor, 230, ""),
				pkg("celery", "5.5.3", direct, prod, saleor, 279, ""),
				pkg("coverage", "7.10.7", direct, dev, saleor, 426, ""),
				pkg("django", "5.2.5", direct, prod, saleor, 582, ""),
				pkg("identify", "2.6.13", transitive, dev, saleor, 1159, ""), // pre-commit
				pkg("iniconfig", "2.1.0", transitive, dev, saleor, 1189, ""), // pytest
				pkg("kombu", "5.5.4", transitive, prod, saleor, 1286, ""),
				pkg("pytest", "8.4.2", direct, dev, saleor, 2110, ""),
				pkg("python-magic-bin", "0.4.14", direct, prod, saleor, 2330, ""),
				pkg("pyxb-x", "1.2.6.3", transitive, prod, saleor, 2367, ""),
				pkg("ruff", "0.12.12", direct, dev, saleor, 2478, ""),
				pkg("zipp", "3.23.0", transitive, prod, saleor, 3274, ""), // opentelemetry-api → importlib-metadata → zipp,
			},
		},
		{
			name: "empty",
			path: "empty/uv.lock",
		},
		{
			name:     "malformed_toml",
			path:     "malformed/uv.lock",
			wantErrs: []string{"malformed/uv.lock:12"},
		},
		{
			name: "bad_entries_keep_the_others",
			path: badentry,
			want: []inventory.Package{
				pkg("ok", "1.0.0", direct, prod, badentry, 13, ""),
				pkg("also-ok", "4.0.0", transitive, noScope, badentry, 37, ""),
			},
			wantErrs: []string{
				badentry + ":18", // version = 2
				badentry + ":23", // no name
				badentry + ":27", // registry package without a version
				badentry + ":31", // dependencies = ["ok"]
				badentry + ":4",  // depends on "ghost"
			},
		},
		{
			name:     "wrong_format_cargo_lock",
			path:     wrong,
			wantErrs: []string{wrong + ":5", wrong + ":11"},
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
	inv, err := extracttest.Extract(t, New(), os.DirFS("testdata"), "real/saleor-2025/uv.lock")
	if err != nil {
		t.Fatal(err)
	}
	got := extracttest.CountByRelationScope(inv.Packages)
	// Counted with python3 tomllib and a separate graph walk.
	want := map[inventory.Relation]map[inventory.Scope]int{
		direct:     {prod: 73, dev: 32},
		transitive: {prod: 78, dev: 54},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("relation and scope counts (-want +got):\n%s", diff)
	}
}

func TestExtractWithoutRoot(t *testing.T) {
	lock := `version = 1

[[package]]
name = "a"
version = "1.0"
source = { registry = "https://files.pypi.example/simple" }
dependencies = [{ name = "b" }]

[[package]]
name = "b"
version = "2.0"
source = { registry = "https://files.pypi.example/simple" }
`
	inv, err := extracttest.Extract(t, New(), fstest.MapFS{"uv.lock": {Data: []byte(lock)}}, "uv.lock")
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.Package{
		pkg("a", "1.0", inventory.RelationUnknown, noScope, "uv.lock", 3, ""),
		pkg("b", "2.0", inventory.RelationUnknown, noScope, "uv.lock", 9, ""),
	}
	if diff := cmp.Diff(want, inv.Packages, extracttest.IgnoreGraph()); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}

func TestExtractNotUVLock(t *testing.T) {
	for name, data := range map[string]string{
		"no_version":     "[[package]]\nname = \"a\"\n",
		"string_version": "version = \"1\"\n",
		"json":           "{\"lockfileVersion\": 3}\n",
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"uv.lock": {Data: []byte(data)}}, "uv.lock")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) || pe.Path != "uv.lock" {
				t.Errorf("err = %v, want a parse error for uv.lock", err)
			}
			if len(inv.Packages) != 0 {
				t.Errorf("got %d packages, want none", len(inv.Packages))
			}
		})
	}
}

func TestExtractCancelled(t *testing.T) {
	extracttest.CheckCanceled(t, New(), os.DirFS("testdata"), "minimal/uv.lock")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "uv.lock")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, _ := extracttest.Extract(t, New(), fstest.MapFS{"uv.lock": {Data: data}}, "uv.lock")
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.PyPI || p.Name == "" || (p.Version == "" && p.Requirement == "") {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}
