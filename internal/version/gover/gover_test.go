package gover

import (
	"fmt"
	goversion "go/version"
	"strings"
	"testing"

	"github.com/patchline/patchline/internal/version/semver"
)

func TestToSemver(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		// go.mod and go.work "go" lines.
		{name: "language_version_since_1_21", in: "1.21", want: "1.21.0"},
		{name: "release_before_1_21", in: "1.20", want: "1.20.0"},
		{name: "first_release_since_1_21", in: "1.21.0", want: "1.21.0"},
		{name: "patch_release", in: "1.22.5", want: "1.22.5"},
		{name: "release_candidate", in: "1.21rc1", want: "1.21.0-rc.1"},
		{name: "release_candidate_before_1_21", in: "1.20rc3", want: "1.20.0-rc.3"},
		{name: "beta", in: "1.18beta1", want: "1.18.0-beta.1"},
		{name: "alpha", in: "1.30alpha2", want: "1.30.0-alpha.2"},
		{name: "go1", in: "1", want: "1.0.0"},
		{name: "go1_0", in: "1.0", want: "1.0.0"},
		{name: "two_digit_minor_rc", in: "1.10rc2", want: "1.10.0-rc.2"},
		{name: "wide_numbers", in: "1.99999999999999999999", want: "1.99999999999999999999.0"},
		// "toolchain" lines.
		{name: "toolchain", in: "go1.21.3", want: "1.21.3"},
		{name: "toolchain_rc", in: "go1.21rc1", want: "1.21.0-rc.1"},
		{name: "toolchain_language", in: "go1.22", want: "1.22.0"},
		{name: "toolchain_custom_suffix", in: "go1.21.3-bigcorp", want: "1.21.3"},
		{name: "toolchain_gccgo", in: "go1.20.3-gccgo", want: "1.20.3"},
		{name: "toolchain_go1", in: "go1", want: "1.0.0"},
		// runtime.Version in binaries.
		{name: "binary", in: "go1.22.0", want: "1.22.0"},
		{name: "binary_goexperiment", in: "go1.22.0 X:rangefunc", want: "1.22.0"},
		{name: "binary_old_patch_rc", in: "go1.9.2rc2", want: "1.9.2-rc.2"},
		{name: "binary_old_beta", in: "go1.8beta2", want: "1.8.0-beta.2"},
		{name: "surrounding_whitespace", in: " go1.21.3\n", want: "1.21.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ToSemver(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("ToSemver(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if _, err := (semver.Ordering{}).Parse(got); err != nil {
				t.Errorf("result is not a strict semantic version: %v", err)
			}
		})
	}
}

func TestToSemverInvalid(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{name: "empty", in: ""},
		{name: "space", in: " "},
		{name: "default_toolchain", in: "default"},
		{name: "development_build", in: "devel go1.23-abcdef0 Tue Jan 2 15:04:05 2024 +0000"},
		{name: "go_only", in: "go"},
		{name: "semver_with_v", in: "v1.21.0"},
		{name: "semver_prerelease", in: "1.21.0-rc.1"},
		{name: "suffix_without_go_prefix", in: "1.21.3-bigcorp"},
		{name: "experiment_without_go_prefix", in: "1.22.0 X:rangefunc"},
		{name: "major_zero", in: "0.1"},
		{name: "leading_zero_major", in: "01.21"},
		{name: "leading_zero_minor", in: "1.021"},
		{name: "leading_zero_patch", in: "1.21.03"},
		{name: "leading_zero_rc", in: "1.21rc01"},
		{name: "trailing_dot", in: "1.21."},
		{name: "four_parts", in: "1.21.0.1"},
		{name: "rc_without_number", in: "1.21rc"},
		{name: "unknown_kind", in: "1.21pre1"},
		{name: "upper_case_kind", in: "1.21RC1"},
		{name: "rc_then_garbage", in: "1.21rc1x"},
		{name: "separator_before_rc", in: "1.21.rc1"},
		{name: "gotoolchain_auto", in: "go1.21.0+auto"},
		{name: "word", in: "local"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ToSemver(tt.in)
			if err == nil {
				t.Fatalf("ToSemver(%q) = %q, want an error", tt.in, got)
			}
			if want := fmt.Sprintf("%q", tt.in); !strings.Contains(err.Error(), want) {
				t.Errorf("ToSemver(%q) error %q does not quote the input", tt.in, err)
			}
		})
	}
}

