package vex

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/patchline/patchline/internal/inventory"
)

// summary is what the tests compare of a statement.
type summary struct {
	Vuln          string
	Aliases       []string
	Status        Status
	Justification Justification
	Label         string
	Products      []string // "purl" or "id"; subcomponents as "  > purl"
	Impact        string
	Action        string
	Line          int
}

func summarize(list []Statement) []summary {
	var out []summary
	for _, st := range list {
		s := summary{
			Vuln: st.Vulnerability, Aliases: st.Aliases, Status: st.Status,
			Justification: st.Justification, Label: st.Label,
			Impact: st.ImpactStatement, Action: st.ActionStatement, Line: st.Line,
		}
		for _, p := range st.Products {
			s.Products = append(s.Products, name(p.Component))
			for _, sc := range p.Subcomponents {
				s.Products = append(s.Products, "  > "+name(sc))
			}
		}
		out = append(out, s)
	}
	return out
}

func name(c Component) string {
	if c.PURL != "" {
		return c.PURL
	}
	return "id:" + c.ID
}

func load(t *testing.T, file string) *Statements {
	t.Helper()
	s, err := Load(filepath.Join("testdata", file))
	if err != nil {
		t.Fatalf("Load(%q): %v", file, err)
	}
	return s
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		doc      Document
		want     []summary
		warnings []string // substrings, one per warning
	}{
		{
			name: "openvex_minimal",
			file: "openvex/minimal.json",
			doc:  Document{Format: FormatOpenVEX, ID: "https://example.com/vex/minimal", Author: "Example Security Team"},
			want: []summary{
				{Vuln: "GHSA-35jh-r3h4-6jhm", Aliases: []string{"CVE-2021-23337"}, Status: NotAffected, Justification: VulnerableCodeNotInExecutePath, Label: "vulnerable_code_not_in_execute_path", Products: []string{"pkg:npm/lodash@4.17.20"}, Impact: "template() is never called.", Line: 8},
				{Vuln: "CVE-2023-45853", Status: Affected, Products: []string{"pkg:pypi/Example_Package"}, Action: "Upgrade to 2.0.", Line: 23},
				{Vuln: "CVE-2024-0001", Status: Fixed, Products: []string{"pkg:golang/example.com/app@v1.2.0", "  > pkg:golang/golang.org/x/net@v0.17.0"}, Line: 39},
				{Vuln: "CVE-2024-0002", Status: UnderInvestigation, Products: []string{"pkg:deb/debian/curl@7.88.1?arch=amd64"}, Line: 55},
			},
		},
		{
			name: "openvex_v0.0.1",
			file: "openvex/v0.0.1.json",
			doc:  Document{Format: FormatOpenVEX, ID: "https://example.com/vex/legacy", Author: "Example Security Team"},
			want: []summary{
				{Vuln: "CVE-2023-12345", Status: NotAffected, Justification: ComponentNotPresent, Label: "component_not_present", Products: []string{"pkg:npm/left-pad@1.3.0", "pkg:npm/right-pad@1.0.1"}, Line: 9},
				{Vuln: "CVE-2023-54321", Status: NotAffected, Products: []string{"pkg:oci/example-image@sha256%3A0123", "  > pkg:npm/minimist@1.2.5"}, Impact: "The CLI parser is not shipped.", Line: 18},
			},
		},
		{
			name: "openvex_real_stackvista",
			file: "openvex/stackvista-containerd.openvex.json",
			doc:  Document{Format: FormatOpenVEX, ID: "https://github.com/StackVista/vexhub/pkg/golang/github.com/containerd/containerd/v1.7.33", Author: "SUSE Observability Security Team"},
			want: []summary{
				stackvista("CVE-2026-50195", "GHSA-cvxm-645q-p574", 7),
				stackvista("CVE-2026-53492", "GHSA-33vj-92qq-66hc", 26),
				stackvista("CVE-2026-53489", "GHSA-rgh6-rfwx-v388", 45),
			},
		},
		{
			name: "openvex_real_rancher_subcomponents",
			file: "openvex/rancher-mangle-test-json.openvex.json",
			doc:  Document{Format: FormatOpenVEX, ID: "https://openvex.dev/docs/public/vex-504a9b5782e19cd0e2605c6479decb1e431bbc1d45e13abd0c066225872295f7", Author: "Rancher Security team"},
			want: []summary{
				rancher("", 7),
				rancher("@v2.16.1", 29),
			},
		},
		{
			name: "cyclonedx_minimal",
			file: "cyclonedx/minimal.json",
			doc:  Document{Format: FormatCycloneDX, ID: "urn:uuid:5f0e8c54-3a8b-4b9e-9d55-1c2b3a4d5e6f", Author: "Example Security Team"},
			want: []summary{
				{Vuln: "CVE-2021-23337", Aliases: []string{"GHSA-35jh-r3h4-6jhm"}, Status: NotAffected, Justification: VulnerableCodeNotInExecutePath, Label: "code_not_reachable", Products: []string{"id:app", "  > pkg:npm/lodash@4.17.20"}, Impact: "template() is never called.", Line: 41},
				{Vuln: "CVE-2023-32681", Status: Affected, Products: []string{"id:app", "  > pkg:pypi/requests@2.30.0"}, Action: "Upgrade requests to 2.31.0. Response: update.", Line: 53},
				{Vuln: "CVE-2021-33503", Status: NotAffected, Label: "false_positive", Products: []string{"id:app", "  > pkg:pypi/urllib3@1.26.5"}, Line: 67},
				{Vuln: "CVE-2023-43804", Status: Fixed, Products: []string{"id:app", "  > pkg:pypi/urllib3@1.26.5"}, Line: 72},
				{Vuln: "CVE-2023-45803", Status: UnderInvestigation, Products: []string{"id:app"}, Line: 77},
				{Vuln: "CVE-2024-37891", Status: Affected, Products: []string{"id:app", "  > pkg:pypi/urllib3@1.26.5"}, Line: 82},
			},
			warnings: []string{
				`minimal.json:53: affects "requests": version range "vers:pypi/<2.31.0" is not evaluated`,
				`minimal.json:77: statement for "CVE-2023-45803" names no package URL`,
			},
		},
		{
			name: "cyclonedx_xml",
			file: "cyclonedx/minimal.xml",
			doc:  Document{Format: FormatCycloneDX, ID: "urn:uuid:5f0e8c54-3a8b-4b9e-9d55-1c2b3a4d5e6f"},
			want: []summary{
				{Vuln: "CVE-2021-23337", Aliases: []string{"GHSA-35jh-r3h4-6jhm"}, Status: NotAffected, Justification: VulnerableCodeNotPresent, Label: "code_not_present", Products: []string{"pkg:npm/lodash@4.17.20"}, Impact: "The template module is not bundled."},
			},
		},
		{
			name: "cyclonedx_real_bom_link_string_response",
			file: "cyclonedx/bom-examples-vex.json",
			doc:  Document{Format: FormatCycloneDX},
			want: []summary{
				{Vuln: "CVE-2020-25649", Aliases: []string{"SNYK-JAVA-COMFASTERXMLJACKSONCORE-1048302"}, Status: NotAffected, Justification: VulnerableCodeNotInExecutePath, Label: "code_not_reachable", Products: []string{"pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar"}, Impact: "Automated dataflow analysis and manual code review indicates that the vulnerable code is not reachable, either directly or indirectly.", Line: 6},
			},
		},
		{
			name: "csaf_minimal",
			file: "csaf/minimal.json",
			doc:  Document{Format: FormatCSAF, ID: "EXAMPLE-VEX-2026-0001", Author: "Example Security Team"},
			want: []summary{
				{Vuln: "CVE-2021-23337", Aliases: []string{"GHSA-35jh-r3h4-6jhm"}, Status: NotAffected, Justification: VulnerableCodeNotInExecutePath, Label: "vulnerable_code_not_in_execute_path", Products: []string{"pkg:npm/lodash@4.17.20"}, Impact: "template() is never called.", Line: 83},
				{Vuln: "CVE-2021-23337", Aliases: []string{"GHSA-35jh-r3h4-6jhm"}, Status: Fixed, Products: []string{"pkg:npm/lodash@4.17.21"}, Line: 83},
				{Vuln: "CVE-2021-44906", Status: NotAffected, Justification: VulnerableCodeCannotBeControlledByAdversary, Label: "vulnerable_code_cannot_be_controlled_by_adversary", Products: []string{"id:APP-3.0", "  > pkg:npm/minimist@1.2.5"}, Line: 97},
				{Vuln: "CVE-2021-44906", Status: Affected, Products: []string{"pkg:npm/minimist@1.2.5"}, Action: "vendor fix: Upgrade minimist to 1.2.6.", Line: 97},
				{Vuln: "CVE-2021-44906", Status: UnderInvestigation, Products: []string{"pkg:npm/lodash@4.17.20"}, Line: 97},
			},
		},
		{
			name: "csaf_real_oasis_example",
			file: "csaf/oasis-2022-evd-uc-01-na-001.json",
			doc:  Document{Format: FormatCSAF, ID: "2022-EVD-UC-01-NA-001", Author: "Example Company ProductCERT"},
			want: []summary{
				{Vuln: "CVE-2021-44228", Status: NotAffected, Products: []string{"id:CSAFPID-0001"}, Impact: "Class with vulnerable code was removed before shipping.", Line: 65},
			},
			warnings: []string{"1 CSAF product statuses name products without a package URL"},
		},
		{
			name: "csaf_real_redhat_relationships",
			file: "csaf/redhat-cve-2025-59840.json",
			doc:  Document{Format: FormatCSAF, ID: "CVE-2025-59840", Author: "Red Hat Product Security"},
			want: []summary{
				redhat("elasticsearch-operator-bundle", NotAffected),
				redhat("elasticsearch-proxy-rhel9", NotAffected),
				redhat("elasticsearch-rhel9-operator", NotAffected),
				redhat("elasticsearch6-rhel9", NotAffected),
				redhat("logging-curator5-rhel9", NotAffected),
				redhat("kibana6-rhel8", Affected),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := load(t, tt.file)
			if diff := cmp.Diff(tt.want, summarize(s.List), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("statements mismatch (-want +got):\n%s", diff)
			}
			tt.doc.Path = filepath.Join("testdata", tt.file)
			for _, st := range s.List {
				got := st.Document
				got.Timestamp = tt.doc.Timestamp
				if diff := cmp.Diff(tt.doc, got); diff != "" {
					t.Errorf("document of %s mismatch (-want +got):\n%s", st.Vulnerability, diff)
					break
				}
			}
			if len(s.Warnings) != len(tt.warnings) {
				t.Fatalf("got warnings %q, want %d", s.Warnings, len(tt.warnings))
			}
			for i, w := range tt.warnings {
				if !strings.Contains(s.Warnings[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, s.Warnings[i], w)
				}
			}
		})
	}
}

