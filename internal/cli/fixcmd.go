package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchline/patchline/internal/db"
	"github.com/patchline/patchline/internal/extract"
	"github.com/patchline/patchline/internal/fix"
	"github.com/patchline/patchline/internal/fix/cargo"
	"github.com/patchline/patchline/internal/fix/golang"
	"github.com/patchline/patchline/internal/fix/npm"
	"github.com/patchline/patchline/internal/fix/pypi"
	"github.com/patchline/patchline/internal/fix/registry"
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/scan"
)

type fixFlags struct {
	apply       bool
	branch      string
	validate    string
	offline     bool
	format      string
	output      string
	timeout     time.Duration
	noCheck     bool
	pypiIndex   string
	cratesIndex string
}

func newFixCommand(env *Env, g *globals) *cobra.Command {
	f := &fixFlags{}
	cmd := &cobra.Command{
		Use:   "fix [PATH]",
		Short: "Plan, apply and validate the smallest upgrades that remove vulnerabilities",
		Long: `Compute the smallest upgrade of each vulnerable package that removes its
findings without introducing new ones, preferring the same major version, and
the least invasive way to make it (an in-place lockfile update, a parent
upgrade, an override).

Without --apply, --branch or --format diff, the plan is only shown. With them,
it is applied in a scratch copy of the project (a git worktree, or a temporary
copy; never the working tree while validating), re-scanned (the findings must
be gone and none new), then built and tested with the project's own commands
(or --validate CMD). A change that breaks the build or the tests is isolated
and reported as needing a human, with the failing output; the others are kept.
--apply copies the validated result into the working tree; --branch NAME
commits it on a new git branch, one commit per fix. --format diff prints the
unified diff of the validated result; markdown (the default) a pull-request
description: what changed, what it fixes, how it was validated and what risk
remains.

Ecosystems: Go modules (go.mod, through the go command), npm
(package-lock.json, through npm), PyPI (requirements files; poetry.lock and
uv.lock through poetry and uv) and Cargo (Cargo.lock, through cargo).
Versions come from the ecosystems' own clients or configured indexes, so the
user's registry configuration applies; answers are cached, and --offline uses
only caches.`,
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
	fl.StringVar(&f.branch, "branch", "", "commit the validated changes on a new git branch `name`, one commit per fix")
	fl.StringVar(&f.validate, "validate", "", "test `command` to run instead of the ecosystem's (go test ./..., npm test, ...), through the shell")
	fl.BoolVar(&f.offline, "offline", false, "use only cached versions (module cache, npm cache, patchline's registry cache)")
	fl.StringVarP(&f.format, "format", "f", "markdown", "output `format`: markdown (a pull-request description), table, json or diff")
	fl.StringVarP(&f.output, "output", "o", "", "write the output to `file`")
	fl.DurationVar(&f.timeout, "timeout", 10*time.Minute, "time limit of each build or test step")
	fl.BoolVar(&f.noCheck, "no-validate", false, "apply and re-scan without building or testing")
	fl.StringVar(&f.pypiIndex, "index-url", "", "Python package index `url` (the simple API) for versions and hashes; default: PIP_INDEX_URL, UV_DEFAULT_INDEX, pip's configuration, else pip itself")
	fl.StringVar(&f.cratesIndex, "crates-index", "", "Cargo sparse index `url` for crate versions; default: $"+cargo.EnvIndex+", else only the advisories' fixed versions, checked by cargo")
	return cmd
}

// fixer is a strategy bound to one project.
type fixer struct {
	// eco is the OSV ecosystem.
	eco string
	// strategy is nil when err is set.
	strategy fix.Strategy
	inputs   []string
	versions fix.VersionSource
	// err is why the ecosystem's tool is unusable; its findings are then
	// reported unfixable.
	err error
}

// fixReport is the JSON output: the outcome, and what was done with it.
type fixReport struct {
	fix.Outcome
	Diff    string   `json:"diff,omitempty"`
	Branch  string   `json:"branch,omitempty"`
	Commits []string `json:"commits,omitempty"`
	Applied bool     `json:"applied,omitempty"`
}

func runFix(cmd *cobra.Command, env *Env, g *globals, f *fixFlags, dir string) error {
	switch f.format {
	case "markdown", "json", "table", "diff":
	default:
		return usageErrorf("--format %q: want markdown, table, json or diff", f.format)
	}
	ctx := cmd.Context()
	log := g.logger(env)
	fixers, err := detectFixers(ctx, dir, f, log)
	if err != nil {
		return err
	}
	if len(fixers) == 0 {
		return usageErrorf("fix %q: no go.mod, package-lock.json, requirements file, poetry.lock, uv.lock or Cargo.lock there", dir)
	}
	dbDir, err := g.databaseDir(env)
	if err != nil {
		return err
	}
	database, err := db.Open(dbDir)
	if err != nil {
		return err
	}
	defer database.Close()
	checker := fix.NewDBChecker(database)

	// Plan each ecosystem from the findings of its own files (without
	// reachability: the plan fixes what is affected).
	var findings []result.Finding
	plans := make([]fix.Plan, len(fixers))
	for i, fx := range fixers {
		fs, err := fixFindings(ctx, env, g, database, dir, fx)
		if err != nil {
			return err
		}
		findings = append(findings, fs...)
		if fx.err != nil {
			plans[i] = toolMissing(fx, fs)
			continue
		}
		plans[i], err = fx.strategy.Plan(ctx, dir, fs, fx.versions, checker)
		if err != nil {
			return fmt.Errorf("plan the %s fixes: %w", fx.eco, err)
		}
	}

	rep := fixReport{}
	for _, p := range plans {
		rep.Outcome = merge(rep.Outcome, fix.Outcome{Plan: p})
	}
	changes := len(rep.Plan.Changes)
	if (f.apply || f.branch != "" || f.format == "diff") && changes > 0 {
		rep, err = applyFixes(ctx, dir, f, log, fixers, plans, checker)
		if err != nil {
			return err
		}
	}
	return writeFix(env, f, dir, rep, findings)
}

// detectFixers returns a fixer for each ecosystem whose files are in dir.
func detectFixers(ctx context.Context, dir string, f *fixFlags, log *slog.Logger) ([]fixer, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, usageErrorf("fix %q: %v", dir, err)
	}
	if !st.IsDir() {
		return nil, usageErrorf("fix %q: not a directory (give the project's directory)", dir)
	}
	cache, err := registryCache(f.offline)
	if err != nil {
		return nil, err
	}
	var out []fixer
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
		s, err := golang.New(ctx, golang.Options{Offline: f.offline, Logger: log})
		fx := fixer{eco: inventory.Go, inputs: []string{"go.mod"}, err: err}
		if err == nil {
			fx.strategy, fx.versions = s, s.VersionSource(dir)
		}
		out = append(out, fx)
	}
	if lock := firstExisting(dir, "npm-shrinkwrap.json", "package-lock.json"); lock != "" {
		s, err := npm.New(npm.Options{Offline: f.offline, Cache: cache, Logger: log})
		fx := fixer{eco: inventory.Npm, inputs: []string{lock}, err: err}
		if err == nil {
			fx.strategy, fx.versions = s, s.VersionSource()
		}
		out = append(out, fx)
	}
	py := pypi.New(pypi.Options{Offline: f.offline, Cache: cache, Logger: log, IndexURL: f.pypiIndex})
	if in := py.Inputs(dir); len(in) > 0 {
		out = append(out, fixer{eco: inventory.PyPI, strategy: py, inputs: in, versions: py.VersionSource()})
	}
	cg := cargo.New(cargo.Options{Offline: f.offline, Cache: cache, Logger: log, IndexURL: f.cratesIndex})
	if in := cg.Inputs(dir); len(in) > 0 {
		out = append(out, fixer{eco: inventory.CratesIO, strategy: cg, inputs: in, versions: cg.VersionSource()})
	}
	return out, nil
}

