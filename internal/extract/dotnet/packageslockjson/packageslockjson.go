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
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strings"

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
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return inventory.Inventory{}, nil
	}
	var errs []error
	root, err := parseTree(data, in.Path)
	if err != nil {
		errs = append(errs, err)
	}
	if root == nil {
		return inventory.Inventory{}, errors.Join(errs...)
	}
	if root.kind != kindObject {
		return inventory.Inventory{}, inventory.Errorf(in.Path, root.line, "the top level is a JSON %s, not an object: not a packages.lock.json", root.kindName())
	}
	ver, deps := root.get("version"), root.get("dependencies")
	if ver == nil && deps == nil {
		if root.complete {
			return inventory.Inventory{}, inventory.Errorf(in.Path, root.line, "no \"version\" or \"dependencies\": not a packages.lock.json")
		}
		return inventory.Inventory{}, errors.Join(errs...)
	}
	if ver != nil && !(ver.kind == kindNumber && (ver.str == "1" || ver.str == "2")) {
		return inventory.Inventory{}, errors.Join(append(errs, inventory.Errorf(in.Path, ver.line,
			"lock file version %s is not supported (versions 1 and 2 are)", describe(ver)))...)
	}
	if deps == nil {
		return inventory.Inventory{}, errors.Join(errs...)
	}
	if deps.kind != kindObject {
		return inventory.Inventory{}, errors.Join(append(errs, inventory.Errorf(in.Path, deps.line,
			"\"dependencies\" is a JSON %s, want an object", deps.kindName()))...)
	}

	var pkgs []inventory.Package
	seen := map[string]int{} // lower-case name and version → index in pkgs
	n := 0
	for _, fw := range deps.members {
		if fw.val.kind != kindObject {
			errs = append(errs, inventory.Errorf(in.Path, fw.line, "target framework %q is a JSON %s, want an object", fw.key, fw.val.kindName()))
			continue
		}
		for _, m := range fw.val.members {
			if n++; n%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return inventory.Inventory{}, err
				}
			}
			p, skip, err := e.entry(in.Path, fw.key, m)
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
func (e *Extractor) entry(file, fw string, m member) (p inventory.Package, skip bool, err error) {
	v := m.val
	if !v.complete {
		return p, true, nil
	}
	if v.kind != kindObject {
		return p, false, inventory.Errorf(file, m.line, "package %q for %q is a JSON %s, want an object", m.key, fw, v.kindName())
	}
	if m.key == "" {
		return p, false, inventory.Errorf(file, m.line, "package with an empty name for %q", fw)
	}
	typ, _ := v.get("type").text()
	if typ == "Project" {
		e.log.Debug("skipping a project reference: it is not a package",
			"file", file, "line", m.line, "project", m.key, "framework", fw)
		return p, true, nil
	}
	resolved, ok := v.get("resolved").text()
	if !ok || resolved == "" {
		return p, false, inventory.Errorf(file, m.line, "package %q for %q has no \"resolved\" version", m.key, fw)
	}
	p = inventory.Package{
		Ecosystem: inventory.NuGet,
		Name:      m.key,
		Version:   resolved,
		Location:  inventory.Location{File: file, Line: m.line},
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

// describe shows a scalar node's value for messages.
func describe(n *node) string {
	switch n.kind {
	case kindString:
		return fmt.Sprintf("%q", n.str)
	case kindNumber:
		return n.str
	default:
		return "of type " + n.kindName()
	}
}
