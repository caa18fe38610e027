package policy

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/result"
)

// now is the time the tests evaluate at.
var testNow = time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC)

func readResult(t testing.TB, name string) *result.Result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var r result.Result
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &r
}

// testLicenses are made-up licences for the license-deny tests.
func testLicense(p result.Package) string {
	return map[string]string{
		"lodash":       "MIT",
		"minimist":     "MIT",
		"event-stream": "MIT",
		"mkdirp":       "AGPL-3.0-only", // not its real licence
		"Django":       "BSD-3-Clause",
	}[p.Name]
}

type evalCase struct {
	name     string
	policy   string
	opts     []Option
	baseline bool // use before.json as the baseline
	diff     bool // evaluate over the diff from before.json to after.json
	want     []Violation
}

func runEvalCases(t *testing.T, tests []evalCase) {
	t.Helper()
	before, after := readResult(t, "before.json"), readResult(t, "after.json")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile("policy.yaml", []byte(tc.policy), tc.opts...)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			in := Input{Findings: after.Findings, Packages: after.Packages, License: testLicense, Now: testNow}
			if tc.baseline {
				in.Baseline = NewBaseline(before)
			}
			if tc.diff {
				if in.Diff, err = NewDiff(context.Background(), before, after); err != nil {
					t.Fatal(err)
				}
			}
			got, err := p.Evaluate(context.Background(), in)
			if err != nil {
				t.Fatalf("Evaluate: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Evaluate (-want +got):\n%s", diff)
			}
		})
	}
}

