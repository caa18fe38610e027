package golang

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/patchline/patchline/internal/fix"
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/osv"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/version/gover"
)

// maxListed caps the versions a reason lists as skipped.
const maxListed = 5

// Plan proposes, for each vulnerable module of the findings that the build
// list of the module at dir selects, the smallest version no advisory
// affects (see the package documentation for the rules). Findings of other
// ecosystems are ignored. It reads the project with `go list -mod=readonly`
// and never writes to it.
func (s *Strategy) Plan(ctx context.Context, dir string, findings []result.Finding, versions fix.VersionSource, checker fix.Checker) (fix.Plan, error) {
	var plan fix.Plan
	groups := groupFindings(findings)
	if len(groups) == 0 {
		return plan, nil
	}
	gomod, err := readGoMod(dir)
	if err != nil {
		return plan, err
	}
	graph, err := s.listModules(ctx, dir, "all")
	if err != nil {
		return plan, fmt.Errorf("load the module graph (the go command must be able to download the modules, or run with the module cache filled): %w", err)
	}
	p := &planner{s: s, gomod: gomod, graph: graph, versions: versions, checker: checker, plan: &plan, notes: map[string]bool{}}
	for _, r := range gomod.Require {
		if !r.Indirect {
			p.direct = append(p.direct, r.Mod.Path)
		}
	}
	for _, g := range groups {
		if err := ctx.Err(); err != nil {
			return plan, err
		}
		if g.name == inventory.Stdlib {
			err = p.stdlib(ctx, g)
		} else {
			err = p.module(ctx, g)
		}
		if err != nil {
			return plan, err
		}
	}
	return plan, nil
}

// group is the findings of one package.
type group struct {
	name     string
	findings []*result.Finding
}

