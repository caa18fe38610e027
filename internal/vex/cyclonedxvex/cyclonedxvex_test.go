package cyclonedxvex

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/vex"
)

var update = flag.Bool("update", false, "update golden files")

// The official schemas, by the ids they declare; the BOM schema refers to
// the other two by relative $ref.
var schemas = map[string]string{
	"http://cyclonedx.org/schema/bom-1.6.schema.json":  "cyclonedx-bom-1.6.schema.json",
	"http://cyclonedx.org/schema/spdx.schema.json":     "spdx.schema.json",
	"http://cyclonedx.org/schema/jsf-0.82.schema.json": "jsf-0.82.schema.json",
}

// issued is the fixed issue time of the BOMs the tests write.
var issued = time.Date(2026, 6, 14, 9, 30, 0, 0, time.UTC)

// loadResult reads the hand-made scan shared with the vex package's tests
// (see ../testdata/SOURCES.md).
func loadResult(t testing.TB) *result.Result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "scan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r result.Result
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("parse scan.json: %v", err)
	}
	return &r
}

// reachability is what a made-up analysis found for the scan's findings.
func reachability(f *result.Finding) *vex.Reachability {
	switch f.ID {
	case "GO-2025-3750":
		return &vex.Reachability{Verdict: vex.NotReachable, Level: vex.LevelSymbol, Reason: "no call of os.OpenFile reaches the vulnerable code"}
	case "GO-2021-0067":
		return &vex.Reachability{Verdict: vex.NotReachable, Level: vex.LevelPackage, Reason: "archive/zip is not imported"}
	case "GO-2026-4411":
		return &vex.Reachability{Verdict: vex.ReachabilityUnknown, Level: vex.LevelModule, Reason: "the module could not be loaded"}
	}
	return nil
}

func render(t *testing.T, r *result.Result, opts Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := report.Replay(r, New(&b, opts)); err != nil {
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
	return nil, errors.New("the test loads no schema from the network: " + url)
}

// compileSchema compiles the official CycloneDX 1.6 schema from testdata.
func compileSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.UseLoader(noNetwork{})
	c.AssertFormat()
	for id, file := range schemas {
		f, err := os.Open(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("parse %s: %v", file, err)
		}
		if err := c.AddResource(id, doc); err != nil {
			t.Fatalf("add %s: %v", file, err)
		}
	}
	sch, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	return sch
}

func validate(t *testing.T, sch *jsonschema.Schema, doc []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	return sch.Validate(inst)
}

func TestGolden(t *testing.T) {
	sch := compileSchema(t)
	tests := []struct {
		name  string
		opts  Options
		clean bool
	}{
		{name: "full", opts: Options{Author: "Example Security Team", Timestamp: issued, AssessOptions: vex.AssessOptions{Reachability: reachability}}},
		{name: "product", opts: Options{Timestamp: issued, ID: "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79", AssessOptions: vex.AssessOptions{
			Reachability: reachability, UnknownUnderInvestigation: true, Product: "pkg:github/example/shop@v2.0.0",
		}}},
		{name: "clean", opts: Options{Timestamp: issued}, clean: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := loadResult(t)
			if tt.clean {
				r.Findings, r.Suppressed = []result.Finding{}, []result.Finding{}
			}
			got := render(t, r, tt.opts)
			checkGolden(t, tt.name+".cdx.json", got)
			if err := validate(t, sch, got); err != nil {
				t.Errorf("output does not validate against the CycloneDX 1.6 schema: %v", err)
			}
		})
	}
}

