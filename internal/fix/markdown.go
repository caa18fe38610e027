package fix

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/severity"
)

// Description is what a pull-request description is written from.
type Description struct {
	// Project names the project in the title ("." when empty).
	Project string
	// Outcome is what [Run] did. For a plan that was not run, wrap it:
	// Outcome{Plan: p}; the description then says nothing was validated.
	Outcome Outcome
	// Findings are the findings the plan was made for: they give each id
	// its severity and summary, and those not fixed are the residual risk.
	Findings []result.Finding
}

// WriteMarkdown writes d as a GitHub-flavoured Markdown pull-request
// description: what changed and why, the vulnerabilities removed with
// their severity, the validation evidence (commands, durations, results),
// the changes that need a human with their failing output, and the
// residual risk (the findings not fixed).
func WriteMarkdown(w io.Writer, d Description) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	out := d.Outcome
	changes := out.Plan.Changes
	project := d.Project
	if project == "" {
		project = "."
	}
	byID := findingsByID(d.Findings)
	fixed := map[string]bool{} // package + "\x00" + id
	for _, c := range changes {
		for _, id := range c.Fixes {
			fixed[c.Vulnerable()+"\x00"+id] = true
		}
	}
	nFixed := len(fixed)

	if len(changes) == 0 {
		p("## patchline: no automatic fix for %s\n\n", cell(project))
	} else {
		p("## patchline: fix %d %s in %s\n\n", nFixed, plural(nFixed, "vulnerability", "vulnerabilities"), cell(project))
		p("Each vulnerable package is raised to the smallest version that no advisory in patchline's database affects.\n\n")
	}

	if len(changes) > 0 {
		p("### What changed\n\n")
		p("| Package | From | To | Kind | Fixes |\n|---|---|---|---|---|\n")
		for _, c := range changes {
			kind := c.Kind
			if c.Target != "" {
				kind += fmt.Sprintf(" (moves `%s` %s => %s)", code(c.Target), cell(c.TargetFrom), cell(c.TargetTo))
			}
			p("| `%s` | %s | %s | %s | %s |\n", code(c.Package), cell(c.From), cell(c.To), kind, cell(strings.Join(c.Fixes, ", ")))
		}
		p("\n")
		for _, c := range changes {
			if c.Reason != "" {
				p("- `%s`: %s\n", code(c.Package), inline(c.Reason))
			}
		}
		p("\n")
		if len(out.Raised) > 0 {
			p("Other packages moved with them:\n\n| Package | From | To |\n|---|---|---|\n")
			for _, b := range out.Raised {
				p("| `%s` | %s | %s |\n", code(b.Package), orDash(b.From), orDash(b.To))
			}
			p("\n")
		}

		p("### Vulnerabilities removed\n\n")
		p("| ID | Aliases | Severity | Reachability | Package | Summary |\n|---|---|---|---|---|---|\n")
		for _, c := range changes {
			for _, id := range c.Fixes {
				f := byID[c.Vulnerable()+"\x00"+id]
				var aliases, summary, sev string
				sev, reach := "unknown", "not analysed"
				if f != nil {
					aliases = strings.Join(f.Aliases, ", ")
					summary = f.Summary
					sev = severityText(f.Severity)
					if f.Reachability != nil {
						reach = strings.ReplaceAll(f.Reachability.Verdict, "_", " ")
					}
				}
				p("| %s | %s | %s | %s | `%s` | %s |\n", cell(id), orDash(aliases), sev, reach, code(c.Vulnerable()), orDash(summary))
			}
		}
		p("\n")
	}

	p("### Validation\n\n")
	switch {
	case len(out.Validation.Steps) == 0 && len(changes) > 0:
		p("Not validated: no build or test was run.\n\n")
	case len(out.Validation.Steps) == 0:
		p("Nothing was left to validate.\n\n")
	default:
		if out.BaselineFailed {
			p("**The project fails validation without any change**, so these changes could not be validated.\n\n")
		} else {
			p("The kept changes were applied in a scratch copy, re-scanned (the vulnerabilities are gone and no new ones came in) and validated:\n\n")
		}
		p("| Step | Command | Duration | Result |\n|---|---|---|---|\n")
		for _, s := range out.Validation.Steps {
			p("| %s | `%s` | %s | %s |\n", cell(s.Name), code(s.Command), duration(s.Duration), stepResult(s))
		}
		p("\n")
		if out.Validations > 1 {
			p("%d validation runs in all, including the runs that isolated failing changes.\n\n", out.Validations)
		}
		if f := out.Validation.Failed(); f != nil {
			writeOutput(bw, f)
		}
	}

	var human []Unfixable
	for _, u := range out.Plan.Unfixable {
		if u.Reason == ReasonNeedsHuman {
			human = append(human, u)
		}
	}
	if len(human) > 0 {
		p("### Needs a human\n\n")
		for _, u := range human {
			title := u.Package
			if u.Change != nil {
				title = u.Change.String()
			}
			p("#### `%s` (%s)\n\n%s\n\n", code(title), cell(strings.Join(u.IDs, ", ")), inline(u.Detail))
			if u.Evidence != nil {
				writeOutput(bw, u.Evidence)
			}
		}
	}

	residual := residualRisk(d.Findings, fixed, out.Plan.Unfixable)
	p("### Residual risk\n\n")
	if len(residual) == 0 {
		p("None: every finding the plan was made for is fixed.\n\n")
	} else {
		p("Still present after this change:\n\n| ID | Severity | Package | Version | Why not fixed |\n|---|---|---|---|---|\n")
		for _, r := range residual {
			p("| %s | %s | `%s` | %s | %s |\n", cell(r.f.ID), severityText(r.f.Severity), code(r.f.Package), cell(r.f.Version), orDash(r.why))
		}
		p("\n")
	}
	if len(out.Plan.Notes) > 0 {
		p("### Notes\n\n")
		for _, n := range out.Plan.Notes {
			p("- %s\n", inline(n))
		}
		p("\n")
	}
	p("<sub>Generated by patchline fix.</sub>\n")
	return bw.Flush()
}

