package policy

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// scalarMap maps positions inside the value of a YAML scalar back to the
// line and column of the file, so that an error inside a CEL expression
// points at the character in the policy file.
//
// The value of a scalar differs from its text in the file (quotes, escapes,
// block indentation, line folding), so the map walks both together: every
// non-space character of the value is the next occurrence of that character
// in the file's text, and a space of the value (which may be a folded line
// break) stays where the previous character was. That is exact for plain,
// quoted and literal block scalars, and close for folded ones.
type scalarMap struct {
	value []rune
	text  []rune // the file's text from the scalar's first character
	line  int    // position of text[0]
	col   int
}

// maxScalarText bounds how much of the file after a scalar is searched.
const maxScalarText = 1 << 20

func newScalarMap(data []byte, n *yaml.Node) *scalarMap {
	m := &scalarMap{value: []rune(n.Value), line: n.Line, col: n.Column}
	// Find the byte offset of the node's line, then advance by columns.
	off := 0
	for l := 1; l < n.Line && off < len(data); l++ {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			off = len(data)
			break
		}
		off += i + 1
	}
	for c := 1; c < n.Column && off < len(data); c++ {
		_, size := utf8.DecodeRune(data[off:])
		off += size
	}
	end := min(len(data), off+maxScalarText)
	m.text = []rune(string(data[off:end]))
	// Skip the opening quote or the block header line.
	switch n.Style {
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		m.advance(1)
	case yaml.LiteralStyle, yaml.FoldedStyle:
		for i, r := range m.text {
			if r == '\n' {
				m.advance(i + 1)
				break
			}
		}
	}
	return m
}

// advance drops the first k runes of the text, keeping line and col.
func (m *scalarMap) advance(k int) {
	for _, r := range m.text[:k] {
		if r == '\n' {
			m.line++
			m.col = 1
		} else {
			m.col++
		}
	}
	m.text = m.text[k:]
}

// pos returns the file position of the value's rune at index off (off may
// be len(value): the end of the value).
func (m *scalarMap) pos(off int) (line, col int) {
	line, col = m.line, m.col
	lastLine, lastCol := line, col
	t := 0 // index into text
	for i, r := range m.value {
		if i > off {
			break
		}
		if unicode.IsSpace(r) {
			if i == off {
				return lastLine, lastCol
			}
			continue
		}
		for t < len(m.text) && m.text[t] != r {
			line, col = step(m.text[t], line, col)
			t++
		}
		if t == len(m.text) {
			return lastLine, lastCol
		}
		if i == off {
			return line, col
		}
		line, col = step(m.text[t], line, col)
		t++
		lastLine, lastCol = line, col
	}
	return lastLine, lastCol
}

func step(r rune, line, col int) (int, int) {
	if r == '\n' {
		return line + 1, 1
	}
	return line, col + 1
}
