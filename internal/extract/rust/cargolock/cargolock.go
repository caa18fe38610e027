// Package cargolock extracts crates.io packages from Cargo.lock, lock file
// versions 1 to 4.
//
// The versions differ in how they write what is read here, not in what
// they hold: version 1 (no version key) writes every dependency as
// "name version (source)" and keeps checksums in a [metadata] table (the
// oldest files also hold the root crate in a [root] table); version 2 (still
// no version key) moves checksums into the packages and shortens a
// dependency to "name" or "name version" when that is unambiguous; versions 3
// and 4 say "version = N" at the top and change only how git URLs are
// written.
//
// Every [[package]] with a source is one crate, listed at the line of its
// header with the version the lock pins. A crate from a registry (the
// "registry+" and "sparse+" sources; which registry is not looked at, so
// crates from a private registry are listed under crates.io too) has no
// Note; a crate from git keeps its version and says where it comes from in
// the Note. A package without a source is the project's own: a workspace
// member or a path dependency. Those are not listed; they are the roots of
// the dependency graph. A package that a [replace] section swaps for another
// (its "replace" key) is not listed either: the replacement, which has its
// own [[package]], is what gets built. Unused patches ([[patch.unused]]) are
// not installed and not listed.
//
// Relation: a crate that a root depends on is direct, any other transitive;
// a lock without a root (which Cargo does not write) leaves it unknown.
// Cargo.lock does not say which dependencies are dev- or build-dependencies,
// so the scope is always unknown.
//
// The graph: each listed crate's ID is "name@version" ("name@version
// (source)" for a second crate of the same name and version) and its
// DependsOn lists what its dependencies entries resolve to, following
// replacements and leaving out path crates; Roots are what the roots'
// dependencies resolve to. Hashes hold the checksum ("sha256:<hex>") from the
// package (version 2 and later) or from [metadata] (version 1).
package cargolock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/patchline/patchline/internal/extract/internal/tomllock"
	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the extractor.
const Name = "rust/cargolock"

// Extractor extracts packages from Cargo.lock files.
type Extractor struct{}

// New returns a Cargo.lock [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a Cargo.lock.
func (e *Extractor) FileRequired(p string) bool { return path.Base(p) == "Cargo.lock" }

// topLevel are the keys a Cargo.lock has at the top level.
var topLevel = []string{"version", "package", "root", "metadata", "patch"}

// lockPackage is a [[package]] (or the [root]) table.
type lockPackage struct {
	name, version, source string
	deps                  []depID
	replace               *depID // the package that replaces this one, if any
	checksum              string // version 2 and later
	line                  int
}

// root reports whether the package is the project's own: without a source.
func (p lockPackage) root() bool { return p.source == "" }

// depID is a package as a dependency list or a replace key names it:
// "name", "name version" or "name version (source)".
type depID struct {
	name, version, source string
	text                  string // as written
}

// Extract parses the Cargo.lock in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	var doc map[string]any
	md, err := toml.Decode(string(data), &doc)
	if err != nil {
		return inventory.Inventory{}, tomllock.DecodeError(in.Path, err)
	}
	if len(md.Keys()) == 0 {
		return inventory.Inventory{}, nil
	}

	var errs []error
	var unknown []string
	for k := range doc {
		if !slices.Contains(topLevel, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		errs = append(errs, inventory.Errorf(in.Path, 0, "unexpected top-level %s: not a Cargo.lock", quoteAll(unknown)))
	}
	if v, ok := doc["version"]; ok {
		if _, isInt := v.(int64); !isInt {
			return inventory.Inventory{}, inventory.Errorf(in.Path, 0, "the top-level version is not an integer: not a Cargo.lock")
		}
	}
	if err := checkMetadata(doc); err != nil {
		errs = append(errs, inventory.Errorf(in.Path, tableLine(data, "metadata"), "%v", err))
	}
	tables, err := tomllock.Tables(doc, "package")
	if err != nil {
		return inventory.Inventory{}, inventory.Errorf(in.Path, 0, "%v: not a Cargo.lock", err)
	}
	lines := tomllock.HeaderLines(data, "package", len(tables))

	var pkgs []lockPackage
	if rt, err := tomllock.Table(doc, "root"); err != nil {
		errs = append(errs, inventory.Errorf(in.Path, 0, "%v", err))
	} else if rt != nil {
		line := tableLine(data, "root")
		lp, err := readPackage(rt)
		if err != nil {
			errs = append(errs, &inventory.ParseError{Path: in.Path, Line: line, Err: fmt.Errorf("[root]: %w", err)})
		} else if lp.source != "" {
			errs = append(errs, inventory.Errorf(in.Path, line, "[root] %q has a source", lp.name))
		} else {
			lp.line = line
			pkgs = append(pkgs, lp)
		}
	}
	for i, t := range tables {
		if err := ctx.Err(); err != nil {
			return inventory.Inventory{}, err
		}
		lp, err := readPackage(t)
		if err != nil {
			errs = append(errs, &inventory.ParseError{Path: in.Path, Line: lines[i], Err: err})
			continue
		}
		lp.line = lines[i]
		pkgs = append(pkgs, lp)
	}

	g := newGraph(pkgs)
	errs = append(errs, g.check(in.Path)...)
	rel, err := g.relations(ctx)
	if err != nil {
		return inventory.Inventory{}, err
	}
	var meta map[string]any
	if m, err := tomllock.Table(doc, "metadata"); err == nil {
		meta = m // checkMetadata reported a bad one
	}
	ids := g.ids()
	var out []inventory.Package
	var roots []string
	for i, lp := range pkgs {
		if lp.root() {
			for _, id := range g.edges(i, ids) {
				if !slices.Contains(roots, id) {
					roots = append(roots, id)
				}
			}
			continue
		}
		if lp.replace != nil {
			continue
		}
		out = append(out, inventory.Package{
			Ecosystem: inventory.CratesIO,
			Name:      lp.name,
			Version:   lp.version,
			Relation:  rel[i],
			Location:  inventory.Location{File: in.Path, Line: lp.line},
			Note:      sourceNote(lp.source),
			ID:        ids[i],
			DependsOn: g.edges(i, ids),
			Hashes:    hashes(lp, meta),
		})
	}
	return inventory.Inventory{Packages: out, Roots: roots}, errors.Join(errs...)
}

