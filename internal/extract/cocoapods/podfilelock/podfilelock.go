// Package podfilelock extracts CocoaPods packages from Podfile.lock.
//
// Podfile.lock is YAML. Its PODS list names every installed pod as "Name
// (1.2.3)", with the pods it depends on listed below it; DEPENDENCIES lists
// what the Podfile asks for; EXTERNAL SOURCES and CHECKOUT OPTIONS say where
// pods not from a spec repository come from; SPEC REPOS which repository
// each other pod comes from (CocoaPods 1.7 and later).
//
// Subspecs: "Firebase/Core (5.4.0)" and "Firebase/Analytics (5.4.0)" are
// parts of one pod, "Firebase", downloaded and versioned as one (SPEC
// CHECKSUMS has one entry for it). They are listed as one package named
// after the root pod, at the line of its first PODS entry, with the
// subspecs in the Note. Some scanners list each entry under its full name
// instead; but advisories, like CocoaPods itself, name the root pod, so the
// root name is what can match, and one pod is one install.
//
// Relation: a pod whose root is named under DEPENDENCIES (itself or a
// subspec of it) is direct, any other transitive. Scope is unknown: the
// Podfile's targets, not the lock, tell test pods from app pods.
//
// Pods from EXTERNAL SOURCES keep their version and say in the Note where
// they come from (git with the commit of CHECKOUT OPTIONS, a path, a
// podspec); so do pods from a spec repository other than the public one.
package podfilelock

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/patchline/patchline/internal/extract/internal/yamllock"
	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the extractor.
const Name = "cocoapods/podfilelock"

// Extractor extracts packages from Podfile.lock files.
type Extractor struct{}

// New returns a Podfile.lock [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a Podfile.lock.
func (e *Extractor) FileRequired(p string) bool { return path.Base(p) == "Podfile.lock" }

// pod is one installed pod, its subspecs merged.
type pod struct {
	name, version string
	subspecs      []string
	line          int
}

// Extract parses the Podfile.lock in.
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
	sections := map[string]*yaml.Node{}
	if top.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(top.Content); i += 2 {
			sections[top.Content[i].Value] = top.Content[i+1]
		}
	}
	pods := sections["PODS"]
	if pods == nil {
		return inventory.Inventory{}, inventory.Errorf(in.Path, top.Line, "no PODS list: not a Podfile.lock")
	}
	bad := func(n *yaml.Node, format string, args ...any) error {
		return inventory.Errorf(in.Path, n.Line, format, args...)
	}
	if pods.Kind != yaml.SequenceNode {
		if pods.Tag == "!!null" {
			return inventory.Inventory{}, nil // "PODS:" with nothing installed
		}
		return inventory.Inventory{}, bad(pods, "PODS is %s, want a list", describe(pods))
	}

	var errs []error
	var list []*pod
	byKey := map[string]*pod{}
	for i, item := range pods.Content {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return inventory.Inventory{}, err
			}
		}
		entry := item
		if item.Kind == yaml.MappingNode && len(item.Content) == 2 {
			entry = item.Content[0] // "Name (1.2.3)": [dependencies]
		}
		if entry.Kind != yaml.ScalarNode {
			errs = append(errs, bad(item, "PODS entry is %s, want \"Name (version)\"", describe(item)))
			continue
		}
		name, version, ok := parseEntry(entry.Value)
		if !ok {
			errs = append(errs, bad(entry, "PODS entry %q: want \"Name (version)\"", entry.Value))
			continue
		}
		root, sub, _ := strings.Cut(name, "/")
		key := root + "\x00" + version
		p := byKey[key]
		if p == nil {
			p = &pod{name: root, version: version, line: entry.Line}
			byKey[key] = p
			list = append(list, p)
		}
		if sub != "" && !slices.Contains(p.subspecs, sub) {
			p.subspecs = append(p.subspecs, sub)
		}
	}
	if err := ctx.Err(); err != nil {
		return inventory.Inventory{}, err
	}

	direct, err := directRoots(sections["DEPENDENCIES"], in.Path)
	if err != nil {
		errs = append(errs, err)
	}
	sources := sourceNotes(sections)

	var pkgs []inventory.Package
	for _, p := range list {
		pk := inventory.Package{
			Ecosystem: inventory.CocoaPods,
			Name:      p.name,
			Version:   p.version,
			Location:  inventory.Location{File: in.Path, Line: p.line},
		}
		if direct != nil {
			pk.Relation = inventory.RelationTransitive
			if direct[p.name] {
				pk.Relation = inventory.RelationDirect
			}
		}
		var notes []string
		if len(p.subspecs) > 0 {
			word := "subspec"
			if len(p.subspecs) > 1 {
				word = "subspecs"
			}
			notes = append(notes, word+" "+strings.Join(p.subspecs, ", "))
		}
		if s := sources[p.name]; s != "" {
			notes = append(notes, s)
		}
		pk.Note = strings.Join(notes, "; ")
		pkgs = append(pkgs, pk)
	}
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
}

