package pubspeclock

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
		{"pubspec.lock", true},
		{"app/pubspec.lock", true},
		{"pubspec.yaml", false},
		{"Pubspec.lock", false},
		{"pubspec.lock.bak", false},
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
	noRelation = inventory.RelationUnknown
	prod       = inventory.ScopeProd
	dev        = inventory.ScopeDev
	noScope    = inventory.ScopeUnknown
)

func pkg(name, version string, rel inventory.Relation, scope inventory.Scope, file string, line int, note string) inventory.Package {
	return inventory.Package{
		Ecosystem: inventory.Pub,
		Name:      name,
		Version:   version,
		Relation:  rel,
		Scope:     scope,
		Location:  inventory.Location{File: file, Line: line},
		Note:      note,
	}
}

const flutterSDK = `from the "flutter" SDK, not from a package repository`

func TestExtract(t *testing.T) {
	const (
		minimal   = "minimal/pubspec.lock"
		old       = "old-flutter-2020/pubspec.lock"
		localsend = "real/localsend-2023/pubspec.lock"
		badentry  = "badentry/pubspec.lock"
		wrong     = "wrongformat/pubspec.lock"
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
			name: "minimal_every_kind",
			path: minimal,
			want: []inventory.Package{
				pkg("args", "2.4.1", transitive, noScope, minimal, 3, ""),
				pkg("build_runner", "2.3.3", direct, dev, minimal, 11, ""),
				pkg("flutter", "0.0.0", direct, prod, minimal, 19, flutterSDK),
				pkg("http", "0.13.5", direct, prod, minimal, 24, ""),
				pkg("image_picker", "0.8.7+4", direct, prod, minimal, 32, ""),
				pkg("my_utils", "1.0.0", direct, prod, minimal, 40, `from local path "../my_utils"`),
				pkg("share_handler_platform_interface", "0.0.5", direct, noScope, minimal, 47,
					`overridden in dependency_overrides; from git "https://github.com/ShoutSocial/share_handler.git" at "630cf945524dfbae1bc63ed83b28559b47b25ffa" in "share_handler_platform_interface"`),
				pkg("tray_manager", "0.2.0", direct, prod, minimal, 56,
					`from git "https://github.com/Tienisto/tray_manager.git" at "b37f5e088e0f02c45a684ae41e9d2da2d5c596db"`),
				pkg("sky_engine", "0.0.99", transitive, noScope, minimal, 65, flutterSDK),
			},
		},
		{
			// Counted with python3 (PyYAML): 23 packages, 19 hosted, 3
			// from the flutter SDK, 1 path dependency.
			name:      "old_format_flutter_samples_2020",
			path:      old,
			wantCount: 23,
			wantSome: []inventory.Package{
				pkg("async", "2.5.0-nullsafety.1", transitive, noScope, old, 4, ""),
				pkg("cupertino_icons", "1.0.0", direct, prod, old, 46, ""),
				pkg("flutter_test", "0.0.0", direct, dev, old, 65, flutterSDK),
				pkg("hello", "0.0.1", direct, prod, old, 70, `from local path ".."`),
				pkg("sky_engine", "0.0.99", transitive, noScope, old, 98, flutterSDK),
				pkg("vector_math", "2.1.0-nullsafety.3", transitive, noScope, old, 152, ""),
			},
		},
		{
			// Counted with python3 (PyYAML): 209 packages (202 hosted, 5
			// SDK, 2 git); 43 direct main, 10 direct dev, 1 direct
			// overridden, 155 transitive.
			//
			// osv-scanner (/work/shared/oracle/pub-localsend-2023.json)
			// lists the same 209 (name, version) pairs, SDK packages
			// included, and marks the same 10 "direct dev" packages as
			// the dev group.
			name:      "real_localsend_2023",
			path:      localsend,
			wantCount: 209,
			wantSome: []inventory.Package{
				pkg("_fe_analyzer_shared", "58.0.0", transitive, noScope, localsend, 4, ""),
				pkg("basic_utils", "5.5.4", direct, prod, localsend, 52, ""),
				pkg("build_runner", "2.3.3", direct, dev, localsend, 100, ""),
				pkg("cross_file", "0.3.3+4", transitive, noScope, localsend, 236, ""),
				pkg("flutter", "0.0.0", direct, prod, localsend, 420, flutterSDK),
				pkg("flutter_test", "0.0.0", transitive, noScope, localsend, 478, flutterSDK),
				pkg("freezed", "2.3.3", direct, dev, localsend, 488, ""),
				pkg("share_handler_platform_interface", "0.0.5", direct, noScope, localsend, 1112,
					`overridden in dependency_overrides; from git "https://github.com/ShoutSocial/share_handler.git" at "630cf945524dfbae1bc63ed83b28559b47b25ffa" in "share_handler_platform_interface"`),
				pkg("tray_manager", "0.2.0", direct, prod, localsend, 1398,
					`from git "https://github.com/Tienisto/tray_manager.git" at "b37f5e088e0f02c45a684ae41e9d2da2d5c596db"`),
				pkg("yaml", "3.1.2", transitive, noScope, localsend, 1655, ""),
			},
		},
		{
			name: "empty",
			path: "empty/pubspec.lock",
		},
		{
			name: "no_packages",
			path: "nopackages/pubspec.lock",
		},
		{
			name:     "malformed_yaml",
			path:     "malformed/pubspec.lock",
			wantErrs: []string{"malformed/pubspec.lock:10"},
		},
		{
			name: "bad_entries_keep_the_others",
			path: badentry,
			want: []inventory.Package{
				pkg("ok", "1.0.0", direct, prod, badentry, 2, ""),
				pkg("oddkind", "3.0.0", noRelation, noScope, badentry, 15, ""),
				pkg("also_ok", "2.0.0", transitive, noScope, badentry, 33, ""),
			},
			wantErrs: []string{
				badentry + ":9",  // no version
				badentry + ":15", // "direct test"
				badentry + ":22", // not a mapping
				badentry + ":23", // no source
				badentry + ":26", // version is a list
			},
		},
		{
			// A pubspec.yaml: no "packages".
			name:     "wrong_format_pubspec_yaml",
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
	inv, err := extracttest.Extract(t, New(), os.DirFS("testdata"), "real/localsend-2023/pubspec.lock")
	if err != nil {
		t.Fatal(err)
	}
	got := extracttest.CountByRelationScope(inv.Packages)
	// Counted with python3 (PyYAML) from each entry's "dependency".
	want := map[inventory.Relation]map[inventory.Scope]int{
		direct:     {prod: 43, dev: 10, noScope: 1},
		transitive: {noScope: 155},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("relation and scope counts (-want +got):\n%s", diff)
	}
}

func TestExtractErrorText(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{
			name: "no_version",
			data: "packages:\n  a:\n    dependency: transitive\n    source: hosted\n",
			want: `pubspec.lock:2: package "a" has no version`,
		},
		{
			name: "unknown_dependency_kind",
			data: "packages:\n  a:\n    dependency: direct\n    source: hosted\n    version: \"1.0.0\"\n",
			want: `pubspec.lock:2: package "a": unknown dependency kind "direct" (want "direct main", "direct dev", "direct overridden" or "transitive")`,
		},
		{
			name: "packages_is_a_list",
			data: "packages:\n  - a\n",
			want: `pubspec.lock:2: "packages" is a list, want a mapping`,
		},
		{
			name: "top_level_list",
			data: "- packages\n",
			want: `pubspec.lock:1: not a pubspec.lock: want a mapping with "packages", got a list`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extracttest.Extract(t, New(), fstest.MapFS{"pubspec.lock": {Data: []byte(tt.data)}}, "pubspec.lock")
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestExtractNotPubspecLock(t *testing.T) {
	for name, data := range map[string]string{
		"scalar":         "hello\n",
		"package_json":   "{\"name\": \"x\", \"dependencies\": {}}\n",
		"cargo_lock":     "version = 3\n",
		"unclosed_brace": "packages: {\n",
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"pubspec.lock": {Data: []byte(data)}}, "pubspec.lock")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) || pe.Path != "pubspec.lock" {
				t.Errorf("err = %v, want a parse error for pubspec.lock", err)
			}
			if len(inv.Packages) != 0 {
				t.Errorf("got %d packages, want none", len(inv.Packages))
			}
		})
	}
}

func TestExtractCancelled(t *testing.T) {
	extracttest.CheckCanceled(t, New(), os.DirFS("testdata"), "minimal/pubspec.lock")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "pubspec.lock")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, _ := extracttest.Extract(t, New(), fstest.MapFS{"pubspec.lock": {Data: data}}, "pubspec.lock")
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.Pub || p.Name == "" || p.Version == "" || p.Location.Line <= 0 {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}
