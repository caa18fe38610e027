// Package match decides whether a package version is affected by an OSV
// advisory, with the exact semantics of the OSV schema: `versions` lists,
// and ranges of type ECOSYSTEM and SEMVER whose events (`introduced`,
// `fixed`, `last_affected`, `limit`) may come in any order. GIT ranges
// describe commits, not releases, and are skipped.
//
// Range evaluation is written here rather than taken from a library because
// it is the heart of patchline's accuracy; the algorithm follows the
// evaluation the OSV schema specifies (sort the events, then the last event
// at or below the version decides).
package match

import (
	"errors"
	"slices"
	"strings"

	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/osv"
	"github.com/patchline/patchline/internal/version"
)

// Package is what a match needs to know about one package.
type Package struct {
	Ecosystem string
	Name      string
	Version   string
}

// Hit is one way an advisory affects a package.
type Hit struct {
	// Affected is the advisory's entry for the package.
	Affected *osv.Affected
	// Fixed lists, nearest first, the versions that fix the affected range
	// the version is in; empty when no fix is known.
	Fixed []string
}

// Problem is something about an advisory that matching could not evaluate.
type Problem struct {
	ID     string
	Reason string
}

// Matcher evaluates advisories against packages.
type Matcher struct{}

// Affects returns the hits of entry e on package p: empty when p is not
// affected. Problems report ranges that could not be evaluated (an
// unparsable event version, an ecosystem without version rules); they never
// make a package affected.
func (Matcher) Affects(e *osv.Entry, p Package) ([]Hit, []Problem) {
	if e.Withdrawn != nil && !e.Withdrawn.IsZero() {
		return nil, nil
	}
	eco := ecosystem.Lookup(p.Ecosystem)
	name := eco.NormalizeName(p.Name)
	var hits []Hit
	var problems []Problem
	for i := range e.Affected {
		a := &e.Affected[i]
		if a.Package.Ecosystem != p.Ecosystem || eco.NormalizeName(a.Package.Name) != name {
			continue
		}
		ok, fixed, probs := affects(a, eco, p.Version)
		for _, r := range probs {
			problems = append(problems, Problem{ID: e.ID, Reason: r})
		}
		if ok {
			hits = append(hits, Hit{Affected: a, Fixed: fixed})
		}
	}
	return hits, problems
}

// affects evaluates one affected package entry.
func affects(a *osv.Affected, eco *ecosystem.Ecosystem, v string) (bool, []string, []string) {
	var problems []string
	var ord version.Ordering
	if eco != nil {
		ord = eco.Ordering
	}
	var parsed version.Version
	var parseErr error
	if ord != nil {
		parsed, parseErr = ord.Parse(v)
		// A branch (Composer's "dev-main") is no release: ranges say nothing
		// about it.
		if b, ok := parsed.(interface{ IsBranch() bool }); ok && b.IsBranch() {
			parsed, parseErr = nil, errors.New("a branch, not a release: ranges cannot be compared")
		}
	}

	// An explicit list of affected versions. The ranges are still
	// evaluated: they say which version fixes it.
	affected := false
	for _, av := range a.Versions {
		if av == v {
			affected = true
			break
		}
		if parsed != nil {
			if pv, err := ord.Parse(av); err == nil && pv.Compare(parsed) == 0 {
				affected = true
				break
			}
		}
	}

	var fixes []version.Version
	for _, r := range a.Ranges {
		var rord version.Ordering
		switch r.Type {
		case osv.RangeGit:
			continue
		case osv.RangeEcosystem:
			rord = ord
		case osv.RangeSemVer:
			rord = semverOrdering(eco)
		default:
			problems = append(problems, "range type "+quote(r.Type)+" is not supported")
			continue
		}
		if rord == nil {
			if !affected { // when the versions list matched, only the fix is unknown
				problems = append(problems, "no version rules for ecosystem "+quote(a.Package.Ecosystem)+": ranges not evaluated")
			}
			continue
		}
		pv, err := parsed, parseErr
		if rord != ord {
			pv, err = rord.Parse(v)
		}
		if err != nil {
			problems = append(problems, "installed version "+quote(v)+" is not a valid version: "+err.Error())
			continue
		}
		in, fix, probs := inRange(r.Events, rord, pv)
		problems = append(problems, probs...)
		if in {
			affected = true
			if fix != nil {
				fixes = append(fixes, fix)
			}
		}
	}
	if !affected {
		return false, nil, problems
	}
	slices.SortFunc(fixes, func(a, b version.Version) int { return a.Compare(b) })
	fixed := make([]string, 0, len(fixes))
	for i, f := range fixes {
		if i > 0 && f.Compare(fixes[i-1]) == 0 {
			continue
		}
		fixed = append(fixed, f.String())
	}
	return true, fixed, problems
}

