// Package policy gates CI on scan results: a policy file holds rules, each
// a CEL expression over a finding, a package or the changes between two
// scans, and an action (fail or warn) for what the expression matches.
//
// [Compile] checks a whole policy file (YAML syntax, keys, types of every
// expression and message) before anything is scanned, and names the file,
// the rule and the line and column of every error, including errors inside
// an expression. [Policy.Evaluate] then runs the rules over a scan's
// findings and packages, and over a [Diff] of two scans when there is one,
// and returns the violations in a deterministic order.
//
// The object model the expressions see ([Finding], [Package], [Diff]) and
// the built-in [Presets] are documented in MODEL.md beside this file.
package policy

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/interpreter"

	"github.com/patchline/patchline/internal/result"
)

// Action is what a violation of a rule does.
type Action string

// Actions.
const (
	// Fail makes the command fail (exit code 1).
	Fail Action = "fail"
	// Warn reports the violation without failing.
	Warn Action = "warn"
)

// Kind is what a rule's expression ranges over.
type Kind string

// Kinds.
const (
	// ForFinding rules are evaluated once per finding, as `finding`.
	ForFinding Kind = "finding"
	// ForPackage rules are evaluated once per package, as `pkg`.
	ForPackage Kind = "package"
	// ForDiff rules are evaluated once per diff, as `diff`.
	ForDiff Kind = "diff"
)

// Rule describes one rule of a compiled policy.
type Rule struct {
	Name        string
	Description string
	Action      Action
	For         Kind
	Expr        string
	// Message is the message template; "" for the default message.
	Message string
	// IncludeBaseline makes a finding rule see the findings that are in
	// the baseline too.
	IncludeBaseline bool
	// Preset is the name of the preset the rule comes from, "" for a rule
	// of the file.
	Preset string
	// Line and Column locate the rule in the policy file (for a preset:
	// its entry in presets:); 0 when the caller selected it.
	Line, Column int
}

// Policy is a compiled policy.
type Policy struct {
	path     string
	baseline string
	rules    []*rule
	params   ref.Val
}

// rule is a compiled rule.
type rule struct {
	Rule
	prg  cel.Program
	msg  *template // nil: default message
	list bool      // a diff rule whose expression is a list
}

// Violation is one thing a rule matched.
type Violation struct {
	Rule    string `json:"rule"`
	Action  Action `json:"action"`
	Message string `json:"message"`
	// Ecosystem, Package and Version name the package concerned; empty for
	// a diff rule whose expression is a bool.
	Ecosystem string `json:"ecosystem,omitempty"`
	Package   string `json:"package,omitempty"`
	Version   string `json:"version,omitempty"`
	// FindingID is the finding's id, for finding rules and diff rules over
	// findings.
	FindingID string `json:"finding_id,omitempty"`
	// Source and Line locate the package in its lockfile.
	Source string `json:"source,omitempty"`
	Line   int    `json:"line,omitempty"`
}

// Input is what a policy is evaluated on.
type Input struct {
	// Findings are the reported findings of a scan (result.Result.Findings:
	// suppressed findings are not given).
	Findings []result.Finding
	// Packages are the packages of the scan.
	Packages []result.Package
	// Diff is the change from an earlier scan; nil when there is none, and
	// then the policy's diff rules are skipped (see [Policy.NeedsDiff]).
	Diff *Diff
	// Baseline holds the findings accepted earlier; finding rules skip
	// them unless they say include_baseline. Nil: every finding is new.
	Baseline *Baseline
	// License returns a package's licence; nil when licences are unknown.
	License func(result.Package) string
	// Now is the time advisory ages are computed at; zero means time.Now().
	Now time.Time
}

// Option configures [Compile].
type Option func(*options)

type options struct {
	presets []string
	params  map[string]any
}

