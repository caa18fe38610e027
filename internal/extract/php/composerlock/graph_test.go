package composerlock

import (
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/extract/extracttest"
)

// TestGraph checks the edges, roots and licences of the real BookStack
// excerpt (counted independently from the JSON: 5 edges, 5 roots).
func TestGraph(t *testing.T) {
	inv, err := extracttest.Extract(t, New(), os.DirFS("testdata"), "real-bookstack-excerpt/composer.lock")
	if err != nil {
		t.Fatal(err)
	}
	extracttest.CheckGraph(t, inv)
	if got := extracttest.EdgeCount(inv.Packages); got != 5 {
		t.Errorf("edges = %d, want 5", got)
	}
	want := []string{"barryvdh/laravel-debugbar", "barryvdh/laravel-dompdf", "laravel/framework", "league/commonmark", "phpunit/phpunit"}
	got := append([]string(nil), inv.Roots...)
	if diff := cmp.Diff(want, sortedCopy(got)); diff != "" {
		t.Errorf("roots (-want +got):\n%s", diff)
	}
	for _, p := range inv.Packages {
		if p.ID == "laravel/framework" {
			if diff := cmp.Diff([]string{"league/commonmark", "tijsverkoyen/css-to-inline-styles"}, p.DependsOn); diff != "" {
				t.Errorf("laravel/framework depends on (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"MIT"}, p.Licenses); diff != "" {
				t.Errorf("laravel/framework licences (-want +got):\n%s", diff)
			}
		}
	}
	for _, f := range []string{"minimal/composer.lock", "badentry/composer.lock"} {
		if inv, _ := extracttest.Extract(t, New(), os.DirFS("testdata"), f); len(inv.Packages) > 0 {
			extracttest.CheckGraph(t, inv)
		}
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
