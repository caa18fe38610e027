package jslex

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// tokKind is the kind of a token.
type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tPunct
	tString         // '…' or "…"; val is the decoded value
	tTemplate       // `…` without substitutions; val is the decoded value
	tTemplateHead   // `…${
	tTemplateMiddle // }…${
	tTemplateTail   // }…`
	tRegex
	tNumber
	tJSX // a whole JSX element, seen as one value
)

// token is one significant token (never a comment or white space).
type token struct {
	kind tokKind
	pos  int    // byte offset of the first byte
	val  string // identifier or punctuator text; decoded value of strings
	// jsx marks the braces of a JSX {expression}.
	jsx bool
}

// frameKind says what an open brace (or JSX construct) is.
type frameKind uint8

const (
	fBlock        frameKind = iota // { … } statement block or class body
	fObject                        // { … } object literal or pattern
	fTemplate                      // ${ … } in a template literal
	fJSXAttrExpr                   // { … } in a JSX tag
	fJSXChildExpr                  // { … } among JSX children
	fJSXTag                        // inside <Tag …>
	fJSXChildren                   // between <Tag> and </Tag>
)

// exprKeywords are the keywords after which an expression starts, so a slash
// there opens a regular expression rather than dividing.
var exprKeywords = map[string]bool{
	"return": true, "typeof": true, "instanceof": true, "in": true, "of": true,
	"new": true, "delete": true, "void": true, "throw": true, "case": true,
	"do": true, "else": true, "yield": true, "await": true,
}

// multiPunct are the punctuators longer than one byte, longest first within
// each length. Others are emitted one byte at a time, which is enough to
// recognise imports and to tell regular expressions from division.
var multiPunct = []string{
	">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=",
	"=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=",
	"*=", "%=", "&=", "|=", "^=", "**", "<<", ">>",
}

// lexer turns source into significant tokens. It never fails: on a
// construct it cannot finish (an unterminated string, comment, template or
// JSX element) it records the first such problem and goes on.
type lexer struct {
	src     []byte
	pos     int
	jsx     bool // JSX elements are recognised
	tsx     bool // TypeScript with JSX: <T,> and <T extends …> are type parameters
	frames  []frameKind
	parens  []bool // per open parenthesis: it follows if/while/for/with
	toks    []token
	prev    token // last significant token; kind tEOF at the start
	prevDot bool  // prev is an identifier right after . or ?. (a property name)

	closedParenKeyword bool // the last ) closed an if/while/for/with condition
	closedBraceBlock   bool // the last } closed a block

	errPos int // offset of the first problem, -1 when none
	errMsg string

	intern map[string]string

	noRegexUntil int // a regular expression cannot start before this offset
}

func newLexer(src []byte, d Dialect) *lexer {
	return &lexer{
		src: src, jsx: d != TypeScript, tsx: d == TSX, errPos: -1,
		toks: make([]token, 0, len(src)/8), intern: map[string]string{},
	}
}

// internBytes returns b as a string, allocating each distinct identifier
// once per file.
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

func (l *lexer) top() (frameKind, bool) {
	if len(l.frames) == 0 {
		return 0, false
	}
	return l.frames[len(l.frames)-1], true
}

func (l *lexer) push(f frameKind) { l.frames = append(l.frames, f) }

func (l *lexer) pop() (frameKind, bool) {
	f, ok := l.top()
	if ok {
		l.frames = l.frames[:len(l.frames)-1]
	}
	return f, ok
}

// run lexes the whole source.
func (l *lexer) run() {
	if len(l.src) >= 3 && l.src[0] == 0xEF && l.src[1] == 0xBB && l.src[2] == 0xBF {
		l.pos = 3 // byte order mark
	}
	if strings.HasPrefix(string(l.src[l.pos:min(len(l.src), l.pos+2)]), "#!") {
		l.skipLine()
	}
	for {
		t := l.next()
		if t.kind == tEOF {
			break
		}
		l.emit(t)
	}
	for _, f := range l.frames {
		if f == fJSXTag || f == fJSXChildren {
			l.fail(len(l.src), "unterminated JSX element")
			break
		}
		if f == fTemplate {
			l.fail(len(l.src), "unterminated template literal")
			break
		}
	}
}