func registryCache(offline bool) (*registry.Cache, error) {
	d, err := registry.DefaultDir()
	if err != nil {
		if offline {
			return nil, err
		}
		return nil, nil // no cache: every answer is asked for
	}
	return &registry.Cache{Dir: d, Offline: offline}, nil
}

func firstExisting(dir string, names ...string) string {
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			return n
		}
	}
	return ""
}

// fixFindings scans the fixer's files and returns the findings of its
// ecosystem.
func fixFindings(ctx context.Context, env *Env, g *globals, database *db.DB, dir string, fx fixer) ([]result.Finding, error) {
	var paths []string
	for _, in := range fx.inputs {
		paths = append(paths, filepath.Join(dir, in))
	}
	c := &report.Collector{}
	s := &scan.Scanner{Extractors: extract.List(extract.Options{GoStdlib: true}), DB: database, Reachability: "off", Logger: g.logger(env)}
	if _, err := s.Run(ctx, paths, c); err != nil {
		return nil, err
	}
	var out []result.Finding
	for _, fd := range c.Result.Findings {
		if fd.Ecosystem == fx.eco {
			out = append(out, fd)
		}
	}
	return out, nil
}

// toolMissing reports every finding of a fixer whose tool is unusable.
func toolMissing(fx fixer, findings []result.Finding) fix.Plan {
	var p fix.Plan
	idx := map[string]int{}
	for _, f := range findings {
		k := f.Package + "@" + f.Version
		i, ok := idx[k]
		if !ok {
			i = len(p.Unfixable)
			idx[k] = i
			p.Unfixable = append(p.Unfixable, fix.Unfixable{
				Ecosystem: f.Ecosystem, Package: f.Package, Version: f.Version,
				Reason: fix.ReasonToolMissing, Detail: fx.err.Error(),
			})
		}
		p.Unfixable[i].IDs = append(p.Unfixable[i].IDs, f.ID)
	}
	return p
}

