// Package pylex finds the module imports of Python source files: import and
// from-import statements anywhere (at module level, inside functions, try
// blocks and conditionals), and calls of __import__ and
// importlib.import_module with a literal module name.
//
// It tokenizes the source the way Python does for what matters here: names,
// strings with every prefix (r, u, b, f, t and their combinations, in any
// case), triple-quoted strings, f-strings whose replacement fields hold
// further strings (PEP 701), comments, and explicit (backslash) and implicit
// (bracket) line joining; imports are then recognised on the token stream.
// Text inside strings and comments is never taken for code. Code inside
// f-string replacement fields is skipped, not searched.
//
// Errors never stop the scan: the first construct the lexer cannot finish
// (an unterminated string, a stray line continuation) is reported as a
// [*SyntaxError] beside the imports found.
package pylex

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/patchline/patchline/internal/textpos"
)

// Kind is the syntax an import was written with.
type Kind string

// Kinds of import.
const (
	// ImportStmt is `import a.b.c` or `import a.b as c`.
	ImportStmt Kind = "import"
	// FromImport is `from a.b import c` or `from . import c`.
	FromImport Kind = "from-import"
	// DunderImport is `__import__("m")`.
	DunderImport Kind = "__import__"
	// ImportModule is `importlib.import_module("m")`.
	ImportModule Kind = "import_module"
)

// Import is one import of a module by a literal name.
type Import struct {
	// Module is the dotted module name as written, without the leading
	// dots of a relative import ("" for `from . import x`).
	Module string
	// Level is the number of leading dots: 0 for an absolute import.
	Level int
	Kind  Kind
	// Line and Column are 1-based; Column counts bytes.
	Line, Column int
	// Names are the names a from-import takes ("*" for a star import).
	Names []string
	// Members are the dotted paths, from the module's top, that the file
	// reads through the import's bindings, e.g. "yaml.load" for
	// `import yaml` then `yaml.load(…)`, or "jinja2.sandbox.SandboxedEnvironment"
	// for `from jinja2 import sandbox` then `sandbox.SandboxedEnvironment`.
	Members []string
	// Opaque is set when the file may use more of the module than Names
	// and Members say: a module bound by `import m` (or import_module) is
	// used other than by reading an attribute, or a star import.
	Opaque bool
}

// Dynamic is an __import__ or import_module call whose module name is
// computed at run time.
type Dynamic struct {
	Kind         Kind
	Line, Column int
}

// String is a plain string literal whose value looks like a dotted module
// name. Frameworks load modules named this way (Django's INSTALLED_APPS,
// Celery's include, entry points), so a package named in a string may be
// loaded without an import statement.
type String struct {
	Value        string
	Line, Column int
}

// File is what [Scan] found in one source file.
type File struct {
	Imports []Import
	Dynamic []Dynamic
	Strings []String
}

// SyntaxError is the first construct the lexer could not finish. The scan
// carries on after it, but what follows may have been misread.
type SyntaxError struct {
	Line, Column int
	Msg          string
}

// Error returns "line:column: message".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Msg)
}

var moduleLike = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

// maxChain bounds the attribute chains recorded as members.
const maxChain = 8

// Scan finds the imports of src, a Python source file. The error, a
// [*SyntaxError], is set when part of the file could not be lexed; the
// imports found are returned with it.
func Scan(src []byte) (*File, error) {
	l := &lexer{src: src, errPos: -1, toks: make([]token, 0, len(src)/8), intern: map[string]string{}}
	l.run()
	x := &extractor{toks: l.toks, pos: textpos.New(src), used: map[int]bool{}, bindings: map[string][]binding{}}
	x.extract()
	var err error
	if l.errPos >= 0 {
		line, col := x.pos.Position(int64(l.errPos))
		err = &SyntaxError{Line: line, Column: col, Msg: l.errMsg}
	}
	return &x.file, err
}

// binding is a local name bound by an import to a module or to a name
// taken from one.
type binding struct {
	imp    int    // index in file.Imports
	path   string // dotted path the name stands for
	module bool   // bound to a whole module: other uses make the import opaque
}

