// Package pnpmlock extracts npm packages from pnpm-lock.yaml, lockfileVersion
// 5.x (pnpm 3 to 7, including 5.4-inlineSpecifiers), 6.x (pnpm 8) and 9.0
// (pnpm 9 and later; the short-lived 7.0 is read the same way).
//
// # Entries
//
// Versions 5 and 6 list every installed copy under "packages", keyed
// "/name/1.2.3_peer@1.0.0" (5) or "/name@1.2.3(peer@1.0.0)" (6); version 9
// splits this into "packages" (one entry per name and version, with its
// resolution) and "snapshots" (one per installed copy, keyed
// "name@1.2.3(peer@1.0.0)", with its dependencies). Every installed copy is
// one [inventory.Package] at the line of its key, in file order: the
// "packages" keys for 5 and 6, the "snapshots" keys for 9. Peer and patch
// suffixes are stripped from the version. Packages that do not come from a
// registry (git, tarball URLs) take the name and version the entry records,
// with the source in the Note.
//
// Entries for local folders and tarballs (keys with file: or link:) are not
// registry packages: they are skipped and logged (see [WithLogger]) at debug
// level with their line, as are importers' link: dependencies on workspace
// packages.
//
// # Relation and scope
//
// A package is direct when an importer (the project or a workspace package)
// lists it in dependencies, devDependencies or optionalDependencies, and
// transitive otherwise; single-project lockfiles of versions 5 and 6 that
// have no "importers" list the project's dependencies at the top level.
//
// Versions 5 and 6 record the scope: "dev: true" is dev, "dev: false" prod,
// and an entry without "dev" (needed by both) prod; "optional: true" makes a
// non-dev entry optional. Version 9 dropped these flags, so the scope is
// computed by reachability from the importers, with npm's rules: prod if some
// path from a dependency has no optional edge; dev if no path starts at a
// dependency or optionalDependency; optional if every such path has an
// optional edge, unless devDependencies require the package (npm's
// "devOptional", counted as dev). Workspace packages are not walked through:
// each importer contributes its own roots.
//
// # Dependency graph and hashes
//
// A package's ID is its key as written (peer suffixes included, as they
// tell installed copies apart). DependsOn lists the entries that its
// dependencies and optionalDependencies resolve to, and Roots those of
// every importer's lists (or, for single-project lockfiles of versions 5
// and 6, of the top-level lists); references to workspace folders (link:)
// and local entries are left out. Hashes holds resolution.integrity as
// written. pnpm records no licences.
//
// # Errors
//
// An empty file, or one without lockfileVersion, is an error: pnpm writes
// lockfileVersion into every lockfile, even one without dependencies.
// Unsupported versions are an error rather than a guess. YAML syntax errors
// carry their line; an entry whose key cannot be read is reported with its
// line and the other entries are still returned.
package pnpmlock

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/patchline/patchline/internal/extract/internal/yamllock"
	"github.com/patchline/patchline/internal/extract/javascript/internal/depgraph"
	"github.com/patchline/patchline/internal/inventory"
)

// Name is the extractor's name.
const Name = "javascript/pnpmlock"

// Extractor extracts packages from pnpm-lock.yaml files.
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

// FileRequired reports whether path is a pnpm-lock.yaml.
func (e *Extractor) FileRequired(p string) bool {
	return p[strings.LastIndexByte(p, '/')+1:] == "pnpm-lock.yaml"
}

// format is the key syntax of a lockfile version.
type format int

const (
	v5 format = iota // "/name/1.2.3_peer"
	v6               // "/name@1.2.3(peer)"
	v9               // "name@1.2.3(peer)", with "snapshots"
)

// entry is one installed copy.
type entry struct {
	key       string
	line      int
	name      string
	version   string
	note      string
	skip      string // why the entry is not a package, or ""
	bad       bool   // already reported as an error
	deps      []edge
	dev       *bool  // "dev" of versions 5 and 6
	optional  bool   // "optional" of versions 5 and 6
	integrity string // resolution.integrity
}

// edge is a dependency: a name and the reference the lockfile gives for it
// ("1.2.3", "1.2.3(peer@1.0.0)", "/alias/1.0.0", "link:../pkg").
type edge struct {
	name, ref string
	optional  bool
}

// root is a dependency of an importer.
type root struct {
	edge
	importer string
	line     int
	scope    inventory.Scope
}

// parser holds the state of one extraction.
type parser struct {
	ctx    context.Context
	path   string
	log    *slog.Logger
	format format
	errs   []error
}

