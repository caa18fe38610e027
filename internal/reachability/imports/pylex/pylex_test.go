package pylex

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// brief is an import without its column, for compact tables.
type brief struct {
	Module  string
	Level   int
	Kind    Kind
	Line    int
	Names   []string
	Members []string
	Opaque  bool
}

func briefs(f *File) []brief {
	var out []brief
	for _, i := range f.Imports {
		out = append(out, brief{i.Module, i.Level, i.Kind, i.Line, i.Names, i.Members, i.Opaque})
	}
	return out
}

var cmpOpts = cmpopts.EquateEmpty()

func TestScan(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		want    []brief
		dynamic int
	}{
		{
			name: "import_forms",
			src:  "import a\nimport b.c.d\nimport e as f, g.h as i\nimport j; import k\n",
			want: []brief{
				{Module: "a", Kind: ImportStmt, Line: 1},
				{Module: "b.c.d", Kind: ImportStmt, Line: 2},
				{Module: "e", Kind: ImportStmt, Line: 3},
				{Module: "g.h", Kind: ImportStmt, Line: 3},
				{Module: "j", Kind: ImportStmt, Line: 4},
				{Module: "k", Kind: ImportStmt, Line: 4},
			},
		},
		{
			name: "from_forms",
			src:  "from a import b\nfrom a.b import (c,\n  d as e,\n)\nfrom . import f\nfrom .. import g\nfrom .h.i import j\nfrom ...k import *\nfrom l import *\n",
			want: []brief{
				{Module: "a", Kind: FromImport, Line: 1, Names: []string{"b"}},
				{Module: "a.b", Kind: FromImport, Line: 2, Names: []string{"c", "d"}},
				{Module: "", Level: 1, Kind: FromImport, Line: 5, Names: []string{"f"}},
				{Module: "", Level: 2, Kind: FromImport, Line: 6, Names: []string{"g"}},
				{Module: "h.i", Level: 1, Kind: FromImport, Line: 7, Names: []string{"j"}},
				{Module: "k", Level: 3, Kind: FromImport, Line: 8, Names: []string{"*"}, Opaque: true},
				{Module: "l", Kind: FromImport, Line: 9, Names: []string{"*"}, Opaque: true},
			},
		},
		{
			name: "nested_and_conditional",
			src:  "def f():\n    import a\n    try:\n        from b import c\n    except ImportError:\n        c = None\nif x: import d\nclass K:\n    import e\n",
			want: []brief{
				{Module: "a", Kind: ImportStmt, Line: 2},
				{Module: "b", Kind: FromImport, Line: 4, Names: []string{"c"}},
				{Module: "d", Kind: ImportStmt, Line: 7},
				{Module: "e", Kind: ImportStmt, Line: 9},
			},
		},
		{
			name: "members_and_escapes",
			src:  "import yaml\nimport a.b\nimport c as cc\nfrom d import e\nyaml.load(s)\nyaml.safe_load(s)\na.b.f()\nuse(cc)\ne.g.h\nf(yaml=1)\n",
			want: []brief{
				{Module: "yaml", Kind: ImportStmt, Line: 1, Members: []string{"yaml.load", "yaml.safe_load"}},
				{Module: "a.b", Kind: ImportStmt, Line: 2, Members: []string{"a.b.f"}},
				{Module: "c", Kind: ImportStmt, Line: 3, Opaque: true},
				{Module: "d", Kind: FromImport, Line: 4, Names: []string{"e"}, Members: []string{"d.e.g.h"}},
			},
		},
		{
			name: "dynamic_imports",
			src:  "m = importlib.import_module(\"a.b\")\nm.c()\n__import__(\"d.e\").f\nimportlib.import_module('.rel', package=__name__)\nimport_module(name)\n__import__(f\"x{y}\")\nimportlib.import_module(\"g\")\n",
			want: []brief{
				{Module: "a.b", Kind: ImportModule, Line: 1, Members: []string{"a.b.c"}},
				{Module: "d.e", Kind: DunderImport, Line: 3, Members: []string{"d.f"}},
				{Module: "rel", Level: 1, Kind: ImportModule, Line: 4},
				{Module: "g", Kind: ImportModule, Line: 7},
			},
			dynamic: 2,
		},
		{
			name: "strings_and_comments",
			src: "s = 'import a'\nt = \"from b import c\"\nu = '''\nimport d\n'''\nv = \"\"\"from e import f\"\"\"\n# import g\n" +
				"w = r'\\' import h'\nx = b\"import i\"\ny = f\"{'import j'} {k!r:>{w}}\"\nz = rf'{x}\\{import_l}'\n" +
				"q = 'line \\\ncontinued import m'\nimport real\n",
			want: []brief{
				{Module: "real", Kind: ImportStmt, Line: 14},
			},
		},
		{
			name: "pep701_nested_quotes",
			src:  "a = f\"{d[\"key\"]} {f'{x}'} {\"}\"}\"\nimport after\n",
			want: []brief{
				{Module: "after", Kind: ImportStmt, Line: 2},
			},
		},
		{
			name: "line_continuation",
			src:  "import a, \\\n    b\nfrom c import \\\n    d\n",
			want: []brief{
				{Module: "a", Kind: ImportStmt, Line: 1},
				{Module: "b", Kind: ImportStmt, Line: 2},
				{Module: "c", Kind: FromImport, Line: 3, Names: []string{"d"}},
			},
		},
		{
			name: "from_is_not_always_an_import",
			src:  "def g():\n    yield from it\n    raise E from err\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Scan([]byte(tc.src))
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
		{file: "minimal.py", want: []brief{{Module: "yaml", Kind: ImportStmt, Line: 1}}},
		{file: "empty.py"},
		{
			file: "malformed.py",
			want: []brief{
				{Module: "requests", Kind: ImportStmt, Line: 1},
				{Module: "flask", Kind: FromImport, Line: 3, Names: []string{"Flask"}},
			},
			errLine: 2,
		},
		{
			// JavaScript read as Python: `import React from "react"` is
			// an import of React (Python would reject the rest of the line),
			// and the apostrophe in the template literal opens a string
			// that the line ends.
			file:    "wrong_format.py",
			want:    []brief{{Module: "React", Kind: ImportStmt, Line: 2}},
			errLine: 4,
		},
		{
			file: "tricky.py",
			want: []brief{
				{Module: "os", Kind: ImportStmt, Line: 2},
				{Module: "sys", Kind: ImportStmt, Line: 2},
				{Module: "xml.etree.ElementTree", Kind: ImportStmt, Line: 3},
				{Module: "", Level: 1, Kind: FromImport, Line: 4, Names: []string{"sibling"}},
				{Module: "pkg.mod", Level: 2, Kind: FromImport, Line: 5, Names: []string{"first", "second"}},
				{Module: "jinja2", Kind: FromImport, Line: 7, Names: []string{"sandbox"}, Members: []string{"jinja2.sandbox.SandboxedEnvironment"}},
				{Module: "PIL", Kind: FromImport, Line: 8, Names: []string{"Image"}},
				{Module: "simplejson", Kind: ImportStmt, Line: 10},
				{Module: "json", Kind: ImportStmt, Line: 12},
				{Module: "yaml", Kind: FromImport, Line: 16, Names: []string{"safe_load"}},
				{Module: "sklearn.linear_model", Kind: ImportModule, Line: 28, Members: []string{"sklearn.linear_model.LinearRegression"}},
				{Module: "pkg_resources", Kind: DunderImport, Line: 31},
				{Module: "inline_one", Kind: ImportStmt, Line: 32},
				{Module: "inline_two", Kind: ImportStmt, Line: 32},
			},
			dynamic: 1,
			strings: []string{"rest_framework"},
		},
		{
			file: "real_views.py",
			want: []brief{
				{Module: "base64", Kind: ImportStmt, Line: 1},
				{Module: "datetime", Kind: ImportStmt, Line: 2},
				{Module: "datetime", Kind: FromImport, Line: 3, Names: []string{"timezone"}},
				{Module: "hashlib", Kind: ImportStmt, Line: 4},
				{Module: "json", Kind: ImportStmt, Line: 5},
				{Module: "logging", Kind: ImportStmt, Line: 6},
				{Module: "os", Kind: ImportStmt, Line: 7},
				{Module: "pickle", Kind: ImportStmt, Line: 8},
				{Module: "random", Kind: ImportStmt, Line: 9},
				{Module: "re", Kind: ImportStmt, Line: 10},
				{Module: "string", Kind: ImportStmt, Line: 11},
				{Module: "subprocess", Kind: ImportStmt, Line: 12},
				{Module: "uuid", Kind: ImportStmt, Line: 13},
				{Module: "dataclasses", Kind: FromImport, Line: 14, Names: []string{"dataclass"}},
				{Module: "hashlib", Kind: FromImport, Line: 15, Names: []string{"md5"}},
				{Module: "io", Kind: FromImport, Line: 16, Names: []string{"BytesIO"}},
				{Module: "random", Kind: FromImport, Line: 17, Names: []string{"randint"}},
				{Module: "xml.dom.pulldom", Kind: FromImport, Line: 18, Names: []string{"START_ELEMENT", "parseString"}},
				{Module: "xml.sax", Kind: FromImport, Line: 19, Names: []string{"make_parser"}},
				{Module: "xml.sax.handler", Kind: FromImport, Line: 20, Names: []string{"feature_external_ges"}},
				{Module: "jwt", Kind: ImportStmt, Line: 22},
				{Module: "requests", Kind: ImportStmt, Line: 23},
				{Module: "yaml", Kind: ImportStmt, Line: 24},
				{Module: "argon2", Kind: FromImport, Line: 25, Names: []string{"PasswordHasher"}},
				{Module: "django.contrib", Kind: FromImport, Line: 26, Names: []string{"messages"}, Members: []string{"django.contrib.messages.success", "django.contrib.messages.error"}},
				{Module: "django.contrib.auth", Kind: FromImport, Line: 27, Names: []string{"authenticate", "login"}},
				{Module: "django.contrib.auth.forms", Kind: FromImport, Line: 28, Names: []string{"UserCreationForm"}},
				{Module: "django.core", Kind: FromImport, Line: 29, Names: []string{"serializers"}},
				{Module: "django.http", Kind: FromImport, Line: 30, Names: []string{"HttpResponse", "HttpResponseBadRequest", "JsonResponse"}},
				{Module: "django.shortcuts", Kind: FromImport, Line: 31, Names: []string{"redirect", "render"}},
				{Module: "django.template", Kind: FromImport, Line: 32, Names: []string{"loader"}},
				{Module: "django.template.loader", Kind: FromImport, Line: 33, Names: []string{"render_to_string"}},
				{Module: "django.views.decorators.csrf", Kind: FromImport, Line: 34, Names: []string{"csrf_exempt"}},
				{Module: "PIL", Kind: FromImport, Line: 35, Names: []string{"Image", "ImageMath"}},
				{Module: "requests.structures", Kind: FromImport, Line: 36, Names: []string{"CaseInsensitiveDict"}},
				{Module: "forms", Level: 1, Kind: FromImport, Line: 38, Names: []string{"NewUserForm"}},
				{Module: "models", Level: 1, Kind: FromImport, Line: 39, Names: []string{
					"FAANG", "AF_admin", "AF_session_id", "Blogs", "CF_user", "authLogin", "comments", "info", "login", "otp", "sql_lab_table", "tickits",
				}},
				{Module: "utility", Level: 1, Kind: FromImport, Line: 53, Names: []string{"customHash", "filter_blog"}},
			},
		},
	}
	for _, tc := range tests {
		t.Run(strings.TrimSuffix(tc.file, ".py"), func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			f, err := Scan(src)
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
			for _, want := range tc.strings {
				found := false
				for _, s := range f.Strings {
					found = found || s.Value == want
				}
				if !found {
					t.Errorf("strings %+v do not hold %q", f.Strings, want)
				}
			}
		})
	}
}