// TestToSemverOrder checks that conversion keeps Go's own order of
// toolchain versions (go/version.Compare), except that a language version
// since Go 1.21 ("go1.21", below "go1.21rc1" for Go) becomes the release
// "1.21.0" by design.
func TestToSemverOrder(t *testing.T) {
	versions := []string{
		"go1", "go1.0.1", "go1.8beta2", "go1.9.2", "go1.17.13", "go1.18beta1", "go1.18beta2", "go1.18rc1",
		"go1.18", "go1.18.1", "go1.20", "go1.20.1", "go1.21rc1", "go1.21rc2", "go1.21.0", "go1.21.1",
		"go1.22.0", "go1.22.10", "go1.100.0", "go2.0.0",
	}
	for _, a := range versions {
		for _, b := range versions {
			va, vb := mustParse(t, a), mustParse(t, b)
			if got, want := va.Compare(vb), goversion.Compare(a, b); got != want {
				t.Errorf("Compare(%q, %q) = %d after conversion, go/version says %d", a, b, got, want)
			}
		}
	}
	if got, want := mustParse(t, "go1.21").Compare(mustParse(t, "go1.21rc1")), +1; got != want {
		t.Errorf("language version go1.21 compares %d with go1.21rc1, want %d (it becomes 1.21.0)", got, want)
	}
}

// TestToSemverInVulndbRanges checks converted versions against the forms of
// the Go vulnerability database's stdlib ranges: "1.18.0-0" is below every
// 1.18 release and prerelease, and "-rc.N" orders like Go's rcN.
func TestToSemverInVulndbRanges(t *testing.T) {
	chain := []struct{ in, semver string }{
		{in: "go1.17.13"},
		{semver: "1.18.0-0"},
		{in: "go1.18beta1"},
		{semver: "1.18.0-rc.1"},
		{in: "go1.18rc2"},
		{in: "go1.18"},
		{semver: "1.18.1"},
		{in: "go1.18.2"},
		{semver: "1.21.0-0"},
		{in: "1.21rc2"},
		{in: "1.21"},
		{semver: "1.21.1"},
	}
	var prev *semver.Version
	for _, c := range chain {
		var cur *semver.Version
		if c.in != "" {
			cur = mustParse(t, c.in)
		} else {
			v, err := semver.GoOrdering{}.Parse(c.semver)
			if err != nil {
				t.Fatal(err)
			}
			cur = v.(*semver.Version)
		}
		if prev != nil && prev.Compare(cur) >= 0 {
			t.Errorf("%q is not above %q", cur, prev)
		}
		prev = cur
	}
}

// mustParse converts a Go version and parses the result.
func mustParse(t *testing.T, s string) *semver.Version {
	t.Helper()
	sv, err := ToSemver(s)
	if err != nil {
		t.Fatal(err)
	}
	v, err := semver.GoOrdering{}.Parse(sv)
	if err != nil {
		t.Fatal(err)
	}
	return v.(*semver.Version)
}

// FuzzToSemver checks that ToSemver never panics and that what it returns
// is a strict semantic version.
func FuzzToSemver(f *testing.F) {
	for _, s := range []string{"1.21", "go1.21.3", "1.21rc1", "go1.22.0 X:rangefunc", "go1.21.3-bigcorp", "devel go1.23", "1.21rc", "01.2", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ToSemver(s)
		if err != nil {
			return
		}
		if _, err := (semver.Ordering{}).Parse(got); err != nil {
			t.Errorf("ToSemver(%q) = %q, not a strict semantic version: %v", s, got, err)
		}
	})
}
