package fix

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// RunOptions tune [Run].
type RunOptions struct {
	// Checker decides, for the re-scan, which advisories affect a package.
	Checker Checker
	// Validate is passed to [Strategy.Validate].
	Validate ValidateOptions
	// SkipValidation applies and re-scans without building or testing.
	SkipValidation bool
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
}

// Outcome is what [Run] did.
type Outcome struct {
	// Plan is the result. Changes are the changes left applied in the
	// scratch copy: each re-scanned, and validated unless validation was
	// skipped or BaselineFailed. Unfixable holds the plan's unfixable
	// packages and the changes that were tried and reverted.
	Plan Plan `json:"plan"`
	// Raised lists the other packages the kept changes moved (Go's minimal
	// version selection raises a module's requirements with it).
	Raised []Bump `json:"raised,omitempty"`
	// Validation is the evidence for the kept changes: the run that
	// passed with all of them, or the failing run when BaselineFailed.
	Validation Validation `json:"validation"`
	// BaselineFailed is set when the project fails validation without any
	// change: nothing could be attributed, so the changes are kept
	// unvalidated.
	BaselineFailed bool `json:"baseline_failed,omitempty"`
	// Validations counts the validation runs, bisection included.
	Validations int `json:"validations"`
}

// Bump is one package whose version changed as a side effect. From is
// empty for a package that came in, To for one that left.
type Bump struct {
	Package string `json:"package"`
	From    string `json:"from"`
	To      string `json:"to"`
}

// Run applies plan's changes with strategy s in the scratch project at
// dir (see [NewScratch]; never the user's tree), then:
//
//  1. re-scans: the vulnerabilities each change fixes must be gone and no
//     package may gain one. When the whole set fails, the changes are
//     applied one at a time and those that fail are reverted and reported
//     ([ReasonApplyFailed], [ReasonRescan]).
//  2. validates (build, tests): when the set fails, the changes are
//     applied again one at a time, each validated on top of those already
//     kept; a change that fails is reverted and reported as
//     [ReasonNeedsHuman] with the failing output, and the others are kept.
//
// The scratch project is left with the kept changes applied.
func Run(ctx context.Context, s Strategy, dir string, plan Plan, opts RunOptions) (Outcome, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &runner{s: s, dir: dir, opts: opts, log: log}
	out := Outcome{Plan: Plan{
		Unfixable: append([]Unfixable(nil), plan.Unfixable...),
		Notes:     append([]string(nil), plan.Notes...),
	}}
	if len(plan.Changes) == 0 {
		return out, nil
	}
	if opts.Checker == nil {
		return out, errors.New("fix: no checker for the re-scan")
	}
	base, err := r.scan(ctx)
	if err != nil {
		return out, fmt.Errorf("scan the scratch copy before any change: %w", err)
	}
	baseSnap, err := save(ctx, dir, s.ManagedFiles())
	if err != nil {
		return out, err
	}
	defer baseSnap.discard(log)

	kept, state, err := r.applyAndRescan(ctx, plan.Changes, base, baseSnap, &out)
	if err != nil {
		return out, err
	}
	if len(kept) > 0 && !opts.SkipValidation {
		kept, err = r.validate(ctx, kept, baseSnap, &out)
		if err != nil {
			return out, err
		}
		if state, err = r.scan(ctx); err != nil {
			return out, fmt.Errorf("scan the scratch copy after validation: %w", err)
		}
	}
	out.Plan.Changes = kept
	out.Raised = raised(base, state, kept)
	return out, nil
}

type runner struct {
	s    Strategy
	dir  string
	opts RunOptions
	log  *slog.Logger
}

// scanned is the vulnerability state of one package name: every version
// of it the project resolves (npm nests several, Cargo keeps one per
// major version) and the advisories of each.
type scanned struct {
	versions map[string]map[string]Vuln // version -> advisory id -> vuln
}

// version returns the versions, sorted and joined.
func (sc scanned) version() string {
	vs := make([]string, 0, len(sc.versions))
	for v := range sc.versions {
		vs = append(vs, v)
	}
	sort.Strings(vs)
	return strings.Join(vs, ", ")
}

