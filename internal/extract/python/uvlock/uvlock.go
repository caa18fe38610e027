// Package uvlock extracts PyPI packages from uv's uv.lock.
//
// Every [[package]] table is one installed package at the line of its
// header, except the project itself and the workspace members (source
// editable or virtual at ".", or named in [manifest] members), which are the
// roots of the dependency graph rather than dependencies.
//
// Relation: a package that a root names in its dependencies,
// optional-dependencies or dev-dependencies is direct, any other transitive.
// Scope follows the graph from the roots, activating extras along the way:
// reachable through the roots' dependencies is prod; otherwise through their
// optional-dependencies (the project's extras) optional; otherwise through
// their dev-dependencies (dependency groups) dev. A lock without a root
// leaves both unknown.
//
// The graph: each listed package's ID is "name@version" (the name alone when
// the lock records no version) and its DependsOn lists what its
// dependencies, optional-dependencies and dev-dependencies resolve to; Roots
// are what the roots' ones resolve to. Hashes are the sdist's and wheels'
// "sha256:<hex>" as written.
package uvlock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/extract/internal/tomllock"
	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the extractor.
const Name = "python/uvlock"

// Extractor extracts packages from uv.lock files.
type Extractor struct{}

// New returns a uv.lock [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a uv.lock.
func (e *Extractor) FileRequired(p string) bool { return path.Base(p) == "uv.lock" }

type lockFile struct {
	Version  any              `toml:"version"`
	Manifest map[string]any   `toml:"manifest"`
	Package  []map[string]any `toml:"package"`
}

// lockPackage is the part of a [[package]] table that is used.
type lockPackage struct {
	name, version string
	source        source
	deps          []dep
	optional      map[string][]dep // extra name → dependencies
	dev           map[string][]dep // dependency group → dependencies
	hashes        []string         // of the sdist and wheels, as written
	line          int
}

// source is where a package comes from: kind is one of registry, git,
// editable, virtual, directory, path or url, and value the location.
type source struct {
	kind, value string
}

// local reports whether the source is a project on disk.
func (s source) local() bool {
	switch s.kind {
	case "editable", "virtual", "directory", "path":
		return true
	}
	return false
}

// dep is an edge of the dependency graph.
type dep struct {
	name    string
	version string // set when the lock holds several versions of name
	extras  []string
}

// Extract parses the uv.lock in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	var lf lockFile
	md, err := toml.Decode(string(data), &lf)
	if err != nil {
		return inventory.Inventory{}, tomllock.DecodeError(in.Path, err)
	}
	if len(md.Keys()) == 0 {
		return inventory.Inventory{}, nil
	}
	if _, ok := lf.Version.(int64); !ok {
		return inventory.Inventory{}, inventory.Errorf(in.Path, 0, "no integer version at the top: not a uv.lock")
	}
	lines := tomllock.HeaderLines(data, "package", len(lf.Package))

	var errs []error
	var pkgs []lockPackage
	for i, t := range lf.Package {
		if err := ctx.Err(); err != nil {
			return inventory.Inventory{}, err
		}
		line := lines[i]
		lp, err := readPackage(t)
		if err != nil {
			errs = append(errs, &inventory.ParseError{Path: in.Path, Line: line, Err: err})
			continue
		}
		lp.line = line
		pkgs = append(pkgs, lp)
	}
	members, err := tomllock.Strings(lf.Manifest, "members")
	if err != nil {
		errs = append(errs, inventory.Errorf(in.Path, 0, "[manifest]: %w", err))
	}

	g := newGraph(pkgs, members)
	errs = append(errs, g.check(in.Path)...)
	rel, scopes, err := g.classify(ctx)
	if err != nil {
		return inventory.Inventory{}, err
	}

	ids := g.ids()
	var out []inventory.Package
	var roots []string
	for i, lp := range pkgs {
		if g.root[i] {
			for _, id := range g.edges(i, ids) {
				if !slices.Contains(roots, id) {
					roots = append(roots, id)
				}
			}
			continue
		}
		p := inventory.Package{
			Ecosystem: inventory.PyPI,
			Name:      lp.name,
			Version:   lp.version,
			Relation:  rel[i],
			Scope:     scopes[i],
			Location:  inventory.Location{File: in.Path, Line: lp.line},
			Note:      sourceNote(lp.source),
			ID:        ids[i],
			Hashes:    lp.hashes,
		}
		if p.ID != "" {
			p.DependsOn = g.edges(i, ids)
		}
		if p.Version == "" {
			p.Requirement = lp.source.value
			p.Note += "; the lock records no version"
		}
		out = append(out, p)
	}
	return inventory.Inventory{Packages: out, Roots: roots}, errors.Join(errs...)
}

