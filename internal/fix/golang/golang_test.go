package golang

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/patchline/patchline/internal/db"
	"github.com/patchline/patchline/internal/fix"
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/osv"
	"github.com/patchline/patchline/internal/result"
)

// Advisories of the tests. They are made up: TEST- ids name no real
// vulnerability.
var (
	// below101 affects example.com/vulnlib before v1.0.1.
	below101 = advisory("TEST-2026-0001", "example.com/vulnlib", "0", "1.0.1")
	// below110 affects it before v1.1.0: v1.0.1 is still affected.
	below110 = advisory("TEST-2026-0002", "example.com/vulnlib", "0", "1.1.0")
	// below200 affects every v1 version: the fix is in another major.
	below200 = advisory("TEST-2026-0003", "example.com/vulnlib", "0", "2.0.0")
	// below120 affects it before v1.2.0, the version that breaks the
	// consumer's test.
	below120 = advisory("TEST-2026-0004", "example.com/vulnlib", "0", "1.2.0")
	// otherBelow101 affects the transitive example.com/otherlib.
	otherBelow101 = advisory("TEST-2026-0005", "example.com/otherlib", "0", "1.0.1")
	// only110 affects exactly v1.1.0.
	only110 = advisory("TEST-2026-0006", "example.com/vulnlib", "1.1.0", "1.2.0")
	// unfixed affects every version of example.com/vulnlib.
	unfixed = advisory("TEST-2026-0007", "example.com/vulnlib", "0", "")
	// stdlibBelow = a standard library advisory fixed in Go 1.21.5.
	stdlibBelow = advisory("TEST-2026-0008", inventory.Stdlib, "0", "1.21.5")
)

// advisory returns an OSV entry affecting pkg from introduced to fixed
// (none when empty), with a CVSS score.
func advisory(id, pkg, introduced, fixed string) osv.Entry {
	events := []osv.Event{{Introduced: introduced}}
	if fixed != "" {
		events = append(events, osv.Event{Fixed: fixed})
	}
	return osv.Entry{
		SchemaVersion: "1.6.0",
		ID:            id,
		Modified:      time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Summary:       "Made-up vulnerability " + id,
		Severity:      []osv.Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}},
		Affected: []osv.Affected{{
			Package: osv.Package{Ecosystem: inventory.Go, Name: pkg},
			Ranges:  []osv.Range{{Type: osv.RangeSemVer, Events: events}},
		}},
	}
}

// world is one test's module proxy, project, database and strategy.
type world struct {
	dir      string // the project
	scratch  string // the scratch project of the last run
	env      []string
	strategy *Strategy
	checker  fix.Checker
}