func (l *lexer) emit(t token) {
	l.prevDot = t.kind == tIdent && l.prev.kind == tPunct && (l.prev.val == "." || l.prev.val == "?.")
	l.prev = t
	l.toks = append(l.toks, t)
}

// regexAllowed reports whether a slash at this point starts a regular
// expression: the previous significant token cannot end an expression.
func (l *lexer) regexAllowed() bool {
	switch l.prev.kind {
	case tEOF, tTemplateHead, tTemplateMiddle:
		return true
	case tIdent:
		return !l.prevDot && exprKeywords[l.prev.val]
	case tPunct:
		switch l.prev.val {
		case ")":
			return l.closedParenKeyword
		case "]", "++", "--":
			return false
		case "}":
			return l.closedBraceBlock
		}
		return true
	}
	return false // numbers, strings, templates, regular expressions, JSX
}

// braceIsBlock reports whether a { at this point opens a block (rather than
// an object literal), judged by the previous token.
func (l *lexer) braceIsBlock() bool {
	switch l.prev.kind {
	case tEOF:
		return true
	case tIdent:
		if l.prevDot {
			return false
		}
		if l.prev.val == "do" || l.prev.val == "else" {
			return true
		}
		return !exprKeywords[l.prev.val]
	case tPunct:
		switch l.prev.val {
		case ";", "{", "}", ")", "=>":
			return true
		}
	}
	return false
}

// next returns the next significant token, or a token of kind tEOF.
func (l *lexer) next() token {
	for {
		if f, ok := l.top(); ok && (f == fJSXTag || f == fJSXChildren) {
			var t token
			var ok bool
			if f == fJSXTag {
				t, ok = l.jsxTag()
			} else {
				t, ok = l.jsxChildren()
			}
			if ok {
				return t
			}
			continue
		}
		l.skipSpace()
		if l.pos >= len(l.src) {
			return token{kind: tEOF, pos: l.pos}
		}
		start := l.pos
		c := l.src[l.pos]
		switch {
		case c == '"' || c == '\'':
			return l.string(c)
		case c == '`':
			l.pos++
			return l.template(start, true)
		case isIdentStart(c):
			return l.ident()
		case isDigit(c) || c == '.' && l.pos+1 < len(l.src) && isDigit(l.src[l.pos+1]):
			return l.number()
		case c == '/':
			if l.regexAllowed() {
				if t, ok := l.regex(); ok {
					return t
				}
			}
			l.pos++
			return token{kind: tPunct, pos: start, val: "/"}
		case c == '<' && l.jsx && l.regexAllowed() && l.jsxStart():
			continue // the JSX tag frame is pushed
		case c == '{':
			if l.braceIsBlock() {
				l.push(fBlock)
			} else {
				l.push(fObject)
			}
			l.pos++
			return token{kind: tPunct, pos: start, val: "{"}
		case c == '}':
			f, _ := l.pop()
			l.pos++
			switch f {
			case fTemplate:
				return l.template(start, false)
			case fJSXAttrExpr, fJSXChildExpr:
				// Back to the JSX tag or children on the next call.
				return token{kind: tPunct, pos: start, val: "}", jsx: true}
			}
			l.closedBraceBlock = f == fBlock
			return token{kind: tPunct, pos: start, val: "}"}
		case c == '(':
			kw := l.prev.kind == tIdent && !l.prevDot &&
				(l.prev.val == "if" || l.prev.val == "while" || l.prev.val == "for" || l.prev.val == "with")
			l.parens = append(l.parens, kw)
			l.pos++
			return token{kind: tPunct, pos: start, val: "("}
		case c == ')':
			l.closedParenKeyword = false
			if n := len(l.parens); n > 0 {
				l.closedParenKeyword = l.parens[n-1]
				l.parens = l.parens[:n-1]
			}
			l.pos++
			return token{kind: tPunct, pos: start, val: ")"}
		}
		return l.punct()
	}
}

