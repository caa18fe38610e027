package fix

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/version"
	"github.com/patchline/patchline/internal/version/pep440"
	"github.com/patchline/patchline/internal/version/semver"
)

// maxSkipped caps the versions a reason lists as skipped.
const maxSkipped = 5

// ChooseRequest asks [Choose] for the smallest safe version of one
// package.
type ChooseRequest struct {
	Ecosystem string
	Name      string
	// Current is the version the project resolves today.
	Current string
	// Fixed are the versions the advisories name as fixed for Current;
	// they are candidates even when Versions does not list them (a source
	// that could not be reached, an index that lags).
	Fixed []string
	// Versions lists the published versions; nil means only Fixed.
	Versions VersionSource
	Checker  Checker
	// SameMajorOnly forbids crossing into another major version; without
	// it, a version in the next major is chosen only when no version of
	// the current major is safe, and the choice says so.
	SameMajorOnly bool
	// Allow, when set, filters candidates further (a parent's declared
	// range); a version it rejects is skipped with its reason.
	Allow func(v string) (ok bool, why string)
}

// Choice is what [Choose] found: a pick and why, or why not.
type Choice struct {
	// Pick is the chosen version; empty when there is none, and then
	// Reason (a Reason constant) and Detail say why.
	Pick string
	// Why explains the pick: why not a lower version, what was skipped.
	Why string
	// CrossesMajor is set when Pick is in another major version than
	// Current (see [Major]).
	CrossesMajor bool
	Reason       string
	Detail       string
	// Fixed are the fixed versions considered, lowest first.
	Fixed []string
	// Problems are advisories that could not be evaluated on a candidate.
	Problems []string
	// ListError is why the published versions could not be listed (then
	// only the fixed versions were candidates); the strategy notes it
	// once for the plan rather than in every package's detail.
	ListError string
}

