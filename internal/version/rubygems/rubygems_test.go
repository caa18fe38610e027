package rubygems

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/patchline/patchline/internal/version"
	"github.com/patchline/patchline/internal/version/versiontest"
)

// orderTests are chains of groups: versions in a group are equal, and every
// group is lower than the next. They come from the examples in Gem::Version's
// documentation and RubyGems' own tests (test/rubygems/test_gem_version.rb),
// each checked with Gem::Version of RubyGems 3.3.15.
var orderTests = []struct {
	name   string
	groups [][]string
}{
	{
		// The class documentation: "Prereleases sort between real
		// releases (newest to oldest): 1.0, 1.0.b1, 1.0.a.2, 0.9".
		name:   "doc_prereleases_between_releases",
		groups: [][]string{{"0.9"}, {"1.0.a.2"}, {"1.0.b1"}, {"1.0"}},
	},
	{
		// "3.10 sorts higher than 3.2 because ten is greater than two".
		name:   "doc_numeric_segments",
		groups: [][]string{{"3.2"}, {"3.10"}},
	},
	{
		// "1.0.a10 becomes 1.0.a.10, and is greater than 1.0.a9".
		name:   "doc_letters_and_digits_split",
		groups: [][]string{{"1.8.2.a9"}, {"1.8.2.a10", "1.8.2.a.10"}},
	},
	{
		// test_spaceship.
		name: "spaceship",
		groups: [][]string{
			{"0.0.0", "0"}, {"1.0.a"}, {"1.0", "1.0.0", "1"}, {"1.8.2.a"}, {"1.8.2.b"}, {"1.8.2"},
		},
	},
	{
		// test_spaceship: leading and trailing zeros of the two parts.
		name: "spaceship_zero_parts",
		groups: [][]string{
			{"0.0.beta"}, {"0.beta.1", "0.0.beta.1"}, {"5.a"}, {"5.0.0.rc2"}, {"5.x"}, {"5"},
		},
	},
	{
		// test_equals2 and test_eql_eh: "1.2.b1" == "1.2.b.1".
		name:   "equals2",
		groups: [][]string{{"1.2.b1", "1.2.b.1"}, {"1.2", "1.2.0"}, {"1.3"}},
	},
	{
		// test_semver: SemVer-style prereleases order as SemVer says.
		name: "semver",
		groups: [][]string{
			{"1.0.0-alpha"}, {"1.0.0-alpha.1"}, {"1.0.0-beta.2"}, {"1.0.0-beta.11"}, {"1.0.0-rc.1"}, {"1.0.0"},
		},
	},
	{
		// Gem::Version#initialize replaces "-" by ".pre.".
		name: "hyphen_is_pre",
		groups: [][]string{
			{"1.0-rc-1"}, {"1.0-1", "1.0.pre.1"}, {"1.0.rc1"}, {"1.0"},
		},
	},
	{
		// Trailing zeros are dropped in the release part and in the
		// prerelease part separately.
		name: "trailing_zeros_per_part",
		groups: [][]string{
			{"1.a", "1.0.a", "1.a.0", "1.0.a.0", "1.0a"}, {"1.0.a1", "1.a.1"}, {"1"}, {"1.0.0.0.0.0.0.1"},
		},
	},
	{
		// Strings compare in byte order: upper case before lower case.
		name:   "string_byte_order",
		groups: [][]string{{"1.A"}, {"1.Z"}, {"1.a"}, {"1.b"}, {"1.rc"}, {"1.0"}},
	},
	{
		name: "numbers_wider_than_64_bits",
		groups: [][]string{
			{"18446744073709551615"}, {"18446744073709551616", "018446744073709551616.0"},
			{"99999999999999999999"}, {"100000000000000000000"},
		},
	},
	{
		// Forms from OSV's RubyGems data.
		name: "osv_forms",
		groups: [][]string{
			{"2.1.0-1", "2.1.0pre1", "2.1.0.pre.1"}, {"2.1.0"}, {"4.25.14p12"}, {"4.25.14"},
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

// TestCorpus checks the order against Gem::Version on every version of
// OSV's RubyGems data and a real Gemfile.lock (testdata/SOURCES.md), shuffled
// and sorted again.
func TestCorpus(t *testing.T) {
	groups, err := versiontest.ReadGroups("testdata/rubygems_sorted.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) < 1000 {
		t.Fatalf("read %d groups, want the whole file", len(groups))
	}
	if err := versiontest.CheckOrder(Ordering{}, groups); err != nil {
		t.Error(err)
	}
	var vs []version.Version
	for _, s := range slices.Concat(groups...) {
		v, err := Ordering{}.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	rand.Shuffle(len(vs), func(i, j int) { vs[i], vs[j] = vs[j], vs[i] })
	slices.SortStableFunc(vs, func(a, b version.Version) int { return a.Compare(b) })
	got := vs[0]
	rank := map[string]int{}
	for i, g := range groups {
		for _, s := range g {
			rank[s] = i
		}
	}
	for _, v := range vs[1:] {
		if rank[got.String()] > rank[v.String()] {
			t.Errorf("sorted %q before %q", got, v)
		}
		got = v
	}
}

func TestParseInvalid(t *testing.T) {
	invalid, err := versiontest.ReadLines("testdata/rubygems_invalid.txt")
	if err != nil {
		t.Fatal(err)
	}
	// Blank strings are "0" to Gem::Version but errors here.
	invalid = append(invalid, "", " ", "\t\n", "1.0\x00", "１.0", "1.0.α", "-1", "1.0\n2.0", "1.0+1")
	for _, s := range invalid {
		v, err := Ordering{}.Parse(s)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want an error", s, v)
			continue
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
			t.Errorf("Parse(%q) error %q does not name the input", s, err)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		pre  bool
	}{
		{name: "release", in: "1.2.3"},
		{name: "one_number", in: "7"},
		{name: "leading_zeros", in: "01.002"},
		{name: "letter", in: "1.0.0.a1", pre: true},
		{name: "upper_case", in: "1.A", pre: true},
		{name: "hyphen", in: "1.0-1", pre: true},
		{name: "hyphen_run", in: "1-0--x", pre: true},
		{name: "surrounding_whitespace", in: " \t1.0\n"},
		{name: "platform_like", in: "1.10.4.x86", pre: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Ordering{}.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got := v.(*Version)
			if got.String() != tt.in || got.Prerelease() != tt.pre {
				t.Errorf("Parse(%q): String %q, Prerelease %v; want %q, %v", tt.in, got.String(), got.Prerelease(), tt.in, tt.pre)
			}
		})
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

// FuzzCompare checks that parsing never panics and that comparison keeps
// the laws of a total preorder (versiontest.CheckLaws).
func FuzzCompare(f *testing.F) {
	var seeds []string
	for _, tt := range orderTests {
		seeds = append(seeds, slices.Concat(tt.groups...)...)
	}
	seeds = append(seeds, "", " ", "1.0-", "1..0", "a1", "1.0+b", "0.a", "0.0.0.a.0.b")
	for i, s := range seeds {
		f.Add(s, seeds[(i+1)%len(seeds)], seeds[(i+5)%len(seeds)])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if err := versiontest.CheckLaws(Ordering{}, a, b, c); err != nil {
			t.Error(err)
		}
	})
}
