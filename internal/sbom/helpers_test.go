package sbom

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/santhosh-tekuri/jsonschema/v6"
	spdxjson "github.com/spdx/tools-golang/json"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/spdx/tools-golang/tagvalue"

	"github.com/patchline/patchline/internal/extract/extracttest"
	"github.com/patchline/patchline/internal/extract/javascript/packagelock"
	"github.com/patchline/patchline/internal/extract/python/poetrylock"
	"github.com/patchline/patchline/internal/extract/rust/cargolock"
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/severity"
)

// testTime is the timestamp of the golden files.
var testTime = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// noNetwork refuses every schema the compiler did not get from the test.
type noNetwork struct{}

func (noNetwork) Load(url string) (any, error) {
	return nil, errors.New("the tests load no schema from the network: " + url)
}

type schemas struct {
	cdx, spdx *jsonschema.Schema
}

var (
	schemasOnce sync.Once
	compiled    schemas
	schemasErr  error
)

// officialSchemas compiles the CycloneDX 1.6 and SPDX 2.3 JSON schemas
// from testdata (and the licence list beside the package), each file
// registered under its $id, once per test binary.
func officialSchemas(tb testing.TB) schemas {
	tb.Helper()
	schemasOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.UseLoader(noNetwork{})
		files := map[string]string{
			"http://cyclonedx.org/schema/bom-1.6.schema.json":  "testdata/cyclonedx-bom-1.6.schema.json",
			"http://cyclonedx.org/schema/jsf-0.82.schema.json": "testdata/jsf-0.82.schema.json",
			"http://cyclonedx.org/schema/spdx.schema.json":     "spdx.schema.json",
			"http://spdx.org/rdf/terms/2.3":                    "testdata/spdx-2.3.schema.json",
		}
		for id, file := range files {
			f, err := os.Open(file)
			if err != nil {
				schemasErr = err
				return
			}
			doc, err := jsonschema.UnmarshalJSON(f)
			f.Close()
			if err != nil {
				schemasErr = err
				return
			}
			if err := c.AddResource(id, doc); err != nil {
				schemasErr = err
				return
			}
		}
		if compiled.cdx, schemasErr = c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json"); schemasErr != nil {
			return
		}
		compiled.spdx, schemasErr = c.Compile("http://spdx.org/rdf/terms/2.3")
	})
	if schemasErr != nil {
		tb.Fatalf("compile schemas: %v", schemasErr)
	}
	return compiled
}

// checkValid validates out, written in format f: JSON against the official
// schema, XML and tag-value by reading it back with the format's library.
func checkValid(tb testing.TB, f Format, out []byte) {
	tb.Helper()
	s := officialSchemas(tb)
	switch f {
	case CycloneDXJSON, SPDXJSON:
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
		if err != nil {
			tb.Fatalf("%s output is not JSON: %v", f, err)
		}
		sch := s.cdx
		if f == SPDXJSON {
			sch = s.spdx
		}
		if err := sch.Validate(inst); err != nil {
			tb.Errorf("%s output does not match the schema: %v", f, err)
		}
	case CycloneDXXML:
		readCycloneDX(tb, out, cdx.BOMFileFormatXML)
	case SPDXTagValue:
		readSPDX(tb, out, SPDXTagValue)
	}
}

func readCycloneDX(tb testing.TB, out []byte, ff cdx.BOMFileFormat) *cdx.BOM {
	tb.Helper()
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(out), ff).Decode(&bom); err != nil {
		tb.Fatalf("cyclonedx-go cannot read the BOM back: %v", err)
	}
	return &bom
}

func readSPDX(tb testing.TB, out []byte, f Format) *spdx.Document {
	tb.Helper()
	var doc *spdx.Document
	var err error
	if f == SPDXTagValue {
		doc, err = tagvalue.Read(bytes.NewReader(out))
	} else {
		doc, err = spdxjson.Read(bytes.NewReader(out))
	}
	if err != nil {
		tb.Fatalf("tools-golang cannot read the %s document back: %v", f, err)
	}
	return doc
}