func stackvista(cve, ghsa string, line int) summary {
	return summary{
		Vuln: cve, Aliases: []string{ghsa}, Status: NotAffected,
		Justification: VulnerableCodeNotPresent, Label: "vulnerable_code_not_present",
		Products: []string{"pkg:golang/github.com/containerd/containerd@v1.7.33"},
		Impact:   cve + " affects containerd release lines using the github.com/containerd/containerd/v2 Go module path. The subject is the major-v1 module github.com/containerd/containerd at v1.7.33. Go modules with major versions two and later use distinct module paths, so the affected /v2 code is not present in this package version.",
		Action:   "Retire this statement when scanner matching no longer maps github.com/containerd/containerd/v2 advisories to the major-v1 module. Re-review if the subject changes to the /v2 module.",
		Line:     line,
	}
}

func rancher(version string, line int) summary {
	return summary{
		Vuln: "CVE-2026-39824", Aliases: []string{"GO-2026-5024"}, Status: NotAffected,
		Justification: VulnerableCodeNotPresent, Label: "vulnerable_code_not_present",
		Products: []string{
			"pkg:golang/github.com/Azure/azure-service-operator/v2/tools/mangle-test-json" + version,
			"  > pkg:golang/golang.org/x/sys@v0.7.0",
		},
		Impact: "Govulncheck determined that the vulnerable code isn't called",
		Line:   line,
	}
}

