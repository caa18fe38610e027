// Package yarnlock extracts npm packages from yarn.lock, both the classic
// format of Yarn 1 and the YAML format of Yarn 2 and later ("berry", told
// apart by its __metadata entry).
//
// # Entries
//
// Each lockfile entry is one resolved package: a key listing the
// descriptors that resolved to it ("a@^1.0.0, a@^1.2.0") and its version.
// Every entry becomes one [inventory.Package] at the line of its key, in file
// order. A package installed under an alias ("b@npm:a@^1") is reported under
// its real name, which is what advisories use, with the alias in the Note.
// Git, tarball and file: packages keep the version the lockfile records, with
// the source in the Note.
//
// Entries that are not registry packages are skipped and logged (see
// [WithLogger]) at debug level with their line and reason: workspaces, and
// link: and portal: folders. A Yarn 2+ patch: entry (a package with a patch
// applied, such as the compat patches Yarn applies to fsevents, resolve and
// typescript) is the same install as the entry it patches: that entry is
// reported, with a Note, and the patch entry is logged as skipped. A patch
// whose original entry is missing is reported under the original's name and
// version.
//
// # Relation and scope
//
// Yarn 1 lockfiles do not say which packages the project asked for, so the
// package.json beside the lockfile is read through [inventory.Input.FS],
// together with the package.json of each workspace its "workspaces" globs
// match. A package is direct when one of its descriptors is a dependency,
// devDependency or optionalDependency of one of them, and transitive
// otherwise; without a package.json the relation is unknown. Yarn 2+
// lockfiles list every workspace with its dependencies, so the relation
// comes from the lockfile alone.
//
// Scope comes from reachability, with npm's rules: a package reachable from
// a workspace's dependencies without passing an optional edge is prod; one
// not reachable from dependencies or optionalDependencies at all is dev; one
// reachable from them only through optional edges is optional, unless
// devDependencies require it (npm's "devOptional", counted as dev). Where
// the package.json that classifies a root is missing, everything reachable
// from that root and not prod has an unknown scope, as has anything not
// reachable at all. Workspaces are not walked through: each contributes its
// own roots, so a production dependency of a workspace that is itself only a
// devDependency counts as prod (erring towards reporting it).
//
// # Dependency graph and hashes
//
// A package's ID is "name@version" (an entry whose name and version another
// entry already has is named by its key instead). DependsOn lists the
// entries its dependencies and optionalDependencies resolve to through the
// lockfile's descriptor keys (and package.json "resolutions"); Roots those
// of the project's and workspaces' own lists (package.json files for Yarn 1,
// the workspace entries for Yarn 2+). Names that resolve to no reported
// package are left out. Hashes holds Yarn 1's "integrity" as written, or
// Yarn 2+'s "checksum" as "sha512:<hex>" without its cache-key prefix: the
// SHA-512 of Yarn's own archive of the package, not of the npm tarball.
// yarn.lock records no licences.
//
// # Errors
//
// An empty yarn.lock, or one holding only comments, is valid and has no
// packages: Yarn 1 reads it the same way. Syntax errors carry their line. An
// entry without a version is reported as an error and the other entries are
// still returned.
package yarnlock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/patchline/patchline/internal/extract/javascript/internal/depgraph"
	"github.com/patchline/patchline/internal/extract/javascript/internal/packagejson"
	"github.com/patchline/patchline/internal/inventory"
)

// Name is the extractor's name.
const Name = "javascript/yarnlock"

// Extractor extracts packages from yarn.lock files.
type Extractor struct {
	log *slog.Logger
}

// Option configures an [Extractor].
type Option func(*Extractor)

// WithLogger makes the extractor log skipped entries to l at debug level.
func WithLogger(l *slog.Logger) Option {
	return func(e *Extractor) {
		if l != nil {
			e.log = l
		}
	}
}

// New returns an extractor. Without [WithLogger] it logs nothing.
func New(opts ...Option) *Extractor {
	e := &Extractor{log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(e)
	}
	return e
}

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether path is a yarn.lock.
func (e *Extractor) FileRequired(p string) bool {
	return p[strings.LastIndexByte(p, '/')+1:] == "yarn.lock"
}

