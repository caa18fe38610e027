package vex

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/patchline/patchline/internal/inventory"
)

// OpenVEX documents as read: the fields of 0.2.0, and the plain strings
// 0.0.1 wrote for vulnerabilities, products and subcomponents.
type (
	ovStatement struct {
		ID              string            `json:"@id"`
		Vulnerability   json.RawMessage   `json:"vulnerability"`
		Products        []json.RawMessage `json:"products"`
		Subcomponents   []json.RawMessage `json:"subcomponents"` // 0.0.1
		Status          string            `json:"status"`
		Justification   string            `json:"justification"`
		ImpactStatement string            `json:"impact_statement"`
		ActionStatement string            `json:"action_statement"`
		StatusNotes     string            `json:"status_notes"`
		Timestamp       string            `json:"timestamp"`
		LastUpdated     string            `json:"last_updated"`
	}
	ovVulnerability struct {
		ID      string   `json:"@id"`
		Name    string   `json:"name"`
		Aliases []string `json:"aliases"`
	}
	ovComponent struct {
		ID            string            `json:"@id"`
		Identifiers   map[string]string `json:"identifiers"`
		Subcomponents []json.RawMessage `json:"subcomponents"`
	}
)

// parseOpenVEX reads an OpenVEX document.
func parseOpenVEX(f *jsonFile, top map[string]value) (*Statements, error) {
	c := newCollector()
	doc := Document{Path: f.path, Format: FormatOpenVEX}
	var err error
	if doc.ID, err = f.str(top["@id"]); err != nil {
		c.fail(err)
	}
	if doc.Author, err = f.str(top["author"]); err != nil {
		c.fail(err)
	}
	for _, key := range []string{"timestamp", "last_updated"} {
		t, err := f.timestamp(top[key])
		if err != nil {
			c.fail(err)
		} else if !t.IsZero() {
			doc.Timestamp = t
		}
	}
	stmts, ok := top["statements"]
	if !ok {
		c.fail(inventory.Errorf(f.path, 0, "OpenVEX document has no \"statements\""))
		return c.result()
	}
	items, err := f.array(stmts)
	if err != nil {
		c.fail(err)
		return c.result()
	}
	for _, item := range items {
		st, err := f.openVEXStatement(item, doc, c)
		if err != nil {
			c.fail(err)
			continue
		}
		c.out.List = append(c.out.List, st)
	}
	return c.result()
}

func (f *jsonFile) timestamp(v value) (time.Time, error) {
	s, err := f.str(v)
	if err != nil {
		return time.Time{}, err
	}
	t, err := parseTime(s)
	if err != nil {
		return time.Time{}, f.errorf(v, "%v", err)
	}
	return t, nil
}

// openVEXStatement reads one statement.
func (f *jsonFile) openVEXStatement(item value, doc Document, c *collector) (Statement, error) {
	var raw ovStatement
	if err := f.decode(item, &raw); err != nil {
		return Statement{}, err
	}
	st := Statement{
		ID:              raw.ID,
		Status:          Status(raw.Status),
		Justification:   Justification(raw.Justification),
		Label:           raw.Justification,
		ImpactStatement: raw.ImpactStatement,
		ActionStatement: raw.ActionStatement,
		Notes:           raw.StatusNotes,
		Timestamp:       doc.Timestamp,
		Document:        doc,
		Line:            f.line(item),
	}
	where := fmt.Sprintf("%s:%d", f.path, st.Line)
	if err := decodeVulnerability(raw.Vulnerability, &st); err != nil {
		return Statement{}, f.errorf(item, "%v", err)
	}
	if !st.Status.Valid() {
		return Statement{}, f.errorf(item, "statement for %q: status %q is not one of not_affected, affected, fixed, under_investigation", st.Vulnerability, raw.Status)
	}
	for _, s := range []string{raw.Timestamp, raw.LastUpdated} {
		t, err := parseTime(s)
		if err != nil {
			return Statement{}, f.errorf(item, "statement for %q: %v", st.Vulnerability, err)
		}
		if !t.IsZero() {
			st.Timestamp = t
		}
	}
	if st.Justification != "" && !st.Justification.Valid() {
		c.warnf("%s: statement for %q: unknown justification %q", where, st.Vulnerability, raw.Justification)
		st.Justification = ""
	}
	if st.Status == NotAffected && st.Justification == "" && st.ImpactStatement == "" {
		c.warnf("%s: statement for %q is not_affected without a justification or impact statement", where, st.Vulnerability)
	}
	var shared []Component
	for _, r := range raw.Subcomponents {
		sc, err := decodeComponent(r)
		if err != nil {
			return Statement{}, f.errorf(item, "statement for %q: subcomponent: %v", st.Vulnerability, err)
		}
		shared = append(shared, sc.Component)
	}
	for _, r := range raw.Products {
		p, err := decodeComponent(r)
		if err != nil {
			return Statement{}, f.errorf(item, "statement for %q: product: %v", st.Vulnerability, err)
		}
		p.Subcomponents = append(p.Subcomponents, shared...)
		st.Products = append(st.Products, p)
	}
	warnUnmatchable(c, where, &st)
	return st, nil
}

