package requirements

import (
	"fmt"
	"net/url"
	"path"
	"strings"
)

// requirement is one parsed requirement.
type requirement struct {
	name       string // as written; "" for an unnamed local directory
	version    string // exact version from == or ===, else ""
	constraint string // the specifier or URL as written when version is ""
	marker     string // environment marker, e.g. python_version < "3.8"
	source     string // where a non-registry requirement comes from, for the note
}

// parseRequirement parses a requirement as pip accepts it: a PEP 508
// requirement (name, extras, version specifiers, marker), `name @ URL`, a
// URL or version-control URL (named by #egg= or a wheel file name) or a local
// path.
func parseRequirement(s string) (requirement, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return requirement{}, fmt.Errorf("empty requirement")
	}
	if hasScheme(s) {
		loc, marker := cutURLMarker(s)
		return urlRequirement(loc, marker, s)
	}
	name, rest, err := parseNameExtras(s)
	if err == nil {
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, "@") {
			loc, marker := cutURLMarker(strings.TrimSpace(rest[1:]))
			if loc == "" {
				return requirement{}, fmt.Errorf("invalid requirement %q: no URL after @", s)
			}
			return requirement{name: name, constraint: loc, marker: marker, source: sourceOf(loc)}, nil
		}
		if !looksLikePath(s) {
			return specRequirement(name, rest, s)
		}
	}
	if looksLikePath(s) {
		loc, marker := cutURLMarker(s)
		return urlRequirement(loc, marker, s)
	}
	return requirement{}, err
}

// specRequirement finishes a PEP 508 requirement whose name is parsed; rest
// holds the version specifiers and marker.
func specRequirement(name, rest, line string) (requirement, error) {
	req := requirement{name: name}
	spec, marker, hasMarker := strings.Cut(rest, ";")
	if hasMarker {
		req.marker = strings.TrimSpace(marker)
		if req.marker == "" {
			return requirement{}, fmt.Errorf("invalid requirement %q: empty environment marker after ;", line)
		}
	}
	spec = strings.TrimSpace(spec)
	if strings.HasPrefix(spec, "(") {
		if !strings.HasSuffix(spec, ")") {
			return requirement{}, fmt.Errorf("invalid requirement %q: unclosed (", line)
		}
		spec = strings.TrimSpace(spec[1 : len(spec)-1])
	}
	if spec == "" {
		return req, nil
	}
	exact := 0
	for _, clause := range strings.Split(spec, ",") {
		op, version, err := parseClause(clause)
		if err != nil {
			return requirement{}, fmt.Errorf("invalid requirement %q: %w", line, err)
		}
		if op == "===" || (op == "==" && !strings.Contains(version, "*")) {
			exact++
			req.version = version
		}
	}
	if exact != 1 {
		req.version = ""
		req.constraint = spec
	}
	return req, nil
}

// parseClause parses one version clause such as ">= 1.2".
func parseClause(clause string) (op, version string, err error) {
	clause = strings.TrimSpace(clause)
	for _, o := range []string{"===", "==", "!=", "<=", ">=", "~=", "<", ">"} {
		if strings.HasPrefix(clause, o) {
			op = o
			break
		}
	}
	if op == "" {
		return "", "", fmt.Errorf("%q does not start with a version operator (==, >=, ~=, ...)", clause)
	}
	version = strings.TrimSpace(clause[len(op):])
	if version == "" {
		return "", "", fmt.Errorf("no version after %q", op)
	}
	for _, c := range version {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.ContainsRune(".*+!_-", c)
		if op == "===" {
			ok = c > ' ' && c != ',' && c != ';'
		}
		if !ok {
			return "", "", fmt.Errorf("version %q has an invalid character %q", version, c)
		}
	}
	return op, version, nil
}

// parseNameExtras reads a PEP 508 name and optional [extras] at the start of
// s and returns the rest.
func parseNameExtras(s string) (name, rest string, err error) {
	i := 0
	for i < len(s) && isNameChar(s[i]) {
		i++
	}
	name = s[:i]
	if !validName(name) {
		return "", "", fmt.Errorf("invalid requirement %q: %q is not a valid package name", s, name)
	}
	rest = strings.TrimLeft(s[i:], " \t")
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return "", "", fmt.Errorf("invalid requirement %q: unclosed [", s)
		}
		for _, extra := range strings.Split(rest[1:end], ",") {
			if extra = strings.TrimSpace(extra); extra != "" && !validName(extra) {
				return "", "", fmt.Errorf("invalid requirement %q: %q is not a valid extra", s, extra)
			}
		}
		rest = rest[end+1:]
	}
	return name, rest, nil
}

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-'
}

