package vex

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/result"
)

// Reachability verdicts, as [Reachability.Verdict] gives them.
const (
	Reachable           = "reachable"
	NotReachable        = "not_reachable"
	ReachabilityUnknown = "unknown"
)

// Reachability levels, as [Reachability.Level] gives them: how closely the
// analysis looked.
const (
	// LevelModule: whether the module or package is used at all.
	LevelModule = "module"
	// LevelImport and LevelPackage: whether the vulnerable package (or
	// file) is imported.
	LevelImport  = "import"
	LevelPackage = "package"
	// LevelSymbol: whether the vulnerable functions are called.
	LevelSymbol = "symbol"
)

// Reachability is what the VEX writers need of a finding's reachability
// analysis.
type Reachability struct {
	// Verdict is [Reachable], [NotReachable] or [ReachabilityUnknown].
	Verdict string
	// Level is the finest level the verdict was reached at: [LevelModule],
	// [LevelImport], [LevelPackage] or [LevelSymbol].
	Level string
	// Reason says in words why the verdict is what it is.
	Reason string
}

// AssessOptions configures [Assess].
type AssessOptions struct {
	// Reachability returns what reachability analysis found for a
	// finding, or nil when it was not analysed. Nil means no finding was.
	Reachability func(*result.Finding) *Reachability
	// UnknownUnderInvestigation states findings whose reachability is
	// unknown as under_investigation; by default they are affected.
	UnknownUnderInvestigation bool
	// Product names the scanned project (an IRI; a package URL when it
	// has one). When set, each statement is about this product with the
	// vulnerable package as its subcomponent; when empty, the statement is
	// about the package itself.
	Product string
}

// Assessment is the statement made about one vulnerability in one package,
// and the findings it was made from.
type Assessment struct {
	Statement
	// Package is the package URL of the vulnerable package.
	Package string
	// Findings are the findings of this vulnerability in this package:
	// one per source that has it. The first is the one the statement's
	// status came from.
	Findings []*result.Finding
}

// Finding is the finding the statement's status came from.
func (a *Assessment) Finding() *result.Finding { return a.Findings[0] }

// Assess states the status of each vulnerability in each package of a scan
// result, in the order of vulnerability id and package URL:
//
//   - a finding is [Affected], with an action statement that names the
//     nearest fixed version when one is known;
//   - unless reachability analysis found its vulnerable code not
//     reachable: then it is [NotAffected], justified by
//     vulnerable_code_not_in_execute_path when the analysis looked at the
//     functions called (symbol level), and by vulnerable_code_not_present
//     when it found the vulnerable package (or module) not used at all;
//   - or found reachability unknown and [AssessOptions.UnknownUnderInvestigation]
//     is set: then it is [UnderInvestigation];
//   - a suppressed finding is what the VEX statement that suppressed it
//     said (see [Statement.Suppression]), or else [NotAffected] with the
//     suppression's reason as impact statement and no justification: a
//     reason is free text, and none of the five justifications may be
//     inferred from it (OpenVEX allows an impact statement in place of a
//     justification).
//
// The same vulnerability in the same package found in several sources
// makes one assessment; its status is the most urgent of theirs (affected,
// then under investigation, then not affected by analysis, then not
// affected by suppression, then fixed), and its notes name the sources.
func Assess(r *result.Result, opts AssessOptions) []Assessment {
	byKey := map[string]*assessing{}
	var keys []string
	add := func(f *result.Finding, suppressed bool) {
		pkg := packageURL(f)
		key := f.ID + "\x00" + pkg
		st, rank := statementOf(f, suppressed, opts)
		a, ok := byKey[key]
		if !ok {
			a = &assessing{rank: -1, pkg: pkg}
			byKey[key] = a
			keys = append(keys, key)
		}
		a.all = append(a.all, f)
		if rank > a.rank {
			a.rank, a.st, a.first = rank, st, f
		}
	}
	for i := range r.Findings {
		add(&r.Findings[i], false)
	}
	for i := range r.Suppressed {
		add(&r.Suppressed[i], true)
	}
	sort.Strings(keys)
	out := make([]Assessment, 0, len(keys))
	for _, key := range keys {
		a := byKey[key]
		findings := []*result.Finding{a.first}
		for _, f := range a.all {
			if f != a.first {
				findings = append(findings, f)
			}
		}
		st := a.st
		st.Vulnerability = a.first.ID
		st.Aliases = aliases(findings)
		st.Products = []Product{productOf(a.pkg, opts.Product)}
		st.Notes = joinSentences(foundIn(findings), st.Notes)
		out = append(out, Assessment{Statement: st, Package: a.pkg, Findings: findings})
	}
	return out
}