// ids returns each package's ID: "name@version", or the name alone when the
// lock records no version; empty for the roots (which are not listed) and
// for a repeat of an earlier package's ID.
func (g *graph) ids() []string {
	ids := make([]string, len(g.pkgs))
	seen := map[string]bool{}
	for i, p := range g.pkgs {
		if g.root[i] {
			continue
		}
		id := p.name
		if p.version != "" {
			id += "@" + p.version
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		ids[i] = id
	}
	return ids
}

// edges returns the IDs of the packages that package i names in its
// dependencies, optional-dependencies and dev-dependencies, without repeats,
// leaving out itself and the roots (which are not listed).
func (g *graph) edges(i int, ids []string) []string {
	p := g.pkgs[i]
	var out []string
	add := func(deps []dep) {
		for _, d := range deps {
			for _, j := range g.resolve(d) {
				if j != i && ids[j] != "" && !slices.Contains(out, ids[j]) {
					out = append(out, ids[j])
				}
			}
		}
	}
	add(p.deps)
	for _, name := range sortedKeys(p.optional) {
		add(p.optional[name])
	}
	for _, name := range sortedKeys(p.dev) {
		add(p.dev[name])
	}
	return out
}

// readPackage reads a [[package]] table.
func readPackage(t map[string]any) (lockPackage, error) {
	var lp lockPackage
	var errs []error
	var err error
	lp.name, err = tomllock.String(t, "name")
	errs = append(errs, err)
	lp.version, err = tomllock.String(t, "version")
	errs = append(errs, err)
	src, err := tomllock.Table(t, "source")
	errs = append(errs, err)
	lp.source, err = readSource(src)
	errs = append(errs, err)
	lp.deps, err = readDeps(t, "dependencies")
	errs = append(errs, err)
	lp.optional, err = readDepTable(t, "optional-dependencies")
	errs = append(errs, err)
	lp.dev, err = readDepTable(t, "dev-dependencies")
	errs = append(errs, err)
	lp.hashes, err = readHashes(t)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return lockPackage{}, err
	}
	switch {
	case lp.name == "":
		return lockPackage{}, errors.New("package has no name")
	case lp.source.kind == "":
		return lockPackage{}, fmt.Errorf("package %q has no source", lp.name)
	case lp.version == "" && (lp.source.kind == "registry" || lp.source.kind == "url"):
		return lockPackage{}, fmt.Errorf("package %q from %s %q has no version", lp.name, lp.source.kind, lp.source.value)
	}
	return lp, nil
}

// readHashes returns the hashes of the package's sdist and wheels, as
// written ("sha256:<hex>"), without repeats.
func readHashes(t map[string]any) ([]string, error) {
	var hashes []string
	add := func(f map[string]any, key string) error {
		h, err := tomllock.String(f, "hash")
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		if h != "" && !slices.Contains(hashes, h) {
			hashes = append(hashes, h)
		}
		return nil
	}
	sdist, err := tomllock.Table(t, "sdist")
	if err != nil {
		return nil, err
	}
	if sdist != nil {
		if err := add(sdist, "sdist"); err != nil {
			return nil, err
		}
	}
	wheels, err := tomllock.Tables(t, "wheels")
	if err != nil {
		return nil, err
	}
	for _, w := range wheels {
		if err := add(w, "wheels"); err != nil {
			return nil, err
		}
	}
	return hashes, nil
}

// readSource reads a source inline table such as { registry = "URL" }.
func readSource(t map[string]any) (source, error) {
	for _, kind := range []string{"registry", "git", "editable", "virtual", "directory", "path", "url"} {
		v, err := tomllock.String(t, kind)
		if err != nil {
			return source{}, fmt.Errorf("source: %w", err)
		}
		if v != "" {
			return source{kind: kind, value: v}, nil
		}
	}
	return source{}, nil
}

// readDeps reads an array of dependency tables at key of t.
func readDeps(t map[string]any, key string) ([]dep, error) {
	arr, err := tomllock.Tables(t, key)
	if err != nil {
		return nil, err
	}
	deps := make([]dep, 0, len(arr))
	for _, d := range arr {
		var x dep
		var errs []error
		x.name, err = tomllock.String(d, "name")
		errs = append(errs, err)
		x.version, err = tomllock.String(d, "version")
		errs = append(errs, err)
		x.extras, err = tomllock.Strings(d, "extra")
		errs = append(errs, err)
		if err := errors.Join(errs...); err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		if x.name == "" {
			return nil, fmt.Errorf("%s: dependency without a name", key)
		}
		deps = append(deps, x)
	}
	return deps, nil
}

