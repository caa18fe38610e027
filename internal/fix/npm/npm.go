// Package npm is the [fix.Strategy] for npm projects: a package.json with
// a package-lock.json (or npm-shrinkwrap.json) of lockfile version 2 or 3.
//
// Planning: for each vulnerable package version in the lockfile, the
// target is the smallest version above it that no advisory in the database
// affects ([fix.Choose]: the versions `npm view NAME versions` lists and
// the versions the advisories name as fixed; the current major version
// first, where each 0.x minor counts as a major version as npm's caret
// ranges do). Then, for every install path of the vulnerable version, the
// packages whose requirement resolves to it (Node's lookup through the
// nested node_modules folders) are asked whether their declared range
// takes the target, and the least invasive move is planned:
//
//   - every range takes it: the lockfile entry is rewritten in place
//     ([fix.KindDirectUpgrade] when the project requires the package
//     itself, else [fix.KindTransitiveInPlace]); package.json is not
//     touched;
//   - the project's own range excludes it: the range in package.json is
//     rewritten with the same operator ("^0.6.6" becomes "^1.0.0") and the
//     lockfile entry with it;
//   - a parent's range excludes it: the parent is raised to the smallest
//     version of its own major version whose range takes a safe version
//     ([fix.KindParentUpgrade], asked of `npm view PARENT@V`), provided
//     everything that requires the parent allows that (or it is the
//     project's direct dependency, whose range is rewritten);
//   - otherwise an npm override scoped to the parent is added to
//     package.json ("overrides": {"parent": {"name": "version"}},
//     [fix.KindOverride]).
//
// Applying: lockfile entries get the target's version, resolved URL (only
// when the entry had one), integrity and dependencies from `npm view
// NAME@VERSION`; package.json edits go through `npm pkg set`, which keeps
// the file's layout; then `npm install --package-lock-only --ignore-scripts`
// lets npm itself fill in what the new versions need and write the
// lockfile in its own format. No package is installed and no install
// script runs while applying.
//
// Validating: `npm ci`, then `npm run build --if-present`, then `npm test`
// (or the --validate command). A project without a test script cannot be
// validated, and the step says so.
//
// Every npm command runs with the user's environment and configuration
// (.npmrc, npm_config_*), so the user's registry, scopes and credentials
// apply and no registry is named here.
package npm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/patchline/patchline/internal/fix"
	"github.com/patchline/patchline/internal/fix/registry"
	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the strategy.
const Name = "npm"

// DefaultCommandTimeout limits each npm command that Apply runs when
// [Options.CommandTimeout] is zero.
const DefaultCommandTimeout = 10 * time.Minute

// placeholderTest is the test script `npm init` writes.
const placeholderTest = `echo "Error: no test specified" && exit 1`

// Options configure a [Strategy].
type Options struct {
	// NPM is the npm program; empty means "npm" from PATH.
	NPM string
	// Offline passes --offline to npm: only npm's own cache is used.
	Offline bool
	// Cache keeps `npm view` answers between runs; nil keeps none.
	Cache *registry.Cache
	// Env is the environment of npm commands; nil means the process's.
	Env []string
	// CommandTimeout limits each command of Apply; zero means
	// [DefaultCommandTimeout].
	CommandTimeout time.Duration
	Logger         *slog.Logger
}

// Strategy fixes npm projects.
type Strategy struct {
	opts Options
	npm  string
	env  []string
	view *view
	log  *slog.Logger
}

