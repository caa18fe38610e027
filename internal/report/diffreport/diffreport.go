// Package diffreport renders what changed between two scans (patchline
// diff): packages added, removed, upgraded and downgraded, new transitive
// dependencies and the direct dependency that brought them, and the
// vulnerabilities introduced and fixed — as JSON, a table or Markdown.
package diffreport

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/patchline/patchline/internal/policy"
	"github.com/patchline/patchline/internal/result"
)

// SchemaVersion is the version of the JSON document.
const SchemaVersion = "1.0.0"

// Document is the JSON contract of a diff.
type Document struct {
	SchemaVersion string    `json:"schema_version"`
	Old           string    `json:"old"`
	New           string    `json:"new"`
	Added         []Package `json:"added"`
	Removed       []Package `json:"removed"`
	Changed       []Change  `json:"changed"`
	// NewTransitive are the added packages that are transitive
	// dependencies, with the direct dependencies that brought them (via)
	// when the lockfile records the graph.
	NewTransitive []Package          `json:"new_transitive"`
	Introduced    []Finding          `json:"introduced"`
	Fixed         []Finding          `json:"fixed"`
	Violations    []result.Violation `json:"violations,omitempty"`
}

// Package is one added or removed package.
type Package struct {
	Ecosystem string   `json:"ecosystem"`
	Package   string   `json:"package"`
	Version   string   `json:"version"`
	Source    string   `json:"source"`
	Relation  string   `json:"relation,omitempty"`
	Scope     string   `json:"scope,omitempty"`
	Via       []string `json:"via,omitempty"`
}

// Change is a package whose version changed.
type Change struct {
	Ecosystem string `json:"ecosystem"`
	Package   string `json:"package"`
	From      string `json:"from"`
	To        string `json:"to"`
	// Direction is "upgrade" or "downgrade", by the ecosystem's version order.
	Direction string `json:"direction"`
	Source    string `json:"source"`
}

// Finding is a vulnerability introduced or fixed.
type Finding struct {
	Ecosystem string   `json:"ecosystem"`
	Package   string   `json:"package"`
	Version   string   `json:"version"`
	ID        string   `json:"id"`
	Aliases   []string `json:"aliases"`
	Severity  string   `json:"severity"`
	Source    string   `json:"source"`
}

// New builds the document of a diff.
func New(oldName, newName string, d *policy.Diff) *Document {
	doc := &Document{SchemaVersion: SchemaVersion, Old: oldName, New: newName,
		Added: pkgs(d.Added), Removed: pkgs(d.Removed), NewTransitive: pkgs(d.NewTransitive),
		Introduced: findings(d.Introduced), Fixed: findings(d.Fixed), Changed: []Change{}}
	for _, c := range d.Upgraded {
		doc.Changed = append(doc.Changed, change(c, "upgrade"))
	}
	for _, c := range d.Downgraded {
		doc.Changed = append(doc.Changed, change(c, "downgrade"))
	}
	return doc
}

func pkgs(in []policy.Package) []Package {
	out := make([]Package, 0, len(in))
	for _, p := range in {
		out = append(out, Package{Ecosystem: p.Ecosystem, Package: p.Name, Version: p.Version, Source: p.Source, Relation: p.Relation, Scope: p.Scope, Via: p.Via})
	}
	return out
}

func change(c policy.Change, dir string) Change {
	return Change{Ecosystem: c.Package.Ecosystem, Package: c.Package.Name, From: c.From, To: c.To, Direction: dir, Source: c.Package.Source}
}

func findings(in []policy.Finding) []Finding {
	out := make([]Finding, 0, len(in))
	for _, f := range in {
		out = append(out, Finding{Ecosystem: f.Ecosystem, Package: f.Package, Version: f.Version, ID: f.ID, Aliases: f.Aliases, Severity: f.Severity.Level, Source: f.Source})
	}
	return out
}

// WriteJSON writes the document.
func (d *Document) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(d)
}

