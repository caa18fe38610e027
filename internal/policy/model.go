package policy

import (
	"time"

	"github.com/patchline/patchline/internal/result"
)

// The types in this file are the object model that rule expressions see.
// Their `cel` tags are the field names in CEL; MODEL.md documents them. A
// field added here is visible to every policy, so keep the names stable.

// Finding is a finding as rule expressions see it: the variable `finding`.
type Finding struct {
	ID      string   `cel:"id"`
	Aliases []string `cel:"aliases"`
	// IDs is ID followed by Aliases.
	IDs []string `cel:"ids"`
	// CVEs are the CVE ids among IDs.
	CVEs     []string `cel:"cves"`
	Summary  string   `cel:"summary"`
	Severity Severity `cel:"severity"`
	// Score is Severity.Score: the CVSS base score, -1 when unknown.
	Score float64 `cel:"score"`
	// EPSS is the EPSS probability (0 to 1), -1 when unknown.
	EPSS float64 `cel:"epss"`
	// EPSSPercentile is the EPSS percentile (0 to 1), -1 when unknown.
	EPSSPercentile float64 `cel:"epss_percentile"`
	KEV            bool    `cel:"kev"`
	KEVRansomware  bool    `cel:"kev_ransomware"`
	// Reachable is the reachability verdict: "reachable", "not_reachable"
	// or "unknown" (also when no analysis was done).
	Reachable string `cel:"reachable"`
	// ReachabilityLevel is the depth of the analysis ("symbol", "import",
	// ...), "" when none was done.
	ReachabilityLevel string  `cel:"reachability_level"`
	Priority          float64 `cel:"priority"`
	Package           string  `cel:"package"`
	Version           string  `cel:"version"`
	Ecosystem         string  `cel:"ecosystem"`
	PURL              string  `cel:"purl"`
	Relation          string  `cel:"relation"`
	Scope             string  `cel:"scope"`
	Direct            bool    `cel:"direct"`
	Dev               bool    `cel:"dev"`
	FixAvailable      bool    `cel:"fix_available"`
	// Fixed lists the fixing versions, nearest first.
	Fixed []string `cel:"fixed"`
	// AdvisoryAgeDays is the number of whole days since the advisory was
	// published, -1 when its publication date is unknown.
	AdvisoryAgeDays int    `cel:"advisory_age_days"`
	Source          string `cel:"source"`
	Line            int    `cel:"line"`
	URL             string `cel:"url"`
	// InBaseline is true when the baseline already had this finding.
	InBaseline bool `cel:"in_baseline"`

	published *time.Time
}

// Severity is the severity of a finding as rule expressions see it.
type Severity struct {
	// Level is "unknown", "none", "low", "medium", "high" or "critical".
	Level string `cel:"level"`
	// Rank is Level as a number: 0 unknown, 1 none, 2 low, 3 medium,
	// 4 high, 5 critical.
	Rank int `cel:"rank"`
	// Score is the CVSS base score, -1 when unknown.
	Score  float64 `cel:"score"`
	Vector string  `cel:"vector"`
	Type   string  `cel:"type"`
}

// Package is a package as rule expressions see it: the variable `pkg`, and
// the elements of the package lists of [Diff].
type Package struct {
	Ecosystem string `cel:"ecosystem"`
	Name      string `cel:"name"`
	Version   string `cel:"version"`
	PURL      string `cel:"purl"`
	// License is the package's licence (an SPDX expression), "" when
	// unknown.
	License  string `cel:"license"`
	Relation string `cel:"relation"`
	Scope    string `cel:"scope"`
	Direct   bool   `cel:"direct"`
	Dev      bool   `cel:"dev"`
	Source   string `cel:"source"`
	Line     int    `cel:"line"`
	// Vulns lists the primary ids of the findings affecting the package.
	Vulns []string `cel:"vulns"`
	// Via names the direct dependencies that brought a new transitive
	// dependency in; empty elsewhere, and when the lockfile does not say.
	Via []string `cel:"via"`
}

// Change is a package whose version changed between two scans.
type Change struct {
	// Package is the package as it is after the change.
	Package Package `cel:"package"`
	From    string  `cel:"from"`
	To      string  `cel:"to"`
}

