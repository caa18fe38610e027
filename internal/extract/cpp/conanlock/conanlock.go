// Package conanlock extracts C and C++ packages (OSV's ConanCenter
// ecosystem) from conan.lock, the lockfile of the Conan package manager, in
// both of its families:
//
//   - Conan 2 lockfiles ("version": "0.5") are flat lists of references,
//     "name/version[@user/channel]#recipe_revision%timestamp": "requires"
//     (the host context), "build_requires" (tools of the build context),
//     "python_requires" and "config_requires". Build, Python and
//     configuration requirements are listed as dev; host requirements have an
//     unknown scope, since test requirements are among them; relations are
//     unknown, as the file keeps no graph. A reference repeated in two lists
//     is two installs (a library for the host and a tool for the build) and
//     is listed twice.
//   - Conan 1 lockfiles ("version" "0.2" to "0.4") keep the graph under
//     "graph_lock": "nodes" keyed by id, each with a "ref" (or, in 0.2 and
//     0.3, a "pref" "ref:package_id#package_revision"), and "requires" and
//     "build_requires" lists of node ids; "python_requires" lists
//     references. The consumer node (the one with a "path", normally "0") is
//     the project itself and not listed. Packages the consumer requires are
//     direct, the others transitive. A package reachable from the consumer
//     through "requires" alone is prod; one reachable only through a
//     "build_requires" edge, or in the "build" context, is dev; Python
//     requirements are dev.
//
// Names and versions come from the references; a reference with a user and
// channel is still listed, with the user and channel in the Note, since such
// packages may not come from ConanCenter. The line of each package is the
// line of its reference.
package conanlock

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/patchline/patchline/internal/extract/internal/jsontree"
	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the extractor.
const Name = "cpp/conanlock"

// Extractor extracts packages from conan.lock files.
type Extractor struct{}

// New returns a conan.lock [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a conan.lock.
func (e *Extractor) FileRequired(p string) bool { return path.Base(p) == "conan.lock" }

// ctxCheckEvery is how many references are read between checks of ctx.
const ctxCheckEvery = 256

// Extract parses the conan.lock in in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	root, errs := jsontree.ReadObject(in, "conan.lock")
	if root == nil {
		return inventory.Inventory{}, errors.Join(errs...)
	}
	graph := root.Get("graph_lock")
	if v := root.Get("version"); v != nil {
		s, _ := v.Text()
		switch {
		case s == "0.5":
			graph = nil
		case (s == "0.2" || s == "0.3" || s == "0.4") && graph != nil:
		default:
			return inventory.Inventory{}, errors.Join(append(errs, inventory.Errorf(in.Path, v.Line,
				"conan.lock version %s is not supported (Conan 1 versions 0.2 to 0.4 with \"graph_lock\", Conan 2 version 0.5 are)", v.Describe()))...)
		}
	}
	var pkgs []inventory.Package
	var more []error
	switch {
	case graph != nil:
		pkgs, more = graphLock(ctx, in.Path, graph)
	case root.Get("requires") != nil || root.Get("build_requires") != nil || root.Get("python_requires") != nil ||
		root.Get("version") != nil:
		pkgs, more = flatLock(ctx, in.Path, root)
	case root.Complete:
		return inventory.Inventory{}, inventory.Errorf(in.Path, root.Line, "no \"version\", \"requires\" or \"graph_lock\": not a conan.lock")
	}
	errs = append(errs, more...)
	if err := ctx.Err(); err != nil {
		return inventory.Inventory{}, err
	}
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
}

// flatLists are the lists of a Conan 2 lockfile, with the scope of their
// packages.
var flatLists = []struct {
	key   string
	scope inventory.Scope
	note  string
}{
	{"requires", inventory.ScopeUnknown, ""},
	{"build_requires", inventory.ScopeDev, "build requirement"},
	{"python_requires", inventory.ScopeDev, "Python requirement"},
	{"config_requires", inventory.ScopeDev, "configuration requirement"},
}