// groupFindings groups the Go findings by package, sorted by name.
func groupFindings(findings []result.Finding) []group {
	idx := map[string]int{}
	var out []group
	for i := range findings {
		f := &findings[i]
		if osv.BaseEcosystem(f.Ecosystem) != inventory.Go {
			continue
		}
		j, ok := idx[f.Package]
		if !ok {
			j = len(out)
			idx[f.Package] = j
			out = append(out, group{name: f.Package})
		}
		out[j].findings = append(out[j].findings, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

type planner struct {
	s        *Strategy
	gomod    *modfile.File
	graph    []listedModule
	direct   []string
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

func (p *planner) check(ctx context.Context, name, v string) (fix.Verdict, error) {
	verdict, err := p.checker.Check(ctx, fix.Package{Ecosystem: inventory.Go, Name: name, Version: v})
	if err != nil {
		return verdict, err
	}
	for _, pr := range verdict.Problems {
		p.note(fmt.Sprintf("%s: advisory not evaluated: %s", name, pr))
	}
	return verdict, nil
}

// fixedVersions collects the fixed versions the findings and the verdict
// name, as Go module versions ("v1.2.3"), lowest first.
func fixedVersions(fs []*result.Finding, verdict fix.Verdict, canon func(string) string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(v string) {
		v = canon(v)
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	for _, f := range fs {
		for _, v := range f.Fixed {
			add(v)
		}
	}
	for _, x := range verdict.Vulns {
		for _, v := range x.Fixed {
			add(v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return semver.Compare(canonModule(out[i]), canonModule(out[j])) < 0 })
	return out
}

// canonModule writes an OSV Go version as a module version.
func canonModule(v string) string {
	if v == "" {
		return ""
	}
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	if !semver.IsValid(v) {
		return ""
	}
	return v
}

// canonGo writes an OSV standard library version without "v".
func canonGo(v string) string {
	if canonModule(v) == "" {
		return ""
	}
	return strings.TrimPrefix(v, "v")
}

// find returns the build list's module for a finding's package name: the
// module of that path (replaced by a directory or by another version of
// itself, or not replaced), else the module replaced by that path (the
// gomod extractor lists a replaced module under its replacement), else a
// module of that path replaced by another.
func (p *planner) find(name string) *listedModule {
	for _, match := range []func(m *listedModule) bool{
		func(m *listedModule) bool {
			return m.Path == name && (m.Replace == nil || m.Replace.Version == "" || m.Replace.Path == m.Path)
		},
		func(m *listedModule) bool { return m.Replace != nil && m.Replace.Path == name },
		func(m *listedModule) bool { return m.Path == name },
	} {
		for i := range p.graph {
			if m := &p.graph[i]; !m.Main && match(m) {
				return m
			}
		}
	}
	return nil
}

// module plans the fix of one module.
func (p *planner) module(ctx context.Context, g group) error {
	unfixable := func(version string, ids []string, reason, detail string, fixed []string) {
		p.plan.Unfixable = append(p.plan.Unfixable, fix.Unfixable{
			Ecosystem: inventory.Go, Package: g.name, Version: version, IDs: ids,
			Reason: reason, Detail: detail, Fixed: fixed,
		})
	}
	m := p.find(g.name)
	if m == nil {
		unfixable(g.findings[0].Version, fix.FindingIDs(g.findings), fix.ReasonNotInGraph,
			fmt.Sprintf("the build list has no module %q: the finding came from another file (a go.sum line, a binary), or go.mod changed since the scan", g.name), nil)
		return nil
	}
	path, cur := m.Path, m.Version
	kind := fix.KindTransitiveInPlace
	if contains(p.direct, m.Path) {
		kind = fix.KindDirectUpgrade
	}
	if m.Replace != nil {
		switch {
		case m.Replace.Version == "":
			unfixable(m.Version, fix.FindingIDs(g.findings), fix.ReasonPinned,
				fmt.Sprintf("go.mod replaces %s with the directory %q: its code has no version to upgrade; update it by hand", m.Path, m.Replace.Path), nil)
			return nil
		case m.Replace.Path != m.Path:
			unfixable(m.Replace.Version, fix.FindingIDs(g.findings), fix.ReasonPinned,
				fmt.Sprintf("go.mod replaces %s with %s %s: raise or remove the replace directive by hand", m.Path, m.Replace.Path, m.Replace.Version), nil)
			return nil
		}
		cur, kind = m.Replace.Version, fix.KindOverride
	}
	verdict, err := p.check(ctx, path, cur)
	if err != nil {
		return err
	}
	fs, ids := fix.OpenFindings(g.findings, verdict)
	if len(fs) == 0 {
		p.note(fmt.Sprintf("%s: the build list selects %s, which %s no longer affect", path, cur, strings.Join(fix.FindingIDs(g.findings), ", ")))
		return nil
	}
	fixed := fixedVersions(fs, verdict, canonModule)
	c, err := p.choose(ctx, path, cur, fixed)
	if err != nil {
		return err
	}
	if c.pick == "" {
		unfixable(cur, ids, c.reason, c.detail, c.fixed)
		return nil
	}
	reason := c.why
	switch kind {
	case fix.KindTransitiveInPlace:
		reason += fmt.Sprintf("; %s is not a direct requirement: `go get` requires the fixed version in go.mod (marked indirect), the least invasive fix under minimal version selection, and the new version's own requirements may raise other modules", path)
	case fix.KindOverride:
		reason += "; go.mod replaces the module with another version of itself, so the replace directive is rewritten"
	}
	p.plan.Changes = append(p.plan.Changes, fix.Change{
		Ecosystem: inventory.Go, Package: path, From: cur, To: c.pick, Kind: kind,
		Fixes: ids, Advisories: verdict.IDs(), Reason: reason,
	})
	return nil
}

// choice is the outcome of choose: a pick and why, or why not.
type choice struct {
	pick, why      string
	reason, detail string
	fixed          []string
}

// choose picks the smallest allowed version of the module above cur that
// no advisory affects.
func (p *planner) choose(ctx context.Context, path, cur string, fixed []string) (choice, error) {
	rels, err := p.versions.Versions(ctx, inventory.Go, path)
	if err != nil {
		if ctx.Err() != nil {
			return choice{}, ctx.Err()
		}
		return choice{reason: fix.ReasonNoCandidate, fixed: fixed,
			detail: fmt.Sprintf("the versions of %s could not be listed: %v", path, err)}, nil
	}
	type cand struct {
		v         string
		retracted string
		listed    bool
	}
	cands := map[string]*cand{}
	for _, r := range rels {
		cands[r.Version] = &cand{v: r.Version, retracted: r.Retracted, listed: true}
	}
	for _, f := range fixed {
		if cands[f] == nil {
			cands[f] = &cand{v: f}
		}
	}
	_, pathMajor, _ := module.SplitPathVersion(path)
	curMajor := semver.Major(cur)
	curPre := semver.Prerelease(cur) != ""
	var same, cross []*cand
	var otherMajor []string
	for _, c := range cands {
		v := c.v
		if !semver.IsValid(v) || semver.Compare(v, cur) <= 0 {
			continue
		}
		if module.CheckPathMajor(v, pathMajor) != nil {
			continue // another module path: never crossed
		}
		if semver.Prerelease(v) != "" && !curPre {
			continue
		}
		switch {
		case semver.Major(v) == curMajor:
			same = append(same, c)
		case curMajor == "v0" && semver.Major(v) == "v1":
			cross = append(cross, c)
		}
	}
	for _, f := range fixed {
		if semver.Compare(f, cur) > 0 && semver.Major(f) != curMajor && !(curMajor == "v0" && semver.Major(f) == "v1") {
			otherMajor = append(otherMajor, f)
		}
	}
	byVersion := func(cs []*cand) {
		sort.Slice(cs, func(i, j int) bool { return semver.Compare(cs[i].v, cs[j].v) < 0 })
	}
	byVersion(same)
	byVersion(cross)

	var skipped []string
	retractedLooked := 0
	try := func(cs []*cand) (string, error) {
		for _, c := range cs {
			if err := ctx.Err(); err != nil {
				return "", err
			}
			if !c.listed {
				r, ok, err := p.versions.Release(ctx, inventory.Go, path, c.v)
				if err != nil {
					if ctx.Err() != nil {
						return "", ctx.Err()
					}
					skipped = append(skipped, fmt.Sprintf("%s (named as fixed, but could not be looked up: %v)", c.v, err))
					continue
				}
				if !ok {
					skipped = append(skipped, c.v+" (named as fixed, but not found)")
					continue
				}
				c.retracted = r.Retracted
			}
			if c.retracted != "" {
				why := c.retracted
				if c.listed && retractedLooked < maxListed {
					retractedLooked++
					if r, ok, err := p.versions.Release(ctx, inventory.Go, path, c.v); err == nil && ok && r.Retracted != "" {
						why = r.Retracted
					}
				}
				skipped = append(skipped, fmt.Sprintf("%s (retracted: %s)", c.v, why))
				continue
			}
			verdict, err := p.check(ctx, path, c.v)
			if err != nil {
				return "", err
			}
			if len(verdict.Vulns) == 0 {
				return c.v, nil
			}
			skipped = append(skipped, fmt.Sprintf("%s (still affected by %s)", c.v, strings.Join(verdict.IDs(), ", ")))
		}
		return "", nil
	}
	pick, err := try(same)
	if err != nil {
		return choice{}, err
	}
	crossed := false
	if pick == "" && len(cross) > 0 {
		if pick, err = try(cross); err != nil {
			return choice{}, err
		}
		crossed = pick != ""
	}
	if pick != "" {
		major := semver.Major(pick)
		why := fmt.Sprintf("%s is the smallest %s version that no advisory in the database affects", pick, major)
		if crossed {
			why = fmt.Sprintf("no v0 version is free of advisories; %s is the smallest v1 version that is (same module path, but v1 may change the API)", pick)
		}
		if len(skipped) > 0 {
			why += "; skipped " + listed(skipped)
		}
		return choice{pick: pick, why: why}, nil
	}
	switch {
	case len(otherMajor) > 0:
		return choice{reason: fix.ReasonOtherMajor, fixed: otherMajor, detail: otherMajorDetail(path, cur, otherMajor, skipped)}, nil
	case len(fixed) == 0:
		d := "no advisory names a fixed version"
		if len(skipped) > 0 {
			d += "; every newer version is still affected: " + listed(skipped)
		}
		return choice{reason: fix.ReasonNoFix, detail: d}, nil
	}
	d := fmt.Sprintf("the advisories name fixed versions (%s), but no published, unretracted %s version above %s is free of every advisory", strings.Join(fixed, ", "), curMajor, cur)
	if len(skipped) > 0 {
		d += ": " + listed(skipped)
	}
	return choice{reason: fix.ReasonNoCandidate, fixed: fixed, detail: d}, nil
}

func otherMajorDetail(path, cur string, fixed, skipped []string) string {
	prefix, _, _ := module.SplitPathVersion(path)
	major := semver.Major(fixed[0])
	next := prefix + "/" + major
	if strings.HasPrefix(prefix, "gopkg.in/") {
		next = prefix + "." + major
	}
	d := fmt.Sprintf("the advisories name fixes only in another major version (%s); from v2 on, the major version is part of the module path (%s), so moving there means changing every import and porting the code: a human has to do it", strings.Join(fixed, ", "), next)
	if len(skipped) > 0 {
		d += "; no " + semver.Major(cur) + " version fixes it: " + listed(skipped)
	}
	return d
}

// stdlib plans the fix of standard library findings: the toolchain.
func (p *planner) stdlib(ctx context.Context, g group) error {
	cur, ok := stdlibVersion(p.gomod)
	if !ok {
		cur = canonGo(g.findings[0].Version)
	}
	ids := fix.FindingIDs(g.findings)
	if cur == "" {
		p.plan.Unfixable = append(p.plan.Unfixable, fix.Unfixable{
			Ecosystem: inventory.Go, Package: inventory.Stdlib, IDs: ids, Reason: fix.ReasonToolchain,
			Detail: "go.mod names no Go version: build with a Go release that the advisories list as fixed",
		})
		return nil
	}
	verdict, err := p.check(ctx, inventory.Stdlib, cur)
	if err != nil {
		return err
	}
	fs, ids := fix.OpenFindings(g.findings, verdict)
	if len(fs) == 0 {
		p.note(fmt.Sprintf("stdlib: go.mod's Go version %s is not affected by %s", cur, strings.Join(fix.FindingIDs(g.findings), ", ")))
		return nil
	}
	fixed := fixedVersions(fs, verdict, canonGo)
	var pick string
	var skipped []string
	curPre := semver.Prerelease("v"+cur) != ""
	for _, f := range fixed {
		v := "v" + f
		if semver.Compare(v, "v"+cur) <= 0 || semver.Prerelease(v) != "" && !curPre {
			continue
		}
		vd, err := p.check(ctx, inventory.Stdlib, f)
		if err != nil {
			return err
		}
		if len(vd.Vulns) == 0 {
			pick = f
			break
		}
		skipped = append(skipped, fmt.Sprintf("go%s (still affected by %s)", f, strings.Join(vd.IDs(), ", ")))
	}
	if pick == "" {
		reason, d := fix.ReasonNoFix, "no advisory names a fixed Go release"
		if len(fixed) > 0 {
			reason, d = fix.ReasonNoCandidate, "no Go release the advisories name is free of every standard library advisory"
			if len(skipped) > 0 {
				d += ": " + listed(skipped)
			}
		}
		p.plan.Unfixable = append(p.plan.Unfixable, fix.Unfixable{
			Ecosystem: inventory.Go, Package: inventory.Stdlib, Version: cur, IDs: ids,
			Reason: reason, Detail: d, Fixed: fixed,
		})
		return nil
	}
	local := ""
	if lv, err := gover.ToSemver(p.s.version); err == nil && semver.Compare("v"+lv, "v"+pick) >= 0 {
		if vd, err := p.check(ctx, inventory.Stdlib, lv); err == nil && len(vd.Vulns) == 0 {
			local = fmt.Sprintf("; the local go command (%s) is not affected", p.s.version)
		}
	}
	why := fmt.Sprintf("go%s is the smallest Go release that no standard library advisory affects", pick)
	if len(skipped) > 0 {
		why += "; skipped " + listed(skipped)
	}
	if p.s.opts.UpgradeToolchain {
		p.plan.Changes = append(p.plan.Changes, fix.Change{
			Ecosystem: inventory.Go, Package: inventory.Stdlib, From: cur, To: pick, Kind: fix.KindToolchain,
			Fixes: ids, Advisories: verdict.IDs(),
			Reason: why + "; go.mod's toolchain line is set to go" + pick + " (the go line, the oldest Go users need, is unchanged)" + local,
		})
		return nil
	}
	p.plan.Unfixable = append(p.plan.Unfixable, fix.Unfixable{
		Ecosystem: inventory.Go, Package: inventory.Stdlib, Version: cur, IDs: ids,
		Reason: fix.ReasonToolchain, Recommended: "go" + pick, Fixed: fixed,
		Detail: why + fmt.Sprintf(": build and release with Go %s or later (e.g. `toolchain go%s` in go.mod, and in CI); go.mod's go and toolchain lines only give the oldest Go that builds the module, so builds may already use a newer one%s", pick, pick, local),
	})
	return nil
}

func listed(items []string) string {
	if len(items) > maxListed {
		return strings.Join(items[:maxListed], ", ") + fmt.Sprintf(" and %d more", len(items)-maxListed)
	}
	return strings.Join(items, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
