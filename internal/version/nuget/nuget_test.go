package nuget

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/version"
	"github.com/patchline/patchline/internal/version/versiontest"
)

// orderTests are chains of groups: versions in a group are equal, and every
// group is lower than the next.
var orderTests = []struct {
	name   string
	groups [][]string
}{
	{
		// NuGet docs, "Package versioning", "Pre-release versions": the
		// example list, given there from highest to lowest.
		name: "docs_prerelease_example",
		groups: [][]string{
			{"1.0.1-aaa"}, {"1.0.1-alpha10"}, {"1.0.1-alpha2"}, {"1.0.1-beta"}, {"1.0.1-open"},
			{"1.0.1-rc.2"}, {"1.0.1-rc.10"}, {"1.0.1-zzz"}, {"1.0.1"},
		},
	},
	{
		// NuGet docs, "Normalized version numbers": leading zeros are
		// removed, a zero fourth part is omitted, metadata is removed.
		name: "docs_normalized_version_numbers",
		groups: [][]string{
			{"1.0", "1.00", "1", "1.0.0", "1.0.0.0"},
			{"1.0.0.1", "1.00.0.1"},
			{"1.0.1", "1.0.01.0"},
			{"1.0.7", "1.0.7+r3456"},
			{"1.1.1", "1.01.1"},
		},
	},
	{
		// SemVer 2.0.0 §11, which NuGet 4.3+ follows.
		name: "semver_spec_chain",
		groups: [][]string{
			{"1.0.0-alpha"}, {"1.0.0-alpha.1"}, {"1.0.0-alpha.beta"}, {"1.0.0-beta"},
			{"1.0.0-beta.2"}, {"1.0.0-beta.11"}, {"1.0.0-rc.1"}, {"1.0.0"},
		},
	},
	{
		name: "prerelease_case_insensitive",
		groups: [][]string{
			{"1.0.0-ALPHA", "1.0.0-alpha", "1.0.0-Alpha"},
			{"1.0.0-Beta.1", "1.0.0-beta.1+Build"},
			{"1.0.0-BETA.2", "1.0.0-beta.2"},
			{"1.0.0-RC"},
			{"1.0.0"},
		},
	},
	{
		name: "four_part_legacy",
		groups: [][]string{
			{"1.0.0-beta"}, {"1.0.0"}, {"1.0.0.1-beta"}, {"1.0.0.1"}, {"1.0.0.2"}, {"1.0.0.10"},
			{"1.0.1"}, {"3.3.101.182"}, {"3.3.103.15"}, {"3.3.107.28"},
		},
	},
	{
		// Labels that are numbers beyond NuGet's 32-bit integers compare
		// as text, so higher than any number and ordered as text.
		name: "numeric_labels",
		groups: [][]string{
			{"1.0.0-1"}, {"1.0.0-2"}, {"1.0.0-10"}, {"1.0.0-2147483647"},
			{"1.0.0-10000000000"}, {"1.0.0-2147483648"}, {"1.0.0-a"},
		},
	},
	{
		name: "shorter_prefix_lower",
		groups: [][]string{
			{"1.0.0-a"}, {"1.0.0-a.0"}, {"1.0.0-a.0.0"}, {"1.0.0-a.1"}, {"1.0.0-a.b"}, {"1.0.0-aa"},
		},
	},
	{
		// Versions of the real packages.lock.json fixture.
		name: "bitwarden_versions",
		groups: [][]string{
			{"3.0.0-beta2"}, {"3.0.0"}, {"4.0.1"}, {"4.7.0"}, {"5.0.9"}, {"6.2.3"}, {"12.0.2"}, {"12.0.3"},
		},
	},
	{
		name:   "largest_number",
		groups: [][]string{{"2147483646"}, {"2147483647", "02147483647.0"}},
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

func TestParse(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		valid      bool
		normalized string
		pre, meta  string
	}{
		{name: "semver", in: "1.2.3", valid: true, normalized: "1.2.3"},
		{name: "one_part", in: "1", valid: true, normalized: "1.0.0"},
		{name: "two_parts", in: "1.2", valid: true, normalized: "1.2.0"},
		{name: "four_parts", in: "1.2.3.4", valid: true, normalized: "1.2.3.4"},
		{name: "four_parts_zero", in: "1.2.3.0", valid: true, normalized: "1.2.3"},
		{name: "leading_zeros", in: "01.002.0003", valid: true, normalized: "1.2.3"},
		{name: "prerelease_and_metadata", in: "1.0.0-rc.1+sha.5114f85", valid: true, normalized: "1.0.0-rc.1", pre: "rc.1", meta: "sha.5114f85"},
		{name: "legacy_prerelease", in: "3.0.0-beta2", valid: true, normalized: "3.0.0-beta2", pre: "beta2"},
		{name: "hyphens_in_prerelease", in: "1.0.0-beta-final", valid: true, normalized: "1.0.0-beta-final", pre: "beta-final"},
		{name: "metadata_only", in: "1.0.0+abc", valid: true, normalized: "1.0.0", meta: "abc"},
		{name: "metadata_leading_zero", in: "1.0.0+001", valid: true, normalized: "1.0.0", meta: "001"},
		{name: "four_parts_prerelease", in: "1.0.0.1-alpha", valid: true, normalized: "1.0.0.1-alpha", pre: "alpha"},
		{name: "empty", in: ""},
		{name: "five_parts", in: "1.2.3.4.5"},
		{name: "empty_part", in: "1..2"},
		{name: "trailing_dot", in: "1.2."},
		{name: "leading_dot", in: ".1"},
		{name: "too_large", in: "2147483648.0.0"},
		{name: "v_prefix", in: "v1.0.0"},
		{name: "space", in: " 1.0.0"},
		{name: "range", in: "[1.0, )"},
		{name: "wildcard", in: "1.0.*"},
		{name: "empty_prerelease", in: "1.0.0-"},
		{name: "empty_label", in: "1.0.0-a..b"},
		{name: "empty_metadata", in: "1.0.0+"},
		{name: "leading_zero_label", in: "1.0.0-01"},
		{name: "underscore", in: "1.0.0-a_b"},
		{name: "letters_in_number", in: "1.0a.0"},
		{name: "negative", in: "-1.0.0"},
		{name: "two_plus", in: "1.0.0+a+b"},
		{name: "non_ascii", in: "1.0.0-β"},
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
			got := v.(*Version)
			if diff := cmp.Diff(
				[]string{tt.in, tt.normalized, tt.pre, tt.meta},
				[]string{got.String(), got.Normalized(), got.Prerelease(), got.Metadata()},
			); diff != "" {
				t.Errorf("Parse(%q): String, Normalized, Prerelease, Metadata mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
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

// FuzzCompare checks that the ordering never panics, keeps the laws of a
// total preorder, and that a version compares equal to its normal form.
func FuzzCompare(f *testing.F) {
	var seeds []string
	for _, tt := range orderTests {
		seeds = append(seeds, slices.Concat(tt.groups...)...)
	}
	seeds = append(seeds, "", "1.0.0-", "1..0", "1.0.0-01", "2147483648", "1.0.0+a+b", "1.0.0-A.b.C")
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
			w, err := Ordering{}.Parse(norm)
			if err != nil {
				t.Errorf("normal form %q of %q does not parse: %v", norm, s, err)
				continue
			}
			if c := v.Compare(w); c != 0 {
				t.Errorf("%q compares %d with its normal form %q", s, c, norm)
			}
		}
	})
}
