// Package markdown writes a scan as GitHub-flavoured Markdown for a pull
// request comment: a heading with the total, a table of findings per source
// file, the advisories' summaries in a collapsible section, then errors and
// warnings.
//
// A comment must stay under GitHub's limit ([GitHubLimit]); when the report
// would not, table rows are left out, least severe first, and the comment
// says how many.
package markdown

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/severity"
)

// GitHubLimit is the most characters GitHub accepts in an issue or pull
// request comment.
const GitHubLimit = 65536

// Marker is the HTML comment the report starts with, so that a CI job can
// find and update its earlier comment instead of adding one.
const Marker = "<!-- patchline report -->"

const (
	// maxListed caps the errors and warnings listed.
	maxListed = 30
	// maxText caps one error, warning or summary, in characters.
	maxText = 400
)

// Options configures the Markdown output.
type Options struct {
	// Limit is the most bytes the report may take; 0 means [GitHubLimit].
	// (Counting bytes keeps a report within a limit in characters.)
	Limit int
}

// Handler writes the Markdown when the scan finishes.
type Handler struct {
	report.Collector
	w    io.Writer
	opts Options
}

// New returns a handler writing to w.
func New(w io.Writer, opts Options) *Handler { return &Handler{w: w, opts: opts} }

// Finish writes the report.
func (h *Handler) Finish() error {
	limit := h.opts.Limit
	if limit <= 0 {
		limit = GitHubLimit
	}
	if _, err := io.WriteString(h.w, fit(&h.Result, limit)); err != nil {
		return fmt.Errorf("write Markdown report: %w", err)
	}
	return nil
}

// fit renders r with as many table rows as fit in limit bytes, leaving out
// the least severe findings first.
func fit(r *result.Result, limit int) string {
	groups := report.GroupBySource(r)
	var ranked []*result.Finding
	for _, g := range groups {
		ranked = append(ranked, g.Findings...)
	}
	sort.SliceStable(ranked, func(i, j int) bool { return report.Before(ranked[i], ranked[j]) })
	keep := func(k int) map[*result.Finding]bool {
		m := make(map[*result.Finding]bool, k)
		for _, f := range ranked[:k] {
			m[f] = true
		}
		return m
	}
	total := len(ranked)
	out := render(r, groups, keep(total), total, limit)
	if len(out) <= limit {
		return out
	}
	// The most rows that fit.
	k := sort.Search(total, func(k int) bool {
		return len(render(r, groups, keep(k+1), total, limit)) > limit
	})
	out = render(r, groups, keep(k), total, limit)
	if len(out) <= limit {
		return out
	}
	// Even without rows the errors and warnings do not fit: cut the text.
	const cut = "\n\n**The report was cut here: it exceeds the comment size limit.**\n"
	end := max(0, limit-len(cut))
	for end > 0 && !utf8.RuneStart(out[end]) {
		end--
	}
	if i := strings.LastIndexByte(out[:end], '\n'); i > 0 {
		end = i
	}
	return out[:end] + cut
}

