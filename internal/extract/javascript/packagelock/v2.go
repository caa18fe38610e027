package packagelock

import (
	"fmt"
	"path"
	"strings"

	"github.com/patchline/patchline/internal/inventory"
)

// entryV2 is one value of the "packages" map, with the fields patchline uses.
type entryV2 struct {
	name        string
	version     string
	resolved    string
	link        bool
	dev         bool
	optional    bool
	devOptional bool
	inBundle    bool
	extraneous  bool
	integrity   string
	license     string
}

// rawEntry is one key of the "packages" map with its value.
type rawEntry struct {
	key    string
	line   int
	folder bool // key has no node_modules segment: project, workspace or local folder
	entry  entryV2
	deps   []depName // names the entry depends on, in file order
	bad    bool      // the value did not read; already reported
}

// depName is a name in one of an entry's dependency lists.
type depName struct {
	name string
	// quiet: an optionalDependencies or peerDependencies name, which npm
	// may leave uninstalled; not finding it is not worth a log line.
	quiet bool
}

// ctxCheckEvery is how many entries are parsed between checks of ctx.
const ctxCheckEvery = 256

// readPackages reads the "packages" object entry by entry, keeping each key's
// line, and appends the entries to entries.
func (p *parser) readPackages(s *scanner, entries *[]rawEntry) error {
	err := s.objectOrSkip(func(rawKey []byte, keyEnd int) error {
		if len(*entries)%ctxCheckEvery == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
		}
		key := string(rawKey)
		r := rawEntry{key: key, line: p.lines.at(keyEnd), folder: !isInstallPath(key)}
		err := s.objectOrSkip(func(field []byte, _ int) error {
			err := p.readFieldV2(s, &r, field)
			if isTypeError(err) {
				p.entryError(err, fmt.Sprintf("entry %q, field %q", key, field))
				r.bad = true
				return nil
			}
			return err
		})
		if isTypeError(err) {
			p.entryError(err, fmt.Sprintf("entry %q", key))
			r.bad = true
			err = nil
		}
		*entries = append(*entries, r)
		return err
	})
	if isTypeError(err) {
		return p.scanError(err, `"packages"`)
	}
	return err
}

// readFieldV2 reads the value of one field of a "packages" entry.
func (p *parser) readFieldV2(s *scanner, r *rawEntry, field []byte) error {
	e := &r.entry
	var err error
	switch string(field) {
	case "name":
		e.name, err = s.stringOrSkip()
	case "version":
		e.version, err = s.stringOrSkip()
	case "resolved":
		if s.peek() != '"' {
			// Not a URL (npm 6 wrote false for some bundled packages): not needed.
			return s.skip()
		}
		e.resolved, err = s.stringValue()
	case "link":
		e.link, err = s.boolValue()
	case "dev":
		e.dev, err = s.boolValue()
	case "optional":
		e.optional, err = s.boolValue()
	case "devOptional":
		e.devOptional, err = s.boolValue()
	case "inBundle":
		e.inBundle, err = s.boolValue()
	case "extraneous":
		e.extraneous, err = s.boolValue()
	case "integrity":
		if s.peek() != '"' {
			return s.skip()
		}
		e.integrity, err = s.stringValue()
	case "license":
		if s.peek() != '"' {
			// Old packages wrote {"type": ...} objects; not an SPDX expression.
			return s.skip()
		}
		e.license, err = s.stringValue()
	case "dependencies", "devDependencies", "optionalDependencies", "peerDependencies":
		if !r.folder && string(field) == "devDependencies" {
			// Not installed for a dependency; npm does not write them.
			return s.skip()
		}
		quiet := string(field) == "optionalDependencies" || string(field) == "peerDependencies"
		err = s.objectOrSkip(func(name []byte, _ int) error {
			r.deps = append(r.deps, depName{name: string(name), quiet: quiet})
			return s.skip()
		})
	default:
		return s.skip()
	}
	return err
}

// isInstallPath reports whether a "packages" key is a folder inside some
// node_modules, that is an installed package.
func isInstallPath(key string) bool {
	return strings.HasPrefix(key, "node_modules/") || strings.Contains(key, "/node_modules/")
}

// installedName returns the folder name a package is installed under: the
// part of key after its last node_modules segment.
func installedName(key string) string {
	const nm = "node_modules/"
	return key[strings.LastIndex(key, nm)+len(nm):]
}

