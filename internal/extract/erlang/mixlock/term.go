package mixlock

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// This file reads the Elixir term syntax that mix.lock is written in: a map
// (or, in the oldest locks, a keyword list) of strings, atoms, numbers,
// lists, tuples and keyword lists. The lexer also knows enough of the rest
// of Elixir (identifiers, operators, sigils, heredocs, comments, string
// interpolation) to tokenize a whole mix.exs, and the parser has a lenient
// mode that passes over expressions it does not model (function calls,
// operators, do/end blocks) as opaque terms, so that the dependency tuples
// of a mix.exs can be read without evaluating it.

// tokKind is the kind of a token.
type tokKind int

const (
	tokEOF    tokKind = iota
	tokString         // "..." or """...""" (val is the text between the quotes, escapes kept)
	tokChars          // '...' charlist
	tokAtom           // :name or :"name" (val is the name)
	tokKey            // name: or "name": in a keyword list or map (val is the name)
	tokIdent          // identifier, including do, end, fn, true, false, nil
	tokAlias          // Capitalised alias such as Mix
	tokNumber         // integer, float or ?c character literal
	tokSigil          // ~w(...) and the like
	tokPunct          // { } [ ] ( ) , %{ =>
	tokOp             // any other operator or punctuation
)

func (k tokKind) String() string {
	switch k {
	case tokEOF:
		return "end of file"
	case tokString:
		return "string"
	case tokChars:
		return "charlist"
	case tokAtom:
		return "atom"
	case tokKey:
		return "keyword key"
	case tokIdent:
		return "identifier"
	case tokAlias:
		return "alias"
	case tokNumber:
		return "number"
	case tokSigil:
		return "sigil"
	case tokPunct, tokOp:
		return "punctuation"
	}
	return "token"
}

// token is one lexical token and the 1-based line it starts on.
type token struct {
	kind tokKind
	val  string
	line int
}

func (t token) String() string {
	switch t.kind {
	case tokEOF:
		return "end of file"
	case tokPunct, tokOp:
		return fmt.Sprintf("%q", t.val)
	case tokAtom:
		return fmt.Sprintf("atom :%s", t.val)
	case tokKey:
		return fmt.Sprintf("keyword key %s:", t.val)
	}
	return fmt.Sprintf("%s %q", t.kind, t.val)
}

// syntaxError is an error at a line of the input.
type syntaxError struct {
	line int
	msg  string
}

func (e *syntaxError) Error() string { return e.msg }

func errorAt(line int, format string, args ...any) error {
	return &syntaxError{line: line, msg: fmt.Sprintf(format, args...)}
}

// errorLine returns the line of a *syntaxError, or 0.
func errorLine(err error) int {
	var se *syntaxError
	if errors.As(err, &se) {
		return se.line
	}
	return 0
}

// lexer splits Elixir source into tokens.
type lexer struct {
	src  string
	pos  int
	line int
	toks []token
	nest int // depth of string interpolations being read
}

// lex returns the tokens of src, ending with a tokEOF token. On an error it
// returns the tokens before it (still ending with tokEOF) and the error, so
// that a parser can use what came before.
func lex(src string) ([]token, error) {
	l := &lexer{src: src, line: 1}
	err := l.run()
	l.toks = append(l.toks, token{kind: tokEOF, line: l.line})
	return l.toks, err
}

func (l *lexer) emit(kind tokKind, val string, line int) {
	l.toks = append(l.toks, token{kind: kind, val: val, line: line})
}

func (l *lexer) peek(off int) byte {
	if l.pos+off < len(l.src) {
		return l.src[l.pos+off]
	}
	return 0
}

