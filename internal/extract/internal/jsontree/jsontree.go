// Package jsontree reads a JSON document into a tree of [Node] values that
// keep the line each value (and each object key) stands on, for the
// extractors of JSON lock files (packages.lock.json, *.deps.json,
// Package.resolved, conan.lock, renv.lock) that report where every package
// is declared.
//
// encoding/json gives no positions for decoded values, so [Parse] walks the
// document token by token with a [json.Decoder] and turns offsets into lines
// with [textpos]. It accepts exactly the documents encoding/json accepts
// (nested at most [MaxDepth] levels deep). A document broken part way
// through still yields the values read before the break: objects and arrays
// left open are marked not [Node.Complete], so that an extractor can report
// the entries that parsed and an error for the rest.
//
// The whole document sits in memory as nodes, which suits lock files of a
// few megabytes; large SBOMs are read with sbom/internal/jsonstream instead,
// and npm's package-lock.json with packagelock's own scanner, which never
// builds values.
package jsontree

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/textpos"
)

// Kind is the JSON type of a node.
type Kind uint8

// The JSON types. The zero Kind is none of them.
const (
	Object Kind = iota + 1
	Array
	String
	Number
	Bool
	Null
)

// String names k as messages do ("object", "boolean"); the zero Kind is
// "nothing".
func (k Kind) String() string {
	switch k {
	case Object:
		return "object"
	case Array:
		return "array"
	case String:
		return "string"
	case Number:
		return "number"
	case Bool:
		return "boolean"
	case Null:
		return "null"
	}
	return "nothing"
}

// Node is one JSON value and where it is.
type Node struct {
	Kind Kind
	// Line is the 1-based line of the value (of its opening "{" or "[").
	Line int
	// Members are an object's members, in file order, repeated keys
	// included.
	Members []Member
	// Items are an array's items.
	Items []*Node
	// Str is a string's value or a number's literal.
	Str string
	// Bool is a boolean's value.
	Bool bool
	// Complete is false for an object or array whose closing delimiter was
	// not read (the file ends or breaks inside it); scalars are complete.
	Complete bool
}

// Member is one key and value of an object.
type Member struct {
	Key   string
	Line  int // line of the key
	Value *Node
}

// Get returns the value of key in an object (the last one, as encoding/json
// does when a key repeats), or nil when n is nil, not an object or has no
// such key. Calls chain: n.Get("a").Get("b") is nil unless both exist.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Object {
		return nil
	}
	for i := len(n.Members) - 1; i >= 0; i-- {
		if n.Members[i].Key == key {
			return n.Members[i].Value
		}
	}
	return nil
}

// Text returns a string's value and whether n is a string (a nil n is not).
func (n *Node) Text() (string, bool) {
	if n == nil || n.Kind != String {
		return "", false
	}
	return n.Str, true
}

// KindName names n's JSON type for messages: "missing" for a nil n.
func (n *Node) KindName() string {
	if n == nil {
		return "missing"
	}
	return n.Kind.String()
}

// Describe words n for a message about a value that should have been
// another: a string quoted (%q), a number as written, anything else as "of
// type " and its kind name ("of type object", "of type missing").
func (n *Node) Describe() string {
	if n != nil {
		switch n.Kind {
		case String:
			return fmt.Sprintf("%q", n.Str)
		case Number:
			return n.Str
		}
	}
	return "of type " + n.KindName()
}

// MaxDepth bounds nesting, so that hostile input cannot exhaust the stack:
// a document nested deeper is an error.
const MaxDepth = 512

// errTooDeep reports nesting beyond MaxDepth.
var errTooDeep = fmt.Errorf("nested more than %d levels deep", MaxDepth)

// ReadObject reads in whole and parses it as a JSON document whose top level
// must be an object, as the lock files of most JSON formats are; format
// names the file in the error for another top-level type ("... not a
// renv.lock").
//
// A blank file gives a nil root and no errors. Otherwise a nil root means
// nothing usable was read: the caller returns errors.Join(errs...). With a
// root, errs holds the syntax error, if any, that cut the document short
// (the root is then the part read before it, see [Parse]); the caller adds
// its own errors to them.
func ReadObject(in *inventory.Input, format string) (root *Node, errs []error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return nil, []error{fmt.Errorf("read %q: %w", in.Path, err)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	root, err = Parse(data, in.Path)
	if err != nil {
		errs = append(errs, err)
	}
	if root == nil {
		return nil, errs
	}
	if root.Kind != Object {
		return nil, []error{inventory.Errorf(in.Path, root.Line, "the top level is a JSON %s, not an object: not a %s", root.KindName(), format)}
	}
	return root, errs
}

// parser reads a JSON document into nodes.
type parser struct {
	dec   *json.Decoder
	ix    *textpos.Index
	size  int64 // of the input
	depth int
}

// Parse reads data, the content of file (named in errors), as one JSON
// value. On a syntax error it returns the part read so far (objects and
// arrays left open are not [Node.Complete]) with an [*inventory.ParseError]
// at the position of the error; the root is nil only when nothing could be
// read.
func Parse(data []byte, file string) (*Node, error) {
	p := &parser{dec: json.NewDecoder(bytes.NewReader(data)), ix: textpos.New(data), size: int64(len(data))}
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
func (p *parser) value() (*Node, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	line := p.ix.Line(p.dec.InputOffset() - 1)
	switch t := tok.(type) {
	case json.Delim:
		if p.depth++; p.depth > MaxDepth {
			return nil, errTooDeep
		}
		defer func() { p.depth-- }()
		if t == '{' {
			return p.object(line)
		}
		return p.array(line)
	case string:
		return &Node{Kind: String, Line: line, Str: t, Complete: true}, nil
	case json.Number:
		return &Node{Kind: Number, Line: line, Str: string(t), Complete: true}, nil
	case bool:
		return &Node{Kind: Bool, Line: line, Bool: t, Complete: true}, nil
	default:
		return &Node{Kind: Null, Line: line, Complete: true}, nil
	}
}

func (p *parser) object(line int) (*Node, error) {
	n := &Node{Kind: Object, Line: line}
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return n, err
		}
		key, _ := tok.(string) // object keys are always strings
		keyLine := p.ix.Line(p.dec.InputOffset() - 1)
		v, err := p.value()
		if v != nil {
			n.Members = append(n.Members, Member{Key: key, Line: keyLine, Value: v})
		}
		if err != nil {
			return n, err
		}
	}
	if _, err := p.dec.Token(); err != nil { // the closing brace
		return n, err
	}
	n.Complete = true
	return n, nil
}

func (p *parser) array(line int) (*Node, error) {
	n := &Node{Kind: Array, Line: line}
	for p.dec.More() {
		v, err := p.value()
		if v != nil {
			n.Items = append(n.Items, v)
		}
		if err != nil {
			return n, err
		}
	}
	if _, err := p.dec.Token(); err != nil { // the closing bracket
		return n, err
	}
	n.Complete = true
	return n, nil
}

// error turns an error of the decoder into an [*inventory.ParseError] at the
// position where it happened.
func (p *parser) error(file string, err error) error {
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
