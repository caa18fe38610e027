package yarnlock

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/patchline/patchline/internal/extract/internal/yamllock"
	"github.com/patchline/patchline/internal/extract/javascript/internal/packagejson"
	"github.com/patchline/patchline/internal/inventory"
)

// berry parses a Yarn 2+ lockfile: a YAML mapping from descriptor lists
// ("a@npm:^1.0.0, a@npm:^1.2.0") to entries with version, resolution
// ("a@npm:1.2.3") and dependencies, plus a __metadata entry.
func (p *parser) berry(data []byte) (inventory.Inventory, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return inventory.Inventory{}, nil
		}
		return inventory.Inventory{}, yamllock.DecodeError(p.path, err)
	}
	if len(doc.Content) == 0 {
		return inventory.Inventory{}, nil
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return inventory.Inventory{}, inventory.Errorf(p.path, top.Line, "want a mapping of lockfile entries, got %s", yamllock.KindName(top))
	}
	var entries []entry
	byResolution := make(map[string]int)
	for i := 0; i+1 < len(top.Content); i += 2 {
		if i%(2*ctxCheckEvery) == 0 {
			if err := p.ctx.Err(); err != nil {
				return inventory.Inventory{}, err
			}
		}
		k, v := top.Content[i], top.Content[i+1]
		if k.Value == "__metadata" {
			continue
		}
		e, resolution, err := p.berryEntry(k, v)
		if err != nil {
			p.errs = append(p.errs, err)
			e.bad = true
		}
		if resolution != "" {
			byResolution[resolution] = len(entries)
		}
		entries = append(entries, e)
	}
	p.mergePatches(entries, byResolution)

	project, err := p.readManifest(".")
	if err != nil {
		p.errs = append(p.errs, err)
	}
	g := newGraph(entries, true, project.overrides())
	var (
		roots      []packagejson.Dependency
		direct     = make([]bool, len(entries))
		workspaces int
	)
	for _, e := range entries {
		if !e.isWorkspace || e.bad {
			continue
		}
		workspaces++
		m := project
		if e.workspace != "." {
			if m, err = p.readManifest(e.workspace); err != nil {
				p.errs = append(p.errs, err)
			}
		}
		for _, d := range e.deps {
			if j, ok := g.resolve(d.name, d.rng); ok {
				direct[j] = true
			}
			roots = append(roots, packagejson.Dependency{Name: d.name, Range: d.rng, Scope: m.scopeIn(d.name)})
		}
	}
	if workspaces == 0 {
		direct = nil
	}
	return p.packages(g, direct, g.scopes(roots), roots), nil
}

