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
		return inventory.Inventory{}, inventory.Errorf(in.Path, root.line, "the top level is a JSON %s, not an object: not a .deps.json", root.kindName())
	}
	libs := root.get("libraries")
	if libs == nil {
		if root.complete && root.get("targets") == nil {
			return inventory.Inventory{}, inventory.Errorf(in.Path, root.line, "no \"libraries\" or \"targets\": not a .deps.json")
		}
		return inventory.Inventory{}, errors.Join(errs...)
	}
	if libs.kind != kindObject {
		return inventory.Inventory{}, errors.Join(append(errs, inventory.Errorf(in.Path, libs.line,
			"\"libraries\" is a JSON %s, want an object", libs.kindName()))...)
	}

	target := runtimeTarget(root)
	app := appProject(libs, strings.TrimSuffix(path.Base(in.Path), suffix))
	var direct map[string]bool
	if app != "" && target != nil {
		direct = map[string]bool{}
		for _, m := range members(target.get(app).get("dependencies")) {
			direct[strings.ToLower(m.key)] = true
		}
	}

	var pkgs []inventory.Package
	for i, m := range libs.members {
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := ctx.Err(); err != nil {
				return inventory.Inventory{}, err
			}
		}
		if !m.val.complete {
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
func (e *Extractor) library(file string, m member, target *node, direct map[string]bool) (p inventory.Package, skip bool, err error) {
	if m.val.kind != kindObject {
		return p, false, inventory.Errorf(file, m.line, "library %q is a JSON %s, want an object", m.key, m.val.kindName())
	}
	keyName, ver, ok := strings.Cut(m.key, "/")
	name := keyName
	if !ok || name == "" || ver == "" {
		return p, false, inventory.Errorf(file, m.line, "library key %q is not \"name/version\"", m.key)
	}
	typ, _ := m.val.get("type").text()
	var note string
	switch strings.ToLower(typ) {
	case "package":
	case "runtimepack":
		name = strings.TrimPrefix(name, runtimePackPrefix)
		note = "runtime pack of a self-contained application"
	case "project", "msbuildproject", "reference", "referenceassembly", "platform":
		e.log.Debug("skipping a library that is not a NuGet package",
			"file", file, "line", m.line, "library", m.key, "type", typ)
		return p, true, nil
	default:
		return p, false, inventory.Errorf(file, m.line, "library %q has unknown type %q", m.key, typ)
	}
	p = inventory.Package{
		Ecosystem: inventory.NuGet,
		Name:      name,
		Version:   ver,
		Scope:     inventory.ScopeProd,
		Location:  inventory.Location{File: file, Line: m.line},
		Note:      note,
	}
	if direct != nil {
		p.Relation = inventory.RelationTransitive
		if direct[strings.ToLower(keyName)] {
			p.Relation = inventory.RelationDirect
		}
	}
	if t := target.get(m.key).get("compileOnly"); t != nil && t.kind == kindBool && t.b {
		p.Scope = inventory.ScopeDev
		p.Note = "compile-time only"
	}
	return p, false, nil
}

// runtimeTarget returns the target the application runs with: the one
// "runtimeTarget" names, else the only or first one; nil when there is none.
func runtimeTarget(root *node) *node {
	targets := root.get("targets")
	if targets == nil || targets.kind != kindObject || len(targets.members) == 0 {
		return nil
	}
	if name, ok := root.get("runtimeTarget").get("name").text(); ok {
		if t := targets.get(name); t != nil && t.kind == kindObject {
			return t
		}
	}
	if t := targets.members[0].val; t.kind == kindObject {
		return t
	}
	return nil
}

// appProject returns the library key of the application's own project:
// the project library named base, else the first project library, else "".
func appProject(libs *node, base string) string {
	first := ""
	for _, m := range libs.members {
		typ, _ := m.val.get("type").text()
		if !strings.EqualFold(typ, "project") {
			continue
		}
		name, _, _ := strings.Cut(m.key, "/")
		if strings.EqualFold(name, base) {
			return m.key
		}
		if first == "" {
			first = m.key
		}
	}
	return first
}

// members returns an object's members, or nil for anything else.
func members(n *node) []member {
	if n == nil || n.kind != kindObject {
		return nil
	}
	return n.members
}
