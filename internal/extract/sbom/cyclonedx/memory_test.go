package cyclonedx

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/patchline/patchline/internal/extract/sbom/internal/heaptest"
	"github.com/patchline/patchline/internal/inventory"
)

// generateJSON writes a CycloneDX 1.5 JSON BOM with n library components
// shaped like a generator's output (hashes, licenses) and a dependency graph
// (a chain): about 400 bytes a component, 10 MB for 25,000.
func generateJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{
  "bomFormat": "CycloneDX",
  "specVersion": "1.5",
  "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
  "version": 1,
  "metadata": {
    "timestamp": "2024-01-01T00:00:00Z",
    "component": {"type": "application", "bom-ref": "root", "name": "generated-app", "version": "1.0.0"}
  },
  "components": [
`)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `    {
      "type": "library",
      "bom-ref": "pkg:npm/pkg-%[1]d@1.%[1]d.0",
      "name": "pkg-%[1]d",
      "version": "1.%[1]d.0",
      "scope": "required",
      "hashes": [{"alg": "SHA-256", "content": "%064[1]x"}],
      "licenses": [{"license": {"id": "MIT"}}],
      "purl": "pkg:npm/pkg-%[1]d@1.%[1]d.0"
    }`, i)
	}
	b.WriteString("\n  ],\n  \"dependencies\": [\n")
	fmt.Fprintf(&b, `    {"ref": "root", "dependsOn": ["pkg:npm/pkg-0@1.0.0"]}`)
	for i := range n - 1 {
		fmt.Fprintf(&b, ",\n    {\"ref\": \"pkg:npm/pkg-%[1]d@1.%[1]d.0\", \"dependsOn\": [\"pkg:npm/pkg-%[2]d@1.%[2]d.0\"]}", i, i+1)
	}
	b.WriteString("\n  ]\n}\n")
	return b.Bytes()
}

// generateXML writes the XML form of generateJSON's BOM.
func generateXML(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.5" serialNumber="urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79" version="1">
  <metadata>
    <timestamp>2024-01-01T00:00:00Z</timestamp>
    <component type="application" bom-ref="root"><name>generated-app</name><version>1.0.0</version></component>
  </metadata>
  <components>
`)
	for i := range n {
		fmt.Fprintf(&b, `    <component type="library" bom-ref="pkg:npm/pkg-%[1]d@1.%[1]d.0">
      <name>pkg-%[1]d</name>
      <version>1.%[1]d.0</version>
      <scope>required</scope>
      <hashes><hash alg="SHA-256">%064[1]x</hash></hashes>
      <licenses><license><id>MIT</id></license></licenses>
      <purl>pkg:npm/pkg-%[1]d@1.%[1]d.0</purl>
    </component>
`, i)
	}
	b.WriteString("  </components>\n  <dependencies>\n")
	b.WriteString(`    <dependency ref="root"><dependency ref="pkg:npm/pkg-0@1.0.0"/></dependency>` + "\n")
	for i := range n - 1 {
		fmt.Fprintf(&b, "    <dependency ref=\"pkg:npm/pkg-%[1]d@1.%[1]d.0\"><dependency ref=\"pkg:npm/pkg-%[2]d@1.%[2]d.0\"/></dependency>\n", i, i+1)
	}
	b.WriteString("  </dependencies>\n</bom>\n")
	return b.Bytes()
}

// TestExtractLargeMemory checks that a 10 MB BOM of 25,000 components is
// read with a peak heap below three times its size, most of it the
// inventory returned (decoding it whole with cyclonedx-go takes 4.5 times;
// see BenchmarkDecodeWhole).
func TestExtractLargeMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and reads a 10 MB BOM")
	}
	for _, tt := range []struct {
		name string
		data []byte
		path string
	}{
		{"json", generateJSON(25000), "bom.json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var inv inventory.Inventory
			peak, alloc := heaptest.Peak(func() {
				var err error
				inv, err = New().Extract(context.Background(), &inventory.Input{Path: tt.path, Reader: bytes.NewReader(tt.data)})
				if err != nil {
					t.Fatal(err)
				}
			})
			runtime.GC()
			t.Logf("%.1f MB: peak heap %.1f MB (%.1fx), allocated %.1f MB", float64(len(tt.data))/1e6, float64(peak)/1e6, float64(peak)/float64(len(tt.data)), float64(alloc)/1e6)
			if len(inv.Packages) != 25000 {
				t.Errorf("got %d packages, want 25000", len(inv.Packages))
			}
			if last := inv.Packages[len(inv.Packages)-1]; last.Relation != inventory.RelationTransitive || last.Name != "pkg-24999" {
				t.Errorf("last package %+v, want transitive pkg-24999", last)
			}
			if limit := uint64(3 * len(tt.data)); peak > limit {
				t.Errorf("peak heap %d bytes, want at most %d (3x the file)", peak, limit)
			}
		})
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

// BenchmarkExtractJSON reads a generated 10 MB JSON BOM of 25,000
// components.
func BenchmarkExtractJSON(b *testing.B) {
	data := generateJSON(25000)
	e := New()
	benchmarkHeap(b, data, func() error {
		_, err := e.Extract(context.Background(), &inventory.Input{Path: "bom.json", Reader: bytes.NewReader(data)})
		return err
	})
}

// BenchmarkExtractXML reads the XML form of the same BOM.
func BenchmarkExtractXML(b *testing.B) {
	data := generateXML(25000)
	e := New()
	benchmarkHeap(b, data, func() error {
		_, err := e.Extract(context.Background(), &inventory.Input{Path: "bom.xml", Reader: bytes.NewReader(data)})
		return err
	})
}

// BenchmarkDecodeWhole is the baseline: cyclonedx-go decoding the same JSON
// BOM whole, as the extractor would without streaming.
func BenchmarkDecodeWhole(b *testing.B) {
	data := generateJSON(25000)
	benchmarkHeap(b, data, func() error {
		var bom cdx.BOM
		return cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom)
	})
}

// BenchmarkDecodeWholeXML is the same baseline for XML.
func BenchmarkDecodeWholeXML(b *testing.B) {
	data := generateXML(25000)
	benchmarkHeap(b, data, func() error {
		var bom cdx.BOM
		return cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatXML).Decode(&bom)
	})
}