// packagesV2 turns "packages" entries into packages, and returns them with
// the IDs of the packages the project depends on directly.
func (p *parser) packagesV2(entries []rawEntry) ([]inventory.Package, []string) {
	index := make(map[string]int, len(entries))
	for i, r := range entries {
		index[r.key] = i
	}
	direct := make([]bool, len(entries))
	haveRoot := false
	for _, r := range entries {
		if !r.folder || r.bad {
			continue
		}
		if r.key == "" {
			haveRoot = true
		}
		for _, d := range r.deps {
			if i, ok := resolve(index, r.key, d.name); ok {
				direct[i] = true
			}
		}
	}

	pkgs := make([]inventory.Package, 0, len(entries))
	at := make([]int, len(entries)) // index in pkgs of each entry's package, or -1
	for i, r := range entries {
		at[i] = -1
		if r.bad {
			continue
		}
		if r.folder {
			if r.key != "" {
				p.skip(r.line, r.key, "workspace or local folder, not a registry package")
			}
			continue
		}
		e := &r.entry
		if e.link {
			p.skip(r.line, r.key, fmt.Sprintf("link to folder %q, not a registry package", e.resolved))
			continue
		}
		if e.version == "" {
			p.skip(r.line, r.key, "no version: not installed (e.g. an optional peer dependency)")
			continue
		}
		alias := installedName(r.key)
		if alias == "" && e.name == "" {
			p.errs = append(p.errs, inventory.Errorf(p.path, r.line, "entry %q: no package name after node_modules/", r.key))
			continue
		}
		name, version := alias, e.version
		var aliasNote string
		if e.name != "" && e.name != alias {
			name = e.name
			aliasNote = fmt.Sprintf("installed as alias %q", alias)
		}
		if n, v, ok := splitAlias(version); ok {
			// Not written by npm in "packages", but cheap to honour.
			name, version = n, v
			aliasNote = fmt.Sprintf("installed as alias %q", alias)
		}
		rel := inventory.RelationTransitive
		switch {
		case direct[i]:
			rel = inventory.RelationDirect
		case !haveRoot && !strings.Contains(r.key, "/node_modules/"):
			rel = inventory.RelationUnknown
		}
		src := resolvedNote(e.resolved)
		if src == "" {
			src = sourceNote(version)
		}
		var bundled, extraneous string
		if e.inBundle {
			bundled = "bundled inside its parent package"
		}
		if e.extraneous {
			extraneous = "extraneous: installed but not required by anything"
		}
		var licenses []string
		if e.license != "" {
			licenses = []string{e.license}
		}
		at[i] = len(pkgs)
		pkgs = append(pkgs, inventory.Package{
			Ecosystem: inventory.Npm,
			Name:      name,
			Version:   version,
			Relation:  rel,
			Scope:     scopeOf(e.dev, e.optional, e.devOptional),
			Location:  inventory.Location{File: p.path, Line: r.line},
			Note:      joinNotes(aliasNote, src, bundled, extraneous),
			ID:        r.key,
			Hashes:    integrityHashes(e.integrity),
			Licenses:  licenses,
		})
	}
	roots := p.edgesV2(entries, index, at, pkgs)
	return pkgs, roots
}

// edgesV2 fills the DependsOn of pkgs (at maps entries to them) by resolving
// each entry's dependency names as Node would, and returns the IDs of the
// packages that the project and its workspaces depend on directly. A name
// that resolves to nothing reported (not installed, a link to a folder) is
// left out.
func (p *parser) edgesV2(entries []rawEntry, index map[string]int, at []int, pkgs []inventory.Package) []string {
	var roots []string
	rootSeen := make(map[int]bool)
	for i, r := range entries {
		if r.bad || len(r.deps) == 0 || !r.folder && at[i] < 0 {
			continue
		}
		var out []string
		seen := make(map[int]bool, len(r.deps))
		for _, d := range r.deps {
			j, ok := resolve(index, r.key, d.name)
			if !ok || at[j] < 0 {
				if !d.quiet {
					p.log.Debug("dependency not resolved", "file", p.path, "line", r.line, "key", r.key, "dependency", d.name)
				}
				continue
			}
			if r.folder {
				if !rootSeen[j] {
					rootSeen[j] = true
					roots = append(roots, pkgs[at[j]].ID)
				}
				continue
			}
			if !seen[j] {
				seen[j] = true
				out = append(out, pkgs[at[j]].ID)
			}
		}
		if !r.folder {
			pkgs[at[i]].DependsOn = out
		}
	}
	return roots
}

// resolve finds the entry Node would load for name required from folder:
// folder/node_modules/name, then the same in each parent folder up to the
// project root. Node resolves a folder outside the project ("../lib", linked
// with file:) from its real path, so the project's node_modules is not
// searched for it.
func resolve(index map[string]int, folder, name string) (int, bool) {
	return resolveWith(func(key string) (int, bool) {
		i, ok := index[key]
		return i, ok
	}, folder, name)
}

// resolveWith is [resolve] with the install paths looked up by lookup.
func resolveWith(lookup func(key string) (int, bool), folder, name string) (int, bool) {
	outside := isOutside(folder)
	dir := folder
	for {
		key := "node_modules/" + name
		if dir != "" {
			key = dir + "/" + key
		}
		if i, ok := lookup(key); ok {
			return i, true
		}
		if dir == "" {
			return 0, false
		}
		parent := path.Dir(dir)
		if parent == "." || parent == "/" {
			parent = ""
		}
		if parent == dir || outside && !isOutside(parent) {
			return 0, false
		}
		dir = parent
	}
}

func isOutside(folder string) bool {
	return folder == ".." || strings.HasPrefix(folder, "../")
}

// skip logs an entry that is not reported as a package.
func (p *parser) skip(line int, key, reason string) {
	p.log.Debug("skipped lockfile entry", "file", p.path, "line", line, "key", key, "reason", reason)
}

// integrityHashes splits an "integrity" value (one or more space-separated
// Subresource Integrity strings) into hashes as written; nil when empty.
func integrityHashes(integrity string) []string {
	if f := strings.Fields(integrity); len(f) > 0 {
		return f
	}
	return nil
}
