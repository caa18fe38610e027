package table

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/severity"
)

var update = flag.Bool("update", false, "update golden files")

// loadResult reads the hand-made scan in testdata/scan.json (see
// testdata/SOURCES.md for where its facts come from).
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

// clean is the scan without findings, errors or warnings.
func cleanResult(t testing.TB) *result.Result {
	r := loadResult(t)
	r.Findings, r.Suppressed = []result.Finding{}, []result.Finding{}
	r.Errors, r.Warnings = []result.FileError{}, []result.Warning{}
	return r
}

func render(t *testing.T, r *result.Result, opts Options) string {
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
		{name: "full_color", result: loadResult, opts: Options{Color: true}},
		{name: "width_140", result: loadResult, opts: Options{Width: 140}},
		{name: "width_100", result: loadResult, opts: Options{Width: 100}},
		{name: "width_80", result: loadResult, opts: Options{Width: 80}},
		{name: "width_36", result: loadResult, opts: Options{Width: 36}},
		{name: "width_36_color", result: loadResult, opts: Options{Width: 36, Color: true}},
		{name: "clean", result: cleanResult},
		{name: "empty", result: func(testing.TB) *result.Result { return &result.Result{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, tt.result(t), tt.opts)
			checkGolden(t, tt.name+".golden", got)
			if !tt.opts.Color && strings.Contains(got, "\x1b") {
				t.Errorf("colour is off but the output has an escape sequence:\n%q", got)
			}
			if tt.opts.Width > 0 {
				for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
					if w := textWidth(line); w > tt.opts.Width {
						t.Errorf("line is %d columns wide, more than %d: %q", w, tt.opts.Width, line)
					}
				}
			}
		})
	}
}

