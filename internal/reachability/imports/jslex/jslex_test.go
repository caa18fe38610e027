package jslex

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// brief is an import without its position, for compact tables.
type brief struct {
	Spec     string
	Kind     Kind
	Line     int
	TypeOnly bool
	Names    []string
	Members  []string
	Opaque   bool
}

func briefs(f *File) []brief {
	var out []brief
	for _, i := range f.Imports {
		out = append(out, brief{i.Specifier, i.Kind, i.Line, i.TypeOnly, i.Names, i.Members, i.Opaque})
	}
	return out
}

var cmpOpts = cmpopts.EquateEmpty()

func TestScan(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		dialect Dialect
		want    []brief
		dynamic int
	}{
		{
			name: "esm_forms",
			src: `import def from "a";
import {x as y, z} from 'b';
import * as ns from "c";
import "d";
import e, {f} from "e";
import e2, * as ns2 from "e2";
import {"string name" as s} from "f";
import json from "./data.json" with { type: "json" };`,
			want: []brief{
				{Spec: "a", Kind: ImportDecl, Line: 1, Names: []string{"default"}},
				{Spec: "b", Kind: ImportDecl, Line: 2, Names: []string{"x", "z"}},
				{Spec: "c", Kind: ImportDecl, Line: 3},
				{Spec: "d", Kind: ImportDecl, Line: 4},
				{Spec: "e", Kind: ImportDecl, Line: 5, Names: []string{"default", "f"}},
				{Spec: "e2", Kind: ImportDecl, Line: 6, Names: []string{"default"}},
				{Spec: "f", Kind: ImportDecl, Line: 7, Names: []string{"string name"}},
				{Spec: "./data.json", Kind: ImportDecl, Line: 8, Names: []string{"default"}},
			},
		},
		{
			name: "export_from",
			src: `export * from "a";
export * as ns from "b";
export {x, y as z} from "c";
export type {T} from "d";
export {x};
export default function f() {}`,
			dialect: TypeScript,
			want: []brief{
				{Spec: "a", Kind: ExportFrom, Line: 1, Names: []string{"*"}, Opaque: true},
				{Spec: "b", Kind: ExportFrom, Line: 2, Names: []string{"*"}, Opaque: true},
				{Spec: "c", Kind: ExportFrom, Line: 3, Names: []string{"x", "y"}},
				{Spec: "d", Kind: ExportFrom, Line: 4, TypeOnly: true, Names: []string{"T"}},
			},
		},
		{
			name: "typescript_type_only",
			src: `import type {A} from "a";
import type B from "b";
import {type C, type D} from "c";
import {type E, F} from "e";
import type from "g";
import type * as H from "h";
import type I = require("i");
import J = require("j");
import K = Namespace.K;`,
			dialect: TypeScript,
			want: []brief{
				{Spec: "a", Kind: ImportDecl, Line: 1, TypeOnly: true, Names: []string{"A"}},
				{Spec: "b", Kind: ImportDecl, Line: 2, TypeOnly: true, Names: []string{"default"}},
				{Spec: "c", Kind: ImportDecl, Line: 3, TypeOnly: true},
				{Spec: "e", Kind: ImportDecl, Line: 4, Names: []string{"F"}},
				{Spec: "g", Kind: ImportDecl, Line: 5, Names: []string{"default"}},
				{Spec: "h", Kind: ImportDecl, Line: 6, TypeOnly: true},
				{Spec: "i", Kind: ImportEquals, Line: 7, TypeOnly: true},
				{Spec: "j", Kind: ImportEquals, Line: 8},
			},
		},
		{
			name: "commonjs",
			src: `const a = require("a");
a.one(); a.two;
const {b1, b2: renamed, b3 = 1} = require("b");
const c = require("c").sub;
require("d");
module.exports = require("e");
const f = require("f"); use(f);
const {...rest} = require("g");
const h = module.require("h");
obj.require("not-an-import");
function require(x) {}`,
			want: []brief{
				{Spec: "a", Kind: Require, Line: 1, Members: []string{"one", "two"}},
				{Spec: "b", Kind: Require, Line: 3, Names: []string{"b1", "b2", "b3"}},
				{Spec: "c", Kind: Require, Line: 4, Members: []string{"sub"}},
				{Spec: "d", Kind: Require, Line: 5},
				{Spec: "e", Kind: Require, Line: 6, Opaque: true},
				{Spec: "f", Kind: Require, Line: 7, Opaque: true},
				{Spec: "g", Kind: Require, Line: 8, Opaque: true},
				{Spec: "h", Kind: Require, Line: 9},
			},
		},
		{
			name: "dynamic_imports",
			src:  "const m = await import(\"a\");\nimport(\"b\").then(go);\nimport(name);\nrequire(`c`);\nrequire(`d-${x}`);\nrequire(\"e\" + x);\nimport.meta.url;\nrequire();",
			want: []brief{
				{Spec: "a", Kind: DynamicImport, Line: 1},
				{Spec: "b", Kind: DynamicImport, Line: 2, Opaque: true},
				{Spec: "c", Kind: Require, Line: 4},
			},
			dynamic: 3,
		},
		{
			name: "amd",
			src:  `define(["jquery", "require", "./local"], function ($) {}); require(["underscore"], function (_) {});`,
			want: []brief{
				{Spec: "jquery", Kind: AMD, Line: 1, Opaque: true},
				{Spec: "./local", Kind: AMD, Line: 1, Opaque: true},
				{Spec: "underscore", Kind: AMD, Line: 1, Opaque: true},
			},
		},
		{
			name: "regex_versus_division",
			src: `const r = /require("re1")/g;
const q = a / b / require("div1");
x = y
/require("re2")/.test(z);
if (cond) /require("re3")/.exec(s);
const o = {a: 1} / require("div2");
function f() {} /require("re4")/;
const c = [1] / require("div3");
const k = /[/]require("re5")/;
return /require("re6")/;
i++ / require("div4");`,
			want: []brief{
				{Spec: "div1", Kind: Require, Line: 2, Opaque: true},
				// No semicolon is inserted before a slash: this divides.
				{Spec: "re2", Kind: Require, Line: 4, Opaque: true},
				{Spec: "div2", Kind: Require, Line: 6, Opaque: true},
				{Spec: "div3", Kind: Require, Line: 8, Opaque: true},
				{Spec: "div4", Kind: Require, Line: 11, Opaque: true},
			},
		},
		{
			name: "strings_templates_comments",
			src: "const a = 'require(\"s1\")';\nconst b = \"import x from 's2'\";\n" +
				"const c = `require('t1') ${ `nested ${ require(\"real\") } require('t2')` } import \"t3\"`;\n" +
				"// require(\"c1\")\n/* import \"c2\"\n require(\"c3\") */\nconst d = '\\'require(\"s3\")';",
			want: []brief{
				{Spec: "real", Kind: Require, Line: 3, Opaque: true},
			},
		},
		{
			name: "jsx",
			src: `import React from "react";
const el = <div className="x" data-a='y' {...props}>
  Don't require("text1") / here
  <span>{require("expr")}</span>
  <Foo.Bar attr={<i>it's</i>}/>
  <>fragment's text</>
</div>;
const lt = a < b && c > require("after-jsx");`,
			want: []brief{
				{Spec: "react", Kind: ImportDecl, Line: 1, Names: []string{"default"}},
				{Spec: "expr", Kind: Require, Line: 4, Opaque: true},
				{Spec: "after-jsx", Kind: Require, Line: 8, Opaque: true},
			},
		},
		{
			name:    "typescript_angle_brackets_are_not_jsx",
			src:     "const x = <any>require(\"cast\");\nconst s = 'it\\'s';\nimport {y} from \"after\";",
			dialect: TypeScript,
			want: []brief{
				{Spec: "cast", Kind: Require, Line: 1, Opaque: true},
				{Spec: "after", Kind: ImportDecl, Line: 3, Names: []string{"y"}},
			},
		},
		{
			name:    "tsx_generic_arrow",
			src:     "const id = <T,>(x: T) => x;\nconst id2 = <T extends object>(x: T) => x;\nimport {z} from \"after\";",
			dialect: TSX,
			want: []brief{
				{Spec: "after", Kind: ImportDecl, Line: 3, Names: []string{"z"}},
			},
		},
		{
			name: "property_names_are_not_keywords",
			src:  "obj.import(\"x\");\nobj.return / require(\"div\");\nconst o = { import: 1, require: 2 };\nimport {a} from \"real\";",
			want: []brief{
				{Spec: "div", Kind: Require, Line: 2, Opaque: true},
				{Spec: "real", Kind: ImportDecl, Line: 4, Names: []string{"a"}},
			},
		},
		{
			name: "hashbang_and_escapes",
			src:  "#!/usr/bin/env node\nconst a = require(\"\\x6Codash\");\nconst b = require('\\u{40}scope/p');",
			want: []brief{
				{Spec: "lodash", Kind: Require, Line: 2},
				{Spec: "@scope/p", Kind: Require, Line: 3},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Scan([]byte(tc.src), tc.dialect)
			if err != nil {
				t.Errorf("Scan: unexpected error %v", err)
			}
			if diff := cmp.Diff(tc.want, briefs(f), cmpOpts); diff != "" {
				t.Errorf("imports (-want +got):\n%s", diff)
			}
			if len(f.Dynamic) != tc.dynamic {
				t.Errorf("dynamic imports = %+v, want %d", f.Dynamic, tc.dynamic)
			}
		})
	}
}