// TestSchemaCatchesErrors makes sure the validation in TestGolden can fail.
func TestSchemaCatchesErrors(t *testing.T) {
	sch := compileSchema(t)
	head := `{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "vulnerabilities": [{"id": "CVE-1", `
	bad := []string{
		`"analysis": {"state": "exploited"}}]}`,
		`"analysis": {"state": "not_affected", "justification": "vulnerable_code_not_present"}}]}`,
		`"ratings": [{"method": "CVSSv5"}]}]}`,
		`"references": [{"id": "GHSA-1"}]}]}`,
	}
	for _, doc := range bad {
		if validate(t, sch, []byte(head+doc)) == nil {
			t.Errorf("schema accepted invalid vulnerability %s", doc)
		}
	}
	if validate(t, sch, []byte(`{"bomFormat": "CycloneDX", "specVersion": "1.6", "serialNumber": "urn:uuid:nope", "version": 1}`)) == nil {
		t.Error("schema accepted a bad serial number")
	}
}

func TestBuild(t *testing.T) {
	bom, err := Build(loadResult(t), Options{Timestamp: issued, AssessOptions: vex.AssessOptions{Reachability: reachability}})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID, Ref       string
		State         cdx.ImpactAnalysisState
		Justification cdx.ImpactAnalysisJustification
		Update        bool
		Method        cdx.ScoringMethod
	}
	var got []row
	for _, v := range *bom.Vulnerabilities {
		r := row{ID: v.ID, Ref: (*v.Affects)[0].Ref, State: v.Analysis.State, Justification: v.Analysis.Justification}
		r.Update = v.Analysis.Response != nil && (*v.Analysis.Response)[0] == cdx.IARUpdate
		if v.Ratings != nil {
			r.Method = (*v.Ratings)[0].Method
		}
		got = append(got, r)
	}
	want := []row{
		{ID: "GO-2020-0001", Ref: "pkg:golang/github.com/gin-gonic/gin@v1.5.0", State: cdx.IASNotAffected},
		{ID: "GO-2021-0067", Ref: "pkg:golang/stdlib@1.16.0", State: cdx.IASNotAffected, Justification: cdx.IAJCodeNotPresent},
		{ID: "GO-2025-3750", Ref: "pkg:golang/stdlib@1.16.0", State: cdx.IASNotAffected, Justification: cdx.IAJCodeNotReachable},
		{ID: "GO-2026-4411", Ref: "pkg:golang/github.com/navidrome/navidrome@v0.59.0", State: cdx.IASExploitable, Update: true},
		{ID: "NSWG-ECO-11", Ref: "pkg:npm/hapi@2.1.2", State: cdx.IASExploitable, Update: true, Method: cdx.ScoringMethodCVSSv3},
		{ID: "NSWG-ECO-122", Ref: "pkg:npm/sequelize@3.23.4", State: cdx.IASExploitable, Update: true, Method: cdx.ScoringMethodCVSSv3},
		{ID: "NSWG-ECO-477", Ref: "pkg:npm/flatmap-stream@0.1.1", State: cdx.IASExploitable, Method: cdx.ScoringMethodCVSSv3},
		{ID: "PYSEC-2012-6", Ref: "pkg:pypi/trytond@2.2.3", State: cdx.IASExploitable, Update: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("vulnerabilities mismatch (-want +got):\n%s", diff)
	}
	refs := map[string]bool{}
	for _, c := range *bom.Components {
		if refs[c.BOMRef] {
			t.Errorf("component %s listed twice", c.BOMRef)
		}
		refs[c.BOMRef] = true
	}
	for _, v := range *bom.Vulnerabilities {
		if !refs[(*v.Affects)[0].Ref] {
			t.Errorf("%s affects %s, which is not a component", v.ID, (*v.Affects)[0].Ref)
		}
	}
}

func TestRatingMethods(t *testing.T) {
	score := 5.0
	tests := []struct {
		name, typ, vector string
		want              cdx.ScoringMethod
	}{
		{"cvss_v2", "CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:N/A:N", cdx.ScoringMethodCVSSv2},
		{"cvss_v30", "CVSS_V3", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", cdx.ScoringMethodCVSSv3},
		{"cvss_v31", "CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", cdx.ScoringMethodCVSSv31},
		{"cvss_v4", "CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", cdx.ScoringMethodCVSSv4},
		{"database_specific", "database_specific", "", cdx.ScoringMethodOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := loadResult(t)
			f := &r.Findings[0]
			f.Severity.Type, f.Severity.Vector, f.Severity.Score = tt.typ, tt.vector, &score
			bom, err := Build(r, Options{Timestamp: issued})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range *bom.Vulnerabilities {
				if v.ID == f.ID {
					if got := (*v.Ratings)[0].Method; got != tt.want {
						t.Errorf("method = %q, want %q", got, tt.want)
					}
					return
				}
			}
			t.Fatalf("no vulnerability %s", f.ID)
		})
	}
}

