package tomllock

import "bytes"

// HeaderLines returns the 1-based line of the header of each of the n
// tables of the array of tables key ([[key]]) in a TOML document that the
// decoder accepted, in order, so that the i-th decoded table can be reported
// at the line where it starts. The decoder does not report where tables
// start; this scan finds the headers, skipping text inside strings and
// comments, so that a description mentioning "[[package]]" is not taken for
// a header.
//
// When the scan does not find exactly n headers (which valid TOML cannot
// cause in a lock file), every line is 0: no line rather than a wrong one.
func HeaderLines(data []byte, key string, n int) []int {
	lines := scanHeaders(data, key)
	if len(lines) != n {
		return make([]int, n)
	}
	return lines
}

// scanHeaders returns the 1-based line of every [[key]] header in a TOML
// document, in order. The document is expected to be valid TOML (the decoder
// checks that).
func scanHeaders(data []byte, key string) []int {
	var lines []int
	line := 1
	lineStart := true
	for i := 0; i < len(data); {
		c := data[i]
		switch c {
		case '\n':
			line++
			lineStart = true
			i++
			continue
		case ' ', '\t', '\r':
			i++
			continue
		}
		if lineStart && c == '[' {
			if n := matchArrayHeader(data[i:], key); n > 0 {
				lines = append(lines, line)
				i += n
				lineStart = false
				continue
			}
		}
		lineStart = false
		switch {
		case c == '#':
			for i < len(data) && data[i] != '\n' {
				i++
			}
		case bytes.HasPrefix(data[i:], []byte(`"""`)):
			i = skipMultiline(data, i+3, '"', &line)
		case bytes.HasPrefix(data[i:], []byte(`'''`)):
			i = skipMultiline(data, i+3, '\'', &line)
		case c == '"' || c == '\'':
			i++
			for i < len(data) && data[i] != c && data[i] != '\n' {
				if c == '"' && data[i] == '\\' && i+1 < len(data) && data[i+1] != '\n' {
					i++
				}
				i++
			}
			if i < len(data) && data[i] == c {
				i++
			}
		default:
			i++
		}
	}
	return lines
}

// matchArrayHeader returns the length of a [[key]] header (key bare or
// quoted, with optional spaces) at the start of b, or 0.
func matchArrayHeader(b []byte, key string) int {
	i := 0
	expect := func(s string) bool {
		if bytes.HasPrefix(b[i:], []byte(s)) {
			i += len(s)
			return true
		}
		return false
	}
	space := func() {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
			i++
		}
	}
	if !expect("[[") {
		return 0
	}
	space()
	if !expect(key) && !expect(`"`+key+`"`) && !expect(`'`+key+`'`) {
		return 0
	}
	space()
	if !expect("]]") {
		return 0
	}
	return i
}

// skipMultiline skips a multi-line string whose opening quotes end at i and
// returns the index after its closing quotes, counting newlines into line.
func skipMultiline(data []byte, i int, quote byte, line *int) int {
	for i < len(data) {
		c := data[i]
		switch {
		case c == '\n':
			*line++
			i++
		case c == '\\' && quote == '"':
			if i+1 < len(data) && data[i+1] == '\n' {
				*line++
			}
			i += 2
		case c == quote && i+2 < len(data) && data[i+1] == quote && data[i+2] == quote:
			// Up to two more quotes belong to the content.
			i += 3
			for n := 0; n < 2 && i < len(data) && data[i] == quote; n++ {
				i++
			}
			return i
		default:
			i++
		}
	}
	return i
}
