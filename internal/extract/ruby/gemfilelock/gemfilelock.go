// Package gemfilelock extracts RubyGems packages from Bundler's lockfiles,
// Gemfile.lock and gems.locked.
//
// Every gem of a source section (GEM, GIT, PATH and PLUGIN SOURCE, each with
// "remote:" and "specs:") is a package, in file order, declared on its spec
// line ("    rack (2.0.5)"). A platform-specific spec ("nokogiri
// (1.10.4-x86_64-linux)") is listed with the version before the first "-",
// as Bundler reads it, and the platform in the Note; the variants of one gem
// version for several platforms are alternatives of which Bundler installs
// one, so they are listed once, from the first, with every platform in the
// Note. Gems from GIT, PATH and PLUGIN SOURCE sections keep their version
// and say where they come from in the Note.
//
// Relation: a gem named under DEPENDENCIES (what the Gemfile asks for; "!"
// marks a gem from a source other than the default) is direct, any other
// transitive.
//
// Scope: the lockfile does not record Bundler groups, so it comes from the
// Gemfile beside the lock (gems.rb beside gems.locked), when there is one;
// see [readGemfile] for what is read. A direct gem whose groups are all
// development or test is dev; one only in optional groups ("group :x,
// optional: true") is optional; any other (the default group, or a custom
// group such as :mysql, installed unless excluded) is prod. A direct gem the
// Gemfile does not name is unknown, except the development dependencies of
// a "gemspec" line, which are dev. Transitive gems take the widest scope of
// the direct gems that reach them through the specs' dependency lists: prod,
// else unknown, else optional, else dev; a gem no direct gem reaches is
// unknown. Without a Gemfile every scope is unknown.
//
// The graph: each gem's ID is "name@version" and its DependsOn lists the gems
// its dependency lines (six spaces in) name; the lock holds one version of a
// name per source and platform, so a name resolves to every gem of that name
// (almost always one). Roots are the gems named under DEPENDENCIES. The
// lockfile's CHECKSUMS section is not read, so Hashes stay empty.
package gemfilelock

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the extractor.
const Name = "ruby/gemfilelock"

// Extractor extracts packages from Gemfile.lock and gems.locked files.
type Extractor struct{}

// New returns a Bundler lockfile [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a Gemfile.lock or gems.locked.
func (e *Extractor) FileRequired(p string) bool {
	switch path.Base(p) {
	case "Gemfile.lock", "gems.locked":
		return true
	}
	return false
}

// spec is one gem of a source section.
type spec struct {
	name, version string
	platforms     []string // "" for the plain (ruby) variant
	source        string   // Note text for GIT, PATH and PLUGIN SOURCE gems
	sourceKind    string   // "GEM", "GIT", "PATH" or "PLUGIN SOURCE"
	section       int      // index of the source section, to tell sections apart
	line          int
	deps          []string // names from the dependency lines
}

// lock is a parsed lockfile.
type lock struct {
	specs   []*spec
	direct  map[string]bool // names under DEPENDENCIES; nil without the section
	deps    []string        // DEPENDENCIES names in file order
	sawPart bool            // a known section was seen
}

// Extract parses the lockfile in and the Gemfile beside it.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return inventory.Inventory{}, nil
	}
	lk, errs := parseLock(ctx, data, in.Path)
	if err := ctx.Err(); err != nil {
		return inventory.Inventory{}, err
	}
	if !lk.sawPart {
		return inventory.Inventory{}, inventory.Errorf(in.Path, 1,
			"no GEM, GIT, PATH, PLUGIN SOURCE or DEPENDENCIES section: not a Bundler lockfile")
	}
	gf, err := readGemfile(in)
	if err != nil {
		errs = append(errs, err)
	}
	scopes := scopesOf(lk, gf)
	ids, byName := specIDs(lk.specs)
	pkgs := make([]inventory.Package, 0, len(lk.specs))
	for i, s := range lk.specs {
		p := inventory.Package{
			Ecosystem: inventory.RubyGems,
			Name:      s.name,
			Version:   s.version,
			Location:  inventory.Location{File: in.Path, Line: s.line},
			ID:        ids[i],
		}
		if p.ID != "" {
			for _, d := range s.deps {
				for _, id := range byName[d] {
					if id != p.ID && !slices.Contains(p.DependsOn, id) {
						p.DependsOn = append(p.DependsOn, id)
					}
				}
			}
		}
		if lk.direct != nil {
			p.Relation = inventory.RelationTransitive
			if lk.direct[s.name] {
				p.Relation = inventory.RelationDirect
			}
		}
		p.Scope = scopes[s.name]
		var notes []string
		if s.source != "" {
			notes = append(notes, s.source)
		}
		if n := platformNote(s.platforms); n != "" {
			notes = append(notes, n)
		}
		if gf != nil && lk.direct[s.name] {
			if n := groupNote(gf.groups[s.name]); n != "" {
				notes = append(notes, n)
			}
		}
		p.Note = strings.Join(notes, "; ")
		pkgs = append(pkgs, p)
	}
	var roots []string
	for _, name := range lk.deps {
		roots = append(roots, byName[name]...)
	}
	return inventory.Inventory{Packages: pkgs, Roots: roots}, errors.Join(errs...)
}

