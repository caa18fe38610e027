package pylex

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tName
	tOp
	tString  // val is the decoded value for plain strings, empty for f/t-strings and bytes
	tNumber  //
	tNewline // end of a logical line
)

type token struct {
	kind  tokKind
	pos   int
	val   string
	plain bool // a string whose value is known (not an f-string, t-string or bytes)
}

// maxNesting bounds the nesting of f-string replacement fields.
const maxNesting = 200

// lexer splits Python source into tokens, following the language's lexical
// rules for names, strings (every prefix, triple quotes, f-string
// replacement fields with nested strings as PEP 701 allows), comments,
// explicit (backslash) and implicit (bracket) line joining. It never fails:
// it records the first problem and goes on.
type lexer struct {
	src    []byte
	pos    int
	depth  int // bracket depth: newlines inside brackets do not end a line
	toks   []token
	errPos int
	errMsg string
	intern map[string]string
}

// internBytes returns b as a string, allocating each distinct name once
// per file.
func (l *lexer) internBytes(b []byte) string {
	if s, ok := l.intern[string(b)]; ok {
		return s
	}
	s := string(b)
	l.intern[s] = s
	return s
}

func (l *lexer) fail(pos int, msg string) {
	if l.errPos < 0 {
		l.errPos, l.errMsg = pos, msg
	}
}

func (l *lexer) run() {
	if strings.HasPrefix(string(l.src[:min(3, len(l.src))]), "\xEF\xBB\xBF") {
		l.pos = 3
	}
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		start := l.pos
		switch {
		case c == '\n' || c == '\r' && (l.pos+1 >= len(l.src) || l.src[l.pos+1] != '\n'):
			l.pos++ // a lone \r ends a line too, as in old Mac files
			if l.depth == 0 {
				l.newline(start)
			}
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			l.pos++
		case c == '#':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' && l.src[l.pos] != '\r' {
				l.pos++
			}
		case c == '\\':
			l.pos++
			if l.pos < len(l.src) && l.src[l.pos] == '\r' {
				l.pos++
			}
			if l.pos < len(l.src) && l.src[l.pos] == '\n' {
				l.pos++ // explicit line joining
			} else {
				l.fail(start, "unexpected character after line continuation")
			}
		case c == '"' || c == '\'':
			l.toks = append(l.toks, l.string(start, ""))
		case isNameStart(c):
			end := l.nameEnd(l.pos)
			name := l.internBytes(l.src[l.pos:end])
			l.pos = end
			if end < len(l.src) && (l.src[end] == '"' || l.src[end] == '\'') && isStringPrefix(name) {
				l.toks = append(l.toks, l.string(start, strings.ToLower(name)))
				continue
			}
			l.toks = append(l.toks, token{kind: tName, pos: start, val: name})
		case isDigit(c) || c == '.' && l.pos+1 < len(l.src) && isDigit(l.src[l.pos+1]):
			for l.pos < len(l.src) && (isNamePart(l.src[l.pos]) && l.src[l.pos] < 0x80 || l.src[l.pos] == '.' ||
				(l.src[l.pos] == '+' || l.src[l.pos] == '-') && l.src[l.pos-1]|0x20 == 'e' && !isHexNumber(l.src[start:l.pos])) {
				l.pos++
			}
			l.toks = append(l.toks, token{kind: tNumber, pos: start})
		default:
			switch c {
			case '(', '[', '{':
				l.depth++
			case ')', ']', '}':
				if l.depth > 0 {
					l.depth--
				}
			}
			_, size := utf8.DecodeRune(l.src[l.pos:])
			l.pos += size
			l.toks = append(l.toks, token{kind: tOp, pos: start, val: string(l.src[start:l.pos])})
		}
	}
	l.newline(len(l.src))
}

func isHexNumber(b []byte) bool {
	return len(b) >= 2 && b[0] == '0' && b[1]|0x20 == 'x'
}

