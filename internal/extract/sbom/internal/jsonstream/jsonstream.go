// Package jsonstream reads large JSON documents, such as SBOMs, one value at
// a time and knows the line of what it reads.
//
// encoding/json decodes a whole document into memory, and a generic
// map[string]any of a 10 MB SBOM takes hundreds of megabytes. A [Decoder]
// walks objects and arrays token by token ([Decoder.Object],
// [Decoder.Array]) and decodes only the values a caller asks for
// ([Decoder.Raw]), so memory stays bounded by the largest single value read
// whole plus encoding/json's read buffer.
//
// Line numbers come from a reader that keeps the bytes between the last
// position asked for and the read head, counting newlines as positions move
// forward; positions must be asked for in increasing order, which is the
// order a streaming reader meets values in.
package jsonstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/patchline/patchline/internal/inventory"
)

// Decoder reads one JSON document from a file.
type Decoder struct {
	path  string
	lines *lineReader
	dec   *json.Decoder
}

// New returns a Decoder reading r, the content of the file at path (used
// in errors).
func New(path string, r io.Reader) *Decoder {
	return NewAt(path, r, 1)
}

// NewAt returns a Decoder reading r, a part of the file at path that
// starts on line (and for positions on that first line, at its start).
func NewAt(path string, r io.Reader, line int) *Decoder {
	lr := &lineReader{r: r, line: line}
	dec := json.NewDecoder(lr)
	dec.UseNumber()
	return &Decoder{path: path, lines: lr, dec: dec}
}

// TypeError is the error for a value of the wrong JSON type. The value has
// been skipped: the caller may report it and read on.
type TypeError struct {
	Want string // "object", "array", "string"
	Got  string
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("is a JSON %s, want %s %s", e.Got, article(e.Want), e.Want)
}

func article(s string) string {
	if s != "" && bytes.ContainsRune([]byte("aeiou"), rune(s[0])) {
		return "an"
	}
	return "a"
}

// Mismatch reports whether err is a [*TypeError] (the value was skipped, and
// reading may go on) and if so returns it as an [*inventory.ParseError]
// whose message starts with what, e.g. `"components"`.
func Mismatch(err error, what string) (error, bool) {
	var pe *inventory.ParseError
	var te *TypeError
	if !errors.As(err, &pe) || !errors.As(pe.Err, &te) {
		return err, false
	}
	return &inventory.ParseError{Path: pe.Path, Line: pe.Line, Column: pe.Column, Err: fmt.Errorf("%s %w", what, te)}, true
}

// Line returns the line of the end of the last token read.
func (d *Decoder) Line() int {
	line, _ := d.lines.position(d.dec.InputOffset())
	return line
}

// Position returns the 1-based line and column of the byte at offset. The
// offset must not be before one already asked for (or passed by
// [Decoder.Object], [Decoder.Array] or [Decoder.Skip]); such an offset gets
// the earliest position still known.
func (d *Decoder) Position(offset int64) (line, col int) {
	return d.lines.position(offset)
}

// Errorf returns an [*inventory.ParseError] at line.
func (d *Decoder) Errorf(line int, format string, args ...any) error {
	return inventory.Errorf(d.path, line, format, args...)
}

// errorAt returns an [*inventory.ParseError] at offset.
func (d *Decoder) errorAt(offset int64, err error) error {
	line, col := d.lines.position(offset)
	return &inventory.ParseError{Path: d.path, Line: line, Column: col, Err: err}
}

// fail turns an error of encoding/json into an [*inventory.ParseError] at
// the place it happened. Read errors are returned wrapped with the path.
func (d *Decoder) fail(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return d.errorAt(se.Offset, fmt.Errorf("invalid JSON: %w", err))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return d.errorAt(d.dec.InputOffset(), errors.New("invalid JSON: unexpected end of file"))
	case d.lines.err != nil && errors.Is(err, d.lines.err):
		return fmt.Errorf("read %q: %w", d.path, err)
	}
	return d.errorAt(d.dec.InputOffset(), fmt.Errorf("invalid JSON: %w", err))
}

// token reads the next token.
func (d *Decoder) token() (json.Token, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.fail(err)
	}
	return tok, nil
}

// Object reads a JSON object and calls f for each key, in order; f must read
// the key's value (with another method of d). It returns the line of the
// opening brace. A value that is not an object is skipped and reported as
// a [*TypeError] inside an [*inventory.ParseError].
func (d *Decoder) Object(f func(key string) error) (line int, err error) {
	tok, err := d.token()
	if err != nil {
		return 0, err
	}
	line, _ = d.lines.position(d.dec.InputOffset() - 1)
	if tok != json.Delim('{') {
		return line, d.wrongType("object", tok)
	}
	for d.dec.More() {
		tok, err := d.token()
		if err != nil {
			return line, err
		}
		key, ok := tok.(string)
		if !ok { // encoding/json only returns string keys
			return line, d.errorAt(d.dec.InputOffset(), fmt.Errorf("invalid JSON: object key %v", tok))
		}
		d.lines.advance(d.dec.InputOffset())
		if err := f(key); err != nil {
			return line, err
		}
	}
	_, err = d.token() // '}'
	return line, err
}

