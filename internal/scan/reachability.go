package scan

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/patchline/patchline/internal/extract"
	gobinaryx "github.com/patchline/patchline/internal/extract/golang/gobinary"
	"github.com/patchline/patchline/internal/extract/golang/gomod"
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/reachability/gobinary"
	"github.com/patchline/patchline/internal/reachability/golang"
	"github.com/patchline/patchline/internal/reachability/imports"
	"github.com/patchline/patchline/internal/result"
)

// enrich adds what needs all of a file's findings at once: reachability.
func (r *run) enrich(f extract.File, pkgs []inventory.Package, findings []*result.Finding) error {
	if len(findings) == 0 || r.Reachability == "off" {
		return nil
	}
	switch f.Extractor.Name() {
	case gomod.Name:
		return r.goReachability(f, findings)
	case gobinaryx.Name:
		return r.binaryReachability(f, findings)
	}
	if r.Reachability == "module" || f.ByContent || f.OSPath == "" {
		return nil
	}
	switch findings[0].Ecosystem {
	case inventory.Npm, inventory.PyPI:
		return r.importReachability(f, pkgs, findings)
	}
	return nil
}

// importReachability asks, for a JavaScript or Python lockfile, whether the
// project's own code (below the lockfile's directory) imports each
// vulnerable package, directly or through the dependency graph.
func (r *run) importReachability(f extract.File, pkgs []inventory.Package, findings []*result.Finding) error {
	eco := findings[0].Ecosystem
	byID := map[string]imports.PackageKey{}
	for _, p := range pkgs {
		if p.ID != "" {
			byID[p.ID] = imports.PackageKey{Ecosystem: p.Ecosystem, Name: p.Name, Version: p.Version}
		}
	}
	in := make([]imports.Package, 0, len(pkgs))
	for _, p := range pkgs {
		if p.Ecosystem != eco || p.Version == "" {
			continue
		}
		ip := imports.Package{Ecosystem: p.Ecosystem, Name: p.Name, Version: p.Version, Relation: p.Relation}
		for _, d := range p.DependsOn {
			if k, ok := byID[d]; ok {
				ip.DependsOn = append(ip.DependsOn, k)
			}
		}
		in = append(in, ip)
	}
	verdicts, err := imports.Analyze(r.ctx, filepath.Dir(f.OSPath), in, imports.Options{Logger: r.Logger})
	if verdicts == nil && err != nil {
		return fmt.Errorf("reachability of %s: %w", f.Path, err)
	}
	if err != nil {
		r.Logger.Debug("import analysis", "file", f.Path, "problems", err)
	}
	for _, fd := range findings {
		v, ok := verdicts[imports.PackageKey{Ecosystem: fd.Ecosystem, Name: fd.Package, Version: fd.Version}]
		if !ok {
			continue
		}
		reach := &result.Reachability{Level: v.Level, Verdict: v.Reachable, Reason: v.Reason}
		for _, e := range v.Evidence {
			reach.Evidence = append(reach.Evidence, fmt.Sprintf("%s:%d imports %q", e.File, e.Line, e.Specifier))
		}
		if len(v.Chain) > 0 {
			var chain []string
			for _, k := range v.Chain {
				chain = append(chain, k.String())
			}
			reach.Evidence = append(reach.Evidence, "through "+strings.Join(chain, " → "))
		}
		fd.Reachability = reach
	}
	return nil
}

// goVulns returns the Go vulnerabilities of a finding's advisories for its
// module.
func (r *run) goVulns(f extract.File, fd *result.Finding) []golang.Vuln {
	var out []golang.Vuln
	for _, id := range fd.Advisories {
		e, err := r.DB.Get("Go", id)
		if err != nil || e == nil {
			continue
		}
		vs, err := golang.VulnsFromOSV(e)
		if err != nil {
			r.warn(f.Path, fmt.Sprintf("reachability of %s: %v", id, err))
			continue
		}
		for _, v := range vs {
			if v.Module == fd.Package || (fd.Package == "stdlib" && v.Module == golang.ToolchainModule) {
				out = append(out, v)
			}
		}
	}
	return out
}