func redhat(component string, status Status) summary {
	s := summary{
		Vuln: "CVE-2025-59840", Aliases: []string{"2414907"}, Status: status,
		Products: []string{
			"id:logging_subsystem_for_red_hat_openshift",
			"  > pkg:oci/" + component + "?repository_url=registry.redhat.io/openshift-logging/" + component,
		},
		Line: 221,
	}
	workaround := "workaround: Do not attach vega or vega.View instances to global objects (e.g., window). Remove any VEGA_DEBUG helpers or debugging hooks from production builds.\n\nThese mitigations reduce but do not fully eliminate risk, because the underlying vulnerability exists in the expression evaluation design."
	if status == NotAffected {
		s.Justification, s.Label, s.Impact = VulnerableCodeNotPresent, "vulnerable_code_not_present", "Important"
	} else {
		s.Action = workaround + "; none available: Affected"
	}
	return s
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		// want are substrings of the error.
		want []string
		// statements is how many statements still load.
		statements int
	}{
		{name: "empty", file: "empty.json", want: []string{"testdata/empty.json: empty file"}},
		{name: "malformed_json", file: "openvex/malformed.json", want: []string{"testdata/openvex/malformed.json:8:1: invalid JSON: unexpected end of JSON input"}},
		{name: "wrong_format_osv", file: "wrong-format.json", want: []string{"testdata/wrong-format.json:1:1: not a VEX document: it is an OSV entry"}},
		{name: "wrong_format_xml", file: "wrong-format.xml", want: []string{"testdata/wrong-format.xml:1: XML document that is not a CycloneDX BOM"}},
		{name: "patchline_result", file: "scan.json", want: []string{"it is a patchline result"}},
		{
			name: "partial",
			file: "openvex/partial.json",
			want: []string{
				`testdata/openvex/partial.json:14:5: statement for "CVE-2022-0001": status "ignored" is not one of`,
				`testdata/openvex/partial.json:19:5: statement has no vulnerability`,
			},
			statements: 2,
		},
		{name: "missing_file", file: "no-such-file.json", want: []string{"read VEX document", "no-such-file.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load(filepath.Join("testdata", tt.file))
			if err == nil {
				t.Fatalf("Load(%q) succeeded, want an error", tt.file)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if got := count(s); got != tt.statements {
				t.Errorf("got %d statements, want %d", got, tt.statements)
			}
		})
	}
}

