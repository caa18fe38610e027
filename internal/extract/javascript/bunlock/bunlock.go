// Package bunlock extracts npm packages from bun.lock, the text lockfile of
// the Bun package manager (lockfileVersion 0, 1 and 2).
//
// # Format
//
// A bun.lock is JSONC (JSON with comments and trailing commas). Its
// "workspaces" object holds the project ("" key) and each workspace member
// (keyed by path) with the dependencies their package.json declares; its
// "packages" object holds one entry per installed copy, keyed by install
// path: "lodash" for the hoisted copy, "parent/lodash" for a copy nested
// under parent (scoped names take two segments: "@babel/core/semver"), and
// "web/lodash" for one nested under the workspace named web. Each value is an
// array whose first element is "name@resolution": a version for registry
// packages (["ms@2.1.3", "registry URL or empty", {dependencies...},
// "sha512-..."]), or "workspace:", "file:", "link:", a git or GitHub
// reference or a tarball URL or path for the other kinds.
//
// The older binary lockfile, bun.lockb, is not read: [Extractor.FileRequired]
// does not take it, and `bun install --save-text-lockfile` converts it.
//
// # What is listed
//
// Every entry of "packages" is one [inventory.Package] located at the line of
// its key, in file order, except the project and workspace members
// ("name@workspace:path" and "name@root:" entries), which are the roots of
// the graph rather than dependencies. Registry packages carry the version;
// git, tarball, "file:" and "link:" packages have no version that advisories
// could be matched against, so their Version is empty, Requirement holds the
// resolution as written and the Note says where they come from. A package
// installed under an alias ("string-width-cjs" for "string-width@4.2.3") is
// listed under its real name, which advisories use, with the alias in the
// Note; a registry other than the default is named in the Note too.
//
// # Relation and scope
//
// Dependencies are resolved the way Bun does: from an entry at key K, a
// dependency D is the entry "K/D", else the one at K's parent path and D,
// and so on up to "D". A package that the project or a workspace member
// names in dependencies, devDependencies, optionalDependencies or
// peerDependencies is direct; every other package is transitive. Scope
// follows the graph from those roots: reachable through dependencies and
// required peers is prod; otherwise reachable once optional dependencies and
// optional peers are followed too, optional; otherwise reachable from the
// roots' devDependencies, dev. A package no root reaches, and every package
// of a lockfile without a "" workspace, has an unknown relation and scope.
//
// # Errors
//
// An empty file, a file that is not a JSON object or has no lockfileVersion,
// and a lockfileVersion above 2 are errors. Syntax errors carry the line and
// column. An entry of the wrong shape, or a dependency that resolves to no
// entry (outside optional dependencies and peers, which Bun may leave
// unresolved), is reported at its line and the other entries are still
// listed.
package bunlock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/patchline/patchline/internal/extract/javascript/internal/depgraph"
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/textpos"
)

// Name identifies the extractor.
const Name = "javascript/bunlock"

// maxVersion is the newest lockfileVersion this package reads.
const maxVersion = 2

// Extractor extracts packages from bun.lock files.
type Extractor struct{}

// New returns a bun.lock [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a bun.lock. The binary bun.lockb is not
// supported.
func (e *Extractor) FileRequired(p string) bool { return path.Base(p) == "bun.lock" }

// depGroup is the kind of a dependency edge.
type depGroup uint8

const (
	groupProd depGroup = iota
	groupOptional
	groupPeer
	groupOptionalPeer
	groupDev
)

// edge is a dependency as a package.json or package entry declares it.
type edge struct {
	name  string
	group depGroup
}

// resKind is the kind of an entry's resolution.
type resKind uint8

const (
	resNpm resKind = iota
	resWorkspace
	resRoot
	resLink
	resFolder
	resGit
	resTarball
)

// entry is one member of "packages".
type entry struct {
	key      string
	line     int
	name     string // the package's real name
	res      string // what follows the '@' of the first element
	kind     resKind
	registry string
	resolved string // git: the commit (or GitHub tag) Bun resolved
	deps     []edge
}

// workspace is one member of "workspaces".
type workspace struct {
	path string // "" for the project itself
	name string
	line int
	deps []edge
}

