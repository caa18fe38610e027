// Package jslex finds the module imports of JavaScript and TypeScript source
// files: ES module import and export-from declarations, CommonJS require
// calls, dynamic import() calls, TypeScript import-equals declarations and
// AMD define/require dependency arrays.
//
// It is a focused tokenizer, not a parser. It knows exactly as much of the
// language as it needs to never mistake text for code: strings, template
// literals with nested ${} substitutions, comments, regular expression
// literals (told apart from division by the previous significant token, as
// the ECMAScript grammar does: after an expression a slash divides, elsewhere
// it starts a literal; a closing parenthesis counts as the end of an
// expression unless it closes an if/while/for/with condition, a closing brace
// unless it closes a block), and JSX elements (in .js, .jsx, .mjs, .cjs and
// .tsx files: a < where an expression may start, followed by a name or >,
// opens an element whose text is skipped). Imports are then recognised on the
// token stream.
//
// Errors never stop the scan: an unterminated string, comment, template or
// JSX element is reported (the first one, as a [*SyntaxError]) beside the
// imports found, so that a caller knows the file was not fully understood.
package jslex

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/patchline/patchline/internal/textpos"
)

// Dialect is the language variant of a source file.
type Dialect uint8

// Dialects.
const (
	// JavaScript is ECMAScript with JSX (.js, .mjs, .cjs, .jsx).
	JavaScript Dialect = iota
	// TypeScript has no JSX: <T>x is a type assertion (.ts, .mts, .cts).
	TypeScript
	// TSX is TypeScript with JSX (.tsx).
	TSX
)

// DialectFor returns the dialect of the file at p by its extension, and
// false when p is not a JavaScript or TypeScript source file. Declaration
// files (.d.ts) are TypeScript.
func DialectFor(p string) (Dialect, bool) {
	switch strings.ToLower(path.Ext(p)) {
	case ".js", ".mjs", ".cjs", ".jsx":
		return JavaScript, true
	case ".ts", ".mts", ".cts":
		return TypeScript, true
	case ".tsx":
		return TSX, true
	}
	return 0, false
}

// Kind is the syntax an import was written with.
type Kind string

// Kinds of import.
const (
	// ImportDecl is `import … from "m"` or `import "m"`.
	ImportDecl Kind = "import"
	// ExportFrom is `export … from "m"`.
	ExportFrom Kind = "export-from"
	// Require is a CommonJS `require("m")` (or `module.require("m")`).
	Require Kind = "require"
	// DynamicImport is `import("m")`.
	DynamicImport Kind = "dynamic-import"
	// ImportEquals is TypeScript's `import x = require("m")`.
	ImportEquals Kind = "import-equals"
	// AMD is a dependency of an AMD `define([…], …)` or `require([…], …)`.
	AMD Kind = "amd"
)

// Import is one import of a module by a literal specifier.
type Import struct {
	// Specifier is the module specifier as written, e.g. "lodash/fp".
	Specifier string
	Kind      Kind
	// Line and Column are 1-based; Column counts bytes.
	Line, Column int
	// TypeOnly is set for imports that TypeScript erases: `import type`,
	// `export type … from`, and imports whose every named specifier is
	// marked `type` (with no default or namespace binding). The module is
	// not loaded at run time by such an import (with the compiler option
	// verbatimModuleSyntax the last form still loads it, for side effects).
	TypeOnly bool
	// Names are the exported names the import binds: "default" for a
	// default import, the names in braces (the exported name, not the
	// local alias), the keys of a destructuring pattern for require and
	// dynamic import, and "*" for `export * from`. Type-only specifiers
	// are left out.
	Names []string
	// Members are the properties read from a binding of the whole module
	// (a default or namespace import, `const m = require("m")`), e.g.
	// "template" for `_.template(…)`, and properties read straight off the
	// call (`require("m").template`).
	Members []string
	// Opaque is set when the file may use more of the module than Names
	// and Members say: a binding of the whole module is used other than by
	// reading a property (passed, returned, called, re-exported), `export *`,
	// or a rest element in a destructuring pattern.
	Opaque bool
}

// Dynamic is an import whose specifier is computed at run time
// (`require(name)`, `import(`./x/${y}`)`): the module cannot be known.
type Dynamic struct {
	Kind         Kind
	Line, Column int
}

// String is a string literal (other than an import specifier) whose value
// looks like a module specifier. Tooling configuration names packages this
// way (babel presets, webpack loaders, jest.mock), so a package named in a
// string may be loaded without an import.
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

// maxLook bounds how far (in tokens) the extractor looks for the end of a
// call or the start of a destructuring pattern, which keeps it linear on
// pathological input.
const maxLook = 128

