package sbom

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/patchline/patchline/internal/inventory"
)

// CycloneDX version written: its JSON schema and XML namespace.
const (
	cdxSchemaURI = "http://cyclonedx.org/schema/bom-1.6.schema.json"
	cdxNamespace = "http://cyclonedx.org/schema/bom/1.6"
)

// Property names, in patchline's namespace (CycloneDX property taxonomy).
const (
	propSource      = "patchline:source"
	propLine        = "patchline:line"
	propExtractor   = "patchline:extractor"
	propEcosystem   = "patchline:ecosystem"
	propID          = "patchline:id"
	propRelation    = "patchline:relation"
	propRequirement = "patchline:requirement"
	propNote        = "patchline:note"
	propVersion     = "patchline:version"
)

// maxVersion is the longest version CycloneDX 1.6 accepts; a longer one is
// given as the property "patchline:version" instead.
const maxVersion = 1024

// cyclonedx builds the CycloneDX BOM.
func (m *model) cyclonedx(in Input) (*cdx.BOM, error) {
	bom := &cdx.BOM{
		JSONSchema:  cdxSchemaURI,
		XMLNS:       cdxNamespace,
		BOMFormat:   cdx.BOMFormat,
		SpecVersion: cdx.SpecVersion1_6,
		Version:     1,
	}
	md := &cdx.Metadata{
		Timestamp:  m.timestamp,
		Lifecycles: &[]cdx.Lifecycle{{Phase: cdx.LifecyclePhasePreBuild}},
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: m.opts.ToolName, Version: cdxVersion(m.opts.ToolVersion),
		}}},
		Component: &cdx.Component{BOMRef: m.rootRef, Type: cdx.ComponentTypeApplication, Name: m.opts.ProjectName},
	}
	var props []cdx.Property
	for _, s := range m.sources {
		props = append(props, cdx.Property{Name: propSource, Value: s.Path})
	}
	if len(props) > 0 {
		md.Properties = &props
	}
	bom.Metadata = md

	comps := make([]cdx.Component, 0, len(m.comps))
	deps := make([]cdx.Dependency, 0, len(m.comps)+1)
	deps = append(deps, cdx.Dependency{Ref: m.rootRef, Dependencies: refList(m.rootDeps)})
	for _, c := range m.comps {
		comps = append(comps, c.cdxComponent())
		if c.graph || len(c.deps) > 0 {
			deps = append(deps, cdx.Dependency{Ref: c.ref, Dependencies: refList(c.deps)})
		}
	}
	if len(comps) > 0 {
		bom.Components = &comps
	}
	bom.Dependencies = &deps

	vulns, err := m.vulnerabilities(in)
	if err != nil {
		return nil, err
	}
	if len(vulns) > 0 {
		bom.Vulnerabilities = &vulns
	}

	if m.opts.Reproducible {
		var b bytes.Buffer
		if err := cdx.NewBOMEncoder(&b, cdx.BOMFileFormatJSON).Encode(bom); err != nil {
			return nil, fmt.Errorf("write CycloneDX BOM: %w", err)
		}
		bom.SerialNumber = "urn:uuid:" + uuidOf(b.Bytes())
	} else {
		bom.SerialNumber = "urn:uuid:" + randomUUID()
	}
	return bom, nil
}

func refList(refs []string) *[]string {
	if len(refs) == 0 {
		return nil
	}
	return &refs
}

// writeCycloneDX encodes bom, indented.
func writeCycloneDX(w io.Writer, bom *cdx.BOM, f Format) error {
	ff := cdx.BOMFileFormatJSON
	if f == CycloneDXXML {
		ff = cdx.BOMFileFormatXML
	}
	if err := cdx.NewBOMEncoder(w, ff).SetPretty(true).SetEscapeHTML(false).Encode(bom); err != nil {
		return fmt.Errorf("write CycloneDX BOM: %w", err)
	}
	if f == CycloneDXXML {
		// The XML encoder does not end the document with a newline.
		if _, err := io.WriteString(w, "\n"); err != nil {
			return fmt.Errorf("write CycloneDX BOM: %w", err)
		}
	}
	return nil
}

