package cyclonedx

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/patchline/patchline/internal/extract/extracttest"
	"github.com/patchline/patchline/internal/inventory"
)

func TestFileRequired(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"bom.json", true},
		{"bom.xml", true},
		{"dist/BOM.JSON", true},
		{"app.cdx.json", true},
		{"sbom/app.cdx.xml", true},
		{"app.bom.json", true},
		{"sbom.json", false},
		{"bom.yaml", false},
		{"app.spdx.json", false},
		{"bom.json.bak", false},
		{"package.json", false},
	}
	for _, tt := range tests {
		if got := New().FileRequired(tt.path); got != tt.want {
			t.Errorf("FileRequired(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

const (
	direct     = inventory.RelationDirect
	transitive = inventory.RelationTransitive
	unknownRel = inventory.RelationUnknown
	prod       = inventory.ScopeProd
	dev        = inventory.ScopeDev
	optional   = inventory.ScopeOptional
	noScope    = inventory.ScopeUnknown
)

func pkg(eco, name, version string, rel inventory.Relation, scope inventory.Scope, file string, line int) inventory.Package {
	return inventory.Package{
		Ecosystem: eco,
		Name:      name,
		Version:   version,
		Relation:  rel,
		Scope:     scope,
		Location:  inventory.Location{File: file, Line: line},
	}
}

// unchecked is a package listed without a version, so never matched.
func unchecked(eco, name, requirement, note, file string, line int) inventory.Package {
	return inventory.Package{Ecosystem: eco, Name: name, Requirement: requirement, Note: note, Location: inventory.Location{File: file, Line: line}}
}

func TestExtract(t *testing.T) {
	const (
		minimal   = "minimal/bom.json"
		minXML    = "minimal-xml/bom.cdx.xml"
		malformed = "malformed/bom.json"
		badentry  = "badentry/bom.json"
		req12     = "real-1.2-requirements/bom.json"
		req15     = "real-1.5-requirements/bom.json"
		req16     = "real-1.6-requirements/bom.json"
		req16XML  = "real-1.6-requirements-xml/bom.xml"
		poetry    = "real-1.4-poetry/bom.json"
		poetryXML = "real-1.4-poetry-xml/bom.xml"
		npm       = inventory.Npm
		pypi      = inventory.PyPI
	)
	left := pkg(npm, "left-pad", "1.3.0", unknownRel, noScope, minimal, 86)
	left.Note = "version from the SBOM entry, not its package URL"
	requirements := func(file string, lines ...int) []inventory.Package {
		return []inventory.Package{
			pkg(pypi, "fooproject", "1.2", unknownRel, noScope, file, lines[0]),
			pkg(pypi, "colorama", "0.4.6", unknownRel, noScope, file, lines[1]),
		}
	}
	poetryPkgs := func(file string, lines ...int) []inventory.Package {
		return []inventory.Package{
			pkg(pypi, "arrow", "1.3.0", transitive, noScope, file, lines[0]),
			pkg(pypi, "ddt", "1.7.0", direct, noScope, file, lines[1]),
			pkg(pypi, "isoduration", "20.11.0", direct, noScope, file, lines[2]),
			pkg(pypi, "python-dateutil", "2.8.2", transitive, noScope, file, lines[3]),
			pkg(pypi, "six", "1.16.0", transitive, noScope, file, lines[4]),
			pkg(pypi, "toml", "0.10.2", direct, noScope, file, lines[5]),
			pkg(pypi, "types-python-dateutil", "2.8.19.14", transitive, noScope, file, lines[6]),
		}
	}
	tests := []struct {
		name     string
		path     string
		want     []inventory.Package
		wantErrs []string // "file:line" of the expected parse errors
	}{
		{
			name: "minimal",
			path: minimal,
			want: []inventory.Package{
				// metadata.component "shop" is the product; its
				// nested component is listed.
				pkg(npm, "@shop/ui", "2.0.0", unknownRel, noScope, minimal, 13),
				pkg(npm, "express", "4.18.2", direct, prod, minimal, 24),
				pkg(npm, "body-parser", "1.20.1", transitive, noScope, minimal, 32),
				pkg(npm, "@jest/core", "29.7.0", direct, dev, minimal, 41),
				pkg(npm, "fsevents", "2.3.3", unknownRel, optional, minimal, 50),
				pkg(inventory.Go, "github.com/BurntSushi/toml", "v1.3.2", direct, noScope, minimal, 58),
				pkg(inventory.Maven, "org.apache.logging.log4j:log4j-core", "2.14.1", unknownRel, noScope, minimal, 65),
				unchecked("", "debian", "12.4", "no package URL: not checked for vulnerabilities", minimal, 73),
				unchecked("", "openssl", "3.0.11-1~deb12u2", "package URL pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12: type not supported, not checked for vulnerabilities", minimal, 79),
				left,
				unchecked(npm, "lodash", "", "the package URL has no version: not checked for vulnerabilities", minimal, 93),
				// The file component without PURL is skipped.
			},
		},
		{
			name: "minimal_xml",
			path: minXML,
			want: []inventory.Package{
				pkg(npm, "express", "4.18.2", direct, prod, minXML, 11),
				pkg(npm, "body-parser", "1.20.1", transitive, noScope, minXML, 17),
				pkg(npm, "@jest/core", "29.7.0", direct, dev, minXML, 24),
				unchecked("", "debian", "12.4", "no package URL: not checked for vulnerabilities", minXML, 31),
			},
		},
		{name: "real_1_2_keys_in_any_order", path: req12, want: requirements(req12, 3, 18)},
		{name: "real_1_5", path: req15, want: requirements(req15, 3, 28)},
		{name: "real_1_6_tools_components_are_not_packages", path: req16, want: requirements(req16, 3, 28)},
		{name: "real_1_6_xml", path: req16XML, want: requirements(req16XML, 111, 127)},
		{name: "real_1_4_graph", path: poetry, want: poetryPkgs(poetry, 3, 35, 73, 111, 143, 175, 213)},
		{name: "real_1_4_graph_xml", path: poetryXML, want: poetryPkgs(poetryXML, 54, 76, 101, 126, 148, 170, 195)},
		{name: "empty", path: "empty/bom.json", wantErrs: []string{"empty/bom.json:1"}},
		{
			// Cut inside a component: the components before it are
			// kept, with unknown relations (the graph was not read).
			name: "truncated_keeps_components",
			path: malformed,
			want: []inventory.Package{
				pkg(npm, "@shop/ui", "2.0.0", unknownRel, noScope, malformed, 13),
				pkg(npm, "express", "4.18.2", unknownRel, prod, malformed, 24),
				pkg(npm, "body-parser", "1.20.1", unknownRel, noScope, malformed, 32),
				pkg(npm, "@jest/core", "29.7.0", unknownRel, dev, malformed, 41),
			},
			wantErrs: []string{malformed + ":49"},
		},
		{
			name: "bad_entries_keep_the_others",
			path: badentry,
			want: []inventory.Package{
				pkg(npm, "ok", "1.0.0", direct, noScope, badentry, 6),
				pkg(npm, "parent", "1.0.0", direct, noScope, badentry, 10),
				pkg(inventory.CratesIO, "also-ok", "0.1.0", transitive, noScope, badentry, 11),
			},
			wantErrs: []string{
				badentry + ":7",  // "name": 5
				badentry + ":8",  // invalid PURL
				badentry + ":9",  // a string
				badentry + ":10", // nested "components": {}
				badentry + ":15", // "dependsOn": "also-ok"
			},
		},
		{name: "wrong_format_package_json", path: "wrong-format/bom.json", wantErrs: []string{"wrong-format/bom.json:1"}},
		{name: "wrong_format_spdx", path: "wrong-format-spdx/bom.json", wantErrs: []string{"wrong-format-spdx/bom.json:1"}},
		{name: "wrong_format_pom_xml", path: "wrong-format-xml/bom.xml", wantErrs: []string{"wrong-format-xml/bom.xml:2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), os.DirFS("testdata"), tt.path)
			extracttest.CheckErrors(t, tt.wantErrs, err)
			extracttest.CheckPackages(t, tt.want, inv.Packages)
		})
	}
}

// TestExtractErrors checks the messages of documents patchline refuses.
func TestExtractErrors(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		line    int
		message string
	}{
		{"blank", " \n\t\n", 1, "empty file"},
		{"not_json_or_xml", "bomFormat: CycloneDX\n", 1, "want a JSON object or an XML document"},
		{"other_bom_format", "{\n\"bomFormat\": \"SPDX\"}", 2, `bomFormat is "SPDX"`},
		{"bom_format_wrong_type", "{\"bomFormat\": 1}", 1, `no "bomFormat": "CycloneDX"`},
		{"spec_version_2", "{\"bomFormat\": \"CycloneDX\",\n\"specVersion\": \"2.0\"}", 2, `unsupported CycloneDX specVersion "2.0"`},
		{"trailing_data", "{\"bomFormat\": \"CycloneDX\"}\n{}", 2, "data after the top-level value"},
		{"syntax_error", "{\"bomFormat\": \"CycloneDX\",\n\"components\": [}", 2, "invalid JSON"},
		{"xml_future_namespace", "<bom xmlns=\"http://cyclonedx.org/schema/bom/2.0\"/>", 1, `unsupported CycloneDX specVersion "2.0"`},
		{"xml_syntax_error", "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\">\n<components>\n<component></components></bom>", 3, "invalid XML"},
		{"xml_truncated", "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\">\n<components>\n", 3, "invalid XML"},
		{"xml_second_root", "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\"/>\n<bom/>", 2, "second root element"},
		{"component_without_name_or_purl", "{\"bomFormat\": \"CycloneDX\", \"components\": [\n{\"type\": \"library\"}]}", 2, "no name and no package URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New().Extract(context.Background(), &inventory.Input{Path: "bom.json", Reader: strings.NewReader(tt.data)})
			if err == nil {
				t.Fatal("no error")
			}
			if got := extracttest.ErrorLines(err); len(got) != 1 || got[0] != fmt.Sprintf("bom.json:%d", tt.line) {
				t.Errorf("error lines %v, want [bom.json:%d]; error: %v", got, tt.line, err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not contain %q", err, tt.message)
			}
		})
	}
}

// TestExtractByteOrderMark checks that a UTF-8 byte order mark, which JSON
// and XML parsers refuse, is read past.
func TestExtractByteOrderMark(t *testing.T) {
	data := "\xef\xbb\xbf{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\", \"components\": [\n{\"name\": \"a\", \"purl\": \"pkg:npm/a@1.0.0\"}]}"
	inv, err := New().Extract(context.Background(), &inventory.Input{Path: "bom.json", Reader: strings.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	extracttest.CheckPackages(t, []inventory.Package{pkg(inventory.Npm, "a", "1.0.0", unknownRel, noScope, "bom.json", 2)}, inv.Packages)
}

func TestExtractLogsSkipped(t *testing.T) {
	var buf bytes.Buffer
	e := New(WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if _, err := extracttest.Extract(t, e, os.DirFS("testdata"), "minimal/bom.json"); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); !strings.Contains(got, "line=98") || !strings.Contains(got, "type=file") {
		t.Errorf("log %q does not name the skipped file component at line 98", got)
	}
}

func TestExtractCanceled(t *testing.T) {
	extracttest.CheckCanceled(t, New(), os.DirFS("testdata"), "minimal/bom.json")
	extracttest.CheckCanceled(t, New(), os.DirFS("testdata"), "minimal-xml/bom.cdx.xml")
}

// TestExtractNameIsIrrelevant checks that the syntax is told from the
// content: an XML BOM named bom.json is read as XML.
func TestExtractNameIsIrrelevant(t *testing.T) {
	data, err := os.ReadFile("testdata/minimal-xml/bom.cdx.xml")
	if err != nil {
		t.Fatal(err)
	}
	inv, err := extracttest.Extract(t, New(), fstest.MapFS{"bom.json": {Data: data}}, "bom.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Packages) != 4 {
		t.Errorf("got %d packages, want 4", len(inv.Packages))
	}
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "bom*")
	f.Add([]byte(`{"bomFormat":"CycloneDX","components":[{"name":"a","components":[{"name":"b","purl":"pkg:npm/b@1"}]}]}`))
	e := New()
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, _ := e.Extract(context.Background(), &inventory.Input{Path: "bom.json", Reader: bytes.NewReader(data)})
		for _, p := range inv.Packages {
			if p.Name == "" || p.Location.Line < 1 || (p.Version == "" && p.Note == "") {
				t.Errorf("Extract returned an incomplete package %+v", p)
			}
		}
	})
}
