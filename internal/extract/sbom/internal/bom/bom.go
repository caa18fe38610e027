// Package bom holds what the SBOM extractors (CycloneDX and SPDX) share:
// one policy for turning an SBOM's entry into an [inventory.Package]
// through its package URL, telling direct from transitive dependencies
// through the SBOM's dependency graph, and telling the syntax of a file
// from its first byte.
//
// # Entries without a usable package URL
//
// An SBOM lists what a generator found, and not everything it lists has a
// package URL patchline can match: an operating system, a library found
// without its coordinates, a Debian package (a PURL type patchline has no
// ecosystem for). Such an entry is not dropped: it is listed as a package
// with no ecosystem, an empty Version so that it is never matched, the
// version the SBOM gives as Requirement, and a Note saying why it was not
// checked. A PURL of a supported type without a version gives the PURL's
// ecosystem and name, and the entry's own version field as Version when it
// has one (with a Note saying so), else no version. A package URL that is
// not valid at all, and an entry with neither name nor PURL, are errors in
// the file, reported with the entry's line like any other malformed entry.
package bom

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/purl"
)

// Entry is what the extractors read from one CycloneDX component or SPDX
// package.
type Entry struct {
	// Ref is the entry's identifier in the dependency graph (bom-ref,
	// SPDXID), "" when it has none.
	Ref string
	// Name is the entry's name as the SBOM shows it.
	Name string
	// Version is the entry's own version field.
	Version string
	// PURL is the entry's package URL, "" when it has none.
	PURL  string
	Scope inventory.Scope
	Line  int
}

// Notes of packages that are listed but not checked.
const (
	NoteNoPURL         = "no package URL: not checked for vulnerabilities"
	noteNoVersion      = "the package URL has no version: not checked for vulnerabilities"
	noteVersionOfEntry = "version from the SBOM entry, not its package URL"
)

// Package turns e, found in file, into a package. The error is not nil for
// a package URL that is not valid, or an entry with neither name nor
// package URL; the caller reports it with the entry's line and leaves the
// entry out.
func (e Entry) Package(file string) (inventory.Package, error) {
	given := e.Version
	if !exact(given) {
		given = "" // SPDX's NOASSERTION and NONE say nothing
	}
	p := inventory.Package{
		Name:     e.Name,
		Scope:    e.Scope,
		Location: inventory.Location{File: file, Line: e.Line},
	}
	e.PURL = strings.TrimSpace(e.PURL)
	if e.PURL == "" {
		if e.Name == "" {
			return inventory.Package{}, errors.New("no name and no package URL")
		}
		p.Requirement = given
		p.Note = NoteNoPURL
		return p, nil
	}
	eco, name, version, err := purl.ToPackage(e.PURL)
	switch {
	case err == nil:
		p.Ecosystem, p.Name, p.Version = eco, name, version
	case errors.Is(err, purl.ErrNoVersion):
		p.Ecosystem, p.Name = eco, name
		if given != "" {
			// The entry's own version field is as much the SBOM's
			// word as the PURL.
			p.Version = given
			p.Note = noteVersionOfEntry
		} else {
			p.Note = noteNoVersion
		}
	case errors.Is(err, purl.ErrUnsupportedType):
		if p.Name == "" {
			p.Name = e.PURL
		}
		p.Requirement = given
		p.Note = fmt.Sprintf("package URL %s: type not supported, not checked for vulnerabilities", e.PURL)
	default:
		return inventory.Package{}, err
	}
	return p, nil
}

// exact reports whether an SBOM's version field holds a version rather
// than nothing or an SPDX placeholder.
func exact(v string) bool {
	return v != "" && v != "NOASSERTION" && v != "NONE"
}

// Graph is an SBOM's dependency graph between entry references.
type Graph struct {
	deps map[string][]string
}

// Add records that from depends on to.
func (g *Graph) Add(from, to string) {
	if g.deps == nil {
		g.deps = map[string][]string{}
	}
	g.deps[from] = append(g.deps[from], to)
}

// Len returns the number of dependencies recorded.
func (g *Graph) Len() int {
	n := 0
	for _, to := range g.deps {
		n += len(to)
	}
	return n
}

// Relations returns the relation of every entry reachable from roots (the
// SBOM's subject): direct for what a root depends on, transitive for what
// is reachable only further down. Entries not reachable are not in the map:
// the SBOM does not say how they came in. Roots are not in the map unless a
// root depends on another.
func (g *Graph) Relations(roots []string) map[string]inventory.Relation {
	rel := map[string]inventory.Relation{}
	var queue []string
	for _, r := range roots {
		for _, to := range g.deps[r] {
			if rel[to] == "" {
				rel[to] = inventory.RelationDirect
				queue = append(queue, to)
			}
		}
	}
	for len(queue) > 0 {
		from := queue[0]
		queue = queue[1:]
		for _, to := range g.deps[from] {
			if rel[to] == "" {
				rel[to] = inventory.RelationTransitive
				queue = append(queue, to)
			}
		}
	}
	return rel
}

// FirstByte returns the first byte of r that is not white space, without
// consuming it, so that the lines a parser of r counts stay right; a UTF-8
// byte order mark at the start is consumed, as JSON and XML parsers do not
// expect one. It returns io.EOF for a file of only white space. It looks no
// further than r's buffer: a longer run of white space gives an error.
func FirstByte(r *bufio.Reader) (byte, error) {
	if b, err := r.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		if _, err := r.Discard(3); err != nil {
			return 0, err
		}
	}
	for n := 512; ; n *= 2 {
		n = min(n, r.Size())
		b, err := r.Peek(n)
		for _, c := range b {
			switch c {
			case ' ', '\t', '\r', '\n':
				continue
			}
			return c, nil
		}
		if err != nil {
			return 0, err // io.EOF after only white space
		}
		if n == r.Size() {
			return 0, fmt.Errorf("no content in the first %d bytes", n)
		}
	}
}

// SortErrors sorts errs by the line of the [*inventory.ParseError] each
// holds, keeping the order of errors on the same line or without a line
// (those come first), so that errors are reported in file order.
func SortErrors(errs []error) {
	line := func(err error) int {
		var pe *inventory.ParseError
		if errors.As(err, &pe) {
			return pe.Line
		}
		return 0
	}
	slices.SortStableFunc(errs, func(a, b error) int { return cmp.Compare(line(a), line(b)) })
}