// entryRE matches "Name (version)" and "Name (requirement)".
var entryRE = regexp.MustCompile(`^([^\s()]+)(?: \(([^()]*)\))?$`)

// parseEntry parses a PODS entry "Name (version)".
func parseEntry(s string) (name, version string, ok bool) {
	m := entryRE.FindStringSubmatch(s)
	if m == nil || strings.TrimSpace(m[2]) == "" || strings.HasPrefix(m[1], "/") {
		return "", "", false
	}
	return m[1], m[2], true
}

// directRoots returns the root pods DEPENDENCIES names, or nil when the
// lock has no DEPENDENCIES.
func directRoots(deps *yaml.Node, file string) (map[string]bool, error) {
	if deps == nil {
		return nil, nil
	}
	roots := map[string]bool{}
	if deps.Kind != yaml.SequenceNode {
		if deps.Tag == "!!null" {
			return roots, nil
		}
		return nil, inventory.Errorf(file, deps.Line, "DEPENDENCIES is %s, want a list; direct dependencies unknown", describe(deps))
	}
	var errs []error
	for _, d := range deps.Content {
		name, _, found := strings.Cut(d.Value, " (")
		if d.Kind != yaml.ScalarNode || name == "" || (found && !strings.HasSuffix(d.Value, ")")) {
			errs = append(errs, inventory.Errorf(file, d.Line, "DEPENDENCIES entry is %s, want \"Name\" or \"Name (requirement)\"", describe(d)))
			continue
		}
		root, _, _ := strings.Cut(name, "/")
		roots[root] = true
	}
	return roots, errors.Join(errs...)
}

// publicSpecRepos are the names and URLs of the public CocoaPods spec
// repository in SPEC REPOS.
var publicSpecRepos = map[string]bool{
	"trunk":                                  true,
	"https://github.com/cocoapods/specs.git": true,
	"https://github.com/CocoaPods/Specs.git": true,
	"https://github.com/CocoaPods/Specs":     true,
	"https://cdn.cocoapods.org/":             true,
}

// sourceNotes says where pods not from the public spec repository come
// from, by root pod name.
func sourceNotes(sections map[string]*yaml.Node) map[string]string {
	notes := map[string]string{}
	if repos := sections["SPEC REPOS"]; repos != nil && repos.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(repos.Content); i += 2 {
			repo := repos.Content[i].Value
			if publicSpecRepos[repo] || repos.Content[i+1].Kind != yaml.SequenceNode {
				continue
			}
			for _, n := range repos.Content[i+1].Content {
				notes[n.Value] = "from spec repo " + repo
			}
		}
	}
	checkout := options(sections["CHECKOUT OPTIONS"])
	for name, opts := range options(sections["EXTERNAL SOURCES"]) {
		var note string
		switch {
		case opts[":git"] != "":
			note = "from git " + opts[":git"]
			co := checkout[name]
			for _, k := range []string{":branch", ":tag", ":commit"} {
				if v := cmp.Or(co[k], opts[k]); v != "" {
					note += " " + strings.TrimPrefix(k, ":") + " " + v
				}
			}
		case opts[":path"] != "":
			note = "from path " + opts[":path"]
		case opts[":podspec"] != "":
			note = "from podspec " + opts[":podspec"]
		case opts[":http"] != "":
			note = "from " + opts[":http"]
		default:
			note = "from an external source"
		}
		notes[name] = note
	}
	return notes
}

// options reads a mapping of pod names to mappings of options (EXTERNAL
// SOURCES, CHECKOUT OPTIONS).
func options(n *yaml.Node) map[string]map[string]string {
	out := map[string]map[string]string{}
	if n == nil || n.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		name, value := n.Content[i].Value, n.Content[i+1]
		opts := map[string]string{}
		if value.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(value.Content); j += 2 {
				opts[value.Content[j].Value] = value.Content[j+1].Value
			}
		}
		out[name] = opts
	}
	return out
}

// describe names the kind of a YAML node for an error message.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}
