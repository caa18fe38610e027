package sbom

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	spdxjson "github.com/spdx/tools-golang/json"
	spdxcommon "github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/spdx/tools-golang/tagvalue"

	"github.com/patchline/patchline/internal/inventory"
)

// epoch is the SPDX creation time of a reproducible document without a
// timestamp: SPDX requires one.
const epoch = "1970-01-01T00:00:00Z"

const noAssertion = "NOASSERTION"

// spdx builds the SPDX document.
func (m *model) spdx() (*spdx.Document, error) {
	tool := m.opts.ToolName
	if m.opts.ToolVersion != "" {
		tool += "-" + m.opts.ToolVersion
	}
	created := m.timestamp
	if created == "" {
		created = epoch
	}
	var comment strings.Builder
	if len(m.sources) > 0 {
		comment.WriteString("Packages read from:")
		for _, s := range m.sources {
			fmt.Fprintf(&comment, "\n%s (%s)", oneLine(s.Path), oneLine(s.Extractor))
		}
	}
	doc := &spdx.Document{
		SPDXVersion:    spdx.Version,
		DataLicense:    spdx.DataLicense,
		SPDXIdentifier: "DOCUMENT",
		DocumentName:   required(m.opts.ProjectName),
		CreationInfo: &spdx.CreationInfo{
			Creators:       []spdxcommon.Creator{{CreatorType: "Tool", Creator: required(tool)}},
			Created:        created,
			CreatorComment: comment.String(),
		},
	}
	doc.Packages = make([]*spdx.Package, 0, len(m.comps)+1)
	doc.Packages = append(doc.Packages, &spdx.Package{
		PackageName:               required(m.opts.ProjectName),
		PackageSPDXIdentifier:     spdxcommon.ElementID(m.rootSPDX),
		PackageDownloadLocation:   noAssertion,
		IsFilesAnalyzedTagPresent: true,
		PrimaryPackagePurpose:     "APPLICATION",
	})
	refs := licenseRefs{ids: map[string]string{}, used: map[string]bool{}}
	for _, c := range m.comps {
		doc.Packages = append(doc.Packages, c.spdxPackage(&refs))
	}
	doc.OtherLicenses = refs.others

	el := func(id string) spdxcommon.DocElementID { return spdxcommon.MakeDocElementID("", id) }
	rel := func(a, b, typ string) *spdx.Relationship {
		return &spdx.Relationship{RefA: el(a), RefB: el(b), Relationship: typ}
	}
	doc.Relationships = append(doc.Relationships, rel("DOCUMENT", m.rootSPDX, spdxcommon.TypeRelationshipDescribe))
	for _, ref := range m.rootDeps {
		c := m.byRef[ref]
		switch c.pkg.Scope {
		case inventory.ScopeDev:
			doc.Relationships = append(doc.Relationships, rel(c.spdxID, m.rootSPDX, "DEV_DEPENDENCY_OF"))
		case inventory.ScopeOptional:
			doc.Relationships = append(doc.Relationships, rel(c.spdxID, m.rootSPDX, "OPTIONAL_DEPENDENCY_OF"))
		default:
			doc.Relationships = append(doc.Relationships, rel(m.rootSPDX, c.spdxID, "DEPENDS_ON"))
		}
	}
	for _, c := range m.comps {
		for _, d := range c.deps {
			doc.Relationships = append(doc.Relationships, rel(c.spdxID, m.byRef[d].spdxID, "DEPENDS_ON"))
		}
	}

	var uuid string
	if m.opts.Reproducible {
		var b bytes.Buffer
		if err := spdxjson.Write(doc, &b); err != nil {
			return nil, fmt.Errorf("write SPDX document: %w", err)
		}
		uuid = uuidOf(b.Bytes())
	} else {
		uuid = randomUUID()
	}
	doc.DocumentNamespace = m.opts.NamespaceBase + "/" + sanitizeID(m.opts.ProjectName) + "-" + uuid
	return doc, nil
}

// writeSPDX encodes doc: JSON indented, or tag-value.
func writeSPDX(w io.Writer, doc *spdx.Document, f Format) error {
	var err error
	if f == SPDXTagValue {
		err = tagvalue.Write(doc, w)
	} else {
		err = spdxjson.Write(doc, w, spdxjson.Indent("  "), spdxjson.EscapeHTML(false))
	}
	if err != nil {
		return fmt.Errorf("write SPDX document: %w", err)
	}
	return nil
}

