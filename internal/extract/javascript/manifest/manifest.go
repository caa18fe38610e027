// Package manifest extracts the npm packages a project declares in its
// package.json, for projects scanned without a lockfile
// (`patchline scan package.json`, `patchline diff package.json
// pnpm-lock.yaml`).
//
// Every entry of "dependencies" (scope prod), "peerDependencies" (prod, Note
// "peer"), "optionalDependencies" (optional) and "devDependencies" (dev) is a
// direct dependency, at the line of its key. A peer dependency that
// "peerDependenciesMeta" marks optional is not installed unless something
// else needs it, so its scope is optional and its Note "optional peer". A name
// in several lists is one package: the most production-like list gives the
// scope, range and line (dependencies, then peerDependencies, then
// optionalDependencies, then optional peers, then devDependencies) and the
// Note names the other lists. Within one list a repeated name counts once,
// the last entry winning as in JavaScript's JSON.parse.
//
// A manifest holds ranges, not installed versions. Only a range that allows
// exactly one version ("1.2.3", "=1.2.3", "v1.2.3") gives the package a
// Version; any other ("^1.2.3", "~1", ">=2", "1.2", "*", a dist-tag such as
// "latest", a git, file:, link:, tarball or workspace: specifier) leaves the
// Version empty and is kept as written in Requirement, so that no version is
// guessed and nothing is matched against advisories by guess. An "npm:"
// alias ("npm:real@^1.0.0") lists the real package under its own name with
// the alias's range, and a Note says which name it is installed under.
//
// A package.json usually sits beside a lockfile that knows the versions
// really installed; listing its ranges too would only add noise. The
// extractor therefore says [Extractor.ExplicitOnly]: the directory walker
// passes it over and it parses only a package.json named on the command line.
package manifest

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/patchline/patchline/internal/extract/internal/jsontree"
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/version/semver"
)

// Name identifies the extractor.
const Name = "javascript/packagejson"

// Extractor extracts the declared dependencies of package.json files.
type Extractor struct{}

// New returns a package.json [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a package.json.
func (e *Extractor) FileRequired(p string) bool { return path.Base(p) == "package.json" }

// ExplicitOnly reports that the extractor is used only for files named on
// the command line, never for files found by walking a directory, where a
// lockfile beside the package.json gives the installed versions.
func (e *Extractor) ExplicitOnly() bool { return true }

// ctxCheckEvery is how many entries are read between checks of ctx.
const ctxCheckEvery = 256

// list is one dependency list of package.json; rank orders the lists from
// the most production-like (0) down.
type list struct {
	key   string
	scope inventory.Scope
	rank  int
}

// The dependency lists, in the order they are read.
var (
	dependencies         = list{key: "dependencies", scope: inventory.ScopeProd, rank: 0}
	peerDependencies     = list{key: "peerDependencies", scope: inventory.ScopeProd, rank: 1}
	optionalDependencies = list{key: "optionalDependencies", scope: inventory.ScopeOptional, rank: 2}
	optionalPeers        = list{key: "peerDependencies", scope: inventory.ScopeOptional, rank: 3}
	devDependencies      = list{key: "devDependencies", scope: inventory.ScopeDev, rank: 4}
)

// entry is one name and range of a list.
type entry struct {
	name, spec string
	line       int
	list       list
}

// Extract parses the package.json in in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	root, errs := jsontree.ReadObject(in, "package.json")
	if root == nil {
		return inventory.Inventory{}, errors.Join(errs...)
	}
	optional, err := optionalPeerNames(in.Path, root.Get("peerDependenciesMeta"))
	if err != nil {
		errs = append(errs, err)
	}
	byName := map[string][]entry{}
	var names []string // in the order first seen
	n := 0
	for _, l := range []list{dependencies, peerDependencies, optionalDependencies, devDependencies} {
		node := root.Get(l.key)
		if node == nil {
			continue
		}
		if node.Kind != jsontree.Object {
			errs = append(errs, inventory.Errorf(in.Path, node.Line, "%q is a JSON %s, want an object of names and ranges", l.key, node.KindName()))
			continue
		}
		for _, m := range lastOfEach(node.Members) {
			if n++; n%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return inventory.Inventory{}, err
				}
			}
			spec, ok := m.Value.Text()
			switch {
			case m.Key == "":
				errs = append(errs, inventory.Errorf(in.Path, m.Line, "%q: entry with an empty package name", l.key))
				continue
			case !ok:
				errs = append(errs, inventory.Errorf(in.Path, m.Line, "%q: range of %q is %s, want a string", l.key, m.Key, m.Value.Describe()))
				continue
			}
			el := l
			if l == peerDependencies && optional[m.Key] {
				el = optionalPeers
			}
			if _, seen := byName[m.Key]; !seen {
				names = append(names, m.Key)
			}
			byName[m.Key] = append(byName[m.Key], entry{name: m.Key, spec: spec, line: m.Line, list: el})
		}
	}
	if err := ctx.Err(); err != nil {
		return inventory.Inventory{}, err
	}
	pkgs := make([]inventory.Package, 0, len(names))
	for _, name := range names {
		pkgs = append(pkgs, toPackage(in.Path, byName[name]))
	}
	slices.SortStableFunc(pkgs, func(a, b inventory.Package) int { return a.Location.Line - b.Location.Line })
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
}

