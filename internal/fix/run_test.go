package fix

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/patchline/patchline/internal/result"
)

// fakeStrategy keeps a project's packages in state.json ({"name":
// "version"}). Versions named in breaks fail validation, "missing" cannot
// be applied, and broken makes every validation fail.
type fakeStrategy struct {
	breaks map[string]bool // "name@version"
	broken bool
}

const stateFile = "state.json"

func readState(dir string) (map[string]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, err
	}
	st := map[string]string{}
	return st, json.Unmarshal(data, &st)
}

func writeState(dir string, st map[string]string) error {
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, stateFile), data, 0o644)
}

func (f *fakeStrategy) Ecosystem() string { return "Fake" }

func (f *fakeStrategy) Plan(context.Context, string, []result.Finding, VersionSource, Checker) (Plan, error) {
	return Plan{}, nil
}

func (f *fakeStrategy) Apply(_ context.Context, dir string, p Plan) error {
	st, err := readState(dir)
	if err != nil {
		return err
	}
	for _, c := range p.Changes {
		if c.To == "missing" {
			return &StepError{Step: Step{Name: "get", Command: "fake get " + c.Package + "@missing", ExitCode: 1, Output: "no such version"}}
		}
		st[c.Package] = c.To
	}
	return writeState(dir, st)
}

func (f *fakeStrategy) Validate(_ context.Context, dir string, _ ValidateOptions) (Validation, error) {
	st, err := readState(dir)
	if err != nil {
		return Validation{}, err
	}
	build := Step{Name: "build", Command: "fake build", ExitCode: 0, OK: true, Duration: time.Second}
	test := Step{Name: "test", Command: "fake test", ExitCode: 0, OK: true, Duration: 2 * time.Second}
	var bad []string
	for n, v := range st {
		if f.breaks[n+"@"+v] {
			bad = append(bad, n+"@"+v)
		}
	}
	sort.Strings(bad)
	if f.broken {
		bad = append(bad, "the project")
	}
	if len(bad) > 0 {
		test.OK, test.ExitCode, test.Output = false, 1, "FAIL: "+strings.Join(bad, ", ")+" breaks the tests\n"
	}
	return Validation{Steps: []Step{build, test}}, nil
}

func (f *fakeStrategy) Packages(_ context.Context, dir string) ([]Package, error) {
	st, err := readState(dir)
	if err != nil {
		return nil, err
	}
	var out []Package
	for n, v := range st {
		out = append(out, Package{Ecosystem: "Fake", Name: n, Version: v})
	}
	return out, nil
}

func (f *fakeStrategy) ManagedFiles() []string { return []string{stateFile} }

// fakeChecker says name@version is affected by the listed ids.
type fakeChecker map[string][]string

func (c fakeChecker) Check(_ context.Context, p Package) (Verdict, error) {
	var v Verdict
	for _, id := range c[p.Name+"@"+p.Version] {
		v.Vulns = append(v.Vulns, Vuln{ID: id})
	}
	return v, nil
}

func change(pkg, from, to string, fixes ...string) Change {
	return Change{Ecosystem: "Fake", Package: pkg, From: from, To: to, Kind: KindDirectUpgrade, Fixes: fixes, Advisories: fixes}
}

