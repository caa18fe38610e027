// Package cyclonedxvex writes a scan as a CycloneDX 1.6 VEX: a JSON BOM
// whose components are the vulnerable packages and whose vulnerabilities
// carry an impact analysis, with github.com/CycloneDX/cyclonedx-go.
//
// There is one vulnerability entry per vulnerability per package, as
// [vex.Assess] decides it. Its analysis state is exploitable for affected,
// not_affected, in_triage for under investigation and resolved for fixed;
// justifications map as code_not_present (vulnerable_code_not_present,
// component_not_present), code_not_reachable
// (vulnerable_code_not_in_execute_path) and protected_by_mitigating_control
// (inline_mitigations_already_exist). vulnerable_code_cannot_be_controlled_by_adversary
// has no CycloneDX equivalent and is given in the analysis detail instead.
// An affected package with a known fix gets the response "update" and the
// upgrade as recommendation. Each entry affects the package's component,
// whose bom-ref is its package URL.
//
// The BOM is reproducible: given the same scan and the same
// [Options.Timestamp], it is byte for byte the same, and its serialNumber
// is derived from its content when [Options.ID] is empty.
package cyclonedxvex

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/package-url/packageurl-go"

	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/severity"
	"github.com/patchline/patchline/internal/vex"
)

const (
	// SpecVersion is the CycloneDX version written.
	SpecVersion = "1.6"
	// SchemaURI is the schema the BOM names in "$schema".
	SchemaURI = "http://cyclonedx.org/schema/bom-1.6.schema.json"
	// AdvisoryBase is the web page of a vulnerability id, the source
	// patchline's advisories come from (OSV).
	AdvisoryBase = "https://osv.dev/vulnerability/"
)

// Options configures the BOM.
type Options struct {
	// Author is who makes the statements, listed in metadata.authors;
	// none when empty.
	Author string
	// Timestamp is when the BOM is issued; now when zero. Set it (for
	// example from SOURCE_DATE_EPOCH) for reproducible BOMs.
	Timestamp time.Time
	// ID is the BOM's serialNumber, "urn:uuid:..."; when empty it is
	// derived from the SHA-256 of the BOM's content.
	ID string
	// AssessOptions decide the status of each finding. With Product set,
	// the product is the BOM's metadata.component.
	vex.AssessOptions
}

// Handler writes the BOM when the scan finishes.
type Handler struct {
	report.Collector
	w    io.Writer
	opts Options
}

// New returns a handler writing to w.
func New(w io.Writer, opts Options) *Handler { return &Handler{w: w, opts: opts} }

// Finish writes the BOM, indented.
func (h *Handler) Finish() error {
	bom, err := Build(&h.Result, h.opts)
	if err != nil {
		return err
	}
	if err := encode(h.w, bom); err != nil {
		return fmt.Errorf("write CycloneDX VEX: %w", err)
	}
	return nil
}

func encode(w io.Writer, bom *cdx.BOM) error {
	return cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false).Encode(bom)
}

var serialPattern = regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// Build converts a scan result to a CycloneDX VEX BOM.
func Build(r *result.Result, opts Options) (*cdx.BOM, error) {
	if opts.ID != "" && !serialPattern.MatchString(opts.ID) {
		return nil, fmt.Errorf("CycloneDX serial number %q is not a lower-case urn:uuid:...", opts.ID)
	}
	ts := opts.Timestamp
	if ts.IsZero() {
		ts = time.Now()
	}
	bom := &cdx.BOM{
		JSONSchema:   SchemaURI,
		BOMFormat:    cdx.BOMFormat,
		SpecVersion:  cdx.SpecVersion1_6,
		SerialNumber: opts.ID,
		Version:      1,
		Metadata: &cdx.Metadata{
			Timestamp: ts.UTC().Format(time.RFC3339),
			Tools:     &cdx.ToolsChoice{Components: &[]cdx.Component{tool(r.Tool)}},
		},
	}
	if opts.Author != "" {
		bom.Metadata.Authors = &[]cdx.OrganizationalContact{{Name: opts.Author}}
	}
	if p := opts.Product; p != "" {
		c := cdx.Component{BOMRef: p, Type: cdx.ComponentTypeApplication, Name: p}
		if k, err := packageurl.FromString(p); err == nil {
			c.Name, c.Version, c.PackageURL = k.Name, k.Version, p
		}
		bom.Metadata.Component = &c
	}
	var comps []cdx.Component
	var vulns []cdx.Vulnerability
	seen := map[string]bool{}
	for _, a := range vex.Assess(r, opts.AssessOptions) {
		if !seen[a.Package] {
			seen[a.Package] = true
			comps = append(comps, component(a.Package, a.Finding()))
		}
		vulns = append(vulns, vulnerability(&a))
	}
	if len(comps) > 0 {
		bom.Components = &comps
		bom.Vulnerabilities = &vulns
	}
	if bom.SerialNumber == "" {
		var b bytes.Buffer
		if err := encode(&b, bom); err != nil {
			return nil, fmt.Errorf("hash CycloneDX VEX: %w", err)
		}
		bom.SerialNumber = serialOf(b.Bytes())
	}
	return bom, nil
}

