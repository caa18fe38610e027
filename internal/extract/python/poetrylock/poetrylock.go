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
		})
	}
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
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
