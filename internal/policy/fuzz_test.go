package policy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/severity"
)

// FuzzCompile compiles arbitrary policy files and evaluates the ones that
// compile: neither may panic, and every compile error names the file.
func FuzzCompile(f *testing.F) {
	for _, name := range []string{"example.yaml", "minimal.yaml", "empty.yaml", "malformed.yaml", "wrong-format.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, p := range Presets() {
		f.Add([]byte(fmt.Sprintf("rules:\n  - name: x\n    action: warn\n    for: %s\n    expr: %q\n    message: %q\n", p.For, p.Expr, p.Message)))
	}
	for _, s := range []string{
		"",
		"presets: [no-kev]",
		"rules:\n  - name: a\n    action: fail\n    expr: |\n      finding.fixed[0] == \"1\" &&\n        finding.kev\n",
		"rules:\n  - name: a\n    action: fail\n    expr: 'finding.id == ''x'''\n",
		"rules:\n  - name: a\n    action: fail\n    expr: \"finding.id == \\\"\\u00e9\\\"\"\n    message: '{{finding.id}} {{'\n",
		"rules:\n  - name: a\n    action: fail\n    for: diff\n    expr: >\n      diff.added.map(p,\n      p.name)\n    message: '{{item}}'\n",
		"params: {a: [1, 2.5, x, {b: c}]}\nrules:\n- {name: a, action: warn, expr: 'params.a[3].b == \"c\"', message: '{{params}}'}\n",
		"rules: &r\n  - name: a\n    action: fail\n    expr: *r\n",
		"rules:\n  - name: a\n    action: warn\n    expr: finding.kev ? true : false\n",
		"rules:\n  - name: a\n    action: warn\n    expr: \"[1,2,3].all(x, [1,2,3].all(y, [1,2,3].exists(z, x+y+z > 100)))\"\n",
	} {
		f.Add([]byte(s))
	}
	after := readResult(f, "after.json")
	before := readResult(f, "before.json")
	diff, err := NewDiff(context.Background(), before, after)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Compile("fuzz.yaml", data)
		if err != nil {
			for _, e := range unjoin(err) {
				if !strings.HasPrefix(e.Error(), "fuzz.yaml") {
					t.Fatalf("error does not name the file: %v", e)
				}
			}
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if _, err := p.Evaluate(ctx, Input{Findings: after.Findings, Packages: after.Packages, Diff: diff, Now: testNow}); err != nil && !strings.HasPrefix(err.Error(), "policy fuzz.yaml: ") && ctx.Err() == nil {
			t.Fatalf("Evaluate() error does not name the policy: %v", err)
		}
	})
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{errors.Unwrap(err)}
}

// BenchmarkEvaluate evaluates five finding rules (three presets, two with
// messages) over 10,000 findings.
func BenchmarkEvaluate(b *testing.B) {
	const src = `presets: [no-critical-or-high-with-fix, no-kev, no-reachable-critical]
rules:
  - name: likely-exploited
    action: warn
    expr: finding.epss >= 0.5 && !finding.dev && finding.ids.exists(i, i.startsWith("CVE-"))
    message: "{{finding.package}}@{{finding.version}}: {{finding.id}} has EPSS {{finding.epss}}"
  - name: direct-high
    action: warn
    expr: finding.direct && finding.severity.rank >= 4 && finding.advisory_age_days > 30
`
	p, err := Compile("bench.yaml", []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	findings, packages := syntheticScan(10000)
	in := Input{Findings: findings, Packages: packages, Now: testNow}
	b.ReportAllocs()
	b.ResetTimer()
	var n int
	for b.Loop() {
		vs, err := p.Evaluate(context.Background(), in)
		if err != nil {
			b.Fatal(err)
		}
		n = len(vs)
	}
	b.ReportMetric(float64(n), "violations")
}

// BenchmarkCompile compiles the example policy.
func BenchmarkCompile(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "example.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Compile("example.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

func syntheticScan(n int) ([]result.Finding, []result.Package) {
	levels := []severity.Level{severity.Low, severity.Medium, severity.High, severity.Critical, severity.Unknown}
	published := time.Date(2022, 3, 18, 0, 0, 0, 0, time.UTC)
	var findings []result.Finding
	var packages []result.Package
	for i := range n {
		name := fmt.Sprintf("pkg-%d", i)
		rel := "transitive"
		if i%10 == 0 {
			rel = "direct"
		}
		packages = append(packages, result.Package{Source: "package-lock.json", Ecosystem: "npm", Name: name, Version: "1.0.0", Relation: rel, Scope: "prod"})
		score := 2.0 + float64(i%8)
		f := result.Finding{
			Source: "package-lock.json", Ecosystem: "npm", Package: name, Version: "1.0.0", Relation: rel, Scope: "prod",
			ID: fmt.Sprintf("GHSA-%04d-xxxx-xxxx", i), Aliases: []string{fmt.Sprintf("CVE-2022-%05d", i)},
			Severity:  severity.Severity{Type: "CVSS_V3", Score: &score, Level: levels[i%len(levels)]},
			KEV:       i%97 == 0,
			Published: &published,
			EPSS:      &result.EPSS{Score: float64(i%100) / 100},
		}
		if i%3 != 0 {
			f.Fixed = []string{"1.0.1"}
		}
		if i%7 == 0 {
			f.Reachability = &result.Reachability{Level: "import", Verdict: result.Reachable}
		}
		findings = append(findings, f)
	}
	return findings, packages
}
