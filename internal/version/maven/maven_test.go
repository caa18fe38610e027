package maven

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/patchline/patchline/internal/version"
	"github.com/patchline/patchline/internal/version/versiontest"
)

// orderTests are chains of groups: versions in a group are equal, and every
// group is lower than the next. Unless a comment says otherwise, each chain
// is Maven's own (ComparableVersionTest, the POM reference) and was checked
// against Maven 3.8.7's ComparableVersion.
var orderTests = []struct {
	name   string
	groups [][]string
}{
	{
		// ComparableVersionTest VERSIONS_QUALIFIER.
		name: "qualifiers",
		groups: [][]string{
			{"1-alpha2snapshot"}, {"1-alpha2"}, {"1-alpha-123"}, {"1-beta-2"}, {"1-beta123"}, {"1-m2"},
			{"1-m11"}, {"1-rc"}, {"1-cr2"}, {"1-rc123"}, {"1-SNAPSHOT"}, {"1"}, {"1-sp"}, {"1-sp2"},
			{"1-sp123"}, {"1-abc"}, {"1-def"}, {"1-pom-1"}, {"1-1-snapshot"}, {"1-1"}, {"1-2"}, {"1-123"},
		},
	},
	{
		// ComparableVersionTest VERSIONS_NUMBER, as ordered since MNG-7644
		// (Maven 3.8.7): "2.0.a" is "2-a", lower than "2-1".
		name: "numbers",
		groups: [][]string{
			{"2.0"}, {"2.0.a"}, {"2-1"}, {"2.0.2"}, {"2.0.123"}, {"2.1.0"}, {"2.1-a"}, {"2.1b"}, {"2.1-c"},
			{"2.1-1"}, {"2.1.0.1"}, {"2.2"}, {"2.123"}, {"11.a2"}, {"11.a11"}, {"11.b2"}, {"11.b11"},
			{"11.m2"}, {"11.m11"}, {"11"}, {"11.a"}, {"11b"}, {"11c"}, {"11m"},
		},
	},
	{
		// ComparableVersionTest testVersionComparing, as one chain.
		name: "comparing",
		groups: [][]string{
			{"1"}, {"1.0.1"}, {"1.1"}, {"1.2", "1.2.0"}, {"1.5"}, {"2"}, {"2.0-1"}, {"2.0.1"},
			{"2.0.1-klm"}, {"2.0.1-lmn"}, {"2.0.1-xyz"}, {"2.0.1-123"}, {"2.5"},
		},
	},
	{
		name: "comparing_prereleases",
		groups: [][]string{
			{"1.0-alpha-1-SNAPSHOT"}, {"1.0-alpha-1"}, {"1.0-alpha-2"}, {"1.0-beta-1"}, {"1.0-SNAPSHOT"},
			{"1.0", "1.0.0"}, {"1.0-1"}, {"1.0-2"},
		},
	},
	{
		// testVersionsEqual: padding and trailing nulls.
		name:   "trailing_nulls",
		groups: [][]string{{"1", "1.0", "1.0.0", "1-0", "1.0-0", "1.ga", "1-ga", "1.0.final", "1-release", "1."}},
	},
	{
		// testVersionsEqual: no separator between number and character.
		name: "transitions",
		groups: [][]string{
			{"1"},
			{"1a", "1-a", "1.0-a", "1.0.0-a", "1.0a", "1.0.0a"},
			{"1x", "1-x", "1.0-x", "1.0.0-x", "1.0x", "1.0.0x", "1X"},
		},
	},
	{
		// testVersionsEqual: aliases, and a, b, m only before a digit.
		name: "aliases",
		groups: [][]string{
			{"1a1", "1-alpha-1", "1A1", "1alpha1"},
			{"1b2", "1-beta-2", "1B2"},
			{"1m3", "1-milestone-3", "1Milestone3", "1MileStone3", "1MILESTONE3"},
			{"1cr", "1rc", "1Cr", "1Rc", "1cR", "1rC", "1-RC"},
			{"1", "1ga", "1release", "1final", "1Ga", "1GA", "1RELEASE", "1RELeaSE", "1Final", "1FinaL", "1FINAL"},
			{"1A", "1a"},
			{"1B", "1b"},
			{"1M", "1m"},
		},
	},
	{
		// The POM reference's "Version Order Specification" examples.
		name: "spec_examples",
		groups: [][]string{
			{"1-snapshot"}, {"1", "1.ga", "1-ga", "1-0", "1.0"}, {"1-sp"}, {"1.foo", "1-foo"}, {"1-foo2"},
			{"1-foo10"}, {"1-1"}, {"1.1"},
		},
	},
	{
		name:   "spec_sp_after_ga",
		groups: [][]string{{"1-ga.1"}, {"1-sp.1"}},
	},
	{
		// The POM reference says "1-sp-1" < "1-ga-1" = "1-1". Maven drops
		// the "ga" but keeps the list it opened, so "1-ga-1" is [1, [[1]]]
		// and lower than "1-1", [1, [1]] (a list is lower than a number).
		name:   "spec_trailing_null_at_each_hyphen",
		groups: [][]string{{"1-sp-1"}, {"1-ga-1"}, {"1-1"}},
	},
	{
		// MNG-5568: a transitivity bug fixed in Maven.
		name:   "mng_5568",
		groups: [][]string{{"6.1.0rc3"}, {"6.1.0"}, {"6.1H.5-beta"}},
	},
	{
		// MNG-6572: numbers of any width.
		name: "mng_6572",
		groups: [][]string{
			{"20190126.230843"}, {"1234567890.12345"}, {"123456789012345.1H.5-beta"}, {"12345678901234567890.1H.5-beta"},
		},
	},
	{
		name: "leading_zeros",
		groups: [][]string{
			{"0", "00", "000000000", "0000000000", "0000000000000000000", "0.0", "0-0"},
			{"0000000000000000001", "000000000000000001", "0000000001", "000000001", "01", "1"},
			{"1.1", "1.01", "1.000000000000000000001"},
		},
	},
	{
		// Widths at Maven's int, long and big integer boundaries.
		name: "wide_numbers",
		groups: [][]string{
			{"1"}, {"999999999"}, {"1000000000"}, {"999999999999999999"}, {"1000000000000000000"},
			{"99999999999999999999999999"}, {"100000000000000000000000000"},
		},
	},
	{
		// MNG-6964: a list compares with nothing by its first non-null item.
		name:   "mng_6964",
		groups: [][]string{{"1-0.alpha"}, {"1-0.beta"}, {"1"}},
	},
	{
		// Maven compares all-zero runs of 10 or more digits by width:
		// "0000000000" is a long, above the int 5.
		name:   "zero_run_width",
		groups: [][]string{{"1.5.1"}, {"1.0000000000.1"}, {"1.5000000000.1"}},
	},
	{
		// Forms seen in Maven Central.
		name: "real_world",
		groups: [][]string{
			{"5.3.19"}, {"5.3.20-RC1", "5.3.20.RC1"}, {"5.3.20", "5.3.20.RELEASE", "5.3.20-RELEASE"}, {"5.3.20.SP1"}, {"5.3.21"},
		},
	},
	{
		name: "real_world_final_and_jetty",
		groups: [][]string{
			{"4.1.77.Final", "4.1.77"}, {"4.1.78.Beta1"}, {"4.1.78.CR1"}, {"4.1.78.Final"},
			{"9.4.43.v20210629"}, {"9.4.44.v20210927"}, {"9.4.44.1"},
		},
	},
	{
		// Guava: unknown qualifiers sort after the release, lexically.
		name:   "real_world_guava",
		groups: [][]string{{"31.0-jre"}, {"31.1", "31.1.0"}, {"31.1-android"}, {"31.1-jre"}, {"31.1.1"}, {"32.0.0-android"}},
	},
	{
		name:   "case_insensitive",
		groups: [][]string{{"1-abcdefghijklmnopqrstuvwxyz", "1-ABCDEFGHIJKLMNOPQRSTUVWXYZ"}, {"1.é", "1.É"}},
	},
	{
		// Letters compare lexically, in UTF-16 order; digits are above
		// letters.
		name:   "lexical",
		groups: [][]string{{"aardvark"}, {"zebra"}, {"ζέβρα"}, {"\U0001D7E4"}, {"\uFB01"}, {"7"}},
	},
	{
		// Only ASCII digits are digits (as Maven 4's tests want); Maven
		// 3.8.7 reads the Arabic-Indic eight as 8.
		name:   "non_ascii_digits",
		groups: [][]string{{"J", "j"}, {"\u0668"}, {"1"}},
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

// TestMNG7644 is ComparableVersionTest.testMng7644: ".X1" is "-X1" for any
// qualifier X.
func TestMNG7644(t *testing.T) {
	for _, x := range []string{"abc", "alpha", "a", "beta", "b", "def", "milestone", "m", "RC"} {
		groups := [][]string{{"1.0.0." + x + "1"}, {"1.0.0-" + x + "2"}}
		if err := versiontest.CheckOrder(Ordering{}, groups); err != nil {
			t.Error(err)
		}
		if err := versiontest.CheckOrder(Ordering{}, [][]string{{"2-" + x, "2.0." + x, "2.0.0." + x}}); err != nil {
			t.Error(err)
		}
	}
}

// TestCycleRepairs lists the pairs on which this package deliberately
// differs from Maven 3.8.7, whose order is cyclic there: maven is what
// ComparableVersion.compareTo(a, b) returns, and with the witness w it
// makes a cycle (a < w < b < a, or the reverse). want is this package's
// answer, consistent with how both compare with w.
func TestCycleRepairs(t *testing.T) {
	tests := []struct {
		name        string
		a, b, w     string
		maven, want int
	}{
		{
			// Maven keeps the 0 of "1.0.beta-1" (a number, above any
			// list) although "1.0.beta-1" < "1.0" < "1.0-1".
			name: "zero_before_prerelease_qualifier", a: "1.0.beta-1", b: "1.0-1", w: "1.0",
			maven: +1, want: -1,
		},
		{
			// A qualifier higher than the release against a list lower
			// than nothing: "r05" > "0.0" > "0.0-alpha".
			name: "unknown_qualifier_against_prerelease_list", a: "r05", b: "0.0-alpha", w: "0.0",
			maven: -1, want: +1,
		},
		{
			name: "redhat_build_against_milestone", a: "2.9.redhat-1", b: "2.9-M10", w: "2.9",
			maven: -1, want: +1,
		},
		{
			name: "build_snapshot_against_milestone", a: "20.3.BUILD-SNAPSHOT", b: "20.3.M1", w: "20.3",
			maven: -1, want: +1,
		},
		{
			// A null qualifier in the middle is followed by a number:
			// "1.ga.1" > "1" > "1-alpha".
			name: "null_qualifier_against_prerelease_list", a: "1.ga.1", b: "1-alpha", w: "1",
			maven: -1, want: +1,
		},
	}
	parse := func(s string) version.Version {
		v, err := Ordering{}.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b, w := parse(tt.a), parse(tt.b), parse(tt.w)
			if got := a.Compare(b); got != tt.want {
				t.Errorf("Compare(%q, %q) = %d, want %d (Maven says %d)", tt.a, tt.b, got, tt.want, tt.maven)
			}
			if aw, wb := a.Compare(w), w.Compare(b); aw != tt.want || wb != tt.want {
				t.Errorf("Compare(%q, %q) = %d and Compare(%q, %q) = %d, want both %d", tt.a, tt.w, aw, tt.w, tt.b, wb, tt.want)
			}
		})
	}
}

