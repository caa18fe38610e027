package conan

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/patchline/patchline/internal/version"
	"github.com/patchline/patchline/internal/version/versiontest"
)

// lowerPairs are pairs (a, b) with a < b in Conan 2: the comparison cases of
// Conan's own unit tests (test/unittests/model/version/
// test_version_comparison.py), which patchline must agree with.
var lowerPairs = [][2]string{
	{"1", "2"}, {"1.0", "1.1"}, {"1.0.2", "1.1.0"}, {"1.3", "1.22"}, {"1.1.3", "1.1.22"},
	{"1.1.1.3", "1.1.1.22"}, {"1.1.1.1.3", "1.1.1.1.22"},
	// different lengths
	{"1.0", "2"}, {"1.2", "1.3.1"}, {"1.0.2", "1.1"}, {"1.2.3", "1.11"}, {"1.2", "1.2.3"},
	{"1.2.2.2", "1.2.3"}, {"1.2.3", "1.2.3.2"}, {"4", "4.0.1"}, {"4", "4.0.0.1"},
	// letters
	{"1.1.a", "1.1.b"}, {"1.1.1.abc", "1.1.1.abz"}, {"a.b.c", "b.c"}, {"1.1", "1.a"},
	{"1.1", "1.1a"}, {"1.1", "1.1.a"}, {"1.1.a", "1.2"},
	// asterisks sort before digits
	{"1.1*", "1.20"}, {"1.1.*", "1.20"}, {"1.2.2", "1.3.*"}, {"1.2.2", "1.2.3*"},
	// build metadata
	{"1.1+b1", "1.1+b2"}, {"1.1", "1.1+b2"}, {"1.1+b1", "1.2"}, {"1.1+b.3", "1.1+b.22"},
	// prereleases
	{"1.1-pre1", "1.1-pre2"}, {"1.1-alpha.3", "1.1-alpha.22"}, {"1.1-alpha.3+b1", "1.1-alpha.3+b2"},
	{"1.1-alpha.1", "1.1"}, {"1.1", "1.2-alpha1"}, {"1.1-alpha.1", "1.1.0"}, {"1.0.0-", "1.0.0-alpha1"},
	{"1.2-rc1", "1.2.0"}, {"1.1.9", "1.2-rc1"},
	// development versions
	{"1.2.1-dev", "1.2.1"}, {"1.2.1-dev", "1.2.2"}, {"1.2.1-dev", "1.3"}, {"1.2.1-dev", "1.3-alpha"},
	{"1.2.0", "1.2.1-dev"}, {"1.2", "1.2.1-dev"}, {"1.2-alpha", "1.2.1-dev"},
	{"0.0.1-3", "0.0.1"}, {"0.0.1-3-1", "0.0.1"}, {"0.0.1-3-1", "0.0.1-4"}, {"0.0.1-3", "0.0.1-3-1"},
	// build and prerelease
	{"1.1-pre.1", "1.1+b.1"}, {"1.1-pre.1", "1.1-pre.1+b.1"}, {"1.1-pre.1+b.1", "1.1-pre.1+b.2"},
	{"1.1+b.1", "1.2-pre.1+b.2"}, {"1.0.0-+2", "1.0.0+2"}, {"1.0.0-+2", "1.0.0+1"},
	// the cci. schema of ConanCenter
	{"cci.20230101", "cci.20240101"},
	// build metadata is not ignored: alphabetic order
	{"4.0.0+abc", "4.0.0+xyz"},
}

// equalPairs are equal in Conan 2 (the same unit tests, test_equality).
var equalPairs = [][2]string{
	{"1", "1.0"}, {"1", "1.0.0"}, {"1.0", "1.0.0"}, {"1.0", "1.0.0.0"}, {"1-pre1", "1.0-pre1"},
	{"1-pre1", "1.0.0-pre1"}, {"1.0-pre1", "1.0.0-pre1"}, {"1.0-pre1.0", "1.0.0-pre1"},
	{"1-pre1+b1", "1.0-pre1+b1"}, {"1-pre1+b1", "1.0.0-pre1+b1"}, {"1.0-pre1+b1", "1.0.0-pre1+b1"},
	{"1+b1", "1.0+b1"}, {"1+b1", "1.0+b1.0"}, {"1+b1", "1.0.0+b1"}, {"1.0+b1", "1.0.0+b1"},
	{"1.2.3", "1.2.3"},
	// Python's int() reads leading zeros.
	{"1.01", "1.1"}, {"01.0.0", "1"},
}

