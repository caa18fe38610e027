// Package extracttest helps the tests of extractors: it runs an extractor on
// a fixture the way the file walker hands it a file, lists the "file:line"
// of the parse errors it returns, compares the packages found with the ones
// expected, and seeds fuzz tests from the fixtures in testdata.
//
// It is for tests only: production code never imports it (it imports
// package testing, which the patchline binary must not depend on).
package extracttest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/patchline/patchline/internal/inventory"
)

// Extract runs x on the file at p in fsys, as the walker would: Path and
// FSPath are p, so that x can read the files beside it. It fails the test
// when the file cannot be opened.
func Extract(tb testing.TB, x inventory.Extractor, fsys fs.FS, p string) (inventory.Inventory, error) {
	tb.Helper()
	return extract(context.Background(), tb, x, fsys, p)
}

// CheckCanceled runs x on the file at p in fsys with a canceled context and
// reports a test error unless x returns [context.Canceled].
func CheckCanceled(tb testing.TB, x inventory.Extractor, fsys fs.FS, p string) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := extract(ctx, tb, x, fsys, p); !errors.Is(err, context.Canceled) {
		tb.Errorf("Extract(%q) with a canceled context: err = %v, want context.Canceled", p, err)
	}
}

func extract(ctx context.Context, tb testing.TB, x inventory.Extractor, fsys fs.FS, p string) (inventory.Inventory, error) {
	tb.Helper()
	f, err := fsys.Open(p)
	if err != nil {
		tb.Fatalf("open fixture: %v", err)
	}
	defer f.Close()
	return x.Extract(ctx, &inventory.Input{Path: p, FS: fsys, FSPath: p, Reader: f})
}

// ErrorLines returns "file:line" for every [*inventory.ParseError] in err
// (through [errors.Join]), in order, and "other: " and the text of any
// other error, so that a test comparing the lines with the ones it expects
// also fails on an error without a position.
func ErrorLines(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var pe *inventory.ParseError
		if errors.As(err, &pe) {
			out = append(out, fmt.Sprintf("%s:%d", pe.Path, pe.Line))
			return
		}
		out = append(out, "other: "+err.Error())
	}
	walk(err)
	return out
}

// CheckErrors reports a test error when the [ErrorLines] of err differ
// from want.
func CheckErrors(tb testing.TB, want []string, err error) {
	tb.Helper()
	if diff := cmp.Diff(want, ErrorLines(err)); diff != "" {
		tb.Errorf("errors (-want +got):\n%s\nerror: %v", diff, err)
	}
}

// IgnoreGraph is a [cmp.Option] that leaves out of a comparison of packages
// the fields of the dependency graph and the checksums and licences (ID,
// DependsOn, Hashes, Licenses), for tests about the other fields; [CheckGraph]
// and [CheckEdges] check those.
func IgnoreGraph() cmp.Option {
	return cmpopts.IgnoreFields(inventory.Package{}, "ID", "DependsOn", "Hashes", "Licenses")
}

// CheckPackages reports a test error when got differs from want, the whole
// inventory in order, leaving out the fields [IgnoreGraph] names.
func CheckPackages(tb testing.TB, want, got []inventory.Package) {
	tb.Helper()
	if diff := cmp.Diff(want, got, IgnoreGraph()); diff != "" {
		tb.Errorf("packages (-want +got):\n%s", diff)
	}
}

// CheckSome reports a test error unless got holds count packages, among
// them each of some, found by its location: for real fixtures too large to
// list whole. It leaves out the fields [IgnoreGraph] names.
func CheckSome(tb testing.TB, count int, some, got []inventory.Package) {
	tb.Helper()
	if len(got) != count {
		tb.Errorf("got %d packages, want %d", len(got), count)
	}
	for _, want := range some {
		p, ok := findAt(got, want.Location)
		if !ok {
			tb.Errorf("no package at %s:%d, want %s", want.Location.File, want.Location.Line, want.Name)
			continue
		}
		if diff := cmp.Diff(want, p, IgnoreGraph()); diff != "" {
			tb.Errorf("package at %s:%d (-want +got):\n%s", want.Location.File, want.Location.Line, diff)
		}
	}
}