// ctxCheckEvery is how many entries are parsed between checks of ctx.
const ctxCheckEvery = 256

// Extract parses the pnpm-lock.yaml in in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	p := &parser{ctx: ctx, path: in.Path, log: e.log}
	inv, err := p.parse(data)
	if err != nil {
		p.errs = append(p.errs, err)
	}
	return inv, errors.Join(p.errs...)
}

func (p *parser) parse(data []byte) (inventory.Inventory, error) {
	pkgs, roots, err := p.parseGraph(data)
	return inventory.Inventory{Packages: pkgs, Roots: roots}, err
}

func (p *parser) parseGraph(data []byte) ([]inventory.Package, []string, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, inventory.Errorf(p.path, 1, "empty file: a pnpm-lock.yaml has a lockfileVersion (run `pnpm install` to write it)")
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil, nil, yamllock.DecodeError(p.path, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		line := 1
		if len(doc.Content) > 0 {
			line = doc.Content[0].Line
		}
		return nil, nil, inventory.Errorf(p.path, line, "not a pnpm-lock.yaml: want a mapping with lockfileVersion")
	}
	top := fields(doc.Content[0])

	ver, ok := top["lockfileVersion"]
	if !ok {
		return nil, nil, inventory.Errorf(p.path, 1, "not a pnpm-lock.yaml: no lockfileVersion")
	}
	f, err := formatOf(ver.value.Value)
	if err != nil {
		return nil, nil, inventory.Errorf(p.path, ver.key.Line, "%v", err)
	}
	p.format = f

	roots, haveImporters, err := p.importers(top)
	if err != nil {
		return nil, nil, err
	}
	var entries []entry
	switch f {
	case v5, v6:
		if pk, ok := top["packages"]; ok {
			entries, err = p.entries(pk, nil)
		}
	case v9:
		meta := map[string]*yaml.Node{}
		if pk, ok := top["packages"]; ok {
			if err := p.mapping(pk, "packages"); err != nil {
				return nil, nil, err
			}
			for i := 0; i+1 < len(pk.value.Content); i += 2 {
				meta[pk.value.Content[i].Value] = pk.value.Content[i+1]
			}
		}
		if sn, ok := top["snapshots"]; ok {
			entries, err = p.entries(sn, meta)
		} else if pk, ok := top["packages"]; ok {
			entries, err = p.entries(pk, meta)
		}
	}
	if err != nil {
		return nil, nil, err
	}

	index := make(map[string]int, len(entries))
	for i, e := range entries {
		if _, dup := index[e.key]; !dup {
			index[e.key] = i
		}
	}
	g := &graph{entries: entries, index: index, format: f}
	var direct []bool
	if haveImporters {
		direct = make([]bool, len(entries))
		for _, r := range roots {
			if strings.HasPrefix(r.ref, "link:") {
				p.log.Debug("skipped importer dependency", "file", p.path, "line", r.line, "importer", r.importer,
					"name", r.name, "reason", fmt.Sprintf("link to workspace folder %q, not a registry package", strings.TrimPrefix(r.ref, "link:")))
				continue
			}
			if i, ok := g.resolve(r.name, r.ref); ok {
				direct[i] = true
			}
		}
	}
	var scopes []inventory.Scope
	if f == v9 {
		scopes = g.scopes(roots)
	} else {
		scopes = flagScopes(entries)
	}
	pkgs, at := p.packages(entries, direct, scopes)
	return pkgs, g.edges(pkgs, at, roots), nil
}

// formatOf maps a lockfileVersion to its key format.
func formatOf(v string) (format, error) {
	majorText, _, _ := strings.Cut(strings.TrimSpace(v), ".")
	major, err := strconv.Atoi(majorText)
	if err != nil {
		return 0, fmt.Errorf("lockfileVersion %q is not a number", v)
	}
	switch major {
	case 5:
		return v5, nil
	case 6:
		return v6, nil
	case 7, 9:
		return v9, nil
	default:
		return 0, fmt.Errorf("unsupported lockfileVersion %q: patchline reads 5.x, 6.x and 9.x", v)
	}
}

// field is a key of a mapping with its value.
type field struct {
	key, value *yaml.Node
}

// fields indexes a mapping node by key.
func fields(n *yaml.Node) map[string]field {
	m := make(map[string]field, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		m[n.Content[i].Value] = field{n.Content[i], n.Content[i+1]}
	}
	return m
}