// Summary is the one-line total.
func (d *Document) Summary() string {
	up, down := 0, 0
	for _, c := range d.Changed {
		if c.Direction == "upgrade" {
			up++
		} else {
			down++
		}
	}
	return fmt.Sprintf("%d added (%d new transitive), %d removed, %d upgraded, %d downgraded; %d vulnerabilities introduced, %d fixed.",
		len(d.Added), len(d.NewTransitive), len(d.Removed), up, down, len(d.Introduced), len(d.Fixed))
}

// WriteTable writes the diff for people.
func (d *Document) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	section := func(title string, n int) {
		if n > 0 {
			fmt.Fprintf(tw, "\n%s (%d)\n", title, n)
		}
	}
	fmt.Fprintf(tw, "patchline diff %s → %s\n", d.Old, d.New)
	section("Vulnerabilities introduced", len(d.Introduced))
	for _, f := range d.Introduced {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", f.Package, f.Version, idText(f), f.Severity, f.Source)
	}
	section("Vulnerabilities fixed", len(d.Fixed))
	for _, f := range d.Fixed {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", f.Package, f.Version, idText(f), f.Severity, f.Source)
	}
	section("Changed", len(d.Changed))
	for _, c := range d.Changed {
		fmt.Fprintf(tw, "  %s\t%s → %s\t%s\t%s\n", c.Package, c.From, c.To, c.Direction, c.Source)
	}
	section("Added", len(d.Added))
	for _, p := range d.Added {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", p.Package, p.Version, relationText(p), p.Source)
	}
	section("Removed", len(d.Removed))
	for _, p := range d.Removed {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", p.Package, p.Version, p.Source)
	}
	if len(d.Violations) > 0 {
		fmt.Fprintf(tw, "\nPolicy\n")
		for _, v := range d.Violations {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", strings.ToUpper(v.Action), v.Rule, v.Message)
		}
	}
	fmt.Fprintf(tw, "\n%s\n", d.Summary())
	return tw.Flush()
}

// WriteMarkdown writes the diff for a pull-request comment.
func (d *Document) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("<!-- patchline diff -->\n## patchline: dependency changes\n\n" + d.Summary() + "\n")
	table := func(title string, header string, rows []string) {
		if len(rows) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n### %s\n\n%s\n", title, header)
		for _, r := range rows {
			b.WriteString(r + "\n")
		}
	}
	var rows []string
	for _, f := range d.Introduced {
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |", cell(f.Package), cell(f.Version), cell(idText(f)), f.Severity))
	}
	table("Vulnerabilities introduced", "| Package | Version | Vulnerability | Severity |\n|---|---|---|---|", rows)
	rows = nil
	for _, f := range d.Fixed {
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |", cell(f.Package), cell(f.Version), cell(idText(f)), f.Severity))
	}
	table("Vulnerabilities fixed", "| Package | Version | Vulnerability | Severity |\n|---|---|---|---|", rows)
	rows = nil
	for _, c := range d.Changed {
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |", cell(c.Package), cell(c.From), cell(c.To), c.Direction))
	}
	table("Changed", "| Package | From | To | |\n|---|---|---|---|", rows)
	rows = nil
	for _, p := range d.Added {
		rows = append(rows, fmt.Sprintf("| %s | %s | %s |", cell(p.Package), cell(p.Version), cell(relationText(p))))
	}
	table("Added", "| Package | Version | Relation |\n|---|---|---|", rows)
	rows = nil
	for _, p := range d.Removed {
		rows = append(rows, fmt.Sprintf("| %s | %s |", cell(p.Package), cell(p.Version)))
	}
	table("Removed", "| Package | Version |\n|---|---|", rows)
	_, err := io.WriteString(w, b.String())
	return err
}

func idText(f Finding) string {
	for _, a := range f.Aliases {
		if strings.HasPrefix(a, "CVE-") {
			return f.ID + " (" + a + ")"
		}
	}
	return f.ID
}

func relationText(p Package) string {
	s := p.Relation
	if s == "" {
		s = "unknown"
	}
	if p.Scope != "" {
		s += ", " + p.Scope
	}
	if len(p.Via) > 0 {
		s += ", via " + strings.Join(p.Via, ", ")
	}
	return s
}

func cell(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ", "<", "&lt;").Replace(s)
}
