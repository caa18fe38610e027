// Package sbom writes a software bill of materials for the packages a scan
// found: CycloneDX 1.6 (JSON or XML, with github.com/CycloneDX/cyclonedx-go)
// or SPDX 2.3 (JSON or tag-value, with github.com/spdx/tools-golang).
//
// # Content
//
// The project is the document's subject: CycloneDX metadata.component, the
// SPDX package the document DESCRIBES. Every package of every source file
// is one component (SPDX package), with its name, version and package URL
// ([inventory.PURL]; none for ecosystems without a PURL type), its
// checksums and its licences, and where it was declared: CycloneDX
// properties "patchline:source", "patchline:line" and "patchline:extractor";
// SPDX sourceInfo. The source files themselves are listed as
// "patchline:source" properties of the CycloneDX metadata and in the SPDX
// creation comment: they are not components, so that counting components
// counts packages (SPDX files would need checksums of the lockfiles,
// which the inventory does not have).
//
// # Identifiers
//
// A component's bom-ref is its PURL (without one, "ecosystem:name@version").
// When the same key appears more than once (two lockfiles, or two installed
// copies in one), the path of the source file is added after a '|', which no
// canonical PURL holds, and then the package's inventory ID (or line):
// "pkg:npm/ms@2.0.0|web/package-lock.json". SPDX ids are made of the
// ecosystem, name and version ("SPDXRef-Package-npm-ms-2.0.0"), with eight
// hex digits of the SHA-256 of the bom-ref added when that is not unique.
// The project is "project:NAME" (SPDXRef-Project-NAME). All are derived
// from the input alone.
//
// # Scope and relation
//
// CycloneDX 1.6 scopes: prod is "required", dev "excluded" (the spec's
// word for components used only for tests, builds and other non-runtime
// purposes), optional "optional"; an unknown scope is left out. The
// relation (direct, transitive) is the property "patchline:relation". SPDX
// has neither; its package comment says "scope: dev", and the project's
// edges to its direct dev and optional dependencies are
// DEV_DEPENDENCY_OF and OPTIONAL_DEPENDENCY_OF (written from the
// dependency's side, as SPDX defines them) instead of DEPENDS_ON.
//
// # Dependency graph
//
// Where an inventory records the graph ([inventory.Inventory] Roots,
// [inventory.Package] ID and DependsOn), the project depends on its roots
// and each package on its DependsOn (IDs naming no package of the same
// inventory are left out); every package of such a source has an entry in
// the CycloneDX dependencies, an empty one when it depends on nothing, as
// CycloneDX asks. Without Roots, the project depends on the packages whose
// relation is direct; failing that, on the packages no other depends on
// when the inventory has DependsOn, else on all its packages. Packages of a
// source without a graph have no dependencies entry of their own: their
// dependencies are unknown. SPDX gets the same edges as DEPENDS_ON
// relationships.
//
// # Hashes and licences
//
// Checksums are read as npm's Subresource Integrity ("sha512-<base64>",
// several separated by spaces) and as "algorithm:value" (hex or base64),
// and kept only when the algorithm is known and the value has its digest
// size; Go's "h1:" hashes (of a file list, not of an artifact) and those of
// algorithms a format does not name (SHA-224 in CycloneDX) are left out. A
// licence that is an id of the SPDX licence list (embedded:
// spdx.schema.json) is written as that id, a valid SPDX expression of known
// ids as an expression; any other text is a named licence in CycloneDX and
// a LicenseRef- with the text as its extracted text in SPDX. CycloneDX
// licences are marked "declared" (the lockfile says so; nothing was
// concluded). Several licence entries are several CycloneDX licences (one
// expression joined with AND when one of them is compound, as CycloneDX
// cannot mix the two), and one SPDX licenseDeclared joined with AND.
//
// # Odd input
//
// Nothing in an inventory makes Write fail: a version longer than the 1,024
// characters CycloneDX allows is given as the property "patchline:version"
// instead; SPDX values are kept on one line, with "<text>" markers
// defused, and an empty required name is "unnamed". Only a finding naming
// no package of the input, an unknown format or a cancelled context is an
// error.
//
// # Vulnerabilities
//
// CycloneDX BOMs may carry the scan's findings as vulnerabilities: one per
// vulnerability id (and severity and analysis), affecting the components of
// every finding with that id, with its aliases as references to OSV, its
// severity as a rating, and, when suppressed, an analysis: not_affected
// (resolved when a VEX said fixed) with the suppression's reason as detail.
// SPDX 2.3 has no place for vulnerabilities; they are not written there.
//
// # Reproducible output
//
// The output depends only on the input and [Options]: no map order, no
// clock and no random number reaches it, save the timestamp (now when
// [Options.Timestamp] is zero) and the serial number (CycloneDX) or
// document namespace (SPDX), random UUIDs. With [Options.Reproducible],
// sources are sorted by path and packages by bom-ref, so that the order in
// which a scan found files does not matter; the serial number and namespace
// are UUIDs derived from the SHA-256 of the document written without them
// (the same for the JSON and XML of one BOM); and a zero timestamp is left
// out of CycloneDX and written as 1970-01-01T00:00:00Z in SPDX, which
// requires one.
package sbom

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/result"
)