// count is the number of statements of a possibly nil *Statements.
func count(s *Statements) int {
	if s == nil {
		return 0
	}
	return len(s.List)
}

func TestLoadPartialWarnings(t *testing.T) {
	s, _ := Load(filepath.Join("testdata", "openvex", "partial.json"))
	want := []string{
		`testdata/openvex/partial.json:23: statement for "CVE-2022-0002": unknown justification "because_we_say_so"`,
		`testdata/openvex/partial.json:23: statement for "CVE-2022-0002" is not_affected without a justification or impact statement`,
		`testdata/openvex/partial.json:23: statement for "CVE-2022-0002" names no package URL; it applies to no finding`,
	}
	if diff := cmp.Diff(want, s.Warnings); diff != "" {
		t.Errorf("warnings mismatch (-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		want      string
	}{
		{"array", `[]`, `doc.json:1: not a JSON object`},
		{"bom_only", "\xef\xbb\xbf  \n", `doc.json: empty file`},
		{"trailing_garbage", `{"@context": "https://openvex.dev/ns/v0.2.0", "statements": []} x`, `doc.json:1:66: invalid JSON`},
		{"openvex_no_statements", `{"@context": "https://openvex.dev/ns/v0.2.0"}`, `doc.json: OpenVEX document has no "statements"`},
		{"openvex_statements_object", `{"@context": "https://openvex.dev/ns/v0.2.0", "statements": {}}`, `doc.json:1:61: want a JSON array, got an object`},
		{"openvex_bad_timestamp", `{"@context": "https://openvex.dev/ns/v0.2.0", "timestamp": "yesterday", "statements": []}`, `doc.json:1:60: timestamp "yesterday" is not RFC 3339`},
		{"openvex_product_number", `{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "CVE-1"}, "status": "fixed", "products": [3]}]}`, `doc.json:1:62: statement for "CVE-1": product: want an object or a string, got a number`},
		{"openvex_status_type", `{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": "CVE-1", "status": 1}]}`, `doc.json:1:100: "status": JSON number where string was expected`},
		{"cyclonedx_vulns_object", `{"bomFormat": "CycloneDX", "vulnerabilities": {}}`, `doc.json:1:47: want a JSON array, got an object`},
		{"cyclonedx_unknown_state", `{"bomFormat": "CycloneDX", "vulnerabilities": [{"id": "CVE-1", "analysis": {"state": "maybe"}}]}`, `doc.json:1: CycloneDX vulnerability "CVE-1": unknown analysis state "maybe"`},
		{"cyclonedx_no_id", `{"bomFormat": "CycloneDX", "vulnerabilities": [{"affects": []}]}`, `doc.json:1: CycloneDX vulnerability has no id`},
		{"csaf_version", `{"document": {"csaf_version": "1.2"}}`, `doc.json:1:14: CSAF version "1.2" is not supported`},
		{"csaf_no_ids", `{"document": {"csaf_version": "2.0"}, "vulnerabilities": [{"product_status": {}}]}`, `doc.json:1:59: CSAF vulnerability has neither cve nor ids`},
		{"csaf_tree_type", `{"document": {"csaf_version": "2.0"}, "product_tree": {"branches": 1}}`, `doc.json:1:69: CSAF product_tree: "branches": JSON number where []vex.csafBranch was expected`},
		{"xml_malformed", `<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><vulnerabilities>`, `doc.json:1: invalid XML`},
		{"unknown_json", `{"hello": "world"}`, `not a VEX document: none of the formats' marks found`},
		{"jsonld_other", `{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"}`, `JSON-LD whose @context is not OpenVEX's`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("doc.json", []byte(tt.doc))
			if err == nil {
				t.Fatalf("Parse succeeded, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			var pe *inventory.ParseError
			if !errors.As(err, &pe) {
				t.Errorf("error %q is not an *inventory.ParseError", err)
			}
		})
	}
}

func TestParseWarnings(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"cyclonedx_without_vulnerabilities", `{"bomFormat": "CycloneDX", "specVersion": "1.6"}`, []string{"doc.json: CycloneDX BOM has no vulnerabilities: it states nothing"}},
		{"csaf_without_vulnerabilities", `{"document": {"csaf_version": "2.0"}}`, []string{"doc.json: CSAF document has no vulnerabilities: it states nothing"}},
		{"csaf_unknown_product", `{"document": {"csaf_version": "2.0"}, "vulnerabilities": [{"cve": "CVE-1", "product_status": {"fixed": ["P1"], "sort_of_fixed": ["P1"]}}]}`, []string{
			`doc.json:1: CVE-1: unknown product status "sort_of_fixed"`,
			`doc.json:1: CVE-1: product id "P1" is not in the product tree`,
			`doc.json: 1 CSAF product statuses name products without a package URL`,
		}},
		{"openvex_no_products", `{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "CVE-1"}, "status": "fixed"}]}`, []string{`doc.json:1: statement for "CVE-1" names no product; it applies to no finding`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("doc.json", []byte(tt.doc))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(s.Warnings) != len(tt.want) {
				t.Fatalf("got warnings %q, want %d", s.Warnings, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(s.Warnings[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, s.Warnings[i], w)
				}
			}
		})
	}
}

// FuzzParse makes sure no input makes Parse panic, and that what it returns
// is usable.
func FuzzParse(f *testing.F) {
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".md") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f.Add(data)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.json", data)
		if s == nil {
			t.Fatalf("Parse returned nil statements (err %v)", err)
		}
		for _, st := range s.List {
			if !st.Status.Valid() {
				t.Errorf("statement %q has invalid status %q", st.Vulnerability, st.Status)
			}
			if st.Vulnerability == "" {
				t.Errorf("statement without vulnerability: %+v", st)
			}
			for _, p := range st.Products {
				if p.PURL != "" {
					s.Match([]string{st.Vulnerability}, p.PURL)
					s.MatchIn(p.ID, []string{st.Vulnerability}, p.PURL)
				}
			}
			st.Suppression([]string{st.Vulnerability})
		}
	})
}

// TestParseCSAF21: CSAF 2.1 lists package URLs in "purls".
func TestParseCSAF21(t *testing.T) {
	doc := `{"document": {"csaf_version": "2.1", "tracking": {"id": "X-1", "current_release_date": "2026-01-01T00:00:00Z"}},
  "product_tree": {"full_product_names": [{"product_id": "P1", "name": "left-pad", "product_identification_helper": {"purls": ["pkg:npm/left-pad@1.3.0", "pkg:npm/left-pad@1.3.0?foo=bar"]}}]},
  "vulnerabilities": [{"cve": "CVE-2026-1", "product_status": {"known_not_affected": ["P1"]}, "flags": [{"label": "component_not_present", "product_ids": ["P1"]}]}]}`
	s, err := Parse("doc.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	st, ok := s.Match([]string{"CVE-2026-1"}, "pkg:npm/left-pad@1.3.0")
	if !ok || st.Status != NotAffected || st.Justification != ComponentNotPresent || st.Document.ID != "X-1" {
		t.Errorf("Match = %+v, %v; want not_affected (component_not_present) from X-1", st, ok)
	}
}
