package config

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		wantErr string
		want    int // suppressions
	}{
		{name: "empty_file", data: "", want: 0},
		{name: "comment_only", data: "# nothing yet\n", want: 0},
		{name: "valid", data: "ignore:\n  - id: CVE-2021-1\n    reason: r\n    expires: 2030-01-31\n  - id: GHSA-x\n    reason: dev only\n", want: 2},
		{name: "missing_reason", data: "ignore:\n  - id: CVE-2021-1\n", wantErr: `x.yaml:2: suppression of "CVE-2021-1" has no reason`},
		{name: "missing_id", data: "ignore:\n  - reason: why\n", wantErr: "x.yaml:2: suppression has no id"},
		{name: "bad_date", data: "ignore:\n  - id: A\n    reason: r\n    expires: 31/01/2030\n", wantErr: `expires "31/01/2030" is not a date`},
		{name: "unknown_key", data: "ignroe:\n  - id: A\n", wantErr: "field ignroe not found"},
		{name: "unknown_item_key", data: "ignore:\n  - id: A\n    reason: r\n    until: 2030-01-01\n", wantErr: "field until not found"},
		{name: "wrong_shape", data: "ignore: yes\n", wantErr: "cannot unmarshal"},
		{name: "not_yaml", data: "ignore: [\n", wantErr: "x.yaml"},
		{name: "scoped", data: "ignore:\n  - id: A\n    reason: r\n    owner: '@alice'\n    purl: pkg:npm/lodash\n    path: services/**\n", want: 1},
		{name: "bad_purl", data: "ignore:\n  - id: A\n    reason: r\n    purl: lodash\n", wantErr: `x.yaml:2: suppression of "A": purl "lodash"`},
		{name: "absolute_path", data: "ignore:\n  - id: A\n    reason: r\n    path: /etc/**\n", wantErr: "must be relative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("x.yaml", []byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(c.Ignore) != tt.want {
				t.Errorf("suppressions = %d, want %d", len(c.Ignore), tt.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	c, err := Parse("x.yaml", []byte("ignore:\n  - id: cve-2021-1\n    reason: r\n    expires: 2030-01-31\n  - id: GHSA-old\n    reason: r\n    expires: 2020-01-31\n"))
	if err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time {
		d, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		name        string
		ids         []string
		now         time.Time
		wantID      string
		wantExpired int
	}{
		{name: "alias_case_insensitive", ids: []string{"GO-1", "CVE-2021-1"}, now: day("2025-01-01T00:00:00Z"), wantID: "cve-2021-1"},
		{name: "last_day_still_applies", ids: []string{"CVE-2021-1"}, now: day("2030-01-31T23:59:59Z"), wantID: "cve-2021-1"},
		{name: "day_after_expired", ids: []string{"CVE-2021-1"}, now: day("2030-02-01T00:00:00Z"), wantExpired: 1},
		{name: "expired", ids: []string{"GHSA-old"}, now: day("2025-01-01T00:00:00Z"), wantExpired: 1},
		{name: "no_match", ids: []string{"CVE-1999-1"}, now: day("2025-01-01T00:00:00Z")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, expired := c.Match(Finding{IDs: tt.ids}, tt.now)
			gotID := ""
			if s != nil {
				gotID = s.ID
			}
			if gotID != tt.wantID || len(expired) != tt.wantExpired {
				t.Errorf("Match = %q, %d expired; want %q, %d", gotID, len(expired), tt.wantID, tt.wantExpired)
			}
		})
	}
	var none *Config
	if s, _ := none.Match(Finding{IDs: []string{"X"}}, time.Now()); s != nil {
		t.Errorf("nil config matched")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("ignore:\n  - id: CVE-2021-1\n    reason: r\n    expires: 2030-01-31\n")
	f.Add("")
	f.Add("ignore: [\n")
	f.Add("ignore:\n  - id: A\n")
	f.Fuzz(func(t *testing.T, data string) {
		c, err := Parse("f.yaml", []byte(data))
		if err == nil {
			c.Match(Finding{IDs: []string{"A"}, PURL: "pkg:npm/a@1", Source: "x/y"}, time.Now())
		}
	})
}

func TestMatchScope(t *testing.T) {
	c, err := Parse("repo/.patchline.yaml", []byte(`ignore:
  - id: CVE-2021-23337
    reason: template() never sees user input
    owner: "@alice"
    purl: pkg:npm/lodash
  - id: CVE-2020-8203
    reason: only this version was reviewed
    purl: pkg:npm/lodash@4.17.15
  - id: PYSEC-2023-87
    reason: legacy service formats no user SQL
    path: services/legacy/**
  - id: GHSA-xxxx
    reason: one file
    path: tools/*/requirements.txt
`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tests := []struct {
		name string
		f    Finding
		want string // the suppression id that applies, "" none
	}{
		{name: "purl_any_version", f: Finding{IDs: []string{"GHSA-35jh", "CVE-2021-23337"}, PURL: "pkg:npm/lodash@4.17.20", Source: "repo/package-lock.json"}, want: "CVE-2021-23337"},
		{name: "purl_other_package", f: Finding{IDs: []string{"CVE-2021-23337"}, PURL: "pkg:npm/lodash.template@4.5.0", Source: "repo/package-lock.json"}},
		{name: "purl_exact_version", f: Finding{IDs: []string{"CVE-2020-8203"}, PURL: "pkg:npm/lodash@4.17.15", Source: "repo/a/package-lock.json"}, want: "CVE-2020-8203"},
		{name: "purl_other_version", f: Finding{IDs: []string{"CVE-2020-8203"}, PURL: "pkg:npm/lodash@4.17.11", Source: "repo/a/package-lock.json"}},
		{name: "path_inside", f: Finding{IDs: []string{"PYSEC-2023-87"}, PURL: "pkg:pypi/sqlparse@0.3.1", Source: "repo/services/legacy/app/requirements.txt"}, want: "PYSEC-2023-87"},
		{name: "path_outside", f: Finding{IDs: []string{"PYSEC-2023-87"}, PURL: "pkg:pypi/sqlparse@0.3.1", Source: "repo/services/api/requirements.txt"}},
		{name: "path_not_below_config", f: Finding{IDs: []string{"PYSEC-2023-87"}, Source: "other/services/legacy/requirements.txt"}},
		{name: "single_star_one_segment", f: Finding{IDs: []string{"GHSA-xxxx"}, Source: "repo/tools/lint/requirements.txt"}, want: "GHSA-xxxx"},
		{name: "single_star_not_two_segments", f: Finding{IDs: []string{"GHSA-xxxx"}, Source: "repo/tools/a/b/requirements.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := c.Match(tt.f, now)
			got := ""
			if s != nil {
				got = s.ID
			}
			if got != tt.want {
				t.Errorf("Match = %q, want %q", got, tt.want)
			}
		})
	}
}
