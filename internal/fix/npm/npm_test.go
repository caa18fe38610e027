package npm

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/patchline/patchline/internal/db"
	"github.com/patchline/patchline/internal/fix"
	"github.com/patchline/patchline/internal/fix/npm/registrytest"
	"github.com/patchline/patchline/internal/result"
)

// world is the fixture project (testdata/project: a small real npm
// project with vulnerable versions of qs, semver and ms locked) in a
// temporary directory, npm pointed at a local registry serving the
// recorded answers in testdata/registry, and a database of the real
// advisories in testdata/osv.
type world struct {
	dir      string
	env      []string
	strategy *Strategy
	checker  fix.Checker
}

func newWorld(t *testing.T) *world {
	t.Helper()
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm is not installed")
	}
	ctx := context.Background()
	root := t.TempDir()
	reg := registrytest.New(filepath.Join("testdata", "registry"))
	t.Cleanup(reg.Close)
	w := &world{dir: filepath.Join(root, "project")}
	if err := os.CopyFS(w.dir, os.DirFS(filepath.Join("testdata", "project"))); err != nil {
		t.Fatal(err)
	}
	// Only the test's registry and cache: no user or global npmrc.
	var npmrc [2]string
	for i, n := range []string{"user-npmrc", "global-npmrc"} {
		npmrc[i] = filepath.Join(root, n)
		if err := os.WriteFile(npmrc[i], nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w.env = append(os.Environ(), reg.Env(filepath.Join(root, "npm-cache"))...)
	w.env = append(w.env, "npm_config_userconfig="+npmrc[0], "npm_config_globalconfig="+npmrc[1], "HOME="+root)
	dbDir := filepath.Join(root, "db")
	if _, err := db.Import(ctx, dbDir, []string{filepath.Join("testdata", "osv")}, db.ImportOptions{}); err != nil {
		t.Fatalf("import advisories: %v", err)
	}
	d, err := db.Open(dbDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	w.checker = fix.NewDBChecker(d)
	w.strategy, err = New(Options{Env: w.env})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// findings checks every package of the project's lockfile, as a scan
// would.
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
				Source: "package-lock.json", Ecosystem: p.Ecosystem, Package: p.Name, Version: p.Version,
				ID: x.ID, Aliases: x.Aliases, Advisories: []string{x.ID}, Severity: x.Severity, Fixed: x.Fixed,
			})
		}
	}
	return out
}

func (w *world) plan(t *testing.T) fix.Plan {
	t.Helper()
	before := readTree(t, w.dir)
	p, err := w.strategy.Plan(context.Background(), w.dir, w.findings(t, w.dir), w.strategy.VersionSource(), w.checker)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if diff := cmp.Diff(before, readTree(t, w.dir)); diff != "" {
		t.Errorf("planning changed the project (-before +after):\n%s", diff)
	}
	return p
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p[len(dir):]] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var ignoreProse = cmpopts.IgnoreFields(fix.Change{}, "Reason")

func TestPlan(t *testing.T) {
	w := newWorld(t)
	got := w.plan(t)
	want := fix.Plan{Changes: []fix.Change{
		{Ecosystem: "npm", Package: "debug", From: "2.1.3", To: "2.2.0", Kind: fix.KindParentUpgrade,
			Target: "ms", TargetFrom: "0.7.0", TargetTo: "0.7.1",
			Fixes: []string{"NSWG-ECO-46"}, Advisories: []string{"NSWG-ECO-46"}},
		{Ecosystem: "npm", Package: "qs", From: "0.6.6", To: "1.0.0", Kind: fix.KindDirectUpgrade,
			Fixes: []string{"NSWG-ECO-28", "NSWG-ECO-29"}, Advisories: []string{"NSWG-ECO-28", "NSWG-ECO-29"}},
		{Ecosystem: "npm", Package: "semver", From: "4.3.0", To: "4.3.2", Kind: fix.KindDirectUpgrade,
			Fixes: []string{"NSWG-ECO-31"}, Advisories: []string{"NSWG-ECO-31"}},
	}}
	if diff := cmp.Diff(want, got, ignoreProse, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("plan (-want +got):\n%s\n%+v", diff, got.Unfixable)
	}
	for _, c := range got.Changes {
		t.Logf("%s: %s", c, c.Reason)
	}
	for i, sub := range []string{
		`debug@2.1.3 asks "0.7.0" for ms`,
		"another major version: expect breaking changes",
		"only the lockfile changes",
	} {
		if !strings.Contains(got.Changes[i].Reason, sub) {
			t.Errorf("change %d reason %q lacks %q", i, got.Changes[i].Reason, sub)
		}
	}
}

