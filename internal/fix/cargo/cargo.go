// Package cargo is the [fix.Strategy] for Rust crates (OSV ecosystem
// "crates.io"), for projects with a Cargo.lock.
//
// Planning: the resolved crates are read from Cargo.lock (package
// cargolock), and the workspace from the manifests: Cargo.toml, the
// members its [workspace] table lists, and the path dependencies inside
// the project, which Cargo makes members too. Cargo.lock may hold several
// versions of one crate (semver-incompatible ones, 0.6.x beside 1.x); each
// is planned on its own and named `name@version`. For each vulnerable
// crate version, [fix.Choose] picks the smallest published version above it
// that no advisory in the database affects; the candidates are the
// versions the registry index lists (see [Index]; yanked versions are
// skipped) and the versions the advisories name as fixed.
//
//   - A crate that a member depends on directly, in [dependencies],
//     [dev-dependencies], [build-dependencies] or a [target.*] table, with a
//     requirement that admits the locked version, is a
//     [fix.KindDirectUpgrade]. It may cross into another major version
//     (for 0.x crates, another minor: Cargo's caret treats 0.6 and 0.7 as
//     incompatible) when no version of the current one is safe; the
//     reason says so, as that may break the code.
//   - Any other crate is a [fix.KindTransitiveInPlace]: it moves in
//     Cargo.lock only, so it stays in its major version, which every
//     parent's caret requirement admits. A fix only in another major
//     version needs the parents upgraded and is reported as
//     [fix.ReasonOtherMajor], naming the parents.
//   - A crate from git is left to a human ([fix.ReasonPinned]).
//
// Applying: `cargo update -p NAME@FROM --precise TO` for each change, which
// runs cargo itself so that the user's registry configuration, source
// replacement and credentials apply (--offline under [Options.Offline]).
// When cargo refuses because a member's requirement excludes TO (a pin
// "=1.6.0", a 0.x caret crossing), that requirement is rewritten in the
// member's Cargo.toml, or in the root's [workspace.dependencies] for an
// inherited one, by a minimal text edit that leaves the rest of the file
// as it was: a pin stays a pin ("=1.6.1"), anything else becomes the
// version itself ("1.6.1", a caret requirement); then cargo update runs
// again. When cargo refuses for a transitive crate, a parent's requirement
// excludes the fix: Apply returns cargo's output as a [*fix.StepError],
// which [fix.Run] reports as [fix.ReasonApplyFailed].
//
// Validating: `cargo build --locked --all-targets`, then `cargo test
// --locked` or the command the user gave. Packages reads Cargo.lock again.
//
// No registry host is named here: versions come from the index the user
// configures ([Options.IndexURL], else $PATCHLINE_CRATES_INDEX); without
// one, only the versions the advisories name as fixed are candidates, and
// cargo checks that they exist when applying.
package cargo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/patchline/patchline/internal/extract/rust/cargolock"
	"github.com/patchline/patchline/internal/fix"
	"github.com/patchline/patchline/internal/fix/registry"
	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the strategy.
const Name = "cargo"

// DefaultCommandTimeout limits each cargo command that Apply runs when
// [Options.CommandTimeout] is zero.
const DefaultCommandTimeout = 10 * time.Minute

// Options configure a [Strategy]. The zero value uses cargo from PATH with
// the current environment and the index named by $PATCHLINE_CRATES_INDEX.
type Options struct {
	// Cargo is the cargo command; empty means "cargo" from PATH, else
	// $CARGO_HOME/bin/cargo.
	Cargo string
	// IndexURL is the registry's sparse index ("sparse+https://...", or a
	// file:// directory in the same layout); empty means
	// $PATCHLINE_CRATES_INDEX from Env.
	IndexURL string
	// HTTPClient fetches index files; nil means a client with a one-minute
	// time limit.
	HTTPClient *http.Client
	// Offline uses only cached index answers, and runs cargo with
	// --offline.
	Offline bool
	// Cache keeps index answers; nil means no cache.
	Cache *registry.Cache
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
	// Env is the environment of every cargo command; nil means the
	// current process's.
	Env []string
	// CommandTimeout limits each cargo command of Apply; zero means
	// [DefaultCommandTimeout].
	CommandTimeout time.Duration
}

