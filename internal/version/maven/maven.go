// Package maven orders Maven artifact versions as Maven itself does: by the
// algorithm of org.apache.maven.artifact.versioning.ComparableVersion in
// Maven 3.8.7 and 3.9 (the "version order specification" of the POM
// reference), the ordering of OSV's Maven ecosystem.
//
// Every string is a ComparableVersion, so there is no syntax to check; what
// decides matches is how the string is cut into items and how items compare:
//
//   - The version is lower-cased and cut at "." and "-" and at every
//     transition between a digit and a non-digit. "-" (and a transition)
//     opens a nested list, so "1-2" is [1, [2]] while "1.2" is [1, 2]; a
//     qualifier that follows a "." and is followed by a digit or ends the
//     version also opens one, so "1.0.RC1" is [1, 0, [rc, [1]]] like
//     "1.0-RC1" (MNG-7644).
//   - An empty item ("1..2", "-1") is the number 0.
//   - Numbers have any length and compare numerically ("1.01" == "1.1").
//   - Qualifiers: a single "a", "b" or "m" directly followed by a digit is
//     alpha, beta or milestone ("1a1" == "1-alpha-1" but "1a" is the
//     unknown qualifier "a"); "cr" is "rc"; "ga", "final" and "release" are
//     the empty qualifier. The order is alpha < beta < milestone < rc <
//     snapshot < "" < sp < any other qualifier, others in lexical order.
//   - "Null" items (0, and qualifiers equal to "") at the end of each list
//     (before its nested list, if any) are dropped, innermost list first,
//     so "1.0.0" == "1.0" == "1" == "1-0" == "1.ga", and "1.0.0-rc1" ==
//     "1-rc1".
//   - Lists compare item by item; a missing item compares as null, so "1.1"
//     > "1" and "1-rc" < "1" but "1-sp" > "1". Across kinds: a number is
//     higher than a list, which is higher than a qualifier:
//     "1-alpha" < "1-1" < "1.1" and "1.foo" == "1-foo" < "1-1" (Maven's
//     "1.0-1" < "1.0.1").
//
// Maven's order is not transitive. Because a number is always higher than a
// list and a list always higher than a qualifier, whatever their values,
// while all three also compare with "nothing" by value, Maven 3.8.7 has
// cycles such as "1.0.beta-1" < "1.0" < "1.0-1" < "1.0.beta-1", "r05" >
// "0.0" > "0.0-alpha" > "r05" and "2.9.redhat-1" > "2.9" > "2.9-M10" >
// "2.9.redhat-1" (Spring's "x.y.BUILD-SNAPSHOT" and Red Hat's
// "x.y.redhat-N" are the common victims). Matching needs a total order, so
// this package repairs the two causes and otherwise follows Maven:
//
//   - A run of null items directly before a pre-release qualifier (alpha to
//     snapshot) is dropped, as Maven drops those before a nested list:
//     "1.0.beta-1" is "1.beta-1" as "1.0-beta-1" is "1-beta-1".
//   - A list lower than nothing (a pre-release such as "-M10") is lower than
//     a qualifier that is not (the release "" followed by more, sp, or an
//     unknown qualifier such as "redhat"), where Maven says higher.
//
// On 300,000 pairs of realistic versions this package and Maven 3.8.7
// disagree on 14, each of them part of a cycle in Maven (TestCycleRepairs
// has examples; testdata/SOURCES.md tells how this was checked). The first
// repair also makes a few pairs equal that Maven orders, such as
// "1.0.beta-1" and "1.beta-1".
//
// Where Maven's behaviour is an accident of Java rather than a rule, this
// package follows it when it matters for real version strings and says so
// where it does not:
//
//   - Like Maven, a run of zeros of 10 or more digits is compared by width
//     before value with other numbers (Maven keeps such a run unstripped and
//     stores it as a long or big integer, which compare above any int), so
//     "1.0000000000.1" > "1.5.1". No real version has such a run.
//   - Only ASCII 0-9 are digits. Maven 3's Character.isDigit also takes
//     other Unicode decimal digits (Maven 4's tests say they should not).
//   - Lower-casing is Unicode's, with Java's dotted capital I; Java's
//     final-sigma rule is not reproduced. Unknown qualifiers compare in
//     UTF-16 code-unit order, as Java strings do.
//
// Later Maven 4 development (the CombinationItem of MNG-7714) changes the
// order of some mixed forms such as "1.0.final-redhat" against
// "1.0.sp1-redhat"; OSV's own implementations (osv.dev, osv-scalibr) follow
// an older reading of the specification in which ".qualifier" is lower than
// "-qualifier". Both differ from Maven 3.8.7/3.9 only on such rare forms.
//
// Parse rejects the strings that cannot be a resolved version: the empty
// string, invalid UTF-8, white space and control characters, and the
// characters of Maven's range syntax ("[", "]", "(", ")", ","): a range such
// as "[1.0,2.0)" is a requirement, not a version.
package maven

