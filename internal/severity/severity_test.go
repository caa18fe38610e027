package severity

import (
	"encoding/json"
	"testing"

	"github.com/patchline/patchline/internal/osv"
)

func TestOf(t *testing.T) {
	tests := []struct {
		name      string
		entry     osv.Entry
		affected  *osv.Affected
		wantLevel Level
		wantScore float64 // 0: no score
		wantType  string
	}{
		// Vectors from real advisories (NSWG-ECO-458, GHSA entries).
		{name: "cvss_v3_0", entry: osv.Entry{Severity: []osv.Severity{{Type: "CVSS_V3", Score: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:L"}}}, wantLevel: High, wantScore: 8.2, wantType: "CVSS_V3"},
		{name: "cvss_v3_1_critical", entry: osv.Entry{Severity: []osv.Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}}, wantLevel: Critical, wantScore: 9.8, wantType: "CVSS_V3"},
		{name: "cvss_v2", entry: osv.Entry{Severity: []osv.Severity{{Type: "CVSS_V2", Score: "AV:N/AC:L/Au:N/C:P/I:P/A:P"}}}, wantLevel: High, wantScore: 7.5, wantType: "CVSS_V2"},
		{name: "cvss_v4", entry: osv.Entry{Severity: []osv.Severity{{Type: "CVSS_V4", Score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}}}, wantLevel: Critical, wantScore: 9.3, wantType: "CVSS_V4"},
		{name: "v3_preferred_over_v4_and_v2", entry: osv.Entry{Severity: []osv.Severity{
			{Type: "CVSS_V2", Score: "AV:N/AC:L/Au:N/C:P/I:P/A:P"},
			{Type: "CVSS_V4", Score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
			{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N"},
		}}, wantLevel: Low, wantScore: 3.7, wantType: "CVSS_V3"},
		{name: "affected_severity_first", entry: osv.Entry{Severity: []osv.Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}},
			affected:  &osv.Affected{Severity: []osv.Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N"}}},
			wantLevel: Low, wantScore: 3.7, wantType: "CVSS_V3"},
		{name: "invalid_vector_is_unknown", entry: osv.Entry{Severity: []osv.Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:X"}}}, wantLevel: Unknown},
		{name: "database_specific_moderate", entry: osv.Entry{DatabaseSpecific: json.RawMessage(`{"severity":"MODERATE"}`)}, wantLevel: Medium, wantType: "database_specific"},
		{name: "database_specific_not_a_level", entry: osv.Entry{DatabaseSpecific: json.RawMessage(`{"severity":"urgent"}`)}, wantLevel: Unknown},
		{name: "nothing_is_unknown", entry: osv.Entry{}, wantLevel: Unknown},
		{name: "ubuntu_type_ignored", entry: osv.Entry{Severity: []osv.Severity{{Type: "Ubuntu", Score: "high"}}}, wantLevel: Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Of(&tt.entry, tt.affected)
			if got.Level != tt.wantLevel || got.Type != tt.wantType {
				t.Errorf("Of = %+v, want level %v type %q", got, tt.wantLevel, tt.wantType)
			}
			switch {
			case tt.wantScore == 0 && got.Score != nil:
				t.Errorf("score = %v, want none (never invent a score)", *got.Score)
			case tt.wantScore != 0 && (got.Score == nil || *got.Score != tt.wantScore):
				t.Errorf("score = %v, want %v", got.Score, tt.wantScore)
			}
		})
	}
}

func TestLevels(t *testing.T) {
	for _, tt := range []struct {
		score float64
		want  Level
	}{{0, None}, {0.1, Low}, {3.9, Low}, {4.0, Medium}, {6.9, Medium}, {7.0, High}, {8.9, High}, {9.0, Critical}, {10, Critical}} {
		if got := FromScore(tt.score); got != tt.want {
			t.Errorf("FromScore(%v) = %v, want %v", tt.score, got, tt.want)
		}
	}
	for _, s := range []string{"low", "MODERATE", "High", "critical", "none", "unknown"} {
		if _, err := ParseLevel(s); err != nil {
			t.Errorf("ParseLevel(%q): %v", s, err)
		}
	}
	if _, err := ParseLevel("severe"); err == nil {
		t.Errorf("ParseLevel(severe) succeeded")
	}
}
