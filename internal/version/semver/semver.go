// Package semver orders versions by Semantic Versioning 2.0.0
// (https://semver.org/spec/v2.0.0.html): the scheme of npm, of OSV ranges of
// type SEMVER, and (with a "v" prefix) of Go modules.
//
// The package is written by hand rather than taken from a library on purpose:
// the answer to "is this version affected?" turns on edge cases, and the
// libraries decide them differently from the specification and from each
// other. Lenient parsers coerce ("1.2" becomes "1.2.0", "01.2.3" passes);
// parsers built on fixed-width integers reject or overflow numbers wider than
// 64 bits; npm's own package rejects numbers above 2^53 and compares numeric
// prerelease identifiers as floating point, so that "1.0.0-99999999999999999999"
// equals "1.0.0-100000000000000000000". Here:
//
//   - a version is MAJOR.MINOR.PATCH with optional "-PRERELEASE" and
//     "+BUILD"; nothing is coerced and numeric identifiers other than "0" may
//     not have leading zeros;
//   - numbers have any length and are compared as digit strings, so nothing
//     overflows;
//   - prerelease identifiers are compared as §11 of the specification says:
//     numeric identifiers numerically, others in ASCII order, numeric lower
//     than alphanumeric, and a shorter list lower when it is a prefix of the
//     longer; a version with a prerelease is lower than the one without;
//   - build metadata is ignored for precedence ("1.0.0+a" and "1.0.0+b"
//     compare equal) but kept in [Version.String].
//
// Three orderings share one [Version] type and one comparison, so a version
// parsed from a lockfile compares directly with one parsed from an OSV range:
//
//   - [Ordering] is strict SemVer 2.0.0, as OSV requires of SEMVER ranges.
//   - [NPMOrdering] is what npm's "semver" package accepts when not in loose
//     mode: an optional leading "v" and surrounding whitespace. Lockfiles hold
//     clean versions, so the loose forms ("=1.2.3", "1.2.3beta", "01.2.3")
//     stay errors rather than being guessed at. Unlike npm, numbers wider
//     than 2^53 are accepted and compared exactly, as the specification
//     says.
//   - [GoOrdering] is for Go module versions, written with a "v" in go.mod and
//     go.sum ("v1.2.3", "v2.0.0+incompatible", pseudo-versions such as
//     "v0.0.0-20191109021931-daa7c04131f5") and without one in the Go
//     vulnerability database's OSV ranges. It accepts both. "+incompatible"
//     is build metadata, so "v2.0.0+incompatible" equals "v2.0.0", and
//     pseudo-versions are the prereleases they are written as.
//
// golang.org/x/mod/semver is the reference for Go versions, and the tests
// check [GoOrdering] against it. We still keep our own type because the Go
// path should be the same code as npm's and OSV's SEMVER ranges, and because
// x/mod/semver needs the "v" that OSV's Go ranges leave out. Unlike x/mod,
// [GoOrdering] rejects the shorthands "v1" and "v1.2": module versions are
// always written in full.
//
// OSV's special "0" (introduced at the beginning of time) is not a version in
// any of these orderings; the caller handles it.
package semver

import (
	"fmt"
	"strings"

	"github.com/patchline/patchline/internal/version"
)

// Ordering parses strict Semantic Versioning 2.0.0 versions, as OSV ranges of
// type SEMVER use them: no "v" prefix, no surrounding whitespace.
type Ordering struct{}

// Parse parses s as a strict SemVer 2.0.0 version.
func (Ordering) Parse(s string) (version.Version, error) {
	return parse(s, s, "semantic version")
}

// NPMOrdering parses npm package versions: SemVer 2.0.0 with an optional
// leading "v" and optional surrounding whitespace, as npm's "semver" package
// accepts outside loose mode.
type NPMOrdering struct{}

// Parse parses s as an npm version.
func (NPMOrdering) Parse(s string) (version.Version, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(t, "v")
	return parse(s, t, "npm version")
}

// GoOrdering parses Go module versions: SemVer 2.0.0 with or without a
// leading "v".
type GoOrdering struct{}

// Parse parses s as a Go module version.
func (GoOrdering) Parse(s string) (version.Version, error) {
	return parse(s, strings.TrimPrefix(s, "v"), "Go module version")
}

// Version is a parsed semantic version. Versions from [Ordering],
// [NPMOrdering] and [GoOrdering] compare with one another.
type Version struct {
	orig                string // as given to Parse
	major, minor, patch string // decimal digits without leading zeros
	pre                 string // dot-separated prerelease identifiers, or ""
	build               string // build metadata, or ""
}