// lastOfEach returns the members of an object with only the last of those
// sharing a key, in file order.
func lastOfEach(members []jsontree.Member) []jsontree.Member {
	last := make(map[string]int, len(members))
	for i, m := range members {
		last[m.Key] = i
	}
	out := make([]jsontree.Member, 0, len(last))
	for i, m := range members {
		if last[m.Key] == i {
			out = append(out, m)
		}
	}
	return out
}

// optionalPeerNames returns the names that "peerDependenciesMeta" marks
// "optional": true.
func optionalPeerNames(file string, meta *jsontree.Node) (map[string]bool, error) {
	if meta == nil {
		return nil, nil
	}
	if meta.Kind != jsontree.Object {
		return nil, inventory.Errorf(file, meta.Line, "\"peerDependenciesMeta\" is a JSON %s, want an object", meta.KindName())
	}
	out := map[string]bool{}
	for _, m := range meta.Members {
		if o := m.Value.Get("optional"); o != nil && o.Kind == jsontree.Bool {
			out[m.Key] = o.Bool
		}
	}
	return out, nil
}

// toPackage makes one package of the entries of one name (at least one, in
// the order of the lists).
func toPackage(file string, entries []entry) inventory.Package {
	best := entries[0]
	for _, e := range entries[1:] {
		if e.list.rank < best.list.rank {
			best = e
		}
	}
	p := inventory.Package{
		Ecosystem: inventory.Npm,
		Name:      best.name,
		Relation:  inventory.RelationDirect,
		Scope:     best.list.scope,
		Location:  inventory.Location{File: file, Line: best.line},
	}
	var notes []string
	rng := best.spec
	if real, r, ok := splitAlias(best.spec); ok {
		p.Name, rng = real, r
		notes = append(notes, fmt.Sprintf("installed as %q", best.name))
	}
	switch {
	case rng == "":
		if best.spec == "" {
			p.Requirement = "*"
			notes = append(notes, `empty range, which npm reads as "*"`)
		} else {
			p.Requirement = best.spec // an alias without a range: as written
		}
	default:
		if v, ok := exactVersion(rng); ok {
			p.Version = v
		} else {
			p.Requirement = rng
		}
	}
	if src := source(rng); src != "" {
		notes = append(notes, src)
	}
	switch best.list {
	case peerDependencies:
		notes = append(notes, "peer")
	case optionalPeers:
		notes = append(notes, "optional peer")
	}
	for _, e := range entries {
		if e.line == best.line && e.list == best.list {
			continue
		}
		key := e.list.key
		if e.spec == best.spec {
			notes = append(notes, "also in "+key)
		} else {
			notes = append(notes, fmt.Sprintf("also in %s as %q", key, e.spec))
		}
	}
	p.Note = strings.Join(notes, "; ")
	return p
}

// splitAlias splits an "npm:" alias ("npm:name@^1.2.3", "npm:@scope/name@1",
// "npm:name") into the real package's name and range ("" when the alias
// gives none).
func splitAlias(spec string) (name, rng string, ok bool) {
	rest, ok := strings.CutPrefix(spec, "npm:")
	if !ok || rest == "" {
		return "", "", false
	}
	at := strings.LastIndexByte(rest, '@')
	if at <= 0 { // none, or the "@" of a scope
		return rest, "", true
	}
	return rest[:at], rest[at+1:], true
}

// exactVersion returns the one version a range allows when it names exactly
// one ("1.2.3", "=1.2.3", "v1.2.3", "=v1.2.3", with surrounding spaces):
// full semantic versions only, as npm's range parser reads them.
func exactVersion(rng string) (string, bool) {
	s := strings.TrimSpace(rng)
	s = strings.TrimPrefix(s, "=")
	s = strings.TrimPrefix(s, "v")
	if _, err := (semver.Ordering{}).Parse(s); err != nil {
		return "", false
	}
	return s, true
}

// source words, for a Note, where a specifier that is not a registry range
// or tag installs the package from; "" for a registry range or tag.
func source(spec string) string {
	s := strings.TrimSpace(spec)
	hasPrefix := func(prefixes ...string) bool {
		for _, p := range prefixes {
			if strings.HasPrefix(s, p) {
				return true
			}
		}
		return false
	}
	switch {
	case hasPrefix("workspace:"):
		return "a package of the workspace, not from the registry"
	case hasPrefix("catalog:"):
		return "range set by a pnpm catalog"
	case hasPrefix("file:", "link:", "portal:", "./", "../", "/", "~/"):
		return "from a local path, not from the registry"
	case hasPrefix("git+", "git:", "github:", "gitlab:", "bitbucket:", "gist:"), isGitHubShorthand(s):
		return "from git, not from the registry"
	case hasPrefix("http://", "https://"):
		return "from a tarball URL, not from the registry"
	}
	return ""
}

// isGitHubShorthand reports whether s is npm's "owner/repo" or
// "owner/repo#ref" shorthand for a GitHub repository.
func isGitHubShorthand(s string) bool {
	repo, _, _ := strings.Cut(s, "#")
	owner, name, ok := strings.Cut(repo, "/")
	return ok && owner != "" && name != "" && !strings.ContainsAny(repo, " :@<>=^~|*") && !strings.Contains(name, "/")
}
