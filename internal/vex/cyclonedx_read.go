package vex

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/patchline/patchline/internal/inventory"
)

// CycloneDX analysis states and justifications, mapped onto statuses and
// justifications (see [Statement.Justification]).
var (
	cdxStates = map[cdx.ImpactAnalysisState]Status{
		cdx.IASExploitable:          Affected,
		cdx.IASInTriage:             UnderInvestigation,
		cdx.IASNotAffected:          NotAffected,
		cdx.IASFalsePositive:        NotAffected,
		cdx.IASResolved:             Fixed,
		cdx.IASResolvedWithPedigree: Fixed,
	}
	cdxJustifications = map[cdx.ImpactAnalysisJustification]Justification{
		cdx.IAJCodeNotPresent:               VulnerableCodeNotPresent,
		cdx.IAJCodeNotReachable:             VulnerableCodeNotInExecutePath,
		cdx.IAJRequiresConfiguration:        VulnerableCodeCannotBeControlledByAdversary,
		cdx.IAJRequiresDependency:           VulnerableCodeCannotBeControlledByAdversary,
		cdx.IAJRequiresEnvironment:          VulnerableCodeCannotBeControlledByAdversary,
		cdx.IAJProtectedByCompiler:          InlineMitigationsAlreadyExist,
		cdx.IAJProtectedAtRuntime:           InlineMitigationsAlreadyExist,
		cdx.IAJProtectedAtPerimeter:         InlineMitigationsAlreadyExist,
		cdx.IAJProtectedByMitigatingControl: InlineMitigationsAlreadyExist,
	}
)

// cdxVuln is what a VEX needs of one vulnerability of a BOM. It is read
// leniently: real documents write analysis.response as a string where the
// schema wants an array (CycloneDX's own VEX example does).
type cdxVuln struct {
	BOMRef         string        `json:"bom-ref"`
	ID             string        `json:"id"`
	References     []cdxRef      `json:"references"`
	Recommendation string        `json:"recommendation"`
	Workaround     string        `json:"workaround"`
	Published      string        `json:"published"`
	Updated        string        `json:"updated"`
	Analysis       *cdxAnalysis  `json:"analysis"`
	Affects        []cdx.Affects `json:"affects"`

	line int // the line it starts on; 0 when unknown
}

type cdxRef struct {
	ID string `json:"id"`
}

type cdxAnalysis struct {
	State         cdx.ImpactAnalysisState         `json:"state"`
	Justification cdx.ImpactAnalysisJustification `json:"justification"`
	Response      stringList                      `json:"response"`
	Detail        string                          `json:"detail"`
	FirstIssued   string                          `json:"firstIssued"`
	LastUpdated   string                          `json:"lastUpdated"`
}

// stringList is a JSON array of strings, or one string.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*l = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

// fromCDX converts a vulnerability decoded by cyclonedx-go (from XML).
func fromCDX(v cdx.Vulnerability) cdxVuln {
	out := cdxVuln{
		BOMRef: v.BOMRef, ID: v.ID,
		Recommendation: v.Recommendation, Workaround: v.Workaround,
		Published: v.Published, Updated: v.Updated,
	}
	if v.References != nil {
		for _, r := range *v.References {
			out.References = append(out.References, cdxRef{ID: r.ID})
		}
	}
	if a := v.Analysis; a != nil {
		out.Analysis = &cdxAnalysis{State: a.State, Justification: a.Justification, Detail: a.Detail, FirstIssued: a.FirstIssued, LastUpdated: a.LastUpdated}
		if a.Response != nil {
			for _, r := range *a.Response {
				out.Analysis.Response = append(out.Analysis.Response, string(r))
			}
		}
	}
	if v.Affects != nil {
		out.Affects = *v.Affects
	}
	return out
}