// WithPresets selects presets by name (a command's --preset flag). They
// run before the file's presets; one the file selects too runs once, with
// the file's action.
func WithPresets(names ...string) Option {
	return func(o *options) { o.presets = append(o.presets, names...) }
}

// WithParams sets params for the presets the caller selects; the file's
// params: entries override them.
func WithParams(params map[string]any) Option {
	return func(o *options) {
		if o.params == nil {
			o.params = make(map[string]any)
		}
		for k, v := range params {
			o.params[k] = v
		}
	}
}

// Path returns the path of the policy file.
func (p *Policy) Path() string { return p.path }

// Baseline returns the path of the baseline result the file's baseline:
// names, relative paths taken from the policy file's directory; "" when it
// names none. Loading it ([LoadBaseline]) is up to the caller.
func (p *Policy) Baseline() string { return p.baseline }

// Rules returns the policy's rules in evaluation order: presets first (the
// caller's, then the file's), then the file's rules.
func (p *Policy) Rules() []Rule {
	out := make([]Rule, len(p.rules))
	for i, r := range p.rules {
		out[i] = r.Rule
	}
	return out
}

// NeedsDiff reports whether the policy has diff rules, which are skipped
// when [Input] has no Diff.
func (p *Policy) NeedsDiff() bool {
	for _, r := range p.rules {
		if r.For == ForDiff {
			return true
		}
	}
	return false
}

// Failed reports whether any violation has action fail.
func Failed(vs []Violation) bool {
	for _, v := range vs {
		if v.Action == Fail {
			return true
		}
	}
	return false
}

// Evaluate runs the policy's rules over in. Violations come rule by rule
// in [Policy.Rules] order, and within a rule in the order of in's findings,
// packages or the diff's lists.
//
// An expression or message that fails at run time (an index out of range,
// a missing params key) stops that rule only: the error names the rule and
// the finding or package, and the other rules still run. The violations
// found are returned with the joined errors.
func (p *Policy) Evaluate(ctx context.Context, in Input) ([]Violation, error) {
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	var (
		vs       []Violation
		errs     []error
		findings []Finding
		packages []Package
		diff     *Diff
	)
	for _, r := range p.rules {
		if err := ctx.Err(); err != nil {
			return vs, err
		}
		var err error
		switch r.For {
		case ForFinding:
			if findings == nil {
				findings = make([]Finding, len(in.Findings))
				for i, f := range in.Findings {
					findings[i] = NewFinding(f)
					findings[i].withAge(now)
					findings[i].InBaseline = in.Baseline != nil && !in.Baseline.IsNew(f)
				}
			}
			vs, err = p.evalFindings(ctx, r, findings, vs)
		case ForPackage:
			if packages == nil {
				idx := newVulnIndex(in.Findings)
				packages = make([]Package, len(in.Packages))
				for i, pk := range in.Packages {
					packages[i] = idx.pkg(pk, in.License)
				}
			}
			vs, err = p.evalPackages(ctx, r, packages, vs)
		case ForDiff:
			if in.Diff == nil {
				continue
			}
			if diff == nil {
				diff = in.Diff.withAge(now)
			}
			vs, err = p.evalDiff(ctx, r, diff, vs)
		}
		if err != nil {
			if ctx.Err() != nil {
				return vs, ctx.Err()
			}
			errs = append(errs, fmt.Errorf("policy %s: rule %q: %w", p.path, r.Name, err))
		}
	}
	return vs, errors.Join(errs...)
}

func (p *Policy) evalFindings(ctx context.Context, r *rule, fs []Finding, vs []Violation) ([]Violation, error) {
	act := &activation{params: p.params}
	for i := range fs {
		if i%256 == 0 && ctx.Err() != nil {
			return vs, ctx.Err()
		}
		f := &fs[i]
		if f.InBaseline && !r.IncludeBaseline {
			continue
		}
		act.finding = f
		hit, msg, err := r.match(ctx, act)
		if err != nil {
			return vs, fmt.Errorf("finding %s in %s@%s (%s): %w", f.ID, f.Package, f.Version, f.Source, err)
		}
		if !hit {
			continue
		}
		if r.msg == nil {
			msg = findingMessage(f, r.Description)
		}
		vs = append(vs, findingViolation(r, msg, f))
	}
	return vs, nil
}