// spdxPackage converts one package.
func (c *component) spdxPackage(refs *licenseRefs) *spdx.Package {
	p := c.pkg
	out := &spdx.Package{
		PackageName:               required(p.Name),
		PackageSPDXIdentifier:     spdxcommon.ElementID(c.spdxID),
		PackageVersion:            oneLine(p.Version),
		PackageDownloadLocation:   noAssertion,
		IsFilesAnalyzedTagPresent: true,
		PrimaryPackagePurpose:     "LIBRARY",
	}
	for _, d := range c.digests {
		out.PackageChecksums = append(out.PackageChecksums, spdxcommon.Checksum{Algorithm: d.alg.spdx, Value: d.hex})
	}
	if len(c.licenses) > 0 {
		parts := make([]string, 0, len(c.licenses))
		for _, l := range c.licenses {
			switch {
			case l.compound() && len(c.licenses) > 1:
				parts = append(parts, "("+l.expr+")")
			case l.expr != "":
				parts = append(parts, l.expr)
			default:
				parts = append(parts, refs.ref(l.raw))
			}
			refs.declareIn(l.expr)
		}
		out.PackageLicenseDeclared = strings.Join(parts, " AND ")
	}
	src := "declared in " + p.Location.File
	if p.Location.File == "" {
		src = "declared in " + c.source.Path
	}
	if p.Location.Line > 0 {
		src += " line " + strconv.Itoa(p.Location.Line)
	}
	if c.source.Extractor != "" {
		src += " (" + c.source.Extractor + ")"
	}
	out.PackageSourceInfo = oneLine(src)
	var notes []string
	if p.Relation != inventory.RelationUnknown {
		notes = append(notes, "relation: "+string(p.Relation))
	}
	if p.Scope != inventory.ScopeUnknown {
		notes = append(notes, "scope: "+string(p.Scope))
	}
	if p.Version == "" && p.Requirement != "" {
		notes = append(notes, "requirement: "+p.Requirement)
	}
	if p.Ecosystem != "" && c.purl == "" {
		notes = append(notes, "ecosystem: "+p.Ecosystem)
	}
	if p.Note != "" {
		notes = append(notes, "note: "+p.Note)
	}
	out.PackageComment = oneLine(strings.Join(notes, "; "))
	if c.purl != "" {
		out.PackageExternalReferences = []*spdx.PackageExternalReference{{
			Category: spdxcommon.CategoryPackageManager, RefType: "purl", Locator: c.purl,
		}}
	}
	return out
}

// licenseRefs names the licences that are not SPDX expressions:
// LicenseRef-<text>, with the text as extracted text.
type licenseRefs struct {
	ids    map[string]string // text → id
	used   map[string]bool
	others []*spdx.OtherLicense
}

func (r *licenseRefs) ref(text string) string {
	if id, ok := r.ids[text]; ok {
		return id
	}
	id := "LicenseRef-" + sanitizeID(text)
	for base, n := id, 2; r.used[id]; n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	r.ids[text], r.used[id] = id, true
	r.others = append(r.others, &spdx.OtherLicense{
		LicenseIdentifier: id,
		ExtractedText:     required(text),
		LicenseComment:    "The licence as a lockfile names it; its text is not known.",
	})
	return id
}

// declareIn declares the LicenseRef-s a lockfile's own expression uses
// (its text is not known).
func (r *licenseRefs) declareIn(expr string) {
	for _, t := range tokenize(expr) {
		if strings.HasPrefix(t, "LicenseRef-") && !r.used[t] {
			r.used[t] = true
			r.others = append(r.others, &spdx.OtherLicense{
				LicenseIdentifier: t,
				ExtractedText:     noAssertion,
				LicenseComment:    "Named in a licence expression of a lockfile; its text is not known.",
			})
		}
	}
}

// oneLine makes s a tag-value value: on one line, without the blanks at
// its ends that tag-value readers drop, and without the <text> and
// </text> markers that tag-value has no escape for ("[text]" instead).
// Both SPDX encodings get the same text.
func oneLine(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		s = strings.Join(strings.Fields(strings.NewReplacer("\r", "\n").Replace(s)), " ")
	}
	return defuseText(strings.TrimSpace(s))
}

// required is oneLine(s), or "unnamed" for a required field left empty.
func required(s string) string {
	if s = oneLine(s); s == "" {
		return "unnamed"
	}
	return s
}

func defuseText(s string) string {
	if !strings.Contains(s, "text>") {
		return s
	}
	return strings.NewReplacer("<text>", "[text]", "</text>", "[/text]").Replace(s)
}