type assessing struct {
	rank  int
	st    Statement
	pkg   string
	first *result.Finding
	all   []*result.Finding
}

// Ranks of statuses when one vulnerability in one package has several.
const (
	rankFixed = iota
	rankSuppressed
	rankNotReachable
	rankUnderInvestigation
	rankAffected
)

// statementOf states the status of one finding, and its rank.
func statementOf(f *result.Finding, suppressed bool, opts AssessOptions) (Statement, int) {
	if suppressed {
		st := fromSuppression(f.Suppression)
		if st.Status == Fixed {
			return st, rankFixed
		}
		return st, rankSuppressed
	}
	var reach *Reachability
	if opts.Reachability != nil {
		reach = opts.Reachability(f)
	}
	if reach != nil {
		switch reach.Verdict {
		case NotReachable:
			return Statement{
				Status:          NotAffected,
				Justification:   notReachableJustification(reach.Level),
				ImpactStatement: notReachableImpact(reach),
			}, rankNotReachable
		case ReachabilityUnknown:
			if opts.UnknownUnderInvestigation {
				return Statement{Status: UnderInvestigation, Notes: reachabilityNote(reach)}, rankUnderInvestigation
			}
		}
	}
	st := Statement{Status: Affected, ActionStatement: actionOf(f)}
	if reach != nil {
		st.Notes = reachabilityNote(reach)
	}
	return st, rankAffected
}

// notReachableJustification: at symbol level the vulnerable code is in the
// build but never called; at coarser levels the vulnerable package is not
// even imported, so its code is not in the product. A level patchline does
// not know gets the weaker claim.
func notReachableJustification(level string) Justification {
	switch level {
	case LevelModule, LevelImport, LevelPackage:
		return VulnerableCodeNotPresent
	}
	return VulnerableCodeNotInExecutePath
}

func notReachableImpact(r *Reachability) string {
	text := "Reachability analysis found the vulnerable code not reachable"
	if r.Level != "" {
		text += " (" + r.Level + " level)"
	}
	if r.Reason != "" {
		text += ": " + strings.TrimRight(r.Reason, ".")
	}
	return text + "."
}

func reachabilityNote(r *Reachability) string {
	text := "Reachability: " + r.Verdict
	if r.Level != "" {
		text += " (" + r.Level + " level)"
	}
	if r.Reason != "" {
		text += ": " + strings.TrimRight(r.Reason, ".")
	}
	return text + "."
}

// actionOf says what to do about an affected package.
func actionOf(f *result.Finding) string {
	if len(f.Fixed) > 0 {
		return fmt.Sprintf("Upgrade %s from %s to %s.", f.Package, f.Version, f.Fixed[0])
	}
	return fmt.Sprintf("No fixed version of %s is known: remove or replace it, or mitigate the vulnerability.", f.Package)
}

// fromSuppression restates a suppression: what the VEX statement behind it
// said, or the configured reason as impact statement.
func fromSuppression(s *result.Suppression) Statement {
	if s == nil {
		return Statement{Status: NotAffected, ImpactStatement: "Suppressed."}
	}
	if st, ok := parseReason(s.Reason); ok {
		return st
	}
	text := "Suppressed"
	if s.Config != "" {
		text += " in " + s.Config
	}
	if s.Reason != "" {
		text += ": " + strings.TrimRight(s.Reason, ".")
	}
	if s.Expires != "" {
		text += " (until " + s.Expires + ")"
	}
	return Statement{Status: NotAffected, ImpactStatement: text + "."}
}

