package inventory

import "testing"

func TestPURL(t *testing.T) {
	tests := []struct {
		pkg  Package
		want string
	}{
		{Package{Ecosystem: Npm, Name: "@babel/core", Version: "7.1.0"}, "pkg:npm/%40babel/core@7.1.0"},
		{Package{Ecosystem: Npm, Name: "lodash", Version: "4.17.15"}, "pkg:npm/lodash@4.17.15"},
		{Package{Ecosystem: PyPI, Name: "Django_Rest", Version: "3.0"}, "pkg:pypi/django-rest@3.0"},
		{Package{Ecosystem: Go, Name: "github.com/gogo/protobuf", Version: "v1.3.1"}, "pkg:golang/github.com/gogo/protobuf@v1.3.1"},
		{Package{Ecosystem: Go, Name: "stdlib", Version: "1.20.1"}, "pkg:golang/stdlib@1.20.1"},
		{Package{Ecosystem: Maven, Name: "org.springframework:spring-core", Version: "5.1.0"}, "pkg:maven/org.springframework/spring-core@5.1.0"},
		{Package{Ecosystem: Packagist, Name: "symfony/http-kernel", Version: "v4.4.0"}, "pkg:composer/symfony/http-kernel@v4.4.0"},
		{Package{Ecosystem: CratesIO, Name: "regex", Version: "1.0.0"}, "pkg:cargo/regex@1.0.0"},
		{Package{Ecosystem: "Unknown", Name: "x", Version: "1"}, ""},
		{Package{Ecosystem: Npm, Name: "", Version: "1"}, ""},
	}
	for _, tt := range tests {
		if got := PURL(tt.pkg); got != tt.want {
			t.Errorf("PURL(%+v) = %q, want %q", tt.pkg, got, tt.want)
		}
	}
}
