// Package stacklock extracts Haskell packages (OSV's Hackage ecosystem) from
// stack.yaml.lock, the lock file Stack (2.1 and later) writes beside
// stack.yaml.
//
// The file pins the snapshot and the extra-deps of stack.yaml:
//
//	packages:
//	- completed:
//	    hackage: aeson-2.1.2.1@sha256:...,5632
//	    pantry-tree: {sha256: ..., size: 123}
//	  original:
//	    hackage: aeson-2.1.2.1
//	snapshots:
//	- completed: {sha256: ..., size: ..., url: ...}
//	  original: lts-22.33
//
// Each entry of "packages" is one package, read from its "completed" form
// (else its "original"): a Hackage package from "hackage:
// NAME-VERSION[@sha256:HASH,SIZE | @rev:N]"; a package from git, Mercurial
// or an archive from the "name" and "version" that Stack recorded, with the
// repository and commit, or the archive URL, in the Note. The line is the
// line of the entry.
//
// The packages of the snapshot itself are not in the lock file (only the
// snapshot's name and hash are), so they are not listed; the inventory of a
// Stack project is its extra-deps. The file says nothing of direct or
// development use, so relation and scope are unknown.
package stacklock

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the extractor.
const Name = "haskell/stacklock"

// Extractor extracts packages from stack.yaml.lock files.
type Extractor struct{}

// New returns a stack.yaml.lock [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a stack.yaml.lock (or the lock file of
// another Stack configuration, NAME.yaml.lock beside NAME.yaml, which Stack
// writes for --stack-yaml NAME.yaml, when NAME starts with "stack").
func (e *Extractor) FileRequired(p string) bool {
	base := path.Base(p)
	return strings.HasPrefix(base, "stack") && strings.HasSuffix(base, ".yaml.lock")
}

// ctxCheckEvery is how many entries are read between checks of ctx.
const ctxCheckEvery = 256

// Extract parses the stack.yaml.lock in in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return inventory.Inventory{}, nil
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) { // only comments
			return inventory.Inventory{}, nil
		}
		return inventory.Inventory{}, yamlError(in.Path, data, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		line := 1
		if len(doc.Content) > 0 {
			line = doc.Content[0].Line
		}
		return inventory.Inventory{}, inventory.Errorf(in.Path, line, "not a stack.yaml.lock: want a mapping with \"packages\" and \"snapshots\"")
	}
	top := doc.Content[0]
	packages, snapshots := field(top, "packages"), field(top, "snapshots")
	if packages == nil {
		if snapshots == nil {
			return inventory.Inventory{}, inventory.Errorf(in.Path, top.Line, "no \"packages\" or \"snapshots\": not a stack.yaml.lock")
		}
		return inventory.Inventory{}, nil
	}
	if packages.Kind == yaml.ScalarNode && packages.Tag == "!!null" {
		return inventory.Inventory{}, nil
	}
	if packages.Kind != yaml.SequenceNode {
		return inventory.Inventory{}, inventory.Errorf(in.Path, packages.Line, "\"packages\" is not a list")
	}
	var pkgs []inventory.Package
	var errs []error
	for i, item := range packages.Content {
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := ctx.Err(); err != nil {
				return inventory.Inventory{}, err
			}
		}
		p, err := toPackage(in.Path, item)
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

