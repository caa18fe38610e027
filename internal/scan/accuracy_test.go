package scan

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/db"
	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/exploit"
	"github.com/patchline/patchline/internal/extract"
	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/result"
)

var update = flag.Bool("update", false, "update the golden files in testdata")

// sharedDir returns the workspace's shared test data (../shared beside the
// repository, or $PATCHLINE_SHARED). Tests that need it skip without it,
// except in CI, which always has it.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("PATCHLINE_SHARED")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "osv")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI has no shared test data at %q: %v", dir, err)
		}
		t.Skipf("no shared test data at %q", dir)
	}
	return dir
}

var (
	sharedDBOnce sync.Once
	sharedDBDir  string
	sharedDBErr  error
)

// sharedDB imports all of shared/osv once per test binary.
func sharedDB(t testing.TB) *db.DB {
	t.Helper()
	shared := sharedDir(t)
	sharedDBOnce.Do(func() {
		sharedDBDir, sharedDBErr = os.MkdirTemp("", "patchline-shared-db-")
		if sharedDBErr == nil {
			_, sharedDBErr = db.Import(context.Background(), sharedDBDir, []string{filepath.Join(shared, "osv")}, db.ImportOptions{})
		}
		// Exploitation evidence: the newest KEV catalog and EPSS scores.
		for _, f := range []string{"kev/known_exploited_vulnerabilities.json", "epss/emba-EPSS_CVE_data-2026-08-16.tar.gz"} {
			if sharedDBErr == nil {
				_, sharedDBErr = exploit.Import(context.Background(), sharedDBDir, filepath.Join(shared, "exploit", f), exploit.ImportOptions{})
			}
		}
	})
	if sharedDBErr != nil {
		t.Fatalf("import shared OSV data: %v", sharedDBErr)
	}
	d, err := db.Open(sharedDBDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestAccuracyOnSharedCorpus imports the shared OSV data, scans every
// project of the shared corpus, and compares the packages and findings with
// the expected results in testdata/accuracy (run with -update to rewrite
// them, then review the diff). It also compares with what osv-scanner
// reported for the same files (shared/oracle): every difference in findings
// ("+"/"-") and in the distinct (name, version) packages ("P+"/"P-") must be
// explained by a rule in testdata/accuracy/oracle-differences.tsv.
func TestAccuracyOnSharedCorpus(t *testing.T) {
	shared := sharedDir(t)
	database := sharedDB(t)
	rules := readDifferenceRules(t, filepath.Join("testdata", "accuracy", "oracle-differences.tsv"))
	used := map[int]bool{}
	ran := map[string]bool{} // corpus folders whose subtest ran (-run may pick some)

	dirs, err := os.ReadDir(filepath.Join(shared, "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		name := d.Name()
		t.Run(name, func(t *testing.T) {
			ran[name] = true
			corpus := filepath.Join(shared, "corpus", name)
			res := scanDir(t, database, corpus)
			if len(res.Errors) > 0 {
				t.Errorf("errors: %+v", res.Errors)
			}
			got := goldenText(res)
			golden := filepath.Join("testdata", "accuracy", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("findings differ from %s (-want +got):\n%s", golden, diff)
			}

			theirs, theirPackages, ok := oracleKeys(t, filepath.Join(shared, "oracle", name+".json"))
			if !ok {
				return // the oracle failed on this file (see its summary.tsv)
			}
			compare := func(ours, theirs map[string]bool, plus, minus string) {
				for _, k := range sortedKeys(ours) {
					if !theirs[k] {
						explain(t, rules, used, name, plus, k)
					}
				}
				for _, k := range sortedKeys(theirs) {
					if !ours[k] {
						explain(t, rules, used, name, minus, k)
					}
				}
			}
			compare(findingKeys(res), theirs, "+", "-")
			compare(packageKeys(res), theirPackages, "P+", "P-")
		})
	}
	if !t.Failed() && !*update {
		for i, r := range rules {
			if ran[r.dir] && !used[i] {
				t.Errorf("oracle-differences.tsv line %d (%s %s %s) explains no difference any more: remove it", r.line, r.dir, r.sign, r.pattern)
			}
		}
	}
}

// scanDir scans a directory with every extractor and returns the result.
func scanDir(t testing.TB, database *db.DB, dir string) *result.Result {
	t.Helper()
	c := &report.Collector{}
	store, err := exploit.Open(database.Dir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	s := &Scanner{Extractors: extract.List(extract.Options{GoStdlib: true}), DB: database, Exploit: store}
	if _, err := s.Run(context.Background(), []string{dir}, c); err != nil {
		t.Fatalf("scan %s: %v", dir, err)
	}
	return &c.Result
}

// goldenText renders the parts of a result the accuracy test pins: package
// counts per source and every finding, without paths or times.
func goldenText(r *result.Result) string {
	var b strings.Builder
	for _, s := range r.Sources {
		fmt.Fprintf(&b, "source %s %s packages=%d\n", filepath.Base(s.Path), s.Extractor, s.Packages)
	}
	// Packages by the file that declares them (go.sum, an included
	// requirements file) and by relation/scope.
	declared := map[string]map[string]int{}
	for _, p := range r.Packages {
		f := filepath.Base(p.Source)
		if declared[f] == nil {
			declared[f] = map[string]int{}
		}
		declared[f][p.Relation+"/"+p.Scope]++
	}
	for _, f := range sortedKeys(boolSet(declared)) {
		var parts []string
		for k, n := range declared[f] {
			parts = append(parts, fmt.Sprintf("%s=%d", k, n))
		}
		sort.Strings(parts)
		fmt.Fprintf(&b, "declared %s %s\n", f, strings.Join(parts, " "))
	}
	pkgs := make([]string, 0, len(r.Packages))
	for _, p := range r.Packages {
		v := p.Version
		if v == "" {
			v = "(" + p.Requirement + ")"
		}
		pkgs = append(pkgs, fmt.Sprintf("package %s %s %s %s/%s", filepath.Base(p.Source), p.Name, v, p.Relation, p.Scope))
	}
	sort.Strings(pkgs)
	pkgs = slices.Compact(pkgs)
	lines := make([]string, 0, len(r.Findings))
	for _, f := range r.Findings {
		sev := f.Severity.Level.String()
		if f.Severity.Score != nil {
			sev = fmt.Sprintf("%s:%.1f", sev, *f.Severity.Score)
		}
		reach := "-"
		if r := f.Reachability; r != nil {
			reach = r.Verdict + "/" + r.Level
		}
		epss := "-"
		if f.EPSS != nil {
			epss = fmt.Sprintf("%.5f", f.EPSS.Score)
		}
		lines = append(lines, fmt.Sprintf("%s %s %s aliases=%s advisories=%s severity=%s fixed=%s relation=%s scope=%s kev=%t epss=%s reachability=%s priority=%g",
			f.Package, f.Version, f.ID, strings.Join(f.Aliases, ","), strings.Join(f.Advisories, ","), sev, strings.Join(f.Fixed, ","), f.Relation, f.Scope, f.KEV, epss, reach, f.Priority.Score))
	}
	sort.Strings(lines)
	fmt.Fprintf(&b, "findings %d\n", len(lines))
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "distinct package lines %d\n", len(pkgs))
	for _, l := range pkgs {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// key names one advisory affecting one package version, normalised the way
// the oracle writes them (PEP 503 names, Go versions without "v").
func key(eco, name, version, id string) string {
	name = ecosystem.NormalizeName(eco, name)
	if eco == "Go" {
		version = strings.TrimPrefix(version, "v")
	}
	return name + " " + version + " " + id
}

// packageKeys returns the distinct (name, version) pairs of a result.
func packageKeys(r *result.Result) map[string]bool {
	out := map[string]bool{}
	for _, p := range r.Packages {
		if p.Version != "" {
			out[key(p.Ecosystem, p.Name, p.Version, "")] = true
		}
	}
	return out
}

func findingKeys(r *result.Result) map[string]bool {
	out := map[string]bool{}
	for _, f := range r.Findings {
		for _, a := range f.Advisories {
			out[key(f.Ecosystem, f.Package, f.Version, a)] = true
		}
	}
	return out
}

// oracleKeys reads what osv-scanner reported: (package, version, advisory)
// findings and distinct (package, version) pairs; ok is false when it
// reported nothing usable (it fails on some files).
func oracleKeys(t *testing.T, path string) (findings, packages map[string]bool, ok bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil || len(strings.TrimSpace(string(data))) == 0 {
		return nil, nil, false
	}
	var o struct {
		Results []struct {
			Packages []struct {
				Package struct{ Name, Version, Ecosystem string }
				Groups  []struct{ IDs []string }
			}
		}
	}
	if err := json.Unmarshal(data, &o); err != nil {
		t.Fatalf("oracle %s: %v", path, err)
	}
	findings, packages = map[string]bool{}, map[string]bool{}
	for _, r := range o.Results {
		for _, p := range r.Packages {
			if p.Package.Version != "" {
				packages[key(p.Package.Ecosystem, p.Package.Name, p.Package.Version, "")] = true
			}
			for _, g := range p.Groups {
				for _, id := range g.IDs {
					findings[key(p.Package.Ecosystem, p.Package.Name, p.Package.Version, id)] = true
				}
			}
		}
	}
	return findings, packages, true
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// differenceRule explains a class of differences from the oracle.
type differenceRule struct {
	line               int
	dir, sign, pattern string
	re                 *regexp.Regexp
	reason             string
}

// readDifferenceRules reads tab-separated rules: corpus folder, "+" (only
// patchline reports it) or "-" (only the oracle does), a regular expression
// over "package version advisory-id", and the reason.
func readDifferenceRules(t *testing.T, path string) []differenceRule {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rules []differenceRule
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 4 || !slices.Contains([]string{"+", "-", "P+", "P-"}, cols[1]) || strings.TrimSpace(cols[3]) == "" {
			t.Fatalf("%s:%d: want 4 tab-separated columns: dir, +/-/P+/P-, regexp, reason", path, n)
		}
		re, err := regexp.Compile(cols[2])
		if err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
		rules = append(rules, differenceRule{line: n, dir: cols[0], sign: cols[1], pattern: cols[2], re: re, reason: cols[3]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rules
}

func explain(t *testing.T, rules []differenceRule, used map[int]bool, dir, sign, k string) {
	t.Helper()
	for i, r := range rules {
		if r.dir == dir && r.sign == sign && r.re.MatchString(k) {
			used[i] = true
			return
		}
	}
	who := map[string]string{"+": "only patchline reports", "-": "only osv-scanner reports",
		"P+": "only patchline lists the package", "P-": "only osv-scanner lists the package"}[sign]
	t.Errorf("unexplained difference from osv-scanner: %s %q (add a rule to oracle-differences.tsv after checking the OSV data)", who, k)
}

func boolSet[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}
