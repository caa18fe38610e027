// Package nuget orders NuGet package versions as NuGet itself does
// (NuGet.Versioning, described in "Package versioning" of the NuGet docs):
// Semantic Versioning 2.0.0 extended with the legacy forms that the NuGet
// gallery still serves.
//
// A version is one to four dot-separated numbers with an optional
// "-PRERELEASE" and "+METADATA":
//
//   - missing numbers are zero and a zero fourth number (the legacy
//     "revision") is dropped, so "1", "1.0", "1.0.0" and "1.0.0.0" are equal,
//     and "1.0.0.1" is higher than "1.0.0";
//   - leading zeros are allowed and ignored ("1.01" equals "1.1"), as NuGet 3.4
//     and later normalise them; each number must fit NuGet's 32-bit signed
//     integer, as NuGet rejects larger ones;
//   - prerelease labels compare as in SemVer 2.0.0 §11 except that
//     alphanumeric labels compare case-insensitively ("1.0.0-BETA" equals
//     "1.0.0-beta"); numeric labels compare as numbers when they fit NuGet's
//     32-bit integer and as text otherwise, as NuGet does; a numeric label may
//     not have leading zeros;
//   - metadata ("+build") is ignored for precedence but kept in
//     [Version.String].
//
// No whitespace, "v" prefix or version range is accepted: lockfiles and OSV
// ranges hold plain versions.
package nuget

import (
	"fmt"
	"strings"

	"github.com/patchline/patchline/internal/version"
)

// Ordering parses NuGet versions.
type Ordering struct{}

// maxInt32 is the largest number NuGet accepts in a version part, as text.
const maxInt32 = "2147483647"

// Parse parses s as a NuGet version.
func (Ordering) Parse(s string) (version.Version, error) {
	v, err := parse(s)
	if err != nil {
		return nil, err
	}
	return v, nil
}

// Version is a parsed NuGet version.
type Version struct {
	orig string
	nums [4]string // major, minor, patch, revision: digits without leading zeros
	pre  []string  // prerelease labels, or nil
	meta string    // metadata without "+", or ""
}

// String returns the version exactly as it was given to Parse.
func (v *Version) String() string { return v.orig }

// Prerelease returns the prerelease labels joined by "." ("rc.1" for
// "1.0.0-rc.1"), or "".
func (v *Version) Prerelease() string { return strings.Join(v.pre, ".") }

// Metadata returns the build metadata without "+", or "".
func (v *Version) Metadata() string { return v.meta }

// Normalized returns NuGet's normal form of v: leading zeros removed, at
// least three numbers, the fourth only when it is not zero, the prerelease
// as written and no metadata ("1.0.0" for "1.00.0.0+abc").
func (v *Version) Normalized() string {
	n := 3
	if v.nums[3] != "0" {
		n = 4
	}
	s := strings.Join(v.nums[:n], ".")
	if len(v.pre) > 0 {
		s += "-" + v.Prerelease()
	}
	return s
}

// Compare returns -1, 0 or +1 as v is lower than, equal to or higher than
// other by NuGet precedence. other must be a *Version from this package;
// Compare panics otherwise, because comparing versions of different schemes
// is a programming error.
func (v *Version) Compare(other version.Version) int {
	w, ok := other.(*Version)
	if !ok || w == nil {
		panic(fmt.Sprintf("nuget: cannot compare %q with a %T", v.orig, other))
	}
	for i := range v.nums {
		if c := compareNum(v.nums[i], w.nums[i]); c != 0 {
			return c
		}
	}
	return comparePre(v.pre, w.pre)
}

func parse(s string) (*Version, error) {
	fail := func(format string, args ...any) (*Version, error) {
		return nil, fmt.Errorf("invalid NuGet version %q: %s", s, fmt.Sprintf(format, args...))
	}
	if s == "" {
		return fail("empty")
	}
	v := &Version{orig: s, nums: [4]string{"0", "0", "0", "0"}}
	rest := s
	if i := strings.IndexByte(rest, '+'); i >= 0 {
		v.meta = rest[i+1:]
		rest = rest[:i]
		if err := checkLabels(v.meta, false); err != "" {
			return fail("metadata %q: %s", v.meta, err)
		}
	}
	if i := strings.IndexByte(rest, '-'); i >= 0 {
		pre := rest[i+1:]
		rest = rest[:i]
		if err := checkLabels(pre, true); err != "" {
			return fail("prerelease %q: %s", pre, err)
		}
		v.pre = strings.Split(pre, ".")
	}
	parts := strings.Split(rest, ".")
	if len(parts) > 4 {
		return fail("more than four numbers")
	}
	for i, p := range parts {
		if p == "" {
			return fail("empty number")
		}
		if !isDigits(p) {
			return fail("%q is not a number", p)
		}
		n := trimZeros(p)
		if compareNum(n, maxInt32) > 0 {
			return fail("%q is larger than %s", p, maxInt32)
		}
		v.nums[i] = n
	}
	return v, nil
}

// checkLabels checks a dot-separated list of labels ([0-9A-Za-z-]+) and, for
// prereleases, that numeric labels have no leading zeros. It returns "" when
// the list is valid, else why not.
func checkLabels(list string, pre bool) string {
	if list == "" {
		return "empty"
	}
	for l := range strings.SplitSeq(list, ".") {
		if l == "" {
			return "empty label"
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !isDigit(c) && c != '-' && !('a' <= c && c <= 'z') && !('A' <= c && c <= 'Z') {
				return fmt.Sprintf("label %q has %q; only [0-9A-Za-z-] are allowed", l, c)
			}
		}
		if pre && isDigits(l) && len(l) > 1 && l[0] == '0' {
			return fmt.Sprintf("numeric label %q has a leading zero", l)
		}
	}
	return ""
}

// comparePre compares prerelease label lists: no prerelease is higher than
// any; labels compare left to right; a shorter list that is a prefix of a
// longer one is lower.
func comparePre(a, b []string) int {
	switch {
	case len(a) == 0 && len(b) == 0:
		return 0
	case len(a) == 0:
		return +1
	case len(b) == 0:
		return -1
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := compareLabel(a[i], b[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return +1
	}
	return 0
}

// compareLabel compares two prerelease labels as NuGet does: labels that
// are numbers within NuGet's integer range numerically and lower than any
// other label, other labels by ordinal comparison ignoring case.
func compareLabel(x, y string) int {
	xn, yn := isInt32(x), isInt32(y)
	switch {
	case xn && yn:
		return compareNum(x, y)
	case xn:
		return -1
	case yn:
		return +1
	}
	for i := 0; i < len(x) && i < len(y); i++ {
		cx, cy := upper(x[i]), upper(y[i])
		if cx != cy {
			if cx < cy {
				return -1
			}
			return +1
		}
	}
	switch {
	case len(x) < len(y):
		return -1
	case len(x) > len(y):
		return +1
	}
	return 0
}

// isInt32 reports whether label is a number (checkLabels has ruled out
// leading zeros) that fits a 32-bit signed integer.
func isInt32(label string) bool {
	return isDigits(label) && compareNum(label, maxInt32) <= 0
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// compareNum compares decimal digit strings without leading zeros.
func compareNum(x, y string) int {
	if len(x) != len(y) {
		if len(x) < len(y) {
			return -1
		}
		return +1
	}
	return strings.Compare(x, y)
}

// trimZeros removes leading zeros from a digit string, keeping one digit.
func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
