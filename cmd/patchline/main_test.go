package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/patchline/patchline/internal/cli"
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
		Cmds:          map[string]func(*testscript.TestScript, bool, []string){"osv-export-server": exportServerCmd},
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATCHLINE_DB", filepath.Join(env.WorkDir, ".db"))
			env.Setenv("TESTDATA", filepath.Join(root, "testdata"))
			env.Setenv("EXAMPLES", filepath.Join(root, "examples"))
			env.Setenv("NO_COLOR", "")
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("XDG_CACHE_HOME", filepath.Join(env.WorkDir, ".cache"))
			return nil
		},
	})
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
