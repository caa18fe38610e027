package inventory

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestVia(t *testing.T) {
	inv := Inventory{
		Roots: []string{"a", "b"},
		Packages: []Package{
			{ID: "a", Name: "a", DependsOn: []string{"c"}},
			{ID: "b", Name: "b", DependsOn: []string{"c", "d"}},
			{ID: "c", Name: "c", DependsOn: []string{"e"}},
			{ID: "d", Name: "d", DependsOn: []string{"b"}}, // a cycle back to a root
			{ID: "e", Name: "e"},
			{ID: "orphan", Name: "orphan"},
		},
	}
	want := map[string][]string{"c": {"a", "b"}, "d": {"b"}, "e": {"a", "b"}}
	if diff := cmp.Diff(want, inv.Via()); diff != "" {
		t.Errorf("Via (-want +got):\n%s", diff)
	}
	if got := (Inventory{Packages: []Package{{Name: "x"}}}).Via(); len(got) != 0 {
		t.Errorf("Via without a graph = %v", got)
	}
}
