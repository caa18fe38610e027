// Package version defines how patchline compares versions: every ecosystem
// has an [Ordering] that parses its version strings by the ecosystem's own
// rules, and parsed versions compare only with versions of the same ordering.
//
// Version semantics are core to patchline (they decide whether a package is
// affected), so the orderings in the subpackages are written against each
// ecosystem's specification and tested with the specification's own examples.
package version

// Version is a parsed version.
type Version interface {
	// Compare returns -1, 0 or +1 as the version is lower than, equal to or
	// higher than other. other must come from the same [Ordering]; comparing
	// versions of different orderings is a programming error.
	Compare(other Version) int
	// String returns the version as it was parsed.
	String() string
}

// Ordering parses versions of one versioning scheme.
type Ordering interface {
	// Parse parses s, or returns an error saying why s is not a valid version
	// in this scheme.
	Parse(s string) (Version, error)
}
