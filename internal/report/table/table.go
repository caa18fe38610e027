// Package table writes a scan as patchline's default human-readable report:
// the findings of each source file as an aligned table, then the files that
// could not be parsed, warnings, and a one-line total.
//
// The package never looks at the terminal or the environment: the caller
// decides whether to colour (a TTY, NO_COLOR) and how wide the output may be,
// and says so in [Options].
package table

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/severity"
)

// Options configures the table.
type Options struct {
	// Color turns on ANSI colours (severity levels, headings).
	Color bool
	// Width is the number of columns to fit lines into: tables drop and
	// truncate their least useful parts, text is wrapped. 0 means no limit.
	Width int
	// ShowSuppressed lists suppressed findings with why, instead of only
	// counting them.
	ShowSuppressed bool
	// Explain lists, under each finding, the reasons for its priority.
	Explain bool
}

// Handler writes the table when the scan finishes.
type Handler struct {
	report.Collector
	w    io.Writer
	opts Options
}

// New returns a handler writing to w.
func New(w io.Writer, opts Options) *Handler { return &Handler{w: w, opts: opts} }

// Finish writes the report.
func (h *Handler) Finish() error {
	var b bytes.Buffer
	p := &printer{buf: &b, opts: h.opts}
	p.result(&h.Result)
	if _, err := h.w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write table report: %w", err)
	}
	return nil
}

const (
	indent = 2 // spaces before each table row
	gap    = 2 // spaces between columns
	// maxSummary caps summaries when there is no width limit.
	maxSummary = 100
	// minSummary is the narrowest summary column worth showing.
	minSummary = 20
	// minWidth is the narrowest width the table layout is tried at; below
	// it every finding is printed as a block of lines.
	minWidth = 40
)

// printer renders one result.
type printer struct {
	buf  *bytes.Buffer
	opts Options
}

func (p *printer) result(r *result.Result) {
	groups := groupBySource(r)
	lay := p.layout(groups)
	// A monorepo's report is grouped by project, named when there are several.
	projects := map[string]bool{}
	for _, s := range r.Sources {
		projects[s.Project] = true
	}
	lastProject := ""
	for i, g := range groups {
		if i > 0 {
			p.buf.WriteByte('\n')
		}
		if g.Source != nil && len(projects) > 1 && g.Source.Project != lastProject {
			lastProject = g.Source.Project
			p.wrapped(0, p.paint(bold, "== project "+clean(lastProject)+" =="))
		}
		p.heading(g)
		if lay == nil {
			p.blocks(g)
		} else {
			p.table(g, lay)
		}
	}
	if len(groups) > 0 {
		p.buf.WriteByte('\n')
	}
	if len(r.Errors) > 0 {
		p.line(p.paint(red+bold, "Errors:"))
		for _, e := range r.Errors {
			p.wrapped(indent, fileErrorText(&e))
		}
		p.buf.WriteByte('\n')
	}
	if len(r.Warnings) > 0 {
		p.line(p.paint(yellow+bold, "Warnings:"))
		for _, w := range r.Warnings {
			text := clean(w.Message)
			if w.Source != "" {
				text = clean(w.Source) + ": " + text
			}
			p.wrapped(indent, text)
		}
		p.buf.WriteByte('\n')
	}
	if len(r.Violations) > 0 {
		p.line(p.paint(red+bold, "Policy:"))
		for _, v := range r.Violations {
			text := fmt.Sprintf("%s %s: %s", strings.ToUpper(clean(v.Action)), clean(v.Rule), clean(v.Message))
			if v.Source != "" {
				text += " (" + clean(v.Source) + ")"
			}
			p.wrapped(indent, text)
		}
		p.buf.WriteByte('\n')
	}
	t := report.Summarize(r)
	if p.opts.ShowSuppressed && len(r.Suppressed) > 0 {
		p.line(p.paint(bold, "Suppressed:"))
		for _, f := range r.Suppressed {
			text := fmt.Sprintf("%s@%s %s (%s)", clean(f.Package), clean(f.Version), clean(f.ID), clean(f.Source))
			if s := f.Suppression; s != nil {
				text += ": " + clean(s.Reason)
				if s.Owner != "" {
					text += " — " + clean(s.Owner)
				}
				if s.Expires != "" {
					text += ", until " + clean(s.Expires)
				}
				text += " [" + clean(s.Config) + "]"
			}
			p.wrapped(indent, text)
		}
		p.buf.WriteByte('\n')
	}
	if len(r.Suppressed) > 0 {
		text := fmt.Sprintf("%s suppressed", plural(len(r.Suppressed), "finding", "findings"))
		if len(t.Configs) > 0 {
			configs := make([]string, len(t.Configs))
			for i, c := range t.Configs {
				configs[i] = clean(c)
			}
			text += " by " + strings.Join(configs, ", ")
		}
		p.wrapped(0, text+".")
	}
	if t.Unpinned > 0 {
		p.wrapped(0, fmt.Sprintf("%s not pinned to a version %s not checked.",
			plural(t.Unpinned, "package", "packages"), pick(t.Unpinned, "was", "were")))
	}
	p.total(t)
}

