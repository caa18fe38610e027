package scan

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/patchline/patchline/internal/extract"
	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/result"
)

// TestBinaryReachability scans a Go binary built in the test: the
// standard library it was built with is checked against an advisory
// (hand-made for this test, naming encoding/pem.Decode for every Go
// version), and the binary's function table decides reachability.
func TestBinaryReachability(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	d := importDir(t, map[string]string{
		"TEST-BIN-1.json": `{"id":"TEST-BIN-1","modified":"2026-01-01T00:00:00Z","summary":"test advisory","affected":[{"package":{"ecosystem":"Go","name":"stdlib"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}],"ecosystem_specific":{"imports":[{"path":"encoding/pem","symbols":["Decode"]}]}}]}`,
	})
	dir := t.TempDir()
	for name, data := range map[string]string{
		"src/go.mod":  "module example.com/bin\n\ngo 1.22\n",
		"src/main.go": "package main\n\nimport (\n\t\"encoding/pem\"\n\t\"os\"\n)\n\nfunc main() {\n\tb, _ := pem.Decode([]byte(os.Args[1]))\n\tprintln(b != nil)\n}\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, "bin", "app"), ".")
	cmd.Dir = filepath.Join(dir, "src")
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	c := &report.Collector{}
	s := &Scanner{Extractors: extract.List(extract.Options{GoStdlib: true}), DB: d}
	if _, err := s.Run(context.Background(), []string{filepath.Join(dir, "bin")}, c); err != nil {
		t.Fatal(err)
	}
	if len(c.Result.Findings) != 1 {
		t.Fatalf("findings = %+v, want TEST-BIN-1 on the binary's stdlib", c.Result.Findings)
	}
	f := c.Result.Findings[0]
	if f.Package != "stdlib" || f.Reachability == nil || f.Reachability.Verdict != result.Reachable || f.Reachability.Level != "symbol" {
		t.Errorf("finding = %s %+v, want stdlib reachable at symbol level", f.Package, f.Reachability)
	}
}