// render writes the report with the rows in keep, out of total.
func render(r *result.Result, groups []report.Group, keep map[*result.Finding]bool, total, limit int) string {
	var b bytes.Buffer
	t := report.Summarize(r)
	b.WriteString(Marker + "\n")
	fmt.Fprintf(&b, "## %s\n\n", headline(t))
	if t.Failed > 0 {
		fmt.Fprintf(&b, "**%s could not be parsed**; see the errors below.\n\n",
			plural(t.Failed, "file", "files"))
	}
	if len(keep) < total {
		fmt.Fprintf(&b, "> [!NOTE]\n> %s of %s %s left out, the least severe first, to keep this comment under %s characters. The table, JSON and SARIF reports have them all.\n\n",
			formatInt(total-len(keep)), plural(total, "finding", "findings"), pick(total-len(keep), "was", "were"),
			formatInt(limit))
	}

	var shown []*result.Finding
	for _, g := range groups {
		fmt.Fprintf(&b, "### %s\n\n", heading(g))
		var rows []*result.Finding
		for _, f := range g.Findings {
			if keep[f] {
				rows = append(rows, f)
			}
		}
		if len(rows) > 0 {
			b.WriteString("| Package | Version | Vulnerability | Severity | Fixed in | Relation |\n")
			b.WriteString("| --- | --- | --- | --- | --- | --- |\n")
			for _, f := range rows {
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n",
					cell(f.Package), cell(f.Version), idCell(f), cell(levelText(f.Severity)),
					cell(fixedText(f.Fixed)), cell(relationText(f.Relation, f.Scope)))
				shown = append(shown, f)
			}
			b.WriteByte('\n')
		}
		if rest := len(g.Findings) - len(rows); rest > 0 {
			fmt.Fprintf(&b, "_%s in this file left out._\n\n", plural(rest, "more finding", "more findings"))
		}
	}

	if details := summaries(shown); details != "" {
		b.WriteString(details)
	}

	if len(r.Errors) > 0 {
		b.WriteString("### Errors\n\n")
		for i, e := range r.Errors {
			if i == maxListed {
				fmt.Fprintf(&b, "- … and %s\n", plural(len(r.Errors)-i, "more error", "more errors"))
				break
			}
			fmt.Fprintf(&b, "- %s: %s\n", codeSpan(position(&e)), text(errorMessage(&e), maxText))
		}
		b.WriteByte('\n')
	}
	if len(r.Warnings) > 0 {
		b.WriteString("### Warnings\n\n")
		for i, w := range r.Warnings {
			if i == maxListed {
				fmt.Fprintf(&b, "- … and %s\n", plural(len(r.Warnings)-i, "more warning", "more warnings"))
				break
			}
			b.WriteString("- ")
			if w.Source != "" {
				b.WriteString(codeSpan(truncate(clean(w.Source), maxText)) + ": ")
			}
			if w.Source != "" {
				b.WriteString(text(w.Message, maxText) + "\n")
			} else {
				b.WriteString(blockStart(text(w.Message, maxText)) + "\n")
			}
		}
		b.WriteByte('\n')
	}

	var notes []string
	if len(r.Suppressed) > 0 {
		s := plural(len(r.Suppressed), "finding", "findings") + " suppressed"
		if len(t.Configs) > 0 {
			var cs []string
			for _, c := range t.Configs {
				cs = append(cs, codeSpan(truncate(clean(c), maxText)))
			}
			s += " by " + strings.Join(cs, ", ")
		}
		notes = append(notes, s+".")
	}
	if t.Unpinned > 0 {
		notes = append(notes, fmt.Sprintf("%s not pinned to a version %s not checked.",
			plural(t.Unpinned, "package", "packages"), pick(t.Unpinned, "was", "were")))
	}
	if len(notes) > 0 {
		b.WriteString(strings.Join(notes, " ") + "\n\n")
	}
	if v := clean(r.Tool.Version); v != "" {
		fmt.Fprintf(&b, "<sub>patchline %s</sub>\n", text(v, 40))
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// headline is the total as the report's heading.
func headline(t report.Summary) string {
	switch {
	case t.Sources == 0 && t.Packages == 0:
		return "No packages found; nothing was checked"
	case t.Findings == 0:
		return "No known vulnerabilities found in " + plural(t.Packages, "package", "packages")
	}
	var parts []string
	for l := severity.Critical; l >= severity.Unknown; l-- {
		if n := t.Levels[l]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, l))
		}
	}
	return fmt.Sprintf("%s (%s) in %s of %s across %s",
		plural(t.Findings, "vulnerability", "vulnerabilities"), strings.Join(parts, ", "),
		formatInt(t.Vulnerable), plural(t.Packages, "package", "packages"), plural(t.Sources, "file", "files"))
}

// summaries is the collapsible list of the advisories in the tables, one
// per id.
func summaries(shown []*result.Finding) string {
	var b strings.Builder
	seen := map[string]bool{}
	n := 0
	for _, f := range shown {
		if seen[f.ID] {
			continue
		}
		seen[f.ID] = true
		n++
		fmt.Fprintf(&b, "- **%s**", link(f.ID, f.URL))
		if len(f.Aliases) > 0 {
			fmt.Fprintf(&b, " (%s)", text(strings.Join(f.Aliases, ", "), maxText))
		}
		if f.Severity.Vector != "" {
			fmt.Fprintf(&b, " %s", codeSpan(truncate(clean(f.Severity.Vector), maxText)))
		}
		if f.Summary != "" {
			fmt.Fprintf(&b, ": %s", text(f.Summary, maxText))
		} else {
			b.WriteString(": _no summary_")
		}
		b.WriteByte('\n')
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("<details>\n<summary>Advisory summaries (%d)</summary>\n\n%s\n</details>\n\n", n, b.String())
}

// idCell is the id, linked when it has a page, and its aliases.
func idCell(f *result.Finding) string {
	s := link(f.ID, f.URL)
	if len(f.Aliases) > 0 {
		s += " (" + cell(strings.Join(f.Aliases, ", ")) + ")"
	}
	return s
}

// link is [text](u), or the escaped text when u is not a web address.
func link(label, u string) string {
	label = cell(label)
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return label
	}
	dest := strings.NewReplacer("(", "%28", ")", "%29", "<", "%3C", ">", "%3E", "|", "%7C", " ", "%20").Replace(p.String())
	return "[" + label + "](" + dest + ")"
}

