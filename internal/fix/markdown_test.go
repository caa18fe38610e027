package fix

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/severity"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func score(s float64) *float64 { return &s }

func TestWriteMarkdown(t *testing.T) {
	high := severity.Severity{Type: "CVSS_V3", Score: score(7.5), Level: severity.High}
	medium := severity.Severity{Type: "database_specific", Level: severity.Medium}
	findings := []result.Finding{
		{Ecosystem: "Go", Package: "example.com/vulnlib", Version: "v1.0.0", ID: "TEST-2026-0001", Aliases: []string{"CVE-2026-0001"}, Severity: high, Summary: "Greeting | injection <script>"},
		{Ecosystem: "Go", Package: "example.com/vulnlib", Version: "v1.0.0", ID: "TEST-2026-0002", Severity: medium, Summary: "Second flaw"},
		{Ecosystem: "Go", Package: "example.com/otherlib", Version: "v1.0.0", ID: "TEST-2026-0005", Severity: high},
		{Ecosystem: "Go", Package: "example.com/breaking", Version: "v1.0.0", ID: "TEST-2026-0004", Severity: high},
		{Ecosystem: "Go", Package: "example.com/major", Version: "v1.3.0", ID: "TEST-2026-0003", Severity: medium},
		{Ecosystem: "Go", Package: "stdlib", Version: "1.21.0", ID: "TEST-2026-0008", Severity: severity.Severity{Level: severity.Unknown}},
	}
	breaking := change("example.com/breaking", "v1.0.0", "v1.2.0", "TEST-2026-0004")
	out := Outcome{
		Plan: Plan{
			Changes: []Change{
				{Ecosystem: "Go", Package: "example.com/otherlib", From: "v1.0.0", To: "v1.0.1", Kind: KindTransitiveInPlace,
					Fixes: []string{"TEST-2026-0005"}, Reason: "v1.0.1 is the smallest v1 version that no advisory affects; not a direct requirement"},
				{Ecosystem: "Go", Package: "example.com/vulnlib", From: "v1.0.0", To: "v1.1.0", Kind: KindDirectUpgrade,
					Fixes: []string{"TEST-2026-0001", "TEST-2026-0002"}, Reason: "v1.1.0 is the smallest v1 version that no advisory affects; skipped v1.0.1 (still affected by TEST-2026-0002)"},
			},
			Unfixable: []Unfixable{
				{Ecosystem: "Go", Package: "example.com/major", Version: "v1.3.0", IDs: []string{"TEST-2026-0003"}, Reason: ReasonOtherMajor,
					Fixed: []string{"v2.0.0"}, Detail: "fixed only in example.com/major/v2"},
				{Ecosystem: "Go", Package: "stdlib", Version: "1.21.0", IDs: []string{"TEST-2026-0008"}, Reason: ReasonToolchain,
					Recommended: "go1.21.5", Detail: "build with Go 1.21.5 or later"},
				{Ecosystem: "Go", Package: "example.com/breaking", Version: "v1.0.0", IDs: []string{"TEST-2026-0004"}, Reason: ReasonNeedsHuman,
					Change: &breaking, Detail: "example.com/breaking v1.0.0 => v1.2.0 fixes the vulnerabilities but `go test ./...` fails with it",
					Evidence: &Step{Name: "test", Command: "go test ./...", Duration: 2345 * time.Millisecond, ExitCode: 1,
						Output: "--- FAIL: TestMessage (0.00s)\n    ```fenced``` text\nFAIL\n"}},
			},
			Notes: []string{"example.com/old: the build list selects v1.5.0, which TEST-2026-0009 no longer affect"},
		},
		Raised: []Bump{{Package: "example.com/dep", From: "v0.1.0", To: "v0.2.0"}, {Package: "example.com/newdep", To: "v1.0.0"}},
		Validation: Validation{Steps: []Step{
			{Name: "build", Command: "go build ./...", Duration: 1234 * time.Millisecond, OK: true},
			{Name: "test", Command: "go test ./...", Duration: 56 * time.Millisecond, OK: true},
		}},
		Validations: 3,
	}
	tests := []struct {
		name, golden string
		d            Description
	}{
		{"full", "pr_full.md", Description{Project: "services/api", Outcome: out, Findings: findings}},
		{"nothing_fixed", "pr_nothing_fixed.md", Description{Outcome: Outcome{Plan: Plan{Unfixable: out.Plan.Unfixable[:2]}}, Findings: findings[4:6]}},
		{"not_validated", "pr_not_validated.md", Description{Outcome: Outcome{Plan: Plan{Changes: out.Plan.Changes[1:]}}, Findings: findings[:2]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteMarkdown(&buf, tt.d); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.golden)
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), buf.String()); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", golden, diff)
			}
		})
	}
}

func TestWriteMarkdownEscapes(t *testing.T) {
	var buf bytes.Buffer
	d := Description{
		Outcome:  Outcome{Plan: Plan{Changes: []Change{{Package: "a|b`c", From: "1", To: "2", Kind: KindOverride, Fixes: []string{"X-1"}, Reason: "line1\nline2 <b>"}}}},
		Findings: []result.Finding{{Package: "a|b`c", ID: "X-1", Summary: "<img src=x> | pipe"}},
	}
	if err := WriteMarkdown(&buf, d); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, bad := range []string{"<img", "<b>", "line1\nline2", "a|b"} {
		if strings.Contains(s, bad) {
			t.Errorf("output contains %q unescaped:\n%s", bad, s)
		}
	}
}