// TestCorpus checks the order of thousands of versions shaped like those
// of Maven Central, as sorted by Maven 3.8.7 (testdata/SOURCES.md).
func TestCorpus(t *testing.T) {
	groups, err := versiontest.ReadGroups("testdata/maven_sorted.txt")
	if err != nil {
		t.Fatal(err)
	}
	if err := versiontest.CheckOrder(Ordering{}, groups); err != nil {
		t.Error(err)
	}
}

func TestCanonical(t *testing.T) {
	// Canonical forms printed by Maven 3.8.7's ComparableVersion.
	tests := []struct{ in, want string }{
		{"1.0.0", "1"},
		{"1.0.0-RC1", "1-rc-1"},
		{"1.0.0.RC1", "1-rc-1"},
		{"2.0.a", "2-a"},
		{"1.0-alpha-1-SNAPSHOT", "1-alpha-1-snapshot"},
		{"1.0.final-redhat-0001", "1-redhat-1"},
		{"5.3.20.RELEASE", "5.3.20"},
		{"9.4.43.v20210629", "9.4.43-v-20210629"},
		{"1.ga.1", "1..1"},
		{"0.x", "x"},
		{"1-0.alpha", "1-alpha"},
		{"0", ""},
		{"1.0000000000.1", "1.0.1"},
	}
	for _, tt := range tests {
		v, err := Ordering{}.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := v.(*Version).Canonical(); got != tt.want {
			t.Errorf("Canonical(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	for _, s := range []string{"", " ", "1.0 ", " 1.0", "1.0\t", "1\n", "1.0\x00", "\xff", "1.\xc3", "[1.0,2.0)", "(,1.0]", "[1.0]", "1.0,2.0", "1.0)"} {
		_, err := Ordering{}.Parse(s)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", s)
			continue
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
			t.Errorf("Parse(%q) error %q does not name the input", s, err)
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

// FuzzCompare checks that Parse never panics and that comparison keeps the
// laws of a total preorder, which Maven's own order does not (see
// TestCycleRepairs).
func FuzzCompare(f *testing.F) {
	var seeds []string
	for _, tt := range orderTests {
		seeds = append(seeds, slices.Concat(tt.groups...)...)
	}
	seeds = append(seeds, "", "-", ".", "1--1", "1..1", "1.0.beta-1", "r05", "0.0-alpha", "2.9.redhat-1",
		"1.ga.1", "1-alpha", "1.0-1", "1.0", "\u0130", "[1.0,2.0)", strings.Repeat("1-a", 200))
	for i, s := range seeds {
		f.Add(s, seeds[(i+1)%len(seeds)], seeds[(i+7)%len(seeds)])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if err := versiontest.CheckLaws(Ordering{}, a, b, c); err != nil {
			t.Error(err)
		}
		for _, s := range []string{a, b, c} {
			if v, err := (Ordering{}).Parse(s); err == nil {
				_ = v.(*Version).Canonical()
			}
		}
	})
}

func BenchmarkParseCompare(b *testing.B) {
	pairs := [][2]string{
		{"1.2.3", "1.2.4"},
		{"2.13.4.2", "2.13.4"},
		{"5.3.20.RELEASE", "5.3.21-RC1"},
		{"1.0.0-alpha-1-SNAPSHOT", "1.0.0.Final"},
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range pairs {
			x, err := Ordering{}.Parse(p[0])
			if err != nil {
				b.Fatal(err)
			}
			y, err := Ordering{}.Parse(p[1])
			if err != nil {
				b.Fatal(err)
			}
			x.Compare(y)
		}
	}
}
