package pylock

import (
	"fmt"
	"strings"

	"github.com/patchline/patchline/internal/ecosystem"
)

// A pylock.toml says when a package is installed with an environment marker
// (PEP 508) that may test the extras and dependency groups being installed:
// `"dev" in dependency_groups`, `'socks' in extras`, or the older
// `extra == "socks"`. To tell a package's scope without knowing the
// platform, markers are evaluated in three-valued logic: comparisons of
// environment variables (python_version, sys_platform, ...) are unknown,
// comparisons involving extras and groups are true or false for a given
// selection, and a package is installed for a selection unless its marker is
// false.

// tri is a three-valued truth value.
type tri int8

const (
	triFalse tri = iota
	triUnknown
	triTrue
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// selection is what an install selects: extras and dependency groups,
// normalised.
type selection struct {
	extras, groups map[string]bool
}

// marker is a parsed marker expression.
type marker interface {
	eval(sel selection) tri
	// names adds the extras and groups the marker tests to the sets.
	names(extras, groups map[string]bool)
}

type andMarker []marker

func (m andMarker) eval(sel selection) tri {
	out := triTrue
	for _, x := range m {
		out = min(out, x.eval(sel))
	}
	return out
}

func (m andMarker) names(extras, groups map[string]bool) {
	for _, x := range m {
		x.names(extras, groups)
	}
}

type orMarker []marker

func (m orMarker) eval(sel selection) tri {
	out := triFalse
	for _, x := range m {
		out = max(out, x.eval(sel))
	}
	return out
}

func (m orMarker) names(extras, groups map[string]bool) {
	for _, x := range m {
		x.names(extras, groups)
	}
}

// operand is a variable or a quoted string.
type operand struct {
	isVar bool
	text  string // the variable name or the string's content
}

// compare is one comparison: lhs op rhs.
type compare struct {
	lhs, rhs operand
	op       string
}

// setTest reports whether c tests membership of a name in the extras or the
// dependency groups, and which: `"x" in extras`, `"x" not in
// dependency_groups`, `extra == "x"`, `"x" != extra`.
func (c compare) setTest() (set, name string, negate, ok bool) {
	switch {
	case (c.op == "in" || c.op == "not in") && !c.lhs.isVar && c.rhs.isVar &&
		(c.rhs.text == "extras" || c.rhs.text == "dependency_groups"):
		return c.rhs.text, c.lhs.text, c.op == "not in", true
	case (c.op == "==" || c.op == "!=") && c.lhs.isVar && c.lhs.text == "extra" && !c.rhs.isVar:
		return "extras", c.rhs.text, c.op == "!=", true
	case (c.op == "==" || c.op == "!=") && c.rhs.isVar && c.rhs.text == "extra" && !c.lhs.isVar:
		return "extras", c.lhs.text, c.op == "!=", true
	}
	return "", "", false, false
}

func (c compare) eval(sel selection) tri {
	if set, name, negate, ok := c.setTest(); ok {
		in := sel.extras[ecosystem.NormalizePyPI(name)]
		if set == "dependency_groups" {
			in = sel.groups[ecosystem.NormalizePyPI(name)]
		}
		return triOf(in != negate)
	}
	if !c.lhs.isVar && !c.rhs.isVar {
		switch c.op {
		case "==", "===":
			return triOf(c.lhs.text == c.rhs.text)
		case "!=":
			return triOf(c.lhs.text != c.rhs.text)
		case "in":
			return triOf(strings.Contains(c.rhs.text, c.lhs.text))
		case "not in":
			return triOf(!strings.Contains(c.rhs.text, c.lhs.text))
		}
	}
	// The platform decides.
	return triUnknown
}

func (c compare) names(extras, groups map[string]bool) {
	if set, name, _, ok := c.setTest(); ok {
		if set == "dependency_groups" {
			groups[ecosystem.NormalizePyPI(name)] = true
		} else {
			extras[ecosystem.NormalizePyPI(name)] = true
		}
	}
}

// variables are the marker variables PEP 508 and PEP 751 define, with the
// dotted spellings older tools accept.
var variables = map[string]bool{
	"python_version": true, "python_full_version": true, "os_name": true, "sys_platform": true,
	"platform_release": true, "platform_system": true, "platform_version": true,
	"platform_machine": true, "platform_python_implementation": true, "implementation_name": true,
	"implementation_version": true, "extra": true, "extras": true, "dependency_groups": true,
	"os.name": true, "sys.platform": true, "platform.version": true, "platform.machine": true,
	"platform.python_implementation": true, "python_implementation": true,
}

// maxMarkerDepth bounds parenthesis nesting.
const maxMarkerDepth = 100

type markerParser struct {
	s     string
	pos   int
	depth int
}

// parseMarker parses a PEP 508 marker expression.
func parseMarker(s string) (marker, error) {
	p := &markerParser{s: s}
	m, err := p.or()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos < len(p.s) {
		return nil, p.errorf("unexpected %q", p.rest())
	}
	return m, nil
}

func (p *markerParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at column %d: %s", p.pos+1, fmt.Sprintf(format, args...))
}

// rest is the text from the current position, shortened for messages.
func (p *markerParser) rest() string {
	r := p.s[p.pos:]
	if len(r) > 20 {
		r = r[:20] + "..."
	}
	return r
}

func (p *markerParser) space() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

// keyword consumes the word w when it comes next as a whole word.
func (p *markerParser) keyword(w string) bool {
	p.space()
	if !strings.HasPrefix(p.s[p.pos:], w) {
		return false
	}
	end := p.pos + len(w)
	if end < len(p.s) && isWordChar(p.s[end]) {
		return false
	}
	p.pos = end
	return true
}

func isWordChar(c byte) bool {
	return c == '_' || c == '.' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func (p *markerParser) or() (marker, error) {
	first, err := p.and()
	if err != nil {
		return nil, err
	}
	out := orMarker{first}
	for p.keyword("or") {
		m, err := p.and()
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if len(out) == 1 {
		return first, nil
	}
	return out, nil
}

func (p *markerParser) and() (marker, error) {
	first, err := p.expr()
	if err != nil {
		return nil, err
	}
	out := andMarker{first}
	for p.keyword("and") {
		m, err := p.expr()
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if len(out) == 1 {
		return first, nil
	}
	return out, nil
}

func (p *markerParser) expr() (marker, error) {
	p.space()
	if p.pos < len(p.s) && p.s[p.pos] == '(' {
		p.depth++
		if p.depth > maxMarkerDepth {
			return nil, p.errorf("parentheses nested too deep")
		}
		p.pos++
		m, err := p.or()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != ')' {
			return nil, p.errorf("want ')'")
		}
		p.pos++
		p.depth--
		return m, nil
	}
	lhs, err := p.operand()
	if err != nil {
		return nil, err
	}
	op, err := p.op()
	if err != nil {
		return nil, err
	}
	rhs, err := p.operand()
	if err != nil {
		return nil, err
	}
	return compare{lhs: lhs, op: op, rhs: rhs}, nil
}

func (p *markerParser) operand() (operand, error) {
	p.space()
	if p.pos >= len(p.s) {
		return operand{}, p.errorf("unexpected end, want a variable or a quoted string")
	}
	if q := p.s[p.pos]; q == '"' || q == '\'' {
		end := strings.IndexByte(p.s[p.pos+1:], q)
		if end < 0 {
			return operand{}, p.errorf("unterminated string")
		}
		text := p.s[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		return operand{text: text}, nil
	}
	start := p.pos
	for p.pos < len(p.s) && isWordChar(p.s[p.pos]) {
		p.pos++
	}
	name := p.s[start:p.pos]
	if name == "" {
		return operand{}, p.errorf("unexpected %q, want a variable or a quoted string", p.rest())
	}
	if !variables[name] {
		p.pos = start
		return operand{}, p.errorf("unknown marker variable %q", name)
	}
	return operand{isVar: true, text: name}, nil
}

func (p *markerParser) op() (string, error) {
	p.space()
	for _, op := range []string{"===", "==", "!=", "<=", ">=", "~=", "<", ">"} {
		if strings.HasPrefix(p.s[p.pos:], op) {
			p.pos += len(op)
			return op, nil
		}
	}
	if p.keyword("in") {
		return "in", nil
	}
	if p.keyword("not") {
		if p.keyword("in") {
			return "not in", nil
		}
		return "", p.errorf("want \"in\" after \"not\"")
	}
	return "", p.errorf("unexpected %q, want a comparison operator", p.rest())
}
