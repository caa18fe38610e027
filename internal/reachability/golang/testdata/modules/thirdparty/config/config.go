// Package config reads settings with gopkg.in/yaml.v2.
package config

import "gopkg.in/yaml.v2"

// Load decodes "key: value" lines.
func Load(b []byte) (map[string]string, error) {
	var m map[string]string
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}