// semverOrdering returns the ordering for SEMVER ranges. Go module versions
// carry a "v" the OSV Go data omits, and npm tolerates one, so those
// ecosystems use their own variants of SemVer 2.0; the rest use it strictly.
func semverOrdering(eco *ecosystem.Ecosystem) version.Ordering {
	if eco != nil && (eco.Name == "Go" || eco.Name == "npm") {
		return eco.Ordering
	}
	return ecosystem.SemVer
}

type kind int

// Event kinds, in the order they sort at equal versions: an interval
// introduced and fixed at the same version is empty.
const (
	introduced kind = iota
	lastAffected
	fixed
	limit
)

type event struct {
	kind kind
	v    version.Version // nil for introduced "0" (below every version)
}

// inRange evaluates one range's events for version v and returns whether v
// is affected and, if so, the fixed version closing its interval (nil when
// none does).
func inRange(raw []osv.Event, ord version.Ordering, v version.Version) (bool, version.Version, []string) {
	var problems []string
	events := make([]event, 0, len(raw))
	var limits []version.Version
	hasLimit := false
	for _, e := range raw {
		var k kind
		var s string
		switch {
		case e.Introduced != "":
			k, s = introduced, e.Introduced
		case e.Fixed != "":
			k, s = fixed, e.Fixed
		case e.LastAffected != "":
			k, s = lastAffected, e.LastAffected
		case e.Limit != "":
			k, s = limit, e.Limit
		default:
			continue
		}
		if k == introduced && s == "0" {
			events = append(events, event{kind: k})
			continue
		}
		if k == limit {
			hasLimit = true
			if s == "*" {
				limits = append(limits, nil)
				continue
			}
		}
		pv, err := ord.Parse(s)
		if err != nil {
			problems = append(problems, "event version "+quote(s)+" is not valid: "+err.Error())
			continue
		}
		if k == limit {
			limits = append(limits, pv)
			continue
		}
		events = append(events, event{kind: k, v: pv})
	}
	if hasLimit {
		// v must lie below at least one limit ("*" is no limit).
		below := false
		for _, l := range limits {
			if l == nil || v.Compare(l) < 0 {
				below = true
				break
			}
		}
		if !below {
			return false, nil, problems
		}
	}
	slices.SortStableFunc(events, func(a, b event) int {
		switch {
		case a.v == nil && b.v == nil:
			return int(a.kind) - int(b.kind)
		case a.v == nil:
			return -1
		case b.v == nil:
			return 1
		}
		if c := a.v.Compare(b.v); c != 0 {
			return c
		}
		return int(a.kind) - int(b.kind)
	})
	affected := false
	last := -1 // index of the last event at or below v
	for i, e := range events {
		switch e.kind {
		case introduced:
			if e.v == nil || v.Compare(e.v) >= 0 {
				affected, last = true, i
			}
		case fixed:
			if v.Compare(e.v) >= 0 {
				affected, last = false, i
			}
		case lastAffected:
			if v.Compare(e.v) > 0 {
				affected, last = false, i
			}
		}
	}
	if !affected {
		return false, nil, problems
	}
	for _, e := range events[last+1:] {
		if e.kind == fixed {
			return true, e.v, problems
		}
		if e.kind == lastAffected {
			break // the interval ends without a known fix
		}
	}
	return true, nil, problems
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
