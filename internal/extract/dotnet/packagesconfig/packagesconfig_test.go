package packagesconfig

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
		{"packages.config", true},
		{"src/Web/packages.config", true},
		{"Packages.config", true},
		{"src/Web/packages.Web.config", true},
		{"packages.lock.json", false},
		{"nuget.config", false},
		{"packages/repositories.config", false},
		{"packages..config", false},
		{"packages.a.b.config", false},
		{"app.config", false},
	}
	for _, tt := range tests {
		if got := New().FileRequired(tt.path); got != tt.want {
			t.Errorf("FileRequired(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func pkg(name, version string, scope inventory.Scope, file string, line int) inventory.Package {
	return inventory.Package{
		Ecosystem: inventory.NuGet,
		Name:      name,
		Version:   version,
		Scope:     scope,
		Location:  inventory.Location{File: file, Line: line},
	}
}

const (
	dev     = inventory.ScopeDev
	noScope = inventory.ScopeUnknown
)

func TestExtract(t *testing.T) {
	const (
		minimal   = "minimal/packages.config"
		real      = "real/nugetgallery-website/packages.config"
		malformed = "malformed/packages.config"
		badentry  = "badentry/packages.config"
		wrong     = "wrong-format/packages.config"
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
			name: "minimal",
			path: minimal,
			want: []inventory.Package{
				pkg("Newtonsoft.Json", "8.0.3", noScope, minimal, 4),
				pkg("Microsoft.Net.Compilers", "1.0.0", dev, minimal, 5),
				pkg("Microsoft.Web.Infrastructure", "1.0.0.0", noScope, minimal, 6),
				pkg("EntityFramework", "6.1.3", noScope, minimal, 7),
				pkg("xunit", "2.4.1-pre.build.4059", dev, minimal, 11),
				// newtonsoft.json 8.0.3 repeats line 4.
			},
		},
		{
			name:      "real_nugetgallery_website",
			path:      real,
			wantCount: 33,
			wantSome: []inventory.Package{
				pkg("AnglicanGeek.MarkdownMailer", "1.2", noScope, real, 3),
				pkg("EntityFramework", "4.1.10715.0", noScope, real, 10),
				pkg("ZeroClipboard", "1.0.7", noScope, real, 35),
			},
		},
		{
			name: "empty",
			path: "empty/packages.config",
		},
		{
			name: "syntax_error_keeps_packages",
			path: malformed,
			want: []inventory.Package{
				pkg("AnglicanGeek.MarkdownMailer", "1.2", noScope, malformed, 3),
				pkg("AspNetMvc", "3.0.20105.0", noScope, malformed, 4),
			},
			wantErrs: []string{malformed + ":6"},
		},
		{
			name: "bad_entries_keep_the_others",
			path: badentry,
			want: []inventory.Package{
				pkg("Ok.Package", "1.0.0", noScope, badentry, 3),
				pkg("Also.Ok", "3.1", noScope, badentry, 8),
			},
			wantErrs: []string{badentry + ":4", badentry + ":5", badentry + ":6"},
		},
		{
			name:     "wrong_format_nuget_config",
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

func TestExtractByteOrderMark(t *testing.T) {
	data := "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<packages>\n  <package id=\"jQuery\" version=\"1.5.2\" />\n</packages>\n"
	inv, err := extracttest.Extract(t, New(), fstest.MapFS{"packages.config": {Data: []byte(data)}}, "packages.config")
	if err != nil {
		t.Fatal(err)
	}
	extracttest.CheckPackages(t, []inventory.Package{pkg("jQuery", "1.5.2", noScope, "packages.config", 3)}, inv.Packages)
}

func TestExtractNotPackagesConfig(t *testing.T) {
	for name, data := range map[string]string{
		"text":         "hello",
		"csproj":       "<Project Sdk=\"Microsoft.NET.Sdk\">\n</Project>\n",
		"unclosed":     "<packages>\n<package id=\"a\" version=\"1\"\n",
		"utf16":        "<?xml version=\"1.0\" encoding=\"utf-16\"?>\n<packages/>\n",
		"json":         `{"version": 1}`,
		"two_roots":    "<packages/>\n<packages/>\n",
		"bad_entities": "<packages>&nope;</packages>",
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"packages.config": {Data: []byte(data)}}, "packages.config")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) || pe.Path != "packages.config" || pe.Line < 1 {
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
	b.WriteString("<packages>\n")
	for range 1000 {
		b.WriteString("  <package id=\"a\" version=\"1.0\" />\n")
	}
	b.WriteString("</packages>\n")
	extracttest.CheckCanceled(t, New(), fstest.MapFS{"packages.config": {Data: []byte(b.String())}}, "packages.config")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "packages.config")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := New().Extract(context.Background(), &inventory.Input{Path: "packages.config", Reader: bytes.NewReader(data)})
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
