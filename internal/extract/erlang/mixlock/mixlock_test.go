package mixlock

import (
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
		{"mix.lock", true},
		{"apps/web/mix.lock", true},
		{"mix.exs", false},
		{"Mix.lock", false},
		{"mix.lock.old", false},
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
	noRelation = inventory.RelationUnknown
	prod       = inventory.ScopeProd
	dev        = inventory.ScopeDev
	noScope    = inventory.ScopeUnknown
)

func hex(name, version string, rel inventory.Relation, scope inventory.Scope, file string, line int, note string) inventory.Package {
	return inventory.Package{
		Ecosystem: inventory.Hex,
		Name:      name,
		Version:   version,
		Relation:  rel,
		Scope:     scope,
		Location:  inventory.Location{File: file, Line: line},
		Note:      note,
	}
}

func git(name, requirement string, rel inventory.Relation, scope inventory.Scope, file string, line int, note string) inventory.Package {
	p := hex(name, "", rel, scope, file, line, note)
	p.Requirement = requirement
	return p
}

const gitNote = "from git; the lock records no version"

func TestExtract(t *testing.T) {
	const (
		minimal   = "minimal/mix.lock"
		phoenix   = "old-phoenix-2015/mix.lock"
		umbrella  = "umbrella/mix.lock"
		nomixexs  = "nomixexs/mix.lock"
		hexpm     = "real/hexpm-2020/mix.lock"
		malformed = "malformed/mix.lock"
		badentry  = "badentry/mix.lock"
		wrong     = "wrongformat/mix.lock"
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
			name: "minimal_every_kind",
			path: minimal,
			want: []inventory.Package{
				hex("acme_auth", "2.1.0", direct, prod, minimal, 2, `from Hex repository "hexpm:acme"`),
				hex("bunt", "0.2.0", transitive, dev, minimal, 3, ""), // credo → bunt
				hex("credo", "1.4.0", direct, dev, minimal, 4, ""),    // only: [:dev, :test]
				hex("earmark", "1.4.4", transitive, dev, minimal, 5, ""),
				hex("ex_doc", "0.22.1", direct, dev, minimal, 6, ""), // only: :docs
				// only: Mix.env() is not a literal.
				hex("gettext", "0.18.0", direct, noScope, minimal, 7, ""),
				// optional: true in mix.exs is about the project's own
				// users; here it is installed.
				hex("jason", "1.2.1", direct, prod, minimal, 8, ""),
				hex("makeup_elixir", "0.14.1", transitive, dev, minimal, 9, ""),
				hex("mime", "1.3.1", transitive, prod, minimal, 10, ""),
				// Declared as :my_yaml with hex: :yaml_elixir.
				hex("yaml_elixir", "2.4.0", direct, prod, minimal, 11, ""),
				hex("plug", "1.10.0", direct, prod, minimal, 12, ""),
				hex("plug_crypto", "1.1.2", transitive, prod, minimal, 13, ""),
				hex("telemetry", "0.4.1", transitive, prod, minimal, 14, ""),
				git("tzdata", "https://github.com/lau/tzdata.git@0123456789abcdef0123456789abcdef01234567", direct, prod, minimal, 15,
					gitNote+`; tag "v1.0.3"`),
				hex("yamerl", "0.8.0", transitive, prod, minimal, 16, ""),
			},
		},
		{
			// Three-element :hex tuples record no dependencies, so the
			// scope of transitive packages is unknown.
			name: "old_format_phoenix_2015",
			path: phoenix,
			want: []inventory.Package{
				hex("cowboy", "1.0.0", direct, prod, phoenix, 1, ""),
				hex("cowlib", "1.0.1", transitive, noScope, phoenix, 2, ""),
				hex("earmark", "0.1.10", direct, dev, phoenix, 3, ""),
				git("eredis", "git://github.com/wooga/eredis.git@3c9dfc5cf4e2cd79276b138692d63d3b1d298a52", direct, prod, phoenix, 4, gitNote),
				hex("ex_doc", "0.7.1", direct, dev, phoenix, 5, ""),
				hex("inch_ex", "0.2.3", direct, dev, phoenix, 6, ""),
				hex("linguist", "0.1.4", transitive, noScope, phoenix, 7, ""),
				hex("plug", "0.11.0", direct, prod, phoenix, 8, ""),
				hex("poison", "1.3.0", direct, prod, phoenix, 9, ""),
				hex("poolboy", "1.4.2", direct, prod, phoenix, 10, ""),
				hex("ranch", "1.0.0", transitive, noScope, phoenix, 11, ""),
				git("websocket_client", "git://github.com/jeremyong/websocket_client.git@2b8d9805306d36f22330f432ae6472f1f2625c30", direct, dev, phoenix, 12, gitNote),
			},
		},
		{
			// The umbrella's own deps and those of apps/*/mix.exs.
			name: "umbrella_apps",
			path: umbrella,
			want: []inventory.Package{
				hex("bunt", "0.2.0", transitive, dev, umbrella, 2, ""),
				hex("cowboy", "2.7.0", transitive, prod, umbrella, 3, ""),
				hex("credo", "1.4.0", direct, dev, umbrella, 4, ""),
				hex("decimal", "1.8.1", direct, prod, umbrella, 5, ""),
				hex("plug_cowboy", "2.2.1", direct, prod, umbrella, 6, ""),
			},
		},
		{
			// The oldest locks are keyword lists; no mix.exs beside it.
			name: "keyword_list_without_mix_exs",
			path: nomixexs,
			want: []inventory.Package{
				git("cowboy", "git://github.com/extend/cowboy.git@6f68b5ebf1b81a9cbc6ab6eb4fee3e0a1c4ba1c1", noRelation, noScope, nomixexs, 2,
					gitNote+`; ref "0.9.0"`),
				hex("plug", "0.3.0", noRelation, noScope, nomixexs, 3, ""),
			},
		},
		{
			// 55 entries, all :hex from "hexpm", counted with python3
			// (see TestExtractRealCounts). mix.exs declares 31, two of
			// them only in :dev or :test (mox, phoenix_live_reload);
			// file_system is reached only through phoenix_live_reload.
			//
			// osv-scanner (/work/shared/oracle/hex-hexpm-2020.json) lists
			// the same 55 (name, version) pairs; it records the inner
			// checksum as a "commit" and no relation or scope.
			name:      "real_hexpm_2020",
			path:      hexpm,
			wantCount: 55,
			wantSome: []inventory.Package{
				hex("bamboo", "1.5.0", direct, prod, hexpm, 2, ""),
				hex("certifi", "2.5.1", transitive, prod, hexpm, 4, ""), // hackney → certifi
				hex("file_system", "0.2.7", transitive, dev, hexpm, 21, ""),
				hex("hex_core", "0.6.8", direct, prod, hexpm, 24, ""), // options from a helper call
				hex("mox", "0.5.2", direct, dev, hexpm, 35, ""),
				hex("phoenix_html", "2.14.2", direct, prod, hexpm, 39, ""),
				hex("phoenix_live_reload", "1.2.1", direct, dev, hexpm, 41, ""),
				hex("phoenix_live_view", "0.12.1", transitive, prod, hexpm, 42, ""),
				hex("unicode_util_compat", "0.4.1", transitive, prod, hexpm, 56, ""),
			},
		},
		{
			name: "empty",
			path: "empty/mix.lock",
		},
		{
			// Truncated in the middle of the fourth entry's string.
			name: "malformed_keeps_entries_before_the_error",
			path: malformed,
			want: []inventory.Package{
				hex("comeonin", "5.3.1", noRelation, noScope, malformed, 2, ""),
				hex("connection", "1.0.4", noRelation, noScope, malformed, 3, ""),
			},
			wantErrs: []string{malformed + ":4"},
		},
		{
			name: "bad_entries_keep_the_others",
			path: badentry,
			want: []inventory.Package{
				hex("ok", "1.0.0", direct, prod, badentry, 2, ""),
				hex("needs_ghost", "2.0.0", direct, prod, badentry, 8, ""),
				hex("also_ok", "3.0.0", transitive, noScope, badentry, 9, ""),
			},
			wantErrs: []string{
				badentry + ":3", // package name is a string
				badentry + ":4", // :path
				badentry + ":5", // not a tuple
				badentry + ":6", // git without a commit
				badentry + ":7", // dependencies not a list
				badentry + ":8", // depends on ghost, not in the lock
			},
		},
		{
			name:     "wrong_format_mix_exs",
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
	inv, err := extracttest.Extract(t, New(), os.DirFS("testdata"), "real/hexpm-2020/mix.lock")
	if err != nil {
		t.Fatal(err)
	}
	got := extracttest.CountByRelationScope(inv.Packages)
	// Counted with python3: regular expressions over the one-entry-per-line
	// lock and the deps/0 list of mix.exs, and a breadth-first walk over
	// the non-optional edges.
	want := map[inventory.Relation]map[inventory.Scope]int{
		direct:     {prod: 29, dev: 2},
		transitive: {prod: 23, dev: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("relation and scope counts (-want +got):\n%s", diff)
	}
}

// TestManifest checks how mix.exs files that are not in the fixtures are
// read: the lock beside them is always the same.
func TestManifest(t *testing.T) {
	const lock = `%{
  "a": {:hex, :a, "1.0.0", "0", [:mix], [{:b, "~> 1.0", [hex: :b, repo: "hexpm", optional: false]}], "hexpm", "0"},
  "b": {:hex, :b, "1.0.0", "0", [:mix], [], "hexpm", "0"},
}
`
	pa := func(rel inventory.Relation, scope inventory.Scope) inventory.Package {
		return hex("a", "1.0.0", rel, scope, "mix.lock", 2, "")
	}
	pb := func(rel inventory.Relation, scope inventory.Scope) inventory.Package {
		return hex("b", "1.0.0", rel, scope, "mix.lock", 3, "")
	}
	tests := []struct {
		name     string
		mixExs   string
		apps     map[string]string // more files: apps/x/mix.exs
		want     []inventory.Package
		wantErrs []string
	}{
		{
			name:   "deps_with_arguments_and_clauses",
			mixExs: "def project, do: [deps: deps(Mix.env())]\ndefp deps(:prod), do: [{:a, \"~> 1.0\"}]\ndefp deps(_), do: [{:a, \"~> 1.0\", only: :test}]\n",
			want:   []inventory.Package{pa(direct, prod), pb(transitive, prod)},
		},
		{
			name:   "deps_with_guard_and_concatenation",
			mixExs: "def project do\n  [deps: deps(1)]\nend\ndefp deps(n) when n > 0 do\n  if true do\n    [{:b, \"~> 1.0\", only: [:test]}]\n  else\n    []\n  end ++ [{:a, \">= 0.0.0\", only: [:dev, :prod]}]\nend\n",
			want:   []inventory.Package{pa(direct, prod), pb(direct, prod)},
		},
		{
			name:   "options_in_a_bracketed_list",
			mixExs: "def project, do: [deps: [{:a, \"~> 1.0\", [only: :dev, targets: [{:x, :y}]]}]]\n",
			want:   []inventory.Package{pa(direct, dev), pb(transitive, dev)},
		},
		{
			name:   "sigils_charlists_and_interpolation",
			mixExs: "@x ~w(a b)a\n@y 'chars'\n@z \"#{inspect(%{\"k\" => \"}\"})}\"\n@r ~r/{:b, \"1\"}/\n@h ~S\"\"\"\n{:b, \"1\"}\n\"\"\"\ndef project, do: [deps: deps()]\ndefp deps, do: [{:a, \"~> 1.0\"}]\n",
			want:   []inventory.Package{pa(direct, prod), pb(transitive, prod)},
		},
		{
			name:   "no_deps_key",
			mixExs: "def project, do: [app: :x]\n",
			want:   []inventory.Package{pa(noRelation, noScope), pb(noRelation, noScope)},
		},
		{
			name:   "deps_function_not_defined",
			mixExs: "def project, do: [deps: Shared.deps()]\n",
			want:   []inventory.Package{pa(noRelation, noScope), pb(noRelation, noScope)},
		},
		{
			name:   "umbrella_at_the_root",
			mixExs: "def project, do: [apps_path: \"apps\", deps: []]\n",
			apps: map[string]string{
				"apps/x/mix.exs": "def project, do: [deps: deps()]\ndefp deps, do: [{:a, \"~> 1.0\", only: :test}]\n",
				"apps/y/mix.exs": "def project, do: [deps: deps()]\ndefp deps, do: [{:b, \"~> 1.0\"}]\n",
			},
			want: []inventory.Package{pa(direct, dev), pb(direct, prod)},
		},
		{
			name:     "umbrella_app_unterminated_string",
			mixExs:   "def project, do: [apps_path: \"apps\", deps: []]\n",
			apps:     map[string]string{"apps/x/mix.exs": "\n\ndef project, do: [deps: [{:a, \"1}]]\n"},
			want:     []inventory.Package{pa(noRelation, noScope), pb(noRelation, noScope)},
			wantErrs: []string{"apps/x/mix.exs:3"},
		},
		{
			name:     "unterminated_string",
			mixExs:   "def project do\n  [deps: deps()]\nend\ndefp deps, do: [{:a, \"~> 1.0}]\n",
			want:     []inventory.Package{pa(noRelation, noScope), pb(noRelation, noScope)},
			wantErrs: []string{"mix.exs:4"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"mix.lock": {Data: []byte(lock)},
				"mix.exs":  {Data: []byte(tt.mixExs)},
			}
			for name, data := range tt.apps {
				fsys[name] = &fstest.MapFile{Data: []byte(data)}
			}
			inv, err := extracttest.Extract(t, New(), fsys, "mix.lock")
			extracttest.CheckErrors(t, tt.wantErrs, err)
			extracttest.CheckPackages(t, tt.want, inv.Packages)
		})
	}
}

// TestHostileInput checks that input built to be slow or deep is read in
// linear time and bounded depth: before candidate tuples were bounded by
// their matching brace, the open tuples took minutes.
func TestHostileInput(t *testing.T) {
	const lock = "%{\"a\": {:hex, :a, \"1.0.0\", \"0\", [:mix], [], \"hexpm\", \"0\"}}\n"
	tests := []struct {
		name, lock, mixExs string
		wantPkgs           int
		wantErr            bool
	}{
		{"open_tuples", lock, "def project, do: [deps: deps()]\ndefp deps do\n" + strings.Repeat("{:a, ", 20000) + "\nend\n", 1, false},
		{"many_clauses", lock, "def project, do: [deps: deps()]\n" + strings.Repeat("defp deps do\n[{:a, \"1\"}]\nend\n", 2000), 1, false},
		{"deep_list", lock, "def project, do: [deps: [" + strings.Repeat("[", 20000) + "]]\n", 1, false},
		{"deep_interpolation", lock, strings.Repeat("\"#{", 5000), 1, true},
		{"deep_lock", "%{\"a\": " + strings.Repeat("{", 20000), "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"mix.lock": {Data: []byte(tt.lock)}}
			if tt.mixExs != "" {
				fsys["mix.exs"] = &fstest.MapFile{Data: []byte(tt.mixExs)}
			}
			inv, err := extracttest.Extract(t, New(), fsys, "mix.lock")
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, want error %v", err, tt.wantErr)
			}
			if len(inv.Packages) != tt.wantPkgs {
				t.Errorf("got %d packages, want %d", len(inv.Packages), tt.wantPkgs)
			}
		})
	}
}

