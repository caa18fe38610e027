// Package packageslockjson extracts NuGet packages from packages.lock.json,
// the lock file NuGet writes for a project when RestorePackagesWithLockFile
// is set (lock file versions 1 and 2).
//
// The file lists, for each target framework (and runtime identifier), every
// package restored, keyed by package id, with a "type" and the "resolved"
// version:
//
//   - "Direct" packages are the project's PackageReferences: direct;
//   - "Transitive" and "CentralTransitive" (a transitive package pinned by
//     central package management) are transitive;
//   - "Project" entries are references to other projects of the solution,
//     not packages: they are skipped and logged at debug level (see
//     [WithLogger]).
//
// A package restored with the same version for several frameworks is one
// install and is listed once, at its first entry, direct if it is direct for
// any framework; with different versions each version is listed. NuGet
// records no development scope (PrivateAssets is not kept), so the scope is
// unknown. Entries without a resolved version are reported as errors with
// their line, and the other entries are kept.
package packageslockjson

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"

	"github.com/patchline/patchline/internal/extract/internal/jsontree"
	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the extractor.
const Name = "dotnet/packageslockjson"

// Extractor extracts packages from packages.lock.json files.
type Extractor struct {
	log *slog.Logger
}

// Option configures an [Extractor].
type Option func(*Extractor)

// WithLogger makes the extractor log skipped entries (project references)
// to l at debug level.
func WithLogger(l *slog.Logger) Option {
	return func(e *Extractor) {
		if l != nil {
			e.log = l
		}
	}
}

// New returns a packages.lock.json [Extractor]. Without [WithLogger] it logs
// nothing.
func New(opts ...Option) *Extractor {
	e := &Extractor{log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(e)
	}
	return e
}

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a packages.lock.json.
func (e *Extractor) FileRequired(p string) bool { return path.Base(p) == "packages.lock.json" }

// ctxCheckEvery is how many entries are read between checks of ctx.
const ctxCheckEvery = 256

// Extract parses the packages.lock.json in in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	root, errs := jsontree.ReadObject(in, "packages.lock.json")
	if root == nil {
		return inventory.Inventory{}, errors.Join(errs...)
	}
	ver, deps := root.Get("version"), root.Get("dependencies")
	if ver == nil && deps == nil {
		if root.Complete {
			return inventory.Inventory{}, inventory.Errorf(in.Path, root.Line, "no \"version\" or \"dependencies\": not a packages.lock.json")
		}
		return inventory.Inventory{}, errors.Join(errs...)
	}
	if ver != nil && !(ver.Kind == jsontree.Number && (ver.Str == "1" || ver.Str == "2")) {
		return inventory.Inventory{}, errors.Join(append(errs, inventory.Errorf(in.Path, ver.Line,
			"lock file version %s is not supported (versions 1 and 2 are)", ver.Describe()))...)
	}
	if deps == nil {
		return inventory.Inventory{}, errors.Join(errs...)
	}
	if deps.Kind != jsontree.Object {
		return inventory.Inventory{}, errors.Join(append(errs, inventory.Errorf(in.Path, deps.Line,
			"\"dependencies\" is a JSON %s, want an object", deps.KindName()))...)
	}

	var pkgs []inventory.Package
	seen := map[string]int{} // lower-case name and version → index in pkgs
	n := 0
	for _, fw := range deps.Members {
		if fw.Value.Kind != jsontree.Object {
			errs = append(errs, inventory.Errorf(in.Path, fw.Line, "target framework %q is a JSON %s, want an object", fw.Key, fw.Value.KindName()))
			continue
		}
		for _, m := range fw.Value.Members {
			if n++; n%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return inventory.Inventory{}, err
				}
			}
			p, skip, err := e.entry(in.Path, fw.Key, m)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if skip {
				continue
			}
			key := strings.ToLower(p.Name) + "\x00" + strings.ToLower(p.Version)
			if i, ok := seen[key]; ok {
				// The same install for another framework: it is
				// direct if it is direct for any.
				if old := pkgs[i].Relation; p.Relation == inventory.RelationDirect ||
					(old == inventory.RelationUnknown && p.Relation != inventory.RelationUnknown) {
					pkgs[i].Relation, pkgs[i].Note = p.Relation, p.Note
				}
				continue
			}
			seen[key] = len(pkgs)
			pkgs = append(pkgs, p)
		}
	}
	if err := ctx.Err(); err != nil {
		return inventory.Inventory{}, err
	}
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
}

// entry turns one package entry of framework fw into a package. skip is
// true for entries that are not packages, or that the file ends inside
// (the syntax error covers them).
func (e *Extractor) entry(file, fw string, m jsontree.Member) (p inventory.Package, skip bool, err error) {
	v := m.Value
	if !v.Complete {
		return p, true, nil
	}
	if v.Kind != jsontree.Object {
		return p, false, inventory.Errorf(file, m.Line, "package %q for %q is a JSON %s, want an object", m.Key, fw, v.KindName())
	}
	if m.Key == "" {
		return p, false, inventory.Errorf(file, m.Line, "package with an empty name for %q", fw)
	}
	typ, _ := v.Get("type").Text()
	if typ == "Project" {
		e.log.Debug("skipping a project reference: it is not a package",
			"file", file, "line", m.Line, "project", m.Key, "framework", fw)
		return p, true, nil
	}
	resolved, ok := v.Get("resolved").Text()
	if !ok || resolved == "" {
		return p, false, inventory.Errorf(file, m.Line, "package %q for %q has no \"resolved\" version", m.Key, fw)
	}
	p = inventory.Package{
		Ecosystem: inventory.NuGet,
		Name:      m.Key,
		Version:   resolved,
		Location:  inventory.Location{File: file, Line: m.Line},
	}
	switch typ {
	case "Direct":
		p.Relation = inventory.RelationDirect
	case "Transitive", "CentralTransitive":
		p.Relation = inventory.RelationTransitive
	default:
		p.Note = fmt.Sprintf("unknown dependency type %q", typ)
	}
	return p, false, nil
}
