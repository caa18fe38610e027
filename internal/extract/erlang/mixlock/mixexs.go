package mixlock

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/patchline/patchline/internal/inventory"
)

// A mix.exs is Elixir code, not data, so it is not evaluated: its tokens are
// searched for the project's "deps:" entry, which is either a list literal
// or a call of a function (usually deps/0) whose clauses are then found by
// their "def"/"defp" heads. Every tuple starting with an atom in that list
// or in those function bodies is a dependency declaration:
// {:name, "~> 1.0", only: :test} and the like. Code around the tuples (if,
// ++, helper calls in the options) is passed over. An umbrella project's
// apps (apps_path: "apps") are read the same way from apps/*/mix.exs.

// manifest is what the mix.exs files beside a lock declare.
type manifest struct {
	// direct maps each declared dependency (by application name) to its
	// scope: prod unless its only: option leaves out :prod, unknown when
	// only: is not a literal.
	direct map[string]inventory.Scope
}

// readManifest reads the mix.exs beside the lock in. It returns nil and no
// error when there is no mix.exs or its dependencies cannot be found in it,
// and nil and an error when it cannot be read or tokenized.
func readManifest(in *inventory.Input) (*manifest, error) {
	if in.FS == nil || in.FSPath == "" {
		return nil, nil
	}
	dir, shownDir := path.Dir(in.FSPath), path.Dir(in.Path)
	m := &manifest{direct: map[string]inventory.Scope{}}
	appsPath, found, err := m.read(in.FS, path.Join(dir, "mix.exs"), path.Join(shownDir, "mix.exs"))
	if err != nil || !found {
		return nil, err
	}
	if appsPath != "" {
		// The lock of an umbrella project is shared by its apps.
		files, err := fs.Glob(in.FS, path.Join(dir, appsPath, "*", "mix.exs"))
		if err != nil {
			return nil, fmt.Errorf("list the apps of %q: %w", path.Join(shownDir, "mix.exs"), err)
		}
		for _, f := range files {
			rel := f
			if dir != "." {
				rel = strings.TrimPrefix(f, dir+"/")
			}
			if _, _, err := m.read(in.FS, f, path.Join(shownDir, rel)); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// read adds the dependencies of the mix.exs at name in fsys (shown as
// shown) to m. It returns the project's apps_path, and found false when the
// file does not exist or declares no dependencies that can be read.
func (m *manifest) read(fsys fs.FS, name, shown string) (appsPath string, found bool, err error) {
	data, err := fs.ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read %q to tell direct dependencies: %w", shown, err)
	}
	toks, err := lex(string(data))
	if err != nil {
		return "", false, &inventory.ParseError{Path: shown, Line: errorLine(err), Err: fmt.Errorf("direct dependencies unknown: %w", err)}
	}
	appsPath = keyString(toks, "apps_path")
	ranges := depsRanges(toks)
	if ranges == nil {
		return appsPath, false, nil
	}
	for _, r := range ranges {
		for _, d := range depTuples(toks[r[0]:r[1]]) {
			m.add(d.name, d.scope)
		}
	}
	return appsPath, true, nil
}

// add records a declaration of dependency name; a dependency declared
// several times (in several clauses of deps/1, or in several apps) is prod
// if any declaration is, else unknown if any is, else dev.
func (m *manifest) add(name string, scope inventory.Scope) {
	old, ok := m.direct[name]
	switch {
	case !ok, scope == inventory.ScopeProd:
		m.direct[name] = scope
	case old == inventory.ScopeDev && scope == inventory.ScopeUnknown:
		m.direct[name] = scope
	}
}

// keyString returns the string after the first "key:" in toks, or "".
func keyString(toks []token, key string) string {
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].kind == tokKey && toks[i].val == key && toks[i+1].kind == tokString {
			return toks[i+1].val
		}
	}
	return ""
}

// depsRanges returns the token ranges [start, end) that hold the
// dependency declarations: the list after "deps:", or the bodies of the
// clauses of the function called there. It returns nil when there is no
// "deps:" or the function is not defined in the file.
func depsRanges(toks []token) [][2]int {
	i := slices.IndexFunc(toks, func(t token) bool { return t.kind == tokKey && t.val == "deps" })
	if i < 0 {
		return nil
	}
	i++
	switch t := toks[i]; {
	case isPunct(t, "["):
		return [][2]int{{i, skipValue(toks, i)}}
	case t.kind == tokIdent:
		var out [][2]int
		for j := 0; j+1 < len(toks); j++ {
			if toks[j].kind == tokIdent && (toks[j].val == "def" || toks[j].val == "defp") &&
				toks[j+1].kind == tokIdent && toks[j+1].val == t.val {
				if r, ok := body(toks, j+2); ok {
					out = append(out, r)
				}
			}
		}
		return out
	}
	return nil
}

