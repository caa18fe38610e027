package golang

import (
	"cmp"
	"context"
	"fmt"
	"go/types"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/tools/go/callgraph"
	"golang.org/x/tools/go/callgraph/cha"
	"golang.org/x/tools/go/callgraph/vta"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
	"golang.org/x/tools/go/types/typeutil"
)

// calls is the call graph of a program, searched breadth-first from the
// entry points once: every function reachable from an entry point is in
// order, nearest first, with the edge it was first reached by.
type calls struct {
	entries int
	order   []*callgraph.Node
	via     map[*callgraph.Node]*callgraph.Edge // nil for entry points
	modOf   map[string]*packages.Package        // package path → a loaded package with that path
}

// callGraph builds SSA for the module's packages and their dependencies,
// computes a VTA call graph from the entry points and searches it.
func (p *program) callGraph(ctx context.Context, log *slog.Logger) (c *calls, err error) {
	// SSA construction and VTA assume well-typed code, which loading
	// checked; should they still panic (in this goroutine), the verdicts
	// become unknown rather than the scan crashing.
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("internal error in the call graph analysis: %v", r)
		}
	}()
	start := time.Now()
	prog, pkgs := ssautil.AllPackages(p.roots, ssa.InstantiateGenerics)
	prog.Build()
	log.Debug("built SSA", "elapsed", time.Since(start))
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	entries := entryPoints(p.roots, pkgs)
	start = time.Now()
	initial := cha.CallGraph(prog)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Two rounds of VTA over the functions reachable from the entry
	// points, the first seeded with CHA and the second with the first,
	// as govulncheck does: each round refines the graph it is given.
	cg := initial
	for range 2 {
		cg = vta.CallGraph(forwardSlice(entries, cg), cg)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	cg.DeleteSyntheticNodes()
	log.Debug("computed call graph", "entries", len(entries), "nodes", len(cg.Nodes), "elapsed", time.Since(start))

	c = &calls{
		entries: len(entries),
		via:     map[*callgraph.Node]*callgraph.Edge{},
		modOf:   map[string]*packages.Package{},
	}
	for _, pkg := range p.all {
		if _, ok := c.modOf[pkg.PkgPath]; !ok {
			c.modOf[pkg.PkgPath] = pkg
		}
	}
	c.search(cg, entries)
	return c, nil
}

// entryPoints returns the functions the module's code can start from:
// main and package initialisers of main packages; exported functions and
// methods and package initialisers of other packages. With tests, the
// test mains the go command generates are main packages too (so the
// testing framework's own calls count, as in govulncheck), and the Test,
// Benchmark, Fuzz and Example functions of test variants are entry points
// as well, so that paths start at the test that makes the call. roots and
// pkgs are parallel slices.
func entryPoints(roots []*packages.Package, pkgs []*ssa.Package) []*ssa.Function {
	var entries []*ssa.Function
	for i, pkg := range pkgs {
		if pkg == nil {
			continue
		}
		if strings.Contains(roots[i].ID, " [") { // a test variant
			for name, member := range pkg.Members {
				if f, ok := member.(*ssa.Function); ok && isTestFunc(name) && f.Synthetic == "" {
					entries = append(entries, f)
				}
			}
		}
		if pkg.Pkg.Name() == "main" {
			if f := pkg.Func("main"); f != nil {
				entries = append(entries, f)
			}
			if f := pkg.Func("init"); f != nil {
				entries = append(entries, f)
			}
			continue
		}
		for _, member := range pkg.Members {
			for _, f := range memberFuncs(member, pkg.Prog) {
				if isEntry(f) {
					entries = append(entries, f)
				}
			}
		}
	}
	slices.SortFunc(entries, func(a, b *ssa.Function) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(entries)
}

// isTestFunc reports whether name is that of a function `go test` runs.
func isTestFunc(name string) bool {
	for _, prefix := range []string{"Test", "Benchmark", "Fuzz", "Example"} {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			if rest == "" || !unicode.IsLower([]rune(rest)[0]) {
				return true
			}
		}
	}
	return false
}

