// Package gover converts Go toolchain versions to the semantic versions that
// the Go vulnerability database uses for the "stdlib" and "toolchain"
// packages.
//
// Go names its releases outside SemVer: "go1.21.3", "go1.21rc1",
// "go1.18beta1", and before Go 1.21 the first release of a minor version had
// no patch number ("go1.20"). The forms patchline meets are:
//
//   - the go.mod and go.work "go" line: "1.21", "1.21.0", "1.21rc1", no "go"
//     prefix;
//   - the "toolchain" line: "go1.21.3", possibly with a custom suffix after
//     "-" ("go1.21.3-bigcorp");
//   - the Go version recorded in a binary (runtime.Version): "go1.22.0",
//     possibly followed by " X:experiment" when built with GOEXPERIMENT.
//
// The database writes releases as "1.21.3" and "1.21.0-rc.1" (without "v";
// a beta would follow the pattern, "1.18.0-beta.1"), and "1.18.0-0" for
// "before every 1.18 prerelease".
// [ToSemver] converts accordingly; its result parses with
// [github.com/patchline/patchline/internal/version/semver.GoOrdering] and
// compares with the database's ranges.
//
// One form has no exact counterpart. Since Go 1.21, "go 1.21" in go.mod names
// the language version, which Go orders below "1.21rc1" and "1.21.0"; it is
// not a release. [ToSemver] maps it to "1.21.0", the first final release of
// that language version, because OSV ranges have no form for a language
// version. (The release candidates that also accept "go 1.21" are then not
// covered; a caller that must count them handles the language version
// itself.) Before Go 1.21, "1.20" was the release itself and is "1.20.0"
// exactly.
//
// Neither the standard library (go/version only compares) nor
// golang.org/x/mod offers this conversion, and govulncheck's is internal, so
// it is written here, against the forms the Go command accepts.
//
// Conversion follows the Go command (go/version and the go.mod grammar): no
// leading zeros, pre-release kinds "alpha", "beta" and "rc" with a number.
// Unlike go/version it also accepts the prereleases of patch releases that
// Go once published ("go1.9.2rc2" is "1.9.2-rc.2"). Development builds
// ("devel go1.23-abcdef ...") and the toolchain name "default" name no
// release and are errors.
package gover

import (
	"errors"
	"fmt"
	"strings"
)

// ToSemver converts the Go toolchain or language version s to the semantic
// version the Go vulnerability database uses, without a "v" prefix:
//
//	"1.21"        -> "1.21.0"
//	"1.20"        -> "1.20.0"
//	"go1"         -> "1.0.0"
//	"go1.21.3"    -> "1.21.3"
//	"1.21rc1"     -> "1.21.0-rc.1"
//	"go1.18beta1" -> "1.18.0-beta.1"
//	"go1.21.3-bigcorp", "go1.22.0 X:rangefunc" -> "1.21.3", "1.22.0"
//
// Surrounding whitespace is ignored. A custom suffix after "-", or anything
// after the first space, is dropped only after a "go" prefix, as only
// toolchain names and binaries carry them: "1.21.0-rc.1" is not a Go version
// and is an error rather than read as "1.21.0".
func ToSemver(s string) (string, error) {
	fail := func(why string) (string, error) {
		return "", fmt.Errorf("invalid Go version %q: %s", s, why)
	}
	v := strings.TrimSpace(s)
	switch {
	case v == "":
		return fail("empty")
	case v == "default":
		return fail(`the toolchain "default" names no release`)
	case strings.HasPrefix(v, "devel"):
		return fail("a development build names no release")
	case strings.HasPrefix(v, "go"):
		v = v[len("go"):]
		v, _, _ = strings.Cut(v, " ")
		v, _, _ = strings.Cut(v, "-")
	}

	var major, minor, patch, kind, pre string
	var err error
	if major, v, err = cutNum(v, "major version"); err != nil {
		return fail(err.Error())
	}
	if major == "0" {
		return fail("Go versions start at 1")
	}
	if v == "" {
		// "1" and "go1" name Go 1.0.
		return major + ".0.0", nil
	}
	if v[0] != '.' {
		return fail(`want "." after the major version`)
	}
	if minor, v, err = cutNum(v[1:], "minor version"); err != nil {
		return fail(err.Error())
	}
	patch = "0"
	if v != "" && v[0] == '.' {
		if patch, v, err = cutNum(v[1:], "patch version"); err != nil {
			return fail(err.Error())
		}
	}
	if v != "" {
		i := 0
		for i < len(v) && 'a' <= v[i] && v[i] <= 'z' {
			i++
		}
		kind, v = v[:i], v[i:]
		switch kind {
		case "alpha", "beta", "rc":
		case "":
			return fail(fmt.Sprintf("unexpected %q", v))
		default:
			return fail(fmt.Sprintf("unknown pre-release kind %q, want alpha, beta or rc", kind))
		}
		if pre, v, err = cutNum(v, kind+" number"); err != nil {
			return fail(err.Error())
		}
		if v != "" {
			return fail(fmt.Sprintf("unexpected %q after %s%s", v, kind, pre))
		}
		return major + "." + minor + "." + patch + "-" + kind + "." + pre, nil
	}
	return major + "." + minor + "." + patch, nil
}

// cutNum cuts a decimal number without leading zeros from the start of s.
// what names the number in errors.
func cutNum(s, what string) (n, rest string, err error) {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	switch {
	case i == 0:
		return "", "", errors.New("want a number for the " + what)
	case s[0] == '0' && i > 1:
		return "", "", fmt.Errorf("the %s %q has a leading zero", what, s[:i])
	}
	return s[:i], s[i:], nil
}
