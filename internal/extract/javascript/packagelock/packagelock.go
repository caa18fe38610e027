// Package packagelock extracts npm packages from package-lock.json and
// npm-shrinkwrap.json, lockfileVersion 1, 2 and 3.
//
// # Formats
//
// Version 1 (npm 5 and 6) records the node_modules tree as nested
// "dependencies" objects. Versions 2 and 3 (npm 7 and later) record it as a
// flat "packages" map keyed by install path ("node_modules/a",
// "node_modules/a/node_modules/b", "packages/web/node_modules/c"); version 2
// also carries the version 1 tree for old npm releases. When "packages" is
// present it is used and "dependencies" is ignored.
//
// Every installed copy is one [inventory.Package], in file order, located at
// the line of its key. A package installed under an alias ("npm:" specifier)
// is reported under its real name, which is what advisories use, with the
// alias in the Note. Versions of git, tarball and file: dependencies are kept
// exactly as the lockfile records them, with the source in the Note.
//
// # Relation and scope
//
// The "" entry of "packages" is the project itself and every entry whose key
// has no node_modules segment ("packages/web") is a workspace or local folder;
// none of them is a dependency. A package is direct when Node's module
// resolution, started from the project or a workspace folder, finds it for a
// name that folder lists in dependencies, devDependencies,
// optionalDependencies or peerDependencies; every other package is
// transitive. Version 1 lockfiles do not list the project's own
// dependencies, so the package.json beside the lockfile is read through
// [inventory.Input.FS]: top-level entries it names are direct, the other
// top-level entries transitive, and without a package.json top-level entries
// have an unknown relation. Nested entries are always transitive.
//
// Scope is dev for "dev" or "devOptional" entries, optional for "optional"
// entries and prod otherwise.
//
// # Dependency graph, hashes and licences
//
// A package's ID is its install path ("node_modules/a/node_modules/b"), the
// key of its "packages" entry or, in version 1, the path of its nested
// entry. DependsOn lists the packages that Node's resolution, walking up the
// node_modules folders from the package's own, finds for the names in its
// dependencies, optionalDependencies and peerDependencies (version 2 and 3)
// or "requires" (version 1). Roots are the packages so found for the
// project's and workspaces' own lists (version 2 and 3), or the top-level
// entries the package.json beside a version 1 lockfile names. Names that
// resolve to nothing reported (not installed, a link to a workspace folder)
// are left out, logged at debug level unless optional or peer dependencies.
// Hashes are the "integrity" strings as written; Licenses is the "license"
// of a version 2 or 3 entry when it is a string.
//
// # Skipped entries
//
// Entries that are not registry packages are skipped and logged (see
// [WithLogger]) at debug level with their line and the reason: workspace and
// local folders, "link": true entries (symlinks to such folders) and entries
// without a version (optional peer dependencies npm did not install).
//
// # Errors
//
// An empty file is an error: npm itself refuses to read it, and treating it as
// "no dependencies" would hide a broken lockfile. So is a JSON object without
// lockfileVersion (every npm release that writes lockfiles writes it; a
// package.json has none) and a lockfileVersion above 3. Syntax errors carry
// the line and column; an entry with a field of the wrong type is reported
// with its line and the other entries are still returned.
//
// # Performance
//
// Lockfiles run to megabytes, so the file is read by a small validating JSON
// scanner (scan.go) that keeps only the fields used and the offset of each
// key, instead of encoding/json, which scans every byte twice and gives no
// key offsets. FuzzScanner checks that it accepts exactly what
// encoding/json accepts; BenchmarkExtract and BenchmarkEncodingJSON compare
// the two.
package packagelock

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/patchline/patchline/internal/extract/javascript/internal/packagejson"
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/textpos"
)

// Name is the extractor's name.
const Name = "javascript/packagelock"

// Extractor extracts packages from package-lock.json and npm-shrinkwrap.json.
type Extractor struct {
	log *slog.Logger
}

// Option configures an [Extractor].
type Option func(*Extractor)

// WithLogger makes the extractor log skipped entries to l at debug level.
func WithLogger(l *slog.Logger) Option {
	return func(e *Extractor) {
		if l != nil {
			e.log = l
		}
	}
}

