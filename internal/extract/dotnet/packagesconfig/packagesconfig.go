// Package packagesconfig extracts NuGet packages from packages.config, the
// package list of .NET projects that use NuGet's packages.config format
// (the one before PackageReference), and from its per-project variant
// packages.<project>.config.
//
// The file is XML: a <packages> root with one <package id="..."
// version="..."/> element per installed package. NuGet writes every
// installed package there, the ones the project asked for and their
// dependencies alike, so the relation is unknown. A package marked
// developmentDependency="true" is a development-only dependency (dev);
// the others are not marked either way, so their scope is unknown.
//
// The version is exact. Elements without an id or a version are errors with
// their line; the other packages are still returned. A package repeated with
// the same id and version is listed once.
package packagesconfig

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/textpos"
)

// Name identifies the extractor.
const Name = "dotnet/packagesconfig"

// Extractor extracts packages from packages.config files.
type Extractor struct{}

// New returns a packages.config [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a packages.config or a
// packages.<project>.config. Case is ignored, as on Windows, where these
// files come from.
func (e *Extractor) FileRequired(p string) bool {
	base := strings.ToLower(path.Base(p))
	if base == "packages.config" {
		return true
	}
	mid, ok := strings.CutPrefix(base, "packages.")
	if !ok {
		return false
	}
	mid, ok = strings.CutSuffix(mid, ".config")
	return ok && mid != "" && !strings.Contains(mid, ".")
}

// ctxCheckEvery is how many elements are read between checks of ctx.
const ctxCheckEvery = 256

// utf8BOM starts files saved by Visual Studio.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Extract parses the packages.config in in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if len(bytes.TrimSpace(data)) == 0 {
		return inventory.Inventory{}, nil
	}
	ix := textpos.New(data)
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charsetReader
	var (
		pkgs  []inventory.Package
		errs  []error
		seen  = map[string]bool{}
		depth int
		n     int
		root  bool
	)
	for {
		if n++; n%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return inventory.Inventory{}, err
			}
		}
		line := ix.Line(dec.InputOffset())
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			errs = append(errs, xmlError(in.Path, dec, ix, err))
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				if root {
					errs = append(errs, inventory.Errorf(in.Path, line, "invalid XML: a second root element <%s>", t.Name.Local))
					return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
				}
				if t.Name.Local != "packages" {
					return inventory.Inventory{}, inventory.Errorf(in.Path, line, "the root element is <%s>, not <packages>: not a packages.config", t.Name.Local)
				}
				root = true
			}
			if depth != 2 || t.Name.Local != "package" {
				continue
			}
			p, err := toPackage(in.Path, line, t)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			key := strings.ToLower(p.Name) + "\x00" + strings.ToLower(p.Version)
			if seen[key] {
				continue
			}
			seen[key] = true
			pkgs = append(pkgs, p)
		case xml.EndElement:
			depth--
		}
	}
	if err := ctx.Err(); err != nil {
		return inventory.Inventory{}, err
	}
	if !root && len(errs) == 0 {
		return inventory.Inventory{}, inventory.Errorf(in.Path, 1, "no <packages> element: not a packages.config")
	}
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
}

// charsetReader lets the decoder read files that declare an encoding which
// is a superset of ASCII for the characters of package ids and versions.
func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "us-ascii", "ascii", "iso-8859-1", "latin1", "windows-1252":
		return r, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q: save the file as UTF-8", charset)
}

// toPackage turns a <package> element at line into a package.
func toPackage(file string, line int, el xml.StartElement) (inventory.Package, error) {
	var id, ver, dev string
	for _, a := range el.Attr {
		switch a.Name.Local {
		case "id":
			id = strings.TrimSpace(a.Value)
		case "version":
			ver = strings.TrimSpace(a.Value)
		case "developmentDependency":
			dev = strings.TrimSpace(a.Value)
		}
	}
	switch {
	case id == "":
		return inventory.Package{}, inventory.Errorf(file, line, "<package> without an id")
	case ver == "":
		return inventory.Package{}, inventory.Errorf(file, line, "package %q has no version", id)
	}
	p := inventory.Package{
		Ecosystem: inventory.NuGet,
		Name:      id,
		Version:   ver,
		Location:  inventory.Location{File: file, Line: line},
	}
	if strings.EqualFold(dev, "true") {
		p.Scope = inventory.ScopeDev
	}
	return p, nil
}

// xmlError turns an error of dec into an [*inventory.ParseError] with the
// line where it happened.
func xmlError(file string, dec *xml.Decoder, ix *textpos.Index, err error) error {
	line := ix.Line(dec.InputOffset())
	var se *xml.SyntaxError
	if errors.As(err, &se) && se.Line > 0 {
		line = se.Line
		err = errors.New(se.Msg)
	}
	return inventory.Errorf(file, line, "invalid XML: %v", err)
}
