package sbom

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestDigests(t *testing.T) {
	const (
		sha1hex   = "d8c5ea9a70c01d7afe42c1872a63ac0cfaba790b"
		sha1b64   = "2MXqmnDAHXr+QsGHKmOsDPq6eQs="
		sha256hex = "0604e84c4fb698a5e53e5857b5aea945b2f19a18f25f10b8748dbdf935788927"
		sha512b64 = "bC7ElrdJaJnPbAP+1EotYvqZsb3ecl5wi6Bfi6BJTUcNowp6cvspg0jXznRTKDjm/E7AdgFBVeAPVMNcKGsHMA=="
		sha512hex = "6c2ec496b7496899cf6c03fed44a2d62fa99b1bdde725e708ba05f8ba0494d470da30a7a72fb298348d7ce74532838e6fc4ec076014155e00f54c35c286b0730"
	)
	type d struct{ Alg, Hex string }
	tests := []struct {
		name   string
		hashes []string
		want   []d
	}{
		{"npm_integrity", []string{"sha512-" + sha512b64}, []d{{"SHA-512", sha512hex}}},
		{"integrity_with_two_hashes_and_options", []string{"sha512-" + sha512b64 + "?foo sha1-" + sha1b64}, []d{{"SHA-512", sha512hex}, {"SHA-1", sha1hex}}},
		{"algorithm_hex", []string{"sha256:" + sha256hex}, []d{{"SHA-256", sha256hex}}},
		{"upper_case_hex_and_algorithm", []string{"SHA-256:" + strings.ToUpper(sha256hex)}, []d{{"SHA-256", sha256hex}}},
		{"algorithm_base64", []string{"sha512:" + sha512b64}, []d{{"SHA-512", sha512hex}}},
		{"repeats_dropped", []string{"sha256:" + sha256hex, "sha256:" + strings.ToUpper(sha256hex)}, []d{{"SHA-256", sha256hex}}},
		{"go_sum_h1_skipped", []string{"h1:" + sha1b64}, nil},
		{"wrong_length_skipped", []string{"sha256:" + sha1hex, "sha1-" + sha512b64}, nil},
		{"unknown_algorithm_skipped", []string{"crc32:deadbeef", "md2:" + strings.Repeat("0", 32)}, nil},
		{"not_base64_skipped", []string{"sha512-" + strings.Repeat("!", 88)}, nil},
		{"empty", []string{"", " ", "sha256:", "sha512-"}, nil},
		{"sha224_spdx_only", []string{"sha224:" + strings.Repeat("ab", 28)}, []d{{"", strings.Repeat("ab", 28)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []d
			for _, g := range digestsOf(tt.hashes) {
				got = append(got, d{string(g.alg.cdx), g.hex})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("digestsOf(%q) (-want +got):\n%s", tt.hashes, diff)
			}
		})
	}
}

func TestLicenses(t *testing.T) {
	ll, err := loadLicenseList()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		raw      string
		id, expr string
	}{
		{"MIT", "MIT", "MIT"},
		{"mit", "MIT", "MIT"},
		{" Apache-2.0 ", "Apache-2.0", "Apache-2.0"},
		{"GPL-2.0+", "GPL-2.0+", "GPL-2.0+"}, // a deprecated id of the list
		{"(MIT OR Apache-2.0)", "", "(MIT OR Apache-2.0)"},
		{"mit or apache-2.0", "", "MIT OR Apache-2.0"},
		{"MIT AND (BSD-3-Clause OR ( ISC ))", "", "MIT AND (BSD-3-Clause OR (ISC))"},
		{"GPL-2.0-or-later WITH Classpath-exception-2.0", "", "GPL-2.0-or-later WITH Classpath-exception-2.0"},
		{"LGPL-2.1-only+", "", "LGPL-2.1-only+"},
		{"LicenseRef-Proprietary", "", "LicenseRef-Proprietary"},
		{"DocumentRef-other:LicenseRef-X OR MIT", "", "DocumentRef-other:LicenseRef-X OR MIT"},
		{"Apache 2.0", "", ""},
		{"BSD", "", ""},
		{"MIT AND", "", ""},
		{"(MIT", "", ""},
		{"MIT)", "", ""},
		{"MIT WITH", "", ""},
		{"MIT WITH AND", "", ""},
		{"AND", "", ""},
		{"SEE LICENSE IN LICENSE.md", "", ""},
		{"UNLICENSED", "", ""},
		{"LicenseRef-", "", ""},
		{"LicenseRef-a_b", "", ""},
	}
	for _, tt := range tests {
		got := ll.licensesOf([]string{tt.raw})
		want := []license{{raw: strings.TrimSpace(tt.raw), id: tt.id, expr: tt.expr}}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(license{})); diff != "" {
			t.Errorf("licensesOf(%q) (-want +got):\n%s", tt.raw, diff)
		}
	}
	if got := ll.licensesOf([]string{"", "MIT", "MIT"}); len(got) != 1 {
		t.Errorf("licensesOf drops neither empty entries nor repeats: %v", got)
	}
}

