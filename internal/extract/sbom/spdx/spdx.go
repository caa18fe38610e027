// Package spdx extracts packages from SPDX 2.x documents (JSON and
// tag-value; 2.1, 2.2 and 2.3), so that a scan checks what an SBOM lists.
//
// # Files
//
// *.spdx.json (JSON) and *.spdx (tag-value), the names the SPDX
// specification recommends. The syntax is told from the first byte, not the
// name. YAML and RDF documents are not read. Nothing is validated against
// the schema; tag-value documents are parsed by tools-golang, which rejects
// tags that do not belong to the document's SPDX version.
//
// # Packages
//
// Every SPDX package is one package, in file order, located at the line
// where it starts (its opening brace in JSON, its PackageName tag in
// tag-value). Ecosystem, name and version come from its external reference
// of type "purl" (category PACKAGE-MANAGER, or PACKAGE_MANAGER as SPDX 2.3
// JSON spells it); see [github.com/patchline/patchline/internal/purl].
// Packages without a usable PURL follow the policy of
// [github.com/patchline/patchline/internal/extract/sbom/internal/bom]:
// listed, with a Note, and never matched.
//
// The packages the document DESCRIBES (relationships from the document, or
// documentDescribes) are its subject, the product itself, and are not
// listed, like a CycloneDX BOM's metadata.component. When a document
// describes every package it holds, as some generators write it, there is
// no subject to tell apart and all are listed.
//
// # Relation and scope
//
// A package that a described package DEPENDS_ON (or that is a
// DEPENDENCY_OF it, or any of the typed *_DEPENDENCY_OF relationships) is
// direct; one reachable only through other packages is transitive. A
// package not reachable that way has an unknown relation, as have all
// packages of a document without such relationships (syft, for one, writes
// CONTAINS, which says nothing about how a package came in). SPDX packages
// carry no scope: it is unknown.
//
// # Errors and memory
//
// JSON documents are read as a stream (internal/jsonstream), one package
// and one relationship at a time decoded into tools-golang's SPDX 2.3 types
// (a superset of 2.1 and 2.2 for what is read here), because tools-golang's
// JSON reader decodes the whole document several times over. A package of
// the wrong shape or with an invalid PURL is reported at its line and the
// others are kept. Tag-value documents are tokenised here, with lines, and
// parsed whole by tools-golang; when it fails, the pair it failed on is
// found by parsing ever shorter prefixes, so the error has its line, and the
// packages before that point (less the package section holding it) are
// returned. A document that could not be read to its end gives the
// packages read with an unknown relation, its subject among them when the
// relationships saying so were not reached.
//
// For a 10 MB JSON document of 15,000 packages the peak heap is about 1.3
// times the file, against 7.5 times for tools-golang's JSON reader (see
// BenchmarkReadWhole). A tag-value document is held whole by tools-golang:
// about 5 times the file.
package spdx

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/patchline/patchline/internal/extract/sbom/internal/bom"
	"github.com/patchline/patchline/internal/inventory"
)

// Name is the extractor's name.
const Name = "sbom/spdx"

// Extractor extracts packages from SPDX documents.
type Extractor struct{}

// New returns an SPDX [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is named like an SPDX JSON or tag-value
// document.
func (e *Extractor) FileRequired(p string) bool {
	base := strings.ToLower(p[strings.LastIndexByte(p, '/')+1:])
	return strings.HasSuffix(base, ".spdx.json") || (strings.HasSuffix(base, ".spdx") && base != ".spdx")
}

// pkg is what the extractor keeps of an SPDX package, or a package that
// could not be read (err set).
type pkg struct {
	id, name, version, purl string
	line                    int
	err                     error
}

// relationship is a relationship between two elements of the document,
// by SPDX identifier without the "SPDXRef-" prefix.
type relationship struct {
	a, typ, b string
}

// used reports whether the extractor uses r: a document's large
// CONTAINS and file relationships are not kept.
func (r relationship) used() bool {
	if r.typ == "DESCRIBES" || r.typ == "DESCRIBED_BY" {
		return true
	}
	_, _, ok := dependency(r)
	return ok
}

// parsed is what a parser of either syntax found.
type parsed struct {
	pkgs      []pkg
	docID     string   // the document's identifier, usually "DOCUMENT"
	describes []string // documentDescribes
	rels      []relationship
	full      bool // the whole document was read
}

// FileRequiredByContent recognises an SPDX 2 document whatever its name
// (say, sbom.json named on the command line): JSON with "spdxVersion", or
// tag-value starting with an "SPDXVersion:" line.
func (e *Extractor) FileRequiredByContent(_ string, header []byte) bool {
	return bytes.Contains(header, []byte(`"spdxVersion"`)) || bytes.HasPrefix(bytes.TrimSpace(header), []byte("SPDXVersion:"))
}

