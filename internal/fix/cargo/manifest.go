package cargo

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// depTables are the dependency tables of a manifest (and of its target
// tables), with Cargo's old underscore spellings.
var depTables = []string{"dependencies", "dev-dependencies", "build-dependencies", "dev_dependencies", "build_dependencies"}

// dependency is one entry of a workspace member's dependency tables.
type dependency struct {
	// Member is the member's manifest, slash-separated and relative to
	// the project directory ("Cargo.toml", "crates/app/Cargo.toml").
	Member string
	// Table is the table holding the entry: ["dependencies"],
	// ["target", "cfg(unix)", "dev-dependencies"].
	Table []string
	Key   string
	// Crate is the crate depended on: the entry's package key, else Key.
	Crate string
	// Req is the version requirement; empty when the entry has none.
	Req string
	// Local is set for path and git dependencies, which do not come
	// from a registry.
	Local bool
	// ReqFile, ReqTable and ReqKey locate the requirement's text: the
	// entry itself, or the root manifest's [workspace.dependencies] for
	// an entry with workspace = true.
	ReqFile  string
	ReqTable []string
	ReqKey   string
}

// where names the requirement's place for messages.
func (d dependency) where() string {
	return fmt.Sprintf("[%s] %s in %s", strings.Join(d.ReqTable, "."), d.ReqKey, d.ReqFile)
}

// workspace is the project's members and their dependencies.
type workspace struct {
	// Members are the members' manifests, as [dependency.Member] names
	// them, root first.
	Members []string
	Deps    []dependency
}

// on returns the registry dependencies on crate whose requirement admits
// version (or cannot be read, or is absent).
func (w *workspace) on(crate, version string) []dependency {
	var out []dependency
	for _, d := range w.Deps {
		if d.Crate != crate || d.Local {
			continue
		}
		if d.Req != "" {
			if r, err := parseRequirement(d.Req); err == nil && !r.admits(version) {
				continue
			}
		}
		out = append(out, d)
	}
	return out
}

// excluding returns the registry dependencies on crate whose requirement
// admits from but not to: those that keep cargo from moving to to.
func (w *workspace) excluding(crate, from, to string) []dependency {
	var out []dependency
	seen := map[string]bool{}
	for _, d := range w.Deps {
		if d.Crate != crate || d.Local || d.Req == "" {
			continue
		}
		r, err := parseRequirement(d.Req)
		if err != nil || !r.admits(from) || r.admits(to) {
			continue
		}
		k := d.ReqFile + "\x00" + strings.Join(d.ReqTable, "\x00") + "\x00" + d.ReqKey
		if !seen[k] {
			seen[k] = true
			out = append(out, d)
		}
	}
	return out
}

// loadWorkspace reads the manifests of the project at dir: Cargo.toml,
// the members its [workspace] table lists (globs expanded, exclude left
// out), and the path dependencies of members that lie inside dir, which
// Cargo makes members too.
func loadWorkspace(dir string) (*workspace, error) {
	root, err := readManifest(dir, "Cargo.toml")
	if err != nil {
		return nil, err
	}
	w := &workspace{}
	var wsDeps map[string]any
	var exclude []string
	var queue []string
	if _, ok := root["package"]; ok {
		queue = append(queue, "Cargo.toml")
	}
	if ws, ok := root["workspace"].(map[string]any); ok {
		wsDeps, _ = ws["dependencies"].(map[string]any)
		for _, e := range stringList(ws["exclude"]) {
			exclude = append(exclude, path.Clean(e))
		}
		for _, pat := range stringList(ws["members"]) {
			matches, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(pat)))
			if err != nil {
				return nil, fmt.Errorf("%q: workspace member pattern %q: %w", filepath.Join(dir, "Cargo.toml"), pat, err)
			}
			sort.Strings(matches)
			for _, m := range matches {
				rel, err := filepath.Rel(dir, m)
				if err != nil {
					continue
				}
				queue = append(queue, path.Join(filepath.ToSlash(rel), "Cargo.toml"))
			}
		}
	}
	excluded := func(manifest string) bool {
		d := path.Dir(manifest)
		for _, e := range exclude {
			if d == e || strings.HasPrefix(d, e+"/") {
				return true
			}
		}
		return false
	}
	seen := map[string]bool{}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		if seen[m] || strings.HasPrefix(m, "../") || m != "Cargo.toml" && excluded(m) {
			continue
		}
		seen[m] = true
		doc := root
		if m != "Cargo.toml" {
			if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(m))); err != nil || !st.Mode().IsRegular() {
				continue // a glob matched a file, or a directory that is no crate
			}
			if doc, err = readManifest(dir, m); err != nil {
				return nil, err
			}
		}
		w.Members = append(w.Members, m)
		deps, paths := manifestDeps(m, doc, wsDeps)
		w.Deps = append(w.Deps, deps...)
		for _, p := range paths {
			queue = append(queue, path.Join(path.Dir(m), p, "Cargo.toml"))
		}
	}
	return w, nil
}