func (l *lexer) newline(pos int) {
	if n := len(l.toks); n > 0 && l.toks[n-1].kind != tNewline {
		l.toks = append(l.toks, token{kind: tNewline, pos: pos})
	}
}

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isNamePart(c byte) bool { return isNameStart(c) || isDigit(c) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (l *lexer) nameEnd(i int) int {
	for i < len(l.src) && isNamePart(l.src[i]) {
		i++
	}
	return i
}

// isStringPrefix reports whether name is a string prefix (any case): r, u,
// b, f, t and the combinations br, rb, fr, rf, tr, rt.
func isStringPrefix(name string) bool {
	switch strings.ToLower(name) {
	case "r", "u", "b", "f", "t", "br", "rb", "fr", "rf", "tr", "rt":
		return true
	}
	return false
}

// string lexes a string literal whose prefix (lower case) ends at l.pos,
// where the quote is. start is where the prefix begins.
func (l *lexer) string(start int, prefix string) token {
	raw := strings.ContainsRune(prefix, 'r')
	format := strings.ContainsAny(prefix, "ft")
	bytesLit := strings.ContainsRune(prefix, 'b')
	body, ok := l.stringBody(raw, format, 0)
	if !ok {
		l.fail(start, "unterminated string")
	}
	t := token{kind: tString, pos: start}
	if !format && !bytesLit {
		t.plain = true
		if raw {
			t.val = body
		} else {
			t.val = unescape(body)
		}
	}
	return t
}

// stringBody lexes from the opening quote at l.pos to just after the
// closing one and returns the text between them. In f-strings (format)
// replacement fields are skipped as code, with their own nested strings.
func (l *lexer) stringBody(raw, format bool, nesting int) (string, bool) {
	q := l.src[l.pos]
	triple := l.pos+2 < len(l.src) && l.src[l.pos+1] == q && l.src[l.pos+2] == q
	if triple {
		l.pos += 3
	} else {
		l.pos++
	}
	bodyStart := l.pos
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '\\':
			switch next := l.src[min(l.pos+1, len(l.src)-1)]; {
			case format && next == '{':
				l.pos++ // the brace still opens a replacement field
				continue
			case format && !raw && next == 'N' && l.pos+2 < len(l.src) && l.src[l.pos+2] == '{':
				if end := bytes.IndexByte(l.src[l.pos:], '}'); end >= 0 {
					l.pos += end + 1 // \N{NAME} is an escape, not a field
					continue
				}
			}
			l.pos += 2
			if l.pos <= len(l.src) && l.src[l.pos-1] == '\r' && l.pos < len(l.src) && l.src[l.pos] == '\n' {
				l.pos++
			}
			continue
		case c == q:
			if !triple {
				l.pos++
				return string(l.src[bodyStart : l.pos-1]), true
			}
			if l.pos+2 < len(l.src) && l.src[l.pos+1] == q && l.src[l.pos+2] == q {
				l.pos += 3
				return string(l.src[bodyStart : l.pos-3]), true
			}
		case (c == '\n' || c == '\r') && !triple:
			return string(l.src[bodyStart:l.pos]), false
		case format && c == '{':
			if l.pos+1 < len(l.src) && l.src[l.pos+1] == '{' {
				l.pos += 2
				continue
			}
			l.pos++
			if !l.replacementField(nesting + 1) {
				return string(l.src[bodyStart:l.pos]), false
			}
			continue
		}
		l.pos++
	}
	return string(l.src[bodyStart:]), false
}

// replacementField skips an f-string replacement field from just after its
// { to just after its }: an expression (with brackets, nested strings and
// comments), then an optional !conversion and :format spec, which may
// itself hold nested fields.
func (l *lexer) replacementField(nesting int) bool {
	if nesting > maxNesting {
		l.fail(l.pos, "f-string nested too deeply")
		return false
	}
	depth := 0
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '"' || c == '\'':
			if _, ok := l.stringBody(false, false, nesting); !ok {
				return false
			}
			continue
		case isNameStart(c):
			end := l.nameEnd(l.pos)
			if end < len(l.src) && (l.src[end] == '"' || l.src[end] == '\'') && isStringPrefix(string(l.src[l.pos:end])) {
				prefix := strings.ToLower(string(l.src[l.pos:end]))
				l.pos = end
				if _, ok := l.stringBody(strings.ContainsRune(prefix, 'r'), strings.ContainsAny(prefix, "ft"), nesting); !ok {
					return false
				}
				continue
			}
			l.pos = end
			continue
		case c == '#':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
			continue
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']':
			if depth > 0 {
				depth--
			}
		case c == '}':
			if depth == 0 {
				l.pos++
				return true
			}
			depth--
		case depth == 0 && c == '!' && !(l.pos+1 < len(l.src) && l.src[l.pos+1] == '='):
			l.pos++ // conversion: !r, !s, !a
		case depth == 0 && c == ':':
			l.pos++
			return l.formatSpec(nesting)
		}
		l.pos++
	}
	return false
}

// formatSpec skips a replacement field's format spec up to and including
// the } that ends the field.
func (l *lexer) formatSpec(nesting int) bool {
	for l.pos < len(l.src) {
		switch l.src[l.pos] {
		case '{':
			l.pos++
			if !l.replacementField(nesting + 1) {
				return false
			}
			continue
		case '}':
			l.pos++
			return true
		case '\n':
			return false
		}
		l.pos++
	}
	return false
}

// unescape decodes the escapes of a plain string's body that can appear in
// module names; others are kept as written.
func unescape(s string) string {
	if !strings.ContainsRune(s, '\\') {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			sb.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case '\n':
		case '\\', '\'', '"':
			sb.WriteByte(s[i])
		case 'n':
			sb.WriteByte('\n')
		case 't':
			sb.WriteByte('\t')
		default:
			sb.WriteByte('\\')
			sb.WriteByte(s[i])
		}
	}
	return sb.String()
}
