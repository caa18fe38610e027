package packageresolved

import (
	"bytes"
	"context"
	"errors"
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
		{"Package.resolved", true},
		{"App.xcodeproj/project.xcworkspace/xcshareddata/swiftpm/Package.resolved", true},
		{"Package.swift", false},
		{"Cartfile.resolved", false},
		{"package.resolved", false},
	}
	for _, tt := range tests {
		if got := New().FileRequired(tt.path); got != tt.want {
			t.Errorf("FileRequired(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func pkg(name, version, requirement, file string, line int, note string) inventory.Package {
	return inventory.Package{
		Ecosystem:   inventory.SwiftURL,
		Name:        name,
		Version:     version,
		Requirement: requirement,
		Location:    inventory.Location{File: file, Line: line},
		Note:        note,
	}
}

func TestExtract(t *testing.T) {
	const (
		minimalV1 = "minimal-v1/Package.resolved"
		minimalV3 = "minimal-v3/Package.resolved"
		realV1    = "real-v1-swiftlint/Package.resolved"
		realV2    = "real-v2-codeedit/Package.resolved"
		realV3    = "real-v3-codeedit-modules/Package.resolved"
		malformed = "malformed/Package.resolved"
		badentry  = "badentry/Package.resolved"
		wrong     = "wrong-format/Package.resolved"
	)
	tests := []struct {
		name      string
		path      string
		want      []inventory.Package
		wantCount int
		wantSome  []inventory.Package
		wantErrs  []string
	}{
		{
			name: "minimal_v1",
			path: minimalV1,
			want: []inventory.Package{
				pkg("github.com/apple/swift-nio", "2.23.0", "", minimalV1, 5, ""),
				pkg("github.com/pointfreeco/swift-html", "", "branch main", minimalV1, 14,
					`pinned to branch "main" at revision 3a1b7e4d50f4474b50b1e0a0d34fdf0ec9fa6cd2; no version`),
				pkg("github.com/pointfreeco/swift-prelude", "", "revision 9240a1f951c382e1c7387762c6cd94042baba531", minimalV1, 23,
					"pinned to a revision; no version"),
				pkg("gitlab.example.com:2222/team/internal-kit", "1.0.0-beta.2", "", minimalV1, 32, ""),
			},
		},
		{
			name: "minimal_v3",
			path: minimalV3,
			want: []inventory.Package{
				pkg("github.com/apple/swift-argument-parser", "1.5.0", "", minimalV3, 5, ""),
				pkg("github.com/thecoolwinter/SwiftTerm", "", "branch codeedit", minimalV3, 14,
					`pinned to branch "codeedit" at revision 2f36f54742d3882e69ff009d084e8675b80934bd; no version`),
				pkg("mona.linkedlist", "1.1.0", "", minimalV3, 23,
					"from a package registry; OSV names Swift packages by repository URL"),
				pkg("localkit", "0.3.0", "", minimalV3, 31, `local repository "/Users/dev/src/LocalKit"`),
				pkg("github.com/jpsim/Yams", "5.0.6", "", minimalV3, 40, ""),
			},
		},
		{
			name:      "real_v1_swiftlint",
			path:      realV1,
			wantCount: 7,
			wantSome: []inventory.Package{
				pkg("github.com/Carthage/Commandant", "0.17.0", "", realV1, 5, ""),
				pkg("github.com/jpsim/Yams", "4.0.0", "", realV1, 59, ""),
			},
		},
		{
			name:      "real_v2_codeedit",
			path:      realV2,
			wantCount: 29,
			wantSome: []inventory.Package{
				pkg("github.com/Flight-School/AnyCodable", "0.6.7", "", realV2, 4, ""),
				pkg("github.com/groue/GRDB.swift", "5.26.1", "", realV2, 94, ""),
				pkg("github.com/ChimeHQ/TextStory", "0.9.0", "", realV2, 256, ""),
			},
		},
		{
			name:      "real_v3_codeedit_modules",
			path:      realV3,
			wantCount: 23,
			wantSome: []inventory.Package{
				pkg("github.com/CodeEditApp/CodeEditLanguages", "0.1.20", "", realV3, 5, ""),
				pkg("github.com/thecoolwinter/SwiftTerm", "", "branch codeedit", realV3, 158,
					`pinned to branch "codeedit" at revision 2f36f54742d3882e69ff009d084e8675b80934bd; no version`),
				pkg("github.com/weichsel/ZIPFoundation", "0.9.19", "", realV3, 203, ""),
			},
		},
		{
			name: "empty",
			path: "empty/Package.resolved",
		},
		{
			name: "truncated_keeps_pins",
			path: malformed,
			want: []inventory.Package{
				pkg("github.com/Flight-School/AnyCodable", "0.6.7", "", malformed, 4, ""),
				pkg("github.com/CodeEditApp/CodeEditKit", "0.1.2", "", malformed, 13, ""),
				pkg("github.com/CodeEditApp/CodeEditLanguages", "0.1.19", "", malformed, 22, ""),
				pkg("github.com/CodeEditApp/CodeEditSourceEditor", "0.7.4", "", malformed, 31, ""),
			},
			wantErrs: []string{malformed + ":41"},
		},
		{
			name: "bad_pins_keep_the_others",
			path: badentry,
			want: []inventory.Package{
				pkg("github.com/example/ok", "1.0.0", "", badentry, 4, ""),
				pkg("git.example.org/also-ok", "2.0.0", "", badentry, 40, ""),
			},
			wantErrs: []string{
				badentry + ":12", // no location
				badentry + ":19", // no state
				badentry + ":24", // no version, branch or revision
				badentry + ":31", // unknown kind
				badentry + ":38", // not an object
			},
		},
		{
			name:     "wrong_format_cartfile",
			path:     wrong,
			wantErrs: []string{wrong + ":1"},
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

func TestURLName(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"https://github.com/apple/swift-nio.git", "github.com/apple/swift-nio", true},
		{"https://github.com/apple/swift-nio", "github.com/apple/swift-nio", true},
		{"https://github.com/apple/swift-nio/", "github.com/apple/swift-nio", true},
		{"http://GitHub.com/Apple/swift-nio.git", "github.com/Apple/swift-nio", true},
		{"https://user:token@github.com/org/repo.git", "github.com/org/repo", true},
		{"ssh://git@github.com/org/repo.git", "github.com/org/repo", true},
		{"git@github.com:org/repo.git", "github.com/org/repo", true},
		{"github.com:org/repo", "github.com/org/repo", true},
		{"https://gitlab.example.com/group/sub/repo.git", "gitlab.example.com/group/sub/repo", true},
		{"/Users/dev/LocalKit", "", false},
		{"../LocalKit", "", false},
		{"C:/src/kit", "c/src/kit", true},
		{"https://github.com", "", false},
		{"https://github.com/", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := urlName(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("urlName(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestExtractNotPackageResolved(t *testing.T) {
	for name, data := range map[string]string{
		"array":        "[1, 2]",
		"no_keys":      `{"name": "x"}`,
		"version_4":    `{"pins": [], "version": 4}`,
		"pins_object":  `{"pins": {}, "version": 2}`,
		"object_array": `{"object": [], "version": 1}`,
		"trailing":     `{"pins": [], "version": 2} {}`,
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"Package.resolved": {Data: []byte(data)}}, "Package.resolved")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) || pe.Path != "Package.resolved" || pe.Line < 1 {
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
	b.WriteString(`{"version": 2, "pins": [`)
	for i := range 1000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"identity": "x", "location": "https://github.com/o/x", "state": {"version": "1.0.0"}}`)
	}
	b.WriteString("]}")
	extracttest.CheckCanceled(t, New(), fstest.MapFS{"Package.resolved": {Data: []byte(b.String())}}, "Package.resolved")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "Package.resolved")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := New().Extract(context.Background(), &inventory.Input{Path: "Package.resolved", Reader: bytes.NewReader(data)})
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.SwiftURL || p.Name == "" || p.Location.Line < 1 ||
				(p.Version == "" && p.Requirement == "") {
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