func TestReproducible(t *testing.T) {
	opts := Options{Timestamp: issued}
	first := render(t, loadResult(t), opts)
	if second := render(t, loadResult(t), opts); !bytes.Equal(first, second) {
		t.Fatal("two renderings of the same scan differ")
	}
	serial := func(doc []byte) string {
		var v struct {
			SerialNumber string `json:"serialNumber"`
		}
		if err := json.Unmarshal(doc, &v); err != nil {
			t.Fatal(err)
		}
		return v.SerialNumber
	}
	opts.Timestamp = issued.Add(time.Hour)
	if serial(render(t, loadResult(t), opts)) == serial(first) {
		t.Error("BOMs issued at different times have the same serial number")
	}
	if _, err := Build(loadResult(t), Options{ID: "urn:uuid:NOT-A-UUID"}); err == nil || !strings.Contains(err.Error(), "urn:uuid") {
		t.Errorf("Build with a bad serial number: err = %v", err)
	}
}

// TestRoundTrip: the BOM read back with vex.Load suppresses exactly the
// findings stated not affected and nothing else.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name       string
		opts       vex.AssessOptions
		suppressed []string
	}{
		{name: "without_reachability", suppressed: []string{"GO-2020-0001"}},
		{name: "with_reachability", opts: vex.AssessOptions{Reachability: reachability}, suppressed: []string{"GO-2021-0067", "GO-2025-3750", "GO-2020-0001"}},
		{name: "product", opts: vex.AssessOptions{Reachability: reachability, UnknownUnderInvestigation: true, Product: "pkg:github/example/shop@v2.0.0"}, suppressed: []string{"GO-2021-0067", "GO-2025-3750", "GO-2020-0001"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := loadResult(t)
			path := filepath.Join(t.TempDir(), "vex.cdx.json")
			if err := os.WriteFile(path, render(t, r, Options{Timestamp: issued, AssessOptions: tt.opts}), 0o644); err != nil {
				t.Fatal(err)
			}
			stmts, err := vex.Load(path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if len(stmts.Warnings) > 0 {
				t.Errorf("warnings reading our own BOM: %q", stmts.Warnings)
			}
			assessed := map[string]vex.Assessment{}
			for _, a := range vex.Assess(r, tt.opts) {
				assessed[a.Vulnerability+" "+a.Package] = a
			}
			var suppressed []string
			for _, f := range append(append([]result.Finding{}, r.Findings...), r.Suppressed...) {
				ids := append([]string{f.ID}, f.Aliases...)
				if _, ok := stmts.Match(ids, f.PURL); ok && tt.opts.Product != "" {
					t.Errorf("%s in %s: applies outside the product", f.ID, f.PURL)
				}
				st, ok := stmts.MatchIn(tt.opts.Product, ids, f.PURL)
				if !ok {
					t.Errorf("%s in %s: no statement read back", f.ID, f.PURL)
					continue
				}
				want := assessed[f.ID+" "+f.PURL]
				if st.Status != want.Status || st.Justification != want.Justification {
					t.Errorf("%s in %s: read back %s (%s), want %s (%s)", f.ID, f.PURL, st.Status, st.Justification, want.Status, want.Justification)
				}
				if st.Status.Suppresses() {
					suppressed = append(suppressed, f.ID)
				}
			}
			if diff := cmp.Diff(tt.suppressed, suppressed); diff != "" {
				t.Errorf("suppressed findings mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