func tool(t result.Tool) cdx.Component {
	name := t.Name
	if name == "" {
		name = "patchline"
	}
	return cdx.Component{Type: cdx.ComponentTypeApplication, Name: name, Version: t.Version}
}

// serialOf is a UUID made of the first 128 bits of the SHA-256 of data,
// marked as version 8 (custom) with the RFC 9562 variant.
func serialOf(data []byte) string {
	sum := sha256.Sum256(data)
	u := sum[:16]
	u[6] = u[6]&0x0f | 0x80
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u)
	return "urn:uuid:" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// component is the library a finding is in; its bom-ref is its package URL.
func component(purl string, f *result.Finding) cdx.Component {
	c := cdx.Component{BOMRef: purl, Type: cdx.ComponentTypeLibrary, Name: f.Package, Version: f.Version, PackageURL: purl}
	if k, err := packageurl.FromString(purl); err == nil && k.Type == packageurl.TypeMaven {
		c.Group, c.Name = k.Namespace, k.Name
	}
	return c
}

var (
	states = map[vex.Status]cdx.ImpactAnalysisState{
		vex.Affected:           cdx.IASExploitable,
		vex.NotAffected:        cdx.IASNotAffected,
		vex.UnderInvestigation: cdx.IASInTriage,
		vex.Fixed:              cdx.IASResolved,
	}
	justifications = map[vex.Justification]cdx.ImpactAnalysisJustification{
		vex.VulnerableCodeNotPresent:       cdx.IAJCodeNotPresent,
		vex.ComponentNotPresent:            cdx.IAJCodeNotPresent,
		vex.VulnerableCodeNotInExecutePath: cdx.IAJCodeNotReachable,
		vex.InlineMitigationsAlreadyExist:  cdx.IAJProtectedByMitigatingControl,
	}
)

// vulnerability converts an assessment.
func vulnerability(a *vex.Assessment) cdx.Vulnerability {
	f := a.Finding()
	v := cdx.Vulnerability{
		ID:          a.Vulnerability,
		Source:      source(a.Vulnerability),
		Description: f.Summary,
		Affects:     &[]cdx.Affects{{Ref: a.Package}},
	}
	if len(a.Aliases) > 0 {
		refs := make([]cdx.VulnerabilityReference, 0, len(a.Aliases))
		for _, alias := range a.Aliases {
			refs = append(refs, cdx.VulnerabilityReference{ID: alias, Source: source(alias)})
		}
		v.References = &refs
	}
	if r, ok := rating(f.Severity); ok {
		v.Ratings = &[]cdx.VulnerabilityRating{r}
	}
	if u := webURL(f.URL); u != "" {
		v.Advisories = &[]cdx.Advisory{{URL: u}}
	}
	if f.Published != nil {
		v.Published = f.Published.UTC().Format(time.RFC3339)
	}
	if !f.Modified.IsZero() {
		v.Updated = f.Modified.UTC().Format(time.RFC3339)
	}
	an := &cdx.VulnerabilityAnalysis{State: states[a.Status]}
	detail := a.ImpactStatement
	if a.Justification != "" {
		if j, ok := justifications[a.Justification]; ok {
			an.Justification = j
		} else {
			detail = joinSentences(string(a.Justification)+".", detail)
		}
	}
	if a.Status == vex.Affected {
		v.Recommendation = a.ActionStatement
		if len(f.Fixed) > 0 {
			an.Response = &[]cdx.ImpactAnalysisResponse{cdx.IARUpdate}
		}
	}
	an.Detail = joinSentences(detail, a.Notes)
	v.Analysis = an
	return v
}

func source(id string) *cdx.Source {
	return &cdx.Source{Name: "OSV", URL: AdvisoryBase + url.PathEscape(id)}
}

// rating converts a finding's severity; none when nothing is known of it.
func rating(s severity.Severity) (cdx.VulnerabilityRating, bool) {
	if s.Level == severity.Unknown && s.Score == nil {
		return cdx.VulnerabilityRating{}, false
	}
	r := cdx.VulnerabilityRating{Score: s.Score, Severity: cdx.Severity(s.Level.String()), Vector: s.Vector}
	switch {
	case s.Type == "CVSS_V2":
		r.Method = cdx.ScoringMethodCVSSv2
	case s.Type == "CVSS_V3" && strings.HasPrefix(s.Vector, "CVSS:3.0/"):
		r.Method = cdx.ScoringMethodCVSSv3
	case s.Type == "CVSS_V3":
		r.Method = cdx.ScoringMethodCVSSv31
	case s.Type == "CVSS_V4":
		r.Method = cdx.ScoringMethodCVSSv4
	default:
		r.Method = cdx.ScoringMethodOther
	}
	return r, true
}

// webURL returns u when it is an http or https URL, else "".
func webURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return ""
	}
	return p.String()
}

func joinSentences(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}
