// Package golang is the [fix.Strategy] for Go modules.
//
// Planning: for each vulnerable module, the candidates are the versions
// `go list -m -versions` lists (retracted ones skipped, see `go list -m
// -retracted -versions`) and the versions the advisories name as fixed; the
// plan takes the smallest candidate above the selected version that no
// advisory in the database affects. Candidates stay in the module's major
// version: for v2 and later the major version is part of the module path,
// which a fix never crosses (the module is reported with
// [fix.ReasonOtherMajor] and the fixed versions instead); a v0 module may
// move to v1, which keeps the path, when no v0 version fixes it.
// Prereleases and pseudo-versions are candidates only when the selected
// version is one.
//
// Applying: `go get module@version` for each change, then `go mod tidy`
// (and `go mod vendor` when the project vendors). Under minimal version
// selection, requiring the fixed version in go.mod is the least invasive
// fix for a transitive module too ([fix.KindTransitiveInPlace]): no parent
// has to move, but the fixed version's own requirements may raise other
// modules, which [fix.Run] reports. A module replaced by another version of
// itself gets its replace directive rewritten ([fix.KindOverride]); one
// replaced by another module or a directory is left to a human.
//
// Standard library vulnerabilities are fixed by the Go toolchain: the plan
// recommends the toolchain version (the smallest Go release no advisory
// affects), and sets go.mod's toolchain line only when
// [Options.UpgradeToolchain] says so.
//
// Every go command runs with the user's environment: GOPROXY, GOPRIVATE,
// GONOSUMDB, GOFLAGS and credentials apply, and no proxy is named here.
// Commands that read the user's project pass -mod=readonly, so planning never
// writes to it.
package golang

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/modfile"

	"github.com/patchline/patchline/internal/fix"
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/version/gover"
)

// Name identifies the strategy.
const Name = "golang"

// DefaultCommandTimeout limits each go command that Apply runs when
// [Options.CommandTimeout] is zero.
const DefaultCommandTimeout = 10 * time.Minute

// Options configure a [Strategy]. The zero value uses `go` from PATH with
// the current environment.
type Options struct {
	// Go is the go command; empty means "go" from PATH.
	Go string
	// Env is the environment of every go command; nil means the current
	// process's.
	Env []string
	// Offline resolves modules from the module cache only: GOPROXY is set
	// to the cache's download directory (a file:// proxy) and GOSUMDB to
	// off, as the cache's content was verified when it was downloaded.
	// Versions not in the cache are then unknown.
	Offline bool
	// UpgradeToolchain lets the plan set go.mod's toolchain line to fix
	// standard library vulnerabilities; otherwise the toolchain is only
	// recommended.
	UpgradeToolchain bool
	// CommandTimeout limits each go command of Apply; zero means
	// [DefaultCommandTimeout].
	CommandTimeout time.Duration
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
}

// Strategy fixes Go modules. Make one with [New].
type Strategy struct {
	goCmd   string
	env     []string
	opts    Options
	log     *slog.Logger
	version string // GOVERSION of the go command, "go1.26.1"
}

// New returns the Go strategy. It fails when the go command is not
// installed.
func New(ctx context.Context, opts Options) (*Strategy, error) {
	goCmd := opts.Go
	if goCmd == "" {
		goCmd = "go"
	}
	path, err := exec.LookPath(goCmd)
	if err != nil {
		return nil, fmt.Errorf("fixing Go modules needs the go command: %w", err)
	}
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	env = append([]string(nil), env...)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Strategy{goCmd: path, env: env, opts: opts, log: log}
	out, err := s.goOutput(ctx, "", "env", "GOVERSION", "GOMODCACHE")
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		return nil, fmt.Errorf("go env GOVERSION GOMODCACHE: unexpected output %q", out)
	}
	s.version = strings.TrimSpace(lines[0])
	if opts.Offline {
		cache := filepath.Join(strings.TrimSpace(lines[1]), "cache", "download")
		s.env = append(s.env, "GOPROXY="+fileURL(cache), "GOSUMDB=off")
	}
	return s, nil
}

