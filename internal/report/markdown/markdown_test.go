package markdown

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/severity"
)

var update = flag.Bool("update", false, "update golden files")

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

// bigResult is the scan with its findings repeated n times over many
// packages, for the size limit.
func bigResult(t *testing.T, n int) *result.Result {
	r := loadResult(t)
	base := r.Findings
	r.Findings = nil
	for i := 0; i < n; i++ {
		for _, f := range base {
			f.Package = fmt.Sprintf("%s-%d", f.Package, i)
			r.Findings = append(r.Findings, f)
		}
	}
	return r
}

func renderReport(t *testing.T, r *result.Result, opts Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.Replay(r, New(&b, opts)); err != nil {
		t.Fatalf("Replay: %v", err)
	}
	return b.String()
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name   string
		result func(t testing.TB) *result.Result
		opts   Options
	}{
		{name: "full", result: loadResult},
		{name: "clean", result: cleanResult},
		{name: "empty", result: func(testing.TB) *result.Result { return &result.Result{} }},
		// Room for only some of the rows.
		{name: "truncated", result: loadResult, opts: Options{Limit: 2600}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renderReport(t, tt.result(t), tt.opts)
			checkGolden(t, tt.name+".md", got)
			if tt.opts.Limit > 0 && len(got) > tt.opts.Limit {
				t.Errorf("output is %d bytes, over the limit of %d", len(got), tt.opts.Limit)
			}
		})
	}
}

// tableRow matches a row of a findings table.
var tableRow = regexp.MustCompile(`(?m)^\| .* \|$`)

// unescapedPipe matches a pipe not preceded by a backslash.
var unescapedPipe = regexp.MustCompile(`(^|[^\\])\|`)

func TestLimit(t *testing.T) {
	for _, n := range []int{1, 100, 400} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			r := bigResult(t, n)
			got := renderReport(t, r, Options{})
			if len(got) > GitHubLimit {
				t.Fatalf("output is %d bytes, over GitHub's limit of %d", len(got), GitHubLimit)
			}
			rows := 0
			for _, row := range tableRow.FindAllString(got, -1) {
				if !strings.HasPrefix(row, "| Package |") && !strings.HasPrefix(row, "| --- |") {
					rows++
				}
			}
			total := len(r.Findings)
			if rows == total {
				if strings.Contains(got, "[!NOTE]") {
					t.Errorf("all %d rows shown but the report says some were left out", total)
				}
				return
			}
			note := fmt.Sprintf("> %s of %s %s left out", formatInt(total-rows), plural(total, "finding", "findings"), pick(total-rows, "was", "were"))
			if !strings.Contains(got, note) {
				t.Errorf("%d of %d rows shown but the report lacks %q", rows, total, note)
			}
			// A full comment, not a nearly empty one.
			if len(got) < GitHubLimit*9/10 {
				t.Errorf("output is %d bytes: rows were left out although there was room", len(got))
			}
			// The most severe findings are kept.
			if !strings.Contains(got, "NSWG-ECO-477") {
				t.Errorf("the critical finding NSWG-ECO-477 was left out")
			}
		})
	}
}

func TestEscaping(t *testing.T) {
	r := loadResult(t)
	f := &r.Findings[0]
	f.Package = "evil|pkg"
	f.Summary = "ping @octocat about #123 | **bold** [x](javascript:alert(1)) <img src=x> _under_ `code` &amp;\nnext"
	f.URL = "javascript:alert(1)"
	r.Findings[1].URL = "https://example.com/a (b)"
	got := renderReport(t, r, Options{})

	for _, row := range tableRow.FindAllString(got, -1) {
		if n := len(unescapedPipe.FindAllString(row, -1)); n != 7 {
			t.Errorf("row has %d cell separators, want 7: %s", n, row)
		}
	}
	for _, bad := range []string{"@octocat", "#123", "**bold**", "](https://example.com/a (b))", "\nnext"} {
		if strings.Contains(got, bad) {
			t.Errorf("output contains %q unescaped:\n%s", bad, got)
		}
	}
	for _, bad := range []string{"<img", "&amp;", "_under_", "](javascript:"} {
		if regexp.MustCompile(`(^|[^\\])` + regexp.QuoteMeta(bad)).MatchString(got) {
			t.Errorf("output contains %q unescaped:\n%s", bad, got)
		}
	}
	for _, want := range []string{`evil\|pkg`, "@&#8203;octocat", "#&#8203;123", `\*\*bold\*\*`, `\<img src=x\>`, "(https://example.com/a%20%28b%29)", `\&amp;`} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestBlockStart(t *testing.T) {
	tests := []struct{ in, want string }{
		{in: "plain", want: "plain"},
		{in: "# heading", want: `\# heading`},
		{in: "- item", want: `\- item`},
		{in: "12. item", want: `12\. item`},
		{in: "3) item", want: `3\) item`},
		{in: "2024-10-10 date", want: "2024-10-10 date"},
	}
	for _, tt := range tests {
		if got := blockStart(tt.in); got != tt.want {
			t.Errorf("blockStart(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCodeSpan(t *testing.T) {
	tests := []struct{ in, want string }{
		{in: "go.mod", want: "`go.mod`"},
		{in: "a`b", want: "``a`b``"},
		{in: "`x`", want: "`` `x` ``"},
		{in: "a|b", want: "`a\\|b`"},
	}
	for _, tt := range tests {
		if got := codeSpan(tt.in); got != tt.want {
			t.Errorf("codeSpan(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHeadline(t *testing.T) {
	r := loadResult(t)
	want := "7 vulnerabilities (2 critical, 1 high, 4 unknown) in 6 of 13 packages across 3 files"
	if got := headline(report.Summarize(r)); got != want {
		t.Errorf("headline = %q, want %q", got, want)
	}
	r.Findings[0].Severity = severity.Severity{Level: severity.Medium}
	want = "7 vulnerabilities (2 critical, 1 high, 1 medium, 3 unknown) in 6 of 13 packages across 3 files"
	if got := headline(report.Summarize(r)); got != want {
		t.Errorf("headline = %q, want %q", got, want)
	}
}

// FuzzMarkdown renders the scan with hostile text in the fields that come
// from advisories and files: it must never panic, every table row must keep
// its six cells, and the report must stay within the limit.
func FuzzMarkdown(f *testing.F) {
	r := loadResult(f)
	for _, fd := range r.Findings {
		f.Add(fd.Package, fd.Summary, fd.URL, fd.Source)
	}
	f.Add("a|b", "x | y `|` \\| z", "https://example.com/a|b (c)", "dir|x/go.mod")
	f.Add("@user", "#1 <script>", "javascript:alert(1)", "`go.mod`")
	f.Fuzz(func(t *testing.T, pkg, summary, link, source string) {
		r := loadResult(t)
		r.Findings[0].Package = pkg
		r.Findings[0].Version = summary
		r.Findings[1].Summary = summary
		r.Findings[1].URL = link
		r.Findings[1].Aliases = []string{pkg}
		r.Findings[2].Source = source
		r.Warnings[1].Message = summary
		got := renderReport(t, r, Options{Limit: 4000})
		if len(got) > 4000 {
			t.Fatalf("output is %d bytes, over the limit", len(got))
		}
		for _, row := range tableRow.FindAllString(got, -1) {
			if n := len(unescapedPipe.FindAllString(strings.ReplaceAll(row, `\\`, ""), -1)); n != 7 {
				t.Fatalf("row has %d cell separators, want 7: %q", n, row)
			}
		}
	})
}
