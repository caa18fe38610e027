// Package vex states, for each finding of a scan, whether a product is
// affected by it (VEX: Vulnerability Exploitability eXchange), and reads such
// statements back so that a scan can suppress or annotate its findings.
//
// Three formats are read by [Load], which tells them apart by content:
//
//   - OpenVEX (https://openvex.dev), versions 0.2.0 and the older 0.0.1;
//   - CycloneDX VEX: a CycloneDX BOM (JSON or XML) whose vulnerabilities
//     carry an analysis;
//   - CSAF 2.0 (the csaf_vex profile, and other CSAF documents with
//     product_status).
//
// Each format's vocabulary is mapped onto one [Statement]: the four OpenVEX
// statuses ([NotAffected], [Affected], [Fixed], [UnderInvestigation]) and the
// five OpenVEX justifications, which are also CSAF's VEX justification labels.
// CycloneDX justifications are mapped onto those (see [Statement.Justification])
// and kept as the document spelled them in [Statement.Label].
//
// A statement is about products. Where a document says that a package is
// part of a product (an OpenVEX subcomponent; a component of a CycloneDX
// BOM that names its product in metadata.component; a CSAF relationship's
// product_reference, the product being relates_to_product_reference), the
// statement says how that product uses the package, which does not carry
// over to other products: [Statements.Match] applies only statements about
// the package itself, [Statements.MatchIn] also those about it in a given
// product.
//
// [Assess] decides the status of each finding of a scan; the subpackages
// openvex and cyclonedxvex write the assessments as report handlers.
package vex

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Status is what a statement says of a vulnerability in a product.
type Status string

// The statuses, as OpenVEX names them.
const (
	// NotAffected: no remediation is needed.
	NotAffected Status = "not_affected"
	// Affected: action is recommended.
	Affected Status = "affected"
	// Fixed: the product contains a fix.
	Fixed Status = "fixed"
	// UnderInvestigation: it is not yet known whether the product is
	// affected.
	UnderInvestigation Status = "under_investigation"
)

// Valid reports whether s is one of the four statuses.
func (s Status) Valid() bool {
	switch s {
	case NotAffected, Affected, Fixed, UnderInvestigation:
		return true
	}
	return false
}

// Suppresses reports whether findings with this status are no longer
// findings: the product is not affected, or contains a fix.
func (s Status) Suppresses() bool { return s == NotAffected || s == Fixed }

// Justification says why a product is not affected. The values are OpenVEX's
// status justifications, which CSAF 2.0 uses as its VEX flag labels.
type Justification string

// The justifications.
const (
	ComponentNotPresent                         Justification = "component_not_present"
	VulnerableCodeNotPresent                    Justification = "vulnerable_code_not_present"
	VulnerableCodeNotInExecutePath              Justification = "vulnerable_code_not_in_execute_path"
	VulnerableCodeCannotBeControlledByAdversary Justification = "vulnerable_code_cannot_be_controlled_by_adversary"
	InlineMitigationsAlreadyExist               Justification = "inline_mitigations_already_exist"
)

// Valid reports whether j is one of the five justifications.
func (j Justification) Valid() bool {
	switch j {
	case ComponentNotPresent, VulnerableCodeNotPresent, VulnerableCodeNotInExecutePath,
		VulnerableCodeCannotBeControlledByAdversary, InlineMitigationsAlreadyExist:
		return true
	}
	return false
}

// Formats of VEX documents, as [Document.Format] names them.
const (
	FormatOpenVEX   = "openvex"
	FormatCycloneDX = "cyclonedx"
	FormatCSAF      = "csaf"
)

// Document is the file a statement came from.
type Document struct {
	// Path is the file as given to [Load].
	Path string
	// Format is [FormatOpenVEX], [FormatCycloneDX] or [FormatCSAF].
	Format string
	// ID is the document's own id: the OpenVEX @id, the CycloneDX
	// serialNumber, the CSAF tracking id.
	ID string
	// Author is who issued it: the OpenVEX author, the CSAF publisher, the
	// CycloneDX metadata authors or manufacturer; empty when unknown.
	Author string
	// Timestamp is when it was issued or last updated; zero when unknown.
	Timestamp time.Time
}

// Component identifies a product or one of its parts.
type Component struct {
	// ID is the identifier as the document gives it: an IRI, a PURL, a
	// CycloneDX bom-ref, a CSAF product id.
	ID string
	// PURL is its package URL when the document gives one; statements
	// are matched to findings by it.
	PURL string
}

// Product is what a statement is about: a component, and optionally the
// parts of it (subcomponents) that carry the vulnerability.
type Product struct {
	Component
	Subcomponents []Component
}

