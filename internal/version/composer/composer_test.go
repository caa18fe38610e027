package composer

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/patchline/patchline/internal/version"
	"github.com/patchline/patchline/internal/version/versiontest"
)

// orderTests are chains of groups: versions in a group are equal, and every
// group is lower than the next. They follow Composer's documentation
// (getcomposer.org "Versions and constraints": stabilities dev < alpha <
// beta < RC < stable, "-patch" after the release) and PHP's version_compare
// documentation, each checked with composer/semver 3.3.2 and PHP 8.2.
var orderTests = []struct {
	name   string
	groups [][]string
}{
	{
		name: "stabilities",
		groups: [][]string{
			{"1.0.0-dev", "v1.0-dev"}, {"1.0.0-alpha1", "1.0.0a1", "1.0.0-a1", "1.0.0-alpha.1"}, {"1.0.0-alpha2"},
			{"1.0.0-alpha10"}, {"1.0.0-beta", "1.0.0b"}, {"1.0.0-beta1", "1.0.0-b1", "1.0.0-beta-1"},
			{"1.0.0-RC1", "1.0.0-rc1", "1.0.0-RC.1"}, {"1.0.0", "v1.0.0", "1.0", "1", "1.0.0.0", "1.0.0-stable"},
			{"1.0.0-patch1", "1.0.0-p1", "1.0.0pl1"}, {"1.0.0.1"}, {"1.0.1"},
		},
	},
	{
		// A "-dev" suffix on a prerelease is lower than the prerelease.
		name:   "dev_suffix",
		groups: [][]string{{"1.0.0-alpha1-dev"}, {"1.0.0-alpha1"}, {"1.0.0-beta1-dev"}, {"1.0.0-beta1"}},
	},
	{
		// Stability numbers are version_compare parts of their own.
		name:   "stability_numbers",
		groups: [][]string{{"1.0.0-beta1"}, {"1.0.0-beta1.2", "1.0.0-beta.1.2"}, {"1.0.0-beta1.10"}, {"1.0.0-beta2"}},
	},
	{
		// Numbered branches sort after their releases.
		name: "numbered_branches",
		groups: [][]string{
			{"1.0.0"}, {"1.0.x-dev", "1.0.*-dev", "1.0.X-dev"}, {"1.1.0"}, {"1.x-dev", "v1.x-dev"}, {"2.0.0"},
		},
	},
	{
		// Branches: below every numbered version, ordered by name.
		name: "branches",
		groups: [][]string{
			{"dev-Feature/x", "DEV-Feature/x"}, {"dev-feature/x"}, {"dev-main"}, {"dev-master", "master"},
			{"dev-trunk", "trunk"}, {"0.0.0-dev"}, {"0.0.1"},
		},
	},
	{
		// Metadata that normalisation drops.
		name:   "dropped_metadata",
		groups: [][]string{{"1.0.0+build.5", "1.0.0@beta", " v1.0.0 ", "1.0.0+build.6"}, {"1.0.1"}},
	},
	{
		// Date versions keep the parts they were written with, and a
		// longer version with a number is higher.
		name:   "dates",
		groups: [][]string{{"2010-01-02"}, {"2010.01.02"}, {"2010.01.02.1"}, {"20100102"}, {"201001021530"}},
	},
	{
		// "-STABLE" is not spelt "stable", so it stays, as a word
		// version_compare ranks below "dev".
		name:   "upper_case_stable",
		groups: [][]string{{"1.0.0-STABLE"}, {"1.0.0-dev"}, {"1.0.0"}},
	},
	{
		// Numbers wider than 64 bits keep their order (PHP's strtol would
		// make these equal).
		name: "wide_numbers",
		groups: [][]string{
			{"1.9223372036854775807"}, {"1.9223372036854775808"}, {"1.99999999999999999999", "1.099999999999999999999"},
		},
	},
}