// fileURL returns the file:// URL of an absolute path.
func fileURL(p string) string {
	p = filepath.ToSlash(p)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive path
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// Ecosystem returns "Go".
func (s *Strategy) Ecosystem() string { return inventory.Go }

// ManagedFiles returns go.mod, go.sum and vendor.
func (s *Strategy) ManagedFiles() []string { return []string{"go.mod", "go.sum", "vendor"} }

// Apply makes the plan's changes in the module at dir: `go get` for
// upgrades, `go mod edit` for replace directives and the toolchain line,
// then `go mod tidy` (and `go mod vendor` when dir has a vendor directory).
func (s *Strategy) Apply(ctx context.Context, dir string, p fix.Plan) error {
	var gets []string
	var edits []string
	var gomod *modfile.File
	for _, c := range p.Changes {
		switch c.Kind {
		case fix.KindDirectUpgrade, fix.KindTransitiveInPlace, fix.KindParentUpgrade:
			gets = append(gets, c.Package+"@"+c.To)
		case fix.KindOverride:
			if gomod == nil {
				f, err := readGoMod(dir)
				if err != nil {
					return err
				}
				gomod = f
			}
			old := c.Package
			for _, r := range gomod.Replace {
				if r.Old.Path == c.Package && r.New.Path == c.Package && r.Old.Version != "" {
					old = c.Package + "@" + r.Old.Version
				}
			}
			edits = append(edits, "-replace="+old+"="+c.Package+"@"+c.To)
		case fix.KindToolchain:
			edits = append(edits, "-toolchain=go"+strings.TrimPrefix(c.To, "v"))
		default:
			return fmt.Errorf("apply %s: change kind %q is not supported for Go", c.String(), c.Kind)
		}
	}
	var steps [][]string
	if len(edits) > 0 {
		steps = append(steps, append([]string{"mod", "edit"}, edits...))
	}
	if len(gets) > 0 {
		steps = append(steps, append([]string{"get"}, gets...))
	}
	steps = append(steps, []string{"mod", "tidy"})
	if _, err := os.Stat(filepath.Join(dir, "vendor", "modules.txt")); err == nil {
		steps = append(steps, []string{"mod", "vendor"})
	}
	for _, args := range steps {
		if err := s.step(ctx, dir, args); err != nil {
			return err
		}
	}
	return nil
}

// step runs one go command of Apply, as a [fix.Step].
func (s *Strategy) step(ctx context.Context, dir string, args []string) error {
	timeout := s.opts.CommandTimeout
	if timeout == 0 {
		timeout = DefaultCommandTimeout
	}
	name := "go " + strings.Join(args[:min(2, len(args))], " ")
	st, err := fix.RunCommand(ctx, fix.Command{
		Name: name, Dir: dir, Args: append([]string{s.goCmd}, args...), Env: s.env, Timeout: timeout,
	})
	st.Command = "go " + strings.TrimPrefix(st.Command, s.goCmd+" ")
	if err != nil {
		return err
	}
	s.log.Debug("go command", "args", args, "ok", st.OK, "duration", st.Duration)
	if !st.OK {
		return &fix.StepError{Step: st}
	}
	return nil
}

// Validate runs `go build ./...` and then `go test ./...` (or
// opts.Command) in dir, each with opts.Timeout. The tests are not run when
// the build fails.
func (s *Strategy) Validate(ctx context.Context, dir string, opts fix.ValidateOptions) (fix.Validation, error) {
	env := opts.Env
	if env == nil {
		env = s.env
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = fix.DefaultStepTimeout
	}
	cmds := []fix.Command{{Name: "build", Args: []string{s.goCmd, "build", "./..."}}}
	if opts.Command != "" {
		cmds = append(cmds, fix.Command{Name: "validate", Args: fix.ShellCommand(opts.Command)})
	} else {
		cmds = append(cmds, fix.Command{Name: "test", Args: []string{s.goCmd, "test", "./..."}})
	}
	var v fix.Validation
	for _, c := range cmds {
		c.Dir, c.Env, c.Timeout, c.Tail = dir, env, timeout, opts.Tail
		st, err := fix.RunCommand(ctx, c)
		if c.Args[0] == s.goCmd {
			st.Command = "go " + strings.TrimPrefix(st.Command, s.goCmd+" ")
		}
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

// Packages lists the modules of the build list of the module at dir
// (`go list -m -json all`; a module replaced by another module is listed
// under the replacement, one replaced by a directory not at all) and the
// standard library at the Go version of go.mod's toolchain line, else its go
// line, as the gomod extractor reads them.
func (s *Strategy) Packages(ctx context.Context, dir string) ([]fix.Package, error) {
	mods, err := s.listModules(ctx, dir, "all")
	if err != nil {
		return nil, err
	}
	var out []fix.Package
	for _, m := range mods {
		if m.Main {
			continue
		}
		path, v := m.Path, m.Version
		if m.Replace != nil {
			path, v = m.Replace.Path, m.Replace.Version
		}
		if v == "" {
			continue
		}
		out = append(out, fix.Package{Ecosystem: inventory.Go, Name: path, Version: v})
	}
	f, err := readGoMod(dir)
	if err != nil {
		return nil, err
	}
	if v, ok := stdlibVersion(f); ok {
		out = append(out, fix.Package{Ecosystem: inventory.Go, Name: inventory.Stdlib, Version: v})
	}
	return out, nil
}

// stdlibVersion returns the Go version (in the database's form, "1.22.3")
// that go.mod's toolchain line, else its go line, names.
func stdlibVersion(f *modfile.File) (string, bool) {
	if t := f.Toolchain; t != nil && t.Name != "default" {
		if v, err := gover.ToSemver(t.Name); err == nil {
			return v, true
		}
	}
	if f.Go != nil {
		if v, err := gover.ToSemver(f.Go.Version); err == nil {
			return v, true
		}
	}
	return "", false
}

func readGoMod(dir string) (*modfile.File, error) {
	p := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read go.mod: %w", err)
	}
	f, err := modfile.Parse(p, data, nil)
	if err != nil {
		return nil, fmt.Errorf("parse %q: %w", p, err)
	}
	return f, nil
}
