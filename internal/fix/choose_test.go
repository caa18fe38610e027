package fix

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/ecosystem"
)

// fakeVersions is a [VersionSource] over fixed lists. Release answers
// from extra; it records the versions it was asked about.
type fakeVersions struct {
	listed     map[string][]Release // by package name
	listErr    error
	extra      map[string]Release // "name@version" → the release Release finds
	releaseErr error
	asked      []string // "name@version" passed to Release
}

func (f *fakeVersions) Versions(_ context.Context, _, name string) ([]Release, error) {
	return f.listed[name], f.listErr
}

func (f *fakeVersions) Release(_ context.Context, _, name, version string) (Release, bool, error) {
	f.asked = append(f.asked, name+"@"+version)
	if f.releaseErr != nil {
		return Release{}, false, f.releaseErr
	}
	r, ok := f.extra[name+"@"+version]
	return r, ok, nil
}

// releases makes unretracted releases of the versions.
func releases(vs ...string) []Release {
	out := make([]Release, 0, len(vs))
	for _, v := range vs {
		out = append(out, Release{Version: v})
	}
	return out
}

// verdictChecker gives the verdict stored under "name@version"; other
// versions are unaffected. It records what it was asked.
type verdictChecker struct {
	verdicts map[string]Verdict
	err      error
	asked    []string
}

func (c *verdictChecker) Check(_ context.Context, p Package) (Verdict, error) {
	c.asked = append(c.asked, p.Name+"@"+p.Version)
	if c.err != nil {
		return Verdict{}, c.err
	}
	return c.verdicts[p.Name+"@"+p.Version], nil
}

// affected is a verdict of the advisories ids.
func affected(ids ...string) Verdict {
	var v Verdict
	for _, id := range ids {
		v.Vulns = append(v.Vulns, Vuln{ID: id})
	}
	return v
}

