package pylock

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/extract/internal/tomllock"
	"github.com/patchline/patchline/internal/inventory"
)

// project is what the pyproject.toml beside a lock says: the names of the
// packages the project depends on directly, normalised.
type project struct {
	direct map[string]bool
}

// pyproject holds the parts of pyproject.toml that are read.
type pyproject struct {
	Project *struct {
		Dependencies         []string            `toml:"dependencies"`
		OptionalDependencies map[string][]string `toml:"optional-dependencies"`
	} `toml:"project"`
	// DependencyGroups is PEP 735's table: each group is a list of
	// requirement strings and {include-group = "name"} tables.
	DependencyGroups map[string][]any `toml:"dependency-groups"`
	Tool             struct {
		PDM *struct {
			DevDependencies map[string][]string `toml:"dev-dependencies"`
		} `toml:"pdm"`
		UV *struct {
			DevDependencies []string `toml:"dev-dependencies"`
		} `toml:"uv"`
	} `toml:"tool"`
}

// readProject reads the pyproject.toml beside the lock in in. It returns nil
// and no error when there is none or it declares no dependencies.
func readProject(in *inventory.Input) (*project, error) {
	if in.FS == nil || in.FSPath == "" {
		return nil, nil
	}
	shown := path.Join(path.Dir(in.Path), "pyproject.toml")
	data, err := fs.ReadFile(in.FS, path.Join(path.Dir(in.FSPath), "pyproject.toml"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %q to tell direct dependencies: %w", shown, err)
	}
	var pp pyproject
	if _, err := toml.Decode(string(data), &pp); err != nil {
		return nil, fmt.Errorf("direct dependencies unknown: %w", tomllock.DecodeError(shown, err))
	}
	if pp.Project == nil && pp.DependencyGroups == nil && pp.Tool.PDM == nil && pp.Tool.UV == nil {
		return nil, nil // not a project's pyproject.toml (only tool settings)
	}
	p := &project{direct: map[string]bool{}}
	addReqs := func(reqs []string) {
		for _, r := range reqs {
			if n := requirementName(r); n != "" {
				p.direct[ecosystem.NormalizePyPI(n)] = true
			}
		}
	}
	if pr := pp.Project; pr != nil {
		addReqs(pr.Dependencies)
		for _, reqs := range pr.OptionalDependencies {
			addReqs(reqs)
		}
	}
	for _, items := range pp.DependencyGroups {
		for _, it := range items {
			if s, ok := it.(string); ok {
				addReqs([]string{s})
			}
		}
	}
	if pdm := pp.Tool.PDM; pdm != nil {
		for _, reqs := range pdm.DevDependencies {
			addReqs(reqs)
		}
	}
	if uv := pp.Tool.UV; uv != nil {
		addReqs(uv.DevDependencies)
	}
	return p, nil
}

// requirementName returns the name at the start of a PEP 508 requirement,
// or "" for an editable or path entry ("-e ./lib").
func requirementName(req string) string {
	req = strings.TrimSpace(req)
	if req == "" || !isAlnum(req[0]) {
		return ""
	}
	i := 0
	for i < len(req) && (isAlnum(req[i]) || req[i] == '.' || req[i] == '_' || req[i] == '-') {
		i++
	}
	return req[:i]
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
