// Package renvlock extracts R packages from renv.lock, the lockfile of the
// renv package manager for R.
//
// The file is JSON with a "Packages" object keyed by package name; each
// record holds the DESCRIPTION fields renv needs to reinstall the package:
// "Package", "Version", "Source" and, for repository packages,
// "Repository". The ecosystem follows the source:
//
//   - "Source": "Repository" (and "CRAN", which renv 0.x wrote) is OSV's
//     CRAN ecosystem. Repositories named CRAN, RSPM, P3M or PPM (Posit's
//     CRAN mirrors) are CRAN; any other repository (an r-universe, an
//     internal one) is listed as CRAN with a Note naming it, since its
//     packages may not be CRAN's.
//   - "Source": "Bioconductor", and repository names starting with "BioC"
//     or "Bioconductor", are in the Bioconductor ecosystem ([Bioconductor]),
//     which OSV also has.
//   - Other sources (GitHub, GitLab, Bitbucket, git, URL, Local, unknown)
//     install a package outside any registry. It is listed as CRAN with the
//     version its DESCRIPTION gives and a Note saying where it came from: a
//     development copy of a CRAN package may or may not carry the fixes of
//     the CRAN release with the same version.
//
// renv records neither which packages the project loads directly nor what
// is used only in development, so relation and scope are unknown. The R
// version itself ("R": {"Version"}) is not a package.
package renvlock

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/patchline/patchline/internal/extract/internal/jsontree"
	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the extractor.
const Name = "r/renvlock"

// Bioconductor is the OSV ecosystem of Bioconductor packages.
const Bioconductor = "Bioconductor"

// Extractor extracts packages from renv.lock files.
type Extractor struct{}

// New returns a renv.lock [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a renv.lock.
func (e *Extractor) FileRequired(p string) bool { return path.Base(p) == "renv.lock" }

// ctxCheckEvery is how many records are read between checks of ctx.
const ctxCheckEvery = 256

// cranMirrors are repository names that stand for CRAN.
var cranMirrors = map[string]bool{"cran": true, "rspm": true, "p3m": true, "ppm": true}

// Extract parses the renv.lock in in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	root, errs := jsontree.ReadObject(in, "renv.lock")
	if root == nil {
		return inventory.Inventory{}, errors.Join(errs...)
	}
	packages := root.Get("Packages")
	if packages == nil {
		if root.Complete && root.Get("R") == nil {
			return inventory.Inventory{}, inventory.Errorf(in.Path, root.Line, "no \"R\" or \"Packages\": not a renv.lock")
		}
		return inventory.Inventory{}, errors.Join(errs...)
	}
	if packages.Kind != jsontree.Object {
		return inventory.Inventory{}, errors.Join(append(errs, inventory.Errorf(in.Path, packages.Line,
			"\"Packages\" is a JSON %s, want an object", packages.KindName()))...)
	}
	var pkgs []inventory.Package
	for i, m := range packages.Members {
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := ctx.Err(); err != nil {
				return inventory.Inventory{}, err
			}
		}
		if !m.Value.Complete {
			continue // the syntax error covers it
		}
		p, err := toPackage(in.Path, m)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pkgs = append(pkgs, p)
	}
	if err := ctx.Err(); err != nil {
		return inventory.Inventory{}, err
	}
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
}

// toPackage turns one "Packages" record into a package.
func toPackage(file string, m jsontree.Member) (inventory.Package, error) {
	v := m.Value
	if v.Kind != jsontree.Object {
		return inventory.Package{}, inventory.Errorf(file, m.Line, "package %q is a JSON %s, want an object", m.Key, v.KindName())
	}
	name := m.Key
	var notes []string
	if n, ok := v.Get("Package").Text(); ok && n != "" {
		if n != m.Key {
			notes = append(notes, fmt.Sprintf("listed under %q", m.Key))
		}
		name = n
	}
	if name == "" {
		return inventory.Package{}, inventory.Errorf(file, m.Line, "package with an empty name")
	}
	version, _ := v.Get("Version").Text()
	if version == "" {
		return inventory.Package{}, inventory.Errorf(file, m.Line, "package %q has no \"Version\"", name)
	}
	source, _ := v.Get("Source").Text()
	repo, _ := v.Get("Repository").Text()
	p := inventory.Package{
		Ecosystem: inventory.CRAN,
		Name:      name,
		Version:   version,
		Location:  inventory.Location{File: file, Line: m.Line},
	}
	switch {
	case strings.EqualFold(source, "Bioconductor") || isBioconductorRepo(repo):
		p.Ecosystem = Bioconductor
	case strings.EqualFold(source, "Repository") || strings.EqualFold(source, "CRAN"):
		if repo != "" && !cranMirrors[strings.ToLower(repo)] {
			notes = append(notes, fmt.Sprintf("from repository %q, which may not be CRAN", repo))
		}
	default:
		notes = append(notes, fmt.Sprintf("installed from %s, not from a package repository", describeSource(source, v)))
	}
	p.Note = strings.Join(notes, "; ")
	return p, nil
}

// isBioconductorRepo reports whether a repository name is one of
// Bioconductor's ("BioCsoft", "BioCann", "Bioconductor 3.18").
func isBioconductorRepo(repo string) bool {
	r := strings.ToLower(repo)
	return strings.HasPrefix(r, "bioc")
}

// describeSource words a non-repository source for a Note, with the remote
// repository and commit when renv recorded them.
func describeSource(source string, v *jsontree.Node) string {
	if source == "" {
		source = "an unknown source"
	}
	user, _ := v.Get("RemoteUsername").Text()
	repo, _ := v.Get("RemoteRepo").Text()
	sha, _ := v.Get("RemoteSha").Text()
	url, _ := v.Get("RemoteUrl").Text()
	switch {
	case user != "" && repo != "":
		s := fmt.Sprintf("%s %s/%s", source, user, repo)
		if sha != "" {
			s += "@" + sha
		}
		return s
	case url != "":
		return fmt.Sprintf("%s %s", source, url)
	}
	return source
}
