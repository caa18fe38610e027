package openvex

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

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/vex"
)

var update = flag.Bool("update", false, "update golden files")

// schemaID is the id the OpenVEX schema declares for itself.
const schemaID = "https://github.com/openvex/spec/openvex_json_schema_0.2.0.json"

// issued is the fixed issue time of the documents the tests write.
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
	return nil, errors.New("the test loads no schema from the network")
}

// compileSchema compiles the official OpenVEX schema from testdata.
func compileSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "openvex-0.2.0.schema.json"))
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
		valid bool
	}{
		{
			name:  "full",
			opts:  Options{Author: "Example Security Team", Timestamp: issued, AssessOptions: vex.AssessOptions{Reachability: reachability}},
			valid: true,
		},
		{
			name: "product",
			opts: Options{Timestamp: issued, ID: "https://example.com/vex/shop-2.0.0", AssessOptions: vex.AssessOptions{
				Reachability: reachability, UnknownUnderInvestigation: true, Product: "pkg:github/example/shop@v2.0.0",
			}},
			valid: true,
		},
		{
			// No findings, no statements: the schema wants at least one.
			name: "clean",
			opts: Options{Timestamp: issued},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := loadResult(t)
			if tt.name == "clean" {
				r.Findings, r.Suppressed = []result.Finding{}, []result.Finding{}
			}
			got := render(t, r, tt.opts)
			checkGolden(t, tt.name+".openvex.json", got)
			err := validate(t, sch, got)
			if tt.valid && err != nil {
				t.Errorf("output does not validate against the OpenVEX 0.2.0 schema: %v", err)
			}
			if !tt.valid && (err == nil || !strings.Contains(err.Error(), "statements")) {
				t.Errorf("validation error = %v, want one about the empty statements", err)
			}
		})
	}
}

// TestSchemaCatchesErrors makes sure the validation in TestGolden can fail.
func TestSchemaCatchesErrors(t *testing.T) {
	sch := compileSchema(t)
	head := `{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/v", "author": "a", "timestamp": "2026-01-01T00:00:00Z", "version": 1, "statements": `
	bad := []string{
		`[{"vulnerability": {"name": "CVE-1"}, "status": "affected"}]`,
		`[{"vulnerability": {"name": "CVE-1"}, "status": "not_affected"}]`,
		`[{"vulnerability": {"name": "CVE-1"}, "status": "not_affected", "justification": "because"}]`,
		`[{"vulnerability": {"name": "CVE-1"}, "status": "fine"}]`,
	}
	for _, doc := range bad {
		if validate(t, sch, []byte(head+doc+"}")) == nil {
			t.Errorf("schema accepted invalid statements %s", doc)
		}
	}
}

// TestReproducible: the same scan and time give the same document, whose id
// depends on its content.
func TestReproducible(t *testing.T) {
	opts := Options{Timestamp: issued, AssessOptions: vex.AssessOptions{Reachability: reachability}}
	first := render(t, loadResult(t), opts)
	if second := render(t, loadResult(t), opts); !bytes.Equal(first, second) {
		t.Fatal("two renderings of the same scan differ")
	}
	id := func(doc []byte) string {
		var v struct {
			ID string `json:"@id"`
		}
		if err := json.Unmarshal(doc, &v); err != nil {
			t.Fatal(err)
		}
		return v.ID
	}
	if got := id(first); !strings.HasPrefix(got, "https://openvex.dev/docs/public/vex-") || len(got) != len("https://openvex.dev/docs/public/vex-")+64 {
		t.Errorf("derived @id = %q, want a SHA-256 in OpenVEX's public namespace", got)
	}
	opts.Timestamp = issued.Add(time.Hour)
	if id(render(t, loadResult(t), opts)) == id(first) {
		t.Error("documents issued at different times have the same @id")
	}
	r := loadResult(t)
	r.Findings = r.Findings[1:]
	if id(render(t, r, Options{Timestamp: issued, AssessOptions: opts.AssessOptions})) == id(first) {
		t.Error("documents with different statements have the same @id")
	}
}