// Statement is one statement of a VEX document: what its author says of one
// vulnerability in some products.
type Statement struct {
	// Vulnerability is the id the statement names; Aliases are other ids
	// it gives for the same vulnerability.
	Vulnerability string
	Aliases       []string
	Products      []Product
	Status        Status
	// Justification says why a product is not affected, in OpenVEX's
	// vocabulary. CycloneDX justifications are mapped onto it:
	// code_not_present → vulnerable_code_not_present, code_not_reachable
	// → vulnerable_code_not_in_execute_path, requires_configuration,
	// requires_dependency and requires_environment →
	// vulnerable_code_cannot_be_controlled_by_adversary, and the four
	// protected_* → inline_mitigations_already_exist. A CycloneDX
	// false_positive state is [NotAffected] with no justification.
	Justification Justification
	// Label is the justification (or, for a CycloneDX false_positive, the
	// state) as the document spelled it.
	Label string
	// ImpactStatement says in words why a product is not affected.
	ImpactStatement string
	// ActionStatement says what to do about an affected product.
	ActionStatement string
	// Notes is what else the statement says of how the status was
	// determined.
	Notes string
	// ID is the statement's own id, when the document gives one.
	ID string
	// Timestamp is when the statement was made (the document's time when
	// the statement has none); zero when unknown.
	Timestamp time.Time
	// Document is the file the statement came from.
	Document Document
	// Line is the 1-based line of the statement in its file; 0 when not
	// known (XML documents).
	Line int
}

// Source is where the statement is: "path:line", or the path when the line
// is not known.
func (st *Statement) Source() string {
	if st.Line > 0 {
		return fmt.Sprintf("%s:%d", st.Document.Path, st.Line)
	}
	return st.Document.Path
}

// Names reports whether the statement names id as its vulnerability or an
// alias of it. Ids are compared case-insensitively ("cve-2021-44228" is
// "CVE-2021-44228").
func (st *Statement) Names(id string) bool {
	if id == "" {
		return false
	}
	if strings.EqualFold(st.Vulnerability, id) {
		return true
	}
	return slices.ContainsFunc(st.Aliases, func(a string) bool { return strings.EqualFold(a, id) })
}

// Statements is what one or more VEX files say.
type Statements struct {
	// List holds the statements in the order they were read.
	List []Statement
	// Warnings are things the files said that could not be used, such as
	// statements without products. They did not stop the loading.
	Warnings []string
}

// Merge returns the statements of all of lists, in order. Later statements
// win over earlier ones of the same time (see [Statements.Match]).
func Merge(lists ...*Statements) *Statements {
	out := &Statements{}
	for _, s := range lists {
		if s == nil {
			continue
		}
		out.List = append(out.List, s.List...)
		out.Warnings = append(out.Warnings, s.Warnings...)
	}
	return out
}

// Match returns the statement that applies to a finding: one naming any of
// ids (the finding's id and aliases) for a product whose package URL matches
// purl. When several apply, the newest wins, and of equally new ones the one
// read last.
//
// Package URLs match when their type, namespace and name are equal (after
// the PURL spec's normalisation for the type, and PyPI's name
// normalisation); the version must be equal when the statement gives one,
// and so must each qualifier and the subpath the statement gives. A
// versionless statement product thus covers every version.
//
// Match does not apply statements through subcomponents: a statement about
// a subcomponent of a product says how that product uses it, which does not
// carry over to another product. Use [Statements.MatchIn] for the findings
// of a known product.
func (s *Statements) Match(ids []string, purl string) (Statement, bool) {
	return s.match("", ids, purl)
}

// MatchIn is [Statements.Match] for the findings of the product named by
// product (a package URL or an IRI, as the statements name it; [AnyProduct]
// for whatever product they name): statements also apply to purl through
// the subcomponents of a matching product, and such a statement about the
// package in this product wins over statements about the package alone,
// whatever their times.
func (s *Statements) MatchIn(product string, ids []string, purl string) (Statement, bool) {
	return s.match(product, ids, purl)
}

// AnyProduct, given to [Statements.MatchIn], says that the statements are
// about the scanned project, whatever product they name: the user vouches
// that the VEX documents were written for it.
const AnyProduct = "*"

func (s *Statements) match(product string, ids []string, purl string) (Statement, bool) {
	if s == nil || purl == "" {
		return Statement{}, false
	}
	want, err := parsePURL(purl)
	if err != nil {
		return Statement{}, false
	}
	best, bestInProduct := -1, false
	for i := range s.List {
		st := &s.List[i]
		if !slices.ContainsFunc(ids, st.Names) {
			continue
		}
		applies, inProduct := st.appliesTo(product, want)
		if !applies {
			continue
		}
		switch {
		case best < 0, inProduct && !bestInProduct:
		case inProduct != bestInProduct, st.Timestamp.Before(s.List[best].Timestamp):
			continue
		}
		best, bestInProduct = i, inProduct
	}
	if best < 0 {
		return Statement{}, false
	}
	return s.List[best], true
}

// appliesTo reports whether one of the statement's products is the package,
// or has it as a subcomponent while itself matching product (inProduct).
func (st *Statement) appliesTo(product string, pkg purlKey) (applies, inProduct bool) {
	for _, p := range st.Products {
		if product == "" || !identityMatches(p.Component, product) {
			continue
		}
		for _, sc := range p.Subcomponents {
			if sc.PURL != "" && componentMatches(sc.PURL, pkg) {
				return true, true
			}
		}
	}
	for _, p := range st.Products {
		if p.PURL != "" && componentMatches(p.PURL, pkg) {
			return true, false
		}
	}
	return false, false
}

// identityMatches reports whether a statement's product is the product
// named by id: by package URL when both are ones, else by equal ids.
func identityMatches(c Component, id string) bool {
	if id == AnyProduct {
		return true
	}
	if c.PURL != "" {
		if k, err := parsePURL(id); err == nil {
			return componentMatches(c.PURL, k)
		}
	}
	return c.ID != "" && c.ID == id
}