// specIDs returns each spec's ID, "name@version" ("name@version (SECTION)"
// for a second spec of that name and version from another kind of source
// section; none for a further repeat), and the IDs of each name.
func specIDs(specs []*spec) ([]string, map[string][]string) {
	ids := make([]string, len(specs))
	byName := map[string][]string{}
	seen := map[string]bool{}
	for i, s := range specs {
		id := s.name + "@" + s.version
		if seen[id] {
			id += " (" + s.sourceKind + ")"
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		ids[i] = id
		byName[s.name] = append(byName[s.name], id)
	}
	return ids, byName
}

// platformNote says which platforms a gem version is locked for, when any
// is not the plain Ruby one.
func platformNote(platforms []string) string {
	if len(platforms) == 1 && platforms[0] == "" {
		return ""
	}
	names := make([]string, len(platforms))
	for i, p := range platforms {
		if p == "" {
			p = "ruby"
		}
		names[i] = p
	}
	if len(names) == 1 {
		return "platform " + names[0]
	}
	return "platforms " + strings.Join(names, ", ")
}

// groupNote names a direct gem's Bundler groups when one of them is neither
// development nor test, to explain its scope.
func groupNote(groups []group) string {
	custom := false
	for _, g := range groups {
		if g.name != "development" && g.name != "test" && g.name != "default" {
			custom = true
		}
	}
	if !custom {
		return ""
	}
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.name
		if g.optional {
			names[i] += " (optional)"
		}
	}
	return "Bundler groups " + strings.Join(names, ", ")
}

// Lockfile sections that list sources.
var sourceSections = map[string]bool{"GEM": true, "GIT": true, "PATH": true, "PLUGIN SOURCE": true}

// parseLock reads the lockfile line by line. It returns what parsed and an
// error for every line that did not.
func parseLock(ctx context.Context, data []byte, file string) (*lock, []error) {
	lk := &lock{}
	var errs []error
	bad := func(line int, format string, args ...any) {
		errs = append(errs, inventory.Errorf(file, line, format, args...))
	}
	// seen finds an earlier variant of the same gem version in the same
	// source section.
	seen := map[string]*spec{}
	var (
		section    string // current top-level section
		sectionIdx int
		inSpecs    bool
		opts       map[string]string // remote:, revision: and the like
		cur        *spec             // last spec, for its dependency lines
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
	for n := 1; sc.Scan(); n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return lk, errs
			}
		}
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if line[0] != ' ' {
			if isConflictMarker(line) {
				// Both sides of the conflict are read on, in the
				// section they are in.
				bad(n, "merge conflict marker %q: resolve the conflict and run `bundle install`", line)
				continue
			}
			section, inSpecs, cur = line, false, nil
			if sourceSections[line] {
				sectionIdx++
				opts = map[string]string{}
				lk.sawPart = true
			}
			if line == "DEPENDENCIES" {
				lk.sawPart = true
				lk.direct = map[string]bool{}
			}
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		text := line[indent:]
		switch {
		case sourceSections[section]:
			switch {
			case indent == 2 && text == "specs:":
				inSpecs = true
			case indent == 2 && !inSpecs:
				key, value, ok := strings.Cut(text, ": ")
				if !ok && strings.HasSuffix(text, ":") {
					key, ok = strings.TrimSuffix(text, ":"), true
				}
				if !ok {
					bad(n, "in %s: want \"key: value\" or \"specs:\", got %q", section, text)
					continue
				}
				opts[key] = value
			case indent == 4 && inSpecs:
				name, version, platform, ok := parseSpec(text)
				if !ok {
					bad(n, "in %s specs: want \"name (version)\", got %q", section, text)
					cur = nil
					continue
				}
				key := fmt.Sprintf("%d\x00%s\x00%s", sectionIdx, name, version)
				if s := seen[key]; s != nil {
					s.platforms = append(s.platforms, platform)
					cur = s
					continue
				}
				s := &spec{
					name: name, version: version, platforms: []string{platform},
					source: sourceNote(section, opts), sourceKind: section, section: sectionIdx, line: n,
				}
				seen[key] = s
				lk.specs = append(lk.specs, s)
				cur = s
			case indent == 6 && inSpecs:
				name, ok := parseDependency(text)
				if !ok {
					bad(n, "in %s specs: want a dependency \"name\" or \"name (requirement)\", got %q", section, text)
					continue
				}
				if cur != nil {
					cur.deps = append(cur.deps, name)
				}
			default:
				bad(n, "in %s: unexpected indentation of %d spaces", section, indent)
			}
		case section == "DEPENDENCIES":
			name, ok := parseDependency(strings.TrimSuffix(text, "!"))
			if indent != 2 || !ok {
				bad(n, "in DEPENDENCIES: want \"  name\" or \"  name (requirement)\", got %q", line)
				continue
			}
			if !lk.direct[name] {
				lk.deps = append(lk.deps, name)
			}
			lk.direct[name] = true
		}
		// PLATFORMS, RUBY VERSION, BUNDLED WITH, CHECKSUMS and unknown
		// sections hold no packages.
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("read %q: %w", file, err))
	}
	return lk, errs
}

