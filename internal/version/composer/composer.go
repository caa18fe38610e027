// Package composer orders PHP package versions as Composer does: the scheme
// of composer.lock and of OSV ranges for the Packagist ecosystem.
//
// Composer compares versions in two steps, and so does this package:
//
//  1. Normalisation, as composer/semver's VersionParser::normalize (3.3):
//     surrounding whitespace, an alias (" as 2.0"), a stability flag
//     ("@beta") and build metadata ("+build.5") are dropped; a leading "v"
//     goes; the release gets four numbers ("v1.2" is "1.2.0.0"); a stability
//     suffix is spelt out ("-a1", "a1", "-alpha.1" are "-alpha1"; "b" is
//     "beta", "rc" is "RC", "p" and "pl" are "patch"; "-stable" goes) and a
//     trailing "-dev" is kept. Date versions ("20100102", "2010-01-02")
//     keep their numbers. Numbered branches ("1.x-dev", "2.0.*-dev") become
//     "1.9999999.9999999.9999999-dev" and the like. Branch names ("dev-main";
//     "master", "trunk" and "default" without "dev-") become "dev-NAME".
//     Anything else is an error, as it is to Composer.
//  2. Comparison of the normal forms by PHP's version_compare: the string is
//     cut into parts at dots, at "-", and between digits and letters;
//     numbers compare numerically; words rank dev < alpha = a < beta = b <
//     RC = rc < (any number) < patch = pl = p, any other word ranking below
//     dev; the first difference decides. When one version runs out of parts,
//     the next part of the other decides: a number makes it higher, a word
//     by its rank against a number ("1.0.0.0-beta" < "1.0.0.0" <
//     "1.0.0.0-patch1").
//
// Branch versions ("dev-NAME") are not ordered by Composer at all: its
// constraints never match a branch except by the same name
// (Constraint::versionCompare). So that Compare is still a total order, this
// package places every branch below every numbered version (where
// version_compare puts them too, "dev" being its lowest word) and orders
// branches among themselves by name; [Version.IsBranch] tells the caller to
// treat them as unmatchable by range.
//
// Numbers have any length and compare as digit strings. PHP reads a part
// with strtol, so numbers above 2^63-1 all compare equal there; here they
// keep their order.
//
// The tests check normalisation and order against composer/semver 3.3.2 and
// PHP 8.2 on every version in OSV's Packagist data and a real composer.lock.
package composer

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/patchline/patchline/internal/version"
)

// Ordering parses Composer versions.
type Ordering struct{}

// Parse parses s as a Composer version, normalising it as Composer does.
func (Ordering) Parse(s string) (version.Version, error) {
	norm, err := Normalize(s)
	if err != nil {
		return nil, err
	}
	v := &Version{orig: s, norm: norm, branch: strings.HasPrefix(norm, "dev-")}
	if !v.branch {
		v.parts = split(norm)
	}
	return v, nil
}

// Version is a parsed Composer version.
type Version struct {
	orig   string // as given to Parse
	norm   string // normal form
	branch bool
	parts  []part // the normal form cut into parts; nil for branches
}

// part is a number (digits without leading zeros, "" for zero) or a word.
type part struct {
	s    string
	rank int // rankNumber for numbers
}

// Ranks of version_compare's special forms.
const (
	rankOther  = -1
	rankDev    = 0
	rankAlpha  = 1
	rankBeta   = 2
	rankRC     = 3
	rankNumber = 4
	rankPatch  = 5
)

// String returns the version exactly as it was given to Parse.
func (v *Version) String() string { return v.orig }

// Normalized returns the version's normal form ("1.2.0.0" for "v1.2").
func (v *Version) Normalized() string { return v.norm }

// IsBranch reports whether the version names a branch ("dev-main"), which
// Composer never orders against other versions.
func (v *Version) IsBranch() bool { return v.branch }

// Compare returns -1, 0 or +1 as v is lower than, equal to or higher than
// other. other must be a *Version from this package; Compare panics
// otherwise, because comparing versions of different schemes is a
// programming error.
func (v *Version) Compare(other version.Version) int {
	w, ok := other.(*Version)
	if !ok || w == nil {
		panic(fmt.Sprintf("composer: cannot compare %q with a %T", v.orig, other))
	}
	switch {
	case v.branch && w.branch:
		return strings.Compare(v.norm, w.norm)
	case v.branch:
		return -1
	case w.branch:
		return +1
	}
	for i := 0; ; i++ {
		switch {
		case i == len(v.parts) && i == len(w.parts):
			return 0
		case i == len(v.parts):
			return -tail(w.parts[i])
		case i == len(w.parts):
			return tail(v.parts[i])
		}
		if c := comparePart(v.parts[i], w.parts[i]); c != 0 {
			return c
		}
	}
}

// tail compares the first extra part of the longer version with the end of
// the shorter, as version_compare does: a number is higher, a word compares
// by its rank against a number's.
func tail(p part) int {
	if p.rank == rankNumber {
		return +1
	}
	return sign(p.rank - rankNumber)
}

func comparePart(a, b part) int {
	if a.rank != b.rank {
		return sign(a.rank - b.rank)
	}
	if a.rank != rankNumber {
		return 0
	}
	if len(a.s) != len(b.s) {
		return sign(len(a.s) - len(b.s))
	}
	return strings.Compare(a.s, b.s)
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return +1
	}
	return 0
}