// cdxComponent converts one package.
func (c *component) cdxComponent() cdx.Component {
	p := c.pkg
	out := cdx.Component{
		BOMRef:     c.ref,
		Type:       cdx.ComponentTypeLibrary,
		Name:       p.Name,
		Version:    cdxVersion(p.Version),
		PackageURL: c.purl,
		Scope:      cdxScope(p.Scope),
	}
	// CycloneDX puts Maven groups, npm scopes and Composer vendors in group.
	switch p.Ecosystem {
	case inventory.Maven:
		if g, a, ok := strings.Cut(p.Name, ":"); ok && g != "" && a != "" {
			out.Group, out.Name = g, a
		}
	case inventory.Npm:
		if i := strings.LastIndex(p.Name, "/"); strings.HasPrefix(p.Name, "@") && i > 1 && i < len(p.Name)-1 {
			out.Group, out.Name = p.Name[:i], p.Name[i+1:]
		}
	case inventory.Packagist:
		if v, n, ok := strings.Cut(p.Name, "/"); ok && v != "" && n != "" {
			out.Group, out.Name = v, n
		}
	}
	var hashes []cdx.Hash
	for _, d := range c.digests {
		if d.alg.cdx != "" {
			hashes = append(hashes, cdx.Hash{Algorithm: d.alg.cdx, Value: d.hex})
		}
	}
	if len(hashes) > 0 {
		out.Hashes = &hashes
	}
	out.Licenses = cdxLicenses(c.licenses)

	var props []cdx.Property
	add := func(name, value string) {
		if value != "" {
			props = append(props, cdx.Property{Name: name, Value: value})
		}
	}
	if c.purl == "" {
		add(propEcosystem, p.Ecosystem)
	}
	add(propSource, c.source.Path)
	if p.Location.Line > 0 {
		add(propLine, strconv.Itoa(p.Location.Line))
	}
	add(propExtractor, c.source.Extractor)
	add(propID, p.ID)
	add(propRelation, string(p.Relation))
	if p.Version == "" {
		add(propRequirement, p.Requirement)
	}
	add(propNote, p.Note)
	if out.Version != p.Version {
		add(propVersion, p.Version)
	}
	if len(props) > 0 {
		out.Properties = &props
	}
	return out
}

func cdxVersion(v string) string {
	if len(v) > maxVersion {
		return ""
	}
	return v
}

func cdxScope(s inventory.Scope) cdx.Scope {
	switch s {
	case inventory.ScopeProd:
		return cdx.ScopeRequired
	case inventory.ScopeDev:
		return cdx.ScopeExcluded
	case inventory.ScopeOptional:
		return cdx.ScopeOptional
	}
	return ""
}

// cdxLicenses converts licence entries: one SPDX expression when there is
// one (or several and all are valid with one compound among them, joined
// with AND), else a list of SPDX ids and named licences.
func cdxLicenses(ls []license) *cdx.Licenses {
	if len(ls) == 0 {
		return nil
	}
	declared := cdx.LicenseAcknowledgementDeclared
	anyCompound, allValid := false, true
	for _, l := range ls {
		anyCompound = anyCompound || l.compound()
		allValid = allValid && l.expr != ""
	}
	if anyCompound && allValid {
		return &cdx.Licenses{{Expression: joinExpressions(ls), Acknowledgement: &declared}}
	}
	out := make(cdx.Licenses, 0, len(ls))
	for _, l := range ls {
		lic := &cdx.License{Acknowledgement: declared}
		if l.id != "" {
			lic.ID = l.id
		} else {
			lic.Name = l.raw
		}
		out = append(out, cdx.LicenseChoice{License: lic})
	}
	return &out
}

// joinExpressions joins valid licence expressions with AND.
func joinExpressions(ls []license) string {
	if len(ls) == 1 {
		return ls[0].expr
	}
	parts := make([]string, 0, len(ls))
	for _, l := range ls {
		if l.compound() {
			parts = append(parts, "("+l.expr+")")
		} else {
			parts = append(parts, l.expr)
		}
	}
	return strings.Join(parts, " AND ")
}