// TestRun applies the plan in a scratch copy, re-scans and validates with
// the project's own `npm ci` and `npm test`: the qs upgrade (0.6.6 to
// 1.0.0, the release that fixed the advisories by changing how qs parses
// and serialises) breaks the project's test and is reported as needing a
// human; the other two are kept.
func TestRun(t *testing.T) {
	w := newWorld(t)
	p := w.plan(t)
	ctx := context.Background()
	before := readTree(t, w.dir)
	sc, err := fix.NewScratch(ctx, w.dir, fix.ScratchOptions{Env: w.env})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close(ctx)
	out, err := fix.Run(ctx, w.strategy, sc.Dir, p, fix.RunOptions{Checker: w.checker})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if diff := cmp.Diff(before, readTree(t, w.dir)); diff != "" {
		t.Errorf("the user's tree changed (-before +after):\n%s", diff)
	}
	var kept []string
	for _, c := range out.Plan.Changes {
		kept = append(kept, c.String())
	}
	if diff := cmp.Diff([]string{"debug 2.1.3 => 2.2.0", "semver 4.3.0 => 4.3.2"}, kept); diff != "" {
		t.Errorf("kept changes (-want +got):\n%s", diff)
	}
	if len(out.Plan.Unfixable) != 1 || out.Plan.Unfixable[0].Package != "qs" || out.Plan.Unfixable[0].Reason != fix.ReasonNeedsHuman {
		t.Fatalf("unfixable = %+v, want qs needing a human", out.Plan.Unfixable)
	}
	ev := out.Plan.Unfixable[0].Evidence
	if ev == nil || ev.Command != "npm test" || !strings.Contains(ev.Output, "AssertionError") {
		t.Errorf("evidence = %+v, want the failing npm test", ev)
	}
	if !out.Validation.OK() {
		t.Errorf("validation of the kept changes failed: %+v", out.Validation)
	}
	// The scratch copy has the kept changes and nothing else.
	var got []string
	pkgs, err := w.strategy.Packages(ctx, sc.Dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		got = append(got, p.String())
	}
	sort.Strings(got)
	if diff := cmp.Diff([]string{"debug@2.2.0", "ms@0.7.1", "qs@0.6.6", "semver@4.3.2"}, got); diff != "" {
		t.Errorf("packages after the fix (-want +got):\n%s", diff)
	}
	var pj struct{ Dependencies map[string]string }
	b, err := os.ReadFile(filepath.Join(sc.Dir, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &pj); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"debug": "~2.2.0", "qs": "^0.6.6", "semver": "^4.3.0"}, pj.Dependencies); diff != "" {
		t.Errorf("package.json dependencies (-want +got):\n%s", diff)
	}
}

// TestApplySkipsWhatIsGone: a change whose version an earlier change took
// out of the lockfile (a parent that no longer needs it) is nothing to do,
// not a failure.
func TestApplySkipsWhatIsGone(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	gone := fix.Change{Ecosystem: "npm", Package: "ms", From: "0.6.2", To: "0.7.1", Kind: fix.KindTransitiveInPlace}
	semver := fix.Change{Ecosystem: "npm", Package: "semver", From: "4.3.0", To: "4.3.2", Kind: fix.KindDirectUpgrade}
	if err := w.strategy.Apply(ctx, w.dir, fix.Plan{Changes: []fix.Change{gone, semver}}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	pkgs, err := w.strategy.Packages(ctx, w.dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, p.String())
	}
	if diff := cmp.Diff([]string{"debug@2.1.3", "ms@0.7.0", "qs@0.6.6", "semver@4.3.2"}, got); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}