// toPackage turns one "packages" entry into a package.
func toPackage(file string, item *yaml.Node) (inventory.Package, error) {
	if item.Kind != yaml.MappingNode {
		return inventory.Package{}, inventory.Errorf(file, item.Line, "package entry is not a mapping with \"completed\" and \"original\"")
	}
	loc := field(item, "completed")
	if loc == nil || loc.Kind != yaml.MappingNode {
		loc = field(item, "original")
	}
	if loc == nil || loc.Kind != yaml.MappingNode {
		return inventory.Package{}, inventory.Errorf(file, item.Line, "package entry has no \"completed\" or \"original\" location")
	}
	p := inventory.Package{
		Ecosystem: inventory.Hackage,
		Location:  inventory.Location{File: file, Line: item.Line},
	}
	if h := scalar(loc, "hackage"); h != "" {
		name, version, err := splitHackage(h)
		if err != nil {
			return inventory.Package{}, inventory.Errorf(file, item.Line, "%v", err)
		}
		p.Name, p.Version = name, version
		return p, nil
	}
	p.Name, p.Version = scalar(loc, "name"), scalar(loc, "version")
	var from string
	switch {
	case scalar(loc, "git") != "":
		from = fmt.Sprintf("from git %s at %s", scalar(loc, "git"), orUnknown(scalar(loc, "commit")))
	case scalar(loc, "hg") != "":
		from = fmt.Sprintf("from Mercurial %s at %s", scalar(loc, "hg"), orUnknown(scalar(loc, "commit")))
	case scalar(loc, "url") != "":
		from = "from archive " + scalar(loc, "url")
	case scalar(loc, "archive") != "":
		from = "from archive " + scalar(loc, "archive")
	default:
		return inventory.Package{}, inventory.Errorf(file, item.Line, "package entry has no hackage, git, hg or archive location")
	}
	if sub := scalar(loc, "subdir"); sub != "" {
		from += fmt.Sprintf(", subdir %q", sub)
	}
	if p.Name == "" || p.Version == "" {
		return inventory.Package{}, inventory.Errorf(file, item.Line, "package %s: no name and version recorded (run `stack build` to complete the lock file)", from)
	}
	p.Note = from
	return p, nil
}

// splitHackage splits "name-1.2.3[@sha256:...,size | @rev:N]" into name
// and version. Package names are words of letters and digits joined by
// hyphens, each word with a letter, so the version is what follows the last
// hyphen.
func splitHackage(s string) (name, version string, err error) {
	id, _, _ := strings.Cut(s, "@")
	id = strings.TrimSpace(id)
	i := strings.LastIndexByte(id, '-')
	if i <= 0 || i == len(id)-1 || !isVersion(id[i+1:]) {
		return "", "", fmt.Errorf("hackage package %q is not \"name-version\"", s)
	}
	return id[:i], id[i+1:], nil
}

// isVersion reports whether s is numbers separated by dots.
func isVersion(s string) bool {
	for p := range strings.SplitSeq(s, ".") {
		if p == "" {
			return false
		}
		for j := 0; j < len(p); j++ {
			if p[j] < '0' || p[j] > '9' {
				return false
			}
		}
	}
	return true
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown commit"
	}
	return s
}

// field returns the value of key in mapping m, or nil.
func field(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// scalar returns the scalar value of key in mapping m, or "".
func scalar(m *yaml.Node, key string) string {
	if v := field(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return strings.TrimSpace(v.Value)
	}
	return ""
}

// yamlLine finds the line in yaml.v3's error messages ("yaml: line 3: ...").
var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

// yamlError turns a yaml.v3 error into a ParseError. yaml.v3 often gives
// the line where the enclosing block starts rather than the line at fault,
// so the line is narrowed down by parsing ever shorter prefixes of the file
// (a bisection over its lines: a few more parses, on the error path only).
func yamlError(file string, data []byte, err error) error {
	msg, line := err.Error(), 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil {
			line, msg = n, m[2]
		}
	}
	line = max(line, firstBadLine(data), 1)
	return inventory.Errorf(file, line, "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
}

// firstBadLine returns the smallest n such that the first n lines of data
// do not parse as YAML, assuming that the whole of data does not.
func firstBadLine(data []byte) int {
	var ends []int // offset just past each line
	for i, c := range data {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	bad := func(n int) bool {
		var v yaml.Node
		err := yaml.Unmarshal(data[:ends[n-1]], &v)
		return err != nil
	}
	lo, hi := 0, len(ends) // the first lo lines parse; the first hi do not
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if bad(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}
