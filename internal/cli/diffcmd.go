package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/patchline/patchline/internal/db"
	"github.com/patchline/patchline/internal/extract"
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/policy"
	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/report/diffreport"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/scan"
)

type diffFlags struct {
	base    string
	format  string
	output  string
	policy  string
	presets []string
}

func newDiffCommand(env *Env, g *globals) *cobra.Command {
	f := &diffFlags{}
	cmd := &cobra.Command{
		Use:   "diff OLD NEW | diff --base REV [PATH]",
		Short: "Show how the dependencies and their vulnerabilities changed",
		Long: `Compare two lockfiles, two directories or two SBOMs (OLD and NEW), or a git
revision with the working tree (--base REV [PATH]): packages added, removed,
upgraded and downgraded, new transitive dependencies and the direct dependency
that brought them, and the vulnerabilities introduced and fixed.

Files are paired by their path below OLD and NEW, so compare like with like:
two versions of a project's directory, or two lockfiles.

--policy gates the change with the policy's diff rules (and its finding
rules, over the new scan): exit 1 when a fail rule is broken.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if f.base != "" && len(args) > 1 {
				return usageErrorf("with --base, give at most one PATH")
			}
			if f.base == "" && len(args) != 2 {
				return usageErrorf("give OLD and NEW, or --base REV")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDiff(cmd, env, g, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.base, "base", "", "git `revision` to compare the working tree with")
	fl.StringVarP(&f.format, "format", "f", "table", "output `format`: table, json or markdown")
	fl.StringVarP(&f.output, "output", "o", "", "write to `file` instead of stdout")
	fl.StringVar(&f.policy, "policy", "", "policy `file` whose rules gate the change (docs/policy.md)")
	fl.StringArrayVar(&f.presets, "preset", nil, "built-in policy `rule` (repeatable), e.g. no-new-vulnerable-transitive, no-downgrades")
	return cmd
}

func runDiff(cmd *cobra.Command, env *Env, g *globals, f *diffFlags, args []string) error {
	switch f.format {
	case "table", "json", "markdown":
	default:
		return usageErrorf("--format %q: want table, json or markdown", f.format)
	}
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
	ctx := cmd.Context()
	dir, err := g.databaseDir(env)
	if err != nil {
		return err
	}
	database, err := db.Open(dir)
	if err != nil {
		return err
	}
	defer database.Close()

	oldPath, newPath, oldName, newName := "", "", "", ""
	if f.base != "" {
		path := "."
		if len(args) == 1 {
			path = args[0]
		}
		checkout, cleanup, err := checkoutRevision(ctx, f.base, path)
		if err != nil {
			return err
		}
		defer cleanup()
		oldPath, newPath, oldName, newName = checkout, path, f.base, "working tree"
	} else {
		for _, a := range args {
			if _, err := os.Stat(a); err != nil {
				return usageErrorf("diff %q: %w", a, err)
			}
		}
		oldPath, newPath, oldName, newName = args[0], args[1], args[0], args[1]
	}
	before, _, err := scanSide(ctx, env, g, database, oldPath)
	if err != nil {
		return err
	}
	after, via, err := scanSide(ctx, env, g, database, newPath)
	if err != nil {
		return err
	}
	d, err := policy.NewDiff(ctx, before, after)
	if err != nil {
		return err
	}
	// Which direct dependency brought each new package in, where the new
	// lockfile records the graph.
	for _, list := range [][]policy.Package{d.Added, d.NewTransitive} {
		for i := range list {
			list[i].Via = via[viaKey{list[i].Ecosystem, list[i].Name, list[i].Version}]
		}
	}
	doc := diffreport.New(oldName, newName, d)
	var failed bool
	if pol != nil {
		vs, err := pol.Evaluate(ctx, policy.Input{Findings: after.Findings, Packages: after.Packages, Diff: d, Baseline: policy.NewBaseline(before)})
		if err != nil {
			return err
		}
		for _, v := range vs {
			doc.Violations = append(doc.Violations, result.Violation{Rule: v.Rule, Action: string(v.Action), Message: v.Message,
				Ecosystem: v.Ecosystem, Package: v.Package, Version: v.Version, FindingID: v.FindingID, Source: v.Source, Line: v.Line})
		}
		failed = policy.Failed(vs)
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
		err = doc.WriteJSON(out)
	case "markdown":
		err = doc.WriteMarkdown(out)
	default:
		err = doc.WriteTable(out)
	}
	if err != nil {
		return err
	}
	if failed {
		return ErrFindings
	}
	return nil
}

// viaKey names a package version for the dependency graph's "via".
type viaKey struct{ eco, name, version string }

// scanSide scans one side of a diff and rewrites sources relative to it,
// so that the same file on both sides pairs up. It also returns, from the
// lockfiles' dependency graphs, the direct dependencies each package is
// reached through.
func scanSide(ctx context.Context, env *Env, g *globals, database *db.DB, path string) (*result.Result, map[viaKey][]string, error) {
	c := &report.Collector{}
	via := map[viaKey][]string{}
	s := &scan.Scanner{Extractors: extract.List(extract.Options{GoStdlib: true}), DB: database, Reachability: "off", Logger: g.logger(env),
		OnInventory: func(_ extract.File, inv inventory.Inventory) {
			through := inv.Via()
			for _, p := range inv.Packages {
				if names := through[p.ID]; p.ID != "" && len(names) > 0 {
					k := viaKey{p.Ecosystem, p.Name, p.Version}
					via[k] = mergeSorted(via[k], names)
				}
			}
		}}
	if _, err := s.Run(ctx, []string{path}, c); err != nil {
		return nil, nil, err
	}
	root := filepath.ToSlash(path)
	single := false
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		// Two files are compared with each other whatever their formats
		// (requirements.txt then poetry.lock): no source to pair by.
		root, single = filepath.ToSlash(filepath.Dir(path)), true
	}
	rel := func(p string) string {
		if single {
			return ""
		}
		if r := strings.TrimPrefix(p, strings.TrimSuffix(root, "/")+"/"); r != p {
			return r
		}
		return p
	}
	r := &c.Result
	for i := range r.Packages {
		r.Packages[i].Source = rel(r.Packages[i].Source)
	}
	for i := range r.Findings {
		r.Findings[i].Source = rel(r.Findings[i].Source)
	}
	return r, via, nil
}

func mergeSorted(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// checkoutRevision makes a detached git worktree of rev and returns the
// path in it that corresponds to path in the working tree.
func checkoutRevision(ctx context.Context, rev, path string) (string, func(), error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", nil, err
	}
	top, err := gitOutput(ctx, abs, "rev-parse", "--show-toplevel")
	if err != nil {
		return "", nil, usageErrorf("--base needs a git repository at %q: %w", path, err)
	}
	tmp, err := os.MkdirTemp("", "patchline-diff-")
	if err != nil {
		return "", nil, err
	}
	wt := filepath.Join(tmp, "base")
	if _, err := gitOutput(ctx, top, "worktree", "add", "--detach", "--quiet", wt, rev); err != nil {
		os.RemoveAll(tmp)
		return "", nil, usageErrorf("--base %q: %w", rev, err)
	}
	cleanup := func() {
		_, _ = gitOutput(context.Background(), top, "worktree", "remove", "--force", wt)
		os.RemoveAll(tmp)
	}
	sub, err := filepath.Rel(top, abs)
	if err != nil {
		cleanup()
		return "", nil, err
	}
	return filepath.Join(wt, sub), cleanup, nil
}

func gitOutput(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}