// Strategy fixes Rust crates. Make one with [New].
type Strategy struct {
	opts    Options
	env     []string
	log     *slog.Logger
	index   *Index
	managed []string
}

// New returns the Cargo strategy. It does not look for cargo: commands
// fail, with the reason, when it is not installed.
func New(opts Options) *Strategy {
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	env = append([]string(nil), env...)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	indexURL := opts.IndexURL
	if indexURL == "" {
		indexURL = getenv(env, EnvIndex)
	}
	return &Strategy{
		opts:  opts,
		env:   env,
		log:   log,
		index: newIndex(indexURL, opts.HTTPClient, opts.Cache, opts.Offline),
	}
}

// getenv returns the last value of key in env.
func getenv(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// Ecosystem returns "crates.io".
func (s *Strategy) Ecosystem() string { return inventory.CratesIO }

// Inputs returns "Cargo.lock" when dir has one, else nothing.
func (s *Strategy) Inputs(dir string) []string {
	if st, err := os.Stat(filepath.Join(dir, "Cargo.lock")); err == nil && st.Mode().IsRegular() {
		return []string{"Cargo.lock"}
	}
	return nil
}

// VersionSource returns the registry index (see [Index]).
func (s *Strategy) VersionSource() fix.VersionSource { return s.index }

// ManagedFiles returns Cargo.lock and the manifests of the workspace
// members that the last [Strategy.Plan] found (before any plan, the root
// Cargo.toml only): what Apply may change.
func (s *Strategy) ManagedFiles() []string {
	if len(s.managed) > 0 {
		return append([]string(nil), s.managed...)
	}
	return []string{"Cargo.lock", "Cargo.toml"}
}

// cargoPath returns the cargo command to run.
func (s *Strategy) cargoPath() string {
	if s.opts.Cargo != "" {
		return s.opts.Cargo
	}
	if p, err := exec.LookPath("cargo"); err == nil {
		return p
	}
	home := getenv(s.env, "CARGO_HOME")
	if home == "" {
		if h, err := os.UserHomeDir(); err == nil {
			home = filepath.Join(h, ".cargo")
		}
	}
	if home != "" {
		p := filepath.Join(home, "bin", "cargo")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return "cargo"
}

// Apply makes the plan's changes in the project at dir (see the package
// documentation).
func (s *Strategy) Apply(ctx context.Context, dir string, p fix.Plan) error {
	for _, c := range p.Changes {
		switch c.Kind {
		case fix.KindDirectUpgrade, fix.KindTransitiveInPlace:
		default:
			return fmt.Errorf("apply %s: change kind %q is not supported for Cargo", c.String(), c.Kind)
		}
		if err := s.applyOne(ctx, dir, c); err != nil {
			return err
		}
	}
	return nil
}

func (s *Strategy) applyOne(ctx context.Context, dir string, c fix.Change) error {
	if inv, err := readLock(ctx, dir, s.log); err == nil && !hasCrate(inv, c.Package, c.From) && hasCrate(inv, c.Package, c.To) {
		// An earlier change moved it already (two versions of a crate
		// meeting at one fix).
		s.log.Info("already applied", "change", c.String())
		return nil
	}
	args := []string{"update", "-p", c.Package + "@" + c.From, "--precise", c.To}
	err := s.step(ctx, dir, "cargo update", args)
	var se *fix.StepError
	if err == nil || !errors.As(err, &se) {
		return err
	}
	ws, werr := loadWorkspace(dir)
	if werr != nil {
		s.log.Warn("workspace not read after cargo refused an update", "error", werr)
		return err
	}
	excl := ws.excluding(c.Package, c.From, c.To)
	if len(excl) == 0 {
		return err // a parent's requirement, or something else: cargo said why
	}
	for _, d := range excl {
		req, rerr := setRequirement(dir, d, c.To)
		if rerr != nil {
			return fmt.Errorf("apply %s: %s excludes %s, and could not be rewritten (%v): %w", c.String(), d.where(), c.To, rerr, err)
		}
		s.log.Info("requirement rewritten", "crate", c.Package, "where", d.where(), "from", d.Req, "to", req)
	}
	return s.step(ctx, dir, "cargo update", args)
}

// hasCrate reports whether the lock resolves name@version from a
// registry.
func hasCrate(inv inventory.Inventory, name, version string) bool {
	for _, p := range inv.Packages {
		if p.Name == name && p.Version == version && p.Note == "" {
			return true
		}
	}
	return false
}

// step runs one cargo command of Apply, as a [fix.Step].
func (s *Strategy) step(ctx context.Context, dir, name string, args []string) error {
	timeout := s.opts.CommandTimeout
	if timeout == 0 {
		timeout = DefaultCommandTimeout
	}
	st, err := s.run(ctx, fix.Command{Name: name, Dir: dir, Args: s.args(args...), Env: s.env, Timeout: timeout})
	if err != nil {
		return err
	}
	s.log.Debug("cargo command", "args", args, "ok", st.OK, "duration", st.Duration)
	if !st.OK {
		return &fix.StepError{Step: st}
	}
	return nil
}

// args returns the command line of cargo with args, --offline added when
// offline.
func (s *Strategy) args(args ...string) []string {
	out := append([]string{s.cargoPath()}, args...)
	if s.opts.Offline {
		out = append(out, "--offline")
	}
	return out
}

// run runs c, showing cargo by name in the step.
func (s *Strategy) run(ctx context.Context, c fix.Command) (fix.Step, error) {
	st, err := fix.RunCommand(ctx, c)
	if len(c.Args) > 0 && c.Args[0] != "cargo" && strings.HasPrefix(st.Command, c.Args[0]+" ") {
		st.Command = "cargo " + strings.TrimPrefix(st.Command, c.Args[0]+" ")
	}
	return st, err
}

// Validate runs `cargo build --locked --all-targets` and then `cargo test
// --locked` (or opts.Command) in dir, each with opts.Timeout. The tests
// are not run when the build fails.
func (s *Strategy) Validate(ctx context.Context, dir string, opts fix.ValidateOptions) (fix.Validation, error) {
	env := opts.Env
	if env == nil {
		env = s.env
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = fix.DefaultStepTimeout
	}
	cmds := []fix.Command{{Name: "build", Args: s.args("build", "--locked", "--all-targets")}}
	if opts.Command != "" {
		cmds = append(cmds, fix.Command{Name: "validate", Args: fix.ShellCommand(opts.Command)})
	} else {
		cmds = append(cmds, fix.Command{Name: "test", Args: s.args("test", "--locked")})
	}
	var v fix.Validation
	for _, c := range cmds {
		c.Dir, c.Env, c.Timeout, c.Tail = dir, env, timeout, opts.Tail
		st, err := s.run(ctx, c)
		v.Steps = append(v.Steps, st)
		if err != nil {
			return v, err
		}
		if !st.OK {
			break
		}
	}
	return v, nil
}

// Packages lists the crates Cargo.lock in dir resolves.
func (s *Strategy) Packages(ctx context.Context, dir string) ([]fix.Package, error) {
	inv, err := readLock(ctx, dir, s.log)
	if err != nil {
		return nil, err
	}
	out := make([]fix.Package, 0, len(inv.Packages))
	for _, p := range inv.Packages {
		out = append(out, fix.Package{Ecosystem: inventory.CratesIO, Name: p.Name, Version: p.Version})
	}
	return out, nil
}

// readLock reads Cargo.lock in dir with the cargolock extractor. Problems
// in some entries are logged when others were read; a lock nothing could
// be read from is an error.
func readLock(ctx context.Context, dir string, log *slog.Logger) (inventory.Inventory, error) {
	p := filepath.Join(dir, "Cargo.lock")
	f, err := os.Open(p)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read Cargo.lock: %w", err)
	}
	defer f.Close()
	inv, err := cargolock.New().Extract(ctx, &inventory.Input{Path: p, Reader: f})
	if err != nil {
		if ctx.Err() != nil || len(inv.Packages) == 0 {
			return inventory.Inventory{}, fmt.Errorf("read %q: %w", p, err)
		}
		log.Warn("some entries of Cargo.lock were not read", "path", p, "error", err)
	}
	return inv, nil
}
