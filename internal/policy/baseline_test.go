package policy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/result"
)

func TestBaselineIsNew(t *testing.T) {
	b, err := LoadBaseline(filepath.Join("testdata", "before.json"))
	if err != nil {
		t.Fatal(err)
	}
	finding := func(eco, name, version, id string, aliases ...string) result.Finding {
		return result.Finding{Source: "elsewhere/lock", Ecosystem: eco, Package: name, Version: version, ID: id, Aliases: aliases}
	}
	tests := []struct {
		name string
		b    *Baseline
		f    result.Finding
		want bool
	}{
		{"same_id_other_version", b, finding("npm", "lodash", "4.17.20", "GHSA-35jh-r3h4-6jhm", "CVE-2021-23337"), false},
		{"shared_alias_other_primary_id", b, finding("PyPI", "Django", "3.0.14", "PYSEC-2021-98", "CVE-2021-33203", "GHSA-68w8-qjq3-2gfm"), false},
		{"pypi_name_normalised", b, finding("PyPI", "DJANGO", "3.0.14", "CVE-2021-33203"), false},
		{"suppressed_in_baseline", b, finding("Maven", "org.apache.logging.log4j:log4j-core", "2.14.1", "GHSA-jfh8-c2jp-5v3q", "CVE-2021-44228"), false},
		{"same_id_other_package", b, finding("npm", "lodash-es", "4.17.20", "GHSA-35jh-r3h4-6jhm", "CVE-2021-23337"), true},
		{"same_id_other_ecosystem", b, finding("PyPI", "lodash", "4.17.20", "GHSA-35jh-r3h4-6jhm"), true},
		{"new_advisory_same_package", b, finding("npm", "lodash", "4.17.20", "GHSA-p6mc-m468-83gw", "CVE-2020-8203"), true},
		{"npm_names_are_case_sensitive", b, finding("npm", "Lodash", "4.17.20", "GHSA-35jh-r3h4-6jhm"), true},
		{"nil_baseline", nil, finding("npm", "lodash", "4.17.20", "GHSA-35jh-r3h4-6jhm"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.b.IsNew(tc.f); got != tc.want {
				t.Errorf("IsNew(%s %s %s) = %v, want %v", tc.f.Ecosystem, tc.f.Package, tc.f.ID, got, tc.want)
			}
		})
	}
	if got, want := b.Len(), 13; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
}

func TestLoadBaselineErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		data string
		want string
	}{
		{"not_json", "findings: []", "baseline %s: not a patchline JSON result: invalid character 'i' in literal false (expecting 'a')"},
		{"other_json", `{"lockfileVersion": 3, "packages": {}}`, `baseline %s: not a patchline JSON result: json: cannot unmarshal object into Go struct field Result.packages of type []result.Package`},
		{"no_schema_version", `{"findings": []}`, `baseline %s: schema_version "" is not supported (want 1.x): is it a patchline JSON result?`},
		{"future_schema", `{"schema_version": "2.0.0"}`, `baseline %s: schema_version "2.0.0" is not supported (want 1.x): is it a patchline JSON result?`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".json")
			if err := os.WriteFile(path, []byte(tc.data), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadBaseline(path)
			if err == nil {
				t.Fatal("LoadBaseline() error = nil")
			}
			want := fmt.Sprintf(tc.want, path)
			if diff := cmp.Diff(want, err.Error()); diff != "" {
				t.Errorf("LoadBaseline() error (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := LoadBaseline(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("LoadBaseline(missing) error = nil")
	}
}

// diffSummary lists a diff's contents as short strings.
type diffSummary struct {
	Added, Removed, Upgraded, Downgraded, NewTransitive, Introduced, Fixed []string
}

func summarize(d *Diff) diffSummary {
	var s diffSummary
	pkgs := func(ps []Package) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name+"@"+p.Version)
		}
		return out
	}
	changes := func(cs []Change) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Package.Name+" "+c.From+" -> "+c.To)
		}
		return out
	}
	finds := func(fs []Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Package+" "+f.ID)
		}
		return out
	}
	s.Added, s.Removed, s.NewTransitive = pkgs(d.Added), pkgs(d.Removed), pkgs(d.NewTransitive)
	s.Upgraded, s.Downgraded = changes(d.Upgraded), changes(d.Downgraded)
	s.Introduced, s.Fixed = finds(d.Introduced), finds(d.Fixed)
	return s
}

