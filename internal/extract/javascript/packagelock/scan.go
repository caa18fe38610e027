package packagelock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// scanner walks JSON text without building values, validating the grammar of
// RFC 8259 as it goes (the same inputs encoding/json accepts; a fuzz test
// checks that). Lockfiles are large and patchline needs only a few fields
// and the offset of each key, which encoding/json's Decoder cannot give
// without scanning every byte twice; see BenchmarkExtract.
type scanner struct {
	data []byte
	pos  int
}

// maxDepth bounds nesting, as encoding/json does.
const maxDepth = 10000

// syntaxError is a grammar error at a byte offset.
type syntaxError struct {
	offset int
	msg    string
}

func (e *syntaxError) Error() string { return e.msg }

func (s *scanner) errorf(format string, args ...any) error {
	return &syntaxError{offset: s.pos, msg: fmt.Sprintf(format, args...)}
}

// unexpected describes the byte at the current position.
func (s *scanner) unexpected(context string) error {
	if s.pos >= len(s.data) {
		return s.errorf("unexpected end of JSON input in %s", context)
	}
	return s.errorf("invalid character %s in %s", quoteChar(s.data[s.pos]), context)
}

func quoteChar(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("byte 0x%02x", c)
	}
	return strconv.QuoteRune(rune(c))
}

// ws skips white space.
func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.pos >= len(s.data) {
		return 0
	}
	return s.data[s.pos]
}

