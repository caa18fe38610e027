package npm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// lockNames are the lockfiles the strategy reads and rewrites, in npm's
// order of precedence: a shrinkwrap wins over a package-lock.
var lockNames = []string{"npm-shrinkwrap.json", "package-lock.json"}

// entry is one package of a lockfile's "packages" map.
type entry struct {
	Name                 string            `json:"name,omitempty"`
	Version              string            `json:"version,omitempty"`
	Resolved             string            `json:"resolved,omitempty"`
	Integrity            string            `json:"integrity,omitempty"`
	Link                 bool              `json:"link,omitempty"`
	Dev                  bool              `json:"dev,omitempty"`
	Optional             bool              `json:"optional,omitempty"`
	DevOptional          bool              `json:"devOptional,omitempty"`
	Dependencies         map[string]string `json:"dependencies,omitempty"`
	OptionalDependencies map[string]string `json:"optionalDependencies,omitempty"`
	PeerDependencies     map[string]string `json:"peerDependencies,omitempty"`
	DevDependencies      map[string]string `json:"devDependencies,omitempty"`
}

// lockfile is a package-lock.json (or npm-shrinkwrap.json) of version 2
// or 3: the versions npm 7 and later write, whose "packages" map is keyed
// by install path ("node_modules/a/node_modules/b").
type lockfile struct {
	path     string
	version  int
	packages map[string]*entry
	// raw keeps every package's fields, known or not, so that a rewrite
	// changes only what the fix changes.
	raw map[string]map[string]json.RawMessage
	top map[string]json.RawMessage
}

// findLock returns the name of the lockfile in dir, or "".
func findLock(dir string) string {
	for _, n := range lockNames {
		if st, err := os.Stat(filepath.Join(dir, n)); err == nil && st.Mode().IsRegular() {
			return n
		}
	}
	return ""
}

// readLock reads the lockfile at path.
func readLock(path string) (*lockfile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseLock(path, b)
}

func parseLock(path string, b []byte) (*lockfile, error) {
	lf := &lockfile{path: path}
	if err := json.Unmarshal(b, &lf.top); err != nil {
		return nil, fmt.Errorf("parse %q: %w", path, jsonError(b, err))
	}
	if v, ok := lf.top["lockfileVersion"]; ok {
		if err := json.Unmarshal(v, &lf.version); err != nil {
			return nil, fmt.Errorf("parse %q: lockfileVersion: %w", path, err)
		}
	}
	pk, ok := lf.top["packages"]
	if lf.version >= 2 && !ok {
		return nil, fmt.Errorf("parse %q: a version %d lockfile without \"packages\": regenerate it with `npm install --package-lock-only`", path, lf.version)
	}
	if lf.version < 2 {
		return nil, fmt.Errorf("%q is a version %d lockfile, written by npm 6 or older: patchline fix needs version 2 or 3 (run `npm install --package-lock-only` with npm 7 or later to upgrade it)", path, lf.version)
	}
	if err := json.Unmarshal(pk, &lf.raw); err != nil {
		return nil, fmt.Errorf("parse %q: packages: %w", path, jsonError(b, err))
	}
	if err := json.Unmarshal(pk, &lf.packages); err != nil {
		return nil, fmt.Errorf("parse %q: packages: %w", path, jsonError(b, err))
	}
	for k, e := range lf.packages {
		if e == nil {
			return nil, fmt.Errorf("parse %q: packages[%q] is null", path, k)
		}
	}
	if lf.packages[""] == nil {
		return nil, fmt.Errorf("parse %q: no root package (packages[\"\"])", path)
	}
	return lf, nil
}

// jsonError adds the line of a syntax error.
func jsonError(b []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(b[:min(int(se.Offset), len(b))], []byte("\n"))
		return fmt.Errorf("line %d: %w", line, err)
	}
	return err
}

// name returns the package name of the entry at install path p.
func (lf *lockfile) name(p string) string {
	if e := lf.packages[p]; e != nil && e.Name != "" {
		return e.Name
	}
	return pathName(p)
}

// pathName returns the package name an install path ends with:
// "node_modules/a/node_modules/@s/b" gives "@s/b".
func pathName(p string) string {
	i := strings.LastIndex(p, "node_modules/")
	if i < 0 {
		return ""
	}
	return p[i+len("node_modules/"):]
}

