// Package pubspeclock extracts Dart packages (the Pub ecosystem) from pub's
// pubspec.lock.
//
// Every entry of the "packages" mapping is one package, listed under its key
// at the line of the key, with the version the lock pins. The project itself
// is never in its own lock. Where a package comes from is its source:
//
//   - hosted: a package repository (which one is not looked at; packages
//     from a private repository are listed under Pub too). No Note.
//   - git: listed with the version its pubspec declares, and a Note with the
//     URL, the resolved commit and, when not the repository's root, the
//     folder.
//   - path: a package on local disk, listed with its version and a Note with
//     the path. Such packages are often the project's own, but pub treats
//     them as dependencies and they may be copies of published packages.
//   - sdk: a package that ships with an SDK (flutter, flutter_test,
//     sky_engine, ...). These are not published packages and their versions
//     ("0.0.0", "0.0.99") are placeholders, but they are real dependencies;
//     they are listed, as osv-scanner lists them, with a Note naming the SDK,
//     so that the inventory is complete. No advisory in the Pub ecosystem
//     names them.
//
// Relation and scope come from each entry's "dependency": "direct main" is
// direct and prod, "direct dev" direct and dev, "direct overridden" (named in
// dependency_overrides) direct with an unknown scope and a Note, "transitive"
// transitive with an unknown scope (the lock has no dependency graph to tell
// dev-only packages apart). Old locks without "dependency" leave both unknown.
package pubspeclock

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/patchline/patchline/internal/extract/internal/yamllock"
	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the extractor.
const Name = "dart/pubspeclock"

// Extractor extracts packages from pubspec.lock files.
type Extractor struct{}

// New returns a pubspec.lock [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a pubspec.lock.
func (e *Extractor) FileRequired(p string) bool { return path.Base(p) == "pubspec.lock" }

// ctxCheckEvery is how many packages are read between checks of the context.
const ctxCheckEvery = 256

// Extract parses the pubspec.lock in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return inventory.Inventory{}, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return inventory.Inventory{}, yamllock.DecodeError(in.Path, err)
	}
	if len(doc.Content) == 0 {
		return inventory.Inventory{}, nil // only comments
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return inventory.Inventory{}, inventory.Errorf(in.Path, top.Line, "not a pubspec.lock: want a mapping with \"packages\", got %s", yamllock.KindName(top))
	}
	pk, ok := fields(top)["packages"]
	if !ok {
		return inventory.Inventory{}, inventory.Errorf(in.Path, top.Line, "no \"packages\": not a pubspec.lock")
	}
	if isNull(pk.value) {
		return inventory.Inventory{}, nil
	}
	if pk.value.Kind != yaml.MappingNode {
		return inventory.Inventory{}, inventory.Errorf(in.Path, pk.value.Line, "\"packages\" is %s, want a mapping", yamllock.KindName(pk.value))
	}

	var pkgs []inventory.Package
	var errs []error
	for i := 0; i+1 < len(pk.value.Content); i += 2 {
		if i%(2*ctxCheckEvery) == 0 {
			if err := ctx.Err(); err != nil {
				return inventory.Inventory{}, err
			}
		}
		k, v := pk.value.Content[i], pk.value.Content[i+1]
		p, ok, err := readEntry(k, v)
		if err != nil {
			errs = append(errs, &inventory.ParseError{Path: in.Path, Line: k.Line, Err: err})
		}
		if ok {
			p.Location = inventory.Location{File: in.Path, Line: k.Line}
			pkgs = append(pkgs, p)
		}
	}
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
}

// readEntry reads the entry of package k. ok says whether it is listed; an
// entry with an unknown dependency kind is listed with an unknown relation
// and an error.
func readEntry(k, v *yaml.Node) (p inventory.Package, ok bool, err error) {
	if k.Kind != yaml.ScalarNode || k.Value == "" {
		return p, false, fmt.Errorf("package name is %s, want a string", yamllock.KindName(k))
	}
	name := k.Value
	if v.Kind != yaml.MappingNode {
		return p, false, fmt.Errorf("package %q is %s, want a mapping", name, yamllock.KindName(v))
	}
	f := fields(v)
	str := func(key string) (string, error) {
		x, ok := f[key]
		if !ok || isNull(x.value) {
			return "", nil
		}
		if x.value.Kind != yaml.ScalarNode {
			return "", fmt.Errorf("package %q: %q is %s, want a string", name, key, yamllock.KindName(x.value))
		}
		return x.value.Value, nil
	}
	version, err := str("version")
	if err != nil {
		return p, false, err
	}
	if version == "" {
		return p, false, fmt.Errorf("package %q has no version", name)
	}
	source, err := str("source")
	if err != nil {
		return p, false, err
	}
	if source == "" {
		return p, false, fmt.Errorf("package %q has no source", name)
	}
	dependency, err := str("dependency")
	if err != nil {
		return p, false, err
	}
	p = inventory.Package{Ecosystem: inventory.Pub, Name: name, Version: version}

	var notes []string
	switch dependency {
	case "direct main":
		p.Relation, p.Scope = inventory.RelationDirect, inventory.ScopeProd
	case "direct dev":
		p.Relation, p.Scope = inventory.RelationDirect, inventory.ScopeDev
	case "direct overridden":
		p.Relation = inventory.RelationDirect
		notes = append(notes, "overridden in dependency_overrides")
	case "transitive":
		p.Relation = inventory.RelationTransitive
	case "":
		// Old locks do not say.
	default:
		err = fmt.Errorf("package %q: unknown dependency kind %q (want \"direct main\", \"direct dev\", \"direct overridden\" or \"transitive\")", name, dependency)
	}

	desc := f["description"].value
	switch source {
	case "hosted":
	case "git":
		notes = append(notes, gitNote(desc))
	case "path":
		notes = append(notes, fmt.Sprintf("from local path %q", descField(desc, "path")))
	case "sdk":
		sdk := ""
		if desc != nil && desc.Kind == yaml.ScalarNode {
			sdk = desc.Value
		}
		notes = append(notes, fmt.Sprintf("from the %q SDK, not from a package repository", sdk))
	default:
		notes = append(notes, fmt.Sprintf("from source %q", source))
	}
	p.Note = strings.Join(notes, "; ")
	return p, true, err
}

// gitNote describes a git package from its description.
func gitNote(desc *yaml.Node) string {
	note := fmt.Sprintf("from git %q", descField(desc, "url"))
	ref := descField(desc, "resolved-ref")
	if ref == "" {
		ref = descField(desc, "ref")
	}
	if ref != "" {
		note += fmt.Sprintf(" at %q", ref)
	}
	if dir := descField(desc, "path"); dir != "" && dir != "." {
		note += fmt.Sprintf(" in %q", dir)
	}
	return note
}

// descField returns the scalar at key of a description mapping, or "".
func descField(desc *yaml.Node, key string) string {
	if desc == nil || desc.Kind != yaml.MappingNode {
		return ""
	}
	if f, ok := fields(desc)[key]; ok && f.value.Kind == yaml.ScalarNode {
		return f.value.Value
	}
	return ""
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

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}