// parseCycloneDXJSON reads the vulnerabilities of a CycloneDX JSON BOM. The
// parts a VEX needs (metadata, components, vulnerabilities) are decoded one
// by one, so that an unrelated part the decoder rejects does not hide them.
func parseCycloneDXJSON(f *jsonFile, top map[string]value) (*Statements, error) {
	c := newCollector()
	doc := Document{Path: f.path, Format: FormatCycloneDX}
	var err error
	if doc.ID, err = f.str(top["serialNumber"]); err != nil {
		c.fail(err)
	}
	var meta *cdx.Metadata
	if v := top["metadata"]; v.present() {
		meta = &cdx.Metadata{}
		if err := f.decodeAs(v, "CycloneDX metadata", meta); err != nil {
			c.fail(err)
			meta = nil
		}
	}
	items, err := f.array(top["components"])
	if err != nil {
		c.fail(err)
	}
	var comps []cdx.Component
	for _, item := range items {
		var comp cdx.Component
		if err := f.decodeAs(item, "CycloneDX component", &comp); err != nil {
			c.fail(err)
			continue
		}
		comps = append(comps, comp)
	}
	items, err = f.array(top["vulnerabilities"])
	if err != nil {
		c.fail(err)
	}
	var vulns []cdxVuln
	for _, item := range items {
		var v cdxVuln
		if err := f.decodeAs(item, "CycloneDX vulnerability", &v); err != nil {
			c.fail(err)
			continue
		}
		v.line = f.line(item)
		vulns = append(vulns, v)
	}
	if _, ok := top["vulnerabilities"]; !ok {
		c.warnf("%s: CycloneDX BOM has no vulnerabilities: it states nothing", f.path)
	}
	cycloneDXStatements(c, doc, meta, comps, vulns)
	return c.result()
}

// parseCycloneDXXML reads the vulnerabilities of a CycloneDX XML BOM.
func parseCycloneDXXML(path string, data []byte) (*Statements, error) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatXML).Decode(&bom); err != nil {
		var syn *xml.SyntaxError
		if errors.As(err, &syn) {
			return &Statements{}, inventory.Errorf(path, syn.Line, "invalid XML: %s", syn.Msg)
		}
		return &Statements{}, inventory.Errorf(path, 0, "CycloneDX XML: %v", err)
	}
	c := newCollector()
	doc := Document{Path: path, Format: FormatCycloneDX, ID: bom.SerialNumber}
	var comps []cdx.Component
	if bom.Components != nil {
		comps = *bom.Components
	}
	var vulns []cdxVuln
	if bom.Vulnerabilities != nil {
		for _, v := range *bom.Vulnerabilities {
			vulns = append(vulns, fromCDX(v))
		}
	} else {
		c.warnf("%s: CycloneDX BOM has no vulnerabilities: it states nothing", path)
	}
	cycloneDXStatements(c, doc, bom.Metadata, comps, vulns)
	return c.result()
}

// cdxBOM is what the statements of one BOM share.
type cdxBOM struct {
	c    *collector
	doc  Document
	refs map[string]cdx.Component
	// product is the BOM's metadata.component, the product its
	// components are part of; nil when it names none.
	product *Component
}

// cycloneDXStatements makes one statement of each vulnerability.
func cycloneDXStatements(c *collector, doc Document, meta *cdx.Metadata, comps []cdx.Component, vulns []cdxVuln) {
	b := &cdxBOM{c: c, refs: map[string]cdx.Component{}}
	var walk func([]cdx.Component)
	walk = func(list []cdx.Component) {
		for _, comp := range list {
			if comp.BOMRef != "" {
				b.refs[comp.BOMRef] = comp
			}
			if comp.Components != nil {
				walk(*comp.Components)
			}
		}
	}
	walk(comps)
	if meta != nil {
		if mc := meta.Component; mc != nil {
			walk([]cdx.Component{*mc})
			id := mc.BOMRef
			if id == "" {
				id = mc.Name
			}
			b.product = &Component{ID: id, PURL: mc.PackageURL}
		}
		doc.Author = cdxAuthor(meta)
		if t, err := parseTime(meta.Timestamp); err == nil {
			doc.Timestamp = t
		} else {
			c.warnf("%s: metadata: %v", doc.Path, err)
		}
	}
	b.doc = doc
	for _, v := range vulns {
		st, err := b.statement(v)
		if err != nil {
			c.fail(err)
			continue
		}
		c.out.List = append(c.out.List, st)
	}
}

func cdxAuthor(meta *cdx.Metadata) string {
	if meta.Authors != nil {
		var names []string
		for _, a := range *meta.Authors {
			if a.Name != "" {
				names = append(names, a.Name)
			}
		}
		if len(names) > 0 {
			return strings.Join(names, ", ")
		}
	}
	for _, e := range []*cdx.OrganizationalEntity{meta.Manufacturer, meta.Supplier} {
		if e != nil && e.Name != "" {
			return e.Name
		}
	}
	return ""
}