// memberFuncs returns the function a package member is, or the methods of
// the type it is.
func memberFuncs(member ssa.Member, prog *ssa.Program) []*ssa.Function {
	switch m := member.(type) {
	case *ssa.Function:
		return []*ssa.Function{m}
	case *ssa.Type:
		var fs []*ssa.Function
		for _, sel := range typeutil.IntuitiveMethodSet(m.Type(), &prog.MethodSets) {
			if f := prog.MethodValue(sel); f != nil {
				fs = append(fs, f)
			}
		}
		return fs
	}
	return nil
}

func isEntry(f *ssa.Function) bool {
	if f.Synthetic == "package initializer" {
		return true
	}
	// Generic functions have no body to analyse until instantiated.
	if f.TypeParams().Len() > 0 || f.TypeArgs() != nil {
		return false
	}
	return f.Synthetic == "" && f.Object() != nil && f.Object().Exported()
}

// forwardSlice returns the functions reachable from entries through the
// edges of cg or by being referred to (e.g. taken as a value).
func forwardSlice(entries []*ssa.Function, cg *callgraph.Graph) map[*ssa.Function]bool {
	seen := make(map[*ssa.Function]bool)
	stack := slices.Clone(entries)
	var buf [10]*ssa.Value
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[f] {
			continue
		}
		seen[f] = true
		if n := cg.Nodes[f]; n != nil {
			for _, e := range n.Out {
				if e.Site != nil && !seen[e.Callee.Func] {
					stack = append(stack, e.Callee.Func)
				}
			}
		}
		for _, b := range f.Blocks {
			for _, instr := range b.Instrs {
				for _, op := range instr.Operands(buf[:0]) {
					if g, ok := (*op).(*ssa.Function); ok && !seen[g] {
						stack = append(stack, g)
					}
				}
			}
		}
	}
	return seen
}

// search runs the breadth-first search from the entry points. Within one
// node, static calls come before dynamic ones, then calls in source order,
// so that the path found is short and easy to read.
func (c *calls) search(cg *callgraph.Graph, entries []*ssa.Function) {
	seen := map[*callgraph.Node]bool{}
	for _, f := range entries {
		if n := cg.Nodes[f]; n != nil && !seen[n] {
			seen[n] = true
			c.order = append(c.order, n)
			c.via[n] = nil
		}
	}
	for i := 0; i < len(c.order); i++ {
		n := c.order[i]
		out := slices.Clone(n.Out)
		slices.SortStableFunc(out, compareEdges)
		for _, e := range out {
			if !seen[e.Callee] {
				seen[e.Callee] = true
				c.via[e.Callee] = e
				c.order = append(c.order, e.Callee)
			}
		}
	}
}

func compareEdges(a, b *callgraph.Edge) int {
	if d := cmp.Compare(dynamic(a), dynamic(b)); d != 0 {
		return d
	}
	if a.Site != nil && b.Site != nil {
		fset := a.Caller.Func.Prog.Fset
		pa, pb := fset.Position(a.Site.Pos()), fset.Position(b.Site.Pos())
		if d := cmp.Or(strings.Compare(pa.Filename, pb.Filename), cmp.Compare(pa.Line, pb.Line), cmp.Compare(pa.Column, pb.Column)); d != 0 {
			return d
		}
	}
	return strings.Compare(a.Callee.Func.String(), b.Callee.Func.String())
}

func dynamic(e *callgraph.Edge) int {
	if e.Site == nil || e.Site.Common().StaticCallee() != nil {
		return 0
	}
	return 1
}

