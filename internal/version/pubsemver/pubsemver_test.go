package pubsemver

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/patchline/patchline/internal/version"
	"github.com/patchline/patchline/internal/version/semver"
	"github.com/patchline/patchline/internal/version/versiontest"
)

// orderTests are chains of groups: versions in a group are equal, and every
// group is lower than the next. The chains from pub_semver's own tests are
// named after them (testdata/SOURCES.md).
var orderTests = []struct {
	name   string
	groups [][]string
}{
	{
		// pub_semver test "comparison": its correctly sorted list.
		name: "pub_semver_comparison",
		groups: [][]string{
			{"1.0.0-alpha"}, {"1.0.0-alpha.1"}, {"1.0.0-beta.2"}, {"1.0.0-beta.11"}, {"1.0.0-rc.1"},
			{"1.0.0-rc.1+build.1"}, {"1.0.0"}, {"1.0.0+0.3.7"}, {"1.3.7+build"}, {"1.3.7+build.2.b8f12d7"},
			{"1.3.7+build.11.e0f985a"}, {"2.0.0"}, {"2.1.0"}, {"2.2.0"}, {"2.11.0"}, {"2.11.1"},
		},
	},
	{
		// pub_semver test "equality": leading zeros mean nothing.
		name: "pub_semver_equality",
		groups: [][]string{
			{"01.2.3", "1.02.3", "1.2.03", "1.2.3", "001.002.003"},
		},
	},
	{
		name: "pub_semver_equality_prerelease_and_build",
		groups: [][]string{
			{"1.2.3-01", "1.2.3-1"},
			{"1.2.3"},
			{"1.2.3+01", "1.2.3+1"},
		},
	},
	{
		// pub_semver tests "equality" and "numeric vs alphanumeric
		// prerelease identifiers": "0xA" and "-1" are not numbers.
		name: "pub_semver_hex_and_negative_are_alphanumeric",
		groups: [][]string{
			{"1.0.0-10"}, {"1.0.0-0xA"}, {"1.0.0"}, {"1.0.0+255"}, {"1.0.0+0xFF"},
		},
	},
	{
		name:   "pub_semver_minus_one_after_zero",
		groups: [][]string{{"2.0.0-0"}, {"2.0.0--1"}},
	},
	{
		// The build sorts after the release and builds compare like
		// prereleases: numbers numerically, below strings, shorter first.
		name: "build_after_release",
		groups: [][]string{
			{"1.0.0-rc.1"}, {"1.0.0-rc.1+1"}, {"1.0.0"}, {"1.0.0+1"}, {"1.0.0+2"}, {"1.0.0+10"},
			{"1.0.0+10.1"}, {"1.0.0+a"}, {"1.0.0+a.1"}, {"1.0.0+b"}, {"1.0.1-0"}, {"1.0.1"},
		},
	},
	{
		// Real Dart versions with build numbers (testdata/pub_versions.txt).
		name: "real_build_numbers",
		groups: [][]string{
			{"0.3.3"}, {"0.3.3+4"}, {"0.8.6+11"}, {"0.8.7"}, {"0.8.7+3"}, {"0.8.7+4"}, {"0.8.8-dev"}, {"0.8.8"},
		},
	},
	{
		// SemVer 2.0.0 §11 example chain holds here too.
		name: "semver_spec_11_chain",
		groups: [][]string{
			{"1.0.0-alpha"}, {"1.0.0-alpha.1"}, {"1.0.0-alpha.beta"}, {"1.0.0-beta"},
			{"1.0.0-beta.2"}, {"1.0.0-beta.11"}, {"1.0.0-rc.1"}, {"1.0.0"},
		},
	},
	{
		// "-" < digits < upper case < lower case; a prefix is lower.
		name: "ascii_order",
		groups: [][]string{
			{"1.0.0-1"}, {"1.0.0--"}, {"1.0.0-0a"}, {"1.0.0-RC"}, {"1.0.0-rc"}, {"1.0.0-rc.1"}, {"1.0.0-rc-1"}, {"1.0.0-rc1"},
		},
	},
	{
		name: "numbers_wider_than_64_bits",
		groups: [][]string{
			{"9223372036854775807.0.0"}, {"18446744073709551616.0.0", "018446744073709551616.0.0"},
			{"99999999999999999999999999999999.0.0"}, {"100000000000000000000000000000000.0.0"},
		},
	},
	{
		name: "prerelease_numbers_wider_than_64_bits",
		groups: [][]string{
			{"1.0.0-9"}, {"1.0.0-99999999999999999999"}, {"1.0.0-100000000000000000000", "1.0.0-0100000000000000000000"}, {"1.0.0--"},
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

// TestDiffersFromSemVer pins the pairs on which pub and SemVer 2.0.0 (the
// ordering of crates.io, Hex and npm) disagree.
func TestDiffersFromSemVer(t *testing.T) {
	tests := []struct {
		a, b           string
		pub, semver2   int
		semverParsesAB bool
	}{
		{a: "1.0.0", b: "1.0.0+build", pub: -1, semver2: 0, semverParsesAB: true},
		{a: "1.0.0+build.2", b: "1.0.0+build.11", pub: -1, semver2: 0, semverParsesAB: true},
		{a: "1.0.0-rc.1+build.1", b: "1.0.0-rc.1", pub: +1, semver2: 0, semverParsesAB: true},
		{a: "1.0.0+b", b: "1.0.0+a", pub: +1, semver2: 0, semverParsesAB: true},
		{a: "01.2.3", b: "1.2.3", pub: 0, semverParsesAB: false},
		{a: "1.2.3-01", b: "1.2.3-1", pub: 0, semverParsesAB: false},
	}
	for _, tt := range tests {
		t.Run(tt.a+"_vs_"+tt.b, func(t *testing.T) {
			if got := compare(t, tt.a, tt.b); got != tt.pub {
				t.Errorf("Compare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.pub)
			}
			sa, errA := semver.Ordering{}.Parse(tt.a)
			sb, errB := semver.Ordering{}.Parse(tt.b)
			if (errA == nil && errB == nil) != tt.semverParsesAB {
				t.Fatalf("semver parses %q: %v, %q: %v; want both valid %v", tt.a, errA, tt.b, errB, tt.semverParsesAB)
			}
			if tt.semverParsesAB {
				if got := sa.Compare(sb); got != tt.semver2 {
					t.Errorf("semver Compare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.semver2)
				}
			}
		})
	}
}

func compare(t *testing.T, a, b string) int {
	t.Helper()
	va, err := Ordering{}.Parse(a)
	if err != nil {
		t.Fatal(err)
	}
	vb, err := Ordering{}.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return va.Compare(vb)
}

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		valid bool
	}{
		{"plain", "1.2.3", true},
		{"zeros", "0.0.0", true},
		{"two_digit", "12.34.56", true},
		{"prerelease", "1.2.3-alpha.1", true},
		{"prerelease_hyphens", "1.2.3-x.7.z-92", true},
		{"build", "1.2.3+build.1", true},
		{"build_hyphens", "1.2.3+x.7.z-92", true},
		{"prerelease_and_build", "1.0.0-rc-1+build-1", true},
		{"hex_looking", "1.0.0-0xA+0xFF", true},
		{"negative_looking", "2.0.0--1+-2", true},
		{"mixed", "1.0.0-alpha.1.0xA.-1", true},
		{"leading_zeros", "001.02.0003-01.dev+pre.002", true},
		{"real_build_number", "0.8.6+11", true},
		// Rejected by pub_semver's parse() test.
		{"two_parts", "1.0", false},
		{"letters_as_dots", "1a2b3", false},
		{"four_parts", "1.2.3.4", false},
		{"one_number", "1234", false},
		{"negative_major", "-2.3.4", false},
		{"two_parts_prerelease", "1.3-pre", false},
		{"two_parts_build", "1.3+build", false},
		{"bad_build_chars", "1.3+bu?!3ild", false},
		// Other malformed input.
		{"empty", "", false},
		{"v_prefix", "v1.2.3", false},
		{"leading_space", " 1.2.3", false},
		{"trailing_newline", "1.2.3\n", false},
		{"empty_prerelease", "1.2.3-", false},
		{"empty_build", "1.2.3+", false},
		{"empty_identifier", "1.2.3-a..b", false},
		{"trailing_dot", "1.2.3-a.", false},
		{"two_plus", "1.2.3+a+b", false},
		{"underscore", "1.2.3-a_b", false},
		{"non_ascii_digit", "１.2.3", false},
		{"non_ascii_letter", "1.2.3-α", false},
		{"range", "^1.2.3", false},
		{"osv_zero", "0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Ordering{}.Parse(tt.in)
			if (err == nil) != tt.valid {
				t.Fatalf("Parse(%q) error = %v, want valid %v", tt.in, err, tt.valid)
			}
			if err != nil {
				if !strings.Contains(err.Error(), fmt.Sprintf("%q", tt.in)) {
					t.Errorf("Parse(%q) error %q does not name the input", tt.in, err)
				}
				return
			}
			if v.String() != tt.in {
				t.Errorf("Parse(%q).String() = %q", tt.in, v.String())
			}
		})
	}
}

// TestRealVersions parses every version of a real pubspec.lock and checks
// the ordering laws on them.
func TestRealVersions(t *testing.T) {
	lines, err := versiontest.ReadLines("testdata/pub_versions.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 147 {
		t.Errorf("read %d versions, want 147", len(lines))
	}
	for _, s := range lines {
		if _, err := (Ordering{}).Parse(s); err != nil {
			t.Error(err)
		}
	}
	if err := versiontest.CheckLaws(Ordering{}, lines...); err != nil {
		t.Error(err)
	}
}

func TestCompareOtherTypePanics(t *testing.T) {
	v, err := Ordering{}.Parse("1.0.0")
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
	seeds = append(seeds, "", "1", "1.2", "v1.2.3", "1.2.3-", "1.2.3+", "1a2b3", "1.2.3-a..b", "1.0.0-0xA+0xFF")
	for i, s := range seeds {
		f.Add(s, seeds[(i+1)%len(seeds)], seeds[(i+7)%len(seeds)])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if err := versiontest.CheckLaws(Ordering{}, a, b, c); err != nil {
			t.Error(err)
		}
	})
}