// ids returns the advisories of every version.
func (sc scanned) ids() map[string]bool {
	out := map[string]bool{}
	for _, vulns := range sc.versions {
		for id := range vulns {
			out[id] = true
		}
	}
	return out
}

// state is the vulnerability state of a project, by package name.
type state map[string]scanned

func (r *runner) scan(ctx context.Context) (state, error) {
	pkgs, err := r.s.Packages(ctx, r.dir)
	if err != nil {
		return nil, err
	}
	st := make(state, len(pkgs))
	for _, p := range pkgs {
		v, err := r.opts.Checker.Check(ctx, p)
		if err != nil {
			return nil, err
		}
		sc, ok := st[p.Name]
		if !ok {
			sc = scanned{versions: map[string]map[string]Vuln{}}
			st[p.Name] = sc
		}
		vulns := sc.versions[p.Version]
		if vulns == nil {
			vulns = map[string]Vuln{}
			sc.versions[p.Version] = vulns
		}
		for _, x := range v.Vulns {
			vulns[x.ID] = x
		}
	}
	return st, nil
}

// judge returns why the changes, taking the project from before to after,
// fail the re-scan; empty when they pass. A change fails when the version
// it moved from is still there with the advisories it was to remove, or
// the version it moved to has them; the project fails when a package
// name gains an advisory none of its versions had.
func judge(changes []Change, before, after state) []string {
	var why []string
	for _, c := range changes {
		name, from, to := c.Package, c.From, c.To
		if c.Target != "" {
			name, from, to = c.Target, c.TargetFrom, c.TargetTo
		}
		sc, ok := after[name]
		if !ok {
			continue // tidied away: nothing of it is left
		}
		for _, v := range []string{from, to} {
			var still []string
			for id, x := range sc.versions[v] {
				if contains(c.Advisories, id) {
					still = append(still, id)
					continue
				}
				for _, f := range c.Fixes {
					if id == f || contains(x.Aliases, f) {
						still = append(still, id)
						break
					}
				}
			}
			if len(still) > 0 {
				sort.Strings(still)
				why = append(why, fmt.Sprintf("%s is at %s and still affected by %s", name, sc.version(), strings.Join(still, ", ")))
				break
			}
		}
	}
	names := make([]string, 0, len(after))
	for n := range after {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		had := before[n].ids()
		var added []string
		for id := range after[n].ids() {
			if !had[id] {
				added = append(added, id)
			}
		}
		if len(added) > 0 {
			sort.Strings(added)
			why = append(why, fmt.Sprintf("%s@%s gains %s", n, after[n].version(), strings.Join(added, ", ")))
		}
	}
	return why
}

// applyAndRescan applies changes and keeps those that pass the re-scan.
func (r *runner) applyAndRescan(ctx context.Context, changes []Change, base state, baseSnap *snapshot, out *Outcome) ([]Change, state, error) {
	r.log.Info("applying changes", "count", len(changes))
	err := r.s.Apply(ctx, r.dir, Plan{Changes: changes})
	if ctx.Err() != nil {
		return nil, nil, ctx.Err()
	}
	var why []string
	var after state
	if err == nil {
		after, err = r.scan(ctx)
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if err == nil {
			if why = judge(changes, base, after); len(why) == 0 {
				return changes, after, nil
			}
		}
	}
	if len(changes) == 1 {
		out.Plan.Unfixable = append(out.Plan.Unfixable, reverted(changes[0], err, why))
		return nil, base, baseSnap.restore(ctx)
	}
	r.log.Info("the changes together fail the re-scan; applying them one at a time", "why", strings.Join(why, "; "), "error", err)
	if err := baseSnap.restore(ctx); err != nil {
		return nil, nil, err
	}
	good, err := save(ctx, r.dir, r.s.ManagedFiles())
	if err != nil {
		return nil, nil, err
	}
	defer good.discard(r.log)
	var kept []Change
	cur := base
	for _, c := range changes {
		err := r.s.Apply(ctx, r.dir, Plan{Changes: []Change{c}})
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		var why []string
		var after state
		if err == nil {
			after, err = r.scan(ctx)
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			if err == nil {
				why = judge([]Change{c}, cur, after)
			}
		}
		if err != nil || len(why) > 0 {
			r.log.Info("change reverted", "change", c.String(), "why", strings.Join(why, "; "), "error", err)
			out.Plan.Unfixable = append(out.Plan.Unfixable, reverted(c, err, why))
			if err := good.restore(ctx); err != nil {
				return nil, nil, err
			}
			continue
		}
		kept = append(kept, c)
		cur = after
		if err := good.refresh(ctx); err != nil {
			return nil, nil, err
		}
	}
	return kept, cur, nil
}