func TestChoose(t *testing.T) {
	errRegistry := errors.New("registry unreachable")
	tests := []struct {
		name     string
		req      ChooseRequest // Name defaults to "pkg", Ecosystem to npm
		versions *fakeVersions // nil: req.Versions is nil
		verdicts map[string]Verdict
		want     Choice
		// wantAsked are the Release look-ups, in order.
		wantAsked []string
	}{
		{
			name:     "smallest_safe_in_same_major",
			req:      ChooseRequest{Current: "1.0.0", Fixed: []string{"1.1.0"}},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("2.0.0", "1.1.0", "1.0.0", "0.9.0", "1.2.0")}},
			verdicts: map[string]Verdict{"pkg@1.0.0": affected("V1")},
			want: Choice{
				Pick:  "1.1.0",
				Why:   "1.1.0 is the smallest published version above 1.0.0 that no advisory in the database affects",
				Fixed: []string{"1.1.0"},
			},
		},
		{
			name:     "affected_versions_skipped_and_named",
			req:      ChooseRequest{Current: "1.0.0", Fixed: []string{"1.0.1"}},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("1.0.0", "1.0.1", "1.1.0", "1.2.0", "2.0.0")}},
			verdicts: map[string]Verdict{
				"pkg@1.0.0": affected("V1"),
				"pkg@1.0.1": affected("V2"),
				"pkg@1.1.0": affected("V2", "V3"),
			},
			want: Choice{
				Pick:  "1.2.0",
				Why:   "1.2.0 is the smallest published version above 1.0.0 that no advisory in the database affects; skipped 1.0.1 (still affected by V2), 1.1.0 (still affected by V2, V3)",
				Fixed: []string{"1.0.1"},
			},
		},
		{
			name:     "crosses_major_when_allowed",
			req:      ChooseRequest{Current: "1.0.0", Fixed: []string{"2.0.0"}},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("1.0.0", "1.0.1", "2.0.0", "2.1.0", "3.0.0")}},
			verdicts: map[string]Verdict{"pkg@1.0.1": affected("V1")},
			want: Choice{
				Pick:         "2.0.0",
				CrossesMajor: true,
				Why:          "no published version of the current major version (1) above 1.0.0 is free of advisories; 2.0.0 is the smallest that is, in another major version: expect breaking changes; skipped 1.0.1 (still affected by V1)",
				Fixed:        []string{"2.0.0"},
			},
		},
		{
			name:     "same_major_preferred_over_a_lower_fixed_elsewhere",
			req:      ChooseRequest{Current: "1.4.0", Fixed: []string{"1.4.2"}},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("1.4.0", "1.4.1", "1.4.2", "2.0.0")}},
			verdicts: map[string]Verdict{"pkg@1.4.1": affected("V1")},
			want: Choice{
				Pick:  "1.4.2",
				Why:   "1.4.2 is the smallest published version above 1.4.0 that no advisory in the database affects; skipped 1.4.1 (still affected by V1)",
				Fixed: []string{"1.4.2"},
			},
		},
		{
			name:     "same_major_only_gives_other_major",
			req:      ChooseRequest{Current: "1.0.0", Fixed: []string{"2.0.0"}, SameMajorOnly: true},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("1.0.0", "1.0.1", "2.0.0")}},
			verdicts: map[string]Verdict{"pkg@1.0.1": affected("V1")},
			want: Choice{
				Reason: ReasonOtherMajor,
				Detail: "no version of the current major version (1) above 1.0.0 is free of advisories, and crossing to another major version is not allowed here: 1.0.1 (still affected by V1)",
				Fixed:  []string{"2.0.0"},
			},
		},
		{
			name:     "npm_zero_minor_is_a_major",
			req:      ChooseRequest{Current: "0.6.6", Fixed: []string{"1.0.0"}, SameMajorOnly: true},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("0.6.6", "0.6.7", "0.7.0", "1.0.0")}},
			verdicts: map[string]Verdict{"pkg@0.6.7": affected("V1")},
			want: Choice{
				Reason: ReasonOtherMajor,
				Detail: "no version of the current major version (0.6) above 0.6.6 is free of advisories, and crossing to another major version is not allowed here: 0.6.7 (still affected by V1)",
				Fixed:  []string{"1.0.0"},
			},
		},
		{
			name:     "npm_zero_minor_crossed_to_next_minor",
			req:      ChooseRequest{Current: "0.6.6", Fixed: []string{"1.0.0"}},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("0.6.6", "0.6.7", "0.7.0", "1.0.0")}},
			verdicts: map[string]Verdict{"pkg@0.6.7": affected("V1")},
			want: Choice{
				Pick:         "0.7.0",
				CrossesMajor: true,
				Why:          "no published version of the current major version (0.6) above 0.6.6 is free of advisories; 0.7.0 is the smallest that is, in another major version: expect breaking changes; skipped 0.6.7 (still affected by V1)",
				Fixed:        []string{"1.0.0"},
			},
		},
		{
			name:     "crates_zero_minor_is_a_major",
			req:      ChooseRequest{Ecosystem: "crates.io", Current: "0.6.1", Fixed: []string{"0.7.2"}},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("0.6.1", "0.6.2", "0.7.2")}},
			verdicts: map[string]Verdict{"pkg@0.6.2": affected("RUSTSEC-2020-0001")},
			want: Choice{
				Pick:         "0.7.2",
				CrossesMajor: true,
				Why:          "no published version of the current major version (0.6) above 0.6.1 is free of advisories; 0.7.2 is the smallest that is, in another major version: expect breaking changes; skipped 0.6.2 (still affected by RUSTSEC-2020-0001)",
				Fixed:        []string{"0.7.2"},
			},
		},
		{
			name:     "crates_zero_minor_patch_in_same_major",
			req:      ChooseRequest{Ecosystem: "crates.io", Current: "0.6.1", Fixed: []string{"0.6.3"}},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("0.6.1", "0.6.3", "0.7.0")}},
			want: Choice{
				Pick:  "0.6.3",
				Why:   "0.6.3 is the smallest published version above 0.6.1 that no advisory in the database affects",
				Fixed: []string{"0.6.3"},
			},
		},
		{
			name:     "pypi_epoch_is_another_major",
			req:      ChooseRequest{Ecosystem: "PyPI", Current: "1.0", Fixed: []string{"1!0.5"}},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("1.0", "1.1", "1!0.5")}},
			verdicts: map[string]Verdict{"pkg@1.1": affected("PYSEC-1")},
			want: Choice{
				Pick:         "1!0.5",
				CrossesMajor: true,
				Why:          "no published version of the current major version (1) above 1.0 is free of advisories; 1!0.5 is the smallest that is, in another major version: expect breaking changes; skipped 1.1 (still affected by PYSEC-1)",
				Fixed:        []string{"1!0.5"},
			},
		},
		{
			name:     "pypi_same_epoch_major",
			req:      ChooseRequest{Ecosystem: "PyPI", Current: "1!2.0", Fixed: []string{"1!2.1"}, SameMajorOnly: true},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("3.0", "1!2.0", "1!2.1", "1!3.0")}},
			want: Choice{
				Pick:  "1!2.1",
				Why:   "1!2.1 is the smallest published version above 1!2.0 that no advisory in the database affects",
				Fixed: []string{"1!2.1"},
			},
		},
		{
			name:     "pypi_epoch_major_not_crossed",
			req:      ChooseRequest{Ecosystem: "PyPI", Current: "1!2.0", SameMajorOnly: true},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("1!2.0", "1!2.5", "1!3.0")}},
			verdicts: map[string]Verdict{"pkg@1!2.5": affected("PYSEC-1")},
			want: Choice{
				Reason: ReasonOtherMajor,
				Detail: "no version of the current major version (1!2) above 1!2.0 is free of advisories, and crossing to another major version is not allowed here: 1!2.5 (still affected by PYSEC-1)",
			},
		},
		{
			name:     "prereleases_excluded",
			req:      ChooseRequest{Current: "1.0.0", Fixed: []string{"1.0.1-rc.1"}},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("1.0.0", "1.0.1-rc.1", "1.0.1", "1.1.0-beta.1")}},
			want: Choice{
				Pick:  "1.0.1",
				Why:   "1.0.1 is the smallest published version above 1.0.0 that no advisory in the database affects",
				Fixed: []string{"1.0.1-rc.1"},
			},
		},
		{
			name:     "prerelease_only_fix_is_no_candidate",
			req:      ChooseRequest{Current: "1.0.0", Fixed: []string{"1.0.1-rc.1"}},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("1.0.0", "1.0.1-rc.1")}},
			want: Choice{
				Reason: ReasonNoCandidate,
				Detail: "the advisories name fixed versions (1.0.1-rc.1), but no published version above 1.0.0 is free of every advisory",
				Fixed:  []string{"1.0.1-rc.1"},
			},
		},
		{
			name:     "prereleases_considered_when_current_is_one",
			req:      ChooseRequest{Current: "2.0.0-beta.1", Fixed: []string{"2.0.0"}},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("2.0.0-beta.1", "2.0.0-beta.2", "2.0.0")}},
			want: Choice{
				Pick:  "2.0.0-beta.2",
				Why:   "2.0.0-beta.2 is the smallest published version above 2.0.0-beta.1 that no advisory in the database affects",
				Fixed: []string{"2.0.0"},
			},
		},
		{
			name:     "pypi_pre_and_dev_releases_excluded",
			req:      ChooseRequest{Ecosystem: "PyPI", Current: "1.0", Fixed: []string{"1.1"}},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("1.0", "1.1.dev0", "1.1a1", "1.1rc1", "1.1", "1.0.post1")}},
			verdicts: map[string]Verdict{"pkg@1.0.post1": affected("PYSEC-1")},
			want: Choice{
				Pick:  "1.1",
				Why:   "1.1 is the smallest published version above 1.0 that no advisory in the database affects; skipped 1.0.post1 (still affected by PYSEC-1)",
				Fixed: []string{"1.1"},
			},
		},
		{
			name: "retracted_and_yanked_skipped",
			req:  ChooseRequest{Current: "1.0.0", Fixed: []string{"1.0.1"}},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": {
				{Version: "1.0.0"},
				{Version: "1.0.1", Retracted: "yanked: published by mistake"},
				{Version: "1.0.2", Retracted: "deprecated: use 1.0.3"},
				{Version: "1.0.3"},
			}}},
			want: Choice{
				Pick:  "1.0.3",
				Why:   "1.0.3 is the smallest published version above 1.0.0 that no advisory in the database affects; skipped 1.0.1 (yanked: published by mistake), 1.0.2 (deprecated: use 1.0.3)",
				Fixed: []string{"1.0.1"},
			},
		},
		{
			name: "unlisted_fixed_found_by_release",
			req:  ChooseRequest{Current: "1.0.0", Fixed: []string{"1.0.5"}},
			versions: &fakeVersions{
				listed: map[string][]Release{"pkg": releases("1.0.0", "1.1.0")},
				extra:  map[string]Release{"pkg@1.0.5": {Version: "1.0.5"}},
			},
			want: Choice{
				Pick:  "1.0.5",
				Why:   "1.0.5 is the smallest published version above 1.0.0 that no advisory in the database affects",
				Fixed: []string{"1.0.5"},
			},
			wantAsked: []string{"pkg@1.0.5"},
		},
		{
			name: "unlisted_fixed_found_retracted",
			req:  ChooseRequest{Current: "1.0.0", Fixed: []string{"1.0.5"}},
			versions: &fakeVersions{
				listed: map[string][]Release{"pkg": releases("1.0.0", "1.1.0")},
				extra:  map[string]Release{"pkg@1.0.5": {Version: "1.0.5", Retracted: "retracted: breaks the API"}},
			},
			want: Choice{
				Pick:  "1.1.0",
				Why:   "1.1.0 is the smallest published version above 1.0.0 that no advisory in the database affects; skipped 1.0.5 (retracted: breaks the API)",
				Fixed: []string{"1.0.5"},
			},
			wantAsked: []string{"pkg@1.0.5"},
		},
		{
			name:     "unlisted_fixed_not_published",
			req:      ChooseRequest{Current: "1.0.0", Fixed: []string{"1.0.5"}},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("1.0.0", "1.1.0")}},
			want: Choice{
				Pick:  "1.1.0",
				Why:   "1.1.0 is the smallest published version above 1.0.0 that no advisory in the database affects; skipped 1.0.5 (named as fixed, but not published)",
				Fixed: []string{"1.0.5"},
			},
			wantAsked: []string{"pkg@1.0.5"},
		},
		{
			name: "unlisted_fixed_lookup_error",
			req:  ChooseRequest{Current: "1.0.0", Fixed: []string{"1.0.5"}},
			versions: &fakeVersions{
				listed:     map[string][]Release{"pkg": releases("1.0.0", "1.1.0")},
				releaseErr: errRegistry,
			},
			want: Choice{
				Pick:  "1.1.0",
				Why:   "1.1.0 is the smallest published version above 1.0.0 that no advisory in the database affects; skipped 1.0.5 (named as fixed, but could not be looked up: registry unreachable)",
				Fixed: []string{"1.0.5"},
			},
			wantAsked: []string{"pkg@1.0.5"},
		},
		{
			name:     "version_source_error_falls_back_to_fixed",
			req:      ChooseRequest{Current: "1.0.0", Fixed: []string{"1.2.0", "1.0.5"}},
			versions: &fakeVersions{listErr: errRegistry},
			verdicts: map[string]Verdict{"pkg@1.0.5": affected("V2")},
			want: Choice{
				Pick:      "1.2.0",
				Why:       "1.2.0 is the smallest version named as fixed above 1.0.0 that no advisory in the database affects; skipped 1.0.5 (still affected by V2) (the published versions could not be listed; see the notes)",
				Fixed:     []string{"1.0.5", "1.2.0"},
				ListError: "registry unreachable",
			},
			// No Release look-ups: the source is known to be down.
		},
		{
			name:     "version_source_error_without_safe_fixed",
			req:      ChooseRequest{Current: "1.0.0", Fixed: []string{"1.0.5"}},
			versions: &fakeVersions{listErr: errRegistry},
			verdicts: map[string]Verdict{"pkg@1.0.5": affected("V2")},
			want: Choice{
				Reason:    ReasonNoCandidate,
				Detail:    "the advisories name fixed versions (1.0.5), but no version named as fixed above 1.0.0 is free of every advisory: 1.0.5 (still affected by V2) (the published versions could not be listed; see the notes)",
				Fixed:     []string{"1.0.5"},
				ListError: "registry unreachable",
			},
		},
		{
			name: "no_version_source_uses_fixed",
			req:  ChooseRequest{Current: "1.0.0", Fixed: []string{"1.3.0", "0.9.0", "1.3.0", "not a version", "1.0.0"}},
			want: Choice{
				Pick:  "1.3.0",
				Why:   "1.3.0 is the smallest version named as fixed above 1.0.0 that no advisory in the database affects",
				Fixed: []string{"0.9.0", "1.0.0", "1.3.0"},
			},
		},
		{
			name: "allow_filter",
			req: ChooseRequest{Current: "1.0.0", Fixed: []string{"1.0.1"}, Allow: func(v string) (bool, string) {
				if strings.HasPrefix(v, "1.0.") {
					return false, "outside the parent's range ~1.1.0"
				}
				return true, ""
			}},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("1.0.0", "1.0.1", "1.0.2", "1.1.0")}},
			want: Choice{
				Pick:  "1.1.0",
				Why:   "1.1.0 is the smallest published version above 1.0.0 that no advisory in the database affects; skipped 1.0.1 (outside the parent's range ~1.1.0), 1.0.2 (outside the parent's range ~1.1.0)",
				Fixed: []string{"1.0.1"},
			},
		},
		{
			name:     "no_fix_at_all",
			req:      ChooseRequest{Current: "1.0.0"},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("0.9.0", "1.0.0")}},
			want: Choice{
				Reason: ReasonNoFix,
				Detail: "no advisory names a fixed version, and no newer version is known",
			},
		},
		{
			name:     "newer_versions_all_affected",
			req:      ChooseRequest{Current: "1.0.0"},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("1.0.0", "1.0.1", "2.0.0")}},
			verdicts: map[string]Verdict{"pkg@1.0.1": affected("V1"), "pkg@2.0.0": affected("V1")},
			want: Choice{
				Reason: ReasonNoCandidate,
				Detail: "no published version above 1.0.0 is free of every advisory: 1.0.1 (still affected by V1), 2.0.0 (still affected by V1)",
			},
		},
		{
			name: "many_skipped_are_counted",
			req:  ChooseRequest{Current: "1.0.0"},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases(
				"1.0.1", "1.0.2", "1.0.3", "1.0.4", "1.0.5", "1.0.6", "1.0.7", "1.0.8")}},
			verdicts: map[string]Verdict{
				"pkg@1.0.1": affected("V1"), "pkg@1.0.2": affected("V1"), "pkg@1.0.3": affected("V1"),
				"pkg@1.0.4": affected("V1"), "pkg@1.0.5": affected("V1"), "pkg@1.0.6": affected("V1"),
				"pkg@1.0.7": affected("V1"),
			},
			want: Choice{
				Pick: "1.0.8",
				Why:  "1.0.8 is the smallest published version above 1.0.0 that no advisory in the database affects; skipped 1.0.1 (still affected by V1), 1.0.2 (still affected by V1), 1.0.3 (still affected by V1), 1.0.4 (still affected by V1), 1.0.5 (still affected by V1) and 2 more",
			},
		},
		{
			name:     "unparsable_listed_versions_ignored",
			req:      ChooseRequest{Current: "1.0.0", Fixed: []string{"1.0.1"}},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("1.0.0", "latest", "1.0", "1.0.1")}},
			want: Choice{
				Pick:  "1.0.1",
				Why:   "1.0.1 is the smallest published version above 1.0.0 that no advisory in the database affects",
				Fixed: []string{"1.0.1"},
			},
		},
		{
			name:     "checker_problems_surfaced_once",
			req:      ChooseRequest{Current: "1.0.0", Fixed: []string{"1.0.2"}},
			versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("1.0.0", "1.0.1", "1.0.2")}},
			verdicts: map[string]Verdict{
				"pkg@1.0.1": {Vulns: []Vuln{{ID: "V1"}}, Problems: []string{"GHSA-aaaa-bbbb-cccc: range not evaluated"}},
				"pkg@1.0.2": {Problems: []string{"GHSA-aaaa-bbbb-cccc: range not evaluated", "OSV-2: unknown ecosystem rules"}},
			},
			want: Choice{
				Pick:     "1.0.2",
				Why:      "1.0.2 is the smallest published version above 1.0.0 that no advisory in the database affects; skipped 1.0.1 (still affected by V1)",
				Fixed:    []string{"1.0.2"},
				Problems: []string{"GHSA-aaaa-bbbb-cccc: range not evaluated", "OSV-2: unknown ecosystem rules"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			if req.Ecosystem == "" {
				req.Ecosystem = "npm"
			}
			if req.Name == "" {
				req.Name = "pkg"
			}
			if tt.versions != nil {
				req.Versions = tt.versions
			}
			req.Checker = &verdictChecker{verdicts: tt.verdicts}
			got, err := Choose(context.Background(), req)
			if err != nil {
				t.Fatalf("Choose: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Choose mismatch (-want +got):\n%s", diff)
			}
			var asked []string
			if tt.versions != nil {
				asked = tt.versions.asked
			}
			if diff := cmp.Diff(tt.wantAsked, asked); diff != "" {
				t.Errorf("Release look-ups mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestChooseNoFixShadowsOtherMajor: when the current version is the last
// of its major version and no advisory names a fix (an advisory with
// last_affected), a newer major version is known and safe; with
// SameMajorOnly the choice should say that crossing is not allowed, not
// that no newer version is known.
func TestChooseNoFixShadowsOtherMajor(t *testing.T) {
	got, err := Choose(context.Background(), ChooseRequest{
		Ecosystem: "npm", Name: "pkg", Current: "1.9.9", SameMajorOnly: true,
		Versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("1.9.9", "2.0.0")}},
		Checker:  &verdictChecker{verdicts: map[string]Verdict{"pkg@1.9.9": affected("V1")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Reason != ReasonOtherMajor {
		t.Errorf("Reason = %q (Detail %q), want %q: 2.0.0 is newer, known and safe, only in another major version", got.Reason, got.Detail, ReasonOtherMajor)
	}
}

func TestChooseUnparsableCurrent(t *testing.T) {
	checker := &verdictChecker{}
	got, err := Choose(context.Background(), ChooseRequest{
		Ecosystem: "npm", Name: "pkg", Current: "not-a-version", Fixed: []string{"1.0.0"},
		Versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("1.0.0")}},
		Checker:  checker,
	})
	if err != nil {
		t.Fatalf("Choose: %v, want a Choice saying why", err)
	}
	if got.Pick != "" || got.Reason != ReasonNoCandidate {
		t.Errorf("Choose = Pick %q, Reason %q; want no pick with reason %q", got.Pick, got.Reason, ReasonNoCandidate)
	}
	if want := `the current version "not-a-version" cannot be ordered: `; !strings.HasPrefix(got.Detail, want) {
		t.Errorf("Detail = %q, want it to start with %q", got.Detail, want)
	}
	if len(checker.asked) != 0 {
		t.Errorf("checker asked about %v, want nothing", checker.asked)
	}
}

func TestChooseErrors(t *testing.T) {
	errDB := errors.New("database closed")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		req     ChooseRequest
		wantErr error  // matched with errors.Is when set
		wantMsg string // a substring of the error otherwise
	}{
		{
			name:    "unknown_ecosystem",
			ctx:     context.Background(),
			req:     ChooseRequest{Ecosystem: "NoSuchEcosystem", Name: "pkg", Current: "1.0.0", Checker: &verdictChecker{}},
			wantMsg: `no version rules for ecosystem "NoSuchEcosystem"`,
		},
		{
			name: "checker_error",
			ctx:  context.Background(),
			req: ChooseRequest{Ecosystem: "npm", Name: "pkg", Current: "1.0.0", Fixed: []string{"1.0.1"},
				Checker: &verdictChecker{err: errDB}},
			wantErr: errDB,
		},
		{
			name: "cancelled",
			ctx:  cancelled,
			req: ChooseRequest{Ecosystem: "npm", Name: "pkg", Current: "1.0.0", Fixed: []string{"1.0.1"},
				Versions: &fakeVersions{listErr: context.Canceled}, Checker: &verdictChecker{}},
			wantErr: context.Canceled,
		},
		{
			name: "cancelled_without_source",
			ctx:  cancelled,
			req: ChooseRequest{Ecosystem: "npm", Name: "pkg", Current: "1.0.0", Fixed: []string{"1.0.1"},
				Checker: &verdictChecker{}},
			wantErr: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Choose(tt.ctx, tt.req)
			if err == nil {
				t.Fatalf("Choose = %+v, want an error", got)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Choose error = %v, want %v", err, tt.wantErr)
			}
			if tt.wantMsg != "" && !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Choose error = %q, want it to contain %q", err, tt.wantMsg)
			}
		})
	}
}

// TestChooseAsksCheckerInOrder: candidates are checked lowest first, the
// current major version before the others, and the search stops at the
// first safe one.
func TestChooseAsksCheckerInOrder(t *testing.T) {
	checker := &verdictChecker{verdicts: map[string]Verdict{
		"pkg@1.0.1": affected("V1"), "pkg@1.5.0": affected("V1"),
	}}
	got, err := Choose(context.Background(), ChooseRequest{
		Ecosystem: "npm", Name: "pkg", Current: "1.0.0",
		Versions: &fakeVersions{listed: map[string][]Release{"pkg": releases("3.0.0", "2.0.0", "1.5.0", "1.0.1", "0.1.0", "2.1.0")}},
		Checker:  checker,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Pick != "2.0.0" {
		t.Errorf("Pick = %q, want 2.0.0", got.Pick)
	}
	want := []string{"pkg@1.0.1", "pkg@1.5.0", "pkg@2.0.0"}
	if diff := cmp.Diff(want, checker.asked); diff != "" {
		t.Errorf("checked versions mismatch (-want +got):\n%s", diff)
	}
}

func TestMajor(t *testing.T) {
	tests := []struct {
		ecosystem, version, want string
	}{
		{"npm", "1.2.3", "1"},
		{"npm", "v2.0.0", "2"},
		{"npm", "10.0.0-rc.1", "10"},
		{"npm", "0.6.6", "0.6"},
		{"npm", "0.7.0", "0.7"},
		{"npm", "0.0.3", "0.0"},
		{"crates.io", "0.10.2", "0.10"},
		{"crates.io", "1.0.0", "1"},
		{"Go", "v1.2.3", "1"},
		{"PyPI", "2.31.0", "2"},
		{"PyPI", "0.6", "0"},
		{"PyPI", "1!3.0", "1!3"},
		{"PyPI", "0!3.0", "3"},
		{"PyPI", "2!0.1a1", "2!0"},
		{"RubyGems", "7.0.4", "7"},
		{"RubyGems", "10.1.0.pre", "10"},
		{"Maven", "2.17.1", "2"},
	}
	for _, tt := range tests {
		t.Run(subtestName(tt.ecosystem+"_"+tt.version), func(t *testing.T) {
			v, err := ecosystem.Lookup(tt.ecosystem).Ordering.Parse(tt.version)
			if err != nil {
				t.Fatal(err)
			}
			if got := Major(v); got != tt.want {
				t.Errorf("Major(%s %q) = %q, want %q", tt.ecosystem, tt.version, got, tt.want)
			}
		})
	}
}

func TestIsPrerelease(t *testing.T) {
	tests := []struct {
		ecosystem, version string
		want               bool
	}{
		{"npm", "1.0.0", false},
		{"npm", "1.0.0-rc.1", true},
		{"npm", "1.0.0+build.5", false},
		{"npm", "1.0.0-0", true},
		{"crates.io", "0.7.0-alpha.2", true},
		{"PyPI", "1.0", false},
		{"PyPI", "1.0a1", true},
		{"PyPI", "1.0rc2", true},
		{"PyPI", "1.0.dev3", true},
		{"PyPI", "1.0.post1", false},
		{"PyPI", "1.0+local", false},
		// Other orderings have no pre-release rules here.
		{"RubyGems", "1.0.0.pre", false},
	}
	for _, tt := range tests {
		t.Run(subtestName(tt.ecosystem+"_"+tt.version), func(t *testing.T) {
			v, err := ecosystem.Lookup(tt.ecosystem).Ordering.Parse(tt.version)
			if err != nil {
				t.Fatal(err)
			}
			if got := IsPrerelease(v); got != tt.want {
				t.Errorf("IsPrerelease(%s %q) = %v, want %v", tt.ecosystem, tt.version, got, tt.want)
			}
		})
	}
}

// subtestName makes a snake_case subtest name of an ecosystem and version.
func subtestName(s string) string {
	return strings.NewReplacer(".", "_", "!", "_", "+", "_", "-", "_").Replace(s)
}

// TestChooseEquivalentSpellings: a fixed version spelled differently from
// the listed one it equals (PEP 440 "2.0" and "2.0.0") is one candidate,
// not an unlisted one to look up.
func TestChooseEquivalentSpellings(t *testing.T) {
	for i := 0; i < 100; i++ {
		versions := &fakeVersions{listed: map[string][]Release{"pkg": releases("1.0", "1.5", "2.0.0")}}
		got, err := Choose(context.Background(), ChooseRequest{
			Ecosystem: "PyPI", Name: "pkg", Current: "1.0", Fixed: []string{"2.0"},
			Versions: versions, Checker: &verdictChecker{verdicts: map[string]Verdict{"pkg@1.5": affected("PYSEC-1")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.Pick != "2.0.0" || strings.Contains(got.Why, "not published") || len(versions.asked) > 0 {
			t.Fatalf("run %d: Pick %q, Why %q, Release asked about %v; want the listed 2.0.0 picked with no look-up", i, got.Pick, got.Why, versions.asked)
		}
	}
}
