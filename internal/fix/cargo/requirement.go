package cargo

import (
	"fmt"
	"strconv"
	"strings"
)

// requirement is a Cargo version requirement: comparators that must all
// match ("1.2", "=1.6.0", ">=0.3, <0.5", "~1.4", "0.6.*").
type requirement struct {
	text  string
	comps []comparator
}

// comparator is one operator and a possibly partial version.
type comparator struct {
	op                  string // "=", ">", ">=", "<", "<=", "~", "^"; "*" matches any version
	major, minor, patch uint64
	hasMinor, hasPatch  bool
	pre                 string
}

// parsedVersion is a full version for matching.
type parsedVersion struct {
	major, minor, patch uint64
	pre                 string
}

// parseRequirement parses a Cargo version requirement; a bare version is
// a caret requirement, as in Cargo.toml.
func parseRequirement(s string) (requirement, error) {
	r := requirement{text: s}
	if strings.TrimSpace(s) == "" {
		return r, fmt.Errorf("empty version requirement")
	}
	for _, part := range strings.Split(s, ",") {
		c, err := parseComparator(strings.TrimSpace(part))
		if err != nil {
			return requirement{}, fmt.Errorf("version requirement %q: %w", s, err)
		}
		r.comps = append(r.comps, c)
	}
	return r, nil
}

func parseComparator(s string) (comparator, error) {
	var c comparator
	for _, op := range []string{">=", "<=", "=", ">", "<", "~", "^"} {
		if strings.HasPrefix(s, op) {
			c.op, s = op, strings.TrimSpace(s[len(op):])
			break
		}
	}
	if c.op == "" {
		c.op = "^"
	}
	if s == "" {
		return c, fmt.Errorf("no version after %q", c.op)
	}
	if s == "*" || s == "x" || s == "X" {
		if c.op != "^" {
			return c, fmt.Errorf("a wildcard cannot follow %q", c.op)
		}
		c.op = "*"
		return c, nil
	}
	core, pre, hasPre := strings.Cut(s, "-")
	if i := strings.IndexByte(core, '+'); i >= 0 { // build metadata is ignored
		core = core[:i]
	}
	if hasPre {
		if i := strings.IndexByte(pre, '+'); i >= 0 {
			pre = pre[:i]
		}
		if pre == "" {
			return c, fmt.Errorf("empty pre-release in %q", s)
		}
		c.pre = pre
	}
	parts := strings.Split(core, ".")
	if len(parts) > 3 {
		return c, fmt.Errorf("%q has more than three numbers", s)
	}
	wild := false
	for i, p := range parts {
		if p == "*" || p == "x" || p == "X" {
			if i == 0 {
				return c, fmt.Errorf("bad wildcard in %q", s)
			}
			wild = true
			continue
		}
		if wild {
			return c, fmt.Errorf("a number after a wildcard in %q", s)
		}
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil || (len(p) > 1 && p[0] == '0') {
			return c, fmt.Errorf("bad number %q in %q", p, s)
		}
		switch i {
		case 0:
			c.major = n
		case 1:
			c.minor, c.hasMinor = n, true
		case 2:
			c.patch, c.hasPatch = n, true
		}
	}
	if c.pre != "" && !c.hasPatch {
		return c, fmt.Errorf("a pre-release needs a full version in %q", s)
	}
	if wild {
		switch c.op {
		case "^", "=":
			c.op = "="
		default:
			return c, fmt.Errorf("a wildcard cannot follow %q", c.op)
		}
	}
	return c, nil
}

// parseVersion parses a full SemVer version ("1.2.3", "1.0.0-rc.1+meta").
func parseVersion(s string) (parsedVersion, error) {
	c, err := parseComparator("=" + s)
	if err != nil || !c.hasPatch || c.op != "=" {
		return parsedVersion{}, fmt.Errorf("%q is not a full version", s)
	}
	return parsedVersion{major: c.major, minor: c.minor, patch: c.patch, pre: c.pre}, nil
}

