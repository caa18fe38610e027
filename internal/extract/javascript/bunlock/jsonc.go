package bunlock

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The bun.lock text format is JSONC: JSON (RFC 8259) plus // and /* */
// comments and a trailing comma after the last element of an array or
// object, which bun writes everywhere. encoding/json accepts neither and
// gives no offsets for object keys, so this small parser builds a tree that
// keeps the byte offset of every key and value; the extractor turns offsets
// into lines.

// kind is the JSON type of a value.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k kind) String() string {
	switch k {
	case kindNull:
		return "null"
	case kindBool:
		return "a boolean"
	case kindNumber:
		return "a number"
	case kindString:
		return "a string"
	case kindArray:
		return "an array"
	}
	return "an object"
}

// value is a parsed JSONC value.
type value struct {
	kind    kind
	off     int      // byte offset where the value starts
	str     string   // decoded string, or the text of a number
	boolean bool     // kindBool
	items   []*value // kindArray
	members []member // kindObject, in file order
}

// member is one key of an object.
type member struct {
	key    string
	keyOff int // byte offset of the key's opening quote
	val    *value
}

// get returns the value of the first member named key, or nil.
func (v *value) get(key string) *value {
	if v == nil || v.kind != kindObject {
		return nil
	}
	for _, m := range v.members {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// syntaxError is a grammar error at a byte offset.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return e.msg }

// maxDepth bounds nesting so that hostile input cannot exhaust the stack; a
// bun.lock nests five levels deep.
const maxDepth = 1000

type parser struct {
	data  []byte
	pos   int
	depth int
}

// parseJSONC parses data as one JSONC value. It returns nil and no error when
// data holds only white space and comments.
func parseJSONC(data []byte) (*value, error) {
	p := &parser{data: data}
	if err := p.skip(); err != nil {
		return nil, err
	}
	if p.pos == len(p.data) {
		return nil, nil
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	if err := p.skip(); err != nil {
		return nil, err
	}
	if p.pos < len(p.data) {
		return nil, p.errorf("unexpected %s after the top-level value", p.describe())
	}
	return v, nil
}

func (p *parser) errorf(format string, args ...any) error {
	return &syntaxError{off: p.pos, msg: fmt.Sprintf(format, args...)}
}

// describe names the byte at the current position for error messages.
func (p *parser) describe() string {
	if p.pos >= len(p.data) {
		return "end of file"
	}
	c := p.data[p.pos]
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("byte 0x%02x", c)
	}
	return strconv.QuoteRune(rune(c))
}

// skip skips white space and comments.
func (p *parser) skip() error {
	for p.pos < len(p.data) {
		switch c := p.data[p.pos]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			p.pos++
		case c == '/' && p.pos+1 < len(p.data) && p.data[p.pos+1] == '/':
			for p.pos < len(p.data) && p.data[p.pos] != '\n' {
				p.pos++
			}
		case c == '/' && p.pos+1 < len(p.data) && p.data[p.pos+1] == '*':
			start := p.pos
			p.pos += 2
			for {
				if p.pos+1 >= len(p.data) {
					p.pos = start
					return p.errorf("unterminated /* comment")
				}
				if p.data[p.pos] == '*' && p.data[p.pos+1] == '/' {
					p.pos += 2
					break
				}
				p.pos++
			}
		default:
			return nil
		}
	}
	return nil
}

func (p *parser) value() (*value, error) {
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of file, want a value")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		off := p.pos
		s, err := p.string()
		if err != nil {
			return nil, err
		}
		return &value{kind: kindString, off: off, str: s}, nil
	case c == '-' || '0' <= c && c <= '9':
		return p.number()
	}
	for _, lit := range []struct {
		text string
		v    value
	}{
		{"true", value{kind: kindBool, boolean: true}},
		{"false", value{kind: kindBool}},
		{"null", value{kind: kindNull}},
	} {
		if p.hasPrefix(lit.text) && !p.identAt(p.pos+len(lit.text)) {
			v := lit.v
			v.off = p.pos
			p.pos += len(lit.text)
			return &v, nil
		}
	}
	return nil, p.errorf("unexpected %s, want a value", p.describe())
}

func (p *parser) hasPrefix(s string) bool {
	return len(p.data)-p.pos >= len(s) && string(p.data[p.pos:p.pos+len(s)]) == s
}

// identAt reports whether the byte at i continues a bare word, so that
// "truex" is not read as true.
func (p *parser) identAt(i int) bool {
	if i >= len(p.data) {
		return false
	}
	c := p.data[i]
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf("nested more than %d levels deep", maxDepth)
	}
	return nil
}

