// Package rubygems orders Ruby gem versions as RubyGems' Gem::Version does:
// the scheme of Gemfile.lock, gems.locked and OSV ranges for the RubyGems
// ecosystem.
//
// The rules follow Gem::Version in lib/rubygems/version.rb (RubyGems 3.x):
//
//   - A version is digits, then any number of "." followed by ASCII letters
//     and digits, then optionally "-" and dot-separated runs of letters,
//     digits and "-" ("1.0.0.a1", "2.1.0pre1", "3.0.0-rc.1"). Surrounding
//     whitespace is allowed and ignored.
//   - Every "-" reads as ".pre.", so "1.0-1" is "1.0.pre.1".
//   - The version splits into segments: runs of digits (numbers) and runs of
//     letters (strings); dots only separate. "1.0.0.a1" is [1 0 0 "a" 1], so
//     "1.2.b1" equals "1.2.b.1".
//   - A version with any letter is a prerelease.
//   - Trailing zeros do not count, separately in the release part (the
//     numbers before the first string) and in the prerelease part (from the
//     first string on): "1.0" == "1", "1.0.a" == "1.a", "1.a.0" == "1.a".
//   - Segments compare left to right, a missing segment reading as 0; numbers
//     compare numerically, strings in byte order, and a string is lower than
//     any number; the first difference decides. So "1.0.a" < "1.0", and
//     "5.a" < "5.0.0.rc2" < "5.x" < "5".
//
// Numbers have any length and compare as digit strings, as Ruby's Integer
// does, so nothing overflows. One deliberate difference from Gem::Version:
// Ruby reads an empty or blank string as version "0"; here it is an error,
// because an empty version in a lockfile or an advisory is a mistake, not 0.
//
// The tests check the order against Gem::Version itself (Ruby 3.1, RubyGems
// 3.3) on every version in OSV's RubyGems data and in a real Gemfile.lock.
package rubygems

import (
	"fmt"
	"strings"

	"github.com/patchline/patchline/internal/version"
)

// Ordering parses RubyGems versions.
type Ordering struct{}

// Parse parses s as a RubyGems version.
func (Ordering) Parse(s string) (version.Version, error) {
	return parse(s)
}

// segment is a number (digits without leading zeros, "" for zero) or a
// string of ASCII letters.
type segment struct {
	s   string
	num bool
}

// Version is a parsed RubyGems version.
type Version struct {
	orig  string    // as given to Parse
	segs  []segment // canonical segments: trailing zeros of both parts dropped
	isPre bool
}

// String returns the version exactly as it was given to Parse.
func (v *Version) String() string { return v.orig }

// Prerelease reports whether the version has a letter in it, as
// Gem::Version#prerelease? does ("1.0.0.rc1", "1.0-1").
func (v *Version) Prerelease() bool { return v.isPre }

// Compare returns -1, 0 or +1 as v is lower than, equal to or higher than
// other by Gem::Version's rules. other must be a *Version from this package;
// Compare panics otherwise, because comparing versions of different schemes
// is a programming error.
func (v *Version) Compare(other version.Version) int {
	w, ok := other.(*Version)
	if !ok || w == nil {
		panic(fmt.Sprintf("rubygems: cannot compare %q with a %T", v.orig, other))
	}
	n := max(len(v.segs), len(w.segs))
	zero := segment{num: true}
	for i := range n {
		a, b := zero, zero
		if i < len(v.segs) {
			a = v.segs[i]
		}
		if i < len(w.segs) {
			b = w.segs[i]
		}
		if c := compareSegment(a, b); c != 0 {
			return c
		}
	}
	return 0
}

// compareSegment compares two segments: numbers numerically, strings in
// byte order, a string lower than a number.
func compareSegment(a, b segment) int {
	switch {
	case a.num && b.num:
		if len(a.s) != len(b.s) {
			if len(a.s) < len(b.s) {
				return -1
			}
			return +1
		}
		return strings.Compare(a.s, b.s)
	case a.num:
		return +1
	case b.num:
		return -1
	default:
		return strings.Compare(a.s, b.s)
	}
}

// parse checks s against Gem::Version's pattern and splits it into
// canonical segments.
func parse(s string) (*Version, error) {
	fail := func(format string, args ...any) (*Version, error) {
		return nil, fmt.Errorf("invalid RubyGems version %q: %s", s, fmt.Sprintf(format, args...))
	}
	t := strings.Trim(s, " \t\n\v\f\r")
	if t == "" {
		return fail("empty")
	}
	if msg := check(t); msg != "" {
		return fail("%s", msg)
	}
	v := &Version{orig: s}
	var segs []segment
	for i := 0; i < len(t); {
		c := t[i]
		j := i + 1
		switch {
		case isDigit(c):
			for j < len(t) && isDigit(t[j]) {
				j++
			}
			segs = append(segs, segment{s: strings.TrimLeft(t[i:j], "0"), num: true})
		case isLetter(c):
			for j < len(t) && isLetter(t[j]) {
				j++
			}
			segs = append(segs, segment{s: t[i:j]})
			v.isPre = true
		case c == '-':
			// "-" reads as ".pre.".
			segs = append(segs, segment{s: "pre"})
			v.isPre = true
		}
		i = j
	}
	v.segs = canonical(segs)
	return v, nil
}

// canonical drops the trailing zeros of the release part (the numbers before
// the first string) and of the prerelease part (the rest), as
// Gem::Version#canonical_segments does.
func canonical(segs []segment) []segment {
	first := len(segs)
	for i, sg := range segs {
		if !sg.num {
			first = i
			break
		}
	}
	rel := trimZeros(segs[:first])
	pre := trimZeros(segs[first:])
	out := make([]segment, 0, len(rel)+len(pre))
	return append(append(out, rel...), pre...)
}

func trimZeros(segs []segment) []segment {
	for len(segs) > 0 {
		last := segs[len(segs)-1]
		if !last.num || last.s != "" {
			break
		}
		segs = segs[:len(segs)-1]
	}
	return segs
}

// check matches t against Gem::Version's pattern,
//
//	[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?
//
// and returns "" when it matches, else why not.
func check(t string) string {
	i := 0
	for i < len(t) && isDigit(t[i]) {
		i++
	}
	if i == 0 {
		return "must start with a digit"
	}
	for i < len(t) && t[i] == '.' {
		j := i + 1
		for j < len(t) && (isDigit(t[j]) || isLetter(t[j])) {
			j++
		}
		if j == i+1 {
			return fmt.Sprintf("empty segment at byte %d", i+1)
		}
		i = j
	}
	if i < len(t) && t[i] == '-' {
		for {
			j := i + 1
			for j < len(t) && (isDigit(t[j]) || isLetter(t[j]) || t[j] == '-') {
				j++
			}
			if j == i+1 {
				return fmt.Sprintf("empty segment at byte %d", i+1)
			}
			i = j
			if i == len(t) || t[i] != '.' {
				break
			}
		}
	}
	if i < len(t) {
		return fmt.Sprintf("unexpected %q at byte %d", t[i], i)
	}
	return ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