// entry is one lockfile entry, in either format.
type entry struct {
	line    int
	specs   []string // descriptors of the key, "name@range"
	name    string   // real package name
	alias   string   // name dependents use, when it differs from name
	version string
	deps    []edge
	note    string

	// Yarn 2+ only: the resolution ("a@npm:1.2.3"); for a workspace entry
	// its folder ("." for the project), for a patch: entry the entry it
	// patches.
	resolution  string
	workspace   string
	isWorkspace bool
	isPatch     bool
	patchOf     int // index of the entry this patch entry patches, or -1

	hash string // classic "integrity", or Yarn 2+ "checksum" as "sha512:<hex>"

	skip string // why the entry is not a package, or ""
	bad  bool   // already reported as an error
}

// edge is a dependency of an entry.
type edge struct {
	name, rng string
	optional  bool
}

// parser holds the state of one extraction.
type parser struct {
	ctx  context.Context
	in   *inventory.Input
	path string
	log  *slog.Logger
	errs []error
}

// Extract parses the yarn.lock in in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	p := &parser{ctx: ctx, in: in, path: in.Path, log: e.log}
	var inv inventory.Inventory
	if isBerry(data) {
		inv, err = p.berry(data)
	} else {
		inv, err = p.classic(data)
	}
	if err != nil {
		p.errs = append(p.errs, err)
	}
	return inv, errors.Join(p.errs...)
}

// isBerry reports whether data is a Yarn 2+ lockfile: a YAML mapping with a
// __metadata key at the start of a line.
func isBerry(data []byte) bool {
	s := string(data)
	return strings.HasPrefix(s, "__metadata:") || strings.Contains(s, "\n__metadata:")
}

// splitDescriptor splits "name@range" (name may be "@scope/name").
func splitDescriptor(d string) (name, rng string) {
	if len(d) == 0 {
		return "", ""
	}
	i := strings.IndexByte(d[1:], '@')
	if i < 0 {
		return d, ""
	}
	return d[:i+1], d[i+2:]
}

// ctxCheckEvery is how many entries are parsed between checks of ctx.
const ctxCheckEvery = 256

// manifest is the part of a package.json that patchline reads.
type manifest struct {
	packagejson.Lists
	Workspaces  json.RawMessage   `json:"workspaces"`
	Resolutions map[string]string `json:"resolutions"`
}

// readManifest reads the package.json in folder dir (relative to the
// lockfile's folder). It returns nil and no error when there is none or the
// extractor has no file system.
func (p *parser) readManifest(dir string) (*manifest, error) {
	return packagejson.Read[manifest](p.in, dir, "scopes of its dependencies")
}

// scopeIn classifies a dependency name by the manifest list naming it.
func (m *manifest) scopeIn(name string) inventory.Scope {
	if m == nil {
		return inventory.ScopeUnknown
	}
	return m.Scope(name)
}

// overrides maps package names to the ranges package.json "resolutions"
// force on them.
func (m *manifest) overrides() map[string][]string {
	if m == nil || len(m.Resolutions) == 0 {
		return nil
	}
	out := make(map[string][]string, len(m.Resolutions))
	for pattern, rng := range m.Resolutions {
		// "name", "**/name", "parent/name", "@scope/parent/@scope/name" or
		// "name@range": the last package name is the one overridden.
		segs := strings.Split(pattern, "/")
		last := segs[len(segs)-1]
		if len(segs) >= 2 && strings.HasPrefix(segs[len(segs)-2], "@") {
			last = segs[len(segs)-2] + "/" + last
		}
		name, _ := splitDescriptor(last)
		out[name] = append(out[name], rng)
	}
	return out
}

// graph resolves descriptors to entries.
type graph struct {
	entries   []entry
	bySpec    map[string]int
	berry     bool
	overrides map[string][]string // from package.json "resolutions"
}

func newGraph(entries []entry, berry bool, overrides map[string][]string) *graph {
	g := &graph{entries: entries, bySpec: make(map[string]int, len(entries)*2), berry: berry, overrides: overrides}
	for i, e := range entries {
		for _, s := range e.specs {
			if _, dup := g.bySpec[s]; !dup {
				g.bySpec[s] = i
			}
		}
	}
	return g
}

// resolve finds the entry a dependency on name with range rng resolved to.
// Yarn 2+ writes registry ranges without their default npm: protocol in
// dependency lists but with it in keys.
// A dependency whose range package.json "resolutions" overrode is found
// under the overriding range.
func (g *graph) resolve(name, rng string) (int, bool) {
	i, ok := g.lookup(name, rng)
	for _, o := range g.overrides[name] {
		if ok {
			break
		}
		i, ok = g.lookup(name, o)
	}
	if ok && g.entries[i].patchOf >= 0 {
		i = g.entries[i].patchOf
	}
	return i, ok
}

