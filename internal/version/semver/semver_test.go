package semver

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	xsemver "golang.org/x/mod/semver"

	"github.com/patchline/patchline/internal/version"
	"github.com/patchline/patchline/internal/version/versiontest"
)

// orderTests are chains of groups: versions in a group are equal, and every
// group is lower than the next. Each chain holds for all three orderings.
var orderTests = []struct {
	name   string
	groups [][]string
}{
	{
		// SemVer 2.0.0 §11, the example chain.
		name: "spec_11_prerelease_chain",
		groups: [][]string{
			{"1.0.0-alpha"}, {"1.0.0-alpha.1"}, {"1.0.0-alpha.beta"}, {"1.0.0-beta"},
			{"1.0.0-beta.2"}, {"1.0.0-beta.11"}, {"1.0.0-rc.1"}, {"1.0.0"},
		},
	},
	{
		// §11.2: major, minor and patch compare numerically.
		name:   "spec_11_2_numeric",
		groups: [][]string{{"1.0.0"}, {"2.0.0"}, {"2.1.0"}, {"2.1.1"}},
	},
	{
		// §11.3: a prerelease is lower than its normal version.
		name:   "spec_11_3_prerelease_lower",
		groups: [][]string{{"1.0.0-alpha"}, {"1.0.0"}},
	},
	{
		// §9: the specification's prerelease examples.
		name: "spec_9_prerelease_examples",
		groups: [][]string{
			{"1.0.0-0.3.7"}, {"1.0.0-alpha"}, {"1.0.0-alpha.1"}, {"1.0.0-x.7.z.92"}, {"1.0.0-x-y-z.--"}, {"1.0.0"},
		},
	},
	{
		// §10: build metadata does not take part in precedence.
		name: "spec_10_build_metadata_ignored",
		groups: [][]string{
			{"1.0.0-alpha+001", "1.0.0-alpha"},
			{"1.0.0-beta+exp.sha.5114f85", "1.0.0-beta"},
			{"1.0.0+20130313144700", "1.0.0+21AF26D3----117B344092BD", "1.0.0+a", "1.0.0+b", "1.0.0"},
		},
	},
	{
		name: "numbers_wider_than_64_bits",
		groups: [][]string{
			{"1.0.0"}, {"9223372036854775807.0.0"}, {"18446744073709551615.0.0"}, {"18446744073709551616.0.0"},
			{"99999999999999999999999999999999.0.0"}, {"100000000000000000000000000000000.0.0"},
		},
	},
	{
		name: "prerelease_numbers_wider_than_64_bits",
		groups: [][]string{
			{"1.0.0-9"}, {"1.0.0-10"}, {"1.0.0-99999999999999999999"}, {"1.0.0-100000000000000000000"}, {"1.0.0-0a"},
		},
	},
	{
		name: "numeric_lower_than_alphanumeric",
		groups: [][]string{
			{"1.0.0-1"}, {"1.0.0-999999"}, {"1.0.0--"}, {"1.0.0-0a"}, {"1.0.0-1a"}, {"1.0.0-a"},
		},
	},
	{
		// Alphanumeric identifiers compare in ASCII order: "-" < digits <
		// upper case < lower case; "rc" is a prefix of "rc-1", so lower.
		name: "ascii_order",
		groups: [][]string{
			{"1.0.0-RC.1"}, {"1.0.0-Rc.1"}, {"1.0.0-rC.1"}, {"1.0.0-rc.1"}, {"1.0.0-rc-1"}, {"1.0.0-rc1"},
		},
	},
	{
		name: "shorter_prefix_lower",
		groups: [][]string{
			{"1.2.3-a"}, {"1.2.3-a.0"}, {"1.2.3-a.0.0"}, {"1.2.3-a.1"}, {"1.2.3-a.b"}, {"1.2.3-a.b.c"}, {"1.2.3-aa"},
		},
	},
	{
		name: "zeros",
		groups: [][]string{
			{"0.0.0-0"}, {"0.0.0-0.0"}, {"0.0.0"}, {"0.0.1"}, {"0.1.0"}, {"1.0.0"},
		},
	},
}

