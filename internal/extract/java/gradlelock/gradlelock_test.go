package gradlelock

import (
	"os"
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
		{"gradle.lockfile", true},
		{"app/gradle.lockfile", true},
		{"buildscript-gradle.lockfile", true},
		{"settings-gradle.lockfile", true},
		{"gradle/dependency-locks/compileClasspath.lockfile", false},
		{"gradle.lockfile.bak", false},
		{"Gradle.lockfile", false},
		{"build.gradle", false},
	}
	for _, tt := range tests {
		if got := New().FileRequired(tt.path); got != tt.want {
			t.Errorf("FileRequired(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

const (
	unknownRel = inventory.RelationUnknown
	prod       = inventory.ScopeProd
	dev        = inventory.ScopeDev
	noScope    = inventory.ScopeUnknown
)

func pkg(name, version string, scope inventory.Scope, file string, line int, note string) inventory.Package {
	return inventory.Package{
		Ecosystem: inventory.Maven,
		Name:      name,
		Version:   version,
		Relation:  unknownRel,
		Scope:     scope,
		Location:  inventory.Location{File: file, Line: line},
		Note:      note,
	}
}

func TestExtract(t *testing.T) {
	const (
		minimal     = "minimal/gradle.lockfile"
		real        = "real/maybe-2023/gradle.lockfile"
		buildscript = "real/maybe-2023/buildscript-gradle.lockfile"
		malformed   = "malformed/gradle.lockfile"
		wrong       = "wrongformat/gradle.lockfile"
	)
	const plugin = "on the buildscript script's classpath"
	tests := []struct {
		name string
		path string
		// want is the whole inventory when wantCount is 0; otherwise
		// the inventory has wantCount packages including wantSome.
		want      []inventory.Package
		wantCount int
		wantSome  []inventory.Package
		wantErrs  []string
	}{
		{
			name: "minimal",
			path: minimal,
			want: []inventory.Package{
				pkg("com.fasterxml.jackson.core:jackson-databind", "2.13.4.2", prod, minimal, 4, ""),
				pkg("org.junit.jupiter:junit-jupiter-api", "5.9.2", dev, minimal, 5, ""),
				pkg("com.android.support:support-annotations", "28.0.0", dev, minimal, 6, ""),
				pkg("org.projectlombok:lombok", "1.18.32", prod, minimal, 7, ""),
				pkg("com.puppycrawl.tools:checkstyle", "10.6.0", noScope, minimal, 8, "only in configurations checkstyle"),
				pkg("org.apache.logging.log4j:log4j-core", "2.14.1", prod, minimal, 9, ""),
				pkg("org.example:no-configuration", "1.0", noScope, minimal, 10, "locked without a configuration"),
			},
		},
		{
			// 45 modules: 2 on compileClasspath, 15 only in test
			// configurations, 28 only in tool configurations
			// (checkstyle, jacoco, sonarlint). CRLF line ends.
			name:      "real_maybe_2023",
			path:      real,
			wantCount: 45,
			wantSome: []inventory.Package{
				pkg("com.google.code.findbugs:jsr305", "3.0.2", prod, real, 4, ""),
				pkg("com.google.guava:guava", "31.1-jre", noScope, real, 7, "only in configurations checkstyle"),
				pkg("com.google.guava:listenablefuture", "9999.0-empty-to-avoid-conflict-with-guava", noScope, real, 8,
					"only in configurations checkstyle"),
				pkg("net.bytebuddy:byte-buddy", "1.12.21", dev, real, 16, ""),
				pkg("org.eclipse.jdt:org.eclipse.jdt.annotation", "2.2.600", prod, real, 25, ""),
				pkg("org.jacoco:org.jacoco.agent", "0.8.8", noScope, real, 26, "only in configurations jacocoAgent, jacocoAnt"),
				pkg("org.xmlresolver:xmlresolver", "4.4.3", noScope, real, 48, "only in configurations checkstyle"),
			},
		},
		{
			name:      "real_buildscript",
			path:      buildscript,
			wantCount: 11,
			wantSome: []inventory.Package{
				pkg("io.github.gradle-nexus.publish-plugin:io.github.gradle-nexus.publish-plugin.gradle.plugin", "1.1.0",
					dev, buildscript, 4, plugin),
				pkg("se.solrike.sonarlint:sonarlint-gradle-plugin", "1.0.0-beta.8", dev, buildscript, 14, plugin),
			},
		},
		{
			name: "empty",
			path: "empty/gradle.lockfile",
		},
		{
			name: "malformed_keeps_good_lines",
			path: malformed,
			want: []inventory.Package{
				pkg("org.slf4j:slf4j-api", "2.0.13", prod, malformed, 2, ""),
				pkg("org.yaml:snakeyaml", "2.2", prod, malformed, 7, ""),
			},
			wantErrs: []string{malformed + ":3", malformed + ":4", malformed + ":5", malformed + ":6"},
		},
		{
			name:     "wrong_format_xml",
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

func TestExtractRealCounts(t *testing.T) {
	inv, err := extracttest.Extract(t, New(), os.DirFS("testdata"), "real/maybe-2023/gradle.lockfile")
	if err != nil {
		t.Fatal(err)
	}
	got := extracttest.CountByRelationScope(inv.Packages)
	// Counted by hand from the configurations of each line.
	want := map[inventory.Relation]map[inventory.Scope]int{
		unknownRel: {prod: 2, dev: 15, noScope: 28},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("relation and scope counts (-want +got):\n%s", diff)
	}
}

func TestExtractSettingsScript(t *testing.T) {
	fsys := fstest.MapFS{"settings-gradle.lockfile": {Data: []byte(
		"com.gradle:develocity-gradle-plugin:3.17=classpath\nempty=\n")}}
	inv, err := extracttest.Extract(t, New(), fsys, "settings-gradle.lockfile")
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.Package{
		pkg("com.gradle:develocity-gradle-plugin", "3.17", dev, "settings-gradle.lockfile", 1,
			"on the settings script's classpath"),
	}
	extracttest.CheckPackages(t, want, inv.Packages)
}

func TestExtractLongLine(t *testing.T) {
	data := "a:b:1.0=compileClasspath\nc:d:2.0=" + strings.Repeat("x", maxLine) + "\n"
	inv, err := extracttest.Extract(t, New(), fstest.MapFS{"gradle.lockfile": {Data: []byte(data)}}, "gradle.lockfile")
	extracttest.CheckErrors(t, []string{"gradle.lockfile:2"}, err)
	if len(inv.Packages) != 1 {
		t.Errorf("got %d packages, want the 1 before the long line", len(inv.Packages))
	}
}

func TestExtractCancelled(t *testing.T) {
	extracttest.CheckCanceled(t, New(), os.DirFS("testdata"), "minimal/gradle.lockfile")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "*gradle.lockfile")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, _ := extracttest.Extract(t, New(), fstest.MapFS{"gradle.lockfile": {Data: data}}, "gradle.lockfile")
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.Maven || strings.Count(p.Name, ":") != 1 || p.Version == "" || p.Location.Line < 1 {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}
