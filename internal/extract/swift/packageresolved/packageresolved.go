// Package packageresolved extracts Swift packages from Package.resolved, the
// pin file of the Swift Package Manager (and of Xcode, which keeps one in
// *.xcodeproj/project.xcworkspace/xcshareddata/swiftpm/), in its three
// formats:
//
//   - version 1: {"object": {"pins": [{"package", "repositoryURL",
//     "state": {"branch", "revision", "version"}}]}, "version": 1};
//   - versions 2 and 3 (Swift 5.6 and 5.10 on): {"pins": [{"identity",
//     "kind", "location", "state"}], "version": 2}, version 3 adding an
//     "originHash".
//
// Packages are in OSV's SwiftURL ecosystem, which names a package by its
// repository URL without scheme, user and ".git": a pin of
// "https://github.com/apple/swift-nio.git" is "github.com/apple/swift-nio"
// (the host is lower-cased, the path kept as written). An SSH location such as
// "git@github.com:owner/repo.git" gives "github.com/owner/repo".
//
// A pin with a "version" is listed with it. A pin to a branch or a bare
// revision has no version: it is listed with an empty Version, the branch or
// revision as Requirement and a Note, and is never matched by guess.
// Registry pins (kind "registry", named "scope.name") and local repositories
// (kind "localSourceControl") cannot be named by URL: they are listed under
// their identity with a Note.
//
// The file does not say which packages the manifest names, nor whether they
// are used only by tests, so relation and scope are unknown.
package packageresolved

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
const Name = "swift/packageresolved"

// Extractor extracts packages from Package.resolved files.
type Extractor struct{}

// New returns a Package.resolved [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a Package.resolved.
func (e *Extractor) FileRequired(p string) bool { return path.Base(p) == "Package.resolved" }

// ctxCheckEvery is how many pins are read between checks of ctx.
const ctxCheckEvery = 256

// Extract parses the Package.resolved in in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	root, errs := jsontree.ReadObject(in, "Package.resolved")
	if root == nil {
		return inventory.Inventory{}, errors.Join(errs...)
	}

	// The version comes last in version 1 files; a file cut before it is
	// still recognised by its "object".
	format := 0
	if v := root.Get("version"); v != nil {
		switch {
		case v.Kind == jsontree.Number && v.Str == "1":
			format = 1
		case v.Kind == jsontree.Number && (v.Str == "2" || v.Str == "3"):
			format = 2
		default:
			return inventory.Inventory{}, errors.Join(append(errs, inventory.Errorf(in.Path, v.Line,
				"Package.resolved version %s is not supported (versions 1 to 3 are)", v.Describe()))...)
		}
	}
	var pins *jsontree.Node
	switch {
	case format == 1 || (format == 0 && root.Get("object") != nil):
		format = 1
		obj := root.Get("object")
		if obj != nil && obj.Kind != jsontree.Object {
			return inventory.Inventory{}, errors.Join(append(errs, inventory.Errorf(in.Path, obj.Line,
				"\"object\" is a JSON %s, want an object", obj.KindName()))...)
		}
		pins = obj.Get("pins")
	case format == 2 || root.Get("pins") != nil:
		format = 2
		pins = root.Get("pins")
	default:
		if !root.Complete {
			return inventory.Inventory{}, errors.Join(errs...)
		}
		return inventory.Inventory{}, inventory.Errorf(in.Path, root.Line, "no \"pins\", \"object\" or \"version\": not a Package.resolved")
	}
	if pins == nil {
		return inventory.Inventory{}, errors.Join(errs...)
	}
	if pins.Kind != jsontree.Array {
		return inventory.Inventory{}, errors.Join(append(errs, inventory.Errorf(in.Path, pins.Line,
			"\"pins\" is a JSON %s, want an array", pins.KindName()))...)
	}

	var pkgs []inventory.Package
	for i, pin := range pins.Items {
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := ctx.Err(); err != nil {
				return inventory.Inventory{}, err
			}
		}
		if !pin.Complete {
			continue // the syntax error covers it
		}
		p, err := toPackage(in.Path, format, pin)
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

