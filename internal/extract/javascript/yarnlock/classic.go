package yarnlock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/patchline/patchline/internal/extract/javascript/internal/packagejson"
	"github.com/patchline/patchline/internal/inventory"
)

// classic parses a Yarn 1 lockfile. The format is indentation-based: an
// entry header at column 0 ("a@^1, a@^1.2:"), fields indented by two spaces
// ("version \"1.2.3\"", "dependencies:"), and the members of dependency
// blocks by four. Strings are quoted like JSON strings when they need to be.
func (p *parser) classic(data []byte) (inventory.Inventory, error) {
	var (
		entries []entry
		cur     = -1 // index of the entry being read
		block   string
		nested  int // indentation level of an unknown nested block being skipped, or 0
	)
	lineNo := 0
	for len(data) > 0 {
		lineNo++
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		indent := 0
		for indent < len(line) && line[indent] == ' ' {
			indent++
		}
		content := string(line[indent:])
		if content == "" || content[0] == '#' {
			continue
		}
		if content[0] == '\t' {
			return p.classicResult(entries, inventory.Errorf(p.path, lineNo, "tab in indentation: yarn.lock is indented with spaces"))
		}
		if indent%2 != 0 {
			return p.classicResult(entries, inventory.Errorf(p.path, lineNo, "indentation of %d spaces: yarn.lock is indented by two", indent))
		}
		level := indent / 2
		if nested > 0 && level >= nested {
			// Inside a block patchline does not read; still check its syntax.
			if _, _, err := fieldLine(content); err != nil {
				return p.classicResult(entries, inventory.Errorf(p.path, lineNo, "%v", err))
			}
			continue
		}
		nested = 0
		switch level {
		case 0:
			if len(entries)%ctxCheckEvery == 0 {
				if err := p.ctx.Err(); err != nil {
					return p.classicResult(entries, err)
				}
			}
			if cur >= 0 {
				p.finishClassic(&entries[cur])
			}
			if !strings.HasSuffix(content, ":") {
				return p.classicResult(entries, inventory.Errorf(p.path, lineNo, "want an entry header ending with ':', got %q", truncate(content)))
			}
			specs, err := splitSpecs(content[:len(content)-1])
			if err != nil {
				return p.classicResult(entries, inventory.Errorf(p.path, lineNo, "entry header: %v", err))
			}
			entries = append(entries, entry{line: lineNo, specs: specs, patchOf: -1})
			cur = len(entries) - 1
			block = ""
		case 1:
			if cur < 0 {
				return p.classicResult(entries, inventory.Errorf(p.path, lineNo, "field %q outside an entry", truncate(content)))
			}
			key, value, err := fieldLine(content)
			if err != nil {
				return p.classicResult(entries, inventory.Errorf(p.path, lineNo, "%v", err))
			}
			block = ""
			if value == nil {
				block = key
				if key != "dependencies" && key != "optionalDependencies" {
					nested = 2
				}
				continue
			}
			switch key {
			case "version":
				entries[cur].version = *value
			case "integrity":
				entries[cur].hash = *value
			}
		case 2:
			if cur < 0 || block == "" {
				return p.classicResult(entries, inventory.Errorf(p.path, lineNo, "unexpected indentation: %q is not inside a block", truncate(content)))
			}
			name, value, err := fieldLine(content)
			if err != nil {
				return p.classicResult(entries, inventory.Errorf(p.path, lineNo, "%v", err))
			}
			if value == nil {
				return p.classicResult(entries, inventory.Errorf(p.path, lineNo, "dependency %q has no range", name))
			}
			entries[cur].deps = append(entries[cur].deps, edge{name: name, rng: *value, optional: block == "optionalDependencies"})
		default:
			return p.classicResult(entries, inventory.Errorf(p.path, lineNo, "unexpected indentation of %d spaces", indent))
		}
	}
	if cur >= 0 {
		p.finishClassic(&entries[cur])
	}
	return p.classicResult(entries, nil)
}

// finishClassic fills in what an entry's fields imply once all are read.
func (p *parser) finishClassic(e *entry) {
	if e.version == "" {
		p.errs = append(p.errs, inventory.Errorf(p.path, e.line, "entry %q has no version", strings.Join(e.specs, ", ")))
		e.bad = true
		return
	}
	key, rng := splitDescriptor(e.specs[0])
	e.name = key
	if target, ok := strings.CutPrefix(rng, "npm:"); ok {
		if real, _ := splitDescriptor(target); real != "" && real != key {
			e.name, e.alias = real, key
		}
	}
	for _, s := range e.specs {
		_, r := splitDescriptor(s)
		if strings.HasPrefix(r, "link:") {
			e.skip = "link: to a local folder, not a registry package"
			return
		}
		if !registryRange(r) {
			e.note = "not from a registry: " + r
		}
	}
}

