package vex

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// CSAF documents as read: the parts of CSAF 2.0 (and 2.1) a VEX needs.
type (
	csafDocument struct {
		Category    string `json:"category"`
		CSAFVersion string `json:"csaf_version"`
		Publisher   struct {
			Name string `json:"name"`
		} `json:"publisher"`
		Tracking struct {
			ID                 string `json:"id"`
			InitialReleaseDate string `json:"initial_release_date"`
			CurrentReleaseDate string `json:"current_release_date"`
		} `json:"tracking"`
	}
	csafHelper struct {
		PURL  string   `json:"purl"`
		PURLs []string `json:"purls"` // CSAF 2.1
	}
	csafProduct struct {
		ProductID string      `json:"product_id"`
		Name      string      `json:"name"`
		Helper    *csafHelper `json:"product_identification_helper"`
	}
	csafBranch struct {
		Category string       `json:"category"`
		Name     string       `json:"name"`
		Product  *csafProduct `json:"product"`
		Branches []csafBranch `json:"branches"`
	}
	csafRelationship struct {
		Category         string      `json:"category"`
		FullProductName  csafProduct `json:"full_product_name"`
		ProductReference string      `json:"product_reference"`
		RelatesTo        string      `json:"relates_to_product_reference"`
	}
	csafTree struct {
		Branches         []csafBranch       `json:"branches"`
		FullProductNames []csafProduct      `json:"full_product_names"`
		Relationships    []csafRelationship `json:"relationships"`
		ProductGroups    []struct {
			GroupID    string   `json:"group_id"`
			ProductIDs []string `json:"product_ids"`
		} `json:"product_groups"`
	}
	// csafScoped is a flag, threat or remediation: something said of some
	// products.
	csafScoped struct {
		Category   string   `json:"category"`
		Label      string   `json:"label"`
		Details    string   `json:"details"`
		ProductIDs []string `json:"product_ids"`
		GroupIDs   []string `json:"group_ids"`
	}
	csafVulnerability struct {
		CVE string `json:"cve"`
		IDs []struct {
			SystemName string `json:"system_name"`
			Text       string `json:"text"`
		} `json:"ids"`
		ProductStatus map[string][]string `json:"product_status"`
		Flags         []csafScoped        `json:"flags"`
		Threats       []csafScoped        `json:"threats"`
		Remediations  []csafScoped        `json:"remediations"`
	}
)

// csafStatuses maps CSAF product status groups to statuses, in the order
// statements are made. "recommended" says which versions to use, not
// whether they are affected, so it makes no statement.
var csafStatuses = []struct {
	group  string
	status Status
}{
	{"known_not_affected", NotAffected},
	{"fixed", Fixed},
	{"first_fixed", Fixed},
	{"known_affected", Affected},
	{"first_affected", Affected},
	{"last_affected", Affected},
	{"under_investigation", UnderInvestigation},
}

// csafProducts resolves CSAF product ids.
type csafProducts struct {
	byID   map[string]csafProduct
	rels   map[string]csafRelationship
	groups map[string][]string
}

func newCSAFProducts(tree *csafTree) *csafProducts {
	p := &csafProducts{byID: map[string]csafProduct{}, rels: map[string]csafRelationship{}, groups: map[string][]string{}}
	var walk func([]csafBranch)
	walk = func(bs []csafBranch) {
		for _, b := range bs {
			if b.Product != nil && b.Product.ProductID != "" {
				p.byID[b.Product.ProductID] = *b.Product
			}
			walk(b.Branches)
		}
	}
	walk(tree.Branches)
	for _, fpn := range tree.FullProductNames {
		if fpn.ProductID != "" {
			p.byID[fpn.ProductID] = fpn
		}
	}
	for _, r := range tree.Relationships {
		if id := r.FullProductName.ProductID; id != "" {
			p.byID[id] = r.FullProductName
			p.rels[id] = r
		}
	}
	for _, g := range tree.ProductGroups {
		p.groups[g.GroupID] = g.ProductIDs
	}
	return p
}

// purl is the package URL of a product id, or "".
func (p *csafProducts) purl(id string) string {
	prod, ok := p.byID[id]
	if !ok || prod.Helper == nil {
		return ""
	}
	if prod.Helper.PURL != "" {
		return prod.Helper.PURL
	}
	if len(prod.Helper.PURLs) > 0 {
		return prod.Helper.PURLs[0]
	}
	return ""
}

// product resolves a product id. A product made by a relationship
// ("component X default_component_of product Y") is product Y with X as
// its subcomponent, unless it has a package URL of its own.
func (p *csafProducts) product(id string) (Product, bool) {
	if r, ok := p.rels[id]; ok {
		prod := Product{Component: Component{ID: r.RelatesTo, PURL: p.purl(r.RelatesTo)}}
		if own := p.purl(id); own != "" {
			prod.Component = Component{ID: id, PURL: own}
		}
		prod.Subcomponents = []Component{{ID: r.ProductReference, PURL: p.purl(r.ProductReference)}}
		return prod, true
	}
	_, ok := p.byID[id]
	return Product{Component: Component{ID: id, PURL: p.purl(id)}}, ok
}

// scope returns the product ids a flag, threat or remediation names,
// directly or through groups.
func (p *csafProducts) scope(s csafScoped) []string {
	ids := slices.Clone(s.ProductIDs)
	for _, g := range s.GroupIDs {
		ids = append(ids, p.groups[g]...)
	}
	return ids
}