// parentPath returns the install path of the package whose node_modules
// holds p ("" for the root).
func parentPath(p string) string {
	i := strings.LastIndex(p, "node_modules/")
	if i <= 0 {
		return ""
	}
	return strings.TrimSuffix(p[:i], "/")
}

// resolve returns the install path that a require of name from the
// package at install path from finds, by Node's lookup: from's own
// node_modules, then each enclosing one up to the root. ok is false when
// the lockfile has none.
func (lf *lockfile) resolve(from, name string) (string, bool) {
	dir := from
	for {
		p := "node_modules/" + name
		if dir != "" {
			p = dir + "/node_modules/" + name
		}
		if _, ok := lf.packages[p]; ok {
			return p, true
		}
		if dir == "" {
			return "", false
		}
		dir = parentPath(dir)
	}
}

// dependent is one package that requires another, and the range it asks.
type dependent struct {
	path  string // install path; "" for the project itself
	spec  string
	field string // dependencies, devDependencies, optionalDependencies or peerDependencies
}

// dependents returns the packages whose requirement of name resolves to
// the install path target, sorted by path.
func (lf *lockfile) dependents(target string) []dependent {
	name := lf.name(target)
	var out []dependent
	for p, e := range lf.packages {
		if e.Link {
			continue
		}
		fields := []struct {
			name string
			deps map[string]string
		}{
			{"dependencies", e.Dependencies},
			{"optionalDependencies", e.OptionalDependencies},
			{"peerDependencies", e.PeerDependencies},
		}
		if p == "" || !strings.Contains(p, "node_modules/") { // the project or a workspace: its dev dependencies are installed
			fields = append(fields, struct {
				name string
				deps map[string]string
			}{"devDependencies", e.DevDependencies})
		}
	fieldLoop:
		for _, f := range fields {
			for key, spec := range f.deps {
				// Required by its name, or through an alias
				// ("alias": "npm:name@range"), installed under the alias.
				if key != name {
					rest, ok := strings.CutPrefix(spec, "npm:"+name+"@")
					if !ok {
						continue
					}
					spec = rest
				}
				if r, ok := lf.resolve(p, key); ok && r == target {
					out = append(out, dependent{path: p, spec: spec, field: f.name})
					break fieldLoop
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

// instances returns the install paths of name at version, sorted.
func (lf *lockfile) instances(name, version string) []string {
	var out []string
	for p, e := range lf.packages {
		if p == "" || e.Link {
			continue
		}
		if lf.name(p) == name && e.Version == version {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// set rewrites the entry at install path p to the manifest m: version,
// resolved (only when the entry had one), integrity and dependencies.
func (lf *lockfile) set(p string, m *manifest) error {
	raw := lf.raw[p]
	if raw == nil {
		return fmt.Errorf("%q has no package at %q", lf.path, p)
	}
	put := func(k string, v any, keep bool) error {
		if !keep {
			delete(raw, k)
			return nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		raw[k] = b
		return nil
	}
	_, hadResolved := raw["resolved"]
	if err := put("version", m.Version, true); err != nil {
		return err
	}
	if err := put("resolved", m.Dist.Tarball, hadResolved && m.Dist.Tarball != ""); err != nil {
		return err
	}
	if err := put("integrity", m.Dist.Integrity, m.Dist.Integrity != ""); err != nil {
		return err
	}
	for _, f := range []struct {
		k string
		v map[string]string
	}{{"dependencies", m.Dependencies}, {"optionalDependencies", m.OptionalDependencies}, {"peerDependencies", m.PeerDependencies}} {
		if err := put(f.k, f.v, len(f.v) > 0); err != nil {
			return err
		}
	}
	delete(raw, "deprecated")
	if m.Deprecated != "" {
		if err := put("deprecated", m.Deprecated, true); err != nil {
			return err
		}
	}
	e := lf.packages[p]
	e.Version, e.Dependencies, e.OptionalDependencies, e.PeerDependencies = m.Version, m.Dependencies, m.OptionalDependencies, m.PeerDependencies
	return nil
}

// write writes the lockfile back. npm re-serialises it in its own order
// afterwards (Apply runs `npm install --package-lock-only`), so the order
// of keys here does not reach the user.
func (lf *lockfile) write() error {
	pk, err := json.Marshal(lf.raw)
	if err != nil {
		return err
	}
	lf.top["packages"] = pk
	b, err := json.MarshalIndent(lf.top, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(lf.path, append(b, '\n'), 0o644)
}
