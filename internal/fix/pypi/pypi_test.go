package pypi

import (
	"context"
	"encoding/json"
	"os"
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

// newChecker imports the real advisories of testdata/osv, and extra ones,
// into a database.
func newChecker(t *testing.T, extra ...osv.Entry) fix.Checker {
	t.Helper()
	root := t.TempDir()
	adv := filepath.Join(root, "advisories")
	if err := os.MkdirAll(adv, 0o755); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("testdata", "osv", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(adv, filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range extra {
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(adv, e.ID+".json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(root, "db")
	if _, err := db.Import(context.Background(), dir, []string{adv}, db.ImportOptions{}); err != nil {
		t.Fatalf("import advisories: %v", err)
	}
	d, err := db.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return fix.NewDBChecker(d)
}

// madeUp returns a made-up advisory (TEST- ids name no real
// vulnerability) affecting pkg below fixed.
func madeUp(id, pkg, fixed string) osv.Entry {
	return osv.Entry{
		SchemaVersion: "1.6.0", ID: id, Modified: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Summary: "Made-up vulnerability " + id,
		Affected: []osv.Affected{{
			Package: osv.Package{Ecosystem: inventory.PyPI, Name: pkg},
			Ranges:  []osv.Range{{Type: osv.RangeEcosystem, Events: []osv.Event{{Introduced: "0"}, {Fixed: fixed}}}},
		}},
	}
}

// findings scans the project at dir as the scanner would.
func findings(t *testing.T, s *Strategy, checker fix.Checker, dir string) []result.Finding {
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
				Source: "requirements.txt", Ecosystem: p.Ecosystem, Package: p.Name, Version: p.Version,
				ID: x.ID, Aliases: x.Aliases, Advisories: []string{x.ID}, Fixed: x.Fixed,
			})
		}
	}
	return out
}

// newProject writes files into a new project directory.
func newProject(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func readFixture(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// snapshot reads every file of dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const pyproject = `[tool.poetry]
name = "app"
version = "0.1.0"
description = ""
authors = []

[tool.poetry.dependencies]
python = "^3.8"
jinja2 = "^2.10"
`

const poetryLockV2 = `[[package]]
name = "jinja2"
version = "2.10"
description = "A very fast and expressive template engine."
optional = false
python-versions = "*"
groups = ["main"]

[package.dependencies]
MarkupSafe = ">=0.23"

[[package]]
name = "markupsafe"
version = "1.1.1"
description = "Safely add untrusted strings to HTML/XML markup."
optional = false
python-versions = ">=2.7"
groups = ["main"]

[metadata]
lock-version = "2.1"
python-versions = "^3.8"
content-hash = "0000000000000000000000000000000000000000000000000000000000000000"
`

const uvLockFile = `version = 1
revision = 3
requires-python = ">=3.8"

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "jinja2" },
]

[[package]]
name = "jinja2"
version = "2.10"
source = { registry = "https://files.pypi.example/simple" }
dependencies = [
    { name = "markupsafe" },
]

[[package]]
name = "markupsafe"
version = "1.1.1"
source = { registry = "https://files.pypi.example/simple" }
`

var ignoreProse = cmpopts.IgnoreFields(fix.Change{}, "Reason")

var ignoreDetail = cmpopts.IgnoreFields(fix.Unfixable{}, "Detail", "Change")

func TestPlan(t *testing.T) {
	x := newIndex(t)
	jinja := []string{"PYSEC-2019-217", "PYSEC-2021-66"}
	requests := []string{"PYSEC-2018-28", "PYSEC-2023-74"}
	tests := []struct {
		name  string
		files map[string]string
		extra []osv.Entry
		// noIndex plans with a strategy that has no index configured (the
		// versions still come from the test index).
		noIndex  bool
		findings []result.Finding // nil: scan the project
		want     fix.Plan
		reasons  map[string][]string
	}{
		{
			name:  "pip_compile_with_hashes",
			files: map[string]string{"requirements.txt": readFixture(t, "project/requirements.txt")},
			want: fix.Plan{Changes: []fix.Change{
				{Ecosystem: "PyPI", Package: "jinja2", From: "2.10", To: "2.11.3", Kind: fix.KindDirectUpgrade, Fixes: jinja, Advisories: jinja},
				{Ecosystem: "PyPI", Package: "requests", From: "2.19.1", To: "2.31.0", Kind: fix.KindDirectUpgrade, Fixes: requests, Advisories: requests},
			}},
			reasons: map[string][]string{
				"jinja2":   {"2.10.1 (still affected by PYSEC-2021-66)", "2.10.2 (yanked)", "replaced with the 2 sha256 hashes of 2.11.3's files", "requirements.txt"},
				"requests": {"2.20.0 (still affected by PYSEC-2023-74)"},
			},
		},
		{
			name:  "transitive_via_other_package",
			files: map[string]string{"requirements.txt": "flask==1.0.2\n    # via -r requirements.in\nJinja2==2.10\n    # via flask\n"},
			want: fix.Plan{Changes: []fix.Change{
				{Ecosystem: "PyPI", Package: "jinja2", From: "2.10", To: "2.11.3", Kind: fix.KindTransitiveInPlace, Fixes: jinja, Advisories: jinja},
			}},
			reasons: map[string][]string{"jinja2": {"not a direct requirement", "must allow 2.11.3"}},
		},
		{
			name:  "fully_yanked_versions_skipped",
			files: map[string]string{"requirements-dev.txt": "requests==2.31.0\n"},
			extra: []osv.Entry{madeUp("TEST-2026-0101", "requests", "2.32.0")},
			want: fix.Plan{Changes: []fix.Change{
				{Ecosystem: "PyPI", Package: "requests", From: "2.31.0", To: "2.32.2", Kind: fix.KindDirectUpgrade, Fixes: []string{"TEST-2026-0101"}, Advisories: []string{"TEST-2026-0101"}},
			}},
			reasons: map[string][]string{"requests": {"2.32.0 (yanked: Yanked due to conflicts with CVE-2024-35195 mitigation)", "requirements-dev.txt"}},
		},
		{
			name:    "hashes_without_index_unfixable",
			files:   map[string]string{"requirements.txt": readFixture(t, "project/requirements.txt")},
			noIndex: true,
			want: fix.Plan{Unfixable: []fix.Unfixable{
				{Ecosystem: "PyPI", Package: "jinja2", Version: "2.10", IDs: jinja, Reason: fix.ReasonApplyFailed, Fixed: []string{"2.10.1", "2.11.3"}},
				{Ecosystem: "PyPI", Package: "requests", Version: "2.19.1", IDs: requests, Reason: fix.ReasonApplyFailed, Fixed: []string{"2.20.0", "2.31.0"}},
			}},
			reasons: map[string][]string{"jinja2": {"pip-compile --generate-hashes --upgrade-package jinja2==2.11.3", "no package index is configured"}},
		},
		{
			name:  "range_requirement_not_changed",
			files: map[string]string{"requirements.txt": "requests>=2.19\n"},
			findings: []result.Finding{{Source: "requirements.txt", Ecosystem: "PyPI", Package: "requests", Version: "2.19.1",
				ID: "PYSEC-2018-28", Fixed: []string{"2.20.0"}}},
			want: fix.Plan{Unfixable: []fix.Unfixable{
				{Ecosystem: "PyPI", Package: "requests", Version: "2.19.1", IDs: []string{"PYSEC-2018-28"}, Reason: fix.ReasonPinned},
			}},
			reasons: map[string][]string{"requests": {"requirements.txt:1 asks for requests>=2.19", "pin it"}},
		},
		{
			name:  "finding_not_in_project",
			files: map[string]string{"requirements.txt": "requests==2.31.0\n"},
			findings: []result.Finding{{Source: "Pipfile.lock", Ecosystem: "PyPI", Package: "Django", Version: "3.2.16",
				ID: "PYSEC-2023-12", Fixed: []string{"3.2.17"}}},
			want: fix.Plan{Unfixable: []fix.Unfixable{
				{Ecosystem: "PyPI", Package: "django", Version: "3.2.16", IDs: []string{"PYSEC-2023-12"}, Reason: fix.ReasonNotInGraph},
			}},
		},
		{
			name:  "poetry_not_installed",
			files: map[string]string{"pyproject.toml": pyproject, "poetry.lock": poetryLockV2},
			want: fix.Plan{Unfixable: []fix.Unfixable{
				{Ecosystem: "PyPI", Package: "jinja2", Version: "2.10", IDs: jinja, Reason: fix.ReasonToolMissing, Fixed: []string{"2.10.1", "2.11.3"}},
			}},
			reasons: map[string][]string{"jinja2": {"poetry is not installed", "`poetry add jinja2@^2.11.3 --lock`"}},
		},
		{
			name:  "uv_not_installed",
			files: map[string]string{"uv.lock": uvLockFile},
			want: fix.Plan{Unfixable: []fix.Unfixable{
				{Ecosystem: "PyPI", Package: "jinja2", Version: "2.10", IDs: jinja, Reason: fix.ReasonToolMissing, Fixed: []string{"2.10.1", "2.11.3"}},
			}},
			reasons: map[string][]string{"jinja2": {"uv is not installed", "`uv lock --upgrade-package jinja2==2.11.3`"}},
		},
		{
			name:  "django_real_advisory",
			files: map[string]string{"requirements/base.txt": "Django==3.2.16 # the LTS\n"},
			want: fix.Plan{Changes: []fix.Change{
				{Ecosystem: "PyPI", Package: "django", From: "3.2.16", To: "3.2.17", Kind: fix.KindDirectUpgrade, Fixes: []string{"PYSEC-2023-12"}, Advisories: []string{"PYSEC-2023-12"}},
			}},
		},
		{
			name:  "nothing_vulnerable",
			files: map[string]string{"requirements.txt": "requests==2.31.0\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dir := newProject(t, tt.files)
			checker := newChecker(t, tt.extra...)
			withIndex := New(Options{IndexURL: x.URL + "/simple", Env: testEnv()})
			s := withIndex
			if tt.noIndex {
				s = New(Options{Env: testEnv(), Python: "/nonexistent/python3"})
			}
			fs := tt.findings
			if fs == nil {
				fs = findings(t, s, checker, dir)
			}
			before := snapshot(t, dir)
			got, err := s.Plan(ctx, dir, fs, withIndex.VersionSource(), checker)
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
				t.Errorf("planning changed the project (-before +after):\n%s", diff)
			}
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
				for _, w := range wants {
					if !strings.Contains(text, w) {
						t.Errorf("reason for %s = %q, want it to contain %q", pkg, text, w)
					}
				}
			}
		})
	}
}

func TestInputs(t *testing.T) {
	dir := newProject(t, map[string]string{
		"requirements.txt":         "",
		"dev-requirements.txt":     "",
		"requirements-test.txt":    "",
		"constraints.txt":          "",
		"requirements/prod.txt":    "",
		"requirements/README.md":   "",
		"docs/requirements.txt":    "",
		"poetry.lock":              "",
		"uv.lock":                  "",
		"setup.py":                 "",
		"notes.txt":                "",
		"requirements.in":          "",
		"src/pkg/requirements.txt": "",
	})
	s := New(Options{Env: testEnv()})
	want := []string{"constraints.txt", "dev-requirements.txt", "poetry.lock", "requirements-test.txt", "requirements.txt", "requirements/prod.txt", "uv.lock"}
	if diff := cmp.Diff(want, s.Inputs(dir)); diff != "" {
		t.Errorf("Inputs mismatch (-want +got):\n%s", diff)
	}
	if got := s.Inputs(t.TempDir()); len(got) != 0 {
		t.Errorf("Inputs of an empty project = %q", got)
	}
	if !contains(s.ManagedFiles(), "dev-requirements.txt") {
		t.Errorf("ManagedFiles = %q, want the requirements files met", s.ManagedFiles())
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestApplyRequirements(t *testing.T) {
	x := newIndex(t)
	dir := newProject(t, map[string]string{
		"requirements.txt":     readFixture(t, "project/requirements.txt"),
		"requirements-dev.txt": "-r requirements.txt\nJinja2 == 2.10 ; python_version >= \"3.6\"\r\n",
	})
	s := New(Options{IndexURL: x.URL + "/simple", Env: testEnv()})
	err := s.Apply(context.Background(), dir, fix.Plan{Changes: []fix.Change{
		{Ecosystem: "PyPI", Package: "jinja2", From: "2.10", To: "2.11.3", Kind: fix.KindDirectUpgrade},
		{Ecosystem: "PyPI", Package: "requests", From: "2.19.1", To: "2.31.0", Kind: fix.KindDirectUpgrade},
	}})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	orig := readFixture(t, "project/requirements.txt")
	want := strings.NewReplacer(
		"jinja2==2.10 ", "jinja2==2.11.3 ",
		fakeHash("Jinja2-2.10-py2.py3-none-any.whl"), fakeHash("Jinja2-2.11.3-py2.py3-none-any.whl"),
		fakeHash("Jinja2-2.10.tar.gz"), fakeHash("Jinja2-2.11.3.tar.gz"),
		"requests==2.19.1 ", "requests==2.31.0 ",
		fakeHash("requests-2.19.1-py3-none-any.whl"), fakeHash("requests-2.31.0-py3-none-any.whl"),
		fakeHash("requests-2.19.1.tar.gz"), fakeHash("requests-2.31.0.tar.gz"),
	).Replace(orig)
	got := snapshot(t, dir)
	if diff := cmp.Diff(want, got["requirements.txt"]); diff != "" {
		t.Errorf("requirements.txt mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff("-r requirements.txt\nJinja2 == 2.11.3 ; python_version >= \"3.6\"\r\n", got["requirements-dev.txt"]); diff != "" {
		t.Errorf("requirements-dev.txt mismatch (-want +got):\n%s", diff)
	}
	pkgs, err := s.Packages(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		if p.Name == "jinja2" && p.Version != "2.11.3" || p.Name == "requests" && p.Version != "2.31.0" {
			t.Errorf("after Apply, Packages lists %s", p)
		}
	}
	// The same change again finds nothing at 2.10.
	err = s.Apply(context.Background(), dir, fix.Plan{Changes: []fix.Change{{Ecosystem: "PyPI", Package: "jinja2", From: "2.10", To: "2.11.3", Kind: fix.KindDirectUpgrade}}})
	if err == nil || !strings.Contains(err.Error(), "pins jinja2 at 2.10") {
		t.Errorf("Apply of a change already made: error %v", err)
	}
}

// fakeTool writes a stand-in for a lock tool that records its arguments in
// args.txt beside the project and runs script.
func fakeTool(t *testing.T, name, script string) (bin, argsFile string) {
	t.Helper()
	bin = t.TempDir()
	argsFile = filepath.Join(bin, "args.txt")
	writeScript(t, filepath.Join(bin, name), "#!/bin/sh\necho \"$@\" >> '"+argsFile+"'\n"+script)
	return bin, argsFile
}

func TestApplyLockTools(t *testing.T) {
	jinja := fix.Change{Ecosystem: "PyPI", Package: "jinja2", From: "2.10", To: "2.11.3", Kind: fix.KindDirectUpgrade}
	bump := `sed -i 's/^version = "2.10"$/version = "2.11.3"/' uv.lock poetry.lock 2>/dev/null; exit 0` + "\n"
	tests := []struct {
		name     string
		tool     string
		script   string
		files    map[string]string
		change   fix.Change
		offline  bool
		wantArgs string
		wantErr  string
	}{
		{
			name: "uv_lock_upgrade_package", tool: "uv", script: bump,
			files: map[string]string{"uv.lock": uvLockFile}, change: jinja,
			wantArgs: "lock --upgrade-package jinja2==2.11.3\n",
		},
		{
			name: "uv_offline", tool: "uv", script: bump, offline: true,
			files: map[string]string{"uv.lock": uvLockFile}, change: jinja,
			wantArgs: "lock --upgrade-package jinja2==2.11.3 --offline\n",
		},
		{
			name: "poetry_add_direct", tool: "poetry", script: bump,
			files: map[string]string{"pyproject.toml": pyproject, "poetry.lock": poetryLockV2}, change: jinja,
			wantArgs: "add jinja2@^2.11.3 --lock\n",
		},
		{
			name: "poetry_update_transitive_held_back", tool: "poetry", script: "exit 0\n",
			files:    map[string]string{"pyproject.toml": strings.Replace(pyproject, "jinja2", "flask", 1), "poetry.lock": poetryLockV2},
			change:   fix.Change{Ecosystem: "PyPI", Package: "jinja2", From: "2.10", To: "2.11.3", Kind: fix.KindTransitiveInPlace},
			wantArgs: "update --lock jinja2\n",
			wantErr:  "poetry.lock has jinja2 at 2.10, below 2.11.3",
		},
		{
			name: "tool_fails", tool: "uv", script: "echo 'No solution found when resolving dependencies' >&2; exit 1\n",
			files: map[string]string{"uv.lock": uvLockFile}, change: jinja,
			wantArgs: "lock --upgrade-package jinja2==2.11.3\n",
			wantErr:  "uv lock --upgrade-package jinja2==2.11.3` failed with exit code 1",
		},
		{
			name: "poetry_offline_refused", tool: "poetry", script: bump, offline: true,
			files: map[string]string{"pyproject.toml": pyproject, "poetry.lock": poetryLockV2}, change: jinja,
			wantErr: "poetry has no offline mode",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newProject(t, tt.files)
			bin, argsFile := fakeTool(t, tt.tool, tt.script)
			s := New(Options{Env: testEnv("PATH=" + bin + ":/usr/bin:/bin"), Offline: tt.offline})
			err := s.Apply(context.Background(), dir, fix.Plan{Changes: []fix.Change{tt.change}})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Apply error = %v, want it to contain %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			args, _ := os.ReadFile(argsFile)
			if diff := cmp.Diff(tt.wantArgs, string(args)); diff != "" {
				t.Errorf("tool arguments mismatch (-want +got):\n%s", diff)
			}
			if tt.wantErr != "" {
				return
			}
			pkgs, err := s.Packages(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			if !contains(pkgNames(pkgs), "jinja2@2.11.3") {
				t.Errorf("after Apply, Packages = %q", pkgNames(pkgs))
			}
		})
	}
}

