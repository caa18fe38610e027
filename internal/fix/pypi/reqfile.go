package pypi

import (
	"errors"
	"fmt"
	"strings"

	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/version/pep440"
)

// physLine is one physical line of a requirements file.
type physLine struct {
	text string // without the line ending
	eol  string // "\n", "\r\n" or "" for a last line without one
}

// splitLines splits data into physical lines, keeping each line's ending so
// that a rewrite gives back the same bytes where nothing changed.
func splitLines(data []byte) []physLine {
	s := string(data)
	var out []physLine
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, physLine{text: s})
			break
		}
		text, eol := s[:i], "\n"
		if strings.HasSuffix(text, "\r") {
			text, eol = text[:len(text)-1], "\r\n"
		}
		out = append(out, physLine{text: text, eol: eol})
		s = s[i+1:]
	}
	return out
}

func joinLines(lines []physLine) []byte {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.text)
		b.WriteString(l.eol)
	}
	return []byte(b.String())
}

// reqEntry is one named requirement of a requirements file.
type reqEntry struct {
	first, last int // the physical lines of the logical line, 0-based
	name, norm  string
	// exact is set for a pin (one == clause without a wildcard, or ===);
	// op and version are then the pin, at text[verStart:verEnd] of the
	// first line.
	exact            bool
	op, version      string
	verStart, verEnd int
	// spec is the specifier (or "@ URL") as written.
	spec string
	// hashes is set when the requirement carries --hash options.
	hashes bool
	// via lists what pip-compile's `# via` comment names; hasVia is set
	// when there is one.
	via    []string
	hasVia bool
}

// line returns the entry's 1-based line number.
func (e reqEntry) line() int { return e.first + 1 }

// transitive reports whether a `# via` comment names only other packages
// (not a requirements file, not the project's own metadata).
func (e reqEntry) transitive() bool {
	if !e.hasVia || len(e.via) == 0 {
		return false
	}
	for _, v := range e.via {
		if strings.HasPrefix(v, "-") || strings.ContainsAny(v, "() /") || !validName(v) {
			return false
		}
	}
	return true
}

// scanRequirements finds the named requirements of a requirements file.
// Option lines (-r, -e, --index-url), URLs without a name and lines it
// cannot read are passed over: the extractor reports those.
func scanRequirements(lines []physLine) []reqEntry {
	var out []reqEntry
	for i := 0; i < len(lines); {
		first := i
		last := i
		for last < len(lines) && !isCommentLine(lines[last].text) && continues(lines[last].text) && last+1 < len(lines) {
			last++
		}
		i = last + 1
		e, ok := parseRequirementLine(lines[first].text)
		if !ok {
			continue
		}
		e.first, e.last = first, last
		for _, l := range lines[first : last+1] {
			if len(hashTokens(l.text)) > 0 {
				e.hashes = true
			}
		}
		e.via, e.hasVia = viaComment(lines, first, last)
		out = append(out, e)
	}
	return out
}

