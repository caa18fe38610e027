// Package mixlock extracts Hex packages from Mix's mix.lock.
//
// A mix.lock is an Elixir map literal from application name to a tuple
// (the oldest locks use a keyword list instead of a map):
//
//	%{
//	  "plug": {:hex, :plug, "1.10.0", "inner hash", [:mix], [deps...], "hexpm", "outer hash"},
//	  "eredis": {:git, "https://github.com/wooga/eredis.git", "3c9dfc5...", [branch: "master"]},
//	}
//
// It is read with a small tokenizer and parser for Elixir terms, never with
// regular expressions over lines, so that formatting does not matter.
//
// Every entry is one package at the line of its key. A :hex entry is listed
// under its Hex package name (the tuple's second element, which differs from
// the key when mix.exs says hex: :other_name) at the version of its third
// element; packages from a Hex repository other than "hexpm" (an
// organisation's "hexpm:org" or a self-hosted one) say so in the Note. Older
// tuples stop after the version or the dependencies; all those shapes are
// read. A :git entry records a commit, not a version: it is listed under its
// key with an empty Version, the URL and commit as Requirement, and a Note.
//
// Relation comes from the mix.exs beside the lock (see mixexs.go): an entry
// whose application the project declares is direct, any other transitive;
// without a mix.exs, or when its dependencies cannot be found in it, the
// relation is unknown. Scope follows the dependency graph that the lock's
// :hex entries record: a package reached from a prod dependency (no only:
// option, or one naming :prod) through non-optional edges is prod; one
// reached only from dev or test dependencies (only: :test, only: [:dev,
// :test]) is dev; others are unknown. Optional edges are not followed: Mix
// fetches an optional dependency only when something else requires it.
package mixlock

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the extractor.
const Name = "erlang/mixlock"

// Extractor extracts packages from mix.lock files.
type Extractor struct{}

// New returns a mix.lock [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a mix.lock.
func (e *Extractor) FileRequired(p string) bool { return path.Base(p) == "mix.lock" }

// entry is one dependency of the lock.
type entry struct {
	app  string // the key: the application name
	pkg  inventory.Package
	deps []edge
	line int
}

// edge is a dependency of a :hex entry on another application.
type edge struct {
	app      string
	optional bool
}

// ctxCheckEvery is how many entries are read between checks of the context.
const ctxCheckEvery = 256

// Extract parses the mix.lock in and the mix.exs beside it.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return inventory.Inventory{}, nil
	}
	entries, errs := parseLock(ctx, string(data), in.Path)
	if err := ctx.Err(); err != nil {
		return inventory.Inventory{}, err
	}

	m, err := readManifest(in)
	if err != nil {
		errs = append(errs, err)
	}
	if m != nil {
		errs = append(errs, classify(entries, m, in.Path)...)
	}
	var pkgs []inventory.Package
	for _, en := range entries {
		pkgs = append(pkgs, en.pkg)
	}
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
}

// parseLock reads the entries of a lock in file order. On a syntax error it
// returns the entries before it and the error.
func parseLock(ctx context.Context, src, file string) ([]entry, []error) {
	toks, lexErr := lex(src)
	p := &parser{toks: toks, lexErr: lexErr}
	fail := func(err error) error {
		return &inventory.ParseError{Path: file, Line: errorLine(err), Err: fmt.Errorf("invalid mix.lock: %w", err)}
	}
	open := p.next()
	var end string
	switch {
	case isPunct(open, "%{"):
		end = "}"
	case isPunct(open, "["):
		end = "]"
	default:
		if open.kind == tokEOF && lexErr == nil {
			return nil, nil // only comments
		}
		return nil, []error{fail(p.unexpected(open, `"%{": not a mix.lock`))}
	}

	var entries []entry
	var errs []error
	for n := 0; ; n++ {
		if n%ctxCheckEvery == 0 && ctx.Err() != nil {
			return nil, nil
		}
		if isPunct(p.peek(), end) {
			p.next()
			break
		}
		kv, err := p.mapPair()
		if err != nil {
			return entries, append(errs, fail(err))
		}
		en, err := readEntry(kv)
		if err != nil {
			errs = append(errs, &inventory.ParseError{Path: file, Line: kv.key.line, Err: err})
		} else {
			en.pkg.Location = inventory.Location{File: file, Line: kv.key.line}
			entries = append(entries, en)
		}
		if t := p.next(); isPunct(t, end) {
			break
		} else if !isPunct(t, ",") {
			return entries, append(errs, fail(p.unexpected(t, fmt.Sprintf("%q or %q", ",", end))))
		}
	}
	if t := p.next(); t.kind != tokEOF || lexErr != nil {
		return entries, append(errs, fail(p.unexpected(t, "the end of the file after the lock")))
	}
	return entries, errs
}