// binaryReachability checks a Go binary's function table for the
// vulnerable symbols: what the linker kept is what runs.
func (r *run) binaryReachability(f extract.File, findings []*result.Finding) error {
	if f.OSPath == "" {
		return nil
	}
	funcs, err := gobinary.Functions(f.OSPath)
	for _, fd := range findings {
		if err != nil {
			fd.Reachability = &result.Reachability{Level: golang.LevelModule, Verdict: result.Unknown, Reason: err.Error()}
			continue
		}
		var best *result.Reachability
		for _, v := range r.goVulns(f, fd) {
			j := gobinary.Judge(funcs, v.Imports)
			if best == nil || stronger(j.Verdict, best.Verdict) {
				best = &j
			}
		}
		fd.Reachability = best
	}
	return nil
}

// goReachability analyses the Go module of a go.mod: is each vulnerable
// module required, its vulnerable package imported, its vulnerable symbol
// called (from the advisories' ecosystem_specific.imports)?
func (r *run) goReachability(f extract.File, findings []*result.Finding) error {
	if f.OSPath == "" {
		return nil
	}
	var vulns []golang.Vuln
	seen := map[string]bool{}
	for _, fd := range findings {
		for _, id := range fd.Advisories {
			if seen[id] {
				continue
			}
			seen[id] = true
			e, err := r.DB.Get("Go", id)
			if err != nil {
				return err
			}
			if e == nil {
				continue
			}
			vs, err := golang.VulnsFromOSV(e)
			if err != nil {
				r.warn(f.Path, fmt.Sprintf("reachability of %s: %v", id, err))
				continue
			}
			vulns = append(vulns, vs...)
		}
	}
	if len(vulns) == 0 {
		return nil
	}
	level := r.Reachability
	if level == "" {
		level = golang.LevelSymbol
	}
	dir := filepath.Dir(f.OSPath)
	if !hasGoSource(dir) {
		// A go.mod without its code (say, a lockfile collection): nothing
		// to analyse, and no need to ask the go command.
		for _, fd := range findings {
			fd.Reachability = &result.Reachability{Level: golang.LevelModule, Verdict: result.Unknown,
				Reason: "no Go source files beside go.mod: the module's code is not here to analyse"}
		}
		return nil
	}
	verdicts, err := golang.Analyze(r.ctx, dir, vulns, golang.Options{Level: level, Logger: r.Logger})
	if err != nil {
		return fmt.Errorf("reachability of %s: %w", f.Path, err)
	}
	for _, fd := range findings {
		var best *golang.Verdict
		for _, id := range fd.Advisories {
			v, ok := verdicts[id]
			if !ok {
				continue
			}
			if best == nil || stronger(v.Reachable, best.Reachable) {
				best = &v
			}
		}
		if best == nil {
			continue
		}
		reach := &result.Reachability{Level: best.Level, Verdict: best.Reachable, Reason: best.Reason}
		for _, fr := range best.Path {
			ev := fr.Function
			if fr.Position != "" {
				ev += " (" + fr.Position + ")"
			}
			reach.Evidence = append(reach.Evidence, ev)
		}
		fd.Reachability = reach
	}
	return nil
}

// stronger orders verdicts when advisories of one finding disagree:
// reachable, then unknown, then not reachable.
func stronger(a, b string) bool {
	rank := map[string]int{result.NotReachable: 0, result.Unknown: 1, result.Reachable: 2}
	return rank[a] > rank[b]
}

// hasGoSource reports whether dir or a directory below it (other than
// vendor, testdata and hidden ones) holds a .go file.
func hasGoSource(dir string) bool {
	found := false
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || found {
			return filepath.SkipAll
		}
		if d.IsDir() && p != dir && (d.Name() == "vendor" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".go") {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}
