package stacklock

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
		{"stack.yaml.lock", true},
		{"sub/stack.yaml.lock", true},
		{"stack-ghc-9.6.yaml.lock", true},
		{"stack.yaml", false},
		{"pnpm-lock.yaml", false},
		{"other.yaml.lock", false},
	}
	for _, tt := range tests {
		if got := New().FileRequired(tt.path); got != tt.want {
			t.Errorf("FileRequired(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func pkg(name, version, file string, line int, note string) inventory.Package {
	return inventory.Package{
		Ecosystem: inventory.Hackage,
		Name:      name,
		Version:   version,
		Location:  inventory.Location{File: file, Line: line},
		Note:      note,
	}
}

func TestExtract(t *testing.T) {
	const (
		minimal   = "minimal/stack.yaml.lock"
		real      = "real-stack/stack.yaml.lock"
		malformed = "malformed/stack.yaml.lock"
		badentry  = "badentry/stack.yaml.lock"
		wrong     = "wrong-format/stack.yaml.lock"
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
				pkg("acme-missiles", "0.3", minimal, 5, ""),
				pkg("text-short", "0.1.6", minimal, 12, ""),
				pkg("wai", "3.2.1.2", minimal, 14,
					`from git https://github.com/yesodweb/wai.git at d11d63f1a6a92db8c637a8d33e7953ce6194a3e0, subdir "wai"`),
				pkg("prometheus", "2.2.2", minimal, 27,
					"from git git@github.com:bitnomial/prometheus.git at 1fde661d897c500534769960584b29e8c39e8abb"),
				pkg("merkle-log", "0.1.0.0", minimal, 38, "from archive https://archives.example/merkle-log-0.1.0.0.tar.gz"),
			},
		},
		{
			// The packages of snapshot lts-24.24 are not in the file.
			name: "real_stack",
			path: real,
			want: []inventory.Package{
				pkg("Cabal", "3.16.0.0", real, 7, ""),
				pkg("Cabal-syntax", "3.16.0.0", real, 14, ""),
				pkg("pantry", "0.11.2", real, 21, ""),
				pkg("persistent", "2.18.0.0", real, 28, ""),
			},
		},
		{
			name: "empty",
			path: "empty/stack.yaml.lock",
		},
		{
			name:     "yaml_error",
			path:     malformed,
			wantErrs: []string{malformed + ":4"},
		},
		{
			name: "bad_entries_keep_the_others",
			path: badentry,
			want: []inventory.Package{
				pkg("good-package", "1.0.2", badentry, 2, ""),
				pkg("another-good", "2.0", badentry, 14, ""),
			},
			wantErrs: []string{badentry + ":6", badentry + ":10", badentry + ":11"},
		},
		{
			name:     "wrong_format_stack_yaml",
			path:     wrong,
			wantErrs: []string{wrong + ":3", wrong + ":4"},
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

func TestSplitHackage(t *testing.T) {
	tests := []struct {
		in, name, version string
		wantErr           bool
	}{
		{in: "aeson-2.1.2.1@sha256:abc,123", name: "aeson", version: "2.1.2.1"},
		{in: "Cabal-syntax-3.16.0.0", name: "Cabal-syntax", version: "3.16.0.0"},
		{in: "base64-bytestring-1.2.1.0@rev:0", name: "base64-bytestring", version: "1.2.1.0"},
		{in: "x509-1.7.7", name: "x509", version: "1.7.7"},
		{in: "aeson", wantErr: true},
		{in: "aeson-", wantErr: true},
		{in: "-1.0", wantErr: true},
		{in: "aeson-1..0", wantErr: true},
		{in: "aeson-v1", wantErr: true},
	}
	for _, tt := range tests {
		name, version, err := splitHackage(tt.in)
		if (err != nil) != tt.wantErr || name != tt.name || version != tt.version {
			t.Errorf("splitHackage(%q) = %q, %q, %v; want %q, %q, error %v", tt.in, name, version, err, tt.name, tt.version, tt.wantErr)
		}
	}
}

func TestExtractForms(t *testing.T) {
	for name, tt := range map[string]struct {
		data  string
		count int
	}{
		"no_extra_deps":  {"# comment\npackages: []\nsnapshots:\n- original: lts-22.0\n", 0},
		"null_packages":  {"packages:\nsnapshots: []\n", 0},
		"only_snapshots": {"snapshots:\n- original: lts-22.0\n", 0},
		"only_comments":  {"# nothing\n", 0},
		"hg":             {"packages:\n- completed:\n    hg: https://hg.example/repo\n    commit: abc\n    name: foo\n    version: 1.0\n", 1},
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"stack.yaml.lock": {Data: []byte(tt.data)}}, "stack.yaml.lock")
			if err != nil {
				t.Fatal(err)
			}
			if len(inv.Packages) != tt.count {
				t.Errorf("got %d packages, want %d", len(inv.Packages), tt.count)
			}
		})
	}
}

func TestExtractNotStackLock(t *testing.T) {
	for name, data := range map[string]string{
		"list":          "- a\n- b\n",
		"other_keys":    "name: x\nversion: 1\n",
		"packages_map":  "lockfileVersion: '9.0'\npackages:\n  foo@1.0.0: {}\n",
		"tab_indent":    "packages:\n\t- x\n",
		"scalar":        "hello\n",
		"unclosed_flow": "packages: [\n",
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"stack.yaml.lock": {Data: []byte(data)}}, "stack.yaml.lock")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) || pe.Path != "stack.yaml.lock" || pe.Line < 1 {
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
	b.WriteString("packages:\n")
	for range 1000 {
		b.WriteString("- original:\n    hackage: aeson-2.1.2.1\n")
	}
	extracttest.CheckCanceled(t, New(), fstest.MapFS{"stack.yaml.lock": {Data: []byte(b.String())}}, "stack.yaml.lock")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "stack.yaml.lock")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := New().Extract(context.Background(), &inventory.Input{Path: "stack.yaml.lock", Reader: bytes.NewReader(data)})
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.Hackage || p.Name == "" || p.Version == "" || p.Location.Line < 1 {
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
