// Package ecosystem knows the rules of each package ecosystem that matching
// depends on: how its package names are normalised (two spellings of one
// name must find the same advisories) and how its versions are ordered.
//
// The list is explicit and lives in this file; an ecosystem missing here is
// still stored and matched by exact version lists, but its ECOSYSTEM ranges
// cannot be evaluated, and the scan says so.
package ecosystem

import (
	"strings"

	"github.com/patchline/patchline/internal/osv"
	"github.com/patchline/patchline/internal/version"
	"github.com/patchline/patchline/internal/version/composer"
	"github.com/patchline/patchline/internal/version/conan"
	"github.com/patchline/patchline/internal/version/cran"
	"github.com/patchline/patchline/internal/version/hackage"
	"github.com/patchline/patchline/internal/version/maven"
	"github.com/patchline/patchline/internal/version/nuget"
	"github.com/patchline/patchline/internal/version/pep440"
	"github.com/patchline/patchline/internal/version/pubsemver"
	"github.com/patchline/patchline/internal/version/rubygems"
	"github.com/patchline/patchline/internal/version/semver"
)

// Ecosystem is one package ecosystem as OSV names it.
type Ecosystem struct {
	// Name is the OSV ecosystem name, e.g. "PyPI".
	Name string
	// Ordering orders the ecosystem's versions (ECOSYSTEM ranges).
	Ordering version.Ordering
	// normalize maps a package name to the form advisories are indexed by.
	normalize func(string) string
}

// NormalizeName returns the form of name under which advisories are stored
// and looked up.
func (e *Ecosystem) NormalizeName(name string) string {
	if e == nil || e.normalize == nil {
		return name
	}
	return e.normalize(name)
}

// known lists the ecosystems patchline has version rules for.
var known = map[string]*Ecosystem{
	"Go":           {Name: "Go", Ordering: semver.GoOrdering{}},
	"npm":          {Name: "npm", Ordering: semver.NPMOrdering{}},
	"PyPI":         {Name: "PyPI", Ordering: pep440.Ordering{}, normalize: NormalizePyPI},
	"RubyGems":     {Name: "RubyGems", Ordering: rubygems.Ordering{}},
	"Packagist":    {Name: "Packagist", Ordering: composer.Ordering{}, normalize: strings.ToLower}, // Composer names are case-insensitive
	"crates.io":    {Name: "crates.io", Ordering: semver.Ordering{}},
	"Hex":          {Name: "Hex", Ordering: semver.Ordering{}},
	"Pub":          {Name: "Pub", Ordering: pubsemver.Ordering{}},
	"Maven":        {Name: "Maven", Ordering: maven.Ordering{}},
	"NuGet":        {Name: "NuGet", Ordering: nuget.Ordering{}, normalize: strings.ToLower}, // NuGet ids are case-insensitive
	"SwiftURL":     {Name: "SwiftURL", Ordering: semver.Ordering{}, normalize: strings.ToLower},
	"ConanCenter":  {Name: "ConanCenter", Ordering: conan.Ordering{}},
	"CRAN":         {Name: "CRAN", Ordering: cran.Ordering{}},
	"Bioconductor": {Name: "Bioconductor", Ordering: cran.Ordering{}},
	"Hackage":      {Name: "Hackage", Ordering: hackage.Ordering{}},
	"GHC":          {Name: "GHC", Ordering: hackage.Ordering{}},
}

// Lookup returns the rules of the named ecosystem. A release suffix such as
// "Debian:12" is ignored. It returns nil when patchline has no version rules
// for the ecosystem.
func Lookup(name string) *Ecosystem {
	return known[osv.BaseEcosystem(name)]
}

// Names returns the names of the ecosystems patchline has rules for.
func Names() []string {
	names := make([]string, 0, len(known))
	for n := range known {
		names = append(names, n)
	}
	return names
}

// NormalizeName normalises name by the rules of ecosystem eco; names of
// ecosystems without rules are returned unchanged.
func NormalizeName(eco, name string) string {
	return Lookup(eco).NormalizeName(name)
}

// SemVer orders versions of OSV ranges of type SEMVER, whatever the ecosystem.
var SemVer version.Ordering = semver.Ordering{}

// NormalizePyPI normalises a Python distribution name as PEP 503 does:
// lower case, with every run of '-', '_' and '.' replaced by one '-'.
func NormalizePyPI(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	sep := false
	for _, r := range name {
		if r == '-' || r == '_' || r == '.' {
			if !sep {
				b.WriteByte('-')
				sep = true
			}
			continue
		}
		sep = false
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
