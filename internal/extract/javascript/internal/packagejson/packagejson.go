// Package packagejson reads the package.json files that the extractors of
// JavaScript lockfiles consult beside a lockfile, for what the lockfile
// itself leaves out: which packages the project (or a workspace) depends on
// directly and through which list, the workspace globs, Yarn's
// "resolutions".
//
// [Read] decodes into a struct of the caller's, which embeds [Lists] and adds
// the other fields it needs, so that a malformed field that an extractor
// does not use never makes the file unreadable to it.
package packagejson

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"

	"github.com/patchline/patchline/internal/inventory"
)

// Lists are the dependency lists of a package.json that install packages:
// package name to range, as written.
type Lists struct {
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
}

// Scope returns the scope that the list naming name gives it: prod for
// dependencies, optional for optionalDependencies, dev for devDependencies,
// looked up in that order; unknown when no list names it or l is nil.
func (l *Lists) Scope(name string) inventory.Scope {
	if l == nil {
		return inventory.ScopeUnknown
	}
	if _, ok := l.Dependencies[name]; ok {
		return inventory.ScopeProd
	}
	if _, ok := l.OptionalDependencies[name]; ok {
		return inventory.ScopeOptional
	}
	if _, ok := l.DevDependencies[name]; ok {
		return inventory.ScopeDev
	}
	return inventory.ScopeUnknown
}

// Dependency is one entry of a dependency list.
type Dependency struct {
	Name, Range string
	Scope       inventory.Scope // of the list: prod, optional or dev
}

// All lists the entries of dependencies, then optionalDependencies, then
// devDependencies, each list in no particular order. A name in two lists is
// listed twice.
func (l *Lists) All() []Dependency {
	var out []Dependency
	add := func(deps map[string]string, scope inventory.Scope) {
		for n, r := range deps {
			out = append(out, Dependency{Name: n, Range: r, Scope: scope})
		}
	}
	add(l.Dependencies, inventory.ScopeProd)
	add(l.OptionalDependencies, inventory.ScopeOptional)
	add(l.DevDependencies, inventory.ScopeDev)
	return out
}

// WorkspaceGlobs returns the patterns of a "workspaces" field: an array, or
// an object with a "packages" array (Yarn 1's form); nil for anything else.
func WorkspaceGlobs(workspaces json.RawMessage) []string {
	if len(workspaces) == 0 {
		return nil
	}
	var list []string
	if json.Unmarshal(workspaces, &list) == nil {
		return list
	}
	var obj struct {
		Packages []string `json:"packages"`
	}
	if json.Unmarshal(workspaces, &obj) == nil {
		return obj.Packages
	}
	return nil
}

// Read reads the package.json in folder dir, relative to the folder of the
// lockfile in, through in.FS, and decodes it into a new T. It returns nil
// and no error when the file does not exist or in has no file system
// (in.FS or in.FSPath unset).
//
// A file that cannot be read or decoded is an error naming it and the
// lockfile; unknown says what the extractor cannot tell without it
// ("scopes of its dependencies").
func Read[T any](in *inventory.Input, dir, unknown string) (*T, error) {
	if in.FS == nil || in.FSPath == "" {
		return nil, nil
	}
	name := path.Join(path.Dir(in.FSPath), dir, "package.json")
	data, err := fs.ReadFile(in.FS, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %q for %q: %w", name, in.Path, err)
	}
	v := new(T)
	if err := json.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("parse %q for %q (%s are unknown): %w", name, in.Path, unknown, err)
	}
	return v, nil
}
