package pep440

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
		// PEP 440, "Summary of permitted suffixes and relative ordering".
		name: "pep_summary_of_suffixes",
		groups: [][]string{
			{"1.dev0"}, {"1.0.dev456"}, {"1.0a1"}, {"1.0a2.dev456"}, {"1.0a12.dev456"}, {"1.0a12"},
			{"1.0b1.dev456"}, {"1.0b2"}, {"1.0b2.post345.dev456"}, {"1.0b2.post345"}, {"1.0rc1.dev456"},
			{"1.0rc1"}, {"1.0"}, {"1.0+abc.5"}, {"1.0+abc.7"}, {"1.0+5"}, {"1.0.post456.dev34"},
			{"1.0.post456"}, {"1.0.15"}, {"1.1.dev1"},
		},
	},
	{
		name: "suffix_chain",
		groups: [][]string{
			{"1.0.dev0"}, {"1.0a1.dev0"}, {"1.0a1"}, {"1.0a1.post1.dev0"}, {"1.0a1.post1"}, {"1.0b1"},
			{"1.0rc1"}, {"1.0"}, {"1.0.post1.dev0"}, {"1.0.post1"}, {"1.1.dev0"},
		},
	},
	{
		// PEP 440, "Examples of compliant version schemes".
		name:   "pep_simple_major_minor",
		groups: [][]string{{"0.1"}, {"0.2"}, {"0.3"}, {"1.0"}, {"1.1"}},
	},
	{
		name:   "pep_major_minor_micro",
		groups: [][]string{{"1.1.0"}, {"1.1.1"}, {"1.1.2"}, {"1.2.0"}},
	},
	{
		name:   "pep_pre_releases",
		groups: [][]string{{"0.9"}, {"1.0a1"}, {"1.0a2"}, {"1.0b1"}, {"1.0rc1"}, {"1.0"}, {"1.1a1"}},
	},
	{
		name: "pep_dev_and_post_releases",
		groups: [][]string{
			{"0.9"}, {"1.0.dev1"}, {"1.0.dev2"}, {"1.0.dev3"}, {"1.0.dev4"}, {"1.0c1"}, {"1.0c2"}, {"1.0"},
			{"1.0.post1"}, {"1.1.dev1"},
		},
	},
	{
		name:   "pep_date_based",
		groups: [][]string{{"2012.4"}, {"2012.7"}, {"2012.10"}, {"2013.1"}, {"2013.6"}},
	},
	{
		name:   "pep_serial",
		groups: [][]string{{"0"}, {"1"}, {"2"}, {"3"}},
	},
	{
		// PEP 440, "Version epochs".
		name:   "pep_epochs",
		groups: [][]string{{"2013.10"}, {"2014.04"}, {"1!1.0"}, {"1!1.1"}, {"1!2.0"}, {"2!0.1"}},
	},
	{
		name: "zero_padding_and_normal_forms",
		groups: [][]string{
			{"0.9"},
			{"1", "1.0", "1.0.0", "1.0.0.0", "v1.0", "V1.0", " 1.0\n", "\t01.00\u00a0", "0!1.0", "00!1"},
			{"1.0.0.0.1"},
			{"1.1"},
		},
	},
	{
		name: "pre_release_spellings",
		groups: [][]string{
			{"1.0a", "1.0a0", "1.0.a", "1.0-a0", "1.0_a_0", "1.0alpha", "1.0ALPHA0", "1.0a-", "1.0-alpha.0"},
			{"1.0a1", "1.0.a1", "1.0-a1", "1.0_a1", "1.0a.1", "1.0a-1", "1.0alpha1", "1.0Alpha_1"},
			{"1.0b0", "1.0b", "1.0beta", "1.0-beta"},
			{"1.0b1", "1.0beta1", "1.0.beta.1"},
			{"1.0rc0", "1.0c", "1.0pre", "1.0preview", "1.0RC", "1.0-c-0"},
			{"1.0rc1", "1.0c1", "1.0pre1", "1.0preview1", "1.0-pre-1", "1.0PREVIEW_1", "1.0.rc.1"},
			{"1.0"},
		},
	},
	{
		name: "post_release_spellings",
		groups: [][]string{
			{"1.0"},
			{"1.0.post0", "1.0post", "1.0-post", "1.0.post.", "1.0r", "1.0-r", "1.0.rev", "1.0_rev_0"},
			{"1.0.post1", "1.0-1", "1.0post1", "1.0-post1", "1.0_post_1", "1.0.post-1", "1.0-r1", "1.0rev1", "1.0.REV.1"},
			{"1.0-2", "1.0.post2"},
			{"1.0.post10", "1.0-10", "1.0-010"},
		},
	},
	{
		name: "dev_release_spellings",
		groups: [][]string{
			{"1.0.dev0", "1.0dev", "1.0.dev", "1.0-dev", "1.0_dev_0", "1.0dev-", "1.0DEV0"},
			{"1.0.dev1", "1.0dev1", "1.0-dev-1", "1.0.dev.1"},
			{"1.0a0"},
		},
	},
	{
		name: "combined_suffixes",
		groups: [][]string{
			{"1!1.0rc1.post1.dev1"},
			{"1!1.0rc1.post1", "1!1.0-rc-1-post-1", "1!1.0c1-1"},
			{"1!1.0rc1.post1+local"},
			{"1!1.0rc2.dev0"},
			{"1!1.0"},
			{"2!0"},
		},
	},
	{
		// PEP 440, "Local version identifiers": none < any; numeric
		// segments numerically and above alphanumeric ones; a prefix is
		// lower; case and separators do not matter.
		name: "local_versions",
		groups: [][]string{
			{"1.0"},
			{"1.0+a", "1.0+A"},
			{"1.0+a.1", "1.0+a-1", "1.0+a_01"},
			{"1.0+a0"},
			{"1.0+abc"},
			{"1.0+b"},
			{"1.0+ubuntu.1", "1.0+Ubuntu-1", "1.0+UBUNTU_1"},
			{"1.0+z"},
			{"1.0+0", "1.0+000"},
			{"1.0+1", "1.0+01"},
			{"1.0+1.a"},
			{"1.0+1.0"},
			{"1.0+2"},
			{"1.0+10"},
			{"1.0+99999999999999999999999"},
			{"1.0.post0"},
		},
	},
	{
		name: "numbers_wider_than_64_bits",
		groups: [][]string{
			{"1.18446744073709551615"},
			{"1.18446744073709551616", "1.018446744073709551616"},
			{"1.99999999999999999999999999"},
			{"1.99999999999999999999999999.post18446744073709551616"},
			{"2"},
			{"18446744073709551616!0"},
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

// TestCorpus checks the order of every PEP 440 version in OSV's PyPI data
// and in real Python lockfiles, as sorted by the reference implementation
// (testdata/SOURCES.md), and that the strings the reference rejects are
// errors here too.
func TestCorpus(t *testing.T) {
	groups, err := versiontest.ReadGroups("testdata/pypi_sorted.txt")
	if err != nil {
		t.Fatal(err)
	}
	if err := versiontest.CheckOrder(Ordering{}, groups); err != nil {
		t.Error(err)
	}
	invalid, err := versiontest.ReadLines("testdata/pypi_invalid.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range invalid {
		if _, err := (Ordering{}).Parse(s); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", s)
		}
	}
}

// TestNormalized checks the normal forms of PEP 440's "Normalization"
// section.
func TestNormalized(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "case_sensitivity", in: "1.1RC1", want: "1.1rc1"},
		{name: "integer_normalization", in: "00.09000.01", want: "0.9000.1"},
		{name: "pre_separator_dot", in: "1.1.a1", want: "1.1a1"},
		{name: "pre_separator_hyphen", in: "1.1-a1", want: "1.1a1"},
		{name: "pre_separator_underscore", in: "1.1_a1", want: "1.1a1"},
		{name: "pre_separator_after_label", in: "1.0a.1", want: "1.0a1"},
		{name: "pre_spelling_alpha", in: "1.1alpha1", want: "1.1a1"},
		{name: "pre_spelling_beta", in: "1.1beta2", want: "1.1b2"},
		{name: "pre_spelling_c", in: "1.1c3", want: "1.1rc3"},
		{name: "pre_spelling_pre", in: "1.1pre4", want: "1.1rc4"},
		{name: "pre_spelling_preview", in: "1.1preview5", want: "1.1rc5"},
		{name: "implicit_pre_number", in: "1.2a", want: "1.2a0"},
		{name: "post_separator_hyphen", in: "1.2-post2", want: "1.2.post2"},
		{name: "post_no_separator", in: "1.2post2", want: "1.2.post2"},
		{name: "post_separator_after_label", in: "1.0.post-1", want: "1.0.post1"},
		{name: "post_spelling_r", in: "1.0-r4", want: "1.0.post4"},
		{name: "post_spelling_rev", in: "1.0-rev4", want: "1.0.post4"},
		{name: "implicit_post_number", in: "1.2.post", want: "1.2.post0"},
		{name: "implicit_post_release", in: "1.0-1", want: "1.0.post1"},
		{name: "dev_separator_hyphen", in: "1.2-dev2", want: "1.2.dev2"},
		{name: "dev_no_separator", in: "1.2dev2", want: "1.2.dev2"},
		{name: "implicit_dev_number", in: "1.2.dev", want: "1.2.dev0"},
		{name: "local_separators", in: "1.0+ubuntu-1", want: "1.0+ubuntu.1"},
		{name: "local_case_and_zeros", in: "1.0+Ubuntu_01.A", want: "1.0+ubuntu.1.a"},
		{name: "preceding_v", in: "v1.0", want: "1.0"},
		{name: "whitespace", in: " \t1.0\r\n", want: "1.0"},
		{name: "zero_epoch", in: "0!1.0", want: "1.0"},
		{name: "epoch", in: "01!1.0", want: "1!1.0"},
		{name: "trailing_zeros_kept", in: "1.0.0", want: "1.0.0"},
		{name: "everything", in: "V1!2.0-RC-1_r2-Dev_3+Abc-4", want: "1!2.0rc1.post2.dev3+abc.4"},
		{name: "separator_without_number", in: "1.0rc_-1", want: "1.0rc0.post1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Ordering{}.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got := v.(*Version)
			if diff := cmp.Diff(
				[]string{tt.in, tt.want},
				[]string{got.String(), got.Normalized()},
			); diff != "" {
				t.Errorf("Parse(%q): String, Normalized mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{name: "empty", in: ""},
		{name: "whitespace_only", in: " \t"},
		{name: "v_only", in: "v"},
		{name: "implicit_post_without_number", in: "1.0-"},
		{name: "epoch_without_release", in: "1!"},
		{name: "epoch_then_v", in: "1!v2"},
		{name: "empty_local", in: "1.0+"},
		{name: "empty_local_segment", in: "1.0+a..b"},
		{name: "local_leading_separator", in: "1.0+_a"},
		{name: "local_trailing_separator", in: "1.0+a_"},
		{name: "local_other_character", in: "1.0+a~b"},
		{name: "two_locals", in: "1.0+a+b"},
		{name: "trailing_dot", in: "1.0."},
		{name: "leading_dot", in: ".1"},
		{name: "empty_release_segment", in: "1..0"},
		{name: "inner_space", in: "1.0 a1"},
		{name: "non_ascii_digit", in: "١.0"},
		{name: "underscore_number", in: "1.0_1"},
		{name: "dev_before_post", in: "1.0.dev1.post1"},
		{name: "post_twice", in: "1.0.post1.post2"},
		{name: "post_then_r", in: "1.0post1-r"},
		{name: "pre_twice", in: "1.0a1b2"},
		{name: "pre_number_dot_number", in: "1.0rc1.2"},
		{name: "double_separator", in: "1.0-_1"},
		{name: "dot_hyphen_number", in: "1.0.-1"},
		{name: "long_s_folds_in_python_only", in: "1.0.po\u017ft1"},
		{name: "kelvin_sign_folds_in_python_only", in: "1.0+\u212a"},
		{name: "legacy_final", in: "2.0.0-final"},
		{name: "legacy_milestone", in: "0.3m1"},
		{name: "legacy_letter", in: "0.3.2d"},
		{name: "legacy_patch_level", in: "0.7.10p1"},
		{name: "timestamp", in: "2013-01-21T20:33:09+0100"},
		{name: "date", in: "2019-09-12"},
		{name: "word", in: "trunk"},
		{name: "git_hash", in: "4e7d0df9093"},
		{name: "wildcard", in: "1.0.*"},
		{name: "specifier", in: "==1.0"},
		{name: "negative", in: "-1.0"},
		{name: "osv_git_range_junk", in: "02339dfda0f3caabad142060d511d10bfe93c520."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Ordering{}.Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want an error", tt.in)
			}
			if want := fmt.Sprintf("%q", tt.in); !strings.Contains(err.Error(), want) {
				t.Errorf("Parse(%q) error %q does not quote the input", tt.in, err)
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

// FuzzCompare checks that Parse never panics, that comparison keeps the
// laws of a total preorder (versiontest.CheckLaws), and that the normal form
// parses back to an equal version and is its own normal form.
func FuzzCompare(f *testing.F) {
	var seeds []string
	for _, tt := range orderTests {
		seeds = append(seeds, slices.Concat(tt.groups...)...)
	}
	seeds = append(seeds, "", "1.0-", "1!", "1.0+", "1.0+a..b", "2.0.0-final", "0.3m1", "1.0.po\u017ft1")
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
			if again := w.(*Version).Normalized(); again != norm {
				t.Errorf("normal form of %q is %q, but that normalizes to %q", s, norm, again)
			}
		}
	})
}

func BenchmarkParseCompare(b *testing.B) {
	pairs := [][2]string{
		{"1.2.3", "1.2.4"},
		{"1.0a1.post1.dev0", "1.0a1"},
		{"2!1.0rc1+ubuntu.1", "2!1.0rc1+ubuntu.2"},
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

func BenchmarkCompare(b *testing.B) {
	x, err := Ordering{}.Parse("1.0.0a1.post1.dev2")
	if err != nil {
		b.Fatal(err)
	}
	y, err := Ordering{}.Parse("1.0a1.post1.dev3")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		x.Compare(y)
	}
}
