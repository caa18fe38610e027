package policy

import (
	"context"
	"fmt"

	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/result"
)

// NewDiff compares two scan results.
//
// Packages are matched by lockfile path, ecosystem and normalised name. A
// package whose only version changed is upgraded or downgraded, as the
// ecosystem's version ordering says; when the ordering does not know the
// ecosystem or cannot parse a version, or when several versions of one
// name changed at once, the old versions are removed and the new ones
// added. NewTransitive holds the added packages whose relation is
// "transitive" and whose name the old scan of that lockfile did not have
// at all; their Via is empty, since a result does not record the
// dependency graph: a caller that knows it may fill it in.
//
// Findings are compared as [Baseline] does: Introduced are the findings of
// after that before does not have, Fixed the findings of before that after
// has neither reported nor suppressed.
func NewDiff(ctx context.Context, before, after *result.Result) (*Diff, error) {
	d := &Diff{
		Added: []Package{}, Removed: []Package{}, Upgraded: []Change{}, Downgraded: []Change{},
		NewTransitive: []Package{}, Introduced: []Finding{}, Fixed: []Finding{},
	}
	old, err := groupPackages(ctx, before.Packages)
	if err != nil {
		return nil, err
	}
	cur, err := groupPackages(ctx, after.Packages)
	if err != nil {
		return nil, err
	}
	oldVulns, curVulns := newVulnIndex(before.Findings), newVulnIndex(after.Findings)

	added := make(map[pkgKey]bool)   // versions of after that are new
	removed := make(map[pkgKey]bool) // versions of before that are gone
	fresh := make(map[diffKey]bool)  // names before did not have
	type change struct {
		Change
		up bool
	}
	changes := make(map[pkgKey]change)
	for _, k := range cur.order {
		now, was := cur.versions[k], old.versions[k]
		if was == nil {
			fresh[k] = true
		}
		var add, del []result.Package
		for _, p := range now {
			if !hasVersion(was, p.Version) && !hasVersion(add, p.Version) {
				add = append(add, p)
			}
		}
		for _, p := range was {
			if !hasVersion(now, p.Version) && !hasVersion(del, p.Version) {
				del = append(del, p)
			}
		}
		if len(add) == 1 && len(del) == 1 {
			if c, ok := compareVersions(k.ecosystem, del[0].Version, add[0].Version); ok {
				if c != 0 {
					changes[keyOf(add[0])] = change{Change{Package: curVulns.pkg(add[0], nil), From: del[0].Version, To: add[0].Version}, c > 0}
				}
				continue
			}
		}
		for _, p := range add {
			added[keyOf(p)] = true
		}
		for _, p := range del {
			removed[keyOf(p)] = true
		}
	}
	for _, k := range old.order {
		if cur.versions[k] == nil {
			for _, p := range old.versions[k] {
				removed[keyOf(p)] = true
			}
		}
	}

	for i, p := range after.Packages {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		k := keyOf(p)
		if c, ok := changes[k]; ok {
			if c.up {
				d.Upgraded = append(d.Upgraded, c.Change)
			} else {
				d.Downgraded = append(d.Downgraded, c.Change)
			}
			delete(changes, k) // a duplicate entry of the same version is listed once
			continue
		}
		if !added[k] {
			continue
		}
		delete(added, k)
		m := curVulns.pkg(p, nil)
		d.Added = append(d.Added, m)
		if p.Relation == "transitive" && fresh[groupKey(p)] {
			d.NewTransitive = append(d.NewTransitive, m)
		}
	}
	for _, p := range before.Packages {
		k := keyOf(p)
		if removed[k] {
			delete(removed, k)
			d.Removed = append(d.Removed, oldVulns.pkg(p, nil))
		}
	}

	oldBase, curBase := NewBaseline(before), NewBaseline(after)
	for _, f := range after.Findings {
		if oldBase.IsNew(f) {
			d.Introduced = append(d.Introduced, NewFinding(f))
		}
	}
	for _, f := range before.Findings {
		if curBase.IsNew(f) {
			d.Fixed = append(d.Fixed, NewFinding(f))
		}
	}
	return d, nil
}

// diffKey groups the versions of one package name in one lockfile.
type diffKey struct{ source, ecosystem, name string }

func groupKey(p result.Package) diffKey {
	return diffKey{p.Source, p.Ecosystem, ecosystem.NormalizeName(p.Ecosystem, p.Name)}
}

func keyOf(p result.Package) pkgKey {
	return pkgKey{p.Source, p.Ecosystem, ecosystem.NormalizeName(p.Ecosystem, p.Name), p.Version}
}

type packageGroups struct {
	order    []diffKey
	versions map[diffKey][]result.Package
}

func groupPackages(ctx context.Context, pkgs []result.Package) (packageGroups, error) {
	g := packageGroups{versions: make(map[diffKey][]result.Package)}
	for i, p := range pkgs {
		if i%1024 == 0 && ctx.Err() != nil {
			return g, ctx.Err()
		}
		k := groupKey(p)
		if g.versions[k] == nil {
			g.order = append(g.order, k)
		}
		g.versions[k] = append(g.versions[k], p)
	}
	return g, nil
}

func hasVersion(pkgs []result.Package, v string) bool {
	for _, p := range pkgs {
		if p.Version == v {
			return true
		}
	}
	return false
}

// compareVersions returns +1 when b is higher than a, -1 when lower, 0 when
// equal, by the ecosystem's ordering; ok is false when it has none or a
// version does not parse.
func compareVersions(eco, a, b string) (c int, ok bool) {
	e := ecosystem.Lookup(eco)
	if e == nil || e.Ordering == nil {
		return 0, false
	}
	va, err := e.Ordering.Parse(a)
	if err != nil {
		return 0, false
	}
	vb, err := e.Ordering.Parse(b)
	if err != nil {
		return 0, false
	}
	return vb.Compare(va), true
}

// String describes the diff in one line, for logs and test failures.
func (d *Diff) String() string {
	return fmt.Sprintf("%d added (%d new transitive), %d removed, %d upgraded, %d downgraded, %d findings introduced, %d fixed",
		len(d.Added), len(d.NewTransitive), len(d.Removed), len(d.Upgraded), len(d.Downgraded), len(d.Introduced), len(d.Fixed))
}