// newWorld builds the proxy (example.com/vulnlib retracting retract),
// copies testdata/consumer into a temporary project, tidies it against the
// proxy and imports advisories into a database. It skips the test when the
// go command is not installed.
func newWorld(t *testing.T, retract []string, advisories ...osv.Entry) *world {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not installed")
	}
	ctx := context.Background()
	root := t.TempDir()
	proxy := filepath.Join(root, "proxy")
	writeProxy(t, proxy, fakeModules(retract...))
	env := append(os.Environ(),
		"GOPROXY="+fileURL(proxy),
		"GOSUMDB=off",
		"GONOSUMDB=example.com",
		"GOPRIVATE=",
		"GONOPROXY=",
		"GOFLAGS=-mod=mod -modcacherw",
		"GOTOOLCHAIN=local",
		"GOMODCACHE="+filepath.Join(root, "modcache"),
		"GOPATH="+filepath.Join(root, "gopath"),
		"GOENV=off",
		"GOWORK=off",
	)
	w := &world{dir: filepath.Join(root, "project"), env: env}
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"go.mod", "consumer.go", "consumer_test.go"} {
		data, err := os.ReadFile(filepath.Join("testdata", "consumer", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(w.dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w.goCmd(t, "mod", "tidy")

	advDir := filepath.Join(root, "advisories")
	if err := os.MkdirAll(advDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, a := range advisories {
		data, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(advDir, a.ID+".json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dbDir := filepath.Join(root, "db")
	if len(advisories) > 0 {
		if _, err := db.Import(ctx, dbDir, []string{advDir}, db.ImportOptions{}); err != nil {
			t.Fatalf("import advisories: %v", err)
		}
	} else {
		// An empty database: import an advisory of another ecosystem.
		other := advisory("TEST-2026-0099", "left-pad", "0", "")
		other.Affected[0].Package.Ecosystem = inventory.Npm
		data, err := json.Marshal(other)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(advDir, "other.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Import(ctx, dbDir, []string{advDir}, db.ImportOptions{}); err != nil {
			t.Fatalf("import advisories: %v", err)
		}
	}
	d, err := db.Open(dbDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	w.checker = fix.NewDBChecker(d)
	w.strategy, err = New(ctx, Options{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) goCmd(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = w.dir
	cmd.Env = w.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// findings scans the project at dir as the scanner would: every package of
// its build list against the database.
func (w *world) findings(t *testing.T, dir string) []result.Finding {
	t.Helper()
	ctx := context.Background()
	pkgs, err := w.strategy.Packages(ctx, dir)
	if err != nil {
		t.Fatalf("Packages: %v", err)
	}
	var out []result.Finding
	for _, p := range pkgs {
		v, err := w.checker.Check(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range v.Vulns {
			out = append(out, result.Finding{
				Source: "go.mod", Ecosystem: p.Ecosystem, Package: p.Name, Version: p.Version,
				ID: x.ID, Aliases: x.Aliases, Advisories: []string{x.ID}, Severity: x.Severity,
				Summary: "Made-up vulnerability " + x.ID, Fixed: x.Fixed,
			})
		}
	}
	return out
}

// plan plans the fix of the project's findings and checks that planning
// left the project as it was.
func (w *world) plan(t *testing.T) fix.Plan {
	t.Helper()
	ctx := context.Background()
	findings := w.findings(t, w.dir)
	before := snapshotFiles(t, w.dir)
	p, err := w.strategy.Plan(ctx, w.dir, findings, w.strategy.VersionSource(w.dir), w.checker)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if diff := cmp.Diff(before, snapshotFiles(t, w.dir)); diff != "" {
		t.Errorf("planning changed the project (-before +after):\n%s", diff)
	}
	return p
}

// ignoreProse leaves the free text out of comparisons; tests check the
// parts of it that matter with strings.Contains.
var ignoreProse = cmpopts.IgnoreFields(fix.Change{}, "Reason")

var ignoreDetail = cmpopts.IgnoreFields(fix.Unfixable{}, "Detail")

func TestPlan(t *testing.T) {
	tests := []struct {
		name       string
		retract    []string
		advisories []osv.Entry
		want       fix.Plan
		// reasons holds, per change or unfixable package, text its
		// reason or detail must contain.
		reasons map[string][]string
	}{
		{
			name:       "smallest_fixing_version_in_same_major",
			advisories: []osv.Entry{below101, below110},
			want: fix.Plan{Changes: []fix.Change{{
				Ecosystem: "Go", Package: "example.com/vulnlib", From: "v1.0.0", To: "v1.1.0", Kind: fix.KindDirectUpgrade,
				Fixes: []string{"TEST-2026-0001", "TEST-2026-0002"}, Advisories: []string{"TEST-2026-0001", "TEST-2026-0002"},
			}}},
			reasons: map[string][]string{"example.com/vulnlib": {"smallest v1 version", "v1.0.1 (still affected by TEST-2026-0002)"}},
		},
		{
			name:       "retracted_version_skipped",
			retract:    []string{"v1.0.1"},
			advisories: []osv.Entry{below101},
			want: fix.Plan{Changes: []fix.Change{{
				Ecosystem: "Go", Package: "example.com/vulnlib", From: "v1.0.0", To: "v1.1.0", Kind: fix.KindDirectUpgrade,
				Fixes: []string{"TEST-2026-0001"}, Advisories: []string{"TEST-2026-0001"},
			}}},
			reasons: map[string][]string{"example.com/vulnlib": {"v1.0.1 (retracted: published by mistake)"}},
		},
		{
			name:       "not_retracted_smallest_fix_taken",
			advisories: []osv.Entry{below101},
			want: fix.Plan{Changes: []fix.Change{{
				Ecosystem: "Go", Package: "example.com/vulnlib", From: "v1.0.0", To: "v1.0.1", Kind: fix.KindDirectUpgrade,
				Fixes: []string{"TEST-2026-0001"}, Advisories: []string{"TEST-2026-0001"},
			}}},
		},
		{
			name:       "fix_only_in_v2_path_is_unfixable_in_major",
			advisories: []osv.Entry{below200},
			want: fix.Plan{Unfixable: []fix.Unfixable{{
				Ecosystem: "Go", Package: "example.com/vulnlib", Version: "v1.0.0", IDs: []string{"TEST-2026-0003"},
				Reason: fix.ReasonOtherMajor, Fixed: []string{"v2.0.0"},
			}}},
			reasons: map[string][]string{"example.com/vulnlib": {"example.com/vulnlib/v2", "v1.2.0 (still affected by TEST-2026-0003)"}},
		},
		{
			name:       "no_fixed_version",
			advisories: []osv.Entry{unfixed},
			want: fix.Plan{Unfixable: []fix.Unfixable{{
				Ecosystem: "Go", Package: "example.com/vulnlib", Version: "v1.0.0", IDs: []string{"TEST-2026-0007"},
				Reason: fix.ReasonNoFix,
			}}},
		},
		{
			name:       "transitive_module_required_in_place",
			advisories: []osv.Entry{otherBelow101},
			want: fix.Plan{Changes: []fix.Change{{
				Ecosystem: "Go", Package: "example.com/otherlib", From: "v1.0.0", To: "v1.0.1", Kind: fix.KindTransitiveInPlace,
				Fixes: []string{"TEST-2026-0005"}, Advisories: []string{"TEST-2026-0005"},
			}}},
			reasons: map[string][]string{"example.com/otherlib": {"minimal version selection", "may raise other modules"}},
		},
		{
			name:       "stdlib_recommends_toolchain",
			advisories: []osv.Entry{stdlibBelow},
			want: fix.Plan{Unfixable: []fix.Unfixable{{
				Ecosystem: "Go", Package: "stdlib", Version: "1.21.0", IDs: []string{"TEST-2026-0008"},
				Reason: fix.ReasonToolchain, Recommended: "go1.21.5", Fixed: []string{"1.21.5"},
			}}},
			reasons: map[string][]string{"stdlib": {"toolchain go1.21.5"}},
		},
		{
			name: "nothing_vulnerable",
			want: fix.Plan{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, tt.retract, tt.advisories...)
			got := w.plan(t)
			if diff := cmp.Diff(tt.want, got, ignoreProse, ignoreDetail, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Plan mismatch (-want +got):\n%s", diff)
			}
			for pkg, wants := range tt.reasons {
				text := ""
				for _, c := range got.Changes {
					if c.Package == pkg {
						text += c.Reason
					}
				}
				for _, u := range got.Unfixable {
					if u.Package == pkg {
						text += u.Detail
					}
				}
				for _, want := range wants {
					if !strings.Contains(text, want) {
						t.Errorf("reason for %s = %q, want it to contain %q", pkg, text, want)
					}
				}
			}
			for _, c := range got.Changes {
				if strings.HasSuffix(c.Package, "/v2") || strings.HasPrefix(c.To, "v2.") {
					t.Errorf("the plan crosses to the v2 module path: %s", c.String())
				}
			}
		})
	}
}

func TestPlanHandMadeFindings(t *testing.T) {
	w := newWorld(t, nil, below101)
	findings := []result.Finding{
		// Another ecosystem: ignored.
		{Ecosystem: inventory.Npm, Package: "left-pad", Version: "1.0.0", ID: "TEST-2026-0099"},
		// Not in the build list.
		{Ecosystem: inventory.Go, Package: "example.com/absent", Version: "v1.0.0", ID: "TEST-2026-0098"},
		// An id the database does not hold for the selected version.
		{Ecosystem: inventory.Go, Package: "example.com/otherlib", Version: "v0.9.0", ID: "TEST-2026-0097"},
	}
	got, err := w.strategy.Plan(context.Background(), w.dir, findings, w.strategy.VersionSource(w.dir), w.checker)
	if err != nil {
		t.Fatal(err)
	}
	want := fix.Plan{
		Unfixable: []fix.Unfixable{{
			Ecosystem: "Go", Package: "example.com/absent", Version: "v1.0.0", IDs: []string{"TEST-2026-0098"}, Reason: fix.ReasonNotInGraph,
		}},
		Notes: []string{"example.com/otherlib: the build list selects v1.0.0, which TEST-2026-0097 no longer affect"},
	}
	if diff := cmp.Diff(want, got, ignoreDetail, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Plan mismatch (-want +got):\n%s", diff)
	}
}

func TestPlanReplaceDirectives(t *testing.T) {
	tests := []struct {
		name    string
		replace string
		want    fix.Plan
		// wantAfter is the replace directive after Run, for an override.
		wantAfter string
	}{
		{
			name:    "replaced_by_own_version_is_rewritten",
			replace: "example.com/vulnlib=example.com/vulnlib@v1.0.0",
			want: fix.Plan{Changes: []fix.Change{{
				Ecosystem: "Go", Package: "example.com/vulnlib", From: "v1.0.0", To: "v1.0.1", Kind: fix.KindOverride,
				Fixes: []string{"TEST-2026-0001"}, Advisories: []string{"TEST-2026-0001"},
			}}},
			wantAfter: "example.com/vulnlib@v1.0.1",
		},
		{
			name:    "replaced_by_directory_is_pinned",
			replace: "example.com/vulnlib=./vulnlib",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, nil, below101)
			if strings.HasSuffix(tt.replace, "./vulnlib") {
				writeModule(t, filepath.Join(w.dir, "vulnlib"), "example.com/vulnlib", greetOK)
			}
			w.goCmd(t, "mod", "edit", "-replace="+tt.replace)
			w.goCmd(t, "mod", "tidy")
			findings := []result.Finding{{Ecosystem: inventory.Go, Package: "example.com/vulnlib", Version: "v1.0.0", ID: "TEST-2026-0001"}}
			got, err := w.strategy.Plan(context.Background(), w.dir, findings, w.strategy.VersionSource(w.dir), w.checker)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantAfter == "" {
				if len(got.Changes) != 0 || len(got.Unfixable) != 1 || got.Unfixable[0].Reason != fix.ReasonPinned {
					t.Errorf("Plan = %+v, want the module reported as pinned", got)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got, ignoreProse, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("Plan mismatch (-want +got):\n%s", diff)
			}
			out := run(t, w, got, fix.RunOptions{})
			if len(out.Plan.Changes) != 1 || !out.Validation.OK() {
				t.Fatalf("outcome = %+v, want the override kept and validated", out)
			}
			f, err := readGoMod(w.scratch)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Replace) != 1 || f.Replace[0].New.String() != tt.wantAfter {
				t.Errorf("replace directives after Run = %+v, want => %s", f.Replace, tt.wantAfter)
			}
		})
	}
}

// writeModule writes a one-file module at dir.
func writeModule(t *testing.T, dir, path, src string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+path+"\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lib.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPlanOffline(t *testing.T) {
	w := newWorld(t, nil, below101, below110)
	ctx := context.Background()
	offline, err := New(ctx, Options{Env: w.env, Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	findings := w.findings(t, w.dir)
	// Only v1.0.0 is in the module cache: no fix can be found offline.
	got, err := offline.Plan(ctx, w.dir, findings, offline.VersionSource(w.dir), w.checker)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Changes) != 0 || len(got.Unfixable) != 1 || got.Unfixable[0].Reason != fix.ReasonNoCandidate {
		t.Errorf("offline Plan with an empty cache = %+v, want no candidate", got)
	}
	// Once v1.1.0 is downloaded, the offline plan finds it.
	w.goCmd(t, "mod", "download", "example.com/vulnlib@v1.1.0")
	got, err = offline.Plan(ctx, w.dir, findings, offline.VersionSource(w.dir), w.checker)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Changes) != 1 || got.Changes[0].To != "v1.1.0" {
		t.Errorf("offline Plan with v1.1.0 cached = %+v, want v1.1.0", got)
	}
}

func TestPlanUpgradeToolchain(t *testing.T) {
	w := newWorld(t, nil, stdlibBelow)
	s, err := New(context.Background(), Options{Env: w.env, UpgradeToolchain: true})
	if err != nil {
		t.Fatal(err)
	}
	w.strategy = s
	got := w.plan(t)
	want := fix.Plan{Changes: []fix.Change{{
		Ecosystem: "Go", Package: "stdlib", From: "1.21.0", To: "1.21.5", Kind: fix.KindToolchain,
		Fixes: []string{"TEST-2026-0008"}, Advisories: []string{"TEST-2026-0008"},
	}}}
	if diff := cmp.Diff(want, got, ignoreProse, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("Plan mismatch (-want +got):\n%s", diff)
	}
	out := run(t, w, got, fix.RunOptions{SkipValidation: true})
	if len(out.Plan.Changes) != 1 {
		t.Fatalf("changes kept = %v, want the toolchain change; unfixable: %+v", out.Plan.Changes, out.Plan.Unfixable)
	}
}

// run runs the plan in a scratch copy of w's project and checks that the
// user's tree was not touched. It returns the outcome; the scratch project
// is in w.scratch until the test ends.
func run(t *testing.T, w *world, p fix.Plan, opts fix.RunOptions) fix.Outcome {
	t.Helper()
	ctx := context.Background()
	before := snapshotFiles(t, w.dir)
	sc, err := fix.NewScratch(ctx, w.dir, fix.ScratchOptions{Env: w.env})
	if err != nil {
		t.Fatalf("NewScratch: %v", err)
	}
	t.Cleanup(func() {
		if err := sc.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	opts.Checker = w.checker
	start := time.Now()
	out, err := fix.Run(ctx, w.strategy, sc.Dir, p, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	t.Logf("Run took %s (%d validation runs)", time.Since(start).Round(time.Millisecond), out.Validations)
	if diff := cmp.Diff(before, snapshotFiles(t, w.dir)); diff != "" {
		t.Errorf("the user's tree changed (-before +after):\n%s", diff)
	}
	w.scratch = sc.Dir
	return out
}

func snapshotFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(data)
	}
	return out
}

func requires(t *testing.T, dir string) map[string]string {
	t.Helper()
	f, err := readGoMod(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range f.Require {
		out[r.Mod.Path] = r.Mod.Version
	}
	return out
}

func TestRunFixesAndValidates(t *testing.T) {
	w := newWorld(t, nil, below101, below110)
	p := w.plan(t)
	out := run(t, w, p, fix.RunOptions{})
	wantChanges := []fix.Change{{
		Ecosystem: "Go", Package: "example.com/vulnlib", From: "v1.0.0", To: "v1.1.0", Kind: fix.KindDirectUpgrade,
		Fixes: []string{"TEST-2026-0001", "TEST-2026-0002"}, Advisories: []string{"TEST-2026-0001", "TEST-2026-0002"},
	}}
	if diff := cmp.Diff(wantChanges, out.Plan.Changes, ignoreProse); diff != "" {
		t.Errorf("kept changes mismatch (-want +got):\n%s", diff)
	}
	if len(out.Plan.Unfixable) != 0 {
		t.Errorf("unfixable = %+v, want none", out.Plan.Unfixable)
	}
	var steps []string
	for _, s := range out.Validation.Steps {
		steps = append(steps, s.Name+" "+s.Command)
		if !s.OK || s.Duration <= 0 {
			t.Errorf("step %q: ok=%v duration=%s, output:\n%s", s.Name, s.OK, s.Duration, s.Output)
		}
	}
	if diff := cmp.Diff([]string{"build go build ./...", "test go test ./..."}, steps); diff != "" {
		t.Errorf("validation steps mismatch (-want +got):\n%s", diff)
	}
	if got := requires(t, w.scratch)["example.com/vulnlib"]; got != "v1.1.0" {
		t.Errorf("scratch go.mod requires example.com/vulnlib %s, want v1.1.0", got)
	}
	if got := w.findings(t, w.scratch); len(got) != 0 {
		t.Errorf("re-scan of the scratch copy found %+v, want nothing", got)
	}
	var md bytes.Buffer
	if err := fix.WriteMarkdown(&md, fix.Description{Outcome: out, Findings: w.findings(t, w.dir)}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"TEST-2026-0001", "TEST-2026-0002", "`go test ./...`", "passed", "None: every finding"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("PR description lacks %q:\n%s", want, md.String())
		}
	}
}

func TestRunBreakingFixNeedsHuman(t *testing.T) {
	w := newWorld(t, nil, below120, otherBelow101)
	p := w.plan(t)
	var planned []string
	for _, c := range p.Changes {
		planned = append(planned, c.String())
	}
	if diff := cmp.Diff([]string{"example.com/otherlib v1.0.0 => v1.0.1", "example.com/vulnlib v1.0.0 => v1.2.0"}, planned); diff != "" {
		t.Fatalf("planned changes mismatch (-want +got):\n%s", diff)
	}
	out := run(t, w, p, fix.RunOptions{})
	var kept []string
	for _, c := range out.Plan.Changes {
		kept = append(kept, c.String())
	}
	if diff := cmp.Diff([]string{"example.com/otherlib v1.0.0 => v1.0.1"}, kept); diff != "" {
		t.Errorf("kept changes mismatch (-want +got):\n%s", diff)
	}
	if len(out.Plan.Unfixable) != 1 {
		t.Fatalf("unfixable = %+v, want the v1.2.0 change", out.Plan.Unfixable)
	}
	u := out.Plan.Unfixable[0]
	if u.Reason != fix.ReasonNeedsHuman || u.Package != "example.com/vulnlib" || u.Change == nil || u.Change.To != "v1.2.0" {
		t.Errorf("unfixable = %+v, want example.com/vulnlib needing a human for v1.2.0", u)
	}
	if u.Evidence == nil || u.Evidence.Name != "test" || u.Evidence.ExitCode == 0 ||
		!strings.Contains(u.Evidence.Output, "TestMessage") || !strings.Contains(u.Evidence.Output, "Hi gopher") {
		t.Errorf("evidence = %+v, want the failing go test output", u.Evidence)
	}
	if !out.Validation.OK() {
		t.Errorf("validation of the kept change failed: %+v", out.Validation)
	}
	if out.Validations != 3 {
		t.Errorf("validation runs = %d, want 3 (all, then each change)", out.Validations)
	}
	req := requires(t, w.scratch)
	if req["example.com/vulnlib"] != "v1.0.0" || req["example.com/otherlib"] != "v1.0.1" {
		t.Errorf("scratch go.mod requires %v, want vulnlib v1.0.0 and otherlib v1.0.1", req)
	}
	var md bytes.Buffer
	if err := fix.WriteMarkdown(&md, fix.Description{Outcome: out, Findings: w.findings(t, w.dir)}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### Needs a human", "Hi gopher", "TEST-2026-0004", "needs-human"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("PR description lacks %q:\n%s", want, md.String())
		}
	}
}

func TestRunRevertsChangeThatAddsVulnerabilities(t *testing.T) {
	w := newWorld(t, nil, below101, only110)
	// A hand-made plan: v1.1.0 fixes TEST-2026-0001 but has TEST-2026-0006.
	p := fix.Plan{Changes: []fix.Change{{
		Ecosystem: "Go", Package: "example.com/vulnlib", From: "v1.0.0", To: "v1.1.0", Kind: fix.KindDirectUpgrade,
		Fixes: []string{"TEST-2026-0001"}, Advisories: []string{"TEST-2026-0001"},
	}}}
	out := run(t, w, p, fix.RunOptions{})
	if len(out.Plan.Changes) != 0 {
		t.Errorf("kept %v, want nothing", out.Plan.Changes)
	}
	if len(out.Plan.Unfixable) != 1 || out.Plan.Unfixable[0].Reason != fix.ReasonRescan ||
		!strings.Contains(out.Plan.Unfixable[0].Detail, "gains TEST-2026-0006") {
		t.Errorf("unfixable = %+v, want a re-scan failure naming TEST-2026-0006", out.Plan.Unfixable)
	}
	if out.Validations != 0 {
		t.Errorf("validation runs = %d, want 0", out.Validations)
	}
	if got := requires(t, w.scratch)["example.com/vulnlib"]; got != "v1.0.0" {
		t.Errorf("scratch go.mod requires example.com/vulnlib %s, want v1.0.0 (reverted)", got)
	}
}

func TestRunReportsVersionThatCannotBeApplied(t *testing.T) {
	w := newWorld(t, nil, below101)
	p := fix.Plan{Changes: []fix.Change{{
		Ecosystem: "Go", Package: "example.com/vulnlib", From: "v1.0.0", To: "v1.0.9", Kind: fix.KindDirectUpgrade,
		Fixes: []string{"TEST-2026-0001"}, Advisories: []string{"TEST-2026-0001"},
	}}}
	out := run(t, w, p, fix.RunOptions{})
	if len(out.Plan.Unfixable) != 1 || out.Plan.Unfixable[0].Reason != fix.ReasonApplyFailed ||
		out.Plan.Unfixable[0].Evidence == nil || !strings.Contains(out.Plan.Unfixable[0].Evidence.Output, "v1.0.9") {
		t.Errorf("unfixable = %+v, want an apply failure with the go get output", out.Plan.Unfixable)
	}
}

func TestValidateCommandAndTimeout(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	v, err := w.strategy.Validate(ctx, w.dir, fix.ValidateOptions{Command: "echo checked && exit 3"})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Steps) != 2 || !v.Steps[0].OK || v.Steps[1].ExitCode != 3 || !strings.Contains(v.Steps[1].Output, "checked") {
		t.Errorf("steps = %+v, want build ok, then the command failing with 3", v.Steps)
	}
	v, err = w.strategy.Validate(ctx, w.dir, fix.ValidateOptions{Command: "sleep 30", Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if last := v.Steps[len(v.Steps)-1]; !last.TimedOut || last.OK || last.Duration > 20*time.Second {
		t.Errorf("last step = %+v, want it killed at its time limit", last)
	}
}

func TestVersionSource(t *testing.T) {
	w := newWorld(t, []string{"v1.0.1"})
	ctx := context.Background()
	vs := w.strategy.VersionSource(w.dir)
	got, err := vs.Versions(ctx, inventory.Go, "example.com/vulnlib")
	if err != nil {
		t.Fatal(err)
	}
	want := []fix.Release{
		{Version: "v1.0.0"}, {Version: "v1.0.1", Retracted: "retracted by the module's author"},
		{Version: "v1.1.0"}, {Version: "v1.2.0"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Versions mismatch (-want +got):\n%s", diff)
	}
	r, ok, err := vs.Release(ctx, inventory.Go, "example.com/vulnlib", "v1.0.1")
	if err != nil || !ok || r.Retracted != "published by mistake" {
		t.Errorf("Release(v1.0.1) = %+v, %v, %v; want retracted with its rationale", r, ok, err)
	}
	if _, ok, err := vs.Release(ctx, inventory.Go, "example.com/vulnlib", "v1.0.9"); err != nil || ok {
		t.Errorf("Release(v1.0.9) = %v, %v; want not found", ok, err)
	}
}
