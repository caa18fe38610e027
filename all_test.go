// Package patchline_test holds the repository-wide rules, checked as
// ordinary tests: vet, tidy modules, documented packages, banned
// dependencies, docs in step with the code, and no registry host names.
package patchline_test

import (
	"bufio"
	"context"
	"errors"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/extract"
)

func goCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(context.Background(), "go", args...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestVet(t *testing.T) {
	if testing.Short() {
		t.Skip("go vet is slow")
	}
	if out, err := goCmd(t, "vet", "./..."); err != nil {
		t.Errorf("go vet ./...: %v\n%s", err, out)
	}
}

// TestModTidy checks that go.mod and go.sum are tidy. It needs only the
// module cache (.ci/run fills it); when the cache lacks a module that tidy
// must look at, it skips rather than reach for the network.
func TestModTidy(t *testing.T) {
	cmd := exec.Command("go", "mod", "tidy", "-diff")
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	if err == nil {
		return
	}
	if strings.Contains(string(out), "module lookup disabled by GOPROXY=off") {
		t.Skipf("module cache incomplete for an offline tidy check:\n%s", firstLines(string(out), 3))
	}
	t.Errorf("go mod tidy would change go.mod or go.sum (run it):\n%s", out)
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// goPackageDirs returns the directories holding non-test Go files.
func goPackageDirs(t *testing.T) map[string][]string {
	t.Helper()
	dirs := map[string][]string{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && p != ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			dirs[filepath.Dir(p)] = append(dirs[filepath.Dir(p)], p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// TestPackagesDocumented: every package has a doc comment.
func TestPackagesDocumented(t *testing.T) {
	for dir, files := range goPackageDirs(t) {
		documented := false
		for _, f := range files {
			parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			if parsed.Doc != nil && strings.TrimSpace(parsed.Doc.Text()) != "" {
				documented = true
				break
			}
		}
		if !documented {
			t.Errorf("package %s has no doc comment", dir)
		}
	}
}

// banned lists dependencies the patchline binary must never have, each
// with its reason.
var banned = map[string]string{
	"testing":                                  "production code never imports testing",
	"github.com/stretchr/testify":              "no assertion libraries: plain tests with go-cmp",
	"github.com/mattn/go-sqlite3":              "cgo: patchline is one static binary",
	"go.etcd.io/bbolt":                         "only the storage benchmarks use it (BENCHMARKS.md)",
	"github.com/santhosh-tekuri/jsonschema/v6": "only tests validate output against schemas",
	"github.com/rogpeppe/go-internal":          "only the CLI tests use testscript",
	"net/http/httptest":                        "test servers belong in tests",
}

func TestBannedDependencies(t *testing.T) {
	out, err := goCmd(t, "list", "-deps", "-f", "{{.ImportPath}} {{len .CgoFiles}}", "./cmd/patchline")
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		path, cgo, _ := strings.Cut(sc.Text(), " ")
		for b, reason := range banned {
			if path == b || strings.HasPrefix(path, b+"/") {
				t.Errorf("the patchline binary depends on %s: %s", path, reason)
			}
		}
		if cgo != "0" && strings.HasPrefix(path, "github.com/patchline/") {
			t.Errorf("%s uses cgo: patchline is one static binary", path)
		}
	}
}

// TestFormatsTableMatchesExtractors: docs/formats.md lists exactly the
// extractors the binary registers.
func TestFormatsTableMatchesExtractors(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("docs", "formats.md"))
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	row := regexp.MustCompile("(?m)^\\|[^|\\n]*\\|[^|\\n]*\\| `([a-z]+/[a-z0-9]+)` \\|")
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		documented = append(documented, m[1])
	}
	var registered []string
	for _, x := range extract.List(extract.Options{GoStdlib: true}) {
		registered = append(registered, x.Name())
	}
	sort.Strings(documented)
	sort.Strings(registered)
	if diff := cmp.Diff(registered, documented); diff != "" {
		t.Errorf("docs/formats.md table differs from extract.List (-registered +documented):\n%s", diff)
	}
}

// TestCIRunsTheReadmeTestCommand: .ci/run ends with exactly the command the
// README gives for running the tests.
func TestCIRunsTheReadmeTestCommand(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)Run the tests:\\s*```sh\\n([^\\n]+)\\n```").FindSubmatch(readme)
	if m == nil {
		t.Fatal(`README.md has no "Run the tests:" code block`)
	}
	ci, err := os.ReadFile(filepath.Join(".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	var last string
	for _, l := range strings.Split(string(ci), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			last = l
		}
	}
	if last != string(m[1]) {
		t.Errorf(".ci/run ends with %q, README's test command is %q", last, m[1])
	}
}

// TestNoRegistryHosts: no file names a public package registry's host.
// Fixtures use stand-ins such as registry.npm.example; code asks the
// ecosystem's own client, which honours the user's configuration.
func TestNoRegistryHosts(t *testing.T) {
	hosts := []string{
		"registry.npmjs" + ".org", "registry.yarnpkg" + ".com", "pypi" + ".org", "pythonhosted" + ".org",
		"proxy.golang" + ".org", "rubygems" + ".org", "static.crates" + ".io", "index.crates" + ".io",
		"nuget" + ".org", "repo.maven.apache" + ".org", "repo1.maven" + ".org", "pub" + ".dev", "hex.pm" + "/api",
	}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (d.Name() == ".git" || d.Name() == "out") {
				return filepath.SkipDir
			}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, h := range hosts {
			if i := strings.Index(string(data), h); i >= 0 {
				line := strings.Count(string(data[:i]), "\n") + 1
				t.Errorf("%s:%d names the registry host %q: use a stand-in such as registry.npm.example", p, line, h)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
}