// Extract parses the SPDX document in in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	br := bufio.NewReaderSize(in.Reader, 64<<10)
	first, err := bom.FirstByte(br)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return inventory.Inventory{}, inventory.Errorf(in.Path, 1, "empty file: an SPDX document is JSON or tag-value")
		}
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	var (
		res  parsed
		errs []error
	)
	switch first {
	case '{':
		res, errs = parseJSON(ctx, in.Path, br)
	case '<':
		return inventory.Inventory{}, inventory.Errorf(in.Path, 1, "not an SPDX document patchline reads: RDF/XML is not supported, only JSON and tag-value")
	default:
		res, errs = parseTagValue(ctx, in.Path, br)
	}
	if err := ctx.Err(); err != nil {
		return inventory.Inventory{}, err
	}
	subject := subjects(res)
	var rel map[string]inventory.Relation
	if res.full {
		var g bom.Graph
		for _, r := range res.rels {
			if from, to, ok := dependency(r); ok {
				g.Add(from, to)
			}
		}
		var roots []string
		for id := range subject {
			roots = append(roots, id)
		}
		rel = g.Relations(roots)
	}
	var pkgs []inventory.Package
	for _, p := range res.pkgs {
		if p.err != nil {
			errs = append(errs, p.err)
			continue
		}
		if subject[p.id] {
			continue
		}
		ip, err := (bom.Entry{Ref: p.id, Name: p.name, Version: p.version, PURL: p.purl, Line: p.line}).Package(in.Path)
		if err != nil {
			errs = append(errs, inventory.Errorf(in.Path, p.line, "package %q (SPDXID %q): %v", p.name, "SPDXRef-"+p.id, err))
			continue
		}
		ip.Relation = rel[p.id]
		pkgs = append(pkgs, ip)
	}
	bom.SortErrors(errs)
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
}

// subjects returns the identifiers of the packages the document describes,
// unless that is every package of the document.
func subjects(res parsed) map[string]bool {
	subject := map[string]bool{}
	for _, id := range res.describes {
		subject[id] = true
	}
	for _, r := range res.rels {
		switch {
		case r.typ == "DESCRIBES" && r.a == res.docID:
			subject[r.b] = true
		case r.typ == "DESCRIBED_BY" && r.b == res.docID:
			subject[r.a] = true
		}
	}
	for _, p := range res.pkgs {
		if p.err == nil && !subject[p.id] {
			return subject
		}
	}
	return nil // every package is described: none is the subject
}

// dependency returns the edge "from depends on to" that r states, if any.
func dependency(r relationship) (from, to string, ok bool) {
	switch r.typ {
	case "DEPENDS_ON":
		return r.a, r.b, true
	case "DEPENDENCY_OF", "BUILD_DEPENDENCY_OF", "DEV_DEPENDENCY_OF", "OPTIONAL_DEPENDENCY_OF",
		"PROVIDED_DEPENDENCY_OF", "TEST_DEPENDENCY_OF", "RUNTIME_DEPENDENCY_OF":
		return r.b, r.a, true
	}
	return "", "", false
}

// purlOf returns the first package URL among a package's external
// references.
func purlOf(refs []*v2_3.PackageExternalReference) string {
	for _, r := range refs {
		if r != nil && strings.ReplaceAll(strings.ToUpper(r.Category), "_", "-") == "PACKAGE-MANAGER" && r.RefType == "purl" {
			return strings.TrimSpace(r.Locator)
		}
	}
	return ""
}

// fromPackage returns what the extractor keeps of p.
func fromPackage(p *v2_3.Package, line int) pkg {
	return pkg{
		id:      string(p.PackageSPDXIdentifier),
		name:    p.PackageName,
		version: p.PackageVersion,
		purl:    purlOf(p.PackageExternalReferences),
		line:    line,
	}
}

// fromRelationship returns r between elements of this document, or false
// for a relationship with another document or with NONE or NOASSERTION.
func fromRelationship(r *v2_3.Relationship) (relationship, bool) {
	if r == nil || r.RefA.DocumentRefID != "" || r.RefB.DocumentRefID != "" || r.RefA.ElementRefID == "" || r.RefB.ElementRefID == "" {
		return relationship{}, false
	}
	return relationship{a: string(r.RefA.ElementRefID), typ: strings.ToUpper(strings.TrimSpace(r.Relationship)), b: string(r.RefB.ElementRefID)}, true
}

// checkVersion checks an spdxVersion ("SPDX-2.3").
func checkVersion(v string) error {
	switch v {
	case "SPDX-2.1", "SPDX-2.2", "SPDX-2.3":
		return nil
	}
	return fmt.Errorf("unsupported spdxVersion %q: patchline reads SPDX-2.1 to SPDX-2.3", v)
}
