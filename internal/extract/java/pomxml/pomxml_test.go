package pomxml

import (
	"context"
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
		{"pom.xml", true},
		{"module/pom.xml", true},
		{"pom.xml.bak", false},
		{"POM.xml", false},
		{"project.pom", false},
		{"build.gradle", false},
	}
	for _, tt := range tests {
		if got := New().FileRequired(tt.path); got != tt.want {
			t.Errorf("FileRequired(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

const (
	direct   = inventory.RelationDirect
	prod     = inventory.ScopeProd
	dev      = inventory.ScopeDev
	optional = inventory.ScopeOptional
)

func pkg(name, version, requirement string, scope inventory.Scope, file string, line int, note string) inventory.Package {
	return inventory.Package{
		Ecosystem:   inventory.Maven,
		Name:        name,
		Version:     version,
		Requirement: requirement,
		Relation:    direct,
		Scope:       scope,
		Location:    inventory.Location{File: file, Line: line},
		Note:        note,
	}
}

func TestExtract(t *testing.T) {
	const (
		minimal   = "minimal/pom.xml"
		real      = "real/petclinic-2019/pom.xml"
		parent    = "multimodule/pom.xml"
		app       = "multimodule/app/pom.xml"
		lib       = "multimodule/lib/pom.xml"
		problems  = "problems/pom.xml"
		malformed = "malformed/pom.xml"
		wrong     = "wrongformat/pom.xml"

		bootParent = "org.springframework.boot:spring-boot-starter-parent:2.1.4.RELEASE"
		byBoot     = "version not set here: it is managed by parent " + bootParent + ", which is not in the scanned tree"
		fromBOM    = "version from BOM com.example:example-bom:1.2.0"
		inherited  = "inherited from parent com.example:parent:1.2.0"
	)
	tests := []struct {
		name     string
		path     string
		want     []inventory.Package
		wantErrs []string
	}{
		{
			// Properties (nested, ${project.*}), dependencyManagement
			// with a scope, a range, provided, optional, a profile;
			// the surefire plugin's own dependency is not listed.
			name: "minimal",
			path: minimal,
			want: []inventory.Package{
				pkg("com.fasterxml.jackson.core:jackson-databind", "2.13.4", "", prod, minimal, 26, ""),
				pkg("org.apache.logging.log4j:log4j-core", "2.14.1", "", prod, minimal, 31, ""),
				pkg("org.example:minimal-api", "1.4.0", "", prod, minimal, 35, ""),
				pkg("org.junit.jupiter:junit-jupiter", "5.9.2", "", dev, minimal, 40, ""),
				pkg("javax.servlet:javax.servlet-api", "4.0.1", "", prod, minimal, 46,
					"provided scope: supplied at run time by the environment, whose version may differ"),
				pkg("com.google.guava:guava", "", "[30.0-jre,32.0)", optional, minimal, 52,
					"version range: Maven picks the highest version in it that a repository has"),
				pkg("org.postgresql:postgresql", "42.2.5", "", prod, minimal, 64, `only when profile "postgres" is active`),
			},
		},
		{
			// The parent, spring-boot-starter-parent, is not in the
			// tree: the 12 versions it manages are unknown and never
			// guessed; the 3 webjars get theirs from <properties>.
			// osv-scanner lists the same 15 packages with the same 3
			// versions (/work/shared/oracle).
			name: "real_petclinic_2019",
			path: real,
			want: []inventory.Package{
				pkg("org.springframework.boot:spring-boot-starter-actuator", "", "", prod, real, 36, byBoot),
				pkg("org.springframework.boot:spring-boot-starter-cache", "", "", prod, real, 40, byBoot),
				pkg("org.springframework.boot:spring-boot-starter-data-jpa", "", "", prod, real, 44, byBoot),
				pkg("org.springframework.boot:spring-boot-starter-web", "", "", prod, real, 48, byBoot),
				pkg("org.springframework.boot:spring-boot-starter-thymeleaf", "", "", prod, real, 52, byBoot),
				pkg("org.springframework.boot:spring-boot-starter-test", "", "", dev, real, 56, byBoot),
				pkg("org.hsqldb:hsqldb", "", "", prod, real, 63, byBoot),
				pkg("mysql:mysql-connector-java", "", "", prod, real, 68, byBoot),
				pkg("javax.cache:cache-api", "", "", prod, real, 75, byBoot),
				pkg("org.ehcache:ehcache", "", "", prod, real, 79, byBoot),
				pkg("org.webjars:webjars-locator-core", "", "", prod, real, 85, byBoot),
				pkg("org.webjars:jquery", "2.2.4", "", prod, real, 89, ""),
				pkg("org.webjars:jquery-ui", "1.11.4", "", prod, real, 94, ""),
				pkg("org.webjars:bootstrap", "3.3.6", "", prod, real, 99, ""),
				pkg("org.springframework.boot:spring-boot-devtools", "", "", optional, real, 106, byBoot),
			},
			wantErrs: []string{real + ":10"},
		},
		{
			name: "multimodule_parent",
			path: parent,
			want: []inventory.Package{
				pkg("org.slf4j:slf4j-api", "1.7.36", "", prod, parent, 50, ""),
				pkg("junit:junit", "4.12", "", dev, parent, 55, ""),
			},
		},
		{
			// Managed by the parent (which wins over the BOM for
			// jackson-databind and log4j-core), imported from the BOM
			// module with the BOM's own properties, inherited from the
			// parent's <dependencies>, ${project.groupId} and
			// ${project.parent.version} from the parent.
			name: "multimodule_child_with_bom",
			path: app,
			want: []inventory.Package{
				pkg("com.example:lib", "1.2.0", "", prod, app, 12, ""),
				pkg("com.fasterxml.jackson.core:jackson-databind", "2.13.4", "", prod, app, 17, ""),
				pkg("io.netty:netty-handler", "4.1.77.Final", "", prod, app, 21, fromBOM),
				pkg("org.apache.logging.log4j:log4j-core", "2.17.0", "", prod, app, 25, ""),
				pkg("org.yaml:snakeyaml", "1.33", "", prod, app, 29, fromBOM),
				pkg("org.slf4j:slf4j-api", "1.7.36", "", prod, parent, 50, inherited),
				pkg("junit:junit", "4.12", "", dev, parent, 55, inherited),
			},
		},
		{
			// The child's property overrides the parent's in the
			// parent's dependencyManagement; the child's slf4j-api
			// overrides the inherited one. <relativePath>..</relativePath>
			// names a directory.
			name: "multimodule_child_overrides",
			path: lib,
			want: []inventory.Package{
				pkg("com.fasterxml.jackson.core:jackson-databind", "2.15.0", "", prod, lib, 17, ""),
				pkg("org.slf4j:slf4j-api", "2.0.13", "", prod, lib, 21, ""),
				pkg("junit:junit", "4.12", "", dev, parent, 55, inherited),
			},
		},
		{
			name: "multimodule_bom_manages_only",
			path: "multimodule/bom/pom.xml",
		},
		{
			name:     "parent_cycle",
			path:     "cycle/a/pom.xml",
			want:     []inventory.Package{pkg("org.slf4j:slf4j-api", "2.0.13", "", prod, "cycle/a/pom.xml", 12, "")},
			wantErrs: []string{"cycle/b/pom.xml:4"},
		},
		{
			name: "unresolved_versions",
			path: problems,
			want: []inventory.Package{
				pkg("org.cycle:cyclic", "", "${a.version}", prod, problems, 12,
					"version not resolved: property cycle a.version -> b.version -> a.version"),
				pkg("org.undefined:undefined", "", "${nowhere.version}", prod, problems, 17,
					`version not resolved: property "nowhere.version" is not defined`),
				pkg("org.unmanaged:unmanaged", "", "", prod, problems, 22, "version not set and not managed"),
				pkg(":no-group", "1.0", "", prod, problems, 26, ""),
				pkg("org.ok:ok", "3.1", "", prod, problems, 30, ""),
			},
			wantErrs: []string{problems + ":15", problems + ":20", problems + ":22", problems + ":26"},
		},
		{
			name: "empty",
			path: "empty/pom.xml",
		},
		{
			// Truncated after the sixth dependency: those are kept.
			name: "truncated_keeps_dependencies",
			path: malformed,
			want: []inventory.Package{
				pkg("org.springframework.boot:spring-boot-starter-actuator", "", "", prod, malformed, 36, byBoot),
				pkg("org.springframework.boot:spring-boot-starter-cache", "", "", prod, malformed, 40, byBoot),
				pkg("org.springframework.boot:spring-boot-starter-data-jpa", "", "", prod, malformed, 44, byBoot),
				pkg("org.springframework.boot:spring-boot-starter-web", "", "", prod, malformed, 48, byBoot),
				pkg("org.springframework.boot:spring-boot-starter-thymeleaf", "", "", prod, malformed, 52, byBoot),
				pkg("org.springframework.boot:spring-boot-starter-test", "", "", dev, malformed, 56, byBoot),
			},
			wantErrs: []string{malformed + ":61", malformed + ":10"},
		},
		{
			name:     "wrong_format_package_json",
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

// TestExtractRealAgainstOracle compares the petclinic inventory with what
// osv-scanner v2.5.0 listed for the same file (/work/shared/oracle): the
// same 15 packages, the same 3 versions, and its dependency groups (test,
// runtime) as our scopes.
func TestExtractRealAgainstOracle(t *testing.T) {
	inv, _ := extracttest.Extract(t, New(), os.DirFS("testdata"), "real/petclinic-2019/pom.xml")
	oracle := map[string]string{
		"org.webjars:bootstrap": "3.3.6", "org.webjars:jquery": "2.2.4", "org.webjars:jquery-ui": "1.11.4",
		"org.springframework.boot:spring-boot-starter-test": "", "org.hsqldb:hsqldb": "",
		"org.springframework.boot:spring-boot-starter-data-jpa": "", "javax.cache:cache-api": "",
		"org.springframework.boot:spring-boot-devtools": "", "org.springframework.boot:spring-boot-starter-actuator": "",
		"org.springframework.boot:spring-boot-starter-thymeleaf": "", "org.ehcache:ehcache": "",
		"org.webjars:webjars-locator-core": "", "org.springframework.boot:spring-boot-starter-cache": "",
		"org.springframework.boot:spring-boot-starter-web": "", "mysql:mysql-connector-java": "",
	}
	got := map[string]string{}
	for _, p := range inv.Packages {
		got[p.Name] = p.Version
	}
	if diff := cmp.Diff(oracle, got); diff != "" {
		t.Errorf("packages and versions against osv-scanner (-want +got):\n%s", diff)
	}
	counts := extracttest.CountByRelationScope(inv.Packages)
	want := map[inventory.Relation]map[inventory.Scope]int{direct: {prod: 13, dev: 1, optional: 1}}
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("relation and scope counts (-want +got):\n%s", diff)
	}
}

// TestExtractTree covers parents and BOMs found, misplaced or missing, in
// small trees built in memory.
func TestExtractTree(t *testing.T) {
	const childPOM = `<project>
  <parent>
    <groupId>org.p</groupId>
    <artifactId>parent</artifactId>
    <version>1</version>
    REL
  </parent>
  <artifactId>child</artifactId>
  <dependencies>
    <dependency>
      <groupId>org.x</groupId>
      <artifactId>managed</artifactId>
    </dependency>
  </dependencies>
</project>
`
	const parentPOM = `<project>
  <groupId>org.p</groupId>
  <artifactId>ARTIFACT</artifactId>
  <version>1</version>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>org.x</groupId>
        <artifactId>managed</artifactId>
        <version>9.9</version>
      </dependency>
    </dependencies>
  </dependencyManagement>
</project>
`
	child := func(rel string) []byte { return []byte(strings.Replace(childPOM, "REL", rel, 1)) }
	parentAs := func(artifact string) []byte { return []byte(strings.Replace(parentPOM, "ARTIFACT", artifact, 1)) }
	missing := "version not set here: it is managed by parent org.p:parent:1, which is not in the scanned tree"
	tests := []struct {
		name     string
		fsys     fstest.MapFS
		want     inventory.Package
		wantErrs []string
	}{
		{
			name: "default_relative_path",
			fsys: fstest.MapFS{"c/pom.xml": {Data: child("")}, "pom.xml": {Data: parentAs("parent")}},
			want: pkg("org.x:managed", "9.9", "", prod, "c/pom.xml", 10, ""),
		},
		{
			name: "relative_path_to_file",
			fsys: fstest.MapFS{
				"c/pom.xml":        {Data: child("<relativePath>../build/parent.xml</relativePath>")},
				"build/parent.xml": {Data: parentAs("parent")},
			},
			want: pkg("org.x:managed", "9.9", "", prod, "c/pom.xml", 10, ""),
		},
		{
			name:     "other_project_at_relative_path",
			fsys:     fstest.MapFS{"c/pom.xml": {Data: child("")}, "pom.xml": {Data: parentAs("aggregator")}},
			want:     pkg("org.x:managed", "", "", prod, "c/pom.xml", 10, missing),
			wantErrs: []string{"c/pom.xml:2"},
		},
		{
			name:     "empty_relative_path",
			fsys:     fstest.MapFS{"c/pom.xml": {Data: child("<relativePath/>")}, "pom.xml": {Data: parentAs("parent")}},
			want:     pkg("org.x:managed", "", "", prod, "c/pom.xml", 10, missing),
			wantErrs: []string{"c/pom.xml:2"},
		},
		{
			name:     "outside_the_tree",
			fsys:     fstest.MapFS{"pom.xml": {Data: child("")}},
			want:     pkg("org.x:managed", "", "", prod, "pom.xml", 10, missing),
			wantErrs: []string{"pom.xml:2"},
		},
		{
			name:     "broken_parent",
			fsys:     fstest.MapFS{"c/pom.xml": {Data: child("")}, "pom.xml": {Data: []byte("<project><groupId>")}},
			want:     pkg("org.x:managed", "", "", prod, "c/pom.xml", 10, missing),
			wantErrs: []string{"c/pom.xml:2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := "c/pom.xml"
			if tt.fsys[file] == nil {
				file = "pom.xml"
			}
			inv, err := extracttest.Extract(t, New(), tt.fsys, file)
			extracttest.CheckErrors(t, tt.wantErrs, err)
			extracttest.CheckPackages(t, []inventory.Package{tt.want}, inv.Packages)
		})
	}
}

func TestExtractMissingBOM(t *testing.T) {
	fsys := fstest.MapFS{"pom.xml": {Data: []byte(`<project>
  <groupId>org.a</groupId>
  <artifactId>a</artifactId>
  <version>1</version>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>io.netty</groupId>
        <artifactId>netty-bom</artifactId>
        <version>4.1.77.Final</version>
        <type>pom</type>
        <scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>io.netty</groupId>
      <artifactId>netty-handler</artifactId>
    </dependency>
  </dependencies>
</project>
`)}}
	inv, err := extracttest.Extract(t, New(), fsys, "pom.xml")
	extracttest.CheckErrors(t, []string{"pom.xml:7"}, err)
	want := []inventory.Package{pkg("io.netty:netty-handler", "", "", prod, "pom.xml", 17,
		"version not set here: it is managed by BOM io.netty:netty-bom:4.1.77.Final, which is not in the scanned tree")}
	extracttest.CheckPackages(t, want, inv.Packages)
}

func TestExtractEncodings(t *testing.T) {
	const doc = `<project><groupId>org.caf` + "\xe9" + `</groupId><artifactId>x</artifactId><version>1</version>
<dependencies><dependency><groupId>org.caf` + "\xe9" + `</groupId><artifactId>lib</artifactId><version>1.0</version></dependency></dependencies></project>`
	tests := []struct {
		name     string
		data     string
		want     []inventory.Package
		wantErrs []string
	}{
		{
			name: "latin1",
			data: `<?xml version="1.0" encoding="ISO-8859-1"?>` + "\n" + doc,
			want: []inventory.Package{pkg("org.café:lib", "1.0", "", prod, "pom.xml", 3, "")},
		},
		{
			name: "utf8_bom",
			data: "\xef\xbb\xbf<project><dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId><version>1</version></dependency></dependencies></project>",
			want: []inventory.Package{pkg("g:a", "1", "", prod, "pom.xml", 1, "")},
		},
		{
			name:     "unsupported",
			data:     `<?xml version="1.0" encoding="EBCDIC"?>` + "\n" + doc,
			wantErrs: []string{"pom.xml:1"},
		},
		{
			name:     "other_root",
			data:     "<settings>\n</settings>\n",
			wantErrs: []string{"pom.xml:1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"pom.xml": {Data: []byte(tt.data)}}, "pom.xml")
			extracttest.CheckErrors(t, tt.wantErrs, err)
			extracttest.CheckPackages(t, tt.want, inv.Packages)
		})
	}
}

func TestExtractWithoutFS(t *testing.T) {
	data, err := os.ReadFile("testdata/multimodule/app/pom.xml")
	if err != nil {
		t.Fatal(err)
	}
	in := &inventory.Input{Path: "app/pom.xml", Reader: strings.NewReader(string(data))}
	inv, err := New().Extract(context.Background(), in)
	extracttest.CheckErrors(t, []string{"app/pom.xml:4"}, err)
	if len(inv.Packages) != 5 {
		t.Errorf("got %d packages, want the 5 the file declares", len(inv.Packages))
	}
}

func TestExtractCancelled(t *testing.T) {
	extracttest.CheckCanceled(t, New(), os.DirFS("testdata"), "multimodule/app/pom.xml")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "pom.xml")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, _ := extracttest.Extract(t, New(), fstest.MapFS{"m/pom.xml": {Data: data}, "pom.xml": {Data: data}}, "m/pom.xml")
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.Maven || !strings.Contains(p.Name, ":") || p.Location.Line < 1 ||
				p.Relation != inventory.RelationDirect || (p.Version != "" && p.Requirement != "") {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}
