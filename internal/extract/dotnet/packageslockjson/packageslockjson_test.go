package packageslockjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/extract/extracttest"
	"github.com/patchline/patchline/internal/inventory"
)

func TestFileRequired(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"packages.lock.json", true},
		{"src/Api/packages.lock.json", true},
		{"package-lock.json", false},
		{"packages.config", false},
		{"packages.lock.json.bak", false},
		{"Packages.lock.json", false},
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
)

func pkg(name, version string, rel inventory.Relation, file string, line int, note string) inventory.Package {
	return inventory.Package{
		Ecosystem: inventory.NuGet,
		Name:      name,
		Version:   version,
		Relation:  rel,
		Location:  inventory.Location{File: file, Line: line},
		Note:      note,
	}
}

func TestExtract(t *testing.T) {
	const (
		minimal   = "minimal/packages.lock.json"
		real      = "real/bitwarden-server-2022/packages.lock.json"
		malformed = "malformed/packages.lock.json"
		badentry  = "badentry/packages.lock.json"
		wrong     = "wrong-format/packages.lock.json"
	)
	tests := []struct {
		name string
		path string
		// want is the whole inventory when wantCount is 0; otherwise
		// the inventory has wantCount packages including wantSome.
		want      []inventory.Package
		wantCount int
		wantSome  []inventory.Package
		// wantErrs are the "file:line" of the expected parse errors.
		wantErrs []string
	}{
		{
			name: "minimal",
			path: minimal,
			want: []inventory.Package{
				pkg("Newtonsoft.Json", "13.0.1", direct, minimal, 5, ""),
				// Direct for net6.0, transitive for net8.0: one install.
				pkg("Serilog", "2.12.0", direct, minimal, 11, ""),
				pkg("System.Text.Json", "8.0.4", transitive, minimal, 17, ""),
				// Transitive for net6.0, direct for net8.0.
				pkg("System.Memory", "4.5.4", direct, minimal, 23, ""),
				// The project reference "mylib" is not a package.
				pkg("Newtonsoft.Json", "13.0.3", direct, minimal, 36, ""),
				pkg("runtime.native.System.Data.SqlClient.sni", "4.7.0", transitive, minimal, 61, ""),
			},
		},
		{
			// 314 entries, 5 of them project references (see
			// testdata/SOURCES.md).
			name:      "real_bitwarden_server_2022",
			path:      real,
			wantCount: 309,
			wantSome: []inventory.Package{
				pkg("Azure.Messaging.EventGrid", "4.7.0", direct, real, 5, ""),
				pkg("Swashbuckle.AspNetCore", "6.2.3", direct, real, 27, ""),
				pkg("AspNetCoreRateLimit", "2.1.0", transitive, real, 39, ""),
				pkg("Fido2.AspNet", "3.0.0-beta2", transitive, real, 171, ""),
				pkg("linq2db.EntityFrameworkCore", "5.2.1", transitive, real, 256, ""),
				pkg("YubicoDotNetClient", "1.2.0", transitive, real, 3347, ""),
			},
		},
		{
			name: "empty",
			path: "empty/packages.lock.json",
		},
		{
			// Cut inside the fourth entry: the three before are kept.
			name: "truncated_keeps_entries",
			path: malformed,
			want: []inventory.Package{
				pkg("Azure.Messaging.EventGrid", "4.7.0", direct, malformed, 5, ""),
				pkg("Microsoft.AspNetCore.Mvc.NewtonsoftJson", "5.0.9", direct, malformed, 16, ""),
				pkg("Swashbuckle.AspNetCore", "6.2.3", direct, malformed, 27, ""),
			},
			wantErrs: []string{malformed + ":41"},
		},
		{
			name: "bad_entries_keep_the_others",
			path: badentry,
			want: []inventory.Package{
				pkg("Ok.Package", "1.0.0", direct, badentry, 5, ""),
				pkg("Odd.Type", "2.0.0-beta.1", unknownRel, badentry, 14, `unknown dependency type "Pinned"`),
			},
			wantErrs: []string{
				badentry + ":10", // no resolved
				badentry + ":13", // not an object
				badentry + ":18", // empty resolved
				badentry + ":23", // framework is an array
			},
		},
		{
			name:     "wrong_format_package_lock",
			path:     wrong,
			wantErrs: []string{wrong + ":3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), os.DirFS("testdata"), tt.path)
			extracttest.CheckErrors(t, tt.wantErrs, err)
			if tt.wantCount == 0 {
				extracttest.CheckPackages(t, tt.want, inv.Packages)
				return
			}
			extracttest.CheckSome(t, tt.wantCount, tt.wantSome, inv.Packages)
		})
	}
}