func TestScanFixtures(t *testing.T) {
	tests := []struct {
		file    string
		want    []brief
		dynamic int
		strings []string
		errLine int // 0: no error
	}{
		{file: "minimal.js", want: []brief{{Spec: "lodash", Kind: ImportDecl, Line: 1, Names: []string{"default"}}}},
		{file: "empty.js"},
		{
			file: "../../testdata/nodegoat/server.js", // the real NodeGoat server.js of the analysis tests
			want: []brief{
				{Spec: "express", Kind: Require, Line: 3, Members: []string{"static"}, Opaque: true},
				{Spec: "serve-favicon", Kind: Require, Line: 4, Opaque: true},
				{Spec: "body-parser", Kind: Require, Line: 5, Members: []string{"json", "urlencoded"}},
				{Spec: "express-session", Kind: Require, Line: 6, Opaque: true},
				{Spec: "consolidate", Kind: Require, Line: 8, Members: []string{"swig"}},
				{Spec: "swig", Kind: Require, Line: 9, Members: []string{"setDefaults"}},
				{Spec: "mongodb", Kind: Require, Line: 11, Members: []string{"MongoClient"}},
				{Spec: "http", Kind: Require, Line: 12, Members: []string{"createServer"}},
				{Spec: "marked", Kind: Require, Line: 13, Members: []string{"setOptions"}, Opaque: true},
				{Spec: "./app/routes", Kind: Require, Line: 16, Opaque: true},
				{Spec: "./config/config", Kind: Require, Line: 17, Names: []string{"port", "db", "cookieSecret"}},
			},
			strings: []string{"html"},
		},
		{
			file:    "malformed.js",
			want:    []brief{{Spec: "a", Kind: ImportDecl, Line: 1, Names: []string{"default"}}, {Spec: "b", Kind: Require, Line: 2, Opaque: true}},
			errLine: 2,
		},
		{
			// Python read as JavaScript: `import os` and `from yaml import
			// load` are no imports (no string specifier).
			file: "wrong_format.js",
		},
		{
			file: "tricky.tsx",
			want: []brief{
				{Spec: "react", Kind: ImportDecl, Line: 2, Names: []string{"default", "useState"}},
				{Spec: "webpack", Kind: ImportDecl, Line: 3, TypeOnly: true, Names: []string{"Config"}},
				{Spec: "only-types", Kind: ImportDecl, Line: 4, TypeOnly: true},
				{Spec: "lodash/fp", Kind: ImportDecl, Line: 5, Members: []string{"map"}},
				{Spec: "@scope/utils/merge", Kind: ExportFrom, Line: 6, Names: []string{"merge"}},
				{Spec: "typed-only", Kind: ExportFrom, Line: 7, TypeOnly: true, Names: []string{"Options"}},
				{Spec: "fs", Kind: ImportEquals, Line: 8},
				{Spec: "division-ok", Kind: Require, Line: 11, Opaque: true},
				{Spec: "in-substitution", Kind: Require, Line: 12, Opaque: true},
				{Spec: "jsx-expression", Kind: Require, Line: 24, Opaque: true},
				{Spec: "dynamic-literal", Kind: DynamicImport, Line: 28},
			},
			dynamic: 1,
		},
	}
	for _, tc := range tests {
		t.Run(strings.ReplaceAll(strings.TrimSuffix(tc.file, filepath.Ext(tc.file)), ".", "_"), func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			d, _ := DialectFor(tc.file)
			f, err := Scan(src, d)
			var se *SyntaxError
			switch {
			case tc.errLine == 0 && err != nil:
				t.Errorf("Scan: unexpected error %v", err)
			case tc.errLine != 0 && (!errors.As(err, &se) || se.Line != tc.errLine):
				t.Errorf("Scan: error %v, want a syntax error at line %d", err, tc.errLine)
			}
			if diff := cmp.Diff(tc.want, briefs(f), cmpOpts); diff != "" {
				t.Errorf("imports (-want +got):\n%s", diff)
			}
			if len(f.Dynamic) != tc.dynamic {
				t.Errorf("dynamic imports = %+v, want %d", f.Dynamic, tc.dynamic)
			}
			if tc.strings != nil {
				var got []string
				for _, s := range f.Strings {
					got = append(got, s.Value)
				}
				for _, s := range tc.strings {
					if !strings.Contains(strings.Join(got, "\n"), s) {
						t.Errorf("strings %q do not hold %q", got, s)
					}
				}
			}
		})
	}
}