func isConflictMarker(line string) bool {
	for _, m := range []string{"<<<<<<<", "=======", ">>>>>>>", "|||||||"} {
		if strings.HasPrefix(line, m) {
			return true
		}
	}
	return false
}

// parseSpec parses "name (version)" or "name (version-platform)", as
// Bundler's lockfile parser does: the version ends at the first "-".
func parseSpec(text string) (name, version, platform string, ok bool) {
	name, rest, ok := strings.Cut(text, " (")
	if !ok || !validName(name) || !strings.HasSuffix(rest, ")") {
		return "", "", "", false
	}
	rest = strings.TrimSuffix(rest, ")")
	version, platform, _ = strings.Cut(rest, "-")
	if version == "" || strings.ContainsAny(version, " ()") || strings.ContainsAny(platform, " ()") {
		return "", "", "", false
	}
	return name, version, platform, true
}

// parseDependency returns the name of "name" or "name (requirement)".
func parseDependency(text string) (string, bool) {
	name, rest, found := strings.Cut(text, " (")
	if found && !strings.HasSuffix(rest, ")") {
		return "", false
	}
	return name, validName(name)
}

// validName reports whether s can be a gem name: not empty, no spaces or
// parentheses.
func validName(s string) bool {
	return s != "" && !strings.ContainsAny(s, " \t()!")
}

// sourceNote says where a gem of a GIT, PATH or PLUGIN SOURCE section comes
// from.
func sourceNote(section string, opts map[string]string) string {
	remote := opts["remote"]
	switch section {
	case "GIT":
		note := "from git " + remote
		for _, k := range []string{"branch", "tag", "ref"} {
			if v := opts[k]; v != "" {
				note += fmt.Sprintf(" %s %s", k, v)
			}
		}
		if v := opts["revision"]; v != "" {
			note += " revision " + v
		}
		return note
	case "PATH":
		return "from path " + remote
	case "PLUGIN SOURCE":
		note := "from plugin source " + remote
		if t := opts["type"]; t != "" {
			note += " (type " + t + ")"
		}
		return note
	}
	return ""
}

// scopesOf returns each gem's scope: direct gems from the Gemfile,
// transitive ones by reachability. It returns nil (every scope unknown)
// without a Gemfile.
func scopesOf(lk *lock, gf *gemfile) map[string]inventory.Scope {
	if gf == nil || lk.direct == nil {
		return nil
	}
	graph := map[string][]string{}
	fromPath := map[string]bool{}
	for _, s := range lk.specs {
		graph[s.name] = append(graph[s.name], s.deps...)
		if s.sourceKind == "PATH" {
			fromPath[s.name] = true
		}
	}
	// rank orders scopes from narrowest to widest.
	rank := map[inventory.Scope]int{inventory.ScopeDev: 1, inventory.ScopeOptional: 2, inventory.ScopeUnknown: 3, inventory.ScopeProd: 4}
	best := map[string]int{} // widest rank reaching each gem
	for _, name := range lk.deps {
		scope, ok := gf.scope(name)
		if !ok {
			switch {
			case gf.gemspec && fromPath[name]:
				scope = inventory.ScopeProd // the gemspec's own gem
			case gf.gemspec:
				scope = inventory.ScopeDev // a development dependency of the gemspec
			default:
				scope = inventory.ScopeUnknown
			}
		}
		r := rank[scope]
		stack := []string{name}
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if best[n] >= r {
				continue
			}
			best[n] = r
			stack = append(stack, graph[n]...)
		}
	}
	scopes := map[string]inventory.Scope{}
	for name, r := range best {
		for s, sr := range rank {
			if sr == r {
				scopes[name] = s
			}
		}
	}
	return scopes
}

// readGemfile reads the Gemfile beside the lock (gems.rb beside
// gems.locked), or returns nil when there is none.
func readGemfile(in *inventory.Input) (*gemfile, error) {
	if in.FS == nil || in.FSPath == "" {
		return nil, nil
	}
	base := "Gemfile"
	if path.Base(in.FSPath) == "gems.locked" {
		base = "gems.rb"
	}
	shown := path.Join(path.Dir(in.Path), base)
	data, err := fs.ReadFile(in.FS, path.Join(path.Dir(in.FSPath), base))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %q to tell dev from prod gems: %w", shown, err)
	}
	return parseGemfile(data), nil
}