import (
	"cmp"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/patchline/patchline/internal/version"
)

// Ordering parses Maven versions.
type Ordering struct{}

// Parse parses s as a Maven version.
func (Ordering) Parse(s string) (version.Version, error) {
	return parse(s)
}

// Version is a parsed Maven version.
//
// Maven's item tree only ever nests in its last item (after a list opens,
// parsing continues inside it), so it is kept as a spine: lists[0] holds the
// top-level items, and lists[k+1], when present, is the last item of
// lists[k].
type Version struct {
	orig  string
	lists [][]item
}

// kind is the kind of an item. Numbers are split by width as Maven's IntItem,
// LongItem and BigIntegerItem are, because Maven orders them by width first.
type kind uint8

const (
	kindInt    kind = iota // at most 9 digits
	kindLong               // 10 to 18 digits
	kindBig                // more than 18 digits
	kindString             // a qualifier
)

// item is a number or a qualifier.
type item struct {
	kind kind
	// text is, for a number, its digits with leading zeros removed (an
	// all-zero run is kept whole, as Maven keeps it); for a qualifier, the
	// lower-cased qualifier with aliases resolved ("" for ga, final, release).
	text string
}

// Qualifier ranks; unknown qualifiers rank after all of these.
var qualifierRank = map[string]int{
	"alpha": 0, "beta": 1, "milestone": 2, "rc": 3, "snapshot": 4, "": 5, "sp": 6,
}

const (
	releaseRank = 5
	unknownRank = 7
)

// String returns the version exactly as it was given to Parse.
func (v *Version) String() string { return v.orig }

// Canonical returns the version in Maven's canonical form
// (ComparableVersion.getCanonical): "1-rc-1" for "1.0.0-RC1", "1" for
// "1.0-ga". Versions with the same canonical form compare equal.
func (v *Version) Canonical() string {
	// Like Maven, write each list on its own and put a separator before an
	// item only when something has been written before it in that list.
	sub := ""
	for k := len(v.lists) - 1; k >= 0; k-- {
		var b strings.Builder
		for _, it := range v.lists[k] {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			if it.kind == kindString {
				b.WriteString(it.text)
			} else {
				b.WriteString(numValue(it.text))
			}
		}
		if k+1 < len(v.lists) {
			if b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteString(sub)
		}
		sub = b.String()
	}
	return sub
}

// Compare returns -1, 0 or +1 as v is lower than, equal to or higher than
// other in Maven's order. other must be a *Version from this package; Compare
// panics otherwise, because comparing versions of different schemes is a
// programming error.
func (v *Version) Compare(other version.Version) int {
	w, ok := other.(*Version)
	if !ok || w == nil {
		panic(fmt.Sprintf("maven: cannot compare %q with a %T", v.orig, other))
	}
	return compareLists(v, w)
}

// element kinds of a list position.
const (
	absent = iota
	scalar
	sublist
)

// at returns what is at position p of list k of v.
func (v *Version) at(k, p int) (int, item) {
	list := v.lists[k]
	switch {
	case p < len(list):
		return scalar, list[p]
	case p == len(list) && k+1 < len(v.lists):
		return sublist, item{}
	default:
		return absent, item{}
	}
}

// width returns the number of positions of list k of v.
func (v *Version) width(k int) int {
	n := len(v.lists[k])
	if k+1 < len(v.lists) {
		n++
	}
	return n
}

