// Package pep440 orders Python package versions by PEP 440
// (https://peps.python.org/pep-0440/), the scheme of PyPI and of OSV ranges
// for the PyPI ecosystem.
//
// The package is written by hand rather than taken from a library on purpose:
// whether a package is affected turns on the corners of PEP 440 where
// implementations differ or coerce: "1.0.dev0" below "1.0a1" but "1.0a1.dev0"
// above "1.0a0", "1.0" equal to "1.0.0", the implicit post-release "1.0-1",
// local versions ordered segment by segment, numbers wider than 64 bits, and
// what to do with strings that are not PEP 440 at all. Legacy versions (OSV's
// PyPI data holds a few, such as "0.3m1" or "2.0.0-final") are errors here,
// never guesses; the caller decides what to do with them.
//
// Parsing follows PEP 440 in full, including its normalisation rules:
//
//   - an optional epoch "N!", then a release "N(.N)*" of any length;
//   - pre-releases a, b and rc, also spelt alpha, beta, c, pre and preview,
//     with ".", "-", "_" or no separator before and after the label and an
//     implicit number 0 ("1.0a" is "1.0a0");
//   - post-releases ".postN", also spelt rev and r, with the same separators
//     and implicit 0, and the implicit form "1.0-1";
//   - dev releases ".devN" with the same separators and implicit 0;
//   - local versions "+label" of ASCII letters and digits in segments
//     separated by ".", "-" or "_";
//   - ASCII letters in any case, an optional leading "v", and surrounding
//     whitespace (what Python's str.isspace calls whitespace).
//
// Comparison follows PEP 440's "Summary of permitted suffixes and relative
// ordering":
//
//	1.0.dev0 < 1.0a1.dev0 < 1.0a1 < 1.0a1.post1.dev0 < 1.0a1.post1 < 1.0b1
//	  < 1.0rc1 < 1.0 < 1.0+local < 1.0.post1.dev0 < 1.0.post1 < 1.1.dev0
//
// Releases compare with zero padding ("1.0" == "1.0.0"); a version with a
// local label is higher than the same version without; local segments compare
// numerically when both are numeric, a numeric segment is higher than an
// alphanumeric one, alphanumeric ones compare case-insensitively, and a
// shorter label that is a prefix of a longer one is lower. All numbers have
// any length and compare as digit strings without leading zeros, so nothing
// overflows.
//
// The tests check the order against the reference implementation (the
// Python "packaging" library) on every version in OSV's PyPI data. Where the
// reference strays from PEP 440's ASCII rules, this package keeps to them:
// Python's Unicode case folding lets "packaging" read "1.0.poſt1" (with a
// long s) as "1.0.post1"; here that is an error.
package pep440

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/patchline/patchline/internal/version"
)

// Ordering parses PEP 440 versions.
type Ordering struct{}

// Parse parses s as a PEP 440 version.
func (Ordering) Parse(s string) (version.Version, error) {
	return parse(s)
}

// Pre-release kinds, in order.
const (
	preNone  = iota
	preAlpha // a, alpha
	preBeta  // b, beta
	preRC    // rc, c, pre, preview
)

// Version is a parsed PEP 440 version.
type Version struct {
	orig    string   // as given to Parse
	epoch   string   // digits without leading zeros ("0" for zero)
	release []string // digits without leading zeros; points into relBuf when short
	relBuf  [4]string
	preKind int    // preNone, preAlpha, preBeta or preRC
	pre     string // pre-release number, when preKind != preNone
	hasPost bool
	post    string
	hasDev  bool
	dev     string
	local   string // local label as written, without "+"; "" when none
}

// String returns the version exactly as it was given to Parse.
func (v *Version) String() string { return v.orig }

// IsPrerelease reports whether the version is a pre-release or a
// development release (PEP 440 excludes both from ranges unless asked).
func (v *Version) IsPrerelease() bool { return v.preKind != preNone || v.hasDev }

// Major returns the epoch-qualified first release number ("2" for
// "2.31.0", "1!3" for "1!3.0"): the part a compatible release keeps.
func (v *Version) Major() string {
	if v.epoch != "0" {
		return v.epoch + "!" + v.release[0]
	}
	return v.release[0]
}

// Normalized returns the version in PEP 440's normal form: "1.0.post1" for
// "v1.0-r1", "1.0a0" for "1.0-alpha", "1.0+ubuntu.1" for "1.0+Ubuntu-1".
// The release keeps the length it was written with ("1.0.0" stays).
func (v *Version) Normalized() string {
	var b strings.Builder
	if v.epoch != "0" {
		b.WriteString(v.epoch)
		b.WriteByte('!')
	}
	for i, n := range v.release {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(n)
	}
	if v.preKind != preNone {
		b.WriteString([...]string{preAlpha: "a", preBeta: "b", preRC: "rc"}[v.preKind])
		b.WriteString(v.pre)
	}
	if v.hasPost {
		b.WriteString(".post")
		b.WriteString(v.post)
	}
	if v.hasDev {
		b.WriteString(".dev")
		b.WriteString(v.dev)
	}
	if v.local != "" {
		b.WriteByte('+')
		for i, seg := range splitLocal(v.local) {
			if i > 0 {
				b.WriteByte('.')
			}
			if isNumeric(seg) {
				b.WriteString(trimZeros(seg))
			} else {
				b.WriteString(strings.ToLower(seg))
			}
		}
	}
	return b.String()
}

