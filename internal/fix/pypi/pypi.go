// Package pypi is the [fix.Strategy] for Python packages (OSV ecosystem
// "PyPI"), in pip requirements files, poetry.lock and uv.lock.
//
// Inputs: the requirements files at the top of the project (the names the
// requirements extractor accepts: requirements*.txt, *requirements.txt,
// constraints*.txt) and the .txt files of a requirements/ folder, the files
// they include with -r or -c, poetry.lock and uv.lock. Names are compared as
// PEP 503 normalises them ("Django", "django" and "DJANGO" are one package),
// and changes name packages by their normalised name.
//
// Planning: for each vulnerable package version, the candidates are the
// versions the package index lists and the versions the advisories name as
// fixed; [fix.Choose] takes the smallest one above the current version that
// no advisory in the database affects, staying in the current major version
// when one is safe. A version is skipped as yanked only when every one of its
// files is yanked (PEP 592), as pip then refuses it for a ranged requirement.
//
// Requirements files are edited in place: a pin `name==X` (any spelling of
// the name, with extras, environment markers, comments and line
// continuations) becomes `name==T`, and nothing else on the line changes.
// A pin that carries --hash options gets the sha256 hashes of T's files from
// the index instead (what `pip-compile --generate-hashes` writes); when the
// hashes cannot be read (no index configured, the index is unreachable) the
// package is left to the user, with the pip-compile command to run. A
// requirement that is not an exact pin (>=, ~=, a bare name) is never
// changed: the installed version comes from the environment, so the plan
// says to pin it. pip-compile writes `# via` comments: a package whose
// comment names only other packages is transitive
// ([fix.KindTransitiveInPlace]: its pin is raised where it is, and the
// parents' own requirements must allow the new version, which the user's
// next pip-compile run checks); any other is direct.
//
// Lock files are changed by their own tools, never by hand: for
// poetry.lock, `poetry add NAME@^T --lock` for a package the pyproject.toml
// names and `poetry update --lock NAME` for a transitive one; for uv.lock,
// `uv lock --upgrade-package NAME==T`. After the tool, the lock is read
// again and the package must be at T or above (a parent's constraint may
// hold it back). When the tool is not installed the package is left to the
// user with the exact command to run.
//
// Versions and hashes come from the package index the user configured, in
// the JSON simple API (PEP 691, with PEP 700's version list): the index of
// [Options.IndexURL], else $PIP_INDEX_URL, else $UV_DEFAULT_INDEX, else
// $UV_INDEX_URL, else pip's own `global.index-url` setting. When none is
// configured, versions come from the user's own client, `python3 -m pip
// index versions NAME`, which uses pip's default index and configuration;
// it lists no hashes and no yanked versions. No index host is named here.
// Answers are kept in the [registry.Cache]; offline, only cached answers are
// used.
//
// Validation runs the project's tests with the Python the user has: the
// command of [fix.ValidateOptions.Command] when given, else `python3 -m
// pytest` when the project has a pytest, tox or nox configuration or a tests
// directory; with neither, validation fails with a step that says to pass
// --validate. There is no build step. No virtual environment is created and
// nothing is installed (that needs the network): the tests see the packages
// already installed, not the new pins. To test the new versions, pass a
// command that installs them first, e.g. `pip install -r requirements.txt &&
// python3 -m pytest`.
package pypi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/extract/python/poetrylock"
	"github.com/patchline/patchline/internal/extract/python/requirements"
	"github.com/patchline/patchline/internal/extract/python/uvlock"
	"github.com/patchline/patchline/internal/fix"
	"github.com/patchline/patchline/internal/fix/registry"
	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the strategy.
const Name = "pypi"

// DefaultCommandTimeout limits each command that Apply runs when
// [Options.CommandTimeout] is zero.
const DefaultCommandTimeout = 10 * time.Minute

// Lock file names.
const (
	poetryLock = "poetry.lock"
	uvLock     = "uv.lock"
)