// decodeVulnerability reads an OpenVEX vulnerability: an object, or the
// plain id of 0.0.1.
func decodeVulnerability(raw json.RawMessage, st *Statement) error {
	if len(raw) == 0 || string(raw) == "null" {
		return fmt.Errorf("statement has no vulnerability")
	}
	var name string
	if json.Unmarshal(raw, &name) == nil {
		st.Vulnerability = name
	} else {
		var v ovVulnerability
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("vulnerability: want an object or a string, got %s", kind(raw))
		}
		st.Vulnerability, st.Aliases = v.Name, v.Aliases
		if st.Vulnerability == "" {
			st.Vulnerability = v.ID
		}
	}
	if st.Vulnerability == "" {
		return fmt.Errorf("statement's vulnerability has no name")
	}
	return nil
}

// decodeComponent reads an OpenVEX product or subcomponent: an object, or
// the plain IRI of 0.0.1.
func decodeComponent(raw json.RawMessage) (Product, error) {
	var id string
	if json.Unmarshal(raw, &id) == nil {
		return Product{Component: componentOf(id, "")}, nil
	}
	var c ovComponent
	if err := json.Unmarshal(raw, &c); err != nil {
		return Product{}, fmt.Errorf("want an object or a string, got %s", kind(raw))
	}
	p := Product{Component: componentOf(c.ID, c.Identifiers["purl"])}
	if p.ID == "" && p.PURL == "" && len(c.Identifiers) == 0 {
		return Product{}, fmt.Errorf("component has neither @id nor identifiers")
	}
	for _, r := range c.Subcomponents {
		sc, err := decodeComponent(r)
		if err != nil {
			return Product{}, fmt.Errorf("subcomponent: %w", err)
		}
		p.Subcomponents = append(p.Subcomponents, sc.Component)
	}
	return p, nil
}

// componentOf is a component with the given id and package URL; an id
// that is a package URL is its package URL when none is given.
func componentOf(id, purl string) Component {
	c := Component{ID: id, PURL: purl}
	if c.PURL == "" && isPURL(id) {
		c.PURL = id
	}
	if c.ID == "" {
		c.ID = c.PURL
	}
	return c
}

// warnUnmatchable warns about a statement that can apply to no finding
// because it names no package URL.
func warnUnmatchable(c *collector, where string, st *Statement) {
	if len(st.Products) == 0 {
		c.warnf("%s: statement for %q names no product; it applies to no finding", where, st.Vulnerability)
		return
	}
	for _, p := range st.Products {
		if p.PURL != "" {
			return
		}
		for _, sc := range p.Subcomponents {
			if sc.PURL != "" {
				return
			}
		}
	}
	c.warnf("%s: statement for %q names no package URL; it applies to no finding", where, st.Vulnerability)
}
