package imports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/reachability/imports/jslex"
	"github.com/patchline/patchline/internal/reachability/imports/pylex"
)

// DefaultSkipDirs are the directory names never walked: installed
// dependencies, virtual environments, build outputs, caches and version
// control. Directories holding a pyvenv.cfg (virtual environments of any
// name) are skipped too, and their site-packages read for metadata.
var DefaultSkipDirs = []string{
	"node_modules", "bower_components", "jspm_packages", "web_modules",
	".venv", "venv", "site-packages", "dist-packages", "__pypackages__", "vendor",
	"dist", "build", "out", ".next", ".nuxt", ".svelte-kit", ".output", ".turbo", ".parcel-cache",
	"coverage", ".nyc_output", ".yarn", ".pnpm-store", ".cache",
	".git", ".hg", ".svn", "__pycache__", ".tox", ".nox", ".eggs", ".mypy_cache", ".pytest_cache", ".ruff_cache",
}

// lang is the state of one language's (one ecosystem's) first-party code.
type lang struct {
	files    int    // source files read
	problem  string // why the code may not be fully known (first one), "" when none
	problems int
	dynamic  string // where the first computed import is, "" when none
	// strings maps a package name (npm) or a module path (Python) to
	// where a string literal first names it.
	strings map[string]string
}

func (l *lang) fail(msg string) {
	if l.problem == "" {
		l.problem = msg
	}
	l.problems++
}

// site is one import in first-party code.
type site struct {
	ev      Evidence
	pkg     string   // npm: the package name
	module  string   // npm: the normalised subpath; Python: the dotted module
	names   []string // npm: names; Python: dotted paths of the from-import names
	members []string
	opaque  bool
}

// analysis holds the state of one [Analyze] call.
type analysis struct {
	root string
	fsys fs.FS
	opts Options
	log  *slog.Logger
	skip map[string]bool

	pkgs    []Package
	doNpm   bool
	doPy    bool
	npmDeps map[string]bool // names of direct npm packages

	js, py   lang
	npmSites []site
	pySites  []site
	// scriptWords are the words of package.json scripts.
	scriptWords map[string]string
	// pyLocal maps first-party Python module names to a file defining one.
	pyLocal map[string]string
	// venvs are the site-packages directories found during the walk.
	venvs []string

	mapper   *pyMapper
	fileErrs []error
}

func newAnalysis(root string, pkgs []Package, opts Options) *analysis {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	if opts.MaxEvidence <= 0 {
		opts.MaxEvidence = DefaultMaxEvidence
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &analysis{
		root: root, fsys: os.DirFS(root), opts: opts, log: log,
		skip: map[string]bool{}, pkgs: pkgs, npmDeps: map[string]bool{},
		js:          lang{strings: map[string]string{}},
		py:          lang{strings: map[string]string{}},
		scriptWords: map[string]string{}, pyLocal: map[string]string{},
	}
	for _, d := range DefaultSkipDirs {
		a.skip[d] = true
	}
	for _, d := range opts.SkipDirs {
		a.skip[d] = true
	}
	pyNames := map[string]bool{}
	for _, p := range pkgs {
		switch p.Ecosystem {
		case inventory.Npm:
			a.doNpm = true
			if p.Relation == inventory.RelationDirect {
				a.npmDeps[p.Name] = true
			}
		case inventory.PyPI:
			a.doPy = true
			pyNames[normalize(p.Name)] = true
		}
	}
	a.mapper = newPyMapper(pyNames)
	return a
}

// walk reads every first-party source file under the root.
func (a *analysis) walk(ctx context.Context) error {
	return fs.WalkDir(a.fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			if p == "." {
				return fmt.Errorf("analyze imports under %q: %w", a.root, err)
			}
			a.fileErr(p, 0, err)
			a.js.fail("could not read " + p)
			a.py.fail("could not read " + p)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return a.dir(p, d)
		}
		if !d.Type().IsRegular() {
			return nil // symbolic links and devices are not followed
		}
		return a.file(ctx, p, d)
	})
}

func (a *analysis) dir(p string, d fs.DirEntry) error {
	if p == "." {
		return nil
	}
	name := d.Name()
	if _, err := fs.Stat(a.fsys, path.Join(p, "pyvenv.cfg")); err == nil {
		a.venvs = append(a.venvs, p)
		return fs.SkipDir
	}
	if name == "__pypackages__" {
		a.venvs = append(a.venvs, p)
	}
	if a.skip[name] || strings.HasSuffix(name, ".egg-info") || strings.HasSuffix(name, ".dist-info") {
		return fs.SkipDir
	}
	return nil
}