// heading is the path of g as code, then the extractor and package count.
func heading(g report.Group) string {
	h := codeSpan(truncate(clean(g.Path), maxText))
	if g.Source == nil {
		return h
	}
	var details []string
	if g.Source.Extractor != "" {
		details = append(details, text(g.Source.Extractor, maxText))
	}
	details = append(details, plural(g.Source.Packages, "package", "packages"))
	return h + " (" + strings.Join(details, ", ") + ")"
}

// levelText is the level and, when known, the score: "high 7.5".
func levelText(s severity.Severity) string {
	t := s.Level.String()
	if s.Score != nil {
		t += " " + strconv.FormatFloat(*s.Score, 'f', 1, 64)
	}
	return t
}

func fixedText(fixed []string) string {
	if len(fixed) == 0 {
		return "no fix"
	}
	return strings.Join(fixed, ", ")
}

// relationText is "direct", "transitive" or "-", with a dev or optional
// scope: "transitive, dev".
func relationText(relation, scope string) string {
	t := relation
	if t == "" {
		t = "-"
	}
	switch scope {
	case "dev", "optional":
		t += ", " + scope
	}
	return t
}

// position is "path:line:column" as far as it is known.
func position(e *result.FileError) string {
	pos := truncate(clean(e.Source), maxText)
	if e.Line > 0 {
		pos += ":" + strconv.Itoa(e.Line)
		if e.Column > 0 {
			pos += ":" + strconv.Itoa(e.Column)
		}
	}
	return pos
}

// errorMessage is the error without a position prefix that repeats the
// error's own fields.
func errorMessage(e *result.FileError) string {
	msg := clean(e.Error)
	if e.Source != "" {
		if rest, ok := strings.CutPrefix(msg, position(e)+": "); ok {
			return rest
		}
	}
	return msg
}

// cell is text for a table cell.
func cell(s string) string { return text(s, maxText) }

// text makes plain text safe to embed in Markdown on one line: control
// characters dropped, white space collapsed, characters that Markdown or
// GitHub would interpret escaped (emphasis, code, links, HTML, table pipes,
// @mentions and #references), and at most max characters.
func text(s string, max int) string {
	s = truncate(clean(s), max)
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case strings.ContainsRune("\\`*_[]<>|~&", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '@':
			// A zero-width space after @ keeps GitHub from notifying a user.
			b.WriteString("@&#8203;")
		case r == '#' && i+1 < len(rs) && unicode.IsDigit(rs[i+1]):
			// And after # from linking an issue of the repository.
			b.WriteString("#&#8203;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// blockStart escapes what would make escaped text at the start of a line
// a block: a heading, a list item, a setext underline.
func blockStart(s string) string {
	if s == "" {
		return s
	}
	if strings.ContainsRune("#+-=", rune(s[0])) {
		return "\\" + s
	}
	// "1. " or "1) " starts an ordered list.
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 && i < len(s) && (s[i] == '.' || s[i] == ')') {
		return s[:i] + "\\" + s[i:]
	}
	return s
}

// codeSpan is s as inline code, fenced with more backticks than s holds in
// a row. Pipes are escaped so that a code span can sit in a table.
func codeSpan(s string) string {
	s = clean(s)
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + strings.ReplaceAll(s, "|", `\|`) + pad + fence
}

// clean drops control characters and collapses white space.
func clean(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r), r == utf8.RuneError, unicode.Is(unicode.Bidi_Control, r):
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

// truncate shortens s to at most n characters, ending it with an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	return strings.TrimRight(string(rs[:n-1]), " ") + "…"
}

func plural(n int, one, many string) string { return formatInt(n) + " " + pick(n, one, many) }

func pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// formatInt writes n with thousands separators: 1,402.
func formatInt(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + formatInt(-n)
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