// Format is an SBOM format and encoding.
type Format string

// The formats [Write] writes.
const (
	CycloneDXJSON Format = "cyclonedx-json" // CycloneDX 1.6, JSON
	CycloneDXXML  Format = "cyclonedx-xml"  // CycloneDX 1.6, XML
	SPDXJSON      Format = "spdx-json"      // SPDX 2.3, JSON
	SPDXTagValue  Format = "spdx-tag"       // SPDX 2.3, tag-value
)

// Formats lists the formats, for help texts and flag checks.
func Formats() []Format { return []Format{CycloneDXJSON, CycloneDXXML, SPDXJSON, SPDXTagValue} }

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats() {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, 0, 4)
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return "", fmt.Errorf("unknown SBOM format %q (want %s)", s, strings.Join(names, ", "))
}

// Source is one file a scan parsed and what its extractor found in it.
type Source struct {
	// Path is the file's path as the scan reports it (see
	// [result.Source]); findings name it in their Source.
	Path      string
	Extractor string
	Inventory inventory.Inventory
}

// Input is what an SBOM describes.
type Input struct {
	Sources []Source
	// Findings and Suppressed are the scan's findings, written as
	// CycloneDX vulnerabilities when given; every one must name a package
	// of Sources (by source path, ecosystem, name, version and line).
	Findings   []result.Finding
	Suppressed []result.Finding
}

// Options configures [Write].
type Options struct {
	Format Format
	// ToolName and ToolVersion name the program writing the SBOM;
	// ToolName is "patchline" when empty.
	ToolName    string
	ToolVersion string
	// Timestamp is when the SBOM was made; now when zero, unless
	// Reproducible. Callers honouring SOURCE_DATE_EPOCH parse it into this.
	Timestamp time.Time
	// Reproducible makes the output a function of the input (see the
	// package documentation).
	Reproducible bool
	// ProjectName names the project the SBOM describes; "project" when
	// empty.
	ProjectName string
	// NamespaceBase is the start of SPDX document namespaces, an https
	// URI the SBOM's author controls; when empty, [DefaultNamespaceBase].
	NamespaceBase string
}

// DefaultNamespaceBase starts the SPDX document namespaces when
// [Options.NamespaceBase] is empty. A namespace is an identifier, not a
// location: nothing is published there.
const DefaultNamespaceBase = "https://github.com/patchline/patchline/spdxdocs"

// Write writes the SBOM of in to w in opts.Format.
func Write(ctx context.Context, w io.Writer, in Input, opts Options) error {
	m, err := newModel(ctx, in, opts)
	if err != nil {
		return err
	}
	switch opts.Format {
	case CycloneDXJSON, CycloneDXXML:
		bom, err := m.cyclonedx(in)
		if err != nil {
			return err
		}
		return writeCycloneDX(w, bom, opts.Format)
	case SPDXJSON, SPDXTagValue:
		doc, err := m.spdx()
		if err != nil {
			return err
		}
		return writeSPDX(w, doc, opts.Format)
	}
	_, err = ParseFormat(string(opts.Format))
	return err
}