func (l *lexer) punct() token {
	start := l.pos
	rest := l.src[l.pos:]
	for _, p := range multiPunct {
		if len(rest) >= len(p) && string(rest[:len(p)]) == p {
			if p == "?." && len(rest) > 2 && isDigit(rest[2]) {
				continue // a ? b?.5:c — conditional, then a number
			}
			l.pos += len(p)
			return token{kind: tPunct, pos: start, val: p}
		}
	}
	_, size := utf8.DecodeRune(rest)
	l.pos += size
	return token{kind: tPunct, pos: start, val: string(rest[:size])}
}

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			l.pos++
		case c == '/' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '/':
			l.skipLine()
		case c == '/' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '*':
			end := bytes.Index(l.src[l.pos+2:], []byte("*/"))
			if end < 0 {
				l.fail(l.pos, "unterminated comment")
				l.pos = len(l.src)
				return
			}
			l.pos += 2 + end + 2
		case c >= 0x80:
			r, size := utf8.DecodeRune(l.src[l.pos:])
			if !isUnicodeSpace(r) {
				return
			}
			l.pos += size
		default:
			return
		}
	}
}

func isUnicodeSpace(r rune) bool {
	switch r {
	case 0xA0, 0xFEFF, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

func (l *lexer) skipLine() {
	for l.pos < len(l.src) && l.src[l.pos] != '\n' {
		l.pos++
	}
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$' || c == '\\' || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || isDigit(c) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (l *lexer) ident() token {
	start := l.pos
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c >= 0x80 {
			r, size := utf8.DecodeRune(l.src[l.pos:])
			if isUnicodeSpace(r) {
				break
			}
			l.pos += size
			continue
		}
		if !isIdentPart(c) {
			break
		}
		if c == '\\' && l.pos+1 < len(l.src) {
			l.pos++ // \u escape in an identifier
		}
		l.pos++
	}
	return token{kind: tIdent, pos: start, val: l.internBytes(l.src[start:l.pos])}
}

func (l *lexer) number() token {
	start := l.pos
	hex := l.pos+1 < len(l.src) && l.src[l.pos] == '0' && (l.src[l.pos+1]|0x20 == 'x')
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if isIdentPart(c) && c < 0x80 && c != '\\' || c == '.' {
			l.pos++
			continue
		}
		if (c == '+' || c == '-') && !hex && l.src[l.pos-1]|0x20 == 'e' {
			l.pos++
			continue
		}
		break
	}
	return token{kind: tNumber, pos: start, val: string(l.src[start:l.pos])}
}

// string lexes a quoted string; an unterminated one ends at the line's end.
func (l *lexer) string(q byte) token {
	start := l.pos
	l.pos++
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch c {
		case q:
			l.pos++
			return token{kind: tString, pos: start, val: decode(l.src[start+1 : l.pos-1])}
		case '\\':
			l.pos += 2
			if l.pos-1 < len(l.src) && l.src[l.pos-1] == '\r' && l.pos < len(l.src) && l.src[l.pos] == '\n' {
				l.pos++
			}
			continue
		case '\n', '\r':
			l.fail(start, "unterminated string")
			return token{kind: tString, pos: start, val: decode(l.src[start+1 : l.pos])}
		}
		l.pos++
	}
	l.fail(start, "unterminated string")
	l.pos = len(l.src)
	return token{kind: tString, pos: start, val: decode(l.src[start+1:])}
}

// template lexes a template literal's text from l.pos, which is just after
// the opening backquote (head is true) or after the } closing a substitution.
func (l *lexer) template(start int, head bool) token {
	textStart := l.pos
	for l.pos < len(l.src) {
		switch l.src[l.pos] {
		case '\\':
			l.pos += 2
			continue
		case '`':
			text := l.src[textStart:l.pos]
			l.pos++
			if head {
				return token{kind: tTemplate, pos: start, val: decode(text)}
			}
			return token{kind: tTemplateTail, pos: start}
		case '$':
			if l.pos+1 < len(l.src) && l.src[l.pos+1] == '{' {
				l.pos += 2
				l.push(fTemplate)
				if head {
					return token{kind: tTemplateHead, pos: start}
				}
				return token{kind: tTemplateMiddle, pos: start}
			}
		}
		l.pos++
	}
	l.fail(start, "unterminated template literal")
	l.pos = len(l.src)
	if head {
		return token{kind: tTemplate, pos: start, val: decode(l.src[textStart:])}
	}
	return token{kind: tTemplateTail, pos: start}
}

