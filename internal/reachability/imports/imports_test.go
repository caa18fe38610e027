package imports

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/patchline/patchline/internal/inventory"
)

const (
	direct     = inventory.RelationDirect
	transitive = inventory.RelationTransitive
)

func npm(name, version string, rel inventory.Relation, deps ...string) Package {
	p := Package{Ecosystem: inventory.Npm, Name: name, Version: version, Relation: rel}
	for _, d := range deps {
		n, v, _ := strings.Cut(d, "@")
		p.DependsOn = append(p.DependsOn, PackageKey{Ecosystem: inventory.Npm, Name: n, Version: v})
	}
	return p
}

func pypi(name string, rel inventory.Relation) Package {
	return Package{Ecosystem: inventory.PyPI, Name: name, Version: "1.0", Relation: rel}
}

// brief is a verdict in short: evidence as "file:line specifier", the
// chain as names, vulns as "ID=imported", and a part of the reason.
type brief struct {
	Reachable string
	Evidence  []string
	Chain     []string
	Vulns     []string
	Reason    string // a substring of the reason
}

func briefs(vs map[PackageKey]Verdict, reasons map[string]string) map[string]brief {
	out := map[string]brief{}
	for k, v := range vs {
		b := brief{Reachable: v.Reachable}
		if v.Level != LevelImport {
			b.Reachable = "bad level " + v.Level
		}
		for _, e := range v.Evidence {
			s := fmt.Sprintf("%s:%d %s", e.File, e.Line, e.Specifier)
			if e.TypeOnly {
				s += " (type)"
			}
			if e.Test {
				s += " (test)"
			}
			b.Evidence = append(b.Evidence, s)
		}
		for _, c := range v.Chain {
			b.Chain = append(b.Chain, c.String())
		}
		for _, vv := range v.Vulns {
			b.Vulns = append(b.Vulns, vv.ID+"="+vv.Imported)
		}
		if want, ok := reasons[k.String()]; ok && strings.Contains(v.Reason, want) {
			b.Reason = want
		} else if ok {
			b.Reason = v.Reason
		}
		out[k.String()] = b
	}
	return out
}

