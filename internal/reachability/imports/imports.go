// Package imports decides, at the level of imports, whether the npm and
// PyPI packages of a project are used by the project's own code: whether a
// package is imported by first-party JavaScript, TypeScript or Python
// source, directly or through the dependency graph, and, when an advisory
// names the vulnerable modules or functions, whether those are imported.
//
// # Method
//
// [Analyze] walks the source files under the project root, leaving out
// installed and generated trees (node_modules, virtual environments,
// site-packages, vendor, dist, build, .git and the like; see
// [DefaultSkipDirs]) and minified bundles (*.min.js). Each file is read by a
// real lexer, not by line patterns: package jslex for .js .mjs .cjs .jsx
// .ts .tsx .mts .cts, package pylex for .py. Text in strings, template
// literals, comments, regular expressions and JSX is never taken for an
// import.
//
// JavaScript specifiers map to packages by their first path segment
// ("lodash/fp" is lodash) or first two for scoped names ("@scope/pkg/sub"
// is @scope/pkg). Relative paths, absolute paths, #subpath imports, the
// "@/" and "~/" aliases, node: built-ins and URLs are not packages. A bare
// Node.js built-in name ("events", "punycode") is the built-in unless the
// project declares a direct dependency of that name.
//
// A Python import names a module, not a distribution ("yaml" is provided
// by PyYAML). Modules are mapped to distributions, in this order: the
// metadata of installed distributions (RECORD, else top_level.txt, of every
// *.dist-info and *.egg-info in the virtual environments found under the
// root, i.e. directories holding a pyvenv.cfg, in __pypackages__, and in
// [Options.SitePackages]); a built-in table of the common names that
// differ (yaml → PyYAML, PIL → Pillow, sklearn → scikit-learn, bs4 →
// beautifulsoup4, …); and last a guess from the analysed packages' names
// (PEP 503 normalisation, with the py, python- and -python affixes, and
// dotted namespace names such as google.cloud.storage →
// google-cloud-storage). The longest dotted prefix wins. Relative imports
// are first-party.
//
// # Verdicts
//
// Each npm and PyPI package gets a [Verdict] at [LevelImport]:
//
//   - [Reachable] when first-party code imports it (evidence: file, line,
//     specifier), or, for a transitive package, when the dependency graph
//     leads to it from a package that first-party code imports (evidence:
//     the chain and where its first link is imported). Imports that
//     TypeScript erases (import type) do not count.
//   - [NotReachable] only when nothing can hide an import: the package is a
//     direct dependency; every first-party source file of its language was
//     read and lexed without error; no import there has a computed
//     specifier (require(name), import(`./${x}`), importlib.import_module(name));
//     no file of a kind that is not parsed holds code of that language
//     (.vue, .svelte, .astro; .ipynb, .pyx); no string literal in the code
//     or word of a package.json script names the package (tooling loads
//     packages by name: babel presets, webpack loaders, Django
//     INSTALLED_APPS, command-line tools); and, for Python, the package's
//     modules are known from installed metadata or the built-in table.
//   - [Unknown] otherwise, with the reason.
//
// When [Options.Vulns] names vulnerable modules or functions of a package
// that first-party code imports, the verdict also says, per advisory,
// whether first-party code imports those modules or names those functions:
// a subpath import ("lodash/template"), a named import or destructured key
// ({template}), or a property read from a binding of the whole module
// (_.template, yaml.load). Bindings that escape (passed on, re-exported,
// called) make that answer [Unknown].
//
// # Limits
//
// Import level only: a package that is imported is reachable whatever the
// code calls, and a package not imported may still run as a command (a
// server like gunicorn, a build tool) or be loaded by a framework from a
// configuration file that is not source code. TypeScript path aliases other
// than @/ and ~/ (compilerOptions.paths) are not read, so such an alias
// that looks like a package name counts as that package. Code inside Python
// f-string replacement fields, eval and exec strings is not searched.
package imports

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/patchline/patchline/internal/inventory"
)

// Name is the name of this analysis.
const Name = "reachability/imports"

// LevelImport is the level of every verdict of this analysis.
const LevelImport = "import"

// Reachability values of a [Verdict].
const (
	Reachable    = "reachable"
	NotReachable = "not_reachable"
	Unknown      = "unknown"
)

// Defaults of [Options].
const (
	DefaultMaxFileSize = 1 << 20
	DefaultMaxEvidence = 5
)

// PackageKey identifies a package.
type PackageKey struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Version   string `json:"version,omitempty"`
}

// String returns "name@version", or the name alone when there is no version.
func (k PackageKey) String() string {
	if k.Version == "" {
		return k.Name
	}
	return k.Name + "@" + k.Version
}

// Package is one package of the project.
type Package struct {
	// Ecosystem is inventory.Npm or inventory.PyPI; packages of other
	// ecosystems get no verdict.
	Ecosystem string
	Name      string
	Version   string
	Relation  inventory.Relation
	// DependsOn lists the packages this one depends on, when the lockfile
	// says. An edge without a version stands for every version of that
	// name. The graph of an ecosystem is taken as known when at least one
	// of its packages has an edge.
	DependsOn []PackageKey
}