func render(tb testing.TB, in Input, opts Options) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := Write(context.Background(), &b, in, opts); err != nil {
		tb.Fatalf("Write(%s): %v", opts.Format, err)
	}
	return b.Bytes()
}

// extractFixture runs an extractor on a real fixture of the repository.
func extractFixture(tb testing.TB, x inventory.Extractor, dir, p string) Source {
	tb.Helper()
	inv, err := extracttest.Extract(tb, x, os.DirFS(dir), p)
	if err != nil {
		tb.Fatalf("extract %s: %v", filepath.Join(dir, p), err)
	}
	if len(inv.Packages) == 0 {
		tb.Fatalf("extract %s: no packages", filepath.Join(dir, p))
	}
	return Source{Path: p, Extractor: x.Name(), Inventory: inv}
}

// Real fixtures of the repository (see testdata/SOURCES.md).
func ripgrep(tb testing.TB) Source {
	return extractFixture(tb, cargolock.New(), "../extract/rust/cargolock/testdata/real", "ripgrep-2018/Cargo.lock")
}

func nodegoat(tb testing.TB) Source {
	return extractFixture(tb, packagelock.New(), "../../examples/demo", "nodegoat/package-lock.json")
}

func saleor(tb testing.TB) Source {
	return extractFixture(tb, poetrylock.New(), "../extract/python/poetrylock/testdata/real", "saleor-2021/poetry.lock")
}

type spdxPackage = spdx.Package

func jsonschemaUnmarshal(b []byte) (any, error) { return jsonschema.UnmarshalJSON(bytes.NewReader(b)) }

// synthetic is an npm lockfile of n packages with a graph (each package
// depends on up to three later ones), integrity hashes, licences, both
// scopes, and a finding on every 30th package.
func synthetic(n int) Input {
	s := Source{Path: "package-lock.json", Extractor: "javascript/packagelock"}
	var findings []result.Finding
	for i := range n {
		name := fmt.Sprintf("pkg-%04d", i)
		sum := sha512.Sum512([]byte(name))
		p := inventory.Package{
			Ecosystem: inventory.Npm, Name: name, Version: fmt.Sprintf("1.%d.0", i%7),
			Relation: inventory.RelationTransitive, Scope: inventory.ScopeProd,
			Location: inventory.Location{File: s.Path, Line: 10 * (i + 1)}, ID: "node_modules/" + name,
			Hashes:   []string{"sha512-" + base64.StdEncoding.EncodeToString(sum[:])},
			Licenses: []string{"MIT"},
		}
		if i%5 == 0 {
			p.Scope = inventory.ScopeDev
		}
		for _, j := range []int{i + 1, i*3 + 2, i*7 + 5} {
			if j < n {
				p.DependsOn = append(p.DependsOn, fmt.Sprintf("node_modules/pkg-%04d", j))
			}
		}
		if i < 20 {
			p.Relation = inventory.RelationDirect
			s.Inventory.Roots = append(s.Inventory.Roots, p.ID)
		}
		s.Inventory.Packages = append(s.Inventory.Packages, p)
		if i%30 == 0 {
			findings = append(findings, result.Finding{
				Source: s.Path, Line: p.Location.Line, Ecosystem: p.Ecosystem, Package: p.Name, Version: p.Version,
				ID: fmt.Sprintf("GHSA-%04d", i), Aliases: []string{fmt.Sprintf("CVE-2024-%05d", i)},
				Severity: severity.Severity{Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Score: score(9.8), Level: severity.Critical},
			})
		}
	}
	return Input{Sources: []Source{s}, Findings: findings}
}

func score(f float64) *float64 { return &f }

