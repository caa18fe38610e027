// Package pylock extracts PyPI packages from PEP 751 lock files: pylock.toml
// and named lock files such as pylock.dev.toml, lock-version 1.x.
//
// # What is listed
//
// Every [[packages]] table is one package at the line of its header, in file
// order, with the version the lock records. PEP 751 leaves the version out
// for source trees (a vcs or directory package), and may for an archive or a
// lone sdist; such packages have an empty Version, Requirement holds where
// the code comes from (the repository URL, the directory or the file) and
// the Note says what kind of source it is, so that they are listed but never
// matched against advisories by guess. A directory package at path "." is
// the project the lock was made for and is not listed.
//
// # Scope
//
// PEP 751 has no dependency graph to walk (packages.dependencies is
// informational); what an install takes is decided by each package's
// marker, which may test the selected extras (`'socks' in extras`) and
// dependency groups (`'dev' in dependency_groups`). Markers are evaluated
// for the installs the lock offers, with every environment test (Python
// version, platform) taken as possibly true: a package that the default
// install (no extras, the default-groups) may take is prod; otherwise one
// that selecting extras may bring in is optional; otherwise one that only
// selecting dependency groups brings in is dev. A package without a marker
// is always installed and is prod; so is everything in a single-use lock
// that records no extras or groups. A marker that no install satisfies
// leaves the scope unknown.
//
// # Relation
//
// A package named in the pyproject.toml beside the lock ([project]
// dependencies and optional-dependencies, [dependency-groups],
// [tool.pdm.dev-dependencies], [tool.uv] dev-dependencies) is direct, any
// other transitive; without a pyproject.toml the relation is unknown.
//
// # Errors
//
// TOML syntax errors carry the position the decoder reports. A document
// without lock-version is not a pylock.toml, and a lock-version other than
// 1.x is refused, as PEP 751 requires of installers. A package with a
// missing name, a field of the wrong type or neither a version nor a source
// is reported at its header line and skipped; a package whose marker does
// not parse is listed with an unknown scope and reported too.
package pylock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/extract/internal/tomllock"
	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the extractor.
const Name = "python/pylock"

// Extractor extracts packages from pylock.toml files.
type Extractor struct{}

// New returns a pylock.toml [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a PEP 751 lock file: pylock.toml, or
// pylock.NAME.toml where NAME has no dot.
func (e *Extractor) FileRequired(p string) bool {
	base := path.Base(p)
	if base == "pylock.toml" {
		return true
	}
	name, ok := strings.CutPrefix(base, "pylock.")
	if !ok {
		return false
	}
	name, ok = strings.CutSuffix(name, ".toml")
	return ok && name != "" && !strings.Contains(name, ".")
}

// lockPackage is the part of a [[packages]] table that is used.
type lockPackage struct {
	name, version string
	marker        marker // nil when the package has none
	requirement   string // where the code comes from, when no version is recorded
	note          string
	project       bool // the directory "." : the locked project itself
}

// Extract parses the lock file in in and the pyproject.toml beside it.
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
	lockVersion, err := tomllock.String(doc, "lock-version")
	if err != nil {
		return inventory.Inventory{}, inventory.Errorf(in.Path, 0, "%v", err)
	}
	switch major, _, _ := strings.Cut(lockVersion, "."); {
	case lockVersion == "":
		return inventory.Inventory{}, inventory.Errorf(in.Path, 0, "no lock-version: not a pylock.toml")
	case major != "1":
		return inventory.Inventory{}, inventory.Errorf(in.Path, 0, "unsupported lock-version %q: patchline reads 1.x", lockVersion)
	}
	var errs []error
	sels, err := selections(doc)
	if err != nil {
		errs = append(errs, &inventory.ParseError{Path: in.Path, Err: err})
	}
	tables, err := tomllock.Tables(doc, "packages")
	if err != nil {
		return inventory.Inventory{}, errors.Join(append(errs, inventory.Errorf(in.Path, 0, "%v", err))...)
	}
	lines := tomllock.HeaderLines(data, "packages", len(tables))
	proj, err := readProject(in)
	if err != nil {
		errs = append(errs, err)
	}

	var pkgs []inventory.Package
	for i, t := range tables {
		if err := ctx.Err(); err != nil {
			return inventory.Inventory{}, err
		}
		lp, err := readPackage(t)
		if lp.name == "" {
			errs = append(errs, &inventory.ParseError{Path: in.Path, Line: lines[i], Err: err})
			continue
		}
		if err != nil {
			// The marker did not parse: the package is still listed.
			errs = append(errs, &inventory.ParseError{Path: in.Path, Line: lines[i], Err: err})
		}
		if lp.project {
			continue
		}
		rel := inventory.RelationUnknown
		if proj != nil {
			rel = inventory.RelationTransitive
			if proj.direct[ecosystem.NormalizePyPI(lp.name)] {
				rel = inventory.RelationDirect
			}
		}
		scope := inventory.ScopeUnknown
		if err == nil {
			scope = sels.scope(lp.marker)
		}
		pkgs = append(pkgs, inventory.Package{
			Ecosystem:   inventory.PyPI,
			Name:        lp.name,
			Version:     lp.version,
			Requirement: lp.requirement,
			Relation:    rel,
			Scope:       scope,
			Location:    inventory.Location{File: in.Path, Line: lines[i]},
			Note:        lp.note,
		})
	}
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
}