// hashes returns the package's checksum as "sha256:<hex>": its own checksum
// key (version 2 and later) or its entry in [metadata] (version 1). Cargo
// writes "<none>" or "<unknown>" where it has no checksum; those are left
// out.
func hashes(lp lockPackage, meta map[string]any) []string {
	sum := lp.checksum
	if sum == "" {
		if s, ok := meta[fmt.Sprintf("checksum %s %s (%s)", lp.name, lp.version, lp.source)].(string); ok {
			sum = s
		}
	}
	if sum == "" || strings.Trim(strings.ToLower(sum), "0123456789abcdef") != "" {
		return nil
	}
	return []string{"sha256:" + sum}
}

// ids returns each listed package's ID: "name@version", or
// "name@version (source)" when an earlier package took that; empty for the
// roots and replaced packages, which are not listed.
func (g *graph) ids() []string {
	ids := make([]string, len(g.pkgs))
	seen := map[string]bool{}
	for i, p := range g.pkgs {
		if p.root() || p.replace != nil {
			continue
		}
		id := p.name + "@" + p.version
		if seen[id] {
			id += " (" + p.source + ")"
		}
		seen[id] = true
		ids[i] = id
	}
	return ids
}

// edges returns the IDs of the listed packages that package i depends on,
// without repeats: a dependency on a replaced package points to its
// replacement, and dependencies on roots (path crates) are left out.
func (g *graph) edges(i int, ids []string) []string {
	var out []string
	add := func(j int) {
		if j != i && ids[j] != "" && !slices.Contains(out, ids[j]) {
			out = append(out, ids[j])
		}
	}
	for _, d := range g.pkgs[i].deps {
		for _, j := range g.resolve(d) {
			if r := g.pkgs[j].replace; r != nil {
				for _, k := range g.resolve(*r) {
					add(k)
				}
				continue
			}
			add(j)
		}
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
	lp.source, err = tomllock.String(t, "source")
	errs = append(errs, err)
	deps, err := tomllock.Strings(t, "dependencies")
	errs = append(errs, err)
	replace, err := tomllock.String(t, "replace")
	errs = append(errs, err)
	lp.checksum, err = tomllock.String(t, "checksum")
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		if lp.name != "" {
			return lockPackage{}, fmt.Errorf("package %q: %w", lp.name, err)
		}
		return lockPackage{}, err
	}
	switch {
	case lp.name == "":
		return lockPackage{}, errors.New("package has no name")
	case lp.version == "":
		return lockPackage{}, fmt.Errorf("package %q has no version", lp.name)
	}
	for _, d := range deps {
		id, err := parseDepID(d)
		if err != nil {
			return lockPackage{}, fmt.Errorf("package %q: dependencies: %w", lp.name, err)
		}
		lp.deps = append(lp.deps, id)
	}
	if replace != "" {
		id, err := parseDepID(replace)
		if err != nil {
			return lockPackage{}, fmt.Errorf("package %q: replace: %w", lp.name, err)
		}
		lp.replace = &id
	}
	return lp, nil
}

