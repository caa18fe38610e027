package sarif

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/severity"
)

var update = flag.Bool("update", false, "update golden files")

// schemaID is the id the SARIF schema declares for itself.
const schemaID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// loadResult reads the hand-made scan in testdata/scan.json (see
// testdata/SOURCES.md).
func loadResult(t testing.TB) *result.Result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "scan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r result.Result
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("parse testdata/scan.json: %v", err)
	}
	return &r
}

func cleanResult(t testing.TB) *result.Result {
	r := loadResult(t)
	r.Findings, r.Suppressed = []result.Finding{}, []result.Finding{}
	r.Errors, r.Warnings = []result.FileError{}, []result.Warning{}
	return r
}

func render(t *testing.T, r *result.Result) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := report.Replay(r, New(&b, Options{})); err != nil {
		t.Fatalf("Replay: %v", err)
	}
	return b.Bytes()
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// noNetwork refuses every URL the compiler did not get from the test.
type noNetwork struct{}

func (noNetwork) Load(url string) (any, error) {
	return nil, errors.New("the test loads no schema from the network")
}

// compileSchema compiles the official SARIF schema from testdata.
func compileSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "sarif-2.1.0.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("parse schema: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noNetwork{})
	c.AssertFormat()
	if err := c.AddResource(schemaID, doc); err != nil {
		t.Fatalf("add schema: %v", err)
	}
	sch, err := c.Compile(schemaID)
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	return sch
}

func TestGolden(t *testing.T) {
	sch := compileSchema(t)
	tests := []struct {
		name   string
		result func(t testing.TB) *result.Result
	}{
		{name: "full", result: loadResult},
		{name: "clean", result: cleanResult},
		{name: "empty", result: func(testing.TB) *result.Result { return &result.Result{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, tt.result(t))
			checkGolden(t, tt.name+".sarif", got)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(got))
			if err != nil {
				t.Fatalf("output is not JSON: %v", err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("output does not validate against the SARIF 2.1.0 schema: %v", err)
			}
		})
	}
}

// TestSchemaCatchesErrors makes sure the validation in TestGolden can fail.
func TestSchemaCatchesErrors(t *testing.T) {
	sch := compileSchema(t)
	bad := []string{
		`{"version": "2.1.0"}`,
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "level": "fatal"}]}]}`,
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "suppressions": [{"kind": "inline-ish"}]}]}]}`,
	}
	for _, doc := range bad {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(doc)))
		if err != nil {
			t.Fatal(err)
		}
		if sch.Validate(inst) == nil {
			t.Errorf("schema accepted invalid log %s", doc)
		}
	}
}

// decode renders r and reads the log back.
func decode(t *testing.T, r *result.Result) sarifLog {
	t.Helper()
	var log sarifLog
	if err := json.Unmarshal(render(t, r), &log); err != nil {
		t.Fatalf("decode output: %v", err)
	}
	return log
}

func TestResults(t *testing.T) {
	r := loadResult(t)
	log := decode(t, r)
	run := log.Runs[0]
	if got, want := len(run.Results), len(r.Findings)+len(r.Suppressed); got != want {
		t.Fatalf("got %d results, want %d (one per finding and suppressed finding)", got, want)
	}
	for _, res := range run.Results {
		if got := run.Tool.Driver.Rules[res.RuleIndex].ID; got != res.RuleID {
			t.Errorf("result %s: ruleIndex %d names rule %s", res.RuleID, res.RuleIndex, got)
		}
	}
	// The suppressed finding comes last, with an external suppression.
	last := run.Results[len(run.Results)-1]
	want := []suppression{{
		Kind:          "external",
		Status:        "accepted",
		Justification: "We use our own request logger, not gin.Logger or gin.Default",
		Location:      &location{PhysicalLocation: &physicalLocation{ArtifactLocation: artifactLocation{URI: ".patchline.toml", URIBaseID: SourceRoot}}},
		Properties:    &suppressionProperties{ID: "CVE-2020-36567", Expires: "2026-12-31"},
	}}
	if diff := cmp.Diff(want, last.Suppressions); diff != "" {
		t.Errorf("suppressions of %s mismatch (-want +got):\n%s", last.RuleID, diff)
	}
	for _, res := range run.Results[:len(run.Results)-1] {
		if len(res.Suppressions) != 0 {
			t.Errorf("result %s is not suppressed but has suppressions", res.RuleID)
		}
	}
	inv := run.Invocations[0]
	if inv.ExecutionSuccessful {
		t.Errorf("executionSuccessful is true although %d files could not be parsed", len(r.Errors))
	}
	if got, want := len(inv.ToolExecutionNotifications), len(r.Errors)+len(r.Warnings); got != want {
		t.Errorf("got %d notifications, want %d", got, want)
	}
	if !decode(t, cleanResult(t)).Runs[0].Invocations[0].ExecutionSuccessful {
		t.Errorf("executionSuccessful is false for a scan without errors")
	}
}