func (p *parser) object() (*value, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	v := &value{kind: kindObject, off: p.pos}
	p.pos++ // {
	for {
		if err := p.skip(); err != nil {
			return nil, err
		}
		if p.pos < len(p.data) && p.data[p.pos] == '}' {
			p.pos++
			return v, nil
		}
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.errorf("unexpected %s in object, want a quoted key or '}'", p.describe())
		}
		keyOff := p.pos
		key, err := p.string()
		if err != nil {
			return nil, err
		}
		if err := p.skip(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.errorf("unexpected %s after object key %q, want ':'", p.describe(), key)
		}
		p.pos++
		if err := p.skip(); err != nil {
			return nil, err
		}
		val, err := p.value()
		if err != nil {
			return nil, err
		}
		v.members = append(v.members, member{key: key, keyOff: keyOff, val: val})
		if err := p.skip(); err != nil {
			return nil, err
		}
		switch {
		case p.pos < len(p.data) && p.data[p.pos] == ',':
			p.pos++
		case p.pos < len(p.data) && p.data[p.pos] == '}':
			p.pos++
			return v, nil
		default:
			return nil, p.errorf("unexpected %s after object value, want ',' or '}'", p.describe())
		}
	}
}

func (p *parser) array() (*value, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	v := &value{kind: kindArray, off: p.pos}
	p.pos++ // [
	for {
		if err := p.skip(); err != nil {
			return nil, err
		}
		if p.pos < len(p.data) && p.data[p.pos] == ']' {
			p.pos++
			return v, nil
		}
		item, err := p.value()
		if err != nil {
			return nil, err
		}
		v.items = append(v.items, item)
		if err := p.skip(); err != nil {
			return nil, err
		}
		switch {
		case p.pos < len(p.data) && p.data[p.pos] == ',':
			p.pos++
		case p.pos < len(p.data) && p.data[p.pos] == ']':
			p.pos++
			return v, nil
		default:
			return nil, p.errorf("unexpected %s after array element, want ',' or ']'", p.describe())
		}
	}
}

// number reads a number with JSON's grammar and keeps its text.
func (p *parser) number() (*value, error) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.data) && '0' <= p.data[p.pos] && p.data[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.data[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(p.data) && p.data[p.pos] == '0':
		p.pos++
	case digits() == 0:
		return nil, p.errorf("unexpected %s in number", p.describe())
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return nil, p.errorf("unexpected %s in number, want a digit after '.'", p.describe())
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return nil, p.errorf("unexpected %s in number exponent", p.describe())
		}
	}
	return &value{kind: kindNumber, off: start, str: string(p.data[start:p.pos])}, nil
}

// string reads a quoted string at the current position and decodes its
// escapes as JSON does (invalid UTF-8 and lone surrogates become U+FFFD).
func (p *parser) string() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	// Fast path: no escapes.
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			s := string(p.data[start:p.pos])
			p.pos++
			if !utf8.ValidString(s) {
				s = toValidUTF8(s)
			}
			return s, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", p.errorf("unexpected %s in string", p.describe())
		}
		p.pos++
	}
	buf := append([]byte(nil), p.data[start:p.pos]...)
	for {
		if p.pos >= len(p.data) {
			return "", p.errorf("unexpected end of file in string")
		}
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return toValidUTF8(string(buf)), nil
		case c < 0x20:
			return "", p.errorf("unexpected %s in string", p.describe())
		case c != '\\':
			buf = append(buf, c)
			p.pos++
			continue
		}
		p.pos++ // backslash
		if p.pos >= len(p.data) {
			return "", p.errorf("unexpected end of file in string escape")
		}
		e := p.data[p.pos]
		p.pos++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if p.hasPrefix(`\u`) {
					save := p.pos
					p.pos += 2
					lo, err := p.hex4()
					if err != nil {
						return "", err
					}
					if d := utf16.DecodeRune(r, lo); d != utf8.RuneError {
						r2 = d
					} else {
						p.pos = save // not a pair: decode the second escape on its own
					}
				}
				r = r2
			}
			buf = utf8.AppendRune(buf, r)
		default:
			p.pos -= 2
			return "", p.errorf("invalid escape %q in string", string([]byte{'\\', e}))
		}
	}
}

// hex4 reads the four hexadecimal digits of a \u escape.
func (p *parser) hex4() (rune, error) {
	if len(p.data)-p.pos < 4 {
		return 0, p.errorf("unexpected end of file in \\u escape")
	}
	var r rune
	for i := 0; i < 4; i++ {
		c := p.data[p.pos]
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, p.errorf("invalid %s in \\u escape", p.describe())
		}
		r = r<<4 | rune(d)
		p.pos++
	}
	return r, nil
}

// toValidUTF8 replaces invalid UTF-8 as encoding/json does, one U+FFFD per
// bad byte.
func toValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		b = utf8.AppendRune(b, r)
		i += n
	}
	return string(b)
}
