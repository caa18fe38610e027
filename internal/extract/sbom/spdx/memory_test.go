package spdx

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"testing"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/tagvalue"

	"github.com/patchline/patchline/internal/extract/sbom/internal/heaptest"
	"github.com/patchline/patchline/internal/inventory"
)

// generateJSON writes an SPDX 2.3 JSON document describing an application
// of n npm packages, shaped like a generator's output (checksums, licenses,
// a purl), with a chain of DEPENDS_ON relationships: about 690 bytes a
// package, 10 MB for 15,000.
func generateJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{
  "spdxVersion": "SPDX-2.3",
  "dataLicense": "CC0-1.0",
  "SPDXID": "SPDXRef-DOCUMENT",
  "name": "generated-app",
  "documentNamespace": "https://spdx.example/generated-app-1.0.0",
  "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: generator"]},
  "packages": [
    {"name": "generated-app", "SPDXID": "SPDXRef-root", "versionInfo": "1.0.0", "downloadLocation": "NOASSERTION", "filesAnalyzed": false},
`)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `    {
      "name": "pkg-%[1]d",
      "SPDXID": "SPDXRef-npm-pkg-%[1]d",
      "versionInfo": "1.%[1]d.0",
      "downloadLocation": "NOASSERTION",
      "filesAnalyzed": false,
      "checksums": [{"algorithm": "SHA256", "checksumValue": "%064[1]x"}],
      "licenseConcluded": "MIT",
      "licenseDeclared": "MIT",
      "copyrightText": "NOASSERTION",
      "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:npm/pkg-%[1]d@1.%[1]d.0"}]
    }`, i)
	}
	b.WriteString("\n  ],\n  \"relationships\": [\n")
	b.WriteString(`    {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-root"},` + "\n")
	b.WriteString(`    {"spdxElementId": "SPDXRef-root", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-npm-pkg-0"}`)
	for i := range n - 1 {
		fmt.Fprintf(&b, ",\n    {\"spdxElementId\": \"SPDXRef-npm-pkg-%d\", \"relationshipType\": \"DEPENDS_ON\", \"relatedSpdxElement\": \"SPDXRef-npm-pkg-%d\"}", i, i+1)
	}
	b.WriteString("\n  ]\n}\n")
	return b.Bytes()
}

// generateTagValue writes the tag-value form of generateJSON's document.
func generateTagValue(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`SPDXVersion: SPDX-2.3
DataLicense: CC0-1.0
SPDXID: SPDXRef-DOCUMENT
DocumentName: generated-app
DocumentNamespace: https://spdx.example/generated-app-1.0.0
Creator: Tool: generator
Created: 2024-01-01T00:00:00Z

PackageName: generated-app
SPDXID: SPDXRef-root
PackageVersion: 1.0.0
PackageDownloadLocation: NOASSERTION
FilesAnalyzed: false
`)
	for i := range n {
		fmt.Fprintf(&b, `
PackageName: pkg-%[1]d
SPDXID: SPDXRef-npm-pkg-%[1]d
PackageVersion: 1.%[1]d.0
PackageDownloadLocation: NOASSERTION
FilesAnalyzed: false
PackageChecksum: SHA256: %064[1]x
PackageLicenseConcluded: MIT
PackageLicenseDeclared: MIT
PackageCopyrightText: NOASSERTION
ExternalRef: PACKAGE-MANAGER purl pkg:npm/pkg-%[1]d@1.%[1]d.0
`, i)
	}
	b.WriteString("\nRelationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-root\nRelationship: SPDXRef-root DEPENDS_ON SPDXRef-npm-pkg-0\n")
	for i := range n - 1 {
		fmt.Fprintf(&b, "Relationship: SPDXRef-npm-pkg-%d DEPENDS_ON SPDXRef-npm-pkg-%d\n", i, i+1)
	}
	return b.Bytes()
}

// TestExtractLargeMemory checks that a 10 MB SPDX JSON document of 15,000
// packages is read with a peak heap below twice its size, most of it the
// inventory returned (tools-golang's JSON reader takes about 8 times; see
// BenchmarkReadWhole).
func TestExtractLargeMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and reads a 10 MB document")
	}
	data := generateJSON(15000)
	var inv inventory.Inventory
	peak, alloc := heaptest.Peak(func() {
		var err error
		inv, err = New().Extract(context.Background(), &inventory.Input{Path: "big.spdx.json", Reader: bytes.NewReader(data)})
		if err != nil {
			t.Fatal(err)
		}
	})
	runtime.GC()
	t.Logf("%.1f MB: peak heap %.1f MB (%.1fx), allocated %.1f MB", float64(len(data))/1e6, float64(peak)/1e6, float64(peak)/float64(len(data)), float64(alloc)/1e6)
	if len(inv.Packages) != 15000 {
		t.Fatalf("got %d packages, want 15000", len(inv.Packages))
	}
	if first, last := inv.Packages[0], inv.Packages[len(inv.Packages)-1]; first.Relation != inventory.RelationDirect || last.Relation != inventory.RelationTransitive {
		t.Errorf("first and last packages %+v, %+v, want direct and transitive", first, last)
	}
	if limit := uint64(2 * len(data)); peak > limit {
		t.Errorf("peak heap %d bytes, want at most %d (2x the file)", peak, limit)
	}
}

// benchmarkHeap times f and reports, beside the usual figures, the peak
// heap of one run measured by heaptest.Peak before timing, in MB and as a
// multiple of the file size, and the bytes allocated as a multiple of it.
func benchmarkHeap(b *testing.B, data []byte, f func() error) {
	var err error
	peak, alloc := heaptest.Peak(func() { err = f() })
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := f(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(peak)/1e6, "peak-heap-MB")
	b.ReportMetric(float64(peak)/float64(len(data)), "peak-heap/file")
	b.ReportMetric(float64(alloc)/float64(len(data)), "alloc/file")
}

// BenchmarkExtractJSON reads a generated 10 MB SPDX JSON document of 15,000
// packages.
func BenchmarkExtractJSON(b *testing.B) {
	data := generateJSON(15000)
	e := New()
	benchmarkHeap(b, data, func() error {
		_, err := e.Extract(context.Background(), &inventory.Input{Path: "big.spdx.json", Reader: bytes.NewReader(data)})
		return err
	})
}

// BenchmarkExtractTagValue reads the tag-value form of the same document,
// which tools-golang parses whole.
func BenchmarkExtractTagValue(b *testing.B) {
	data := generateTagValue(15000)
	e := New()
	benchmarkHeap(b, data, func() error {
		_, err := e.Extract(context.Background(), &inventory.Input{Path: "big.spdx", Reader: bytes.NewReader(data)})
		return err
	})
}

// BenchmarkReadWhole is the baseline: tools-golang's JSON reader on the
// same document, as the extractor would use it without streaming.
func BenchmarkReadWhole(b *testing.B) {
	data := generateJSON(15000)
	benchmarkHeap(b, data, func() error {
		_, err := spdxjson.Read(bytes.NewReader(data))
		return err
	})
}

// BenchmarkReadWholeTagValue is tools-golang's own tag-value reader on the
// tag-value document.
func BenchmarkReadWholeTagValue(b *testing.B) {
	data := generateTagValue(15000)
	benchmarkHeap(b, data, func() error {
		_, err := tagvalue.Read(bytes.NewReader(data))
		return err
	})
}
