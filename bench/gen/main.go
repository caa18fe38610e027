// Command gen writes the large inputs bench/run.sh measures:
//
//	gen sbom N FILE      a CycloneDX 1.6 JSON SBOM of N npm/PyPI components
//	gen monorepo N DIR   a monorepo of N projects, each a copy of the demo's
//	                     real lockfiles (examples/demo)
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: gen sbom N FILE | gen monorepo N DIR")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
	switch os.Args[1] {
	case "sbom":
		err = sbom(n, os.Args[3])
	case "monorepo":
		err = monorepo(n, os.Args[3])
	default:
		err = fmt.Errorf("unknown input %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

type component struct {
	Type    string `json:"type"`
	BOMRef  string `json:"bom-ref"`
	Name    string `json:"name"`
	Version string `json:"version"`
	PURL    string `json:"purl"`
	Desc    string `json:"description"`
}

func sbom(n int, file string) error {
	comps := make([]component, n)
	deps := make([]string, n)
	for i := range comps {
		name, eco := fmt.Sprintf("pkg-%d", i), "npm"
		if i%2 == 1 {
			eco = "pypi"
		}
		ref := fmt.Sprintf("%s-%d", eco, i)
		comps[i] = component{Type: "library", BOMRef: ref, Name: name, Version: fmt.Sprintf("1.%d.%d", i%50, i%7),
			PURL: fmt.Sprintf("pkg:%s/%s@1.%d.%d", eco, name, i%50, i%7), Desc: "a generated component for the large-SBOM benchmark, with some text to reach a realistic size"}
		deps[i] = ref
	}
	doc := map[string]any{
		"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
		"metadata":     map[string]any{"component": map[string]any{"type": "application", "name": "big", "bom-ref": "root"}},
		"components":   comps,
		"dependencies": []map[string]any{{"ref": "root", "dependsOn": deps}},
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, data, 0o644)
}

func monorepo(n int, dir string) error {
	lock, err := os.ReadFile(filepath.Join("examples", "demo", "nodegoat", "package-lock.json"))
	if err != nil {
		return err
	}
	reqs, err := os.ReadFile(filepath.Join("examples", "demo", "pygoat", "requirements.txt"))
	if err != nil {
		return err
	}
	for i := range n {
		p := filepath.Join(dir, "services", fmt.Sprintf("svc%03d", i))
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(p, "package-lock.json"), lock, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(p, "requirements.txt"), reqs, 0o644); err != nil {
			return err
		}
	}
	return nil
}