// reverted reports a change that failed to apply or failed the re-scan.
func reverted(c Change, err error, why []string) Unfixable {
	u := Unfixable{
		Ecosystem: c.Ecosystem, Package: c.Package, Version: c.From, IDs: c.Fixes,
		Reason: ReasonRescan, Change: &c,
	}
	if err != nil {
		u.Reason = ReasonApplyFailed
		u.Detail = fmt.Sprintf("%s could not be applied: %v", c.String(), err)
		var se *StepError
		if errors.As(err, &se) {
			step := se.Step
			u.Evidence = &step
			u.Detail = fmt.Sprintf("%s could not be applied: `%s` failed", c.String(), step.Command)
		}
		return u
	}
	u.Detail = fmt.Sprintf("%s was reverted: %s", c.String(), strings.Join(why, "; "))
	return u
}

// validate validates the kept changes and, when they fail, finds the
// culprits by applying them one at a time.
func (r *runner) validate(ctx context.Context, kept []Change, baseSnap *snapshot, out *Outcome) ([]Change, error) {
	r.log.Info("validating", "changes", len(kept))
	all, err := r.run(ctx, out)
	if err != nil {
		return nil, err
	}
	if all.OK() {
		out.Validation = all
		return kept, nil
	}
	allSnap, err := save(ctx, r.dir, r.s.ManagedFiles())
	if err != nil {
		return nil, err
	}
	defer allSnap.discard(r.log)
	if err := baseSnap.restore(ctx); err != nil {
		return nil, err
	}
	good, err := save(ctx, r.dir, r.s.ManagedFiles())
	if err != nil {
		return nil, err
	}
	defer good.discard(r.log)

	r.log.Info("validation failed; applying the changes one at a time", "failed", failedName(all))
	var accepted []Change
	baselineChecked := false
	for i, c := range kept {
		var v Validation
		if len(kept) == 1 {
			v = all // the same tree: do not run it again
		} else {
			if err := r.s.Apply(ctx, r.dir, Plan{Changes: []Change{c}}); err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				out.Plan.Unfixable = append(out.Plan.Unfixable, reverted(c, err, nil))
				if err := good.restore(ctx); err != nil {
					return nil, err
				}
				continue
			}
			if v, err = r.run(ctx, out); err != nil {
				return nil, err
			}
		}
		if v.OK() {
			accepted = append(accepted, c)
			out.Validation = v
			if err := good.refresh(ctx); err != nil {
				return nil, err
			}
			continue
		}
		if len(accepted) == 0 && !baselineChecked {
			// Nothing kept yet: is the project broken without any change?
			baselineChecked = true
			if err := baseSnap.restore(ctx); err != nil {
				return nil, err
			}
			b, err := r.run(ctx, out)
			if err != nil {
				return nil, err
			}
			if !b.OK() {
				r.log.Info("the project fails validation without any change; keeping the changes unvalidated")
				out.BaselineFailed = true
				out.Validation = all
				out.Plan.Notes = append(out.Plan.Notes, fmt.Sprintf("the project fails validation (%s) without any change: the changes were applied and re-scanned but could not be validated", failedName(b)))
				return kept, allSnap.restore(ctx)
			}
		}
		r.log.Info("change breaks validation", "change", c.String(), "step", failedName(v))
		step := *v.Failed()
		out.Plan.Unfixable = append(out.Plan.Unfixable, Unfixable{
			Ecosystem: c.Ecosystem, Package: c.Package, Version: c.From, IDs: c.Fixes,
			Reason: ReasonNeedsHuman, Change: &kept[i], Evidence: &step,
			Detail: fmt.Sprintf("%s fixes the vulnerabilities but `%s` fails with it: the code needs changes a human must make (see the output)", c.String(), step.Command),
		})
		if err := good.restore(ctx); err != nil {
			return nil, err
		}
	}
	if len(accepted) == 0 {
		out.Validation = Validation{}
	}
	return accepted, nil
}

