package pylock

import (
	"errors"
	"os"
	"testing"
	"testing/fstest"

	"github.com/patchline/patchline/internal/extract/extracttest"
	"github.com/patchline/patchline/internal/inventory"
)

func TestFileRequired(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"pylock.toml", true},
		{"app/pylock.toml", true},
		{"pylock.dev.toml", true},
		{"deploy/pylock.linux-x86_64.toml", true},
		{"pylock..toml", false},
		{"pylock.a.b.toml", false},
		{"Pylock.toml", false},
		{"pylock.toml.bak", false},
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

func req(name, requirement string, rel inventory.Relation, scope inventory.Scope, file string, line int, note string) inventory.Package {
	p := pkg(name, "", rel, scope, file, line, note)
	p.Requirement = requirement
	return p
}

func TestExtract(t *testing.T) {
	const (
		minimal  = "minimal/pylock.toml"
		demo     = "real/pdm-demo/pylock.toml"
		named    = "named/pylock.linux.toml"
		badentry = "badentry/pylock.toml"
		wrong    = "wrongformat/pylock.toml"
	)
	tests := []struct {
		name     string
		path     string
		want     []inventory.Package
		wantErrs []string
	}{
		{
			// The project itself ("app", line 10) is not listed.
			name: "minimal",
			path: minimal,
			want: []inventory.Package{
				pkg("certifi", "2024.8.30", transitive, prod, minimal, 14, ""),
				pkg("colorama", "0.4.6", direct, dev, minimal, 20, ""),
				pkg("idna", "3.10", direct, prod, minimal, 26, ""),
				pkg("mkdocs", "1.6.1", direct, dev, minimal, 32, ""),
				req("mylib", "libs/mylib", direct, prod, minimal, 38, `editable local project "libs/mylib"; the lock records no version`),
				pkg("numpy", "1.26.4", transitive, prod, minimal, 42, ""),
				pkg("numpy", "2.1.2", transitive, prod, minimal, 48, ""),
				pkg("old-style", "1.0.0", transitive, optional, minimal, 54, ""),
				pkg("pysocks", "1.7.1", direct, optional, minimal, 60, ""),
				pkg("pytest", "8.3.3", direct, dev, minimal, 66, ""),
				pkg("requests", "2.32.3", direct, prod, minimal, 73, ""),
				req("rich", "https://github.com/example/rich.git", direct, prod, minimal, 79,
					`from git "https://github.com/example/rich.git" at commit "0123456789abcdef0123456789abcdef01234567"; the lock records no version`),
				req("sdist-only", "sdist_only-0.3.tar.gz", transitive, prod, minimal, 83, "the lock records no version"),
				pkg("tool", "1.0.0", transitive, prod, minimal, 87, `from archive "https://example.com/tool-1.0.0.tar.gz"`),
				// Its marker is never true.
				pkg("never", "0.1.0", transitive, noScope, minimal, 92, ""),
			},
		},
		{
			// Written by PDM for its test project: "tests" and
			// "security" are extras, "default" the default group.
			name: "real_pdm_demo",
			path: demo,
			want: []inventory.Package{
				pkg("certifi", "2025.1.31", transitive, optional, demo, 10, ""),
				pkg("chardet", "3.0.4", direct, prod, demo, 20, ""),
				pkg("charset-normalizer", "2.0.12", transitive, optional, demo, 29, ""),
				pkg("colorama", "0.3.9", transitive, optional, demo, 39, ""),
				pkg("idna", "2.7", direct, prod, demo, 48, ""),
				pkg("py", "1.4.34", transitive, optional, demo, 57, ""),
				pkg("pytest", "3.2.5", direct, optional, demo, 66, ""),
				pkg("requests", "2.27.1", direct, optional, demo, 75, ""),
				pkg("setuptools", "39.2.0", transitive, optional, demo, 85, ""),
				pkg("urllib3", "1.26.20", transitive, optional, demo, 95, ""),
			},
		},
		{
			name: "named_single_use_lock",
			path: named,
			want: []inventory.Package{pkg("uvloop", "0.21.0", noRel, prod, named, 4, "")},
		},
		{
			name: "empty",
			path: "empty/pylock.toml",
		},
		{
			name:     "malformed_toml",
			path:     "malformed/pylock.toml",
			wantErrs: []string{"malformed/pylock.toml:7"},
		},
		{
			name: "bad_entries_keep_the_others",
			path: badentry,
			want: []inventory.Package{
				pkg("ok", "1.0.0", noRel, prod, badentry, 4, ""),
				pkg("bad-marker", "3.0.0", noRel, noScope, badentry, 18, ""),
				pkg("unknown-variable", "1.0.0", noRel, noScope, badentry, 27, ""),
				pkg("also-ok", "4.0.0", noRel, prod, badentry, 32, ""),
			},
			wantErrs: []string{
				badentry + ":8",  // no name
				badentry + ":11", // version = 2
				badentry + ":15", // neither version nor source
				badentry + ":18", // marker ends with "and"
				badentry + ":23", // directory = "libs/x"
				badentry + ":27", // unknown marker variable
			},
		},
		{
			name:     "wrong_format_uv_lock",
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

func TestExtractNotPylock(t *testing.T) {
	for name, data := range map[string]string{
		"no_lock_version":       "created-by = \"x\"\n[[packages]]\nname = \"a\"\nversion = \"1\"\n",
		"lock_version_2":        "lock-version = \"2.0\"\n",
		"lock_version_a_number": "lock-version = 1.0\n",
		"packages_a_table":      "lock-version = \"1.0\"\n[packages]\nname = \"a\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"pylock.toml": {Data: []byte(data)}}, "pylock.toml")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) || pe.Path != "pylock.toml" {
				t.Errorf("err = %v, want a parse error for pylock.toml", err)
			}
			if len(inv.Packages) != 0 {
				t.Errorf("got %d packages, want none", len(inv.Packages))
			}
		})
	}
}