func (a *analysis) file(ctx context.Context, p string, d fs.DirEntry) error {
	name := d.Name()
	ext := strings.ToLower(path.Ext(name))
	var l *lang
	switch {
	case name == "package.json" && a.doNpm:
		a.packageJSON(p)
		return nil
	case ext == ".vue" || ext == ".svelte" || ext == ".astro":
		if a.doNpm {
			a.js.fail(fmt.Sprintf("%s holds code that is not analysed (%s files are not parsed)", p, ext))
		}
		return nil
	case ext == ".ipynb" || ext == ".pyx":
		if a.doPy {
			a.py.fail(fmt.Sprintf("%s holds code that is not analysed (%s files are not parsed)", p, ext))
		}
		return nil
	case ext == ".py" || ext == ".pyi":
		if !a.doPy {
			return nil
		}
		stem := strings.TrimSuffix(name, path.Ext(name))
		if stem == "__init__" {
			if dir := path.Dir(p); dir != "." {
				a.pyLocal[path.Base(dir)] = p
			}
		} else {
			a.pyLocal[stem] = p
		}
		l = &a.py
	default:
		if _, ok := jslex.DialectFor(name); !ok || !a.doNpm || strings.HasSuffix(strings.ToLower(name), ".min.js") {
			return nil
		}
		l = &a.js
	}
	info, err := d.Info()
	if err != nil {
		a.fileErr(p, 0, err)
		l.fail("could not read " + p)
		return nil
	}
	if info.Size() > a.opts.MaxFileSize {
		a.fileErr(p, 0, fmt.Errorf("not analysed: %d bytes is more than the limit of %d", info.Size(), a.opts.MaxFileSize))
		l.fail(fmt.Sprintf("%s is larger than %d bytes and was not analysed", p, a.opts.MaxFileSize))
		return nil
	}
	src, err := fs.ReadFile(a.fsys, p)
	if err != nil {
		a.fileErr(p, 0, err)
		l.fail("could not read " + p)
		return nil
	}
	l.files++
	if l == &a.py {
		a.scanPython(p, src)
	} else {
		a.scanJS(p, src)
	}
	return ctx.Err()
}

func (a *analysis) fileErr(p string, line int, err error) {
	a.fileErrs = append(a.fileErrs, &inventory.ParseError{Path: p, Line: line, Err: err})
}

func where(p string, line int) string { return fmt.Sprintf("%s:%d", p, line) }

func (a *analysis) scanJS(p string, src []byte) {
	d, _ := jslex.DialectFor(p)
	f, err := jslex.Scan(src, d)
	var se *jslex.SyntaxError
	if errors.As(err, &se) {
		a.fileErrs = append(a.fileErrs, &inventory.ParseError{Path: p, Line: se.Line, Column: se.Column, Err: errors.New(se.Msg)})
		a.js.fail(fmt.Sprintf("%s could not be fully read (%s at line %d)", p, se.Msg, se.Line))
	}
	test := isTestFile(p)
	declaration := strings.HasSuffix(strings.ToLower(p), ".d.ts") || strings.HasSuffix(strings.ToLower(p), ".d.mts") || strings.HasSuffix(strings.ToLower(p), ".d.cts")
	for _, imp := range f.Imports {
		name, sub, kind := npmSpecifier(imp.Specifier, a.npmDeps)
		if kind != specPackage {
			continue
		}
		a.npmSites = append(a.npmSites, site{
			ev: Evidence{
				File: p, Line: imp.Line, Column: imp.Column, Specifier: imp.Specifier, Kind: string(imp.Kind),
				Names: imp.Names, TypeOnly: imp.TypeOnly || declaration, Test: test,
			},
			pkg: name, module: npmModuleKey(name, sub), names: imp.Names, members: imp.Members, opaque: imp.Opaque,
		})
	}
	if len(f.Dynamic) > 0 && a.js.dynamic == "" && !declaration {
		a.js.dynamic = where(p, f.Dynamic[0].Line)
	}
	for _, s := range f.Strings {
		name, _, kind := npmSpecifier(s.Value, a.npmDeps)
		if kind == specPackage {
			if _, ok := a.js.strings[name]; !ok {
				a.js.strings[name] = where(p, s.Line)
			}
		}
	}
}