func TestConanUnitTests(t *testing.T) {
	for _, p := range lowerPairs {
		if err := versiontest.CheckOrder(Ordering{}, [][]string{{p[0]}, {p[1]}}); err != nil {
			t.Errorf("%s < %s: %v", p[0], p[1], err)
		}
	}
	for _, p := range equalPairs {
		if err := versiontest.CheckOrder(Ordering{}, [][]string{{p[0], p[1]}}); err != nil {
			t.Errorf("%s == %s: %v", p[0], p[1], err)
		}
	}
}

// orderTests are chains of groups: versions in a group are equal, and every
// group is lower than the next.
var orderTests = []struct {
	name   string
	groups [][]string
}{
	{
		// Versions of the real conan.lock fixtures, ConanCenter styles.
		name: "conancenter_styles",
		groups: [][]string{
			{"0.8.2"}, {"1.0.8"}, {"1.1.1h"}, {"1.1.1k"}, {"1.2.11", "1.2.11.0"}, {"1.2.13"}, {"1.3.1"},
			{"3.1.0"}, {"cci.20210118"}, {"cci.20230929"}, {"cci.latest"}, {"system"},
		},
	},
	{
		// Texts that start with digits sort after their number and
		// before the next: the total order chosen where Conan's
		// comparison is not transitive.
		name: "digit_prefixed_texts",
		groups: [][]string{
			{"1.1"}, {"1.1a", "1.1a.0"}, {"1.1b"}, {"1.2"}, {"1.10"}, {"1.10a"}, {"1.a"},
		},
	},
	{
		name: "texts_below_digits",
		groups: [][]string{
			{"1.0-a.0", "1.0-a"}, {"1.0-a."}, {"1.0-a.-1"}, {"1.0-a.1"}, {"1.0-a.A"}, {"1.0-a._"}, {"1.0-a.a"},
		},
	},
	{
		name: "numbers_wider_than_64_bits",
		groups: [][]string{
			{"18446744073709551615"}, {"18446744073709551616", "018446744073709551616.0"}, {"18446744073709551616.1"},
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
		{name: "semver", in: "1.2.3", valid: true},
		{name: "cci", in: "cci.20230929", valid: true},
		{name: "word", in: "system", valid: true},
		{name: "openssl_letter", in: "1.1.1k", valid: true},
		{name: "empty_prerelease", in: "1.0.0-", valid: true},
		{name: "empty_items", in: "1..2", valid: true},
		{name: "prerelease_and_build", in: "1.2.3-pre.1+build.2", valid: true},
		{name: "empty", in: ""},
		{name: "space", in: "1.0 "},
		{name: "inner_space", in: "1. 0"},
		{name: "tab", in: "\t1.0"},
		{name: "newline", in: "1.0\n"},
		{name: "nul", in: "1\x00"},
		{name: "invalid_utf8", in: "1.\xff"},
		{name: "nbsp", in: "1.\u00a0"},
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
	for _, p := range slices.Concat(lowerPairs, equalPairs) {
		seeds = append(seeds, p[0], p[1])
	}
	for _, tt := range orderTests {
		seeds = append(seeds, slices.Concat(tt.groups...)...)
	}
	seeds = append(seeds, "", " ", "1.0-a+b+c", "+", "-", "2", "10", "1a")
	for i, s := range seeds {
		f.Add(s, seeds[(i+1)%len(seeds)], seeds[(i+7)%len(seeds)])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if err := versiontest.CheckLaws(Ordering{}, a, b, c); err != nil {
			t.Error(err)
		}
	})
}
