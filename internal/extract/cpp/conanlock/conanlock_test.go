package conanlock

import (
	"bytes"
	"context"
	"errors"
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
		{"conan.lock", true},
		{"build/conan.lock", true},
		{"conanfile.txt", false},
		{"conanfile.py", false},
		{"conan.lock.bak", false},
		{"Conan.lock", false},
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
	noScope    = inventory.ScopeUnknown
)

func pkg(name, version string, rel inventory.Relation, scope inventory.Scope, file string, line int, note string) inventory.Package {
	return inventory.Package{
		Ecosystem: inventory.ConanCenter,
		Name:      name,
		Version:   version,
		Relation:  rel,
		Scope:     scope,
		Location:  inventory.Location{File: file, Line: line},
		Note:      note,
	}
}

func TestExtract(t *testing.T) {
	const (
		minimalV05 = "minimal-v05/conan.lock"
		minimalV04 = "minimal-v04/conan.lock"
		realV04    = "real-v04-cppjslib/conan.lock"
		realV05    = "real-v05-openstudio/conan.lock"
		malformed  = "malformed/conan.lock"
		badentry   = "badentry/conan.lock"
		wrong      = "wrong-format/conan.lock"
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
			name: "minimal_v05",
			path: minimalV05,
			want: []inventory.Package{
				pkg("zlib", "1.3.1", unknownRel, noScope, minimalV05, 4, ""),
				pkg("libiconv", "1.17", unknownRel, noScope, minimalV05, 5, ""),
				pkg("mylib", "2.0", unknownRel, noScope, minimalV05, 6, `user/channel "acme/stable"`),
				pkg("gtest", "1.14.0", unknownRel, noScope, minimalV05, 7, ""),
				pkg("cmake", "3.28.1", unknownRel, dev, minimalV05, 10, "build requirement"),
				// A build tool as well as a host library: two installs.
				pkg("libiconv", "1.17", unknownRel, dev, minimalV05, 11, "build requirement"),
				pkg("nasm", "2.16.01", unknownRel, dev, minimalV05, 12, "build requirement"),
				pkg("nasm", "2.15.05", unknownRel, dev, minimalV05, 13, "build requirement"),
				pkg("pyreq", "0.1", unknownRel, dev, minimalV05, 16, "Python requirement"),
			},
		},
		{
			name: "minimal_v04",
			path: minimalV04,
			want: []inventory.Package{
				// Node 0 (app/1.0) is the consumer, not a package.
				pkg("pyreq", "0.1", unknownRel, dev, minimalV04, 15, `Python requirement; user/channel "acme/stable"`),
				pkg("openssl", "1.1.1k", direct, prod, minimalV04, 21, ""),
				pkg("fmt", "8.0.1", direct, prod, minimalV04, 28, ""),
				// Needed by openssl (prod) and by cmake (dev): prod.
				pkg("zlib", "1.2.11", transitive, prod, minimalV04, 32, ""),
				pkg("cmake", "3.20.4", direct, dev, minimalV04, 36, ""),
				pkg("openssl", "1.1.1k", transitive, dev, minimalV04, 44, ""),
			},
		},
		{
			name: "real_v04_cppjslib",
			path: realV04,
			want: []inventory.Package{
				pkg("nlohmann_json", "3.9.1", direct, prod, realV04, 15, ""),
				pkg("cpp-httplib", "0.7.15", direct, prod, realV04, 22, ""),
				pkg("websocketpp", "0.8.2", direct, prod, realV04, 29, ""),
				pkg("openssl", "1.1.1h", transitive, prod, realV04, 41, ""),
				pkg("zlib", "1.2.11", transitive, prod, realV04, 48, ""),
				pkg("boost", "1.74.0", transitive, prod, realV04, 55, ""),
				pkg("bzip2", "1.0.8", transitive, prod, realV04, 67, ""),
				pkg("libiconv", "1.16", transitive, prod, realV04, 74, ""),
			},
		},
		{
			// 31 host requirements and 16 build requirements.
			name:      "real_v05_openstudio",
			path:      realV05,
			wantCount: 47,
			wantSome: []inventory.Package{
				pkg("zlib", "1.3.1", unknownRel, noScope, realV05, 4, ""),
				pkg("gtest", "1.14.0", unknownRel, noScope, realV05, 26, ""),
				pkg("yasm", "1.3.0", unknownRel, dev, realV05, 37, "build requirement"),
				pkg("autoconf", "2.71", unknownRel, dev, realV05, 52, "build requirement"),
			},
		},
		{
			name: "empty",
			path: "empty/conan.lock",
		},
		{
			name:      "truncated_keeps_references",
			path:      malformed,
			wantCount: 13,
			wantSome: []inventory.Package{
				pkg("zlib", "1.3.1", unknownRel, noScope, malformed, 4, ""),
				pkg("nlohmann_json", "3.11.3", unknownRel, noScope, malformed, 16, ""),
			},
			wantErrs: []string{malformed + ":17"},
		},
		{
			name: "bad_references_keep_the_others",
			path: badentry,
			want: []inventory.Package{
				pkg("zlib", "1.3.1", unknownRel, noScope, badentry, 4, ""),
				pkg("fmt", "10.2.1", unknownRel, noScope, badentry, 8, ""),
			},
			wantErrs: []string{badentry + ":5", badentry + ":6", badentry + ":7", badentry + ":10"},
		},
		{
			name:     "wrong_format_vcpkg_json",
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

// TestExtractOlderGraphLocks reads the "pref" references of lockfile
// versions 0.2 and 0.3 and the object form of "requires" in 0.2.
func TestExtractOlderGraphLocks(t *testing.T) {
	data := `{
 "graph_lock": {
  "nodes": {
   "0": {
    "pref": "tglib/0.1:edda76bed4f0768f32f34ed9142d80d9051294e4",
    "requires": ["1"],
    "path": "/home/dev/conanfile.py"
   },
   "1": {
    "pref": "cpp-httplib/0.5.7#0:5ab84d6acfe1f23c4fae0ab88f26e3a396351ac9#0",
    "requires": {"zlib/1.2.11#419994c54789da229ef991be6c2563b3": "2"}
   },
   "2": {
    "pref": "zlib/1.2.11#419994c54789da229ef991be6c2563b3:6af9cc7cb931c5ad942174fd7838eb655717c709#4c5a825d90e0aec90feebe62f3e60a7b"
   },
   "3": {
    "pref": null
   }
  }
 },
 "version": "0.3"
}`
	inv, err := extracttest.Extract(t, New(), fstest.MapFS{"conan.lock": {Data: []byte(data)}}, "conan.lock")
	if err != nil {
		t.Fatal(err)
	}
	extracttest.CheckPackages(t, []inventory.Package{
		pkg("cpp-httplib", "0.5.7", direct, prod, "conan.lock", 10, ""),
		pkg("zlib", "1.2.11", transitive, prod, "conan.lock", 14, ""),
	}, inv.Packages)
}

func TestParseRef(t *testing.T) {
	tests := []struct {
		in      string
		want    ref
		wantErr bool
	}{
		{in: "zlib/1.2.13", want: ref{name: "zlib", version: "1.2.13"}},
		{in: "zlib/1.2.13#rev%1700000000.1", want: ref{name: "zlib", version: "1.2.13"}},
		{in: "boost/1.67.0@conan/stable", want: ref{name: "boost", version: "1.67.0", userChannel: "conan/stable"}},
		{in: "pkg/1.0@_/_#rev", want: ref{name: "pkg", version: "1.0"}},
		{in: "stb/cci.20230920#9792498b", want: ref{name: "stb", version: "cci.20230920"}},
		{in: "zlib", wantErr: true},
		{in: "/1.0", wantErr: true},
		{in: "zlib/", wantErr: true},
		{in: "zlib/[>1 <2]", wantErr: true},
		{in: "a/b/c", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseRef(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseRef(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(ref{})); diff != "" {
			t.Errorf("parseRef(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestExtractNotConanLock(t *testing.T) {
	for name, data := range map[string]string{
		"array":        "[1, 2]",
		"no_keys":      `{"name": "x"}`,
		"version_0_6":  `{"version": "0.6", "requires": []}`,
		"v04_no_graph": `{"version": "0.4"}`,
		"graph_array":  `{"graph_lock": []}`,
		"text":         "[requires]\nzlib/1.2.13\n",
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"conan.lock": {Data: []byte(data)}}, "conan.lock")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) || pe.Path != "conan.lock" || pe.Line < 1 {
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
	b.WriteString(`{"version": "0.5", "requires": [`)
	for i := range 1000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"zlib/1.2.` + strings.Repeat("1", i%5+1) + `"`)
	}
	b.WriteString("]}")
	extracttest.CheckCanceled(t, New(), fstest.MapFS{"conan.lock": {Data: []byte(b.String())}}, "conan.lock")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "conan.lock")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := New().Extract(context.Background(), &inventory.Input{Path: "conan.lock", Reader: bytes.NewReader(data)})
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.ConanCenter || p.Name == "" || p.Version == "" || p.Location.Line < 1 {
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