// findAt returns the first package declared at loc.
func findAt(pkgs []inventory.Package, loc inventory.Location) (inventory.Package, bool) {
	for _, p := range pkgs {
		if p.Location == loc {
			return p, true
		}
	}
	return inventory.Package{}, false
}

// CountByRelationScope counts the packages of each relation and scope, to
// compare a real fixture with counts made by another tool.
func CountByRelationScope(pkgs []inventory.Package) map[inventory.Relation]map[inventory.Scope]int {
	counts := map[inventory.Relation]map[inventory.Scope]int{}
	for _, p := range pkgs {
		if counts[p.Relation] == nil {
			counts[p.Relation] = map[inventory.Scope]int{}
		}
		counts[p.Relation][p.Scope]++
	}
	return counts
}

// AddSeeds adds the content of every file below dir whose base name matches
// pattern ([path.Match]) to the seed corpus of f.
func AddSeeds(f *testing.F, dir, pattern string) {
	f.Helper()
	fsys := os.DirFS(dir)
	n := 0
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ok, err := path.Match(pattern, path.Base(p)); err != nil || !ok {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		f.Add(data)
		n++
		return nil
	})
	if err != nil {
		f.Fatalf("seed from %q: %v", dir, err)
	}
	if n == 0 {
		f.Fatalf("no file matching %q below %q to seed from", pattern, dir)
	}
}

// CheckGraph reports a test error unless the dependency graph of inv is
// consistent: every package with an ID has one no other package has, and
// every ID in a DependsOn list or in Roots is the ID of some package. A
// package without an ID is allowed (the format records no graph for it) but
// must then have no DependsOn.
func CheckGraph(tb testing.TB, inv inventory.Inventory) {
	tb.Helper()
	ids := make(map[string]int, len(inv.Packages))
	for i, p := range inv.Packages {
		if p.ID == "" {
			if len(p.DependsOn) > 0 {
				tb.Errorf("package %d (%s %s) has no ID but depends on %q", i, p.Name, p.Version, p.DependsOn)
			}
			continue
		}
		if j, ok := ids[p.ID]; ok {
			tb.Errorf("packages %d and %d have the same ID %q", j, i, p.ID)
			continue
		}
		ids[p.ID] = i
	}
	for _, p := range inv.Packages {
		seen := make(map[string]bool, len(p.DependsOn))
		for _, d := range p.DependsOn {
			if _, ok := ids[d]; !ok {
				tb.Errorf("package %q depends on %q, which is no package's ID", p.ID, d)
			}
			if seen[d] {
				tb.Errorf("package %q lists dependency %q twice", p.ID, d)
			}
			seen[d] = true
		}
	}
	for _, r := range inv.Roots {
		if _, ok := ids[r]; !ok {
			tb.Errorf("root %q is no package's ID", r)
		}
	}
}

// EdgeCount returns the number of DependsOn edges of all packages.
func EdgeCount(pkgs []inventory.Package) int {
	n := 0
	for _, p := range pkgs {
		n += len(p.DependsOn)
	}
	return n
}

// CheckEdges reports a test error unless, for each ID in want, the package
// with that ID depends on at least the IDs listed (in any order), so that a
// test of a real fixture can check a few edges without listing them all.
func CheckEdges(tb testing.TB, want map[string][]string, got []inventory.Package) {
	tb.Helper()
	byID := make(map[string]inventory.Package, len(got))
	for _, p := range got {
		byID[p.ID] = p
	}
	for id, deps := range want {
		p, ok := byID[id]
		if !ok {
			tb.Errorf("no package with ID %q", id)
			continue
		}
		has := make(map[string]bool, len(p.DependsOn))
		for _, d := range p.DependsOn {
			has[d] = true
		}
		for _, d := range deps {
			if !has[d] {
				tb.Errorf("package %q: DependsOn = %q, want it to include %q", id, p.DependsOn, d)
			}
		}
	}
}

// CheckRoots reports a test error unless inv.Roots includes each of want.
func CheckRoots(tb testing.TB, want []string, inv inventory.Inventory) {
	tb.Helper()
	has := make(map[string]bool, len(inv.Roots))
	for _, r := range inv.Roots {
		has[r] = true
	}
	for _, r := range want {
		if !has[r] {
			tb.Errorf("Roots = %q, want it to include %q", inv.Roots, r)
		}
	}
}
