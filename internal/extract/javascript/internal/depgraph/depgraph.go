// Package depgraph decides, from the dependency graph of a JavaScript
// lockfile, which installed packages the project needs in production, which
// only optionally and which only to develop.
//
// An extractor resolves each lockfile entry's dependencies to entry indexes
// in its own format's way into a [Graph] (see [New]) and the project's (and
// workspaces') own dependencies into [Root] values; [Graph.Scopes] then
// applies npm's rules to them, and [Graph.Reach] serves formats with rules
// of their own.
package depgraph

import "github.com/patchline/patchline/internal/inventory"

// Edge is a dependency of an entry, resolved.
type Edge struct {
	To       int  // index of the entry the dependency resolves to
	Optional bool // an optional dependency
}

// Graph is a lockfile's dependency graph over its entries 0 to n-1. An
// entry's dependencies are resolved whenever a walk reaches it, so that
// entries no root reaches cost nothing and no edge list is kept.
type Graph struct {
	n    int
	deps func(i int, add func(Edge))
}

// New returns the graph of n entries: deps(i, add) calls add with each
// dependency of entry i that resolves. An entry whose dependencies are roots
// of their own (a workspace) adds none.
func New(n int, deps func(i int, add func(Edge))) *Graph {
	return &Graph{n: n, deps: deps}
}

// Len returns the number of entries.
func (g *Graph) Len() int { return g.n }

// Reach returns which entries are reachable from the entries starts,
// themselves included, following optional edges only when followOptional.
func (g *Graph) Reach(starts []int, followOptional bool) []bool {
	seen := make([]bool, g.n)
	stack := append([]int(nil), starts...)
	for _, s := range starts {
		seen[s] = true
	}
	visit := func(e Edge) {
		if e.Optional && !followOptional || seen[e.To] {
			return
		}
		seen[e.To] = true
		stack = append(stack, e.To)
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		g.deps(i, visit)
	}
	return seen
}

// Root is a dependency of the project or of a workspace, resolved.
type Root struct {
	To int // index of the entry the dependency resolves to
	// Scope is that of the package.json list naming it (prod for
	// dependencies, optional for optionalDependencies, dev for
	// devDependencies), or unknown when no package.json says.
	Scope inventory.Scope
}

// Scopes decides each entry's scope from the roots, as npm decides its dev
// and optional flags: prod if some path from a prod root has no optional
// edge; dev if no path starts at a prod or optional root; optional if every
// such path has an optional edge, except that a package needed only
// optionally in production but required in development (npm's devOptional)
// counts as dev.
//
// Where a root's scope is unknown, everything reachable from it that is not
// prod has an unknown scope; so has every entry that no root reaches.
func (g *Graph) Scopes(roots []Root) []inventory.Scope {
	starts := func(scopes ...inventory.Scope) []int {
		var out []int
		for _, r := range roots {
			for _, s := range scopes {
				if r.Scope == s {
					out = append(out, r.To)
				}
			}
		}
		return out
	}
	prodReq := g.Reach(starts(inventory.ScopeProd), false)
	unknown := g.Reach(starts(inventory.ScopeUnknown), true)
	prodAny := g.Reach(starts(inventory.ScopeProd, inventory.ScopeOptional), true)
	devReq := g.Reach(starts(inventory.ScopeDev), false)
	devAny := g.Reach(starts(inventory.ScopeDev), true)
	out := make([]inventory.Scope, g.Len())
	for i := range out {
		switch {
		case prodReq[i]:
			out[i] = inventory.ScopeProd
		case unknown[i]:
			out[i] = inventory.ScopeUnknown
		case prodAny[i] && devReq[i]:
			out[i] = inventory.ScopeDev
		case prodAny[i]:
			out[i] = inventory.ScopeOptional
		case devAny[i]:
			out[i] = inventory.ScopeDev
		}
	}
	return out
}
