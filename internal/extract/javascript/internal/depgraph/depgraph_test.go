package depgraph

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/inventory"
)

const (
	prod     = inventory.ScopeProd
	optional = inventory.ScopeOptional
	dev      = inventory.ScopeDev
	unknown  = inventory.ScopeUnknown
)

func req(to int) Edge { return Edge{To: to} }
func opt(to int) Edge { return Edge{To: to, Optional: true} }

// graph returns the graph whose entry i has the edges lists[i].
func graph(lists ...[]Edge) *Graph {
	return New(len(lists), func(i int, add func(Edge)) {
		for _, e := range lists[i] {
			add(e)
		}
	})
}

func TestWalkResolvesOnlyWhatItReaches(t *testing.T) {
	resolved := map[int]bool{}
	g := New(4, func(i int, add func(Edge)) {
		resolved[i] = true
		if i == 0 {
			add(req(1))
		}
	})
	if g.Len() != 4 {
		t.Errorf("Len() = %d, want 4", g.Len())
	}
	g.Scopes([]Root{{To: 0, Scope: prod}})
	if diff := cmp.Diff(map[int]bool{0: true, 1: true}, resolved); diff != "" {
		t.Errorf("entries resolved (-want +got):\n%s", diff)
	}
}

func TestReach(t *testing.T) {
	// 0 -> 1 -> 2 -opt-> 3 -> 0 (a cycle), 4 alone.
	g := graph([]Edge{req(1)}, []Edge{req(2)}, []Edge{opt(3)}, []Edge{req(0)}, nil)
	tests := []struct {
		name           string
		starts         []int
		followOptional bool
		want           []bool
	}{
		{"required_edges_only", []int{0}, false, []bool{true, true, true, false, false}},
		{"optional_edges_too", []int{0}, true, []bool{true, true, true, true, false}},
		{"cycle_ends", []int{3}, true, []bool{true, true, true, true, false}},
		{"start_is_reached", []int{4}, false, []bool{false, false, false, false, true}},
		{"repeated_starts", []int{2, 2}, false, []bool{false, false, true, false, false}},
		{"no_starts", nil, true, []bool{false, false, false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := g.Reach(tt.starts, tt.followOptional)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Reach(%v, %v) (-want +got):\n%s", tt.starts, tt.followOptional, diff)
			}
		})
	}
}

func TestScopes(t *testing.T) {
	tests := []struct {
		name  string
		graph *Graph
		roots []Root
		want  []inventory.Scope
	}{
		{
			name:  "prod_through_required_edges",
			graph: graph([]Edge{req(1)}, nil),
			roots: []Root{{To: 0, Scope: prod}},
			want:  []inventory.Scope{prod, prod},
		},
		{
			name:  "optional_edge_from_prod",
			graph: graph([]Edge{opt(1)}, []Edge{req(2)}, nil),
			roots: []Root{{To: 0, Scope: prod}},
			want:  []inventory.Scope{prod, optional, optional},
		},
		{
			name:  "optional_dependency",
			graph: graph([]Edge{req(1)}, nil),
			roots: []Root{{To: 0, Scope: optional}},
			want:  []inventory.Scope{optional, optional},
		},
		{
			name:  "one_required_path_is_enough",
			graph: graph([]Edge{opt(2), req(1)}, []Edge{req(2)}, nil),
			roots: []Root{{To: 0, Scope: prod}},
			want:  []inventory.Scope{prod, prod, prod},
		},
		{
			name:  "dev_dependency",
			graph: graph([]Edge{req(1)}, []Edge{opt(2)}, nil, nil),
			roots: []Root{{To: 0, Scope: dev}},
			want:  []inventory.Scope{dev, dev, dev, unknown},
		},
		{
			name:  "prod_wins_over_dev",
			graph: graph([]Edge{req(1)}, nil),
			roots: []Root{{To: 0, Scope: dev}, {To: 1, Scope: prod}},
			want:  []inventory.Scope{dev, prod},
		},
		{
			// npm's devOptional: optional in production, required to
			// develop.
			name:  "dev_optional_counts_as_dev",
			graph: graph([]Edge{opt(2)}, []Edge{req(2)}, nil),
			roots: []Root{{To: 0, Scope: prod}, {To: 1, Scope: dev}},
			want:  []inventory.Scope{prod, dev, dev},
		},
		{
			name:  "optional_in_both_stays_optional",
			graph: graph([]Edge{opt(2)}, []Edge{opt(2)}, nil),
			roots: []Root{{To: 0, Scope: prod}, {To: 1, Scope: dev}},
			want:  []inventory.Scope{prod, dev, optional},
		},
		{
			name:  "unknown_root_hides_all_but_prod",
			graph: graph([]Edge{req(2)}, []Edge{req(2), req(3)}, nil, nil),
			roots: []Root{{To: 0, Scope: prod}, {To: 1, Scope: unknown}},
			want:  []inventory.Scope{prod, unknown, prod, unknown},
		},
		{
			name:  "unknown_wins_over_dev",
			graph: graph([]Edge{req(1)}, nil),
			roots: []Root{{To: 0, Scope: unknown}, {To: 1, Scope: dev}},
			want:  []inventory.Scope{unknown, unknown},
		},
		{
			// A workspace's dependencies are roots of their own: it has
			// no edges in the graph.
			name:  "workspace_not_walked_through",
			graph: graph([]Edge{req(1)}, nil, nil),
			roots: []Root{{To: 0, Scope: dev}, {To: 2, Scope: prod}},
			want:  []inventory.Scope{dev, dev, prod},
		},
		{
			name:  "no_roots",
			graph: graph([]Edge{req(1)}, nil),
			want:  []inventory.Scope{unknown, unknown},
		},
		{
			name:  "no_entries",
			graph: graph(),
			want:  []inventory.Scope{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.graph.Scopes(tt.roots)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Scopes(%v) (-want +got):\n%s", tt.roots, diff)
			}
		})
	}
}