func pkgNames(pkgs []fix.Package) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.String())
	}
	return out
}

func TestPlanWithLockToolInstalled(t *testing.T) {
	x := newIndex(t)
	bin, _ := fakeTool(t, "uv", "exit 0\n")
	dir := newProject(t, map[string]string{"uv.lock": uvLockFile})
	s := New(Options{IndexURL: x.URL + "/simple", Env: testEnv("PATH=" + bin)})
	checker := newChecker(t)
	p, err := s.Plan(context.Background(), dir, findings(t, s, checker, dir), s.VersionSource(), checker)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 1 || p.Changes[0].Kind != fix.KindDirectUpgrade || !strings.Contains(p.Changes[0].Reason, "uv.lock is updated with `uv lock --upgrade-package jinja2==2.11.3`") {
		t.Errorf("Plan = %+v", p)
	}
}

func TestValidate(t *testing.T) {
	// A stand-in python3 that says what it was asked.
	bin := t.TempDir()
	writeScript(t, filepath.Join(bin, "python3"), "#!/bin/sh\necho \"python3 $@\"\n")
	env := testEnv("PATH=" + bin + ":/usr/bin:/bin")
	tests := []struct {
		name     string
		files    map[string]string
		command  string
		wantOK   bool
		wantName string
		wantOut  string
		wantErr  string
	}{
		{name: "tests_dir_runs_pytest", files: map[string]string{"tests/test_app.py": ""}, wantOK: true, wantName: "test", wantOut: "python3 -m pytest"},
		{name: "pyproject_pytest_section", files: map[string]string{"pyproject.toml": "[tool.pytest.ini_options]\n"}, wantOK: true, wantName: "test", wantOut: "python3 -m pytest"},
		{name: "tox_ini", files: map[string]string{"tox.ini": "[tox]\n"}, wantOK: true, wantName: "test", wantOut: "python3 -m pytest"},
		{name: "command_given", files: map[string]string{"tests/x.py": ""}, command: "echo custom", wantOK: true, wantName: "validate", wantOut: "custom"},
		{name: "command_fails", files: map[string]string{}, command: "echo broken; exit 3", wantOK: false, wantName: "validate", wantOut: "broken"},
		{name: "nothing_detected", files: map[string]string{"app.py": ""}, wantOK: false, wantName: "test", wantErr: "no test command found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newProject(t, tt.files)
			s := New(Options{Env: env})
			v, err := s.Validate(context.Background(), dir, fix.ValidateOptions{Command: tt.command, Timeout: 30 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Steps) != 1 {
				t.Fatalf("Validate steps = %+v, want one", v.Steps)
			}
			st := v.Steps[0]
			if v.OK() != tt.wantOK || st.Name != tt.wantName || !strings.Contains(st.Output, tt.wantOut) || !strings.Contains(st.Error, tt.wantErr) {
				t.Errorf("Validate = %+v", st)
			}
		})
	}
}

