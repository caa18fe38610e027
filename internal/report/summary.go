package report

import (
	"sort"

	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/severity"
)

// Summary holds the counts that a human-readable report opens or closes
// with. The text around them is each format's own.
type Summary struct {
	// Findings is the number of findings, not counting suppressed ones.
	Findings int
	// Levels counts the findings per severity level; a finding whose level
	// is out of range counts as unknown.
	Levels [severity.Critical + 1]int
	// Vulnerable is the number of packages with at least one finding: the
	// distinct (source, ecosystem, package, version) of the findings.
	Vulnerable int
	// Packages is the number of packages found: the package messages, or,
	// for a result without them, the sum of the sources' package counts.
	Packages int
	// Sources is the number of source files parsed.
	Sources int
	// Failed is the number of source files with errors.
	Failed int
	// Unpinned is the number of packages without an exact version, which
	// could not be checked.
	Unpinned int
	// Configs are the suppression files that suppressed findings, once
	// each in order of first use, as the findings name them (not cleaned
	// for display).
	Configs []string
}

// Summarize counts the findings, packages, sources, errors and suppressions
// of r.
func Summarize(r *result.Result) Summary {
	s := Summary{Findings: len(r.Findings), Sources: len(r.Sources), Packages: len(r.Packages)}
	if s.Packages == 0 {
		for _, src := range r.Sources {
			s.Packages += src.Packages
		}
	}
	vulnerable := map[[4]string]bool{}
	for _, f := range r.Findings {
		l := f.Severity.Level
		if l < severity.Unknown || l > severity.Critical {
			l = severity.Unknown
		}
		s.Levels[l]++
		vulnerable[[4]string{f.Source, f.Ecosystem, f.Package, f.Version}] = true
	}
	s.Vulnerable = len(vulnerable)
	failed := map[string]bool{}
	for _, e := range r.Errors {
		failed[e.Source] = true
	}
	s.Failed = len(failed)
	for _, p := range r.Packages {
		if p.Version == "" {
			s.Unpinned++
		}
	}
	seen := map[string]bool{}
	for _, f := range r.Suppressed {
		if f.Suppression != nil && f.Suppression.Config != "" && !seen[f.Suppression.Config] {
			seen[f.Suppression.Config] = true
			s.Configs = append(s.Configs, f.Suppression.Config)
		}
	}
	return s
}

// Group is the findings of one source file, in the order reports list them.
type Group struct {
	// Path is the source file the findings name.
	Path string
	// Source is the source of that path, or nil when the findings name a
	// source that the result does not list.
	Source *result.Source
	// Findings are the source's findings, ordered by [Before].
	Findings []*result.Finding
}

// GroupBySource returns one [Group] per source with findings: first the
// sources of r.Sources in their order, then any other sources the findings
// name, in order of appearance. The findings point into r.Findings.
func GroupBySource(r *result.Result) []Group {
	index := map[string]int{}
	var groups []Group
	for i := range r.Sources {
		if _, ok := index[r.Sources[i].Path]; ok {
			continue
		}
		index[r.Sources[i].Path] = len(groups)
		groups = append(groups, Group{Path: r.Sources[i].Path, Source: &r.Sources[i]})
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		gi, ok := index[f.Source]
		if !ok {
			gi = len(groups)
			index[f.Source] = gi
			groups = append(groups, Group{Path: f.Source})
		}
		groups[gi].Findings = append(groups[gi].Findings, f)
	}
	var out []Group
	for _, g := range groups {
		if len(g.Findings) == 0 {
			continue
		}
		sort.SliceStable(g.Findings, func(i, j int) bool { return Before(g.Findings[i], g.Findings[j]) })
		out = append(out, g)
	}
	return out
}

// Before reports whether finding a is listed before b: the higher priority
// first, then the more severe (by level, then by score, a known score before
// none), then by package, version and id.
func Before(a, b *result.Finding) bool {
	if a.Priority.Score != b.Priority.Score {
		return a.Priority.Score > b.Priority.Score
	}
	if a.Severity.Level != b.Severity.Level {
		return a.Severity.Level > b.Severity.Level
	}
	if sa, sb := scoreOf(a.Severity), scoreOf(b.Severity); sa != sb {
		return sa > sb
	}
	if a.Package != b.Package {
		return a.Package < b.Package
	}
	if a.Version != b.Version {
		return a.Version < b.Version
	}
	return a.ID < b.ID
}

func scoreOf(s severity.Severity) float64 {
	if s.Score == nil {
		return -1
	}
	return *s.Score
}