func TestColor(t *testing.T) {
	for _, width := range []int{0, 100, 36} {
		plain := render(t, loadResult(t), Options{Width: width})
		colored := render(t, loadResult(t), Options{Width: width, Color: true})
		if plain == colored {
			t.Errorf("width %d: output is the same with and without colour", width)
		}
		if !strings.Contains(colored, "\x1b[") {
			t.Errorf("width %d: colour is on but there is no escape sequence", width)
		}
		// Without the escape sequences, the coloured output is the plain one.
		if got := stripANSI(colored); got != plain {
			t.Errorf("width %d: coloured output differs from plain beyond colour (-want +got):\n%s",
				width, cmp.Diff(plain, got))
		}
	}
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if j := escapeEnd(s, i); j > i {
			i = j
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// TestHostileText checks that text from advisories and files cannot
// inject terminal sequences or break the table's lines.
func TestHostileText(t *testing.T) {
	r := loadResult(t)
	r.Findings[0].Summary = "evil\x1b]0;pwned\x07 summary\nsecond line\rthird\u202ereversed"
	r.Findings[0].Package = "pkg\x1b[31m"
	r.Errors[0].Error = "bad\x1b[2Jthing"
	r.Warnings[0].Message = "warn\x00ing\ttabbed"
	got := render(t, r, Options{})
	for _, bad := range []string{"\x1b", "\x07", "\r", "\x00", "\t", "\u202e"} {
		if strings.Contains(got, bad) {
			t.Errorf("output contains %q:\n%s", bad, got)
		}
	}
	for _, want := range []string{"evil]0;pwned summary second line third", "bad[2Jthing", "warning tabbed"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

// TestFixtureScores checks that the scores in testdata/scan.json are the
// ones patchline computes from the advisories' vectors.
func TestFixtureScores(t *testing.T) {
	r := loadResult(t)
	for _, f := range append(r.Findings, r.Suppressed...) {
		s := f.Severity
		if s.Vector == "" {
			if s.Score != nil {
				t.Errorf("%s: score without vector", f.ID)
			}
			continue
		}
		score, err := severity.Score(s.Type, s.Vector)
		if err != nil {
			t.Errorf("%s: %v", f.ID, err)
			continue
		}
		if s.Score == nil || *s.Score != score || s.Level != severity.FromScore(score) {
			t.Errorf("%s: fixture has score %v level %v, want %v %v", f.ID, s.Score, s.Level, score, severity.FromScore(score))
		}
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		width int
		want  []string
	}{
		{name: "no_limit", text: "a b c", width: 0, want: []string{"  a b c"}},
		{name: "fits", text: "aa bb", width: 7, want: []string{"  aa bb"}},
		{name: "breaks_at_space", text: "aa bb cc", width: 7, want: []string{"  aa bb", "    cc"}},
		{name: "long_word", text: "abcdefghij", width: 6, want: []string{"  abcd", "    ef", "    gh", "    ij"}},
		{name: "colour_not_counted", text: "\x1b[31mred\x1b[0m words", width: 11, want: []string{"  \x1b[31mred\x1b[0m words"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wrap(tt.text, tt.width, 2, 4)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("wrap(%q, %d) mismatch (-want +got):\n%s", tt.text, tt.width, diff)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		width int
		want  string
	}{
		{name: "fits", text: "short", width: 10, want: "short"},
		{name: "word_boundary", text: "Panic when opening archives in archive/zip", width: 20, want: "Panic when opening…"},
		{name: "no_space", text: "abcdefghijkl", width: 5, want: "abcd…"},
		{name: "zero", text: "abc", width: 0, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := truncate(tt.text, tt.width); got != tt.want {
				t.Errorf("truncate(%q, %d) = %q, want %q", tt.text, tt.width, got, tt.want)
			}
		})
	}
}

func TestFileErrorText(t *testing.T) {
	tests := []struct {
		name string
		err  result.FileError
		want string
	}{
		{name: "line", err: result.FileError{Source: "a/go.mod", Line: 3, Error: "bad"}, want: "a/go.mod:3: bad"},
		{name: "line_column", err: result.FileError{Source: "a/go.mod", Line: 3, Column: 7, Error: "bad"}, want: "a/go.mod:3:7: bad"},
		{name: "no_line", err: result.FileError{Source: "yarn.lock", Error: "bad"}, want: "yarn.lock: bad"},
		{name: "position_repeated", err: result.FileError{Source: "a/go.mod", Line: 3, Error: "a/go.mod:3: bad"}, want: "a/go.mod:3: bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fileErrorText(&tt.err); got != tt.want {
				t.Errorf("fileErrorText(%+v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestFormatInt(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1402: "1,402", 1234567: "1,234,567", -1402: "-1,402"} {
		if got := formatInt(n); got != want {
			t.Errorf("formatInt(%d) = %q, want %q", n, got, want)
		}
	}
}

// FuzzTable renders the scan with hostile text in the fields that come from
// advisories and files: it must never panic, never let an escape through
// when colour is off, and keep lines within a reasonable width.
func FuzzTable(f *testing.F) {
	r := loadResult(f)
	for _, fd := range r.Findings {
		f.Add(fd.Package, fd.Summary, fd.Source, 0)
	}
	f.Add("pkg\x1b[31m", "summary\nwith\tcontrol\x07", "a b/c", 36)
	f.Add("", "", "", 100)
	f.Add("日本語パッケージ", strings.Repeat("long ", 100), "x", 45)
	f.Fuzz(func(t *testing.T, pkg, summary, source string, width int) {
		r := loadResult(t)
		r.Findings[0].Package = pkg
		r.Findings[1].Summary = summary
		r.Findings[2].Source = source
		r.Errors[0].Error = summary
		r.Warnings[0].Message = summary
		width = width % 300
		got := render(t, r, Options{Width: width})
		if strings.Contains(got, "\x1b") {
			t.Fatalf("escape sequence with colour off:\n%q", got)
		}
		if width >= minWidth {
			for _, line := range strings.Split(got, "\n") {
				if w := textWidth(line); w > width {
					t.Fatalf("line is %d columns wide, more than %d: %q", w, width, line)
				}
			}
		}
		render(t, r, Options{Width: width, Color: true})
	})
}
