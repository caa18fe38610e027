package cargo

import (
	"context"
	"errors"
	"io/fs"
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
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/result"
)

// world is one test's local registry, project, database and strategy.
type world struct {
	root     string
	dir      string // the project
	env      []string
	strategy *Strategy
	checker  fix.Checker
}

// cargoCommand returns the cargo command, or skips the test.
func cargoCommand(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("cargo"); err == nil {
		return p
	}
	if h, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(h, ".cargo", "bin", "cargo")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("cargo is not installed")
	return ""
}

// newWorld publishes before to a local registry, writes the project files
// (and a .cargo/config.toml replacing the default registry with the local
// one), locks the project with cargo --offline, then publishes after: the
// fixed versions come out after the project was locked.
func newWorld(t *testing.T, files map[string]string, before, after []crate) *world {
	t.Helper()
	cargo := cargoCommand(t)
	root := t.TempDir()
	reg := filepath.Join(root, "registry")
	for _, c := range before {
		publish(t, reg, c)
	}
	w := &world{root: root, dir: filepath.Join(root, "project")}
	files[".cargo/config.toml"] = sourceReplacement(reg)
	writeFiles(t, w.dir, files)
	w.env = append(os.Environ(),
		"CARGO_HOME="+filepath.Join(root, "cargo-home"),
		"CARGO_TARGET_DIR="+filepath.Join(root, "target"),
		"CARGO_TERM_COLOR=never",
		"CARGO_INCREMENTAL=0",
		EnvIndex+"=",
	)
	cmd := exec.Command(cargo, "generate-lockfile", "--offline")
	cmd.Dir, cmd.Env = w.dir, w.env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cargo generate-lockfile: %v\n%s", err, out)
	}
	for _, c := range after {
		publish(t, reg, c)
	}

	ctx := context.Background()
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
	w.strategy = New(Options{Cargo: cargo, IndexURL: fileURL(filepath.Join(reg, "index")), Offline: true, Env: w.env})
	return w
}

// findings scans the project at dir as the scanner would.
func (w *world) findings(t *testing.T, dir string) []result.Finding {
	t.Helper()
	return scan(t, w.strategy, w.checker, dir)
}

func scan(t *testing.T, s *Strategy, checker fix.Checker, dir string) []result.Finding {
	t.Helper()
	ctx := context.Background()
	pkgs, err := s.Packages(ctx, dir)
	if err != nil {
		t.Fatalf("Packages: %v", err)
	}
	var out []result.Finding
	for _, p := range pkgs {
		v, err := checker.Check(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range v.Vulns {
			out = append(out, result.Finding{
				Source: "Cargo.lock", Ecosystem: p.Ecosystem, Package: p.Name, Version: p.Version,
				ID: x.ID, Aliases: x.Aliases, Advisories: []string{x.ID}, Severity: x.Severity, Fixed: x.Fixed,
			})
		}
	}
	return out
}

// plan plans the fix of the project's findings and checks that planning
// left the project as it was.
func (w *world) plan(t *testing.T) fix.Plan {
	t.Helper()
	before := snapshotFiles(t, w.dir)
	p, err := w.strategy.Plan(context.Background(), w.dir, w.findings(t, w.dir), w.strategy.VersionSource(), w.checker)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if diff := cmp.Diff(before, snapshotFiles(t, w.dir)); diff != "" {
		t.Errorf("planning changed the project (-before +after):\n%s", diff)
	}
	return p
}

// scratch copies the project to a new directory.
func (w *world) scratch(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "scratch")
	files := snapshotFiles(t, w.dir)
	m := map[string]string{}
	for k, v := range files {
		m[k] = v
	}
	writeFiles(t, dst, m)
	return dst
}

// snapshotFiles returns the project's files by slash-separated path.
func snapshotFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// locked returns "name@version" for the crates of the project at dir.
func (w *world) locked(t *testing.T, dir string) []string {
	t.Helper()
	pkgs, err := w.strategy.Packages(context.Background(), dir)
	if err != nil {
		t.Fatalf("Packages: %v", err)
	}
	var out []string
	for _, p := range pkgs {
		out = append(out, p.String())
	}
	sort.Strings(out)
	return out
}

var ignoreProse = cmpopts.IgnoreFields(fix.Change{}, "Reason")