// New returns an extractor. Without [WithLogger] it logs nothing.
func New(opts ...Option) *Extractor {
	e := &Extractor{log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(e)
	}
	return e
}

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether path is a package-lock.json or
// npm-shrinkwrap.json.
func (e *Extractor) FileRequired(p string) bool {
	base := p[strings.LastIndexByte(p, '/')+1:]
	return base == "package-lock.json" || base == "npm-shrinkwrap.json"
}

// Extract parses the lockfile in in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := readAll(in)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	p := &parser{
		ctx:   ctx,
		path:  in.Path,
		data:  data,
		lines: lineCounter{data: data, line: 1},
		log:   e.log,
	}
	return p.parse(in)
}

// readAll reads the input into a buffer sized from its file info or reader
// when they tell the size, which saves copying large lockfiles while growing.
func readAll(in *inventory.Input) ([]byte, error) {
	var size int64
	if in.Info != nil {
		size = in.Info.Size()
	} else if l, ok := in.Reader.(interface{ Len() int }); ok {
		size = int64(l.Len())
	}
	if size <= 0 || size > 1<<30 {
		return io.ReadAll(in.Reader)
	}
	var buf bytes.Buffer
	buf.Grow(int(size) + bytes.MinRead)
	_, err := buf.ReadFrom(in.Reader)
	return buf.Bytes(), err
}

// parser holds the state of one extraction.
type parser struct {
	ctx   context.Context
	path  string
	data  []byte
	lines lineCounter
	index *textpos.Index // built on the first error
	log   *slog.Logger
	errs  []error // problems confined to single entries; parsing went on
}

// lineCounter returns line numbers for offsets that mostly increase, counting
// newlines only since the previous offset.
type lineCounter struct {
	data []byte
	off  int
	line int
}

func (c *lineCounter) at(off int) int {
	if off < c.off {
		c.off, c.line = 0, 1
	}
	c.line += bytes.Count(c.data[c.off:off], []byte{'\n'})
	c.off = off
	return c.line
}

// errorAt returns a ParseError at a byte offset.
func (p *parser) errorAt(offset int, err error) error {
	if p.index == nil {
		p.index = textpos.New(p.data)
	}
	line, col := p.index.Position(int64(offset))
	return &inventory.ParseError{Path: p.path, Line: line, Column: col, Err: err}
}

// scanError turns an error of the scanner into a ParseError; what names the
// entry or field being read, for values of the wrong type.
func (p *parser) scanError(err error, what string) error {
	var se *syntaxError
	if errors.As(err, &se) {
		return p.errorAt(se.offset, fmt.Errorf("invalid JSON: %s", se.msg))
	}
	var te *typeError
	if errors.As(err, &te) {
		return p.errorAt(te.offset, fmt.Errorf("%s: %w", what, te))
	}
	return err
}

// entryError records a problem confined to one entry, whose other entries
// are still read.
func (p *parser) entryError(err error, what string) {
	p.errs = append(p.errs, p.scanError(err, what))
}

