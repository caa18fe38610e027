package packagelock

import (
	"fmt"

	"github.com/patchline/patchline/internal/inventory"
)

// nodeV1 is one entry of a version 1 "dependencies" tree.
type nodeV1 struct {
	key      string // folder name under node_modules
	line     int
	depth    int // 0 for the project's own node_modules
	version  string
	dev      bool
	optional bool
	bundled  bool
	bad      bool // a field did not decode; already reported
}

// packagesV1 reads the version 1 "dependencies" tree that starts at offset
// start of the file.
func (p *parser) packagesV1(in *inventory.Input, start int) ([]inventory.Package, error) {
	var nodes []nodeV1
	s := &scanner{data: p.data, pos: start}
	walkErr := p.walkV1(s, 0, &nodes)
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
		pkgs = append(pkgs, inventory.Package{
			Ecosystem: inventory.Npm,
			Name:      name,
			Version:   ver,
			Relation:  rel,
			Scope:     scopeOf(n.dev, n.optional, false),
			Location:  inventory.Location{File: p.path, Line: n.line},
			Note:      joinNotes(aliasNote, versionNote(ver), bundled),
		})
	}
	return pkgs, walkErr
}

// walkV1 reads one "dependencies" object and, recursively, the objects nested
// in it, appending an entry to nodes for each key in file order.
func (p *parser) walkV1(s *scanner, depth int, nodes *[]nodeV1) error {
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
		*nodes = append(*nodes, nodeV1{key: key, line: p.lines.at(keyEnd), depth: depth})
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
			case "dependencies":
				err = p.walkV1(s, depth+1, nodes)
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
