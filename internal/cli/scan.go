package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/patchline/patchline/internal/config"
	"github.com/patchline/patchline/internal/db"
	"github.com/patchline/patchline/internal/exploit"
	"github.com/patchline/patchline/internal/extract"
	"github.com/patchline/patchline/internal/policy"
	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/scan"
	"github.com/patchline/patchline/internal/severity"
	"github.com/patchline/patchline/internal/vex"
)

type scanFlags struct {
	format   string
	output   string
	failOn   string
	color    string
	noStdlib bool
	config   string
	reach    string
	vex      []string
	showSupp bool
	explain  bool
	vexUnk   bool
	policy   string
	presets  []string
	baseline string
}

func newScanCommand(env *Env, g *globals) *cobra.Command {
	f := &scanFlags{}
	cmd := &cobra.Command{
		Use:   "scan [PATH]...",
		Short: "Report the known vulnerabilities of the packages a project uses",
		Long: `Scan lockfiles and manifests for packages with known vulnerabilities.

A directory is searched for every supported file (skipping .git, node_modules,
vendor and the like); a file is parsed by its name. With no PATH, scan ".".

Exit codes: 0 nothing found at or above --fail-on; 1 found; 2 usage error;
3 could not run (e.g. no database); 4 a file could not be parsed;
5 both 1 and 4. See docs/exit-codes.md.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd, env, g, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.format, "format", "f", "table", "output `format`: "+formats)
	fl.StringArrayVar(&f.vex, "vex", nil, "VEX `file` (OpenVEX, CycloneDX VEX or CSAF 2.0 VEX; repeatable): not_affected and fixed statements suppress the findings they name, others annotate them")
	fl.StringVar(&f.policy, "policy", "", "policy `file` of CEL rules that gate the scan (docs/policy.md); with it, fail rules decide exit code 1")
	fl.StringArrayVar(&f.presets, "preset", nil, "built-in policy `rule` to apply (repeatable), e.g. no-critical-or-high-with-fix, no-kev")
	fl.StringVar(&f.baseline, "baseline", "", "what to compare with: an earlier JSON `result`, an SBOM, or a git revision; policy rules fail only on findings new since")
	fl.BoolVar(&f.vexUnk, "vex-under-investigation", false, "in OpenVEX and CycloneDX VEX output, state findings whose reachability is unknown as under_investigation instead of affected")
	fl.BoolVar(&f.explain, "explain", false, "list under each finding in the table the reasons for its priority")
	fl.BoolVar(&f.showSupp, "show-suppressed", false, "list suppressed findings (by VEX or .patchline.yaml) in the table, with the reason")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to `file` instead of stdout")
	fl.StringVar(&f.failOn, "fail-on", "any", "exit 1 on findings at or above `level`: any, low, medium, high, critical, or none (never)")
	fl.StringVar(&f.color, "color", "auto", "colour the table: auto (on a terminal, unless NO_COLOR is set), always or never")
	fl.BoolVar(&f.noStdlib, "no-stdlib", false, "do not check the Go standard library version declared by go.mod")
	fl.StringVar(&f.reach, "reachability", "symbol", "reachability analysis depth: off, module, package or symbol (Go: is the vulnerable function called?)")
	fl.StringVar(&f.config, "config", "", "configuration `file` to use for every path (default: .patchline.yaml at each scanned root)")
	return cmd
}

// failThreshold parses --fail-on. ok is false for "none".
func failThreshold(s string) (level severity.Level, any, ok bool, err error) {
	switch strings.ToLower(s) {
	case "any", "":
		return severity.Unknown, true, true, nil
	case "none", "never":
		return 0, false, false, nil
	}
	l, err := severity.ParseLevel(s)
	if err != nil || l == severity.Unknown {
		return 0, false, false, usageErrorf("--fail-on %q: want any, low, medium, high, critical or none", s)
	}
	return l, false, true, nil
}

func runScan(cmd *cobra.Command, env *Env, g *globals, f *scanFlags, args []string) error {
	level, failAny, failOn, err := failThreshold(f.failOn)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		args = []string{"."}
	}
	for _, a := range args {
		if _, err := os.Stat(a); err != nil {
			return usageErrorf("scan %q: %w", a, errors.Unwrap(err))
		}
	}
	switch f.reach {
	case "off", "module", "package", "symbol":
	default:
		return usageErrorf("--reachability %q: want off, module, package or symbol", f.reach)
	}
	// The policy is checked before any scanning: an invalid one is a usage
	// error naming the rule and position.
	var pol *policy.Policy
	if f.policy != "" || len(f.presets) > 0 {
		var err error
		if f.policy != "" {
			pol, err = policy.Load(f.policy, policy.WithPresets(f.presets...))
		} else {
			pol, err = policy.Compile("(presets)", []byte("rules: []\n"), policy.WithPresets(f.presets...))
		}
		if err != nil {
			return &UsageError{Err: err}
		}
	}
	var baselinePath string
	if f.baseline != "" {
		baselinePath = f.baseline
	} else if pol != nil {
		baselinePath = pol.Baseline()
	}
	var cfg *config.Config
	if f.config != "" {
		if cfg, err = config.Load(f.config); err != nil {
			return &UsageError{Err: err}
		}
	}

	var out io.Writer = env.Stdout
	if f.output != "" {
		file, err := os.Create(f.output)
		if err != nil {
			return err
		}
		defer file.Close()
		out = file
	}
	color, err := useColor(f.color, env, out)
	if err != nil {
		return err
	}
	ts, err := sourceDateEpoch(env)
	if err != nil {
		return err
	}
	h, err := newHandler(f.format, out, handlerOptions{color: color, showSuppressed: f.showSupp, explain: f.explain, unknownUnderInvestigation: f.vexUnk, timestamp: ts})
	if err != nil {
		return err
	}
	var statements *vex.Statements
	if len(f.vex) > 0 {
		var lists []*vex.Statements
		for _, p := range f.vex {
			st, err := vex.Load(p)
			if err != nil {
				return &UsageError{Err: fmt.Errorf("--vex: %w", err)}
			}
			lists = append(lists, st)
		}
		statements = vex.Merge(lists...)
	}

	dir, err := g.databaseDir(env)
	if err != nil {
		return err
	}
	database, err := db.Open(dir)
	if err != nil {
		return err
	}
	defer database.Close()
	exploitation, err := exploit.Open(dir)
	if err != nil {
		return err
	}
	defer exploitation.Close()

	s := &scan.Scanner{
		Exploit:      exploitation,
		VEX:          statements,
		Reachability: f.reach,
		Extractors:   extract.List(extract.Options{GoStdlib: !f.noStdlib}),
		DB:           database,
		Tool:         result.Tool{Name: "patchline", Version: Version()},
		Logger:       g.logger(env),
		Config:       cfg,
	}
	var baseline *policy.Baseline
	if baselinePath != "" {
		if baseline, err = loadBaseline(cmd.Context(), env, g, database, baselinePath, args[0]); err != nil {
			return err
		}
	}
	// With a policy, the whole result is gathered first, the rules are
	// evaluated, and the report is rendered with their violations.
	var collected *report.Collector
	target := h
	if pol != nil {
		collected = &report.Collector{}
		target = collected
	}
	sum, err := s.Run(cmd.Context(), args, target)
	var cfgErr *scan.ConfigError
	if errors.As(err, &cfgErr) {
		return &UsageError{Err: err}
	}
	if err != nil {
		return err
	}
	var errs []error
	if pol != nil {
		violations, err := pol.Evaluate(cmd.Context(), policy.Input{Findings: collected.Result.Findings, Packages: collected.Result.Packages, Baseline: baseline})
		if err != nil {
			return err
		}
		for _, v := range violations {
			collected.Result.Violations = append(collected.Result.Violations, result.Violation{Rule: v.Rule, Action: string(v.Action), Message: v.Message,
				Ecosystem: v.Ecosystem, Package: v.Package, Version: v.Version, FindingID: v.FindingID, Source: v.Source, Line: v.Line})
		}
		if pol.NeedsDiff() {
			collected.Result.Warnings = append(collected.Result.Warnings, result.Warning{Message: "the policy has diff rules; a scan has no diff, so they were skipped (use them with patchline diff)"})
		}
		if err := report.Replay(&collected.Result, h); err != nil {
			return err
		}
		if policy.Failed(violations) {
			errs = append(errs, ErrFindings)
		}
		// --fail-on still applies when given explicitly.
		failOn = failOn && cmd.Flags().Changed("fail-on")
	}
	if failOn && ((failAny && sum.Total() > 0) || (!failAny && sum.AtLeast(level) > 0)) && !slices.Contains(errs, ErrFindings) {
		errs = append(errs, ErrFindings)
	}
	if sum.Expired > 0 && !slices.Contains(errs, ErrFindings) {
		// An expired suppression fails loudly, whatever --fail-on says:
		// someone promised to look again by now.
		fmt.Fprintf(env.Stderr, "patchline: %d findings are no longer suppressed: their suppression expired (see the warnings); renew it with a new date or fix them\n", sum.Expired)
		errs = append(errs, ErrFindings)
	}
	if sum.FileErrors > 0 {
		errs = append(errs, ErrIncomplete)
	}
	return errors.Join(errs...)
}

// useColor decides whether the table is coloured.
func useColor(mode string, env *Env, out io.Writer) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
		return env.Getenv("NO_COLOR") == "" && env.IsTerminal(out), nil
	}
	return false, usageErrorf("--color %q: want auto, always or never", mode)
}

// loadBaseline reads what --baseline names: an earlier JSON result, an SBOM
// (scanned now against the same database), or a git revision of the
// project (checked out in a temporary worktree and scanned).
func loadBaseline(ctx context.Context, env *Env, g *globals, database *db.DB, ref, path string) (*policy.Baseline, error) {
	if st, err := os.Stat(ref); err == nil && !st.IsDir() {
		if b, err := policy.LoadBaseline(ref); err == nil {
			return b, nil
		}
		r, _, err := scanSide(ctx, env, g, database, ref) // an SBOM, or a lockfile
		if err != nil {
			return nil, fmt.Errorf("baseline %s: %w", ref, err)
		}
		return policy.NewBaseline(r), nil
	}
	checkout, cleanup, err := checkoutRevision(ctx, ref, path)
	if err != nil {
		return nil, usageErrorf("--baseline %q is neither a file nor a git revision: %w", ref, err)
	}
	defer cleanup()
	r, _, err := scanSide(ctx, env, g, database, checkout)
	if err != nil {
		return nil, fmt.Errorf("baseline %s: %w", ref, err)
	}
	return policy.NewBaseline(r), nil
}