// regex lexes a regular expression literal. It reports false, consuming
// nothing, when no literal ends on this line: the slash is then taken as
// an operator.
func (l *lexer) regex() (token, bool) {
	start := l.pos
	if start < l.noRegexUntil {
		// An attempt from earlier on this line found no end: one from
		// here would scan the same bytes (and, but for a character class
		// opened in between, fail the same way).
		return token{}, false
	}
	i := l.pos + 1
	inClass := false
	for i < len(l.src) {
		c := l.src[i]
		switch {
		case c == '\n' || c == '\r':
			l.noRegexUntil = i
			return token{}, false
		case c == '\\':
			i++
			if i < len(l.src) && (l.src[i] == '\n' || l.src[i] == '\r') {
				l.noRegexUntil = i
				return token{}, false
			}
		case c == '[':
			inClass = true
		case c == ']':
			inClass = false
		case c == '/' && !inClass:
			i++
			for i < len(l.src) && isIdentPart(l.src[i]) && l.src[i] < 0x80 && l.src[i] != '\\' {
				i++ // flags
			}
			l.pos = i
			return token{kind: tRegex, pos: start}, true
		}
		i++
	}
	l.noRegexUntil = i
	return token{}, false
}

// decode decodes the escapes of a string or template literal's text.
// Malformed escapes are kept as written.
func decode(b []byte) string {
	if bytes.IndexByte(b, '\\') < 0 {
		return string(b)
	}
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 >= len(b) {
			sb.WriteByte(c)
			continue
		}
		i++
		switch e := b[i]; e {
		case 'n':
			sb.WriteByte('\n')
		case 't':
			sb.WriteByte('\t')
		case 'r':
			sb.WriteByte('\r')
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'v':
			sb.WriteByte('\v')
		case '0':
			sb.WriteByte(0)
		case '\r':
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
		case '\n':
			// line continuation
		case 'x':
			if i+2 < len(b) {
				if v, err := strconv.ParseUint(string(b[i+1:i+3]), 16, 8); err == nil {
					sb.WriteByte(byte(v))
					i += 2
					continue
				}
			}
			sb.WriteByte(e)
		case 'u':
			digits, n := "", 0
			if i+1 < len(b) && b[i+1] == '{' {
				if end := bytes.IndexByte(b[i+2:], '}'); end >= 0 {
					digits, n = string(b[i+2:i+2+end]), end+2
				}
			} else if i+4 < len(b) {
				digits, n = string(b[i+1:i+5]), 4
			}
			if v, err := strconv.ParseUint(digits, 16, 32); err == nil && n > 0 && utf8.ValidRune(rune(v)) {
				sb.WriteRune(rune(v))
				i += n
				continue
			}
			sb.WriteByte(e)
		default:
			sb.WriteByte(e)
		}
	}
	return sb.String()
}

// jsxStart is called at a < where an expression may start. When what
// follows looks like a JSX element (<Name or <> for a fragment) it consumes
// the < and the tag name, pushes a tag frame and reports true.
func (l *lexer) jsxStart() bool {
	i := l.pos + 1
	for i < len(l.src) && (l.src[i] == ' ' || l.src[i] == '\t' || l.src[i] == '\n' || l.src[i] == '\r') {
		i++
	}
	if i >= len(l.src) {
		return false
	}
	if l.src[i] == '>' { // fragment
		l.pos = i + 1
		l.push(fJSXChildren)
		return true
	}
	if !isIdentStart(l.src[i]) || l.src[i] == '\\' {
		return false
	}
	nameEnd := l.jsxName(i)
	if l.tsx {
		// <T,>(…) and <T extends U>(…) are generic arrow functions in .tsx.
		j := nameEnd
		for j < len(l.src) && (l.src[j] == ' ' || l.src[j] == '\t' || l.src[j] == '\n' || l.src[j] == '\r') {
			j++
		}
		if j < len(l.src) && l.src[j] == ',' ||
			strings.HasPrefix(string(l.src[j:min(len(l.src), j+8)]), "extends") && (j+7 >= len(l.src) || !isIdentPart(l.src[j+7])) {
			return false
		}
	}
	l.pos = nameEnd
	l.push(fJSXTag)
	return true
}