// toPackage turns a pin of the given format (1, or 2 for versions 2 and 3)
// into a package.
func toPackage(file string, format int, pin *jsontree.Node) (inventory.Package, error) {
	if pin.Kind != jsontree.Object {
		return inventory.Package{}, inventory.Errorf(file, pin.Line, "pin is a JSON %s, want an object", pin.KindName())
	}
	idKey, locKey := "identity", "location"
	if format == 1 {
		idKey, locKey = "package", "repositoryURL"
	}
	line := pin.Line
	for _, m := range pin.Members {
		if m.Key == idKey {
			line = m.Line
			break
		}
	}
	identity, _ := pin.Get(idKey).Text()
	location, _ := pin.Get(locKey).Text()
	kind, _ := pin.Get("kind").Text()
	label := identity
	if label == "" {
		label = location
	}
	state := pin.Get("state")
	if state == nil || state.Kind != jsontree.Object {
		return inventory.Package{}, inventory.Errorf(file, line, "pin %q has no \"state\" object", label)
	}
	p := inventory.Package{
		Ecosystem: inventory.SwiftURL,
		Location:  inventory.Location{File: file, Line: line},
	}
	var notes []string
	switch kind {
	case "", "remoteSourceControl":
		name, ok := urlName(location)
		if !ok {
			if location == "" {
				return inventory.Package{}, inventory.Errorf(file, line, "pin %q has no %q", label, locKey)
			}
			if identity == "" {
				return inventory.Package{}, inventory.Errorf(file, line, "pin location %q is not a URL and the pin has no %q", location, idKey)
			}
			name = identity
			notes = append(notes, fmt.Sprintf("location %q is not a URL", location))
		}
		p.Name = name
	case "registry":
		if identity == "" {
			return inventory.Package{}, inventory.Errorf(file, line, "registry pin without %q", idKey)
		}
		p.Name = identity
		notes = append(notes, "from a package registry; OSV names Swift packages by repository URL")
	case "localSourceControl":
		if identity == "" {
			return inventory.Package{}, inventory.Errorf(file, line, "local pin without %q", idKey)
		}
		p.Name = identity
		notes = append(notes, fmt.Sprintf("local repository %q", location))
	default:
		return inventory.Package{}, inventory.Errorf(file, line, "pin %q has unknown kind %q", label, kind)
	}

	version, _ := state.Get("version").Text()
	branch, _ := state.Get("branch").Text()
	revision, _ := state.Get("revision").Text()
	switch {
	case version != "":
		p.Version = version
	case branch != "":
		p.Requirement = "branch " + branch
		notes = append(notes, fmt.Sprintf("pinned to branch %q at revision %s; no version", branch, orUnknown(revision)))
	case revision != "":
		p.Requirement = "revision " + revision
		notes = append(notes, "pinned to a revision; no version")
	default:
		return inventory.Package{}, inventory.Errorf(file, line, "pin %q has no version, branch or revision", label)
	}
	p.Note = strings.Join(notes, "; ")
	return p, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// urlName turns a repository location into a SwiftURL package name: the URL
// without scheme, user, trailing "/" and ".git", with the host lower-cased.
// It accepts "scheme://[user@]host/path" and scp-like "user@host:path"; ok
// is false for anything else (local paths).
func urlName(loc string) (name string, ok bool) {
	loc = strings.TrimSpace(loc)
	var host, rest string
	if _, after, found := strings.Cut(loc, "://"); found {
		host, rest, _ = strings.Cut(after, "/")
		if i := strings.LastIndexByte(host, '@'); i >= 0 {
			host = host[i+1:]
		}
	} else {
		// scp-like syntax: [user@]host:path, with no "/" before the ":".
		colon := strings.IndexByte(loc, ':')
		slash := strings.IndexByte(loc, '/')
		if colon <= 0 || (slash >= 0 && slash < colon) {
			return "", false
		}
		host, rest = loc[:colon], loc[colon+1:]
		if i := strings.LastIndexByte(host, '@'); i >= 0 {
			host = host[i+1:]
		}
		rest = strings.TrimPrefix(rest, "/")
	}
	rest = strings.TrimRight(rest, "/")
	rest = strings.TrimSuffix(rest, ".git")
	if host == "" || rest == "" {
		return "", false
	}
	return strings.ToLower(host) + "/" + rest, true
}