func TestLicenseRefsInSPDX(t *testing.T) {
	in := handmade()
	in.Sources[0].Inventory.Packages[0].Licenses = []string{"Apache_2.0"}
	doc := readSPDX(t, render(t, in, handmadeOptions(SPDXJSON)), SPDXJSON)
	var got []string
	for _, l := range doc.OtherLicenses {
		got = append(got, l.LicenseIdentifier+" "+l.ExtractedText)
	}
	// "Apache 2.0" and "Apache_2.0" sanitise to the same id; express (with
	// "Apache_2.0") comes first.
	want := []string{"LicenseRef-Apache-2.0 Apache_2.0", "LicenseRef-Apache-2.0-2 Apache 2.0", "LicenseRef-Custom NOASSERTION"}
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("SPDX other licences (-want +got):\n%s", diff)
	}
}

// TestValidatorCatchesErrors makes sure the schema checks of the other
// tests can fail.
func TestValidatorCatchesErrors(t *testing.T) {
	s := officialSchemas(t)
	for _, tt := range []struct {
		name string
		f    Format
		from string
		to   string
	}{
		{"cyclonedx_bad_hash", CycloneDXJSON, `"content": "6c2ec4`, `"content": "zz2ec4`},
		{"cyclonedx_bad_license_id", CycloneDXJSON, `"id": "BSD-3-Clause"`, `"id": "BSD"`},
		{"spdx_bad_relationship", SPDXJSON, `"DEPENDS_ON"`, `"NEEDS"`},
		{"spdx_missing_download_location", SPDXJSON, `"downloadLocation": "NOASSERTION",`, ``},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := render(t, handmade(), handmadeOptions(tt.f))
			if !bytes.Contains(out, []byte(tt.from)) {
				t.Fatalf("output has no %s", tt.from)
			}
			out = bytes.Replace(out, []byte(tt.from), []byte(tt.to), 1)
			sch := s.cdx
			if tt.f == SPDXJSON {
				sch = s.spdx
			}
			inst, err := jsonschemaUnmarshal(out)
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err == nil {
				t.Error("the broken document passed validation")
			}
		})
	}
}

// BenchmarkWrite writes 1,500 packages with a graph, hashes, licences
// and 50 findings, and the real nodegoat lockfile (about 1,400 packages).
func BenchmarkWrite(b *testing.B) {
	inputs := []struct {
		name string
		in   Input
	}{
		{"synthetic_1500", synthetic(1500)},
		{"nodegoat", Input{Sources: []Source{nodegoat(b)}}},
	}
	for _, in := range inputs {
		for _, f := range Formats() {
			b.Run(in.name+"/"+string(f), func(b *testing.B) {
				opts := Options{Format: f, Reproducible: true, Timestamp: testTime}
				var buf bytes.Buffer
				b.ReportAllocs()
				for b.Loop() {
					buf.Reset()
					if err := Write(context.Background(), &buf, in.in, opts); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(buf.Len()), "out-bytes")
			})
		}
	}
}
