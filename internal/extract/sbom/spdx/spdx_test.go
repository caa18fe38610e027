package spdx

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/patchline/patchline/internal/extract/extracttest"
	"github.com/patchline/patchline/internal/inventory"
)

func TestFileRequired(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"sbom.spdx.json", true},
		{"dist/App.SPDX.JSON", true},
		{"app.spdx", true},
		{"sub/dir/x.spdx", true},
		{".spdx", false},
		{"app.spdx.yaml", false},
		{"app.spdx.rdf", false},
		{"bom.json", false},
		{"app.cdx.json", false},
		{"spdx.json", false},
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
)

func listed(eco, name, version string, rel inventory.Relation, file string, line int) inventory.Package {
	return inventory.Package{Ecosystem: eco, Name: name, Version: version, Relation: rel, Location: inventory.Location{File: file, Line: line}}
}

func unchecked(eco, name, requirement, note, file string, line int) inventory.Package {
	return inventory.Package{Ecosystem: eco, Name: name, Requirement: requirement, Note: note, Location: inventory.Location{File: file, Line: line}}
}

const (
	noPURL    = "no package URL: not checked for vulnerabilities"
	noVersion = "the package URL has no version: not checked for vulnerabilities"
)

func TestExtract(t *testing.T) {
	const (
		minimal   = "minimal/sbom.spdx.json"
		minTV     = "minimal-tv/sbom.spdx"
		malformed = "malformed/sbom.spdx.json"
		malTV     = "malformed-tv/sbom.spdx"
		badentry  = "badentry/sbom.spdx.json"
		npmDoc    = "real-2.3-npm/npm.spdx.json"
		spec22    = "spec-2.2-json/SPDXJSONExample-v2.2.spdx.json"
		spec23    = "spec-2.3-json/SPDXJSONExample-v2.3.spdx.json"
		spec22TV  = "spec-2.2-tv/SPDXTagExample-v2.2.spdx"
		spec23TV  = "spec-2.3-tv/SPDXTagExample-v2.3.spdx"
		hello     = "hello-2.2-tv/hello.spdx"
		npm       = inventory.Npm
		jena      = "org.apache.jena:apache-jena"
	)
	leftPad := listed(npm, "left-pad", "1.3.0", unknownRel, minimal, 54)
	leftPad.Note = "version from the SBOM entry, not its package URL"
	tests := []struct {
		name     string
		path     string
		want     []inventory.Package
		wantErrs []string
	}{
		{
			name: "minimal",
			path: minimal,
			want: []inventory.Package{
				// shop is described: the product, not listed.
				listed(npm, "express", "4.18.2", direct, minimal, 16),
				listed(npm, "body-parser", "1.20.1", transitive, minimal, 26),
				listed(npm, "@jest/core", "29.7.0", direct, minimal, 33),
				listed(inventory.Go, "github.com/BurntSushi/toml", "v1.3.2", direct, minimal, 40),
				unchecked("", "openssl", "3.0.11-1~deb12u2", "package URL pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64: type not supported, not checked for vulnerabilities", minimal, 47),
				leftPad,
				unchecked(npm, "lodash", "", noVersion, minimal, 61),
				unchecked("", "debian", "12.4", noPURL, minimal, 68),
				listed(inventory.PyPI, "requests", "2.31.0", unknownRel, minimal, 75),
			},
		},
		{
			name: "minimal_tag_value",
			path: minTV,
			want: []inventory.Package{
				listed(npm, "express", "4.18.2", direct, minTV, 19),
				listed(npm, "body-parser", "1.20.1", transitive, minTV, 28),
				unchecked("", "debian", "12.4", noPURL, minTV, 38),
			},
		},
		{
			name: "real_npm_relationships_as_specified",
			path: npmDoc,
			want: []inventory.Package{
				listed(npm, "dep1", "0.0.1", unknownRel, npmDoc, 34),
				listed(npm, "dep2", "0.0.2", unknownRel, npmDoc, 51),
				listed(npm, "dep3", "0.0.3", unknownRel, npmDoc, 68),
				listed(npm, "dep4", "0.0.4", direct, npmDoc, 85),
				listed(npm, "dep5", "0.0.5", transitive, npmDoc, 102),
				listed(npm, "dep6", "0.0.6", unknownRel, npmDoc, 119),
			},
		},
		{
			// glibc is described (documentDescribes) and not listed.
			name: "spec_2_2_json",
			path: spec22,
			want: []inventory.Package{
				unchecked("", "Apache Commons Lang", "", noPURL, spec22, 111),
				listed(inventory.Maven, jena, "3.12.0", unknownRel, spec22, 120),
				unchecked("", "Saxon", "8.8", noPURL, spec22, 134),
			},
		},
		{
			name: "spec_2_3_json",
			path: spec23,
			want: []inventory.Package{
				unchecked("", "Apache Commons Lang", "", noPURL, spec23, 96),
				listed(inventory.Maven, jena, "3.12.0", unknownRel, spec23, 106),
				unchecked("", "Saxon", "8.8", noPURL, spec23, 123),
				unchecked("", "centos", "centos7.9.2009", noPURL, spec23, 143),
			},
		},
		{
			name: "spec_2_3_tag_value",
			path: spec23TV,
			want: []inventory.Package{
				unchecked("", "centos", "centos7.9.2009", noPURL, spec23TV, 86),
				unchecked("", "Saxon", "8.8", noPURL, spec23TV, 131),
				listed(inventory.Maven, jena, "3.12.0", unknownRel, spec23TV, 147),
				unchecked("", "Apache Commons Lang", "", noPURL, spec23TV, 160),
			},
		},
		{
			// tools-golang rejects the snippet at line 194; the
			// packages before the failing section are kept.
			name: "spec_2_2_tag_value_rejected_by_tools_golang",
			path: spec22TV,
			want: []inventory.Package{
				unchecked("", "Apache Commons Lang", "", noPURL, spec22TV, 157),
				listed(inventory.Maven, jena, "3.12.0", unknownRel, spec22TV, 167),
			},
			wantErrs: []string{spec22TV + ":194"},
		},
		{
			// The only package is described: with nothing else in
			// the document, it is listed.
			name: "hello_only_package_described",
			path: hello,
			want: []inventory.Package{unchecked("", "hello", "", noPURL, hello, 13)},
		},
		{name: "empty", path: "empty/empty.spdx.json", wantErrs: []string{"empty/empty.spdx.json:1"}},
		{
			// The relationships were not reached: the described
			// root is listed too, every relation unknown.
			name: "truncated_keeps_packages",
			path: malformed,
			want: []inventory.Package{
				listed(npm, "shop", "2.0.0", unknownRel, malformed, 9),
				listed(npm, "express", "4.18.2", unknownRel, malformed, 16),
				listed(npm, "body-parser", "1.20.1", unknownRel, malformed, 26),
			},
			wantErrs: []string{malformed + ":32"},
		},
		{
			// The package holding the bad line is left out.
			name: "tag_value_bad_line_keeps_packages_before",
			path: malTV,
			want: []inventory.Package{
				listed(npm, "shop", "2.0.0", unknownRel, malTV, 13),
				listed(npm, "express", "4.18.2", unknownRel, malTV, 19),
			},
			wantErrs: []string{malTV + ":30"},
		},
		{
			name: "bad_entries_keep_the_others",
			path: badentry,
			want: []inventory.Package{
				listed(npm, "ok", "1.0.0", direct, badentry, 7),
				listed(inventory.RubyGems, "rails", "7.1.2", transitive, badentry, 12),
			},
			wantErrs: []string{badentry + ":8", badentry + ":9", badentry + ":10", badentry + ":11", badentry + ":16"},
		},
		{name: "wrong_format_cyclonedx", path: "wrong-format/sbom.spdx.json", wantErrs: []string{"wrong-format/sbom.spdx.json:1"}},
		{name: "wrong_format_yarn_lock", path: "wrong-format-tv/sbom.spdx", wantErrs: []string{"wrong-format-tv/sbom.spdx:1"}},
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
		{"blank", "\n \n", 1, "empty file"},
		{"rdf", "<rdf:RDF/>", 1, "RDF/XML is not supported"},
		{"json_spdx_3", "{\n\"spdxVersion\": \"SPDX-3.0\"}", 2, `unsupported spdxVersion "SPDX-3.0"`},
		{"json_no_version", "{\"SPDXID\": \"SPDXRef-DOCUMENT\"}", 1, `no "spdxVersion"`},
		{"json_syntax", "{\"spdxVersion\": \"SPDX-2.3\",\n\"packages\": [}", 2, "invalid JSON"},
		{"tv_spdx_1", "SPDXVersion: SPDX-1.2\n", 1, `unsupported spdxVersion "SPDX-1.2"`},
		{"tv_unclosed_text", "SPDXVersion: SPDX-2.3\nDocumentComment: <text>never\nclosed\n", 2, "not closed by </text>"},
		// tools-golang notices at package b that a has no SPDXID; the
		// error points at package a.
		{"tv_package_without_id", "SPDXVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\nPackageName: a\nPackageVersion: 1\nPackageName: b\nSPDXID: SPDXRef-b\n", 3, "does not have SPDX identifier"},
		{"tv_unknown_tag", "SPDXVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\n\nPackageName: a\nSPDXID: SPDXRef-a\nNotATag: x\n", 6, "unknown tag"},
		{"package_without_name_or_purl", "{\"spdxVersion\": \"SPDX-2.3\", \"packages\": [\n{\"SPDXID\": \"SPDXRef-a\"}]}", 2, "no name and no package URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New().Extract(context.Background(), &inventory.Input{Path: "x.spdx", Reader: strings.NewReader(tt.data)})
			if err == nil {
				t.Fatal("no error")
			}
			if got := extracttest.ErrorLines(err); len(got) != 1 || got[0] != fmt.Sprintf("x.spdx:%d", tt.line) {
				t.Errorf("error lines %v, want [x.spdx:%d]; error: %v", got, tt.line, err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not contain %q", err, tt.message)
			}
		})
	}
}

