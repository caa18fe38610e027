package vex

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/result"
)

// assessResult is a hand-made scan: the same vulnerability in two sources,
// findings with each reachability verdict, two suppressions and a package
// without a package URL.
func assessResult() *result.Result {
	return &result.Result{
		Findings: []result.Finding{
			{Source: "web/package-lock.json", Line: 14, Ecosystem: inventory.Npm, Package: "hapi", Version: "2.1.2", PURL: "pkg:npm/hapi@2.1.2", ID: "NSWG-ECO-11", Aliases: []string{"CVE-2014-3742"}, Fixed: []string{"2.2.0"}},
			{Source: "admin/package-lock.json", Line: 9, Ecosystem: inventory.Npm, Package: "hapi", Version: "2.1.2", PURL: "pkg:npm/hapi@2.1.2", ID: "NSWG-ECO-11", Aliases: []string{"CVE-2014-3742", "GHSA-extra"}, Fixed: []string{"2.2.0"}},
			{Source: "go.mod", Line: 3, Ecosystem: inventory.Go, Package: "stdlib", Version: "1.16.0", PURL: "pkg:golang/stdlib@1.16.0", ID: "GO-2025-3750", Aliases: []string{"CVE-2025-0913"}, Fixed: []string{"1.23.10", "1.24.4"}},
			{Source: "go.mod", Line: 6, Ecosystem: inventory.Go, Package: "golang.org/x/text", Version: "v0.3.0", PURL: "pkg:golang/golang.org/x/text@v0.3.0", ID: "GO-2021-0113", Aliases: []string{"CVE-2021-38561"}, Fixed: []string{"0.3.7"}},
			{Source: "go.mod", Line: 7, Ecosystem: inventory.Go, Package: "github.com/navidrome/navidrome", Version: "v0.59.0", PURL: "pkg:golang/github.com/navidrome/navidrome@v0.59.0", ID: "GO-2026-4411"},
			{Source: ".github/workflows/ci.yml", Line: 12, Ecosystem: "GitHub Actions", Package: "actions/checkout", Version: "v1", ID: "GHSA-aaaa"},
			{Source: "requirements.txt", Line: 2, Ecosystem: inventory.PyPI, Package: "Django_Rest", Version: "3.0", ID: "PYSEC-2020-1"},
		},
		Suppressed: []result.Finding{
			{Source: "go.mod", Line: 8, Ecosystem: inventory.Go, Package: "github.com/gin-gonic/gin", Version: "v1.5.0", PURL: "pkg:golang/github.com/gin-gonic/gin@v1.5.0", ID: "GO-2020-0001", Aliases: []string{"CVE-2020-36567"},
				Suppression: &result.Suppression{ID: "CVE-2020-36567", Reason: "We use our own request logger.", Expires: "2026-12-31", Config: ".patchline.toml"}},
			{Source: "web/package-lock.json", Line: 30, Ecosystem: inventory.Npm, Package: "lodash", Version: "4.17.20", PURL: "pkg:npm/lodash@4.17.20", ID: "GHSA-35jh-r3h4-6jhm",
				Suppression: &result.Suppression{ID: "GHSA-35jh-r3h4-6jhm", Reason: "VEX fixed: Backported.", Config: "vex.json"}},
		},
	}
}

// reachability is what a made-up analysis found.
func reachability(f *result.Finding) *Reachability {
	switch f.ID {
	case "GO-2025-3750":
		return &Reachability{Verdict: NotReachable, Level: LevelSymbol, Reason: "net/http.Serve is never called."}
	case "GO-2021-0113":
		return &Reachability{Verdict: NotReachable, Level: LevelPackage, Reason: "golang.org/x/text/language is not imported"}
	case "GO-2026-4411":
		return &Reachability{Verdict: ReachabilityUnknown, Level: LevelModule, Reason: "the module could not be loaded"}
	case "NSWG-ECO-11":
		return &Reachability{Verdict: Reachable, Level: LevelImport}
	}
	return nil
}

type assessed struct {
	Vuln, Package string
	Aliases       []string
	Products      []Product
	Status        Status
	Justification Justification
	Impact        string
	Action        string
	Notes         string
	Findings      int
}