type residualRow struct {
	f   *result.Finding
	why string
}

// residualRisk lists the findings no change fixes, once per package and id,
// with the reason the plan gives.
func residualRisk(findings []result.Finding, fixed map[string]bool, unfixable []Unfixable) []residualRow {
	why := map[string]string{}
	for _, u := range unfixable {
		text := u.Reason
		switch {
		case u.Reason == ReasonNeedsHuman && u.Change != nil && u.Evidence != nil:
			text += fmt.Sprintf(": `%s` fails with %s (see Needs a human)", code(u.Evidence.Command), u.Change.To)
		case u.Detail != "":
			text += ": " + u.Detail
		}
		if u.Recommended != "" {
			text += " (recommended: " + u.Recommended + ")"
		}
		for _, id := range u.IDs {
			k := u.Package + "\x00" + id
			if _, ok := why[k]; !ok {
				why[k] = text
			}
		}
	}
	seen := map[string]bool{}
	var out []residualRow
	for i := range findings {
		f := &findings[i]
		k := f.Package + "\x00" + f.ID
		if fixed[k] || seen[k] {
			continue
		}
		seen[k] = true
		w := why[k]
		if w == "" {
			w = "not addressed by this plan"
		}
		out = append(out, residualRow{f: f, why: w})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := out[i].f.Severity.Level, out[j].f.Severity.Level; a != b {
			return a > b
		}
		if out[i].f.Package != out[j].f.Package {
			return out[i].f.Package < out[j].f.Package
		}
		return out[i].f.ID < out[j].f.ID
	})
	return out
}

func findingsByID(findings []result.Finding) map[string]*result.Finding {
	m := make(map[string]*result.Finding, len(findings))
	for i := range findings {
		f := &findings[i]
		if _, ok := m[f.Package+"\x00"+f.ID]; !ok {
			m[f.Package+"\x00"+f.ID] = f
		}
	}
	return m
}

// writeOutput writes a step's output tail in a collapsed block.
func writeOutput(w io.Writer, s *Step) {
	fmt.Fprintf(w, "<details><summary><code>%s</code>: %s after %s</summary>\n\n", htmlEscape(s.Command), stepResult(*s), duration(s.Duration))
	fence := "```"
	for strings.Contains(s.Output, fence) {
		fence += "`"
	}
	out := strings.TrimRight(s.Output, "\n")
	if out == "" {
		out = "(no output)"
	}
	fmt.Fprintf(w, "%stext\n%s\n%s\n\n</details>\n\n", fence, out, fence)
}

func stepResult(s Step) string {
	switch {
	case s.OK:
		return "passed"
	case s.TimedOut:
		return "timed out"
	case s.ExitCode >= 0:
		return fmt.Sprintf("failed (exit %d)", s.ExitCode)
	case s.Error != "":
		return "failed: " + cell(s.Error)
	}
	return "failed"
}

func severityText(s severity.Severity) string {
	if s.Score != nil {
		return fmt.Sprintf("%s (%.1f)", s.Level, *s.Score)
	}
	return s.Level.String()
}

func duration(d time.Duration) string {
	if d < 100*time.Millisecond {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return cell(s)
}

// cell makes s safe inside a table cell.
func cell(s string) string {
	s = inline(s)
	return strings.ReplaceAll(s, "|", `\|`)
}

// inline makes s one line of Markdown text that renders no HTML.
func inline(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return htmlEscape(s)
}

// htmlEscape keeps s from opening HTML tags or entities.
func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;").Replace(s)
}

// code makes s safe inside a single-backtick code span in a table cell
// (code spans render no HTML, so nothing else is escaped).
func code(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer("`", "'", "|", `\|`).Replace(s)
}
