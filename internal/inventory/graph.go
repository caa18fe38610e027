package inventory

import "sort"

// Via returns, for each package ID reachable in the dependency graph, the
// names of the direct dependencies (Roots) it is reached through; a root
// itself is not listed under its own name. It is empty when the inventory
// records no graph.
func (inv Inventory) Via() map[string][]string {
	byID := make(map[string]*Package, len(inv.Packages))
	for i := range inv.Packages {
		if id := inv.Packages[i].ID; id != "" {
			byID[id] = &inv.Packages[i]
		}
	}
	via := map[string]map[string]bool{}
	for _, root := range inv.Roots {
		r, ok := byID[root]
		if !ok {
			continue
		}
		seen := map[string]bool{root: true}
		queue := []string{root}
		for len(queue) > 0 {
			id := queue[0]
			queue = queue[1:]
			p, ok := byID[id]
			if !ok {
				continue
			}
			for _, d := range p.DependsOn {
				if seen[d] {
					continue
				}
				seen[d] = true
				queue = append(queue, d)
				if via[d] == nil {
					via[d] = map[string]bool{}
				}
				via[d][r.Name] = true
			}
		}
	}
	out := make(map[string][]string, len(via))
	for id, names := range via {
		for n := range names {
			out[id] = append(out[id], n)
		}
		sort.Strings(out[id])
	}
	return out
}
