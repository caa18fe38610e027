// Package pipfilelock extracts PyPI packages from Pipenv's Pipfile.lock.
//
// Packages in the "default" section are prod, those in "develop" dev; other
// sections are Pipenv package categories, listed with an unknown scope. A
// package locked with the same version in "default" and "develop" is one
// install and is listed once, from "default". Versions are written "==1.2.3"
// and listed as "1.2.3"; git, path and file entries record no version and are
// listed with the source as Requirement and a Note saying why.
//
// Relation comes from the Pipfile beside the lock: a package named in its
// [packages] or [dev-packages] table (or the table of its category) is
// direct, any other transitive; without a Pipfile it is unknown.
package pipfilelock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/extract/internal/tomllock"
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/textpos"
)

// Name identifies the extractor.
const Name = "python/pipfilelock"

// Extractor extracts packages from Pipfile.lock files.
type Extractor struct{}

// New returns a Pipfile.lock [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a Pipfile.lock.
func (e *Extractor) FileRequired(p string) bool { return path.Base(p) == "Pipfile.lock" }

// entry is one package of a section.
type entry struct {
	Version  string `json:"version"`
	Git      string `json:"git"`
	Ref      string `json:"ref"`
	Path     string `json:"path"`
	File     string `json:"file"`
	Editable bool   `json:"editable"`
}

// locked is a parsed entry with its section and line.
type locked struct {
	name    string
	section string
	line    int
	entry
}

// Extract parses the Pipfile.lock in and the Pipfile beside it.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return inventory.Inventory{}, nil
	}
	ix := textpos.New(data)
	entries, errs := parseLock(ctx, data, in.Path, ix)
	if err := ctx.Err(); err != nil {
		return inventory.Inventory{}, err
	}

	direct, err := directNames(in)
	if err != nil {
		errs = append(errs, err)
	}
	inDefault := map[string]bool{}
	for _, l := range entries {
		if l.section == "default" {
			inDefault[dedupKey(l)] = true
		}
	}
	var pkgs []inventory.Package
	for _, l := range entries {
		if l.section == "develop" && inDefault[dedupKey(l)] {
			continue // the same install as the default entry
		}
		pkgs = append(pkgs, toPackage(l, in.Path, direct))
	}
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
}

func dedupKey(l locked) string {
	return ecosystem.NormalizePyPI(l.name) + "\x00" + l.Version + "\x00" + l.Git + "\x00" + l.Ref + "\x00" + l.Path + "\x00" + l.File
}

