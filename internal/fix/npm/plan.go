package npm

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	mmsemver "github.com/Masterminds/semver/v3"

	"github.com/patchline/patchline/internal/fix"
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/result"
)

// maxParentTries caps the parent versions a plan asks npm about, per
// parent: each is one `npm view`.
const maxParentTries = 20

// Plan proposes, for each vulnerable package version in the lockfile of
// the project at dir, the least invasive move to the smallest version no
// advisory affects (see the package documentation). It reads the project
// and never writes to it.
func (s *Strategy) Plan(ctx context.Context, dir string, findings []result.Finding, versions fix.VersionSource, checker fix.Checker) (fix.Plan, error) {
	var plan fix.Plan
	groups := groupFindings(findings)
	if len(groups) == 0 {
		return plan, nil
	}
	name := findLock(dir)
	if name == "" {
		return plan, fmt.Errorf("no package-lock.json or npm-shrinkwrap.json in %q: patchline fix for npm needs a lockfile (run `npm install --package-lock-only`)", dir)
	}
	lf, err := readLock(filepath.Join(dir, name))
	if err != nil {
		return plan, err
	}
	p := &planner{s: s, lf: lf, versions: versions, checker: checker, plan: &plan, notes: map[string]bool{}}
	for _, g := range groups {
		if err := ctx.Err(); err != nil {
			return plan, err
		}
		if err := p.group(ctx, g); err != nil {
			return plan, err
		}
	}
	return plan, nil
}

// group is the findings of one package version.
type group struct {
	name, version string
	findings      []*result.Finding
}

func groupFindings(findings []result.Finding) []group {
	idx := map[string]int{}
	var out []group
	for i := range findings {
		f := &findings[i]
		if f.Ecosystem != inventory.Npm {
			continue
		}
		k := f.Package + "@" + f.Version
		j, ok := idx[k]
		if !ok {
			j = len(out)
			idx[k] = j
			out = append(out, group{name: f.Package, version: f.Version})
		}
		out[j].findings = append(out[j].findings, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].name != out[j].name {
			return out[i].name < out[j].name
		}
		return out[i].version < out[j].version
	})
	return out
}

type planner struct {
	s        *Strategy
	lf       *lockfile
	versions fix.VersionSource
	checker  fix.Checker
	plan     *fix.Plan
	notes    map[string]bool
}

func (p *planner) note(s string) {
	if !p.notes[s] {
		p.notes[s] = true
		p.plan.Notes = append(p.plan.Notes, s)
	}
}