// reasonPrefix starts the suppression reasons [Statement.Suppression] writes.
const reasonPrefix = "VEX "

// Suppression returns the suppression of a finding with ids (its id and
// aliases) that the statement says needs no action ([Status.Suppresses]).
// Its reason is "VEX status (justification): impact statement", which
// [Assess] reads back, so that a VEX written after the scan states what the
// VEX read before it said.
func (st *Statement) Suppression(ids []string) *result.Suppression {
	id := ""
	for _, i := range ids {
		if st.Names(i) {
			id = i
			break
		}
	}
	reason := reasonPrefix + string(st.Status)
	if st.Justification != "" {
		reason += " (" + string(st.Justification) + ")"
	}
	if text := st.explanation(); text != "" {
		reason += ": " + text
	}
	return &result.Suppression{ID: id, Reason: reason, Config: st.Document.Path}
}

// explanation is the text that says why the status is what it is.
func (st *Statement) explanation() string {
	switch {
	case st.ImpactStatement != "":
		return st.ImpactStatement
	case st.Status == NotAffected && st.Label != "" && st.Label != string(st.Justification):
		return st.Label
	}
	return st.Notes
}

// parseReason reads back a reason written by [Statement.Suppression].
func parseReason(reason string) (Statement, bool) {
	rest, ok := strings.CutPrefix(reason, reasonPrefix)
	if !ok {
		return Statement{}, false
	}
	end := strings.IndexAny(rest, " :")
	if end < 0 {
		end = len(rest)
	}
	st := Statement{Status: Status(rest[:end])}
	if !st.Status.Suppresses() {
		return Statement{}, false
	}
	rest = rest[end:]
	if r, ok := strings.CutPrefix(rest, " ("); ok {
		j, after, ok := strings.Cut(r, ")")
		if !ok || !Justification(j).Valid() {
			return Statement{}, false
		}
		st.Justification, rest = Justification(j), after
	}
	if rest != "" {
		text, ok := strings.CutPrefix(rest, ": ")
		if !ok {
			return Statement{}, false
		}
		if st.Status == NotAffected {
			st.ImpactStatement = text
		} else {
			st.Notes = text
		}
	}
	if st.Status == NotAffected && st.Justification == "" && st.ImpactStatement == "" {
		st.ImpactStatement = "Stated not affected by a VEX document."
	}
	return st, true
}

// packageURL is the finding's package URL; computed from its ecosystem,
// name and version when the scan gave none, and "pkg:generic/name@version"
// for an ecosystem without a PURL type.
func packageURL(f *result.Finding) string {
	if f.PURL != "" {
		return f.PURL
	}
	if p := inventory.PURL(inventory.Package{Ecosystem: f.Ecosystem, Name: f.Package, Version: f.Version}); p != "" {
		return p
	}
	return packageurl.NewPackageURL(packageurl.TypeGeneric, "", f.Package, f.Version, nil, "").ToString()
}

// productOf is the product a statement is about: the package, or the
// scanned project with the package as subcomponent.
func productOf(pkg, project string) Product {
	c := Component{ID: pkg, PURL: pkg}
	if project == "" {
		return Product{Component: c}
	}
	p := Product{Component: Component{ID: project}, Subcomponents: []Component{c}}
	if isPURL(project) {
		p.PURL = project
	}
	return p
}

// aliases are the other ids of the findings, CVE ids first as the scan
// orders them, without the primary id or repeats.
func aliases(findings []*result.Finding) []string {
	var out []string
	for _, f := range findings {
		for _, a := range f.Aliases {
			if a != findings[0].ID && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

// foundIn names the sources of the findings.
func foundIn(findings []*result.Finding) string {
	var places []string
	for _, f := range findings {
		if f.Source == "" {
			continue
		}
		p := f.Source
		if f.Line > 0 {
			p = fmt.Sprintf("%s (line %d)", f.Source, f.Line)
		}
		if !slices.Contains(places, p) {
			places = append(places, p)
		}
	}
	if len(places) == 0 {
		return ""
	}
	return "Found in " + strings.Join(places, ", ") + "."
}

func joinSentences(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}