// Compare returns -1, 0 or +1 as v is lower than, equal to or higher than
// other in PEP 440 order. other must be a *Version from this package; Compare
// panics otherwise, because comparing versions of different schemes is a
// programming error.
func (v *Version) Compare(other version.Version) int {
	w, ok := other.(*Version)
	if !ok || w == nil {
		panic(fmt.Sprintf("pep440: cannot compare %q with a %T", v.orig, other))
	}
	if c := compareNum(v.epoch, w.epoch); c != 0 {
		return c
	}
	for i := range max(len(v.release), len(w.release)) {
		if c := compareNum(v.releaseAt(i), w.releaseAt(i)); c != 0 {
			return c
		}
	}
	// A release with only a dev part ("1.0.dev1") sorts before every
	// pre-release of that release; with no pre-release part at all, it sorts
	// after them.
	if c := compareInt(v.preRank(), w.preRank()); c != 0 {
		return c
	}
	if v.preKind != preNone {
		if c := compareNum(v.pre, w.pre); c != 0 {
			return c
		}
	}
	// No post-release is lower than any.
	if c := compareOptional(v.hasPost, v.post, w.hasPost, w.post, -1); c != 0 {
		return c
	}
	// No dev release is higher than any.
	if c := compareOptional(v.hasDev, v.dev, w.hasDev, w.dev, +1); c != 0 {
		return c
	}
	return compareLocal(v.local, w.local)
}

func (v *Version) releaseAt(i int) string {
	if i < len(v.release) {
		return v.release[i]
	}
	return "0"
}

// preRank ranks the pre-release part: a dev-only release lowest, then
// alpha, beta and rc, then no pre-release.
func (v *Version) preRank() int {
	switch {
	case v.preKind != preNone:
		return v.preKind
	case v.hasDev && !v.hasPost:
		return preNone - 1
	default:
		return preRC + 1
	}
}

// compareOptional compares two optional numbers; absent compares as
// absentSign against any present number.
func compareOptional(hasX bool, x string, hasY bool, y string, absentSign int) int {
	switch {
	case hasX && hasY:
		return compareNum(x, y)
	case hasX == hasY:
		return 0
	case !hasX:
		return absentSign
	default:
		return -absentSign
	}
}

// compareLocal compares local labels: none is lower than any; segments
// compare in turn, numbers numerically and higher than alphanumeric segments,
// those case-insensitively; a prefix is lower.
func compareLocal(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return -1
	case b == "":
		return +1
	}
	for a != "" && b != "" {
		var x, y string
		x, a = cutLocal(a)
		y, b = cutLocal(b)
		xn, yn := isNumeric(x), isNumeric(y)
		var c int
		switch {
		case xn && yn:
			c = compareNum(trimZeros(x), trimZeros(y))
		case xn:
			c = +1
		case yn:
			c = -1
		default:
			c = compareFold(x, y)
		}
		if c != 0 {
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

// cutLocal cuts the first segment from a local label.
func cutLocal(s string) (seg, rest string) {
	i := strings.IndexAny(s, ".-_")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i+1:]
}

func splitLocal(s string) []string {
	var segs []string
	for s != "" {
		var seg string
		seg, s = cutLocal(s)
		segs = append(segs, seg)
	}
	return segs
}

// compareFold compares ASCII strings ignoring case.
func compareFold(x, y string) int {
	for i := 0; i < len(x) && i < len(y); i++ {
		if c := compareInt(int(lower(x[i])), int(lower(y[i]))); c != 0 {
			return c
		}
	}
	return compareInt(len(x), len(y))
}

// compareNum compares decimal digit strings without leading zeros.
func compareNum(x, y string) int {
	if c := compareInt(len(x), len(y)); c != 0 {
		return c
	}
	return strings.Compare(x, y)
}

func compareInt(x, y int) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return +1
	}
	return 0
}

// parser reads a version left to right.
type parser struct {
	s string
	i int
}

