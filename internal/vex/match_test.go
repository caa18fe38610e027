package vex

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMatch(t *testing.T) {
	all := Merge(
		load(t, "openvex/minimal.json"),
		load(t, "openvex/stackvista-containerd.openvex.json"),
		load(t, "openvex/rancher-mangle-test-json.openvex.json"),
		load(t, "cyclonedx/bom-examples-vex.json"),
		load(t, "csaf/minimal.json"),
		load(t, "csaf/redhat-cve-2025-59840.json"),
	)
	tests := []struct {
		name    string
		product string // for MatchIn; "" uses Match
		ids     []string
		purl    string
		want    Status // "" when no statement applies
	}{
		{name: "by_alias", ids: []string{"GHSA-xxxx", "CVE-2021-23337"}, purl: "pkg:npm/lodash@4.17.20", want: NotAffected},
		{name: "by_primary_id", ids: []string{"GHSA-35jh-r3h4-6jhm"}, purl: "pkg:npm/lodash@4.17.20", want: NotAffected},
		{name: "id_case_insensitive", ids: []string{"ghsa-35jh-r3h4-6jhm"}, purl: "pkg:npm/lodash@4.17.20", want: NotAffected},
		{name: "other_version", ids: []string{"GHSA-35jh-r3h4-6jhm"}, purl: "pkg:npm/lodash@4.17.19", want: ""},
		{name: "other_package", ids: []string{"GHSA-35jh-r3h4-6jhm"}, purl: "pkg:npm/underscore@4.17.20", want: ""},
		{name: "other_type", ids: []string{"GHSA-35jh-r3h4-6jhm"}, purl: "pkg:pypi/lodash@4.17.20", want: ""},
		{name: "no_ids", purl: "pkg:npm/lodash@4.17.20", want: ""},
		{name: "bad_purl", ids: []string{"GHSA-35jh-r3h4-6jhm"}, purl: "lodash@4.17.20", want: ""},
		{name: "versionless_statement_any_version", ids: []string{"CVE-2023-45853"}, purl: "pkg:pypi/example-package@1.0", want: Affected},
		{name: "pypi_name_normalised", ids: []string{"CVE-2023-45853"}, purl: "pkg:pypi/example.package@2.0", want: Affected},
		{name: "statement_qualifier_missing_in_package", ids: []string{"CVE-2024-0002"}, purl: "pkg:deb/debian/curl@7.88.1", want: ""},
		{name: "statement_qualifier_given_in_package", ids: []string{"CVE-2024-0002"}, purl: "pkg:deb/debian/curl@7.88.1?distro=bookworm&arch=amd64", want: UnderInvestigation},
		{name: "package_qualifiers_ignored", ids: []string{"GHSA-35jh-r3h4-6jhm"}, purl: "pkg:npm/lodash@4.17.20?vcs_url=git%2Bhttps://example.com/lodash.git", want: NotAffected},
		{name: "maven_default_type_qualifier", ids: []string{"CVE-2020-25649"}, purl: "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0", want: NotAffected},
		{name: "maven_other_type_qualifier", ids: []string{"CVE-2020-25649"}, purl: "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=pom", want: NotAffected},
		{name: "golang_version_without_v", ids: []string{"GHSA-cvxm-645q-p574"}, purl: "pkg:golang/github.com/containerd/containerd@1.7.33", want: NotAffected},
		{name: "golang_path_case", ids: []string{"CVE-2026-53492"}, purl: "pkg:golang/github.com/Containerd/containerd@v1.7.33", want: NotAffected},
		{name: "golang_other_major", ids: []string{"CVE-2026-53492"}, purl: "pkg:golang/github.com/containerd/containerd/v2@v2.0.0", want: ""},
		{name: "subcomponent_not_applied_alone", ids: []string{"GO-2026-5024"}, purl: "pkg:golang/golang.org/x/sys@v0.7.0", want: ""},
		{name: "subcomponent_in_its_product", product: "pkg:golang/github.com/Azure/azure-service-operator/v2/tools/mangle-test-json@v2.16.1", ids: []string{"GO-2026-5024"}, purl: "pkg:golang/golang.org/x/sys@v0.7.0", want: NotAffected},
		{name: "subcomponent_in_another_product", product: "pkg:golang/example.com/other@v1.0.0", ids: []string{"GO-2026-5024"}, purl: "pkg:golang/golang.org/x/sys@v0.7.0", want: ""},
		{name: "subcomponent_other_version", product: "pkg:golang/github.com/Azure/azure-service-operator/v2/tools/mangle-test-json@v2.16.1", ids: []string{"GO-2026-5024"}, purl: "pkg:golang/golang.org/x/sys@v0.8.0", want: ""},
		{name: "subcomponent_in_any_product", product: AnyProduct, ids: []string{"GO-2026-5024"}, purl: "pkg:golang/golang.org/x/sys@v0.7.0", want: NotAffected},
		{name: "subcomponent_in_product_by_id", product: "APP-3.0", ids: []string{"CVE-2021-44906"}, purl: "pkg:npm/minimist@1.2.5", want: NotAffected},
		{name: "csaf_component_alone", ids: []string{"CVE-2021-44906"}, purl: "pkg:npm/minimist@1.2.5", want: Affected},
		{name: "csaf_group_flag", ids: []string{"GHSA-35jh-r3h4-6jhm"}, purl: "pkg:npm/lodash@4.17.21", want: Fixed},
		{name: "redhat_component_needs_product", ids: []string{"CVE-2025-59840"}, purl: "pkg:oci/kibana6-rhel8?repository_url=registry.redhat.io/openshift-logging/kibana6-rhel8", want: ""},
		{name: "redhat_component_in_product", product: "logging_subsystem_for_red_hat_openshift", ids: []string{"CVE-2025-59840"}, purl: "pkg:oci/kibana6-rhel8?repository_url=registry.redhat.io/openshift-logging/kibana6-rhel8", want: Affected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				st Statement
				ok bool
			)
			if tt.product == "" {
				st, ok = all.Match(tt.ids, tt.purl)
			} else {
				st, ok = all.MatchIn(tt.product, tt.ids, tt.purl)
			}
			if ok != (tt.want != "") {
				t.Fatalf("matched = %v (%s in %s:%d), want a match: %v", ok, st.Status, st.Document.Path, st.Line, tt.want != "")
			}
			if ok && st.Status != tt.want {
				t.Errorf("status = %q (%s:%d), want %q", st.Status, st.Document.Path, st.Line, tt.want)
			}
		})
	}
}