func (p *parser) parse(in *inventory.Input) (inventory.Inventory, error) {
	s := &scanner{data: p.data}
	if s.peek() != '{' {
		if s.pos >= len(p.data) {
			return inventory.Inventory{}, inventory.Errorf(p.path, 1, "empty file: a package-lock.json holds a JSON object (run `npm install` to write it)")
		}
		return inventory.Inventory{}, p.errorAt(s.pos, fmt.Errorf("not a package-lock.json: want a JSON object, got %s", quoteChar(p.data[s.pos])))
	}
	var (
		lockVersion  = -1
		versionAt    int // offset of the lockfileVersion key
		entries      []rawEntry
		havePackages bool
		v1Start      = -1
	)
	err := s.object(func(key []byte, keyEnd int) error {
		switch string(key) {
		case "lockfileVersion":
			versionAt = keyEnd
			if c := s.peek(); c != '-' && !isDigit(c) {
				return s.wrongType("number")
			}
			start := s.pos
			num, err := s.number()
			if err != nil {
				return err
			}
			v, err := strconv.Atoi(string(num))
			if err != nil {
				return p.errorAt(start, fmt.Errorf("lockfileVersion %s is not an integer", num))
			}
			lockVersion = v
			return nil
		case "packages":
			havePackages = true
			return p.readPackages(s, &entries)
		case "dependencies":
			s.ws()
			v1Start = s.pos
			return s.skip()
		default:
			return s.skip()
		}
	})
	if err == nil {
		err = s.end()
	}
	if err != nil {
		// Keep what was read: it is returned with the error.
		var inv inventory.Inventory
		if havePackages {
			inv.Packages, inv.Roots = p.packagesV2(entries)
		}
		return inv, errors.Join(append(p.errs, p.scanError(err, `"lockfileVersion"`))...)
	}
	if lockVersion < 0 {
		// Every npm release that writes lockfiles writes lockfileVersion; a
		// package.json, for one, has "dependencies" but no lockfileVersion.
		return inventory.Inventory{}, inventory.Errorf(p.path, 1, "not a package-lock.json: no lockfileVersion")
	}
	if lockVersion > 3 {
		// A newer format may mean something else by the same fields.
		return inventory.Inventory{}, p.errorAt(versionAt, fmt.Errorf("unsupported lockfileVersion %d: patchline reads 1 to 3", lockVersion))
	}
	var inv inventory.Inventory
	switch {
	case havePackages:
		inv.Packages, inv.Roots = p.packagesV2(entries)
	case v1Start >= 0:
		var err error
		inv, err = p.packagesV1(in, v1Start)
		if err != nil {
			p.errs = append(p.errs, err)
		}
	}
	return inv, errors.Join(p.errs...)
}

// deps is the part of a package.json that says what a folder depends on.
type deps struct {
	packagejson.Lists
	PeerDependencies map[string]string `json:"peerDependencies"`
}

// names calls f with every name the folder depends on.
func (d *deps) names(f func(string)) {
	for _, m := range []map[string]string{d.Dependencies, d.DevDependencies, d.OptionalDependencies, d.PeerDependencies} {
		for n := range m {
			f(n)
		}
	}
}

// readPackageJSON reads the package.json beside the lockfile. It returns nil
// and no error when there is none.
func readPackageJSON(in *inventory.Input) (*deps, error) {
	return packagejson.Read[deps](in, ".", "relations of top-level packages")
}

// scopeOf maps npm's flags to a scope. An entry that is both dev and optional
// is needed only to develop, so dev wins.
func scopeOf(dev, optional, devOptional bool) inventory.Scope {
	switch {
	case dev || devOptional:
		return inventory.ScopeDev
	case optional:
		return inventory.ScopeOptional
	default:
		return inventory.ScopeProd
	}
}

// sourceNote describes a resolved URL, or a version 1 "version", that does
// not come from a registry, or returns "".
func sourceNote(s string) string {
	for _, prefix := range []string{"git+", "git:", "git@", "github:", "gitlab:", "bitbucket:", "gist:", "file:"} {
		if strings.HasPrefix(s, prefix) {
			return "not from a registry: " + s
		}
	}
	return ""
}

// resolvedNote is sourceNote for a "packages" entry's resolved URL, which
// also flags tarball URLs that are not in a registry's "name/-/file.tgz"
// layout.
func resolvedNote(resolved string) string {
	if (strings.HasPrefix(resolved, "http://") || strings.HasPrefix(resolved, "https://")) && !strings.Contains(resolved, "/-/") {
		return "not from a registry: " + resolved
	}
	return sourceNote(resolved)
}

// versionNote is sourceNote for a version 1 "version", which holds the URL
// of a tarball dependency.
func versionNote(v string) string {
	if strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
		return "not from a registry: " + v
	}
	return sourceNote(v)
}

// splitAlias splits the target of an "npm:" alias ("npm:name@1.2.3" or
// "npm:@scope/name@1.2.3") into name and version.
func splitAlias(v string) (name, version string, ok bool) {
	rest, ok := strings.CutPrefix(v, "npm:")
	if !ok {
		return "", "", false
	}
	at := strings.LastIndexByte(rest, '@')
	if at <= 0 || at == len(rest)-1 {
		return "", "", false
	}
	return rest[:at], rest[at+1:], true
}

func joinNotes(notes ...string) string {
	var b strings.Builder
	for _, n := range notes {
		if n == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(n)
	}
	return b.String()
}