func parse(orig string) (*Version, error) {
	s := strings.TrimFunc(orig, isPySpace)
	fail := func(why string) (*Version, error) {
		return nil, fmt.Errorf("invalid PEP 440 version %q: %s", orig, why)
	}
	if s == "" {
		return fail("empty")
	}
	p := &parser{s: s}
	v := &Version{orig: orig, epoch: "0"}
	if p.i < len(s) && lower(s[0]) == 'v' {
		p.i++
	}

	// Epoch and release.
	n, ok := p.number()
	if !ok {
		return fail("the release must start with a number")
	}
	if p.i < len(s) && s[p.i] == '!' {
		p.i++
		v.epoch = n
		if n, ok = p.number(); !ok {
			return fail(`the release after "!" must start with a number`)
		}
	}
	v.release = v.relBuf[:0]
	v.release = append(v.release, n)
	for p.i+1 < len(s) && s[p.i] == '.' && isDigit(s[p.i+1]) {
		p.i++
		n, _ = p.number()
		v.release = append(v.release, n)
	}

	// Pre-release: [sep] label [sep] [number].
	start := p.i
	p.separator()
	switch p.word("alpha", "a", "beta", "b", "preview", "pre", "c", "rc") {
	case "alpha", "a":
		v.preKind = preAlpha
	case "beta", "b":
		v.preKind = preBeta
	case "preview", "pre", "c", "rc":
		v.preKind = preRC
	default:
		p.i = start
	}
	if v.preKind != preNone {
		v.pre = p.optionalNumber()
	}

	// Post-release: "-" number, or [sep] label [sep] [number].
	start = p.i
	if p.i+1 < len(s) && s[p.i] == '-' && isDigit(s[p.i+1]) {
		p.i++
		v.hasPost = true
		v.post, _ = p.number()
	} else {
		p.separator()
		if p.word("post", "rev", "r") != "" {
			v.hasPost = true
			v.post = p.optionalNumber()
		} else {
			p.i = start
		}
	}

	// Dev release: [sep] "dev" [sep] [number].
	start = p.i
	p.separator()
	if p.word("dev") != "" {
		v.hasDev = true
		v.dev = p.optionalNumber()
	} else {
		p.i = start
	}

	// Local label: "+" segment ([sep] segment)*.
	if p.i < len(s) && s[p.i] == '+' {
		p.i++
		v.local = s[p.i:]
		if v.local == "" {
			return fail(`empty local label after "+"`)
		}
		if why := checkLocal(v.local); why != "" {
			return fail(why)
		}
		p.i = len(s)
	}

	if p.i < len(s) {
		return fail(fmt.Sprintf("unexpected %q at offset %d", s[p.i:], p.i))
	}
	return v, nil
}

// checkLocal checks a local label: segments of ASCII letters and digits
// separated by single ".", "-" or "_". It returns "" when the label is valid,
// else why not.
func checkLocal(local string) string {
	seg := 0 // length of the current segment
	for i := 0; i < len(local); i++ {
		switch c := lower(local[i]); {
		case isDigit(c) || 'a' <= c && c <= 'z':
			seg++
		case c == '.' || c == '-' || c == '_':
			if seg == 0 {
				return fmt.Sprintf("local label %q has an empty segment", local)
			}
			seg = 0
		default:
			return fmt.Sprintf("local label %q has %q; only ASCII letters, digits and separators are allowed", local, local[i])
		}
	}
	if seg == 0 {
		return fmt.Sprintf("local label %q ends with a separator", local)
	}
	return ""
}

// number reads one or more digits and returns them without leading zeros.
func (p *parser) number() (string, bool) {
	start := p.i
	for p.i < len(p.s) && isDigit(p.s[p.i]) {
		p.i++
	}
	if p.i == start {
		return "", false
	}
	return trimZeros(p.s[start:p.i]), true
}

// optionalNumber reads [sep] [number] after a pre, post or dev label and
// returns the number, "0" when it is implicit. A separator with no number
// after it is consumed: "1.0a-" is "1.0a0", as the reference implementation
// reads it.
func (p *parser) optionalNumber() string {
	p.separator()
	if n, ok := p.number(); ok {
		return n
	}
	return "0"
}

// separator reads an optional ".", "-" or "_".
func (p *parser) separator() {
	if p.i < len(p.s) && strings.IndexByte(".-_", p.s[p.i]) >= 0 {
		p.i++
	}
}

// word reads the first of words (lower case) that the input continues with,
// ignoring ASCII case, and returns it, or "" when none matches. Longer words
// must come before their prefixes.
func (p *parser) word(words ...string) string {
	for _, w := range words {
		if len(p.s)-p.i >= len(w) && hasPrefixFold(p.s[p.i:], w) {
			p.i += len(w)
			return w
		}
	}
	return ""
}

func hasPrefixFold(s, prefix string) bool {
	for i := 0; i < len(prefix); i++ {
		if lower(s[i]) != prefix[i] {
			return false
		}
	}
	return true
}

// trimZeros strips leading zeros from a digit string, leaving "0" for zero.
func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

// isPySpace reports whether Python's str.isspace counts r as whitespace:
// Go's unicode.IsSpace plus the separators U+001C to U+001F.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || 0x1c <= r && r <= 0x1f
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

// lower lower-cases an ASCII letter and leaves other bytes alone.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