// TestMatchNewestWins: of the statements that apply, the newest wins, and
// of equally new ones the one read last.
func TestMatchNewestWins(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	stmt := func(id string, status Status, ts time.Time) Statement {
		return Statement{
			ID: id, Vulnerability: "CVE-2026-0001", Status: status, Timestamp: ts,
			Products: []Product{{Component: Component{PURL: "pkg:npm/left-pad@1.3.0"}}},
		}
	}
	tests := []struct {
		name string
		list []Statement
		want string
	}{
		{"newer_later", []Statement{stmt("a", Affected, day(1)), stmt("b", NotAffected, day(2))}, "b"},
		{"newer_earlier", []Statement{stmt("a", NotAffected, day(2)), stmt("b", Affected, day(1))}, "a"},
		{"same_time_last_read", []Statement{stmt("a", Affected, day(1)), stmt("b", Fixed, day(1))}, "b"},
		{"undated_oldest", []Statement{stmt("a", Affected, day(1)), stmt("b", Fixed, time.Time{})}, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Statements{List: tt.list}
			st, ok := s.Match([]string{"CVE-2026-0001"}, "pkg:npm/left-pad@1.3.0")
			if !ok || st.ID != tt.want {
				t.Errorf("Match = %q, %v; want %q", st.ID, ok, tt.want)
			}
		})
	}
}

func TestMatchNil(t *testing.T) {
	var s *Statements
	if _, ok := s.Match([]string{"CVE-1"}, "pkg:npm/a@1"); ok {
		t.Error("nil Statements matched")
	}
}

func TestSuppressionReason(t *testing.T) {
	tests := []struct {
		name string
		st   Statement
		want string
		back Statement // what Assess reads back from the reason
	}{
		{
			name: "justification_and_impact",
			st:   Statement{Vulnerability: "CVE-1", Aliases: []string{"GHSA-1"}, Status: NotAffected, Justification: VulnerableCodeNotPresent, ImpactStatement: "Not shipped: see notes."},
			want: "VEX not_affected (vulnerable_code_not_present): Not shipped: see notes.",
			back: Statement{Status: NotAffected, Justification: VulnerableCodeNotPresent, ImpactStatement: "Not shipped: see notes."},
		},
		{
			name: "justification_only",
			st:   Statement{Vulnerability: "CVE-1", Status: NotAffected, Justification: ComponentNotPresent},
			want: "VEX not_affected (component_not_present)",
			back: Statement{Status: NotAffected, Justification: ComponentNotPresent},
		},
		{
			name: "cyclonedx_false_positive",
			st:   Statement{Vulnerability: "CVE-1", Status: NotAffected, Label: "false_positive"},
			want: "VEX not_affected: false_positive",
			back: Statement{Status: NotAffected, ImpactStatement: "false_positive"},
		},
		{
			name: "fixed_with_notes",
			st:   Statement{Vulnerability: "CVE-1", Status: Fixed, Notes: "Patched in our fork."},
			want: "VEX fixed: Patched in our fork.",
			back: Statement{Status: Fixed, Notes: "Patched in our fork."},
		},
		{
			name: "bare_not_affected",
			st:   Statement{Vulnerability: "CVE-1", Status: NotAffected},
			want: "VEX not_affected",
			back: Statement{Status: NotAffected, ImpactStatement: "Stated not affected by a VEX document."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.st.Document.Path = "vex.json"
			sup := tt.st.Suppression([]string{"GHSA-1", "CVE-1"})
			if sup.Reason != tt.want || sup.Config != "vex.json" {
				t.Errorf("Suppression = %+v, want reason %q from vex.json", sup, tt.want)
			}
			if want := "GHSA-1"; !tt.st.Names(want) {
				want = "CVE-1"
				if sup.ID != want {
					t.Errorf("Suppression ID = %q, want %q", sup.ID, want)
				}
			}
			back, ok := parseReason(sup.Reason)
			if !ok {
				t.Fatalf("parseReason(%q) failed", sup.Reason)
			}
			if diff := cmp.Diff(tt.back, back); diff != "" {
				t.Errorf("read back mismatch (-want +got):\n%s", diff)
			}
		})
	}
	for _, reason := range []string{"", "We do not use it", "VEX", "VEX affected", "VEX not_affected (made_up)", "VEX not_affected (component_not_present", "VEX fixed; typo"} {
		if st, ok := parseReason(reason); ok {
			t.Errorf("parseReason(%q) = %+v, want no VEX reason", reason, st)
		}
	}
}
