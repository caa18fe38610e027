package priority

import (
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/severity"
)

func score(v float64) *float64 { return &v }

func TestOf(t *testing.T) {
	tests := []struct {
		name        string
		f           result.Finding
		want        float64
		wantReasons []string
	}{
		{
			name: "critical_kev_ransomware_epss_reachable_direct_fixed",
			f: result.Finding{
				Severity: severity.Severity{Type: "CVSS_V3", Score: score(9.8), Level: severity.Critical},
				KEV:      true, KEVEntry: &result.KEVEntry{CVE: "CVE-2021-44228", DateAdded: "2021-12-10", KnownRansomware: true},
				EPSS:         &result.EPSS{CVE: "CVE-2021-44228", Score: 0.94, Percentile: 1},
				Reachability: &result.Reachability{Level: "symbol", Verdict: result.Reachable},
				Relation:     "direct", Scope: "prod", Fixed: []string{"2.15.0"},
			},
			want: 100, // 40+30+5+15+15+5+5 = 115, clamped
			wantReasons: []string{
				"+40: critical severity (CVSS v3 9.8)",
				"+30: in CISA's Known Exploited Vulnerabilities catalog (CVE-2021-44228, added 2021-12-10)",
				"+5: known to be used in ransomware campaigns",
				"+15: EPSS 0.940 for CVE-2021-44228, percentile 1.00",
				"+15: reachable at symbol level",
				"+5: direct dependency",
				"+5: fixed in 2.15.0",
			},
		},
		{
			name: "unknown_severity_is_ranked_like_medium_and_says_so",
			f:    result.Finding{Relation: "transitive"},
			want: 20,
			wantReasons: []string{
				"+20: severity unknown: no CVSS vector or rating in the advisories, ranked like medium",
			},
		},
		{
			name: "not_reachable_dev_sinks",
			f: result.Finding{
				Severity:     severity.Severity{Type: "CVSS_V3", Score: score(7.5), Level: severity.High},
				Reachability: &result.Reachability{Level: "import", Verdict: result.NotReachable},
				Scope:        "dev",
				EPSS:         &result.EPSS{CVE: "CVE-1", Score: 0.01, Percentile: 0.5},
			},
			want: 0, // 30 + 7.5 - 30 - 15 = -7.5, clamped
			wantReasons: []string{
				"+30: high severity (CVSS v3 7.5)",
				"+7.5: EPSS 0.010 for CVE-1, percentile 0.50",
				"-30: not reachable at import level",
				"-15: development dependency only",
			},
		},
		{
			name: "unknown_reachability_adds_nothing",
			f: result.Finding{
				Severity:     severity.Severity{Type: "database_specific", Level: severity.Low},
				Reachability: &result.Reachability{Level: "symbol", Verdict: result.Unknown},
				Scope:        "optional",
			},
			want:        5,
			wantReasons: []string{"+10: low severity", "-5: optional dependency"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Of(&tt.f)
			if got.Score != tt.want {
				t.Errorf("score = %v, want %v", got.Score, tt.want)
			}
			if diff := cmp.Diff(tt.wantReasons, got.Reasons); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOrder: exploitation evidence outranks severity alone, reachability
// and scope move findings as documented.
func TestOrder(t *testing.T) {
	fs := []result.Finding{
		{ID: "medium-dev", Severity: severity.Severity{Level: severity.Medium}, Scope: "dev"},
		{ID: "critical", Severity: severity.Severity{Level: severity.Critical}},
		{ID: "high-kev", Severity: severity.Severity{Level: severity.High}, KEV: true, KEVEntry: &result.KEVEntry{CVE: "CVE-1"}},
		{ID: "critical-unreachable", Severity: severity.Severity{Level: severity.Critical}, Reachability: &result.Reachability{Level: "symbol", Verdict: result.NotReachable}},
	}
	for i := range fs {
		fs[i].Priority = Of(&fs[i])
	}
	sort.SliceStable(fs, func(i, j int) bool { return Before(&fs[i], &fs[j]) })
	var got []string
	for _, f := range fs {
		got = append(got, f.ID)
	}
	want := []string{"high-kev", "critical", "critical-unreachable", "medium-dev"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}
