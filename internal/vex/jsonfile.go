package vex

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/textpos"
)

// jsonFile is a JSON file being read, with what it takes to say where in it
// something is.
type jsonFile struct {
	path  string
	lines *textpos.Index
}

// value is a JSON value of the file and the offset of its first byte.
type value struct {
	raw json.RawMessage
	off int64
}

// present reports whether the value was in the file and is not null.
func (v value) present() bool { return len(v.raw) > 0 && string(v.raw) != "null" }

// line is the 1-based line the value starts on.
func (f *jsonFile) line(v value) int { return f.lines.Line(v.off) }

// errorf reports a problem with the value v.
func (f *jsonFile) errorf(v value, format string, args ...any) error {
	line, col := f.lines.Position(v.off)
	return &inventory.ParseError{Path: f.path, Line: line, Column: col, Err: fmt.Errorf(format, args...)}
}

// jsonError turns a decoding error of the value at base into a ParseError
// that says where the problem is.
func (f *jsonFile) jsonError(base int64, err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	off := base
	switch {
	case errors.As(err, &syn):
		off += syn.Offset
		err = fmt.Errorf("invalid JSON: %w", syn)
	case errors.As(err, &typ):
		off += typ.Offset
		if typ.Field != "" {
			err = fmt.Errorf("%q: JSON %s where %s was expected", typ.Field, typ.Value, typ.Type)
		} else {
			err = fmt.Errorf("JSON %s where %s was expected", typ.Value, typ.Type)
		}
	case errors.Is(err, io.ErrUnexpectedEOF):
		err = errors.New("invalid JSON: unexpected end of file")
	}
	line, col := f.lines.Position(off)
	return &inventory.ParseError{Path: f.path, Line: line, Column: col, Err: err}
}

// decode decodes v into dst.
func (f *jsonFile) decode(v value, dst any) error {
	if err := json.Unmarshal(v.raw, dst); err != nil {
		return f.jsonError(v.off, err)
	}
	return nil
}

// decodeAs decodes v, the what of the document, into dst.
func (f *jsonFile) decodeAs(v value, what string, dst any) error {
	err := f.decode(v, dst)
	var pe *inventory.ParseError
	if errors.As(err, &pe) {
		pe.Err = fmt.Errorf("%s: %w", what, pe.Err)
	}
	return err
}

// object returns the members of the object v, each with its offset. A
// member given twice keeps its last value, as encoding/json does.
func (f *jsonFile) object(v value) (map[string]value, error) {
	dec := json.NewDecoder(bytes.NewReader(v.raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, f.jsonError(v.off, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, f.errorf(v, "want a JSON object, got %s", kind(v.raw))
	}
	out := map[string]value{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, f.jsonError(v.off, err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, f.jsonError(v.off, err)
		}
		out[key] = value{raw: raw, off: v.off + dec.InputOffset() - int64(len(raw))}
	}
	return out, nil
}

// array returns the elements of the array v, each with its offset; a
// missing or null value is an empty array.
func (f *jsonFile) array(v value) ([]value, error) {
	if !v.present() {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(v.raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, f.jsonError(v.off, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, f.errorf(v, "want a JSON array, got %s", kind(v.raw))
	}
	var out []value
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, f.jsonError(v.off, err)
		}
		out = append(out, value{raw: raw, off: v.off + dec.InputOffset() - int64(len(raw))})
	}
	return out, nil
}

// kind names the JSON type of a raw value, for messages.
func kind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// str decodes v as a string; a missing or null value is "".
func (f *jsonFile) str(v value) (string, error) {
	if !v.present() {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v.raw, &s); err != nil {
		return "", f.errorf(v, "want a string, got %s", kind(v.raw))
	}
	return s, nil
}
