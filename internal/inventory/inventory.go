// Package inventory holds what patchline knows about the software a project
// uses: packages with their ecosystem, name, version and where they were
// declared, and the [Extractor] interface that every file-format parser
// implements.
//
// The scanner walks the file system and opens files; an extractor only parses
// what it is given, so extractors stay small and testable on their own.
package inventory

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// OSV ecosystem names, spelled exactly as in the OSV schema.
const (
	Go          = "Go"
	Npm         = "npm"
	PyPI        = "PyPI"
	CratesIO    = "crates.io"
	RubyGems    = "RubyGems"
	Packagist   = "Packagist"
	Maven       = "Maven"
	NuGet       = "NuGet"
	Pub         = "Pub"
	Hex         = "Hex"
	SwiftURL    = "SwiftURL"
	ConanCenter = "ConanCenter"
	CRAN        = "CRAN"
	Hackage     = "Hackage"
	// CocoaPods has no OSV ecosystem (and no advisories) yet; packages
	// are listed under this name so that inventories and SBOMs are complete.
	CocoaPods = "CocoaPods"

	Stdlib = "stdlib" // package name OSV uses for the Go standard library
)

// Relation says how a package entered the dependency graph.
type Relation string

// Relations. RelationUnknown means the file format does not say.
const (
	RelationUnknown    Relation = ""
	RelationDirect     Relation = "direct"
	RelationTransitive Relation = "transitive"
)

// Scope says whether a package is needed at run time or only to develop.
type Scope string

// Scopes. ScopeUnknown means the file format does not say.
const (
	ScopeUnknown Scope = ""
	ScopeProd    Scope = "prod"
	ScopeDev     Scope = "dev"
	// ScopeOptional marks optional dependencies (npm optionalDependencies,
	// Python extras) that may or may not be installed.
	ScopeOptional Scope = "optional"
)

// Location is where a package was declared: the file as the scan saw it
// (slash-separated, relative to the scan root or as given on the command line)
// and a 1-based line, 0 when the format has no useful line.
type Location struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
}

// Package is one resolved (or, for manifests without a lock, declared)
// dependency.
type Package struct {
	// Ecosystem is the OSV ecosystem name, e.g. "npm".
	Ecosystem string
	// Name is the package name as the ecosystem spells it in the file
	// (normalisation for matching happens elsewhere).
	Name string
	// Version is the exact installed version. It is empty when the file
	// does not pin one (see Requirement).
	Version string
	// Requirement is the version constraint as written when the file does
	// not pin an exact version, e.g. ">=2.0" in a requirements.txt.
	// Such packages are listed but never matched against advisories by guess.
	Requirement string
	Relation    Relation
	Scope       Scope
	Location    Location
	// Note explains anything unusual about the entry, e.g. a Go module
	// replaced by a local directory, or which go.mod line gave the Go version.
	Note string

	// The dependency graph, where the format records it: ID names this
	// package within its inventory (unique there; e.g. its node_modules
	// path, or "name@version"), and DependsOn lists the IDs of the
	// packages it depends on directly. Both are empty when the format does
	// not record the graph.
	ID        string
	DependsOn []string
	// Hashes are the integrity checksums the file records for the package,
	// as "algorithm:hex" or as written (npm's "sha512-<base64>").
	Hashes []string
	// Licenses are the licence expressions the file records (SPDX ids where
	// it uses them); empty when it records none.
	Licenses []string
}

// Inventory is what one extractor found in one file.
type Inventory struct {
	Packages []Package
	// Roots lists the IDs of the packages the project itself depends on
	// directly, when the format records the graph (see Package.DependsOn).
	Roots []string
}

// Input is one file handed to an extractor.
type Input struct {
	// Path is the file's path as reported to the user: slash-separated and
	// relative to the scan root, or as given on the command line.
	Path string
	// FS is the file system the scan reads, rooted at the scan root. FSPath
	// is the file's path inside FS. Extractors use them to read sibling files
	// (go.sum beside go.mod) or includes (-r in requirements.txt).
	FS     fs.FS
	FSPath string
	// Reader reads the file's content.
	Reader io.Reader
	// Info describes the file; it may be nil.
	Info fs.FileInfo
}

// Extractor parses one kind of file into an [Inventory].
type Extractor interface {
	// Name identifies the extractor, e.g. "javascript/packagelock".
	Name() string
	// FileRequired reports whether the extractor parses the file at path
	// (slash-separated, as in [Input.Path]); it usually looks at the base name only.
	FileRequired(path string) bool
	// Extract parses the input. It may return packages and an error
	// together: what could be parsed is kept, and the error says what could not.
	Extract(ctx context.Context, in *Input) (Inventory, error)
}

// ContentExtractor is an [Extractor] that also recognises files by their
// content rather than their name, such as executables. The walker offers it
// files no name-based extractor took, and only those that could be what it
// reads (regular files with an executable bit, or without an extension).
type ContentExtractor interface {
	Extractor
	// FileRequiredByContent reports whether the extractor parses the file,
	// from its first bytes (up to 4 KiB; fewer for a smaller file).
	FileRequiredByContent(path string, header []byte) bool
}

// ErrNotRecognized is matched (with errors.Is) by the errors of
// [NotRecognized]: the file is not in the extractor's format after all. For
// files offered by content during a directory walk (any executable), the
// scanner passes over such files instead of reporting a failure.
var ErrNotRecognized = errors.New("file not recognised")

// NotRecognized returns an error with text msg that matches
// [ErrNotRecognized].
func NotRecognized(msg string) error { return &notRecognized{msg: msg} }

type notRecognized struct{ msg string }

func (e *notRecognized) Error() string        { return e.msg }
func (e *notRecognized) Is(target error) bool { return target == ErrNotRecognized }

// ParseError is a failure to parse a file, with the position when known.
type ParseError struct {
	Path   string
	Line   int // 1-based; 0 when unknown
	Column int // 1-based; 0 when unknown
	Err    error
}

func (e *ParseError) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %v", e.Path, e.Line, e.Column, e.Err)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	default:
		return fmt.Sprintf("%s: %v", e.Path, e.Err)
	}
}

func (e *ParseError) Unwrap() error { return e.Err }

// ErrUnresolved is matched (with errors.Is) by the errors of [Unresolvedf]:
// the file parsed, but something it refers to is not in the scanned tree (a
// parent pom.xml from a repository). The scan reports it as a warning, not
// as a file that failed, and the packages it leaves without a version say
// why in their notes.
var ErrUnresolved = errors.New("reference not resolved")

// Unresolvedf returns a [*ParseError] for path at line that matches
// [ErrUnresolved].
func Unresolvedf(path string, line int, format string, args ...any) error {
	return &ParseError{Path: path, Line: line, Err: &unresolved{msg: fmt.Sprintf(format, args...)}}
}

type unresolved struct{ msg string }

func (e *unresolved) Error() string        { return e.msg }
func (e *unresolved) Is(target error) bool { return target == ErrUnresolved }

// Errorf returns a [*ParseError] for path at line with a formatted message.
func Errorf(path string, line int, format string, args ...any) error {
	return &ParseError{Path: path, Line: line, Err: fmt.Errorf(format, args...)}
}
