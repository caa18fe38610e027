// Package golang decides whether the vulnerable code named by Go advisories
// is actually used by a Go module, the way govulncheck does for source code.
//
// # Method
//
// [Analyze] loads every package of the module (the pattern ./... in the
// module's directory, tests only when [Options.Tests] is set) with
// golang.org/x/tools/go/packages, which runs `go list` and type-checks the
// packages and all their dependencies from source. Each advisory is then
// judged at up to three levels, each one only when the one before it holds:
//
//   - module: the advisory's module is required by the module, i.e. it is
//     in go.mod or provides a loaded package. The standard library
//     ("stdlib") and the Go toolchain ("toolchain") are always required.
//   - package: one of the advisory's packages (OSV
//     affected[].ecosystem_specific.imports[].path) is imported, directly or
//     transitively, by the module's own packages. Imports restricted to
//     some platforms (goos, goarch) are left out only when the caller names
//     another target platform ([Options.GOOS], [Options.GOARCH]).
//   - symbol: one of the vulnerable functions or methods
//     (imports[].symbols, spelled "Func" or "Type.Method" with no pointer
//     or type parameters, as in the Go vulnerability database; an import
//     without symbols makes every function of its package vulnerable) is
//     called. The packages are turned into SSA form (golang.org/x/tools/go/ssa)
//     and a call graph is computed with variable type analysis
//     (golang.org/x/tools/go/callgraph/vta), which resolves calls of
//     interface methods and function values by the types that really flow
//     to the call site. As in govulncheck, the initial graph is a class
//     hierarchy analysis (go/callgraph/cha), VTA is run on the functions
//     forward-reachable from the entry points, and VTA is run once more on
//     its own result for precision. The entry points are the module's own
//     main functions and package initialisers, and for non-main packages
//     every exported function and method (a library's callers may call any
//     of them); with tests, also the test mains the go command generates
//     and the Test, Benchmark, Fuzz and Example functions. A breadth-first
//     search from the entry points gives one shortest call path to a
//     vulnerable symbol (preferring static calls), reported in
//     [Verdict.Path].
//
// A package belongs to an advisory's module when its module has that path
// or, if replaced, when the replacement has it. Unlike govulncheck, which
// looks advisories up by the replacement only, a module replaced by a
// local directory is still judged under its own path: the caller decided
// that the advisory applies.
//
// Verdicts are conservative: whatever stops the analysis (a module missing
// offline, a build or type error, a go.mod the go command rejects) gives
// [Unknown] with the reason, never [NotReachable]. Type errors alone leave
// the import graph complete, so the module and package levels are still
// judged; the symbol level is then [Unknown]. An advisory whose entry
// lists no packages (no ecosystem_specific.imports) can only be judged at
// the module level: [NotReachable] when its module is not required and
// [Unknown] otherwise, since nothing says which code is vulnerable.
//
// # Offline
//
// By default loading never touches the network: the go command runs with
// GOPROXY=off, GOTOOLCHAIN=local, GOWORK=off and -mod=readonly (-mod=vendor
// when the module vendors its dependencies), so it uses only go.mod, go.sum,
// the module cache and local replacements, and never edits go.mod. A module
// missing from the cache makes the verdicts [Unknown]. [Options.Network]
// lets the go command download modules (go.mod is still never edited).
//
// # Limits
//
// Like any static call graph, VTA over-approximates (a call judged reachable
// may be impossible at run time) and cannot see calls made by reflection,
// through unsafe, by assembly, through cgo or through go:linkname; code
// excluded by build tags or by the target platform is not analysed.
// Exported generic functions are not entry points (they have no body to
// analyse until instantiated), as in govulncheck. The analysis does not
// check versions: the caller passes only the advisories that affect the
// versions in use. Building SSA for a module and all its dependencies from
// source takes seconds and hundreds of megabytes.
package golang

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Name is the name of this analysis.
const Name = "reachability/golang"