// model is what both formats are written from.
type model struct {
	opts      Options
	timestamp string // RFC 3339; "" to leave out where allowed
	sources   []Source
	rootRef   string
	rootSPDX  string
	comps     []*component
	rootDeps  []string // bom-refs
	byRef     map[string]*component
}

// component is one package of one source.
type component struct {
	pkg    *inventory.Package
	source *Source
	purl   string
	ref    string
	spdxID string
	// graph is true when the source records the dependency graph: deps
	// is then complete, possibly empty.
	graph    bool
	deps     []string // bom-refs, sorted
	digests  []digest
	licenses []license
}

func newModel(ctx context.Context, in Input, opts Options) (*model, error) {
	if _, err := ParseFormat(string(opts.Format)); err != nil {
		return nil, err
	}
	if opts.ToolName == "" {
		opts.ToolName = "patchline"
	}
	if opts.ProjectName == "" {
		opts.ProjectName = "project"
	}
	if opts.NamespaceBase == "" {
		opts.NamespaceBase = DefaultNamespaceBase
	}
	opts.NamespaceBase = strings.TrimSuffix(opts.NamespaceBase, "/")
	m := &model{opts: opts, sources: slices.Clone(in.Sources)}
	switch ts := opts.Timestamp; {
	case !ts.IsZero():
		m.timestamp = ts.UTC().Format(time.RFC3339)
	case !opts.Reproducible:
		m.timestamp = time.Now().UTC().Format(time.RFC3339)
	}
	if opts.Reproducible {
		slices.SortStableFunc(m.sources, func(a, b Source) int {
			return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Extractor, b.Extractor))
		})
	}
	ll, err := loadLicenseList()
	if err != nil {
		return nil, err
	}
	for si := range m.sources {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s := &m.sources[si]
		for pi := range s.Inventory.Packages {
			p := &s.Inventory.Packages[pi]
			m.comps = append(m.comps, &component{
				pkg: p, source: s, purl: inventory.PURL(*p),
				digests: digestsOf(p.Hashes), licenses: ll.licensesOf(p.Licenses),
			})
		}
	}
	m.rootRef = "project:" + opts.ProjectName
	m.assignRefs()
	m.byRef = make(map[string]*component, len(m.comps))
	for _, c := range m.comps {
		m.byRef[c.ref] = c
	}
	if err := m.buildGraph(ctx); err != nil {
		return nil, err
	}
	if opts.Reproducible {
		slices.SortFunc(m.comps, func(a, b *component) int { return strings.Compare(a.ref, b.ref) })
	}
	m.assignSPDXIDs()
	return m, nil
}

// key is what a component's bom-ref starts with.
func (c *component) key() string {
	if c.purl != "" {
		return c.purl
	}
	k := c.pkg.Name
	if c.pkg.Version != "" {
		k += "@" + c.pkg.Version
	}
	if c.pkg.Ecosystem != "" {
		k = c.pkg.Ecosystem + ":" + k
	}
	if k == "" {
		return "unnamed" // bom-refs may not be empty
	}
	return k
}

// assignRefs gives every component a unique bom-ref: its key, then the
// source path, then its ID or line, then a counter, each added only where
// the shorter form is shared.
func (m *model) assignRefs() {
	refine := []func(c *component, k int) string{
		func(c *component, _ int) string { return c.key() },
		func(c *component, _ int) string { return c.ref + "|" + c.source.Path },
		func(c *component, _ int) string {
			if c.pkg.ID != "" {
				return c.ref + "|" + c.pkg.ID
			}
			return c.ref + "|" + strconv.Itoa(c.pkg.Location.Line)
		},
		func(c *component, k int) string { return c.ref + "|" + strconv.Itoa(k) },
	}
	pending := m.comps
	for _, f := range refine {
		for i, c := range pending {
			c.ref = f(c, i+1)
		}
		count := map[string]int{m.rootRef: 1}
		for _, c := range m.comps {
			count[c.ref]++
		}
		var next []*component
		for _, c := range pending {
			if count[c.ref] > 1 {
				next = append(next, c)
			}
		}
		if len(next) == 0 {
			return
		}
		pending = next
	}
	// Only a package named like another's ref with a '|' gets here.
	used := map[string]bool{m.rootRef: true}
	for _, c := range m.comps {
		for base, n := c.ref, 2; used[c.ref]; n++ {
			c.ref = base + "|" + strconv.Itoa(n)
		}
		used[c.ref] = true
	}
}