// heading names a source file and its extractor.
func (p *printer) heading(g group) {
	text := clean(g.Path)
	var details []string
	if g.Source != nil {
		if g.Source.Extractor != "" {
			details = append(details, clean(g.Source.Extractor))
		}
		details = append(details, plural(g.Source.Packages, "package", "packages"))
	}
	if len(details) > 0 {
		text += " (" + strings.Join(details, ", ") + ")"
	}
	p.wrapped(0, p.paint(bold, text))
}

// total writes the one-line total.
func (p *printer) total(t report.Summary) {
	var b strings.Builder
	switch {
	case t.Sources == 0 && t.Packages == 0:
		b.WriteString("No packages found; nothing was checked")
	case t.Findings == 0:
		fmt.Fprintf(&b, "No known vulnerabilities found in %s", plural(t.Packages, "package", "packages"))
	default:
		b.WriteString(p.paint(bold, plural(t.Findings, "vulnerability", "vulnerabilities")))
		var parts []string
		for l := severity.Critical; l >= severity.Unknown; l-- {
			if n := t.Levels[l]; n > 0 {
				parts = append(parts, p.paint(levelColor(l), fmt.Sprintf("%d %s", n, l)))
			}
		}
		fmt.Fprintf(&b, " (%s) in %s of %s across %s", strings.Join(parts, ", "),
			formatInt(t.Vulnerable), plural(t.Packages, "package", "packages"), plural(t.Sources, "file", "files"))
	}
	if t.Failed > 0 {
		fmt.Fprintf(&b, "; %s could not be parsed", plural(t.Failed, "file", "files"))
	}
	b.WriteString(".")
	text := b.String()
	p.wrapped(0, text)
}

// line writes s and a newline.
func (p *printer) line(s string) {
	p.buf.WriteString(s)
	p.buf.WriteByte('\n')
}

// wrapped writes text wrapped to the width, continuation lines indented by
// two more spaces than the first.
func (p *printer) wrapped(in int, text string) {
	for _, l := range wrap(text, p.opts.Width, in, in+2) {
		p.line(l)
	}
}

// cells are the texts of one finding's row, before fitting.
type cells struct {
	pkg, version, id, aliases, level, vector, fixed, relation, priority, summary string
	finding                                                                      *result.Finding
}