// flatLock reads the reference lists of a Conan 2 lockfile.
func flatLock(ctx context.Context, file string, root *jsontree.Node) ([]inventory.Package, []error) {
	var pkgs []inventory.Package
	var errs []error
	n := 0
	for _, l := range flatLists {
		list := root.Get(l.key)
		if list == nil {
			continue
		}
		if list.Kind != jsontree.Array {
			errs = append(errs, inventory.Errorf(file, list.Line, "%q is a JSON %s, want an array", l.key, list.KindName()))
			continue
		}
		seen := map[string]bool{}
		for _, item := range list.Items {
			if n++; n%ctxCheckEvery == 0 && ctx.Err() != nil {
				return nil, nil
			}
			s, ok := item.Text()
			if !ok {
				errs = append(errs, inventory.Errorf(file, item.Line, "%q entry is a JSON %s, want a reference string", l.key, item.KindName()))
				continue
			}
			r, err := parseRef(s)
			if err != nil {
				errs = append(errs, inventory.Errorf(file, item.Line, "%q entry: %v", l.key, err))
				continue
			}
			if key := r.name + "/" + r.version + "@" + r.userChannel; !seen[key] {
				seen[key] = true
				pkgs = append(pkgs, r.toPackage(file, item.Line, inventory.RelationUnknown, l.scope, l.note))
			}
		}
	}
	return pkgs, errs
}

// graphNode is a node of a Conan 1 graph lock.
type graphNode struct {
	id       string
	line     int // of its reference
	ref      ref
	hasRef   bool
	consumer bool
	build    bool // "context": "build"
	requires []string
	buildReq []string
	python   []*jsontree.Node // the "python_requires" references
}

// graphLock reads the nodes of a Conan 1 graph lock.
func graphLock(ctx context.Context, file string, graph *jsontree.Node) ([]inventory.Package, []error) {
	if graph.Kind != jsontree.Object {
		return nil, []error{inventory.Errorf(file, graph.Line, "\"graph_lock\" is a JSON %s, want an object", graph.KindName())}
	}
	nodesNode := graph.Get("nodes")
	if nodesNode == nil {
		return nil, nil
	}
	if nodesNode.Kind != jsontree.Object {
		return nil, []error{inventory.Errorf(file, nodesNode.Line, "\"nodes\" is a JSON %s, want an object", nodesNode.KindName())}
	}
	var errs []error
	var nodes []*graphNode
	byID := map[string]*graphNode{}
	for i, m := range nodesNode.Members {
		if i%ctxCheckEvery == ctxCheckEvery-1 && ctx.Err() != nil {
			return nil, nil
		}
		if !m.Value.Complete {
			continue // the syntax error covers it
		}
		g, err := readNode(file, m)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		nodes = append(nodes, g)
		byID[g.id] = g
	}

	// The consumer is the node with a "path" (its conanfile), else the
	// first node without a reference, else node "0".
	var consumer *graphNode
	for _, g := range nodes {
		if g.consumer {
			consumer = g
			break
		}
	}
	for _, g := range nodes {
		if consumer == nil && !g.hasRef {
			consumer = g
		}
	}
	if consumer == nil {
		consumer = byID["0"]
	}

	// Walk from the consumer: prod through "requires" only, dev through a
	// "build_requires" edge or into the build context.
	scope := map[string]inventory.Scope{}
	direct := map[string]bool{}
	if consumer != nil {
		for _, id := range slices.Concat(consumer.requires, consumer.buildReq) {
			direct[id] = true
		}
		var walk func(id string, dev bool)
		walk = func(id string, dev bool) {
			g := byID[id]
			if g == nil || g == consumer {
				return
			}
			dev = dev || g.build
			switch old := scope[id]; {
			case old == inventory.ScopeProd, old == inventory.ScopeDev && dev:
				return
			}
			if dev {
				scope[id] = inventory.ScopeDev
			} else {
				scope[id] = inventory.ScopeProd
			}
			for _, r := range g.requires {
				walk(r, dev)
			}
			for _, r := range g.buildReq {
				walk(r, true)
			}
		}
		for _, id := range consumer.requires {
			walk(id, false)
		}
		for _, id := range consumer.buildReq {
			walk(id, true)
		}
	}

	var pkgs []inventory.Package
	seenPython := map[string]bool{}
	for _, g := range nodes {
		if g.hasRef && g != consumer {
			rel := inventory.RelationUnknown
			if consumer != nil {
				rel = inventory.RelationTransitive
				if direct[g.id] {
					rel = inventory.RelationDirect
				}
			}
			sc := scope[g.id]
			if consumer == nil && g.build {
				sc = inventory.ScopeDev
			}
			pkgs = append(pkgs, g.ref.toPackage(file, g.line, rel, sc, ""))
		}
		for _, item := range g.python {
			s, ok := item.Text()
			if !ok {
				errs = append(errs, inventory.Errorf(file, item.Line, "\"python_requires\" entry is a JSON %s, want a reference string", item.KindName()))
				continue
			}
			r, err := parseRef(s)
			if err != nil {
				errs = append(errs, inventory.Errorf(file, item.Line, "\"python_requires\" entry: %v", err))
				continue
			}
			if key := r.name + "/" + r.version + "@" + r.userChannel; !seenPython[key] {
				seenPython[key] = true
				pkgs = append(pkgs, r.toPackage(file, item.Line, inventory.RelationUnknown, inventory.ScopeDev, "Python requirement"))
			}
		}
	}
	return pkgs, errs
}

