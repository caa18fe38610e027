// Package cran orders versions of R packages as R's package_version does
// (R documentation, ?numeric_version, and "Writing R Extensions" §1.1.1 on
// the DESCRIPTION Version field): the ordering of OSV's CRAN ecosystem, and
// of Bioconductor, whose packages use the same version scheme.
//
// A version is a sequence of at least two non-negative integers separated by
// single "." or "-" characters; the two separators mean the same, so "1.2-3"
// equals "1.2.3". Numbers compare numerically, so "1.10" is higher than
// "1.9" and "1.01" equals "1.1"; numbers have any length and never overflow.
// When one sequence is a prefix of the other the shorter is lower: "1.2" is
// lower than "1.2.0", as in R.
//
// Nothing else is accepted: no whitespace, letters or empty components. R's
// own parser accepts surrounding whitespace; lockfiles and OSV ranges hold
// clean versions, so a version with whitespace is an error here rather than a
// guess.
package cran

import (
	"fmt"
	"strings"

	"github.com/patchline/patchline/internal/version"
)

// Ordering parses R package versions.
type Ordering struct{}

// Parse parses s as an R package version.
func (Ordering) Parse(s string) (version.Version, error) {
	fail := func(format string, args ...any) (version.Version, error) {
		return nil, fmt.Errorf("invalid R package version %q: %s", s, fmt.Sprintf(format, args...))
	}
	if s == "" {
		return fail("empty")
	}
	v := &Version{orig: s}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isDigit(s[i]) {
			continue
		}
		if i < len(s) && s[i] != '.' && s[i] != '-' {
			return fail("%q is not a digit, \".\" or \"-\"", s[i])
		}
		if i == start {
			return fail("empty component")
		}
		v.parts = append(v.parts, trimZeros(s[start:i]))
		start = i + 1
	}
	if len(v.parts) < 2 {
		return fail("an R package version has at least two components, like \"1.0\"")
	}
	return v, nil
}

// Version is a parsed R package version.
type Version struct {
	orig  string
	parts []string // digits without leading zeros
}

// String returns the version exactly as it was given to Parse.
func (v *Version) String() string { return v.orig }

// Normalized returns v with "." as the only separator and without leading
// zeros ("1.2.3" for "1.02-3"), the form R prints.
func (v *Version) Normalized() string { return strings.Join(v.parts, ".") }

// Compare returns -1, 0 or +1 as v is lower than, equal to or higher than
// other. other must be a *Version from this package; Compare panics
// otherwise, because comparing versions of different schemes is a
// programming error.
func (v *Version) Compare(other version.Version) int {
	w, ok := other.(*Version)
	if !ok || w == nil {
		panic(fmt.Sprintf("cran: cannot compare %q with a %T", v.orig, other))
	}
	for i := 0; i < len(v.parts) && i < len(w.parts); i++ {
		if c := compareNum(v.parts[i], w.parts[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(v.parts) < len(w.parts):
		return -1
	case len(v.parts) > len(w.parts):
		return +1
	}
	return 0
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