func TestExtractRealCounts(t *testing.T) {
	inv, err := extracttest.Extract(t, New(), os.DirFS("testdata"), "real/bitwarden-server-2022/packages.lock.json")
	if err != nil {
		t.Fatal(err)
	}
	got := extracttest.CountByRelationScope(inv.Packages)
	want := map[inventory.Relation]map[inventory.Scope]int{
		direct:     {inventory.ScopeUnknown: 3},
		transitive: {inventory.ScopeUnknown: 306},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("relation and scope counts (-want +got):\n%s", diff)
	}
}

// oracle is what osv-scanner listed for the real fixture (see
// testdata/SOURCES.md); the test skips when it is not available.
const oracle = "/work/shared/oracle/nuget-bitwarden-server-2022.json"

// TestExtractMatchesOracle compares the (name, version) pairs with the ones
// osv-scanner listed, less the project references it lists without version.
func TestExtractMatchesOracle(t *testing.T) {
	data, err := os.ReadFile(oracle)
	if err != nil {
		t.Skipf("oracle not available: %v", err)
	}
	var out struct {
		Results []struct {
			Packages []struct {
				Package struct{ Name, Version string }
			}
		}
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range out.Results {
		for _, p := range r.Packages {
			if p.Package.Version != "" {
				want = append(want, p.Package.Name+"@"+p.Package.Version)
			}
		}
	}
	inv, err := extracttest.Extract(t, New(), os.DirFS("testdata"), "real/bitwarden-server-2022/packages.lock.json")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range inv.Packages {
		got = append(got, p.Name+"@"+p.Version)
	}
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages differ from osv-scanner's (-want +got):\n%s", diff)
	}
}

func TestExtractLogsProjects(t *testing.T) {
	var buf bytes.Buffer
	x := New(WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if _, err := extracttest.Extract(t, x, os.DirFS("testdata"), "minimal/packages.lock.json"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(buf.String(), "project=mylib"); got != 2 {
		t.Errorf("logged the project reference %d times, want 2:\n%s", got, buf.String())
	}
}

func TestExtractNotPackagesLock(t *testing.T) {
	for name, data := range map[string]string{
		"array":           "[1, 2]",
		"string":          `"packages"`,
		"no_keys":         `{"name": "x"}`,
		"version_3":       `{"version": 3, "dependencies": {}}`,
		"trailing":        `{"version": 1, "dependencies": {}} {}`,
		"deps_not_object": `{"version": 1, "dependencies": []}`,
		"toml":            "[packages]\n",
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"packages.lock.json": {Data: []byte(data)}}, "packages.lock.json")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) || pe.Path != "packages.lock.json" || pe.Line < 1 {
				t.Errorf("err = %v, want a parse error with a line", err)
			}
			if len(inv.Packages) != 0 {
				t.Errorf("got %d packages, want none", len(inv.Packages))
			}
		})
	}
}

func TestExtractCancelled(t *testing.T) {
	extracttest.CheckCanceled(t, New(), os.DirFS("testdata"), "real/bitwarden-server-2022/packages.lock.json")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "packages.lock.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := New().Extract(context.Background(), &inventory.Input{Path: "packages.lock.json", Reader: bytes.NewReader(data)})
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
