// Package openvex writes a scan as an OpenVEX 0.2.0 document
// (https://github.com/openvex/spec), with github.com/openvex/go-vex.
//
// There is one statement per vulnerability per package, as [vex.Assess]
// decides it: the vulnerability is named by the finding's primary id, with
// its other ids as aliases; the product is the package, by package URL (or,
// with [vex.AssessOptions.Product], the scanned project with the package as
// its subcomponent). Where the finding was found goes in status_notes.
//
// The document is reproducible: given the same scan and the same
// [Options.Timestamp], it is byte for byte the same, and its @id is derived
// from its content when [Options.ID] is empty.
//
// A scan without findings gives a document with no statements, which the
// OpenVEX JSON schema does not accept (it wants at least one): there is
// nothing to state.
package openvex

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	govex "github.com/openvex/go-vex/pkg/vex"

	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/vex"
)

// Version is the OpenVEX version written.
const Version = govex.SpecVersion

// Options configures the document.
type Options struct {
	// Author is who makes the statements; "Unknown Author" (go-vex's
	// default) when empty.
	Author string
	// Timestamp is when the document is issued; now when zero. Set it
	// (for example from SOURCE_DATE_EPOCH) for reproducible documents.
	Timestamp time.Time
	// ID is the document's @id, an IRI; when empty it is derived from the
	// SHA-256 of the document's content, in OpenVEX's public namespace.
	ID string
	// AssessOptions decide the status of each finding.
	vex.AssessOptions
}

// Handler writes the document when the scan finishes.
type Handler struct {
	report.Collector
	w    io.Writer
	opts Options
}

// New returns a handler writing to w.
func New(w io.Writer, opts Options) *Handler { return &Handler{w: w, opts: opts} }

// Finish writes the document, indented.
func (h *Handler) Finish() error {
	doc, err := Build(&h.Result, h.opts)
	if err != nil {
		return err
	}
	if err := doc.ToJSON(h.w); err != nil {
		return fmt.Errorf("write OpenVEX document: %w", err)
	}
	return nil
}

// Build converts a scan result to an OpenVEX document.
func Build(r *result.Result, opts Options) (*govex.VEX, error) {
	ts := opts.Timestamp
	if ts.IsZero() {
		ts = time.Now()
	}
	ts = ts.UTC().Truncate(time.Second)
	author := opts.Author
	if author == "" {
		author = govex.DefaultAuthor
	}
	doc := &govex.VEX{
		Metadata: govex.Metadata{
			Context:   govex.ContextLocator(),
			ID:        opts.ID,
			Author:    author,
			Timestamp: &ts,
			Version:   1,
			Tooling:   tooling(r.Tool),
		},
		Statements: []govex.Statement{},
	}
	for _, a := range vex.Assess(r, opts.AssessOptions) {
		st := statement(&a)
		if err := st.Validate(); err != nil {
			return nil, fmt.Errorf("OpenVEX statement for %s in %s: %w", a.Vulnerability, a.Package, err)
		}
		doc.Statements = append(doc.Statements, st)
	}
	if doc.ID == "" {
		id, err := contentID(doc)
		if err != nil {
			return nil, err
		}
		doc.ID = id
	}
	return doc, nil
}

// statement converts an assessment.
func statement(a *vex.Assessment) govex.Statement {
	st := govex.Statement{
		Vulnerability: govex.Vulnerability{
			Name:        govex.VulnerabilityID(a.Vulnerability),
			Description: a.Finding().Summary,
		},
		Status:          govex.Status(a.Status),
		StatusNotes:     a.Notes,
		Justification:   govex.Justification(a.Justification),
		ImpactStatement: a.ImpactStatement,
		ActionStatement: a.ActionStatement,
	}
	for _, alias := range a.Aliases {
		st.Vulnerability.Aliases = append(st.Vulnerability.Aliases, govex.VulnerabilityID(alias))
	}
	for _, p := range a.Products {
		prod := govex.Product{Component: component(p.Component)}
		for _, sc := range p.Subcomponents {
			prod.Subcomponents = append(prod.Subcomponents, govex.Subcomponent{Component: component(sc)})
		}
		st.Products = append(st.Products, prod)
	}
	return st
}

func component(c vex.Component) govex.Component {
	out := govex.Component{ID: c.ID}
	if c.PURL != "" {
		out.Identifiers = map[govex.IdentifierType]string{govex.PURL: c.PURL}
	}
	return out
}

func tooling(t result.Tool) string {
	if t.Name == "" {
		return "patchline"
	}
	if t.Version == "" {
		return t.Name
	}
	return t.Name + " " + t.Version
}

// contentID derives the document's @id from the SHA-256 of its JSON
// without one.
func contentID(doc *govex.VEX) (string, error) {
	var b bytes.Buffer
	if err := doc.ToJSON(&b); err != nil {
		return "", fmt.Errorf("hash OpenVEX document: %w", err)
	}
	sum := sha256.Sum256(b.Bytes())
	return govex.PublicNamespace + "/public/vex-" + hex.EncodeToString(sum[:]), nil
}
