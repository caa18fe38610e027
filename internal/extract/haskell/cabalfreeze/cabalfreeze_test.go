package cabalfreeze

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
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
		{"cabal.project.freeze", true},
		{"sub/cabal.project.freeze", true},
		{"ci.project.freeze", true},
		{".project.freeze", false},
		{"cabal.project", false},
		{"cabal.project.local", false},
		{"stack.yaml.lock", false},
	}
	for _, tt := range tests {
		if got := New().FileRequired(tt.path); got != tt.want {
			t.Errorf("FileRequired(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func pkg(name, version, requirement string, scope inventory.Scope, file string, line int, note string) inventory.Package {
	return inventory.Package{
		Ecosystem:   inventory.Hackage,
		Name:        name,
		Version:     version,
		Requirement: requirement,
		Scope:       scope,
		Location:    inventory.Location{File: file, Line: line},
		Note:        note,
	}
}

const (
	dev     = inventory.ScopeDev
	noScope = inventory.ScopeUnknown
)

func TestExtract(t *testing.T) {
	const (
		minimal   = "minimal/cabal.project.freeze"
		real      = "real-get-tested/cabal.project.freeze"
		malformed = "malformed/cabal.project.freeze"
		wrong     = "wrong-format/cabal.project.freeze"
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
				pkg("aeson", "2.2.3.0", "", noScope, minimal, 3, ""),
				// line 4: the flag constraint "aeson +ordered-keymap"
				pkg("base", "4.18.2.1", "", noScope, minimal, 5, ""),
				pkg("ghc-prim", "0.10.0", "", noScope, minimal, 6, ""),
				pkg("Cabal", "3.10.3.0", "", dev, minimal, 7, "setup script dependency"),
				pkg("text", "2.0.2", "", noScope, minimal, 9, ""),
				pkg("text-short", "", "installed", noScope, minimal, 10, "the freeze file records no version"),
				pkg("vector", "", ">=0.13 && <0.14", noScope, minimal, 11, "not pinned to one version"),
				// line 12: the stanza constraint "any.tasty test"
				pkg("hashable", "1.4.4.0", "", noScope, minimal, 13, ""),
			},
		},
		{
			// 151 constraints: 114 pins and 37 flag settings.
			name:      "real_get_tested",
			path:      real,
			wantCount: 114,
			wantSome: []inventory.Package{
				pkg("Cabal", "3.16.0.0", "", noScope, real, 2, ""),
				pkg("aeson", "2.3.1.0", "", noScope, real, 9, ""),
				pkg("base", "4.22.0.0", "", noScope, real, 21, ""),
				pkg("ghc-prim", "0.13.1", "", noScope, real, 61, ""),
				pkg("zlib", "0.7.1.1", "", noScope, real, 151, ""),
			},
		},
		{
			name: "empty",
			path: "empty/cabal.project.freeze",
		},
		{
			name: "bad_lines_keep_the_others",
			path: malformed,
			want: []inventory.Package{
				pkg("Cabal", "3.16.0.0", "", noScope, malformed, 2, ""),
				pkg("aeson", "2.3.1.0", "", noScope, malformed, 6, ""),
			},
			wantErrs: []string{
				malformed + ":3", // comma missing
				malformed + ":5", // no package name
				malformed + ":7", // not indented: not a field
				malformed + ":8", // then not a field either
			},
		},
		{
			name:     "wrong_format_stack_yaml",
			path:     wrong,
			wantErrs: []string{wrong + ":3", wrong + ":5", wrong + ":1"},
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

func TestExtractLogsFlags(t *testing.T) {
	var buf bytes.Buffer
	x := New(WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if _, err := extracttest.Extract(t, x, os.DirFS("testdata"), "real-get-tested/cabal.project.freeze"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(buf.String(), "skipping a flag constraint"); got != 37 {
		t.Errorf("logged %d flag constraints, want 37", got)
	}
}

func TestExtractForms(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		want     []inventory.Package
		wantErrs []string
	}{
		{
			name: "cabal_1_style_on_one_line",
			data: "constraints: aeson ==0.11.2.0, base ==4.9.0.0\n",
			want: []inventory.Package{
				pkg("aeson", "0.11.2.0", "", noScope, "f", 1, ""),
				pkg("base", "4.9.0.0", "", noScope, "f", 1, ""),
			},
		},
		{
			name: "qualified_setup_and_no_space",
			data: "constraints: foo:setup.Cabal==3.2.1.0,\n  any.zlib ==0.6.3.0\n",
			want: []inventory.Package{
				pkg("Cabal", "3.2.1.0", "", dev, "f", 1, "setup script dependency"),
				pkg("zlib", "0.6.3.0", "", noScope, "f", 2, ""),
			},
		},
		{
			name: "value_on_next_line_and_crlf",
			data: "constraints:\r\n    any.mtl ==2.3.1,\r\n    any.stm ==2.5.3.1\r\n",
			want: []inventory.Package{
				pkg("mtl", "2.3.1", "", noScope, "f", 2, ""),
				pkg("stm", "2.5.3.1", "", noScope, "f", 3, ""),
			},
		},
		{
			name: "section_and_other_fields",
			data: "packages: .\npackage foo\n  ghc-options: -O2\nconstraints: any.mtl ==2.3.1\n",
			want: []inventory.Package{pkg("mtl", "2.3.1", "", noScope, "f", 4, "")},
		},
		{
			name:     "empty_constraint",
			data:     "constraints: any.mtl ==2.3.1,, any.stm ==2.5\n",
			want:     []inventory.Package{pkg("mtl", "2.3.1", "", noScope, "f", 1, ""), pkg("stm", "2.5", "", noScope, "f", 1, "")},
			wantErrs: []string{"f:1"},
		},
		{
			name:     "no_version",
			data:     "constraints: any.mtl\n",
			wantErrs: []string{"f:1"},
		},
		{
			name:     "numeric_name",
			data:     "constraints: any.123 ==1.0\n",
			wantErrs: []string{"f:1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"f": {Data: []byte(tt.data)}}, "f")
			extracttest.CheckErrors(t, tt.wantErrs, err)
			if diff := cmp.Diff(tt.want, inv.Packages); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExtractNotFreeze(t *testing.T) {
	for name, data := range map[string]string{
		"json":        `{"constraints": []}`,
		"cabal_file":  "name: foo\nversion: 1.0\n",
		"indented":    "  constraints: any.mtl ==2.3.1\n",
		"just_a_word": "hello\n",
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"cabal.project.freeze": {Data: []byte(data)}}, "cabal.project.freeze")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) || pe.Path != "cabal.project.freeze" || pe.Line < 1 {
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
	b.WriteString("constraints: any.base ==4.18.0.0")
	for range 1000 {
		b.WriteString(",\n             any.mtl ==2.3.1")
	}
	b.WriteString("\n")
	extracttest.CheckCanceled(t, New(), fstest.MapFS{"cabal.project.freeze": {Data: []byte(b.String())}}, "cabal.project.freeze")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "cabal.project.freeze")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := New().Extract(context.Background(), &inventory.Input{Path: "cabal.project.freeze", Reader: bytes.NewReader(data)})
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.Hackage || p.Name == "" || p.Location.Line < 1 ||
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