// mapping checks that a field's value is a mapping (an empty value, which
// pnpm never writes but YAML allows, counts as an empty mapping).
func (p *parser) mapping(f field, what string) error {
	if f.value.Kind == yaml.MappingNode || isNull(f.value) {
		return nil
	}
	return inventory.Errorf(p.path, f.value.Line, "%s: want a mapping, got %s", what, yamllock.KindName(f.value))
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// importers reads the dependencies of every importer. have is false when
// the lockfile lists neither importers nor top-level dependencies.
func (p *parser) importers(top map[string]field) (roots []root, have bool, err error) {
	imp, ok := top["importers"]
	if !ok {
		// Single-project lockfile (versions 5 and 6): the project's
		// dependencies are at the top level.
		for _, s := range []string{"dependencies", "devDependencies", "optionalDependencies"} {
			if _, ok := top[s]; ok {
				have = true
			}
		}
		if !have {
			_, have = top["specifiers"]
		}
		rs, err := p.importerDeps(".", top)
		return rs, have, err
	}
	if err := p.mapping(imp, "importers"); err != nil {
		return nil, false, err
	}
	for i := 0; i+1 < len(imp.value.Content); i += 2 {
		k, v := imp.value.Content[i], imp.value.Content[i+1]
		if isNull(v) {
			continue
		}
		if v.Kind != yaml.MappingNode {
			return nil, false, inventory.Errorf(p.path, v.Line, "importer %q: want a mapping, got %s", k.Value, yamllock.KindName(v))
		}
		rs, err := p.importerDeps(k.Value, fields(v))
		if err != nil {
			return nil, false, err
		}
		roots = append(roots, rs...)
	}
	return roots, true, nil
}

// importerDeps reads one importer's dependency lists. Versions 5 writes
// "name: 1.2.3"; 6 and 9 write "name: {specifier: ^1.2.0, version: 1.2.3}".
func (p *parser) importerDeps(importer string, f map[string]field) ([]root, error) {
	var roots []root
	for _, s := range []struct {
		field string
		scope inventory.Scope
	}{
		{"dependencies", inventory.ScopeProd},
		{"optionalDependencies", inventory.ScopeOptional},
		{"devDependencies", inventory.ScopeDev},
	} {
		list, ok := f[s.field]
		if !ok {
			continue
		}
		if err := p.mapping(list, fmt.Sprintf("importer %q: %s", importer, s.field)); err != nil {
			return nil, err
		}
		for i := 0; i+1 < len(list.value.Content); i += 2 {
			k, v := list.value.Content[i], list.value.Content[i+1]
			ref, err := p.ref(k, v)
			if err != nil {
				return nil, err
			}
			roots = append(roots, root{
				edge:     edge{name: k.Value, ref: ref, optional: s.scope == inventory.ScopeOptional},
				importer: importer,
				line:     k.Line,
				scope:    s.scope,
			})
		}
	}
	return roots, nil
}

// ref reads a dependency's reference: a scalar, or the "version" of a
// mapping.
func (p *parser) ref(k, v *yaml.Node) (string, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		return v.Value, nil
	case yaml.MappingNode:
		if f, ok := fields(v)["version"]; ok && f.value.Kind == yaml.ScalarNode {
			return f.value.Value, nil
		}
		return "", inventory.Errorf(p.path, v.Line, "dependency %q has no version", k.Value)
	default:
		return "", inventory.Errorf(p.path, v.Line, "dependency %q: want a version, got %s", k.Value, yamllock.KindName(v))
	}
}