// compareLists compares the top-level lists of a and b. A nested list is
// always the last item of its parent, so comparing two nested lists is a
// tail call: the loop moves one level down instead of recursing.
func compareLists(a, b *Version) int {
	i, j := 0, 0
	for {
		n := max(a.width(i), b.width(j))
		descend := false
		for p := 0; p < n && !descend; p++ {
			ka, x := a.at(i, p)
			kb, y := b.at(j, p)
			var c int
			switch {
			case ka == sublist && kb == sublist:
				descend = true
				continue
			case ka == scalar && kb == scalar:
				c = compareItems(x, y)
			case ka == scalar && kb == absent:
				c = compareItemToNull(x)
			case ka == absent && kb == scalar:
				c = -compareItemToNull(y)
			case ka == sublist && kb == absent:
				c = compareListToNull(a, i+1)
			case ka == absent && kb == sublist:
				c = -compareListToNull(b, j+1)
			case ka == sublist: // against a scalar y
				c = listAgainst(a, i+1, y)
			default: // a scalar x against b's sublist
				c = -listAgainst(b, j+1, x)
			}
			if c != 0 {
				return c
			}
		}
		if !descend {
			return 0
		}
		i, j = i+1, j+1
	}
}

// listAgainst compares list k of v with a scalar x: a list is lower than a
// number ("1-1" < "1.1") and higher than a qualifier ("1-1" > "1.sp-1"),
// except that a list lower than nothing (a pre-release, "-alpha") is lower
// than a qualifier higher than nothing (sp or an unknown one): Maven says
// higher there, which makes its order cyclic.
func listAgainst(v *Version, k int, x item) int {
	if x.kind != kindString {
		return -1
	}
	if rank(x.text) >= releaseRank && compareListToNull(v, k) < 0 {
		return -1
	}
	return +1
}

// compareListToNull compares list k of v (and the lists nested in it) with
// a missing item: the first item that is not null decides (MNG-6964).
func compareListToNull(v *Version, k int) int {
	for ; k < len(v.lists); k++ {
		for _, it := range v.lists[k] {
			if c := compareItemToNull(it); c != 0 {
				return c
			}
		}
	}
	return 0
}

// compareItemToNull compares an item with a missing one: a number is higher
// unless it is zero; a qualifier compares with the release qualifier "".
func compareItemToNull(x item) int {
	if x.kind == kindString {
		return cmp.Compare(rank(x.text), releaseRank)
	}
	if isZeros(x.text) {
		return 0
	}
	return +1
}

// compareItems compares two scalar items.
func compareItems(x, y item) int {
	xs, ys := x.kind == kindString, y.kind == kindString
	switch {
	case xs && ys:
		rx, ry := rank(x.text), rank(y.text)
		if rx != ry || rx != unknownRank {
			return cmp.Compare(rx, ry)
		}
		return compareUTF16(x.text, y.text)
	case xs:
		return -1 // "1-sp" < "1.1"
	case ys:
		return +1
	case x.kind != y.kind:
		return cmp.Compare(x.kind, y.kind)
	default:
		return compareNum(numValue(x.text), numValue(y.text))
	}
}

func rank(q string) int {
	if r, ok := qualifierRank[q]; ok {
		return r
	}
	return unknownRank
}

// compareNum compares decimal digit strings without leading zeros.
func compareNum(x, y string) int {
	if c := cmp.Compare(len(x), len(y)); c != 0 {
		return c
	}
	return strings.Compare(x, y)
}

// numValue returns the digits of a number item without leading zeros ("0"
// for zero).
func numValue(digits string) string {
	if t := strings.TrimLeft(digits, "0"); t != "" {
		return t
	}
	return "0"
}

func isZeros(digits string) bool { return strings.Trim(digits, "0") == "" }

// compareUTF16 compares two strings as Java's String.compareTo does: by
// UTF-16 code units, which differs from code-point order only between
// supplementary characters and U+E000..U+FFFF.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			return cmp.Compare(utf16Key(ra), utf16Key(rb))
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// utf16Key maps a rune to a key that orders runes by their UTF-16 code
// units: the first unit in the high half, the second (if any) in the low.
func utf16Key(r rune) uint32 {
	if r < 0x10000 {
		return uint32(r) << 16
	}
	r -= 0x10000
	return (0xD800+uint32(r>>10))<<16 | (0xDC00 + uint32(r&0x3FF))
}