func TestNewDiff(t *testing.T) {
	pkg := func(eco, name, version, relation string) result.Package {
		return result.Package{Source: "lock", Ecosystem: eco, Name: name, Version: version, Relation: relation}
	}
	tests := []struct {
		name          string
		before, after *result.Result
		want          diffSummary
	}{
		{
			name:   "real_results",
			before: readResult(t, "before.json"),
			after:  readResult(t, "after.json"),
			want: diffSummary{
				Added:         []string{"mkdirp@0.5.5", "minimist@1.2.5"},
				Removed:       []string{"left-pad@1.3.0", "golang.org/x/net@v0.0.0-20210226172049-e18ecbb05110"},
				Upgraded:      []string{"lodash 4.17.19 -> 4.17.20"},
				Downgraded:    []string{"org.springframework:spring-beans 5.3.18 -> 5.3.17", "PyYAML 5.4.1 -> 5.3.1"},
				NewTransitive: []string{"minimist@1.2.5"},
				Introduced:    []string{"org.springframework:spring-beans GHSA-36p3-wjmg-h94x", "minimist GHSA-xvch-5gv4-984h", "PyYAML PYSEC-2021-142"},
				Fixed:         []string{"golang.org/x/net GO-2021-0238"},
			},
		},
		{
			name: "several_versions_of_one_name",
			before: &result.Result{Packages: []result.Package{
				pkg("npm", "debug", "2.6.9", "transitive"), pkg("npm", "debug", "4.1.1", "transitive"),
			}},
			after: &result.Result{Packages: []result.Package{
				pkg("npm", "debug", "2.6.9", "transitive"), pkg("npm", "debug", "4.3.4", "transitive"), pkg("npm", "debug", "4.3.4", "transitive"),
			}},
			want: diffSummary{Upgraded: []string{"debug 4.1.1 -> 4.3.4"}},
		},
		{
			name: "two_versions_replaced_at_once",
			before: &result.Result{Packages: []result.Package{
				pkg("npm", "debug", "2.6.9", "transitive"), pkg("npm", "debug", "3.2.7", "transitive"),
			}},
			after: &result.Result{Packages: []result.Package{
				pkg("npm", "debug", "4.3.4", "transitive"), pkg("npm", "debug", "4.3.5", "transitive"),
			}},
			want: diffSummary{
				Added:   []string{"debug@4.3.4", "debug@4.3.5"},
				Removed: []string{"debug@2.6.9", "debug@3.2.7"},
			},
		},
		{
			name:   "unordered_ecosystem_and_bad_version",
			before: &result.Result{Packages: []result.Package{pkg("Debian:12", "openssl", "3.0.11-1", "transitive"), pkg("npm", "left-pad", "1.3.0", "direct")}},
			after:  &result.Result{Packages: []result.Package{pkg("Debian:12", "openssl", "3.0.13-1", "transitive"), pkg("npm", "left-pad", "not.a.version", "direct")}},
			want: diffSummary{
				Added:   []string{"openssl@3.0.13-1", "left-pad@not.a.version"},
				Removed: []string{"openssl@3.0.11-1", "left-pad@1.3.0"},
			},
		},
		{
			name:   "empty",
			before: &result.Result{},
			after:  &result.Result{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewDiff(context.Background(), tc.before, tc.after)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, summarize(d)); diff != "" {
				t.Errorf("NewDiff() (-want +got):\n%s", diff)
			}
		})
	}
}