// entries reads the "packages" (versions 5 and 6) or "snapshots" (version
// 9) mapping; meta holds the version 9 "packages" entries by key.
func (p *parser) entries(section field, meta map[string]*yaml.Node) ([]entry, error) {
	if err := p.mapping(section, section.key.Value); err != nil {
		return nil, err
	}
	content := section.value.Content
	entries := make([]entry, 0, len(content)/2)
	for i := 0; i+1 < len(content); i += 2 {
		if i%(2*ctxCheckEvery) == 0 {
			if err := p.ctx.Err(); err != nil {
				return entries, err
			}
		}
		k, v := content[i], content[i+1]
		e, err := p.entry(k, v, meta)
		if err != nil {
			p.errs = append(p.errs, err)
			e.bad = true
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// entry reads one entry.
func (p *parser) entry(k, v *yaml.Node, meta map[string]*yaml.Node) (entry, error) {
	e := entry{key: k.Value, line: k.Line}
	if v.Kind != yaml.MappingNode && !isNull(v) {
		return e, inventory.Errorf(p.path, v.Line, "entry %q: want a mapping, got %s", truncate(k.Value), yamllock.KindName(v))
	}
	f := fields(v)
	// Version 9 keeps name, version and resolution in "packages".
	info := f
	if meta != nil {
		if m, ok := meta[stripPeers(k.Value)]; ok && m.Kind == yaml.MappingNode {
			info = fields(m)
		}
	}
	for _, list := range []struct {
		field    string
		optional bool
	}{{"dependencies", false}, {"optionalDependencies", true}} {
		d, ok := f[list.field]
		if !ok {
			continue
		}
		if err := p.mapping(d, fmt.Sprintf("entry %q: %s", truncate(k.Value), list.field)); err != nil {
			return e, err
		}
		for j := 0; j+1 < len(d.value.Content); j += 2 {
			dk, dv := d.value.Content[j], d.value.Content[j+1]
			ref, err := p.ref(dk, dv)
			if err != nil {
				return e, err
			}
			e.deps = append(e.deps, edge{name: dk.Value, ref: ref, optional: list.optional})
		}
	}
	if d, ok := f["dev"]; ok {
		b, err := p.boolValue(d, k.Value)
		if err != nil {
			return e, err
		}
		e.dev = &b
	}
	if r, ok := info["resolution"]; ok && r.value.Kind == yaml.MappingNode {
		if in, ok := fields(r.value)["integrity"]; ok && in.value.Kind == yaml.ScalarNode {
			e.integrity = in.value.Value
		}
	}
	if o, ok := f["optional"]; ok {
		b, err := p.boolValue(o, k.Value)
		if err != nil {
			return e, err
		}
		e.optional = b
	}

	name, version, source := splitKey(p.format, k.Value)
	if strings.HasPrefix(source, "file:") || strings.HasPrefix(source, "link:") {
		e.skip = fmt.Sprintf("local folder or tarball %q, not a registry package", source)
		return e, nil
	}
	// Entries that do not come from a registry record name and version.
	if n, ok := info["name"]; ok && n.value.Kind == yaml.ScalarNode && n.value.Value != "" {
		name = n.value.Value
	}
	if ver, ok := info["version"]; ok && ver.value.Kind == yaml.ScalarNode && ver.value.Value != "" {
		version = ver.value.Value
	}
	if source != "" {
		e.note = "not from a registry: " + source
	}
	if name == "" || version == "" {
		return e, inventory.Errorf(p.path, k.Line, "entry %q: cannot tell the package name and version", truncate(k.Value))
	}
	e.name, e.version = name, version
	return e, nil
}

func (p *parser) boolValue(f field, key string) (bool, error) {
	if f.value.Kind == yaml.ScalarNode {
		switch f.value.Value {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, inventory.Errorf(p.path, f.value.Line, "entry %q: %s: want true or false, got %s", truncate(key), f.key.Value, yamllock.KindName(f.value))
}

// splitKey reads name and version from an entry key. source is set instead
// of version for keys that do not name a registry version: git hosts,
// tarball URLs, file: and link:.
func splitKey(f format, key string) (name, version, source string) {
	switch f {
	case v5:
		k, ok := strings.CutPrefix(key, "/")
		if !ok {
			return "", "", key
		}
		i := strings.LastIndexByte(k, '/')
		if i <= 0 {
			return "", "", key
		}
		name, version = k[:i], k[i+1:]
		if j := strings.IndexByte(version, '_'); j >= 0 {
			version = version[:j]
		}
	default:
		k := key
		if f == v6 {
			var ok bool
			if k, ok = strings.CutPrefix(key, "/"); !ok {
				return "", "", key
			}
		}
		k = stripPeers(k)
		if len(k) < 2 {
			return "", "", key
		}
		at := strings.IndexByte(k[1:], '@')
		if at < 0 {
			return "", "", key
		}
		name, version = k[:at+1], k[at+2:]
	}
	if !registryVersion(version) {
		return name, "", version
	}
	return name, version, ""
}

// registryVersion reports whether v looks like a version from a registry
// rather than a URL or a path.
func registryVersion(v string) bool {
	return v != "" && !strings.ContainsAny(v, ":/")
}

// stripPeers removes the peer and patch suffix of versions 6 and 9,
// "(peer@1.0.0)(other@2.0.0)".
func stripPeers(key string) string {
	if i := strings.IndexByte(key, '('); i > 0 {
		return key[:i]
	}
	return key
}

// graph resolves references to entries.
type graph struct {
	entries []entry
	index   map[string]int
	format  format
}

// resolve finds the entry a dependency on name with reference ref points
// at: "1.2.3_peer" means "/name/1.2.3_peer" in version 5, "/name@1.2.3" in
// 6 and "name@1.2.3" in 9; references that are whole keys (aliases such as
// "/string-width/4.2.3" or "string-width@4.2.3", git hosts) are used as
// they are.
func (g *graph) resolve(name, ref string) (int, bool) {
	var key string
	switch g.format {
	case v5:
		key = "/" + name + "/" + ref
	case v6:
		key = "/" + name + "@" + ref
	default:
		key = name + "@" + ref
	}
	if i, ok := g.index[key]; ok {
		return i, true
	}
	i, ok := g.index[ref]
	return i, ok
}

// flagScopes reads the scopes versions 5 and 6 record.
func flagScopes(entries []entry) []inventory.Scope {
	out := make([]inventory.Scope, len(entries))
	for i, e := range entries {
		switch {
		case e.dev != nil && *e.dev:
			out[i] = inventory.ScopeDev
		case e.optional:
			out[i] = inventory.ScopeOptional
		default:
			out[i] = inventory.ScopeProd
		}
	}
	return out
}

// scopes computes scopes by reachability from the importers' dependencies
// (version 9).
func (g *graph) scopes(roots []root) []inventory.Scope {
	deps := depgraph.New(len(g.entries), func(i int, add func(depgraph.Edge)) {
		for _, d := range g.entries[i].deps {
			if j, ok := g.resolve(d.name, d.ref); ok {
				add(depgraph.Edge{To: j, Optional: d.optional})
			}
		}
	})
	var rs []depgraph.Root
	for _, r := range roots {
		if i, ok := g.resolve(r.name, r.ref); ok {
			rs = append(rs, depgraph.Root{To: i, Scope: r.scope})
		}
	}
	return deps.Scopes(rs)
}

// edges fills the DependsOn of pkgs (at maps entries to them, -1 for none)
// from the entries' dependencies, and returns the IDs of the packages the
// importers depend on. References to nothing reported (links to workspace
// folders, skipped or missing entries) are left out.
func (g *graph) edges(pkgs []inventory.Package, at []int, roots []root) []string {
	target := func(name, ref string) (string, bool) {
		j, ok := g.resolve(name, ref)
		if !ok || at[j] < 0 {
			return "", false
		}
		return pkgs[at[j]].ID, true
	}
	for i, e := range g.entries {
		if at[i] < 0 || len(e.deps) == 0 {
			continue
		}
		var out []string
		seen := make(map[string]bool, len(e.deps))
		for _, d := range e.deps {
			if id, ok := target(d.name, d.ref); ok && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
		pkgs[at[i]].DependsOn = out
	}
	var ids []string
	seen := make(map[string]bool)
	for _, r := range roots {
		if id, ok := target(r.name, r.ref); ok && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

// packages turns entries into packages, and returns them with the index in
// them of each entry's package (-1 for none). direct is nil when the
// relation is unknown.
func (p *parser) packages(entries []entry, direct []bool, scopes []inventory.Scope) ([]inventory.Package, []int) {
	pkgs := make([]inventory.Package, 0, len(entries))
	at := make([]int, len(entries))
	ids := make(map[string]bool, len(entries))
	for i, e := range entries {
		at[i] = -1
		switch {
		case e.bad:
			continue
		case e.skip != "":
			p.log.Debug("skipped lockfile entry", "file", p.path, "line", e.line, "key", e.key, "reason", e.skip)
			continue
		}
		rel := inventory.RelationUnknown
		if direct != nil {
			rel = inventory.RelationTransitive
			if direct[i] {
				rel = inventory.RelationDirect
			}
		}
		var id string
		if !ids[e.key] {
			// A key repeated in the file resolves to its first entry.
			ids[e.key] = true
			id = e.key
			at[i] = len(pkgs)
		}
		var hashes []string
		if e.integrity != "" {
			hashes = []string{e.integrity}
		}
		pkgs = append(pkgs, inventory.Package{
			Ecosystem: inventory.Npm,
			Name:      e.name,
			Version:   e.version,
			Relation:  rel,
			Scope:     scopes[i],
			Location:  inventory.Location{File: p.path, Line: e.line},
			Note:      e.note,
			ID:        id,
			Hashes:    hashes,
		})
	}
	return pkgs, at
}

// truncate shortens s for an error message.
func truncate(s string) string {
	const max = 60
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