// Levels at which a [Verdict] was reached, from coarsest to finest.
const (
	LevelModule  = "module"
	LevelPackage = "package"
	LevelSymbol  = "symbol"
)

// Reachability values of a [Verdict].
const (
	Reachable    = "reachable"
	NotReachable = "not_reachable"
	Unknown      = "unknown"
)

// Module paths the Go vulnerability database uses for Go itself.
const (
	StdlibModule    = "stdlib"
	ToolchainModule = "toolchain"
)

// Vuln is one advisory's effect on one Go module, as the OSV entry's
// affected[] element for that module describes it.
type Vuln struct {
	// ID is the advisory identifier, e.g. "GO-2025-4009".
	ID string
	// Module is the affected module path, or [StdlibModule] or
	// [ToolchainModule].
	Module string
	// Imports are the vulnerable packages and symbols
	// (ecosystem_specific.imports). Empty means the advisory does not say.
	Imports []Import
}

// Import is one vulnerable package of a [Vuln].
type Import struct {
	// Path is the package import path.
	Path string `json:"path"`
	// Symbols are the vulnerable functions ("Func") and methods
	// ("Type.Method"); empty means every function of the package.
	Symbols []string `json:"symbols,omitempty"`
	// GOOS and GOARCH restrict the vulnerability to these platforms;
	// empty means all.
	GOOS   []string `json:"goos,omitempty"`
	GOARCH []string `json:"goarch,omitempty"`
}

// Verdict is the result of the analysis for one advisory.
type Verdict struct {
	// Level is the finest level the verdict was reached at: LevelModule,
	// LevelPackage or LevelSymbol.
	Level string `json:"level"`
	// Reachable is [Reachable], [NotReachable] or [Unknown].
	Reachable string `json:"reachable"`
	// Path is one call path from the module's own code to the vulnerable
	// symbol, entry point first; set only for reachable symbols.
	Path []Frame `json:"path,omitempty"`
	// Reason says in words why the verdict is what it is.
	Reason string `json:"reason"`
}

// Frame is one function on a call path.
type Frame struct {
	// Function is the qualified function name, e.g.
	// "(*net/http.Client).Do" or "example.com/m/cmd/app.main".
	Function string `json:"function"`
	// Position is where the function calls the next frame ("file:line"),
	// or, for the last frame, where the vulnerable function is declared.
	// Files of the analysed module are relative to its root; files of the
	// standard library start with "$GOROOT/src/"; files of other modules
	// with "module@version/" (or, for a module replaced by a local
	// directory, that directory relative to the module root); files the go
	// command generates (such as _testmain.go) are given by their base name.
	Position string `json:"position,omitempty"`
}

// Options control [Analyze].
type Options struct {
	// Level is the finest level to analyse; empty means LevelSymbol.
	// LevelModule and LevelPackage skip type-checking and the call graph.
	Level string
	// Tests analyses the module's test binaries too (test files, generated
	// test mains), so that code called only by tests counts as reachable.
	Tests bool
	// Network lets the go command download missing modules and toolchains.
	Network bool
	// Tags are extra build tags.
	Tags []string
	// GOOS and GOARCH select the target platform: the go command loads
	// the files built for it, and advisories restricted to other
	// platforms (imports[].goos, goarch) do not apply. Empty means the go
	// command's default platform for loading, and every advisory applies
	// (a scan on Linux must not dismiss a Windows-only vulnerability of a
	// program built for Windows), as govulncheck does.
	GOOS, GOARCH string
	// Logger receives progress and timing at debug level; nil discards.
	Logger *slog.Logger
}

func (o Options) level() (int, error) {
	switch o.Level {
	case LevelModule:
		return levelModule, nil
	case LevelPackage:
		return levelPackage, nil
	case LevelSymbol, "":
		return levelSymbol, nil
	}
	return 0, fmt.Errorf("unknown reachability level %q: want %q, %q or %q", o.Level, LevelModule, LevelPackage, LevelSymbol)
}

const (
	levelModule = iota + 1
	levelPackage
	levelSymbol
)