// TestExtractDescribesEverything checks that a document describing every
// package it holds lists them all.
func TestExtractDescribesEverything(t *testing.T) {
	data := `{"spdxVersion": "SPDX-2.2", "SPDXID": "SPDXRef-DOCUMENT", "documentDescribes": ["SPDXRef-a", "SPDXRef-b"], "packages": [
{"name": "a", "SPDXID": "SPDXRef-a", "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:npm/a@1.0.0"}]},
{"name": "b", "SPDXID": "SPDXRef-b", "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:npm/b@2.0.0"}]}]}`
	inv, err := New().Extract(context.Background(), &inventory.Input{Path: "x.spdx.json", Reader: strings.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	extracttest.CheckPackages(t, []inventory.Package{
		listed(inventory.Npm, "a", "1.0.0", unknownRel, "x.spdx.json", 2),
		listed(inventory.Npm, "b", "2.0.0", unknownRel, "x.spdx.json", 3),
	}, inv.Packages)
}

func TestExtractCanceled(t *testing.T) {
	extracttest.CheckCanceled(t, New(), os.DirFS("testdata"), "minimal/sbom.spdx.json")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "*.spdx*")
	e := New()
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, _ := e.Extract(context.Background(), &inventory.Input{Path: "x.spdx", Reader: bytes.NewReader(data)})
		for _, p := range inv.Packages {
			if p.Name == "" || (p.Version == "" && p.Note == "") {
				t.Errorf("Extract returned an incomplete package %+v", p)
			}
		}
	})
}
