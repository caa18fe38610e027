package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/patchline/patchline/internal/cli"
	"github.com/patchline/patchline/internal/fix/npm/registrytest"
)

var update = flag.Bool("update", false, "update the expected output in testdata/script")

// TestMain makes the test binary double as the patchline binary, so that
// scripts run the real main function in a separate process.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"patchline": main})
}

// TestScript runs the CLI scripts in testdata/script. Each script gets an
// empty database directory in $PATCHLINE_DB, the repository's bundled
// advisories in $TESTDATA/osv and the demo project in $EXAMPLES.
func TestScript(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:           filepath.Join("testdata", "script"),
		UpdateScripts: *update,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"osv-export-server": exportServerCmd,
			"npm-registry":      npmRegistryCmd,
			"cp-tree":           copyTreeCmd,
			"pypi-index":        pypiIndexCmd,
		},
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATCHLINE_DB", filepath.Join(env.WorkDir, ".db"))
			env.Setenv("TESTDATA", filepath.Join(root, "testdata"))
			env.Setenv("EXAMPLES", filepath.Join(root, "examples"))
			env.Setenv("NPMFIX", filepath.Join(root, "internal", "fix", "npm", "testdata"))
			env.Setenv("PYPIFIX", filepath.Join(root, "internal", "fix", "pypi", "testdata"))
			env.Setenv("GOFIX", filepath.Join(root, "internal", "fix", "golang", "testdata"))
			// The go command of fix scripts: the build cache of this test
			// run (a cold one would compile the standard library again),
			// a module cache of the script's own, no checksum database.
			if c, err := exec.Command("go", "env", "GOCACHE").Output(); err == nil {
				env.Setenv("GOCACHE", strings.TrimSpace(string(c)))
			}
			env.Setenv("GOMODCACHE", filepath.Join(env.WorkDir, ".gomodcache"))
			env.Setenv("GOFLAGS", "-modcacherw")
			env.Setenv("GOSUMDB", "off")
			env.Setenv("GOTOOLCHAIN", "local")
			for _, k := range []string{"GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"} {
				env.Setenv(k, "patchline test")
			}
			for _, k := range []string{"GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"} {
				env.Setenv(k, "test@patchline.example")
			}
			env.Setenv("NO_COLOR", "")
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("XDG_CACHE_HOME", filepath.Join(env.WorkDir, ".cache"))
			return nil
		},
	})
}

// npmRegistryCmd starts a local npm registry serving the recorded answers
// in DIR (see package registrytest) and points npm at it, with its own
// cache and no user or global configuration.
func npmRegistryCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: npm-registry DIR")
	}
	reg := registrytest.New(ts.MkAbs(args[0]))
	ts.Defer(reg.Close)
	work := ts.Getenv("WORK")
	for _, kv := range reg.Env(filepath.Join(work, ".npm-cache")) {
		k, v, _ := strings.Cut(kv, "=")
		ts.Setenv(k, v)
	}
	for _, n := range []string{"userconfig", "globalconfig"} {
		f := filepath.Join(work, ".npmrc-"+n)
		ts.Check(os.WriteFile(f, nil, 0o644))
		ts.Setenv("npm_config_"+n, f)
	}
}

// pypiIndexCmd serves DIR/NAME.json as the PEP 691 JSON simple-API page
// of NAME and sets PIP_INDEX_URL to it.
func pypiIndexCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: pypi-index DIR")
	}
	dir := ts.MkAbs(args[0])
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.Trim(strings.TrimPrefix(r.URL.Path, "/simple/"), "/")
		b, err := os.ReadFile(filepath.Join(dir, filepath.Base(name)+".json"))
		if err != nil || strings.Contains(name, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
		w.Write(b)
	}))
	ts.Defer(srv.Close)
	ts.Setenv("PIP_INDEX_URL", srv.URL+"/simple/")
}

// copyTreeCmd copies the directory SRC to DST.
func copyTreeCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: cp-tree SRC DST")
	}
	ts.Check(os.CopyFS(ts.MkAbs(args[1]), os.DirFS(ts.MkAbs(args[0]))))
}

// TestExitCodes checks the mapping from errors to exit codes, and that
// docs/exit-codes.md documents exactly the codes main uses.
func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{name: "success", err: nil, want: exitOK},
		{name: "findings", err: cli.ErrFindings, want: exitFindings},
		{name: "usage", err: &cli.UsageError{Err: errors.New("bad flag")}, want: exitUsage},
		{name: "runtime", err: errors.New("no database"), want: exitError},
		{name: "incomplete", err: cli.ErrIncomplete, want: exitIncomplete},
		{name: "findings_and_incomplete", err: errors.Join(cli.ErrFindings, cli.ErrIncomplete), want: exitFindingsIncomplete},
		{name: "wrapped_usage", err: fmt.Errorf("config: %w", &cli.UsageError{Err: errors.New("x")}), want: exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exitCode(tt.err); got != tt.want {
				t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}

	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "exit-codes.md"))
	if err != nil {
		t.Fatal(err)
	}
	var documented []int
	for _, m := range regexp.MustCompile(`(?m)^\|\s*(\d+)\s*\|`).FindAllSubmatch(doc, -1) {
		n, err := strconv.Atoi(string(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		documented = append(documented, n)
	}
	used := []int{exitOK, exitFindings, exitUsage, exitError, exitIncomplete, exitFindingsIncomplete}
	if diff := cmp.Diff(used, documented); diff != "" {
		t.Errorf("docs/exit-codes.md rows differ from main's codes (-main +docs):\n%s", diff)
	}
}