// extraction holds the state of one Extract call.
type extraction struct {
	ctx   context.Context
	file  string
	index *textpos.Index
	errs  []error
}

func (x *extraction) errorAt(off int, format string, args ...any) {
	x.errs = append(x.errs, inventory.Errorf(x.file, x.index.Line(int64(off)), format, args...))
}

// Extract parses the bun.lock in in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	x := &extraction{ctx: ctx, file: in.Path, index: textpos.New(data)}
	root, err := parseJSONC(data)
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			line, col := x.index.Position(int64(se.off))
			return inventory.Inventory{}, &inventory.ParseError{Path: in.Path, Line: line, Column: col, Err: fmt.Errorf("invalid JSONC: %s", se.msg)}
		}
		return inventory.Inventory{}, &inventory.ParseError{Path: in.Path, Err: err}
	}
	if root == nil {
		return inventory.Inventory{}, inventory.Errorf(in.Path, 1, "empty file: a bun.lock holds a JSON object (run `bun install` to write it)")
	}
	if root.kind != kindObject {
		return inventory.Inventory{}, inventory.Errorf(in.Path, x.index.Line(int64(root.off)), "not a bun.lock: want a JSON object, got %s", root.kind)
	}
	if err := x.checkVersion(root); err != nil {
		return inventory.Inventory{}, err
	}

	workspaces := x.readWorkspaces(root.get("workspaces"))
	entries, err := x.readPackages(root.get("packages"))
	if err != nil {
		return inventory.Inventory{}, err
	}
	g := newGraph(entries, workspaces)
	x.errs = append(x.errs, g.check(in.Path)...)
	rel, scopes, err := g.classify(ctx)
	if err != nil {
		return inventory.Inventory{}, err
	}

	var pkgs []inventory.Package
	for i, en := range entries {
		if en.kind == resWorkspace || en.kind == resRoot {
			continue
		}
		p := inventory.Package{
			Ecosystem: inventory.Npm,
			Name:      en.name,
			Relation:  rel[i],
			Scope:     scopes[i],
			Location:  inventory.Location{File: in.Path, Line: en.line},
			Note:      note(en),
		}
		if en.kind == resNpm {
			p.Version = en.res
		} else {
			p.Requirement = en.res
		}
		pkgs = append(pkgs, p)
	}
	return inventory.Inventory{Packages: pkgs}, errors.Join(x.errs...)
}

// checkVersion checks lockfileVersion.
func (x *extraction) checkVersion(root *value) error {
	v := root.get("lockfileVersion")
	if v == nil {
		// Every Bun release that writes bun.lock writes lockfileVersion; a
		// package.json or package-lock.json has none.
		return inventory.Errorf(x.file, 1, "not a bun.lock: no lockfileVersion")
	}
	line := x.index.Line(int64(v.off))
	if v.kind != kindNumber {
		return inventory.Errorf(x.file, line, "lockfileVersion is %s, want a number", v.kind)
	}
	n, err := strconv.Atoi(v.str)
	if err != nil || n < 0 {
		return inventory.Errorf(x.file, line, "lockfileVersion %s is not a whole number", v.str)
	}
	if n > maxVersion {
		// A newer format may mean something else by the same fields.
		return inventory.Errorf(x.file, line, "unsupported lockfileVersion %d: patchline reads 0 to %d", n, maxVersion)
	}
	return nil
}

// readWorkspaces reads the "workspaces" object.
func (x *extraction) readWorkspaces(v *value) []workspace {
	if v == nil {
		return nil
	}
	if v.kind != kindObject {
		x.errorAt(v.off, "\"workspaces\" is %s, want an object (relations and scopes are unknown)", v.kind)
		return nil
	}
	var out []workspace
	for _, m := range v.members {
		if m.val.kind != kindObject {
			x.errorAt(m.keyOff, "workspace %q is %s, want an object", m.key, m.val.kind)
			continue
		}
		w := workspace{path: m.key, line: x.index.Line(int64(m.keyOff))}
		if n := m.val.get("name"); n != nil {
			if n.kind != kindString {
				x.errorAt(n.off, "workspace %q: \"name\" is %s, want a string", m.key, n.kind)
			} else {
				w.name = n.str
			}
		}
		if w.path != "" && w.name == "" {
			x.errorAt(m.keyOff, "workspace %q has no name", m.key)
		}
		w.deps = x.readDeps(m.val, fmt.Sprintf("workspace %q", m.key), true)
		out = append(out, w)
	}
	return out
}

