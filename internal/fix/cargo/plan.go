package cargo

import (
	"context"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/patchline/patchline/internal/fix"
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/osv"
	"github.com/patchline/patchline/internal/result"
)

// Plan proposes, for each vulnerable crate version of the findings that
// Cargo.lock in dir resolves, the smallest version no advisory affects (see
// the package documentation for the rules). Findings of other ecosystems
// are ignored. It reads Cargo.lock and the manifests, and never writes.
func (s *Strategy) Plan(ctx context.Context, dir string, findings []result.Finding, versions fix.VersionSource, checker fix.Checker) (fix.Plan, error) {
	var plan fix.Plan
	groups := groupFindings(findings)
	if len(groups) == 0 {
		return plan, nil
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return plan, err
	}
	managed := []string{"Cargo.lock", "Cargo.toml"}
	for _, m := range ws.Members {
		if !slices.Contains(managed, m) {
			managed = append(managed, path.Clean(m))
		}
	}
	s.managed = managed
	inv, err := readLock(ctx, dir, s.log)
	if err != nil {
		return plan, err
	}
	p := &planner{ws: ws, inv: inv, versions: versions, checker: checker, plan: &plan, notes: map[string]bool{}}
	for _, g := range groups {
		if err := ctx.Err(); err != nil {
			return plan, err
		}
		if err := p.crate(ctx, g); err != nil {
			return plan, err
		}
	}
	return plan, nil
}

// group is the findings of one crate version.
type group struct {
	name, version string
	findings      []*result.Finding
}

func (g group) spec() string { return g.name + "@" + g.version }

// groupFindings groups the crates.io findings by crate and version, sorted.
func groupFindings(findings []result.Finding) []group {
	idx := map[[2]string]int{}
	var out []group
	for i := range findings {
		f := &findings[i]
		if osv.BaseEcosystem(f.Ecosystem) != inventory.CratesIO {
			continue
		}
		k := [2]string{f.Package, f.Version}
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
	ws       *workspace
	inv      inventory.Inventory
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

// locked returns the Cargo.lock entries of the crate version: registry
// ones first.
func (p *planner) locked(name, version string) []inventory.Package {
	var out []inventory.Package
	for _, q := range p.inv.Packages {
		if q.Name == name && q.Version == version {
			out = append(out, q)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Note == "" && out[j].Note != "" })
	return out
}

// parents returns the crates in Cargo.lock that depend on id.
func (p *planner) parents(id string) []string {
	var out []string
	for _, q := range p.inv.Packages {
		if slices.Contains(q.DependsOn, id) {
			out = append(out, q.Name+"@"+q.Version)
		}
	}
	sort.Strings(out)
	return out
}

// crate plans the fix of one crate version.
func (p *planner) crate(ctx context.Context, g group) error {
	unfixable := func(ids []string, reason, detail string, fixed []string) {
		p.plan.Unfixable = append(p.plan.Unfixable, fix.Unfixable{
			Ecosystem: inventory.CratesIO, Package: g.name, Version: g.version, IDs: ids,
			Reason: reason, Detail: detail, Fixed: fixed,
		})
	}
	entries := p.locked(g.name, g.version)
	if len(entries) == 0 {
		unfixable(fix.FindingIDs(g.findings), fix.ReasonNotInGraph,
			fmt.Sprintf("Cargo.lock resolves no %s: the finding came from another file, or Cargo.lock changed since the scan", g.spec()), nil)
		return nil
	}
	if e := entries[0]; e.Note != "" {
		unfixable(fix.FindingIDs(g.findings), fix.ReasonPinned,
			fmt.Sprintf("%s comes %s, not from a registry: move the git dependency to a fixed revision (or to a registry version) by hand", g.spec(), strings.TrimPrefix(e.Note, "from ")), nil)
		return nil
	}
	verdict, err := p.checker.Check(ctx, fix.Package{Ecosystem: inventory.CratesIO, Name: g.name, Version: g.version})
	if err != nil {
		return err
	}
	for _, pr := range verdict.Problems {
		p.note(fmt.Sprintf("%s: advisory not evaluated: %s", g.spec(), pr))
	}
	fs, ids := fix.OpenFindings(g.findings, verdict)
	if len(fs) == 0 {
		p.note(fmt.Sprintf("%s: Cargo.lock resolves %s, which %s no longer affect", g.name, g.version, strings.Join(fix.FindingIDs(g.findings), ", ")))
		return nil
	}
	var fixed []string
	for _, f := range fs {
		fixed = append(fixed, f.Fixed...)
	}
	for _, x := range verdict.Vulns {
		fixed = append(fixed, x.Fixed...)
	}
	deps := p.ws.on(g.name, g.version)
	direct := len(deps) > 0
	ch, err := fix.Choose(ctx, fix.ChooseRequest{
		Ecosystem: inventory.CratesIO, Name: g.name, Current: g.version, Fixed: fixed,
		Versions: p.versions, Checker: p.checker, SameMajorOnly: !direct,
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
	parents := p.parents(entries[0].ID)
	if ch.Pick == "" {
		detail := ch.Detail
		if ch.Reason == fix.ReasonOtherMajor && len(parents) > 0 {
			detail += fmt.Sprintf("; %s is not a direct dependency of the workspace: upgrade the crates that depend on it (%s) to versions that accept a fixed one", g.name, listed(parents))
		}
		unfixable(ids, ch.Reason, detail, ch.Fixed)
		return nil
	}
	reason := ch.Why
	kind := fix.KindTransitiveInPlace
	if direct {
		kind = fix.KindDirectUpgrade
		var rewrites []string
		for _, d := range deps {
			if r, err := parseRequirement(d.Req); err == nil && !r.admits(ch.Pick) {
				rewrites = append(rewrites, fmt.Sprintf("%s (%q)", d.where(), d.Req))
			}
		}
		if len(rewrites) > 0 {
			reason += fmt.Sprintf("; the requirement of %s does not admit %s, so it is rewritten to admit it", strings.Join(rewrites, ", "), ch.Pick)
		}
	} else {
		reason += fmt.Sprintf("; %s is not a direct dependency of the workspace: `cargo update --precise` moves it in Cargo.lock, which works only if every crate that depends on it (%s) accepts %s", g.name, listed(parents), ch.Pick)
	}
	p.plan.Changes = append(p.plan.Changes, fix.Change{
		Ecosystem: inventory.CratesIO, Package: g.name, From: g.version, To: ch.Pick, Kind: kind,
		Fixes: ids, Advisories: verdict.IDs(), Reason: reason,
	})
	return nil
}

// listed joins items, at most five of them.
func listed(items []string) string {
	const maxListed = 5
	if len(items) == 0 {
		return "none found in Cargo.lock"
	}
	if len(items) > maxListed {
		return strings.Join(items[:maxListed], ", ") + fmt.Sprintf(" and %d more", len(items)-maxListed)
	}
	return strings.Join(items, ", ")
}
