package gobinary

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/patchline/patchline/internal/reachability/golang"
	"github.com/patchline/patchline/internal/result"
)

// build compiles a one-file program into a binary, offline.
func build(t *testing.T, src string, ldflags string) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/bin\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "bin")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags="+ldflags, "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// pem is GO-2025-4009's vulnerable package and symbols (golang/vulndb,
// CC-BY-4.0).
var pem = []golang.Import{{Path: "encoding/pem", Symbols: []string{"Decode", "getLine"}}}

func TestJudge(t *testing.T) {
	calls := `package main

import (
	"encoding/pem"
	"os"
)

func main() {
	b, _ := pem.Decode([]byte(os.Args[1]))
	println(b != nil)
}
`
	none := "package main\n\nfunc main() { println(\"hello\") }\n"
	tests := []struct {
		name, src, ldflags string
		want               string
		level              string
	}{
		{name: "symbol_present", src: calls, want: result.Reachable, level: golang.LevelSymbol},
		{name: "symbol_present_stripped", src: calls, ldflags: "-s -w", want: result.Reachable, level: golang.LevelSymbol},
		{name: "package_absent", src: none, want: result.NotReachable, level: golang.LevelPackage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			funcs, err := Functions(build(t, tt.src, tt.ldflags))
			if err != nil {
				t.Fatal(err)
			}
			got := Judge(funcs, pem)
			if got.Verdict != tt.want || got.Level != tt.level {
				t.Errorf("Judge = %+v, want %s at %s level", got, tt.want, tt.level)
			}
		})
	}
}

func TestFunctionsNotABinary(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x")
	if err := os.WriteFile(p, []byte("#!/bin/sh\necho hi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Functions(p); err == nil {
		t.Errorf("Functions(shell script) succeeded")
	}
}

func TestCandidates(t *testing.T) {
	got := candidates("net/http", "Client.Do")
	if len(got) != 2 || got[0] != "net/http.(*Client).Do" || got[1] != "net/http.Client.Do" {
		t.Errorf("candidates = %v", got)
	}
	if got := candidates("encoding/pem", "Decode"); len(got) != 1 || got[0] != "encoding/pem.Decode" {
		t.Errorf("candidates = %v", got)
	}
}
