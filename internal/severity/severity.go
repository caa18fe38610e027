// Package severity turns the severity data of OSV advisories into one
// comparable level per finding: CVSS vectors are scored with
// github.com/pandatix/go-cvss, and database-specific ratings (such as the
// GitHub advisory database's "MODERATE") are mapped onto the same levels.
//
// Nothing is invented: an advisory without a usable vector or rating has
// level [Unknown] and no score.
package severity

import (
	"encoding/json"
	"fmt"
	"strings"

	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"

	"github.com/patchline/patchline/internal/osv"
)

// Level is a qualitative severity, ordered from [Unknown] to [Critical].
type Level int

// Levels, in increasing order.
const (
	Unknown Level = iota
	None
	Low
	Medium
	High
	Critical
)

var levelNames = [...]string{"unknown", "none", "low", "medium", "high", "critical"}

func (l Level) String() string {
	if l < 0 || int(l) >= len(levelNames) {
		return "unknown"
	}
	return levelNames[l]
}

// MarshalText implements [encoding.TextMarshaler].
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText implements [encoding.TextUnmarshaler].
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	*l = v
	return err
}

// ParseLevel parses a level name, case-insensitively. "moderate" is a
// synonym of medium, as GitHub spells it.
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "unknown", "":
		return Unknown, nil
	case "none":
		return None, nil
	case "low":
		return Low, nil
	case "medium", "moderate":
		return Medium, nil
	case "high", "important":
		return High, nil
	case "critical":
		return Critical, nil
	}
	return Unknown, fmt.Errorf("unknown severity level %q (want none, low, medium, high or critical)", s)
}

// FromScore maps a CVSS score to its qualitative rating (the same bands in
// CVSS v3.x and v4.0; applied to v2 scores too).
func FromScore(score float64) Level {
	switch {
	case score >= 9.0:
		return Critical
	case score >= 7.0:
		return High
	case score >= 4.0:
		return Medium
	case score > 0:
		return Low
	}
	return None
}

// Severity is the severity of one finding.
type Severity struct {
	// Type is the OSV severity type the score came from (CVSS_V3, ...),
	// or "database_specific" when only a rating was given.
	Type string `json:"type,omitempty"`
	// Vector is the CVSS vector as the advisory wrote it.
	Vector string `json:"vector,omitempty"`
	// Score is the CVSS base score; nil when unknown.
	Score *float64 `json:"score,omitempty"`
	Level Level    `json:"level"`
}

// Score parses one CVSS vector and returns its base score.
func Score(typ, vector string) (float64, error) {
	switch typ {
	case "CVSS_V2":
		c, err := gocvss20.ParseVector(strings.TrimPrefix(vector, "CVSS:2.0/"))
		if err != nil {
			return 0, fmt.Errorf("CVSS v2 vector %q: %w", vector, err)
		}
		return c.BaseScore(), nil
	case "CVSS_V3":
		if strings.HasPrefix(vector, "CVSS:3.0/") {
			c, err := gocvss30.ParseVector(vector)
			if err != nil {
				return 0, fmt.Errorf("CVSS v3.0 vector %q: %w", vector, err)
			}
			return c.BaseScore(), nil
		}
		c, err := gocvss31.ParseVector(vector)
		if err != nil {
			return 0, fmt.Errorf("CVSS v3.1 vector %q: %w", vector, err)
		}
		return c.BaseScore(), nil
	case "CVSS_V4":
		c, err := gocvss40.ParseVector(vector)
		if err != nil {
			return 0, fmt.Errorf("CVSS v4.0 vector %q: %w", vector, err)
		}
		return c.Score(), nil
	}
	return 0, fmt.Errorf("severity type %q is not CVSS", typ)
}

// preference orders CVSS versions when an advisory gives several: v3 is the
// version most tools and policies are written against, then v4, then v2.
var preference = map[string]int{"CVSS_V3": 3, "CVSS_V4": 2, "CVSS_V2": 1}

// Of returns the severity of an advisory for one of its affected packages:
// the package's own severity when it has one, else the entry's; the
// preferred CVSS version that parses; else a database-specific rating.
func Of(e *osv.Entry, a *osv.Affected) Severity {
	var candidates []osv.Severity
	if a != nil {
		candidates = append(candidates, a.Severity...)
	}
	candidates = append(candidates, e.Severity...)
	best := Severity{}
	bestPref := 0
	for _, c := range candidates {
		p := preference[c.Type]
		if p <= bestPref {
			continue
		}
		score, err := Score(c.Type, c.Score)
		if err != nil {
			continue
		}
		s := score
		best = Severity{Type: c.Type, Vector: c.Score, Score: &s, Level: FromScore(score)}
		bestPref = p
	}
	if best.Score != nil {
		return best
	}
	if a != nil {
		if l := ratingOf(a.DatabaseSpecific); l != Unknown {
			return Severity{Type: "database_specific", Level: l}
		}
	}
	if l := ratingOf(e.DatabaseSpecific); l != Unknown {
		return Severity{Type: "database_specific", Level: l}
	}
	return Severity{Level: Unknown}
}

// ratingOf reads `database_specific.severity` ("HIGH", "MODERATE", ...).
func ratingOf(raw json.RawMessage) Level {
	if len(raw) == 0 {
		return Unknown
	}
	var ds struct {
		Severity any `json:"severity"`
	}
	if json.Unmarshal(raw, &ds) != nil {
		return Unknown
	}
	s, ok := ds.Severity.(string)
	if !ok {
		return Unknown
	}
	l, err := ParseLevel(s)
	if err != nil {
		return Unknown
	}
	return l
}