// statement reads one vulnerability. Without an analysis, a vulnerability
// listed as affecting components is a disclosure: affected.
func (b *cdxBOM) statement(v cdxVuln) (Statement, error) {
	c, doc := b.c, b.doc
	where := doc.Path
	if v.line > 0 {
		where = fmt.Sprintf("%s:%d", doc.Path, v.line)
	}
	if v.ID == "" {
		return Statement{}, inventory.Errorf(doc.Path, v.line, "CycloneDX vulnerability has no id")
	}
	st := Statement{
		Vulnerability: v.ID,
		ID:            v.BOMRef,
		Status:        Affected,
		Timestamp:     doc.Timestamp,
		Document:      doc,
		Line:          v.line,
	}
	for _, r := range v.References {
		if r.ID != "" && r.ID != v.ID && !slices.Contains(st.Aliases, r.ID) {
			st.Aliases = append(st.Aliases, r.ID)
		}
	}
	for _, s := range []string{v.Published, v.Updated} {
		if t, err := parseTime(s); err == nil && !t.IsZero() {
			st.Timestamp = t
		}
	}
	action := joinSentences(v.Recommendation, v.Workaround)
	if a := v.Analysis; a != nil {
		if a.State != "" {
			status, ok := cdxStates[a.State]
			if !ok {
				return Statement{}, inventory.Errorf(doc.Path, v.line, "CycloneDX vulnerability %q: unknown analysis state %q", v.ID, a.State)
			}
			st.Status = status
		}
		if a.State == cdx.IASFalsePositive {
			st.Label = string(a.State)
		}
		if a.Justification != "" {
			st.Label = string(a.Justification)
			j, ok := cdxJustifications[a.Justification]
			if !ok {
				c.warnf("%s: CycloneDX vulnerability %q: unknown justification %q", where, v.ID, a.Justification)
			}
			st.Justification = j
		}
		for _, s := range []string{a.FirstIssued, a.LastUpdated} {
			t, err := parseTime(s)
			if err != nil {
				return Statement{}, inventory.Errorf(doc.Path, v.line, "CycloneDX vulnerability %q: analysis: %v", v.ID, err)
			}
			if !t.IsZero() {
				st.Timestamp = t
			}
		}
		if len(a.Response) > 0 {
			action = joinSentences(action, "Response: "+strings.Join(a.Response, ", ")+".")
		}
		if st.Status == NotAffected {
			st.ImpactStatement = a.Detail
		} else {
			st.Notes = a.Detail
		}
	}
	if st.Status == Affected {
		st.ActionStatement = action
	}
	var parts []Component
	for _, af := range v.Affects {
		for _, comp := range b.affected(where, af) {
			if b.product != nil && comp.ID != b.product.ID {
				parts = append(parts, comp)
				continue
			}
			st.Products = append(st.Products, Product{Component: comp})
		}
	}
	if len(parts) > 0 {
		st.Products = append(st.Products, Product{Component: *b.product, Subcomponents: parts})
	}
	warnUnmatchable(c, where, &st)
	return st, nil
}

// affected resolves an affects entry: the component its ref names in the
// BOM (or the package URL the ref is, or the bom-ref a BOM-Link points
// to). When that component's package URL has no version, the exact
// versions the entry lists make one component each; version ranges are not
// evaluated, so they make none.
func (b *cdxBOM) affected(where string, af cdx.Affects) []Component {
	ref := af.Ref
	purl := ""
	if comp, ok := b.refs[ref]; ok {
		purl = comp.PackageURL
	} else if isPURL(ref) {
		purl = ref
	} else if strings.HasPrefix(ref, "urn:cdx:") {
		if _, frag, ok := strings.Cut(ref, "#"); ok {
			if f, err := url.PathUnescape(frag); err == nil && isPURL(f) {
				purl = f
			}
		}
	}
	if purl == "" || af.Range == nil || len(*af.Range) == 0 {
		return []Component{{ID: ref, PURL: purl}}
	}
	if k, err := parsePURL(purl); err != nil || k.version != "" {
		return []Component{{ID: ref, PURL: purl}}
	}
	var out []Component
	for _, ver := range *af.Range {
		if ver.Version == "" {
			b.c.warnf("%s: affects %q: version range %q is not evaluated; the statement does not apply to it", where, ref, ver.Range)
			continue
		}
		out = append(out, Component{ID: ref, PURL: withVersion(purl, ver.Version)})
	}
	return out
}

// withVersion sets the version of a package URL without one.
func withVersion(purl, version string) string {
	base, rest := purl, ""
	if i := strings.IndexAny(purl, "?#"); i >= 0 {
		base, rest = purl[:i], purl[i:]
	}
	return base + "@" + url.PathEscape(version) + rest
}