func cellsOf(f *result.Finding) cells {
	c := cells{
		finding:  f,
		pkg:      clean(f.Package),
		version:  clean(f.Version),
		id:       clean(f.ID),
		level:    levelText(f.Severity),
		vector:   clean(f.Severity.Vector),
		fixed:    "no fix",
		relation: relationText(f.Relation, f.Scope),
		priority: strconv.FormatFloat(f.Priority.Score, 'f', -1, 64),
		summary:  clean(f.Summary),
	}
	if len(f.Fixed) > 0 {
		c.fixed = clean(strings.Join(f.Fixed, ", "))
	}
	if len(f.Aliases) > 0 {
		c.aliases = clean(strings.Join(f.Aliases, ", "))
	}
	return c
}

// layout says how rows are cut to fit the width.
type layout struct {
	vector     bool // show the CVSS vector after the level
	allAliases bool // show every alias, not the first and a count
	summary    int  // width of the summary column; 0 drops it
	below      bool // the summary goes on a line below the row
	widths     [8]int
}

var header = [8]string{"PACKAGE", "VERSION", "VULNERABILITY", "SEVERITY", "FIXED IN", "RELATION", "PRIORITY", "SUMMARY"}

// summaryCol is the index of the summary, the last column.
const summaryCol = len(header) - 1

// row returns the cell texts of c under the layout, the summary
// truncated to the column width.
func (l *layout) row(c *cells) [8]string {
	id := c.id
	if c.aliases != "" {
		aliases := c.aliases
		if !l.allAliases {
			if n := len(c.finding.Aliases); n > 1 {
				aliases = clean(c.finding.Aliases[0]) + " +" + strconv.Itoa(n-1)
			}
		}
		id += " (" + aliases + ")"
	}
	sev := c.level
	if l.vector && c.vector != "" {
		sev += " " + c.vector
	}
	summary := ""
	if l.summary > 0 {
		summary = truncate(c.summary, l.summary)
	}
	return [8]string{c.pkg, c.version, id, sev, c.fixed, c.relation, c.priority, summary}
}

// layout picks the most complete layout that fits the width, or nil when
// the findings must be printed as blocks. In order, it gives up the CVSS
// vectors, then all aliases but the first, then the summary column (the
// summary then goes on a line of its own below the row).
func (p *printer) layout(groups []group) *layout {
	var all []*cells
	for gi := range groups {
		for ri := range groups[gi].rows {
			all = append(all, &groups[gi].rows[ri])
		}
	}
	if p.opts.Width > 0 && p.opts.Width < minWidth {
		return nil
	}
	candidates := []layout{
		{vector: true, allAliases: true},
		{allAliases: true},
		{},
	}
	for _, l := range candidates {
		l.summary = maxSummary
		l.measure(all)
		if p.opts.Width <= 0 {
			return &l
		}
		avail := p.opts.Width - l.fixedWidth() - gap
		switch {
		case l.widths[summaryCol] <= avail:
			return &l
		case avail >= minSummary:
			l.summary = avail
			l.measure(all)
			return &l
		}
	}
	l := layout{below: true}
	l.measure(all)
	if l.fixedWidth() <= p.opts.Width {
		return &l
	}
	return nil
}

// fixedWidth is the width of a row without its summary column.
func (l *layout) fixedWidth() int {
	w := indent
	for i := 0; i < summaryCol; i++ {
		w += l.widths[i]
		if i < summaryCol-1 {
			w += gap
		}
	}
	return w
}

// measure sets the column widths of the layout.
func (l *layout) measure(all []*cells) {
	for i, h := range header {
		l.widths[i] = textWidth(h)
	}
	for _, c := range all {
		for i, s := range l.row(c) {
			l.widths[i] = max(l.widths[i], textWidth(s))
		}
	}
	if l.summary == 0 {
		l.widths[summaryCol] = 0
	}
}

// table writes the rows of one source.
func (p *printer) table(g group, l *layout) {
	cols := len(header)
	if l.summary == 0 {
		cols = summaryCol
	}
	p.tableRow(header[:cols], l, nil)
	for i := range g.rows {
		c := &g.rows[i]
		r := l.row(c)
		p.tableRow(r[:cols], l, c)
		if l.below && c.summary != "" {
			const in = indent + 2
			p.line(strings.Repeat(" ", in) + truncate(c.summary, p.opts.Width-in))
		}
		if p.opts.Explain {
			for _, reason := range c.finding.Priority.Reasons {
				p.wrapped(indent+2, "priority "+clean(reason))
			}
		}
	}
}

