// Package pubsemver orders Dart package versions the way pub does: by the
// rules of Dart's pub_semver package (Version.parse and Version.compareTo),
// the ordering OSV uses for ECOSYSTEM ranges of the Pub ecosystem.
//
// pub_semver looks like Semantic Versioning 2.0.0 but differs from it in ways
// that decide whether a version is affected:
//
//   - build metadata takes part in the order: "1.0.0+build" is higher than
//     "1.0.0" (a version without build metadata is lower than the same
//     version with it), and build identifiers compare like prerelease
//     identifiers, so "1.3.7+build.2" < "1.3.7+build.11";
//   - leading zeros are allowed anywhere and mean nothing: "01.02.03" equals
//     "1.2.3", "1.2.3-01" equals "1.2.3-1" and "1.2.3+01" equals "1.2.3+1".
//
// The rest is as in SemVer: a version is MAJOR.MINOR.PATCH with optional
// "-PRERELEASE" and "+BUILD", each a dot-separated list of identifiers of
// [0-9A-Za-z-]; a prerelease is lower than the version without one;
// identifiers compare left to right, numeric ones (ASCII digits only)
// numerically and lower than any other, others in ASCII order, and a shorter
// list that is a prefix of a longer one is lower.
//
// Two corners are decided deliberately:
//
//   - Identifiers such as "-1" or "0xA" are alphanumeric, as in current
//     pub_semver (dart-lang/tools issue #2488). Releases before that fix read
//     them with Dart's int.tryParse, as the numbers -1 and 10.
//   - pub_semver stores numbers as Dart integers, so a version with a number
//     above 2^63-1 cannot be parsed by pub, let alone published. Here numbers
//     have any length and compare exactly as digit strings, as in package
//     semver, so nothing overflows.
//
// OSV's special "0" (introduced at the beginning of time) is not a version
// here; the caller handles it.
package pubsemver

import (
	"fmt"
	"strings"

	"github.com/patchline/patchline/internal/version"
)

// Ordering parses Dart package versions.
type Ordering struct{}

// Parse parses s as a pub_semver version. Nothing is trimmed or coerced:
// "1.2", "v1.2.3" and " 1.2.3" are errors.
func (Ordering) Parse(s string) (version.Version, error) {
	return parse(s)
}

// Version is a parsed Dart package version.
type Version struct {
	orig                string  // as given to Parse
	major, minor, patch string  // decimal digits without leading zeros
	pre, build          []ident // empty when absent
}

// ident is one dot-separated identifier of a prerelease or build list.
type ident struct {
	s       string // as written
	numeric bool
	num     string // for numeric identifiers: the digits without leading zeros
}

// String returns the version exactly as it was given to Parse.
func (v *Version) String() string { return v.orig }

// Compare returns -1, 0 or +1 as v is lower than, equal to or higher than
// other by pub_semver's Version.compareTo. other must be a *Version from this
// package; Compare panics otherwise, because comparing versions of different
// schemes is a programming error.
func (v *Version) Compare(other version.Version) int {
	w, ok := other.(*Version)
	if !ok || w == nil {
		panic(fmt.Sprintf("pubsemver: cannot compare %q with a %T", v.orig, other))
	}
	if c := compareNum(v.major, w.major); c != 0 {
		return c
	}
	if c := compareNum(v.minor, w.minor); c != 0 {
		return c
	}
	if c := compareNum(v.patch, w.patch); c != 0 {
		return c
	}
	// A prerelease is lower than no prerelease.
	switch {
	case len(v.pre) == 0 && len(w.pre) > 0:
		return +1
	case len(v.pre) > 0 && len(w.pre) == 0:
		return -1
	}
	if c := compareLists(v.pre, w.pre); c != 0 {
		return c
	}
	// No build is lower than a build.
	switch {
	case len(v.build) == 0 && len(w.build) > 0:
		return -1
	case len(v.build) > 0 && len(w.build) == 0:
		return +1
	}
	return compareLists(v.build, w.build)
}

// parse parses s as MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD].
func parse(s string) (*Version, error) {
	fail := func(format string, args ...any) (*Version, error) {
		return nil, fmt.Errorf("invalid Dart package version %q: %s", s, fmt.Sprintf(format, args...))
	}
	if s == "" {
		return fail("empty")
	}
	v := &Version{orig: s}
	rest := s
	for i, name := range [...]string{"major", "minor", "patch"} {
		j := 0
		for j < len(rest) && isDigit(rest[j]) {
			j++
		}
		if j == 0 {
			return fail("%s version must be a number", name)
		}
		n := trimZeros(rest[:j])
		rest = rest[j:]
		switch i {
		case 0:
			v.major = n
		case 1:
			v.minor = n
		case 2:
			v.patch = n
		}
		if i < 2 {
			if rest == "" || rest[0] != '.' {
				return fail("want MAJOR.MINOR.PATCH")
			}
			rest = rest[1:]
		}
	}
	if rest != "" && rest[0] == '-' {
		end := strings.IndexByte(rest, '+')
		if end < 0 {
			end = len(rest)
		}
		var err string
		if v.pre, err = splitIdents(rest[1:end]); err != "" {
			return fail("prerelease %q: %s", rest[1:end], err)
		}
		rest = rest[end:]
	}
	if rest != "" && rest[0] == '+' {
		var err string
		if v.build, err = splitIdents(rest[1:]); err != "" {
			return fail("build %q: %s", rest[1:], err)
		}
		rest = ""
	}
	if rest != "" {
		return fail("unexpected %q after MAJOR.MINOR.PATCH", rest)
	}
	return v, nil
}

// splitIdents splits a dot-separated list of identifiers of [0-9A-Za-z-]. It
// returns "" as the error when the list is valid, else why not.
func splitIdents(list string) ([]ident, string) {
	if list == "" {
		return nil, "empty"
	}
	var out []ident
	for id := range strings.SplitSeq(list, ".") {
		if id == "" {
			return nil, "empty identifier"
		}
		numeric := true
		for i := 0; i < len(id); i++ {
			c := id[i]
			switch {
			case isDigit(c):
			case c == '-' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
				numeric = false
			default:
				return nil, fmt.Sprintf("identifier %q has %q; only [0-9A-Za-z-] are allowed", id, c)
			}
		}
		x := ident{s: id, numeric: numeric}
		if numeric {
			x.num = trimZeros(id)
		}
		out = append(out, x)
	}
	return out, ""
}

// compareLists compares prerelease or build lists: identifier by identifier,
// a missing identifier lower than a present one.
func compareLists(a, b []ident) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		switch {
		case i >= len(a):
			return -1
		case i >= len(b):
			return +1
		}
		if c := compareIdent(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}

// compareIdent compares two identifiers: numeric ones by value and lower
// than others, others in ASCII order.
func compareIdent(x, y ident) int {
	switch {
	case x.numeric && y.numeric:
		return compareNum(x.num, y.num)
	case x.numeric:
		return -1
	case y.numeric:
		return +1
	default:
		return strings.Compare(x.s, y.s)
	}
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

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
