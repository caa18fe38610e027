package bunlock

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
		{"bun.lock", true},
		{"apps/web/bun.lock", true},
		{"bun.lockb", false}, // the binary format is not supported
		{"Bun.lock", false},
		{"bun.lock.bak", false},
		{"package-lock.json", false},
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
		Ecosystem: inventory.Npm,
		Name:      name,
		Version:   version,
		Relation:  rel,
		Scope:     scope,
		Location:  inventory.Location{File: file, Line: line},
		Note:      note,
	}
}

// req is pkg for a package without a version.
func req(name, requirement string, rel inventory.Relation, scope inventory.Scope, file string, line int, note string) inventory.Package {
	p := pkg(name, "", rel, scope, file, line, note)
	p.Requirement = requirement
	return p
}

func TestExtract(t *testing.T) {
	const (
		minimal  = "minimal/bun.lock"
		express  = "real-express3/bun.lock"
		badentry = "badentry/bun.lock"
		v0       = "v0/bun.lock"
		nows     = "noworkspaces/bun.lock"
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
				pkg("@types/node", "22.7.4", direct, dev, minimal, 40, ""),
				// Only through express's optionalDependencies.
				pkg("bufferutil", "4.0.8", transitive, optional, minimal, 42, ""),
				pkg("debug", "2.6.9", transitive, prod, minimal, 44, ""),
				pkg("express", "4.21.0", direct, prod, minimal, 46, ""),
				pkg("fsevents", "2.3.3", direct, optional, minimal, 48, ""),
				req("left", "github:example/left#0a1b2c3", direct, prod, minimal, 50,
					`from git "github:example/left#0a1b2c3", resolved to "example-left-0a1b2c3"`),
				req("linked", "link:linked", direct, prod, minimal, 52, `symlink to local directory "linked"`),
				req("local-lib", "file:libs/local-lib", direct, prod, minimal, 54, `from local directory "libs/local-lib"`),
				pkg("ms", "2.0.0", transitive, prod, minimal, 56, ""),
				// A required peer of the project.
				pkg("react", "18.3.1", direct, prod, minimal, 58, ""),
				pkg("loose-envify", "1.4.0", transitive, prod, minimal, 60, ""),
				pkg("send", "0.19.0", transitive, prod, minimal, 62, ""),
				pkg("string-width", "4.2.3", transitive, prod, minimal, 64, `installed under the alias "string-width-cjs"`),
				req("tarred", "https://example.com/tarred-1.0.0.tgz", direct, prod, minimal, 66,
					`from tarball "https://example.com/tarred-1.0.0.tgz"`),
				pkg("typescript", "5.6.2", direct, dev, minimal, 69, `from registry "https://registry.npm.example/"`),
				// Hoisted but unreachable: @types/node has its own copy.
				pkg("undici-types", "5.26.5", transitive, noScope, minimal, 72, ""),
				// "web" (line 74) is a workspace member, not listed.
				pkg("undici-types", "6.19.8", transitive, dev, minimal, 76, ""),
				pkg("ms", "2.1.3", transitive, prod, minimal, 78, ""),
				// The workspace web's own react.
				pkg("react", "17.0.2", direct, prod, minimal, 80, ""),
			},
		},
		{
			// From Bun's test suite; counted with python3 (json after
			// stripping trailing commas) and a separate walk of the
			// graph: 94 entries, express the only direct one.
			name:      "real_express3",
			path:      express,
			wantCount: 94,
			wantSome: []inventory.Package{
				pkg("accepts", "1.2.13", transitive, prod, express, 12, ""),
				pkg("express", "3.21.2", direct, prod, express, 68, ""),
				pkg("uid-safe", "2.1.4", transitive, prod, express, 166, ""),
				pkg("negotiator", "0.6.3", transitive, prod, express, 192, ""),
				pkg("destroy", "1.0.4", transitive, prod, express, 198, ""),
			},
		},
		{
			name: "version_0_with_workspace_info",
			path: v0,
			want: []inventory.Package{
				pkg("ms", "2.1.3", direct, prod, v0, 20, ""),
				req("uWebSockets.js", "github:uNetworking/uWebSockets.js#6609a88", direct, prod, v0, 22,
					`installed under the alias "uWebSocket.js"; from git "github:uNetworking/uWebSockets.js#6609a88", resolved to "uNetworking-uWebSockets.js-6609a88"`),
			},
		},
		{
			name: "no_workspaces_no_relations",
			path: nows,
			want: []inventory.Package{
				pkg("debug", "4.3.7", noRel, noScope, nows, 4, ""),
				pkg("ms", "2.1.3", noRel, noScope, nows, 6, ""),
			},
		},
		{
			name:     "empty",
			path:     "empty/bun.lock",
			wantErrs: []string{"empty/bun.lock:1"},
		},
		{
			name:     "malformed_missing_comma",
			path:     "malformed/bun.lock",
			wantErrs: []string{"malformed/bun.lock:13"},
		},
		{
			name: "bad_entries_keep_the_others",
			path: badentry,
			want: []inventory.Package{
				pkg("ok", "1.0.0", direct, prod, badentry, 18, ""),
				pkg("also-ok", "2.0.0", transitive, prod, badentry, 28, ""),
			},
			wantErrs: []string{
				badentry + ":9",  // "not-a-version": 3
				badentry + ":11", // devDependencies is an array
				badentry + ":13", // workspace without a name
				badentry + ":20", // not an array
				badentry + ":22", // empty array
				badentry + ":24", // 42 first
				badentry + ":26", // "no-version"
				badentry + ":4",  // the project depends on "ghost"
				badentry + ":18", // "ok" depends on "missing"
			},
		},
		{
			name:     "wrong_format_package_json",
			path:     "wrongformat/bun.lock",
			wantErrs: []string{"wrongformat/bun.lock:1"},
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
	inv, err := extracttest.Extract(t, New(), os.DirFS("testdata"), "real-express3/bun.lock")
	if err != nil {
		t.Fatal(err)
	}
	want := map[inventory.Relation]map[inventory.Scope]int{
		direct:     {prod: 1},
		transitive: {prod: 93},
	}
	if diff := cmp.Diff(want, extracttest.CountByRelationScope(inv.Packages)); diff != "" {
		t.Errorf("relation and scope counts (-want +got):\n%s", diff)
	}
}

