// Package composerlock extracts Packagist packages from Composer's
// composer.lock.
//
// Every entry of "packages" is a prod package and every entry of
// "packages-dev" a dev one, in file order, declared on the line of its
// "name". Names are "vendor/package" and versions are listed as written
// ("v1.2.3", "2.0.0-beta1"); a branch version ("dev-main", "2.x-dev") gets a
// Note with the commit it was locked at, and a package installed from a
// local path one saying so. Platform requirements (php, ext-*, lib-*,
// composer-plugin-api and the like) are not packages: the lock keeps them
// apart under "platform", and entries of that kind in the package lists are
// left out.
//
// Relation comes from the composer.json beside the lock: a package named in
// its "require" or "require-dev" is direct, any other transitive; without a
// composer.json it is unknown. Names compare case-insensitively, as Composer
// compares them.
package composerlock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/textpos"
)

// Name identifies the extractor.
const Name = "php/composerlock"

// Extractor extracts packages from composer.lock files.
type Extractor struct{}

// New returns a composer.lock [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a composer.lock.
func (e *Extractor) FileRequired(p string) bool { return path.Base(p) == "composer.lock" }

// reference is the "source" or "dist" of a locked package.
type reference struct {
	Type      string `json:"type"`
	URL       string `json:"url"`
	Reference string `json:"reference"`
	Shasum    string `json:"shasum"`
}

// entry is one locked package.
type entry struct {
	Name    string            `json:"name"`
	Version string            `json:"version"`
	Source  *reference        `json:"source"`
	Dist    *reference        `json:"dist"`
	Require map[string]string `json:"require"`
	License json.RawMessage   `json:"license"`
}

// locked is a parsed entry with its list and line.
type locked struct {
	entry
	dev  bool
	line int
}

// Extract parses the composer.lock in and the composer.json beside it.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return inventory.Inventory{}, nil
	}
	entries, errs := parseLock(ctx, data, in.Path, textpos.New(data))
	if err := ctx.Err(); err != nil {
		return inventory.Inventory{}, err
	}
	direct, err := directNames(in)
	if err != nil {
		errs = append(errs, err)
	}
	var pkgs []inventory.Package
	for _, l := range entries {
		if isPlatform(l.Name) {
			continue
		}
		p := inventory.Package{
			Ecosystem: inventory.Packagist,
			Name:      l.Name,
			Version:   l.Version,
			Scope:     inventory.ScopeProd,
			Location:  inventory.Location{File: in.Path, Line: l.line},
			Note:      note(l.entry),
		}
		if l.dev {
			p.Scope = inventory.ScopeDev
		}
		if direct != nil {
			p.Relation = inventory.RelationTransitive
			if direct[strings.ToLower(l.Name)] {
				p.Relation = inventory.RelationDirect
			}
		}
		p.ID = strings.ToLower(l.Name)
		p.Licenses = licenses(l.License)
		if l.Dist != nil && l.Dist.Shasum != "" {
			p.Hashes = []string{"sha1:" + l.Dist.Shasum}
		}
		pkgs = append(pkgs, p)
	}
	return inventory.Inventory{Packages: pkgs, Roots: graph(entries, pkgs, direct)}, errors.Join(errs...)
}

// licenses reads "license": a list of SPDX ids (as Composer writes it), or
// one string.
func licenses(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var one string
	if json.Unmarshal(raw, &one) == nil && one != "" {
		return []string{one}
	}
	return nil
}

// graph fills each package's DependsOn from its "require" (platform
// requirements left out) and returns the roots: the packages composer.json
// requires. IDs are lower-case names, as Composer compares them; a lock
// holds one version of each name.
func graph(entries []locked, pkgs []inventory.Package, direct map[string]bool) []string {
	index := map[string]int{}
	for i := range pkgs {
		if _, dup := index[pkgs[i].ID]; dup {
			pkgs[i].ID = "" // a repeated name keeps no ID
			continue
		}
		index[pkgs[i].ID] = i
	}
	for _, l := range entries {
		i, ok := index[strings.ToLower(l.Name)]
		if !ok || pkgs[i].ID == "" || len(pkgs[i].DependsOn) > 0 {
			continue
		}
		for name := range l.Require {
			id := strings.ToLower(name)
			if _, ok := index[id]; ok && !isPlatform(name) {
				pkgs[i].DependsOn = append(pkgs[i].DependsOn, id)
			}
		}
		slices.Sort(pkgs[i].DependsOn)
	}
	var roots []string
	for _, p := range pkgs {
		if p.ID != "" && direct[p.ID] {
			roots = append(roots, p.ID)
		}
	}
	return roots
}

// note explains branch versions and packages from a local path.
func note(e entry) string {
	var notes []string
	if e.Dist != nil && e.Dist.Type == "path" {
		notes = append(notes, "from path "+e.Dist.URL)
	}
	v := strings.ToLower(e.Version)
	if strings.HasPrefix(v, "dev-") || strings.HasSuffix(v, "-dev") {
		n := "branch version"
		switch {
		case e.Source != nil && e.Source.Reference != "":
			n += " locked at " + e.Source.Reference
		case e.Dist != nil && e.Dist.Reference != "":
			n += " locked at " + e.Dist.Reference
		}
		notes = append(notes, n)
	}
	return strings.Join(notes, "; ")
}