// validName reports whether s is a valid PEP 508 name: letters, digits, '.',
// '_' and '-', starting and ending with a letter or digit.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameChar(s[i]) {
			return false
		}
	}
	first, last := s[0], s[len(s)-1]
	return isAlnum(first) && isAlnum(last)
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// hasScheme reports whether s starts with a URL scheme such as https:// or
// git+ssh://, or is a file: URL.
func hasScheme(s string) bool {
	if strings.HasPrefix(strings.ToLower(s), "file:") {
		return true
	}
	i := strings.Index(s, "://")
	if i <= 0 {
		return false
	}
	for j := 0; j < i; j++ {
		c := s[j]
		if !(isAlnum(c) || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return isAlnum(s[0])
}

// looksLikePath reports whether s is a local path rather than a name, as pip
// decides for requirements that are not URLs: it starts with . / ~, holds a
// path separator, or names an archive.
func looksLikePath(s string) bool {
	loc, _, _ := strings.Cut(s, ";")
	loc = strings.TrimSpace(loc)
	if strings.HasPrefix(loc, ".") || strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "~") ||
		strings.ContainsAny(loc, `/\`) {
		return true
	}
	return isArchive(loc)
}

// isArchive reports whether name ends like a wheel or source archive.
func isArchive(name string) bool {
	name = strings.ToLower(name)
	for _, ext := range []string{".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// cutURLMarker splits a URL or path requirement from its environment marker.
// pip needs whitespace next to the ; there, since a URL may hold a ;.
func cutURLMarker(s string) (loc, marker string) {
	for i := 0; i < len(s); i++ {
		if s[i] != ';' {
			continue
		}
		before := i > 0 && (s[i-1] == ' ' || s[i-1] == '\t')
		after := i+1 < len(s) && (s[i+1] == ' ' || s[i+1] == '\t')
		if before || after {
			return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
		}
	}
	return strings.TrimSpace(s), ""
}

// sourceOf describes where a URL or path requirement comes from.
func sourceOf(loc string) string {
	lower := strings.ToLower(loc)
	for _, vcs := range []string{"git+", "hg+", "svn+", "bzr+"} {
		if strings.HasPrefix(lower, vcs) {
			return "from version control"
		}
	}
	if strings.HasPrefix(lower, "file:") || !hasScheme(loc) {
		return "from a local path"
	}
	return "from a URL"
}

// urlRequirement names a URL or path requirement from its #egg= fragment or
// its wheel file name. An unnamed local directory gives a requirement without
// a name; an unnamed archive or remote URL is an error, since the package
// cannot be identified.
func urlRequirement(loc, marker, line string) (requirement, error) {
	req := requirement{constraint: loc, marker: marker, source: sourceOf(loc)}
	base, fragment, _ := strings.Cut(loc, "#")
	if fragment != "" {
		if q, err := url.ParseQuery(fragment); err == nil {
			egg := q.Get("egg")
			if i := strings.IndexByte(egg, '['); i >= 0 {
				egg = egg[:i]
			}
			if egg != "" {
				if !validName(egg) {
					return requirement{}, fmt.Errorf("invalid requirement %q: #egg=%s is not a valid package name", line, egg)
				}
				req.name = egg
				return req, nil
			}
		}
	}
	base, _, _ = strings.Cut(base, "?")
	file := path.Base(strings.ReplaceAll(base, `\`, "/"))
	if strings.HasSuffix(strings.ToLower(file), ".whl") {
		if name, _, ok := strings.Cut(file, "-"); ok && validName(name) {
			req.name = name
			return req, nil
		}
		return requirement{}, fmt.Errorf("invalid requirement %q: %q is not a wheel file name", line, file)
	}
	if req.source == "from a local path" && !isArchive(file) {
		return requirement{}, nil // an unnamed local directory: the user's own code
	}
	return requirement{}, fmt.Errorf("cannot tell the package name of %q: write it as NAME @ URL or add #egg=NAME", loc)
}
