package gemfilelock

import (
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
		{"Gemfile.lock", true},
		{"app/Gemfile.lock", true},
		{"gems.locked", true},
		{"app/gems.locked", true},
		{"Gemfile", false},
		{"gems.rb", false},
		{"gemfile.lock", false},
		{"Gemfile.lock.bak", false},
		{"Podfile.lock", false},
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
		Ecosystem: inventory.RubyGems,
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
		minimal   = "minimal/Gemfile.lock"
		real      = "real-railsgoat/Gemfile.lock"
		malformed = "malformed/Gemfile.lock"
		wrong     = "wrong-format/Gemfile.lock"
		locked    = "gems-locked/gems.locked"
	)
	const kaminari = "from git https://github.com/kaminari/kaminari.git branch master revision 2f8b2fd3f4f8f3f0d0a9d0b3c5b9f2b8e0f1a2b3"
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
				pkg("kaminari", "1.2.2", direct, prod, minimal, 6, kaminari),
				// The gemspec's own gem: not named in the Gemfile.
				pkg("myapp", "0.1.0", direct, prod, minimal, 12, "from path ."),
				pkg("activesupport", "7.1.3", transitive, prod, minimal, 18, ""),
				// In group :development, :test (inside an if).
				pkg("debug", "1.9.1", direct, dev, minimal, 20, ""),
				pkg("minitest", "5.22.2", transitive, prod, minimal, 21, ""),
				pkg("mysql2", "0.5.6", direct, prod, minimal, 22, "Bundler groups mysql"),
				// Three platform variants of one version.
				pkg("nokogiri", "1.16.2", direct, prod, minimal, 23, "platforms ruby, arm64-darwin, x86_64-linux"),
				pkg("racc", "1.7.3", transitive, prod, minimal, 29, ""),
				pkg("rack", "3.0.9", transitive, prod, minimal, 30, ""),
				pkg("rails", "7.1.3", direct, prod, minimal, 31, ""),
				pkg("rspec-rails", "6.1.1", direct, dev, minimal, 33, ""),
				pkg("rspec-support", "3.13.1", transitive, dev, minimal, 35, ""),
				// groups: [:development, :lint] over three lines; :lint
				// is not a dev group, so it is installed in production.
				pkg("rubocop", "1.60.2", direct, prod, minimal, 36, "Bundler groups development, lint"),
				pkg("rainbow", "3.1.1", transitive, prod, minimal, 38, ""),
				// Not in the Gemfile, which has "gemspec": a development
				// dependency of the gemspec.
				pkg("simplecov", "0.22.0", direct, dev, minimal, 39, ""),
				pkg("yard", "0.9.34", direct, optional, minimal, 40, "Bundler groups docs (optional)"),
				pkg("sidekiq-pro", "7.2.0", direct, prod, minimal, 45, ""),
			},
		},
		{
			// osv-scanner v2.5.0 lists the same 136 (name, version)
			// pairs (/work/shared/oracle/gem-railsgoat-2018.json).
			// Counted with a separate python3 script applying the
			// package's rules: 43 direct (DEPENDENCIES), 93 transitive.
			// Most development gems of this Gemfile are in groups that
			// also name :mysql (group :development, :mysql do), which
			// `bundle install --without development test` still
			// installs, so they are prod; only simplecov (group: :test)
			// and two gems only it needs are dev.
			name:      "real_railsgoat_2018",
			path:      real,
			wantCount: 136,
			wantSome: []inventory.Package{
				pkg("actioncable", "5.1.6", transitive, prod, real, 4, ""),
				pkg("better_errors", "2.4.0", direct, prod, real, 54, "Bundler groups development, mysql"),
				pkg("capybara", "3.1.1", direct, prod, real, 65, "Bundler groups development, test, mysql"),
				pkg("docile", "1.3.1", transitive, dev, real, 105, ""),
				pkg("json", "2.1.0", transitive, prod, real, 155, ""),
				pkg("mysql2", "0.5.1", direct, prod, real, 176, "Bundler groups mysql"),
				pkg("nokogiri", "1.8.2", transitive, prod, real, 179, ""),
				pkg("rails", "5.1.6", direct, prod, real, 207, ""),
				pkg("simplecov", "0.16.1", direct, dev, real, 286, ""),
				pkg("simplecov-html", "0.10.2", transitive, dev, real, 290, ""),
				pkg("xpath", "3.1.0", transitive, prod, real, 323, ""),
			},
		},
		{
			name: "gems_locked_with_gems_rb",
			path: locked,
			want: []inventory.Package{
				pkg("minitest", "5.22.2", direct, dev, locked, 4, ""),
				pkg("rack", "3.0.9", direct, prod, locked, 5, ""),
			},
		},
		{
			name: "empty",
			path: "empty/Gemfile.lock",
		},
		{
			// Bad lines are reported and skipped; both sides of a merge
			// conflict are read. No Gemfile: scopes unknown.
			name: "malformed_keeps_good_lines",
			path: malformed,
			want: []inventory.Package{
				pkg("activesupport", "7.1.3", transitive, noScope, malformed, 4, ""),
				pkg("minitest", "5.22.2", transitive, noScope, malformed, 6, ""),
				pkg("rails", "7.1.3", direct, noScope, malformed, 8, ""),
				pkg("thor", "1.3.0", transitive, noScope, malformed, 11, ""),
				pkg("thor", "1.3.1", transitive, noScope, malformed, 13, ""),
			},
			wantErrs: []string{
				malformed + ":7",  // rack 3.0.9
				malformed + ":9",  // five spaces
				malformed + ":10", // <<<<<<<
				malformed + ":12", // =======
				malformed + ":14", // >>>>>>>
				malformed + ":15", // zeitwerk (2.6.13
				malformed + ":19", // (broken)
			},
		},
		{
			// A Podfile.lock saved as Gemfile.lock.
			name:     "wrong_format_podfile_lock",
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
	inv, err := extracttest.Extract(t, New(), os.DirFS("testdata"), "real-railsgoat/Gemfile.lock")
	if err != nil {
		t.Fatal(err)
	}
	got := extracttest.CountByRelationScope(inv.Packages)
	// Counted with python3 from the lockfile and Gemfile.
	want := map[inventory.Relation]map[inventory.Scope]int{
		direct:     {prod: 42, dev: 1},
		transitive: {prod: 91, dev: 2},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("relation and scope counts (-want +got):\n%s", diff)
	}
}