func reasonOf(p fix.Plan, pkg, from string) string {
	for _, c := range p.Changes {
		if c.Package == pkg && c.From == from {
			return c.Reason
		}
	}
	for _, u := range p.Unfixable {
		if u.Package == pkg && u.Version == from {
			return u.Detail
		}
	}
	return ""
}

func wantContains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s = %q, want it to contain %q", what, text, w)
		}
	}
}

const consumerLib = `pub fn versions() -> (&'static str, &'static str) {
    (smallvec::version(), old::version())
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions() {
        assert!(!super::versions().0.is_empty());
    }
}
`

// TestDirectUpgradesOfCoexistingVersions: Cargo.lock holds smallvec 0.6.9
// and 1.6.0, each a direct dependency; each moves to its own fix.
func TestDirectUpgradesOfCoexistingVersions(t *testing.T) {
	w := newWorld(t, map[string]string{
		"Cargo.toml": `[package]
name = "consumer"
version = "0.1.0"
edition = "2021"

[dependencies]
smallvec = "1.6"
old = { package = "smallvec", version = "0.6.9" }
`,
		"src/lib.rs": consumerLib,
	}, []crate{
		{name: "smallvec", version: "0.6.9"},
		{name: "smallvec", version: "1.6.0"},
	}, []crate{
		{name: "smallvec", version: "0.6.10"},
		{name: "smallvec", version: "0.6.13", yanked: true},
		{name: "smallvec", version: "0.6.14"},
		{name: "smallvec", version: "1.6.1"},
	})
	got := w.plan(t)
	want := fix.Plan{Changes: []fix.Change{
		{
			Ecosystem: "crates.io", Package: "smallvec", From: "0.6.9", To: "0.6.14", Kind: fix.KindDirectUpgrade,
			Fixes:      []string{"RUSTSEC-2018-0018", "RUSTSEC-2019-0009", "RUSTSEC-2019-0012", "RUSTSEC-2021-0003"},
			Advisories: []string{"RUSTSEC-2018-0018", "RUSTSEC-2019-0009", "RUSTSEC-2019-0012", "RUSTSEC-2021-0003"},
		},
		{
			Ecosystem: "crates.io", Package: "smallvec", From: "1.6.0", To: "1.6.1", Kind: fix.KindDirectUpgrade,
			Fixes: []string{"RUSTSEC-2021-0003"}, Advisories: []string{"RUSTSEC-2021-0003"},
		},
	}}
	if diff := cmp.Diff(want, got, ignoreProse, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("Plan mismatch (-want +got):\n%s", diff)
	}
	wantContains(t, "reason", reasonOf(got, "smallvec", "0.6.9"), "0.6.13 (yanked)", "0.6.10 (still affected by")
	if diff := cmp.Diff([]string{"Cargo.lock", "Cargo.toml"}, w.strategy.ManagedFiles()); diff != "" {
		t.Errorf("ManagedFiles mismatch (-want +got):\n%s", diff)
	}

	ctx := context.Background()
	dir := w.scratch(t)
	if err := w.strategy.Apply(ctx, dir, got); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if diff := cmp.Diff([]string{"smallvec@0.6.14", "smallvec@1.6.1"}, w.locked(t, dir)); diff != "" {
		t.Errorf("locked crates after Apply (-want +got):\n%s", diff)
	}
	if f := w.findings(t, dir); len(f) != 0 {
		t.Errorf("findings left after Apply: %+v", f)
	}
	v, err := w.strategy.Validate(ctx, dir, fix.ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	for _, s := range v.Steps {
		cmds = append(cmds, s.Command)
	}
	if diff := cmp.Diff([]string{"cargo build --locked --all-targets --offline", "cargo test --locked --offline"}, cmds); diff != "" {
		t.Errorf("validation commands (-want +got):\n%s", diff)
	}
	if !v.OK() {
		t.Errorf("validation failed: %+v", v.Failed())
	}

	t.Run("custom_command_fails", func(t *testing.T) {
		v, err := w.strategy.Validate(ctx, dir, fix.ValidateOptions{Command: "echo broken; exit 3"})
		if err != nil {
			t.Fatal(err)
		}
		if v.OK() || len(v.Steps) != 2 || v.Steps[1].ExitCode != 3 || v.Steps[1].Output != "broken\n" {
			t.Errorf("validation = %+v, want a failing validate step", v)
		}
	})
}

// TestRewritesExcludingRequirements: a member pins smallvec =1.6.0 and
// requires time 0.1 (a caret requirement the fix 0.2.23 crosses); cargo
// refuses both updates until the requirements are rewritten.
func TestRewritesExcludingRequirements(t *testing.T) {
	appManifest := `[package]
name = "app"
version = "0.1.0"
edition = "2021"

[dependencies]
# Pinned: reviewed by hand.
smallvec = "=1.6.0"   # keep pinned

[dev-dependencies]
time = { version = "0.1", default-features = false }
`
	w := newWorld(t, map[string]string{
		"Cargo.toml":     "[workspace]\nmembers = [\"app\"]\nresolver = \"2\"\n",
		"app/Cargo.toml": appManifest,
		"app/src/lib.rs": "pub fn v() -> &'static str {\n    smallvec::version()\n}\n\n#[test]\nfn t() {\n    assert!(!time::version().is_empty());\n}\n",
	}, []crate{
		{name: "smallvec", version: "1.6.0"},
		{name: "time", version: "0.1.43"},
	}, []crate{
		{name: "smallvec", version: "1.6.1"},
		{name: "time", version: "0.2.23"},
	})
	got := w.plan(t)
	want := fix.Plan{Changes: []fix.Change{
		{
			Ecosystem: "crates.io", Package: "smallvec", From: "1.6.0", To: "1.6.1", Kind: fix.KindDirectUpgrade,
			Fixes: []string{"RUSTSEC-2021-0003"}, Advisories: []string{"RUSTSEC-2021-0003"},
		},
		{
			Ecosystem: "crates.io", Package: "time", From: "0.1.43", To: "0.2.23", Kind: fix.KindDirectUpgrade,
			Fixes: []string{"RUSTSEC-2020-0071"}, Advisories: []string{"RUSTSEC-2020-0071"},
		},
	}}
	if diff := cmp.Diff(want, got, ignoreProse, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("Plan mismatch (-want +got):\n%s", diff)
	}
	wantContains(t, "smallvec reason", reasonOf(got, "smallvec", "1.6.0"), `"=1.6.0"`, "app/Cargo.toml")
	wantContains(t, "time reason", reasonOf(got, "time", "0.1.43"), "another major version", "0.2.0 (named as fixed, but not published)")
	if diff := cmp.Diff([]string{"Cargo.lock", "Cargo.toml", "app/Cargo.toml"}, w.strategy.ManagedFiles()); diff != "" {
		t.Errorf("ManagedFiles mismatch (-want +got):\n%s", diff)
	}

	ctx := context.Background()
	dir := w.scratch(t)
	out, err := fix.Run(ctx, w.strategy, dir, got, fix.RunOptions{Checker: w.checker})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(out.Plan.Unfixable) != 0 || len(out.Plan.Changes) != 2 {
		t.Errorf("Run kept %v, unfixable %+v; want both changes kept", out.Plan.Changes, out.Plan.Unfixable)
	}
	if !out.Validation.OK() {
		t.Errorf("validation failed: %+v", out.Validation.Failed())
	}
	if diff := cmp.Diff([]string{"smallvec@1.6.1", "time@0.2.23"}, w.locked(t, dir)); diff != "" {
		t.Errorf("locked crates after Run (-want +got):\n%s", diff)
	}
	data, err := os.ReadFile(filepath.Join(dir, "app", "Cargo.toml"))
	if err != nil {
		t.Fatal(err)
	}
	wantManifest := strings.NewReplacer(`"=1.6.0"`, `"=1.6.1"`, `version = "0.1"`, `version = "0.2.23"`).Replace(appManifest)
	if diff := cmp.Diff(wantManifest, string(data)); diff != "" {
		t.Errorf("app/Cargo.toml after Run (-want +got):\n%s", diff)
	}
}

// TestTransitiveParentExcludesFix: smallvec 1.6.0 comes in through a
// parent that pins it; cargo refuses the update and says why.
func TestTransitiveParentExcludesFix(t *testing.T) {
	w := newWorld(t, map[string]string{
		"Cargo.toml": "[package]\nname = \"consumer\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\npinning-parent = \"1\"\n",
		"src/lib.rs": "pub fn v() -> &'static str {\n    pinning_parent::version()\n}\n",
	}, []crate{
		{name: "smallvec", version: "1.6.0"},
		{name: "pinning-parent", version: "1.0.0", deps: [][2]string{{"smallvec", "=1.6.0"}}},
	}, []crate{
		{name: "smallvec", version: "1.6.1"},
	})
	got := w.plan(t)
	want := fix.Plan{Changes: []fix.Change{{
		Ecosystem: "crates.io", Package: "smallvec", From: "1.6.0", To: "1.6.1", Kind: fix.KindTransitiveInPlace,
		Fixes: []string{"RUSTSEC-2021-0003"}, Advisories: []string{"RUSTSEC-2021-0003"},
	}}}
	if diff := cmp.Diff(want, got, ignoreProse, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("Plan mismatch (-want +got):\n%s", diff)
	}
	wantContains(t, "reason", reasonOf(got, "smallvec", "1.6.0"), "pinning-parent@1.0.0", "cargo update --precise")

	ctx := context.Background()
	dir := w.scratch(t)
	before := snapshotFiles(t, dir)
	err := w.strategy.Apply(ctx, dir, got)
	var se *fix.StepError
	if !errors.As(err, &se) {
		t.Fatalf("Apply error = %v, want a *fix.StepError", err)
	}
	wantContains(t, "cargo's output", se.Step.Output, "failed to select a version", "pinning-parent")
	if se.Step.Command != "cargo update -p smallvec@1.6.0 --precise 1.6.1 --offline" {
		t.Errorf("command = %q", se.Step.Command)
	}
	if diff := cmp.Diff(before, snapshotFiles(t, dir)); diff != "" {
		t.Errorf("a refused update changed the project (-before +after):\n%s", diff)
	}

	out, err := fix.Run(ctx, w.strategy, dir, got, fix.RunOptions{Checker: w.checker, SkipValidation: true})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(out.Plan.Changes) != 0 || len(out.Plan.Unfixable) != 1 || out.Plan.Unfixable[0].Reason != fix.ReasonApplyFailed || out.Plan.Unfixable[0].Evidence == nil {
		t.Errorf("Run outcome = %+v, want the change reported as apply-failed with evidence", out.Plan)
	}
}

func TestInputs(t *testing.T) {
	dir := t.TempDir()
	s := New(Options{Env: []string{}})
	if got := s.Inputs(dir); len(got) != 0 {
		t.Errorf("Inputs of an empty directory = %v", got)
	}
	writeFiles(t, dir, map[string]string{"Cargo.lock": "version = 4\n"})
	if diff := cmp.Diff([]string{"Cargo.lock"}, s.Inputs(dir)); diff != "" {
		t.Errorf("Inputs mismatch (-want +got):\n%s", diff)
	}
	if s.Ecosystem() != inventory.CratesIO {
		t.Errorf("Ecosystem = %q", s.Ecosystem())
	}
}

// TestPlanRules plans a hand-written project without running cargo: a
// transitive crate fixed in place, one fixed only in another major
// version, a git crate, a finding Cargo.lock does not resolve and one the
// locked version is no longer affected by.
func TestPlanRules(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	dbDir := filepath.Join(root, "db")
	if _, err := db.Import(ctx, dbDir, []string{filepath.Join("testdata", "osv")}, db.ImportOptions{}); err != nil {
		t.Fatalf("import advisories: %v", err)
	}
	d, err := db.Open(dbDir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	checker := fix.NewDBChecker(d)
	srv, _ := indexServer(t)
	s := New(Options{IndexURL: srv.URL + "/api/v1/crates/", Env: []string{}})
	dir := filepath.Join("testdata", "plan")

	findings := scan(t, s, checker, dir)
	findings = append(findings,
		result.Finding{Ecosystem: "crates.io", Package: "smallvec", Version: "1.5.0", ID: "RUSTSEC-2021-0003", Fixed: []string{"1.6.1"}},
		result.Finding{Ecosystem: "crates.io", Package: "smallvec", Version: "1.6.1", ID: "RUSTSEC-2021-0003", Fixed: []string{"1.6.1"}},
		result.Finding{Ecosystem: "npm", Package: "smallvec", Version: "1.0.0", ID: "GHSA-xxxx-xxxx-xxxx"},
	)
	before := snapshotFiles(t, dir)
	got, err := s.Plan(ctx, dir, findings, s.VersionSource(), checker)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if diff := cmp.Diff(before, snapshotFiles(t, dir)); diff != "" {
		t.Errorf("planning changed the project (-before +after):\n%s", diff)
	}
	want := fix.Plan{
		Changes: []fix.Change{{
			Ecosystem: "crates.io", Package: "smallvec", From: "0.6.9", To: "0.6.14", Kind: fix.KindTransitiveInPlace,
			Fixes:      []string{"RUSTSEC-2018-0018", "RUSTSEC-2019-0009", "RUSTSEC-2019-0012", "RUSTSEC-2021-0003"},
			Advisories: []string{"RUSTSEC-2018-0018", "RUSTSEC-2019-0009", "RUSTSEC-2019-0012", "RUSTSEC-2021-0003"},
		}},
		Unfixable: []fix.Unfixable{
			{Ecosystem: "crates.io", Package: "smallvec", Version: "1.5.0", IDs: []string{"RUSTSEC-2021-0003"}, Reason: fix.ReasonNotInGraph},
			{Ecosystem: "crates.io", Package: "time", Version: "0.1.43", IDs: []string{"RUSTSEC-2020-0071"}, Reason: fix.ReasonPinned},
			{Ecosystem: "crates.io", Package: "time", Version: "0.1.44", IDs: []string{"RUSTSEC-2020-0071"}, Reason: fix.ReasonOtherMajor},
		},
		Notes: []string{"smallvec: Cargo.lock resolves 1.6.1, which RUSTSEC-2021-0003 no longer affect"},
	}
	opts := []cmp.Option{ignoreProse, cmpopts.IgnoreFields(fix.Unfixable{}, "Detail", "Fixed"), cmpopts.EquateEmpty()}
	if diff := cmp.Diff(want, got, opts...); diff != "" {
		t.Errorf("Plan mismatch (-want +got):\n%s", diff)
	}
	wantContains(t, "smallvec reason", reasonOf(got, "smallvec", "0.6.9"), "parent@1.0.0", "0.6.13 (yanked)")
	wantContains(t, "git detail", reasonOf(got, "time", "0.1.43"), "git.example/time")
	wantContains(t, "other-major detail", reasonOf(got, "time", "0.1.44"), "parent@1.0.0", "crossing to another major version is not allowed")

	t.Run("no_index_uses_fixed_versions", func(t *testing.T) {
		s := New(Options{Env: []string{}})
		got, err := s.Plan(ctx, dir, findings, s.VersionSource(), checker)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Changes) != 1 || got.Changes[0].To != "0.6.14" {
			t.Fatalf("changes = %+v, want smallvec 0.6.9 => 0.6.14", got.Changes)
		}
		wantContains(t, "reason", got.Changes[0].Reason, "named as fixed", "see the notes")
		wantContains(t, "notes", strings.Join(got.Notes, "\n"), EnvIndex)
	})
}

// TestCoexistingVersionsMeetAtOneFix: with no 0.6 fix published, smallvec
// 0.6.9 crosses to 1.6.1, where 1.6.0 goes too; the second change finds
// the work done. The crossing breaks the build (two names for one crate),
// so fix.Run keeps the 1.6.0 change alone and hands 0.6.9 to a human.
func TestCoexistingVersionsMeetAtOneFix(t *testing.T) {
	w := newWorld(t, map[string]string{
		"Cargo.toml": "[package]\nname = \"consumer\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nsmallvec = \"1.6\"\nold = { package = \"smallvec\", version = \"0.6.9\" }\n",
		"src/lib.rs": consumerLib,
	}, []crate{{name: "smallvec", version: "0.6.9"}, {name: "smallvec", version: "1.6.0"}}, []crate{{name: "smallvec", version: "1.6.1"}})
	p := w.plan(t)
	ctx := context.Background()
	dir := w.scratch(t)
	if err := w.strategy.Apply(ctx, dir, p); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if diff := cmp.Diff([]string{"smallvec@1.6.1"}, w.locked(t, dir)); diff != "" {
		t.Errorf("locked crates after Apply (-want +got):\n%s", diff)
	}
	out, err := fix.Run(ctx, w.strategy, w.scratch(t), p, fix.RunOptions{Checker: w.checker})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	var kept, left []string
	for _, c := range out.Plan.Changes {
		kept = append(kept, c.String())
	}
	for _, u := range out.Plan.Unfixable {
		left = append(left, u.Package+"@"+u.Version+" "+u.Reason)
	}
	if diff := cmp.Diff([]string{"smallvec 1.6.0 => 1.6.1"}, kept); diff != "" {
		t.Errorf("kept changes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"smallvec@0.6.9 needs-human"}, left); diff != "" {
		t.Errorf("unfixable (-want +got):\n%s", diff)
	}
}
