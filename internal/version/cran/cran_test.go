package cran

import (
	"fmt"
	"slices"
	"strings"
	"testing"

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
		// ?numeric_version: "." and "-" separate the same integers.
		name: "separators_equal",
		groups: [][]string{
			{"1.2-2", "1.2.2", "1-2-2", "1-2.2"},
			{"1.2-3", "1.2.3"},
			{"1.2-10", "1.2.10"},
		},
	},
	{
		// Components compare as integers, not as text.
		name: "numeric_not_text",
		groups: [][]string{
			{"0.9"}, {"0.10", "0.010"}, {"0.99"}, {"1.0", "01.00"}, {"1.9"}, {"1.10"}, {"10.0"},
		},
	},
	{
		// A shorter sequence that is a prefix of a longer one is lower,
		// as in R, where package_version("1.2") < "1.2.0".
		name: "shorter_prefix_lower",
		groups: [][]string{
			{"1.2"}, {"1.2.0", "1.2-0"}, {"1.2.0.0"}, {"1.2.0.1"}, {"1.2.1"}, {"1.3"},
		},
	},
	{
		// Versions as CRAN packages write them (Matrix, MASS, BH,
		// JuliaConnectoR from the real renv.lock fixture).
		name: "cran_styles",
		groups: [][]string{
			{"0.6.2.9000"}, {"1.3-2"}, {"1.6-5"}, {"1.75.0-0"}, {"7.3-53"}, {"7.3-60"}, {"7.3-60.0.1"},
		},
	},
	{
		name: "numbers_wider_than_64_bits",
		groups: [][]string{
			{"1.18446744073709551615"}, {"1.18446744073709551616"}, {"1.99999999999999999999999"},
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

func TestParse(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		valid      bool
		normalized string
	}{
		{name: "two", in: "1.0", valid: true, normalized: "1.0"},
		{name: "hyphen", in: "1.2-3", valid: true, normalized: "1.2.3"},
		{name: "leading_zeros", in: "01.002-03", valid: true, normalized: "1.2.3"},
		{name: "many", in: "0.10.1.2.9000", valid: true, normalized: "0.10.1.2.9000"},
		{name: "empty", in: ""},
		{name: "one_component", in: "1"},
		{name: "trailing_dot", in: "1.0."},
		{name: "leading_hyphen", in: "-1.0"},
		{name: "double_separator", in: "1..0"},
		{name: "mixed_double_separator", in: "1.-0"},
		{name: "letters", in: "1.0a"},
		{name: "rc", in: "1.0-rc1"},
		{name: "space", in: "1.0 "},
		{name: "plus", in: "1.0+1"},
		{name: "underscore", in: "1_0"},
		{name: "fullwidth_digit", in: "１.0"},
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
			if got := v.String(); got != tt.in {
				t.Errorf("String() = %q, want %q", got, tt.in)
			}
			if got := v.(*Version).Normalized(); got != tt.normalized {
				t.Errorf("Normalized() = %q, want %q", got, tt.normalized)
			}
		})
	}
}

// TestOSVCorpus parses every version of the CRAN OSV data and checks that
// every ECOSYSTEM range is introduced below where it is fixed.
func TestOSVCorpus(t *testing.T) {
	lines, err := versiontest.ReadLines("testdata/osv_versions.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range lines {
		if _, err := (Ordering{}).Parse(s); err != nil {
			t.Error(err)
		}
	}
	ranges, err := versiontest.ReadGroups("testdata/osv_ranges.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ranges {
		if err := versiontest.CheckOrder(Ordering{}, [][]string{{r[0]}, {r[1]}}); err != nil {
			t.Error(err)
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

// FuzzCompare checks that the ordering never panics, keeps the laws of a
// total preorder, and that a version equals its normal form.
func FuzzCompare(f *testing.F) {
	var seeds []string
	for _, tt := range orderTests {
		seeds = append(seeds, slices.Concat(tt.groups...)...)
	}
	seeds = append(seeds, "", "1", "1..0", "1.0-", "1.0a", "0.1-3")
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
			if err != nil || v.Compare(w) != 0 {
				t.Errorf("%q and its normal form %q differ (%v)", s, norm, err)
			}
		}
	})
}