// applyFixes runs each ecosystem's plan in one scratch copy, then commits,
// copies back and diffs the result as asked.
func applyFixes(ctx context.Context, dir string, f *fixFlags, log *slog.Logger, fixers []fixer, plans []fix.Plan, checker fix.Checker) (fixReport, error) {
	var rep fixReport
	sc, err := fix.NewScratch(ctx, dir, fix.ScratchOptions{Branch: f.branch, Logger: log})
	if err != nil {
		return rep, err
	}
	defer sc.Close(ctx)
	var groups []fix.CommitGroup
	var managed []string
	for i, fx := range fixers {
		if len(plans[i].Changes) == 0 || fx.err != nil {
			rep.Outcome = merge(rep.Outcome, fix.Outcome{Plan: plans[i]})
			continue
		}
		out, err := fix.Run(ctx, fx.strategy, sc.Dir, plans[i], fix.RunOptions{
			Checker: checker, SkipValidation: f.noCheck, Logger: log,
			Validate: fix.ValidateOptions{Command: f.validate, Timeout: f.timeout},
		})
		if err != nil {
			return rep, fmt.Errorf("fix the %s dependencies: %w", fx.eco, err)
		}
		if out.BaselineFailed {
			return rep, fmt.Errorf("the project fails its build or tests without any change (%s): fix that first; nothing was written", failedStep(out))
		}
		rep.Outcome = merge(rep.Outcome, out)
		managed = append(managed, fx.strategy.ManagedFiles()...)
		for _, c := range out.Plan.Changes {
			groups = append(groups, fix.CommitGroup{Strategy: fx.strategy, Changes: []fix.Change{c}, Message: commitMessage([]fix.Change{c})})
		}
	}
	if len(rep.Plan.Changes) == 0 {
		return rep, nil
	}
	if rep.Diff, err = fix.Diff(dir, sc.Dir, managed); err != nil {
		return rep, err
	}
	if f.branch != "" {
		subjects, err := sc.CommitGroups(ctx, groups, commitMessage(rep.Plan.Changes))
		if err != nil {
			return rep, err
		}
		rep.Branch, rep.Commits = f.branch, subjects
	}
	if f.apply {
		if err := sc.CopyBack(ctx, dir, managed); err != nil {
			return rep, err
		}
		rep.Applied = true
	}
	return rep, nil
}