func (a *analysis) scanPython(p string, src []byte) {
	f, err := pylex.Scan(src)
	var se *pylex.SyntaxError
	if errors.As(err, &se) {
		a.fileErrs = append(a.fileErrs, &inventory.ParseError{Path: p, Line: se.Line, Column: se.Column, Err: errors.New(se.Msg)})
		a.py.fail(fmt.Sprintf("%s could not be fully read (%s at line %d)", p, se.Msg, se.Line))
	}
	test := isTestFile(p)
	stub := strings.HasSuffix(p, ".pyi")
	for _, imp := range f.Imports {
		if imp.Level > 0 || imp.Module == "" {
			continue // relative: first-party
		}
		var names []string
		for _, n := range imp.Names {
			if n != "*" {
				names = append(names, imp.Module+"."+n)
			}
		}
		a.pySites = append(a.pySites, site{
			ev: Evidence{
				File: p, Line: imp.Line, Column: imp.Column, Specifier: imp.Module, Kind: string(imp.Kind),
				Names: imp.Names, TypeOnly: stub, Test: test,
			},
			module: imp.Module, names: names, members: imp.Members, opaque: imp.Opaque,
		})
	}
	if len(f.Dynamic) > 0 && a.py.dynamic == "" && !stub {
		a.py.dynamic = where(p, f.Dynamic[0].Line)
	}
	for _, s := range f.Strings {
		if _, ok := a.py.strings[s.Value]; !ok {
			a.py.strings[s.Value] = where(p, s.Line)
		}
	}
}

// packageJSON reads the scripts of a package.json.
func (a *analysis) packageJSON(p string) {
	b, err := fs.ReadFile(a.fsys, p)
	if err != nil {
		a.fileErr(p, 0, err)
		return
	}
	var m struct {
		Scripts map[string]string `json:"scripts"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		// Not ours to report: the lockfile extractors read package.json.
		a.log.Debug("package.json not read", "path", p, "err", err)
		return
	}
	for w := range npmScriptWords(m.Scripts) {
		if _, ok := a.scriptWords[w]; !ok {
			a.scriptWords[w] = p
		}
	}
}

// npmBins returns the command names the installed package name declares
// (node_modules/<name>/package.json "bin"), or nil. The installed tree is
// not the project's code: a missing or unreadable manifest there just
// means no command names are known.
func (a *analysis) npmBins(name string) []string {
	b, err := fs.ReadFile(a.fsys, path.Join("node_modules", name, "package.json"))
	if err != nil {
		return nil
	}
	var m struct {
		Bin json.RawMessage `json:"bin"`
	}
	if json.Unmarshal(b, &m) != nil || len(m.Bin) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(m.Bin, &one) == nil {
		return []string{path.Base(name)}
	}
	var many map[string]string
	if json.Unmarshal(m.Bin, &many) != nil {
		return nil
	}
	out := make([]string, 0, len(many))
	for k := range many {
		out = append(out, k)
	}
	return out
}

// readPythonMetadata reads the installed distributions' metadata.
func (a *analysis) readPythonMetadata(ctx context.Context) error {
	if !a.doPy {
		return nil
	}
	var dirs []string
	for _, v := range a.venvs {
		for _, pat := range []string{"lib/python*/site-packages", "lib64/python*/site-packages", "Lib/site-packages", "*/lib", "lib"} {
			m, err := fs.Glob(a.fsys, path.Join(v, pat))
			if err != nil {
				return fmt.Errorf("find site-packages: %w", err)
			}
			for _, d := range m {
				if info, err := fs.Stat(a.fsys, d); err == nil && info.IsDir() {
					dirs = append(dirs, filepath.Join(a.root, filepath.FromSlash(d)))
				}
			}
		}
	}
	for _, d := range a.opts.SitePackages {
		if !filepath.IsAbs(d) {
			d = filepath.Join(a.root, d)
		}
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		if err := a.mapper.readSitePackages(ctx, d); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			a.fileErrs = append(a.fileErrs, &inventory.ParseError{Path: d, Err: err})
		}
	}
	a.log.Debug("python metadata", "dirs", len(dirs), "distributions", len(a.mapper.installed))
	return nil
}

// isTestFile reports whether the slash-separated path p looks like a test.
func isTestFile(p string) bool {
	for _, seg := range strings.Split(path.Dir(p), "/") {
		switch seg {
		case "test", "tests", "__tests__", "__mocks__", "spec", "testing", "e2e":
			return true
		}
	}
	base := path.Base(p)
	stem := strings.TrimSuffix(base, path.Ext(base))
	return strings.HasPrefix(base, "test_") || strings.HasSuffix(stem, "_test") || base == "conftest.py" ||
		strings.Contains(base, ".test.") || strings.Contains(base, ".spec.")
}