func (r *runner) run(ctx context.Context, out *Outcome) (Validation, error) {
	out.Validations++
	v, err := r.s.Validate(ctx, r.dir, r.opts.Validate)
	if err != nil {
		return v, fmt.Errorf("validate: %w", err)
	}
	return v, nil
}

func failedName(v Validation) string {
	if s := v.Failed(); s != nil {
		return s.Name
	}
	return "no step"
}

// raised lists the packages other than the changed ones whose version
// differs between before and after.
func raised(before, after state, changes []Change) []Bump {
	changed := map[string]bool{}
	for _, c := range changes {
		changed[c.Package] = true
		if c.Target != "" {
			changed[c.Target] = true
		}
	}
	var out []Bump
	for n, a := range after {
		if changed[n] {
			continue
		}
		if b, ok := before[n]; !ok || b.version() != a.version() {
			out = append(out, Bump{Package: n, From: before[n].version(), To: a.version()})
		}
	}
	for n, b := range before {
		if _, ok := after[n]; !ok && !changed[n] {
			out = append(out, Bump{Package: n, From: b.version()})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Package < out[j].Package })
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// snapshot is a saved copy of a project's managed files.
type snapshot struct {
	dir     string
	paths   []string
	store   string
	present map[string]bool
}

// save copies paths (relative to dir) aside.
func save(ctx context.Context, dir string, paths []string) (*snapshot, error) {
	store, err := os.MkdirTemp("", "patchline-snapshot-")
	if err != nil {
		return nil, fmt.Errorf("save managed files: %w", err)
	}
	s := &snapshot{dir: dir, paths: paths, store: store}
	if err := s.refresh(ctx); err != nil {
		return nil, errors.Join(err, os.RemoveAll(store))
	}
	return s, nil
}

// refresh saves the current content of the paths again.
func (s *snapshot) refresh(ctx context.Context) error {
	s.present = map[string]bool{}
	for _, p := range s.paths {
		dst := filepath.Join(s.store, p)
		if err := os.RemoveAll(dst); err != nil {
			return fmt.Errorf("save %q: %w", p, err)
		}
		src := filepath.Join(s.dir, p)
		if _, err := os.Lstat(src); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return fmt.Errorf("save %q: %w", p, err)
		}
		if err := copyPath(ctx, src, dst); err != nil {
			return fmt.Errorf("save %q: %w", p, err)
		}
		s.present[p] = true
	}
	return nil
}

// restore puts the saved paths back, removing those that did not exist.
func (s *snapshot) restore(ctx context.Context) error {
	for _, p := range s.paths {
		dst := filepath.Join(s.dir, p)
		if err := os.RemoveAll(dst); err != nil {
			return fmt.Errorf("restore %q: %w", p, err)
		}
		if !s.present[p] {
			continue
		}
		if err := copyPath(ctx, filepath.Join(s.store, p), dst); err != nil {
			return fmt.Errorf("restore %q: %w", p, err)
		}
	}
	return nil
}

// discard removes the saved copy; a failure only leaves a temporary
// directory behind, so it is logged.
func (s *snapshot) discard(log *slog.Logger) {
	if err := os.RemoveAll(s.store); err != nil {
		log.Warn("could not remove a temporary directory", "dir", s.store, "error", err)
	}
}
