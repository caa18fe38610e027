package vex

import (
	"regexp"
	"strings"

	"github.com/package-url/packageurl-go"
)

// purlKey is a package URL normalised for comparison.
type purlKey struct {
	typ, namespace, name, version, subpath string
	qualifiers                             map[string]string
}

// pypiSeparators are the runs of characters PEP 503 folds into "-".
var pypiSeparators = regexp.MustCompile(`[-_.]+`)

// parsePURL parses and normalises a package URL.
func parsePURL(s string) (purlKey, error) {
	p, err := packageurl.FromString(s)
	if err != nil {
		return purlKey{}, err
	}
	k := purlKey{
		typ:        p.Type,
		namespace:  p.Namespace,
		name:       p.Name,
		version:    p.Version,
		subpath:    strings.Trim(p.Subpath, "/"),
		qualifiers: p.Qualifiers.Map(),
	}
	switch k.typ {
	case packageurl.TypePyPi:
		k.name = pypiSeparators.ReplaceAllString(strings.ToLower(k.name), "-")
	case packageurl.TypeGolang:
		// Go versions are written with and without their "v", and Go's
		// own as "go1.21.3" too.
		if k.namespace == "" && k.name == "stdlib" {
			k.version = strings.TrimPrefix(k.version, "go")
		}
		if k.version != "" && k.version[0] >= '0' && k.version[0] <= '9' {
			k.version = "v" + k.version
		}
	case packageurl.TypeMaven:
		// "type=jar" is the default, and says nothing.
		if k.qualifiers["type"] == "jar" {
			delete(k.qualifiers, "type")
		}
	case packageurl.TypeNPM:
		k.namespace = strings.ToLower(k.namespace)
		k.name = strings.ToLower(k.name)
	}
	return k, nil
}

// componentMatches reports whether the package URL a statement gives covers
// pkg: the same type, namespace and name, and the version, qualifiers and
// subpath the statement gives, if any.
func componentMatches(statement string, pkg purlKey) bool {
	st, err := parsePURL(statement)
	if err != nil {
		return false
	}
	if st.typ != pkg.typ || st.namespace != pkg.namespace || st.name != pkg.name {
		return false
	}
	if st.version != "" && st.version != pkg.version {
		return false
	}
	if st.subpath != "" && st.subpath != pkg.subpath {
		return false
	}
	for k, v := range st.qualifiers {
		if pkg.qualifiers[k] != v {
			return false
		}
	}
	return true
}

// isPURL reports whether s parses as a package URL.
func isPURL(s string) bool {
	if len(s) < 4 || !strings.EqualFold(s[:4], "pkg:") {
		return false
	}
	_, err := packageurl.FromString(s)
	return err == nil
}