// readManifest parses the manifest at rel (slash-separated) under dir.
func readManifest(dir, rel string) (map[string]any, error) {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read the Cargo manifest: %w", err)
	}
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return nil, fmt.Errorf("parse %q: %w", p, err)
	}
	return doc, nil
}

// manifestDeps returns the dependencies of the member manifest m and the
// paths of its path dependencies.
func manifestDeps(m string, doc, wsDeps map[string]any) ([]dependency, []string) {
	var deps []dependency
	var paths []string
	add := func(table []string, entries map[string]any) {
		keys := make([]string, 0, len(entries))
		for k := range entries {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			d := dependency{Member: m, Table: table, Key: k, Crate: k, ReqFile: m, ReqTable: table, ReqKey: k}
			readEntry(&d, entries[k])
			if t, ok := entries[k].(map[string]any); ok {
				if p, ok := t["path"].(string); ok {
					paths = append(paths, p)
				}
				if inherit, _ := t["workspace"].(bool); inherit {
					d.ReqFile, d.ReqTable, d.ReqKey = "Cargo.toml", []string{"workspace", "dependencies"}, k
					if e, ok := wsDeps[k]; ok {
						pkg := d.Crate
						readEntry(&d, e)
						if pkg != k { // the member's package key wins
							d.Crate = pkg
						}
					}
				}
			}
			deps = append(deps, d)
		}
	}
	for _, t := range depTables {
		if entries, ok := doc[t].(map[string]any); ok {
			add([]string{t}, entries)
		}
	}
	if targets, ok := doc["target"].(map[string]any); ok {
		names := make([]string, 0, len(targets))
		for n := range targets {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			tt, _ := targets[n].(map[string]any)
			for _, t := range depTables {
				if entries, ok := tt[t].(map[string]any); ok {
					add([]string{"target", n, t}, entries)
				}
			}
		}
	}
	return deps, paths
}

// readEntry fills d from a dependency entry: "req" or a table.
func readEntry(d *dependency, v any) {
	switch e := v.(type) {
	case string:
		d.Req = e
	case map[string]any:
		if s, ok := e["version"].(string); ok {
			d.Req = s
		}
		if s, ok := e["package"].(string); ok && s != "" {
			d.Crate = s
		}
		if _, ok := e["path"]; ok {
			d.Local = true
		}
		if _, ok := e["git"]; ok {
			d.Local = true
		}
	}
}

func stringList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// inlineVersion finds the version key of an inline table.
var inlineVersion = regexp.MustCompile(`(^|[\s{,])version\s*=\s*`)

// rewriteRequirement replaces the requirement old of the dependency key in
// table with req, in the manifest text data, touching nothing else: the
// string in `key = "old"`, in `key = { version = "old", ... }`, in
// `key.version = "old"` or in a [table.key] table's `version = "old"`.
func rewriteRequirement(data []byte, table []string, key, old, req string) ([]byte, error) {
	lines := strings.SplitAfter(string(data), "\n")
	var section []string
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "[[") {
			section = []string{"[["} // an array of tables: no dependency table
			continue
		}
		if h, ok := header(line); ok {
			section = h
			continue
		}
		keys, rest, ok := scanKeys(line, '=')
		if !ok {
			continue
		}
		var at int // offset in rest of the string to replace; -1 for none
		switch {
		case slices.Equal(section, table) && slices.Equal(keys, []string{key}):
			v := strings.TrimLeft(rest, " \t")
			at = len(rest) - len(v)
			if strings.HasPrefix(v, "{") {
				loc := inlineVersion.FindStringIndex(v)
				if loc == nil {
					continue
				}
				at += loc[1]
			}
		case slices.Equal(section, table) && slices.Equal(keys, []string{key, "version"}),
			slices.Equal(section, append(slices.Clone(table), key)) && slices.Equal(keys, []string{"version"}):
			at = len(rest) - len(strings.TrimLeft(rest, " \t"))
		default:
			continue
		}
		v := rest[at:]
		if v == "" || v[0] != '"' && v[0] != '\'' {
			continue
		}
		q := v[0]
		end := strings.IndexByte(v[1:], q)
		if end < 0 || v[1:1+end] != old {
			continue
		}
		start := len(line) - len(rest) + at
		lines[i] = line[:start] + string(q) + req + string(q) + line[start+2+end:]
		return []byte(strings.Join(lines, "")), nil
	}
	return nil, fmt.Errorf("the requirement %q of %q in [%s] was not found written as a plain string", old, key, strings.Join(table, "."))
}