func (p *Policy) evalPackages(ctx context.Context, r *rule, ps []Package, vs []Violation) ([]Violation, error) {
	act := &activation{params: p.params}
	for i := range ps {
		if i%256 == 0 && ctx.Err() != nil {
			return vs, ctx.Err()
		}
		pk := &ps[i]
		act.pkg = pk
		hit, msg, err := r.match(ctx, act)
		if err != nil {
			return vs, fmt.Errorf("package %s@%s (%s): %w", pk.Name, pk.Version, pk.Source, err)
		}
		if !hit {
			continue
		}
		if r.msg == nil {
			msg = withDescription(pk.Name+"@"+pk.Version, r.Description)
		}
		vs = append(vs, packageViolation(r, msg, pk))
	}
	return vs, nil
}

func (p *Policy) evalDiff(ctx context.Context, r *rule, d *Diff, vs []Violation) ([]Violation, error) {
	act := &activation{params: p.params, diff: d}
	out, _, err := r.eval(ctx, act)
	if err != nil {
		return vs, fmt.Errorf("expr: %w", err)
	}
	switch out := out.(type) {
	case types.Bool:
		if !out {
			return vs, nil
		}
		msg := withDescription("the changes match the rule", r.Description)
		if r.msg != nil {
			if msg, err = r.msg.render(ctx, r.For, act); err != nil {
				return vs, err
			}
		}
		return append(vs, Violation{Rule: r.Name, Action: r.Action, Message: msg}), nil
	case traits.Lister:
		for it := out.Iterator(); it.HasNext() == types.True; {
			if ctx.Err() != nil {
				return vs, ctx.Err()
			}
			item := it.Next()
			v := itemViolation(r, item.Value())
			if r.msg != nil {
				act.item = item
				msg, err := r.msg.render(ctx, r.For, act)
				if err != nil {
					return vs, fmt.Errorf("%s: %w", describeItem(item), err)
				}
				v.Message = msg
			}
			vs = append(vs, v)
		}
		return vs, nil
	}
	return vs, fmt.Errorf("expr: evaluated to %s, not a bool or a list", out.Type().TypeName())
}

// match evaluates the rule's bool expression and, when it holds and the
// rule has a message, the message.
func (r *rule) match(ctx context.Context, act *activation) (bool, string, error) {
	out, _, err := r.eval(ctx, act)
	if err != nil {
		return false, "", fmt.Errorf("expr: %w", err)
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, "", fmt.Errorf("expr: evaluated to %s, not a bool", out.Type().TypeName())
	}
	if !b || r.msg == nil {
		return bool(b), "", nil
	}
	msg, err := r.msg.render(ctx, r.For, act)
	return true, msg, err
}

func findingMessage(f *Finding, desc string) string {
	msg := fmt.Sprintf("%s@%s has %s (%s)", f.Package, f.Version, f.ID, f.Severity.Level)
	if len(f.Fixed) > 0 {
		msg += "; fixed in " + f.Fixed[0]
	}
	return withDescription(msg, desc)
}

func withDescription(msg, desc string) string {
	if desc == "" {
		return msg
	}
	return msg + ": " + desc
}

func findingViolation(r *rule, msg string, f *Finding) Violation {
	return Violation{
		Rule: r.Name, Action: r.Action, Message: msg,
		Ecosystem: f.Ecosystem, Package: f.Package, Version: f.Version, FindingID: f.ID,
		Source: f.Source, Line: f.Line,
	}
}

func packageViolation(r *rule, msg string, p *Package) Violation {
	return Violation{
		Rule: r.Name, Action: r.Action, Message: msg,
		Ecosystem: p.Ecosystem, Package: p.Name, Version: p.Version,
		Source: p.Source, Line: p.Line,
	}
}