// readDeps reads the dependency objects of a workspace or a package's
// information object. Packages' devDependencies are not installed and are
// left out unless withDev.
func (x *extraction) readDeps(obj *value, what string, withDev bool) []edge {
	optionalPeers := map[string]bool{}
	if op := obj.get("optionalPeers"); op != nil {
		if op.kind != kindArray {
			x.errorAt(op.off, "%s: \"optionalPeers\" is %s, want an array", what, op.kind)
		} else {
			for _, it := range op.items {
				if it.kind != kindString {
					x.errorAt(it.off, "%s: \"optionalPeers\" holds %s, want only strings", what, it.kind)
					continue
				}
				optionalPeers[it.str] = true
			}
		}
	}
	groups := []struct {
		key   string
		group depGroup
	}{
		{"dependencies", groupProd},
		{"optionalDependencies", groupOptional},
		{"peerDependencies", groupPeer},
		{"devDependencies", groupDev},
	}
	var deps []edge
	for _, gr := range groups {
		if gr.group == groupDev && !withDev {
			continue
		}
		d := obj.get(gr.key)
		if d == nil {
			continue
		}
		if d.kind != kindObject {
			x.errorAt(d.off, "%s: %q is %s, want an object", what, gr.key, d.kind)
			continue
		}
		for _, m := range d.members {
			if m.val.kind != kindString {
				x.errorAt(m.val.off, "%s: %s %q is %s, want a version string", what, gr.key, m.key, m.val.kind)
				continue
			}
			g := gr.group
			if g == groupPeer && optionalPeers[m.key] {
				g = groupOptionalPeer
			}
			deps = append(deps, edge{name: m.key, group: g})
		}
	}
	return deps
}

// readPackages reads the "packages" object. It returns an error only when
// ctx is done.
func (x *extraction) readPackages(v *value) ([]entry, error) {
	if v == nil {
		return nil, nil
	}
	if v.kind != kindObject {
		x.errorAt(v.off, "\"packages\" is %s, want an object", v.kind)
		return nil, nil
	}
	var out []entry
	for _, m := range v.members {
		if err := x.ctx.Err(); err != nil {
			return nil, err
		}
		en, err := x.readEntry(m)
		if err != nil {
			x.errs = append(x.errs, err)
			continue
		}
		out = append(out, en)
	}
	return out, nil
}

// readEntry reads one member of "packages".
func (x *extraction) readEntry(m member) (entry, error) {
	line := x.index.Line(int64(m.keyOff))
	fail := func(format string, args ...any) (entry, error) {
		return entry{}, inventory.Errorf(x.file, line, "package %q: "+format, append([]any{m.key}, args...)...)
	}
	if m.key == "" {
		return fail("empty key")
	}
	if m.val.kind != kindArray {
		return fail("is %s, want an array", m.val.kind)
	}
	if len(m.val.items) == 0 {
		return fail("empty array, want [\"name@version\", ...]")
	}
	first := m.val.items[0]
	if first.kind != kindString {
		return fail("first element is %s, want \"name@version\"", first.kind)
	}
	en := entry{key: m.key, line: line}
	if rest, ok := strings.CutPrefix(first.str, "@root:"); ok {
		en.kind, en.res = resRoot, "root:"+rest
		return en, nil
	}
	name, res, ok := splitIdent(first.str)
	if !ok {
		return fail("%q is not \"name@version\"", first.str)
	}
	en.name, en.res = name, res
	en.kind = classify(res)

	rest := m.val.items[1:]
	if en.kind == resNpm && len(rest) > 0 && rest[0].kind == kindString {
		en.registry = rest[0].str
		rest = rest[1:]
	}
	var info *value
	if len(rest) > 0 && rest[0].kind == kindObject {
		info = rest[0]
		rest = rest[1:]
	}
	if en.kind == resGit && len(rest) > 0 && rest[0].kind == kindString {
		en.resolved = rest[0].str
	}
	if info != nil && en.kind != resWorkspace {
		// Version 0 lockfiles repeat workspace members' dependencies
		// here; the "workspaces" object is read for them instead.
		en.deps = x.readDeps(info, fmt.Sprintf("package %q", m.key), false)
	}
	return en, nil
}