// parse cuts s into Maven's item lists and normalizes them, following
// ComparableVersion.parseVersion.
func parse(s string) (*Version, error) {
	if err := check(s); err != "" {
		return nil, fmt.Errorf("invalid Maven version %q: %s", s, err)
	}
	// Java lower-cases U+0130 (capital I with dot above) to "i" and a
	// combining dot; Go's simple mapping drops the dot.
	low := strings.ToLower(strings.ReplaceAll(s, "\u0130", "i\u0307"))
	lists := [][]item{nil}
	add := func(it item) { lists[len(lists)-1] = append(lists[len(lists)-1], it) }
	open := func() { lists = append(lists, nil) }
	current := func() []item { return lists[len(lists)-1] }

	// A qualifier followed by a digit or ending the version opens a nested
	// list when it does not start one: ".X1" is "-X1" and a final ".X" is
	// "-X" (MNG-7644). Followed by "." or "-", it stays in its list.
	addQualifier := func(q string, followedByDigit, opens bool) {
		if opens && len(current()) > 0 {
			open()
		}
		add(newQualifier(q, followedByDigit))
	}

	isDigit := false
	start := 0
	// Every byte that matters is ASCII, so the loop works on bytes: the
	// bytes of a multi-byte UTF-8 character are all "non-digits", as the
	// character is.
	for i := 0; i < len(low); i++ {
		c := low[i]
		switch {
		case c == '.' || c == '-':
			switch {
			case i == start:
				add(item{kind: kindInt, text: "0"})
			case isDigit:
				add(newNumber(low[start:i]))
			default:
				addQualifier(low[start:i], false, false)
			}
			start = i + 1
			if c == '-' {
				open()
			}
		case '0' <= c && c <= '9':
			if !isDigit && i > start {
				addQualifier(low[start:i], true, true)
				start = i
				open()
			}
			isDigit = true
		default:
			if isDigit && i > start {
				add(newNumber(low[start:i]))
				start = i
				open()
			}
			isDigit = false
		}
	}
	switch {
	case len(low) == start:
	case isDigit:
		add(newNumber(low[start:]))
	default:
		addQualifier(low[start:], false, true)
	}

	// Normalize, innermost list first: drop the null items at the end of
	// each list (before its nested list, if any), then the list itself if
	// nothing is left in it. Then repair what makes Maven's order cyclic
	// (see the package doc).
	for k := len(lists) - 1; k >= 0; k-- {
		list := lists[k]
		for len(list) > 0 && isNull(list[len(list)-1]) {
			list = list[:len(list)-1]
		}
		lists[k] = repairNulls(list)
		if k > 0 && len(lists[k]) == 0 && k == len(lists)-1 {
			lists = lists[:k]
		}
	}
	return &Version{orig: s, lists: lists}, nil
}

// check returns why s cannot be a version, or "".
func check(s string) string {
	if s == "" {
		return "empty"
	}
	if !utf8.ValidString(s) {
		return "not UTF-8"
	}
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			return fmt.Sprintf("white space %q", r)
		case unicode.IsControl(r):
			return fmt.Sprintf("control character %q", r)
		case strings.ContainsRune("[](),", r):
			return fmt.Sprintf("%q belongs to a version range or set, not a version", r)
		}
	}
	return ""
}

// repairNulls removes the runs of null items (zeros, and qualifiers equal
// to "") that come before a pre-release qualifier (alpha to snapshot), as
// Maven removes those before a nested list: "1.0.beta-1" is "1.beta-1" as
// "1.0-beta-1" is "1-beta-1". After it, every null item is followed, later
// in its list, by a non-zero number or a qualifier higher than the release,
// so it never makes its list compare lower than nothing. list has no null
// items at its end.
func repairNulls(list []item) []item {
	out := list[:0]
	for i, it := range list {
		if isNull(it) {
			j := i + 1
			for j < len(list) && isNull(list[j]) {
				j++
			}
			if j < len(list) && list[j].kind == kindString && rank(list[j].text) < releaseRank {
				continue
			}
		}
		out = append(out, it)
	}
	return out
}

func isNull(it item) bool {
	if it.kind == kindString {
		return it.text == ""
	}
	return isZeros(it.text)
}

// newNumber makes a number item from a run of digits.
func newNumber(digits string) item {
	// Maven strips leading zeros but keeps an all-zero run whole, and picks
	// the integer type by the length of what it kept.
	if t := strings.TrimLeft(digits, "0"); t != "" {
		digits = t
	}
	switch {
	case len(digits) <= 9:
		return item{kind: kindInt, text: digits}
	case len(digits) <= 18:
		return item{kind: kindLong, text: digits}
	default:
		return item{kind: kindBig, text: digits}
	}
}

// newQualifier makes a qualifier item, resolving Maven's aliases.
func newQualifier(q string, followedByDigit bool) item {
	if followedByDigit {
		switch q {
		case "a":
			q = "alpha"
		case "b":
			q = "beta"
		case "m":
			q = "milestone"
		}
	}
	switch q {
	case "ga", "final", "release":
		q = ""
	case "cr":
		q = "rc"
	}
	return item{kind: kindString, text: q}
}
