package depsjson

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/patchline/patchline/internal/extract/extracttest"
	"github.com/patchline/patchline/internal/inventory"
)

func TestFileRequired(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"App.deps.json", true},
		{"bin/Release/net8.0/My.App.deps.json", true},
		{".deps.json", false},
		{"App.runtimeconfig.json", false},
		{"deps.json", false},
		{"App.deps.json.bak", false},
	}
	for _, tt := range tests {
		if got := New().FileRequired(tt.path); got != tt.want {
			t.Errorf("FileRequired(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

const (
	direct     = inventory.RelationDirect
	transitive = inventory.RelationTransitive
	unknownRel = inventory.RelationUnknown
	prod       = inventory.ScopeProd
	dev        = inventory.ScopeDev
)

func pkg(name, version string, rel inventory.Relation, scope inventory.Scope, file string, line int, note string) inventory.Package {
	return inventory.Package{
		Ecosystem: inventory.NuGet,
		Name:      name,
		Version:   version,
		Relation:  rel,
		Scope:     scope,
		Location:  inventory.Location{File: file, Line: line},
		Note:      note,
	}
}

const runtimePack = "runtime pack of a self-contained application"

func TestExtract(t *testing.T) {
	const (
		minimal   = "minimal/App.deps.json"
		real      = "real/dotnet-sdk-simple/simple.dependencies.deps.json"
		malformed = "malformed/App.deps.json"
		badentry  = "badentry/App.deps.json"
		wrong     = "wrong-format/App.deps.json"
	)
	tests := []struct {
		name     string
		path     string
		want     []inventory.Package
		wantErrs []string
	}{
		{
			name: "minimal",
			path: minimal,
			want: []inventory.Package{
				// App and MyLib are projects, Legacy.Interop an
				// assembly reference.
				pkg("Microsoft.NETCore.App.Runtime.linux-x64", "8.0.7", direct, prod, minimal, 70, runtimePack),
				pkg("Microsoft.CodeAnalysis.Analyzers", "3.3.4", direct, dev, minimal, 75, "compile-time only"),
				pkg("Newtonsoft.Json", "13.0.3", direct, prod, minimal, 82, ""),
				pkg("Serilog", "3.1.1", transitive, prod, minimal, 89, ""),
				pkg("System.Memory", "4.5.5", transitive, prod, minimal, 96, ""),
			},
		},
		{
			name: "real_dotnet_sdk_simple",
			path: real,
			want: []inventory.Package{
				pkg("Newtonsoft.Json", "9.0.1", direct, prod, real, 50, ""),
				pkg("System.Collections.NonGeneric", "4.0.1", direct, prod, real, 57, ""),
				pkg("System.Runtime.Serialization.Primitives", "4.1.1", transitive, prod, real, 64, ""),
			},
		},
		{
			name: "empty",
			path: "empty/App.deps.json",
		},
		{
			name: "truncated_keeps_libraries",
			path: malformed,
			want: []inventory.Package{
				pkg("Microsoft.NETCore.App.Runtime.linux-x64", "8.0.7", direct, prod, malformed, 70, runtimePack),
			},
			wantErrs: []string{malformed + ":76"},
		},
		{
			name: "bad_entries_keep_the_others",
			path: badentry,
			want: []inventory.Package{
				pkg("Ok.Package", "1.0.0", direct, prod, badentry, 18, ""),
				pkg("Transitive.Package", "4.1.0", transitive, prod, badentry, 28, ""),
			},
			wantErrs: []string{badentry + ":21", badentry + ":24", badentry + ":27"},
		},
		{
			name:     "wrong_format_runtimeconfig",
			path:     wrong,
			wantErrs: []string{wrong + ":1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), os.DirFS("testdata"), tt.path)
			extracttest.CheckErrors(t, tt.wantErrs, err)
			extracttest.CheckPackages(t, tt.want, inv.Packages)
		})
	}
}

func TestExtractWithoutTargets(t *testing.T) {
	data := `{
  "libraries": {
    "Newtonsoft.Json/13.0.3": {"type": "package"}
  }
}`
	inv, err := extracttest.Extract(t, New(), fstest.MapFS{"x.deps.json": {Data: []byte(data)}}, "x.deps.json")
	if err != nil {
		t.Fatal(err)
	}
	extracttest.CheckPackages(t, []inventory.Package{
		pkg("Newtonsoft.Json", "13.0.3", unknownRel, prod, "x.deps.json", 3, ""),
	}, inv.Packages)
}

func TestExtractLogsSkipped(t *testing.T) {
	var buf bytes.Buffer
	x := New(WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if _, err := extracttest.Extract(t, x, os.DirFS("testdata"), "minimal/App.deps.json"); err != nil {
		t.Fatal(err)
	}
	for _, lib := range []string{"App/1.0.0", "MyLib/1.0.0", "Legacy.Interop/1.0.0.0"} {
		if !strings.Contains(buf.String(), "library="+lib) {
			t.Errorf("%s was not logged as skipped:\n%s", lib, buf.String())
		}
	}
}

func TestExtractNotDepsJSON(t *testing.T) {
	for name, data := range map[string]string{
		"array":         "[1, 2]",
		"no_keys":       `{"name": "x"}`,
		"libraries_arr": `{"libraries": []}`,
		"trailing":      `{"libraries": {}} []`,
		"xml":           "<packages/>",
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"x.deps.json": {Data: []byte(data)}}, "x.deps.json")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) || pe.Path != "x.deps.json" || pe.Line < 1 {
				t.Errorf("err = %v, want a parse error with a line", err)
			}
			if len(inv.Packages) != 0 {
				t.Errorf("got %d packages, want none", len(inv.Packages))
			}
		})
	}
}

func TestExtractCancelled(t *testing.T) {
	var b strings.Builder
	b.WriteString("{\"libraries\": {\n")
	for i := range 1000 {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString(`"P` + strings.Repeat("x", i%7) + `/1.0.` + string(rune('0'+i%10)) + `": {"type": "package"}`)
	}
	b.WriteString("\n}}\n")
	extracttest.CheckCanceled(t, New(), fstest.MapFS{"x.deps.json": {Data: []byte(b.String())}}, "x.deps.json")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "*.deps.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := New().Extract(context.Background(), &inventory.Input{Path: "x.deps.json", Reader: bytes.NewReader(data)})
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.NuGet || p.Name == "" || p.Version == "" || p.Location.Line < 1 {
				t.Errorf("bad package %+v", p)
			}
		}
		for _, l := range extracttest.ErrorLines(err) {
			if strings.HasPrefix(l, "other: ") {
				t.Errorf("error without a position: %s", l)
			}
		}
	})
}