func (p *printer) tableRow(texts []string, l *layout, c *cells) {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", indent))
	for i, s := range texts {
		last := i == len(texts)-1
		pad := l.widths[i] - textWidth(s)
		if c != nil && i == 3 {
			// Colour the level and score, not the vector after them.
			rest, _ := strings.CutPrefix(s, c.level)
			s = p.paint(levelColor(c.finding.Severity.Level), c.level) + rest
		}
		b.WriteString(s)
		if !last {
			b.WriteString(strings.Repeat(" ", pad+gap))
		}
	}
	p.line(strings.TrimRight(b.String(), " "))
}

// blocks writes each finding of one source as a few wrapped lines, for
// widths too narrow for the table.
func (p *printer) blocks(g group) {
	for i := range g.rows {
		c := &g.rows[i]
		head := c.pkg + " " + c.version
		if c.relation != "-" {
			head += " (" + c.relation + ")"
		}
		p.wrapped(indent, head)
		id := c.id
		if c.aliases != "" {
			id += " (" + c.aliases + ")"
		}
		p.wrapped(indent+2, id)
		sev := p.paint(levelColor(c.finding.Severity.Level), c.level)
		switch {
		case c.finding.Severity.Level == severity.Unknown && c.finding.Severity.Score == nil:
			sev += " severity"
		case c.vector != "":
			sev += " (" + c.vector + ")"
		}
		fix := "no fix"
		if len(c.finding.Fixed) > 0 {
			fix = "fixed in " + c.fixed
		}
		p.wrapped(indent+2, sev+"; "+fix)
		if c.summary != "" {
			p.wrapped(indent+2, c.summary)
		}
	}
}

// group is the findings of one source with their cells, in display order.
type group struct {
	report.Group
	rows []cells // one for each of Group.Findings
}

// groupBySource returns the groups of [report.GroupBySource] with the cells
// of their findings.
func groupBySource(r *result.Result) []group {
	var out []group
	for _, g := range report.GroupBySource(r) {
		rows := make([]cells, len(g.Findings))
		for i, f := range g.Findings {
			rows[i] = cellsOf(f)
		}
		out = append(out, group{Group: g, rows: rows})
	}
	return out
}

// levelText is the level and, when known, the score: "high 7.5".
func levelText(s severity.Severity) string {
	text := s.Level.String()
	if s.Score != nil {
		text += " " + strconv.FormatFloat(*s.Score, 'f', 1, 64)
	}
	return text
}

// relationText is "direct", "transitive" or "-", with the scope when it
// is not the default: "transitive, dev".
func relationText(relation, scope string) string {
	text := clean(relation)
	if text == "" {
		text = "-"
	}
	switch scope {
	case "dev", "optional":
		text += ", " + scope
	}
	return text
}

// fileErrorText is "path:line: message". Scanners put the position in
// their own fields; a message that repeats it is not printed twice.
func fileErrorText(e *result.FileError) string {
	pos := clean(e.Source)
	if e.Line > 0 {
		pos += ":" + strconv.Itoa(e.Line)
		if e.Column > 0 {
			pos += ":" + strconv.Itoa(e.Column)
		}
	}
	msg := clean(e.Error)
	if rest, ok := strings.CutPrefix(msg, pos+": "); ok && e.Source != "" {
		msg = rest
	}
	return pos + ": " + msg
}

// plural is "1 package" or "1,402 packages".
func plural(n int, one, many string) string {
	return formatInt(n) + " " + pick(n, one, many)
}

func pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// formatInt writes n with thousands separators: 1,402.
func formatInt(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