// Options configure a [Strategy]. The zero value asks the configured index
// (or pip) with the current environment.
type Options struct {
	// Offline uses only cached registry answers, and passes --offline to uv.
	// Poetry has no offline mode: poetry.lock changes are left to the user.
	Offline bool
	// Cache keeps registry answers; nil means no cache.
	Cache *registry.Cache
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
	// Env is the environment of every command, and where the index
	// settings (PIP_INDEX_URL, UV_DEFAULT_INDEX, UV_INDEX_URL) and PATH are
	// read; nil means the current process's.
	Env []string
	// CommandTimeout limits each command of Apply and of the version
	// look-ups; zero means [DefaultCommandTimeout].
	CommandTimeout time.Duration
	// IndexURL is the package index's simple API root (what pip calls
	// --index-url); empty means the user's configuration (see the package
	// documentation).
	IndexURL string
	// Python is the Python interpreter; empty means "python3" from PATH.
	Python string
	// HTTPClient asks the index; nil means a client with a one-minute
	// time limit.
	HTTPClient *http.Client
}

// Strategy fixes Python packages. Make one with [New].
type Strategy struct {
	opts   Options
	env    []string
	python string
	log    *slog.Logger
	client *http.Client
	index  *indexSource

	mu   sync.Mutex
	seen map[string]bool // requirements files met, for ManagedFiles
}

// New returns the Python strategy.
func New(opts Options) *Strategy {
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	python := opts.Python
	if python == "" {
		python = "python3"
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: time.Minute}
	}
	s := &Strategy{
		opts: opts, env: append([]string(nil), env...), python: python, log: log, client: client,
		seen: map[string]bool{},
	}
	s.index = &indexSource{s: s}
	return s
}

// Ecosystem returns "PyPI".
func (s *Strategy) Ecosystem() string { return inventory.PyPI }

// VersionSource returns the [fix.VersionSource] that asks the configured
// package index, or pip (see the package documentation).
func (s *Strategy) VersionSource() fix.VersionSource { return s.index }

// ManagedFiles returns the files Apply may change: requirements.txt, the
// requirements folder, poetry.lock, uv.lock, pyproject.toml (poetry add
// rewrites the constraint) and every other requirements file that Inputs,
// Plan or Apply met in a project.
func (s *Strategy) ManagedFiles() []string {
	out := []string{"requirements.txt", "requirements", poetryLock, uvLock, "pyproject.toml"}
	s.mu.Lock()
	for f := range s.seen {
		if !strings.HasPrefix(f, "requirements/") && f != "requirements.txt" {
			out = append(out, filepath.FromSlash(f))
		}
	}
	s.mu.Unlock()
	sort.Strings(out[5:])
	return out
}

func (s *Strategy) remember(files []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range files {
		s.seen[f] = true
	}
}

// Inputs lists the files of the project at dir that hold Python packages,
// relative to dir and slash-separated: top-level requirements files, the
// .txt files of a requirements folder, poetry.lock and uv.lock.
func (s *Strategy) Inputs(dir string) []string {
	ex := requirements.New()
	var out []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		s.log.Debug("inputs: project not readable", "dir", dir, "error", err)
		return nil
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.Type().IsRegular() && (name == poetryLock || name == uvLock):
			out = append(out, name)
		case e.Type().IsRegular() && ex.FileRequired(name):
			out = append(out, name)
		case e.IsDir() && strings.EqualFold(name, "requirements"):
			sub, err := os.ReadDir(filepath.Join(dir, name))
			if err != nil {
				continue
			}
			for _, f := range sub {
				if f.Type().IsRegular() && ex.FileRequired(name+"/"+f.Name()) {
					out = append(out, name+"/"+f.Name())
				}
			}
		}
	}
	sort.Strings(out)
	var reqs []string
	for _, f := range out {
		if !isLock(f) {
			reqs = append(reqs, f)
		}
	}
	s.remember(reqs)
	return out
}

func isLock(f string) bool { return f == poetryLock || f == uvLock }

// Packages lists the pinned packages of the project at dir, as the
// requirements, poetry.lock and uv.lock extractors read them (names
// normalised). Requirements that pin no version are left out.
func (s *Strategy) Packages(ctx context.Context, dir string) ([]fix.Package, error) {
	var out []fix.Package
	var errs []error
	for _, f := range s.Inputs(dir) {
		pkgs, err := extract(ctx, dir, f)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			errs = append(errs, err)
		}
		for _, p := range pkgs {
			if p.Version == "" || p.Ecosystem != inventory.PyPI {
				continue
			}
			out = append(out, fix.Package{Ecosystem: inventory.PyPI, Name: ecosystem.NormalizePyPI(p.Name), Version: p.Version})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return out, err
	}
	return out, nil
}