func TestDialectFor(t *testing.T) {
	tests := []struct {
		path string
		want Dialect
		ok   bool
	}{
		{"a.js", JavaScript, true}, {"a.MJS", JavaScript, true}, {"a.cjs", JavaScript, true}, {"a.jsx", JavaScript, true},
		{"a.ts", TypeScript, true}, {"a.d.ts", TypeScript, true}, {"a.mts", TypeScript, true}, {"a.cts", TypeScript, true},
		{"a.tsx", TSX, true}, {"a.json", 0, false}, {"a.vue", 0, false},
	}
	for _, tc := range tests {
		if got, ok := DialectFor(tc.path); got != tc.want || ok != tc.ok {
			t.Errorf("DialectFor(%q) = %v, %v; want %v, %v", tc.path, got, ok, tc.want, tc.ok)
		}
	}
}

// fuzzSeeds are inputs that once confused a lexer or nearly did.
var fuzzSeeds = []string{
	"", "/", "//", "/*", "`", "`${", "`${`", "'", "\"\\", "<", "<a", "<a>", "</", "<>", "<a b={", "a = <b>{</b>",
	"x = /[/", "x = /\\", "x = a / b / c", "if (a) /re/", "}/", ")/", "require(", "require(`", "import(", "import {",
	"import {a as", "export *", "const {", "const {} = require('x')", "<T,>(x)", "<T extends", "#!",
	"\xef\xbb\xbfimport 'bom'", "\\u0069mport 'x'", "a?.5:b", "x = `${{a:`${1}`}}`", "<a>{/* c */}</a>",
	"return <a>text's</a> / 2", "define(", "define(['a',", "require([x])",
}