// Analyze judges, for each advisory in vulns, whether the module rooted at
// moduleDir (the directory holding its go.mod) reaches the vulnerable code.
// The result maps each Vuln.ID to its verdict; when several vulns share an
// ID (an advisory affecting several modules), the strongest verdict wins:
// reachable over unknown over not reachable.
//
// An error is returned only for invalid arguments, a moduleDir without a
// go.mod, or a cancelled ctx; a module that cannot be loaded or analysed
// gets [Unknown] verdicts that say why.
func Analyze(ctx context.Context, moduleDir string, vulns []Vuln, opts Options) (map[string]Verdict, error) {
	maxLevel, err := opts.level()
	if err != nil {
		return nil, err
	}
	for i, v := range vulns {
		if v.ID == "" || v.Module == "" {
			return nil, fmt.Errorf("vuln %d: ID and Module are required (got ID %q, Module %q)", i, v.ID, v.Module)
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(moduleDir)
	if err != nil {
		return nil, fmt.Errorf("module directory %q: %w", moduleDir, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return nil, fmt.Errorf("no go.mod in %q: give the root directory of a Go module: %w", moduleDir, err)
	}
	if len(vulns) == 0 {
		return map[string]Verdict{}, nil
	}

	prog, err := load(ctx, dir, maxLevel, opts, log)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		verdicts := make([]Verdict, len(vulns))
		for i := range verdicts {
			verdicts[i] = Verdict{Level: LevelModule, Reachable: Unknown, Reason: "the module could not be loaded: " + err.Error()}
		}
		return byID(vulns, verdicts), nil
	}

	verdicts := make([]Verdict, len(vulns))
	var needCalls []int // indexes of vulns judged on the call graph
	for i, v := range vulns {
		vd, more := prog.judgeImports(v, maxLevel)
		verdicts[i] = vd
		if more {
			needCalls = append(needCalls, i)
		}
	}
	if len(needCalls) > 0 {
		cg, err := prog.callGraph(ctx, log)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		for _, i := range needCalls {
			if err != nil {
				verdicts[i] = Verdict{Level: LevelSymbol, Reachable: Unknown,
					Reason: verdicts[i].Reason + ", but the call graph could not be built: " + err.Error()}
				continue
			}
			verdicts[i] = cg.judgeSymbols(prog, vulns[i], verdicts[i])
		}
	}
	return byID(vulns, verdicts), nil
}

// byID keys the verdicts by advisory ID, keeping the strongest of an
// advisory that affects several modules.
func byID(vulns []Vuln, verdicts []Verdict) map[string]Verdict {
	out := make(map[string]Verdict, len(vulns))
	for i, v := range vulns {
		vd := verdicts[i]
		if prev, ok := out[v.ID]; ok {
			vd = merge(prev, vd)
		}
		out[v.ID] = vd
	}
	return out
}

// strength orders reachability values: reachable, then unknown, then not
// reachable.
func strength(reachable string) int {
	switch reachable {
	case Reachable:
		return 2
	case Unknown:
		return 1
	}
	return 0
}

// rank orders levels from coarsest to finest.
func rank(level string) int {
	switch level {
	case LevelSymbol:
		return levelSymbol
	case LevelPackage:
		return levelPackage
	}
	return levelModule
}

// merge combines the verdicts of one advisory for two modules: the
// stronger one, or for equal strength the finer one with both reasons.
func merge(a, b Verdict) Verdict {
	if sa, sb := strength(a.Reachable), strength(b.Reachable); sa != sb {
		if sa > sb {
			return a
		}
		return b
	}
	if rank(b.Level) > rank(a.Level) {
		a, b = b, a
	}
	if a.Reason != b.Reason && b.Reason != "" {
		a.Reason += "; " + b.Reason
	}
	return a
}

// isGoModule reports whether a vuln module path stands for Go itself.
func isGoModule(mod string) bool {
	return mod == StdlibModule || mod == ToolchainModule
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}