// kind names the JSON type of the value starting at the current position.
func (s *scanner) kind() string {
	switch s.peek() {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

// str reads a string at the current position and returns its raw content
// (between the quotes) and whether it holds escapes.
func (s *scanner) str() (raw []byte, escaped bool, err error) {
	if s.peek() != '"' {
		return nil, false, s.unexpected("place of a string")
	}
	s.pos++
	start := s.pos
	d := s.data
	for s.pos < len(d) {
		c := d[s.pos]
		switch {
		case c == '"':
			raw = d[start:s.pos]
			s.pos++
			return raw, escaped, nil
		case c == '\\':
			escaped = true
			s.pos++
			if s.pos >= len(d) {
				break
			}
			switch d[s.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.pos++
			case 'u':
				s.pos++
				for k := 0; k < 4; k++ {
					if s.pos >= len(d) {
						return nil, false, s.errorf("unexpected end of JSON input in \\u hexadecimal character escape")
					}
					if !isHex(d[s.pos]) {
						return nil, false, s.errorf("invalid character %s in \\u hexadecimal character escape", quoteChar(d[s.pos]))
					}
					s.pos++
				}
			default:
				return nil, false, s.errorf("invalid character %s in string escape code", quoteChar(d[s.pos]))
			}
		case c < 0x20:
			return nil, false, s.errorf("invalid character %s in string literal", quoteChar(c))
		default:
			s.pos++
		}
	}
	return nil, false, s.errorf("unexpected end of JSON input in string literal")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// stringValue reads a string and returns it decoded.
func (s *scanner) stringValue() (string, error) {
	start := s.pos
	raw, escaped, err := s.str()
	if err != nil {
		return "", err
	}
	if !escaped {
		return string(raw), nil
	}
	// Rare: let encoding/json apply its exact unescaping rules.
	var v string
	quoted := bytes.TrimLeft(s.data[start:s.pos], " \t\r\n")
	if err := json.Unmarshal(quoted, &v); err != nil {
		return "", &syntaxError{offset: start, msg: err.Error()}
	}
	return v, nil
}

// number reads a number and returns its text.
func (s *scanner) number() ([]byte, error) {
	s.ws()
	start := s.pos
	d := s.data
	if s.pos < len(d) && d[s.pos] == '-' {
		s.pos++
	}
	switch {
	case s.pos < len(d) && d[s.pos] == '0':
		s.pos++
	case s.pos < len(d) && '1' <= d[s.pos] && d[s.pos] <= '9':
		s.digits()
	default:
		return nil, s.unexpected("numeric literal")
	}
	if s.pos < len(d) && d[s.pos] == '.' {
		s.pos++
		if s.pos >= len(d) || !isDigit(d[s.pos]) {
			return nil, s.unexpected("numeric literal")
		}
		s.digits()
	}
	if s.pos < len(d) && (d[s.pos] == 'e' || d[s.pos] == 'E') {
		s.pos++
		if s.pos < len(d) && (d[s.pos] == '+' || d[s.pos] == '-') {
			s.pos++
		}
		if s.pos >= len(d) || !isDigit(d[s.pos]) {
			return nil, s.unexpected("numeric literal")
		}
		s.digits()
	}
	return d[start:s.pos], nil
}

func (s *scanner) digits() {
	for s.pos < len(s.data) && isDigit(s.data[s.pos]) {
		s.pos++
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// literal reads true, false or null.
func (s *scanner) literal(lit string) error {
	s.ws()
	for i := 0; i < len(lit); i++ {
		if s.pos >= len(s.data) || s.data[s.pos] != lit[i] {
			return s.unexpected(fmt.Sprintf("literal %s (expecting %q)", lit, lit[i]))
		}
		s.pos++
	}
	return nil
}

// boolValue reads a boolean. Any other value is a typeError, and is skipped.
func (s *scanner) boolValue() (bool, error) {
	switch s.peek() {
	case 't':
		return true, s.literal("true")
	case 'f':
		return false, s.literal("false")
	}
	return false, s.wrongType("boolean")
}

// stringOrSkip reads a string; any other value is a typeError, and is
// skipped.
func (s *scanner) stringOrSkip() (string, error) {
	if s.peek() == '"' {
		return s.stringValue()
	}
	return "", s.wrongType("string")
}

// typeError is a value of the wrong JSON type; the scanner has moved past it
// and can go on.
type typeError struct {
	offset    int
	want, got string
}

func (e *typeError) Error() string { return fmt.Sprintf("want JSON %s, got %s", e.want, e.got) }

// wrongType skips the value at the current position and returns a
// *typeError for it, or the syntax error found while skipping.
func (s *scanner) wrongType(want string) error {
	off := s.pos
	got := s.kind()
	if err := s.skip(); err != nil {
		return err
	}
	return &typeError{offset: off, want: want, got: got}
}

// isTypeError reports whether err leaves the scanner able to go on.
func isTypeError(err error) bool {
	var te *typeError
	return errors.As(err, &te)
}

// skip reads and validates any value.
func (s *scanner) skip() error { return s.skipDepth(0) }

func (s *scanner) skipDepth(depth int) error {
	if depth > maxDepth {
		return s.errorf("exceeded max depth")
	}
	switch c := s.peek(); c {
	case '{':
		s.pos++
		if s.peek() == '}' {
			s.pos++
			return nil
		}
		for {
			if _, _, _, err := s.keyRaw(); err != nil {
				return err
			}
			if err := s.skipDepth(depth + 1); err != nil {
				return err
			}
			if s.peek() == ',' {
				s.pos++
				continue
			}
			return s.closeObject()
		}
	case '[':
		s.pos++
		if s.peek() == ']' {
			s.pos++
			return nil
		}
		for {
			if err := s.skipDepth(depth + 1); err != nil {
				return err
			}
			switch s.peek() {
			case ',':
				s.pos++
			case ']':
				s.pos++
				return nil
			default:
				return s.unexpected("array (expecting ',' or ']')")
			}
		}
	case '"':
		_, _, err := s.str()
		return err
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		if c == '-' || isDigit(c) {
			_, err := s.number()
			return err
		}
		return s.unexpected("place of a value")
	}
}

// object reads an object, calling member for each key with the offset just
// after the key; member must read the value. key is only valid during the
// call (it may point into the input).
func (s *scanner) object(member func(key []byte, keyEnd int) error) error {
	if s.peek() != '{' {
		return s.unexpected("place of an object")
	}
	s.pos++
	if s.peek() == '}' {
		s.pos++
		return nil
	}
	for {
		key, err := s.key()
		if err != nil {
			return err
		}
		if err := member(key, s.pos); err != nil {
			return err
		}
		if s.peek() == ',' {
			s.pos++
			continue
		}
		return s.closeObject()
	}
}

// key reads an object key and the colon after it, and decodes the key.
func (s *scanner) key() ([]byte, error) {
	key, start, escaped, err := s.keyRaw()
	if err != nil {
		return nil, err
	}
	if escaped {
		var v string
		if err := json.Unmarshal(s.data[start:start+len(key)+2], &v); err != nil {
			return nil, &syntaxError{offset: start, msg: err.Error()}
		}
		key = []byte(v)
	}
	return key, nil
}

// keyRaw reads an object key and the colon after it, returning the key's
// raw content and where its opening quote is.
func (s *scanner) keyRaw() (raw []byte, start int, escaped bool, err error) {
	if s.peek() != '"' {
		return nil, 0, false, s.unexpected("object key (expecting '\"')")
	}
	start = s.pos
	raw, escaped, err = s.str()
	if err != nil {
		return nil, 0, false, err
	}
	if s.peek() != ':' {
		return nil, 0, false, s.unexpected("object key (expecting ':')")
	}
	s.pos++
	return raw, start, escaped, nil
}

// closeObject reads the '}' that ends an object after a member.
func (s *scanner) closeObject() error {
	if s.peek() != '}' {
		return s.unexpected("object (expecting ',' or '}')")
	}
	s.pos++
	return nil
}

// objectOrSkip is object for a value that must be an object; any other value
// is a typeError, and is skipped.
func (s *scanner) objectOrSkip(member func(key []byte, keyEnd int) error) error {
	if s.peek() != '{' {
		return s.wrongType("object")
	}
	return s.object(member)
}

// end checks that nothing but white space follows the top-level value.
func (s *scanner) end() error {
	if s.peek() != 0 || s.pos < len(s.data) {
		return s.unexpected("data after top-level value")
	}
	return nil
}