// buildGraph sets the components' dependencies and the project's.
func (m *model) buildGraph(ctx context.Context) error {
	i := 0
	var rootDeps []string
	for si := range m.sources {
		if err := ctx.Err(); err != nil {
			return err
		}
		inv := &m.sources[si].Inventory
		comps := m.comps[i : i+len(inv.Packages)]
		i += len(inv.Packages)
		byID := map[string]*component{}
		graph := len(inv.Roots) > 0
		for _, c := range comps {
			if id := c.pkg.ID; id != "" && byID[id] == nil {
				byID[id] = c
			}
			graph = graph || len(c.pkg.DependsOn) > 0
		}
		depended := map[*component]bool{}
		for _, c := range comps {
			c.graph = graph
			for _, id := range c.pkg.DependsOn {
				if d := byID[id]; d != nil && d != c {
					c.deps = append(c.deps, d.ref)
					depended[d] = true
				}
			}
			slices.Sort(c.deps)
			c.deps = slices.Compact(c.deps)
		}
		var roots []*component
		switch {
		case len(inv.Roots) > 0:
			for _, id := range inv.Roots {
				if c := byID[id]; c != nil {
					roots = append(roots, c)
				}
			}
		case slices.ContainsFunc(comps, func(c *component) bool { return c.pkg.Relation == inventory.RelationDirect }):
			for _, c := range comps {
				if c.pkg.Relation == inventory.RelationDirect {
					roots = append(roots, c)
				}
			}
		case graph:
			for _, c := range comps {
				if !depended[c] {
					roots = append(roots, c)
				}
			}
		}
		if len(roots) == 0 {
			roots = comps
		}
		for _, c := range roots {
			rootDeps = append(rootDeps, c.ref)
		}
	}
	slices.Sort(rootDeps)
	m.rootDeps = slices.Compact(rootDeps)
	return nil
}

// assignSPDXIDs gives every component an SPDX id, in component order.
func (m *model) assignSPDXIDs() {
	m.rootSPDX = "Project-" + sanitizeID(m.opts.ProjectName)
	readable := func(c *component) string {
		s := c.pkg.Name
		if c.pkg.Ecosystem != "" {
			s = c.pkg.Ecosystem + "-" + s
		}
		if c.pkg.Version != "" {
			s += "-" + c.pkg.Version
		}
		return "Package-" + sanitizeID(s)
	}
	count := map[string]int{}
	for _, c := range m.comps {
		c.spdxID = readable(c)
		count[c.spdxID]++
	}
	used := map[string]bool{"DOCUMENT": true, m.rootSPDX: true}
	for _, c := range m.comps {
		if count[c.spdxID] > 1 {
			sum := sha256.Sum256([]byte(c.ref))
			c.spdxID += "-" + hex.EncodeToString(sum[:4])
		}
		for base, n := c.spdxID, 2; used[c.spdxID]; n++ {
			c.spdxID = base + "-" + strconv.Itoa(n)
		}
		used[c.spdxID] = true
	}
}

// uuidOf is a UUID made of the first 128 bits of the SHA-256 of data,
// marked as version 8 (custom) with the RFC 9562 variant.
func uuidOf(data []byte) string {
	sum := sha256.Sum256(data)
	return formatUUID(sum[:16], 0x80)
}

// randomUUID is a version 4 UUID.
func randomUUID() string {
	var b [16]byte
	rand.Read(b[:]) // crypto/rand.Read never returns an error
	return formatUUID(b[:], 0x40)
}

func formatUUID(u []byte, version byte) string {
	u[6] = u[6]&0x0f | version
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
