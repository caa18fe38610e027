// Package result defines what a scan produces: the messages that flow from
// the scanner to the report handlers, and the versioned JSON document that is
// patchline's contract with CI systems and other tools.
//
// Every report format (table, JSON, SARIF, Markdown) is rendered from these
// types and nothing else, so any of them can be re-rendered from the JSON.
package result

import (
	"time"

	"github.com/patchline/patchline/internal/severity"
)

// SchemaVersion is the version of the JSON document. Fields are only added
// within a major version; removing or changing one bumps it.
const SchemaVersion = "1.0.0"

// Result is the whole JSON document of one scan.
type Result struct {
	SchemaVersion string      `json:"schema_version"`
	Tool          Tool        `json:"tool"`
	Database      []Database  `json:"database"`
	Sources       []Source    `json:"sources"`
	Packages      []Package   `json:"packages"`
	Findings      []Finding   `json:"findings"`
	Suppressed    []Finding   `json:"suppressed"`
	Errors        []FileError `json:"errors"`
	Warnings      []Warning   `json:"warnings"`
	// Violations are the policy rules the scan broke (scan --policy);
	// absent without a policy.
	Violations []Violation `json:"violations,omitempty"`
}

// Violation is one rule of a policy that the scan broke.
type Violation struct {
	Rule string `json:"rule"`
	// Action is "fail" (the exit code says so) or "warn".
	Action    string `json:"action"`
	Message   string `json:"message"`
	Ecosystem string `json:"ecosystem,omitempty"`
	Package   string `json:"package,omitempty"`
	Version   string `json:"version,omitempty"`
	FindingID string `json:"finding_id,omitempty"`
	Source    string `json:"source,omitempty"`
	Line      int    `json:"line,omitempty"`
}

// Tool names the program that wrote the result.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Database describes the advisories of one ecosystem the scan used.
type Database struct {
	Ecosystem      string    `json:"ecosystem"`
	Entries        int       `json:"entries"`
	NewestModified time.Time `json:"newest_modified"`
	Imported       time.Time `json:"imported"`
	Source         string    `json:"source"`
}

// Source is one file that was parsed.
type Source struct {
	// Path is the file's path as given on the command line, or joined to
	// the directory that was given.
	Path string `json:"path"`
	// Project is the directory holding the file, as Path names it: the
	// unit a monorepo's report is grouped by.
	Project   string `json:"project"`
	Extractor string `json:"extractor"`
	Packages  int    `json:"packages"`
}

// Package is one package found in a source.
type Package struct {
	Source      string `json:"source"`
	Line        int    `json:"line,omitempty"`
	Ecosystem   string `json:"ecosystem"`
	Name        string `json:"name"`
	Version     string `json:"version"`
	Requirement string `json:"requirement,omitempty"`
	PURL        string `json:"purl,omitempty"`
	Relation    string `json:"relation,omitempty"`
	Scope       string `json:"scope,omitempty"`
	Note        string `json:"note,omitempty"`
}

// Finding is one vulnerability affecting one package in one source. When
// several advisories describe the same vulnerability (they name each other
// in `aliases`), they make one finding.
type Finding struct {
	Source    string `json:"source"`
	Line      int    `json:"line,omitempty"`
	Ecosystem string `json:"ecosystem"`
	Package   string `json:"package"`
	Version   string `json:"version"`
	PURL      string `json:"purl,omitempty"`
	Relation  string `json:"relation,omitempty"`
	Scope     string `json:"scope,omitempty"`
	// ID is the primary id; Aliases the other ids, CVE ids first.
	ID      string   `json:"id"`
	Aliases []string `json:"aliases"`
	// Advisories lists the ids of the database entries merged into this finding.
	Advisories []string          `json:"advisories"`
	Summary    string            `json:"summary,omitempty"`
	Severity   severity.Severity `json:"severity"`
	// Fixed lists the versions that fix it, nearest first; empty when no
	// fix is known.
	Fixed []string `json:"fixed"`
	// EPSS is the highest EPSS score among the finding's CVE ids; nil
	// when none has one, or no EPSS data was imported.
	EPSS *EPSS `json:"epss,omitempty"`
	// KEV says whether one of its CVE ids is in CISA's Known Exploited
	// Vulnerabilities catalog; KEVEntry gives the catalog's dates.
	KEV      bool      `json:"kev"`
	KEVEntry *KEVEntry `json:"kev_entry,omitempty"`
	// Reachability says whether the vulnerable code is used; nil when not
	// analysed.
	Reachability *Reachability `json:"reachability,omitempty"`
	// Priority ranks the finding (see docs/priority.md).
	Priority  Priority   `json:"priority"`
	Published *time.Time `json:"published,omitempty"`
	Modified  time.Time  `json:"modified"`
	URL       string     `json:"url,omitempty"`
	Note      string     `json:"note,omitempty"`
	// VEX is the VEX statement that applied to the finding (--vex), if any:
	// not_affected and fixed suppress it, affected and under_investigation
	// annotate it.
	VEX *VEXStatement `json:"vex,omitempty"`
	// Suppression is set on suppressed findings.
	Suppression *Suppression `json:"suppression,omitempty"`
}