// handmade is an input with everything the package writes: a recorded
// graph (with a dangling ID), the same PURL in two sources and twice in
// one, a package without PURL and one without version, hashes and licences
// of every kind, dev and optional scopes, findings and suppressed ones.
func handmade() Input {
	const app = "web/package-lock.json"
	web := Source{Path: app, Extractor: "javascript/packagelock", Inventory: inventory.Inventory{
		Roots: []string{"node_modules/express", "node_modules/@types/node", "node_modules/fsevents"},
		Packages: []inventory.Package{
			{
				Ecosystem: inventory.Npm, Name: "express", Version: "4.17.1", Relation: inventory.RelationDirect, Scope: inventory.ScopeProd,
				Location: inventory.Location{File: app, Line: 10}, ID: "node_modules/express",
				DependsOn: []string{"node_modules/debug", "node_modules/ms", "node_modules/missing"},
				Hashes:    []string{"sha512-9xBM7nNnQDhDl4gr01ZS+b32nqrlGwAMQuOy1Q/iTEMdKzNQaY54+X0JlQSgqB1m8JVxCjd8i6d7i0lt2h9vQg== sha1-2MXqmnDAHXr+QsGHKmOsDPq6eQs="},
				Licenses:  []string{"MIT"},
			},
			{
				Ecosystem: inventory.Npm, Name: "debug", Version: "2.6.9", Relation: inventory.RelationTransitive, Scope: inventory.ScopeProd,
				Location: inventory.Location{File: app, Line: 20}, ID: "node_modules/debug",
				DependsOn: []string{"node_modules/debug/node_modules/ms"},
				Hashes:    []string{"sha512-bC7ElrdJaJnPbAP+1EotYvqZsb3ecl5wi6Bfi6BJTUcNowp6cvspg0jXznRTKDjm/E7AdgFBVeAPVMNcKGsHMA=="},
				Licenses:  []string{"mit"},
			},
			{
				Ecosystem: inventory.Npm, Name: "ms", Version: "2.0.0", Relation: inventory.RelationTransitive, Scope: inventory.ScopeProd,
				Location: inventory.Location{File: app, Line: 30}, ID: "node_modules/debug/node_modules/ms",
				Licenses: []string{"(MIT OR Apache-2.0)"},
			},
			{
				Ecosystem: inventory.Npm, Name: "ms", Version: "2.0.0", Relation: inventory.RelationTransitive, Scope: inventory.ScopeProd,
				Location: inventory.Location{File: app, Line: 40}, ID: "node_modules/ms",
				Licenses: []string{"Apache 2.0", "MIT"},
			},
			{
				Ecosystem: inventory.Npm, Name: "@types/node", Version: "20.1.0", Relation: inventory.RelationDirect, Scope: inventory.ScopeDev,
				Location: inventory.Location{File: app, Line: 50}, ID: "node_modules/@types/node",
				Licenses: []string{"MIT", "LicenseRef-Custom OR ISC"},
			},
			{
				Ecosystem: inventory.Npm, Name: "fsevents", Version: "2.3.3", Relation: inventory.RelationDirect, Scope: inventory.ScopeOptional,
				Location: inventory.Location{File: app, Line: 60}, ID: "node_modules/fsevents",
				Hashes: []string{"h1:not-a-usable-hash=", "sha256:tooShort"},
			},
		},
	}}
	tools := Source{Path: "tools/package-lock.json", Extractor: "javascript/packagelock", Inventory: inventory.Inventory{
		Packages: []inventory.Package{{
			Ecosystem: inventory.Npm, Name: "ms", Version: "2.0.0", Relation: inventory.RelationDirect,
			Location: inventory.Location{File: "tools/package-lock.json", Line: 7},
		}},
	}}
	py := Source{Path: "svc/poetry.lock", Extractor: "python/poetrylock", Inventory: inventory.Inventory{
		Packages: []inventory.Package{
			{
				Ecosystem: inventory.PyPI, Name: "Django", Version: "3.2.1", Scope: inventory.ScopeProd,
				Location: inventory.Location{File: "svc/poetry.lock", Line: 3},
				Hashes:   []string{"sha256:0604E84C4FB698A5E53E5857B5AEA945B2F19A18F25F10B8748DBDF935788927", "sha224:" + "00112233445566778899aabbccddeeff00112233445566778899aabb"},
				Licenses: []string{"BSD-3-Clause"},
			},
			{
				Ecosystem: inventory.PyPI, Name: "sqlparse", Version: "0.4.1", Scope: inventory.ScopeDev,
				Location: inventory.Location{File: "svc/poetry.lock", Line: 12},
				Note:     "from a private index",
			},
		},
	}}
	other := Source{Path: "vendor/deps.txt", Extractor: "custom/list", Inventory: inventory.Inventory{
		Packages: []inventory.Package{
			{Name: "libfoo", Version: "1.2", Location: inventory.Location{File: "vendor/deps.txt", Line: 1}},
			{Ecosystem: inventory.PyPI, Name: "requests", Requirement: ">=2.0", Relation: inventory.RelationDirect, Location: inventory.Location{File: "vendor/deps.txt", Line: 2}},
		},
	}}
	published := time.Date(2017, 9, 27, 0, 0, 0, 0, time.UTC)
	msFinding := result.Finding{
		Source: app, Line: 40, Ecosystem: inventory.Npm, Package: "ms", Version: "2.0.0", PURL: "pkg:npm/ms@2.0.0",
		ID: "GHSA-w9mr-4mfr-499f", Aliases: []string{"CVE-2017-20162"}, Summary: "Vercel ms Inefficient Regular Expression Complexity vulnerability",
		Severity:  severity.Severity{Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", Score: score(5.3), Level: severity.Medium},
		Published: &published, Modified: time.Date(2023, 1, 2, 0, 0, 0, 0, time.UTC), URL: "https://github.com/advisories/GHSA-w9mr-4mfr-499f",
		Fixed: []string{"2.0.1"},
	}
	msTools := msFinding
	msTools.Source, msTools.Line, msTools.Relation = "tools/package-lock.json", 7, "direct"
	django := result.Finding{
		Source: "svc/poetry.lock", Line: 3, Ecosystem: inventory.PyPI, Package: "Django", Version: "3.2.1",
		ID: "PYSEC-2021-98", Aliases: []string{"CVE-2021-33203", "GHSA-68w8-qjq3-2gfm"},
		Severity: severity.Severity{Type: "database_specific", Level: severity.High},
		Modified: time.Date(2021, 6, 9, 0, 0, 0, 0, time.UTC),
	}
	express := result.Finding{
		Source: app, Line: 10, Ecosystem: inventory.Npm, Package: "express", Version: "4.17.1",
		ID: "GHSA-qw6h-vgh9-j6wx", Aliases: []string{"CVE-2024-43796"},
		Severity: severity.Severity{Type: "CVSS_V4", Vector: "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", Score: score(2.3), Level: severity.Low},
		Modified: time.Date(2024, 9, 20, 0, 0, 0, 0, time.UTC),
		Suppression: &result.Suppression{
			ID: "CVE-2024-43796", Reason: "redirect() is never called with user input", Owner: "web-team", Expires: "2025-01-01", Config: "patchline.yaml",
		},
	}
	debug := result.Finding{
		Source: app, Line: 20, Ecosystem: inventory.Npm, Package: "debug", Version: "2.6.9",
		ID: "GHSA-gxpj-cx7g-858c", Aliases: []string{"CVE-2017-16137"},
		Modified: time.Date(2023, 1, 9, 0, 0, 0, 0, time.UTC),
		VEX: &result.VEXStatement{
			Status: "not_affected", Justification: "vulnerable_code_not_in_execute_path", Source: "vex.json:12", Format: "openvex",
		},
		Suppression: &result.Suppression{ID: "GHSA-gxpj-cx7g-858c", Reason: "VEX not_affected (vulnerable_code_not_in_execute_path)", Config: "vex.json"},
	}
	return Input{
		Sources:    []Source{web, tools, py, other},
		Findings:   []result.Finding{django, msFinding, msTools},
		Suppressed: []result.Finding{express, debug},
	}
}

func handmadeOptions(f Format) Options {
	return Options{Format: f, ToolVersion: "1.2.3", Timestamp: testTime, Reproducible: true, ProjectName: "shop"}
}