// parseLock reads the sections of the lock in file order, streaming so that
// the entries before a syntax error (a truncated file) are kept. It returns
// the entries that parsed and errors for the rest.
func parseLock(ctx context.Context, data []byte, file string, ix *textpos.Index) ([]locked, []error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, []error{jsonError(file, ix, dec, err)}
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, []error{inventory.Errorf(file, 1, "the top level is not a JSON object: not a Pipfile.lock")}
	}
	var entries []locked
	var errs []error
	known := false
	fatal := func(err error) ([]locked, []error) {
		errs = append(errs, jsonError(file, ix, dec, err))
		if !known {
			return nil, errs
		}
		return entries, errs
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fatal(err)
		}
		key, _ := tok.(string) // object keys are always strings
		start := dec.InputOffset()
		tok, err = dec.Token()
		if err != nil {
			return fatal(err)
		}
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			if key == "default" || key == "develop" {
				errs = append(errs, inventory.Errorf(file, ix.Line(start), "section %q is not a JSON object", key))
			}
			if err := skipRest(dec, tok); err != nil {
				return fatal(err)
			}
			continue
		}
		if key == "_meta" {
			known = true
			if err := skipRest(dec, tok); err != nil {
				return fatal(err)
			}
			continue
		}
		known = known || key == "default" || key == "develop"
		for dec.More() {
			if err := ctx.Err(); err != nil {
				return entries, errs
			}
			tok, err := dec.Token()
			if err != nil {
				return fatal(err)
			}
			name, _ := tok.(string)
			line := ix.Line(dec.InputOffset() - 1)
			var value json.RawMessage
			if err := dec.Decode(&value); err != nil {
				return fatal(err)
			}
			var e entry
			if err := json.Unmarshal(value, &e); err != nil {
				errs = append(errs, inventory.Errorf(file, line, "%s package %q: %v", key, name, describeJSONError(err)))
				continue
			}
			if name == "" {
				errs = append(errs, inventory.Errorf(file, line, "%s package with an empty name", key))
				continue
			}
			if e.Version == "" && e.Git == "" && e.Path == "" && e.File == "" {
				errs = append(errs, inventory.Errorf(file, line, "%s package %q has no version, git, path or file", key, name))
				continue
			}
			entries = append(entries, locked{name: name, section: key, line: line, entry: e})
		}
		if _, err := dec.Token(); err != nil { // the section's closing brace
			return fatal(err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return fatal(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		errs = append(errs, inventory.Errorf(file, ix.Line(dec.InputOffset()), "unexpected data after the JSON object"))
	}
	if !known {
		return nil, []error{inventory.Errorf(file, 1, "no \"_meta\", \"default\" or \"develop\" key: not a Pipfile.lock")}
	}
	return entries, errs
}

// skipRest skips the rest of a value whose first token was first.
func skipRest(dec *json.Decoder, first json.Token) error {
	d, ok := first.(json.Delim)
	if !ok || d == '}' || d == ']' {
		return nil
	}
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// toPackage turns an entry into a package.
func toPackage(l locked, file string, direct map[string]bool) inventory.Package {
	p := inventory.Package{
		Ecosystem: inventory.PyPI,
		Name:      l.name,
		Relation:  inventory.RelationUnknown,
		Location:  inventory.Location{File: file, Line: l.line},
	}
	switch l.section {
	case "default":
		p.Scope = inventory.ScopeProd
	case "develop":
		p.Scope = inventory.ScopeDev
	}
	if direct != nil {
		p.Relation = inventory.RelationTransitive
		if direct[ecosystem.NormalizePyPI(l.name)] || direct[l.section+"\x00"+ecosystem.NormalizePyPI(l.name)] {
			p.Relation = inventory.RelationDirect
		}
	}
	var notes []string
	if p.Scope == inventory.ScopeUnknown {
		notes = append(notes, fmt.Sprintf("Pipenv category %q", l.section))
	}
	if l.Editable {
		notes = append(notes, "editable")
	}
	switch v := l.Version; {
	case strings.HasPrefix(v, "===") && len(v) > 3:
		p.Version = v[3:]
	case strings.HasPrefix(v, "==") && len(v) > 2 && !strings.Contains(v, "*") && !strings.Contains(v, ","):
		p.Version = v[2:]
	case v != "":
		p.Requirement = v
		notes = append(notes, "the lock records no exact version")
	case l.Git != "":
		p.Requirement = l.Git
		if l.Ref != "" {
			p.Requirement += "@" + l.Ref
		}
		notes = append(notes, "from git; the lock records no version")
	case l.Path != "":
		p.Requirement = l.Path
		notes = append(notes, "from a local path; the lock records no version")
	default: // parseLock checked that the entry has a file
		p.Requirement = l.File
		notes = append(notes, "from a file or URL; the lock records no version")
	}
	p.Note = strings.Join(notes, "; ")
	return p
}

// directNames returns the normalised names the Pipfile beside the lock
// declares, or nil when there is no Pipfile. Names in [packages] and
// [dev-packages] are direct in any section; names in another table are
// direct in the lock section (Pipenv category) of that name, keyed
// "category\x00name".
func directNames(in *inventory.Input) (map[string]bool, error) {
	if in.FS == nil || in.FSPath == "" {
		return nil, nil
	}
	shown := path.Join(path.Dir(in.Path), "Pipfile")
	data, err := fs.ReadFile(in.FS, path.Join(path.Dir(in.FSPath), "Pipfile"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %q to tell direct dependencies: %w", shown, err)
	}
	var pipfile map[string]any
	if _, err := toml.Decode(string(data), &pipfile); err != nil {
		return nil, fmt.Errorf("direct dependencies unknown: %w", tomllock.DecodeError(shown, err))
	}
	names := map[string]bool{}
	for table, v := range pipfile {
		pkgs, ok := v.(map[string]any)
		if !ok {
			continue // [[source]], scripts values and the like
		}
		switch table {
		case "source", "requires", "scripts", "pipenv":
			continue
		}
		for name := range pkgs {
			if table == "packages" || table == "dev-packages" {
				names[ecosystem.NormalizePyPI(name)] = true
			} else {
				names[table+"\x00"+ecosystem.NormalizePyPI(name)] = true
			}
		}
	}
	return names, nil
}

// jsonError turns an error of dec into an [inventory.ParseError] at the
// position where it happened.
func jsonError(file string, ix *textpos.Index, dec *json.Decoder, err error) error {
	offset := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		offset = se.Offset
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("unexpected end of JSON")
	}
	line, col := ix.Position(offset)
	return &inventory.ParseError{Path: file, Line: line, Column: col, Err: fmt.Errorf("invalid JSON: %w", err)}
}

// describeJSONError words a JSON type error for a user.
func describeJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return fmt.Errorf("is a JSON %s, want an object", te.Value)
		}
		return fmt.Errorf("%q is a JSON %s, want a %s", te.Field, te.Value, te.Type)
	}
	return err
}
