package inventory

import (
	"strings"

	"github.com/package-url/packageurl-go"
)

// purlTypes maps OSV ecosystem names to package URL types.
var purlTypes = map[string]string{
	Go:          packageurl.TypeGolang,
	Npm:         packageurl.TypeNPM,
	PyPI:        packageurl.TypePyPi,
	CratesIO:    packageurl.TypeCargo,
	RubyGems:    packageurl.TypeGem,
	Packagist:   packageurl.TypeComposer,
	Maven:       packageurl.TypeMaven,
	NuGet:       packageurl.TypeNuget,
	Pub:         packageurl.TypePub,
	Hex:         packageurl.TypeHex,
	SwiftURL:    packageurl.TypeSwift,
	ConanCenter: packageurl.TypeConan,
	CRAN:        packageurl.TypeCran,
	Hackage:     packageurl.TypeHackage,
	CocoaPods:   packageurl.TypeCocoapods,
}

// PURL returns the package URL of p (https://github.com/package-url/purl-spec),
// or "" when its ecosystem has no PURL type patchline knows.
func PURL(p Package) string {
	typ, ok := purlTypes[p.Ecosystem]
	if !ok || p.Name == "" {
		return ""
	}
	namespace, name := "", p.Name
	switch p.Ecosystem {
	case Npm:
		// A scoped name "@scope/name" puts the scope in the namespace.
		if i := strings.LastIndex(name, "/"); strings.HasPrefix(name, "@") && i > 0 {
			namespace, name = name[:i], name[i+1:]
		}
	case Go:
		if i := strings.LastIndex(name, "/"); i > 0 {
			namespace, name = name[:i], name[i+1:]
		}
	case PyPI:
		// The PURL spec: lower case, '_' replaced by '-'.
		name = strings.ReplaceAll(strings.ToLower(name), "_", "-")
	case Maven:
		// "group:artifact" → namespace group, name artifact.
		if g, a, ok := strings.Cut(name, ":"); ok {
			namespace, name = g, a
		}
	case Packagist:
		// "vendor/package" → namespace vendor.
		if v, n, ok := strings.Cut(name, "/"); ok {
			namespace, name = v, n
		}
	case SwiftURL:
		// "github.com/apple/swift-nio" → namespace "github.com/apple".
		if i := strings.LastIndex(name, "/"); i > 0 {
			namespace, name = name[:i], name[i+1:]
		}
	}
	return packageurl.NewPackageURL(typ, namespace, name, p.Version, nil, "").ToString()
}