// parseCSAF reads the product statuses of a CSAF document.
func parseCSAF(f *jsonFile, top map[string]value) (*Statements, error) {
	c := newCollector()
	var d csafDocument
	if err := f.decodeAs(top["document"], "CSAF document", &d); err != nil {
		c.fail(err)
		return c.result()
	}
	if d.CSAFVersion != "2.0" && d.CSAFVersion != "2.1" {
		c.fail(f.errorf(top["document"], "CSAF version %q is not supported: want 2.0", d.CSAFVersion))
		return c.result()
	}
	doc := Document{Path: f.path, Format: FormatCSAF, ID: d.Tracking.ID, Author: d.Publisher.Name}
	for _, s := range []string{d.Tracking.InitialReleaseDate, d.Tracking.CurrentReleaseDate} {
		t, err := parseTime(s)
		if err != nil {
			c.fail(f.errorf(top["document"], "tracking: %v", err))
		} else if !t.IsZero() {
			doc.Timestamp = t
		}
	}
	var tree csafTree
	if v := top["product_tree"]; v.present() {
		if err := f.decodeAs(v, "CSAF product_tree", &tree); err != nil {
			c.fail(err)
			return c.result()
		}
	}
	products := newCSAFProducts(&tree)
	items, err := f.array(top["vulnerabilities"])
	if err != nil {
		c.fail(err)
		return c.result()
	}
	if len(items) == 0 {
		c.warnf("%s: CSAF document has no vulnerabilities: it states nothing", f.path)
	}
	noPURL := 0
	for _, item := range items {
		var v csafVulnerability
		if err := f.decodeAs(item, "CSAF vulnerability", &v); err != nil {
			c.fail(err)
			continue
		}
		stmts, err := csafStatements(c, f, item, doc, products, &v)
		if err != nil {
			c.fail(err)
			continue
		}
		for _, st := range stmts {
			if !hasPURL(st.Products[0]) {
				noPURL++
			}
		}
		c.out.List = append(c.out.List, stmts...)
	}
	if noPURL > 0 {
		c.warnf("%s: %d CSAF product statuses name products without a package URL (product_identification_helper.purl); they apply to no finding", f.path, noPURL)
	}
	return c.result()
}

func hasPURL(p Product) bool {
	if p.PURL != "" {
		return true
	}
	return slices.ContainsFunc(p.Subcomponents, func(c Component) bool { return c.PURL != "" })
}

// csafStatements makes one statement of each product status of one
// vulnerability.
func csafStatements(c *collector, f *jsonFile, item value, doc Document, products *csafProducts, v *csafVulnerability) ([]Statement, error) {
	where := fmt.Sprintf("%s:%d", f.path, f.line(item))
	var ids []string
	if v.CVE != "" {
		ids = append(ids, v.CVE)
	}
	for _, id := range v.IDs {
		if id.Text != "" && !slices.Contains(ids, id.Text) {
			ids = append(ids, id.Text)
		}
	}
	if len(ids) == 0 {
		return nil, f.errorf(item, "CSAF vulnerability has neither cve nor ids")
	}
	labels := map[string]string{}
	for _, fl := range v.Flags {
		if !Justification(fl.Label).Valid() {
			c.warnf("%s: %s: unknown flag label %q", where, ids[0], fl.Label)
		}
		for _, id := range products.scope(fl) {
			labels[id] = fl.Label
		}
	}
	impacts := map[string][]string{}
	for _, t := range v.Threats {
		if t.Category != "impact" || t.Details == "" {
			continue
		}
		for _, id := range products.scope(t) {
			impacts[id] = append(impacts[id], t.Details)
		}
	}
	actions := map[string][]string{}
	for _, r := range v.Remediations {
		text := strings.ReplaceAll(r.Category, "_", " ")
		if r.Details != "" {
			text += ": " + r.Details
		}
		for _, id := range products.scope(r) {
			actions[id] = append(actions[id], text)
		}
	}
	for _, group := range slices.Sorted(maps.Keys(v.ProductStatus)) {
		if !csafGroupKnown(group) {
			c.warnf("%s: %s: unknown product status %q", where, ids[0], group)
		}
	}
	var out []Statement
	for _, s := range csafStatuses {
		for _, id := range v.ProductStatus[s.group] {
			prod, known := products.product(id)
			if !known {
				c.warnf("%s: %s: product id %q is not in the product tree", where, ids[0], id)
			}
			st := Statement{
				Vulnerability: ids[0],
				Aliases:       ids[1:],
				Products:      []Product{prod},
				Status:        s.status,
				Timestamp:     doc.Timestamp,
				Document:      doc,
				Line:          f.line(item),
			}
			if s.status == NotAffected {
				st.Label = labels[id]
				if Justification(st.Label).Valid() {
					st.Justification = Justification(st.Label)
				}
				st.ImpactStatement = strings.Join(impacts[id], " ")
			}
			if s.status == Affected {
				st.ActionStatement = strings.Join(actions[id], "; ")
			} else {
				st.Notes = strings.Join(actions[id], "; ")
			}
			out = append(out, st)
		}
	}
	if len(out) == 0 && len(v.ProductStatus) == 0 {
		c.warnf("%s: %s has no product_status: it states nothing", where, ids[0])
	}
	return out, nil
}

// csafGroupKnown reports whether group is a CSAF product status group.
func csafGroupKnown(group string) bool {
	if group == "recommended" {
		return true
	}
	for _, s := range csafStatuses {
		if s.group == group {
			return true
		}
	}
	return false
}