func TestExtractErrorText(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{
			name: "unknown_scm",
			data: "%{\"a\": {:path, \"../a\"}}\n",
			want: `mix.lock:1: "a" comes from ":path"; patchline reads :hex and :git entries`,
		},
		{
			name: "missing_comma",
			data: "%{\n\"a\": {:hex, :a, \"1.0.0\"}\n\"b\": {:hex, :b, \"1.0.0\"}}\n",
			want: `mix.lock:3: invalid mix.lock: unexpected keyword key b:, want "," or "}"`,
		},
		{
			name: "trailing_garbage",
			data: "%{\"a\": {:hex, :a, \"1.0.0\"}}\nfoo\n",
			want: `mix.lock:2: invalid mix.lock: unexpected identifier "foo", want the end of the file after the lock`,
		},
		{
			name: "unterminated_map",
			data: "%{\"a\": {:hex, :a, \"1.0.0\"},\n",
			want: `mix.lock:2: invalid mix.lock: unexpected end of file, want a value`,
		},
		{
			name: "bad_character",
			data: "%{\"a\": {:hex, :a, \"1.0.0\"}, $}\n",
			want: `mix.lock:1: invalid mix.lock: unexpected character '$'`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extracttest.Extract(t, New(), fstest.MapFS{"mix.lock": {Data: []byte(tt.data)}}, "mix.lock")
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestExtractNotMixLock(t *testing.T) {
	for name, data := range map[string]string{
		"json":       "{\"lockfileVersion\": 3}\n",
		"toml":       "version = 3\n",
		"bare_tuple": "{:hex, :a, \"1.0.0\"}\n",
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"mix.lock": {Data: []byte(data)}}, "mix.lock")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) || pe.Path != "mix.lock" {
				t.Errorf("err = %v, want a parse error for mix.lock", err)
			}
			if len(inv.Packages) != 0 {
				t.Errorf("got %d packages, want none", len(inv.Packages))
			}
		})
	}
}

func TestExtractCancelled(t *testing.T) {
	extracttest.CheckCanceled(t, New(), os.DirFS("testdata"), "minimal/mix.lock")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "mix.lock")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, _ := extracttest.Extract(t, New(), fstest.MapFS{"mix.lock": {Data: data}}, "mix.lock")
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.Hex || p.Name == "" || (p.Version == "" && p.Requirement == "") || p.Location.Line <= 0 {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}

// FuzzManifest checks that reading any mix.exs never panics or hangs.
func FuzzManifest(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "mix.exs")
	const lock = "%{\"a\": {:hex, :a, \"1.0.0\", \"0\", [:mix], [], \"hexpm\", \"0\"}}\n"
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"mix.lock": {Data: []byte(lock)}, "mix.exs": {Data: data}}
		inv, _ := extracttest.Extract(t, New(), fsys, "mix.lock")
		if len(inv.Packages) != 1 {
			t.Errorf("got %d packages, want 1", len(inv.Packages))
		}
	})
}
