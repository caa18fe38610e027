// Package sarif writes a scan as a SARIF 2.1.0 log, the format code
// scanning services (such as GitHub code scanning) import.
//
// The log has one run. Each vulnerability id is a rule; each finding (one
// vulnerability in one package of one manifest) is a result located at the
// manifest line that declares the package. Suppressed findings are results
// with an external suppression; files that could not be parsed, and
// warnings, are tool execution notifications.
package sarif

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/severity"
)

const (
	// Version is the SARIF version written.
	Version = "2.1.0"
	// SchemaURI is the schema the log names in "$schema".
	SchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	// InformationURI is the tool's home page.
	InformationURI = "https://github.com/patchline/patchline"
	// FingerprintKey names patchline's partial fingerprint: the hex SHA-256 of
	// "ecosystem|package|version|id|source". It does not depend on line
	// numbers, so a finding keeps its identity when the manifest is edited.
	FingerprintKey = "patchline/v1"
	// SourceRoot is the base id of relative artifact locations.
	SourceRoot = "%SRCROOT%"
)

// Options configures the SARIF output. There are none yet; the type keeps
// the constructors of all report formats alike.
type Options struct{}

// Handler writes the SARIF log when the scan finishes.
type Handler struct {
	report.Collector
	w    io.Writer
	opts Options
}

// New returns a handler writing to w.
func New(w io.Writer, opts Options) *Handler { return &Handler{w: w, opts: opts} }

