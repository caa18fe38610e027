package imports

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchline/patchline/internal/inventory"
)

// benchTree writes a project of n JavaScript/TypeScript and n Python
// files (about 4 KiB each, spread over nested directories) and returns its
// root and the packages it uses.
func benchTree(b *testing.B, n int) (string, []Package) {
	b.Helper()
	root := b.TempDir()
	var pkgs []Package
	for i := range 50 {
		pkgs = append(pkgs, npm(fmt.Sprintf("pkg-%d", i), "1.0.0", direct, fmt.Sprintf("dep-%d", i)))
		pkgs = append(pkgs, npm(fmt.Sprintf("dep-%d", i), "1.0.0", transitive))
		pkgs = append(pkgs, pypi(fmt.Sprintf("dist-%d", i), direct))
	}
	pkgs = append(pkgs, npm("unused", "1.0.0", direct), pypi("PyYAML", direct))
	for i := range n {
		dir := filepath.Join(root, fmt.Sprintf("mod%d", i%40), fmt.Sprintf("sub%d", i%7))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		var js strings.Builder
		fmt.Fprintf(&js, "import { a%d, b } from \"pkg-%d\";\nimport * as ns from \"pkg-%d/sub/x\";\nconst c = require(\"pkg-%d\");\nimport type { T } from \"./types\";\n", i, i%50, (i+1)%50, (i+2)%50)
		for js.Len() < 4096 {
			fmt.Fprintf(&js, "export function f%d(x: number): string {\n  // a comment with require(\"nope\")\n  const re = /[a-z]+\\/(\\d+)/g;\n  const t = `value ${x / 2} of ${ns.name}`;\n  return c.go(x) > 1 ? 'yes' : \"no\";\n}\n", js.Len())
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("file%d.ts", i)), []byte(js.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		var py strings.Builder
		fmt.Fprintf(&py, "import os\nimport dist_%d\nfrom dist_%d.sub import thing as other\nfrom . import sibling\nimport yaml\n", i%50, (i+3)%50)
		for py.Len() < 4096 {
			fmt.Fprintf(&py, "\n\ndef f%d(path):\n    \"\"\"Docstring: import nothing.\"\"\"\n    # import nope\n    text = f\"{path!r} has {len(path):>{8}} chars\"\n    return yaml.safe_load(open(path)), other(text)\n", py.Len())
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("file%d.py", i)), []byte(py.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return root, pkgs
}

// BenchmarkAnalyze runs the whole analysis on a generated tree of 2,000
// source files (1,000 TypeScript, 1,000 Python, about 8 MiB).
func BenchmarkAnalyze(b *testing.B) {
	root, pkgs := benchTree(b, 1000)
	var size int64
	if err := filepath.Walk(root, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			size += info.Size()
		}
		return err
	}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		vs, err := Analyze(context.Background(), root, pkgs, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if v := vs[PackageKey{Ecosystem: inventory.Npm, Name: "dep-7", Version: "1.0.0"}]; v.Reachable != Reachable {
			b.Fatalf("dep-7: %+v", v)
		}
		if v := vs[PackageKey{Ecosystem: inventory.Npm, Name: "unused", Version: "1.0.0"}]; v.Reachable != NotReachable {
			b.Fatalf("unused: %+v", v)
		}
	}
}
