// Package yamllock holds what the extractors of YAML lock files
// (pnpm-lock.yaml, Yarn 2+ yarn.lock, pubspec.lock, Podfile.lock) share on
// top of gopkg.in/yaml.v3: its errors turned into an [inventory.ParseError]
// at the line it names, and nodes described for messages.
package yamllock

import (
	"fmt"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/patchline/patchline/internal/inventory"
)

// errorLine reads yaml.v3's "yaml: line 3: did not find expected key".
var errorLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// DecodeError turns an error of the yaml.v3 decoder for file into an
// [*inventory.ParseError], at the line the error names when it names one.
func DecodeError(file string, err error) error {
	if m := errorLine.FindStringSubmatch(err.Error()); m != nil {
		if line, convErr := strconv.Atoi(m[1]); convErr == nil {
			return inventory.Errorf(file, line, "invalid YAML: %s", m[2])
		}
	}
	return &inventory.ParseError{Path: file, Err: fmt.Errorf("invalid YAML: %w", err)}
}

// maxScalar is how many bytes of a scalar [KindName] shows.
const maxScalar = 60

// KindName describes n for a message about a value of the wrong kind: "a
// mapping", "a list", "an alias", "a document", or a scalar's value quoted
// (%q), cut after 60 bytes with "...".
func KindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		s := n.Value
		if len(s) > maxScalar {
			s = s[:maxScalar] + "..."
		}
		return fmt.Sprintf("%q", s)
	case yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}