func TestExtractErrors(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		wantLine int
		wantCol  int
	}{
		{"yarn_lock", "# yarn lockfile v1\n\nms@^2.1.3:\n  version \"2.1.3\"\n", 1, 1},
		{"array", "[1, 2]\n", 1, 0},
		{"no_version", "{\n  \"packages\": {},\n}\n", 1, 0},
		{"version_too_new", "{\n  \"lockfileVersion\": 3,\n}\n", 2, 0},
		{"version_not_a_number", "{\n  \"lockfileVersion\": \"1\",\n}\n", 2, 0},
		{"version_fraction", "{\n  \"lockfileVersion\": 1.5,\n}\n", 2, 0},
		{"unterminated_comment", "{\n  /* never closed\n", 2, 3},
		{"only_comments", "// nothing\n/* here */\n", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"bun.lock": {Data: []byte(tt.data)}}, "bun.lock")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a parse error", err)
			}
			if pe.Path != "bun.lock" || pe.Line != tt.wantLine || pe.Column != tt.wantCol {
				t.Errorf("error at %s:%d:%d, want bun.lock:%d:%d (%v)", pe.Path, pe.Line, pe.Column, tt.wantLine, tt.wantCol, err)
			}
			if len(inv.Packages) != 0 {
				t.Errorf("got %d packages, want none", len(inv.Packages))
			}
		})
	}
}

func TestSplitKey(t *testing.T) {
	tests := []struct {
		key  string
		want []string
	}{
		{"ms", []string{"ms"}},
		{"send/ms", []string{"send", "ms"}},
		{"@types/node", []string{"@types/node"}},
		{"@types/node/undici-types", []string{"@types/node", "undici-types"}},
		{"a/@s/b/@t/c", []string{"a", "@s/b", "@t/c"}},
		{"@dangling", []string{"@dangling"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, splitKey(tt.key)); diff != "" {
			t.Errorf("splitKey(%q) (-want +got):\n%s", tt.key, diff)
		}
	}
}

func TestSplitIdent(t *testing.T) {
	tests := []struct {
		ident, name, res string
		ok               bool
	}{
		{"ms@2.1.3", "ms", "2.1.3", true},
		{"@types/node@22.7.4", "@types/node", "22.7.4", true},
		{"web@workspace:packages/web", "web", "workspace:packages/web", true},
		{"x@github:a/b#c", "x", "github:a/b#c", true},
		{"no-version", "", "", false},
		{"@scope/no-version", "", "", false},
		{"trailing@", "", "", false},
		{"@", "", "", false},
		{"@@1", "", "", false},
	}
	for _, tt := range tests {
		name, res, ok := splitIdent(tt.ident)
		if name != tt.name || res != tt.res || ok != tt.ok {
			t.Errorf("splitIdent(%q) = %q, %q, %v; want %q, %q, %v", tt.ident, name, res, ok, tt.name, tt.res, tt.ok)
		}
	}
}

func TestExtractCanceled(t *testing.T) {
	extracttest.CheckCanceled(t, New(), os.DirFS("testdata"), "real-express3/bun.lock")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "bun.lock")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, _ := extracttest.Extract(t, New(), fstest.MapFS{"bun.lock": {Data: data}}, "bun.lock")
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.Npm || p.Name == "" || (p.Version == "" && p.Requirement == "") || p.Location.Line < 1 {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}
