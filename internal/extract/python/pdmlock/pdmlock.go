// Package pdmlock extracts PyPI packages from PDM's lock file, pdm.lock.
//
// Every [[package]] table is one locked package at the line of its header,
// in file order, with the version the lock pins. Packages from git, a local
// path or a URL keep that version and say where they come from in the Note.
//
// # Scope
//
// PDM records which dependency groups need each package: "default" is the
// project's own dependencies, the other names are its extras
// ([project.optional-dependencies]) and its development groups
// ([tool.pdm.dev-dependencies] or PEP 735 [dependency-groups]). Current PDM
// releases list them per package in groups; files from early releases name
// them sections, which is read the same way; locks that list neither (such
// as lock_version 4.0 files) leave the scope unknown. A package in the
// "default" group is prod. Otherwise the
// pyproject.toml beside the lock tells the other groups apart: a package in
// an extra is optional, one only in development groups dev. Without a
// pyproject.toml, or for groups it does not declare, the scope is unknown: a
// group name alone does not say whether it is an extra or a development
// group.
//
// # Relation
//
// A package named in the pyproject.toml's [project] dependencies or
// optional-dependencies, in [dependency-groups] or in
// [tool.pdm.dev-dependencies] is direct, any other transitive; without a
// pyproject.toml the relation is unknown.
//
// # Errors
//
// TOML syntax errors carry the position the decoder reports. A document with
// tables but no [metadata] lock_version is not a pdm.lock (a poetry.lock, for
// one, spells it lock-version) and is an error. A package table with a
// missing name or version or a field of the wrong type is reported at its
// header line and the other packages are still listed. An empty file lists
// nothing.
package pdmlock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"

	"github.com/BurntSushi/toml"

	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/extract/internal/tomllock"
	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the extractor.
const Name = "python/pdmlock"

// Extractor extracts packages from pdm.lock files.
type Extractor struct{}

// New returns a pdm.lock [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a pdm.lock.
func (e *Extractor) FileRequired(p string) bool { return path.Base(p) == "pdm.lock" }

type lockFile struct {
	Metadata map[string]any   `toml:"metadata"`
	Package  []map[string]any `toml:"package"`
}

// lockPackage is the part of a [[package]] table that is used.
type lockPackage struct {
	name, version string
	groups        []string // normalised
	git, revision string
	path, url     string
	editable      bool
}

// Extract parses the pdm.lock in in and the pyproject.toml beside it.
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
	lockVersion, err := tomllock.String(lf.Metadata, "lock_version")
	if err != nil {
		return inventory.Inventory{}, inventory.Errorf(in.Path, 0, "[metadata]: %v", err)
	}
	if lockVersion == "" {
		return inventory.Inventory{}, inventory.Errorf(in.Path, 0, "no lock_version in [metadata]: not a pdm.lock")
	}
	lines := tomllock.HeaderLines(data, "package", len(lf.Package))

	var errs []error
	proj, err := readProject(in)
	if err != nil {
		errs = append(errs, err)
	}
	var pkgs []inventory.Package
	for i, t := range lf.Package {
		if err := ctx.Err(); err != nil {
			return inventory.Inventory{}, err
		}
		lp, err := readPackage(t)
		if err != nil {
			errs = append(errs, &inventory.ParseError{Path: in.Path, Line: lines[i], Err: err})
			continue
		}
		pkgs = append(pkgs, inventory.Package{
			Ecosystem: inventory.PyPI,
			Name:      lp.name,
			Version:   lp.version,
			Relation:  relation(proj, lp),
			Scope:     scope(proj, lp),
			Location:  inventory.Location{File: in.Path, Line: lines[i]},
			Note:      sourceNote(lp),
		})
	}
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
}

// readPackage reads a [[package]] table.
func readPackage(t map[string]any) (lockPackage, error) {
	var lp lockPackage
	var errs []error
	str := func(key string, dst *string) {
		s, err := tomllock.String(t, key)
		*dst = s
		errs = append(errs, err)
	}
	str("name", &lp.name)
	str("version", &lp.version)
	str("git", &lp.git)
	str("revision", &lp.revision)
	str("path", &lp.path)
	str("url", &lp.url)
	var err error
	lp.editable, err = tomllock.Bool(t, "editable")
	errs = append(errs, err)
	groups, err := tomllock.Strings(t, "groups")
	errs = append(errs, err)
	if groups == nil {
		// Older PDM releases named them sections.
		groups, err = tomllock.Strings(t, "sections")
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return lockPackage{}, err
	}
	for _, g := range groups {
		lp.groups = append(lp.groups, ecosystem.NormalizePyPI(g))
	}
	switch {
	case lp.name == "":
		return lockPackage{}, errors.New("package has no name")
	case lp.version == "":
		return lockPackage{}, fmt.Errorf("package %q has no version", lp.name)
	}
	return lp, nil
}

// relation tells whether the pyproject.toml names the package.
func relation(proj *project, lp lockPackage) inventory.Relation {
	switch {
	case proj == nil:
		return inventory.RelationUnknown
	case proj.direct[ecosystem.NormalizePyPI(lp.name)]:
		return inventory.RelationDirect
	}
	return inventory.RelationTransitive
}

// scope reads the package's scope from its groups and the project's extras
// and development groups.
func scope(proj *project, lp lockPackage) inventory.Scope {
	switch {
	case len(lp.groups) == 0:
		return inventory.ScopeUnknown
	case slices.Contains(lp.groups, "default"):
		return inventory.ScopeProd
	case proj == nil:
		return inventory.ScopeUnknown
	case slices.ContainsFunc(lp.groups, func(g string) bool { return proj.extras[g] }):
		return inventory.ScopeOptional
	case !slices.ContainsFunc(lp.groups, func(g string) bool { return !proj.devGroups[g] }):
		return inventory.ScopeDev
	}
	return inventory.ScopeUnknown
}

// sourceNote says where a package that is not from an index comes from.
func sourceNote(lp lockPackage) string {
	switch {
	case lp.git != "" && lp.revision != "":
		return fmt.Sprintf("from git %q at %q", lp.git, lp.revision)
	case lp.git != "":
		return fmt.Sprintf("from git %q", lp.git)
	case lp.path != "" && lp.editable:
		return fmt.Sprintf("editable local project %q", lp.path)
	case lp.path != "":
		return fmt.Sprintf("from local path %q", lp.path)
	case lp.url != "":
		return fmt.Sprintf("from URL %q", lp.url)
	}
	return ""
}