// TestRoundTrip: the document read back with vex.Load suppresses exactly
// the findings stated not affected (or fixed) and nothing else, and every
// finding has its statement.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		opts vex.AssessOptions
		// suppressed are the ids of the findings the document suppresses.
		suppressed []string
	}{
		{name: "without_reachability", suppressed: []string{"GO-2020-0001"}},
		{name: "with_reachability", opts: vex.AssessOptions{Reachability: reachability}, suppressed: []string{"GO-2021-0067", "GO-2025-3750", "GO-2020-0001"}},
		{name: "under_investigation", opts: vex.AssessOptions{Reachability: reachability, UnknownUnderInvestigation: true}, suppressed: []string{"GO-2021-0067", "GO-2025-3750", "GO-2020-0001"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := loadResult(t)
			path := filepath.Join(t.TempDir(), "vex.json")
			if err := os.WriteFile(path, render(t, r, Options{Timestamp: issued, AssessOptions: tt.opts}), 0o644); err != nil {
				t.Fatal(err)
			}
			stmts, err := vex.Load(path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if len(stmts.Warnings) > 0 {
				t.Errorf("warnings reading our own document: %q", stmts.Warnings)
			}
			assessed := map[string]vex.Status{}
			for _, a := range vex.Assess(r, tt.opts) {
				assessed[a.Vulnerability+" "+a.Package] = a.Status
			}
			var suppressed []string
			for _, f := range append(append([]result.Finding{}, r.Findings...), r.Suppressed...) {
				st, ok := stmts.Match(append([]string{f.ID}, f.Aliases...), f.PURL)
				if !ok {
					t.Errorf("%s in %s: no statement read back", f.ID, f.PURL)
					continue
				}
				if want := assessed[f.ID+" "+f.PURL]; st.Status != want {
					t.Errorf("%s in %s: read back %s, want %s", f.ID, f.PURL, st.Status, want)
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

// TestRoundTripProduct: with a product, statements are about the package
// in that product, so they apply when matching in the product only.
func TestRoundTripProduct(t *testing.T) {
	const product = "pkg:github/example/shop@v2.0.0"
	r := loadResult(t)
	path := filepath.Join(t.TempDir(), "vex.json")
	opts := vex.AssessOptions{Reachability: reachability, Product: product}
	if err := os.WriteFile(path, render(t, r, Options{Timestamp: issued, AssessOptions: opts}), 0o644); err != nil {
		t.Fatal(err)
	}
	stmts, err := vex.Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	f := r.Findings[1] // GO-2025-3750, not reachable
	ids := append([]string{f.ID}, f.Aliases...)
	if _, ok := stmts.Match(ids, f.PURL); ok {
		t.Errorf("%s applies outside the product", f.ID)
	}
	st, ok := stmts.MatchIn(product, ids, f.PURL)
	if !ok || st.Status != vex.NotAffected || st.Justification != vex.VulnerableCodeNotInExecutePath {
		t.Errorf("MatchIn = %s (%s), %v; want not_affected (vulnerable_code_not_in_execute_path)", st.Status, st.Justification, ok)
	}
}

// TestVEXSuppressionCarriedOver: a finding suppressed by a VEX statement is
// stated as that statement said, justification included.
func TestVEXSuppressionCarriedOver(t *testing.T) {
	in := vex.Statement{Vulnerability: "CVE-2020-36567", Status: vex.NotAffected, Justification: vex.InlineMitigationsAlreadyExist, ImpactStatement: "A proxy strips the header.", Document: vex.Document{Path: "upstream.vex.json"}}
	r := loadResult(t)
	s := &r.Suppressed[0]
	s.Suppression = in.Suppression(append([]string{s.ID}, s.Aliases...))
	doc, err := Build(r, Options{Timestamp: issued})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range doc.Statements {
		if string(st.Vulnerability.Name) != s.ID {
			continue
		}
		if st.Status != "not_affected" || st.Justification != "inline_mitigations_already_exist" || st.ImpactStatement != "A proxy strips the header." {
			t.Errorf("statement = %s (%s): %q", st.Status, st.Justification, st.ImpactStatement)
		}
		return
	}
	t.Errorf("no statement for %s", s.ID)
}
