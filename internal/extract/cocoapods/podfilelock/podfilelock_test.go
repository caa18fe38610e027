package podfilelock

import (
	"errors"
	"os"
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
		{"Podfile.lock", true},
		{"ios/Podfile.lock", true},
		{"Podfile", false},
		{"podfile.lock", false},
		{"Pods/Manifest.lock", false},
		{"Gemfile.lock", false},
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
)

func pkg(name, version string, rel inventory.Relation, file string, line int, note string) inventory.Package {
	return inventory.Package{
		Ecosystem: inventory.CocoaPods,
		Name:      name,
		Version:   version,
		Relation:  rel,
		Location:  inventory.Location{File: file, Line: line},
		Note:      note,
	}
}

func TestExtract(t *testing.T) {
	const (
		minimal   = "minimal/Podfile.lock"
		real      = "real-eidolon/Podfile.lock"
		malformed = "malformed/Podfile.lock"
		syntax    = "syntax/Podfile.lock"
		wrong     = "wrong-format/Podfile.lock"
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
				pkg("Alamofire", "5.8.1", direct, minimal, 2, ""),
				// Three PODS entries of one pod; DEPENDENCIES names a
				// subspec, so the pod is direct.
				pkg("Firebase", "10.22.0", direct, minimal, 3, "subspecs Analytics, Core, CoreOnly"),
				pkg("FirebaseAnalytics", "10.22.0", transitive, minimal, 10, ""),
				pkg("FirebaseCore", "10.22.0", transitive, minimal, 12, ""),
				pkg("InternalKit", "2.3.0", direct, minimal, 13, "from spec repo https://git.example.com/ios/specs.git"),
				pkg("LocalHelpers", "0.1.0", direct, minimal, 15, "from path ../LocalHelpers"),
				pkg("Quick", "7.4.0", direct, minimal, 16, ""),
				pkg("SnapKit", "5.7.1", direct, minimal, 17, "from git https://github.com/SnapKit/SnapKit.git tag 5.7.1"),
			},
		},
		{
			// Counted with python3 (PyYAML): 49 PODS entries of 38 root
			// pods (the 38 names of SPEC CHECKSUMS), 33 of them named
			// under DEPENDENCIES. A scanner keeping full names would
			// list 49 (see the package documentation for why subspecs
			// are merged here). The shared oracle has no CocoaPods file.
			name:      "real_eidolon",
			path:      real,
			wantCount: 38,
			wantSome: []inventory.Package{
				pkg("Action", "2.2.1", direct, real, 2, ""),
				pkg("ARAnalytics", "4.0.1", direct, real, 6, "subspecs CoreIOS, HockeyApp, Mixpanel"),
				pkg("DZNWebViewController", "2.0", direct, real, 26,
					"from git https://github.com/orta/DZNWebViewController.git commit 9121386901af95072fb19eaa3df7060ca46fc337"),
				pkg("HockeySDK-Source", "4.1.3", transitive, real, 38, ""),
				pkg("Keys", "1.0.0", direct, real, 40, "from path Pods/CocoaPodsKeys"),
				// The root pod's entry comes first, then its subspec.
				pkg("Mixpanel", "3.0.9", transitive, real, 41, "subspec Mixpanel"),
				pkg("NJKWebViewProgress", "0.2.3", transitive, real, 57, "subspecs Core, ProgressView"),
				pkg("ReachabilitySwift", "3", direct, real, 67, ""),
				pkg("XNGMarkdownParser", "0.3.2", direct, real, 82, ""),
			},
		},
		{
			name: "empty",
			path: "empty/Podfile.lock",
		},
		{
			name: "malformed_keeps_good_entries",
			path: malformed,
			want: []inventory.Package{
				pkg("Alamofire", "5.8.1", direct, malformed, 2, ""),
				pkg("Quick", "7.4.0", direct, malformed, 4, ""),
				pkg("Nimble", "13.2.0", direct, malformed, 6, ""),
				// Its DEPENDENCIES entry is broken.
				pkg("Moya", "15.0.0", transitive, malformed, 9, ""),
			},
			wantErrs: []string{
				malformed + ":3",  // "Broken entry"
				malformed + ":5",  // SnapKit 5.7.1
				malformed + ":8",  // - - nested
				malformed + ":15", // Moya (~> 15.0
			},
		},
		{
			name:     "yaml_syntax_error",
			path:     syntax,
			wantErrs: []string{syntax + ":4"},
		},
		{
			// A gems.locked saved as Podfile.lock: not YAML.
			name:     "wrong_format_gems_locked",
			path:     wrong,
			wantErrs: []string{wrong + ":2"},
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
	inv, err := extracttest.Extract(t, New(), os.DirFS("testdata"), "real-eidolon/Podfile.lock")
	if err != nil {
		t.Fatal(err)
	}
	want := map[inventory.Relation]map[inventory.Scope]int{
		direct:     {inventory.ScopeUnknown: 33},
		transitive: {inventory.ScopeUnknown: 5},
	}
	if diff := cmp.Diff(want, extracttest.CountByRelationScope(inv.Packages)); diff != "" {
		t.Errorf("relation and scope counts (-want +got):\n%s", diff)
	}
}

func TestExtractNotPodfileLock(t *testing.T) {
	for name, data := range map[string]string{
		"json":         `{"packages": []}`,
		"list":         "- a\n- b\n",
		"no_pods":      "DEPENDENCIES:\n  - A\n",
		"pods_mapping": "PODS:\n  A: 1\n",
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"Podfile.lock": {Data: []byte(data)}}, "Podfile.lock")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) || pe.Path != "Podfile.lock" || pe.Line < 1 {
				t.Errorf("err = %v, want a parse error with a line", err)
			}
			if len(inv.Packages) != 0 {
				t.Errorf("got %d packages, want none", len(inv.Packages))
			}
		})
	}
}

func TestExtractNoDependencies(t *testing.T) {
	fsys := fstest.MapFS{"Podfile.lock": {Data: []byte("PODS:\n  - A (1.0)\n  - A/Sub (1.0)\n")}}
	inv, err := extracttest.Extract(t, New(), fsys, "Podfile.lock")
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.Package{pkg("A", "1.0", inventory.RelationUnknown, "Podfile.lock", 2, "subspec Sub")}
	extracttest.CheckPackages(t, want, inv.Packages)
}

func TestExtractCancelled(t *testing.T) {
	extracttest.CheckCanceled(t, New(), os.DirFS("testdata"), "real-eidolon/Podfile.lock")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "Podfile.lock")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, _ := extracttest.Extract(t, New(), fstest.MapFS{"Podfile.lock": {Data: data}}, "Podfile.lock")
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.CocoaPods || p.Name == "" || p.Version == "" || p.Location.Line < 1 {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}