// specifierLike matches strings worth keeping in [File.Strings].
var specifierLike = regexp.MustCompile(`^@?[A-Za-z0-9._~-][A-Za-z0-9._~/:@-]*$`)

// Scan finds the imports of src, a source file of dialect d. The error, a
// [*SyntaxError], is set when part of the file could not be lexed; the
// imports found are returned with it.
func Scan(src []byte, d Dialect) (*File, error) {
	l := newLexer(src, d)
	l.run()
	x := &extractor{toks: l.toks, pos: textpos.New(src), used: map[int]bool{}}
	x.extract()
	var err error
	if l.errPos >= 0 {
		line, col := x.pos.Position(int64(l.errPos))
		err = &SyntaxError{Line: line, Column: col, Msg: l.errMsg}
	}
	return &x.file, err
}

// extractor recognises imports on the token stream.
type extractor struct {
	toks []token
	pos  *textpos.Index
	file File
	used map[int]bool // token indexes of specifiers and binding declarations

	// bindings maps a local name bound to a whole module to the indexes
	// of the imports it refers to.
	bindings map[string][]int
}

func (x *extractor) tok(i int) token {
	if i < 0 || i >= len(x.toks) {
		return token{kind: tEOF}
	}
	return x.toks[i]
}

func (x *extractor) isPunct(i int, p string) bool {
	t := x.tok(i)
	return t.kind == tPunct && t.val == p
}

func (x *extractor) isIdent(i int, name string) bool {
	t := x.tok(i)
	return t.kind == tIdent && t.val == name
}

// isStr reports whether token i is a string usable as a specifier: a quoted
// string or a template literal without substitutions.
func (x *extractor) isStr(i int) bool {
	k := x.tok(i).kind
	return k == tString || k == tTemplate
}

// afterDot reports whether token i is a property name (follows . or ?.).
func (x *extractor) afterDot(i int) bool {
	return x.isPunct(i-1, ".") || x.isPunct(i-1, "?.")
}

func (x *extractor) extract() {
	x.bindings = map[string][]int{}
	for i, t := range x.toks {
		if t.kind != tIdent || x.used[i] || x.afterDot(i) && !(t.val == "require" && x.isIdent(i-2, "module") && !x.afterDot(i-2)) {
			continue
		}
		switch t.val {
		case "import":
			x.importKeyword(i)
		case "export":
			x.exportFrom(i)
		case "require":
			if x.isPunct(i+1, "(") && !x.isIdent(i-1, "function") {
				x.call(i, Require)
			}
		case "define":
			if x.isPunct(i+1, "(") && !x.isIdent(i-1, "function") {
				j := i + 2
				if x.isStr(j) && x.isPunct(j+1, ",") {
					j += 2 // define("name", [deps], factory)
				}
				if x.isPunct(j, "[") {
					x.amd(j)
				}
			}
		}
	}
	x.trackBindings()
	for i, t := range x.toks {
		if (t.kind == tString || t.kind == tTemplate) && !x.used[i] && len(t.val) <= 214 && specifierLike.MatchString(t.val) {
			line, col := x.pos.Position(int64(t.pos))
			x.file.Strings = append(x.file.Strings, String{Value: t.val, Line: line, Column: col})
		}
	}
}

// add records an import whose specifier is token spec, written at token at.
func (x *extractor) add(at, spec int, imp Import) int {
	imp.Specifier = x.tok(spec).val
	imp.Line, imp.Column = x.pos.Position(int64(x.tok(at).pos))
	x.used[spec] = true
	x.file.Imports = append(x.file.Imports, imp)
	return len(x.file.Imports) - 1
}

func (x *extractor) dynamic(at int, k Kind) {
	line, col := x.pos.Position(int64(x.tok(at).pos))
	x.file.Dynamic = append(x.file.Dynamic, Dynamic{Kind: k, Line: line, Column: col})
}

// bind records that local name token i is bound to the whole module of
// import n.
func (x *extractor) bind(i, n int) {
	x.used[i] = true
	name := x.tok(i).val
	x.bindings[name] = append(x.bindings[name], n)
}