// parseDepID parses "name", "name version" or "name version (source)".
func parseDepID(s string) (depID, error) {
	id := depID{text: s}
	bad := func() (depID, error) {
		return depID{}, fmt.Errorf("%q is not \"name\", \"name version\" or \"name version (source)\"", s)
	}
	var rest string
	id.name, rest, _ = strings.Cut(s, " ")
	if id.name == "" {
		return bad()
	}
	if rest == "" {
		return id, nil
	}
	id.version, rest, _ = strings.Cut(rest, " ")
	if id.version == "" {
		return bad()
	}
	if rest == "" {
		return id, nil
	}
	if len(rest) < 3 || rest[0] != '(' || rest[len(rest)-1] != ')' || strings.ContainsAny(rest, " ") {
		return bad()
	}
	id.source = rest[1 : len(rest)-1]
	return id, nil
}

// checkMetadata checks that the [metadata] table holds only checksums, as
// Cargo writes it; other keys (poetry.lock's lock-version, content-hash)
// mean the file is another kind of lock.
func checkMetadata(doc map[string]any) error {
	meta, err := tomllock.Table(doc, "metadata")
	if err != nil {
		return err
	}
	var other []string
	for k, v := range meta {
		if _, ok := v.(string); !ok || !strings.HasPrefix(k, "checksum ") {
			other = append(other, k)
		}
	}
	if len(other) == 0 {
		return nil
	}
	slices.Sort(other)
	return fmt.Errorf("[metadata] holds %s, not checksums: not a Cargo.lock", quoteAll(other))
}

// tableLine returns the 1-based line of the header [name] in data, or 0.
// It is only used to place errors, on a document the decoder accepted.
func tableLine(data []byte, name string) int {
	header := "[" + name + "]"
	line := 0
	for text := range strings.Lines(string(data)) {
		line++
		before, _, _ := strings.Cut(text, "#")
		if strings.TrimSpace(before) == header {
			return line
		}
	}
	return 0
}

// sourceNote says where a crate that is not from a registry comes from.
func sourceNote(source string) string {
	switch {
	case strings.HasPrefix(source, "registry+"), strings.HasPrefix(source, "sparse+"):
		return ""
	case strings.HasPrefix(source, "git+"):
		return fmt.Sprintf("from git %q", strings.TrimPrefix(source, "git+"))
	}
	return fmt.Sprintf("from source %q", source)
}

// graph is the lock's dependency graph.
type graph struct {
	pkgs   []lockPackage
	byName map[string][]int
}

func newGraph(pkgs []lockPackage) *graph {
	g := &graph{pkgs: pkgs, byName: map[string][]int{}}
	for i, p := range pkgs {
		g.byName[p.name] = append(g.byName[p.name], i)
	}
	return g
}

// resolve returns the packages id names. When several match an id without
// a source, Cargo takes the one without a source (a path crate) if there is
// exactly one; otherwise the id is ambiguous and all of them are returned.
func (g *graph) resolve(id depID) []int {
	var out []int
	for _, i := range g.byName[id.name] {
		p := g.pkgs[i]
		if id.version != "" && p.version != id.version {
			continue
		}
		if id.source != "" && withoutFragment(p.source) != withoutFragment(id.source) {
			continue
		}
		out = append(out, i)
	}
	if id.source == "" && len(out) > 1 {
		var local []int
		for _, i := range out {
			if g.pkgs[i].root() {
				local = append(local, i)
			}
		}
		if len(local) == 1 {
			return local
		}
	}
	return out
}

// withoutFragment drops the "#commit" of a git source: dependency lists name
// git packages without the commit that the package's own source records.
func withoutFragment(source string) string {
	s, _, _ := strings.Cut(source, "#")
	return s
}

// check reports dependencies and replacements that name no package of the
// lock.
func (g *graph) check(file string) []error {
	var errs []error
	for _, p := range g.pkgs {
		var missing []string
		for _, d := range p.deps {
			if len(g.resolve(d)) == 0 {
				missing = append(missing, d.text)
			}
		}
		if len(missing) > 0 {
			errs = append(errs, inventory.Errorf(file, p.line, "package %q depends on %s, not in the lock", p.name, quoteAll(missing)))
		}
		if p.replace != nil && len(g.resolve(*p.replace)) == 0 {
			errs = append(errs, inventory.Errorf(file, p.line, "package %q is replaced by %q, not in the lock", p.name, p.replace.text))
		}
	}
	return errs
}

// relations computes each package's relation: direct when a root depends on
// it (or on the package it replaces), transitive otherwise, unknown for all
// when the lock has no root.
func (g *graph) relations(ctx context.Context) ([]inventory.Relation, error) {
	rel := make([]inventory.Relation, len(g.pkgs))
	if !slices.ContainsFunc(g.pkgs, lockPackage.root) {
		return rel, nil
	}
	for i := range rel {
		rel[i] = inventory.RelationTransitive
	}
	for _, p := range g.pkgs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !p.root() {
			continue
		}
		for _, d := range p.deps {
			for _, i := range g.resolve(d) {
				rel[i] = inventory.RelationDirect
				if r := g.pkgs[i].replace; r != nil {
					for _, j := range g.resolve(*r) {
						rel[j] = inventory.RelationDirect
					}
				}
			}
		}
	}
	return rel, nil
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
