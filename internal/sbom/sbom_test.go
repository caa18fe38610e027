package sbom

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/patchline/patchline/internal/extract/sbom/cyclonedx"
	"github.com/patchline/patchline/internal/extract/sbom/spdx"
	"github.com/patchline/patchline/internal/inventory"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var extensions = map[Format]string{
	CycloneDXJSON: ".cdx.json",
	CycloneDXXML:  ".cdx.xml",
	SPDXJSON:      ".spdx.json",
	SPDXTagValue:  ".spdx",
}

func TestGolden(t *testing.T) {
	inputs := []struct {
		name string
		in   func(testing.TB) Input
		opts Options
	}{
		{"handmade", func(testing.TB) Input { return handmade() }, handmadeOptions("")},
		{"ripgrep", func(tb testing.TB) Input { return Input{Sources: []Source{ripgrep(tb)}} },
			Options{ToolVersion: "1.2.3", Timestamp: testTime, Reproducible: true, ProjectName: "ripgrep"}},
	}
	for _, in := range inputs {
		for _, f := range Formats() {
			t.Run(in.name+"_"+strings.ReplaceAll(string(f), "-", "_"), func(t *testing.T) {
				opts := in.opts
				opts.Format = f
				got := render(t, in.in(t), opts)
				checkValid(t, f, got)
				golden := filepath.Join("testdata", "golden", in.name+extensions[f])
				if *update {
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if diff := cmp.Diff(string(want), string(got)); diff != "" {
					t.Errorf("%s differs from the golden file (-want +got):\n%s", f, diff)
				}
			})
		}
	}
}

// TestReproducible: the same input gives the same bytes, whatever the
// order of the sources and of Go's map iteration, and JSON and XML of one
// BOM share its serial number.
func TestReproducible(t *testing.T) {
	for _, f := range Formats() {
		t.Run(strings.ReplaceAll(string(f), "-", "_"), func(t *testing.T) {
			first := render(t, handmade(), handmadeOptions(f))
			for range 5 {
				in := handmade()
				slices.Reverse(in.Sources)
				slices.Reverse(in.Findings)
				if got := render(t, in, handmadeOptions(f)); !bytes.Equal(got, first) {
					t.Fatalf("two renderings differ:\n%s", cmp.Diff(string(first), string(got)))
				}
			}
		})
	}
	t.Run("serial_number_shared_by_json_and_xml", func(t *testing.T) {
		j := readCycloneDX(t, render(t, handmade(), handmadeOptions(CycloneDXJSON)), cdx.BOMFileFormatJSON)
		x := readCycloneDX(t, render(t, handmade(), handmadeOptions(CycloneDXXML)), cdx.BOMFileFormatXML)
		if j.SerialNumber != x.SerialNumber {
			t.Errorf("serial numbers: JSON %q, XML %q", j.SerialNumber, x.SerialNumber)
		}
	})
	t.Run("zero_timestamp", func(t *testing.T) {
		opts := handmadeOptions(CycloneDXJSON)
		opts.Timestamp = time.Time{}
		bom := readCycloneDX(t, render(t, handmade(), opts), cdx.BOMFileFormatJSON)
		if bom.Metadata.Timestamp != "" {
			t.Errorf("CycloneDX timestamp = %q, want none", bom.Metadata.Timestamp)
		}
		opts.Format = SPDXJSON
		doc := readSPDX(t, render(t, handmade(), opts), SPDXJSON)
		if doc.CreationInfo.Created != epoch {
			t.Errorf("SPDX created = %q, want %q", doc.CreationInfo.Created, epoch)
		}
	})
	t.Run("content_changes_the_serial_number", func(t *testing.T) {
		in := handmade()
		in.Sources[0].Inventory.Packages[0].Note = "changed"
		a := readCycloneDX(t, render(t, handmade(), handmadeOptions(CycloneDXJSON)), cdx.BOMFileFormatJSON)
		b := readCycloneDX(t, render(t, in, handmadeOptions(CycloneDXJSON)), cdx.BOMFileFormatJSON)
		if a.SerialNumber == b.SerialNumber {
			t.Errorf("serial number %q is the same for different content", a.SerialNumber)
		}
	})
}

func TestNotReproducible(t *testing.T) {
	opts := handmadeOptions(CycloneDXJSON)
	opts.Reproducible, opts.Timestamp = false, time.Time{}
	before := time.Now().UTC().Truncate(time.Second)
	a := readCycloneDX(t, render(t, handmade(), opts), cdx.BOMFileFormatJSON)
	b := readCycloneDX(t, render(t, handmade(), opts), cdx.BOMFileFormatJSON)
	if a.SerialNumber == b.SerialNumber {
		t.Errorf("two BOMs have the serial number %q", a.SerialNumber)
	}
	if !regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(a.SerialNumber) {
		t.Errorf("serial number %q is not a random UUID", a.SerialNumber)
	}
	ts, err := time.Parse(time.RFC3339, a.Metadata.Timestamp)
	if err != nil || ts.Before(before) {
		t.Errorf("timestamp %q is not now (%v)", a.Metadata.Timestamp, err)
	}
	// Without sorting, components keep the order of the input.
	var names []string
	for _, c := range *a.Components {
		names = append(names, c.Name)
	}
	want := []string{"express", "debug", "ms", "ms", "node", "fsevents", "ms", "Django", "sqlparse", "libfoo", "requests"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("component order (-want +got):\n%s", diff)
	}
}

// TestRealFixtures writes SBOMs of real lockfiles in every format,
// validates them, and reads them back with patchline's own SBOM extractors.
func TestRealFixtures(t *testing.T) {
	fixtures := []struct {
		name   string
		source func(testing.TB) Source
	}{
		{"nodegoat", nodegoat},
		{"saleor", saleor},
		{"ripgrep", ripgrep},
	}
	for _, fx := range fixtures {
		src := fx.source(t)
		in := Input{Sources: []Source{src}}
		want := packageKeys(src.Inventory.Packages)
		for _, f := range Formats() {
			t.Run(fx.name+"_"+strings.ReplaceAll(string(f), "-", "_"), func(t *testing.T) {
				out := render(t, in, Options{Format: f, ProjectName: fx.name})
				checkValid(t, f, out)
				var x inventory.Extractor = spdx.New()
				if f == CycloneDXJSON || f == CycloneDXXML {
					x = cyclonedx.New()
				}
				inv, err := x.Extract(context.Background(), &inventory.Input{Path: "sbom", Reader: bytes.NewReader(out)})
				if err != nil {
					t.Fatalf("read back: %v", err)
				}
				if diff := cmp.Diff(want, packageKeys(inv.Packages)); diff != "" {
					t.Errorf("packages read back (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// packageKeys lists "ecosystem name version" of the packages with a PURL
// (the others are not matched when read back from an SBOM), sorted.
func packageKeys(pkgs []inventory.Package) []string {
	var out []string
	for _, p := range pkgs {
		if inventory.PURL(p) != "" && p.Version != "" {
			out = append(out, p.Ecosystem+" "+strings.ToLower(p.Name)+" "+p.Version)
		}
	}
	slices.Sort(out)
	return out
}

func TestRefs(t *testing.T) {
	in := handmade()
	bom := readCycloneDX(t, render(t, in, handmadeOptions(CycloneDXJSON)), cdx.BOMFileFormatJSON)
	got := map[string]string{} // bom-ref → purl
	for _, c := range *bom.Components {
		if _, dup := got[c.BOMRef]; dup {
			t.Errorf("bom-ref %q is not unique", c.BOMRef)
		}
		got[c.BOMRef] = c.PackageURL
	}
	want := map[string]string{
		"pkg:npm/express@4.17.1": "pkg:npm/express@4.17.1",
		"pkg:npm/debug@2.6.9":    "pkg:npm/debug@2.6.9",
		"pkg:npm/ms@2.0.0|web/package-lock.json|node_modules/debug/node_modules/ms": "pkg:npm/ms@2.0.0",
		"pkg:npm/ms@2.0.0|web/package-lock.json|node_modules/ms":                    "pkg:npm/ms@2.0.0",
		"pkg:npm/ms@2.0.0|tools/package-lock.json":                                  "pkg:npm/ms@2.0.0",
		"pkg:npm/%40types/node@20.1.0":                                              "pkg:npm/%40types/node@20.1.0",
		"pkg:npm/fsevents@2.3.3":                                                    "pkg:npm/fsevents@2.3.3",
		"pkg:pypi/django@3.2.1":                                                     "pkg:pypi/django@3.2.1",
		"pkg:pypi/sqlparse@0.4.1":                                                   "pkg:pypi/sqlparse@0.4.1",
		"libfoo@1.2":                                                                "",
		"pkg:pypi/requests":                                                         "pkg:pypi/requests",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bom-refs → purls (-want +got):\n%s", diff)
	}

	doc := readSPDX(t, render(t, in, handmadeOptions(SPDXJSON)), SPDXJSON)
	idPattern := regexp.MustCompile(`^[A-Za-z0-9.-]+$`)
	seen := map[string]bool{}
	var withoutPURL []string
	for _, p := range doc.Packages {
		id := string(p.PackageSPDXIdentifier)
		if seen[id] || !idPattern.MatchString(id) {
			t.Errorf("SPDX id %q is not unique or not valid", id)
		}
		seen[id] = true
		if len(p.PackageExternalReferences) == 0 {
			withoutPURL = append(withoutPURL, id)
		}
	}
	if diff := cmp.Diff([]string{"Package-libfoo-1.2", "Project-shop"}, withoutPURL, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("SPDX packages without PURL (-want +got):\n%s", diff)
	}
}

func TestAssignRefsCollisions(t *testing.T) {
	pkg := func(name, id string, line int) inventory.Package {
		return inventory.Package{Name: name, Version: "1", ID: id, Location: inventory.Location{Line: line}}
	}
	in := Input{Sources: []Source{
		{Path: "a", Inventory: inventory.Inventory{Packages: []inventory.Package{
			pkg("x", "", 1), pkg("x", "", 1), pkg("x", "", 2), pkg("x|a", "", 3),
		}}},
		{Path: "b", Inventory: inventory.Inventory{Packages: []inventory.Package{pkg("x", "", 1)}}},
		{Path: "c", Inventory: inventory.Inventory{Packages: []inventory.Package{{Name: "project:p"}}}},
	}}
	m, err := newModel(context.Background(), in, Options{Format: CycloneDXJSON, ProjectName: "p"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range m.comps {
		got = append(got, c.ref)
	}
	want := []string{"x@1|a|1|1", "x@1|a|1|2", "x@1|a|2", "x|a@1", "x@1|b", "project:p|c"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("refs (-want +got):\n%s", diff)
	}
}

func TestWriteErrors(t *testing.T) {
	t.Run("unknown_format", func(t *testing.T) {
		err := Write(context.Background(), &bytes.Buffer{}, handmade(), Options{Format: "cyclonedx"})
		if err == nil || !strings.Contains(err.Error(), `"cyclonedx"`) {
			t.Errorf("err = %v, want unknown format", err)
		}
	})
	t.Run("finding_without_package", func(t *testing.T) {
		in := handmade()
		in.Findings[0].Source = "elsewhere/poetry.lock"
		err := Write(context.Background(), &bytes.Buffer{}, in, handmadeOptions(CycloneDXJSON))
		if err == nil || !strings.Contains(err.Error(), "PYSEC-2021-98") {
			t.Errorf("err = %v, want one naming the finding", err)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := Write(ctx, &bytes.Buffer{}, handmade(), handmadeOptions(SPDXJSON)); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats() {
		if got, err := ParseFormat(string(f)); err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %q, %v", f, got, err)
		}
	}
	if _, err := ParseFormat("spdx-yaml"); err == nil {
		t.Error(`ParseFormat("spdx-yaml") succeeded`)
	}
}

// TestXMLMatchesJSON: the XML BOM says what the JSON BOM says.
func TestXMLMatchesJSON(t *testing.T) {
	j := readCycloneDX(t, render(t, handmade(), handmadeOptions(CycloneDXJSON)), cdx.BOMFileFormatJSON)
	x := readCycloneDX(t, render(t, handmade(), handmadeOptions(CycloneDXXML)), cdx.BOMFileFormatXML)
	ignore := cmpopts.IgnoreFields(cdx.BOM{}, "XMLName", "XMLNS", "JSONSchema", "BOMFormat", "SpecVersion")
	if diff := cmp.Diff(j, x, ignore); diff != "" {
		t.Errorf("XML BOM differs from the JSON BOM (-json +xml):\n%s", diff)
	}
}

// TestTagValueMatchesJSON: the tag-value document says what the JSON one
// says.
func TestTagValueMatchesJSON(t *testing.T) {
	j := readSPDX(t, render(t, handmade(), handmadeOptions(SPDXJSON)), SPDXJSON)
	tv := readSPDX(t, render(t, handmade(), handmadeOptions(SPDXTagValue)), SPDXTagValue)
	byID := cmpopts.SortSlices(func(a, b *spdxPackage) bool { return a.PackageSPDXIdentifier < b.PackageSPDXIdentifier })
	if diff := cmp.Diff(j, tv, byID, cmpopts.IgnoreUnexported(spdxPackage{}), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("tag-value document differs from the JSON one (-json +tag-value):\n%s", diff)
	}
}

// TestFindingsReadBack: the vulnerabilities affect the components of their
// findings.
func TestFindingsReadBack(t *testing.T) {
	bom := readCycloneDX(t, render(t, handmade(), handmadeOptions(CycloneDXJSON)), cdx.BOMFileFormatJSON)
	got := map[string][]string{}
	for _, v := range *bom.Vulnerabilities {
		state := "reported"
		if v.Analysis != nil {
			state = string(v.Analysis.State)
		}
		var refs []string
		for _, a := range *v.Affects {
			refs = append(refs, a.Ref)
		}
		got[v.ID+" "+state] = refs
	}
	want := map[string][]string{
		"GHSA-gxpj-cx7g-858c not_affected": {"pkg:npm/debug@2.6.9"},
		"GHSA-qw6h-vgh9-j6wx not_affected": {"pkg:npm/express@4.17.1"},
		"GHSA-w9mr-4mfr-499f reported":     {"pkg:npm/ms@2.0.0|tools/package-lock.json", "pkg:npm/ms@2.0.0|web/package-lock.json|node_modules/ms"},
		"PYSEC-2021-98 reported":           {"pkg:pypi/django@3.2.1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("vulnerabilities (-want +got):\n%s", diff)
	}
}

func TestNoFindingsNoVulnerabilities(t *testing.T) {
	in := handmade()
	in.Findings, in.Suppressed = nil, nil
	bom := readCycloneDX(t, render(t, in, handmadeOptions(CycloneDXJSON)), cdx.BOMFileFormatJSON)
	if bom.Vulnerabilities != nil {
		t.Errorf("vulnerabilities = %v, want none", *bom.Vulnerabilities)
	}
	var empty Input
	for _, f := range Formats() {
		checkValid(t, f, render(t, empty, handmadeOptions(f)))
	}
}