func TestOrder(t *testing.T) {
	orderings := []struct {
		name string
		o    version.Ordering
	}{
		{"strict", Ordering{}},
		{"npm", NPMOrdering{}},
		{"go", GoOrdering{}},
	}
	for _, tt := range orderTests {
		for _, o := range orderings {
			t.Run(tt.name+"/"+o.name, func(t *testing.T) {
				if err := versiontest.CheckOrder(o.o, tt.groups); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

// goTests are Go module versions as they appear in go.mod, go.sum and the Go
// vulnerability database, with and without "v".
var goTests = []struct {
	name   string
	groups [][]string
}{
	{
		name: "pseudo_versions",
		groups: [][]string{
			// vX.0.0-yyyymmddhhmmss-abcdefabcdef: no earlier tag.
			{"v0.0.0-20191109021931-daa7c04131f5", "0.0.0-20191109021931-daa7c04131f5"},
			{"v0.0.0-20200101000000-000000000000"},
			{"v0.0.0"},
			{"v1.2.3"},
			// vX.Y.(Z+1)-0.yyyymmddhhmmss-abcdefabcdef: after release vX.Y.Z.
			{"v1.2.4-0.20191109021931-daa7c04131f5", "1.2.4-0.20191109021931-daa7c04131f5"},
			{"v1.2.4-0.20201109021931-daa7c04131f5"},
			// vX.Y.Z-pre.0.yyyymmddhhmmss-abcdefabcdef: after prerelease vX.Y.Z-pre.
			{"v1.2.4-pre"},
			{"v1.2.4-pre.0.20191109021931-daa7c04131f5"},
			{"v1.2.4-pre.1"},
			{"v1.2.4"},
		},
	},
	{
		name: "incompatible_equals_plain",
		groups: [][]string{
			{"v2.0.0-rc1+incompatible", "2.0.0-rc1+incompatible", "v2.0.0-rc1"},
			{"v2.0.0+incompatible", "2.0.0+incompatible", "v2.0.0", "2.0.0"},
			{"v2.0.1-0.20191109021931-daa7c04131f5+incompatible"},
			{"v2.0.1"},
			{"v10.0.0+incompatible"},
		},
	},
	{
		// Forms from the Go vulnerability database's stdlib entries.
		name: "vulndb_stdlib",
		groups: [][]string{
			{"1.18.0-0"}, {"1.18.0-beta.1"}, {"1.18.0-rc.1"}, {"v1.18.0"}, {"1.18.1"}, {"1.19.0-0"},
		},
	},
}

func TestGoOrder(t *testing.T) {
	for _, tt := range goTests {
		t.Run(tt.name, func(t *testing.T) {
			if err := versiontest.CheckOrder(GoOrdering{}, tt.groups); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestGoMatchesXMod checks GoOrdering against golang.org/x/mod/semver, the
// reference for Go module versions, on every pair of versions in the tables.
func TestGoMatchesXMod(t *testing.T) {
	var all []string
	for _, tt := range orderTests {
		all = append(all, slices.Concat(tt.groups...)...)
	}
	for _, tt := range goTests {
		all = append(all, slices.Concat(tt.groups...)...)
	}
	for _, a := range all {
		for _, b := range all {
			if err := checkXMod(a, b); err != nil {
				t.Error(err)
			}
		}
	}
}

// TestGoCorpus parses every version in the Go vulnerability database and in
// a real go.sum (testdata/SOURCES.md), sorts them and checks the order
// against golang.org/x/mod/semver.
func TestGoCorpus(t *testing.T) {
	lines, err := versiontest.ReadLines("testdata/go_versions.txt")
	if err != nil {
		t.Fatal(err)
	}
	var vs []version.Version
	for _, s := range lines {
		v, err := GoOrdering{}.Parse(s)
		if err != nil {
			t.Error(err)
			continue
		}
		vs = append(vs, v)
	}
	rand.Shuffle(len(vs), func(i, j int) { vs[i], vs[j] = vs[j], vs[i] })
	slices.SortStableFunc(vs, func(a, b version.Version) int { return a.Compare(b) })
	for i := 1; i < len(vs); i++ {
		a, b := vs[i-1].String(), vs[i].String()
		if err := checkXMod(a, b); err != nil {
			t.Error(err)
		}
		if c := xsemver.Compare(withV(a), withV(b)); c > 0 {
			t.Errorf("sorted %q before %q, x/mod/semver.Compare = %d", a, b, c)
		}
	}
}

// checkXMod checks that GoOrdering and x/mod/semver agree on a and b: on
// whether they are valid and on how they compare.
func checkXMod(a, b string) error {
	va, errA := GoOrdering{}.Parse(a)
	vb, errB := GoOrdering{}.Parse(b)
	// x/mod/semver also accepts the shorthands "v1" and "v1.2", which
	// GoOrdering rejects on purpose; otherwise validity must agree.
	wantValid := xsemver.IsValid(withV(a))
	if main, _, _ := strings.Cut(withV(a), "+"); wantValid && xsemver.Canonical(main) != main {
		wantValid = false
	}
	if (errA == nil) != wantValid {
		return fmt.Errorf("x/mod/semver disagrees on %q: Parse error = %v, want valid %v", a, errA, wantValid)
	}
	if errA != nil || errB != nil {
		return nil
	}
	if got, want := va.Compare(vb), xsemver.Compare(withV(a), withV(b)); got != want {
		return fmt.Errorf("x/mod/semver disagrees on %q vs %q: Compare = %d, x/mod says %d", a, b, got, want)
	}
	return nil
}

func withV(s string) string {
	if strings.HasPrefix(s, "v") {
		return s
	}
	return "v" + s
}

// TestNPMCorpus checks NPMOrdering against versions sorted by npm's own
// "semver" package (testdata/SOURCES.md).
func TestNPMCorpus(t *testing.T) {
	groups, err := versiontest.ReadGroups("testdata/npm_sorted.txt")
	if err != nil {
		t.Fatal(err)
	}
	if err := versiontest.CheckOrder(NPMOrdering{}, groups); err != nil {
		t.Error(err)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		strict     bool // valid for Ordering
		npm        bool // valid for NPMOrdering
		golang     bool // valid for GoOrdering
		pre, build string
	}{
		{name: "plain", in: "1.2.3", strict: true, npm: true, golang: true},
		{name: "prerelease_and_build", in: "1.0.0-beta+exp.sha.5114f85", strict: true, npm: true, golang: true, pre: "beta", build: "exp.sha.5114f85"},
		{name: "build_with_leading_zero", in: "1.0.0+001", strict: true, npm: true, golang: true, build: "001"},
		{name: "build_with_hyphens", in: "1.0.0+21AF26D3----117B344092BD", strict: true, npm: true, golang: true, build: "21AF26D3----117B344092BD"},
		{name: "alphanumeric_with_leading_zero", in: "1.0.0-0a", strict: true, npm: true, golang: true, pre: "0a"},
		{name: "hyphen_identifier", in: "1.0.0-x-y-z.--", strict: true, npm: true, golang: true, pre: "x-y-z.--"},
		{name: "v_prefix", in: "v1.2.3", npm: true, golang: true},
		{name: "go_incompatible", in: "v2.0.0+incompatible", npm: true, golang: true, build: "incompatible"},
		{name: "go_pseudo_version", in: "v1.2.4-0.20191109021931-daa7c04131f5", npm: true, golang: true, pre: "0.20191109021931-daa7c04131f5"},
		{name: "whitespace", in: " 1.2.3\t", npm: true},
		{name: "whitespace_and_v", in: "\nv1.2.3 ", npm: true},
		{name: "empty", in: ""},
		{name: "space_only", in: " "},
		{name: "v_only", in: "v"},
		{name: "major_only", in: "1"},
		{name: "major_minor", in: "1.2"},
		{name: "go_shorthand", in: "v1.2"},
		{name: "four_parts", in: "1.2.3.4"},
		{name: "leading_zero_major", in: "01.2.3"},
		{name: "leading_zero_minor", in: "1.02.3"},
		{name: "leading_zero_patch", in: "1.2.03"},
		{name: "leading_zero_prerelease", in: "1.2.3-01"},
		{name: "leading_zero_prerelease_later", in: "1.2.3-a.00"},
		{name: "empty_prerelease", in: "1.2.3-"},
		{name: "empty_build", in: "1.2.3+"},
		{name: "empty_prerelease_then_build", in: "1.2.3-+b"},
		{name: "empty_prerelease_identifier", in: "1.2.3-a..b"},
		{name: "trailing_dot_prerelease", in: "1.2.3-a."},
		{name: "empty_build_identifier", in: "1.2.3+a..b"},
		{name: "two_plus", in: "1.2.3+a+b"},
		{name: "underscore", in: "1.2.3-a_b"},
		{name: "non_ascii", in: "1.2.3-α"},
		{name: "fullwidth_digit", in: "１.2.3"},
		{name: "negative", in: "-1.2.3"},
		{name: "negative_minor", in: "1.-2.3"},
		{name: "loose_prerelease", in: "1.2.3beta"},
		{name: "loose_equals", in: "=1.2.3"},
		{name: "upper_v", in: "V1.2.3"},
		{name: "double_v", in: "vv1.2.3"},
		{name: "v_then_space", in: "v 1.2.3"},
		{name: "inner_space", in: "1.2.3 -beta"},
		{name: "wildcard", in: "1.2.x"},
		{name: "range", in: "^1.2.3"},
		{name: "osv_zero", in: "0"},
		{name: "trailing_garbage", in: "1.2.3~"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				o    version.Ordering
				want bool
			}{{Ordering{}, tt.strict}, {NPMOrdering{}, tt.npm}, {GoOrdering{}, tt.golang}} {
				v, err := c.o.Parse(tt.in)
				if (err == nil) != c.want {
					t.Errorf("%T.Parse(%q) error = %v, want valid %v", c.o, tt.in, err, c.want)
					continue
				}
				if err != nil {
					if !strings.Contains(err.Error(), fmt.Sprintf("%q", tt.in)) {
						t.Errorf("%T.Parse(%q) error %q does not name the input", c.o, tt.in, err)
					}
					continue
				}
				got := v.(*Version)
				if diff := cmp.Diff(
					[]string{tt.in, tt.pre, tt.build},
					[]string{got.String(), got.Prerelease(), got.Build()},
				); diff != "" {
					t.Errorf("%T.Parse(%q): String, Prerelease, Build mismatch (-want +got):\n%s", c.o, tt.in, diff)
				}
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

// FuzzCompare checks that the three orderings never panic, keep the laws of
// a total preorder (versiontest.CheckLaws), nest (every strict version is a
// Go version, every Go version an npm version, comparing the same), and that
// GoOrdering agrees with golang.org/x/mod/semver.
func FuzzCompare(f *testing.F) {
	var seeds []string
	for _, tt := range orderTests {
		seeds = append(seeds, slices.Concat(tt.groups...)...)
	}
	for _, tt := range goTests {
		seeds = append(seeds, slices.Concat(tt.groups...)...)
	}
	seeds = append(seeds, "", "1", "1.2", "v1.2", "01.2.3", "1.2.3-01", "1.2.3-", "1.2.3+", " v1.2.3 ", "=1.2.3")
	for i, s := range seeds {
		f.Add(s, seeds[(i+1)%len(seeds)], seeds[(i+7)%len(seeds)])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		for _, o := range []version.Ordering{Ordering{}, NPMOrdering{}, GoOrdering{}} {
			if err := versiontest.CheckLaws(o, a, b, c); err != nil {
				t.Errorf("%T: %v", o, err)
			}
		}
		for _, s := range []string{a, b, c} {
			vs, errS := Ordering{}.Parse(s)
			vg, errG := GoOrdering{}.Parse(s)
			vn, errN := NPMOrdering{}.Parse(s)
			if errS == nil && (errG != nil || vs.Compare(vg) != 0) {
				t.Errorf("strict accepts %q but GoOrdering gives %v", s, errG)
			}
			if errG == nil && (errN != nil || vg.Compare(vn) != 0) {
				t.Errorf("GoOrdering accepts %q but NPMOrdering gives %v", s, errN)
			}
		}
		for _, x := range []string{a, b, c} {
			for _, y := range []string{a, b, c} {
				if err := checkXMod(x, y); err != nil {
					t.Error(err)
				}
			}
		}
	})
}

func BenchmarkParseCompare(b *testing.B) {
	pairs := [][2]string{
		{"1.2.3", "1.2.4"},
		{"1.0.0-alpha.beta", "1.0.0-alpha.1"},
		{"v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3+incompatible"},
	}
	o := GoOrdering{}
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range pairs {
			x, err := o.Parse(p[0])
			if err != nil {
				b.Fatal(err)
			}
			y, err := o.Parse(p[1])
			if err != nil {
				b.Fatal(err)
			}
			x.Compare(y)
		}
	}
}

func BenchmarkCompare(b *testing.B) {
	x, err := Ordering{}.Parse("1.0.0-alpha.beta.11")
	if err != nil {
		b.Fatal(err)
	}
	y, err := Ordering{}.Parse("1.0.0-alpha.beta.2")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		x.Compare(y)
	}
}
