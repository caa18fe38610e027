// Package config reads patchline's per-project configuration file,
// .patchline.yaml. Today it holds suppressions: findings a project has
// reviewed and accepted, each with a reason, an owner, a scope (a package, a
// path) and, ideally, an expiry date after which the finding comes back.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/package-url/packageurl-go"
	"gopkg.in/yaml.v3"
)

// FileName is the configuration file looked for at the scan root.
const FileName = ".patchline.yaml"

// Config is one configuration file.
type Config struct {
	// Path is the file the configuration was read from.
	Path   string        `yaml:"-"`
	Ignore []Suppression `yaml:"ignore"`
}

// Suppression accepts one vulnerability, named by any of its ids,
// everywhere or only within a scope (a package, a path).
type Suppression struct {
	// ID is an advisory id or any alias of it (CVE, GHSA, ...).
	ID string `yaml:"id"`
	// Reason says why the finding is accepted; it is required.
	Reason string `yaml:"reason"`
	// Owner is who accepted it (a person or team), for the next review.
	Owner string `yaml:"owner,omitempty"`
	// Expires is the last day (YYYY-MM-DD, UTC) the suppression applies.
	Expires string `yaml:"expires,omitempty"`
	// PURL limits the suppression to one package: a package URL without a
	// version matches every version ("pkg:npm/lodash"), with one only that
	// version.
	PURL string `yaml:"purl,omitempty"`
	// Path limits the suppression to findings from files matching a glob,
	// relative to the configuration file's directory: "*" matches within a
	// path segment, "**" across segments ("services/legacy/**").
	Path string `yaml:"path,omitempty"`
	// Line is where the suppression is in the file.
	Line int `yaml:"-"`

	expires time.Time // the first instant the suppression no longer applies
	purl    *purlScope
	path    *regexp.Regexp
}

// Expired reports whether the suppression no longer applies at now.
func (s *Suppression) Expired(now time.Time) bool {
	return !s.expires.IsZero() && !now.Before(s.expires)
}

// Find returns the path of the configuration file in dir, or "" when there
// is none.
func Find(dir string) (string, error) {
	p := filepath.Join(dir, FileName)
	_, err := os.Stat(p)
	switch {
	case err == nil:
		return p, nil
	case errors.Is(err, fs.ErrNotExist):
		return "", nil
	}
	return "", fmt.Errorf("config: %w", err)
}

// Load reads and checks the configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data)
}

// Parse parses configuration data read from path. Unknown keys are errors,
// so that a misspelt key never silently disables a setting.
func Parse(path string, data []byte) (*Config, error) {
	c := &Config{Path: path}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return c, nil // an empty file is an empty configuration
		}
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	dec = yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	lines := suppressionLines(&doc)
	for i := range c.Ignore {
		s := &c.Ignore[i]
		if i < len(lines) {
			s.Line = lines[i]
		}
		if strings.TrimSpace(s.ID) == "" {
			return nil, fmt.Errorf("config %s:%d: suppression has no id", path, s.Line)
		}
		if strings.TrimSpace(s.Reason) == "" {
			return nil, fmt.Errorf("config %s:%d: suppression of %q has no reason: say why it is accepted", path, s.Line, s.ID)
		}
		if s.PURL != "" {
			ps, err := parsePURLScope(s.PURL)
			if err != nil {
				return nil, fmt.Errorf("config %s:%d: suppression of %q: %w", path, s.Line, s.ID, err)
			}
			s.purl = ps
		}
		if s.Path != "" {
			re, err := globRegexp(s.Path)
			if err != nil {
				return nil, fmt.Errorf("config %s:%d: suppression of %q: path %q: %w", path, s.Line, s.ID, s.Path, err)
			}
			s.path = re
		}
		if s.Expires != "" {
			day, err := time.Parse(time.DateOnly, s.Expires)
			if err != nil {
				return nil, fmt.Errorf("config %s:%d: suppression of %q: expires %q is not a date (want YYYY-MM-DD)", path, s.Line, s.ID, s.Expires)
			}
			s.expires = day.AddDate(0, 0, 1)
		}
	}
	return c, nil
}

// suppressionLines returns the line of each item of the ignore list.
func suppressionLines(doc *yaml.Node) []int {
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "ignore" && m.Content[i+1].Kind == yaml.SequenceNode {
			var lines []int
			for _, item := range m.Content[i+1].Content {
				lines = append(lines, item.Line)
			}
			return lines
		}
	}
	return nil
}

// Finding is what a suppression is matched against.
type Finding struct {
	// IDs are the vulnerability's id and aliases.
	IDs []string
	// PURL is the package's URL, with its version.
	PURL string
	// Source is the file the finding came from, slash-separated, as the
	// scan reports it.
	Source string
}

// Match returns the suppression that applies at now to a finding, if any,
// and the expired suppressions that would have matched it (they no longer
// apply, and the scan says so).
func (c *Config) Match(f Finding, now time.Time) (*Suppression, []*Suppression) {
	if c == nil {
		return nil, nil
	}
	var expired []*Suppression
	for i := range c.Ignore {
		s := &c.Ignore[i]
		if !s.names(f.IDs) || !s.inScope(f, c.Path) {
			continue
		}
		if s.Expired(now) {
			expired = append(expired, s)
			continue
		}
		return s, expired
	}
	return nil, expired
}

func (s *Suppression) names(ids []string) bool {
	for _, id := range ids {
		if strings.EqualFold(id, s.ID) {
			return true
		}
	}
	return false
}

// inScope reports whether the finding is within the suppression's package
// and path scope. Paths are relative to the configuration file.
func (s *Suppression) inScope(f Finding, configPath string) bool {
	if s.purl != nil && !s.purl.matches(f.PURL) {
		return false
	}
	if s.path != nil {
		rel := f.Source
		if dir := filepath.ToSlash(filepath.Dir(configPath)); dir != "." && dir != "" {
			if !strings.HasPrefix(f.Source, dir+"/") {
				return false
			}
			rel = strings.TrimPrefix(f.Source, dir+"/")
		}
		if !s.path.MatchString(rel) {
			return false
		}
	}
	return true
}

// purlScope is the package a suppression is limited to.
type purlScope struct {
	typ, namespace, name, version string
}

func parsePURLScope(s string) (*purlScope, error) {
	p, err := packageurl.FromString(s)
	if err != nil {
		return nil, fmt.Errorf("purl %q: %w", s, err)
	}
	return &purlScope{typ: p.Type, namespace: p.Namespace, name: p.Name, version: p.Version}, nil
}

func (ps *purlScope) matches(purl string) bool {
	p, err := packageurl.FromString(purl)
	if err != nil {
		return false
	}
	// Package managers differ on case; PURL types are lower case, and
	// names compare case-insensitively for the ecosystems that say so.
	return strings.EqualFold(p.Type, ps.typ) && strings.EqualFold(p.Namespace, ps.namespace) &&
		strings.EqualFold(p.Name, ps.name) && (ps.version == "" || p.Version == ps.version)
}

// globRegexp turns a path glob ("*" within a segment, "**" across
// segments, "?" one character) into an anchored regular expression.
func globRegexp(glob string) (*regexp.Regexp, error) {
	if strings.HasPrefix(glob, "/") {
		return nil, errors.New("must be relative to the configuration file's directory")
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(glob); i++ {
		switch c := glob[i]; {
		case c == '*' && i+1 < len(glob) && glob[i+1] == '*':
			i++
			if i+1 < len(glob) && glob[i+1] == '/' {
				i++
				b.WriteString("(?:.*/)?") // "**/" also matches no directory
			} else {
				b.WriteString(".*")
			}
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}