func TestRun(t *testing.T) {
	checker := fakeChecker{
		"a@1": {"VULN-A"},
		"b@1": {"VULN-B"},
		"c@1": {"VULN-C"},
		"c@3": {"VULN-C"},       // still affected
		"d@2": {"VULN-D"},       // the baseline has d@1: d gains one
		"b@9": {"VULN-B-OTHER"}, // b gains one
	}
	base := map[string]string{"a": "1", "b": "1", "c": "1", "d": "1"}
	tests := []struct {
		name     string
		strategy *fakeStrategy
		changes  []Change
		// wantKept are the kept changes; wantUnfixable "package reason".
		wantKept        []string
		wantUnfixable   []string
		wantValidations int
		wantBaseline    bool
		wantState       map[string]string
	}{
		{
			name:            "all_pass",
			strategy:        &fakeStrategy{},
			changes:         []Change{change("a", "1", "2", "VULN-A"), change("b", "1", "2", "VULN-B")},
			wantKept:        []string{"a 1 => 2", "b 1 => 2"},
			wantValidations: 1,
			wantState:       map[string]string{"a": "2", "b": "2", "c": "1", "d": "1"},
		},
		{
			name:            "one_change_breaks_the_tests",
			strategy:        &fakeStrategy{breaks: map[string]bool{"b@2": true}},
			changes:         []Change{change("a", "1", "2", "VULN-A"), change("b", "1", "2", "VULN-B"), change("c", "1", "2", "VULN-C")},
			wantKept:        []string{"a 1 => 2", "c 1 => 2"},
			wantUnfixable:   []string{"b needs-human"},
			wantValidations: 4,
			wantState:       map[string]string{"a": "2", "b": "1", "c": "2", "d": "1"},
		},
		{
			name:            "first_change_breaks_the_tests",
			strategy:        &fakeStrategy{breaks: map[string]bool{"a@2": true}},
			changes:         []Change{change("a", "1", "2", "VULN-A"), change("b", "1", "2", "VULN-B")},
			wantKept:        []string{"b 1 => 2"},
			wantUnfixable:   []string{"a needs-human"},
			wantValidations: 4, // all, a, the baseline, b
			wantState:       map[string]string{"a": "1", "b": "2", "c": "1", "d": "1"},
		},
		{
			name:            "only_change_breaks_the_tests",
			strategy:        &fakeStrategy{breaks: map[string]bool{"a@2": true}},
			changes:         []Change{change("a", "1", "2", "VULN-A")},
			wantUnfixable:   []string{"a needs-human"},
			wantValidations: 2, // all, the baseline
			wantState:       base,
		},
		{
			name:            "baseline_already_fails",
			strategy:        &fakeStrategy{broken: true},
			changes:         []Change{change("a", "1", "2", "VULN-A"), change("b", "1", "2", "VULN-B")},
			wantKept:        []string{"a 1 => 2", "b 1 => 2"},
			wantValidations: 3, // all, a, the baseline
			wantBaseline:    true,
			wantState:       map[string]string{"a": "2", "b": "2", "c": "1", "d": "1"},
		},
		{
			name:            "rescan_reverts_still_affected_and_new_vulnerabilities",
			strategy:        &fakeStrategy{},
			changes:         []Change{change("a", "1", "2", "VULN-A"), change("c", "1", "3", "VULN-C"), change("d", "1", "2")},
			wantKept:        []string{"a 1 => 2"},
			wantUnfixable:   []string{"c rescan-failed", "d rescan-failed"},
			wantValidations: 1,
			wantState:       map[string]string{"a": "2", "b": "1", "c": "1", "d": "1"},
		},
		{
			name:            "apply_failure_reverted",
			strategy:        &fakeStrategy{},
			changes:         []Change{change("a", "1", "missing", "VULN-A"), change("b", "1", "2", "VULN-B")},
			wantKept:        []string{"b 1 => 2"},
			wantUnfixable:   []string{"a apply-failed"},
			wantValidations: 1,
			wantState:       map[string]string{"a": "1", "b": "2", "c": "1", "d": "1"},
		},
		{
			name:            "single_change_gaining_a_vulnerability",
			strategy:        &fakeStrategy{},
			changes:         []Change{change("b", "1", "9", "VULN-B")},
			wantUnfixable:   []string{"b rescan-failed"},
			wantValidations: 0,
			wantState:       base,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := writeState(dir, base); err != nil {
				t.Fatal(err)
			}
			out, err := Run(context.Background(), tt.strategy, dir, Plan{Changes: tt.changes}, RunOptions{Checker: checker})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			var kept, unfixable []string
			for _, c := range out.Plan.Changes {
				kept = append(kept, c.String())
			}
			for _, u := range out.Plan.Unfixable {
				unfixable = append(unfixable, u.Package+" "+u.Reason)
				if u.Change == nil {
					t.Errorf("unfixable %s has no change", u.Package)
				}
				if u.Reason == ReasonNeedsHuman && (u.Evidence == nil || !strings.Contains(u.Evidence.Output, "breaks the tests")) {
					t.Errorf("unfixable %s: evidence %+v, want the failing output", u.Package, u.Evidence)
				}
			}
			if diff := cmp.Diff(tt.wantKept, kept, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("kept changes mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantUnfixable, unfixable, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("unfixable mismatch (-want +got):\n%s", diff)
			}
			if out.Validations != tt.wantValidations {
				t.Errorf("validations = %d, want %d", out.Validations, tt.wantValidations)
			}
			if out.BaselineFailed != tt.wantBaseline {
				t.Errorf("BaselineFailed = %v, want %v", out.BaselineFailed, tt.wantBaseline)
			}
			if len(kept) > 0 && !tt.wantBaseline && !out.Validation.OK() {
				t.Errorf("validation of the kept changes = %+v, want passing", out.Validation)
			}
			st, err := readState(dir)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantState, st); diff != "" {
				t.Errorf("project state mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunSkipValidation(t *testing.T) {
	dir := t.TempDir()
	if err := writeState(dir, map[string]string{"a": "1"}); err != nil {
		t.Fatal(err)
	}
	s := &fakeStrategy{breaks: map[string]bool{"a@2": true}}
	out, err := Run(context.Background(), s, dir, Plan{Changes: []Change{change("a", "1", "2", "VULN-A")}},
		RunOptions{Checker: fakeChecker{"a@1": {"VULN-A"}}, SkipValidation: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Plan.Changes) != 1 || out.Validations != 0 || len(out.Validation.Steps) != 0 {
		t.Errorf("outcome = %+v, want the change kept unvalidated", out)
	}
}

func TestRunRaised(t *testing.T) {
	dir := t.TempDir()
	if err := writeState(dir, map[string]string{"a": "1", "x": "1"}); err != nil {
		t.Fatal(err)
	}
	// Applying a also raises x, as minimal version selection would.
	s := &raisingStrategy{fakeStrategy{}}
	out, err := Run(context.Background(), s, dir, Plan{Changes: []Change{change("a", "1", "2", "VULN-A")}},
		RunOptions{Checker: fakeChecker{"a@1": {"VULN-A"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Bump{{Package: "x", From: "1", To: "5"}, {Package: "y", To: "1"}}
	if diff := cmp.Diff(want, out.Raised); diff != "" {
		t.Errorf("Raised mismatch (-want +got):\n%s", diff)
	}
}

type raisingStrategy struct{ fakeStrategy }

func (r *raisingStrategy) Apply(ctx context.Context, dir string, p Plan) error {
	if err := r.fakeStrategy.Apply(ctx, dir, p); err != nil {
		return err
	}
	st, err := readState(dir)
	if err != nil {
		return err
	}
	st["x"], st["y"] = "5", "1"
	return writeState(dir, st)
}

func TestRunNeedsChecker(t *testing.T) {
	_, err := Run(context.Background(), &fakeStrategy{}, t.TempDir(), Plan{Changes: []Change{change("a", "1", "2")}}, RunOptions{})
	if err == nil {
		t.Error("Run without a checker succeeded, want an error")
	}
}

func TestCovers(t *testing.T) {
	f := &result.Finding{ID: "GHSA-1", Aliases: []string{"CVE-2026-1"}, Advisories: []string{"GHSA-1", "GO-2026-1"}}
	tests := []struct {
		name string
		v    Vuln
		want bool
	}{
		{"same_id", Vuln{ID: "GHSA-1"}, true},
		{"merged_advisory", Vuln{ID: "GO-2026-1"}, true},
		{"alias_of_vuln", Vuln{ID: "OSV-9", Aliases: []string{"CVE-2026-1"}}, true},
		{"other", Vuln{ID: "GHSA-2", Aliases: []string{"CVE-2026-2"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Covers(f, tt.v); got != tt.want {
				t.Errorf("Covers(%+v) = %v, want %v", tt.v, got, tt.want)
			}
		})
	}
}

func ExampleChange_String() {
	fmt.Println(Change{Package: "example.com/vulnlib", From: "v1.0.0", To: "v1.1.0"})
	// Output: example.com/vulnlib v1.0.0 => v1.1.0
}
