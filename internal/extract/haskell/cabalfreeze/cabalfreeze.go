// Package cabalfreeze extracts Haskell packages (OSV's Hackage ecosystem)
// from cabal.project.freeze, the file `cabal freeze` writes to pin every
// package of a cabal-install build plan.
//
// The file uses the cabal.project syntax: "name: value" fields, a value
// continuing on the following lines that are indented more than its field.
// Its "constraints" field lists one constraint per package, separated by
// commas:
//
//	constraints: any.aeson ==2.2.3.0,
//	             aeson +ordered-keymap,
//	             any.base ==4.18.2.1,
//
// A "PACKAGE ==VERSION" constraint, with or without a qualifier ("any.",
// "setup.", "pkg:setup."), is a package at that exact version. The packages
// that come with GHC (base, ghc-prim, template-haskell and the like) are
// frozen too and are listed like any other: their versions decide which
// advisories apply. Flag constraints ("aeson +ordered-keymap") and stanza
// constraints ("foo test") pin no package: they are skipped and logged at
// debug level (see [WithLogger]). A constraint "installed" or "source", or a
// version range, is listed with an empty Version and the constraint as
// Requirement, since the file then records no exact version.
//
// Packages qualified for setup scripts ("setup.Cabal") are build-time only
// (dev); the others have an unknown scope, and the file does not say which
// packages the project depends on directly, so relations are unknown.
package cabalfreeze

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strings"

	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the extractor.
const Name = "haskell/cabalfreeze"

// Extractor extracts packages from cabal.project.freeze files.
type Extractor struct {
	log *slog.Logger
}

// Option configures an [Extractor].
type Option func(*Extractor)

// WithLogger makes the extractor log skipped flag and stanza constraints to
// l at debug level.
func WithLogger(l *slog.Logger) Option {
	return func(e *Extractor) {
		if l != nil {
			e.log = l
		}
	}
}

// New returns a cabal.project.freeze [Extractor]. Without [WithLogger] it
// logs nothing.
func New(opts ...Option) *Extractor {
	e := &Extractor{log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(e)
	}
	return e
}

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a cabal.project.freeze (or the freeze
// file of another project file, NAME.project.freeze, as `cabal freeze
// --project-file=NAME.project` writes it).
func (e *Extractor) FileRequired(p string) bool {
	base := path.Base(p)
	return base == "cabal.project.freeze" ||
		(strings.HasSuffix(base, ".project.freeze") && len(base) > len(".project.freeze"))
}

// ctxCheckEvery is how many lines are read between checks of ctx.
const ctxCheckEvery = 256

// sections are the cabal.project stanza keywords, which start a line
// without a colon.
var sections = map[string]bool{
	"package": true, "source-repository-package": true, "repository": true,
	"program-options": true, "program-locations": true, "if": true, "elif": true, "else": true,
}

// constraint is one comma-separated constraint and the line it starts on.
type constraint struct {
	text string
	line int
}

// Extract parses the cabal.project.freeze in in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return inventory.Inventory{}, nil
	}
	var (
		errs        []error
		pkgs        []inventory.Package
		inField     bool // in the value of a top-level "constraints" field
		fieldIndent = -1 // indentation of the current field, -1 outside one
		found       bool
		cur         strings.Builder
		curLine     int
	)
	// flush turns the constraint read so far into a package.
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" || curLine > 0 {
			p, skip, err := e.toPackage(in.Path, constraint{text: s, line: curLine})
			switch {
			case err != nil:
				errs = append(errs, err)
			case !skip:
				pkgs = append(pkgs, p)
			}
		}
		cur.Reset()
		curLine = 0
	}
	// add appends value text of line n, splitting at commas.
	add := func(text string, n int) {
		for {
			part, rest, comma := strings.Cut(text, ",")
			if strings.TrimSpace(part) != "" && curLine == 0 {
				curLine = n
			}
			cur.WriteString(" " + part)
			if !comma {
				return
			}
			if curLine == 0 {
				curLine = n // an empty constraint: reported by flush
			}
			flush()
			text = rest
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
	n := 0
	for sc.Scan() {
		if n++; n%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return inventory.Inventory{}, err
			}
		}
		raw := strings.TrimSuffix(sc.Text(), "\r")
		trimmed := strings.TrimSpace(raw)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		indent := len(raw) - len(strings.TrimLeft(raw, " \t"))
		if fieldIndent >= 0 && indent > fieldIndent {
			if inField {
				add(raw, n)
			}
			continue
		}
		if inField {
			flush()
		}
		inField, fieldIndent = false, -1
		name, value, ok := strings.Cut(trimmed, ":")
		name = strings.TrimSpace(name)
		if !ok || !isFieldName(name) {
			word, _, _ := strings.Cut(trimmed, " ")
			if sections[strings.ToLower(word)] {
				continue
			}
			errs = append(errs, inventory.Errorf(in.Path, n, "expected a field \"name: value\", got %q", trimmed))
			continue
		}
		fieldIndent = indent
		if indent == 0 && strings.EqualFold(name, "constraints") {
			inField, found = true, true
			add(value, n)
		}
	}
	if inField {
		flush()
	}
	if err := sc.Err(); err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	if !found {
		return inventory.Inventory{}, errors.Join(append(errs, inventory.Errorf(in.Path, 1, "no \"constraints\" field: not a cabal.project.freeze"))...)
	}

	if err := ctx.Err(); err != nil {
		return inventory.Inventory{}, err
	}
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
}