// judgeSymbols judges v at the symbol level; pkgVerdict is its verdict at
// the package level, whose reason is kept.
func (c *calls) judgeSymbols(p *program, v Vuln, pkgVerdict Verdict) Verdict {
	type sink struct {
		imp     Import
		symbols map[string]bool
	}
	sinks := map[string]sink{}
	var names []string
	var applicable []Import
	for _, imp := range v.Imports {
		if !p.matchPlatform(imp) {
			continue
		}
		applicable = append(applicable, imp)
		s, ok := sinks[imp.Path]
		if !ok {
			s = sink{imp: imp, symbols: map[string]bool{}}
		}
		if len(imp.Symbols) == 0 {
			s.symbols = nil // the whole package
		} else if s.symbols != nil {
			for _, sym := range imp.Symbols {
				s.symbols[sym] = true
			}
		}
		sinks[imp.Path] = s
		if len(imp.Symbols) == 0 {
			names = append(names, imp.Path+" (any function)")
		}
		for _, sym := range imp.Symbols {
			names = append(names, imp.Path+"."+sym)
		}
	}

	// The nearest vulnerable function, preferring real functions to the
	// package initialisers that an import alone runs.
	var found *callgraph.Node
	for _, n := range c.order {
		path := funcPkgPath(n.Func)
		s, ok := sinks[path]
		if !ok {
			continue
		}
		if pkg := c.modOf[path]; pkg == nil || !inModule(pkg, v.Module) {
			continue
		}
		if s.symbols != nil && !s.symbols[symbolName(n.Func)] {
			continue
		}
		if n.Func.Synthetic != "package initializer" {
			found = n
			break
		}
		if found == nil {
			found = n
		}
	}
	if n := found; n != nil {
		frames := c.path(p, n)
		return Verdict{
			Level:     LevelSymbol,
			Reachable: Reachable,
			Path:      frames,
			Reason: fmt.Sprintf("vulnerable symbol %s is called from %s%s", n.Func.String(),
				frames[0].Function, platformNote(applicable)),
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	shown := names
	more := ""
	if len(shown) > 5 {
		more = fmt.Sprintf(" and %d more", len(shown)-5)
		shown = shown[:5]
	}
	return Verdict{
		Level:     LevelSymbol,
		Reachable: NotReachable,
		Reason: fmt.Sprintf("%s, but no vulnerable symbol (%s%s) is called from the module's %d entry points",
			pkgVerdict.Reason, strings.Join(shown, ", "), more, c.entries),
	}
}

// path returns the call path from an entry point to n.
func (c *calls) path(p *program, n *callgraph.Node) []Frame {
	fset := n.Func.Prog.Fset
	frames := []Frame{{Function: n.Func.String(), Position: p.pos.format(fset.Position(n.Func.Pos()))}}
	for e := c.via[n]; e != nil; e = c.via[e.Caller] {
		pos := e.Caller.Func.Pos()
		if e.Site != nil && e.Site.Pos().IsValid() {
			pos = e.Site.Pos()
		}
		frames = append(frames, Frame{Function: e.Caller.Func.String(), Position: p.pos.format(fset.Position(pos))})
	}
	slices.Reverse(frames)
	return frames
}

// funcPkgPath returns the import path of the package declaring f, or "".
func funcPkgPath(f *ssa.Function) string {
	if o := f.Origin(); o != nil {
		f = o
	}
	if f.Pkg != nil && f.Pkg.Pkg != nil {
		return f.Pkg.Pkg.Path()
	}
	if obj := f.Object(); obj != nil && obj.Pkg() != nil {
		return obj.Pkg().Path()
	}
	return ""
}

// symbolName names f the way the Go vulnerability database does: "Func"
// for functions, "Type.Method" for methods whatever the receiver's
// pointerness, without type parameters or arguments.
func symbolName(f *ssa.Function) string {
	if o := f.Origin(); o != nil {
		f = o
	}
	name, _, _ := strings.Cut(f.Name(), "[")
	var recv types.Type
	switch {
	case f.Signature.Recv() != nil:
		recv = f.Signature.Recv().Type()
	case strings.HasPrefix(f.Synthetic, "bound ") && len(f.FreeVars) == 1:
		recv = f.FreeVars[0].Type()
	case strings.HasPrefix(f.Synthetic, "thunk ") && f.Signature.Params().Len() > 0:
		recv = f.Signature.Params().At(0).Type()
	}
	if recv == nil {
		return name
	}
	return typeName(recv) + "." + name
}

func typeName(t types.Type) string {
	switch t := types.Unalias(t).(type) {
	case *types.Pointer:
		return typeName(t.Elem())
	case *types.Named:
		return t.Obj().Name()
	}
	return types.TypeString(t, func(*types.Package) string { return "" })
}