func (l *lexer) run() error {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		start := l.line
		switch {
		case c == '\n':
			l.line++
			l.pos++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			l.pos++
		case c == '\\' && l.peek(1) == '\n': // line continuation
			l.pos++
		case c == '#':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
		case c == '"' || c == '\'':
			s, err := l.quoted(c)
			if err != nil {
				return err
			}
			kind := tokString
			if c == '\'' {
				kind = tokChars
			}
			if l.keySuffix() {
				kind = tokKey
			}
			l.emit(kind, s, start)
		case c == ':':
			if err := l.colon(); err != nil {
				return err
			}
		case isIdentStart(c):
			j := l.pos
			for j < len(l.src) && isIdentChar(l.src[j]) {
				j++
			}
			if j < len(l.src) && (l.src[j] == '?' || l.src[j] == '!') && !(j+1 < len(l.src) && l.src[j+1] == '=') {
				j++
			}
			word := l.src[l.pos:j]
			l.pos = j
			kind := tokIdent
			if 'A' <= c && c <= 'Z' {
				kind = tokAlias
			}
			if l.keySuffix() {
				kind = tokKey
			}
			l.emit(kind, word, start)
		case isDigit(c):
			l.number()
			l.emit(tokNumber, "", start)
		case c == '?':
			if err := l.char(); err != nil {
				return err
			}
			l.emit(tokNumber, "", start)
		case c == '~' && isLetter(l.peek(1)):
			if err := l.sigil(); err != nil {
				return err
			}
			l.emit(tokSigil, "", start)
		case c == '%' && l.peek(1) == '{':
			l.pos += 2
			l.emit(tokPunct, "%{", start)
		case c == '=' && l.peek(1) == '>':
			l.pos += 2
			l.emit(tokPunct, "=>", start)
		case c == '<' && l.peek(1) == '<', c == '>' && l.peek(1) == '>':
			l.pos += 2
			l.emit(tokPunct, l.src[l.pos-2:l.pos], start)
		case strings.IndexByte("{}[](),", c) >= 0:
			l.pos++
			l.emit(tokPunct, string(c), start)
		case strings.IndexByte("+-*/=<>!&|^\\@;.%~", c) >= 0:
			j := l.pos + 1
			for j < len(l.src) && strings.IndexByte("+-*/=<>!&|^\\.~", l.src[j]) >= 0 &&
				!(l.src[j] == '<' && j+1 < len(l.src) && l.src[j+1] == '<') {
				j++
			}
			l.emit(tokOp, l.src[l.pos:j], start)
			l.pos = j
		default:
			r, _ := utf8.DecodeRuneInString(l.src[l.pos:])
			return errorAt(l.line, "unexpected character %q", r)
		}
	}
	return nil
}

// keySuffix consumes the ":" of a keyword key ("name: value") right after a
// word or string: a colon followed by a space, a line end or the end of
// input, but not "::".
func (l *lexer) keySuffix() bool {
	if l.peek(0) != ':' {
		return false
	}
	switch l.peek(1) {
	case ' ', '\t', '\n', '\r', 0:
		l.pos++
		return true
	}
	return false
}

// colon reads an atom (:name, :"name", :+) or a lone ":" / "::".
func (l *lexer) colon() error {
	start := l.line
	next := l.peek(1)
	switch {
	case next == '"' || next == '\'':
		l.pos++
		s, err := l.quoted(next)
		if err != nil {
			return err
		}
		l.emit(tokAtom, s, start)
	case isIdentStart(next):
		j := l.pos + 1
		for j < len(l.src) && (isIdentChar(l.src[j]) || l.src[j] == '@') {
			j++
		}
		if j < len(l.src) && (l.src[j] == '?' || l.src[j] == '!') {
			j++
		}
		l.emit(tokAtom, l.src[l.pos+1:j], start)
		l.pos = j
	case next == ':':
		l.pos += 2
		l.emit(tokOp, "::", start)
	default:
		l.pos++
		l.emit(tokOp, ":", start)
	}
	return nil
}

// quoted reads a string or charlist starting at the quote q, or a heredoc
// when the quote is tripled, and returns its text with escapes as written.
// Interpolations #{...} are skipped over, nested strings included.
func (l *lexer) quoted(q byte) (string, error) {
	start := l.line
	if l.peek(1) == q && l.peek(2) == q {
		return l.heredoc(q)
	}
	l.pos++
	from := l.pos
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == q:
			s := l.src[from:l.pos]
			l.pos++
			return s, nil
		case c == '\\' && l.pos+1 < len(l.src):
			if l.src[l.pos+1] == '\n' {
				l.line++
			}
			l.pos += 2
		case c == '#' && l.peek(1) == '{':
			if err := l.interpolation(); err != nil {
				return "", err
			}
		default:
			if c == '\n' {
				l.line++
			}
			l.pos++
		}
	}
	return "", errorAt(start, "unterminated %s", quoteName(q))
}