// Key returns the package's key.
func (p Package) Key() PackageKey {
	return PackageKey{Ecosystem: p.Ecosystem, Name: p.Name, Version: p.Version}
}

// Vuln is what an advisory says is vulnerable in a package.
type Vuln struct {
	// ID is the advisory id.
	ID string
	// Package is the affected package; an empty Version stands for every
	// version of it.
	Package PackageKey
	// Modules are the vulnerable modules: npm subpaths written with or
	// without the package name ("lodash/template", "template.js"), or
	// dotted Python module names ("jinja2.sandbox").
	Modules []string
	// Symbols are the vulnerable functions or classes: a bare name
	// ("template", "load") or a dotted path from the module's top
	// ("yaml.load").
	Symbols []string
}

// Options tune [Analyze]. The zero value is ready to use.
type Options struct {
	// MaxFileSize is the largest source file read, in bytes
	// (DefaultMaxFileSize when 0). A larger file is not read, and leaves
	// its language's verdicts short of NotReachable.
	MaxFileSize int64
	// MaxEvidence is the most evidence kept per verdict
	// (DefaultMaxEvidence when 0).
	MaxEvidence int
	// SkipDirs are more directory names to leave out, beside
	// [DefaultSkipDirs].
	SkipDirs []string
	// SitePackages are more directories of installed Python
	// distributions to read the metadata of (relative to the root, or
	// absolute).
	SitePackages []string
	// Vulns are the advisories whose vulnerable modules and functions to
	// look for.
	Vulns []Vuln
	// Logger receives debug messages; nil discards them.
	Logger *slog.Logger
}

// Verdict is the result of the analysis for one package.
type Verdict struct {
	// Level is always [LevelImport].
	Level string `json:"level"`
	// Reachable is [Reachable], [NotReachable] or [Unknown].
	Reachable string `json:"reachable"`
	// Reason says in words why the verdict is what it is.
	Reason string `json:"reason"`
	// Evidence lists where first-party code imports the package (or, with
	// a Chain, the chain's first package), at most [Options.MaxEvidence].
	Evidence []Evidence `json:"evidence,omitempty"`
	// Chain is set when a transitive package is reachable through the
	// dependency graph: an imported package first, this package last.
	Chain []PackageKey `json:"chain,omitempty"`
	// Vulns has one entry per advisory of [Options.Vulns] that names
	// modules or symbols of this package.
	Vulns []VulnVerdict `json:"vulns,omitempty"`
}

// Evidence is one import in first-party code.
type Evidence struct {
	// File is slash-separated and relative to the root.
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column,omitempty"`
	// Specifier is the module as written: "lodash/fp", "yaml",
	// "google.cloud.storage".
	Specifier string `json:"specifier"`
	// Kind is the syntax: "import", "require", "dynamic-import",
	// "export-from", "import-equals", "amd", "from-import",
	// "__import__", "import_module".
	Kind string `json:"kind"`
	// Names are the names the import takes (see jslex.Import.Names and
	// pylex.Import.Names).
	Names []string `json:"names,omitempty"`
	// TypeOnly is set for TypeScript imports erased at compile time.
	TypeOnly bool `json:"type_only,omitempty"`
	// Test is set when the file looks like a test (tests/, __tests__/,
	// test_*.py, *_test.py, conftest.py, *.test.js, *.spec.ts, …).
	Test bool `json:"test,omitempty"`
	// Mapping says, for Python, how the module was mapped to the
	// distribution: "installed metadata", "built-in table" or "name guess".
	Mapping string `json:"mapping,omitempty"`
}

// VulnVerdict says whether first-party code imports the modules or
// functions an advisory names.
type VulnVerdict struct {
	ID string `json:"id"`
	// Imported is [Reachable] (imported), [NotReachable] or [Unknown].
	Imported string     `json:"imported"`
	Reason   string     `json:"reason"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Analyze decides, for each npm and PyPI package of pkgs, whether the
// project's first-party code under root imports it. Packages of other
// ecosystems are left out of the result.
//
// Files that could not be read or fully lexed do not stop the analysis:
// the verdicts are returned together with an error joining one
// [*inventory.ParseError] per such file (and only such errors). Any other
// error (root missing, ctx cancelled) comes with a nil map.
func Analyze(ctx context.Context, root string, pkgs []Package, opts Options) (map[PackageKey]Verdict, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("analyze imports: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("analyze imports: %q is not a directory", root)
	}
	a := newAnalysis(root, pkgs, opts)
	if err := a.walk(ctx); err != nil {
		return nil, err
	}
	if err := a.readPythonMetadata(ctx); err != nil {
		return nil, err
	}
	return a.verdicts(), errors.Join(a.fileErrs...)
}