// split cuts a normal form into parts as PHP's version_compare does: at
// ".", "-", "_" and "+", between digits and other characters, and at any
// other character that is not a letter or digit.
func split(s string) []part {
	var parts []part
	for i := 0; i < len(s); {
		c := s[i]
		j := i + 1
		switch {
		case isDigit(c):
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			parts = append(parts, part{s: strings.TrimLeft(s[i:j], "0"), rank: rankNumber})
		case isLetter(c):
			for j < len(s) && isLetter(s[j]) {
				j++
			}
			parts = append(parts, part{s: s[i:j], rank: wordRank(s[i:j])})
		}
		i = j
	}
	return parts
}

// wordRank ranks a word by version_compare's special forms, which match by
// prefix and case-sensitively: "patch" is "p", "RC" and "rc" are equal.
func wordRank(w string) int {
	for _, f := range [...]struct {
		prefix string
		rank   int
	}{
		{"dev", rankDev}, {"alpha", rankAlpha}, {"a", rankAlpha}, {"beta", rankBeta}, {"b", rankBeta},
		{"RC", rankRC}, {"rc", rankRC}, {"#", rankNumber}, {"pl", rankPatch}, {"p", rankPatch},
	} {
		if strings.HasPrefix(w, f.prefix) {
			return f.rank
		}
	}
	return rankOther
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// The regular expressions of VersionParser, for RE2. Three things differ
// from PCRE and are spelt out: PCRE's \s also holds \v; PCRE's "$" also
// matches before a final newline; and PCRE's case-insensitive mode (without
// the u flag) folds ASCII only, where RE2's would also let "ſ" match "s".
const (
	space = `\t\n\v\f\r `
	end   = `\n?$`
)

var (
	modifier    = `[._-]?(?:(` + ci("stable|beta|b|RC|alpha|a|patch|pl|p") + `)((?:[.-]?\d+)*)?)?([.-]?` + ci("dev") + `)?`
	aliasRE     = regexp.MustCompile(`^([^,` + space + `]+) +as +([^,` + space + `]+)` + end)
	flagRE      = regexp.MustCompile(`@(?:` + ci("stable|RC|beta|alpha|dev") + `)` + end)
	buildRE     = regexp.MustCompile(`^([^,+` + space + `]+)\+[^` + space + `]+` + end)
	classicalRE = regexp.MustCompile(`^[vV]?(\d{1,5})(\.\d+)?(\.\d+)?(\.\d+)?` + modifier + end)
	dateRE      = regexp.MustCompile(`^[vV]?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?)` + modifier + end)
	devSuffixRE = regexp.MustCompile(`(.*?)[.-]?` + ci("dev") + end)
	numBranchRE = regexp.MustCompile(`^[vV]?(\d+)(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?` + end)
	nonDigitRE  = regexp.MustCompile(`\D`)
)

// ci turns the ASCII letters of a pattern into case-insensitive classes
// ("dev" becomes "[dD][eE][vV]").
func ci(pattern string) string {
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if isLetter(c) {
			b.WriteString("[" + strings.ToLower(string(c)) + strings.ToUpper(string(c)) + "]")
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Normalize returns the normal form of a Composer version, as
// VersionParser::normalize does, or an error when Composer would reject it.
func Normalize(s string) (string, error) {
	v := strings.Trim(s, " \t\n\r\x00\v")
	if m := aliasRE.FindStringSubmatch(v); m != nil {
		v = m[1]
	}
	if loc := flagRE.FindStringIndex(v); loc != nil {
		v = v[:loc[0]]
	}
	switch v {
	case "master", "trunk", "default":
		v = "dev-" + v
	}
	if len(v) >= 4 && strings.EqualFold(v[:4], "dev-") {
		return "dev-" + v[4:], nil
	}
	if m := buildRE.FindStringSubmatch(v); m != nil {
		v = m[1]
	}
	if m := classicalRE.FindStringSubmatch(v); m != nil {
		out := m[1]
		for _, n := range m[2:5] {
			if n == "" {
				n = ".0"
			}
			out += n
		}
		return withModifier(out, m[5:8]), nil
	}
	if m := dateRE.FindStringSubmatch(v); m != nil {
		return withModifier(nonDigitRE.ReplaceAllString(m[1], "."), m[2:5]), nil
	}
	if m := devSuffixRE.FindStringSubmatch(v); m != nil {
		if n, ok := numberedBranch(m[1]); ok {
			return n, nil
		}
	}
	return "", fmt.Errorf("invalid Composer version %q", s)
}

// withModifier appends the stability suffix from the modifier's groups
// (stability, its number, "dev").
func withModifier(v string, m []string) string {
	stability, num, dev := m[0], m[1], m[2]
	if stability != "" {
		if stability == "stable" {
			return v
		}
		v += "-" + expandStability(stability) + strings.TrimLeft(num, ".-")
	}
	if dev != "" {
		v += "-dev"
	}
	return v
}

func expandStability(s string) string {
	switch s = strings.ToLower(s); s {
	case "a":
		return "alpha"
	case "b":
		return "beta"
	case "p", "pl":
		return "patch"
	case "rc":
		return "RC"
	}
	return s
}

// numberedBranch normalises a branch name of numbers and wildcards ("1.x",
// "2.0.*") to "1.9999999.9999999.9999999-dev" and the like, as
// VersionParser::normalizeBranch does; ok is false for other names.
func numberedBranch(name string) (string, bool) {
	name = strings.Trim(name, " \t\n\r\x00\v")
	m := numBranchRE.FindStringSubmatch(name)
	if m == nil {
		return "", false
	}
	out := m[1]
	for _, p := range m[2:5] {
		if p == "" {
			p = ".x"
		}
		out += strings.NewReplacer("*", "x", "X", "x").Replace(p)
	}
	return strings.ReplaceAll(out, "x", "9999999") + "-dev", true
}