// classicResult adds relations and scopes to the entries read, which come
// from the package.json beside the lockfile and those of its workspaces.
func (p *parser) classicResult(entries []entry, err error) (inventory.Inventory, error) {
	if err != nil {
		// Keep what was read before the error, but not the entry it
		// interrupted, whose fields may be missing.
		p.errs = append(p.errs, err)
		if n := len(entries); n > 0 && entries[n-1].name == "" {
			entries[n-1].bad = true
		}
	}
	m, err := p.readManifest(".")
	if err != nil {
		p.errs = append(p.errs, err)
	}
	g := newGraph(entries, false, m.overrides())
	roots, ok := p.classicRoots(m)
	var direct []bool
	if ok {
		direct = make([]bool, len(entries))
		for _, r := range roots {
			if i, found := g.resolve(r.Name, r.Range); found {
				direct[i] = true
			}
		}
	}
	return p.packages(g, direct, g.scopes(roots), roots), nil
}

// classicRoots lists the dependencies of the project, whose package.json is
// m, and of its workspaces. ok is false when there is no package.json.
func (p *parser) classicRoots(m *manifest) (roots []packagejson.Dependency, ok bool) {
	if m == nil {
		return nil, false
	}
	roots = m.All()
	base := path.Dir(p.in.FSPath)
	for _, glob := range packagejson.WorkspaceGlobs(m.Workspaces) {
		if strings.HasPrefix(glob, "!") {
			continue
		}
		dirs, err := fs.Glob(p.in.FS, path.Join(base, glob))
		if err != nil {
			p.errs = append(p.errs, fmt.Errorf("workspace pattern %q in the package.json beside %q: %w", glob, p.path, err))
			continue
		}
		for _, d := range dirs {
			rel := strings.TrimPrefix(strings.TrimPrefix(d, base), "/")
			wm, err := p.readManifest(rel)
			if err != nil {
				p.errs = append(p.errs, err)
			}
			if wm != nil {
				roots = append(roots, wm.All()...)
			}
		}
	}
	return roots, true
}

// splitSpecs splits an entry header (without its colon) into descriptors.
func splitSpecs(s string) ([]string, error) {
	var specs []string
	for {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			return nil, errors.New("empty descriptor")
		}
		var spec string
		if s[0] == '"' {
			v, rest, err := quoted(s)
			if err != nil {
				return nil, err
			}
			spec, s = v, strings.TrimLeft(rest, " ")
		} else {
			i := strings.IndexByte(s, ',')
			if i < 0 {
				i = len(s)
			}
			spec, s = strings.TrimRight(s[:i], " "), s[i:]
			if strings.ContainsAny(spec, "\" :") {
				return nil, fmt.Errorf("invalid descriptor %q", spec)
			}
		}
		if spec == "" {
			return nil, errors.New("empty descriptor")
		}
		specs = append(specs, spec)
		if s == "" {
			return specs, nil
		}
		if s[0] != ',' {
			return nil, fmt.Errorf("want ',' after descriptor %q, got %q", spec, truncate(s))
		}
		s = s[1:]
	}
}

// fieldLine parses "key value" or "key:"; value is nil for the latter.
func fieldLine(s string) (key string, value *string, err error) {
	var rest string
	if s[0] == '"' {
		key, rest, err = quoted(s)
		if err != nil {
			return "", nil, err
		}
	} else {
		i := strings.IndexAny(s, " :")
		if i < 0 {
			return "", nil, fmt.Errorf("field %q has no value", truncate(s))
		}
		key, rest = s[:i], s[i:]
	}
	if rest == ":" {
		return key, nil, nil
	}
	if rest == "" || rest[0] != ' ' {
		return "", nil, fmt.Errorf("want a space or ':' after %q, got %q", key, truncate(rest))
	}
	rest = strings.TrimLeft(rest, " ")
	if rest == "" {
		return "", nil, fmt.Errorf("field %q has no value", key)
	}
	if rest[0] == '"' {
		v, after, err := quoted(rest)
		if err != nil {
			return "", nil, err
		}
		if strings.TrimSpace(after) != "" {
			return "", nil, fmt.Errorf("unexpected %q after the value of %q", truncate(after), key)
		}
		return key, &v, nil
	}
	v := strings.TrimRight(rest, " ")
	return key, &v, nil
}

// quoted reads a double-quoted string at the start of s and returns it
// unquoted, with the rest of s.
func quoted(s string) (string, string, error) {
	escaped := false
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			if !escaped {
				return s[1:i], s[i+1:], nil
			}
			var v string
			if err := json.Unmarshal([]byte(s[:i+1]), &v); err != nil {
				return "", "", fmt.Errorf("invalid quoted string %s: %v", truncate(s[:i+1]), err)
			}
			return v, s[i+1:], nil
		}
	}
	return "", "", fmt.Errorf("unterminated quoted string %s", truncate(s))
}

// truncate shortens s for an error message.
func truncate(s string) string {
	const max = 60
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