// heredoc reads a heredoc opened by three quotes q: the text up to the
// closing three quotes at the start of a line (after indentation).
func (l *lexer) heredoc(q byte) (string, error) {
	start := l.line
	closing := strings.Repeat(string(q), 3)
	l.pos += 3
	from := l.pos
	lineStart := false
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case lineStart && strings.HasPrefix(l.src[l.pos:], closing):
			s := l.src[from:l.pos]
			l.pos += 3
			return s, nil
		case c == '\n':
			l.line++
			lineStart = true
			l.pos++
		case c == ' ' || c == '\t':
			l.pos++
		case c == '\\' && l.pos+1 < len(l.src):
			lineStart = false
			if l.src[l.pos+1] == '\n' {
				l.line++
			}
			l.pos += 2
		case c == '#' && l.peek(1) == '{':
			lineStart = false
			if err := l.interpolation(); err != nil {
				return "", err
			}
		default:
			lineStart = false
			l.pos++
		}
	}
	return "", errorAt(start, "unterminated heredoc %s", closing)
}

// interpolation skips #{...}, lexing its content as code so that braces in
// nested strings do not count.
func (l *lexer) interpolation() error {
	start := l.line
	if l.nest >= maxDepth {
		return errorAt(start, "interpolations nested more than %d levels deep", maxDepth)
	}
	l.nest++
	defer func() { l.nest-- }()
	l.pos += 2
	depth := 1
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '{':
			depth++
			l.pos++
		case c == '}':
			depth--
			l.pos++
			if depth == 0 {
				return nil
			}
		case c == '"' || c == '\'':
			if _, err := l.quoted(c); err != nil {
				return err
			}
		case c == '\n':
			l.line++
			l.pos++
		default:
			l.pos++
		}
	}
	return errorAt(start, "unterminated interpolation #{")
}

// sigil skips ~x(...) with any of Elixir's delimiters and its modifiers.
func (l *lexer) sigil() error {
	start := l.line
	l.pos++ // ~
	lower := 'a' <= l.src[l.pos] && l.src[l.pos] <= 'z'
	for l.pos < len(l.src) && isLetter(l.src[l.pos]) {
		l.pos++
	}
	open := l.peek(0)
	var closing byte
	switch open {
	case '(':
		closing = ')'
	case '[':
		closing = ']'
	case '{':
		closing = '}'
	case '<':
		closing = '>'
	case '/', '|', '"', '\'':
		closing = open
	default:
		return errorAt(start, "sigil without a delimiter")
	}
	if (open == '"' || open == '\'') && l.peek(1) == open && l.peek(2) == open {
		if _, err := l.heredoc(open); err != nil {
			return err
		}
	} else {
		l.pos++
		done := false
		for !done && l.pos < len(l.src) {
			c := l.src[l.pos]
			switch {
			case c == closing:
				done = true
			case c == '\\' && l.pos+1 < len(l.src):
				if l.src[l.pos+1] == '\n' {
					l.line++
				}
				l.pos++
			case lower && c == '#' && l.peek(1) == '{':
				if err := l.interpolation(); err != nil {
					return err
				}
				continue
			case c == '\n':
				l.line++
			}
			l.pos++
		}
		if !done {
			return errorAt(start, "unterminated sigil")
		}
	}
	for l.pos < len(l.src) && isLetter(l.src[l.pos]) {
		l.pos++
	}
	return nil
}

// number skips an integer or float literal: 123, 1_000, 1.5e3, 0x1F, 0b1, 0o7.
func (l *lexer) number() {
	if l.peek(0) == '0' && strings.IndexByte("xob", l.peek(1)) >= 0 {
		l.pos += 2
		for l.pos < len(l.src) && (isHex(l.src[l.pos]) || l.src[l.pos] == '_') {
			l.pos++
		}
		return
	}
	digits := func() {
		for l.pos < len(l.src) && (isDigit(l.src[l.pos]) || l.src[l.pos] == '_') {
			l.pos++
		}
	}
	digits()
	if l.peek(0) == '.' && isDigit(l.peek(1)) {
		l.pos++
		digits()
		if l.peek(0) == 'e' || l.peek(0) == 'E' {
			l.pos++
			if l.peek(0) == '+' || l.peek(0) == '-' {
				l.pos++
			}
			digits()
		}
	}
}

