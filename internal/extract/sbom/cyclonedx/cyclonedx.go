// Package cyclonedx extracts packages from CycloneDX SBOMs (JSON and XML,
// specification versions 1.x; tested with 1.2 to 1.6), so that a scan
// checks what an SBOM lists.
//
// # Files
//
// The file names CycloneDX recommends: bom.json, bom.xml, *.cdx.json and
// *.cdx.xml, and also *.bom.json. Whether a file is JSON or XML is told from
// its first byte, not its name. JSON BOMs must say "bomFormat": "CycloneDX";
// XML BOMs must have a <bom> root in a CycloneDX namespace. Any 1.x
// specVersion is read (components, package URLs and dependencies have kept
// their meaning since 1.0); nothing is validated against the schema.
//
// # Packages
//
// Every component, nested components included, is one package, in file
// order, located at the line where the component starts; its ecosystem,
// name and version come from its package URL ("purl", see
// [github.com/patchline/patchline/internal/purl]). metadata.component is
// the product the BOM describes, not a dependency, and is not listed (its
// own nested components are). Components without a usable PURL follow the
// policy of [github.com/patchline/patchline/internal/extract/sbom/internal/bom]:
// listed, with a Note, and never matched. Components of the types that are
// not software packages (file, data, cryptographic-asset,
// machine-learning-model) are skipped when they have no PURL, and logged at
// debug level (see [WithLogger]); generators such as syft list every file
// of an image that way.
//
// # Relation and scope
//
// When the BOM has a dependencies graph and metadata.component has a
// bom-ref, a component that metadata.component depends on is direct, one
// reachable only through others transitive; every other component, and
// every component of a BOM without that graph, has an unknown relation.
// Scope "required" is prod, "optional" optional and "excluded" (not needed
// at run time: tests, build tools) dev; without a scope it is unknown, as
// generators leave it out whatever the component's use.
//
// # Errors and memory
//
// Syntax errors carry their line; a component with a field of the wrong
// type or an invalid PURL is reported at its line and the other components
// are kept. A BOM cut short gives the components read before the cut, all
// with an unknown relation (its graph was not read).
//
// SBOMs run to tens of megabytes, and cyclonedx-go decodes a whole BOM into
// memory (about 4.5 times the file for a 10 MB JSON BOM of 25,000
// components, see BenchmarkDecodeWhole), so JSON is read as a stream
// (internal/jsonstream): one top-level component at a time is read and
// decoded into cyclonedx-go's Component, without decoding the fields the
// extractor does not use (hashes, licenses, evidence...), and its nested
// components are then read one by one with their lines. The peak heap is
// then about 1.5 times the file, most of it the inventory returned. XML is
// streamed the same way with encoding/xml, one top-level component at a
// time.
package cyclonedx

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/patchline/patchline/internal/extract/sbom/internal/bom"
	"github.com/patchline/patchline/internal/inventory"
)

// Name is the extractor's name.
const Name = "sbom/cyclonedx"

// Extractor extracts packages from CycloneDX SBOMs.
type Extractor struct {
	log *slog.Logger
}

// Option configures an [Extractor].
type Option func(*Extractor)

// WithLogger makes the extractor log skipped components to l at debug level.
func WithLogger(l *slog.Logger) Option {
	return func(e *Extractor) {
		if l != nil {
			e.log = l
		}
	}
}

// New returns a CycloneDX [Extractor]. Without [WithLogger] it logs nothing.
func New(opts ...Option) *Extractor {
	e := &Extractor{log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(e)
	}
	return e
}

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is named like a CycloneDX BOM.
func (e *Extractor) FileRequired(p string) bool {
	base := strings.ToLower(p[strings.LastIndexByte(p, '/')+1:])
	switch {
	case base == "bom.json", base == "bom.xml":
		return true
	case strings.HasSuffix(base, ".cdx.json"), strings.HasSuffix(base, ".cdx.xml"), strings.HasSuffix(base, ".bom.json"):
		return true
	}
	return false
}

// component is what the extractor keeps of a component read from the BOM,
// or an entry that could not be read (err set), in file order. Only these
// fields are kept: a whole cyclonedx-go Component, with its hashes,
// licenses and references, is several times larger.
type component struct {
	c    fields
	line int
	err  error
}

// fields are the fields of a CycloneDX component the extractor uses.
type fields struct {
	BOMRef, Group, Name, Version, VersionRange, PackageURL string
	Type                                                   cdx.ComponentType
	Scope                                                  cdx.Scope
}

