package composerlock

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path"
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
		{"composer.lock", true},
		{"app/composer.lock", true},
		{"composer.json", false},
		{"Composer.lock", false},
		{"composer.lock.bak", false},
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
	unknownRel = inventory.RelationUnknown
	prod       = inventory.ScopeProd
	dev        = inventory.ScopeDev
)

func pkg(name, version string, rel inventory.Relation, scope inventory.Scope, file string, line int, note string) inventory.Package {
	return inventory.Package{
		Ecosystem: inventory.Packagist,
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
		minimal   = "minimal/composer.lock"
		real      = "real-bookstack-excerpt/composer.lock"
		malformed = "malformed/composer.lock"
		badentry  = "badentry/composer.lock"
		wrong     = "wrong-format/composer.lock"
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
				pkg("example/forked", "dev-main", direct, prod, minimal, 10,
					"branch version locked at 4f6e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e"),
				pkg("example/local-lib", "dev-main", direct, prod, minimal, 21,
					"from path ../local-lib; branch version locked at a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0"),
				// composer.json spells it "Monolog/Monolog".
				pkg("monolog/monolog", "3.5.0", direct, prod, minimal, 31, ""),
				pkg("psr/log", "3.0.0", transitive, prod, minimal, 45, ""),
				pkg("phpunit/phpunit", "10.5.10", direct, dev, minimal, 52, ""),
				pkg("sebastian/diff", "5.1.0", transitive, dev, minimal, 60, ""),
				pkg("symfony/polyfill-ctype", "v1.29.0", transitive, dev, minimal, 65, ""),
			},
		},
		{
			// Ten entries of BookStack's lock, checked with python3:
			// 3 direct and 3 transitive prod, 2 direct and 2
			// transitive dev.
			name: "real_bookstack_excerpt",
			path: real,
			want: []inventory.Package{
				pkg("barryvdh/laravel-dompdf", "v0.8.6", direct, prod, real, 10, ""),
				pkg("dompdf/dompdf", "v0.8.5", transitive, prod, real, 66, ""),
				pkg("laravel/framework", "v6.18.15", direct, prod, real, 132, ""),
				pkg("league/commonmark", "1.4.3", direct, prod, real, 279, ""),
				pkg("symfony/polyfill-mbstring", "v1.17.0", transitive, prod, real, 379, ""),
				pkg("tijsverkoyen/css-to-inline-styles", "2.2.2", transitive, prod, real, 452, ""),
				pkg("barryvdh/laravel-debugbar", "v3.3.3", direct, dev, real, 503, ""),
				pkg("doctrine/instantiator", "1.3.0", transitive, dev, real, 577, ""),
				pkg("phpunit/phpunit", "8.5.5", direct, dev, real, 633, ""),
				pkg("sebastian/diff", "3.0.2", transitive, dev, real, 726, ""),
			},
		},
		{
			name: "empty",
			path: "empty/composer.lock",
		},
		{
			// Cut inside the fourth entry: the three before are kept.
			name: "truncated_keeps_entries",
			path: malformed,
			want: []inventory.Package{
				pkg("example/forked", "dev-main", unknownRel, prod, malformed, 10,
					"branch version locked at 4f6e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e"),
				pkg("example/local-lib", "dev-main", unknownRel, prod, malformed, 21,
					"from path ../local-lib; branch version locked at a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0"),
				pkg("monolog/monolog", "3.5.0", unknownRel, prod, malformed, 31, ""),
			},
			wantErrs: []string{malformed + ":46"},
		},
		{
			// The platform package "php" is left out without an error.
			name: "bad_entries_keep_the_others",
			path: badentry,
			want: []inventory.Package{
				pkg("good/one", "1.0.0", unknownRel, prod, badentry, 5, ""),
				pkg("good/two", "v2.1.0", unknownRel, prod, badentry, 24, ""),
			},
			wantErrs: []string{
				badentry + ":8",  // no name
				badentry + ":12", // no version
				badentry + ":15", // "version": 3
				badentry + ":18", // a string
				badentry + ":28", // "packages-dev": {}
			},
		},
		{
			// A package-lock.json (whose "packages" is an object) saved
			// as composer.lock.
			name:     "wrong_format_package_lock",
			path:     wrong,
			wantErrs: []string{wrong + ":1"},
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

// corpus is the shared collection of real lockfiles; the test that uses it
// skips when it is missing.
const corpus = "/work/shared/corpus"

// TestExtractCorpus checks BookStack's whole composer.lock. Counted with
// python3 (json) against its composer.json: 83 packages and 51
// packages-dev, 28 of them required by name. osv-scanner v2.5.0 lists the
// same 134 (name, version) pairs (/work/shared/oracle/composer-bookstack-2020.json);
// it does not report relation or scope.
func TestExtractCorpus(t *testing.T) {
	file := path.Join("composer-bookstack-2020", "composer.lock")
	data, err := os.ReadFile(path.Join(corpus, file))
	if err != nil {
		t.Skipf("shared corpus not available: %v", err)
	}
	inv, err := New().Extract(context.Background(), &inventory.Input{
		Path: file, FS: os.DirFS(corpus), FSPath: file, Reader: bytes.NewReader(data),
	})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	want := map[inventory.Relation]map[inventory.Scope]int{
		direct:     {prod: 20, dev: 8},
		transitive: {prod: 63, dev: 43},
	}
	if diff := cmp.Diff(want, extracttest.CountByRelationScope(inv.Packages)); diff != "" {
		t.Errorf("relation and scope counts (-want +got):\n%s", diff)
	}
	some := []inventory.Package{
		pkg("aws/aws-sdk-php", "3.138.7", transitive, prod, file, 10, ""),
		pkg("barryvdh/laravel-dompdf", "v0.8.6", direct, prod, file, 94, ""),
	}
	extracttest.CheckSome(t, 134, some, inv.Packages)
}

func TestExtractComposerJSONProblems(t *testing.T) {
	lock, err := os.ReadFile("testdata/minimal/composer.lock")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("no_composer_json", func(t *testing.T) {
		inv, err := extracttest.Extract(t, New(), fstest.MapFS{"composer.lock": {Data: lock}}, "composer.lock")
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range inv.Packages {
			if p.Relation != unknownRel {
				t.Errorf("%s: relation %q, want unknown", p.Name, p.Relation)
			}
		}
	})
	t.Run("bad_composer_json", func(t *testing.T) {
		fsys := fstest.MapFS{
			"app/composer.lock": {Data: lock},
			"app/composer.json": {Data: []byte("{\n  \"require\": {\n    \"a/b\": \"^1\",\n  }\n}\n")},
		}
		inv, err := extracttest.Extract(t, New(), fsys, "app/composer.lock")
		extracttest.CheckErrors(t, []string{"app/composer.json:4"}, err)
		if len(inv.Packages) != 7 {
			t.Errorf("got %d packages, want all 7", len(inv.Packages))
		}
	})
}

func TestExtractNotComposerLock(t *testing.T) {
	for name, data := range map[string]string{
		"array":    "[1, 2]",
		"yaml":     "PODS:\n  - A (1.0)\n",
		"trailing": "{\"packages\": []}\n{}",
		"no_keys":  "{\"name\": \"x\"}",
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"composer.lock": {Data: []byte(data)}}, "composer.lock")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) || pe.Path != "composer.lock" || pe.Line < 1 {
				t.Errorf("err = %v, want a parse error with a line", err)
			}
			if len(inv.Packages) != 0 {
				t.Errorf("got %d packages, want none", len(inv.Packages))
			}
		})
	}
}

func TestExtractCancelled(t *testing.T) {
	extracttest.CheckCanceled(t, New(), os.DirFS("testdata"), "minimal/composer.lock")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "composer.lock")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, _ := extracttest.Extract(t, New(), fstest.MapFS{"composer.lock": {Data: data}}, "composer.lock")
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.Packagist || p.Name == "" || p.Version == "" || p.Location.Line < 1 {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}
