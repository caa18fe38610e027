// Package osv holds the Open Source Vulnerability (OSV) schema as Go types:
// the advisory format every patchline database entry is stored in.
//
// Only the fields patchline reads are typed; the rest of an entry is kept
// verbatim in the database and never lost. The schema is at
// https://ossf.github.io/osv-schema/.
package osv

import (
	"encoding/json"
	"time"
)

// Entry is one OSV advisory.
type Entry struct {
	SchemaVersion    string          `json:"schema_version,omitempty"`
	ID               string          `json:"id"`
	Modified         time.Time       `json:"modified"`
	Published        *time.Time      `json:"published,omitempty"`
	Withdrawn        *time.Time      `json:"withdrawn,omitempty"`
	Aliases          []string        `json:"aliases,omitempty"`
	Upstream         []string        `json:"upstream,omitempty"`
	Related          []string        `json:"related,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Details          string          `json:"details,omitempty"`
	Severity         []Severity      `json:"severity,omitempty"`
	Affected         []Affected      `json:"affected,omitempty"`
	References       []Reference     `json:"references,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Severity is one severity score of an entry or of one affected package.
type Severity struct {
	Type  string `json:"type"` // CVSS_V2, CVSS_V3, CVSS_V4, Ubuntu
	Score string `json:"score"`
}

// Affected names one package and the versions of it an entry affects.
type Affected struct {
	Package           Package         `json:"package"`
	Severity          []Severity      `json:"severity,omitempty"`
	Ranges            []Range         `json:"ranges,omitempty"`
	Versions          []string        `json:"versions,omitempty"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  json.RawMessage `json:"database_specific,omitempty"`
}

// Package identifies a package in an ecosystem.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl,omitempty"`
}

// Range types.
const (
	RangeSemVer    = "SEMVER"
	RangeEcosystem = "ECOSYSTEM"
	RangeGit       = "GIT"
)

// Range is a list of events that together describe affected versions.
type Range struct {
	Type   string  `json:"type"`
	Repo   string  `json:"repo,omitempty"`
	Events []Event `json:"events"`
}

// Event is one version event of a [Range]; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Reference is a link about an entry.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// BaseEcosystem returns the ecosystem name without a ":suffix" release
// qualifier (e.g. "Debian:12" → "Debian"), as the OSV schema defines it.
func BaseEcosystem(eco string) string {
	for i := 0; i < len(eco); i++ {
		if eco[i] == ':' {
			return eco[:i]
		}
	}
	return eco
}