// continues reports whether a line ends in a backslash, which joins the
// next line to it.
func continues(text string) bool { return strings.HasSuffix(text, `\`) }

func isCommentLine(text string) bool {
	return strings.HasPrefix(strings.TrimLeft(text, " \t"), "#")
}

// commentStart returns where a `#` comment starts (at the start of the line
// or after whitespace), or len(text).
func commentStart(text string) int {
	for i := 0; i < len(text); i++ {
		if text[i] == '#' && (i == 0 || text[i-1] == ' ' || text[i-1] == '\t') {
			return i
		}
	}
	return len(text)
}

// parseRequirementLine reads the requirement at the start of the first
// physical line of a logical line: name, extras and specifier.
func parseRequirementLine(text string) (reqEntry, bool) {
	i := 0
	for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
		i++
	}
	j := i
	for j < len(text) && isNameChar(text[j]) {
		j++
	}
	name := text[i:j]
	if !validName(name) {
		return reqEntry{}, false
	}
	e := reqEntry{name: name, norm: ecosystem.NormalizePyPI(name)}
	k := skipSpace(text, j)
	if k < len(text) && text[k] == '[' {
		end := strings.IndexByte(text[k:], ']')
		if end < 0 {
			return reqEntry{}, false
		}
		k = skipSpace(text, k+end+1)
	}
	end := specEnd(text, k)
	e.spec = strings.TrimSpace(text[k:end])
	if strings.HasPrefix(e.spec, "@") {
		return e, true // a URL: never a pin
	}
	if j < len(text) && k == j && k < end && !isSpecStart(text[k]) {
		return reqEntry{}, false // "name/path", "name.whl": not a name
	}
	lo, hi := k, end
	for lo < hi && (text[lo] == ' ' || text[lo] == '\t' || text[lo] == '(') {
		lo++
	}
	for hi > lo && (text[hi-1] == ' ' || text[hi-1] == '\t' || text[hi-1] == ')') {
		hi--
	}
	exact := 0
	for start := lo; start <= hi; {
		comma := strings.IndexByte(text[start:hi], ',')
		stop := hi
		if comma >= 0 {
			stop = start + comma
		}
		op, vs, ve := parseClause(text, start, stop)
		if op == "===" || op == "==" && !strings.Contains(text[vs:ve], "*") {
			exact++
			e.op, e.version, e.verStart, e.verEnd = op, text[vs:ve], vs, ve
		}
		if comma < 0 {
			break
		}
		start = stop + 1
	}
	e.exact = exact == 1 && e.version != ""
	if !e.exact {
		e.op, e.version, e.verStart, e.verEnd = "", "", 0, 0
	}
	return e, true
}

func isSpecStart(c byte) bool {
	return strings.IndexByte("=!<>~(;@[ \t#\\", c) >= 0
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// specEnd returns where the specifier starting at k ends: at a marker's
// `;`, a comment, an option (whitespace then `-`) or a continuation
// backslash.
func specEnd(text string, k int) int {
	for i := k; i < len(text); i++ {
		switch c := text[i]; {
		case c == ';':
			return i
		case c == '#' && i > 0 && (text[i-1] == ' ' || text[i-1] == '\t'):
			return i
		case c == ' ' || c == '\t':
			if n := skipSpace(text, i); n < len(text) && text[n] == '-' {
				return i
			}
		case c == '\\' && strings.TrimSpace(text[i+1:]) == "":
			return i
		}
	}
	return len(text)
}

// parseClause reads the clause text[start:stop] ("== 1.2"), returning its
// operator and the span of its version.
func parseClause(text string, start, stop int) (op string, vs, ve int) {
	i := skipSpace(text[:stop], start)
	for _, o := range []string{"===", "==", "!=", "<=", ">=", "~=", "<", ">"} {
		if strings.HasPrefix(text[i:stop], o) {
			op = o
			break
		}
	}
	if op == "" {
		return "", 0, 0
	}
	vs = skipSpace(text[:stop], i+len(op))
	ve = stop
	for ve > vs && (text[ve-1] == ' ' || text[ve-1] == '\t') {
		ve--
	}
	if ve == vs || strings.ContainsAny(text[vs:ve], " \t") {
		return "", 0, 0
	}
	return op, vs, ve
}

// viaComment reads pip-compile's `# via` comment of the requirement on lines
// first..last: at the end of its first line (pip-tools before 6.0), or on the
// comment lines that follow it (`# via x` or `# via` then `#   x` lines).
func viaComment(lines []physLine, first, last int) ([]string, bool) {
	text := lines[first].text
	if c := commentStart(text); c < len(text) {
		body := strings.TrimSpace(text[c+1:])
		if rest, ok := strings.CutPrefix(body, "via "); ok {
			return splitVia(rest), true
		}
	}
	i := last + 1
	if i >= len(lines) || !isCommentLine(lines[i].text) {
		return nil, false
	}
	body := strings.TrimSpace(strings.TrimLeft(lines[i].text, " \t")[1:])
	if body != "via" && !strings.HasPrefix(body, "via ") {
		return nil, false
	}
	if rest := strings.TrimSpace(strings.TrimPrefix(body, "via")); rest != "" {
		return splitVia(rest), true
	}
	var via []string
	for i++; i < len(lines) && isCommentLine(lines[i].text); i++ {
		raw := strings.TrimLeft(lines[i].text, " \t")[1:]
		if !strings.HasPrefix(raw, "  ") {
			break
		}
		if v := strings.TrimSpace(raw); v != "" {
			via = append(via, v)
		}
	}
	return via, true
}

func splitVia(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// span is a byte range of a line.
type span struct{ start, end int }

// hashTokens returns the spans of the --hash options of a line (before any
// comment): "--hash=ALGO:HEX" or "--hash ALGO:HEX".
func hashTokens(text string) []span {
	text = text[:commentStart(text)]
	var out []span
	toks := fieldSpans(text)
	for i := 0; i < len(toks); i++ {
		t := text[toks[i].start:toks[i].end]
		switch {
		case strings.HasPrefix(t, "--hash="):
			out = append(out, toks[i])
		case t == "--hash" && i+1 < len(toks) && text[toks[i+1].start:toks[i+1].end] != `\`:
			out = append(out, span{toks[i].start, toks[i+1].end})
			i++
		}
	}
	return out
}

// fieldSpans returns the spans of the whitespace-separated words of s.
func fieldSpans(s string) []span {
	var out []span
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' || s[i] == '\t' {
			if start >= 0 {
				out = append(out, span{start, i})
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	return out
}

// errHashLayout is returned when --hash options are laid out in a way the
// rewriter does not rebuild.
var errHashLayout = errors.New("the --hash options are laid out in an unusual way")

// rewritePins sets every exact pin of the package norm at version from to
// version to in a requirements file, and returns the new content and how
// many pins changed. A pin with --hash options gets hashes instead of its
// old ones; hashes nil with such a pin is an error.
func rewritePins(data []byte, norm, from, to string, hashes []string) ([]byte, int, error) {
	lines := splitLines(data)
	entries := scanRequirements(lines)
	var out []physLine
	next, n := 0, 0
	for _, e := range entries {
		if e.norm != norm || !e.exact || !sameVersion(e.version, from) {
			continue
		}
		group := append([]physLine(nil), lines[e.first:e.last+1]...)
		t := group[0].text
		group[0].text = t[:e.verStart] + to + t[e.verEnd:]
		if e.hashes {
			if hashes == nil {
				return nil, 0, fmt.Errorf("line %d: %s carries --hash options and the hashes of %s are not known", e.line(), e.name, to)
			}
			var err error
			if group, err = replaceHashes(group, hashes); err != nil {
				return nil, 0, fmt.Errorf("line %d: %s: %w", e.line(), e.name, err)
			}
		}
		out = append(out, lines[next:e.first]...)
		out = append(out, group...)
		next = e.last + 1
		n++
	}
	if n == 0 {
		return data, 0, nil
	}
	out = append(out, lines[next:]...)
	return joinLines(out), n, nil
}

// replaceHashes puts hashes in place of the --hash options of a logical
// line: inline when they are on the requirement's own line, one per
// continuation line (pip-compile's layout) when they are on lines of their
// own.
func replaceHashes(group []physLine, hashes []string) ([]physLine, error) {
	if len(hashes) == 0 {
		return nil, errors.New("no hashes to write")
	}
	opts := make([]string, len(hashes))
	for i, h := range hashes {
		opts[i] = "--hash=" + h
	}
	if toks := hashTokens(group[0].text); len(toks) > 0 {
		if len(group) > 1 {
			for _, l := range group[1:] {
				if len(hashTokens(l.text)) > 0 {
					return nil, errHashLayout
				}
			}
		}
		t := group[0].text
		a, b := toks[0].start, toks[len(toks)-1].end
		for _, f := range fieldSpans(t[a:b]) {
			if w := t[a+f.start : a+f.end]; !strings.HasPrefix(w, "--hash") && !strings.Contains(w, ":") {
				return nil, errHashLayout // another option between the hashes
			}
		}
		out := append([]physLine(nil), group...)
		out[0].text = t[:a] + strings.Join(opts, " ") + t[b:]
		return out, nil
	}
	b0, b1 := -1, -1
	for i := 1; i < len(group); i++ {
		if len(hashTokens(group[i].text)) == 0 {
			if b0 >= 0 && b1 < 0 {
				b1 = i - 1
			}
			continue
		}
		if !hashOnly(group[i].text) || b1 >= 0 {
			return nil, errHashLayout
		}
		if b0 < 0 {
			b0 = i
		}
	}
	if b0 < 0 {
		return nil, errHashLayout
	}
	if b1 < 0 {
		b1 = len(group) - 1
	}
	lastInGroup := b1 == len(group)-1
	l := group[b0].text
	indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
	nl := group[0].eol // the first line continues, so it has one
	if nl == "" {
		nl = "\n"
	}
	var repl []physLine
	for i, o := range opts {
		text := indent + o
		eol := nl
		if i < len(opts)-1 || !lastInGroup {
			text += ` \`
		}
		if i == len(opts)-1 {
			eol = group[b1].eol
		}
		repl = append(repl, physLine{text: text, eol: eol})
	}
	out := append([]physLine(nil), group[:b0]...)
	out = append(out, repl...)
	return append(out, group[b1+1:]...), nil
}

// hashOnly reports whether a line holds nothing but --hash options (and a
// continuation backslash).
func hashOnly(text string) bool {
	t := strings.TrimSpace(text[:commentStart(text)])
	t = strings.TrimSpace(strings.TrimSuffix(t, `\`))
	rest := t
	for _, sp := range hashTokens(t) {
		rest = strings.Replace(rest, t[sp.start:sp.end], "", 1)
	}
	return strings.TrimSpace(rest) == ""
}

// sameVersion reports whether a and b are the same PEP 440 version ("1.0"
// and "1.0.0" are); versions that do not parse are compared as written.
func sameVersion(a, b string) bool {
	if a == b {
		return true
	}
	va, err1 := pep440.Ordering{}.Parse(a)
	vb, err2 := pep440.Ordering{}.Parse(b)
	if err1 != nil || err2 != nil {
		return false
	}
	return va.Compare(vb) == 0
}

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-'
}

// validName reports whether s is a PEP 508 name.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameChar(s[i]) {
			return false
		}
	}
	return isAlnum(s[0]) && isAlnum(s[len(s)-1])
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