type extractor struct {
	toks     []token
	pos      *textpos.Index
	file     File
	used     map[int]bool // tokens that are part of import statements
	bindings map[string][]binding
}

func (x *extractor) tok(i int) token {
	if i < 0 || i >= len(x.toks) {
		return token{kind: tEOF}
	}
	return x.toks[i]
}

func (x *extractor) isOp(i int, op string) bool {
	t := x.tok(i)
	return t.kind == tOp && t.val == op
}

func (x *extractor) isName(i int, name string) bool {
	t := x.tok(i)
	return t.kind == tName && t.val == name
}

func (x *extractor) afterDot(i int) bool { return x.isOp(i-1, ".") }

// stmtStart reports whether token i starts a simple statement.
func (x *extractor) stmtStart(i int) bool {
	if i == 0 {
		return true
	}
	p := x.tok(i - 1)
	return p.kind == tNewline || p.kind == tOp && (p.val == ";" || p.val == ":")
}

func (x *extractor) extract() {
	for i, t := range x.toks {
		if t.kind != tName || x.used[i] {
			continue
		}
		switch {
		case t.val == "import" && x.stmtStart(i):
			x.importStmt(i)
		case t.val == "from" && x.stmtStart(i):
			x.fromImport(i)
		case t.val == "__import__" && x.isOp(i+1, "("):
			if !x.afterDot(i) || x.isName(i-2, "builtins") {
				x.call(i, DunderImport)
			}
		case t.val == "import_module" && x.isOp(i+1, "("):
			if !x.afterDot(i) || x.isName(i-2, "importlib") {
				x.call(i, ImportModule)
			}
		}
	}
	x.trackBindings()
	for i, t := range x.toks {
		if t.kind == tString && t.plain && !x.used[i] && len(t.val) <= 200 && moduleLike.MatchString(t.val) {
			line, col := x.pos.Position(int64(t.pos))
			x.file.Strings = append(x.file.Strings, String{Value: t.val, Line: line, Column: col})
		}
	}
}

// dotted reads a dotted name from token i; it returns the name and the
// index after it, or "" when there is none.
func (x *extractor) dotted(i int) (string, int) {
	if x.tok(i).kind != tName {
		return "", i
	}
	parts := []string{x.tok(i).val}
	x.used[i] = true
	j := i + 1
	for x.isOp(j, ".") && x.tok(j+1).kind == tName {
		parts = append(parts, x.tok(j+1).val)
		x.used[j+1] = true
		j += 2
	}
	return strings.Join(parts, "."), j
}

func (x *extractor) add(at int, imp Import) int {
	imp.Line, imp.Column = x.pos.Position(int64(x.tok(at).pos))
	x.file.Imports = append(x.file.Imports, imp)
	return len(x.file.Imports) - 1
}

func (x *extractor) bind(i int, b binding) {
	x.used[i] = true
	name := x.tok(i).val
	x.bindings[name] = append(x.bindings[name], b)
}

// importStmt handles `import a.b [as c], d` at token i.
func (x *extractor) importStmt(i int) {
	x.used[i] = true
	j := i + 1
	for {
		name, next := x.dotted(j)
		if name == "" {
			return
		}
		n := x.add(j, Import{Module: name, Kind: ImportStmt})
		j = next
		if x.isName(j, "as") && x.tok(j+1).kind == tName {
			x.used[j] = true
			x.bind(j+1, binding{imp: n, path: name, module: true})
			j += 2
		} else {
			top, _, _ := strings.Cut(name, ".")
			x.bind(j-1-2*strings.Count(name, "."), binding{imp: n, path: top, module: true})
		}
		if !x.isOp(j, ",") {
			return
		}
		j++
	}
}