// keep returns the fields of c the extractor uses.
func keep(c *cdx.Component) fields {
	return fields{
		BOMRef: c.BOMRef, Group: c.Group, Name: c.Name, Version: c.Version, VersionRange: c.VersionRange,
		PackageURL: c.PackageURL, Type: c.Type, Scope: c.Scope,
	}
}

// parsed is what a parser of either syntax found.
type parsed struct {
	components []component
	subject    string // bom-ref of metadata.component
	graph      bom.Graph
}

// FileRequiredByContent recognises a CycloneDX document whatever its name
// (say, sbom.json named on the command line): JSON with "bomFormat":
// "CycloneDX", or XML in the CycloneDX namespace.
func (e *Extractor) FileRequiredByContent(_ string, header []byte) bool {
	return (bytes.Contains(header, []byte(`"bomFormat"`)) && bytes.Contains(header, []byte(`"CycloneDX"`))) ||
		bytes.Contains(header, []byte(`xmlns="http://cyclonedx.org/schema/bom/`))
}

// Extract parses the BOM in in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	br := bufio.NewReaderSize(in.Reader, 64<<10)
	first, err := bom.FirstByte(br)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return inventory.Inventory{}, inventory.Errorf(in.Path, 1, "empty file: a CycloneDX BOM is a JSON object or an XML document")
		}
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	var (
		res  parsed
		errs []error
		full bool // the whole file was read
	)
	switch first {
	case '{':
		res, errs, full = parseJSON(ctx, in.Path, br)
	case '<':
		res, errs, full = parseXML(ctx, in.Path, br)
	default:
		return inventory.Inventory{}, inventory.Errorf(in.Path, 1, "not a CycloneDX BOM: want a JSON object or an XML document, got %q", first)
	}
	if err := ctx.Err(); err != nil {
		return inventory.Inventory{}, err
	}
	var rel map[string]inventory.Relation
	if full && res.subject != "" {
		// A BOM cut short may have lost part of its graph: relations
		// are only told from a whole file.
		rel = res.graph.Relations([]string{res.subject})
	}
	var pkgs []inventory.Package
	for _, c := range res.components {
		if c.err != nil {
			errs = append(errs, c.err)
			continue
		}
		if c.c.PackageURL == "" && !isPackageType(c.c.Type) {
			e.log.Debug("skipped a component that is not a software package", "file", in.Path, "line", c.line, "type", c.c.Type, "name", c.c.Name)
			continue
		}
		p, err := entry(c).Package(in.Path)
		if err != nil {
			errs = append(errs, inventory.Errorf(in.Path, c.line, "%s: %v", describe(c.c), err))
			continue
		}
		if c.c.BOMRef != "" {
			p.Relation = rel[c.c.BOMRef]
		}
		pkgs = append(pkgs, p)
	}
	bom.SortErrors(errs)
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
}

// entry returns the shared view of c.
func entry(c component) bom.Entry {
	name := c.c.Name
	if c.c.Group != "" {
		name = c.c.Group + "/" + name
	}
	version := c.c.Version
	if version == "" {
		version = c.c.VersionRange
	}
	return bom.Entry{
		Ref:     c.c.BOMRef,
		Name:    name,
		Version: version,
		PURL:    c.c.PackageURL,
		Scope:   scopeOf(c.c.Scope),
		Line:    c.line,
	}
}

// scopeOf maps a CycloneDX scope to a scope.
func scopeOf(s cdx.Scope) inventory.Scope {
	switch s {
	case cdx.ScopeRequired:
		return inventory.ScopeProd
	case cdx.ScopeOptional:
		return inventory.ScopeOptional
	case cdx.ScopeExcluded:
		return inventory.ScopeDev
	}
	return inventory.ScopeUnknown
}

// isPackageType reports whether components of type t can be software
// packages; those of other types are skipped when they have no PURL.
func isPackageType(t cdx.ComponentType) bool {
	switch t {
	case cdx.ComponentTypeFile, cdx.ComponentTypeData, cdx.ComponentTypeCryptographicAsset, cdx.ComponentTypeMachineLearningModel:
		return false
	}
	return true
}

// describe names a component in messages.
func describe(c fields) string {
	s := fmt.Sprintf("component %q", c.Name)
	if c.BOMRef != "" {
		s += fmt.Sprintf(" (bom-ref %q)", c.BOMRef)
	}
	return s
}

// checkSpecVersion checks a specVersion ("1.5") or the version at the end
// of an XML namespace.
func checkSpecVersion(v string) error {
	minor, ok := strings.CutPrefix(v, "1.")
	if !ok || minor == "" || strings.Trim(minor, "0123456789") != "" {
		return fmt.Errorf("unsupported CycloneDX specVersion %q: patchline reads 1.x", v)
	}
	return nil
}
