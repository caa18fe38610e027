// Package hackage orders Haskell package versions as Cabal does: the
// versions of Hackage packages (OSV's Hackage ecosystem) and of GHC, which
// follow the Package Versioning Policy (https://pvp.haskell.org/).
//
// A version is one or more non-negative integers separated by "."; versions
// compare as lists of numbers, element by element, and a list that is a
// prefix of a longer one is lower, so "1.0" < "1.0.0" < "1.0.0.0" < "1.0.1"
// (Cabal's Distribution.Types.Version, like Data.Version, compares the
// lists lexicographically). Numbers compare numerically ("1.10" > "1.9") and
// have any length.
//
// As in Cabal's parser since cabal-version 2.0, a number may not have
// leading zeros ("1.01" is an error), and the long-deprecated version tags
// ("1.0-beta") are not accepted. No whitespace is accepted either.
package hackage

import (
	"fmt"
	"strings"

	"github.com/patchline/patchline/internal/version"
)

// Ordering parses Haskell package versions.
type Ordering struct{}

// Parse parses s as a Haskell package version.
func (Ordering) Parse(s string) (version.Version, error) {
	fail := func(format string, args ...any) (version.Version, error) {
		return nil, fmt.Errorf("invalid Haskell package version %q: %s", s, fmt.Sprintf(format, args...))
	}
	if s == "" {
		return fail("empty")
	}
	v := &Version{orig: s}
	for p := range strings.SplitSeq(s, ".") {
		if p == "" {
			return fail("empty component")
		}
		for i := 0; i < len(p); i++ {
			if !isDigit(p[i]) {
				return fail("%q is not a number", p)
			}
		}
		if len(p) > 1 && p[0] == '0' {
			return fail("%q has a leading zero", p)
		}
		v.parts = append(v.parts, p)
	}
	return v, nil
}

// Version is a parsed Haskell package version.
type Version struct {
	orig  string
	parts []string // digits without leading zeros
}

// String returns the version exactly as it was given to Parse.
func (v *Version) String() string { return v.orig }

// Compare returns -1, 0 or +1 as v is lower than, equal to or higher than
// other. other must be a *Version from this package; Compare panics
// otherwise, because comparing versions of different schemes is a
// programming error.
func (v *Version) Compare(other version.Version) int {
	w, ok := other.(*Version)
	if !ok || w == nil {
		panic(fmt.Sprintf("hackage: cannot compare %q with a %T", v.orig, other))
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

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
