package golang

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/tools/go/packages"
)

// program is a loaded module: its packages and everything needed to judge
// the module and package levels.
type program struct {
	required map[string]bool // module paths required by go.mod or providing a loaded package
	// onlyGOOS and onlyGOARCH are the platform the caller asked for:
	// imports restricted to other platforms do not apply. Empty means
	// every import applies, whatever the platform.
	onlyGOOS   string
	onlyGOARCH string

	roots []*packages.Package // the module's own packages
	all   []*packages.Package // roots and every package they import, transitively

	// loadErr summarises the errors of loaded packages (type errors,
	// missing modules); nil when everything loaded.
	loadErr error
	// importsComplete is false when some error (a missing module or
	// package, a syntax error) may have hidden imports; type errors do not.
	importsComplete bool

	pos *positions
}

// goEnv is the subset of `go env -json` the analysis uses.
type goEnv struct {
	GOROOT  string
	GOCACHE string
}

// load runs the go command in dir and loads the module's packages with as
// much detail as maxLevel needs. It fails only when nothing could be loaded.
func load(ctx context.Context, dir string, maxLevel int, opts Options, log *slog.Logger) (*program, error) {
	env := environment(dir, opts)

	ge, err := readGoEnv(ctx, dir, env)
	if err != nil {
		return nil, err
	}
	gomod := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(gomod)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", gomod, err)
	}
	mf, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil {
		return nil, err // names go.mod and the line
	}
	if mf.Module == nil {
		return nil, errors.New("go.mod has no module directive")
	}

	p := &program{
		required:   map[string]bool{mf.Module.Mod.Path: true},
		onlyGOOS:   opts.GOOS,
		onlyGOARCH: opts.GOARCH,
	}
	for _, r := range mf.Require {
		p.required[r.Mod.Path] = true
	}
	for _, r := range mf.Replace {
		if r.New.Version != "" {
			p.required[r.New.Path] = true // replaced by another module
		}
	}

	mode := packages.NeedName | packages.NeedImports | packages.NeedDeps | packages.NeedModule
	if maxLevel >= levelSymbol {
		mode |= packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo
	}
	cfg := &packages.Config{
		Mode:    mode,
		Context: ctx,
		Dir:     dir,
		Env:     env,
		Tests:   opts.Tests,
	}
	if len(opts.Tags) > 0 {
		cfg.BuildFlags = []string{"-tags=" + strings.Join(opts.Tags, ",")}
	}
	start := time.Now()
	roots, err := packages.Load(cfg, "./...")
	if err != nil {
		return nil, fmt.Errorf("go list: %s", cleanError(err.Error(), dir))
	}
	log.Debug("loaded packages", "dir", dir, "roots", len(roots), "elapsed", time.Since(start))
	slices.SortFunc(roots, func(a, b *packages.Package) int { return strings.Compare(a.ID, b.ID) })
	p.roots = roots

	var errs []string
	p.importsComplete = true
	packages.Visit(roots, nil, func(pkg *packages.Package) {
		p.all = append(p.all, pkg)
		if m := pkg.Module; m != nil {
			p.required[m.Path] = true
			if m.Replace != nil && m.Replace.Version != "" {
				p.required[m.Replace.Path] = true // a module replaced by another
			}
		}
		for _, e := range pkg.Errors {
			if e.Kind != packages.TypeError {
				p.importsComplete = false
			}
			errs = append(errs, cleanError(e.Error(), dir))
		}
	})
	if len(errs) > 0 {
		slices.Sort(errs)
		errs = slices.Compact(errs)
		msg := strings.Join(errs[:min(len(errs), 3)], "; ")
		if len(errs) > 3 {
			msg += fmt.Sprintf(" (and %d more errors)", len(errs)-3)
		}
		p.loadErr = errors.New(msg)
	}
	p.pos = newPositions(dir, ge, p.all)
	return p, nil
}

// cleanError makes a load error shorter and independent of where the
// module is: file names relative to the module root, one line.
func cleanError(msg, dir string) string {
	msg = strings.ReplaceAll(msg, dir+string(filepath.Separator), "")
	return strings.Join(strings.Fields(msg), " ")
}