// berryEntry reads one entry. It returns the entry's resolution, by which
// patch entries find the entry they patch.
func (p *parser) berryEntry(k, v *yaml.Node) (entry, string, error) {
	e := entry{line: k.Line, patchOf: -1}
	for _, s := range strings.Split(k.Value, ",") {
		if s = strings.TrimSpace(s); s != "" {
			e.specs = append(e.specs, s)
		}
	}
	if len(e.specs) == 0 {
		return e, "", inventory.Errorf(p.path, k.Line, "entry with an empty key")
	}
	if v.Kind != yaml.MappingNode {
		return e, "", inventory.Errorf(p.path, v.Line, "entry %q: want a mapping, got %s", truncate(k.Value), yamllock.KindName(v))
	}
	var (
		resolution string
		optional   = map[string]bool{}
	)
	for i := 0; i+1 < len(v.Content); i += 2 {
		fk, fv := v.Content[i], v.Content[i+1]
		switch fk.Value {
		case "version":
			if fv.Kind != yaml.ScalarNode {
				return e, "", inventory.Errorf(p.path, fv.Line, "entry %q: version: want a string, got %s", truncate(k.Value), yamllock.KindName(fv))
			}
			e.version = fv.Value
		case "resolution":
			if fv.Kind != yaml.ScalarNode {
				return e, "", inventory.Errorf(p.path, fv.Line, "entry %q: resolution: want a string, got %s", truncate(k.Value), yamllock.KindName(fv))
			}
			resolution = fv.Value
		case "dependencies":
			if fv.Kind != yaml.MappingNode {
				return e, "", inventory.Errorf(p.path, fv.Line, "entry %q: dependencies: want a mapping, got %s", truncate(k.Value), yamllock.KindName(fv))
			}
			for j := 0; j+1 < len(fv.Content); j += 2 {
				e.deps = append(e.deps, edge{name: fv.Content[j].Value, rng: fv.Content[j+1].Value})
			}
		case "checksum":
			if fv.Kind == yaml.ScalarNode && fv.Value != "" {
				// "10c0/<hex>": a cache key, then the SHA-512 of Yarn's archive.
				sum := fv.Value
				if _, after, ok := strings.Cut(sum, "/"); ok {
					sum = after
				}
				e.hash = "sha512:" + sum
			}
		case "dependenciesMeta":
			for j := 0; fv.Kind == yaml.MappingNode && j+1 < len(fv.Content); j += 2 {
				meta := fv.Content[j+1]
				for m := 0; meta.Kind == yaml.MappingNode && m+1 < len(meta.Content); m += 2 {
					if meta.Content[m].Value == "optional" && meta.Content[m+1].Value == "true" {
						optional[fv.Content[j].Value] = true
					}
				}
			}
		}
	}
	for i := range e.deps {
		e.deps[i].optional = optional[e.deps[i].name]
	}
	if resolution == "" {
		return e, "", inventory.Errorf(p.path, k.Line, "entry %q has no resolution", truncate(k.Value))
	}
	if e.version == "" {
		return e, resolution, inventory.Errorf(p.path, k.Line, "entry %q has no version", truncate(k.Value))
	}
	e.resolution = resolution
	name, ref := splitDescriptor(resolution)
	e.name = name
	if keyName, _ := splitDescriptor(e.specs[0]); keyName != name {
		e.alias = keyName
	}
	protocol, _, _ := strings.Cut(ref, ":")
	switch protocol {
	case "npm":
	case "workspace":
		e.isWorkspace = true
		e.workspace = strings.TrimPrefix(ref, "workspace:")
		e.skip = fmt.Sprintf("workspace %q, not a registry package", e.workspace)
	case "link", "portal":
		e.skip = fmt.Sprintf("%s: to a local folder, not a registry package", protocol)
	case "patch":
		// Merged with the entry it patches by mergePatches.
		e.isPatch = true
		e.note = "patched with Yarn's patch: protocol"
	default:
		e.note = "not from a registry: " + ref
	}
	return e, resolution, nil
}

// mergePatches points each patch entry at the entry it patches, which is
// reported in its place; a patch of an entry not in the lockfile is reported
// under the original's name.
func (p *parser) mergePatches(entries []entry, byResolution map[string]int) {
	for i := range entries {
		e := &entries[i]
		if e.bad || !e.isPatch {
			continue
		}
		orig := patchedLocator(e.resolution)
		j, ok := byResolution[orig]
		if !ok || j == i || entries[j].bad || entries[j].patchOf >= 0 {
			if name, _ := splitDescriptor(orig); name != "" {
				e.name = name
			}
			continue
		}
		e.patchOf = j
		e.skip = fmt.Sprintf("patch of %q, reported at line %d", orig, entries[j].line)
		entries[j].note = joinNotes(entries[j].note, fmt.Sprintf("patched with Yarn's patch: protocol (line %d)", e.line))
	}
}

// patchedLocator returns the locator a patch resolution patches:
// "resolve@patch:resolve@npm%3A1.22.3#~builtin<compat/resolve>::..." gives
// "resolve@npm:1.22.3".
func patchedLocator(resolution string) string {
	_, ref := splitDescriptor(resolution)
	inner, _, _ := strings.Cut(strings.TrimPrefix(ref, "patch:"), "#")
	if u, err := url.PathUnescape(inner); err == nil {
		inner = u
	}
	return inner
}
