package golang

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/osv"
)

// requireGo skips the test when the go command is not available: the
// analysis runs it to load packages.
func requireGo(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not on PATH")
	}
}

// readVulns returns the vulns of the real advisories in testdata/osv.
func readVulns(t testing.TB) map[string][]Vuln {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "osv", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no advisories in testdata/osv: %v", err)
	}
	out := map[string][]Vuln{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var e osv.Entry
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		vs, err := VulnsFromOSV(&e)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[e.ID] = vs
	}
	return out
}

// Hand-made advisories for what the real ones do not show.
var handMade = map[string][]Vuln{
	"TEST-NO-IMPORTS":      {{ID: "TEST-NO-IMPORTS", Module: StdlibModule}},
	"TEST-NOT-REQUIRED":    {{ID: "TEST-NOT-REQUIRED", Module: "example.com/not-required", Imports: []Import{{Path: "example.com/not-required/x"}}}},
	"TEST-WHOLE-PEM":       {{ID: "TEST-WHOLE-PEM", Module: StdlibModule, Imports: []Import{{Path: "encoding/pem"}}}},
	"TEST-YAML-NO-IMPORTS": {{ID: "TEST-YAML-NO-IMPORTS", Module: "gopkg.in/yaml.v2"}},
}

var gorootLine = regexp.MustCompile(`^(\$GOROOT/src/.*):\d+$`)

// normalize drops the reason (checked separately) and the line numbers of
// standard library files, which change between Go releases.
func normalize(v Verdict) Verdict {
	v.Reason = ""
	v.Path = slices.Clone(v.Path)
	for i, f := range v.Path {
		v.Path[i].Position = gorootLine.ReplaceAllString(f.Position, "$1")
	}
	return v
}