// isPlatform reports whether name is a Composer platform package rather
// than one installed from a repository.
func isPlatform(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "php", "php-64bit", "php-ipv6", "php-zts", "php-debug", "hhvm",
		"composer", "composer-plugin-api", "composer-runtime-api":
		return true
	}
	return strings.HasPrefix(n, "ext-") || strings.HasPrefix(n, "lib-")
}

// parseLock streams the top-level object so that the entries before a
// syntax error are kept. It returns the entries that parsed and errors for
// the rest.
func parseLock(ctx context.Context, data []byte, file string, ix *textpos.Index) ([]locked, []error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, []error{jsonError(file, data, ix, dec, err)}
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, []error{inventory.Errorf(file, 1, "the top level is not a JSON object: not a composer.lock")}
	}
	var entries []locked
	var errs []error
	known := false
	fatal := func(err error) ([]locked, []error) {
		errs = append(errs, jsonError(file, data, ix, dec, err))
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
		switch key {
		case "content-hash", "hash", "_readme", "platform":
			known = true
		}
		if key != "packages" && key != "packages-dev" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fatal(err)
			}
			continue
		}
		start := dec.InputOffset()
		tok, err = dec.Token()
		if err != nil {
			return fatal(err)
		}
		if tok == nil {
			continue // "packages-dev": null
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			errs = append(errs, inventory.Errorf(file, ix.Line(start+1), "%q is not a JSON array", key))
			if err := skipRest(dec, tok); err != nil {
				return fatal(err)
			}
			continue
		}
		known = true
		for dec.More() {
			if err := ctx.Err(); err != nil {
				return entries, errs
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return fatal(err)
			}
			at := dec.InputOffset() - int64(len(raw))
			line := ix.Line(at)
			if off, ok := nameOffset(raw); ok {
				line = ix.Line(at + off)
			}
			var e entry
			if err := json.Unmarshal(raw, &e); err != nil {
				errs = append(errs, inventory.Errorf(file, line, "%s entry: %v", key, describeJSONError(err)))
				continue
			}
			switch {
			case e.Name == "":
				errs = append(errs, inventory.Errorf(file, line, "%s entry without a name", key))
				continue
			case e.Version == "":
				errs = append(errs, inventory.Errorf(file, line, "%s entry %q without a version", key, e.Name))
				continue
			}
			entries = append(entries, locked{entry: e, dev: key == "packages-dev", line: line})
		}
		if _, err := dec.Token(); err != nil { // the closing bracket
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
		return nil, []error{inventory.Errorf(file, 1, "no \"packages\", \"packages-dev\" or \"content-hash\" key: not a composer.lock")}
	}
	return entries, errs
}

// nameOffset returns the offset in raw, a JSON object, of its top-level
// "name" key.
func nameOffset(raw json.RawMessage) (int64, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return 0, false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return 0, false
		}
		if tok == "name" {
			return dec.InputOffset() - int64(len(`"name"`)), true
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return 0, false
		}
	}
	return 0, false
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

// directNames returns the lower-cased names the composer.json beside the
// lock requires, or nil when there is no composer.json.
func directNames(in *inventory.Input) (map[string]bool, error) {
	if in.FS == nil || in.FSPath == "" {
		return nil, nil
	}
	shown := path.Join(path.Dir(in.Path), "composer.json")
	data, err := fs.ReadFile(in.FS, path.Join(path.Dir(in.FSPath), "composer.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %q to tell direct dependencies: %w", shown, err)
	}
	var manifest struct {
		Require    map[string]json.RawMessage `json:"require"`
		RequireDev map[string]json.RawMessage `json:"require-dev"`
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		line := 1
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line = textpos.New(data).Line(se.Offset)
		case errors.As(err, &te):
			line = textpos.New(data).Line(te.Offset)
		}
		return nil, fmt.Errorf("direct dependencies unknown: %w",
			&inventory.ParseError{Path: shown, Line: line, Err: describeJSONError(err)})
	}
	names := map[string]bool{}
	for name := range manifest.Require {
		names[strings.ToLower(name)] = true
	}
	for name := range manifest.RequireDev {
		names[strings.ToLower(name)] = true
	}
	return names, nil
}

// jsonError turns an error of dec, reading data, into an
// [inventory.ParseError] at the position where it happened. The offsets of
// a Decoder's syntax errors count from the start of the value it was
// decoding, so the position comes from checking the whole of data.
func jsonError(file string, data []byte, ix *textpos.Index, dec *json.Decoder, err error) error {
	offset := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
		var v any
		if errors.As(json.Unmarshal(data, &v), &se) {
			// The error is after reading Offset bytes: the byte at
			// fault is the one before.
			offset = max(se.Offset-1, 0)
			err = se
		}
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
