// Package textpos turns byte offsets into 1-based line and column numbers, so
// that parsers of JSON and other formats without line tracking can still say
// where in a file a package or an error is.
package textpos

import (
	"bytes"
	"sort"
)

// Index maps byte offsets of one text to line and column numbers.
type Index struct {
	starts []int // byte offset at which each line starts
}

// New indexes data.
func New(data []byte) *Index {
	starts := make([]int, 1, bytes.Count(data, []byte{'\n'})+1)
	for i, b := range data {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &Index{starts: starts}
}

// Line returns the 1-based line holding the byte at offset.
// Offsets past the end give the last line.
func (ix *Index) Line(offset int64) int {
	line, _ := ix.Position(offset)
	return line
}

// Position returns the 1-based line and column (in bytes) of offset.
func (ix *Index) Position(offset int64) (line, col int) {
	if offset < 0 {
		offset = 0
	}
	i := sort.Search(len(ix.starts), func(i int) bool { return int64(ix.starts[i]) > offset }) - 1
	if i < 0 {
		i = 0
	}
	return i + 1, int(offset) - ix.starts[i] + 1
}
