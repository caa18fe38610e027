// Package purl turns package URLs (https://github.com/package-url/purl-spec),
// as SBOMs record them, into the OSV ecosystem, name and version that
// patchline matches advisories with. It is the inverse of [inventory.PURL]:
// for every ecosystem patchline knows, ToPackage(inventory.PURL(p)) gives
// back p's ecosystem, name and version (PyPI names come back normalised as
// the PURL spec writes them: lower case, "_" as "-").
//
// Names are joined from the PURL's namespace and name the way each
// ecosystem's advisories spell them:
//
//	npm        pkg:npm/%40angular/core@17.0.0        "@angular/core"
//	Go         pkg:golang/github.com/BurntSushi/toml "github.com/BurntSushi/toml"
//	Maven      pkg:maven/org.slf4j/slf4j-api         "org.slf4j:slf4j-api"
//	Packagist  pkg:composer/laravel/framework        "laravel/framework"
//	SwiftURL   pkg:swift/github.com/apple/swift-nio  "github.com/apple/swift-nio"
//	CocoaPods  pkg:cocoapods/Firebase#Core           "Firebase/Core" (the subpath is the subspec)
//
// and the other types (cargo, gem, nuget, pub, hex, conan, cran, hackage,
// pypi) by their name alone. Qualifiers ("?classifier=sources",
// "?platform=java", "?repository_url=...") and, except for CocoaPods, the
// subpath do not change which package is meant and are ignored.
//
// Two departures from packageurl-go's normalisation: Go module paths keep
// their case (packageurl-go lower-cases golang PURLs, but module paths are
// case-sensitive and advisories use the exact path), and the Go standard
// library's version is converted from Go's own spelling ("go1.21.3") to the
// semantic version the Go vulnerability database uses ("1.21.3").
//
// PURL types without an OSV ecosystem in patchline (deb, rpm, apk, generic,
// github, docker, oci, ...) give [ErrUnsupportedType]. "pkg:github" names a
// GitHub repository in general, not a GitHub Action, so it is not read as
// the "GitHub Actions" ecosystem.
package purl

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/version/gover"
)

// Errors that ToPackage wraps, for callers that treat them apart.
var (
	// ErrUnsupportedType means the PURL is valid but its type has no
	// ecosystem patchline matches.
	ErrUnsupportedType = errors.New("package URL type not supported")
	// ErrNoVersion means the PURL names a package of a supported
	// ecosystem but no version. ToPackage still returns the ecosystem and
	// name with it.
	ErrNoVersion = errors.New("package URL has no version")
)

// ecosystems maps PURL types to OSV ecosystem names.
var ecosystems = map[string]string{
	packageurl.TypeNPM:       inventory.Npm,
	packageurl.TypePyPi:      inventory.PyPI,
	packageurl.TypeGolang:    inventory.Go,
	packageurl.TypeCargo:     inventory.CratesIO,
	packageurl.TypeGem:       inventory.RubyGems,
	packageurl.TypeComposer:  inventory.Packagist,
	packageurl.TypeMaven:     inventory.Maven,
	packageurl.TypeNuget:     inventory.NuGet,
	packageurl.TypePub:       inventory.Pub,
	packageurl.TypeHex:       inventory.Hex,
	packageurl.TypeSwift:     inventory.SwiftURL,
	packageurl.TypeConan:     inventory.ConanCenter,
	packageurl.TypeCran:      inventory.CRAN,
	packageurl.TypeHackage:   inventory.Hackage,
	packageurl.TypeCocoapods: inventory.CocoaPods,
}

// Types returns the PURL types ToPackage reads, sorted.
func Types() []string {
	types := make([]string, 0, len(ecosystems))
	for t := range ecosystems {
		types = append(types, t)
	}
	sort.Strings(types)
	return types
}

// ToPackage returns the OSV ecosystem, the package name as that ecosystem's
// advisories spell it, and the version named by the package URL s.
//
// The error wraps [ErrUnsupportedType] for a valid PURL of a type patchline
// does not match, and [ErrNoVersion] when the PURL has no version; in the
// latter case eco and name are returned too. Any other error means s is not
// a valid PURL.
func ToPackage(s string) (eco, name, version string, err error) {
	p, err := packageurl.FromString(s)
	if err != nil {
		return "", "", "", fmt.Errorf("invalid package URL %q: %w", s, err)
	}
	eco, ok := ecosystems[p.Type]
	if !ok {
		return "", "", "", fmt.Errorf("%w: %q in %q (patchline reads %s)", ErrUnsupportedType, p.Type, s, strings.Join(Types(), ", "))
	}
	namespace, name := p.Namespace, p.Name
	switch p.Type {
	case packageurl.TypeNPM:
		if namespace != "" {
			// The namespace is the scope; it should carry its "@" but
			// some writers leave it out.
			if !strings.HasPrefix(namespace, "@") {
				namespace = "@" + namespace
			}
			name = namespace + "/" + name
		}
	case packageurl.TypeGolang:
		// packageurl-go lower-cases golang PURLs; take the path as written.
		namespace, name, err = rawNamespaceName(s)
		if err != nil {
			return "", "", "", fmt.Errorf("invalid package URL %q: %w", s, err)
		}
		if namespace != "" {
			name = namespace + "/" + name
		}
	case packageurl.TypeComposer, packageurl.TypeSwift:
		if namespace == "" {
			return "", "", "", fmt.Errorf("invalid package URL %q: a %s PURL needs a namespace (%s)", s, p.Type, namespaceMeaning[p.Type])
		}
		name = namespace + "/" + name
	case packageurl.TypeMaven:
		if namespace == "" {
			return "", "", "", fmt.Errorf("invalid package URL %q: a maven PURL needs a namespace (the groupId)", s)
		}
		name = namespace + ":" + name
	case packageurl.TypeCocoapods:
		if p.Subpath != "" {
			name += "/" + p.Subpath
		}
	}
	version = p.Version
	if version == "" {
		return eco, name, "", fmt.Errorf("%w: %q", ErrNoVersion, s)
	}
	if p.Type == packageurl.TypeGolang && name == inventory.Stdlib && strings.HasPrefix(version, "go") {
		v, err := gover.ToSemver(version)
		if err != nil {
			return "", "", "", fmt.Errorf("package URL %q: %w", s, err)
		}
		version = v
	}
	return eco, name, version, nil
}

var namespaceMeaning = map[string]string{
	packageurl.TypeComposer: "the vendor",
	packageurl.TypeSwift:    "the source host and owner, e.g. github.com/apple",
}

// rawNamespaceName returns the percent-decoded namespace and name of a PURL
// that packageurl-go has already accepted, without its case folding. It
// follows the parsing steps of the PURL spec that packageurl-go follows.
func rawNamespaceName(s string) (namespace, name string, err error) {
	rest := s[len("pkg:"):]
	rest = strings.TrimLeft(rest, "/")
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest = rest[:i]
	}
	_, rest, _ = strings.Cut(rest, "/") // the type
	if i := strings.LastIndexByte(rest, '@'); i > 0 {
		rest = rest[:i]
	}
	i := strings.LastIndexByte(rest, '/')
	if name, err = url.PathUnescape(rest[i+1:]); err != nil {
		return "", "", err
	}
	var segs []string
	if i > 0 {
		for _, seg := range strings.Split(rest[:i], "/") {
			if seg == "" {
				continue
			}
			seg, err := url.PathUnescape(seg)
			if err != nil {
				return "", "", err
			}
			segs = append(segs, seg)
		}
	}
	return strings.Join(segs, "/"), name, nil
}
