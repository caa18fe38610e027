package match

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/osv"
)

func ev(kind, v string) osv.Event {
	switch kind {
	case "i":
		return osv.Event{Introduced: v}
	case "f":
		return osv.Event{Fixed: v}
	case "l":
		return osv.Event{LastAffected: v}
	case "limit":
		return osv.Event{Limit: v}
	}
	panic("bad kind " + kind)
}

func entry(eco, name string, ranges []osv.Range, versions ...string) *osv.Entry {
	return &osv.Entry{ID: "TEST-1", Affected: []osv.Affected{{
		Package:  osv.Package{Ecosystem: eco, Name: name},
		Ranges:   ranges,
		Versions: versions,
	}}}
}

func rng(typ string, events ...osv.Event) osv.Range { return osv.Range{Type: typ, Events: events} }

func TestAffects(t *testing.T) {
	eco := osv.RangeEcosystem
	sem := osv.RangeSemVer
	tests := []struct {
		name      string
		entry     *osv.Entry
		pkg       Package
		want      bool
		wantFixed []string
	}{
		// The basic interval [introduced, fixed).
		{name: "below_introduced", entry: entry("npm", "a", []osv.Range{rng(sem, ev("i", "1.0.0"), ev("f", "1.2.0"))}), pkg: Package{"npm", "a", "0.9.0"}},
		{name: "at_introduced", entry: entry("npm", "a", []osv.Range{rng(sem, ev("i", "1.0.0"), ev("f", "1.2.0"))}), pkg: Package{"npm", "a", "1.0.0"}, want: true, wantFixed: []string{"1.2.0"}},
		{name: "inside", entry: entry("npm", "a", []osv.Range{rng(sem, ev("i", "1.0.0"), ev("f", "1.2.0"))}), pkg: Package{"npm", "a", "1.1.9"}, want: true, wantFixed: []string{"1.2.0"}},
		{name: "at_fixed", entry: entry("npm", "a", []osv.Range{rng(sem, ev("i", "1.0.0"), ev("f", "1.2.0"))}), pkg: Package{"npm", "a", "1.2.0"}},
		{name: "prerelease_of_fix_is_affected", entry: entry("npm", "a", []osv.Range{rng(sem, ev("i", "1.0.0"), ev("f", "1.2.0"))}), pkg: Package{"npm", "a", "1.2.0-rc.1"}, want: true, wantFixed: []string{"1.2.0"}},
		{name: "build_metadata_ignored", entry: entry("npm", "a", []osv.Range{rng(sem, ev("i", "1.0.0"), ev("f", "1.2.0"))}), pkg: Package{"npm", "a", "1.2.0+build.5"}},
		{name: "introduced_zero", entry: entry("npm", "a", []osv.Range{rng(sem, ev("i", "0"), ev("f", "2.0.0"))}), pkg: Package{"npm", "a", "0.0.1"}, want: true, wantFixed: []string{"2.0.0"}},
		{name: "no_fix", entry: entry("npm", "a", []osv.Range{rng(sem, ev("i", "0"))}), pkg: Package{"npm", "a", "99.0.0"}, want: true},
		// last_affected is inclusive.
		{name: "at_last_affected", entry: entry("PyPI", "a", []osv.Range{rng(eco, ev("i", "1.0"), ev("l", "1.4"))}), pkg: Package{"PyPI", "a", "1.4"}, want: true},
		{name: "above_last_affected", entry: entry("PyPI", "a", []osv.Range{rng(eco, ev("i", "1.0"), ev("l", "1.4"))}), pkg: Package{"PyPI", "a", "1.4.post1"}},
		// Events in any order, several intervals in one range.
		{name: "unsorted_events", entry: entry("PyPI", "a", []osv.Range{rng(eco, ev("f", "2.2.4"), ev("i", "2.0"), ev("f", "1.9"), ev("i", "0"))}), pkg: Package{"PyPI", "a", "1.9.1"}},
		{name: "unsorted_events_second_interval", entry: entry("PyPI", "a", []osv.Range{rng(eco, ev("f", "2.2.4"), ev("i", "2.0"), ev("f", "1.9"), ev("i", "0"))}), pkg: Package{"PyPI", "a", "2.1"}, want: true, wantFixed: []string{"2.2.4"}},
		{name: "unsorted_events_first_interval", entry: entry("PyPI", "a", []osv.Range{rng(eco, ev("f", "2.2.4"), ev("i", "2.0"), ev("f", "1.9"), ev("i", "0"))}), pkg: Package{"PyPI", "a", "1.0"}, want: true, wantFixed: []string{"1.9"}},
		// Several ranges: the version is affected if any range says so.
		{name: "several_ranges", entry: entry("npm", "hapi", []osv.Range{rng(sem, ev("i", "2.0.0"), ev("f", "2.1.0-0")), rng(sem, ev("i", "2.1.0"), ev("f", "2.2.0-0"))}), pkg: Package{"npm", "hapi", "2.1.3"}, want: true, wantFixed: []string{"2.2.0-0"}},
		{name: "several_ranges_gap", entry: entry("npm", "hapi", []osv.Range{rng(sem, ev("i", "2.0.0"), ev("f", "2.0.5")), rng(sem, ev("i", "2.1.0"), ev("f", "2.2.0"))}), pkg: Package{"npm", "hapi", "2.0.7"}},
		// limit bounds the whole range.
		{name: "limit_excludes", entry: entry("PyPI", "a", []osv.Range{rng(eco, ev("i", "0"), ev("limit", "3.0"))}), pkg: Package{"PyPI", "a", "3.1"}},
		{name: "limit_includes", entry: entry("PyPI", "a", []osv.Range{rng(eco, ev("i", "0"), ev("limit", "3.0"))}), pkg: Package{"PyPI", "a", "2.9"}, want: true},
		{name: "limit_star", entry: entry("PyPI", "a", []osv.Range{rng(eco, ev("i", "0"), ev("limit", "*"))}), pkg: Package{"PyPI", "a", "9"}, want: true},
		// Introduced and fixed at the same version: an empty interval.
		{name: "empty_interval", entry: entry("npm", "a", []osv.Range{rng(sem, ev("i", "1.0.0"), ev("f", "1.0.0"))}), pkg: Package{"npm", "a", "1.0.0"}},
		// PEP 440 semantics inside ECOSYSTEM ranges.
		{name: "pep440_padding", entry: entry("PyPI", "a", []osv.Range{rng(eco, ev("i", "0"), ev("f", "2.2.4"))}), pkg: Package{"PyPI", "a", "2.2.4.0"}},
		{name: "pep440_prerelease", entry: entry("PyPI", "a", []osv.Range{rng(eco, ev("i", "0"), ev("f", "2.0"))}), pkg: Package{"PyPI", "a", "2.0rc1"}, want: true, wantFixed: []string{"2.0"}},
		{name: "pep440_epoch", entry: entry("PyPI", "a", []osv.Range{rng(eco, ev("i", "0"), ev("f", "2.0"))}), pkg: Package{"PyPI", "a", "1!1.0"}},
		{name: "pep440_post_after_fix", entry: entry("PyPI", "a", []osv.Range{rng(eco, ev("i", "0"), ev("f", "2.0"))}), pkg: Package{"PyPI", "a", "2.0.post1"}},
		// Package names: PEP 503 for PyPI, exact for npm.
		{name: "pypi_name_normalised", entry: entry("PyPI", "Zope.Interface", []osv.Range{rng(eco, ev("i", "0"))}), pkg: Package{"PyPI", "zope-interface", "1.0"}, want: true},
		{name: "npm_name_exact", entry: entry("npm", "Hapi", []osv.Range{rng(sem, ev("i", "0"))}), pkg: Package{"npm", "hapi", "1.0.0"}},
		{name: "other_ecosystem", entry: entry("PyPI", "hapi", []osv.Range{rng(eco, ev("i", "0"))}), pkg: Package{"npm", "hapi", "1.0.0"}},
		// Explicit versions lists.
		{name: "versions_list", entry: entry("PyPI", "a", nil, "1.0", "1.1"), pkg: Package{"PyPI", "a", "1.1"}, want: true},
		{name: "versions_list_equivalent_spelling", entry: entry("PyPI", "a", nil, "1.0", "1.1"), pkg: Package{"PyPI", "a", "1.1.0"}, want: true},
		{name: "versions_list_and_range_give_fix", entry: entry("PyPI", "django", []osv.Range{rng(eco, ev("i", "0"), ev("f", "2.2.24"), ev("i", "3.0"), ev("f", "3.1.12"))}, "3.0.14"), pkg: Package{"PyPI", "django", "3.0.14"}, want: true, wantFixed: []string{"3.1.12"}},
		{name: "versions_list_miss", entry: entry("PyPI", "a", nil, "1.0", "1.1"), pkg: Package{"PyPI", "a", "1.2"}},
		// GIT ranges are skipped, not an error.
		{name: "git_range_skipped", entry: entry("npm", "a", []osv.Range{{Type: osv.RangeGit, Repo: "https://example.com/a.git", Events: []osv.Event{{Introduced: "0"}}}}), pkg: Package{"npm", "a", "1.0.0"}},
		// Go: module versions with "v", OSV ranges without.
		{name: "go_v_prefix", entry: entry("Go", "example.com/m", []osv.Range{rng(sem, ev("i", "0"), ev("f", "1.4.0"))}), pkg: Package{"Go", "example.com/m", "v1.3.9"}, want: true, wantFixed: []string{"1.4.0"}},
		{name: "go_incompatible", entry: entry("Go", "example.com/m", []osv.Range{rng(sem, ev("i", "0"), ev("f", "2.1.0+incompatible"))}), pkg: Package{"Go", "example.com/m", "v2.0.0+incompatible"}, want: true, wantFixed: []string{"2.1.0+incompatible"}},
		{name: "go_pseudo_version", entry: entry("Go", "example.com/m", []osv.Range{rng(sem, ev("i", "0"), ev("f", "0.0.0-20200101000000-abcdefabcdef"))}), pkg: Package{"Go", "example.com/m", "v0.0.0-20191109021931-daa7c04131f5"}, want: true, wantFixed: []string{"0.0.0-20200101000000-abcdefabcdef"}},
		{name: "go_stdlib_prerelease_introduced", entry: entry("Go", "stdlib", []osv.Range{rng(sem, ev("i", "1.16.0-0"), ev("f", "1.16.1"))}), pkg: Package{"Go", "stdlib", "1.16.0"}, want: true, wantFixed: []string{"1.16.1"}},
		{name: "go_stdlib_earlier_minor", entry: entry("Go", "stdlib", []osv.Range{rng(sem, ev("i", "1.16.0-0"), ev("f", "1.16.1"))}), pkg: Package{"Go", "stdlib", "1.15.8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, problems := Matcher{}.Affects(tt.entry, tt.pkg)
			if len(problems) > 0 {
				t.Errorf("problems: %v", problems)
			}
			if got := len(hits) > 0; got != tt.want {
				t.Fatalf("Affects(%v) = %v, want %v", tt.pkg, got, tt.want)
			}
			if !tt.want {
				return
			}
			if diff := cmp.Diff(tt.wantFixed, hits[0].Fixed, cmp.Comparer(func(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") })); diff != "" {
				t.Errorf("fixed (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAffectsWithdrawn(t *testing.T) {
	e := entry("npm", "a", []osv.Range{rng(osv.RangeSemVer, ev("i", "0"))})
	w := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	e.Withdrawn = &w
	if hits, _ := (Matcher{}).Affects(e, Package{"npm", "a", "1.0.0"}); len(hits) != 0 {
		t.Errorf("withdrawn entry matched: %v", hits)
	}
}

func TestAffectsProblems(t *testing.T) {
	tests := []struct {
		name    string
		entry   *osv.Entry
		pkg     Package
		want    bool
		problem string
	}{
		{name: "unparsable_installed_version", entry: entry("npm", "a", []osv.Range{rng(osv.RangeSemVer, ev("i", "0"))}), pkg: Package{"npm", "a", "github:user/repo#abc"}, problem: "not a valid version"},
		{name: "unparsable_event_skipped", entry: entry("PyPI", "a", []osv.Range{rng(osv.RangeEcosystem, ev("i", "0"), ev("f", "not a version!"))}), pkg: Package{"PyPI", "a", "1.0"}, want: true, problem: "event version"},
		{name: "unknown_ecosystem_versions_still_match", entry: entry("Julia", "a", []osv.Range{rng(osv.RangeEcosystem, ev("i", "0"))}, "1.0.0"), pkg: Package{"Julia", "a", "1.0.0"}, want: true},
		{name: "unknown_ecosystem_ranges_reported", entry: entry("Julia", "a", []osv.Range{rng(osv.RangeEcosystem, ev("i", "0"))}), pkg: Package{"Julia", "a", "1.0.0"}, problem: "no version rules"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, problems := Matcher{}.Affects(tt.entry, tt.pkg)
			if got := len(hits) > 0; got != tt.want {
				t.Errorf("affected = %v, want %v", got, tt.want)
			}
			if tt.problem == "" {
				if len(problems) > 0 {
					t.Errorf("problems = %v, want none", problems)
				}
				return
			}
			if len(problems) == 0 || !strings.Contains(problems[0].Reason, tt.problem) {
				t.Errorf("problems = %v, want one containing %q", problems, tt.problem)
			}
		})
	}
}

func TestAffectsComposerBranch(t *testing.T) {
	e := entry("Packagist", "vendor/pkg", []osv.Range{rng(osv.RangeEcosystem, ev("i", "0"), ev("f", "2.0.0"))})
	hits, problems := Matcher{}.Affects(e, Package{"Packagist", "Vendor/Pkg", "dev-main"})
	if len(hits) != 0 {
		t.Errorf("a branch version matched a range: %v", hits)
	}
	if len(problems) != 1 || !strings.Contains(problems[0].Reason, "a branch") {
		t.Errorf("problems = %v, want one saying it is a branch", problems)
	}
	if hits, _ := (Matcher{}).Affects(e, Package{"Packagist", "VENDOR/pkg", "v1.2.3"}); len(hits) != 1 {
		t.Errorf("Packagist name case or v-prefixed version not matched: %v", hits)
	}
}