// Finish writes the log, indented.
func (h *Handler) Finish() error {
	enc := json.NewEncoder(h.w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(build(&h.Result)); err != nil {
		return fmt.Errorf("write SARIF report: %w", err)
	}
	return nil
}

// build converts a result to a SARIF log.
func build(r *result.Result) *sarifLog {
	rules, index := buildRules(r)
	run := sarifRun{
		Tool: tool{Driver: driver{
			Name:           "patchline",
			Version:        r.Tool.Version,
			InformationURI: InformationURI,
			Rules:          rules,
		}},
		Invocations: []invocation{invocationOf(r)},
		Results:     []sarifResult{},
	}
	for i := range r.Findings {
		run.Results = append(run.Results, resultOf(&r.Findings[i], index))
	}
	for i := range r.Suppressed {
		res := resultOf(&r.Suppressed[i], index)
		res.Suppressions = []suppression{suppressionOf(r.Suppressed[i].Suppression)}
		run.Results = append(run.Results, res)
	}
	return &sarifLog{Schema: SchemaURI, Version: Version, Runs: []sarifRun{run}}
}

// buildRules returns one rule per vulnerability id, sorted by id, and the
// index of each id in them.
func buildRules(r *result.Result) ([]rule, map[string]int) {
	byID := map[string][]*result.Finding{}
	var ids []string
	for _, list := range [][]result.Finding{r.Findings, r.Suppressed} {
		for i := range list {
			f := &list[i]
			if _, ok := byID[f.ID]; !ok {
				ids = append(ids, f.ID)
			}
			byID[f.ID] = append(byID[f.ID], f)
		}
	}
	sort.Strings(ids)
	rules := make([]rule, 0, len(ids))
	index := make(map[string]int, len(ids))
	for _, id := range ids {
		index[id] = len(rules)
		rules = append(rules, ruleOf(id, byID[id]))
	}
	return rules, index
}

// ruleOf describes one vulnerability from the findings that name it. Its
// severity is the highest among them (an advisory may rate its packages
// differently).
func ruleOf(id string, findings []*result.Finding) rule {
	first := findings[0]
	worst := first.Severity
	for _, f := range findings[1:] {
		if f.Severity.Level > worst.Level || (f.Severity.Level == worst.Level && score(f.Severity) > score(worst)) {
			worst = f.Severity
		}
	}
	out := rule{
		ID:                   id,
		ShortDescription:     &message{Text: title(first)},
		Help:                 help(first, worst, findings),
		HelpURI:              webURL(first.URL),
		DefaultConfiguration: &configuration{Level: level(worst.Level)},
		Properties: &ruleProperties{
			Tags:    []string{"security", "vulnerability"},
			Aliases: first.Aliases,
		},
	}
	if worst.Score != nil {
		out.Properties.SecuritySeverity = formatScore(*worst.Score)
	}
	return out
}

// title is the summary, or the ids when the advisory has none.
func title(f *result.Finding) string {
	if f.Summary != "" {
		return f.Summary
	}
	return idWithAliases(f)
}

// help lists the aliases, the severity, the fixed versions of each package
// and the advisory's page.
func help(first *result.Finding, sev severity.Severity, findings []*result.Finding) *message {
	var text, md strings.Builder
	fmt.Fprintf(&text, "%s\n", idWithAliases(first))
	fmt.Fprintf(&md, "**%s**\n\n", mdEscape(idWithAliases(first)))
	if first.Summary != "" {
		fmt.Fprintf(&text, "%s\n", first.Summary)
		fmt.Fprintf(&md, "%s\n\n", mdEscape(first.Summary))
	}
	fmt.Fprintf(&text, "Severity: %s\n", severityText(sev))
	fmt.Fprintf(&md, "Severity: %s\n\n", mdEscape(severityText(sev)))
	seen := map[string]bool{}
	for _, f := range findings {
		key := f.Ecosystem + "|" + f.Package
		if seen[key] {
			continue
		}
		seen[key] = true
		fmt.Fprintf(&text, "%s (%s): %s\n", f.Package, f.Ecosystem, fixText(f.Fixed))
		fmt.Fprintf(&md, "- %s (%s): %s\n", mdEscape(f.Package), mdEscape(f.Ecosystem), mdEscape(fixText(f.Fixed)))
	}
	if u := webURL(first.URL); u != "" {
		fmt.Fprintf(&text, "More: %s\n", u)
		fmt.Fprintf(&md, "\nMore: <%s>\n", u)
	}
	return &message{Text: strings.TrimSuffix(text.String(), "\n"), Markdown: strings.TrimSuffix(md.String(), "\n")}
}

// resultOf turns a finding into a result.
func resultOf(f *result.Finding, index map[string]int) sarifResult {
	msg := fmt.Sprintf("%s@%s is affected by %s", f.Package, f.Version, idWithAliases(f))
	if f.Summary != "" {
		msg += ": " + strings.TrimRight(f.Summary, ".")
	}
	msg += ". " + upperFirst(fixText(f.Fixed)) + "."
	res := sarifResult{
		RuleID:    f.ID,
		RuleIndex: index[f.ID],
		Level:     level(f.Severity.Level),
		Message:   message{Text: msg},
		PartialFingerprints: map[string]string{
			FingerprintKey: Fingerprint(f),
		},
		Properties: &resultProperties{
			Ecosystem: f.Ecosystem,
			Package:   f.Package,
			Version:   f.Version,
			PURL:      f.PURL,
			Relation:  f.Relation,
			Scope:     f.Scope,
			Fixed:     f.Fixed,
			Severity:  severityText(f.Severity),
			Note:      f.Note,
		},
	}
	if res.Properties.Fixed == nil {
		res.Properties.Fixed = []string{}
	}
	if f.Source != "" {
		res.Locations = []location{{PhysicalLocation: physical(f.Source, f.Line, 0)}}
	}
	return res
}

func suppressionOf(s *result.Suppression) suppression {
	if s == nil {
		return suppression{Kind: "external", Status: "accepted"}
	}
	out := suppression{Kind: "external", Status: "accepted", Justification: s.Reason}
	if s.Config != "" {
		out.Location = &location{PhysicalLocation: physical(s.Config, 0, 0)}
	}
	if s.ID != "" || s.Expires != "" {
		out.Properties = &suppressionProperties{ID: s.ID, Expires: s.Expires}
	}
	return out
}

// invocationOf reports the files that could not be parsed and the warnings.
func invocationOf(r *result.Result) invocation {
	inv := invocation{ExecutionSuccessful: len(r.Errors) == 0}
	for _, e := range r.Errors {
		n := notification{Level: "error", Message: message{Text: e.Error}}
		if e.Source != "" {
			n.Locations = []location{{PhysicalLocation: physical(e.Source, e.Line, e.Column)}}
		}
		if e.Extractor != "" {
			n.Properties = &notificationProperties{Extractor: e.Extractor}
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	for _, w := range r.Warnings {
		n := notification{Level: "warning", Message: message{Text: w.Message}}
		if w.Source != "" {
			n.Locations = []location{{PhysicalLocation: physical(w.Source, 0, 0)}}
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	return inv
}

// physical locates a file, and a line and column in it when they are known.
func physical(file string, line, column int) *physicalLocation {
	p := &physicalLocation{ArtifactLocation: artifact(file)}
	if line > 0 {
		p.Region = &region{StartLine: line}
		if column > 0 {
			p.Region.StartColumn = column
		}
	}
	return p
}

// artifact turns a file path into an artifact location: a relative URI
// under [SourceRoot], or a file: URI for an absolute path.
func artifact(file string) artifactLocation {
	p := strings.ReplaceAll(file, `\`, "/")
	switch {
	case strings.HasPrefix(p, "/"):
		return artifactLocation{URI: (&url.URL{Scheme: "file", Path: path.Clean(p)}).String()}
	case len(p) >= 3 && p[1] == ':' && p[2] == '/' && isLetter(p[0]): // C:/dir
		return artifactLocation{URI: (&url.URL{Scheme: "file", Path: "/" + path.Clean(p)}).String()}
	}
	return artifactLocation{URI: (&url.URL{Path: path.Clean(p)}).String(), URIBaseID: SourceRoot}
}

func isLetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }

// Fingerprint is the [FingerprintKey] fingerprint of a finding.
func Fingerprint(f *result.Finding) string {
	src := path.Clean(strings.ReplaceAll(f.Source, `\`, "/"))
	sum := sha256.Sum256([]byte(strings.Join([]string{f.Ecosystem, f.Package, f.Version, f.ID, src}, "|")))
	return hex.EncodeToString(sum[:])
}

// level maps a severity level to a SARIF level.
func level(l severity.Level) string {
	switch l {
	case severity.Critical, severity.High:
		return "error"
	case severity.Medium:
		return "warning"
	}
	return "note"
}

func score(s severity.Severity) float64 {
	if s.Score == nil {
		return -1
	}
	return *s.Score
}

func formatScore(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// severityText is "high 7.5 (CVSS:3.0/...)", "medium" or "unknown".
func severityText(s severity.Severity) string {
	text := s.Level.String()
	if s.Score != nil {
		text += " " + formatScore(*s.Score)
	}
	if s.Vector != "" {
		text += " (" + s.Vector + ")"
	}
	return text
}

// idWithAliases is "GHSA-xxxx (CVE-2021-1234, ...)".
func idWithAliases(f *result.Finding) string {
	if len(f.Aliases) == 0 {
		return f.ID
	}
	return f.ID + " (" + strings.Join(f.Aliases, ", ") + ")"
}

func fixText(fixed []string) string {
	if len(fixed) == 0 {
		return "no fixed version is known"
	}
	return "fixed in " + strings.Join(fixed, ", ")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// webURL returns u when it is an http or https URL, else "".
func webURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return ""
	}
	return p.String()
}

// mdEscape escapes the characters that would make Markdown of plain text:
// emphasis, code, links, HTML, table cells, and a block marker at the start.
func mdEscape(s string) string {
	var b strings.Builder
	for i, r := range s {
		if strings.ContainsRune("\\`*_[]<>|~", r) || (i == 0 && strings.ContainsRune("#+-=", r)) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