// New returns a strategy. It fails when npm cannot be found.
func New(opts Options) (*Strategy, error) {
	bin := opts.NPM
	if bin == "" {
		bin = "npm"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("patchline fix for npm projects runs npm itself, and %q was not found: install Node.js and npm: %w", bin, err)
	}
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	// npm must not ask questions or print ads in the middle of a fix.
	env = append(append([]string(nil), env...), "npm_config_fund=false", "npm_config_audit=false", "npm_config_update_notifier=false", "npm_config_yes=false")
	if opts.CommandTimeout == 0 {
		opts.CommandTimeout = DefaultCommandTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Strategy{opts: opts, npm: path, env: env, log: log}
	s.view = &view{npm: path, env: env, offline: opts.Offline, cache: opts.Cache}
	return s, nil
}

// Inputs returns the lockfile of the project at dir, or nothing.
func (s *Strategy) Inputs(dir string) []string {
	if n := findLock(dir); n != "" {
		return []string{n}
	}
	return nil
}

// VersionSource returns the source of versions: `npm view`.
func (s *Strategy) VersionSource() fix.VersionSource { return s.view }

// Ecosystem returns "npm".
func (s *Strategy) Ecosystem() string { return inventory.Npm }

// ManagedFiles lists the files Apply may change.
func (s *Strategy) ManagedFiles() []string {
	return []string{"package.json", "package-lock.json", "npm-shrinkwrap.json"}
}

// Apply makes the plan's changes in the project at dir.
func (s *Strategy) Apply(ctx context.Context, dir string, p fix.Plan) error {
	name := findLock(dir)
	if name == "" {
		return fmt.Errorf("no package-lock.json in %q", dir)
	}
	lf, err := readLock(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	var pkgSet []string // npm pkg set arguments
	for _, c := range p.Changes {
		if len(lf.instances(c.Package, c.From)) == 0 {
			// An earlier change took it away (a parent moved to a
			// version that no longer needs it): nothing is left to do,
			// and the re-scan confirms the advisories are gone.
			s.log.Info("nothing to change: no longer in the lockfile", "package", c.Package, "version", c.From)
			continue
		}
		switch c.Kind {
		case fix.KindDirectUpgrade, fix.KindTransitiveInPlace:
			if err := s.setAll(ctx, lf, c.Package, c.From, c.To); err != nil {
				return err
			}
			pkgSet = append(pkgSet, rootRangeEdits(lf, c.Package, c.To)...)
		case fix.KindParentUpgrade:
			if err := s.setAll(ctx, lf, c.Package, c.From, c.To); err != nil {
				return err
			}
			pkgSet = append(pkgSet, rootRangeEdits(lf, c.Package, c.To)...)
		case fix.KindOverride:
			for _, path := range lf.instances(c.Package, c.From) {
				for _, d := range lf.dependents(path) {
					if ok, _ := satisfies(d.spec, c.To); ok || d.path == "" {
						continue
					}
					pkgSet = append(pkgSet, fmt.Sprintf("overrides[%s][%s]=%s", lf.name(d.path), c.Package, c.To))
				}
			}
			if err := s.setAll(ctx, lf, c.Package, c.From, c.To); err != nil {
				return err
			}
		default:
			return fmt.Errorf("npm: cannot apply a change of kind %q", c.Kind)
		}
	}
	if err := lf.write(); err != nil {
		return fmt.Errorf("write %q: %w", lf.path, err)
	}
	if len(pkgSet) > 0 {
		sort.Strings(pkgSet)
		if err := s.step(ctx, dir, "package.json", append([]string{"pkg", "set"}, dedupe(pkgSet)...)); err != nil {
			return err
		}
	}
	args := []string{"install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"}
	if s.opts.Offline {
		args = append(args, "--offline")
	}
	return s.step(ctx, dir, "lockfile", args)
}

// setAll rewrites every lockfile entry of name@from to version to.
func (s *Strategy) setAll(ctx context.Context, lf *lockfile, name, from, to string) error {
	paths := lf.instances(name, from)
	if len(paths) == 0 {
		return fmt.Errorf("%s@%s is not in %q", name, from, lf.path)
	}
	m, err := s.view.manifest(ctx, name, to)
	if err != nil {
		return fmt.Errorf("look up %s@%s: %w", name, to, err)
	}
	for _, p := range paths {
		if err := lf.set(p, m); err != nil {
			return err
		}
	}
	return nil
}

// rootRangeEdits returns the `npm pkg set` arguments that make the
// project's own ranges for name admit version to.
func rootRangeEdits(lf *lockfile, name, to string) []string {
	root := lf.packages[""]
	var out []string
	for _, f := range []struct {
		field string
		deps  map[string]string
	}{{"dependencies", root.Dependencies}, {"devDependencies", root.DevDependencies}, {"optionalDependencies", root.OptionalDependencies}, {"peerDependencies", root.PeerDependencies}} {
		spec, ok := f.deps[name]
		if !ok {
			continue
		}
		if ok, _ := satisfies(spec, to); ok {
			continue
		}
		r := newRange(spec, to)
		out = append(out, fmt.Sprintf("%s[%s]=%s", f.field, name, r))
		f.deps[name] = r
	}
	return out
}

func dedupe(list []string) []string {
	var out []string
	for _, s := range list {
		if len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	return out
}

// step runs one npm command of Apply.
func (s *Strategy) step(ctx context.Context, dir, name string, args []string) error {
	st, err := fix.RunCommand(ctx, fix.Command{
		Name: name, Dir: dir, Args: append([]string{s.npm}, args...), Env: s.env, Timeout: s.opts.CommandTimeout,
	})
	if err != nil {
		return err
	}
	st.Command = "npm " + strings.Join(args, " ")
	s.log.Debug("npm", "command", st.Command, "ok", st.OK, "duration", st.Duration)
	if !st.OK {
		return &fix.StepError{Step: st}
	}
	return nil
}

// Validate installs the project's dependencies with `npm ci`, builds it
// when it has a build script, and runs its tests.
func (s *Strategy) Validate(ctx context.Context, dir string, opts fix.ValidateOptions) (fix.Validation, error) {
	env := opts.Env
	if env == nil {
		env = s.env
	}
	var v fix.Validation
	run := func(name string, args []string, display string) (bool, error) {
		st, err := fix.RunCommand(ctx, fix.Command{Name: name, Dir: dir, Args: args, Env: env, Timeout: opts.Timeout, Tail: opts.Tail})
		if err != nil {
			return false, err
		}
		if display != "" {
			st.Command = display
		}
		v.Steps = append(v.Steps, st)
		return st.OK, nil
	}
	install := []string{s.npm, "ci", "--no-audit", "--no-fund"}
	if s.opts.Offline {
		install = append(install, "--offline")
	}
	if ok, err := run("install", install, "npm "+strings.Join(install[1:], " ")); err != nil || !ok {
		return v, err
	}
	scripts, err := readScripts(dir)
	if err != nil {
		v.Steps = append(v.Steps, fix.Step{Name: "build", Command: "read package.json", ExitCode: -1, Error: err.Error()})
		return v, nil
	}
	if _, ok := scripts["build"]; ok {
		if ok, err := run("build", []string{s.npm, "run", "build"}, "npm run build"); err != nil || !ok {
			return v, err
		}
	}
	switch {
	case opts.Command != "":
		_, err = run("test", fix.ShellCommand(opts.Command), opts.Command)
	case scripts["test"] != "" && scripts["test"] != placeholderTest:
		_, err = run("test", []string{s.npm, "test"}, "npm test")
	default:
		v.Steps = append(v.Steps, fix.Step{Name: "test", Command: "npm test", ExitCode: -1,
			Error: "package.json has no test script: nothing shows the change works; pass --validate CMD"})
	}
	return v, err
}

func readScripts(dir string) (map[string]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, err
	}
	var pj struct {
		Scripts map[string]string `json:"scripts"`
	}
	if err := json.Unmarshal(b, &pj); err != nil {
		return nil, fmt.Errorf("parse %q: %w", filepath.Join(dir, "package.json"), err)
	}
	return pj.Scripts, nil
}

// Packages lists the packages of the project's lockfile.
func (s *Strategy) Packages(ctx context.Context, dir string) ([]fix.Package, error) {
	name := findLock(dir)
	if name == "" {
		return nil, errors.New("no package-lock.json after the change")
	}
	lf, err := readLock(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []fix.Package
	for p, e := range lf.packages {
		if p == "" || e.Link || e.Version == "" {
			continue
		}
		n := lf.name(p)
		if n == "" {
			continue // a workspace package: the project's own code
		}
		if k := n + "@" + e.Version; !seen[k] {
			seen[k] = true
			out = append(out, fix.Package{Ecosystem: inventory.Npm, Name: n, Version: e.Version})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, nil
}