func TestExtractWithoutGemfile(t *testing.T) {
	lock, err := os.ReadFile("testdata/minimal/Gemfile.lock")
	if err != nil {
		t.Fatal(err)
	}
	inv, err := extracttest.Extract(t, New(), fstest.MapFS{"Gemfile.lock": {Data: lock}}, "Gemfile.lock")
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Packages) != 17 {
		t.Errorf("got %d packages, want 17", len(inv.Packages))
	}
	for _, p := range inv.Packages {
		if p.Scope != noScope {
			t.Errorf("%s: scope %q without a Gemfile, want unknown", p.Name, p.Scope)
		}
		if p.Relation == inventory.RelationUnknown {
			t.Errorf("%s: relation unknown, want it from DEPENDENCIES", p.Name)
		}
	}
}

func TestParseGemfile(t *testing.T) {
	tests := []struct {
		name    string
		gemfile string
		want    map[string]inventory.Scope // absent: not declared
	}{
		{
			name: "group_options",
			gemfile: `gem "a", group: :test
gem 'b', :group => :development
gem "c", groups: [:development, :test]
gem "d", :groups => ["development", "test"]
gem "e", group: %i[development test]
gem "f", group: "production"
gem("g", group: :test)
gem "h" # group: :test is a comment
`,
			want: map[string]inventory.Scope{"a": dev, "b": dev, "c": dev, "d": dev, "e": dev, "f": prod, "g": dev, "h": prod},
		},
		{
			name: "blocks",
			gemfile: `group :development do
  group :test do
    gem "nested"
  end
  platforms :mri do
    gem "platform"
  end
  gem "after", require: false
end
gem "outside"
group(:ci, optional: true) do
  gem "opt"
end
group :tools, :development, optional: true do
  gem "mixed"
end
`,
			want: map[string]inventory.Scope{"nested": dev, "platform": dev, "after": dev, "outside": prod, "opt": optional, "mixed": optional},
		},
		{
			// Declared twice: the widest wins.
			name: "declared_twice",
			gemfile: `if ENV["X"]
  gem "twice", "1.0"
else
  gem "twice", "2.0", group: :test
end
group :test do
  gem "both"
end
gem "both"
`,
			want: map[string]inventory.Scope{"twice": prod, "both": prod},
		},
		{
			name: "multi_line_call",
			gemfile: `gem "split",
  require: false,
  group: :test
gem "next"
`,
			want: map[string]inventory.Scope{"split": dev, "next": prod},
		},
		{
			name:    "hash_in_string",
			gemfile: "gem \"a#b\", group: :test\n",
			want:    map[string]inventory.Scope{"a#b": dev},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gf := parseGemfile([]byte(tt.gemfile))
			got := map[string]inventory.Scope{}
			for name := range gf.groups {
				got[name], _ = gf.scope(name)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("scopes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExtractNotALockfile(t *testing.T) {
	for name, data := range map[string]string{
		"json":    `{"packages": []}`,
		"gemfile": "source \"https://rubygems.example\"\ngem \"rails\"\n",
		"yaml":    "PODS:\n  - A (1.0)\n",
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"Gemfile.lock": {Data: []byte(data)}}, "Gemfile.lock")
			extracttest.CheckErrors(t, []string{"Gemfile.lock:1"}, err)
			if len(inv.Packages) != 0 {
				t.Errorf("got %d packages, want none", len(inv.Packages))
			}
		})
	}
}

func TestExtractCancelled(t *testing.T) {
	extracttest.CheckCanceled(t, New(), os.DirFS("testdata"), "real-railsgoat/Gemfile.lock")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "Gemfile.lock")
	extracttest.AddSeeds(f, "testdata", "Gemfile")
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"Gemfile.lock": {Data: data}, "Gemfile": {Data: data}}
		inv, _ := extracttest.Extract(t, New(), fsys, "Gemfile.lock")
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.RubyGems || p.Name == "" || p.Version == "" || p.Location.Line < 1 {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}