// String returns the version exactly as it was given to Parse.
func (v *Version) String() string { return v.orig }

// Major returns the major version number without leading zeros.
func (v *Version) Major() string { return v.major }

// Minor returns the minor version number without leading zeros.
func (v *Version) Minor() string { return v.minor }

// Prerelease returns the prerelease identifiers without the leading "-"
// ("rc.1" for "1.0.0-rc.1"), or "" when v is not a prerelease.
func (v *Version) Prerelease() string { return v.pre }

// Build returns the build metadata without the leading "+"
// ("incompatible" for "v2.0.0+incompatible"), or "".
func (v *Version) Build() string { return v.build }

// Compare returns -1, 0 or +1 as v is lower than, equal to or higher than
// other by SemVer 2.0.0 precedence. Build metadata is ignored. other must be
// a *Version from this package; Compare panics otherwise, because comparing
// versions of different schemes is a programming error.
func (v *Version) Compare(other version.Version) int {
	w, ok := other.(*Version)
	if !ok || w == nil {
		panic(fmt.Sprintf("semver: cannot compare %q with a %T", v.orig, other))
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
	return comparePre(v.pre, w.pre)
}

// parse parses t (s with any accepted prefix and whitespace removed) and
// keeps s as the version's string. what names the scheme in errors.
func parse(s, t, what string) (*Version, error) {
	fail := func(format string, args ...any) (*Version, error) {
		return nil, fmt.Errorf("invalid %s %q: %s", what, s, fmt.Sprintf(format, args...))
	}
	if t == "" {
		return fail("empty")
	}
	v := &Version{orig: s}
	rest := t
	var ok bool
	for i, name := range [...]string{"major", "minor", "patch"} {
		var n string
		n, rest, ok = cutNum(rest)
		if !ok {
			if n == "" {
				return fail("%s version must be a number", name)
			}
			return fail("%s version %q has a leading zero", name, n)
		}
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
		v.pre = rest[1:end]
		if err := checkIdents(v.pre, true); err != "" {
			return fail("prerelease %q: %s", v.pre, err)
		}
		rest = rest[end:]
	}
	if rest != "" && rest[0] == '+' {
		v.build = rest[1:]
		if err := checkIdents(v.build, false); err != "" {
			return fail("build metadata %q: %s", v.build, err)
		}
		rest = ""
	}
	if rest != "" {
		return fail("unexpected %q after MAJOR.MINOR.PATCH", rest)
	}
	return v, nil
}

// cutNum cuts a numeric identifier from the start of s. ok is false when s
// does not start with a digit (n is then "") or the number has a leading
// zero (n is then the number).
func cutNum(s string) (n, rest string, ok bool) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	n, rest = s[:i], s[i:]
	return n, rest, i > 0 && (n[0] != '0' || i == 1)
}

// checkIdents checks a dot-separated list of identifiers ([0-9A-Za-z-]+,
// spec §9 and §10) and, for prereleases, that numeric identifiers have no
// leading zeros. It returns "" when the list is valid, else why not.
func checkIdents(list string, pre bool) string {
	if list == "" {
		return "empty"
	}
	for id := range strings.SplitSeq(list, ".") {
		if id == "" {
			return "empty identifier"
		}
		numeric := true
		for i := 0; i < len(id); i++ {
			c := id[i]
			switch {
			case isDigit(c):
			case c == '-' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
				numeric = false
			default:
				return fmt.Sprintf("identifier %q has %q; only [0-9A-Za-z-] are allowed", id, c)
			}
		}
		if pre && numeric && len(id) > 1 && id[0] == '0' {
			return fmt.Sprintf("numeric identifier %q has a leading zero", id)
		}
	}
	return ""
}

// comparePre compares prerelease lists by spec §11.3 and §11.4: no
// prerelease is higher than any; identifiers compare left to right; a
// shorter list that is a prefix of a longer one is lower.
func comparePre(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return +1
	case b == "":
		return -1
	}
	for a != "" && b != "" {
		var x, y string
		x, a, _ = strings.Cut(a, ".")
		y, b, _ = strings.Cut(b, ".")
		if c := compareIdent(x, y); c != 0 {
			return c
		}
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	default:
		return +1
	}
}

// compareIdent compares two prerelease identifiers: numeric ones
// numerically, alphanumeric ones in ASCII order, numeric lower than
// alphanumeric.
func compareIdent(x, y string) int {
	xn, yn := isNumeric(x), isNumeric(y)
	switch {
	case xn && yn:
		return compareNum(x, y)
	case xn:
		return -1
	case yn:
		return +1
	default:
		return strings.Compare(x, y)
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

func isNumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