// Diff is what changed between two scans: the variable `diff`. Build it
// with [NewDiff].
type Diff struct {
	// Added are packages in the new scan only; NewTransitive are those of
	// them that are transitive dependencies.
	Added         []Package `cel:"added"`
	Removed       []Package `cel:"removed"`
	Upgraded      []Change  `cel:"upgraded"`
	Downgraded    []Change  `cel:"downgraded"`
	NewTransitive []Package `cel:"new_transitive"`
	// Introduced are findings of the new scan that the old one did not
	// have; Fixed the findings of the old scan that are gone.
	Introduced []Finding `cel:"introduced"`
	Fixed      []Finding `cel:"fixed"`
}

// NewFinding converts a finding of a result to the object model. Its
// AdvisoryAgeDays is -1 until [Policy.Evaluate] computes it.
func NewFinding(f result.Finding) Finding {
	ids := make([]string, 0, 1+len(f.Aliases))
	ids = append(ids, f.ID)
	ids = append(ids, f.Aliases...)
	score := -1.0
	if f.Severity.Score != nil {
		score = *f.Severity.Score
	}
	epss, pct := -1.0, -1.0
	if f.EPSS != nil {
		epss, pct = f.EPSS.Score, f.EPSS.Percentile
	}
	reach, level := result.Unknown, ""
	if f.Reachability != nil {
		level = f.Reachability.Level
		if f.Reachability.Verdict != "" {
			reach = f.Reachability.Verdict
		}
	}
	return Finding{
		ID:                f.ID,
		Aliases:           nonNil(f.Aliases),
		IDs:               ids,
		CVEs:              nonNil(f.CVEs()),
		Summary:           f.Summary,
		Severity:          Severity{Level: f.Severity.Level.String(), Rank: int(f.Severity.Level), Score: score, Vector: f.Severity.Vector, Type: f.Severity.Type},
		Score:             score,
		EPSS:              epss,
		EPSSPercentile:    pct,
		KEV:               f.KEV,
		KEVRansomware:     f.KEVEntry != nil && f.KEVEntry.KnownRansomware,
		Reachable:         reach,
		ReachabilityLevel: level,
		Priority:          f.Priority.Score,
		Package:           f.Package,
		Version:           f.Version,
		Ecosystem:         f.Ecosystem,
		PURL:              f.PURL,
		Relation:          f.Relation,
		Scope:             f.Scope,
		Direct:            f.Relation == "direct",
		Dev:               f.Scope == "dev",
		FixAvailable:      len(f.Fixed) > 0,
		Fixed:             nonNil(f.Fixed),
		AdvisoryAgeDays:   -1,
		Source:            f.Source,
		Line:              f.Line,
		URL:               f.URL,
		published:         f.Published,
	}
}

// NewPackage converts a package of a result to the object model, with no
// licence, vulnerabilities or via.
func NewPackage(p result.Package) Package {
	return Package{
		Ecosystem: p.Ecosystem,
		Name:      p.Name,
		Version:   p.Version,
		PURL:      p.PURL,
		Relation:  p.Relation,
		Scope:     p.Scope,
		Direct:    p.Relation == "direct",
		Dev:       p.Scope == "dev",
		Source:    p.Source,
		Line:      p.Line,
		Vulns:     []string{},
		Via:       []string{},
	}
}

// withAge sets AdvisoryAgeDays as of now.
func (f *Finding) withAge(now time.Time) {
	f.AdvisoryAgeDays = -1
	if f.published == nil {
		return
	}
	d := now.Sub(*f.published)
	if d < 0 {
		d = 0
	}
	f.AdvisoryAgeDays = int(d / (24 * time.Hour))
}

// vulnIndex maps a package (source, ecosystem, name, version) to the ids of
// the findings affecting it.
type vulnIndex map[pkgKey][]string

type pkgKey struct{ source, ecosystem, name, version string }

func newVulnIndex(findings []result.Finding) vulnIndex {
	idx := make(vulnIndex)
	for _, f := range findings {
		k := pkgKey{f.Source, f.Ecosystem, f.Package, f.Version}
		idx[k] = append(idx[k], f.ID)
	}
	return idx
}

// pkg converts p and fills its Vulns.
func (idx vulnIndex) pkg(p result.Package, license func(result.Package) string) Package {
	m := NewPackage(p)
	if ids := idx[pkgKey{p.Source, p.Ecosystem, p.Name, p.Version}]; len(ids) > 0 {
		m.Vulns = ids
	}
	if license != nil {
		m.License = license(p)
	}
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
