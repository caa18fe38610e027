package packagelock

import (
	"fmt"
	"slices"

	"github.com/patchline/patchline/internal/inventory"
)

// nodeV1 is one entry of a version 1 "dependencies" tree.
type nodeV1 struct {
	key      string // folder name under node_modules
	path     string // install path: "node_modules/a/node_modules/b"
	line     int
	depth    int // 0 for the project's own node_modules
	version  string
	dev      bool
	optional bool
	bundled  bool
	bad      bool // a field did not decode; already reported

	integrity string
	requires  []string // names in "requires", in file order
}

// packagesV1 reads the version 1 "dependencies" tree that starts at offset
// start of the file.
func (p *parser) packagesV1(in *inventory.Input, start int) (inventory.Inventory, error) {
	var nodes []nodeV1
	s := &scanner{data: p.data, pos: start}
	walkErr := p.walkV1(s, 0, "", &nodes)
	if walkErr != nil {
		walkErr = p.scanError(walkErr, `"dependencies"`)
	}

	manifest, manifestErr := readPackageJSON(in)
	if manifestErr != nil {
		p.errs = append(p.errs, manifestErr)
	}
	var direct map[string]bool
	if manifest != nil {
		direct = make(map[string]bool)
		manifest.names(func(n string) { direct[n] = true })
	}

	pkgs := make([]inventory.Package, 0, len(nodes))
	at := make(map[string]int, len(nodes)) // install path to index in pkgs
	for _, n := range nodes {
		if n.bad {
			continue
		}
		if n.version == "" {
			p.skip(n.line, n.key, "no version: not installed")
			continue
		}
		if n.key == "" {
			p.errs = append(p.errs, inventory.Errorf(p.path, n.line, "dependency with an empty name"))
			continue
		}
		name, ver := n.key, n.version
		var aliasNote string
		if an, av, ok := splitAlias(ver); ok {
			name, ver = an, av
			aliasNote = fmt.Sprintf("installed as alias %q", n.key)
		}
		rel := inventory.RelationTransitive
		if n.depth == 0 {
			switch {
			case direct == nil:
				rel = inventory.RelationUnknown
			case direct[n.key]:
				rel = inventory.RelationDirect
			}
		}
		var bundled string
		if n.bundled {
			bundled = "bundled inside its parent package"
		}
		if _, dup := at[n.path]; dup {
			// The same key twice in one object: JSON lets the last win, but
			// both are reported as before; only the first gets the ID.
			n.path = ""
		} else {
			at[n.path] = len(pkgs)
		}
		pkgs = append(pkgs, inventory.Package{
			Ecosystem: inventory.Npm,
			Name:      name,
			Version:   ver,
			Relation:  rel,
			Scope:     scopeOf(n.dev, n.optional, false),
			Location:  inventory.Location{File: p.path, Line: n.line},
			Note:      joinNotes(aliasNote, versionNote(ver), bundled),
			ID:        n.path,
			Hashes:    integrityHashes(n.integrity),
		})
	}
	inv := inventory.Inventory{Packages: pkgs}
	p.edgesV1(nodes, at, &inv, manifest)
	return inv, walkErr
}

// edgesV1 fills the DependsOn of the packages from the "requires" of the
// nodes, resolved as Node would from each node's install path, and the
// Roots from the package.json's lists (top-level entries only).
func (p *parser) edgesV1(nodes []nodeV1, at map[string]int, inv *inventory.Inventory, manifest *deps) {
	lookup := func(key string) (int, bool) {
		i, ok := at[key]
		return i, ok
	}
	for _, n := range nodes {
		i, ok := at[n.path]
		if !ok || n.bad || len(n.requires) == 0 || inv.Packages[i].ID != n.path {
			continue
		}
		var out []string
		seen := make(map[int]bool, len(n.requires))
		for _, name := range n.requires {
			j, ok := resolveWith(lookup, n.path, name)
			if !ok {
				p.log.Debug("dependency not resolved", "file", p.path, "line", n.line, "key", n.path, "dependency", name)
				continue
			}
			if !seen[j] {
				seen[j] = true
				out = append(out, inv.Packages[j].ID)
			}
		}
		inv.Packages[i].DependsOn = out
	}
	if manifest == nil {
		return
	}
	seen := make(map[int]bool)
	for _, d := range manifest.Lists.All() {
		if j, ok := at["node_modules/"+d.Name]; ok && !seen[j] {
			seen[j] = true
			inv.Roots = append(inv.Roots, inv.Packages[j].ID)
		}
	}
	for n := range manifest.PeerDependencies {
		if j, ok := at["node_modules/"+n]; ok && !seen[j] {
			seen[j] = true
			inv.Roots = append(inv.Roots, inv.Packages[j].ID)
		}
	}
	// Map order above; keep Roots stable.
	sortByIndex(inv.Roots, at)
}

// sortByIndex sorts IDs by the position of their packages.
func sortByIndex(ids []string, at map[string]int) {
	slices.SortFunc(ids, func(a, b string) int { return at[a] - at[b] })
}

// walkV1 reads one "dependencies" object and, recursively, the objects nested
// in it, appending an entry to nodes for each key in file order.
func (p *parser) walkV1(s *scanner, depth int, parent string, nodes *[]nodeV1) error {
	if depth > maxDepth {
		return s.errorf("exceeded max depth")
	}
	return s.objectOrSkip(func(rawKey []byte, keyEnd int) error {
		if len(*nodes)%ctxCheckEvery == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
		}
		key := string(rawKey)
		i := len(*nodes)
		installPath := "node_modules/" + key
		if parent != "" {
			installPath = parent + "/" + installPath
		}
		*nodes = append(*nodes, nodeV1{key: key, path: installPath, line: p.lines.at(keyEnd), depth: depth})
		err := s.objectOrSkip(func(field []byte, _ int) error {
			// walkV1 appends to nodes, so no pointer into it is kept.
			n := (*nodes)[i]
			var err error
			switch string(field) {
			case "version":
				n.version, err = s.stringOrSkip()
			case "dev":
				n.dev, err = s.boolValue()
			case "optional":
				n.optional, err = s.boolValue()
			case "bundled":
				n.bundled, err = s.boolValue()
			case "integrity":
				if s.peek() != '"' {
					return s.skip()
				}
				n.integrity, err = s.stringValue()
			case "requires":
				if s.peek() != '{' {
					// npm 5 wrote "requires": true at the top; not a list.
					return s.skip()
				}
				err = s.object(func(name []byte, _ int) error {
					n.requires = append(n.requires, string(name))
					return s.skip()
				})
			case "dependencies":
				err = p.walkV1(s, depth+1, installPath, nodes)
			default:
				// "resolved" is false in some npm 6 lockfiles: not needed, not read.
				err = s.skip()
			}
			if string(field) != "dependencies" {
				(*nodes)[i] = n
			}
			if isTypeError(err) {
				p.entryError(err, fmt.Sprintf("dependency %q, field %q", key, field))
				(*nodes)[i].bad = true
				return nil
			}
			return err
		})
		if isTypeError(err) {
			p.entryError(err, fmt.Sprintf("dependency %q", key))
			(*nodes)[i].bad = true
			return nil
		}
		return err
	})
}
