// Package depsjson extracts NuGet packages from the *.deps.json file that
// the .NET SDK writes beside a built application or library (the runtime
// dependency manifest that the .NET host reads to load assemblies).
//
// Its "libraries" object lists, under "name/version" keys, everything the
// application loads, with a "type":
//
//   - "package": a NuGet package, listed with the version it was built with;
//   - "runtimepack": the runtime pack of a self-contained application (the
//     .NET runtime itself, e.g. Microsoft.NETCore.App.Runtime.linux-x64,
//     keyed "runtimepack.<id>/<version>"), listed under its NuGet id with a
//     Note, since .NET runtime advisories name these packages;
//   - "project", "msbuildproject", "reference", "referenceassembly" and
//     "platform": the application's own projects, plain assembly references
//     and the shared framework, which are not NuGet packages; they are
//     skipped and logged at debug level (see [WithLogger]).
//
// Relation comes from the runtime target (the "targets" entry named by
// "runtimeTarget"): packages that the application's own project lists in its
// "dependencies" are direct, the others transitive. The application's
// project is the project library named like the file (App for
// App.deps.json), else the first project library; without one the relation
// is unknown. Everything in the file is loaded at run time (prod), except
// entries the target marks "compileOnly" (dev, with a Note).
package depsjson

import (
	"context"
	"errors"
	"log/slog"
	"path"
	"strings"

	"github.com/patchline/patchline/internal/extract/internal/jsontree"
	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the extractor.
const Name = "dotnet/depsjson"

// Extractor extracts packages from *.deps.json files.
type Extractor struct {
	log *slog.Logger
}

// Option configures an [Extractor].
type Option func(*Extractor)

// WithLogger makes the extractor log skipped libraries (projects,
// references, the shared framework) to l at debug level.
func WithLogger(l *slog.Logger) Option {
	return func(e *Extractor) {
		if l != nil {
			e.log = l
		}
	}
}

// New returns a *.deps.json [Extractor]. Without [WithLogger] it logs
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

const suffix = ".deps.json"

// FileRequired reports whether p is a NAME.deps.json.
func (e *Extractor) FileRequired(p string) bool {
	base := path.Base(p)
	return strings.HasSuffix(base, suffix) && len(base) > len(suffix)
}

// ctxCheckEvery is how many libraries are read between checks of ctx.
const ctxCheckEvery = 256

// runtimePackPrefix starts the library keys of runtime packs.
const runtimePackPrefix = "runtimepack."

// Extract parses the deps.json in in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	root, errs := jsontree.ReadObject(in, ".deps.json")
	if root == nil {
		return inventory.Inventory{}, errors.Join(errs...)
	}
	libs := root.Get("libraries")
	if libs == nil {
		if root.Complete && root.Get("targets") == nil {
			return inventory.Inventory{}, inventory.Errorf(in.Path, root.Line, "no \"libraries\" or \"targets\": not a .deps.json")
		}
		return inventory.Inventory{}, errors.Join(errs...)
	}
	if libs.Kind != jsontree.Object {
		return inventory.Inventory{}, errors.Join(append(errs, inventory.Errorf(in.Path, libs.Line,
			"\"libraries\" is a JSON %s, want an object", libs.KindName()))...)
	}

	target := runtimeTarget(root)
	app := appProject(libs, strings.TrimSuffix(path.Base(in.Path), suffix))
	var direct map[string]bool
	if app != "" && target != nil {
		direct = map[string]bool{}
		for _, m := range members(target.Get(app).Get("dependencies")) {
			direct[strings.ToLower(m.Key)] = true
		}
	}

	var pkgs []inventory.Package
	for i, m := range libs.Members {
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := ctx.Err(); err != nil {
				return inventory.Inventory{}, err
			}
		}
		if !m.Value.Complete {
			continue // the syntax error covers it
		}
		p, skip, err := e.library(in.Path, m, target, direct)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !skip {
			pkgs = append(pkgs, p)
		}
	}
	if err := ctx.Err(); err != nil {
		return inventory.Inventory{}, err
	}
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
}

// library turns one "libraries" member into a package; skip is true for
// libraries that are not NuGet packages.
func (e *Extractor) library(file string, m jsontree.Member, target *jsontree.Node, direct map[string]bool) (p inventory.Package, skip bool, err error) {
	if m.Value.Kind != jsontree.Object {
		return p, false, inventory.Errorf(file, m.Line, "library %q is a JSON %s, want an object", m.Key, m.Value.KindName())
	}
	keyName, ver, ok := strings.Cut(m.Key, "/")
	name := keyName
	if !ok || name == "" || ver == "" {
		return p, false, inventory.Errorf(file, m.Line, "library key %q is not \"name/version\"", m.Key)
	}
	typ, _ := m.Value.Get("type").Text()
	var note string
	switch strings.ToLower(typ) {
	case "package":
	case "runtimepack":
		name = strings.TrimPrefix(name, runtimePackPrefix)
		note = "runtime pack of a self-contained application"
	case "project", "msbuildproject", "reference", "referenceassembly", "platform":
		e.log.Debug("skipping a library that is not a NuGet package",
			"file", file, "line", m.Line, "library", m.Key, "type", typ)
		return p, true, nil
	default:
		return p, false, inventory.Errorf(file, m.Line, "library %q has unknown type %q", m.Key, typ)
	}
	p = inventory.Package{
		Ecosystem: inventory.NuGet,
		Name:      name,
		Version:   ver,
		Scope:     inventory.ScopeProd,
		Location:  inventory.Location{File: file, Line: m.Line},
		Note:      note,
	}
	if direct != nil {
		p.Relation = inventory.RelationTransitive
		if direct[strings.ToLower(keyName)] {
			p.Relation = inventory.RelationDirect
		}
	}
	if t := target.Get(m.Key).Get("compileOnly"); t != nil && t.Kind == jsontree.Bool && t.Bool {
		p.Scope = inventory.ScopeDev
		p.Note = "compile-time only"
	}
	return p, false, nil
}

// runtimeTarget returns the target the application runs with: the one
// "runtimeTarget" names, else the only or first one; nil when there is none.
func runtimeTarget(root *jsontree.Node) *jsontree.Node {
	targets := root.Get("targets")
	if targets == nil || targets.Kind != jsontree.Object || len(targets.Members) == 0 {
		return nil
	}
	if name, ok := root.Get("runtimeTarget").Get("name").Text(); ok {
		if t := targets.Get(name); t != nil && t.Kind == jsontree.Object {
			return t
		}
	}
	if t := targets.Members[0].Value; t.Kind == jsontree.Object {
		return t
	}
	return nil
}

// appProject returns the library key of the application's own project:
// the project library named base, else the first project library, else "".
func appProject(libs *jsontree.Node, base string) string {
	first := ""
	for _, m := range libs.Members {
		typ, _ := m.Value.Get("type").Text()
		if !strings.EqualFold(typ, "project") {
			continue
		}
		name, _, _ := strings.Cut(m.Key, "/")
		if strings.EqualFold(name, base) {
			return m.Key
		}
		if first == "" {
			first = m.Key
		}
	}
	return first
}

// members returns an object's members, or nil for anything else.
func members(n *jsontree.Node) []jsontree.Member {
	if n == nil || n.Kind != jsontree.Object {
		return nil
	}
	return n.Members
}
