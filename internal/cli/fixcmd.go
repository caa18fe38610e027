package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchline/patchline/internal/db"
	"github.com/patchline/patchline/internal/extract"
	"github.com/patchline/patchline/internal/fix"
	"github.com/patchline/patchline/internal/fix/golang"
	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/scan"
)

type fixFlags struct {
	apply    bool
	branch   string
	validate string
	offline  bool
	format   string
	output   string
	timeout  time.Duration
	noCheck  bool
}

func newFixCommand(env *Env, g *globals) *cobra.Command {
	f := &fixFlags{}
	cmd := &cobra.Command{
		Use:   "fix [PATH]",
		Short: "Plan, apply and validate the smallest upgrades that remove vulnerabilities",
		Long: `Compute the smallest upgrade of each vulnerable package that removes its
findings without introducing new ones, preferring the same major version.

Without --apply or --branch, the plan is only shown. With them, it is applied
in a scratch copy of the project (a git worktree, or a temporary copy; never
the working tree while validating), re-scanned (the findings must be gone and
none new), then built and tested with the project's own commands (or
--validate CMD). A change that breaks the build or the tests is isolated and
reported as needing a human, with the failing output; the others are kept.
--apply copies the validated result into the working tree; --branch NAME
commits it on a new git branch. The Markdown pull-request description says
what changed, what it fixes, how it was validated and what risk remains.

Ecosystems: Go modules (go.mod) today.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			return runFix(cmd, env, g, f, dir)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.apply, "apply", false, "write the validated changes into the working tree")
	fl.StringVar(&f.branch, "branch", "", "commit the validated changes on a new git branch `name`")
	fl.StringVar(&f.validate, "validate", "", "test `command` to run instead of the ecosystem's (go test ./...), through the shell")
	fl.BoolVar(&f.offline, "offline", false, "use only versions already in the local module cache")
	fl.StringVarP(&f.format, "format", "f", "markdown", "output `format`: markdown (a pull-request description) or json")
	fl.StringVarP(&f.output, "output", "o", "", "write the output to `file`")
	fl.DurationVar(&f.timeout, "timeout", 10*time.Minute, "time limit of each build or test step")
	fl.BoolVar(&f.noCheck, "no-validate", false, "apply and re-scan without building or testing")
	return cmd
}

func runFix(cmd *cobra.Command, env *Env, g *globals, f *fixFlags, dir string) error {
	if f.format != "markdown" && f.format != "json" {
		return usageErrorf("--format %q: want markdown or json", f.format)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return usageErrorf("fix %q: no go.mod there (patchline fix handles Go modules today)", dir)
	}
	ctx := cmd.Context()
	dbDir, err := g.databaseDir(env)
	if err != nil {
		return err
	}
	database, err := db.Open(dbDir)
	if err != nil {
		return err
	}
	defer database.Close()

	// The findings of the module's go.mod, without reachability (the plan
	// fixes what is affected; reachability only orders it).
	c := &report.Collector{}
	s := &scan.Scanner{Extractors: extract.List(extract.Options{GoStdlib: true}), DB: database, Reachability: "off", Logger: g.logger(env)}
	if _, err := s.Run(ctx, []string{filepath.Join(dir, "go.mod")}, c); err != nil {
		return err
	}
	var findings []result.Finding
	for _, fd := range c.Result.Findings {
		if fd.Ecosystem == "Go" {
			findings = append(findings, fd)
		}
	}
	strategy, err := golang.New(ctx, golang.Options{Offline: f.offline, Logger: g.logger(env)})
	if err != nil {
		return err
	}
	plan, err := strategy.Plan(ctx, dir, findings, strategy.VersionSource(dir), fix.NewDBChecker(database))
	if err != nil {
		return err
	}
	outcome := fix.Outcome{Plan: plan}
	if (f.apply || f.branch != "") && len(plan.Changes) > 0 {
		sc, err := fix.NewScratch(ctx, dir, fix.ScratchOptions{Branch: f.branch, Logger: g.logger(env)})
		if err != nil {
			return err
		}
		defer sc.Close(ctx)
		outcome, err = fix.Run(ctx, strategy, sc.Dir, plan, fix.RunOptions{
			Checker: fix.NewDBChecker(database), SkipValidation: f.noCheck, Logger: g.logger(env),
			Validate: fix.ValidateOptions{Command: f.validate, Timeout: f.timeout},
		})
		if err != nil {
			return err
		}
		if outcome.BaselineFailed {
			return fmt.Errorf("the project fails its build or tests without any change (%s): fix that first; nothing was written", failedStep(outcome))
		}
		if len(outcome.Plan.Changes) > 0 {
			if f.branch != "" {
				if err := sc.Commit(ctx, commitMessage(outcome), strategy.ManagedFiles()); err != nil {
					return err
				}
			}
			if f.apply {
				if err := sc.CopyBack(ctx, dir, strategy.ManagedFiles()); err != nil {
					return err
				}
			}
		}
	}

	out := env.Stdout
	if f.output != "" {
		file, err := os.Create(f.output)
		if err != nil {
			return err
		}
		defer file.Close()
		out = file
	}
	switch f.format {
	case "json":
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(outcome); err != nil {
			return err
		}
	default:
		if err := fix.WriteMarkdown(out, fix.Description{Project: dir, Outcome: outcome, Findings: findings}); err != nil {
			return err
		}
	}
	if len(outcome.Plan.Unfixable) > 0 {
		return ErrFindings // some vulnerabilities remain: a human must look
	}
	return nil
}

func failedStep(o fix.Outcome) string {
	if s := o.Validation.Failed(); s != nil {
		return s.Command
	}
	return "validation"
}

// commitMessage says what the fix commit changes, one line per change.
func commitMessage(o fix.Outcome) string {
	var b strings.Builder
	n := len(o.Plan.Changes)
	if n == 1 {
		c := o.Plan.Changes[0]
		fmt.Fprintf(&b, "deps: upgrade %s to %s\n\n", c.Package, c.To)
	} else {
		fmt.Fprintf(&b, "deps: upgrade %d modules to remove known vulnerabilities\n\n", n)
	}
	for _, c := range o.Plan.Changes {
		fmt.Fprintf(&b, "- %s %s => %s (fixes %s)\n", c.Package, c.From, c.To, strings.Join(c.Fixes, ", "))
	}
	b.WriteString("\nPlanned, applied and validated by patchline fix.\n")
	return b.String()
}