// itemViolation is the violation of one element of a diff rule's list,
// with the default message.
func itemViolation(r *rule, item any) Violation {
	switch x := item.(type) {
	case Package:
		return packageViolation(r, withDescription(x.Name+"@"+x.Version, r.Description), &x)
	case *Package:
		return itemViolation(r, *x)
	case Change:
		v := packageViolation(r, withDescription(fmt.Sprintf("%s %s -> %s", x.Package.Name, x.From, x.To), r.Description), &x.Package)
		return v
	case *Change:
		return itemViolation(r, *x)
	case Finding:
		return findingViolation(r, findingMessage(&x, r.Description), &x)
	case *Finding:
		return itemViolation(r, *x)
	}
	return Violation{Rule: r.Name, Action: r.Action, Message: withDescription(fmt.Sprint(item), r.Description)}
}

func describeItem(item ref.Val) string {
	switch x := item.Value().(type) {
	case Package:
		return fmt.Sprintf("package %s@%s (%s)", x.Name, x.Version, x.Source)
	case *Package:
		return fmt.Sprintf("package %s@%s (%s)", x.Name, x.Version, x.Source)
	case Change:
		return fmt.Sprintf("change of %s from %s to %s (%s)", x.Package.Name, x.From, x.To, x.Package.Source)
	case *Change:
		return fmt.Sprintf("change of %s from %s to %s (%s)", x.Package.Name, x.From, x.To, x.Package.Source)
	case Finding:
		return fmt.Sprintf("finding %s in %s@%s (%s)", x.ID, x.Package, x.Version, x.Source)
	case *Finding:
		return fmt.Sprintf("finding %s in %s@%s (%s)", x.ID, x.Package, x.Version, x.Source)
	}
	s, err := formatValue(item)
	if err != nil {
		return "item"
	}
	return fmt.Sprintf("item %q", s)
}

// eval evaluates a program of the rule: diff rules watch ctx while they
// run (see programOptions).
func (r *rule) eval(ctx context.Context, act *activation) (ref.Val, *cel.EvalDetails, error) {
	return evalProgram(ctx, r.For, r.prg, act)
}

func evalProgram(ctx context.Context, kind Kind, prg cel.Program, act *activation) (ref.Val, *cel.EvalDetails, error) {
	if kind == ForDiff {
		return prg.ContextEval(ctx, act)
	}
	return prg.Eval(act)
}

// withAge returns a copy of d whose findings have their ages as of now.
func (d *Diff) withAge(now time.Time) *Diff {
	c := *d
	c.Introduced = agedFindings(d.Introduced, now)
	c.Fixed = agedFindings(d.Fixed, now)
	return &c
}

func agedFindings(fs []Finding, now time.Time) []Finding {
	out := make([]Finding, len(fs))
	for i := range fs {
		out[i] = fs[i]
		out[i].withAge(now)
	}
	return out
}

// activation gives expressions their variables without a map per call.
type activation struct {
	finding *Finding
	pkg     *Package
	diff    *Diff
	item    ref.Val
	params  ref.Val
}

// ResolveName implements interpreter.Activation.
func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case "finding":
		return a.finding, a.finding != nil
	case "pkg":
		return a.pkg, a.pkg != nil
	case "diff":
		return a.diff, a.diff != nil
	case "item":
		return a.item, a.item != nil
	case "params":
		return a.params, a.params != nil
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (a *activation) Parent() interpreter.Activation { return nil }

// resolveBaseline resolves a baseline: path against the policy file's
// directory.
func resolveBaseline(policyPath, baseline string) string {
	if baseline == "" || filepath.IsAbs(baseline) || policyPath == "" {
		return baseline
	}
	return filepath.Join(filepath.Dir(policyPath), filepath.FromSlash(baseline))
}