func TestOrder(t *testing.T) {
	for _, tt := range orderTests {
		t.Run(tt.name, func(t *testing.T) {
			if err := versiontest.CheckOrder(Ordering{}, tt.groups); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestCorpus checks the order against composer/semver and PHP's
// version_compare on every version of OSV's Packagist data and a real
// composer.lock (testdata/SOURCES.md).
func TestCorpus(t *testing.T) {
	groups, err := versiontest.ReadGroups("testdata/composer_sorted.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) < 1200 {
		t.Fatalf("read %d groups, want the whole file", len(groups))
	}
	if err := versiontest.CheckOrder(Ordering{}, groups); err != nil {
		t.Error(err)
	}
}

func TestNormalize(t *testing.T) {
	data, err := os.ReadFile("testdata/composer_normalized.tsv")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSuffix(line, "\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		in, want, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		n++
		got, err := Normalize(in)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if n < 1300 {
		t.Errorf("checked %d versions, want the whole file", n)
	}
	// Cases the corpus cannot hold (whitespace inside, newlines).
	for in, want := range map[string]string{
		"1.0.0 as 2.0.0":   "1.0.0.0",
		"dev-main as 1.0":  "dev-main",
		"\t1.2\n":          "1.2.0.0",
		"1.0\n@dev":        "1.0.0.0",
		"2.0.x-dev@dev":    "2.0.9999999.9999999-dev",
		"v1.2.3-beta.4+b5": "1.2.3.0-beta4",
	} {
		if got, err := Normalize(in); err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	invalid, err := versiontest.ReadLines("testdata/composer_invalid.txt")
	if err != nil {
		t.Fatal(err)
	}
	invalid = append(invalid, "", " ", "1.0.0-ſtable", "１.0", "1.0.0-rc1-beta")
	for _, s := range invalid {
		v, err := Ordering{}.Parse(s)
		if err == nil {
			t.Errorf("Parse(%q) = %v (normal form %q), want an error", s, v, v.(*Version).Normalized())
			continue
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
			t.Errorf("Parse(%q) error %q does not name the input", s, err)
		}
	}
}

func TestIsBranch(t *testing.T) {
	for s, want := range map[string]bool{
		"dev-master": true, "master": true, "DEV-x": true, "1.x-dev": false, "1.0.0-dev": false, "v1.0.0": false,
	} {
		v, err := Ordering{}.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := v.(*Version).IsBranch(); got != want {
			t.Errorf("Parse(%q).IsBranch() = %v, want %v", s, got, want)
		}
	}
}

func TestCompareOtherTypePanics(t *testing.T) {
	v, err := Ordering{}.Parse("1.0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Error("Compare with a foreign Version did not panic")
		}
	}()
	v.Compare(foreign{})
}

type foreign struct{}

func (foreign) Compare(version.Version) int { return 0 }
func (foreign) String() string              { return "foreign" }

// FuzzCompare checks that parsing never panics, that comparison keeps the
// laws of a total preorder (versiontest.CheckLaws), and that a normal form
// parses again. (Composer's normalisation is not idempotent: "2010-01-02"
// becomes "2010.01.02", which becomes "2010.01.02.0".)
func FuzzCompare(f *testing.F) {
	var seeds []string
	for _, tt := range orderTests {
		seeds = append(seeds, slices.Concat(tt.groups...)...)
	}
	seeds = append(seeds, "", "dev-", "1.0.0 as 2.0", "1.0.0.0.0", "1.x", "v", "1.0-foo")
	for i, s := range seeds {
		f.Add(s, seeds[(i+1)%len(seeds)], seeds[(i+5)%len(seeds)])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if err := versiontest.CheckLaws(Ordering{}, a, b, c); err != nil {
			t.Error(err)
		}
		for _, s := range []string{a, b, c} {
			v, err := Ordering{}.Parse(s)
			if err != nil {
				continue
			}
			norm := v.(*Version).Normalized()
			if _, err := (Ordering{}).Parse(norm); err != nil {
				t.Errorf("normal form %q of %q does not parse: %v", norm, s, err)
			}
		}
	})
}