// exact reports whether the requirement is one "=" comparator of a full
// version: a pin.
func (r requirement) exact() bool {
	return len(r.comps) == 1 && r.comps[0].op == "=" && r.comps[0].hasPatch
}

// matches reports whether v satisfies every comparator. As in Cargo, a
// pre-release matches only a requirement that names a pre-release of the
// same major, minor and patch.
func (r requirement) matches(v parsedVersion) bool {
	if v.pre != "" {
		ok := false
		for _, c := range r.comps {
			if c.pre != "" && c.major == v.major && c.minor == v.minor && c.patch == v.patch {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	for _, c := range r.comps {
		if !c.matches(v) {
			return false
		}
	}
	return true
}

// admits reports whether version (a string) satisfies the requirement; a
// version that does not parse is not admitted.
func (r requirement) admits(version string) bool {
	v, err := parseVersion(version)
	return err == nil && r.matches(v)
}

func (c comparator) lower() parsedVersion {
	return parsedVersion{major: c.major, minor: c.minor, patch: c.patch, pre: c.pre}
}

func (c comparator) matches(v parsedVersion) bool {
	switch c.op {
	case "*":
		return true
	case "=":
		switch {
		case !c.hasMinor:
			return v.major == c.major
		case !c.hasPatch:
			return v.major == c.major && v.minor == c.minor
		}
		return compareVersions(v, c.lower()) == 0
	case ">":
		switch {
		case !c.hasMinor:
			return v.major > c.major
		case !c.hasPatch:
			return v.major > c.major || v.major == c.major && v.minor > c.minor
		}
		return compareVersions(v, c.lower()) > 0
	case ">=":
		return compareVersions(v, c.lower()) >= 0
	case "<":
		switch {
		case !c.hasMinor:
			return v.major < c.major
		case !c.hasPatch:
			return v.major < c.major || v.major == c.major && v.minor < c.minor
		}
		return compareVersions(v, c.lower()) < 0
	case "<=":
		switch {
		case !c.hasMinor:
			return v.major <= c.major
		case !c.hasPatch:
			return v.major < c.major || v.major == c.major && v.minor <= c.minor
		}
		return compareVersions(v, c.lower()) <= 0
	case "~":
		if !c.hasMinor {
			return v.major == c.major
		}
		return compareVersions(v, c.lower()) >= 0 && v.major == c.major && v.minor == c.minor
	}
	// Caret: the leftmost non-zero number may not change.
	if compareVersions(v, c.lower()) < 0 {
		return false
	}
	switch {
	case c.major > 0 || !c.hasMinor:
		return v.major == c.major
	case c.minor > 0 || !c.hasPatch:
		return v.major == 0 && v.minor == c.minor
	}
	return v.major == 0 && v.minor == 0 && v.patch == c.patch
}

// compareVersions orders versions by SemVer precedence.
func compareVersions(a, b parsedVersion) int {
	for _, d := range [][2]uint64{{a.major, b.major}, {a.minor, b.minor}, {a.patch, b.patch}} {
		switch {
		case d[0] < d[1]:
			return -1
		case d[0] > d[1]:
			return 1
		}
	}
	switch {
	case a.pre == b.pre:
		return 0
	case a.pre == "":
		return 1
	case b.pre == "":
		return -1
	}
	as, bs := strings.Split(a.pre, "."), strings.Split(b.pre, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, y := as[i], bs[i]
		if x == y {
			continue
		}
		xn, xerr := strconv.ParseUint(x, 10, 64)
		yn, yerr := strconv.ParseUint(y, 10, 64)
		switch {
		case xerr == nil && yerr == nil:
			if xn < yn {
				return -1
			}
			return 1
		case xerr == nil:
			return -1
		case yerr == nil:
			return 1
		case x < y:
			return -1
		default:
			return 1
		}
	}
	switch {
	case len(as) < len(bs):
		return -1
	case len(as) > len(bs):
		return 1
	}
	return 0
}
