package gradleverification

import (
	"os"
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
		{"gradle/verification-metadata.xml", true},
		{"app/gradle/verification-metadata.xml", true},
		{"verification-metadata.xml", false},
		{"gradle/verification-metadata.dryrun.xml", false},
		{"gradle/verification-keyring.keys", false},
		{"pom.xml", false},
	}
	for _, tt := range tests {
		if got := New().FileRequired(tt.path); got != tt.want {
			t.Errorf("FileRequired(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

const pomOnly = "POM only: a parent POM or a BOM"

func pkg(name, version, file string, line int, note string) inventory.Package {
	return inventory.Package{
		Ecosystem: inventory.Maven,
		Name:      name,
		Version:   version,
		Relation:  inventory.RelationUnknown,
		Scope:     inventory.ScopeUnknown,
		Location:  inventory.Location{File: file, Line: line},
		Note:      note,
	}
}

func TestExtract(t *testing.T) {
	const (
		minimal   = "minimal/gradle/verification-metadata.xml"
		real      = "real/bitcoin-kmp-2024/gradle/verification-metadata.xml"
		bad       = "badcomponent/gradle/verification-metadata.xml"
		malformed = "malformed/gradle/verification-metadata.xml"
		wrong     = "wrongformat/gradle/verification-metadata.xml"
		noGroup   = "no group: downloaded from outside a Maven repository"
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
				pkg("org.apache.logging.log4j:log4j-core", "2.14.1", minimal, 11, ""),
				pkg("org.apache.logging.log4j:log4j", "2.14.1", minimal, 19, pomOnly),
				pkg("com.google.guava:guava", "31.1-jre", minimal, 24, ""),
				pkg("gradle", "8.5", minimal, 32, noGroup),
			},
		},
		{
			name: "real_bitcoin_kmp_2024",
			path: real,
			want: []inventory.Package{
				pkg("kotlin-native-prebuilt-linux-x86_64", "1.9.23", real, 8, noGroup),
				pkg("kotlin-native-prebuilt-macos-x86_64", "1.9.23", real, 13, noGroup),
				pkg("com.fasterxml:oss-parent", "38", real, 18, pomOnly),
				pkg("com.fasterxml:oss-parent", "41", real, 23, pomOnly),
				pkg("com.fasterxml.jackson:jackson-base", "2.12.7", real, 28, pomOnly),
				pkg("com.fasterxml.jackson:jackson-bom", "2.12.7", real, 33, pomOnly),
				pkg("com.fasterxml.jackson:jackson-parent", "2.12", real, 38, pomOnly),
				pkg("com.fasterxml.jackson.core:jackson-annotations", "2.12.7", real, 43, ""),
				pkg("com.fasterxml.jackson.core:jackson-core", "2.12.7", real, 51, ""),
				pkg("com.fasterxml.jackson.core:jackson-databind", "2.12.7.1", real, 59, ""),
			},
		},
		{
			name: "empty",
			path: "empty/gradle/verification-metadata.xml",
		},
		{
			name: "bad_components_keep_the_others",
			path: bad,
			want: []inventory.Package{
				pkg("org.ok:first", "1.0", bad, 4, ""),
				pkg("org.ok:last", "2.0", bad, 9, ""),
			},
			wantErrs: []string{bad + ":5", bad + ":8"},
		},
		{
			// An <artifact> left open: the components before it are kept.
			name:     "malformed_xml",
			path:     malformed,
			want:     []inventory.Package{pkg("org.yaml:snakeyaml", "1.33", malformed, 4, "")},
			wantErrs: []string{malformed + ":9"},
		},
		{
			name:     "wrong_format_pom",
			path:     wrong,
			wantErrs: []string{wrong + ":2"},
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

func TestExtractEncodings(t *testing.T) {
	const doc = `<verification-metadata><components><component group="org.caf` + "\xe9" +
		`" name="lib" version="1.0"/></components></verification-metadata>`
	tests := []struct {
		name     string
		data     string
		want     []inventory.Package
		wantErrs []string
	}{
		{
			name: "latin1",
			data: `<?xml version="1.0" encoding="ISO-8859-1"?>` + "\n" + doc,
			want: []inventory.Package{pkg("org.café:lib", "1.0", "gradle/verification-metadata.xml", 2, "")},
		},
		{
			name:     "unsupported",
			data:     `<?xml version="1.0" encoding="Shift_JIS"?>` + "\n" + doc,
			wantErrs: []string{"gradle/verification-metadata.xml:1"},
		},
		{
			name:     "not_xml",
			data:     "com.example:lib:1.0=runtimeClasspath\n",
			wantErrs: []string{"gradle/verification-metadata.xml:1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"gradle/verification-metadata.xml": {Data: []byte(tt.data)}}
			inv, err := extracttest.Extract(t, New(), fsys, "gradle/verification-metadata.xml")
			extracttest.CheckErrors(t, tt.wantErrs, err)
			extracttest.CheckPackages(t, tt.want, inv.Packages)
		})
	}
}

func TestExtractCancelled(t *testing.T) {
	extracttest.CheckCanceled(t, New(), os.DirFS("testdata"), "minimal/gradle/verification-metadata.xml")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "verification-metadata.xml")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, _ := extracttest.Extract(t, New(), fstest.MapFS{"gradle/verification-metadata.xml": {Data: data}},
			"gradle/verification-metadata.xml")
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.Maven || p.Name == "" || p.Version == "" || p.Location.Line < 1 {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}