// char skips a character literal: ?a, ?\n.
func (l *lexer) char() error {
	l.pos++ // ?
	if l.pos >= len(l.src) {
		return errorAt(l.line, "\"?\" at the end of input")
	}
	if l.src[l.pos] == '\\' {
		l.pos++
	}
	if l.pos >= len(l.src) {
		return errorAt(l.line, "\"?\" at the end of input")
	}
	_, size := utf8.DecodeRuneInString(l.src[l.pos:])
	if l.src[l.pos] == '\n' {
		l.line++
	}
	l.pos += size
	return nil
}

func quoteName(q byte) string {
	if q == '\'' {
		return "charlist"
	}
	return "string"
}

func isDigit(c byte) bool      { return '0' <= c && c <= '9' }
func isLetter(c byte) bool     { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isIdentStart(c byte) bool { return isLetter(c) || c == '_' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || isDigit(c) }
func isHex(c byte) bool        { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// termKind is the kind of a parsed term.
type termKind int

const (
	termString termKind = iota + 1
	termAtom            // also true, false and nil
	termNumber
	termList  // items; keyword pairs are 2-tuples {atom, value}
	termTuple // items
	termMap   // pairs
	termOther // an expression the lenient parser passed over
)

func (k termKind) String() string {
	switch k {
	case termString:
		return "a string"
	case termAtom:
		return "an atom"
	case termNumber:
		return "a number"
	case termList:
		return "a list"
	case termTuple:
		return "a tuple"
	case termMap:
		return "a map"
	}
	return "an expression"
}

// term is a parsed Elixir term.
type term struct {
	kind  termKind
	s     string // string text or atom name
	items []*term
	pairs []pair
	line  int
}

// pair is a key and value of a map.
type pair struct {
	key, value *term
}

// keyword returns the value of key in a keyword list, or nil.
func (t *term) keyword(key string) *term {
	if t == nil || t.kind != termList {
		return nil
	}
	for _, it := range t.items {
		if it.kind == termTuple && len(it.items) == 2 && it.items[0].kind == termAtom && it.items[0].s == key {
			return it.items[1]
		}
	}
	return nil
}

// parser reads terms from tokens. In lenient mode, expressions that are not
// terms are read as termOther instead of being errors.
type parser struct {
	toks    []token
	pos     int
	lexErr  error // the lexer's error, reported when the tokens run out
	lenient bool
	depth   int // nesting of lists, tuples and maps being parsed
}

// maxDepth bounds the nesting of terms, so that hostile input cannot
// exhaust the stack; a mix.lock nests five levels deep.
const maxDepth = 1000

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

// unexpected returns the error for token t where want was expected; at the
// end of the tokens it is the lexer's error, if any.
func (p *parser) unexpected(t token, want string) error {
	if t.kind == tokEOF && p.lexErr != nil {
		return p.lexErr
	}
	return errorAt(t.line, "unexpected %s, want %s", t, want)
}

func isPunct(t token, s string) bool { return t.kind == tokPunct && t.val == s }

// closer reports whether t ends a list, tuple, map or call.
func closer(t token) bool {
	return t.kind == tokEOF || t.kind == tokPunct && (t.val == "}" || t.val == "]" || t.val == ")" || t.val == ">>")
}

// term parses one term. In lenient mode a term followed by an operator, or
// anything that is not a term, is read up to the next comma or closing
// bracket as termOther.
func (p *parser) term() (*term, error) {
	t, err := p.value()
	if err != nil {
		return nil, err
	}
	if p.lenient {
		if n := p.peek(); !closer(n) && !isPunct(n, ",") && !isPunct(n, "=>") {
			if err := p.skipExpr(); err != nil {
				return nil, err
			}
			return &term{kind: termOther, line: t.line}, nil
		}
	}
	return t, nil
}

// value parses a single term without what may follow it.
func (p *parser) value() (*term, error) {
	t := p.peek()
	if isPunct(t, "[") || isPunct(t, "{") || isPunct(t, "%{") {
		if p.depth >= maxDepth {
			return nil, errorAt(t.line, "terms nested more than %d levels deep", maxDepth)
		}
		p.depth++
		defer func() { p.depth-- }()
	}
	switch {
	case t.kind == tokString:
		p.next()
		return &term{kind: termString, s: t.val, line: t.line}, nil
	case t.kind == tokAtom:
		p.next()
		return &term{kind: termAtom, s: t.val, line: t.line}, nil
	case t.kind == tokIdent && (t.val == "true" || t.val == "false" || t.val == "nil"):
		p.next()
		return &term{kind: termAtom, s: t.val, line: t.line}, nil
	case t.kind == tokNumber:
		p.next()
		return &term{kind: termNumber, line: t.line}, nil
	case isPunct(t, "["):
		p.next()
		items, err := p.items("]")
		if err != nil {
			return nil, err
		}
		return &term{kind: termList, items: items, line: t.line}, nil
	case isPunct(t, "{"):
		p.next()
		items, err := p.items("}")
		if err != nil {
			return nil, err
		}
		return &term{kind: termTuple, items: items, line: t.line}, nil
	case isPunct(t, "%{"):
		p.next()
		pairs, err := p.mapPairs()
		if err != nil {
			return nil, err
		}
		return &term{kind: termMap, pairs: pairs, line: t.line}, nil
	case p.lenient && !closer(t) && !isPunct(t, ",") && t.kind != tokKey:
		if err := p.skipExpr(); err != nil {
			return nil, err
		}
		return &term{kind: termOther, line: t.line}, nil
	}
	return nil, p.unexpected(t, "a value")
}

// items parses the comma-separated items of a list or tuple up to end. A
// trailing run of keyword pairs ("a: 1, b: 2") becomes one keyword list
// item in a tuple, and keyword items of a list become {atom, value} pairs.
func (p *parser) items(end string) ([]*term, error) {
	var items []*term
	var kw *term // the keyword list a tuple's trailing keywords go into
	for {
		t := p.peek()
		if isPunct(t, end) {
			p.next()
			return items, nil
		}
		if t.kind == tokKey {
			p.next()
			v, err := p.term()
			if err != nil {
				return nil, err
			}
			kv := &term{kind: termTuple, items: []*term{{kind: termAtom, s: t.val, line: t.line}, v}, line: t.line}
			if end == "]" {
				items = append(items, kv)
			} else {
				if kw == nil {
					kw = &term{kind: termList, line: t.line}
					items = append(items, kw)
				}
				kw.items = append(kw.items, kv)
			}
		} else {
			if kw != nil {
				return nil, errorAt(t.line, "unexpected %s after keyword pairs", t)
			}
			v, err := p.term()
			if err != nil {
				return nil, err
			}
			items = append(items, v)
		}
		switch n := p.next(); {
		case isPunct(n, ","):
		case isPunct(n, end):
			return items, nil
		default:
			return nil, p.unexpected(n, fmt.Sprintf("%q or %q", ",", end))
		}
	}
}

// mapPairs parses the pairs of a map after "%{": "key: value" or
// "key => value".
func (p *parser) mapPairs() ([]pair, error) {
	var pairs []pair
	for {
		if isPunct(p.peek(), "}") {
			p.next()
			return pairs, nil
		}
		kv, err := p.mapPair()
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, kv)
		switch n := p.next(); {
		case isPunct(n, ","):
		case isPunct(n, "}"):
			return pairs, nil
		default:
			return nil, p.unexpected(n, `"," or "}"`)
		}
	}
}

// mapPair parses one "key: value" or "key => value".
func (p *parser) mapPair() (pair, error) {
	t := p.peek()
	var key *term
	if t.kind == tokKey {
		p.next()
		key = &term{kind: termAtom, s: t.val, line: t.line}
	} else {
		k, err := p.value()
		if err != nil {
			return pair{}, err
		}
		if n := p.next(); !isPunct(n, "=>") {
			return pair{}, p.unexpected(n, `"=>"`)
		}
		key = k
	}
	v, err := p.term()
	if err != nil {
		return pair{}, err
	}
	return pair{key, v}, nil
}

// skipExpr passes over an expression up to the next comma or closing
// bracket outside brackets and do/end blocks.
func (p *parser) skipExpr() error {
	depth := 0
	for {
		t := p.peek()
		switch {
		case t.kind == tokEOF:
			if depth > 0 || p.lexErr != nil {
				return p.unexpected(t, "the end of an expression")
			}
			return nil
		case depth == 0 && (closer(t) || isPunct(t, ",") || isPunct(t, "=>") || t.kind == tokIdent && t.val == "end"):
			return nil
		case t.kind == tokPunct && (t.val == "(" || t.val == "[" || t.val == "{" || t.val == "%{" || t.val == "<<"),
			t.kind == tokIdent && (t.val == "do" || t.val == "fn"):
			depth++
		case closer(t), t.kind == tokIdent && t.val == "end":
			depth--
		}
		p.next()
	}
}
