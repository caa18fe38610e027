// Package configcheck loads a service's YAML configuration and checks it.
package configcheck

import (
	"fmt"

	"gopkg.in/yaml.v2"
)

// Config is a service configuration.
type Config struct {
	Name    string   `yaml:"name"`
	Port    int      `yaml:"port"`
	Origins []string `yaml:"origins"`
}

// Load parses and checks a configuration.
func Load(data []byte) (*Config, error) {
	var c Config
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("parse configuration: %w", err)
	}
	if c.Name == "" {
		return nil, fmt.Errorf("configuration has no name")
	}
	if c.Port <= 0 || c.Port > 65535 {
		return nil, fmt.Errorf("port %d out of range", c.Port)
	}
	return &c, nil
}
