package scan

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/patchline/patchline/internal/db"
	"github.com/patchline/patchline/internal/extract"
	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/report/jsonreport"
	"github.com/patchline/patchline/internal/report/sarif"
	"github.com/patchline/patchline/internal/result"
)

// importDir imports advisories (file name → JSON) into a new database.
func importDir(t *testing.T, advisories map[string]string) *db.DB {
	t.Helper()
	src := t.TempDir()
	for name, data := range advisories {
		if err := os.WriteFile(filepath.Join(src, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	if _, err := db.Import(context.Background(), dir, []string{src}, db.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func scanFiles(t *testing.T, d *db.DB, files map[string]string) *result.Result {
	t.Helper()
	root := t.TempDir()
	for name, data := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := &report.Collector{}
	s := &Scanner{Extractors: extract.List(extract.Options{GoStdlib: true}), DB: d}
	if _, err := s.Run(context.Background(), []string{root}, c); err != nil {
		t.Fatal(err)
	}
	return &c.Result
}

// TestAliasesMergeIntoOneFinding: advisories from two databases describing
// one vulnerability (they share a CVE) make one finding, even when neither
// names the other directly; an unrelated advisory stays separate.
func TestAliasesMergeIntoOneFinding(t *testing.T) {
	d := importDir(t, map[string]string{
		"GHSA.json":  `{"id":"GHSA-aaaa-bbbb-cccc","modified":"2023-01-02T00:00:00Z","aliases":["CVE-2023-0001"],"summary":"from GitHub","affected":[{"package":{"ecosystem":"PyPI","name":"Demo_Pkg"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.5"}]}]}],"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}`,
		"PYSEC.json": `{"id":"PYSEC-2023-1","modified":"2023-01-01T00:00:00Z","aliases":["CVE-2023-0001"],"summary":"from PyPA","affected":[{"package":{"ecosystem":"PyPI","name":"demo-pkg"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.4.2"}]}]}]}`,
		"OTHER.json": `{"id":"PYSEC-2023-2","modified":"2023-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"demo.pkg"},"versions":["1.0"]}]}`,
	})
	r := scanFiles(t, d, map[string]string{"requirements.txt": "demo-pkg==1.0\n"})
	type row struct {
		ID                  string
		Aliases, Advisories []string
		Fixed               []string
		Summary, Level      string
	}
	var got []row
	for _, f := range r.Findings {
		got = append(got, row{f.ID, f.Aliases, f.Advisories, f.Fixed, f.Summary, f.Severity.Level.String()})
	}
	want := []row{
		{ID: "PYSEC-2023-1", Aliases: []string{"CVE-2023-0001", "GHSA-aaaa-bbbb-cccc"}, Advisories: []string{"GHSA-aaaa-bbbb-cccc", "PYSEC-2023-1"}, Fixed: []string{"1.4.2", "1.5"}, Summary: "from PyPA", Level: "critical"},
		{ID: "PYSEC-2023-2", Aliases: []string{}, Advisories: []string{"PYSEC-2023-2"}, Fixed: []string{}, Level: "unknown"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// TestPartialParseKeepsOtherFiles: a broken file is reported with its path
// and line, and the findings of the other files are still reported.
func TestPartialParseKeepsOtherFiles(t *testing.T) {
	d := importDir(t, map[string]string{
		"A.json": `{"id":"PYSEC-1","modified":"2023-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"a"},"versions":["1.0"]}]}`,
	})
	r := scanFiles(t, d, map[string]string{
		"good/requirements.txt": "a==1.0\n",
		"bad/package-lock.json": "{\n  \"lockfileVersion\": 2,\n  \"packages\": {\n    \"node_modules/x\": {\"version\": }\n  }\n}\n",
	})
	if len(r.Findings) != 1 || r.Findings[0].ID != "PYSEC-1" {
		t.Errorf("findings = %+v, want PYSEC-1 from the good file", r.Findings)
	}
	if len(r.Errors) != 1 || r.Errors[0].Line != 4 || filepath.Base(r.Errors[0].Source) != "package-lock.json" {
		t.Errorf("errors = %+v, want one at package-lock.json:4", r.Errors)
	}
}

func TestRunPathMissing(t *testing.T) {
	d := importDir(t, map[string]string{"A.json": `{"id":"X-1","modified":"2023-01-01T00:00:00Z"}`})
	s := &Scanner{Extractors: extract.List(extract.Options{}), DB: d}
	_, err := s.Run(context.Background(), []string{filepath.Join(t.TempDir(), "nope")}, &report.Collector{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Run(missing path) error = %v, want not exist", err)
	}
}

func demoDB(t *testing.T) *db.DB {
	t.Helper()
	dir := t.TempDir()
	if _, err := db.Import(context.Background(), dir, []string{filepath.Join("..", "..", "testdata", "osv")}, db.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func compile(t *testing.T, id, path string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// TestReportsValidateOnRealScan renders a real scan of the demo project as
// JSON and SARIF and validates them against docs/result.schema.json and the
// official SARIF 2.1.0 schema.
func TestReportsValidateOnRealScan(t *testing.T) {
	d := demoDB(t)
	demo := filepath.Join("..", "..", "examples", "demo")
	tests := []struct {
		name   string
		schema *jsonschema.Schema
		h      func(*bytes.Buffer) report.Handler
	}{
		{name: "json", schema: compile(t, "https://github.com/patchline/patchline/docs/result.schema.json", filepath.Join("..", "..", "docs", "result.schema.json")),
			h: func(b *bytes.Buffer) report.Handler { return jsonreport.New(b) }},
		{name: "sarif", schema: compile(t, "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json", filepath.Join("..", "report", "sarif", "testdata", "sarif-2.1.0.schema.json")),
			h: func(b *bytes.Buffer) report.Handler { return sarif.New(b, sarif.Options{}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			s := &Scanner{Extractors: extract.List(extract.Options{GoStdlib: true}), DB: d}
			sum, err := s.Run(context.Background(), []string{demo}, tt.h(&buf))
			if err != nil {
				t.Fatal(err)
			}
			if sum.Total() != 27 {
				t.Errorf("findings = %d, want the demo's 27", sum.Total())
			}
			inst, err := jsonschema.UnmarshalJSON(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.schema.Validate(inst); err != nil {
				t.Errorf("output does not validate:\n%v", err)
			}
		})
	}
}