func TestAnalyze(t *testing.T) {
	tests := []struct {
		name    string
		dir     string
		pkgs    []Package
		vulns   []Vuln
		want    map[string]brief
		errs    []string // "file:line" of the file errors
		sitePkg []string
	}{
		{
			name: "esm_typescript",
			dir:  "esm",
			pkgs: []Package{
				npm("lodash", "4.17.20", direct),
				npm("date-fns", "3.6.0", direct),
				npm("side-effect-pkg", "1.0.0", direct),
				npm("react", "18.3.1", direct, "loose-envify@1.4.0", "scheduler"),
				npm("loose-envify", "1.4.0", transitive, "js-tokens"),
				npm("js-tokens", "4.0.0", transitive),
				npm("scheduler", "0.23.2", transitive, "loose-envify"),
				npm("webpack", "5.91.0", direct),
				npm("vite", "5.2.0", direct, "esbuild"),
				npm("esbuild", "0.20.2", transitive),
				npm("vitest", "1.6.0", direct),
				npm("templated", "1.0.0", direct),
				npm("commented", "1.0.0", direct),
				npm("regexed", "1.0.0", direct),
				npm("jsx-text", "1.0.0", direct),
				npm("hidden-dep", "1.0.0", direct),
				npm("typescript", "5.4.5", direct),
				npm("eslint", "9.0.0", direct, "eslint-scope"),
				npm("eslint-scope", "8.0.0", transitive),
				npm("old-lib", "1.0.0", direct, "lodash@3.10.1"),
				npm("lodash", "3.10.1", transitive),
				{Ecosystem: inventory.Go, Name: "golang.org/x/text", Version: "v0.14.0", Relation: direct},
			},
			vulns: []Vuln{
				{ID: "TEST-TEMPLATE", Package: PackageKey{Ecosystem: inventory.Npm, Name: "lodash"}, Modules: []string{"lodash/template"}},
				{ID: "TEST-ZIP", Package: PackageKey{Ecosystem: inventory.Npm, Name: "lodash", Version: "4.17.20"}, Symbols: []string{"zipObjectDeep"}},
				{ID: "TEST-NO-TARGETS", Package: PackageKey{Ecosystem: inventory.Npm, Name: "lodash"}},
				{ID: "TEST-FORMAT", Package: PackageKey{Ecosystem: inventory.Npm, Name: "date-fns"}, Modules: []string{"date-fns/format/index.js"}},
				{ID: "TEST-WEBPACK", Package: PackageKey{Ecosystem: inventory.Npm, Name: "webpack"}, Symbols: []string{"compile"}},
			},
			want: map[string]brief{
				"lodash@4.17.20":        {Reachable: Reachable, Evidence: []string{"src/index.mjs:1 lodash", "src/index.mjs:2 lodash/fp"}, Vulns: []string{"TEST-TEMPLATE=reachable", "TEST-ZIP=not_reachable"}},
				"date-fns@3.6.0":        {Reachable: Reachable, Evidence: []string{"src/index.mjs:4 date-fns/format"}, Vulns: []string{"TEST-FORMAT=reachable"}},
				"side-effect-pkg@1.0.0": {Reachable: Reachable, Evidence: []string{"src/index.mjs:3 side-effect-pkg"}},
				"react@18.3.1":          {Reachable: Reachable, Evidence: []string{"src/App.tsx:1 react"}},
				"loose-envify@1.4.0":    {Reachable: Reachable, Evidence: []string{"src/App.tsx:1 react"}, Chain: []string{"react@18.3.1", "loose-envify@1.4.0"}},
				"js-tokens@4.0.0":       {Reachable: Reachable, Evidence: []string{"src/App.tsx:1 react"}, Chain: []string{"react@18.3.1", "loose-envify@1.4.0", "js-tokens@4.0.0"}},
				"scheduler@0.23.2":      {Reachable: Reachable, Evidence: []string{"src/App.tsx:1 react"}, Chain: []string{"react@18.3.1", "scheduler@0.23.2"}},
				"webpack@5.91.0":        {Reachable: NotReachable, Reason: "imported only as types", Vulns: []string{"TEST-WEBPACK=not_reachable"}},
				"vite@5.2.0":            {Reachable: Reachable, Evidence: []string{"vite.config.ts:1 vite"}},
				"esbuild@0.20.2":        {Reachable: Reachable, Evidence: []string{"vite.config.ts:1 vite"}, Chain: []string{"vite@5.2.0", "esbuild@0.20.2"}},
				"vitest@1.6.0":          {Reachable: Reachable, Evidence: []string{"test/app.test.js:1 vitest (test)"}, Reason: "all of them tests"},
				"templated@1.0.0":       {Reachable: NotReachable},
				"commented@1.0.0":       {Reachable: NotReachable},
				"regexed@1.0.0":         {Reachable: NotReachable},
				"jsx-text@1.0.0":        {Reachable: NotReachable},
				"hidden-dep@1.0.0":      {Reachable: NotReachable},
				"typescript@5.4.5":      {Reachable: Unknown, Reason: `runs "tsc" in its scripts`},
				"eslint@9.0.0":          {Reachable: Unknown, Reason: `runs "eslint" in its scripts`},
				"eslint-scope@8.0.0":    {Reachable: Unknown, Reason: "none of the packages it imports depends on it"},
				"old-lib@1.0.0":         {Reachable: NotReachable},
				"lodash@3.10.1":         {Reachable: Unknown, Vulns: []string{"TEST-TEMPLATE=unknown"}},
			},
		},
		{
			name: "nodegoat_commonjs",
			dir:  "nodegoat",
			pkgs: []Package{
				npm("express", "4.17.1", direct), npm("serve-favicon", "2.5.0", direct), npm("body-parser", "1.19.0", direct),
				npm("express-session", "1.17.0", direct), npm("consolidate", "0.14.5", direct), npm("swig", "1.4.2", direct),
				npm("mongodb", "2.2.36", direct), npm("marked", "0.3.9", direct), npm("underscore", "1.9.2", direct),
				npm("csurf", "1.11.0", direct), npm("helmet", "2.3.0", direct), npm("dont-sniff-mimetype", "1.1.0", direct),
				npm("forever", "2.0.0", direct), npm("grunt", "1.1.0", direct),
			},
			vulns: []Vuln{
				{ID: "TEST-MARKED", Package: PackageKey{Ecosystem: inventory.Npm, Name: "marked"}, Symbols: []string{"parse"}},
				{ID: "TEST-UNDERSCORE", Package: PackageKey{Ecosystem: inventory.Npm, Name: "underscore"}, Symbols: []string{"template"}},
				{ID: "TEST-BODYPARSER", Package: PackageKey{Ecosystem: inventory.Npm, Name: "body-parser"}, Symbols: []string{"urlencoded"}},
			},
			want: map[string]brief{
				"express@4.17.1":         {Reachable: Reachable, Evidence: []string{"server.js:3 express"}},
				"serve-favicon@2.5.0":    {Reachable: Reachable, Evidence: []string{"server.js:4 serve-favicon"}},
				"body-parser@1.19.0":     {Reachable: Reachable, Evidence: []string{"server.js:5 body-parser"}, Vulns: []string{"TEST-BODYPARSER=reachable"}},
				"express-session@1.17.0": {Reachable: Reachable, Evidence: []string{"server.js:6 express-session"}},
				"consolidate@0.14.5":     {Reachable: Reachable, Evidence: []string{"server.js:8 consolidate"}},
				"swig@1.4.2":             {Reachable: Reachable, Evidence: []string{"server.js:9 swig"}},
				"mongodb@2.2.36":         {Reachable: Reachable, Evidence: []string{"server.js:11 mongodb"}},
				"marked@0.3.9":           {Reachable: Reachable, Evidence: []string{"server.js:13 marked"}, Vulns: []string{"TEST-MARKED=unknown"}},
				"underscore@1.9.2":       {Reachable: Reachable, Evidence: []string{"config/config.js:1 underscore"}, Vulns: []string{"TEST-UNDERSCORE=unknown"}},
				// Commented out in server.js; config.js requires computed paths.
				"csurf@1.11.0":              {Reachable: Unknown, Reason: "computed module name at config/config.js:7"},
				"helmet@2.3.0":              {Reachable: Unknown, Reason: "computed module name at config/config.js:7"},
				"dont-sniff-mimetype@1.1.0": {Reachable: Unknown, Reason: "computed module name at config/config.js:7"},
				"forever@2.0.0":             {Reachable: Unknown},
				"grunt@1.1.0":               {Reachable: Unknown},
			},
		},
		{
			name: "python_project",
			dir:  "pyproj",
			pkgs: []Package{
				pypi("PyYAML", direct), pypi("requests", direct), pypi("google-cloud-storage", direct), pypi("numpy", direct),
				pypi("Pillow", direct), pypi("attrs", direct), pypi("ujson", direct), pypi("flask", direct), pypi("Django", direct),
				pypi("celery", direct), pypi("scikit-learn", direct), pypi("djangorestframework", direct), pypi("pytest", direct),
				pypi("python-dateutil", transitive), pypi("app", direct),
			},
			vulns: []Vuln{
				{ID: "TEST-YAML-LOAD", Package: PackageKey{Ecosystem: inventory.PyPI, Name: "pyyaml"}, Symbols: []string{"yaml.load"}},
				{ID: "TEST-YAML-SAFE", Package: PackageKey{Ecosystem: inventory.PyPI, Name: "PyYAML"}, Symbols: []string{"safe_load"}},
				{ID: "TEST-STORAGE", Package: PackageKey{Ecosystem: inventory.PyPI, Name: "google_cloud_storage"}, Modules: []string{"google.cloud.storage"}},
			},
			want: map[string]brief{
				"PyYAML@1.0":               {Reachable: Reachable, Evidence: []string{"app/main.py:2 yaml"}, Vulns: []string{"TEST-YAML-LOAD=not_reachable", "TEST-YAML-SAFE=reachable"}, Reason: "by built-in table"},
				"requests@1.0":             {Reachable: Reachable, Evidence: []string{"app/main.py:5 requests"}, Reason: "by name guess"},
				"google-cloud-storage@1.0": {Reachable: Reachable, Evidence: []string{"app/main.py:6 google.cloud"}, Vulns: []string{"TEST-STORAGE=reachable"}},
				"numpy@1.0":                {Reachable: Reachable, Evidence: []string{"app/main.py:7 numpy"}},
				"Pillow@1.0":               {Reachable: Reachable, Evidence: []string{"app/main.py:11 PIL"}},
				"attrs@1.0":                {Reachable: Reachable, Evidence: []string{"app/helpers.py:1 attr"}},
				"ujson@1.0":                {Reachable: Reachable, Evidence: []string{"app/helpers.py:4 ujson"}},
				"flask@1.0":                {Reachable: Unknown, Reason: "module names are not known"},
				"Django@1.0":               {Reachable: Unknown, Reason: "module names are not known"},
				"celery@1.0":               {Reachable: Unknown, Reason: "module names are not known"},
				"scikit-learn@1.0":         {Reachable: NotReachable},
				"djangorestframework@1.0":  {Reachable: Unknown, Reason: "string at app/settings.py:1"},
				"pytest@1.0":               {Reachable: Reachable, Evidence: []string{"tests/test_main.py:1 pytest (test)"}},
				"python-dateutil@1.0":      {Reachable: Unknown, Reason: "no dependency graph"},
				// A distribution named like the project's own package: the
				// guess is not taken, and the name is not known either.
				"app@1.0": {Reachable: Unknown},
			},
		},
		{
			name: "python_installed_metadata",
			dir:  "pymeta",
			pkgs: []Package{
				pypi("PyYAML", direct), pypi("pytz", direct), pypi("google-cloud-storage", direct), pypi("google-api-core", transitive),
				pypi("python-json-logger", direct), pypi("oldpkg", direct), pypi("mystery", direct),
			},
			want: map[string]brief{
				"PyYAML@1.0":               {Reachable: Reachable, Evidence: []string{"src/app.py:1 yaml"}},
				"pytz@1.0":                 {Reachable: NotReachable},
				"google-cloud-storage@1.0": {Reachable: Reachable, Evidence: []string{"src/app.py:2 google.cloud"}},
				"google-api-core@1.0":      {Reachable: Unknown},
				"python-json-logger@1.0":   {Reachable: Reachable, Evidence: []string{"src/app.py:3 pythonjsonlogger"}},
				"oldpkg@1.0":               {Reachable: Reachable, Evidence: []string{"src/app.py:4 oldmod"}},
				"mystery@1.0":              {Reachable: Unknown, Reason: "module names are not known"},
			},
		},
		{
			name: "pygoat_real",
			dir:  "pygoat",
			pkgs: []Package{
				pypi("asgiref", direct), pypi("Django", direct), pypi("pytz", direct), pypi("sqlparse", direct),
				pypi("pyyaml", direct), pypi("django-crispy-forms", direct), pypi("gunicorn", direct),
				pypi("whitenoise", direct), pypi("django-allauth", direct),
			},
			want: map[string]brief{
				"asgiref@1.0":             {Reachable: Unknown, Reason: "module names are not known"},
				"Django@1.0":              {Reachable: Reachable, Evidence: []string{"introduction/views.py:26 django.contrib", "introduction/views.py:27 django.contrib.auth", "introduction/views.py:28 django.contrib.auth.forms", "introduction/views.py:29 django.core", "introduction/views.py:30 django.http"}},
				"pytz@1.0":                {Reachable: Unknown},
				"sqlparse@1.0":            {Reachable: Unknown},
				"pyyaml@1.0":              {Reachable: Reachable, Evidence: []string{"introduction/views.py:24 yaml"}},
				"django-crispy-forms@1.0": {Reachable: Unknown, Reason: "string at pygoat/settings.py:10"},
				"gunicorn@1.0":            {Reachable: Unknown},
				"whitenoise@1.0":          {Reachable: Unknown, Reason: "string at pygoat/settings.py:17"},
				"django-allauth@1.0":      {Reachable: Unknown, Reason: "string at pygoat/settings.py:11"},
			},
		},
		{
			name: "empty",
			dir:  "empty",
			pkgs: []Package{npm("lodash", "4.17.21", direct), pypi("PyYAML", direct)},
			want: map[string]brief{
				"lodash@4.17.21": {Reachable: Unknown, Reason: "no first-party JavaScript/TypeScript source files"},
				"PyYAML@1.0":     {Reachable: Unknown, Reason: "no first-party Python source files"},
			},
		},
		{
			name: "malformed",
			dir:  "malformed",
			pkgs: []Package{npm("lodash", "4.17.21", direct), npm("left-pad", "1.3.0", direct), pypi("PyYAML", direct), pypi("pytest", direct)},
			want: map[string]brief{
				"lodash@4.17.21": {Reachable: Reachable, Evidence: []string{"index.js:1 lodash"}},
				"left-pad@1.3.0": {Reachable: Unknown, Reason: "index.js could not be fully read (unterminated template literal at line 2)"},
				"PyYAML@1.0":     {Reachable: Reachable, Evidence: []string{"main.py:1 yaml"}},
				"pytest@1.0":     {Reachable: Unknown, Reason: "main.py could not be fully read"},
			},
			errs: []string{"index.js:2", "main.py:2"},
		},
		{
			name: "wrong_format",
			dir:  "wrongformat",
			pkgs: []Package{npm("lodash", "4.17.21", direct), pypi("PyYAML", direct)},
			want: map[string]brief{
				"lodash@4.17.21": {Reachable: Unknown, Reason: "a string at config.js:1 names it"},
				"PyYAML@1.0":     {Reachable: NotReachable},
			},
		},
		{
			name: "vue_files_are_not_parsed",
			dir:  "vue",
			pkgs: []Package{npm("vue", "3.4.0", direct), npm("lodash", "4.17.21", direct)},
			want: map[string]brief{
				"vue@3.4.0":      {Reachable: Reachable, Evidence: []string{"main.js:1 vue"}},
				"lodash@4.17.21": {Reachable: Unknown, Reason: "App.vue holds code that is not analysed"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reasons := map[string]string{}
			for k, b := range tc.want {
				if b.Reason != "" {
					reasons[k] = b.Reason
				}
			}
			vs, err := Analyze(context.Background(), filepath.Join("testdata", tc.dir), tc.pkgs, Options{Vulns: tc.vulns, SitePackages: tc.sitePkg})
			if diff := cmp.Diff(tc.errs, errorLines(err), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("file errors (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, briefs(vs, reasons), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("verdicts (-want +got):\n%s", diff)
			}
		})
	}
}

// errorLines returns "file:line" for each *inventory.ParseError in err.
func errorLines(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var pe *inventory.ParseError
		if errors.As(err, &pe) {
			out = append(out, fmt.Sprintf("%s:%d", pe.Path, pe.Line))
			return
		}
		out = append(out, "other: "+err.Error())
	}
	walk(err)
	return out
}

func TestAnalyzeLimits(t *testing.T) {
	dir := filepath.Join("testdata", "esm")
	pkgs := []Package{npm("lodash", "4.17.20", direct), npm("commented", "1.0.0", direct)}

	t.Run("file_over_size_limit", func(t *testing.T) {
		vs, err := Analyze(context.Background(), dir, pkgs, Options{MaxFileSize: 300})
		if err == nil || !strings.Contains(err.Error(), "more than the limit of 300") {
			t.Errorf("err = %v, want a file over the limit", err)
		}
		if got := vs[pkgs[1].Key()].Reachable; got != Unknown {
			t.Errorf("commented: %s, want unknown when a file was skipped", got)
		}
	})
	t.Run("skip_dirs", func(t *testing.T) {
		vs, err := Analyze(context.Background(), dir, pkgs, Options{SkipDirs: []string{"src"}, MaxEvidence: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got := vs[pkgs[0].Key()].Reachable; got != NotReachable {
			t.Errorf("lodash with src/ skipped: %s, want not_reachable", got)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := Analyze(ctx, dir, pkgs, Options{}); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("missing_root", func(t *testing.T) {
		if _, err := Analyze(context.Background(), filepath.Join("testdata", "no-such-dir"), pkgs, Options{}); err == nil {
			t.Error("no error for a missing root")
		}
	})
	t.Run("root_is_a_file", func(t *testing.T) {
		if _, err := Analyze(context.Background(), filepath.Join(dir, "package.json"), pkgs, Options{}); err == nil {
			t.Error("no error for a file as root")
		}
	})
	t.Run("site_packages_option", func(t *testing.T) {
		root := t.TempDir()
		sp := filepath.Join(root, "sp", "PyYAML-6.0.dist-info")
		if err := os.MkdirAll(sp, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sp, "RECORD"), []byte("yaml/__init__.py,,\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "a.py"), []byte("import os\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		vs, err := Analyze(context.Background(), root, []Package{pypi("PyYAML", direct)}, Options{SitePackages: []string{"sp"}})
		if err != nil {
			t.Fatal(err)
		}
		if v := vs[pypi("PyYAML", direct).Key()]; v.Reachable != NotReachable {
			t.Errorf("PyYAML known from metadata, not imported: %+v, want not_reachable", v)
		}
	})
}

func TestNpmSpecifier(t *testing.T) {
	tests := []struct {
		spec      string
		name, sub string
		kind      specKind
	}{
		{"lodash", "lodash", "", specPackage},
		{"lodash/fp", "lodash", "fp", specPackage},
		{"lodash/fp/map.js", "lodash", "fp/map.js", specPackage},
		{"@scope/pkg", "@scope/pkg", "", specPackage},
		{"@scope/pkg/sub/x", "@scope/pkg", "sub/x", specPackage},
		{"style-loader!css-loader!./x.css", "", "", specFirstParty},
		{"raw-loader!some-pkg/file.txt", "some-pkg", "file.txt", specPackage},
		{"pkg?raw", "pkg", "", specPackage},
		{"./x", "", "", specFirstParty},
		{"../x", "", "", specFirstParty},
		{"/abs/x", "", "", specFirstParty},
		{"#internal", "", "", specFirstParty},
		{"@/components/x", "", "", specFirstParty},
		{"~/x", "", "", specFirstParty},
		{"@", "", "", specFirstParty},
		{"node:fs", "", "", specBuiltin},
		{"fs", "", "", specBuiltin},
		{"fs/promises", "", "", specBuiltin},
		{"events", "events", "", specPackage}, // declared as a direct dependency below
		{"https://esm.example/x.js", "", "", specURL},
		{"virtual:pwa", "", "", specURL},
		{"C:\\x", "", "", specFirstParty},
	}
	for _, tc := range tests {
		name, sub, kind := npmSpecifier(tc.spec, map[string]bool{"events": true})
		if name != tc.name || sub != tc.sub || kind != tc.kind {
			t.Errorf("npmSpecifier(%q) = %q, %q, %d; want %q, %q, %d", tc.spec, name, sub, kind, tc.name, tc.sub, tc.kind)
		}
	}
}

func TestNpmModuleKey(t *testing.T) {
	tests := []struct{ pkg, m, want string }{
		{"lodash", "lodash/template", "template"},
		{"lodash", "template.js", "template"},
		{"lodash", "./template", "template"},
		{"lodash", "lodash", ""},
		{"lodash", "index.js", ""},
		{"date-fns", "date-fns/format/index.js", "format"},
		{"@s/p", "@s/p/a/b.mjs", "a/b"},
	}
	for _, tc := range tests {
		if got := npmModuleKey(tc.pkg, tc.m); got != tc.want {
			t.Errorf("npmModuleKey(%q, %q) = %q, want %q", tc.pkg, tc.m, got, tc.want)
		}
	}
}

func TestRecordModules(t *testing.T) {
	tests := []struct {
		entry string
		want  []string
	}{
		{"yaml/__init__.py", []string{"yaml"}},
		{"six.py", []string{"six"}},
		{"_yaml.cpython-312-x86_64-linux-gnu.so", []string{"_yaml"}},
		{"google/cloud/storage/blob.py", []string{"google", "google.cloud", "google.cloud.storage", "google.cloud.storage.blob"}},
		{"a/b/c/d/e.py", []string{"a", "a.b", "a.b.c", "a.b.c.d"}},
		{"PyYAML-6.0.dist-info/METADATA", nil},
		{"../../bin/tool", nil},
		{"yaml/__pycache__/x.pyc", nil},
		{"pkg/data.json", nil},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, recordModules(tc.entry), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("recordModules(%q) (-want +got):\n%s", tc.entry, diff)
		}
	}
}

func TestIsTestFile(t *testing.T) {
	for p, want := range map[string]bool{
		"tests/test_a.py": true, "pkg/a_test.py": true, "conftest.py": true, "src/a.test.ts": true,
		"src/__tests__/a.js": true, "src/a.spec.js": true, "src/app.py": false, "src/latest.js": false, "contest/a.py": false,
	} {
		if got := isTestFile(p); got != want {
			t.Errorf("isTestFile(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestPyMapper(t *testing.T) {
	m := newPyMapper(map[string]bool{"pyjwt": true, "zope-interface": true, "google-cloud-pubsub": true, "python-magic": true, "foo": true})
	tests := []struct {
		mod   string
		names []string
		want  []string
		how   string
	}{
		{"jwt", nil, []string{"pyjwt"}, mapTable},
		{"yaml", nil, []string{"pyyaml"}, mapTable},
		{"google.protobuf.message", nil, []string{"protobuf"}, mapTable},
		{"zope.interface", nil, []string{"zope-interface"}, mapGuess},
		{"google.cloud", []string{"pubsub"}, []string{"google-cloud-pubsub"}, mapGuess},
		{"Foo.bar", nil, []string{"foo"}, mapGuess},
		{"os", nil, nil, ""},
	}
	for _, tc := range tests {
		got, how := m.dists(tc.mod, tc.names)
		if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" || how != tc.how {
			t.Errorf("dists(%q, %q) = %q by %q, want %q by %q", tc.mod, tc.names, got, how, tc.want, tc.how)
		}
	}
}
