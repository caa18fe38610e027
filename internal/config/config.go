// Package config reads patchline's per-project configuration file,
// .patchline.yaml at the scan root. Today it holds suppressions: findings a
// project has reviewed and accepted, each with a reason and, ideally, an
// expiry date after which the finding comes back.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

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

// Suppression accepts one vulnerability, named by any of its ids.
type Suppression struct {
	// ID is an advisory id or any alias of it (CVE, GHSA, ...).
	ID string `yaml:"id"`
	// Reason says why the finding is accepted; it is required.
	Reason string `yaml:"reason"`
	// Expires is the last day (YYYY-MM-DD, UTC) the suppression applies.
	Expires string `yaml:"expires,omitempty"`
	// Line is where the suppression is in the file.
	Line int `yaml:"-"`

	expires time.Time // the first instant the suppression no longer applies
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

// Match returns the suppression that applies at now to a vulnerability known
// by ids, if any, and the expired suppressions that named it (they no longer
// apply, and the scan says so).
func (c *Config) Match(ids []string, now time.Time) (*Suppression, []*Suppression) {
	if c == nil {
		return nil, nil
	}
	var expired []*Suppression
	for i := range c.Ignore {
		s := &c.Ignore[i]
		for _, id := range ids {
			if !strings.EqualFold(id, s.ID) {
				continue
			}
			if s.Expired(now) {
				expired = append(expired, s)
				break
			}
			return s, nil
		}
	}
	return nil, expired
}