func (g *graph) lookup(name, rng string) (int, bool) {
	i, ok := g.bySpec[name+"@"+rng]
	if !ok && g.berry {
		i, ok = g.bySpec[name+"@npm:"+rng]
	}
	return i, ok
}

// scopes computes each entry's scope from the roots by reachability.
func (g *graph) scopes(roots []packagejson.Dependency) []inventory.Scope {
	deps := depgraph.New(len(g.entries), func(i int, add func(depgraph.Edge)) {
		if g.entries[i].isWorkspace {
			return // a workspace's dependencies are roots of their own
		}
		for _, d := range g.entries[i].deps {
			if j, ok := g.resolve(d.name, d.rng); ok {
				add(depgraph.Edge{To: j, Optional: d.optional})
			}
		}
	})
	var rs []depgraph.Root
	for _, r := range roots {
		if i, ok := g.resolve(r.Name, r.Range); ok {
			rs = append(rs, depgraph.Root{To: i, Scope: r.Scope})
		}
	}
	return deps.Scopes(rs)
}

// packages turns the entries of g into packages, with the dependency graph
// and the IDs of the packages roots resolve to. direct is nil when the
// relation is unknown.
func (p *parser) packages(g *graph, direct []bool, scopes []inventory.Scope, roots []packagejson.Dependency) inventory.Inventory {
	entries := g.entries
	pkgs := make([]inventory.Package, 0, len(entries))
	at := make([]int, len(entries)) // index in pkgs, or -1
	ids := make(map[string]bool, len(entries))
	for i, e := range entries {
		at[i] = -1
		switch {
		case e.bad:
			continue
		case e.skip != "":
			p.log.Debug("skipped lockfile entry", "file", p.path, "line", e.line, "key", strings.Join(e.specs, ", "), "reason", e.skip)
			continue
		}
		rel := inventory.RelationUnknown
		if direct != nil {
			rel = inventory.RelationTransitive
			if direct[i] {
				rel = inventory.RelationDirect
			}
		}
		var alias string
		if e.alias != "" {
			alias = fmt.Sprintf("installed as alias %q", e.alias)
		}
		id := e.name + "@" + e.version
		if ids[id] {
			// Two entries resolved to the same version (say a git and a
			// registry source): the later one is named by its key.
			id = strings.Join(e.specs, ", ")
		}
		ids[id] = true
		var hashes []string
		if e.hash != "" {
			hashes = []string{e.hash}
		}
		at[i] = len(pkgs)
		pkgs = append(pkgs, inventory.Package{
			Ecosystem: inventory.Npm,
			Name:      e.name,
			Version:   e.version,
			Relation:  rel,
			Scope:     scopes[i],
			Location:  inventory.Location{File: p.path, Line: e.line},
			Note:      joinNotes(alias, e.note),
			ID:        id,
			Hashes:    hashes,
		})
	}
	target := func(name, rng string) (string, bool) {
		j, ok := g.resolve(name, rng)
		if !ok || at[j] < 0 {
			return "", false
		}
		return pkgs[at[j]].ID, true
	}
	for i, e := range entries {
		if at[i] < 0 || len(e.deps) == 0 {
			continue
		}
		var out []string
		seen := make(map[string]bool, len(e.deps))
		for _, d := range e.deps {
			id, ok := target(d.name, d.rng)
			if !ok {
				if !d.optional {
					p.log.Debug("dependency not resolved", "file", p.path, "line", e.line, "name", d.name, "range", d.rng)
				}
				continue
			}
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
		pkgs[at[i]].DependsOn = out
	}
	inv := inventory.Inventory{Packages: pkgs}
	seen := make(map[string]bool)
	for _, r := range roots {
		if id, ok := target(r.Name, r.Range); ok && !seen[id] {
			seen[id] = true
			inv.Roots = append(inv.Roots, id)
		}
	}
	// package.json lists come in map order: keep Roots in file order.
	pos := make(map[string]int, len(pkgs))
	for i, q := range pkgs {
		pos[q.ID] = i
	}
	slices.SortFunc(inv.Roots, func(a, b string) int { return pos[a] - pos[b] })
	return inv
}

// registryRange reports whether a descriptor range resolves from a registry:
// a semver range, a tag or an npm: alias (Yarn 2+ "npm:^1.0.0" included).
func registryRange(rng string) bool {
	if strings.HasPrefix(rng, "npm:") {
		return true
	}
	return !strings.ContainsAny(rng, ":/#")
}

func joinNotes(notes ...string) string {
	var b strings.Builder
	for _, n := range notes {
		if n == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(n)
	}
	return b.String()
}