// readDepTable reads a table of dependency arrays, such as
// [package.optional-dependencies].
func readDepTable(t map[string]any, key string) (map[string][]dep, error) {
	m, err := tomllock.Table(t, key)
	if err != nil || m == nil {
		return nil, err
	}
	out := make(map[string][]dep, len(m))
	for name := range m {
		deps, err := readDeps(m, name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		out[name] = deps
	}
	return out, nil
}

// sourceNote says where a package that is not from a registry comes from.
func sourceNote(s source) string {
	switch s.kind {
	case "registry":
		return ""
	case "git":
		return fmt.Sprintf("from git %q", s.value)
	case "editable":
		return fmt.Sprintf("editable local project %q", s.value)
	case "virtual", "directory":
		return fmt.Sprintf("from local directory %q", s.value)
	case "path":
		return fmt.Sprintf("from local file %q", s.value)
	}
	return fmt.Sprintf("from URL %q", s.value)
}

// graph is the lock's dependency graph.
type graph struct {
	pkgs   []lockPackage
	byName map[string][]int // normalised name → indexes into pkgs
	root   []bool
}

func newGraph(pkgs []lockPackage, members []string) *graph {
	g := &graph{pkgs: pkgs, byName: map[string][]int{}, root: make([]bool, len(pkgs))}
	member := map[string]bool{}
	for _, m := range members {
		member[ecosystem.NormalizePyPI(m)] = true
	}
	for i, p := range pkgs {
		n := ecosystem.NormalizePyPI(p.name)
		g.byName[n] = append(g.byName[n], i)
		if (p.source.kind == "editable" || p.source.kind == "virtual") && (p.source.value == "." || member[n]) {
			g.root[i] = true
		}
	}
	return g
}

// resolve returns the packages an edge points to: all versions of the name,
// or the one the edge names when the lock holds several.
func (g *graph) resolve(d dep) []int {
	idx := g.byName[ecosystem.NormalizePyPI(d.name)]
	if d.version == "" {
		return idx
	}
	var out []int
	for _, i := range idx {
		if g.pkgs[i].version == d.version {
			out = append(out, i)
		}
	}
	return out
}

// check reports edges that point to no package in the lock.
func (g *graph) check(file string) []error {
	var errs []error
	for _, p := range g.pkgs {
		var missing []string
		visit := func(deps []dep) {
			for _, d := range deps {
				if len(g.resolve(d)) == 0 && !slices.Contains(missing, d.name) {
					missing = append(missing, d.name)
				}
			}
		}
		visit(p.deps)
		for _, name := range sortedKeys(p.optional) {
			visit(p.optional[name])
		}
		for _, name := range sortedKeys(p.dev) {
			visit(p.dev[name])
		}
		if len(missing) > 0 {
			errs = append(errs, inventory.Errorf(file, p.line, "package %q depends on %s, not in the lock", p.name, quoteAll(missing)))
		}
	}
	return errs
}

// classify computes each package's relation and scope from the roots.
func (g *graph) classify(ctx context.Context) ([]inventory.Relation, []inventory.Scope, error) {
	rel := make([]inventory.Relation, len(g.pkgs))
	scopes := make([]inventory.Scope, len(g.pkgs))
	var prod, opt, dev []dep
	for i, p := range g.pkgs {
		if !g.root[i] {
			continue
		}
		prod = append(prod, p.deps...)
		for _, name := range sortedKeys(p.optional) {
			opt = append(opt, p.optional[name]...)
		}
		for _, name := range sortedKeys(p.dev) {
			dev = append(dev, p.dev[name]...)
		}
	}
	if !slices.Contains(g.root, true) {
		return rel, scopes, nil // no project in the lock: nothing to tell
	}
	for i := range rel {
		rel[i] = inventory.RelationTransitive
	}
	for _, deps := range [][]dep{prod, opt, dev} {
		for _, d := range deps {
			for _, i := range g.resolve(d) {
				rel[i] = inventory.RelationDirect
			}
		}
	}
	for _, pass := range []struct {
		start []dep
		scope inventory.Scope
	}{
		{prod, inventory.ScopeProd},
		{opt, inventory.ScopeOptional},
		{dev, inventory.ScopeDev},
	} {
		reached, err := g.reach(ctx, pass.start)
		if err != nil {
			return nil, nil, err
		}
		for i, ok := range reached {
			if ok && scopes[i] == inventory.ScopeUnknown {
				scopes[i] = pass.scope
			}
		}
	}
	return rel, scopes, nil
}

// reach returns which packages are installed when start is: a breadth-first
// walk over (package, extra) pairs, where an extra brings in the package's
// optional-dependencies for it.
func (g *graph) reach(ctx context.Context, start []dep) ([]bool, error) {
	type node struct {
		pkg   int
		extra string
	}
	seen := map[node]bool{}
	var queue []node
	push := func(d dep) {
		for _, i := range g.resolve(d) {
			for _, x := range append([]string{""}, d.extras...) {
				n := node{i, x}
				if !seen[n] {
					seen[n] = true
					queue = append(queue, n)
				}
			}
		}
	}
	for _, d := range start {
		push(d)
	}
	reached := make([]bool, len(g.pkgs))
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := queue[0]
		queue = queue[1:]
		reached[n.pkg] = true
		p := g.pkgs[n.pkg]
		next := p.deps
		if n.extra != "" {
			next = p.optional[n.extra]
		}
		for _, d := range next {
			push(d)
		}
	}
	return reached, nil
}

func sortedKeys(m map[string][]dep) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