// readEntry reads one "app": {...} pair of the lock.
func readEntry(kv pair) (entry, error) {
	if kv.key.kind != termString && kv.key.kind != termAtom || kv.key.s == "" {
		return entry{}, fmt.Errorf("key is %s, want an application name", kv.key.kind)
	}
	app := kv.key.s
	t := kv.value
	if t.kind != termTuple || len(t.items) == 0 || t.items[0].kind != termAtom {
		return entry{}, fmt.Errorf("%q is %s, want a tuple such as {:hex, ...} or {:git, ...}", app, t.kind)
	}
	en := entry{app: app, line: kv.key.line}
	switch scm := t.items[0].s; scm {
	case "hex":
		return readHex(en, t)
	case "git":
		return readGit(en, t)
	default:
		return entry{}, fmt.Errorf("%q comes from %q; patchline reads :hex and :git entries", app, ":"+scm)
	}
}

// readHex reads {:hex, :name, "version", "hash", managers, deps, "repo", "hash"}
// and its shorter forms.
func readHex(en entry, t *term) (entry, error) {
	it := t.items
	if len(it) < 3 || it[1].kind != termAtom || it[1].s == "" || it[2].kind != termString || it[2].s == "" {
		return entry{}, fmt.Errorf("%q: want {:hex, :package, \"version\", ...}", en.app)
	}
	en.pkg = inventory.Package{Ecosystem: inventory.Hex, Name: it[1].s, Version: it[2].s}
	if len(it) > 5 {
		if it[5].kind != termList {
			return entry{}, fmt.Errorf("%q: the dependencies (sixth element) are %s, want a list", en.app, it[5].kind)
		}
		for _, d := range it[5].items {
			if d.kind != termTuple || len(d.items) == 0 || d.items[0].kind != termAtom {
				return entry{}, fmt.Errorf("%q: dependency is %s, want {:app, \"requirement\", options}", en.app, d.kind)
			}
			e := edge{app: d.items[0].s}
			if len(d.items) > 2 {
				if o := d.items[2].keyword("optional"); o != nil && o.kind == termAtom && o.s == "true" {
					e.optional = true
				}
			}
			en.deps = append(en.deps, e)
		}
	}
	if len(it) > 6 {
		if it[6].kind != termString {
			return entry{}, fmt.Errorf("%q: the repository (seventh element) is %s, want a string", en.app, it[6].kind)
		}
		if repo := it[6].s; repo != "hexpm" {
			en.pkg.Note = fmt.Sprintf("from Hex repository %q", repo)
		}
	}
	return en, nil
}

// readGit reads {:git, "url", "commit", options}.
func readGit(en entry, t *term) (entry, error) {
	it := t.items
	if len(it) < 3 || it[1].kind != termString || it[1].s == "" || it[2].kind != termString || it[2].s == "" {
		return entry{}, fmt.Errorf("%q: want {:git, \"url\", \"commit\", options}", en.app)
	}
	notes := []string{"from git; the lock records no version"}
	if len(it) > 3 {
		for _, key := range []string{"tag", "branch", "ref"} {
			if v := it[3].keyword(key); v != nil && v.kind == termString {
				notes = append(notes, fmt.Sprintf("%s %q", key, v.s))
			}
		}
	}
	en.pkg = inventory.Package{
		Ecosystem:   inventory.Hex,
		Name:        en.app,
		Requirement: it[1].s + "@" + it[2].s,
		Note:        strings.Join(notes, "; "),
	}
	return en, nil
}

// classify sets the relation and scope of every entry from the project's
// declared dependencies and the lock's graph, and reports non-optional
// edges to applications the lock does not hold.
func classify(entries []entry, m *manifest, file string) []error {
	index := make(map[string]int, len(entries))
	for i, en := range entries {
		if _, dup := index[en.app]; !dup {
			index[en.app] = i
		}
	}
	var errs []error
	for _, en := range entries {
		var missing []string
		for _, d := range en.deps {
			if _, ok := index[d.app]; !ok && !d.optional {
				missing = append(missing, fmt.Sprintf("%q", d.app))
			}
		}
		if len(missing) > 0 {
			errs = append(errs, inventory.Errorf(file, en.line, "%q depends on %s, not in the lock", en.app, strings.Join(missing, ", ")))
		}
	}

	reach := func(scope inventory.Scope) []bool {
		seen := make([]bool, len(entries))
		var queue []int
		for app, s := range m.direct {
			if i, ok := index[app]; ok && s == scope && !seen[i] {
				seen[i] = true
				queue = append(queue, i)
			}
		}
		for len(queue) > 0 {
			i := queue[0]
			queue = queue[1:]
			for _, d := range entries[i].deps {
				if j, ok := index[d.app]; ok && !d.optional && !seen[j] {
					seen[j] = true
					queue = append(queue, j)
				}
			}
		}
		return seen
	}
	prod, dev, unknown := reach(inventory.ScopeProd), reach(inventory.ScopeDev), reach(inventory.ScopeUnknown)
	for i := range entries {
		p := &entries[i].pkg
		p.Relation = inventory.RelationTransitive
		if _, ok := m.direct[entries[i].app]; ok {
			p.Relation = inventory.RelationDirect
		}
		switch {
		case prod[i]:
			p.Scope = inventory.ScopeProd
		case dev[i] && !unknown[i]:
			p.Scope = inventory.ScopeDev
		}
	}
	return errs
}
