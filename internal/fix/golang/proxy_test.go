package golang

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// fakeModule is one version of a module served by the test proxy.
type fakeModule struct {
	path, version string
	// files holds the module's files by slash path; go.mod is required.
	files map[string]string
}

// writeProxy lays mods out as a module proxy (the GOPROXY protocol over
// file://): <module>/@v/list, <version>.info, .mod and .zip.
func writeProxy(t *testing.T, dir string, mods []fakeModule) {
	t.Helper()
	lists := map[string][]string{}
	for _, m := range mods {
		esc, err := module.EscapePath(m.path)
		if err != nil {
			t.Fatal(err)
		}
		vdir := filepath.Join(dir, filepath.FromSlash(esc), "@v")
		if err := os.MkdirAll(vdir, 0o755); err != nil {
			t.Fatal(err)
		}
		src := filepath.Join(t.TempDir(), "src")
		for name, body := range m.files {
			p := filepath.Join(src, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		z, err := os.Create(filepath.Join(vdir, m.version+".zip"))
		if err != nil {
			t.Fatal(err)
		}
		if err := modzip.CreateFromDir(z, module.Version{Path: m.path, Version: m.version}, src); err != nil {
			t.Fatalf("zip %s@%s: %v", m.path, m.version, err)
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(vdir, m.version+".mod"), []byte(m.files["go.mod"]), 0o644); err != nil {
			t.Fatal(err)
		}
		info, err := json.Marshal(map[string]string{"Version": m.version, "Time": "2026-01-02T03:04:05Z"})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(vdir, m.version+".info"), info, 0o644); err != nil {
			t.Fatal(err)
		}
		lists[vdir] = append(lists[vdir], m.version)
	}
	for vdir, vs := range lists {
		sort.Strings(vs)
		if err := os.WriteFile(filepath.Join(vdir, "list"), []byte(strings.Join(vs, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const greetOK = `// Package vulnlib greets.
package vulnlib

// Greet returns a greeting for name.
func Greet(name string) string { return "Hello, " + name + "!" }
`

// greetChanged is v1.2.0: same signature, different behaviour, so the
// consumer builds but its test fails.
const greetChanged = `// Package vulnlib greets.
package vulnlib

// Greet returns a greeting for name.
func Greet(name string) string { return "Hi " + name }
`

// fakeModules returns the modules of the test proxy. retract lists the
// versions of example.com/vulnlib that its latest version (v1.2.0) retracts.
func fakeModules(retract ...string) []fakeModule {
	vulnlibMod := "module example.com/vulnlib\n\ngo 1.21\n"
	latestMod := vulnlibMod
	for _, r := range retract {
		latestMod += "\nretract " + r + " // published by mistake\n"
	}
	mods := []fakeModule{
		{"example.com/vulnlib", "v1.0.0", map[string]string{"go.mod": vulnlibMod, "vulnlib.go": greetOK}},
		{"example.com/vulnlib", "v1.0.1", map[string]string{"go.mod": vulnlibMod, "vulnlib.go": greetOK}},
		{"example.com/vulnlib", "v1.1.0", map[string]string{"go.mod": vulnlibMod, "vulnlib.go": greetOK}},
		{"example.com/vulnlib", "v1.2.0", map[string]string{"go.mod": latestMod, "vulnlib.go": greetChanged}},
		{"example.com/vulnlib/v2", "v2.0.0", map[string]string{
			"go.mod":     "module example.com/vulnlib/v2\n\ngo 1.21\n",
			"vulnlib.go": "// Package vulnlib greets.\npackage vulnlib\n\n// Greet greets several.\nfunc Greet(names ...string) string { return \"Hello\" }\n",
		}},
	}
	for _, v := range []string{"v1.0.0", "v1.0.1"} {
		mods = append(mods, fakeModule{"example.com/otherlib", v, map[string]string{
			"go.mod":      "module example.com/otherlib\n\ngo 1.21\n",
			"otherlib.go": "// Package otherlib has a value.\npackage otherlib\n\n// Value returns one.\nfunc Value() int { return 1 }\n",
		}})
	}
	mods = append(mods, fakeModule{"example.com/midlib", "v1.0.0", map[string]string{
		"go.mod":    "module example.com/midlib\n\ngo 1.21\n\nrequire example.com/otherlib v1.0.0\n",
		"midlib.go": "// Package midlib answers.\npackage midlib\n\nimport \"example.com/otherlib\"\n\n// Answer returns 42.\nfunc Answer() int { return otherlib.Value() + 41 }\n",
	}})
	return mods
}