func TestAnalyze(t *testing.T) {
	requireGo(t)
	all := readVulns(t)
	for id, vs := range handMade {
		all[id] = vs
	}
	linux := Options{GOOS: "linux", GOARCH: "amd64"}

	tests := []struct {
		name   string
		module string
		opts   Options
		want   map[string]Verdict
		// wantReason holds a substring each verdict's reason must contain.
		wantReason map[string]string
	}{
		{
			name:   "calls_symbol",
			module: "calls_pem",
			opts:   linux,
			want: map[string]Verdict{
				"GO-2025-4009": {Level: LevelSymbol, Reachable: Reachable, Path: []Frame{
					{Function: "example.com/callspem.main", Position: "main.go:18"},
					{Function: "example.com/callspem.blockType", Position: "main.go:22"},
					{Function: "encoding/pem.Decode", Position: "$GOROOT/src/encoding/pem/pem.go"},
				}},
				"GO-2023-1568":         {Level: LevelPackage, Reachable: NotReachable},
				"GO-2026-4341":         {Level: LevelPackage, Reachable: NotReachable},
				"GO-2021-0061":         {Level: LevelModule, Reachable: NotReachable},
				"TEST-NO-IMPORTS":      {Level: LevelModule, Reachable: Unknown},
				"TEST-NOT-REQUIRED":    {Level: LevelModule, Reachable: NotReachable},
				"TEST-YAML-NO-IMPORTS": {Level: LevelModule, Reachable: NotReachable},
			},
			wantReason: map[string]string{
				"GO-2025-4009":    "encoding/pem.Decode is called",
				"GO-2023-1568":    "only on other platforms than linux/amd64",
				"GO-2026-4341":    `no vulnerable package ("net/url") is imported`,
				"GO-2021-0061":    `module "gopkg.in/yaml.v2" is not required`,
				"TEST-NO-IMPORTS": "names no vulnerable packages",
			},
		},
		{
			name:   "goos_windows",
			module: "calls_pem",
			opts:   Options{GOOS: "windows", GOARCH: "amd64"},
			want: map[string]Verdict{
				"GO-2023-1568": {Level: LevelSymbol, Reachable: Reachable, Path: []Frame{
					{Function: "example.com/callspem.main", Position: "main.go:13"},
					{Function: "path/filepath.Clean", Position: "$GOROOT/src/path/filepath/path.go"},
				}},
			},
		},
		{
			// Without a target platform, a Windows-only advisory still
			// applies (the program may be built for Windows).
			name:   "platform_restriction_kept_by_default",
			module: "calls_pem",
			want: map[string]Verdict{
				"GO-2023-1568": {Level: LevelSymbol, Reachable: Reachable, Path: []Frame{
					{Function: "example.com/callspem.main", Position: "main.go:13"},
					{Function: "path/filepath.Clean", Position: "$GOROOT/src/path/filepath/path.go"},
				}},
			},
			wantReason: map[string]string{"GO-2023-1568": "vulnerable only on some platforms: path/filepath: goos windows"},
		},
		{
			name:   "module_level_only",
			module: "calls_pem",
			opts:   Options{Level: LevelModule},
			want: map[string]Verdict{
				"GO-2025-4009": {Level: LevelModule, Reachable: Reachable},
				"GO-2021-0061": {Level: LevelModule, Reachable: NotReachable},
			},
		},
		{
			name:   "package_level_only",
			module: "imports_pem",
			opts:   Options{Level: LevelPackage},
			want: map[string]Verdict{
				"GO-2025-4009": {Level: LevelPackage, Reachable: Reachable},
				"GO-2026-4341": {Level: LevelPackage, Reachable: NotReachable},
			},
			wantReason: map[string]string{"GO-2025-4009": "example.com/importspem → encoding/pem"},
		},
		{
			name:   "imports_package_symbol_not_called",
			module: "imports_pem",
			want: map[string]Verdict{
				"GO-2025-4009": {Level: LevelSymbol, Reachable: NotReachable},
				"TEST-WHOLE-PEM": {Level: LevelSymbol, Reachable: Reachable, Path: []Frame{
					{Function: "example.com/importspem.main", Position: "main.go:11"},
					{Function: "example.com/importspem.encode", Position: "main.go:16"},
					{Function: "encoding/pem.EncodeToMemory", Position: "$GOROOT/src/encoding/pem/pem.go"},
				}},
			},
			wantReason: map[string]string{"GO-2025-4009": "no vulnerable symbol (encoding/pem.Decode, encoding/pem.getLine) is called"},
		},
		{
			name:   "called_from_test_only",
			module: "imports_pem",
			opts:   Options{Tests: true},
			want: map[string]Verdict{
				"GO-2025-4009": {Level: LevelSymbol, Reachable: Reachable, Path: []Frame{
					{Function: "example.com/importspem.TestRoundTrip", Position: "main_test.go:9"},
					{Function: "encoding/pem.Decode", Position: "$GOROOT/src/encoding/pem/pem.go"},
				}},
			},
		},
		{
			name:   "no_import",
			module: "no_import",
			want: map[string]Verdict{
				"GO-2025-4009": {Level: LevelPackage, Reachable: NotReachable},
			},
		},
		{
			name:   "interface_method_call",
			module: "interface_call",
			want: map[string]Verdict{
				"GO-2025-4009": {Level: LevelSymbol, Reachable: Reachable, Path: []Frame{
					{Function: "example.com/interfacecall.main", Position: "main.go:40"},
					{Function: "(example.com/interfacecall.pemParser).Parse", Position: "main.go:18"},
					{Function: "encoding/pem.Decode", Position: "$GOROOT/src/encoding/pem/pem.go"},
				}},
			},
		},
		{
			// CHA alone would link the interface call to pemParser.Parse.
			name:   "interface_other_implementation_only",
			module: "interface_other_impl",
			want: map[string]Verdict{
				"GO-2025-4009": {Level: LevelSymbol, Reachable: NotReachable},
			},
		},
		{
			name:   "library_exported_entry_points",
			module: "library",
			want: map[string]Verdict{
				"GO-2026-4341": {Level: LevelSymbol, Reachable: Reachable, Path: []Frame{
					{Function: "example.com/library/query.Keys", Position: "query/query.go:28"},
					{Function: "example.com/library/query.mapKeys[string]", Position: "query/query.go:34"},
					{Function: "(*net/url.URL).Query", Position: "$GOROOT/src/net/url/url.go"},
				}},
				// decodePEM is unexported and never called.
				"GO-2025-4009": {Level: LevelSymbol, Reachable: NotReachable},
				// Only yaml.Marshal is called; github.com/go-yaml/yaml,
				// the advisory's second module, is not required.
				"GO-2021-0061": {Level: LevelSymbol, Reachable: NotReachable},
				// The advisory names no packages: the module is required,
				// so nothing more can be said.
				"TEST-YAML-NO-IMPORTS": {Level: LevelModule, Reachable: Unknown},
			},
			wantReason: map[string]string{"GO-2021-0061": `module "github.com/go-yaml/yaml" is not required`},
		},
		{
			name:   "third_party_module_replaced_locally",
			module: "thirdparty",
			want: map[string]Verdict{
				"GO-2021-0061": {Level: LevelSymbol, Reachable: Reachable, Path: []Frame{
					{Function: "example.com/thirdparty/config.Load", Position: "config/config.go:9"},
					{Function: "gopkg.in/yaml.v2.Unmarshal", Position: "../../deps/yaml.v2/yaml.go:45"},
				}},
			},
		},
		{
			name:   "webapp",
			module: "webapp",
			opts:   linux,
			want: map[string]Verdict{
				"GO-2025-3751": {Level: LevelSymbol, Reachable: Reachable, Path: []Frame{
					{Function: "(*example.com/webapp/internal/fetch.Client).Items", Position: "internal/fetch/fetch.go:34"},
					{Function: "(*net/http.Client).Do", Position: "$GOROOT/src/net/http/client.go"},
				}},
				"GO-2026-4865": {Level: LevelSymbol, Reachable: Reachable, Path: []Frame{
					{Function: "(*example.com/webapp/internal/render.Page).Write", Position: "internal/render/render.go:27"},
					{Function: "(*html/template.Template).Execute", Position: "$GOROOT/src/html/template/template.go"},
				}},
				"GO-2021-0061": {Level: LevelSymbol, Reachable: Reachable, Path: []Frame{
					{Function: "example.com/webapp/cmd/webapp.main", Position: "cmd/webapp/main.go:28"},
					{Function: "(*gopkg.in/yaml.v2.Decoder).Decode", Position: "../../deps/yaml.v2/yaml.go:65"},
				}},
				"GO-2026-4341": {Level: LevelSymbol, Reachable: NotReachable},
				"GO-2023-1568": {Level: LevelPackage, Reachable: NotReachable},
			},
		},
		{
			// Type errors leave the imports known: the package level is
			// judged, the symbol level is unknown.
			name:   "build_error",
			module: "build_error",
			want: map[string]Verdict{
				"GO-2025-4009": {Level: LevelSymbol, Reachable: Unknown},
				"GO-2026-4341": {Level: LevelPackage, Reachable: NotReachable},
			},
			wantReason: map[string]string{"GO-2025-4009": `main.go:10:14: cannot use "not a number"`},
		},
		{
			name:   "missing_module_offline",
			module: "missing_module",
			want: map[string]Verdict{
				"GO-2025-4009":      {Level: LevelSymbol, Reachable: Unknown},
				"GO-2026-4341":      {Level: LevelPackage, Reachable: Unknown},
				"TEST-NOT-REQUIRED": {Level: LevelModule, Reachable: Unknown},
			},
			wantReason: map[string]string{
				"GO-2025-4009": "example.com/absent",
				"GO-2026-4341": "loading failed",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && tt.module == "webapp" {
				t.Skip("the largest fixture takes seconds; skipped in -short mode")
			}
			var vulns []Vuln
			for id := range tt.want {
				vs, ok := all[id]
				if !ok {
					t.Fatalf("no advisory %q in testdata", id)
				}
				vulns = append(vulns, vs...)
			}
			got, err := Analyze(t.Context(), filepath.Join("testdata", "modules", tt.module), vulns, tt.opts)
			if err != nil {
				t.Fatalf("Analyze: %v", err)
			}
			norm := map[string]Verdict{}
			for id, v := range got {
				norm[id] = normalize(v)
			}
			if diff := cmp.Diff(tt.want, norm); diff != "" {
				t.Errorf("Analyze mismatch (-want +got):\n%s\nreasons: %v", diff, got)
			}
			for id, sub := range tt.wantReason {
				if !strings.Contains(got[id].Reason, sub) {
					t.Errorf("reason of %s = %q, want it to contain %q", id, got[id].Reason, sub)
				}
			}
			for id, v := range got {
				if v.Reason == "" {
					t.Errorf("verdict of %s has no reason", id)
				}
			}
		})
	}
}