func TestAssess(t *testing.T) {
	navidrome := func(status Status, action, notes string) assessed {
		return assessed{
			Vuln: "GO-2026-4411", Package: "pkg:golang/github.com/navidrome/navidrome@v0.59.0",
			Status: status, Action: action, Notes: notes, Findings: 1,
		}
	}
	base := []assessed{
		{Vuln: "GHSA-35jh-r3h4-6jhm", Package: "pkg:npm/lodash@4.17.20", Status: Fixed, Notes: "Found in web/package-lock.json (line 30). Backported.", Findings: 1},
		{Vuln: "GHSA-aaaa", Package: "pkg:generic/actions%2Fcheckout@v1", Status: Affected, Action: "No fixed version of actions/checkout is known: remove or replace it, or mitigate the vulnerability.", Notes: "Found in .github/workflows/ci.yml (line 12).", Findings: 1},
		{Vuln: "GO-2020-0001", Package: "pkg:golang/github.com/gin-gonic/gin@v1.5.0", Aliases: []string{"CVE-2020-36567"}, Status: NotAffected, Impact: "Suppressed in .patchline.toml: We use our own request logger (until 2026-12-31).", Notes: "Found in go.mod (line 8).", Findings: 1},
		{Vuln: "GO-2021-0113", Package: "pkg:golang/golang.org/x/text@v0.3.0", Aliases: []string{"CVE-2021-38561"}, Status: NotAffected, Justification: VulnerableCodeNotPresent, Impact: "Reachability analysis found the vulnerable code not reachable (package level): golang.org/x/text/language is not imported.", Notes: "Found in go.mod (line 6).", Findings: 1},
		{Vuln: "GO-2025-3750", Package: "pkg:golang/stdlib@1.16.0", Aliases: []string{"CVE-2025-0913"}, Status: NotAffected, Justification: VulnerableCodeNotInExecutePath, Impact: "Reachability analysis found the vulnerable code not reachable (symbol level): net/http.Serve is never called.", Notes: "Found in go.mod (line 3).", Findings: 1},
		navidrome(Affected, "No fixed version of github.com/navidrome/navidrome is known: remove or replace it, or mitigate the vulnerability.", "Found in go.mod (line 7). Reachability: unknown (module level): the module could not be loaded."),
		{Vuln: "NSWG-ECO-11", Package: "pkg:npm/hapi@2.1.2", Aliases: []string{"CVE-2014-3742", "GHSA-extra"}, Status: Affected, Action: "Upgrade hapi from 2.1.2 to 2.2.0.", Notes: "Found in web/package-lock.json (line 14), admin/package-lock.json (line 9). Reachability: reachable (import level).", Findings: 2},
		{Vuln: "PYSEC-2020-1", Package: "pkg:pypi/django-rest@3.0", Status: Affected, Action: "No fixed version of Django_Rest is known: remove or replace it, or mitigate the vulnerability.", Notes: "Found in requirements.txt (line 2).", Findings: 1},
	}
	withProducts := func(list []assessed, product string) []assessed {
		out := make([]assessed, len(list))
		for i, a := range list {
			a.Products = []Product{productOf(a.Package, product)}
			out[i] = a
		}
		return out
	}
	underInvestigation := withProducts(base, "")
	underInvestigation[5] = navidrome(UnderInvestigation, "", "Found in go.mod (line 7). Reachability: unknown (module level): the module could not be loaded.")
	underInvestigation[5].Products = []Product{productOf(underInvestigation[5].Package, "")}

	tests := []struct {
		name string
		opts AssessOptions
		want []assessed
	}{
		{name: "default", opts: AssessOptions{Reachability: reachability}, want: withProducts(base, "")},
		{name: "unknown_under_investigation", opts: AssessOptions{Reachability: reachability, UnknownUnderInvestigation: true}, want: underInvestigation},
		{name: "product", opts: AssessOptions{Reachability: reachability, Product: "pkg:github/example/shop@v2.0.0"}, want: withProducts(base, "pkg:github/example/shop@v2.0.0")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []assessed
			for _, a := range Assess(assessResult(), tt.opts) {
				got = append(got, assessed{
					Vuln: a.Vulnerability, Package: a.Package, Aliases: a.Aliases, Products: a.Products,
					Status: a.Status, Justification: a.Justification, Impact: a.ImpactStatement,
					Action: a.ActionStatement, Notes: a.Notes, Findings: len(a.Findings),
				})
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Assess mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAssessWithoutReachability: with no analysis every finding is
// affected, and the most urgent status of a vulnerability in a package
// wins over a suppression of it in another source.
func TestAssessWithoutReachability(t *testing.T) {
	r := assessResult()
	dup := r.Findings[0]
	dup.Source, dup.Suppression = "old/package-lock.json", &result.Suppression{Reason: "legacy"}
	r.Suppressed = append(r.Suppressed, dup)
	for _, a := range Assess(r, AssessOptions{}) {
		if a.Status == NotAffected && a.Justification != "" {
			t.Errorf("%s in %s: not_affected by reachability without an analysis", a.Vulnerability, a.Package)
		}
		if a.Vulnerability == "NSWG-ECO-11" {
			if a.Status != Affected || len(a.Findings) != 3 || a.Finding().Suppression != nil {
				t.Errorf("NSWG-ECO-11: status %s from %d findings (first suppressed: %v), want affected from 3, first not suppressed", a.Status, len(a.Findings), a.Finding().Suppression != nil)
			}
		}
	}
}