// environment returns the environment of the go command: offline unless
// opts.Network, never editing go.mod, ignoring any go.work.
func environment(dir string, opts Options) []string {
	mod := "-mod=readonly"
	if _, err := os.Stat(filepath.Join(dir, "vendor", "modules.txt")); err == nil {
		mod = "-mod=vendor"
	}
	var flags []string
	for _, f := range strings.Fields(os.Getenv("GOFLAGS")) {
		if !strings.HasPrefix(f, "-mod=") && !strings.HasPrefix(f, "--mod=") {
			flags = append(flags, f)
		}
	}
	flags = append(flags, mod)
	env := append(os.Environ(), "GOFLAGS="+strings.Join(flags, " "), "GOWORK=off")
	if !opts.Network {
		env = append(env, "GOPROXY=off", "GOTOOLCHAIN=local")
	}
	if opts.GOOS != "" {
		env = append(env, "GOOS="+opts.GOOS)
	}
	if opts.GOARCH != "" {
		env = append(env, "GOARCH="+opts.GOARCH)
	}
	return env
}

// readGoEnv asks the go command for GOROOT and GOCACHE, which also checks
// that the go command runs at all in dir.
func readGoEnv(ctx context.Context, dir string, env []string) (goEnv, error) {
	cmd := exec.CommandContext(ctx, "go", "env", "-json", "GOROOT", "GOCACHE")
	cmd.Dir = dir
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return goEnv{}, fmt.Errorf("go env in %q: %s", dir, msg)
	}
	var ge goEnv
	if err := json.Unmarshal(out, &ge); err != nil {
		return goEnv{}, fmt.Errorf("go env in %q: %w", dir, err)
	}
	return ge, nil
}

// isStd reports whether pkg belongs to Go itself (standard library or cmd).
func isStd(pkg *packages.Package) bool {
	if pkg.Module != nil {
		return pkg.Module.Path == "std" || pkg.Module.Path == "cmd"
	}
	first, _, _ := strings.Cut(pkg.PkgPath, "/")
	return !strings.Contains(first, ".") && pkg.PkgPath != "command-line-arguments"
}

// inModule reports whether pkg belongs to the vulnerable module mod.
func inModule(pkg *packages.Package, mod string) bool {
	if isGoModule(mod) {
		return isStd(pkg)
	}
	m := pkg.Module
	return m != nil && (m.Path == mod || m.Replace != nil && m.Replace.Path == mod)
}

// judgeImports judges v at the module and package levels. more reports
// that the symbol level must be judged on the call graph.
func (p *program) judgeImports(v Vuln, maxLevel int) (vd Verdict, more bool) {
	failed := func(level, what string) Verdict {
		return Verdict{Level: level, Reachable: Unknown, Reason: what + ", but loading failed: " + p.loadErr.Error()}
	}

	// Module level.
	if !isGoModule(v.Module) && !p.required[v.Module] {
		if !p.importsComplete {
			return failed(LevelModule, fmt.Sprintf("module %q is not required", v.Module)), false
		}
		return Verdict{Level: LevelModule, Reachable: NotReachable,
			Reason: fmt.Sprintf("module %q is not required", v.Module)}, false
	}
	modReason := fmt.Sprintf("module %q is required", v.Module)
	if isGoModule(v.Module) {
		modReason = "the standard library is always required"
	}
	if maxLevel == levelModule {
		return Verdict{Level: LevelModule, Reachable: Reachable, Reason: modReason}, false
	}
	if len(v.Imports) == 0 {
		return Verdict{Level: LevelModule, Reachable: Unknown,
			Reason: modReason + ", but the advisory names no vulnerable packages or symbols"}, false
	}

	// Package level.
	var applicable []Import
	for _, imp := range v.Imports {
		if p.matchPlatform(imp) {
			applicable = append(applicable, imp)
		}
	}
	if len(applicable) == 0 {
		return Verdict{Level: LevelPackage, Reachable: NotReachable,
			Reason: fmt.Sprintf("the vulnerable packages are affected only on other platforms than %s (%s)",
				p.platform(), platforms(v.Imports))}, false
	}
	var found []string
	var chain []string
	for _, imp := range applicable {
		if c := p.importChain(imp.Path, v.Module); c != nil {
			found = append(found, imp.Path)
			if chain == nil {
				chain = c
			}
		}
	}
	if len(found) == 0 {
		var paths []string
		for _, imp := range applicable {
			paths = append(paths, imp.Path)
		}
		what := fmt.Sprintf("no vulnerable package (%s) is imported", quoteList(paths))
		if !p.importsComplete {
			return failed(LevelPackage, what), false
		}
		return Verdict{Level: LevelPackage, Reachable: NotReachable, Reason: what}, false
	}
	reason := fmt.Sprintf("vulnerable package %q is imported (%s)", found[0], strings.Join(chain, " → "))
	if len(found) > 1 {
		reason = fmt.Sprintf("vulnerable packages %s are imported (%s)", quoteList(found), strings.Join(chain, " → "))
	}
	reason += platformNote(applicable)
	if maxLevel == levelPackage {
		return Verdict{Level: LevelPackage, Reachable: Reachable, Reason: reason}, false
	}
	if p.loadErr != nil {
		return Verdict{Level: LevelSymbol, Reachable: Unknown,
			Reason: reason + ", but the call graph could not be built: " + p.loadErr.Error()}, false
	}
	return Verdict{Level: LevelPackage, Reachable: Reachable, Reason: reason}, true
}

