// Package priority ranks findings by real impact with one explainable
// score from 0 to 100. Every point comes from a fact about the finding —
// severity, exploitation evidence (CISA KEV, FIRST EPSS), reachability,
// direct or transitive, dev or prod scope, whether a fix exists — and each
// contribution is stated as a reason, so a reader can check why a finding
// ranks where it does (docs/priority.md).
//
// The weights are a policy, not a measurement: exploitation in the wild
// (KEV) weighs almost as much as a critical severity, code that is shown
// unreachable or used only in development sinks, and nothing is ever scored
// from data that is missing.
package priority

import (
	"fmt"
	"math"

	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/severity"
)

// Weights of each fact, in points.
const (
	Critical   = 40
	High       = 30
	Medium     = 20
	Low        = 10
	Unknown    = 20 // severity unknown: ranked like medium, and said so
	KEV        = 30
	Ransomware = 5
	EPSSMax    = 15 // times the EPSS percentile
	Reachable  = 15
	// NotReachable is subtracted when analysis shows the vulnerable code is
	// not reachable: it still ranks, below everything reachable.
	NotReachable = -30
	Direct       = 5
	Dev          = -15
	Optional     = -5
	FixAvailable = 5
)

// Of computes the priority of a finding.
func Of(f *result.Finding) result.Priority {
	var p result.Priority
	add := func(points float64, format string, args ...any) {
		p.Score += points
		p.Reasons = append(p.Reasons, fmt.Sprintf("%+g: ", points)+fmt.Sprintf(format, args...))
	}
	sev := f.Severity
	score := ""
	if sev.Score != nil {
		score = fmt.Sprintf(" (%s %.1f)", cvssName(sev.Type), *sev.Score)
	}
	switch sev.Level {
	case severity.Critical:
		add(Critical, "critical severity%s", score)
	case severity.High:
		add(High, "high severity%s", score)
	case severity.Medium:
		add(Medium, "medium severity%s", score)
	case severity.Low:
		add(Low, "low severity%s", score)
	case severity.None:
		add(0, "no severity%s", score)
	default:
		add(Unknown, "severity unknown: no CVSS vector or rating in the advisories, ranked like medium")
	}
	if f.KEV {
		add(KEV, "in CISA's Known Exploited Vulnerabilities catalog (%s, added %s)", f.KEVEntry.CVE, f.KEVEntry.DateAdded)
		if f.KEVEntry.KnownRansomware {
			add(Ransomware, "known to be used in ransomware campaigns")
		}
	}
	if f.EPSS != nil {
		add(round1(EPSSMax*f.EPSS.Percentile), "EPSS %.3f for %s, percentile %.2f", f.EPSS.Score, f.EPSS.CVE, f.EPSS.Percentile)
	}
	if r := f.Reachability; r != nil {
		switch r.Verdict {
		case result.Reachable:
			add(Reachable, "reachable at %s level", r.Level)
		case result.NotReachable:
			add(NotReachable, "not reachable at %s level", r.Level)
		}
	}
	switch f.Relation {
	case "direct":
		add(Direct, "direct dependency")
	}
	switch f.Scope {
	case "dev":
		add(Dev, "development dependency only")
	case "optional":
		add(Optional, "optional dependency")
	}
	if len(f.Fixed) > 0 {
		add(FixAvailable, "fixed in %s", f.Fixed[0])
	}
	p.Score = math.Max(0, math.Min(100, round1(p.Score)))
	return p
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func cvssName(typ string) string {
	switch typ {
	case "CVSS_V2":
		return "CVSS v2"
	case "CVSS_V3":
		return "CVSS v3"
	case "CVSS_V4":
		return "CVSS v4"
	}
	return "score"
}

// Before orders findings by priority, highest first; equal priorities keep
// their order (sort stably).
func Before(a, b *result.Finding) bool { return a.Priority.Score > b.Priority.Score }