func TestRuleSeverity(t *testing.T) {
	log := decode(t, loadResult(t))
	type summary struct{ Level, SecuritySeverity string }
	got := map[string]summary{}
	for _, r := range log.Runs[0].Tool.Driver.Rules {
		got[r.ID] = summary{r.DefaultConfiguration.Level, r.Properties.SecuritySeverity}
	}
	want := map[string]summary{
		"GO-2020-0001": {"note", ""},
		"GO-2021-0067": {"note", ""},
		"GO-2025-3750": {"note", ""},
		"GO-2026-4411": {"note", ""},
		"NSWG-ECO-11":  {"error", "7.5"},
		"NSWG-ECO-122": {"error", "9.8"},
		"NSWG-ECO-477": {"error", "10.0"},
		"PYSEC-2012-6": {"note", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rule severities mismatch (-want +got):\n%s", diff)
	}
}

func TestLevel(t *testing.T) {
	want := map[severity.Level]string{
		severity.Critical: "error",
		severity.High:     "error",
		severity.Medium:   "warning",
		severity.Low:      "note",
		severity.None:     "note",
		severity.Unknown:  "note",
	}
	for l, w := range want {
		if got := level(l); got != w {
			t.Errorf("level(%v) = %q, want %q", l, got, w)
		}
	}
}

func TestArtifact(t *testing.T) {
	tests := []struct {
		name string
		path string
		want artifactLocation
	}{
		{name: "relative", path: "web/package-lock.json", want: artifactLocation{URI: "web/package-lock.json", URIBaseID: SourceRoot}},
		{name: "dot_prefix", path: "./go.mod", want: artifactLocation{URI: "go.mod", URIBaseID: SourceRoot}},
		{name: "space", path: "my app/go.mod", want: artifactLocation{URI: "my%20app/go.mod", URIBaseID: SourceRoot}},
		{name: "colon_in_first_segment", path: "a:b/go.mod", want: artifactLocation{URI: "./a:b/go.mod", URIBaseID: SourceRoot}},
		{name: "parent", path: "../other/go.mod", want: artifactLocation{URI: "../other/go.mod", URIBaseID: SourceRoot}},
		{name: "absolute", path: "/home/ci/src/go.mod", want: artifactLocation{URI: "file:///home/ci/src/go.mod"}},
		{name: "windows", path: `C:\src\app\go.mod`, want: artifactLocation{URI: "file:///C:/src/app/go.mod"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, artifact(tt.path)); diff != "" {
				t.Errorf("artifact(%q) mismatch (-want +got):\n%s", tt.path, diff)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	f := loadResult(t).Findings[3]
	base := Fingerprint(&f)
	if len(base) != 64 {
		t.Fatalf("fingerprint %q is not a hex SHA-256", base)
	}
	// Stable across line moves, path spelling and machines.
	moved := f
	moved.Line += 10
	moved.Source = "./" + f.Source
	if got := Fingerprint(&moved); got != base {
		t.Errorf("fingerprint changed when only the line and path spelling changed: %s != %s", got, base)
	}
	// A fixed value, so that a change of the recipe is noticed: SARIF
	// consumers match alerts across runs by it.
	// sha256("npm|hapi|2.1.2|NSWG-ECO-11|web/package-lock.json")
	const want = "f7b81a6dedc5fe09cee03469fad922b9ea64d6fbc10952b5b169522cf2ade041"
	if base != want {
		t.Errorf("Fingerprint(%s in %s) = %s, want %s", f.ID, f.Source, base, want)
	}
	for _, change := range []func(*result.Finding){
		func(f *result.Finding) { f.Version = "2.1.3" },
		func(f *result.Finding) { f.ID = "NSWG-ECO-12" },
		func(f *result.Finding) { f.Package = "hapi2" },
		func(f *result.Finding) { f.Ecosystem = "Go" },
		func(f *result.Finding) { f.Source = "other/package-lock.json" },
	} {
		g := f
		change(&g)
		if Fingerprint(&g) == base {
			t.Errorf("fingerprint did not change for %+v", g)
		}
	}
}

// FuzzSARIF renders the scan with hostile text in the fields that come
// from advisories and files: it must never panic and always be valid SARIF.
func FuzzSARIF(f *testing.F) {
	sch := compileSchema(f)
	r := loadResult(f)
	for _, fd := range r.Findings {
		f.Add(fd.Package, fd.Summary, fd.Source, fd.URL, fd.Line)
	}
	f.Add("a b", "", `C:\src\go.mod`, "javascript:x", -1)
	f.Add("", "\x00\x1b", "/abs/path with space/go.mod", "http://[::1", 0)
	f.Fuzz(func(t *testing.T, pkg, summary, source, link string, line int) {
		r := loadResult(t)
		r.Findings[0].Package = pkg
		r.Findings[0].Summary = summary
		r.Findings[0].Source = source
		r.Findings[0].URL = link
		r.Findings[0].Line = line
		r.Errors[0].Source = source
		r.Errors[0].Line = line
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(render(t, r)))
		if err != nil {
			t.Fatalf("output is not JSON: %v", err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Fatalf("output is not valid SARIF: %v", err)
		}
	})
}
