package extracttest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/inventory"
)

// recorder is a testing.TB that records the errors a check reports.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// echo is an extractor that returns one package named by its input, and
// fails on a canceled context unless it ignores it.
type echo struct {
	ignoreCtx bool
	in        *inventory.Input
}

func (e *echo) Name() string               { return "test/echo" }
func (e *echo) FileRequired(p string) bool { return true }
func (e *echo) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	e.in = in
	if err := ctx.Err(); err != nil && !e.ignoreCtx {
		return inventory.Inventory{}, err
	}
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, err
	}
	return inventory.Inventory{Packages: []inventory.Package{
		{Name: string(data), Location: inventory.Location{File: in.Path, Line: 1}},
	}}, nil
}

func TestExtract(t *testing.T) {
	fsys := fstest.MapFS{"app/x.lock": {Data: []byte("content")}}
	x := &echo{}
	inv, err := Extract(t, x, fsys, "app/x.lock")
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.Package{{Name: "content", Location: inventory.Location{File: "app/x.lock", Line: 1}}}
	if diff := cmp.Diff(want, inv.Packages); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if x.in.Path != "app/x.lock" || x.in.FSPath != "app/x.lock" || x.in.FS == nil {
		t.Errorf("input = %+v, want Path and FSPath %q in the FS", x.in, "app/x.lock")
	}
}

func TestErrorLines(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{name: "nil", err: nil, want: nil},
		{name: "one", err: inventory.Errorf("a.lock", 3, "bad"), want: []string{"a.lock:3"}},
		{
			name: "joined_and_wrapped",
			err: errors.Join(
				inventory.Errorf("a.lock", 3, "bad"),
				fmt.Errorf("context: %w", inventory.Errorf("b.toml", 0, "bad")),
				errors.Join(inventory.Errorf("a.lock", 9, "bad")),
			),
			want: []string{"a.lock:3", "b.toml:0", "a.lock:9"},
		},
		{
			name: "other_error",
			err:  errors.Join(inventory.Errorf("a.lock", 1, "bad"), errors.New("read failed")),
			want: []string{"a.lock:1", "other: read failed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ErrorLines(tt.err)); diff != "" {
				t.Errorf("ErrorLines (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChecks(t *testing.T) {
	pkg := func(name string, line int) inventory.Package {
		return inventory.Package{Name: name, Location: inventory.Location{File: "a.lock", Line: line}}
	}
	got := []inventory.Package{pkg("a", 1), pkg("b", 5), pkg("c", 9)}
	tests := []struct {
		name  string
		check func(tb testing.TB)
		// wantErrs is the number of errors the check reports.
		wantErrs int
	}{
		{"canceled_stops", func(tb testing.TB) { CheckCanceled(tb, &echo{}, fstest.MapFS{"x.lock": {}}, "x.lock") }, 0},
		{"canceled_ignored", func(tb testing.TB) {
			CheckCanceled(tb, &echo{ignoreCtx: true}, fstest.MapFS{"x.lock": {}}, "x.lock")
		}, 1},
		{"errors_match", func(tb testing.TB) { CheckErrors(tb, []string{"a.lock:2"}, inventory.Errorf("a.lock", 2, "x")) }, 0},
		{"errors_differ", func(tb testing.TB) { CheckErrors(tb, nil, inventory.Errorf("a.lock", 2, "x")) }, 1},
		{"packages_match", func(tb testing.TB) { CheckPackages(tb, got, got) }, 0},
		{"packages_differ", func(tb testing.TB) { CheckPackages(tb, got[:2], got) }, 1},
		{"some_match", func(tb testing.TB) { CheckSome(tb, 3, []inventory.Package{pkg("b", 5)}, got) }, 0},
		{"some_count_differs", func(tb testing.TB) { CheckSome(tb, 4, nil, got) }, 1},
		{"some_missing", func(tb testing.TB) { CheckSome(tb, 3, []inventory.Package{pkg("d", 7)}, got) }, 1},
		{"some_differs", func(tb testing.TB) { CheckSome(tb, 3, []inventory.Package{pkg("x", 9)}, got) }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			tt.check(r)
			if len(r.errs) != tt.wantErrs {
				t.Errorf("reported %d errors, want %d: %q", len(r.errs), tt.wantErrs, r.errs)
			}
		})
	}
}

func TestCountByRelationScope(t *testing.T) {
	pkgs := []inventory.Package{
		{Relation: inventory.RelationDirect, Scope: inventory.ScopeProd},
		{Relation: inventory.RelationDirect, Scope: inventory.ScopeProd},
		{Relation: inventory.RelationDirect, Scope: inventory.ScopeDev},
		{Relation: inventory.RelationTransitive, Scope: inventory.ScopeUnknown},
	}
	want := map[inventory.Relation]map[inventory.Scope]int{
		inventory.RelationDirect:     {inventory.ScopeProd: 2, inventory.ScopeDev: 1},
		inventory.RelationTransitive: {inventory.ScopeUnknown: 1},
	}
	if diff := cmp.Diff(want, CountByRelationScope(pkgs)); diff != "" {
		t.Errorf("CountByRelationScope (-want +got):\n%s", diff)
	}
}