// TestRun plans, applies and validates the fix of the pip-compile project
// with fix.Run, as `patchline fix` does.
func TestRun(t *testing.T) {
	x := newIndex(t)
	both := "grep -q 'requests==2.31.0' requirements.txt && grep -q 'jinja2==2.11.3' requirements.txt"
	tests := []struct {
		name        string
		command     string
		wantKept    []string
		wantHuman   []string
		wantVOK     bool
		wantPinned  map[string]string
		validations int
	}{
		{
			name: "all_changes_validated", command: both,
			wantKept: []string{"jinja2 2.10 => 2.11.3", "requests 2.19.1 => 2.31.0"}, wantVOK: true,
			wantPinned: map[string]string{"jinja2": "2.11.3", "requests": "2.31.0"},
		},
		{
			name:     "jinja2_breaks_the_tests",
			command:  "! grep -q 'jinja2==2.11.3' requirements.txt",
			wantKept: []string{"requests 2.19.1 => 2.31.0"}, wantHuman: []string{"jinja2"}, wantVOK: true,
			wantPinned: map[string]string{"jinja2": "2.10", "requests": "2.31.0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			src := newProject(t, map[string]string{"requirements.txt": readFixture(t, "project/requirements.txt"), "requirements.in": readFixture(t, "project/requirements.in")})
			s := New(Options{IndexURL: x.URL + "/simple", Env: testEnv("PATH=/usr/bin:/bin")})
			checker := newChecker(t)
			plan, err := s.Plan(ctx, src, findings(t, s, checker, src), s.VersionSource(), checker)
			if err != nil {
				t.Fatal(err)
			}
			sc, err := fix.NewScratch(ctx, src, fix.ScratchOptions{Env: testEnv("PATH=/usr/bin:/bin")})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sc.Close(context.Background()) })
			out, err := fix.Run(ctx, s, sc.Dir, plan, fix.RunOptions{Checker: checker, Validate: fix.ValidateOptions{Command: tt.command, Timeout: 30 * time.Second}})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			var kept, human []string
			for _, c := range out.Plan.Changes {
				kept = append(kept, c.String())
			}
			for _, u := range out.Plan.Unfixable {
				if u.Reason == fix.ReasonNeedsHuman {
					human = append(human, u.Package)
					if u.Evidence == nil || u.Evidence.OK {
						t.Errorf("needs-human %s without failing evidence", u.Package)
					}
				} else {
					t.Errorf("unexpected unfixable %+v", u)
				}
			}
			if diff := cmp.Diff(tt.wantKept, kept, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("kept changes mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantHuman, human, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("needs-human mismatch (-want +got):\n%s", diff)
			}
			if out.Validation.OK() != tt.wantVOK {
				t.Errorf("validation OK = %v, want %v: %+v", out.Validation.OK(), tt.wantVOK, out.Validation)
			}
			pkgs, err := s.Packages(ctx, sc.Dir)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, p := range pkgs {
				if tt.wantPinned[p.Name] != "" {
					got[p.Name] = p.Version
				}
			}
			if diff := cmp.Diff(tt.wantPinned, got); diff != "" {
				t.Errorf("scratch pins mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(readFixture(t, "project/requirements.txt"), snapshot(t, src)["requirements.txt"]); diff != "" {
				t.Errorf("the user's tree changed (-want +got):\n%s", diff)
			}
		})
	}
}