// readNode reads one node of a graph lock.
func readNode(file string, m jsontree.Member) (*graphNode, error) {
	v := m.Value
	if v.Kind != jsontree.Object {
		return nil, inventory.Errorf(file, m.Line, "node %q is a JSON %s, want an object", m.Key, v.KindName())
	}
	g := &graphNode{id: m.Key, line: m.Line, consumer: v.Get("path") != nil}
	if c, _ := v.Get("context").Text(); c == "build" {
		g.build = true
	}
	for _, key := range []string{"ref", "pref"} {
		for _, mm := range v.Members {
			if mm.Key != key {
				continue
			}
			s, ok := mm.Value.Text()
			if !ok {
				if mm.Value.Kind == jsontree.Null {
					continue
				}
				return nil, inventory.Errorf(file, mm.Line, "node %q: %q is a JSON %s, want a reference string", m.Key, key, mm.Value.KindName())
			}
			if key == "pref" {
				s, _, _ = strings.Cut(s, ":") // drop ":package_id#package_revision"
			}
			r, err := parseRef(s)
			if err != nil {
				return nil, inventory.Errorf(file, mm.Line, "node %q: %v", m.Key, err)
			}
			g.ref, g.hasRef, g.line = r, true, mm.Line
			break
		}
		if g.hasRef {
			break
		}
	}
	var err error
	if g.requires, err = ids(file, m.Key, "requires", v.Get("requires")); err != nil {
		return nil, err
	}
	if g.buildReq, err = ids(file, m.Key, "build_requires", v.Get("build_requires")); err != nil {
		return nil, err
	}
	if py := v.Get("python_requires"); py != nil && py.Kind == jsontree.Array {
		g.python = py.Items
	}
	return g, nil
}

// ids reads a node's list of node ids: an array of ids, or (in lockfile
// version 0.2) an object whose values are ids.
func ids(file, id, key string, n *jsontree.Node) ([]string, error) {
	if n == nil || n.Kind == jsontree.Null {
		return nil, nil
	}
	var out []string
	switch n.Kind {
	case jsontree.Array:
		for _, it := range n.Items {
			s, ok := it.Text()
			if !ok {
				return nil, inventory.Errorf(file, it.Line, "node %q: %q entry is a JSON %s, want a node id", id, key, it.KindName())
			}
			out = append(out, s)
		}
	case jsontree.Object:
		for _, m := range n.Members {
			s, ok := m.Value.Text()
			if !ok {
				return nil, inventory.Errorf(file, m.Line, "node %q: %q entry is a JSON %s, want a node id", id, key, m.Value.KindName())
			}
			out = append(out, s)
		}
	default:
		return nil, inventory.Errorf(file, n.Line, "node %q: %q is a JSON %s, want an array", id, key, n.KindName())
	}
	return out, nil
}

// ref is a parsed Conan reference.
type ref struct {
	name, version string
	userChannel   string // "user/channel", or ""
}

// parseRef parses "name/version[@user[/channel]][#revision[%timestamp]]".
func parseRef(s string) (ref, error) {
	base, _, _ := strings.Cut(s, "#")
	base, uc, _ := strings.Cut(base, "@")
	name, version, ok := strings.Cut(base, "/")
	if !ok || name == "" || version == "" || strings.ContainsAny(version, "/[] ") || strings.ContainsAny(name, " ") {
		return ref{}, fmt.Errorf("reference %q is not \"name/version\"", s)
	}
	if uc == "_/_" || uc == "_" {
		uc = ""
	}
	return ref{name: name, version: version, userChannel: uc}, nil
}

func (r ref) toPackage(file string, line int, rel inventory.Relation, scope inventory.Scope, note string) inventory.Package {
	var notes []string
	if note != "" {
		notes = append(notes, note)
	}
	if r.userChannel != "" {
		notes = append(notes, fmt.Sprintf("user/channel %q", r.userChannel))
	}
	return inventory.Package{
		Ecosystem: inventory.ConanCenter,
		Name:      r.name,
		Version:   r.version,
		Relation:  rel,
		Scope:     scope,
		Location:  inventory.Location{File: file, Line: line},
		Note:      strings.Join(notes, "; "),
	}
}