func TestAnalyzeUnloadable(t *testing.T) {
	requireGo(t)
	vulns := readVulns(t)["GO-2025-4009"]
	tests := []struct {
		name       string
		gomod      string
		wantReason string
	}{
		{name: "toolchain_too_old", gomod: "module example.com/future\n\ngo 1.999\n", wantReason: "requires go >= 1.999"},
		{name: "malformed_go_mod", gomod: "module example.com/bad\n\nrequire (\n", wantReason: "go.mod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(tt.gomod), 0o644); err != nil {
				t.Fatal(err)
			}
			src := "package main\n\nimport \"encoding/pem\"\n\nfunc main() { pem.Decode(nil) }\n"
			if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := Analyze(t.Context(), dir, vulns, Options{})
			if err != nil {
				t.Fatalf("Analyze: %v", err)
			}
			v := got["GO-2025-4009"]
			t.Logf("reason: %s", v.Reason)
			if v.Reachable != Unknown || v.Level != LevelModule {
				t.Errorf("verdict = %+v, want unknown at module level", v)
			}
			if !strings.Contains(v.Reason, tt.wantReason) {
				t.Errorf("reason = %q, want it to contain %q", v.Reason, tt.wantReason)
			}
		})
	}
}

func TestAnalyzeErrors(t *testing.T) {
	vulns := []Vuln{{ID: "GO-2025-4009", Module: StdlibModule}}
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name   string
		ctx    context.Context
		dir    string
		vulns  []Vuln
		opts   Options
		wantIn string
	}{
		{name: "bad_level", ctx: t.Context(), dir: "testdata/modules/no_import", vulns: vulns, opts: Options{Level: "function"}, wantIn: `unknown reachability level "function"`},
		{name: "no_go_mod", ctx: t.Context(), dir: "testdata", vulns: vulns, wantIn: "no go.mod"},
		{name: "vuln_without_module", ctx: t.Context(), dir: "testdata/modules/no_import", vulns: []Vuln{{ID: "X"}}, wantIn: "ID and Module are required"},
		{name: "cancelled", ctx: cancelled, dir: "testdata/modules/no_import", vulns: vulns, wantIn: "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "cancelled" {
				requireGo(t)
			}
			_, err := Analyze(tt.ctx, tt.dir, tt.vulns, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("Analyze error = %v, want it to contain %q", err, tt.wantIn)
			}
		})
	}
}