// Violations of after.json's findings, by rule.
func log4j(rule string, a Action, msg string) Violation {
	return Violation{Rule: rule, Action: a, Message: msg, Ecosystem: "Maven", Package: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", FindingID: "GHSA-jfh8-c2jp-5v3q", Source: "pom.xml", Line: 21}
}

func spring(rule string, a Action, msg string) Violation {
	return Violation{Rule: rule, Action: a, Message: msg, Ecosystem: "Maven", Package: "org.springframework:spring-beans", Version: "5.3.17", FindingID: "GHSA-36p3-wjmg-h94x", Source: "pom.xml", Line: 27}
}

func minimist(rule string, a Action, msg string) Violation {
	return Violation{Rule: rule, Action: a, Message: msg, Ecosystem: "npm", Package: "minimist", Version: "1.2.5", FindingID: "GHSA-xvch-5gv4-984h", Source: "web/package-lock.json", Line: 41}
}

func eventStream(rule string, a Action, msg string) Violation {
	return Violation{Rule: rule, Action: a, Message: msg, Ecosystem: "npm", Package: "event-stream", Version: "3.3.6", FindingID: "GHSA-mh6f-8j2x-4483", Source: "web/package-lock.json", Line: 57}
}

func lodash(rule string, a Action, msg string) Violation {
	return Violation{Rule: rule, Action: a, Message: msg, Ecosystem: "npm", Package: "lodash", Version: "4.17.20", FindingID: "GHSA-35jh-r3h4-6jhm", Source: "web/package-lock.json", Line: 12}
}

func xtext(rule string, a Action, msg string) Violation {
	return Violation{Rule: rule, Action: a, Message: msg, Ecosystem: "Go", Package: "golang.org/x/text", Version: "v0.3.5", FindingID: "GO-2021-0113", Source: "go.mod", Line: 12}
}

func pyyaml(rule string, a Action, msg string) Violation {
	return Violation{Rule: rule, Action: a, Message: msg, Ecosystem: "PyPI", Package: "PyYAML", Version: "5.3.1", FindingID: "PYSEC-2021-142", Source: "requirements.txt", Line: 2}
}

func django(rule string, a Action, msg string) Violation {
	return Violation{Rule: rule, Action: a, Message: msg, Ecosystem: "PyPI", Package: "Django", Version: "3.0.14", FindingID: "PYSEC-2021-98", Source: "requirements.txt", Line: 1}
}

// pkgOnly drops the finding id: package and diff rules name no finding.
func pkgOnly(v Violation) Violation {
	v.FindingID = ""
	return v
}

func TestPresets(t *testing.T) {
	const fixable = "no-critical-or-high-with-fix"
	runEvalCases(t, []evalCase{
		{
			name:   "no_critical_or_high_with_fix",
			policy: "presets: [no-critical-or-high-with-fix]",
			want: []Violation{
				log4j(fixable, Fail, "org.apache.logging.log4j:log4j-core@2.14.1 has GHSA-jfh8-c2jp-5v3q (critical); fixed in 2.15.0"),
				spring(fixable, Fail, "org.springframework:spring-beans@5.3.17 has GHSA-36p3-wjmg-h94x (critical); fixed in 5.3.18"),
				minimist(fixable, Fail, "minimist@1.2.5 has GHSA-xvch-5gv4-984h (critical); fixed in 1.2.6"),
				lodash(fixable, Fail, "lodash@4.17.20 has GHSA-35jh-r3h4-6jhm (high); fixed in 4.17.21"),
				xtext(fixable, Fail, "golang.org/x/text@v0.3.5 has GO-2021-0113 (high); fixed in v0.3.7"),
				pyyaml(fixable, Fail, "PyYAML@5.3.1 has PYSEC-2021-142 (critical); fixed in 5.4"),
			},
		},
		{
			name:     "no_critical_or_high_with_fix_new_findings_only",
			policy:   "presets: [no-critical-or-high-with-fix]",
			baseline: true,
			want: []Violation{
				spring(fixable, Fail, "org.springframework:spring-beans@5.3.17 has GHSA-36p3-wjmg-h94x (critical); fixed in 5.3.18"),
				minimist(fixable, Fail, "minimist@1.2.5 has GHSA-xvch-5gv4-984h (critical); fixed in 1.2.6"),
				pyyaml(fixable, Fail, "PyYAML@5.3.1 has PYSEC-2021-142 (critical); fixed in 5.4"),
			},
		},
		{
			name:   "no_kev",
			policy: "presets: [no-kev]",
			want: []Violation{
				log4j("no-kev", Fail, "org.apache.logging.log4j:log4j-core@2.14.1 has GHSA-jfh8-c2jp-5v3q, which is known to be exploited (CISA KEV, used by ransomware)"),
				spring("no-kev", Fail, "org.springframework:spring-beans@5.3.17 has GHSA-36p3-wjmg-h94x, which is known to be exploited (CISA KEV)"),
			},
		},
		{
			name:   "no_kev_as_warning",
			policy: "presets:\n  - name: no-kev\n    action: warn\n",
			want: []Violation{
				log4j("no-kev", Warn, "org.apache.logging.log4j:log4j-core@2.14.1 has GHSA-jfh8-c2jp-5v3q, which is known to be exploited (CISA KEV, used by ransomware)"),
				spring("no-kev", Warn, "org.springframework:spring-beans@5.3.17 has GHSA-36p3-wjmg-h94x, which is known to be exploited (CISA KEV)"),
			},
		},
		{
			name:   "no_new_vulnerable_transitive",
			policy: "presets: [no-new-vulnerable-transitive]",
			diff:   true,
			want: []Violation{
				pkgOnly(minimist("no-new-vulnerable-transitive", Fail, "new transitive dependency minimist@1.2.5 has GHSA-xvch-5gv4-984h")),
			},
		},
		{
			name:   "diff_rules_skipped_without_diff",
			policy: "presets: [no-new-vulnerable-transitive, no-downgrades]",
		},
		{
			name:   "no_downgrades",
			policy: "presets: [no-downgrades]",
			diff:   true,
			want: []Violation{
				pkgOnly(spring("no-downgrades", Fail, "org.springframework:spring-beans was downgraded from 5.3.18 to 5.3.17")),
				pkgOnly(pyyaml("no-downgrades", Fail, "PyYAML was downgraded from 5.4.1 to 5.3.1")),
			},
		},
		{
			name:   "license_deny",
			policy: "presets: [license-deny]\nparams:\n  license_deny: [AGPL-3.0-only, SSPL-1.0]\n",
			want: []Violation{
				{Rule: "license-deny", Action: Fail, Message: "mkdirp@0.5.5 is licensed under AGPL-3.0-only, which the policy denies", Ecosystem: "npm", Package: "mkdirp", Version: "0.5.5", Source: "web/package-lock.json", Line: 30},
			},
		},
		{
			name: "license_deny_params_from_caller",
			opts: []Option{WithPresets("license-deny"), WithParams(map[string]any{"license_deny": []any{"MIT"}})},
			want: []Violation{
				{Rule: "license-deny", Action: Fail, Message: "lodash@4.17.20 is licensed under MIT, which the policy denies", Ecosystem: "npm", Package: "lodash", Version: "4.17.20", Source: "web/package-lock.json", Line: 12},
				{Rule: "license-deny", Action: Fail, Message: "minimist@1.2.5 is licensed under MIT, which the policy denies", Ecosystem: "npm", Package: "minimist", Version: "1.2.5", Source: "web/package-lock.json", Line: 41},
				{Rule: "license-deny", Action: Fail, Message: "event-stream@3.3.6 is licensed under MIT, which the policy denies", Ecosystem: "npm", Package: "event-stream", Version: "3.3.6", Source: "web/package-lock.json", Line: 57},
			},
		},
		{
			name:   "no_reachable_critical",
			policy: "presets: [no-reachable-critical]",
			want: []Violation{
				minimist("no-reachable-critical", Fail, "minimist@1.2.5 has GHSA-xvch-5gv4-984h (critical), and the vulnerable code is reachable"),
			},
		},
		{
			name:   "caller_presets_come_first",
			policy: "presets: [no-reachable-critical]",
			opts:   []Option{WithPresets("no-kev", "no-reachable-critical", "no-kev")},
			want: []Violation{
				log4j("no-kev", Fail, "org.apache.logging.log4j:log4j-core@2.14.1 has GHSA-jfh8-c2jp-5v3q, which is known to be exploited (CISA KEV, used by ransomware)"),
				spring("no-kev", Fail, "org.springframework:spring-beans@5.3.17 has GHSA-36p3-wjmg-h94x, which is known to be exploited (CISA KEV)"),
				minimist("no-reachable-critical", Fail, "minimist@1.2.5 has GHSA-xvch-5gv4-984h (critical), and the vulnerable code is reachable"),
			},
		},
	})
}

func TestCustomRules(t *testing.T) {
	runEvalCases(t, []evalCase{
		{
			name: "lead_example_rule",
			policy: `rules:
  - name: no-fixable-high
    action: fail          # fail | warn
    for: finding
    expr: finding.severity.level in ["high", "critical"] && finding.fix_available && finding.ecosystem == "npm"
    message: "{{finding.package}}@{{finding.version}} has {{finding.id}} ({{finding.severity.level}}); fixed in {{finding.fixed[0]}}"
`,
			want: []Violation{
				minimist("no-fixable-high", Fail, "minimist@1.2.5 has GHSA-xvch-5gv4-984h (critical); fixed in 1.2.6"),
				lodash("no-fixable-high", Fail, "lodash@4.17.20 has GHSA-35jh-r3h4-6jhm (high); fixed in 4.17.21"),
			},
		},
		{
			name: "default_message_and_description",
			policy: `rules:
  - name: likely-exploited
    description: EPSS is at least 0.5
    action: warn
    expr: finding.epss >= 0.5
  - name: unknown-severity
    action: warn
    expr: finding.severity.level == "unknown" && finding.score == -1.0
`,
			want: []Violation{
				log4j("likely-exploited", Warn, "org.apache.logging.log4j:log4j-core@2.14.1 has GHSA-jfh8-c2jp-5v3q (critical); fixed in 2.15.0: EPSS is at least 0.5"),
				django("unknown-severity", Warn, "Django@3.0.14 has PYSEC-2021-98 (unknown); fixed in 3.1.12"),
			},
		},
		{
			name: "ids_ages_and_value_formatting",
			policy: `rules:
  - name: old-cve-2021
    action: warn
    expr: >
      finding.ids.exists(i, i.startsWith("CVE-2021-")) &&
      finding.advisory_age_days >= 1000
    message: '{{finding.id}}: {{finding.advisory_age_days}} days, score {{finding.score}}, ids {{finding.ids}}, epss {{finding.epss}}, kev {{finding.kev}}'
  - name: no-publication-date
    action: warn
    expr: finding.advisory_age_days == -1
    message: "{{finding.id}} age {{finding.advisory_age_days}} priority {{finding.priority}}"
`,
			want: []Violation{
				log4j("old-cve-2021", Warn, "GHSA-jfh8-c2jp-5v3q: 1057 days, score 10, ids GHSA-jfh8-c2jp-5v3q, CVE-2021-44228, epss 0.94358, kev true"),
				lodash("old-cve-2021", Warn, "GHSA-35jh-r3h4-6jhm: 1355 days, score 7.2, ids GHSA-35jh-r3h4-6jhm, CVE-2021-23337, epss 0.0127, kev false"),
				xtext("old-cve-2021", Warn, "GO-2021-0113: 1122 days, score 7.5, ids GO-2021-0113, CVE-2021-38561, GHSA-ppp9-7jff-5vj2, epss -1, kev false"),
				django("no-publication-date", Warn, "PYSEC-2021-98 age -1 priority 20"),
			},
		},
		{
			name: "params_and_sets",
			policy: `params:
  blocked: [CVE-2021-44906, CVE-2020-14343]
rules:
  - name: blocked-ids
    action: fail
    expr: sets.intersects(finding.cves, params.blocked)
    message: "{{finding.package}}: {{finding.cves}} is blocked"
`,
			want: []Violation{
				minimist("blocked-ids", Fail, "minimist: CVE-2021-44906 is blocked"),
				pyyaml("blocked-ids", Fail, "PyYAML: CVE-2020-14343 is blocked"),
			},
		},
		{
			name: "dev_direct_and_reachability",
			policy: `rules:
  - name: dev-critical
    action: warn
    expr: finding.dev && finding.direct && finding.severity.rank >= 5
  - name: not-reachable
    action: warn
    expr: finding.reachable == "not_reachable" && finding.reachability_level == "symbol"
    message: "{{finding.package}} {{finding.relation}} {{finding.scope == '' ? 'no scope' : finding.scope}}"
`,
			want: []Violation{
				eventStream("dev-critical", Warn, "event-stream@3.3.6 has GHSA-mh6f-8j2x-4483 (critical)"),
				xtext("not-reachable", Warn, "golang.org/x/text transitive no scope"),
			},
		},
		{
			name: "include_baseline",
			policy: `rules:
  - name: kev-even-if-accepted
    action: fail
    expr: finding.kev
    include_baseline: true
    message: "{{finding.id}} in_baseline={{finding.in_baseline}}"
  - name: kev-new
    action: fail
    expr: finding.kev
    message: "{{finding.id}} in_baseline={{finding.in_baseline}}"
`,
			baseline: true,
			want: []Violation{
				log4j("kev-even-if-accepted", Fail, "GHSA-jfh8-c2jp-5v3q in_baseline=true"),
				spring("kev-even-if-accepted", Fail, "GHSA-36p3-wjmg-h94x in_baseline=false"),
				spring("kev-new", Fail, "GHSA-36p3-wjmg-h94x in_baseline=false"),
			},
		},
		{
			name: "package_rule",
			policy: `rules:
  - name: vulnerable-direct-prod
    action: warn
    for: package
    expr: pkg.direct && !pkg.dev && size(pkg.vulns) > 1 || pkg.ecosystem == "Go" && pkg.name == "stdlib"
    message: "{{pkg.name}}@{{pkg.version}} [{{pkg.vulns}}] {{pkg.purl}}"
`,
			want: []Violation{
				{Rule: "vulnerable-direct-prod", Action: Warn, Message: "stdlib@1.16.0 [] pkg:golang/stdlib@1.16.0", Ecosystem: "Go", Package: "stdlib", Version: "1.16.0", Source: "go.mod", Line: 3},
			},
		},
		{
			name: "diff_bool_and_lists",
			policy: `rules:
  - name: many-added
    action: warn
    for: diff
    expr: size(diff.added) >= 2
    message: "{{size(diff.added)}} packages added: {{diff.added.map(p, p.name)}}; removed: {{diff.removed.map(p, p.name + '@' + p.version)}}"
  - name: introduced-kev
    action: fail
    for: diff
    expr: diff.introduced.filter(f, f.kev)
  - name: upgrades
    action: warn
    for: diff
    expr: diff.upgraded
  - name: fixed
    action: warn
    for: diff
    expr: diff.fixed
    message: "fixed {{item.id}} in {{item.package}}"
`,
			diff: true,
			want: []Violation{
				{Rule: "many-added", Action: Warn, Message: "2 packages added: mkdirp, minimist; removed: left-pad@1.3.0, golang.org/x/net@v0.0.0-20210226172049-e18ecbb05110"},
				spring("introduced-kev", Fail, "org.springframework:spring-beans@5.3.17 has GHSA-36p3-wjmg-h94x (critical); fixed in 5.3.18"),
				pkgOnly(lodash("upgrades", Warn, "lodash 4.17.19 -> 4.17.20")),
				{Rule: "fixed", Action: Warn, Message: "fixed GO-2021-0238 in golang.org/x/net", Ecosystem: "Go", Package: "golang.org/x/net", Version: "v0.0.0-20210226172049-e18ecbb05110", FindingID: "GO-2021-0238", Source: "go.mod", Line: 13},
			},
		},
		{
			name:   "example_policy",
			policy: mustRead(t, "example.yaml"),
			diff:   true,
			want: []Violation{
				log4j("no-kev", Fail, "org.apache.logging.log4j:log4j-core@2.14.1 has GHSA-jfh8-c2jp-5v3q, which is known to be exploited (CISA KEV, used by ransomware)"),
				spring("no-kev", Fail, "org.springframework:spring-beans@5.3.17 has GHSA-36p3-wjmg-h94x, which is known to be exploited (CISA KEV)"),
				log4j("no-critical-or-high-with-fix", Fail, "org.apache.logging.log4j:log4j-core@2.14.1 has GHSA-jfh8-c2jp-5v3q (critical); fixed in 2.15.0"),
				spring("no-critical-or-high-with-fix", Fail, "org.springframework:spring-beans@5.3.17 has GHSA-36p3-wjmg-h94x (critical); fixed in 5.3.18"),
				minimist("no-critical-or-high-with-fix", Fail, "minimist@1.2.5 has GHSA-xvch-5gv4-984h (critical); fixed in 1.2.6"),
				lodash("no-critical-or-high-with-fix", Fail, "lodash@4.17.20 has GHSA-35jh-r3h4-6jhm (high); fixed in 4.17.21"),
				xtext("no-critical-or-high-with-fix", Fail, "golang.org/x/text@v0.3.5 has GO-2021-0113 (high); fixed in v0.3.7"),
				pyyaml("no-critical-or-high-with-fix", Fail, "PyYAML@5.3.1 has PYSEC-2021-142 (critical); fixed in 5.4"),
				pkgOnly(spring("no-downgrades", Warn, "org.springframework:spring-beans was downgraded from 5.3.18 to 5.3.17")),
				pkgOnly(pyyaml("no-downgrades", Warn, "PyYAML was downgraded from 5.4.1 to 5.3.1")),
				{Rule: "license-deny", Action: Fail, Message: "mkdirp@0.5.5 is licensed under AGPL-3.0-only, which the policy denies", Ecosystem: "npm", Package: "mkdirp", Version: "0.5.5", Source: "web/package-lock.json", Line: 30},
				log4j("no-likely-exploited", Fail, "org.apache.logging.log4j:log4j-core@2.14.1: GHSA-jfh8-c2jp-5v3q has EPSS 0.94358"),
				eventStream("old-unfixed", Warn, "event-stream@3.3.6 has had GHSA-mh6f-8j2x-4483 for 2167 days with no fix: consider replacing it"),
				minimist("reachable-in-prod", Warn, "minimist@1.2.5: new reachable GHSA-xvch-5gv4-984h"),
			},
		},
	})
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestPolicyAccessors(t *testing.T) {
	p, err := Compile("ci/policy.yaml", []byte(mustRead(t, "example.yaml")), WithPresets("no-reachable-critical"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Baseline(), filepath.Join("ci", "baseline.json"); got != want {
		t.Errorf("Baseline() = %q, want %q", got, want)
	}
	if !p.NeedsDiff() {
		t.Errorf("NeedsDiff() = false, want true")
	}
	var names []string
	for _, r := range p.Rules() {
		names = append(names, r.Name+":"+string(r.For)+":"+string(r.Action))
	}
	want := []string{
		"no-reachable-critical:finding:fail", "no-kev:finding:fail", "no-critical-or-high-with-fix:finding:fail",
		"no-downgrades:diff:warn", "license-deny:package:fail",
		"no-likely-exploited:finding:fail", "old-unfixed:finding:warn", "reachable-in-prod:diff:warn",
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("Rules() (-want +got):\n%s", diff)
	}
	if r := p.Rules()[6]; r.Line != 18 || r.Column != 5 || r.Preset != "" {
		t.Errorf("Rules()[6] at %d:%d preset %q, want 18:5 and no preset", r.Line, r.Column, r.Preset)
	}
	if !Failed([]Violation{{Action: Warn}, {Action: Fail}}) || Failed([]Violation{{Action: Warn}}) {
		t.Errorf("Failed() is wrong")
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		opts   []Option
		want   string
	}{
		{
			name: "bad_cel_with_position",
			policy: `rules:
  - name: typo
    action: fail
    expr: finding.severity.levl == "high" && finding.fix_available
`,
			want: `p.yaml:4:27: rule "typo": expr: undefined field 'levl'`,
		},
		{
			name: "undeclared_variable_and_syntax_error",
			policy: `rules:
  - name: one
    action: fail
    expr: findings.kev
  - name: two
    action: warn
    expr: "finding.kev &&"
`,
			want: "p.yaml:4:11: rule \"one\": expr: undeclared reference to 'findings' (did you mean 'finding'?)\n" +
				"p.yaml:7:26: rule \"two\": expr: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}",
		},
		{
			name: "error_in_block_scalar",
			policy: `rules:
  - name: multi-line
    action: fail
    expr: |
      finding.kev ||
        finding.epss > "0.5"
`,
			want: `p.yaml:6:22: rule "multi-line": expr: found no matching overload for '_>_' applied to '(double, string)'`,
		},
		{
			name: "package_is_reserved",
			policy: `rules:
  - name: reserved
    action: fail
    for: package
    expr: package.name == "lodash"
`,
			want: `p.yaml:5:11: rule "reserved": expr: reserved identifier: package`,
		},
		{
			name: "wrong_variable_for_kind",
			policy: `rules:
  - name: pkg-in-finding-rule
    action: fail
    expr: pkg.dev
`,
			want: `p.yaml:4:11: rule "pkg-in-finding-rule": expr: undeclared reference to 'pkg'`,
		},
		{
			name: "expr_not_bool",
			policy: `rules:
  - name: not-bool
    action: fail
    expr: finding.id
  - name: diff-not-list
    action: fail
    for: diff
    expr: size(diff.added)
`,
			want: "p.yaml:4:11: rule \"not-bool\": expr: must be a bool, not string\n" +
				"p.yaml:8:11: rule \"diff-not-list\": expr: must be a bool or a list, not int",
		},
		{
			name: "message_errors",
			policy: `rules:
  - name: msg
    action: warn
    expr: finding.kev
    message: "{{finding.package}} has {{finding.idd}}"
  - name: unclosed
    action: warn
    expr: finding.kev
    message: 'fixed in {{finding.fixed[0]'
  - name: item-without-list
    action: warn
    for: diff
    expr: size(diff.added) > 0
    message: "{{item.name}}"
`,
			want: "p.yaml:5:48: rule \"msg\": message: undefined field 'idd'\n" +
				"p.yaml:9:24: rule \"unclosed\": message: \"{{\" has no closing \"}}\"\n" +
				"p.yaml:14:17: rule \"item-without-list\": message: undeclared reference to 'item'",
		},
		{
			name: "unknown_keys",
			policy: `version: 1
rulez: []
rules:
  - name: typo
    acton: fail
    expr: finding.kev
`,
			want: "p.yaml:2:1: unknown key \"rulez\" (want version, rules, presets, params or baseline)\n" +
				"p.yaml:4:5: rule \"typo\": no action: say fail or warn\n" +
				"p.yaml:5:5: rule \"typo\": unknown key \"acton\" (want name, description, action, for, expr, message or include_baseline)",
		},
		{
			name: "bad_action_and_for",
			policy: `rules:
  - name: block
    action: block
    for: file
    expr: finding.kev
`,
			want: "p.yaml:3:13: rule \"block\": action \"block\" is not fail or warn\n" +
				"p.yaml:4:10: rule \"block\": for \"file\" is not finding, package or diff",
		},
		{
			name: "duplicate_rule_names",
			policy: `presets: [no-kev]
rules:
  - name: kev
    action: fail
    expr: finding.kev
  - name: kev
    action: warn
    expr: finding.kev
  - name: no-kev
    action: warn
    expr: finding.kev
`,
			want: "p.yaml:6:5: rule \"kev\": rule name given twice (first at line 3)\n" +
				"p.yaml:9:5: rule \"no-kev\": rule name given twice (it is the name of a selected preset)",
		},
		{
			name: "missing_and_bad_fields",
			policy: `rules:
  - action: fail
    expr: finding.kev
  - name: has space
    action: fail
    expr: finding.kev
  - name: no-expr
    action: warn
  - name: empty-expr
    action: warn
    expr: "  "
  - name: baseline-on-package
    action: warn
    for: package
    expr: pkg.dev
    include_baseline: yes
  - just a string
`,
			want: "p.yaml:2:5: rule #1: no name: give the rule a name\n" +
				"p.yaml:4:11: rule #2: name \"has space\" may hold only letters, digits, '-', '_' and '.'\n" +
				"p.yaml:7:5: rule \"no-expr\": no expr: give the CEL expression the rule matches\n" +
				"p.yaml:11:11: rule \"empty-expr\": expr is empty\n" +
				"p.yaml:16:23: rule \"baseline-on-package\": include_baseline must be true or false\n" +
				"p.yaml:17:5: rule #6: a rule is a mapping with the keys name, description, action, for, expr, message or include_baseline",
		},
		{
			name: "duplicate_key",
			policy: `rules:
  - name: dup
    action: fail
    expr: finding.kev
    action: warn
`,
			want: `p.yaml:5:5: rule "dup": key "action" given twice (first at line 3)`,
		},
		{
			name: "presets_errors",
			policy: `presets:
  - no-such-preset
  - no-kev
  - no-kev
  - license-deny
  - {name: no-downgrades, action: block}
  - [nested]
`,
			want: "p.yaml:2:5: presets: unknown preset \"no-such-preset\" (want one of no-critical-or-high-with-fix, no-kev, no-new-vulnerable-transitive, no-downgrades, license-deny, no-reachable-critical)\n" +
				"p.yaml:4:5: presets: preset \"no-kev\" selected twice\n" +
				"p.yaml:5:5: rule \"license-deny\": needs params.license_deny: a list of licences, e.g. [GPL-3.0-only, AGPL-3.0-only]\n" +
				"p.yaml:6:35: presets: action \"block\" is not fail or warn\n" +
				"p.yaml:7:5: presets: an entry is a preset name, or a mapping with name and action",
		},
		{
			name:   "license_deny_params_of_wrong_type",
			policy: "presets: [license-deny]\nparams:\n  license_deny: AGPL-3.0-only\n",
			want:   `p.yaml:1:11: rule "license-deny": params.license_deny must be a list of licences, e.g. [GPL-3.0-only, AGPL-3.0-only]`,
		},
		{
			name:   "caller_preset_unknown",
			policy: "presets: [no-kev]",
			opts:   []Option{WithPresets("no-crit")},
			want:   `p.yaml: presets: unknown preset "no-crit" (want one of no-critical-or-high-with-fix, no-kev, no-new-vulnerable-transitive, no-downgrades, license-deny, no-reachable-critical)`,
		},
		{
			name:   "yaml_syntax_error",
			policy: "rules:\n  - name: x\n    action: warn\n    expr: finding.kev ? true : false\n",
			want:   `p.yaml:4: mapping values are not allowed in this context (quote an expression that holds ": ")`,
		},
		{
			name:   "unquoted_message_parsed_as_mapping",
			policy: "rules:\n  - name: m\n    action: warn\n    expr: finding.kev\n    message: {{finding.id}}\n",
			want:   `p.yaml:5:14: rule "m": message must be a string: quote a value that starts with "{{", or YAML reads it as a mapping`,
		},
		{
			name:   "not_a_mapping",
			policy: "- rules\n",
			want:   "p.yaml:1:1: a policy is a mapping with the keys version, rules, presets, params or baseline",
		},
		{
			name:   "two_documents",
			policy: "presets: [no-kev]\n---\npresets: [no-kev]\n",
			want:   `p.yaml:2:1: a policy file holds one YAML document; remove the "---" separator and what follows`,
		},
		{
			name:   "unsupported_version",
			policy: "version: 2\npresets: [no-kev]\n",
			want:   "p.yaml:1:10: version 2 is not supported (want 1): is the policy written for a newer patchline?",
		},
		{
			name:   "empty_policy",
			policy: "# nothing yet\n",
			want:   "p.yaml: the policy has no rules: add rules: or presets:",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile("p.yaml", []byte(tc.policy), tc.opts...)
			if err == nil {
				t.Fatalf("Compile() = %v, want error", p.Rules())
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("Compile() error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEvaluateErrors(t *testing.T) {
	after := readResult(t, "after.json")
	tests := []struct {
		name    string
		policy  string
		want    []Violation
		wantErr string
	}{
		{
			name: "index_out_of_range_in_message",
			policy: `rules:
  - name: critical
    action: fail
    expr: finding.severity.level == "critical"
    message: "fixed in {{finding.fixed[0]}}"
  - name: kev
    action: warn
    expr: finding.kev
`,
			want: []Violation{
				log4j("critical", Fail, "fixed in 2.15.0"),
				spring("critical", Fail, "fixed in 5.3.18"),
				minimist("critical", Fail, "fixed in 1.2.6"),
				log4j("kev", Warn, "org.apache.logging.log4j:log4j-core@2.14.1 has GHSA-jfh8-c2jp-5v3q (critical); fixed in 2.15.0"),
				spring("kev", Warn, "org.springframework:spring-beans@5.3.17 has GHSA-36p3-wjmg-h94x (critical); fixed in 5.3.18"),
			},
			wantErr: `policy p.yaml: rule "critical": finding GHSA-mh6f-8j2x-4483 in event-stream@3.3.6 (web/package-lock.json): message: {{finding.fixed[0]}}: index out of bounds: 0`,
		},
		{
			name: "index_out_of_range_in_expr",
			policy: `rules:
  - name: first-fix
    action: fail
    expr: finding.fixed[0].startsWith("1.")
`,
			want: []Violation{
				minimist("first-fix", Fail, "minimist@1.2.5 has GHSA-xvch-5gv4-984h (critical); fixed in 1.2.6"),
			},
			wantErr: `policy p.yaml: rule "first-fix": finding GHSA-mh6f-8j2x-4483 in event-stream@3.3.6 (web/package-lock.json): expr: index out of bounds: 0`,
		},
		{
			name: "missing_param",
			policy: `rules:
  - name: params
    action: fail
    for: package
    expr: pkg.name in params.denied
`,
			wantErr: `policy p.yaml: rule "params": package lodash@4.17.20 (web/package-lock.json): expr: no such key: denied`,
		},
		{
			name: "dyn_not_bool",
			policy: `params:
  flag: "yes"
rules:
  - name: flag
    action: fail
    expr: params.flag
`,
			wantErr: `policy p.yaml: rule "flag": finding GHSA-jfh8-c2jp-5v3q in org.apache.logging.log4j:log4j-core@2.14.1 (pom.xml): expr: evaluated to string, not a bool`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile("p.yaml", []byte(tc.policy))
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Evaluate(context.Background(), Input{Findings: after.Findings, Packages: after.Packages, Now: testNow})
			if err == nil {
				t.Fatalf("Evaluate() error = nil, want %q", tc.wantErr)
			}
			if diff := cmp.Diff(tc.wantErr, err.Error()); diff != "" {
				t.Errorf("Evaluate() error (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Evaluate() violations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEvaluateCanceled(t *testing.T) {
	p, err := Compile("p.yaml", []byte("presets: [no-kev]"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Evaluate(ctx, Input{Findings: readResult(t, "after.json").Findings}); err != context.Canceled {
		t.Errorf("Evaluate() error = %v, want context.Canceled", err)
	}
}

// TestPresetsDocumented keeps docs/policy.md's preset table in step with the code.
func TestPresetsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "policy.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range Presets() {
		for _, s := range []string{"`" + p.Name + "`", p.Expr} {
			if !strings.Contains(string(doc), s) {
				t.Errorf("docs/policy.md does not have %q of preset %q", s, p.Name)
			}
		}
		if _, err := Compile("p.yaml", nil, WithPresets(p.Name), WithParams(map[string]any{"license_deny": []any{"x"}})); err != nil {
			t.Errorf("preset %q: %v", p.Name, err)
		}
	}
}

func TestLoadFixtures(t *testing.T) {
	tests := []struct {
		file    string
		rules   int
		wantErr string
	}{
		{file: "minimal.yaml", rules: 1},
		{file: "example.yaml", rules: 7},
		{file: "empty.yaml", wantErr: "testdata/empty.yaml: the policy has no rules: add rules: or presets:"},
		{file: "malformed.yaml", wantErr: `testdata/malformed.yaml:5:14: message: quote a value that starts with "{{", or YAML reads it as a mapping`},
		{file: "wrong-format.yaml", wantErr: `testdata/wrong-format.yaml:2:1: unknown key "ignore" (want version, rules, presets, params or baseline)`},
		{file: "missing.yaml", wantErr: "policy: open testdata/missing.yaml: no such file or directory"},
	}
	for _, tc := range tests {
		t.Run(strings.TrimSuffix(tc.file, ".yaml"), func(t *testing.T) {
			p, err := Load("testdata/" + tc.file)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("Load() error = nil, want %q", tc.wantErr)
				}
				if diff := cmp.Diff(tc.wantErr, err.Error()); diff != "" {
					t.Errorf("Load() error (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := len(p.Rules()); got != tc.rules {
				t.Errorf("len(Rules()) = %d, want %d", got, tc.rules)
			}
		})
	}
}
