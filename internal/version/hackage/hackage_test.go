package hackage

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
		// Data.Version and Cabal compare the lists lexicographically:
		// a prefix is lower, so trailing zeros matter.
		name: "prefix_lower",
		groups: [][]string{
			{"1"}, {"1.0"}, {"1.0.0"}, {"1.0.0.0"}, {"1.0.0.1"}, {"1.0.1"}, {"1.1"}, {"2"},
		},
	},
	{
		// PVP: A.B is the major version, C the minor; numbers compare
		// numerically.
		name: "pvp_numeric",
		groups: [][]string{
			{"0.9"}, {"0.10"}, {"0.10.0.1"}, {"0.99.1"}, {"1.9"}, {"1.10"}, {"2.0.3.0"}, {"2.0.10"},
		},
	},
	{
		// Versions of the real cabal.project.freeze fixture.
		name: "freeze_versions",
		groups: [][]string{
			{"0.4.3"}, {"0.8.9.3"}, {"1.0"}, {"1.5.1.0"}, {"2.3.1.0"}, {"2.18.0.0"}, {"3.16.0.0"}, {"4.22.0.0"}, {"9.1401.0"},
		},
	},
	{
		// Date-like versions from the Hackage OSV data.
		name: "date_versions",
		groups: [][]string{
			{"0.20110401"}, {"0.20110417"}, {"5.20140919"}, {"6.20160419"}, {"6.20180626"},
		},
	},
	{
		name: "numbers_wider_than_64_bits",
		groups: [][]string{
			{"18446744073709551615"}, {"18446744073709551616"}, {"18446744073709551616.0"},
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
		name  string
		in    string
		valid bool
	}{
		{name: "one", in: "1", valid: true},
		{name: "zero", in: "0", valid: true},
		{name: "four", in: "1.2.3.4", valid: true},
		{name: "zeros", in: "0.0.0", valid: true},
		{name: "empty", in: ""},
		{name: "leading_zero", in: "1.01"},
		{name: "leading_zero_first", in: "01"},
		{name: "trailing_dot", in: "1."},
		{name: "leading_dot", in: ".1"},
		{name: "double_dot", in: "1..2"},
		{name: "tag", in: "1.0-beta"},
		{name: "letters", in: "1.0a"},
		{name: "space", in: " 1.0"},
		{name: "sha", in: "1.0@sha256:abc"},
		{name: "hyphen", in: "1-0"},
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
		})
	}
}

// TestOSVCorpus parses every version of the Hackage OSV data and checks that
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

// FuzzCompare checks that the ordering never panics and keeps the laws of a
// total preorder.
func FuzzCompare(f *testing.F) {
	var seeds []string
	for _, tt := range orderTests {
		seeds = append(seeds, slices.Concat(tt.groups...)...)
	}
	seeds = append(seeds, "", "01", "1..0", "1.0-x", ".")
	for i, s := range seeds {
		f.Add(s, seeds[(i+1)%len(seeds)], seeds[(i+5)%len(seeds)])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if err := versiontest.CheckLaws(Ordering{}, a, b, c); err != nil {
			t.Error(err)
		}
	})
}