// importKeyword handles `import` at token i: a declaration, a dynamic
// import() or import.meta.
func (x *extractor) importKeyword(i int) {
	if x.isPunct(i+1, "(") {
		x.call(i, DynamicImport)
		return
	}
	j := i + 1
	imp := Import{Kind: ImportDecl}
	if x.isIdent(j, "type") && (x.isPunct(j+1, "{") || x.isPunct(j+1, "*") ||
		x.tok(j+1).kind == tIdent && !x.isIdent(j+1, "from")) {
		imp.TypeOnly = true
		x.used[j] = true
		j++
	}
	if x.isStr(j) { // import "m"
		x.add(i, j, imp)
		return
	}
	var locals []int
	if t := x.tok(j); t.kind == tIdent && !(t.val == "from" && x.isStr(j+1)) {
		if x.isPunct(j+1, "=") { // import x = require("m")
			if x.isIdent(j+2, "require") && x.isPunct(j+3, "(") && x.isStr(j+4) && x.isPunct(j+5, ")") {
				imp.Kind = ImportEquals
				x.used[j+2] = true // the require is part of this import
				n := x.add(i, j+4, imp)
				x.bind(j, n)
			}
			return
		}
		imp.Names = append(imp.Names, "default")
		locals = append(locals, j)
		j++
		if x.isPunct(j, ",") {
			j++
		}
	}
	switch {
	case x.isPunct(j, "*"):
		if !x.isIdent(j+1, "as") || x.tok(j+2).kind != tIdent {
			return
		}
		locals = append(locals, j+2)
		j += 3
	case x.isPunct(j, "{"):
		names, typeOnly, end, ok := x.namedSpecifiers(j)
		if !ok {
			return
		}
		imp.Names = append(imp.Names, names...)
		if typeOnly && len(locals) == 0 {
			imp.TypeOnly = true
		}
		j = end + 1
	}
	if !x.isIdent(j, "from") || !x.isStr(j+1) {
		return
	}
	n := x.add(i, j+1, imp)
	if !imp.TypeOnly {
		for _, l := range locals {
			x.bind(l, n)
		}
	}
}

// namedSpecifiers parses `{ a, b as c, type d, "e" as f }` from the { at
// token i. It returns the exported names of the value specifiers, whether
// all specifiers (at least one) are type-only, and the index of the }.
func (x *extractor) namedSpecifiers(i int) (names []string, typeOnly bool, end int, ok bool) {
	j := i + 1
	specs, types := 0, 0
	for {
		if x.isPunct(j, "}") {
			return names, specs > 0 && specs == types, j, true
		}
		isType := false
		if x.isIdent(j, "type") && (x.tok(j+1).kind == tIdent || x.tok(j+1).kind == tString) &&
			!(x.isIdent(j+1, "as") && !(x.tok(j+2).kind == tIdent || x.tok(j+2).kind == tString)) {
			isType = true
			x.used[j] = true
			j++
		}
		t := x.tok(j)
		if t.kind != tIdent && t.kind != tString {
			return nil, false, 0, false
		}
		specs++
		if isType {
			types++
		} else {
			names = append(names, t.val)
		}
		if t.kind == tString {
			x.used[j] = true
		}
		j++
		if x.isIdent(j, "as") {
			j += 2
		}
		if x.isPunct(j, ",") {
			j++
		} else if !x.isPunct(j, "}") {
			return nil, false, 0, false
		}
	}
}

// exportFrom handles `export … from "m"` at token i, and TypeScript's
// `export import x = require("m")` (left to importKeyword).
func (x *extractor) exportFrom(i int) {
	j := i + 1
	imp := Import{Kind: ExportFrom}
	if x.isIdent(j, "type") && (x.isPunct(j+1, "{") || x.isPunct(j+1, "*")) {
		imp.TypeOnly = true
		x.used[j] = true
		j++
	}
	switch {
	case x.isPunct(j, "*"):
		imp.Names, imp.Opaque = []string{"*"}, true
		j++
		if x.isIdent(j, "as") {
			j += 2
		}
	case x.isPunct(j, "{"):
		names, typeOnly, end, ok := x.namedSpecifiers(j)
		if !ok {
			return
		}
		imp.Names = names
		imp.TypeOnly = imp.TypeOnly || typeOnly
		j = end + 1
	default:
		return
	}
	if x.isIdent(j, "from") && x.isStr(j+1) {
		x.add(i, j+1, imp)
	}
}

