package report

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/severity"
)

func score(f float64) *float64 { return &f }

func finding(source, pkg, version, id string, level severity.Level, sc *float64) result.Finding {
	return result.Finding{
		Source: source, Ecosystem: "PyPI", Package: pkg, Version: version, ID: id,
		Severity: severity.Severity{Level: level, Score: sc},
	}
}

func suppressed(config string) result.Finding {
	f := finding("a/poetry.lock", "x", "1", "GHSA-x", severity.Low, nil)
	f.Suppression = &result.Suppression{ID: "GHSA-x", Config: config}
	return f
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		r    result.Result
		want Summary
	}{
		{
			name: "empty",
			want: Summary{},
		},
		{
			name: "counts",
			r: result.Result{
				Sources: []result.Source{{Path: "a/poetry.lock", Packages: 9}, {Path: "b/go.mod", Packages: 9}},
				Packages: []result.Package{
					{Source: "a/poetry.lock", Name: "x", Version: "1"},
					{Source: "a/poetry.lock", Name: "y", Version: "2"},
					{Source: "a/poetry.lock", Name: "loose", Requirement: ">=1"},
				},
				Findings: []result.Finding{
					finding("a/poetry.lock", "x", "1", "GHSA-1", severity.Critical, nil),
					finding("a/poetry.lock", "x", "1", "GHSA-2", severity.High, nil),
					finding("a/poetry.lock", "y", "2", "GHSA-3", severity.Unknown, nil),
					finding("b/go.mod", "x", "1", "GO-1", severity.Level(99), nil), // out of range: unknown
				},
				Suppressed: []result.Finding{
					suppressed("patchline.yaml"),
					suppressed(""),
					suppressed("other.yaml"),
					suppressed("patchline.yaml"),
				},
				Errors: []result.FileError{
					{Source: "c/uv.lock", Line: 3}, {Source: "c/uv.lock", Line: 9}, {Source: "d/Pipfile.lock"},
				},
			},
			want: Summary{
				Findings:   4,
				Levels:     [severity.Critical + 1]int{severity.Unknown: 2, severity.High: 1, severity.Critical: 1},
				Vulnerable: 3,
				Packages:   3,
				Sources:    2,
				Failed:     2,
				Unpinned:   1,
				Configs:    []string{"patchline.yaml", "other.yaml"},
			},
		},
		{
			name: "packages_from_sources_without_package_messages",
			r: result.Result{
				Sources: []result.Source{{Path: "a/poetry.lock", Packages: 4}, {Path: "b/go.mod", Packages: 5}},
			},
			want: Summary{Packages: 9, Sources: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Summarize(&tt.r)); diff != "" {
				t.Errorf("Summarize (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGroupBySource(t *testing.T) {
	r := result.Result{
		Sources: []result.Source{
			{Path: "b/go.mod"},
			{Path: "clean/uv.lock"}, // no findings: no group
			{Path: "a/poetry.lock"},
			{Path: "b/go.mod"}, // listed twice: one group
		},
		Findings: []result.Finding{
			finding("a/poetry.lock", "y", "2", "GHSA-low", severity.Low, nil),
			finding("unlisted/Pipfile.lock", "z", "3", "GHSA-z", severity.High, nil),
			finding("a/poetry.lock", "x", "1", "GHSA-crit", severity.Critical, nil),
			finding("b/go.mod", "m", "1", "GO-1", severity.Medium, nil),
		},
	}
	type group struct {
		Path     string
		Source   *result.Source
		Findings []string
	}
	var got []group
	for _, g := range GroupBySource(&r) {
		var ids []string
		for _, f := range g.Findings {
			ids = append(ids, f.ID)
		}
		got = append(got, group{g.Path, g.Source, ids})
	}
	want := []group{
		{"b/go.mod", &r.Sources[0], []string{"GO-1"}},
		{"a/poetry.lock", &r.Sources[2], []string{"GHSA-crit", "GHSA-low"}},
		{"unlisted/Pipfile.lock", nil, []string{"GHSA-z"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GroupBySource (-want +got):\n%s", diff)
	}
	for _, g := range GroupBySource(&r) {
		if g.Source != nil && g.Source != &r.Sources[0] && g.Source != &r.Sources[2] {
			t.Errorf("group %q: Source does not point into r.Sources", g.Path)
		}
	}
}

func TestBefore(t *testing.T) {
	tests := []struct {
		name string
		a, b result.Finding
		want bool
	}{
		{
			name: "higher_level_first",
			a:    finding("s", "z", "9", "Z", severity.High, nil),
			b:    finding("s", "a", "1", "A", severity.Medium, score(6.9)),
			want: true,
		},
		{
			name: "higher_score_first",
			a:    finding("s", "z", "9", "Z", severity.High, score(8.8)),
			b:    finding("s", "a", "1", "A", severity.High, score(7.5)),
			want: true,
		},
		{
			name: "known_score_before_none",
			a:    finding("s", "z", "9", "Z", severity.High, score(0)),
			b:    finding("s", "a", "1", "A", severity.High, nil),
			want: true,
		},
		{
			name: "then_by_package",
			a:    finding("s", "a", "9", "Z", severity.Low, nil),
			b:    finding("s", "b", "1", "A", severity.Low, nil),
			want: true,
		},
		{
			name: "then_by_version",
			a:    finding("s", "a", "1", "Z", severity.Low, nil),
			b:    finding("s", "a", "2", "A", severity.Low, nil),
			want: true,
		},
		{
			name: "then_by_id",
			a:    finding("s", "a", "1", "A", severity.Low, nil),
			b:    finding("s", "a", "1", "B", severity.Low, nil),
			want: true,
		},
		{
			name: "equal_is_not_before",
			a:    finding("s", "a", "1", "A", severity.Low, nil),
			b:    finding("s", "a", "1", "A", severity.Low, nil),
			want: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Before(&tt.a, &tt.b); got != tt.want {
				t.Errorf("Before(a, b) = %v, want %v", got, tt.want)
			}
			if tt.want && Before(&tt.b, &tt.a) {
				t.Errorf("Before(b, a) = true as well")
			}
		})
	}
}