// header returns the key path of a table header line ("[a.'b c'.d]").
func header(line string) ([]string, bool) {
	s := strings.TrimSpace(line)
	if !strings.HasPrefix(s, "[") || strings.HasPrefix(s, "[[") {
		return nil, false
	}
	keys, rest, ok := scanKeys(s[1:], ']')
	if !ok {
		return nil, false
	}
	rest = strings.TrimSpace(rest)
	if rest != "" && !strings.HasPrefix(rest, "#") {
		return nil, false
	}
	return keys, true
}

// scanKeys reads a dotted TOML key at the start of s up to the byte end,
// and returns the keys and what follows end.
func scanKeys(s string, end byte) ([]string, string, bool) {
	var keys []string
	i := 0
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	for {
		skip()
		if i >= len(s) {
			return nil, "", false
		}
		switch c := s[i]; {
		case c == '"' || c == '\'':
			j := i + 1
			var b strings.Builder
			for j < len(s) && s[j] != c {
				if c == '"' && s[j] == '\\' {
					if j+1 >= len(s) {
						return nil, "", false
					}
					j++
				}
				b.WriteByte(s[j])
				j++
			}
			if j >= len(s) {
				return nil, "", false
			}
			keys = append(keys, b.String())
			i = j + 1
		case isBare(c):
			j := i
			for j < len(s) && isBare(s[j]) {
				j++
			}
			keys = append(keys, s[i:j])
			i = j
		default:
			return nil, "", false
		}
		skip()
		if i >= len(s) {
			return nil, "", false
		}
		switch s[i] {
		case '.':
			i++
		case end:
			return keys, s[i+1:], true
		default:
			return nil, "", false
		}
	}
}

func isBare(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

// newRequirement is the requirement that replaces old to allow version:
// a pin ("=1.6.0") stays a pin ("=1.6.1"), anything else becomes the
// version itself, a caret requirement.
func newRequirement(old, version string) string {
	if r, err := parseRequirement(old); err == nil && r.exact() {
		return "=" + version
	}
	return version
}

// setRequirement rewrites the requirement of d in its manifest under dir
// to admit version, and checks the result reads as intended.
func setRequirement(dir string, d dependency, version string) (string, error) {
	p := filepath.Join(dir, filepath.FromSlash(d.ReqFile))
	data, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("read the Cargo manifest: %w", err)
	}
	req := newRequirement(d.Req, version)
	out, err := rewriteRequirement(data, d.ReqTable, d.ReqKey, d.Req, req)
	if err != nil {
		return "", fmt.Errorf("rewrite %q: %w", p, err)
	}
	var doc map[string]any
	if _, err := toml.Decode(string(out), &doc); err != nil {
		return "", fmt.Errorf("rewrite %q: the edit does not parse: %w", p, err)
	}
	var got any = doc
	for _, k := range append(slices.Clone(d.ReqTable), d.ReqKey) {
		t, _ := got.(map[string]any)
		got = t[k]
	}
	check := dependency{}
	readEntry(&check, got)
	if check.Req != req {
		return "", fmt.Errorf("rewrite %q: after the edit %s reads %q, not %q", p, d.where(), check.Req, req)
	}
	st, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("rewrite %q: %w", p, err)
	}
	if err := os.WriteFile(p, out, st.Mode().Perm()); err != nil {
		return "", fmt.Errorf("rewrite %q: %w", p, err)
	}
	return req, nil
}
