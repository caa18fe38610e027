package purl

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/inventory"
)

type result struct {
	Eco, Name, Version string
}

func TestToPackage(t *testing.T) {
	tests := []struct {
		name string
		purl string
		want result
	}{
		{"npm", "pkg:npm/lodash@4.17.21", result{inventory.Npm, "lodash", "4.17.21"}},
		{"npm_scope_encoded", "pkg:npm/%40angular/core@17.0.0", result{inventory.Npm, "@angular/core", "17.0.0"}},
		{"npm_scope_plain_at", "pkg:npm/@babel/core@7.24.0", result{inventory.Npm, "@babel/core", "7.24.0"}},
		{"npm_scope_without_at", "pkg:npm/types/node@20.1.0", result{inventory.Npm, "@types/node", "20.1.0"}},
		{"npm_prerelease_build_encoded", "pkg:npm/foo@1.0.0-beta.1%2Bbuild.5", result{inventory.Npm, "foo", "1.0.0-beta.1+build.5"}},
		{"npm_qualifiers_and_subpath_ignored", "pkg:npm/foo@1.2.3?vcs_url=git%2Bhttps://example.com/foo.git#lib/index.js", result{inventory.Npm, "foo", "1.2.3"}},
		{"pypi_normalised", "pkg:pypi/Django_Rest@3.14.0", result{inventory.PyPI, "django-rest", "3.14.0"}},
		{"pypi_local_version_encoded", "pkg:pypi/torch@2.1.0%2Bcu118", result{inventory.PyPI, "torch", "2.1.0+cu118"}},
		{"golang_case_kept", "pkg:golang/github.com/BurntSushi/toml@v1.3.2", result{inventory.Go, "github.com/BurntSushi/toml", "v1.3.2"}},
		{"golang_subpath_ignored", "pkg:golang/golang.org/x/net@v0.17.0#http2", result{inventory.Go, "golang.org/x/net", "v0.17.0"}},
		{"golang_encoded_segment", "pkg:golang/example.com/a%2Bb/c@v1.0.0", result{inventory.Go, "example.com/a+b/c", "v1.0.0"}},
		{"golang_pseudo_version", "pkg:golang/github.com/pkg/errors@v0.0.0-20190227000051-27936f6d90f9", result{inventory.Go, "github.com/pkg/errors", "v0.0.0-20190227000051-27936f6d90f9"}},
		{"golang_incompatible_encoded", "pkg:golang/github.com/docker/docker@v24.0.7%2Bincompatible", result{inventory.Go, "github.com/docker/docker", "v24.0.7+incompatible"}},
		{"golang_stdlib_go_prefix", "pkg:golang/stdlib@go1.21.3", result{inventory.Go, inventory.Stdlib, "1.21.3"}},
		{"golang_stdlib_semver", "pkg:golang/stdlib@1.22.0", result{inventory.Go, inventory.Stdlib, "1.22.0"}},
		{"golang_stdlib_rc", "pkg:golang/stdlib@go1.22rc1", result{inventory.Go, inventory.Stdlib, "1.22.0-rc.1"}},
		{"cargo", "pkg:cargo/serde@1.0.193", result{inventory.CratesIO, "serde", "1.0.193"}},
		{"gem_platform_qualifier", "pkg:gem/nokogiri@1.15.5?platform=java", result{inventory.RubyGems, "nokogiri", "1.15.5"}},
		{"composer", "pkg:composer/laravel/framework@v10.0.0", result{inventory.Packagist, "laravel/framework", "v10.0.0"}},
		{"maven", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", result{inventory.Maven, "org.apache.logging.log4j:log4j-core", "2.14.1"}},
		{"maven_qualifiers_ignored", "pkg:maven/org.slf4j/slf4j-api@1.7.36?classifier=sources&type=jar", result{inventory.Maven, "org.slf4j:slf4j-api", "1.7.36"}},
		{"nuget", "pkg:nuget/Newtonsoft.Json@13.0.3", result{inventory.NuGet, "Newtonsoft.Json", "13.0.3"}},
		{"pub", "pkg:pub/http@1.1.0", result{inventory.Pub, "http", "1.1.0"}},
		{"hex", "pkg:hex/phoenix@1.7.10", result{inventory.Hex, "phoenix", "1.7.10"}},
		{"swift", "pkg:swift/github.com/apple/swift-nio@2.62.0", result{inventory.SwiftURL, "github.com/apple/swift-nio", "2.62.0"}},
		{"conan_qualifiers_ignored", "pkg:conan/openssl@3.2.0?user=bincrafters&channel=stable", result{inventory.ConanCenter, "openssl", "3.2.0"}},
		{"cran", "pkg:cran/ggplot2@3.4.4", result{inventory.CRAN, "ggplot2", "3.4.4"}},
		{"hackage", "pkg:hackage/aeson@2.2.1.0", result{inventory.Hackage, "aeson", "2.2.1.0"}},
		{"cocoapods", "pkg:cocoapods/AFNetworking@4.0.1", result{inventory.CocoaPods, "AFNetworking", "4.0.1"}},
		{"cocoapods_subspec", "pkg:cocoapods/GoogleUtilities@7.11.0#NSData%2Bzlib", result{inventory.CocoaPods, "GoogleUtilities/NSData+zlib", "7.11.0"}},
		{"type_upper_case", "PKG:NPM/left-pad@1.3.0", result{inventory.Npm, "left-pad", "1.3.0"}},
		{"leading_slashes", "pkg://cargo/rand@0.8.5", result{inventory.CratesIO, "rand", "0.8.5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eco, name, version, err := ToPackage(tt.purl)
			if err != nil {
				t.Fatalf("ToPackage(%q): %v", tt.purl, err)
			}
			if diff := cmp.Diff(tt.want, result{eco, name, version}); diff != "" {
				t.Errorf("ToPackage(%q) (-want +got):\n%s", tt.purl, diff)
			}
		})
	}
}

func TestToPackageErrors(t *testing.T) {
	tests := []struct {
		name    string
		purl    string
		is      error  // nil for an invalid PURL
		want    result // returned beside ErrNoVersion
		message string // a part of the error text
	}{
		{name: "deb_unsupported", purl: "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64", is: ErrUnsupportedType, message: `"deb"`},
		{name: "github_unsupported", purl: "pkg:github/actions/checkout@v4", is: ErrUnsupportedType, message: `"github"`},
		{name: "generic_unsupported", purl: "pkg:generic/openssl@3.0.0", is: ErrUnsupportedType, message: "patchline reads cargo, cocoapods"},
		{name: "no_version", purl: "pkg:npm/%40scope/name", is: ErrNoVersion, want: result{inventory.Npm, "@scope/name", ""}},
		{name: "no_version_maven", purl: "pkg:maven/org.example/lib", is: ErrNoVersion, want: result{inventory.Maven, "org.example:lib", ""}},
		{name: "not_a_purl", purl: "npm/lodash@4.17.21", message: `scheme is not "pkg"`},
		{name: "empty", purl: "", message: "invalid package URL"},
		{name: "no_name", purl: "pkg:npm/@4.17.21", message: "missing name"},
		{name: "bad_escape", purl: "pkg:npm/lo%ZZdash@1.0.0", message: "invalid package URL"},
		{name: "bad_escape_golang", purl: "pkg:golang/example.com/%zz/mod@v1.0.0", message: "invalid package URL"},
		{name: "maven_without_group", purl: "pkg:maven/lib@1.0", message: "groupId"},
		{name: "composer_without_vendor", purl: "pkg:composer/framework@1.0", message: "vendor"},
		{name: "swift_without_namespace", purl: "pkg:swift/swift-nio@2.0.0", message: "namespace"},
		{name: "bad_stdlib_version", purl: "pkg:golang/stdlib@go1.x", message: "invalid Go version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eco, name, version, err := ToPackage(tt.purl)
			if err == nil {
				t.Fatalf("ToPackage(%q) = %q, %q, %q, want an error", tt.purl, eco, name, version)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("ToPackage(%q): error %q is not %q", tt.purl, err, tt.is)
			}
			if tt.is == nil && (errors.Is(err, ErrNoVersion) || errors.Is(err, ErrUnsupportedType)) {
				t.Errorf("ToPackage(%q): error %q, want an invalid-PURL error", tt.purl, err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("ToPackage(%q): error %q does not contain %q", tt.purl, err, tt.message)
			}
			if diff := cmp.Diff(tt.want, result{eco, name, version}); diff != "" {
				t.Errorf("ToPackage(%q) values beside the error (-want +got):\n%s", tt.purl, diff)
			}
		})
	}
}

// TestRoundTrip checks that ToPackage reads back what inventory.PURL writes,
// for every ecosystem inventory knows a PURL type for.
func TestRoundTrip(t *testing.T) {
	pkgs := []inventory.Package{
		{Ecosystem: inventory.Go, Name: "github.com/BurntSushi/toml", Version: "v1.6.0"},
		{Ecosystem: inventory.Go, Name: "golang.org/x/mod", Version: "v0.0.0-20231212000000-0123456789ab"},
		{Ecosystem: inventory.Go, Name: "github.com/docker/docker", Version: "v24.0.7+incompatible"},
		{Ecosystem: inventory.Go, Name: inventory.Stdlib, Version: "1.22.3"},
		{Ecosystem: inventory.Go, Name: "gopkg.in/yaml.v3", Version: "v3.0.1"},
		{Ecosystem: inventory.Npm, Name: "lodash", Version: "4.17.21"},
		{Ecosystem: inventory.Npm, Name: "@babel/core", Version: "7.24.0-beta.1+build"},
		{Ecosystem: inventory.PyPI, Name: "requests", Version: "2.31.0"},
		{Ecosystem: inventory.PyPI, Name: "torch", Version: "2.1.0+cu118"},
		{Ecosystem: inventory.CratesIO, Name: "serde_json", Version: "1.0.108"},
		{Ecosystem: inventory.RubyGems, Name: "rails", Version: "7.1.2"},
		{Ecosystem: inventory.Packagist, Name: "symfony/http-kernel", Version: "v6.4.0"},
		{Ecosystem: inventory.Maven, Name: "org.springframework:spring-core", Version: "5.3.31"},
		{Ecosystem: inventory.NuGet, Name: "Newtonsoft.Json", Version: "13.0.3"},
		{Ecosystem: inventory.Pub, Name: "http", Version: "1.1.0"},
		{Ecosystem: inventory.Hex, Name: "phoenix", Version: "1.7.10"},
		{Ecosystem: inventory.SwiftURL, Name: "github.com/apple/swift-nio", Version: "2.62.0"},
		{Ecosystem: inventory.ConanCenter, Name: "openssl", Version: "3.2.0"},
		{Ecosystem: inventory.CRAN, Name: "ggplot2", Version: "3.4.4"},
		{Ecosystem: inventory.Hackage, Name: "aeson", Version: "2.2.1.0"},
		{Ecosystem: inventory.CocoaPods, Name: "AFNetworking", Version: "4.0.1"},
		{Ecosystem: inventory.CocoaPods, Name: "GoogleUtilities/NSData+zlib", Version: "7.11.0"},
		{Ecosystem: inventory.Npm, Name: "odd name (with) spaces", Version: "1.0.0 rc"},
	}
	covered := map[string]bool{}
	for _, p := range pkgs {
		t.Run(p.Ecosystem+"_"+p.Name, func(t *testing.T) {
			s := inventory.PURL(p)
			if s == "" {
				t.Fatalf("inventory.PURL(%+v) is empty", p)
			}
			eco, name, version, err := ToPackage(s)
			if err != nil {
				t.Fatalf("ToPackage(%q): %v", s, err)
			}
			if diff := cmp.Diff(result{p.Ecosystem, p.Name, p.Version}, result{eco, name, version}); diff != "" {
				t.Errorf("ToPackage(inventory.PURL(p)) for %q (-want +got):\n%s", s, diff)
			}
		})
		covered[p.Ecosystem] = true
	}
	// PyPI names come back as the PURL spec normalises them.
	t.Run("PyPI_normalised", func(t *testing.T) {
		s := inventory.PURL(inventory.Package{Ecosystem: inventory.PyPI, Name: "Flask_SQLAlchemy", Version: "3.1.1"})
		eco, name, version, err := ToPackage(s)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(result{inventory.PyPI, "flask-sqlalchemy", "3.1.1"}, result{eco, name, version}); diff != "" {
			t.Errorf("ToPackage(%q) (-want +got):\n%s", s, diff)
		}
	})
	// Every ecosystem ToPackage returns is covered above, and so every
	// PURL type ToPackage reads round-trips.
	for typ, eco := range ecosystems {
		if !covered[eco] {
			t.Errorf("no round-trip test for %s (PURL type %q)", eco, typ)
		}
	}
}

func FuzzToPackage(f *testing.F) {
	for _, s := range []string{
		"pkg:npm/%40angular/core@17.0.0", "pkg:golang/github.com/BurntSushi/toml@v1.3.2",
		"pkg:maven/org.slf4j/slf4j-api@1.7.36?classifier=sources", "pkg:cocoapods/A@1#B%2Bc",
		"pkg:golang/stdlib@go1.21.3", "pkg:deb/debian/openssl@3", "pkg:/", "pkg:golang/%zz@",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		eco, name, version, err := ToPackage(s)
		switch {
		case err == nil:
			if eco == "" || name == "" || version == "" {
				t.Errorf("ToPackage(%q) = %q, %q, %q without an error", s, eco, name, version)
			}
		case errors.Is(err, ErrNoVersion):
			if eco == "" || name == "" || version != "" {
				t.Errorf("ToPackage(%q) = %q, %q, %q with %v", s, eco, name, version, err)
			}
		default:
			if eco != "" || name != "" || version != "" {
				t.Errorf("ToPackage(%q) = %q, %q, %q with %v", s, eco, name, version, err)
			}
		}
	})
}
