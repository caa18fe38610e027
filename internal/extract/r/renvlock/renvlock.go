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
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

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
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return inventory.Inventory{}, nil
	}
	var errs []error
	root, err := parseTree(data, in.Path)
	if err != nil {
		errs = append(errs, err)
	}
	if root == nil {
		return inventory.Inventory{}, errors.Join(errs...)
	}
	if root.kind != kindObject {
		return inventory.Inventory{}, inventory.Errorf(in.Path, root.line, "the top level is a JSON %s, not an object: not a renv.lock", root.kindName())
	}
	packages := root.get("Packages")
	if packages == nil {
		if root.complete && root.get("R") == nil {
			return inventory.Inventory{}, inventory.Errorf(in.Path, root.line, "no \"R\" or \"Packages\": not a renv.lock")
		}
		return inventory.Inventory{}, errors.Join(errs...)
	}
	if packages.kind != kindObject {
		return inventory.Inventory{}, errors.Join(append(errs, inventory.Errorf(in.Path, packages.line,
			"\"Packages\" is a JSON %s, want an object", packages.kindName()))...)
	}
	var pkgs []inventory.Package
	for i, m := range packages.members {
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := ctx.Err(); err != nil {
				return inventory.Inventory{}, err
			}
		}
		if !m.val.complete {
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
func toPackage(file string, m member) (inventory.Package, error) {
	v := m.val
	if v.kind != kindObject {
		return inventory.Package{}, inventory.Errorf(file, m.line, "package %q is a JSON %s, want an object", m.key, v.kindName())
	}
	name := m.key
	var notes []string
	if n, ok := v.get("Package").text(); ok && n != "" {
		if n != m.key {
			notes = append(notes, fmt.Sprintf("listed under %q", m.key))
		}
		name = n
	}
	if name == "" {
		return inventory.Package{}, inventory.Errorf(file, m.line, "package with an empty name")
	}
	version, _ := v.get("Version").text()
	if version == "" {
		return inventory.Package{}, inventory.Errorf(file, m.line, "package %q has no \"Version\"", name)
	}
	source, _ := v.get("Source").text()
	repo, _ := v.get("Repository").text()
	p := inventory.Package{
		Ecosystem: inventory.CRAN,
		Name:      name,
		Version:   version,
		Location:  inventory.Location{File: file, Line: m.line},
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
func describeSource(source string, v *node) string {
	if source == "" {
		source = "an unknown source"
	}
	user, _ := v.get("RemoteUsername").text()
	repo, _ := v.get("RemoteRepo").text()
	sha, _ := v.get("RemoteSha").text()
	url, _ := v.get("RemoteUrl").text()
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
