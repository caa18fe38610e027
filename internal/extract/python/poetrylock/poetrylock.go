// Package poetrylock extracts PyPI packages from Poetry's poetry.lock, in the
// 1.x lock formats (category = "main" / "dev") and the 2.x ones (groups).
//
// Every [[package]] table is one installed package at the line of its header.
// Scope comes from the lock: category "main" or a "main" group is prod
// (optional when the package is only installed for an extra), category "dev"
// or only other groups is dev; locks that record neither leave it unknown.
// Relation comes from the pyproject.toml beside the lock: a package named in
// Poetry's dependency tables or in PEP 621 [project] dependencies is direct,
// any other transitive; without a pyproject.toml it is unknown.
//
// The graph: each package's ID is "name@version" (name as written) and its
// DependsOn lists the packages its [package.dependencies] name, matched by
// PEP 503 normalised name; dependencies marked optional (installed only for
// an extra) and names not in the lock are left out. Roots are the packages
// that make Relation direct. Hashes are the files' "sha256:<hex>" as written,
// from each package's files (2.x) or from [metadata.files] (1.x).
package poetrylock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/extract/internal/tomllock"
	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the extractor.
const Name = "python/poetrylock"

// Extractor extracts packages from poetry.lock files.
type Extractor struct{}

// New returns a poetry.lock [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a poetry.lock.
func (e *Extractor) FileRequired(p string) bool { return path.Base(p) == "poetry.lock" }

type lockFile struct {
	Package  []map[string]any `toml:"package"`
	Metadata map[string]any   `toml:"metadata"`
}

// lockPackage is the part of a [[package]] table that is used.
type lockPackage struct {
	name, version string
	category      string   // 1.x locks: "main" or "dev"
	groups        []string // 2.x locks
	optional      bool
	source        lockSource
	deps          []string // names in [package.dependencies], not only-for-extras ones
	hashes        []string // from files (2.x locks)
}

type lockSource struct {
	typ, url, reference, resolvedReference string
}

// readPackage reads a [[package]] table.
func readPackage(t map[string]any) (lockPackage, error) {
	var lp lockPackage
	var errs []error
	get := func(key string, dst *string) {
		s, err := tomllock.String(t, key)
		*dst = s
		errs = append(errs, err)
	}
	get("name", &lp.name)
	get("version", &lp.version)
	get("category", &lp.category)
	var err error
	lp.groups, err = tomllock.Strings(t, "groups")
	errs = append(errs, err)
	lp.optional, err = tomllock.Bool(t, "optional")
	errs = append(errs, err)
	src, err := tomllock.Table(t, "source")
	errs = append(errs, err)
	if src != nil {
		for _, f := range []struct {
			key string
			dst *string
		}{
			{"type", &lp.source.typ},
			{"url", &lp.source.url},
			{"reference", &lp.source.reference},
			{"resolved_reference", &lp.source.resolvedReference},
		} {
			s, err := tomllock.String(src, f.key)
			if err != nil {
				err = fmt.Errorf("source: %w", err)
			}
			*f.dst = s
			errs = append(errs, err)
		}
	}
	lp.deps, err = dependencyNames(t)
	errs = append(errs, err)
	lp.hashes, err = fileHashes(t, "files")
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return lockPackage{}, err
	}
	if lp.name == "" {
		return lockPackage{}, errors.New("package has no name")
	}
	if lp.version == "" {
		return lockPackage{}, fmt.Errorf("package %q has no version", lp.name)
	}
	return lp, nil
}

// Extract parses the poetry.lock in and the pyproject.toml beside it.
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
	if len(lf.Package) == 0 && lf.Metadata == nil && len(md.Keys()) > 0 {
		return inventory.Inventory{}, inventory.Errorf(in.Path, 0, "no [[package]] or [metadata] table: not a poetry.lock")
	}
	lines := tomllock.HeaderLines(data, "package", len(lf.Package))

	var errs []error
	direct, err := directNames(in)
	if err != nil {
		errs = append(errs, err)
	}
	var pkgs []inventory.Package
	var deps [][]string // names each package depends on, by index in pkgs
	for i, t := range lf.Package {
		if err := ctx.Err(); err != nil {
			return inventory.Inventory{Packages: pkgs}, err
		}
		line := lines[i]
		lp, err := readPackage(t)
		if err != nil {
			errs = append(errs, &inventory.ParseError{Path: in.Path, Line: line, Err: err})
			continue
		}
		rel := inventory.RelationUnknown
		if direct != nil {
			rel = inventory.RelationTransitive
			if direct[ecosystem.NormalizePyPI(lp.name)] {
				rel = inventory.RelationDirect
			}
		}
		pkgs = append(pkgs, inventory.Package{
			Ecosystem: inventory.PyPI,
			Name:      lp.name,
			Version:   lp.version,
			Relation:  rel,
			Scope:     scope(lp),
			Location:  inventory.Location{File: in.Path, Line: line},
			Note:      sourceNote(lp.source),
			Hashes:    lp.hashes,
		})
		deps = append(deps, lp.deps)
	}
	if err := metadataHashes(in.Path, lf.Metadata, pkgs); err != nil {
		errs = append(errs, err)
	}
	return linkGraph(pkgs, deps, direct), errors.Join(errs...)
}

