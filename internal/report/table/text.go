package table

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/patchline/patchline/internal/severity"
)

// ANSI styles.
const (
	reset  = "\x1b[0m"
	bold   = "\x1b[1m"
	red    = "\x1b[31m"
	yellow = "\x1b[33m"
	cyan   = "\x1b[36m"
)

// levelColor is the style of a severity level; "" leaves it plain.
func levelColor(l severity.Level) string {
	switch l {
	case severity.Critical:
		return bold + red
	case severity.High:
		return red
	case severity.Medium:
		return yellow
	case severity.Low:
		return cyan
	}
	return ""
}

// paint styles s when colour is on.
func (p *printer) paint(style, s string) string {
	if !p.opts.Color || style == "" || s == "" {
		return s
	}
	return style + s + reset
}

// clean makes text from advisories and files safe to print on one line:
// runs of white space become one space and other control characters (such
// as the escape that starts terminal sequences) are dropped.
func clean(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r), r == utf8.RuneError,
			unicode.Is(unicode.Bidi_Control, r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// textWidth is the number of columns s takes: its runes, not counting ANSI
// escape sequences. (Wide East Asian characters count as one.)
func textWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if j := escapeEnd(s, i); j > i {
			i = j
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

// escapeEnd returns the end of the ANSI escape sequence starting at s[i],
// or i when none starts there.
func escapeEnd(s string, i int) int {
	if i+1 >= len(s) || s[i] != '\x1b' || s[i+1] != '[' {
		return i
	}
	for j := i + 2; j < len(s); j++ {
		if s[j] >= 0x40 && s[j] <= 0x7e {
			return j + 1
		}
	}
	return i
}

// truncate shortens plain text s to at most width columns, ending it with
// an ellipsis, at a word boundary when one is near.
func truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	runes := []rune(s)
	cut := runes[:width-1]
	// Prefer to cut at a space in the last third of the text kept.
	for i := len(cut) - 1; i >= len(cut)*2/3 && i > 0; i-- {
		if cut[i] == ' ' {
			cut = cut[:i]
			break
		}
	}
	return strings.TrimRight(string(cut), " ,;:.-") + "…"
}

// wrap breaks text into lines of at most width columns (no limit when
// width <= 0) at spaces, the first line indented by first spaces and the
// others by rest. Words longer than a line are broken.
func wrap(text string, width, first, rest int) []string {
	prefix := strings.Repeat(" ", first)
	if width <= 0 {
		return []string{prefix + text}
	}
	var lines []string
	line, n := prefix, first
	empty := true
	flush := func(next int) {
		lines = append(lines, line)
		line, n, empty = strings.Repeat(" ", next), next, true
	}
	for _, word := range strings.Split(text, " ") {
		w := textWidth(word)
		if !empty && n+1+w > width {
			flush(rest)
		}
		if !empty {
			line += " "
			n++
		}
		for n+w > width && width-n > 0 && w > 1 {
			// Break a word that is longer than the line.
			head, tail := splitAt(word, width-n)
			line += head
			flush(rest)
			word, w = tail, textWidth(tail)
		}
		line += word
		n += w
		empty = false
	}
	lines = append(lines, line)
	return lines
}

// splitAt splits s after k visible runes, keeping escape sequences whole.
func splitAt(s string, k int) (string, string) {
	n := 0
	for i := 0; i < len(s); {
		if j := escapeEnd(s, i); j > i {
			i = j
			continue
		}
		if n == k {
			return s[:i], s[i:]
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return s, ""
}
