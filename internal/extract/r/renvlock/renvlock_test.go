package renvlock

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
		{"renv.lock", true},
		{"analysis/renv.lock", true},
		{"renv/activate.R", false},
		{"DESCRIPTION", false},
		{"renv.lock.bak", false},
	}
	for _, tt := range tests {
		if got := New().FileRequired(tt.path); got != tt.want {
			t.Errorf("FileRequired(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func pkg(eco, name, version, file string, line int, note string) inventory.Package {
	return inventory.Package{
		Ecosystem: eco,
		Name:      name,
		Version:   version,
		Location:  inventory.Location{File: file, Line: line},
		Note:      note,
	}
}

const cran = inventory.CRAN

func TestExtract(t *testing.T) {
	const (
		minimal   = "minimal/renv.lock"
		realBioc  = "real-bioconductor/renv.lock"
		realRS    = "real-rstudio-excerpt/renv.lock"
		malformed = "malformed/renv.lock"
		badentry  = "badentry/renv.lock"
		wrong     = "wrong-format/renv.lock"
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
				pkg(cran, "MASS", "7.3-60.0.1", minimal, 23, ""),
				pkg(cran, "R6", "2.5.1", minimal, 34, ""),
				pkg(Bioconductor, "Biobase", "2.62.0", minimal, 41, ""),
				pkg(Bioconductor, "S4Vectors", "0.40.2", minimal, 48, ""),
				pkg(cran, "mime", "0.12.1", minimal, 55,
					"installed from GitHub yihui/mime@1763e0dcb72fb58d97bab97bb834fc71f1e012bc, not from a package repository"),
				pkg(cran, "stats19", "3.0.3", minimal, 67, `from repository "ropensci", which may not be CRAN`),
				pkg(cran, "jsonlite", "1.2", minimal, 74, ""),
				pkg(cran, "localpkg", "0.0.1", minimal, 80, "installed from Local ~/src/localpkg, not from a package repository"),
			},
		},
		{
			name: "real_bioconductor",
			path: realBioc,
			want: []inventory.Package{
				pkg(Bioconductor, "BiocGenerics", "0.38.0", realBioc, 15, ""),
				pkg(Bioconductor, "limma", "3.50.0", realBioc, 25, ""),
				pkg(cran, "renv", "0.14.0-69", realBioc, 35, "installed from Local ~/r/pkg/renv, not from a package repository"),
			},
		},
		{
			name:      "real_rstudio_excerpt",
			path:      realRS,
			wantCount: 37,
			wantSome: []inventory.Package{
				pkg(cran, "AlignAssign", "0.5.0", realRS, 15,
					"installed from GitHub seasmith/AlignAssign@1811a06847825868bc655a1c64781c94e797a3da, not from a package repository"),
				pkg(cran, "Matrix", "1.3-2", realRS, 83, ""),
				pkg(cran, "broken", "0.0.1", realRS, 265,
					"installed from GitHub kevinushey/broken@1b1f74548542842bf3fca854d6d32cf1bd730b56, not from a package repository"),
				pkg(cran, "broom", "0.7.4", realRS, 277, ""),
			},
		},
		{
			name: "empty",
			path: "empty/renv.lock",
		},
		{
			name: "truncated_keeps_records",
			path: malformed,
			want: []inventory.Package{
				pkg(cran, "AlignAssign", "0.5.0", malformed, 15,
					"installed from GitHub seasmith/AlignAssign@1811a06847825868bc655a1c64781c94e797a3da, not from a package repository"),
				pkg(cran, "BH", "1.75.0-0", malformed, 27, ""),
				pkg(cran, "BiocManager", "1.30.10", malformed, 34, ""),
				pkg(cran, "DBI", "1.1.1", malformed, 41, ""),
				pkg(cran, "DT", "0.17", malformed, 48, ""),
			},
			wantErrs: []string{malformed + ":60"},
		},
		{
			name: "bad_records_keep_the_others",
			path: badentry,
			want: []inventory.Package{
				pkg(cran, "ok", "1.0.0", badentry, 6, ""),
				pkg(cran, "realname", "2.1-3", badentry, 21, `listed under "renamed"`),
			},
			wantErrs: []string{badentry + ":12", badentry + ":17", badentry + ":18"},
		},
		{
			name:     "wrong_format_description",
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

func TestExtractNotRenvLock(t *testing.T) {
	for name, data := range map[string]string{
		"array":           "[1, 2]",
		"no_keys":         `{"name": "x"}`,
		"packages_array":  `{"R": {}, "Packages": []}`,
		"trailing":        `{"Packages": {}} {}`,
		"pipfile_lock":    `{"_meta": {}, "default": {}}`,
		"description_dcf": "Package: x\n",
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := extracttest.Extract(t, New(), fstest.MapFS{"renv.lock": {Data: []byte(data)}}, "renv.lock")
			var pe *inventory.ParseError
			if !errors.As(err, &pe) || pe.Path != "renv.lock" || pe.Line < 1 {
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
	b.WriteString(`{"R": {}, "Packages": {`)
	for i := range 1000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"p` + strings.Repeat("x", i) + `": {"Version": "1.0"}`)
	}
	b.WriteString("}}")
	extracttest.CheckCanceled(t, New(), fstest.MapFS{"renv.lock": {Data: []byte(b.String())}}, "renv.lock")
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata", "renv.lock")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := New().Extract(context.Background(), &inventory.Input{Path: "renv.lock", Reader: bytes.NewReader(data)})
		for _, p := range inv.Packages {
			if (p.Ecosystem != inventory.CRAN && p.Ecosystem != Bioconductor) || p.Name == "" || p.Version == "" || p.Location.Line < 1 {
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