// extract reads one input file of the project at dir with its extractor.
func extract(ctx context.Context, dir, file string) ([]inventory.Package, error) {
	var ex inventory.Extractor
	switch path.Base(file) {
	case poetryLock:
		ex = poetrylock.New()
	case uvLock:
		ex = uvlock.New()
	default:
		ex = requirements.New()
	}
	fsys := os.DirFS(dir)
	f, err := fsys.Open(file)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", file, err)
	}
	defer f.Close()
	inv, err := ex.Extract(ctx, &inventory.Input{Path: file, FS: fsys, FSPath: file, Reader: f})
	if err != nil {
		return inv.Packages, fmt.Errorf("read %q: %w", file, err)
	}
	return inv.Packages, nil
}

// testMarkers are the files and directories whose presence says the
// project's tests run with pytest.
var testMarkers = []string{"pytest.ini", "tox.ini", "noxfile.py", "conftest.py", "tests", "test"}

// testCommand returns the test command detected in the project at dir, or
// nil when none is.
func (s *Strategy) testCommand(dir string) []string {
	found := false
	for _, m := range testMarkers {
		if _, err := os.Stat(filepath.Join(dir, m)); err == nil {
			found = true
			break
		}
	}
	if !found {
		for _, c := range []struct{ file, section string }{
			{"pyproject.toml", "[tool.pytest.ini_options]"},
			{"setup.cfg", "[tool:pytest]"},
		} {
			data, err := os.ReadFile(filepath.Join(dir, c.file))
			if err == nil && strings.Contains(string(data), c.section) {
				found = true
				break
			}
		}
	}
	if !found {
		return nil
	}
	py, ok := s.lookPath(s.python)
	if !ok {
		py = s.python // fails to start, and the step says so
	}
	return []string{py, "-m", "pytest"}
}

// Validate runs the project's tests in dir: opts.Command when set, else
// `python3 -m pytest` when the project has a pytest, tox or nox
// configuration or a tests directory. When neither, the validation holds one
// failed step saying so. Nothing is installed first (see the package
// documentation).
func (s *Strategy) Validate(ctx context.Context, dir string, opts fix.ValidateOptions) (fix.Validation, error) {
	env := opts.Env
	if env == nil {
		env = s.env
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = fix.DefaultStepTimeout
	}
	c := fix.Command{Name: "test", Dir: dir, Env: env, Timeout: timeout, Tail: opts.Tail}
	switch {
	case opts.Command != "":
		c.Name, c.Args = "validate", fix.ShellCommand(opts.Command)
	default:
		c.Args = s.testCommand(dir)
	}
	if c.Args == nil {
		return fix.Validation{Steps: []fix.Step{{
			Name: "test", ExitCode: -1,
			Error: "no test command found: the project has no pytest, tox or nox configuration and no tests directory; pass --validate with the command that tests it",
		}}}, nil
	}
	st, err := fix.RunCommand(ctx, c)
	return fix.Validation{Steps: []fix.Step{st}}, err
}

// lookPath finds an executable by the PATH of the strategy's environment.
func (s *Strategy) lookPath(name string) (string, bool) {
	if strings.ContainsRune(name, filepath.Separator) {
		if isExecutable(name) {
			return name, true
		}
		return "", false
	}
	pathEnv := ""
	for _, kv := range s.env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathEnv = v
		}
	}
	for _, d := range filepath.SplitList(pathEnv) {
		if d == "" {
			d = "."
		}
		p := filepath.Join(d, name)
		if isExecutable(p) {
			return p, true
		}
	}
	return "", false
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	if err != nil || !st.Mode().IsRegular() {
		return false
	}
	return st.Mode().Perm()&0o111 != 0 || filepath.Ext(p) == ".exe"
}

// commandTimeout is the time limit of one command of Apply.
func (s *Strategy) commandTimeout() time.Duration {
	if s.opts.CommandTimeout > 0 {
		return s.opts.CommandTimeout
	}
	return DefaultCommandTimeout
}