func (g group) fixed() []string {
	var out []string
	for _, f := range g.findings {
		for _, v := range f.Fixed {
			if !contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// advisories returns the ids of the advisories that affect name@from and
// not name@to.
func (p *planner) advisories(ctx context.Context, name, from, to string) ([]string, error) {
	before, err := p.checker.Check(ctx, fix.Package{Ecosystem: inventory.Npm, Name: name, Version: from})
	if err != nil {
		return nil, err
	}
	after, err := p.checker.Check(ctx, fix.Package{Ecosystem: inventory.Npm, Name: name, Version: to})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range before.IDs() {
		if !contains(after.IDs(), id) {
			out = append(out, id)
		}
	}
	return out, nil
}

func (p *planner) unfixable(g group, reason, detail string, fixed []string) {
	p.plan.Unfixable = append(p.plan.Unfixable, fix.Unfixable{
		Ecosystem: inventory.Npm, Package: g.name, Version: g.version, IDs: fix.FindingIDs(g.findings),
		Reason: reason, Detail: detail, Fixed: fixed,
	})
}

func (p *planner) group(ctx context.Context, g group) error {
	paths := p.lf.instances(g.name, g.version)
	if len(paths) == 0 {
		p.unfixable(g, fix.ReasonNotInGraph, fmt.Sprintf("%s@%s is not in %s", g.name, g.version, filepath.Base(p.lf.path)), nil)
		return nil
	}
	ch, err := fix.Choose(ctx, fix.ChooseRequest{
		Ecosystem: inventory.Npm, Name: g.name, Current: g.version, Fixed: g.fixed(),
		Versions: p.versions, Checker: p.checker,
	})
	if err != nil {
		return err
	}
	for _, pr := range ch.Problems {
		p.note(fmt.Sprintf("%s: advisory not evaluated: %s", g.name, pr))
	}
	if ch.ListError != "" {
		p.note(ch.ListError)
	}
	if ch.Pick == "" {
		p.unfixable(g, ch.Reason, ch.Detail, ch.Fixed)
		return nil
	}
	advs, err := p.advisories(ctx, g.name, g.version, ch.Pick)
	if err != nil {
		return err
	}
	base := fix.Change{
		Ecosystem: inventory.Npm, Package: g.name, From: g.version, To: ch.Pick,
		Fixes: fix.FindingIDs(g.findings), Advisories: advs, Reason: ch.Why,
	}

	// Who requires the vulnerable instances, and do their ranges take
	// the pick?
	direct := false
	var rangeEdit string
	var blocked []dependent
	for _, path := range paths {
		for _, d := range p.lf.dependents(path) {
			ok, why := satisfies(d.spec, ch.Pick)
			if d.path == "" {
				direct = true
				if !ok {
					if why != "" {
						p.unfixable(g, fix.ReasonPinned, fmt.Sprintf("package.json asks %q for %s, which patchline cannot rewrite (%s): change it to a range that admits %s", d.spec, g.name, why, ch.Pick), nil)
						return nil
					}
					rangeEdit = d.field + "\t" + newRange(d.spec, ch.Pick)
				}
				continue
			}
			if !ok {
				blocked = append(blocked, d)
			}
		}
	}
	if len(blocked) == 0 {
		c := base
		c.Kind = fix.KindTransitiveInPlace
		if direct {
			c.Kind = fix.KindDirectUpgrade
		}
		if rangeEdit != "" {
			field, r, _ := strings.Cut(rangeEdit, "\t")
			c.Reason += fmt.Sprintf("; package.json's %s range becomes %q", field, r)
		} else {
			c.Reason += "; every package that requires it already allows " + ch.Pick + ", so only the lockfile changes"
		}
		p.plan.Changes = append(p.plan.Changes, c)
		return nil
	}

	// Some parent's range excludes the pick: raise the parent to a
	// version that allows a safe one, else override.
	changes, err := p.parentUpgrades(ctx, g, blocked, base)
	if err != nil {
		return err
	}
	if changes != nil {
		p.plan.Changes = append(p.plan.Changes, changes...)
		return nil
	}
	c := base
	c.Kind = fix.KindOverride
	var parents []string
	for _, d := range blocked {
		parents = append(parents, fmt.Sprintf("%s@%s asks %q", p.lf.name(d.path), p.lf.packages[d.path].Version, d.spec))
	}
	c.Reason += fmt.Sprintf("; %s, and no newer version of that parent in its major version allows a fixed one, so package.json gets an npm override (the parent runs with a version it did not declare: the tests have to show it works)", strings.Join(parents, "; "))
	p.plan.Changes = append(p.plan.Changes, c)
	return nil
}

// parentUpgrades tries to raise each blocking parent to the smallest
// version of its major version whose range for g.name allows a version
// no advisory affects. It returns nil when one of the parents cannot be
// raised that way.
func (p *planner) parentUpgrades(ctx context.Context, g group, blocked []dependent, base fix.Change) ([]fix.Change, error) {
	var out []fix.Change
	for _, d := range blocked {
		pname, pver := p.lf.name(d.path), p.lf.packages[d.path].Version
		var target string
		tries := 0
		pch, err := fix.Choose(ctx, fix.ChooseRequest{
			Ecosystem: inventory.Npm, Name: pname, Current: pver,
			Versions: p.versions, Checker: p.checker, SameMajorOnly: true,
			Allow: func(v string) (bool, string) {
				if tries >= maxParentTries {
					return false, "not looked at"
				}
				tries++
				m, err := p.s.view.manifest(ctx, pname, v)
				if err != nil {
					return false, "manifest unavailable: " + err.Error()
				}
				spec, ok := m.Dependencies[g.name]
				if !ok {
					spec, ok = m.OptionalDependencies[g.name]
				}
				if !ok {
					target = ""
					return true, "" // no longer requires it
				}
				tch, err := fix.Choose(ctx, fix.ChooseRequest{
					Ecosystem: inventory.Npm, Name: g.name, Current: g.version,
					Versions: p.versions, Checker: p.checker, Fixed: g.fixed(),
					Allow: func(t string) (bool, string) {
						ok, _ := satisfies(spec, t)
						return ok, "outside " + pname + "@" + v + "'s range " + spec
					},
				})
				if err != nil || tch.Pick == "" {
					return false, fmt.Sprintf("requires %s %q, which has no safe version", g.name, spec)
				}
				target = tch.Pick
				return true, ""
			},
		})
		if err != nil {
			return nil, err
		}
		if pch.Pick == "" {
			return nil, nil
		}
		// The parent must be free to move: the project requires it
		// directly, or everything requiring it allows the new version.
		var rangeEdit string
		for _, pd := range p.lf.dependents(d.path) {
			ok, why := satisfies(pd.spec, pch.Pick)
			if ok {
				continue
			}
			if pd.path != "" || why != "" {
				return nil, nil
			}
			rangeEdit = pd.field + "\t" + newRange(pd.spec, pch.Pick)
		}
		c := base
		c.Kind = fix.KindParentUpgrade
		c.Package, c.From, c.To = pname, pver, pch.Pick
		c.Target, c.TargetFrom, c.TargetTo = g.name, g.version, target
		if target == "" {
			c.TargetTo = "(removed)"
		}
		c.Reason = fmt.Sprintf("%s@%s asks %q for %s, which admits no version free of advisories; %s is the smallest %s version whose range takes %s %s (%s)",
			pname, pver, d.spec, g.name, pch.Pick, pname, g.name, c.TargetTo, base.Reason)
		if rangeEdit != "" {
			field, r, _ := strings.Cut(rangeEdit, "\t")
			c.Reason += fmt.Sprintf("; package.json's %s range for %s becomes %q", field, pname, r)
		}
		out = append(out, c)
	}
	return out, nil
}

// satisfies reports whether version v is in npm range spec. why is set
// when spec is not a range patchline can evaluate (a tag, a URL, a git
// or file spec, an alias).
//
// Masterminds/semver evaluates the range; npm's rule for pre-releases is
// applied on top: a pre-release satisfies a range only when one of the
// range's own versions is a pre-release of the same major.minor.patch.
func satisfies(spec, v string) (ok bool, why string) {
	s := strings.TrimSpace(spec)
	ver, err := mmsemver.StrictNewVersion(v)
	if err != nil {
		return false, ""
	}
	if ver.Prerelease() != "" && !prereleaseAllowed(s, ver) {
		return false, ""
	}
	if s == "" || s == "*" || s == "x" {
		return true, ""
	}
	if strings.ContainsAny(s, ":/") || s == "latest" || s == "next" {
		return false, "not a version range"
	}
	c, err := mmsemver.NewConstraint(s)
	if err != nil {
		return false, "not a version range: " + err.Error()
	}
	return c.Check(ver), ""
}

// rangeVersion finds the versions a range is written with.
var rangeVersion = regexp.MustCompile(`\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?`)

// prereleaseAllowed reports whether the range names a pre-release of v's
// major.minor.patch, which npm requires before a pre-release may match.
func prereleaseAllowed(spec string, v *mmsemver.Version) bool {
	for _, m := range rangeVersion.FindAllString(spec, -1) {
		rv, err := mmsemver.StrictNewVersion(m)
		if err != nil || rv.Prerelease() == "" {
			continue
		}
		if rv.Major() == v.Major() && rv.Minor() == v.Minor() && rv.Patch() == v.Patch() {
			return true
		}
	}
	return false
}

// newRange returns the range to write in place of old so that it admits
// v: the same operator (^, ~, exact) on v.
func newRange(old, v string) string {
	s := strings.TrimSpace(old)
	switch {
	case strings.HasPrefix(s, "^"):
		return "^" + v
	case strings.HasPrefix(s, "~"):
		return "~" + v
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "="), "v")
	if s != "" && s[0] >= '0' && s[0] <= '9' && !strings.ContainsAny(s, " |xX*<>") && strings.Count(s, ".") == 2 {
		return v // an exact version stays exact
	}
	if s != "" && s[0] >= '0' && s[0] <= '9' && !strings.ContainsAny(s, " |*<>") && strings.Count(strings.TrimSuffix(strings.TrimSuffix(s, ".x"), ".X"), ".") == 1 {
		return "~" + v // "1.2" or "1.2.x": a minor range stays one
	}
	return "^" + v
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