func TestScope(t *testing.T) {
	in := installs{
		extras:        map[string]bool{"socks": true},
		groups:        map[string]bool{"dev": true},
		defaultGroups: map[string]bool{"default": true},
	}
	tests := []struct {
		marker string
		want   inventory.Scope
	}{
		{"python_version >= '3.8'", prod},
		{"'default' in dependency_groups", prod},
		{"'Default' in dependency_groups", prod},        // names are normalised
		{"'default' not in dependency_groups", noScope}, // only without the default groups
		{"'socks' in extras", optional},
		{"extra == 'socks'", optional},
		{"'socks' == extra", optional},
		{"extra != 'socks'", prod},
		{"'other' in extras", optional}, // extras the marker names count
		{"'dev' in dependency_groups", dev},
		{"'lint' in dependency_groups", dev},
		{"'dev' in dependency_groups and 'socks' in extras", dev},
		{"sys_platform == 'win32' and ('socks' in extras or 'dev' in dependency_groups)", optional},
		{"'a' == 'a'", prod},
		{"'a' == 'b'", noScope},
		{"'a' in 'abc' and 'z' not in 'abc'", prod},
		{"'dev' in dependency_groups and 'dev' not in dependency_groups", noScope},
	}
	for _, tt := range tests {
		m, err := parseMarker(tt.marker)
		if err != nil {
			t.Errorf("parseMarker(%q): %v", tt.marker, err)
			continue
		}
		if got := in.scope(m); got != tt.want {
			t.Errorf("scope of %q = %q, want %q", tt.marker, got, tt.want)
		}
	}
}

func TestParseMarkerErrors(t *testing.T) {
	for _, m := range []string{
		"",
		"python_version",
		"python_version >=",
		"python_version >= '3.8' and",
		"(python_version >= '3.8'",
		"python_version >= '3.8')",
		"python_version => '3.8'",
		"python_version >= \"3.8'",
		"cpu_count > '4'",
		"'a' not 'b'",
		"'a' = 'b'",
	} {
		if _, err := parseMarker(m); err == nil {
			t.Errorf("parseMarker(%q) succeeded, want an error", m)
		}
	}
}

func TestExtractCanceled(t *testing.T) {
	extracttest.CheckCanceled(t, New(), os.DirFS("testdata"), "minimal/pylock.toml")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "pylock*.toml")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, _ := extracttest.Extract(t, New(), fstest.MapFS{"pylock.toml": {Data: data}}, "pylock.toml")
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.PyPI || p.Name == "" || (p.Version == "") == (p.Requirement == "") {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}

func FuzzParseMarker(f *testing.F) {
	for _, s := range []string{"python_version >= '3.8' and ('a' in extras or extra == \"b\")", "'dev' not in dependency_groups", "((("} {
		f.Add(s)
	}
	in := installs{extras: map[string]bool{}, groups: map[string]bool{}, defaultGroups: map[string]bool{"default": true}}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseMarker(s)
		if err != nil {
			return
		}
		_ = in.scope(m)
	})
}
