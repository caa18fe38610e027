package cargolock

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
		{"Cargo.lock", true},
		{"crates/cli/Cargo.lock", true},
		{"cargo.lock", false},
		{"Cargo.lock.orig", false},
		{"Cargo.toml", false},
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
	unknown    = inventory.RelationUnknown
)

func pkg(name, version string, rel inventory.Relation, file string, line int, note string) inventory.Package {
	return inventory.Package{
		Ecosystem: inventory.CratesIO,
		Name:      name,
		Version:   version,
		Relation:  rel,
		Location:  inventory.Location{File: file, Line: line},
		Note:      note,
	}
}

func TestExtract(t *testing.T) {
	const (
		minimal  = "minimal/Cargo.lock"
		replace  = "replace/Cargo.lock"
		ripgrep  = "real/ripgrep-2018/Cargo.lock"
		v1       = "v1/Cargo.lock"
		v1root   = "v1-root/Cargo.lock"
		v2       = "v2/Cargo.lock"
		v3       = "v3/Cargo.lock"
		v4       = "v4/Cargo.lock"
		unused   = "v4-unused-patch/Cargo.lock"
		gitref   = "git-ref/Cargo.lock"
		badentry = "badentry/Cargo.lock"
		wrong    = "wrongformat/Cargo.lock"
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
			// Workspace members "app" (line 5) and "util" (line 72)
			// are roots, not listed.
			name: "minimal_workspace_v3",
			path: minimal,
			want: []inventory.Package{
				pkg("cfg-if", "1.0.0", transitive, minimal, 14, ""),
				pkg("getrandom", "0.2.10", transitive, minimal, 20, ""),
				pkg("libc", "0.2.147", transitive, minimal, 30, ""),
				// "rand 0.7.3" is named by the member util.
				pkg("rand", "0.7.3", direct, minimal, 36, ""),
				pkg("rand", "0.8.5", direct, minimal, 45, ""),
				pkg("rand_core", "0.6.4", transitive, minimal, 55, ""),
				pkg("serde", "1.0.188", direct, minimal, 64,
					`from git "https://github.com/serde-rs/serde?branch=master#0123456789abcdef0123456789abcdef01234567"`),
			},
		},
		{
			// The registry log (line 13) is replaced by the git one.
			name: "replaced_package_is_not_listed",
			path: replace,
			want: []inventory.Package{
				pkg("log", "0.4.20", direct, replace, 18,
					`from git "https://github.com/rust-lang/log?rev=0123456789abcdef0123456789abcdef01234567#0123456789abcdef0123456789abcdef01234567"`),
			},
		},
		{
			// Version 1: full "name version (source)" dependencies and a
			// [metadata] table of checksums; root guessing_game at 22.
			name: "v1_rust_book",
			path: v1,
			want: []inventory.Package{
				pkg("bitflags", "1.2.1", transitive, v1, 3, ""),
				pkg("cloudabi", "0.0.3", transitive, v1, 8, ""),
				pkg("fuchsia-cprng", "0.1.1", transitive, v1, 16, ""),
				pkg("libc", "0.2.66", transitive, v1, 28, ""),
				pkg("rand", "0.5.6", direct, v1, 33, ""),
				pkg("rand_core", "0.3.1", transitive, v1, 45, ""),
				pkg("rand_core", "0.4.2", transitive, v1, 53, ""),
				pkg("winapi", "0.3.8", transitive, v1, 58, ""),
				pkg("winapi-i686-pc-windows-gnu", "0.4.0", transitive, v1, 67, ""),
				pkg("winapi-x86_64-pc-windows-gnu", "0.4.0", transitive, v1, 72, ""),
			},
		},
		{
			// The oldest version 1 files hold the root crate in [root].
			name: "v1_root_table",
			path: v1root,
			want: []inventory.Package{
				pkg("itoa", "0.3.4", direct, v1root, 8, ""),
				pkg("num-traits", "0.1.43", transitive, v1root, 13, ""),
			},
		},
		{
			// Version 2: no version key, inline checksums, "name"
			// dependencies; a workspace of adder and add-one.
			name: "v2_rust_book_workspace",
			path: v2,
			want: []inventory.Package{
				pkg("cfg-if", "0.1.10", transitive, v2, 17, ""),
				pkg("getrandom", "0.2.0", transitive, v2, 23, ""),
				pkg("libc", "0.2.81", transitive, v2, 34, ""),
				pkg("ppv-lite86", "0.2.10", transitive, v2, 40, ""),
				pkg("rand", "0.8.0", direct, v2, 46, ""),
				pkg("rand_chacha", "0.3.0", transitive, v2, 58, ""),
				pkg("rand_core", "0.6.0", transitive, v2, 68, ""),
				pkg("rand_hc", "0.3.0", transitive, v2, 77, ""),
				pkg("wasi", "0.9.0+wasi-snapshot-preview1", transitive, v2, 86, ""),
			},
		},
		{
			// Version 3 with two versions of bytes told apart by
			// "bytes 0.6.0" and "bytes 1.2.1".
			name: "v3_two_versions",
			path: v3,
			want: []inventory.Package{
				pkg("bytes", "0.6.0", direct, v3, 5, ""),
				pkg("bytes", "1.2.1", transitive, v3, 11, ""),
				pkg("bytestring", "1.1.0", direct, v3, 17, ""),
			},
		},
		{
			name: "v4_rust_book",
			path: v4,
			want: []inventory.Package{
				pkg("cfg-if", "1.0.0", transitive, v4, 5, ""),
				pkg("getrandom", "0.2.2", transitive, v4, 11, ""),
				pkg("libc", "0.2.86", transitive, v4, 29, ""),
				pkg("ppv-lite86", "0.2.10", transitive, v4, 35, ""),
				pkg("rand", "0.8.6", direct, v4, 41, ""),
				pkg("rand_chacha", "0.3.0", transitive, v4, 52, ""),
				pkg("rand_core", "0.6.2", transitive, v4, 62, ""),
				pkg("wasi", "0.10.2+wasi-snapshot-preview1", transitive, v4, 71, ""),
			},
		},
		{
			// [[patch.unused]] ryu is not installed.
			name: "v4_unused_patch_not_listed",
			path: unused,
			want: []inventory.Package{
				pkg("bitflags", "2.10.0", direct, unused, 5, ""),
			},
		},
		{
			// No package without a source, so no root: relations unknown.
			// "branch 0.0.0" without a source matches both branch
			// packages; that is not an error.
			name: "git_ref_without_root",
			path: gitref,
			want: []inventory.Package{
				pkg("foo", "0.0.0", unknown, gitref, 7, ""),
				pkg("branch", "0.0.0", unknown, gitref, 17,
					`from git "https://github.com/rustsec/rustsec?branch=mybranch#b8e3025aa30ea65144372bd68d26090c0f31bea2"`),
				pkg("branch", "0.0.0", unknown, gitref, 22, ""),
			},
		},
		{
			// Counted with python3 tomllib and a separate graph walk
			// (see TestExtractRealCounts). 47 [[package]] tables: the
			// six workspace crates without a source (globset, grep,
			// ignore, ripgrep, termcolor, wincolor) are roots and not
			// listed, so 41 crates.
			//
			// osv-scanner (/work/shared/oracle/cargo-ripgrep-2018.json)
			// lists 47: the same 41 crates at the same versions plus the
			// six workspace crates, which are this project's own code,
			// not dependencies from crates.io.
			name:      "real_ripgrep_2018",
			path:      ripgrep,
			wantCount: 41,
			wantSome: []inventory.Package{
				pkg("aho-corasick", "0.6.4", direct, ripgrep, 1, ""), // globset → aho-corasick
				pkg("ansi_term", "0.11.0", transitive, ripgrep, 9, ""),
				pkg("clap", "2.31.2", direct, ripgrep, 45, ""),
				pkg("crossbeam", "0.3.2", direct, ripgrep, 58, ""), // ignore → crossbeam
				pkg("regex", "1.0.0", direct, ripgrep, 201, ""),
				pkg("tempdir", "0.3.7", direct, ripgrep, 270, ""), // ignore → tempdir
				pkg("termion", "1.5.1", transitive, ripgrep, 286, ""),
				pkg("winapi", "0.3.4", direct, ripgrep, 350, ""),
				pkg("winapi-x86_64-pc-windows-gnu", "0.4.0", transitive, ripgrep, 364, ""),
			},
		},
		{
			name: "empty",
			path: "empty/Cargo.lock",
		},
		{
			name:     "malformed_toml",
			path:     "malformed/Cargo.lock",
			wantErrs: []string{"malformed/Cargo.lock:9"},
		},
		{
			name: "bad_entries_keep_the_others",
			path: badentry,
			want: []inventory.Package{
				pkg("ok", "1.0.0", direct, badentry, 11, ""),
				pkg("also-ok", "2.0.0", transitive, badentry, 36, ""),
			},
			wantErrs: []string{
				badentry + ":16", // no version
				badentry + ":20", // no name
				badentry + ":24", // dependencies = [1, 2]
				badentry + ":30", // "ok 1.0.0 registry"
				badentry + ":3",  // app depends on "ghost"
			},
		},
		{
			// A poetry.lock: its packages have no source (so they would
			// be roots) and its [metadata] holds no checksums.
			name:     "wrong_format_poetry_lock",
			path:     wrong,
			wantErrs: []string{wrong + ":19"},
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
	inv, err := extracttest.Extract(t, New(), os.DirFS("testdata"), "real/ripgrep-2018/Cargo.lock")
	if err != nil {
		t.Fatal(err)
	}
	got := extracttest.CountByRelationScope(inv.Packages)
	// Counted with python3 tomllib: the six workspace crates name 21
	// crates directly; 20 more are reached only through those.
	want := map[inventory.Relation]map[inventory.Scope]int{
		direct:     {inventory.ScopeUnknown: 21},
		transitive: {inventory.ScopeUnknown: 20},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("relation and scope counts (-want +got):\n%s", diff)
	}
}

func TestExtractErrorText(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{
			name: "missing_dependency",
			data: "version = 3\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\ndependencies = [\"b 2.0.0\"]\n",
			want: `Cargo.lock:2: package "a" depends on "b 2.0.0", not in the lock`,
		},
		{
			name: "bad_dependency_string",
			data: "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+x\"\ndependencies = [\"b  1.0\"]\n",
			want: `Cargo.lock:1: package "a": dependencies: "b  1.0" is not "name", "name version" or "name version (source)"`,
		},
		{
			name: "source_is_a_table",
			data: "version = 1\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = { registry = \"x\" }\n",
			want: `Cargo.lock:2: package "a": "source" is a table, want a string`,
		},
		{
			name: "unknown_top_level_key",
			data: "version = 1\nrequires-python = \">=3.8\"\n",
			want: `Cargo.lock: unexpected top-level "requires-python": not a Cargo.lock`,
		},
		{
			name: "missing_replacement",
			data: "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+x\"\nreplace = \"a 1.0.0 (git+y)\"\n",
			want: `Cargo.lock:1: package "a" is replaced by "a 1.0.0 (git+y)", not in the lock`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extracttest.Extract(t, New(), fstest.MapFS{"Cargo.lock": {Data: []byte(tt.data)}}, "Cargo.lock")
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestExtractNotCargoLock(t *testing.T) {
	for name, data := range map[string]string{
		"string_version": "version = \"3\"\n",
		"package_table":  "[package]\nname = \"a\"\n",
		"json":           "{\"lockfileVersion\": 3}\n",
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"Cargo.lock": {Data: []byte(data)}}, "Cargo.lock")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) || pe.Path != "Cargo.lock" {
				t.Errorf("err = %v, want a parse error for Cargo.lock", err)
			}
			if len(inv.Packages) != 0 {
				t.Errorf("got %d packages, want none", len(inv.Packages))
			}
		})
	}
}

func TestExtractCancelled(t *testing.T) {
	extracttest.CheckCanceled(t, New(), os.DirFS("testdata"), "minimal/Cargo.lock")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "Cargo.lock")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, _ := extracttest.Extract(t, New(), fstest.MapFS{"Cargo.lock": {Data: data}}, "Cargo.lock")
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.CratesIO || p.Name == "" || p.Version == "" || p.Location.Line < 0 {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}