func TestAnalyzeNoVulns(t *testing.T) {
	got, err := Analyze(t.Context(), "testdata/modules/no_import", nil, Options{})
	if err != nil || len(got) != 0 {
		t.Errorf("Analyze(no vulns) = %v, %v; want empty, nil", got, err)
	}
}

func TestMerge(t *testing.T) {
	reach := Verdict{Level: LevelSymbol, Reachable: Reachable, Reason: "a"}
	unknown := Verdict{Level: LevelModule, Reachable: Unknown, Reason: "b"}
	notPkg := Verdict{Level: LevelPackage, Reachable: NotReachable, Reason: "c"}
	notMod := Verdict{Level: LevelModule, Reachable: NotReachable, Reason: "d"}
	tests := []struct {
		name string
		a, b Verdict
		want Verdict
	}{
		{name: "reachable_wins", a: unknown, b: reach, want: reach},
		{name: "unknown_over_not_reachable", a: unknown, b: notPkg, want: unknown},
		{name: "finer_level_first", a: notMod, b: notPkg, want: Verdict{Level: LevelPackage, Reachable: NotReachable, Reason: "c; d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, merge(tt.a, tt.b)); diff != "" {
				t.Errorf("merge mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// BenchmarkAnalyzeWebapp measures the whole analysis (go list, type
// checking from source, SSA, VTA, search) of the largest fixture.
func BenchmarkAnalyzeWebapp(b *testing.B) {
	requireGo(b)
	all := readVulns(b)
	var vulns []Vuln
	for _, vs := range all {
		vulns = append(vulns, vs...)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Analyze(b.Context(), "testdata/modules/webapp", vulns, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