// fromImport handles `from [dots]module import names` at token i.
func (x *extractor) fromImport(i int) {
	j := i + 1
	level := 0
	for x.isOp(j, ".") {
		level++
		j++
	}
	module := ""
	if !x.isName(j, "import") {
		module, j = x.dotted(j)
	}
	if (module == "" && level == 0) || !x.isName(j, "import") {
		return
	}
	x.used[i], x.used[j] = true, true
	imp := Import{Module: module, Level: level, Kind: FromImport}
	j++
	paren := x.isOp(j, "(")
	if paren {
		j++
	}
	type local struct {
		tok  int
		name string
	}
	var locals []local
	if x.isOp(j, "*") {
		imp.Names, imp.Opaque = []string{"*"}, true
	} else {
		for {
			t := x.tok(j)
			if t.kind != tName {
				break
			}
			x.used[j] = true
			imp.Names = append(imp.Names, t.val)
			l := local{tok: j, name: t.val}
			j++
			if x.isName(j, "as") && x.tok(j+1).kind == tName {
				x.used[j] = true
				l.tok = j + 1
				j += 2
			}
			locals = append(locals, l)
			if !x.isOp(j, ",") {
				break
			}
			j++
		}
		if len(imp.Names) == 0 {
			return
		}
	}
	n := x.add(i, imp)
	if level > 0 {
		return // first-party: nothing to track
	}
	for _, l := range locals {
		x.bind(l.tok, binding{imp: n, path: module + "." + l.name})
	}
}

// call handles __import__(…) or import_module(…) at token i.
func (x *extractor) call(i int, k Kind) {
	arg := x.tok(i + 2)
	if arg.kind != tString || !arg.plain || !(x.isOp(i+3, ")") || x.isOp(i+3, ",")) {
		line, col := x.pos.Position(int64(x.tok(i).pos))
		x.file.Dynamic = append(x.file.Dynamic, Dynamic{Kind: k, Line: line, Column: col})
		return
	}
	x.used[i+2] = true
	name := arg.val
	level := len(name) - len(strings.TrimLeft(name, "."))
	start := i
	if x.afterDot(i) {
		start = i - 2
	}
	n := x.add(start, Import{Module: name[level:], Level: level, Kind: k})
	if level > 0 {
		return // first-party
	}
	path := name
	if k == DunderImport && x.isOp(i+3, ")") {
		path, _, _ = strings.Cut(name, ".") // __import__("a.b") returns package a
	}
	imp := &x.file.Imports[n]
	switch {
	case x.isOp(i+3, ")") && x.isOp(i+4, ".") && x.tok(i+5).kind == tName:
		var chain []string
		for j := i + 4; x.isOp(j, ".") && x.tok(j+1).kind == tName && len(chain) < maxChain; j += 2 {
			chain = append(chain, x.tok(j+1).val)
		}
		imp.Members = append(imp.Members, path+"."+strings.Join(chain, "."))
	case x.isOp(start-1, "=") && x.tok(start-2).kind == tName && x.stmtStart(start-2):
		x.bind(start-2, binding{imp: n, path: path, module: true})
	case x.stmtStart(start) && x.isOp(i+3, ")") && (x.tok(i+4).kind == tNewline || x.tok(i+4).kind == tEOF || x.isOp(i+4, ";")):
		// A statement of its own, for the import's side effects.
	default:
		imp.Opaque = true
	}
}

// trackBindings records the attribute chains read through each binding and
// marks imports whose module binding is used otherwise as opaque.
func (x *extractor) trackBindings() {
	if len(x.bindings) == 0 {
		return
	}
	for i, t := range x.toks {
		if t.kind != tName || x.used[i] || x.afterDot(i) {
			continue
		}
		bs, ok := x.bindings[t.val]
		if !ok {
			continue
		}
		// Keyword arguments (f(yaml=1)) are not uses.
		if x.isOp(i+1, "=") && !x.isOp(i+2, "=") && (x.isOp(i-1, "(") || x.isOp(i-1, ",")) {
			continue
		}
		var chain []string
		for j := i + 1; x.isOp(j, ".") && x.tok(j+1).kind == tName && len(chain) < maxChain; j += 2 {
			chain = append(chain, x.tok(j+1).val)
		}
		for _, b := range bs {
			imp := &x.file.Imports[b.imp]
			if len(chain) == 0 {
				if b.module {
					imp.Opaque = true
				}
				continue
			}
			m := b.path + "." + strings.Join(chain, ".")
			if !contains(imp.Members, m) {
				imp.Members = append(imp.Members, m)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
