package manifest

import (
	"bytes"
	"context"
	"errors"
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
		{"package.json", true},
		{"packages/app/package.json", true},
		{"package-lock.json", false},
		{"package.json.bak", false},
		{"pnpm-lock.yaml", false},
	}
	for _, tt := range tests {
		if got := New().FileRequired(tt.path); got != tt.want {
			t.Errorf("FileRequired(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestExplicitOnly(t *testing.T) {
	var x inventory.Extractor = New()
	e, ok := x.(interface{ ExplicitOnly() bool })
	if !ok || !e.ExplicitOnly() {
		t.Errorf("ExplicitOnly is missing or false, want true")
	}
}

// pkg is a direct npm dependency; version is an exact version, or the
// requirement when it starts with "req:".
func pkg(name, version string, scope inventory.Scope, file string, line int, note string) inventory.Package {
	p := inventory.Package{
		Ecosystem: inventory.Npm,
		Name:      name,
		Relation:  inventory.RelationDirect,
		Scope:     scope,
		Location:  inventory.Location{File: file, Line: line},
		Note:      note,
	}
	if r, ok := strings.CutPrefix(version, "req:"); ok {
		p.Requirement = r
	} else {
		p.Version = version
	}
	return p
}

const (
	prod     = inventory.ScopeProd
	dev      = inventory.ScopeDev
	optional = inventory.ScopeOptional
)

func TestExtract(t *testing.T) {
	const (
		minimal   = "minimal/package.json"
		kuma      = "real-uptime-kuma/package.json"
		vue       = "real-vuejs-core/package.json"
		malformed = "malformed/package.json"
		bad       = "bad-entries/package.json"
		wrong     = "wrong-format/package.json"
	)
	const (
		fromGit   = "from git, not from the registry"
		fromLocal = "from a local path, not from the registry"
		workspace = "a package of the workspace, not from the registry"
	)
	tests := []struct {
		name      string
		path      string
		want      []inventory.Package
		wantCount int
		wantSome  []inventory.Package
		wantErrs  []string
	}{
		{
			name: "minimal",
			path: minimal,
			want: []inventory.Package{
				pkg("left-pad", "1.3.0", prod, minimal, 5, `also in peerDependencies as "1.x"`),
				pkg("exact-eq", "2.0.1", prod, minimal, 6, ""),
				pkg("exact-v", "3.1.4-beta.1+build.5", prod, minimal, 7, ""),
				pkg("caret", "req:^1.2.3", prod, minimal, 8, ""),
				pkg("tilde", "req:~1", prod, minimal, 9, ""),
				pkg("gte", "req:>=2", prod, minimal, 10, ""),
				pkg("any", "req:*", prod, minimal, 11, ""),
				pkg("tagged", "req:latest", prod, minimal, 12, ""),
				pkg("partial", "req:1.2", prod, minimal, 13, ""),
				pkg("shared", "req:^4.0.0", prod, minimal, 14, `also in optionalDependencies; also in devDependencies as "^4.1.0"`),
				pkg("@scope/real", "req:^5.1.0", prod, minimal, 15, `installed as "alias"`),
				pkg("real-pinned", "6.0.0", prod, minimal, 16, `installed as "alias-exact"`),
				pkg("real-bare", "req:npm:real-bare", prod, minimal, 17, `installed as "alias-bare"`),
				pkg("from-git", "req:git+https://git.example/owner/repo.git#v1.0.0", prod, minimal, 18, fromGit),
				pkg("from-github", "req:owner/repo#main", prod, minimal, 19, fromGit),
				pkg("from-file", "req:file:../local-lib", prod, minimal, 20, fromLocal),
				pkg("from-link", "req:link:../linked", prod, minimal, 21, fromLocal),
				pkg("from-url", "req:https://files.example/pkg-1.0.0.tgz", prod, minimal, 22, "from a tarball URL, not from the registry"),
				pkg("sibling", "req:workspace:^", prod, minimal, 23, workspace),
				pkg("fsevents", "req:~2.3.2", optional, minimal, 31, ""),
				pkg("typescript", "5.4.5", optional, minimal, 33, "also in devDependencies"),
				pkg("react", "req:>=17", prod, minimal, 36, `peer; also in devDependencies as "^18.2.0"`),
				pkg("react-dom", "req:>=17", prod, minimal, 37, "peer"),
				pkg("vue", "req:^3", optional, minimal, 39, "optional peer"),
			},
		},
		{
			name:      "real_uptime_kuma",
			path:      kuma,
			wantCount: 127,
			wantSome: []inventory.Package{
				pkg("@grpc/grpc-js", "req:~1.7.3", prod, kuma, 81, ""),
				pkg("@louislam/ping", "req:~0.4.4-mod.1", prod, kuma, 82, ""),
				pkg("@louislam/sqlite3", "15.1.6", prod, kuma, 83, ""),
				pkg("socks-proxy-agent", "6.1.1", prod, kuma, 143, ""),
				pkg("@actions/github", "req:~5.1.1", dev, kuma, 150, ""),
				pkg("bootstrap", "5.1.3", dev, kuma, 164, ""),
				pkg("whatwg-url", "req:~12.0.1", dev, kuma, 209, ""),
			},
		},
		{
			name:      "real_vuejs_core",
			path:      vue,
			wantCount: 48,
			wantSome: []inventory.Package{
				pkg("@babel/types", "req:^7.12.0", dev, vue, 52, ""),
				pkg("@vue/reactivity", "req:workspace:*", dev, vue, 64, workspace),
				pkg("eslint-plugin-jest", "26.1.5", dev, vue, 74, ""),
				pkg("yorkie", "req:^2.0.0", dev, vue, 99, ""),
			},
		},
		{
			name: "empty",
			path: "empty/package.json",
		},
		{
			name: "truncated_keeps_entries",
			path: malformed,
			want: []inventory.Package{
				pkg("left-pad", "1.3.0", prod, malformed, 5, ""),
				pkg("exact-eq", "2.0.1", prod, malformed, 6, ""),
				pkg("exact-v", "3.1.4-beta.1+build.5", prod, malformed, 7, ""),
				pkg("caret", "req:^1.2.3", prod, malformed, 8, ""),
				pkg("tilde", "req:~1", prod, malformed, 9, ""),
				pkg("gte", "req:>=2", prod, malformed, 10, ""),
			},
			wantErrs: []string{malformed + ":11"},
		},
		{
			name: "bad_entries_keep_the_others",
			path: bad,
			want: []inventory.Package{
				pkg("ok", "1.0.0", prod, bad, 3, ""),
				pkg("repeated", "2.0.0", prod, bad, 8, ""),
				pkg("peer-ok", "req:^2.0.0", prod, bad, 12, "peer"),
			},
			wantErrs: []string{bad + ":14", bad + ":4", bad + ":5", bad + ":6", bad + ":10"},
		},
		{
			name:     "wrong_format_pnpm_lock",
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

func TestExtractSpecs(t *testing.T) {
	tests := []struct {
		name, spec string
		want       inventory.Package
	}{
		{"exact", "1.2.3", inventory.Package{Name: "p", Version: "1.2.3"}},
		{"exact_spaces", " =v1.2.3 ", inventory.Package{Name: "p", Version: "1.2.3"}},
		{"prerelease", "1.0.0-rc.1", inventory.Package{Name: "p", Version: "1.0.0-rc.1"}},
		{"leading_zero_is_a_range", "01.2.3", inventory.Package{Name: "p", Requirement: "01.2.3"}},
		{"x_range", "1.2.x", inventory.Package{Name: "p", Requirement: "1.2.x"}},
		{"hyphen_range", "1.2.3 - 1.2.4", inventory.Package{Name: "p", Requirement: "1.2.3 - 1.2.4"}},
		{"or_range", "1.2.3 || 1.2.4", inventory.Package{Name: "p", Requirement: "1.2.3 || 1.2.4"}},
		{"empty_range", "", inventory.Package{Name: "p", Requirement: "*", Note: `empty range, which npm reads as "*"`}},
		{"alias_exact_eq", "npm:q@=2.0.0", inventory.Package{Name: "q", Version: "2.0.0", Note: `installed as "p"`}},
		{"scoped_alias_bare", "npm:@s/q", inventory.Package{Name: "@s/q", Requirement: "npm:@s/q", Note: `installed as "p"`}},
		{"git_protocol", "git://git.example/r.git", inventory.Package{Name: "p", Requirement: "git://git.example/r.git", Note: "from git, not from the registry"}},
		{"github_prefix", "github:o/r", inventory.Package{Name: "p", Requirement: "github:o/r", Note: "from git, not from the registry"}},
		{"relative_path", "../lib", inventory.Package{Name: "p", Requirement: "../lib", Note: "from a local path, not from the registry"}},
		{"catalog", "catalog:", inventory.Package{Name: "p", Requirement: "catalog:", Note: "range set by a pnpm catalog"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := `{"dependencies": {"p": "` + tt.spec + `"}}`
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"package.json": {Data: []byte(data)}}, "package.json")
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			want := tt.want
			want.Ecosystem, want.Relation, want.Scope = inventory.Npm, inventory.RelationDirect, prod
			want.Location = inventory.Location{File: "package.json", Line: 1}
			if diff := cmp.Diff([]inventory.Package{want}, inv.Packages); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExtractNotPackageJSON(t *testing.T) {
	for name, data := range map[string]string{
		"array":    `["a"]`,
		"string":   `"a"`,
		"trailing": `{"dependencies": {}} {}`,
		"yaml":     "name: x\n",
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"package.json": {Data: []byte(data)}}, "package.json")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) || pe.Path != "package.json" || pe.Line < 1 {
				t.Errorf("err = %v, want a parse error with a line", err)
			}
			if len(inv.Packages) != 0 {
				t.Errorf("got %d packages, want none", len(inv.Packages))
			}
		})
	}
}

func TestExtractCancelled(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"dependencies": {`)
	for i := range 1000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"p` + strings.Repeat("x", i) + `": "^1.0.0"`)
	}
	b.WriteString("}}")
	extracttest.CheckCanceled(t, New(), fstest.MapFS{"package.json": {Data: []byte(b.String())}}, "package.json")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "package.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := New().Extract(context.Background(), &inventory.Input{Path: "package.json", Reader: bytes.NewReader(data)})
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.Npm || p.Name == "" || (p.Version == "") == (p.Requirement == "") ||
				p.Relation != inventory.RelationDirect || p.Scope == inventory.ScopeUnknown || p.Location.Line < 1 {
				t.Errorf("bad package %+v", p)
			}
		}
		for _, l := range extracttest.ErrorLines(err) {
			if strings.HasPrefix(l, "other: ") {
				t.Errorf("error without a position: %s", l)
			}
		}
	})
}