func FuzzScan(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		f.Fatal(err)
	}
	files = append(files, filepath.Join("..", "..", "testdata", "nodegoat", "server.js"))
	for _, p := range files {
		if info, err := os.Stat(p); err != nil || info.IsDir() {
			continue // testdata/fuzz holds the fuzzer's own corpus
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, d := range []Dialect{JavaScript, TypeScript, TSX} {
			file, _ := Scan([]byte(src), d)
			lines := strings.Count(src, "\n") + 1
			for _, imp := range file.Imports {
				if imp.Line < 1 || imp.Line > lines || imp.Column < 1 {
					t.Fatalf("import %+v is outside the source (%d lines)", imp, lines)
				}
			}
		}
		// Whatever src holds, once inside a comment or a string it
		// imports nothing.
		for _, wrapped := range []string{
			"/*" + withoutCommentEnd(src) + "*/",
			"// " + strings.NewReplacer("\n", "", "\r", "", "\u2028", "", "\u2029", "").Replace(src),
			"x = \"" + quoteJS(src, '"') + "\";",
			"x = '" + quoteJS(src, '\'') + "';",
			"x = `" + strings.NewReplacer("\\", "\\\\", "`", "\\`", "$", "\\$").Replace(src) + "`;",
		} {
			for _, d := range []Dialect{JavaScript, TypeScript, TSX} {
				file, err := Scan([]byte(wrapped), d)
				if len(file.Imports) > 0 || len(file.Dynamic) > 0 {
					t.Fatalf("Scan(%q) found %+v %+v in a comment or string", wrapped, file.Imports, file.Dynamic)
				}
				if err != nil {
					t.Fatalf("Scan(%q): %v", wrapped, err)
				}
			}
		}
	})
}

// quoteJS escapes s for a JavaScript string literal quoted with q.
func quoteJS(s string, q byte) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' || c == q:
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c == '\n':
			sb.WriteString("\\n")
		case c == '\r':
			sb.WriteString("\\r")
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

func BenchmarkScan(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("testdata", "tricky.tsx"))
	if err != nil {
		b.Fatal(err)
	}
	src = []byte(strings.Repeat(string(src)+"\n", 100)) // about 100 KiB
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Scan(src, TSX); err != nil {
			b.Fatal(err)
		}
	}
}

// withoutCommentEnd removes "*/" from s, including any that removing
// others forms ("**//").
func withoutCommentEnd(s string) string {
	for strings.Contains(s, "*/") {
		s = strings.ReplaceAll(s, "*/", "")
	}
	return s
}