// toPackage turns one constraint into a package; skip is true for flag and
// stanza constraints, which pin no version.
func (e *Extractor) toPackage(file string, c constraint) (p inventory.Package, skip bool, err error) {
	if c.text == "" {
		return p, false, inventory.Errorf(file, c.line, "empty constraint (two commas in a row?)")
	}
	end := 0
	for end < len(c.text) && isTargetChar(c.text[end]) {
		end++
	}
	target, rest := c.text[:end], strings.TrimSpace(c.text[end:])
	qualifier, name := "", target
	if i := strings.LastIndexByte(target, '.'); i >= 0 {
		qualifier, name = target[:i], target[i+1:]
	}
	if !isPackageName(name) {
		return p, false, inventory.Errorf(file, c.line, "constraint %q does not start with a package name", c.text)
	}
	p = inventory.Package{
		Ecosystem: inventory.Hackage,
		Name:      name,
		Location:  inventory.Location{File: file, Line: c.line},
	}
	if qualifier == "setup" || strings.HasSuffix(qualifier, ":setup") {
		p.Scope = inventory.ScopeDev
		p.Note = "setup script dependency"
	}
	switch {
	case rest == "":
		return p, false, inventory.Errorf(file, c.line, "constraint %q has no version", c.text)
	case rest[0] == '+' || rest[0] == '-':
		e.log.Debug("skipping a flag constraint: it pins no version",
			"file", file, "line", c.line, "constraint", c.text)
		return p, true, nil
	case rest == "test" || rest == "bench":
		e.log.Debug("skipping a stanza constraint: it pins no version",
			"file", file, "line", c.line, "constraint", c.text)
		return p, true, nil
	case rest == "installed" || rest == "source":
		p.Requirement = rest
		p.Note = joinNote(p.Note, "the freeze file records no version")
		return p, false, nil
	}
	if v, ok := strings.CutPrefix(rest, "=="); ok {
		v = strings.TrimSpace(v)
		if isVersion(v) {
			p.Version = v
			return p, false, nil
		}
		if f := strings.Fields(v); len(f) > 1 && isVersion(f[0]) && isTargetChar(f[1][0]) {
			return p, false, inventory.Errorf(file, c.line, "constraint %q has text after its version: a comma missing?", c.text)
		}
	}
	p.Requirement = rest
	p.Note = joinNote(p.Note, "not pinned to one version")
	return p, false, nil
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// isFieldName reports whether s can be a cabal.project field name.
func isFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// isTargetChar reports whether c can be part of a qualified package name
// ("any.aeson", "foo:setup.Cabal").
func isTargetChar(c byte) bool { return isAlnum(c) || c == '-' || c == '.' || c == ':' }

// isPackageName reports whether s is a Hackage package name: hyphen-separated
// words of letters and digits, each with at least one letter.
func isPackageName(s string) bool {
	if s == "" {
		return false
	}
	for w := range strings.SplitSeq(s, "-") {
		letter := false
		for i := 0; i < len(w); i++ {
			c := w[i]
			if !isAlnum(c) {
				return false
			}
			letter = letter || !('0' <= c && c <= '9')
		}
		if !letter {
			return false
		}
	}
	return true
}

// isVersion reports whether s is a version: numbers separated by dots.
func isVersion(s string) bool {
	if s == "" {
		return false
	}
	for p := range strings.SplitSeq(s, ".") {
		if p == "" {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
