// Package conan orders versions of Conan packages (OSV's ConanCenter
// ecosystem) by Conan 2's version model: the Version class of Conan's
// conan/internal/model/version.py, described in the Conan 2 documentation
// under "Version ranges" ("Semantic versioning" and the note that Conan
// extends it to any number of items, letters and ordered build metadata).
//
// A version is MAIN[-PRE][+BUILD]. BUILD is what follows the last "+", PRE
// what follows the first "-" before it (so PRE may hold further hyphens:
// "1.0-3-1" has prerelease "3-1"). Each part is a list of items separated by
// ".". Then, as in Conan:
//
//   - an item of ASCII digits is a number ("01" equals "1"), any other item
//     is text ("rc1", "cci", "3b", "*");
//   - trailing zero numbers of each part do not count, so "1", "1.0" and
//     "1.0.0" are equal, and so are "1.0-pre1.0" and "1.0-pre1";
//   - MAIN compares item by item; a list that is a prefix of a longer one is
//     lower ("1.2" < "1.2.3");
//   - with equal MAIN a prerelease is lower than no prerelease, and two
//     prereleases compare by their items ("1.1-alpha.3" < "1.1-alpha.22");
//     an empty prerelease ("1.0.0-", which Conan uses as the lowest bound of
//     a version) is the lowest;
//   - BUILD is not ignored, unlike in SemVer: a version without build
//     metadata is lower than one with, and build lists compare by items
//     ("1.1+b.3" < "1.1+b.22").
//
// Items compare as in Conan where Conan's comparison is a total order: two
// numbers numerically, two texts in code point order, and a number with a
// text by Conan's rule of comparing the number's decimal form with the text.
// That rule is not transitive for texts that start with a digit (Conan says
// 2 > "1a" and 10 < "1a", yet 2 < 10), so here such a text sorts right after
// the number it starts with and before the next one: 1 < "1a" < "1b" < 2 <
// 10 < "10a". Texts starting with a character below "0" (such as "-" or the
// empty item) are lower than every number, other texts higher, as in Conan.
//
// Conan takes any string as a version; here it must be non-empty valid
// UTF-8 without spaces or control characters, and only ASCII digit items are
// numbers (Python's int() also reads signs, underscores and non-ASCII digits,
// which no published version uses).
package conan

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/patchline/patchline/internal/version"
)

// Ordering parses Conan versions.
type Ordering struct{}

// Parse parses s as a Conan version.
func (Ordering) Parse(s string) (version.Version, error) {
	fail := func(format string, args ...any) (version.Version, error) {
		return nil, fmt.Errorf("invalid Conan version %q: %s", s, fmt.Sprintf(format, args...))
	}
	if s == "" {
		return fail("empty")
	}
	if !utf8.ValidString(s) {
		return fail("not valid UTF-8")
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0xa0 || r == 0x2028 || r == 0x2029 {
			return fail("%q is a space or control character", r)
		}
	}
	v := &Version{orig: s}
	rest := s
	if i := strings.LastIndexByte(rest, '+'); i >= 0 {
		v.build = items(rest[i+1:])
		v.hasBuild = true
		rest = rest[:i]
	}
	if i := strings.IndexByte(rest, '-'); i >= 0 {
		v.pre = items(rest[i+1:])
		v.hasPre = true
		rest = rest[:i]
	}
	v.main = items(rest)
	return v, nil
}

// Version is a parsed Conan version.
type Version struct {
	orig             string
	main, pre, build []item // without trailing zero numbers
	hasPre, hasBuild bool
}

// item is one "."-separated item of a version part.
type item struct {
	text string // the item as written
	// num is, for a number, its digits without leading zeros; for a text
	// that starts with digits, those digits without leading zeros; else "".
	num string
	// rest is what follows the leading digits of a text.
	rest  string
	isNum bool
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
		panic(fmt.Sprintf("conan: cannot compare %q with a %T", v.orig, other))
	}
	if c := compareItems(v.main, w.main); c != 0 {
		return c
	}
	switch {
	case v.hasPre && !w.hasPre:
		return -1
	case !v.hasPre && w.hasPre:
		return +1
	}
	if c := compareItems(v.pre, w.pre); c != 0 {
		return c
	}
	switch {
	case !v.hasBuild && w.hasBuild:
		return -1
	case v.hasBuild && !w.hasBuild:
		return +1
	}
	return compareItems(v.build, w.build)
}

// items splits a part into items and drops its trailing zero numbers.
func items(part string) []item {
	var out []item
	for t := range strings.SplitSeq(part, ".") {
		it := item{text: t}
		n := 0
		for n < len(t) && isDigit(t[n]) {
			n++
		}
		if n > 0 {
			it.num = trimZeros(t[:n])
			it.rest = t[n:]
			it.isNum = n == len(t)
		}
		out = append(out, it)
	}
	for len(out) > 0 && out[len(out)-1].isNum && out[len(out)-1].num == "0" {
		out = out[:len(out)-1]
	}
	return out
}

// compareItems compares item lists element by element; a list that is a
// prefix of a longer one is lower.
func compareItems(a, b []item) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := compareItem(a[i], b[i]); c != 0 {
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

// class sorts items into texts below the digits, numbers and texts that
// start with a digit, and texts above the digits.
func (it item) class() int {
	switch {
	case it.num != "":
		return 1
	case it.text == "" || it.text[0] < '0':
		return 0
	default:
		return 2
	}
}

// compareItem compares two items (see the package documentation).
func compareItem(x, y item) int {
	cx, cy := x.class(), y.class()
	if cx != cy {
		if cx < cy {
			return -1
		}
		return +1
	}
	if cx != 1 {
		return strings.Compare(x.text, y.text)
	}
	if c := compareNum(x.num, y.num); c != 0 {
		return c
	}
	switch {
	case x.isNum && y.isNum:
		return 0
	case x.isNum:
		return -1
	case y.isNum:
		return +1
	}
	if c := strings.Compare(x.rest, y.rest); c != 0 {
		return c
	}
	return strings.Compare(x.text, y.text)
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