// splitIdent splits "name@resolution" ("@scope/name@1.0.0" for scoped
// names).
func splitIdent(s string) (name, res string, ok bool) {
	from := 0
	if strings.HasPrefix(s, "@") {
		from = 1
	}
	i := strings.IndexByte(s[from:], '@')
	if i < 0 {
		return "", "", false
	}
	i += from
	name, res = s[:i], s[i+1:]
	if name == "" || name == "@" || res == "" {
		return "", "", false
	}
	return name, res, true
}

// classify tells the kind of a resolution.
func classify(res string) resKind {
	switch {
	case res == "root:":
		return resRoot
	case strings.HasPrefix(res, "workspace:"):
		return resWorkspace
	case strings.HasPrefix(res, "link:"):
		return resLink
	case strings.HasPrefix(res, "file:"):
		return resFolder
	case hasAnyPrefix(res, "git+", "git:", "github:", "gitlab:", "bitbucket:"):
		return resGit
	case hasAnyPrefix(res, "http://", "https://"),
		strings.HasSuffix(res, ".tgz"), strings.HasSuffix(res, ".tar.gz"), strings.HasSuffix(res, ".tar"):
		return resTarball
	}
	return resNpm
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// note says what is unusual about an entry: an alias, a registry other than
// the default, a source other than a registry.
func note(en entry) string {
	var notes []string
	if alias := lastName(en.key); alias != en.name {
		notes = append(notes, fmt.Sprintf("installed under the alias %q", alias))
	}
	switch en.kind {
	case resNpm:
		if en.registry != "" {
			notes = append(notes, fmt.Sprintf("from registry %q", en.registry))
		}
	case resGit:
		if en.resolved != "" {
			notes = append(notes, fmt.Sprintf("from git %q, resolved to %q", en.res, en.resolved))
		} else {
			notes = append(notes, fmt.Sprintf("from git %q", en.res))
		}
	case resTarball:
		notes = append(notes, fmt.Sprintf("from tarball %q", en.res))
	case resFolder:
		notes = append(notes, fmt.Sprintf("from local directory %q", strings.TrimPrefix(en.res, "file:")))
	case resLink:
		notes = append(notes, fmt.Sprintf("symlink to local directory %q", strings.TrimPrefix(en.res, "link:")))
	}
	return strings.Join(notes, "; ")
}

// splitKey splits a package key into package names: "a/@s/b/c" is "a",
// "@s/b", "c".
func splitKey(key string) []string {
	parts := strings.Split(key, "/")
	var names []string
	for i := 0; i < len(parts); i++ {
		if strings.HasPrefix(parts[i], "@") && i+1 < len(parts) {
			names = append(names, parts[i]+"/"+parts[i+1])
			i++
			continue
		}
		names = append(names, parts[i])
	}
	return names
}

// lastName returns the name a package is installed under: the last name of
// its key.
func lastName(key string) string {
	names := splitKey(key)
	return names[len(names)-1]
}

// graph is the lockfile's dependency graph.
type graph struct {
	entries    []entry
	byKey      map[string]int
	workspaces []workspace
}

func newGraph(entries []entry, workspaces []workspace) *graph {
	g := &graph{entries: entries, byKey: make(map[string]int, len(entries)), workspaces: workspaces}
	for i, en := range entries {
		if _, dup := g.byKey[en.key]; !dup {
			g.byKey[en.key] = i
		}
	}
	return g
}

// resolve finds the entry that dependency dep of the package (or workspace)
// at key from resolves to, walking up from from's path as Bun does.
func (g *graph) resolve(from, dep string) (int, bool) {
	var names []string
	if from != "" {
		names = splitKey(from)
	}
	for n := len(names); n >= 0; n-- {
		k := dep
		if n > 0 {
			k = strings.Join(names[:n], "/") + "/" + dep
		}
		if i, ok := g.byKey[k]; ok {
			return i, true
		}
	}
	return 0, false
}

// base is the key that a workspace's dependencies resolve from: its name
// ("" for the project).
func (w workspace) base() string {
	if w.path == "" {
		return ""
	}
	return w.name
}

// check reports dependencies that resolve to no entry. Optional dependencies
// and peers may be missing (Bun skips them when they do not apply).
func (g *graph) check(file string) []error {
	var errs []error
	missing := func(from string, deps []edge) []string {
		var out []string
		for _, d := range deps {
			if d.group != groupProd && d.group != groupDev {
				continue
			}
			if _, ok := g.resolve(from, d.name); !ok && !slices.Contains(out, d.name) {
				out = append(out, d.name)
			}
		}
		return out
	}
	for _, w := range g.workspaces {
		if w.path != "" && w.name == "" {
			continue // reported already
		}
		if m := missing(w.base(), w.deps); len(m) > 0 {
			what := "the project"
			if w.path != "" {
				what = fmt.Sprintf("workspace %q", w.path)
			}
			errs = append(errs, inventory.Errorf(file, w.line, "%s depends on %s, not in \"packages\"", what, quoteAll(m)))
		}
	}
	for _, en := range g.entries {
		if m := missing(en.key, en.deps); len(m) > 0 {
			errs = append(errs, inventory.Errorf(file, en.line, "package %q depends on %s, not in \"packages\"", en.key, quoteAll(m)))
		}
	}
	return errs
}

// classify computes each entry's relation and scope from the workspaces.
func (g *graph) classify(ctx context.Context) ([]inventory.Relation, []inventory.Scope, error) {
	rel := make([]inventory.Relation, len(g.entries))
	scopes := make([]inventory.Scope, len(g.entries))
	if !slices.ContainsFunc(g.workspaces, func(w workspace) bool { return w.path == "" }) {
		return rel, scopes, nil // no project: nothing to tell
	}
	for i := range rel {
		rel[i] = inventory.RelationTransitive
	}
	for _, w := range g.workspaces {
		for _, d := range w.deps {
			if i, ok := g.resolve(w.base(), d.name); ok {
				rel[i] = inventory.RelationDirect
			}
		}
	}
	// Packages' dependencies, resolved. Their devDependencies are not
	// installed (and not read).
	deps := depgraph.New(len(g.entries), func(i int, add func(depgraph.Edge)) {
		if ctx.Err() != nil {
			return // the walk stops here; checked below
		}
		en := g.entries[i]
		for _, d := range en.deps {
			if d.group == groupDev {
				continue
			}
			if j, ok := g.resolve(en.key, d.name); ok {
				add(depgraph.Edge{To: j, Optional: d.group == groupOptional || d.group == groupOptionalPeer})
			}
		}
	})
	for _, pass := range []struct {
		start          []depGroup
		followOptional bool
		scope          inventory.Scope
	}{
		{[]depGroup{groupProd, groupPeer}, false, inventory.ScopeProd},
		{[]depGroup{groupProd, groupPeer, groupOptional, groupOptionalPeer}, true, inventory.ScopeOptional},
		{[]depGroup{groupProd, groupPeer, groupOptional, groupOptionalPeer, groupDev}, true, inventory.ScopeDev},
	} {
		for i, ok := range deps.Reach(g.starts(pass.start), pass.followOptional) {
			if ok && scopes[i] == inventory.ScopeUnknown {
				scopes[i] = pass.scope
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return rel, scopes, nil
}

// starts returns the entries that the workspaces' dependencies of the
// groups resolve to.
func (g *graph) starts(groups []depGroup) []int {
	var out []int
	for _, w := range g.workspaces {
		for _, d := range w.deps {
			if !slices.Contains(groups, d.group) {
				continue
			}
			if i, ok := g.resolve(w.base(), d.name); ok {
				out = append(out, i)
			}
		}
	}
	return out
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