// body returns the token range of a function body, from just after the
// function's name at i: optional arguments and guard, then "do ... end" or
// ", do: expression".
func body(toks []token, i int) ([2]int, bool) {
	if isPunct(toks[i], "(") {
		i = skipParens(toks, i)
	}
	for ; i < len(toks) && toks[i].kind != tokEOF; i++ {
		t := toks[i]
		switch {
		case t.kind == tokKey && t.val == "do":
			return [2]int{i + 1, skipValue(toks, i+1)}, true
		case t.kind == tokIdent && t.val == "do":
			depth := 1
			for j := i + 1; j < len(toks) && toks[j].kind != tokEOF; j++ {
				switch {
				case toks[j].kind == tokIdent && (toks[j].val == "do" || toks[j].val == "fn"):
					depth++
				case toks[j].kind == tokIdent && toks[j].val == "end":
					depth--
					if depth == 0 {
						return [2]int{i + 1, j}, true
					}
				}
			}
			return [2]int{}, false
		case t.kind == tokIdent && (t.val == "def" || t.val == "defp" || t.val == "end"):
			return [2]int{}, false // a head without a body
		}
	}
	return [2]int{}, false
}

// skipValue returns the index just after the value (a list, tuple, map or
// literal) starting at i, without what may follow it: in ", do: [...]" the
// next line is another definition, not part of the body.
func skipValue(toks []token, i int) int {
	p := &parser{toks: toks, pos: i, lenient: true}
	if _, err := p.value(); err != nil {
		return i
	}
	return p.pos
}

// skipParens returns the index just after the parenthesised arguments
// starting at i.
func skipParens(toks []token, i int) int {
	depth := 0
	for ; i < len(toks) && toks[i].kind != tokEOF; i++ {
		switch {
		case isPunct(toks[i], "("):
			depth++
		case isPunct(toks[i], ")"):
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return i
}

// dep is a dependency declaration of a mix.exs.
type dep struct {
	name  string
	scope inventory.Scope
}

// depTuples finds the dependency tuples in toks: every "{" followed by an
// atom that parses as a tuple. Each candidate is parsed only up to its
// matching "}", and tuples inside it are not candidates, so the work is
// linear in the number of tokens even when braces are unbalanced.
func depTuples(toks []token) []dep {
	match := matchBrackets(toks)
	var out []dep
	for i := 0; i+1 < len(toks); i++ {
		if !isPunct(toks[i], "{") || toks[i+1].kind != tokAtom || match[i] < 0 {
			continue
		}
		end := match[i]
		sub := append(slices.Clip(toks[i:end+1]), token{kind: tokEOF, line: toks[end].line})
		p := &parser{toks: sub, lenient: true}
		t, err := p.value()
		if err == nil && p.peek().kind == tokEOF && t.kind == termTuple && len(t.items) >= 2 {
			out = append(out, dep{name: t.items[0].s, scope: depScope(t)})
		}
		i = end // tuples inside the options are not dependencies
	}
	return out
}

// matchBrackets returns for each opening bracket in toks the index of the
// closing bracket that ends it, and -1 for every other token and for
// brackets left open.
func matchBrackets(toks []token) []int {
	match := make([]int, len(toks))
	var open []int
	for i, t := range toks {
		match[i] = -1
		switch {
		case t.kind == tokPunct && (t.val == "(" || t.val == "[" || t.val == "{" || t.val == "%{" || t.val == "<<"):
			open = append(open, i)
		case t.kind == tokPunct && (t.val == ")" || t.val == "]" || t.val == "}" || t.val == ">>"):
			if len(open) > 0 {
				match[open[len(open)-1]] = i
				open = open[:len(open)-1]
			}
		}
	}
	return match
}

// depScope reads the only: option of a dependency tuple.
func depScope(t *term) inventory.Scope {
	var only *term
	for _, it := range t.items[1:] {
		if o := it.keyword("only"); o != nil {
			only = o
		}
	}
	if only == nil {
		return inventory.ScopeProd
	}
	var envs []string
	switch only.kind {
	case termAtom:
		envs = []string{only.s}
	case termList:
		for _, e := range only.items {
			if e.kind != termAtom {
				return inventory.ScopeUnknown
			}
			envs = append(envs, e.s)
		}
	default:
		return inventory.ScopeUnknown
	}
	if slices.Contains(envs, "prod") {
		return inventory.ScopeProd
	}
	return inventory.ScopeDev
}