// Choose picks the smallest version above req.Current, in the ordering of
// req.Ecosystem, that no advisory in req.Checker affects: first among the
// versions of the current major version (see [Major]), then, unless
// SameMajorOnly, among the rest. Pre-releases are candidates only when
// Current is one; yanked, retracted and deprecated versions are skipped
// and named.
//
// The search is shared by the strategies of every ecosystem but Go, whose
// module paths carry the major version and which has its own rules.
func Choose(ctx context.Context, req ChooseRequest) (Choice, error) {
	eco := ecosystem.Lookup(req.Ecosystem)
	if eco == nil {
		return Choice{}, fmt.Errorf("choose a version of %s: no version rules for ecosystem %q", req.Name, req.Ecosystem)
	}
	cur, err := eco.Ordering.Parse(req.Current)
	if err != nil {
		return Choice{Reason: ReasonNoCandidate, Detail: fmt.Sprintf("the current version %q cannot be ordered: %v", req.Current, err)}, nil
	}
	type cand struct {
		v       version.Version
		release Release
		listed  bool
	}
	cands := map[string]*cand{}
	var listErr error
	if req.Versions != nil {
		rels, err := req.Versions.Versions(ctx, req.Ecosystem, req.Name)
		if err != nil {
			if ctx.Err() != nil {
				return Choice{}, ctx.Err()
			}
			listErr = err
		}
		for _, r := range rels {
			v, err := eco.Ordering.Parse(r.Version)
			if err != nil {
				continue // a version the ecosystem's rules reject is never a candidate
			}
			cands[r.Version] = &cand{v: v, release: r, listed: true}
		}
	}
	var fixed []version.Version
	for _, f := range req.Fixed {
		v, err := eco.Ordering.Parse(f)
		if err != nil {
			continue
		}
		fixed = append(fixed, v)
		if cands[f] != nil {
			continue
		}
		// Another spelling of a listed version ("2.0" for "2.0.0") is
		// that version, not a second candidate.
		known := false
		for _, c := range cands {
			if c.v.Compare(v) == 0 {
				known = true
				break
			}
		}
		if !known {
			cands[f] = &cand{v: v, release: Release{Version: f}}
		}
	}
	sort.Slice(fixed, func(i, j int) bool { return fixed[i].Compare(fixed[j]) < 0 })
	var fixedStr []string
	for _, f := range fixed {
		if len(fixedStr) == 0 || fixedStr[len(fixedStr)-1] != f.String() {
			fixedStr = append(fixedStr, f.String())
		}
	}
	curMajor, curPre := Major(cur), IsPrerelease(cur)
	var same, other []*cand
	for _, c := range cands {
		if c.v.Compare(cur) <= 0 {
			continue
		}
		if IsPrerelease(c.v) && !curPre {
			continue
		}
		if Major(c.v) == curMajor {
			same = append(same, c)
		} else {
			other = append(other, c)
		}
	}
	byVersion := func(cs []*cand) {
		sort.Slice(cs, func(i, j int) bool { return cs[i].v.Compare(cs[j].v) < 0 })
	}
	byVersion(same)
	byVersion(other)

	ch := Choice{Fixed: fixedStr}
	var skipped []string
	seenProblem := map[string]bool{}
	try := func(cs []*cand) (string, error) {
		for _, c := range cs {
			if err := ctx.Err(); err != nil {
				return "", err
			}
			v := c.v.String()
			if !c.listed && req.Versions != nil && listErr == nil {
				r, ok, err := req.Versions.Release(ctx, req.Ecosystem, req.Name, v)
				if err != nil {
					if ctx.Err() != nil {
						return "", ctx.Err()
					}
					skipped = append(skipped, fmt.Sprintf("%s (named as fixed, but could not be looked up: %v)", v, err))
					continue
				}
				if !ok {
					skipped = append(skipped, v+" (named as fixed, but not published)")
					continue
				}
				c.release = r
			}
			if c.release.Retracted != "" {
				skipped = append(skipped, fmt.Sprintf("%s (%s)", v, c.release.Retracted))
				continue
			}
			if req.Allow != nil {
				if ok, why := req.Allow(v); !ok {
					skipped = append(skipped, fmt.Sprintf("%s (%s)", v, why))
					continue
				}
			}
			verdict, err := req.Checker.Check(ctx, Package{Ecosystem: req.Ecosystem, Name: req.Name, Version: v})
			if err != nil {
				return "", err
			}
			for _, p := range verdict.Problems {
				if !seenProblem[p] {
					seenProblem[p] = true
					ch.Problems = append(ch.Problems, p)
				}
			}
			if len(verdict.Vulns) == 0 {
				return v, nil
			}
			skipped = append(skipped, fmt.Sprintf("%s (still affected by %s)", v, strings.Join(verdict.IDs(), ", ")))
		}
		return "", nil
	}
	pick, err := try(same)
	if err != nil {
		return Choice{}, err
	}
	sameSkipped := len(skipped)
	if pick == "" && !req.SameMajorOnly {
		if pick, err = try(other); err != nil {
			return Choice{}, err
		}
		ch.CrossesMajor = pick != ""
	}
	source := "published"
	if req.Versions == nil || listErr != nil {
		source = "named as fixed"
	}
	if pick != "" {
		ch.Pick = pick
		if ch.CrossesMajor {
			ch.Why = fmt.Sprintf("no %s of the current major version (%s) above %s is free of advisories; %s is the smallest that is, in another major version: expect breaking changes", noun(source), curMajor, req.Current, pick)
		} else {
			ch.Why = fmt.Sprintf("%s is the smallest %s above %s that no advisory in the database affects", pick, noun(source), req.Current)
		}
		if len(skipped) > 0 {
			ch.Why += "; skipped " + listSkipped(skipped)
		}
		if listErr != nil {
			ch.ListError = listErr.Error()
			ch.Why += " (the published versions could not be listed; see the notes)"
		}
		return ch, nil
	}
	switch {
	case req.SameMajorOnly && len(other) > 0 && sameSkipped == len(skipped):
		ch.Reason = ReasonOtherMajor
		ch.Detail = fmt.Sprintf("no version of the current major version (%s) above %s is free of advisories, and crossing to another major version is not allowed here", curMajor, req.Current)
	case len(fixedStr) == 0 && len(skipped) == 0:
		ch.Reason, ch.Detail = ReasonNoFix, "no advisory names a fixed version, and no newer version is known"
	default:
		ch.Reason = ReasonNoCandidate
		ch.Detail = fmt.Sprintf("no %s above %s is free of every advisory", noun(source), req.Current)
		if len(fixedStr) > 0 {
			ch.Detail = fmt.Sprintf("the advisories name fixed versions (%s), but %s", strings.Join(fixedStr, ", "), ch.Detail)
		}
	}
	if len(skipped) > 0 {
		ch.Detail += ": " + listSkipped(skipped)
	}
	if listErr != nil {
		ch.ListError = listErr.Error()
		ch.Detail += " (the published versions could not be listed; see the notes)"
	}
	return ch, nil
}

// Major returns the part of a version that a compatible upgrade keeps:
// for SemVer the major number, or "0.MINOR" below 1.0.0 (npm's and
// Cargo's caret ranges treat each 0.x minor as its own major version); for
// PEP 440 the epoch and first release number. Other orderings give the
// leading number of the version string.
func Major(v version.Version) string {
	switch x := v.(type) {
	case *semver.Version:
		if x.Major() == "0" {
			return "0." + x.Minor()
		}
		return x.Major()
	case *pep440.Version:
		return x.Major()
	}
	s := strings.TrimPrefix(v.String(), "v")
	if i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		s = s[:i]
	}
	return s
}

// IsPrerelease reports whether v is a pre-release in its ecosystem's
// rules.
func IsPrerelease(v version.Version) bool {
	switch x := v.(type) {
	case *semver.Version:
		return x.Prerelease() != ""
	case *pep440.Version:
		return x.IsPrerelease()
	}
	return false
}

func listSkipped(items []string) string {
	if len(items) <= maxSkipped {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:maxSkipped], ", ") + fmt.Sprintf(" and %d more", len(items)-maxSkipped)
}

// noun names the candidates: "published version" or "version named as
// fixed".
func noun(source string) string {
	if source == "published" {
		return "published version"
	}
	return "version named as fixed"
}