// dependencyNames returns the names in the package's [package.dependencies]
// table, leaving out those marked optional: they are only installed for an
// extra of the package, which the lock does not say was asked for. A
// dependency with several constraints (an array of tables) counts unless all
// of them are optional.
func dependencyNames(t map[string]any) ([]string, error) {
	table, err := tomllock.Table(t, "dependencies")
	if err != nil || table == nil {
		return nil, err
	}
	var names []string
	for name, v := range table {
		optional, err := optionalDependency(v)
		if err != nil {
			return nil, fmt.Errorf("dependencies: %q: %w", name, err)
		}
		if !optional {
			names = append(names, name)
		}
	}
	slices.Sort(names) // a map has no order; keep the output stable
	return names, nil
}

// optionalDependency reports whether a [package.dependencies] value marks the
// dependency optional: a constraint string never does, a table does with
// optional = true, and an array of tables does when each of them does.
func optionalDependency(v any) (bool, error) {
	switch v := v.(type) {
	case string:
		return false, nil
	case map[string]any:
		return tomllock.Bool(v, "optional")
	case []map[string]any, []any:
		tables, err := tomllock.Tables(map[string]any{"constraints": v}, "constraints")
		if err != nil {
			return false, err
		}
		for _, c := range tables {
			opt, err := tomllock.Bool(c, "optional")
			if err != nil || !opt {
				return false, err
			}
		}
		return len(tables) > 0, nil
	}
	return false, fmt.Errorf("is neither a constraint string nor a table")
}

// fileHashes returns the hashes of the files listed at key of t (an array
// of {file, hash} tables), as written ("sha256:<hex>"), without repeats.
func fileHashes(t map[string]any, key string) ([]string, error) {
	files, err := tomllock.Tables(t, key)
	if err != nil {
		return nil, err
	}
	var hashes []string
	for _, f := range files {
		h, err := tomllock.String(f, "hash")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		if h != "" && !slices.Contains(hashes, h) {
			hashes = append(hashes, h)
		}
	}
	return hashes, nil
}

// metadataHashes fills in the hashes of 1.x locks, which list files in
// [metadata.files] by package name rather than in each package. The table
// does not say which version a file belongs to, so a name locked at several
// versions gets none.
func metadataHashes(file string, md map[string]any, pkgs []inventory.Package) error {
	files, err := tomllock.Table(md, "files")
	if err != nil {
		return inventory.Errorf(file, 0, "metadata: %v", err)
	}
	if len(files) == 0 {
		return nil
	}
	byName := map[string]string{} // normalised -> key as written
	for k := range files {
		byName[ecosystem.NormalizePyPI(k)] = k
	}
	count := map[string]int{}
	for _, p := range pkgs {
		count[ecosystem.NormalizePyPI(p.Name)]++
	}
	var errs []error
	for i := range pkgs {
		p := &pkgs[i]
		norm := ecosystem.NormalizePyPI(p.Name)
		key, ok := byName[norm]
		if !ok || count[norm] > 1 || len(p.Hashes) > 0 {
			continue
		}
		hashes, err := fileHashes(files, key)
		if err != nil {
			errs = append(errs, inventory.Errorf(file, 0, "metadata.files: %v", err))
			continue
		}
		p.Hashes = hashes
	}
	return errors.Join(errs...)
}

