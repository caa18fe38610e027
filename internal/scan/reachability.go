package scan

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/patchline/patchline/internal/extract"
	"github.com/patchline/patchline/internal/extract/golang/gomod"
	"github.com/patchline/patchline/internal/reachability/golang"
	"github.com/patchline/patchline/internal/result"
)

// enrich adds what needs all of a file's findings at once: reachability.
func (r *run) enrich(f extract.File, findings []*result.Finding) error {
	if len(findings) == 0 || r.Reachability == "off" {
		return nil
	}
	if f.Extractor.Name() == gomod.Name {
		return r.goReachability(f, findings)
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