// Array reads a JSON array and calls f for each element; f must read the
// element. It returns the line of the opening bracket. A value that is not
// an array is skipped and reported as a [*TypeError] inside an
// [*inventory.ParseError].
func (d *Decoder) Array(f func() error) (line int, err error) {
	tok, err := d.token()
	if err != nil {
		return 0, err
	}
	line, _ = d.lines.position(d.dec.InputOffset() - 1)
	if tok != json.Delim('[') {
		return line, d.wrongType("array", tok)
	}
	for d.dec.More() {
		d.lines.advance(d.dec.InputOffset())
		if err := f(); err != nil {
			return line, err
		}
	}
	_, err = d.token() // ']'
	return line, err
}

// String reads a string. A value of another type is skipped and reported
// as a [*TypeError] inside an [*inventory.ParseError].
func (d *Decoder) String() (string, error) {
	tok, err := d.token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", d.wrongType("string", tok)
	}
	return s, nil
}

// Raw reads the next value whole and returns it with the line it starts on.
func (d *Decoder) Raw() (raw json.RawMessage, line int, err error) {
	if err := d.dec.Decode(&raw); err != nil {
		return nil, 0, d.fail(err)
	}
	line, _ = d.lines.position(d.dec.InputOffset() - int64(len(raw)))
	return raw, line, nil
}

// Skip reads the next value and throws it away, token by token, so that a
// large value never sits in memory whole.
func (d *Decoder) Skip() error {
	tok, err := d.token()
	if err != nil {
		return err
	}
	if err := d.skipRest(tok); err != nil {
		return err
	}
	d.lines.advance(d.dec.InputOffset())
	return nil
}

// skipRest skips the rest of the value whose first token is tok.
func (d *Decoder) skipRest(tok json.Token) error {
	if tok != json.Delim('{') && tok != json.Delim('[') {
		return nil
	}
	for depth := 1; depth > 0; {
		tok, err := d.token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		d.lines.advance(d.dec.InputOffset())
	}
	return nil
}

// wrongType skips the rest of the value that starts with tok and returns a
// [*TypeError] for it.
func (d *Decoder) wrongType(want string, tok json.Token) error {
	line, col := d.lines.position(d.tokenStart(tok))
	if err := d.skipRest(tok); err != nil {
		return err
	}
	return &inventory.ParseError{Path: d.path, Line: line, Column: col, Err: &TypeError{Want: want, Got: kind(tok)}}
}

// tokenStart returns the offset where tok, just read, starts: exact for a
// delimiter, the end of the token (on the same line) for anything else.
func (d *Decoder) tokenStart(tok json.Token) int64 {
	if _, ok := tok.(json.Delim); ok {
		return d.dec.InputOffset() - 1
	}
	return d.dec.InputOffset()
}

// kind names the JSON type of the value starting with tok.
func kind(tok json.Token) string {
	switch tok := tok.(type) {
	case json.Delim:
		if tok == '{' {
			return "object"
		}
		return "array"
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}

// End checks that nothing but white space follows the document.
func (d *Decoder) End() error {
	tok, err := d.dec.Token()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return d.fail(err)
	}
	return d.errorAt(d.tokenStart(tok), fmt.Errorf("invalid JSON: data after the top-level value (%s)", kind(tok)))
}

// DescribeError words an error of json.Unmarshal into a struct for a user,
// naming the field with the wrong type.
func DescribeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return fmt.Errorf("is a JSON %s, want an object", te.Value)
		}
		// Field is a path through embedded structs ("Component.name"):
		// the last part is the key the user wrote.
		field := te.Field[strings.LastIndexByte(te.Field, '.')+1:]
		return fmt.Errorf("%q is a JSON %s, want %s", field, te.Value, jsonKind(te.Type))
	}
	return err
}

// jsonKind names the JSON value that decodes into t.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "another type"
}

// lineReader passes a reader through and turns offsets into lines. It keeps
// the bytes from the last offset asked for to the read head.
type lineReader struct {
	r         io.Reader
	err       error  // the last read error other than io.EOF
	buf       []byte // bytes from offset base on
	base      int64
	line      int   // line of the byte at base
	lineStart int64 // offset of the first byte of that line
}

func (lr *lineReader) Read(p []byte) (int, error) {
	n, err := lr.r.Read(p)
	lr.buf = append(lr.buf, p[:n]...)
	if err != nil && err != io.EOF {
		lr.err = err
	}
	return n, err
}

// advance moves base forward to offset, counting the lines passed.
func (lr *lineReader) advance(offset int64) {
	k := offset - lr.base
	if k <= 0 {
		return
	}
	if k > int64(len(lr.buf)) {
		k = int64(len(lr.buf))
	}
	for i, c := range lr.buf[:k] {
		if c == '\n' {
			lr.line++
			lr.lineStart = lr.base + int64(i) + 1
		}
	}
	lr.base += k
	// Keep the unread tail at the start of the same array; it is at most
	// what encoding/json has read ahead.
	lr.buf = append(lr.buf[:0], lr.buf[k:]...)
}

// position returns the line and column of offset, moving base there.
func (lr *lineReader) position(offset int64) (line, col int) {
	lr.advance(offset)
	if offset < lr.base {
		offset = lr.base
	}
	return lr.line, int(offset-lr.lineStart) + 1
}