// merge adds b to a: changes, unfixable packages, notes and validation
// steps of several ecosystems in one outcome.
func merge(a, b fix.Outcome) fix.Outcome {
	a.Plan.Changes = append(a.Plan.Changes, b.Plan.Changes...)
	a.Plan.Unfixable = append(a.Plan.Unfixable, b.Plan.Unfixable...)
	a.Plan.Notes = append(a.Plan.Notes, b.Plan.Notes...)
	a.Raised = append(a.Raised, b.Raised...)
	a.Validation.Steps = append(a.Validation.Steps, b.Validation.Steps...)
	a.Validations += b.Validations
	a.BaselineFailed = a.BaselineFailed || b.BaselineFailed
	if a.Plan.Changes == nil {
		a.Plan.Changes = []fix.Change{}
	}
	if a.Plan.Unfixable == nil {
		a.Plan.Unfixable = []fix.Unfixable{}
	}
	return a
}

func writeFix(env *Env, f *fixFlags, dir string, rep fixReport, findings []result.Finding) error {
	out := env.Stdout
	if f.output != "" {
		file, err := os.Create(f.output)
		if err != nil {
			return err
		}
		defer file.Close()
		out = file
	}
	var err error
	switch f.format {
	case "json":
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	case "diff":
		_, err = io.WriteString(out, rep.Diff)
	case "table":
		err = writeFixTable(out, rep)
	default:
		err = fix.WriteMarkdown(out, fix.Description{Project: dir, Outcome: rep.Outcome, Findings: findings})
	}
	if err != nil {
		return err
	}
	if len(rep.Plan.Unfixable) > 0 {
		return ErrFindings // some vulnerabilities remain: a human must look
	}
	return nil
}

func writeFixTable(w io.Writer, rep fixReport) error {
	if len(rep.Plan.Changes) == 0 && len(rep.Plan.Unfixable) == 0 {
		_, err := fmt.Fprintln(w, "No known vulnerabilities to fix.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ECOSYSTEM\tPACKAGE\tFROM\tTO\tKIND\tFIXES")
	for _, c := range rep.Plan.Changes {
		kind := c.Kind
		if c.Target != "" {
			kind += fmt.Sprintf(" (%s %s => %s)", c.Target, c.TargetFrom, c.TargetTo)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.Ecosystem, c.Package, c.From, c.To, kind, strings.Join(c.Fixes, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rep.Plan.Unfixable) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NOT FIXED\tVERSION\tREASON\tIDS\tDETAIL")
		for _, u := range rep.Plan.Unfixable {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Package, u.Version, u.Reason, strings.Join(u.IDs, ", "), u.Detail)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if rep.Branch != "" {
		fmt.Fprintf(w, "\nCommitted on branch %s:\n", rep.Branch)
		for _, s := range rep.Commits {
			fmt.Fprintf(w, "  %s\n", s)
		}
	}
	return nil
}

func failedStep(o fix.Outcome) string {
	if s := o.Validation.Failed(); s != nil {
		return s.Command
	}
	return "validation"
}

// commitMessage says what a fix commit changes, one line per change.
func commitMessage(changes []fix.Change) string {
	var b strings.Builder
	if len(changes) == 1 {
		c := changes[0]
		if c.Target != "" {
			fmt.Fprintf(&b, "deps: upgrade %s to %s (brings %s %s)\n\n", c.Package, c.To, c.Target, c.TargetTo)
		} else {
			fmt.Fprintf(&b, "deps: upgrade %s to %s\n\n", c.Package, c.To)
		}
	} else {
		fmt.Fprintf(&b, "deps: upgrade %d packages to remove known vulnerabilities\n\n", len(changes))
	}
	for _, c := range changes {
		fmt.Fprintf(&b, "- %s (%s) %s => %s, %s: fixes %s\n", c.Package, c.Ecosystem, c.From, c.To, c.Kind, strings.Join(c.Fixes, ", "))
		if c.Reason != "" && len(changes) == 1 {
			fmt.Fprintf(&b, "\n%s\n", c.Reason)
		}
	}
	b.WriteString("\nPlanned, applied and validated by patchline fix.\n")
	return b.String()
}