// call handles require(…) or import(…) at token i (the keyword).
func (x *extractor) call(i int, k Kind) {
	arg := i + 2
	if k == Require && x.isPunct(arg, "[") { // AMD require([deps], callback)
		x.amd(arg)
		return
	}
	if !x.isStr(arg) || !(x.isPunct(arg+1, ")") || x.isPunct(arg+1, ",")) {
		if k == DynamicImport || !x.isPunct(arg, ")") { // require() alone is not an import
			x.dynamic(i, k)
		}
		return
	}
	closing := arg + 1
	if x.isPunct(closing, ",") { // import("m", {with: …}): find the ) nearby
		depth := 0
		for closing = arg + 1; closing < min(len(x.toks), arg+maxLook); closing++ {
			if x.isPunct(closing, "(") || x.isPunct(closing, "[") || x.isPunct(closing, "{") {
				depth++
			} else if x.isPunct(closing, ")") || x.isPunct(closing, "]") || x.isPunct(closing, "}") {
				if depth == 0 {
					break
				}
				depth--
			}
		}
		if !x.isPunct(closing, ")") {
			x.add(i, arg, Import{Kind: k, Opaque: true})
			return
		}
	}
	n := x.add(i, arg, Import{Kind: k})
	imp := &x.file.Imports[n]

	// What the result is used for.
	if x.isPunct(closing+1, ".") || x.isPunct(closing+1, "?.") {
		if t := x.tok(closing + 2); t.kind == tIdent && k != DynamicImport {
			imp.Members = append(imp.Members, t.val)
			return
		}
		imp.Opaque = true // import("m").then(…): used in a callback
		return
	}
	before := i - 1
	if x.afterDot(i) {
		before = i - 3 // module.require
	}
	if k == DynamicImport && x.isIdent(before, "await") {
		before--
	}
	if x.isPunct(before, "=") {
		switch {
		case x.tok(before-1).kind == tIdent && !x.afterDot(before-1):
			x.bind(before-1, n)
			return
		case x.isPunct(before-1, "}"):
			x.destructure(before-1, imp)
			return
		}
	}
	// A statement of its own: nothing is taken from the module.
	if (before < 0 || x.isPunct(before, ";") || x.isPunct(before, "{") || x.isPunct(before, "}")) && !x.tok(before).jsx &&
		(closing+1 >= len(x.toks) || x.isPunct(closing+1, ";") || x.isPunct(closing+1, "}") ||
			x.line(closing+1) > x.line(closing)) {
		return
	}
	imp.Opaque = true
}

func (x *extractor) line(i int) int { return x.pos.Line(int64(x.tok(i).pos)) }

// destructure reads the keys of the object pattern ending with the } at
// token end into imp.Names.
func (x *extractor) destructure(end int, imp *Import) {
	depth, start := 0, -1
	for j := end; j >= max(0, end-maxLook); j-- {
		switch {
		case x.isPunct(j, "}"):
			depth++
		case x.isPunct(j, "{"):
			depth--
		}
		if depth == 0 {
			start = j
			break
		}
	}
	if start < 0 {
		imp.Opaque = true
		return
	}
	depth = 0
	expectKey := true
	for j := start + 1; j < end; j++ {
		t := x.tok(j)
		if t.kind == tPunct {
			switch t.val {
			case "{", "[", "(":
				if depth == 0 && expectKey && t.val == "[" {
					imp.Opaque = true // computed key
				}
				depth++
			case "}", "]", ")":
				depth--
			case ",":
				if depth == 0 {
					expectKey = true
				}
			case "...":
				if depth == 0 {
					imp.Opaque = true
					expectKey = false
				}
			}
			continue
		}
		if depth == 0 && expectKey && (t.kind == tIdent || t.kind == tString) {
			imp.Names = append(imp.Names, t.val)
			x.used[j] = true
			expectKey = false
		}
	}
}

// amd records the string elements of the dependency array at token i.
func (x *extractor) amd(i int) {
	for j := i + 1; j < len(x.toks); j++ {
		switch {
		case x.isPunct(j, "]"):
			return
		case x.isPunct(j, ","):
		case x.isStr(j):
			if s := x.tok(j).val; s != "require" && s != "exports" && s != "module" {
				x.add(j, j, Import{Kind: AMD, Opaque: true})
			}
		default:
			x.dynamic(j, AMD)
			return
		}
	}
}

// trackBindings finds, for each binding of a whole module, what the file
// does with it: reading a property adds a member, anything else makes the
// import opaque.
func (x *extractor) trackBindings() {
	if len(x.bindings) == 0 {
		return
	}
	for i, t := range x.toks {
		if t.kind != tIdent || x.used[i] || x.afterDot(i) {
			continue
		}
		ns, ok := x.bindings[t.val]
		if !ok {
			continue
		}
		// Object keys ({ _: 1 }) are not uses; shorthand ({ _ }) are.
		if x.isPunct(i+1, ":") && (x.isPunct(i-1, "{") || x.isPunct(i-1, ",")) && !x.isPunct(i-2, "?") {
			continue
		}
		member := ""
		if (x.isPunct(i+1, ".") || x.isPunct(i+1, "?.")) && x.tok(i+2).kind == tIdent {
			member = x.tok(i + 2).val
		}
		for _, n := range ns {
			imp := &x.file.Imports[n]
			if member == "" {
				imp.Opaque = true
			} else if !contains(imp.Members, member) {
				imp.Members = append(imp.Members, member)
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