// importChain returns the shortest import chain from one of the module's
// own packages to the package path of module mod, or nil when no package
// of the module imports it.
func (p *program) importChain(path, mod string) []string {
	prev := map[*packages.Package]*packages.Package{}
	queue := slices.Clone(p.roots)
	for _, r := range p.roots {
		prev[r] = nil
	}
	for len(queue) > 0 {
		pkg := queue[0]
		queue = queue[1:]
		if pkg.PkgPath == path && inModule(pkg, mod) {
			var chain []string
			for q := pkg; q != nil; q = prev[q] {
				chain = append(chain, q.PkgPath)
			}
			slices.Reverse(chain)
			return chain
		}
		keys := make([]string, 0, len(pkg.Imports))
		for k := range pkg.Imports {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			imp := pkg.Imports[k]
			if _, seen := prev[imp]; !seen {
				prev[imp] = pkg
				queue = append(queue, imp)
			}
		}
	}
	return nil
}

// matchPlatform reports whether imp applies to the platform the caller
// asked for.
func (p *program) matchPlatform(imp Import) bool {
	return (p.onlyGOOS == "" || len(imp.GOOS) == 0 || slices.Contains(imp.GOOS, p.onlyGOOS)) &&
		(p.onlyGOARCH == "" || len(imp.GOARCH) == 0 || slices.Contains(imp.GOARCH, p.onlyGOARCH))
}

// platform names the platform the caller asked for.
func (p *program) platform() string {
	goos, goarch := p.onlyGOOS, p.onlyGOARCH
	if goos == "" {
		goos = "any"
	}
	if goarch == "" {
		goarch = "any"
	}
	return goos + "/" + goarch
}

// platformNote says which of imps are vulnerable only on some platforms,
// or returns "".
func platformNote(imps []Import) string {
	var restricted []Import
	for _, imp := range imps {
		if len(imp.GOOS) > 0 || len(imp.GOARCH) > 0 {
			restricted = append(restricted, imp)
		}
	}
	if len(restricted) == 0 {
		return ""
	}
	return fmt.Sprintf(" (vulnerable only on some platforms: %s)", platforms(restricted))
}

func platforms(imps []Import) string {
	var s []string
	for _, imp := range imps {
		var parts []string
		if len(imp.GOOS) > 0 {
			parts = append(parts, "goos "+strings.Join(imp.GOOS, ","))
		}
		if len(imp.GOARCH) > 0 {
			parts = append(parts, "goarch "+strings.Join(imp.GOARCH, ","))
		}
		s = append(s, imp.Path+": "+strings.Join(parts, " "))
	}
	return strings.Join(s, "; ")
}