// linkGraph gives each package its ID ("name@version") and DependsOn, and
// the inventory its Roots: the packages named by the pyproject.toml. A
// dependency name resolves, by its normalised form, to every package of
// that name in the lock (a name is locked at several versions only when
// markers choose between them); names not in the lock are left out.
func linkGraph(pkgs []inventory.Package, deps [][]string, direct map[string]bool) inventory.Inventory {
	ids := map[string][]string{} // normalised name -> IDs
	for i := range pkgs {
		p := &pkgs[i]
		id := p.Name + "@" + p.Version
		norm := ecosystem.NormalizePyPI(p.Name)
		if slices.Contains(ids[norm], id) {
			continue // the same name and version twice: only the first is a node
		}
		p.ID = id
		ids[norm] = append(ids[norm], id)
	}
	inv := inventory.Inventory{Packages: pkgs}
	for i := range pkgs {
		p := &pkgs[i]
		if p.ID == "" {
			continue
		}
		for _, name := range deps[i] {
			for _, id := range ids[ecosystem.NormalizePyPI(name)] {
				if id != p.ID && !slices.Contains(p.DependsOn, id) {
					p.DependsOn = append(p.DependsOn, id)
				}
			}
		}
		if direct[ecosystem.NormalizePyPI(p.Name)] {
			inv.Roots = append(inv.Roots, p.ID)
		}
	}
	return inv
}

// scope reads the package's scope from its category (1.x) or groups (2.x).
func scope(lp lockPackage) inventory.Scope {
	main := lp.category == "main" || slices.Contains(lp.groups, "main")
	switch {
	case main && lp.optional:
		return inventory.ScopeOptional
	case main:
		return inventory.ScopeProd
	case lp.category == "dev", lp.category == "" && len(lp.groups) > 0:
		return inventory.ScopeDev
	}
	return inventory.ScopeUnknown
}

// sourceNote says where a package that is not from the default index comes
// from.
func sourceNote(s lockSource) string {
	switch s.typ {
	case "":
		return ""
	case "git":
		ref := s.resolvedReference
		if ref == "" {
			ref = s.reference
		}
		if ref == "" {
			return fmt.Sprintf("from git %q", s.url)
		}
		return fmt.Sprintf("from git %q at %q", s.url, ref)
	case "directory":
		return fmt.Sprintf("from local directory %q", s.url)
	case "file":
		return fmt.Sprintf("from local file %q", s.url)
	case "url":
		return fmt.Sprintf("from URL %q", s.url)
	case "legacy":
		return fmt.Sprintf("from package index %q", s.url)
	}
	return fmt.Sprintf("from %s source %q", s.typ, s.url)
}

// pyproject holds the parts of pyproject.toml that name direct dependencies.
type pyproject struct {
	Project *struct {
		Dependencies         []string            `toml:"dependencies"`
		OptionalDependencies map[string][]string `toml:"optional-dependencies"`
	} `toml:"project"`
	Tool struct {
		Poetry *struct {
			Dependencies    map[string]any `toml:"dependencies"`
			DevDependencies map[string]any `toml:"dev-dependencies"`
			Group           map[string]struct {
				Dependencies map[string]any `toml:"dependencies"`
			} `toml:"group"`
		} `toml:"poetry"`
	} `toml:"tool"`
}

// directNames returns the normalised names that the pyproject.toml beside the
// lock declares, or nil when there is no such file (or it declares no
// project), so that relations stay unknown.
func directNames(in *inventory.Input) (map[string]bool, error) {
	if in.FS == nil || in.FSPath == "" {
		return nil, nil
	}
	shown := path.Join(path.Dir(in.Path), "pyproject.toml")
	data, err := fs.ReadFile(in.FS, path.Join(path.Dir(in.FSPath), "pyproject.toml"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %q to tell direct dependencies: %w", shown, err)
	}
	var pp pyproject
	if _, err := toml.Decode(string(data), &pp); err != nil {
		return nil, fmt.Errorf("direct dependencies unknown: %w", tomllock.DecodeError(shown, err))
	}
	if pp.Project == nil && pp.Tool.Poetry == nil {
		return nil, nil
	}
	names := map[string]bool{}
	if p := pp.Tool.Poetry; p != nil {
		for _, deps := range []map[string]any{p.Dependencies, p.DevDependencies} {
			for name := range deps {
				names[ecosystem.NormalizePyPI(name)] = true
			}
		}
		for _, g := range p.Group {
			for name := range g.Dependencies {
				names[ecosystem.NormalizePyPI(name)] = true
			}
		}
		delete(names, "python") // the interpreter constraint, not a package
	}
	if p := pp.Project; p != nil {
		for _, req := range p.Dependencies {
			names[ecosystem.NormalizePyPI(requirementName(req))] = true
		}
		for _, reqs := range p.OptionalDependencies {
			for _, req := range reqs {
				names[ecosystem.NormalizePyPI(requirementName(req))] = true
			}
		}
	}
	return names, nil
}

// requirementName returns the name at the start of a PEP 508 requirement.
func requirementName(req string) string {
	req = strings.TrimSpace(req)
	i := 0
	for i < len(req) && isNameChar(req[i]) {
		i++
	}
	return req[:i]
}

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-'
}