// CVEs returns the CVE ids among the finding's id and aliases.
func (f *Finding) CVEs() []string {
	var out []string
	for _, id := range append([]string{f.ID}, f.Aliases...) {
		if IsCVE(id) {
			out = append(out, id)
		}
	}
	return out
}

// IsCVE reports whether id is a CVE id.
func IsCVE(id string) bool { return len(id) > 4 && id[:4] == "CVE-" }

// Reachability verdicts.
const (
	Reachable    = "reachable"
	NotReachable = "not_reachable"
	Unknown      = "unknown"
)

// Reachability is the verdict of a reachability analysis.
type Reachability struct {
	// Level is how deep the analysis looked: "module", "package",
	// "symbol" (Go: is the vulnerable function called?) or "import"
	// (JavaScript, Python: is the package imported?).
	Level string `json:"level"`
	// Verdict is "reachable", "not_reachable" or "unknown".
	Verdict string `json:"verdict"`
	// Evidence shows why: a call path from the project's code to the
	// vulnerable symbol, or where the package is imported.
	Evidence []string `json:"evidence,omitempty"`
	// Reason explains an "unknown" verdict or a limit of the analysis.
	Reason string `json:"reason,omitempty"`
}

// Priority is the rank of a finding: a score from 0 to 100 and the reason
// for every point of it.
type Priority struct {
	Score   float64  `json:"score"`
	Reasons []string `json:"reasons"`
}

// EPSS is a FIRST EPSS score: the probability of exploitation activity in
// the next 30 days, and its percentile among all scored CVEs.
type EPSS struct {
	CVE        string  `json:"cve"`
	Score      float64 `json:"score"`
	Percentile float64 `json:"percentile"`
	// Date is the date of the scores, "YYYY-MM-DD"; empty when unknown.
	Date string `json:"date,omitempty"`
}

// KEVEntry is what CISA's KEV catalog says of a CVE.
type KEVEntry struct {
	CVE       string `json:"cve"`
	DateAdded string `json:"date_added"`
	DueDate   string `json:"due_date,omitempty"`
	// KnownRansomware is true when the catalog says the vulnerability was
	// used in ransomware campaigns.
	KnownRansomware bool `json:"known_ransomware"`
}

// VEXStatement is what a VEX document says of a finding.
type VEXStatement struct {
	// Status is "not_affected", "affected", "fixed" or "under_investigation".
	Status        string `json:"status"`
	Justification string `json:"justification,omitempty"`
	Impact        string `json:"impact,omitempty"`
	Action        string `json:"action,omitempty"`
	// Source is the statement's file and line; Format the document's format
	// (openvex, cyclonedx, csaf); Document its id.
	Source   string `json:"source"`
	Format   string `json:"format"`
	Document string `json:"document,omitempty"`
}

// Suppression says why a finding was not reported as one.
type Suppression struct {
	// ID is the id the suppression named (any alias of the finding).
	ID      string `json:"id"`
	Reason  string `json:"reason"`
	Owner   string `json:"owner,omitempty"`
	Expires string `json:"expires,omitempty"`
	// Config is the file the suppression came from.
	Config string `json:"config"`
}

// FileError is a file that could not be parsed, in whole or in part.
type FileError struct {
	Source    string `json:"source"`
	Line      int    `json:"line,omitempty"`
	Column    int    `json:"column,omitempty"`
	Extractor string `json:"extractor,omitempty"`
	Error     string `json:"error"`
}

// Warning is something the user should know that did not stop the scan: an
// expired suppression, a symlink loop, a version that could not be compared.
type Warning struct {
	Source  string `json:"source,omitempty"`
	Message string `json:"message"`
}