// jsxName returns the end of the JSX tag or attribute name starting at i
// (identifiers joined by '.', ':' or '-').
func (l *lexer) jsxName(i int) int {
	for i < len(l.src) {
		c := l.src[i]
		if isIdentPart(c) && c != '\\' || c == '.' || c == ':' || c == '-' {
			i++
			continue
		}
		break
	}
	return i
}

// jsxTag scans inside a JSX opening tag. It returns a token when it leaves
// the tag for a JavaScript expression ({) or the element ends; ok is false
// when it only changed frames.
func (l *lexer) jsxTag() (token, bool) {
	for {
		l.skipSpace()
		if l.pos >= len(l.src) {
			l.fail(l.pos, "unterminated JSX element")
			l.frames = l.frames[:0]
			return token{kind: tEOF, pos: l.pos}, true
		}
		start := l.pos
		c := l.src[l.pos]
		switch {
		case c == '/' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '>':
			l.pos += 2
			l.pop()
			return l.jsxElementEnd(start)
		case c == '>':
			l.pos++
			l.frames[len(l.frames)-1] = fJSXChildren
			return token{}, false
		case c == '{':
			l.pos++
			l.push(fJSXAttrExpr)
			return token{kind: tPunct, pos: start, val: "{", jsx: true}, true
		case c == '"' || c == '\'':
			end := bytes.IndexByte(l.src[l.pos+1:], c)
			if end < 0 {
				l.fail(start, "unterminated string")
				l.pos = len(l.src)
				continue
			}
			l.pos += end + 2
		case c == '=':
			l.pos++
		case c == '<':
			if l.jsxStart() {
				return token{}, false
			}
			l.pos++
		case isIdentStart(c) && c != '\\':
			l.pos = l.jsxName(l.pos)
		default:
			// Not JSX after all (or broken JSX): go back to JavaScript.
			l.pop()
			return token{}, false
		}
	}
}

// jsxChildren scans the children of a JSX element (text, nested elements,
// {expressions}) up to its closing tag.
func (l *lexer) jsxChildren() (token, bool) {
	for l.pos < len(l.src) {
		start := l.pos
		switch l.src[l.pos] {
		case '{':
			l.pos++
			l.push(fJSXChildExpr)
			return token{kind: tPunct, pos: start, val: "{", jsx: true}, true
		case '<':
			j := l.pos + 1
			for j < len(l.src) && (l.src[j] == ' ' || l.src[j] == '\t' || l.src[j] == '\n' || l.src[j] == '\r') {
				j++
			}
			if j < len(l.src) && l.src[j] == '/' { // closing tag
				end := bytes.IndexByte(l.src[j:], '>')
				if end < 0 {
					l.pos = len(l.src)
					continue
				}
				l.pos = j + end + 1
				l.pop()
				return l.jsxElementEnd(start)
			}
			if l.jsxStart() {
				return token{}, false
			}
			l.pos++
		default:
			l.pos++
		}
	}
	l.fail(l.pos, "unterminated JSX element")
	l.frames = l.frames[:0]
	return token{kind: tEOF, pos: l.pos}, true
}

// jsxElementEnd is called after an element's frame was popped: it carries
// on with the enclosing JSX, or returns the element as one value token.
func (l *lexer) jsxElementEnd(start int) (token, bool) {
	if f, ok := l.top(); ok && (f == fJSXChildren || f == fJSXTag) {
		return token{}, false
	}
	return token{kind: tJSX, pos: start}, true
}
