package conanlock

// This file is shared, unchanged but for the package clause, by the JSON
// extractors of patchline's second wave (dotnet, swift, cpp, r); it belongs
// in a shared internal package once one exists for it.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/textpos"
)

// kind is the JSON type of a node.
type kind uint8

const (
	kindObject kind = iota + 1
	kindArray
	kindString
	kindNumber
	kindBool
	kindNull
)

func (k kind) String() string {
	switch k {
	case kindObject:
		return "object"
	case kindArray:
		return "array"
	case kindString:
		return "string"
	case kindNumber:
		return "number"
	case kindBool:
		return "boolean"
	case kindNull:
		return "null"
	}
	return "nothing"
}

// node is one JSON value and where it is.
type node struct {
	kind kind
	line int // 1-based line of the value (of its opening "{" or "[")
	// members are an object's members, in file order.
	members []member
	// items are an array's items.
	items []*node
	// str is a string's value or a number's literal.
	str string
	b   bool
	// complete is false for an object or array whose closing delimiter was
	// not read (the file ends or breaks inside it).
	complete bool
}

// member is one key and value of an object.
type member struct {
	key  string
	line int // line of the key
	val  *node
}

// get returns the value of key in an object (the last one, as
// encoding/json does when a key repeats), or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kindObject {
		return nil
	}
	for i := len(n.members) - 1; i >= 0; i-- {
		if n.members[i].key == key {
			return n.members[i].val
		}
	}
	return nil
}

// text returns a string's value and whether n is a string.
func (n *node) text() (string, bool) {
	if n == nil || n.kind != kindString {
		return "", false
	}
	return n.str, true
}

// kindName names n's JSON type for messages.
func (n *node) kindName() string {
	if n == nil {
		return "missing"
	}
	return n.kind.String()
}

// maxDepth bounds nesting, so that hostile input cannot exhaust the stack.
const maxDepth = 512

// treeParser reads a JSON document into nodes.
type treeParser struct {
	dec   *json.Decoder
	ix    *textpos.Index
	size  int64 // of the input
	depth int
}

// errTooDeep reports nesting beyond maxDepth.
var errTooDeep = fmt.Errorf("nested more than %d levels deep", maxDepth)

// parseTree reads data as one JSON value. On a syntax error it returns the
// part read so far (objects and arrays left open are not complete) with an
// [*inventory.ParseError] at the position of the error; the root is nil only
// when nothing could be read.
func parseTree(data []byte, file string) (*node, error) {
	p := &treeParser{dec: json.NewDecoder(bytes.NewReader(data)), ix: textpos.New(data), size: int64(len(data))}
	p.dec.UseNumber()
	root, err := p.value()
	if err != nil {
		return root, p.error(file, err)
	}
	if _, err := p.dec.Token(); err != io.EOF {
		line := p.ix.Line(p.dec.InputOffset())
		return root, inventory.Errorf(file, line, "invalid JSON: unexpected data after the top-level value")
	}
	return root, nil
}

// value reads one value.
func (p *treeParser) value() (*node, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	line := p.ix.Line(p.dec.InputOffset() - 1)
	switch t := tok.(type) {
	case json.Delim:
		if p.depth++; p.depth > maxDepth {
			return nil, errTooDeep
		}
		defer func() { p.depth-- }()
		if t == '{' {
			return p.object(line)
		}
		return p.array(line)
	case string:
		return &node{kind: kindString, line: line, str: t, complete: true}, nil
	case json.Number:
		return &node{kind: kindNumber, line: line, str: string(t), complete: true}, nil
	case bool:
		return &node{kind: kindBool, line: line, b: t, complete: true}, nil
	default:
		return &node{kind: kindNull, line: line, complete: true}, nil
	}
}

func (p *treeParser) object(line int) (*node, error) {
	n := &node{kind: kindObject, line: line}
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return n, err
		}
		key, _ := tok.(string) // object keys are always strings
		keyLine := p.ix.Line(p.dec.InputOffset() - 1)
		v, err := p.value()
		if v != nil {
			n.members = append(n.members, member{key: key, line: keyLine, val: v})
		}
		if err != nil {
			return n, err
		}
	}
	if _, err := p.dec.Token(); err != nil { // the closing brace
		return n, err
	}
	n.complete = true
	return n, nil
}

func (p *treeParser) array(line int) (*node, error) {
	n := &node{kind: kindArray, line: line}
	for p.dec.More() {
		v, err := p.value()
		if v != nil {
			n.items = append(n.items, v)
		}
		if err != nil {
			return n, err
		}
	}
	if _, err := p.dec.Token(); err != nil { // the closing bracket
		return n, err
	}
	n.complete = true
	return n, nil
}

// error turns an error of the decoder into an [*inventory.ParseError] at the
// position where it happened.
func (p *treeParser) error(file string, err error) error {
	offset := p.dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		offset = se.Offset
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("unexpected end of JSON")
		offset = p.size // where the file ends
	}
	line, col := p.ix.Position(offset)
	return &inventory.ParseError{Path: file, Line: line, Column: col, Err: fmt.Errorf("invalid JSON: %w", err)}
}