// readPackage reads a [[packages]] table. It returns a package without a
// name and an error when the table cannot be listed, and a named package
// and an error when only the marker is wrong.
func readPackage(t map[string]any) (lockPackage, error) {
	var lp lockPackage
	var errs []error
	str := func(t map[string]any, key string, dst *string) {
		s, err := tomllock.String(t, key)
		*dst = s
		errs = append(errs, err)
	}
	var name, markerText string
	str(t, "name", &name)
	str(t, "version", &lp.version)
	str(t, "marker", &markerText)
	var vcsType, vcsURL, vcsPath, commit, dirPath, archURL, archPath string
	var editable bool
	vcs, err := tomllock.Table(t, "vcs")
	errs = append(errs, err)
	if vcs != nil {
		str(vcs, "type", &vcsType)
		str(vcs, "url", &vcsURL)
		str(vcs, "path", &vcsPath)
		str(vcs, "commit-id", &commit)
	}
	dir, err := tomllock.Table(t, "directory")
	errs = append(errs, err)
	if dir != nil {
		str(dir, "path", &dirPath)
		editable, err = tomllock.Bool(dir, "editable")
		errs = append(errs, err)
	}
	archive, err := tomllock.Table(t, "archive")
	errs = append(errs, err)
	if archive != nil {
		str(archive, "url", &archURL)
		str(archive, "path", &archPath)
	}
	var file string // a name, URL or path of the sdist or a wheel
	sdist, err := tomllock.Table(t, "sdist")
	errs = append(errs, err)
	wheels, err := tomllock.Tables(t, "wheels")
	errs = append(errs, err)
	for _, f := range append([]map[string]any{sdist}, wheels...) {
		for _, key := range []string{"name", "url", "path"} {
			if file == "" {
				str(f, key, &file)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return lockPackage{}, err
	}
	if name == "" {
		return lockPackage{}, errors.New("package has no name")
	}

	switch {
	case vcs != nil:
		loc := first(vcsURL, vcsPath)
		lp.requirement = loc
		lp.note = fmt.Sprintf("from %s %q at commit %q", first(vcsType, "version control"), loc, commit)
	case dir != nil:
		if path.Clean(dirPath) == "." {
			lp.project = true
		}
		lp.requirement = dirPath
		lp.note = fmt.Sprintf("from local directory %q", dirPath)
		if editable {
			lp.note = fmt.Sprintf("editable local project %q", dirPath)
		}
	case archive != nil:
		lp.requirement = first(archURL, archPath)
		lp.note = fmt.Sprintf("from archive %q", lp.requirement)
	case file != "":
		lp.requirement = file
	}
	switch {
	case lp.version != "":
		lp.requirement = "" // a version is what advisories are matched against
	case lp.requirement == "":
		return lockPackage{}, fmt.Errorf("package %q has neither a version nor a source", name)
	default:
		lp.note = joinNotes(lp.note, "the lock records no version")
	}
	lp.name = name
	if markerText != "" {
		m, err := parseMarker(markerText)
		if err != nil {
			return lp, fmt.Errorf("package %q: marker %q: %w", name, markerText, err)
		}
		lp.marker = m
	}
	return lp, nil
}

func first(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func joinNotes(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// installs are the selections a lock offers: the default install, and the
// extras and dependency groups it declares.
type installs struct {
	extras, groups, defaultGroups map[string]bool
}

// selections reads the top-level extras, dependency-groups and
// default-groups.
func selections(doc map[string]any) (installs, error) {
	var errs []error
	set := func(key string) map[string]bool {
		names, err := tomllock.Strings(doc, key)
		errs = append(errs, err)
		m := map[string]bool{}
		for _, n := range names {
			m[ecosystem.NormalizePyPI(n)] = true
		}
		return m
	}
	in := installs{extras: set("extras"), groups: set("dependency-groups"), defaultGroups: set("default-groups")}
	return in, errors.Join(errs...)
}

// scope evaluates a package's marker for the installs the lock offers.
func (in installs) scope(m marker) inventory.Scope {
	if m == nil {
		return inventory.ScopeProd
	}
	// Extras and groups the marker names count too: locks need not list
	// every one at the top.
	extras, groups := maps.Clone(in.extras), maps.Clone(in.groups)
	m.names(extras, groups)
	maps.Copy(groups, in.defaultGroups)
	none := map[string]bool{}
	for _, c := range []struct {
		sel   selection
		scope inventory.Scope
	}{
		{selection{extras: none, groups: in.defaultGroups}, inventory.ScopeProd},
		{selection{extras: extras, groups: in.defaultGroups}, inventory.ScopeOptional},
		{selection{extras: none, groups: groups}, inventory.ScopeDev},
		{selection{extras: extras, groups: groups}, inventory.ScopeDev},
	} {
		if m.eval(c.sel) != triFalse {
			return c.scope
		}
	}
	return inventory.ScopeUnknown
}