var fuzzSeeds = []string{
	"", "'", "\"", "'''", "\"\"\"", "f'{", "f'{'", "f'{x:{'", "f'{x!r}'", "f\"{\"a\"}\"", "rb'\\'", "\\", "\\\n",
	"from", "from .", "from . import", "import", "import a.", "import a as", "__import__(", "import_module(",
	"f'{{'", "f'}}'", "t'{x}'", "f'\\N{DASH}{x}'", "rf'\\{x}'", "f'{x:{y:{z}}}'", "(\nimport a\n)", "\xef\xbb\xbfimport a",
}

func FuzzScan(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		f.Fatal(err)
	}
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
		file, _ := Scan([]byte(src))
		lines := strings.Count(src, "\n") + 1
		for _, imp := range file.Imports {
			if imp.Line < 1 || imp.Line > lines || imp.Column < 1 {
				t.Fatalf("import %+v is outside the source (%d lines)", imp, lines)
			}
		}
		// Whatever src holds, once inside a comment or a string it
		// imports nothing.
		oneLine := strings.NewReplacer("\n", "", "\r", "", "\f", "").Replace(src)
		for _, wrapped := range []string{
			"# " + oneLine + "\n",
			"x = '" + strings.NewReplacer("\\", "\\\\", "'", "\\'", "\n", "\\n", "\r", "\\r").Replace(src) + "'\n",
			"x = \"\"\"" + strings.NewReplacer("\\", "\\\\", "\"", "\\\"").Replace(src) + "\"\"\"\n",
			"x = b'" + strings.NewReplacer("\\", "\\\\", "'", "\\'", "\n", "\\n", "\r", "\\r").Replace(src) + "'\n",
		} {
			file, err := Scan([]byte(wrapped))
			if len(file.Imports) > 0 || len(file.Dynamic) > 0 {
				t.Fatalf("Scan(%q) found %+v %+v in a comment or string", wrapped, file.Imports, file.Dynamic)
			}
			if err != nil {
				t.Fatalf("Scan(%q): %v", wrapped, err)
			}
		}
	})
}

func BenchmarkScan(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("testdata", "real_views.py"))
	if err != nil {
		b.Fatal(err)
	}
	src = []byte(strings.Repeat(string(src)+"\n", 40)) // about 100 KiB
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Scan(src); err != nil {
			b.Fatal(err)
		}
	}
}
