package imports

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/patchline/patchline/internal/inventory"
)

// ecoName returns the name a package is matched by in its ecosystem.
func ecoName(eco, name string) string {
	if eco == inventory.PyPI {
		return normalize(name)
	}
	return name
}

// verdicts computes the verdict of every npm and PyPI package.
func (a *analysis) verdicts() map[PackageKey]Verdict {
	// Imports by package name (npm) or normalised distribution (PyPI).
	byName := map[string]map[string][]site{inventory.Npm: {}, inventory.PyPI: {}}
	for _, s := range a.npmSites {
		byName[inventory.Npm][s.pkg] = append(byName[inventory.Npm][s.pkg], s)
	}
	for _, s := range a.pySites {
		dists, how := a.mapper.dists(s.module, s.ev.Names)
		if how == mapGuess {
			top, _, _ := strings.Cut(s.module, ".")
			if _, local := a.pyLocal[top]; local {
				continue // a first-party module of that name
			}
		}
		s.ev.Mapping = how
		for _, d := range dists {
			byName[inventory.PyPI][d] = append(byName[inventory.PyPI][d], s)
		}
	}

	// Attribute imports to package keys: to the direct packages of that
	// name when there are some (first-party code resolves to those), else
	// to every version.
	keysByName := map[string]map[string][]PackageKey{inventory.Npm: {}, inventory.PyPI: {}}
	directByName := map[string]map[string]bool{inventory.Npm: {}, inventory.PyPI: {}}
	graphKnown := map[string]bool{}
	for _, p := range a.pkgs {
		if _, ok := keysByName[p.Ecosystem]; !ok {
			continue
		}
		n := ecoName(p.Ecosystem, p.Name)
		if !slices.Contains(keysByName[p.Ecosystem][n], p.Key()) {
			keysByName[p.Ecosystem][n] = append(keysByName[p.Ecosystem][n], p.Key())
		}
		if p.Relation == inventory.RelationDirect {
			directByName[p.Ecosystem][n] = true
		}
		if len(p.DependsOn) > 0 {
			graphKnown[p.Ecosystem] = true
		}
	}
	sitesOf := func(p Package) []site {
		n := ecoName(p.Ecosystem, p.Name)
		if directByName[p.Ecosystem][n] && p.Relation != inventory.RelationDirect {
			return nil
		}
		return byName[p.Ecosystem][n]
	}

	chains := a.chains(keysByName, sitesOf)
	pyStringTops := map[string]string{}
	for v, at := range a.py.strings {
		top, _, _ := strings.Cut(v, ".")
		if old, ok := pyStringTops[top]; !ok || at < old {
			pyStringTops[top] = at
		}
	}

	out := map[PackageKey]Verdict{}
	for _, p := range a.pkgs {
		if p.Ecosystem != inventory.Npm && p.Ecosystem != inventory.PyPI {
			continue
		}
		if _, done := out[p.Key()]; done {
			continue
		}
		v := a.verdict(p, sitesOf(p), chains, graphKnown[p.Ecosystem], pyStringTops, sitesOf)
		out[p.Key()] = v
	}
	return out
}

func runtimeSites(sites []site) []site {
	var out []site
	for _, s := range sites {
		if !s.ev.TypeOnly {
			out = append(out, s)
		}
	}
	return out
}

func (a *analysis) evidence(sites []site) []Evidence {
	evs := make([]Evidence, 0, len(sites))
	for _, s := range sites {
		evs = append(evs, s.ev)
	}
	slices.SortFunc(evs, func(x, y Evidence) int {
		if x.Test != y.Test {
			if x.Test {
				return 1
			}
			return -1
		}
		return cmp.Or(strings.Compare(x.File, y.File), cmp.Compare(x.Line, y.Line), cmp.Compare(x.Column, y.Column))
	})
	if len(evs) > a.opts.MaxEvidence {
		evs = evs[:a.opts.MaxEvidence]
	}
	return evs
}

// chains finds, for every package reachable in the dependency graph from
// a package that first-party code imports, one shortest chain to it.
func (a *analysis) chains(keysByName map[string]map[string][]PackageKey, sitesOf func(Package) []site) map[PackageKey][]PackageKey {
	adj := map[PackageKey][]PackageKey{}
	var roots []PackageKey
	seen := map[PackageKey]bool{}
	for _, p := range a.pkgs {
		names, ok := keysByName[p.Ecosystem]
		if !ok {
			continue
		}
		k := p.Key()
		for _, e := range p.DependsOn {
			for _, t := range names[ecoName(p.Ecosystem, e.Name)] {
				if e.Version == "" || e.Version == t.Version {
					adj[k] = append(adj[k], t)
				}
			}
		}
		if !seen[k] && len(runtimeSites(sitesOf(p))) > 0 {
			seen[k] = true
			roots = append(roots, k)
		}
	}
	parent := map[PackageKey]PackageKey{}
	queue := slices.Clone(roots)
	for len(queue) > 0 {
		k := queue[0]
		queue = queue[1:]
		for _, t := range adj[k] {
			if seen[t] {
				continue
			}
			seen[t] = true
			parent[t] = k
			queue = append(queue, t)
		}
	}
	out := map[PackageKey][]PackageKey{}
	for t := range parent {
		chain := []PackageKey{t}
		for k, ok := parent[t]; ok; k, ok = parent[k] {
			chain = append(chain, k)
		}
		slices.Reverse(chain)
		out[t] = chain
	}
	return out
}

func langName(eco string) string {
	if eco == inventory.PyPI {
		return "Python"
	}
	return "JavaScript/TypeScript"
}

// verdict computes the verdict of one package.
func (a *analysis) verdict(p Package, sites []site, chains map[PackageKey][]PackageKey, graphKnown bool, pyStringTops map[string]string, sitesOf func(Package) []site) Verdict {
	v := Verdict{Level: LevelImport}
	runtime := runtimeSites(sites)
	l := &a.js
	if p.Ecosystem == inventory.PyPI {
		l = &a.py
	}
	mappingNote := ""
	if p.Ecosystem == inventory.PyPI && len(runtime) > 0 {
		if how := runtime[0].ev.Mapping; how != mapMetadata {
			mappingNote = fmt.Sprintf(" (module mapped to the distribution by %s)", how)
		}
	}
	switch {
	case len(runtime) > 0:
		v.Reachable = Reachable
		v.Evidence = a.evidence(runtime)
		v.Reason = fmt.Sprintf("imported by first-party code in %s%s", plural(len(runtime), "place"), mappingNote)
		if len(runtime) == countTests(runtime) {
			v.Reason += ", all of them tests"
		}
	case chains[p.Key()] != nil:
		chain := chains[p.Key()]
		v.Reachable = Reachable
		v.Chain = chain
		root := chain[0]
		for _, q := range a.pkgs {
			if q.Key() == root {
				v.Evidence = a.evidence(runtimeSites(sitesOf(q)))
				break
			}
		}
		names := make([]string, len(chain))
		for i, k := range chain {
			names[i] = k.String()
		}
		v.Reason = fmt.Sprintf("not imported by first-party code itself, but %s is, and depends on it: %s", root.String(), strings.Join(names, " → "))
	default:
		v.Reachable, v.Reason = a.notImported(p, sites, l, graphKnown, pyStringTops)
	}
	v.Vulns = a.vulnVerdicts(p, v, runtime, l)
	return v
}

// notImported judges a package that first-party code does not import at
// run time: NotReachable when nothing could hide an import, else Unknown.
func (a *analysis) notImported(p Package, sites []site, l *lang, graphKnown bool, pyStringTops map[string]string) (string, string) {
	name := p.Name
	switch p.Relation {
	case inventory.RelationDirect:
	case inventory.RelationTransitive:
		if graphKnown {
			return Unknown, "transitive dependency; first-party code does not import it, and none of the packages it imports depends on it, but packages may load it in ways the lockfile's graph does not show"
		}
		return Unknown, "transitive dependency not imported by first-party code; no dependency graph was given to tell whether an imported package depends on it"
	default:
		return Unknown, "not imported by first-party code, but the lockfile does not say whether it is a direct dependency"
	}
	lname := langName(p.Ecosystem)
	if l.files == 0 {
		return Unknown, fmt.Sprintf("no first-party %s source files were found under the root", lname)
	}
	if l.problem != "" {
		reason := l.problem
		if l.problems > 1 {
			reason += fmt.Sprintf(" (and %d more such problems)", l.problems-1)
		}
		return Unknown, "not imported by the code that was analysed, but " + reason
	}
	if l.dynamic != "" {
		return Unknown, fmt.Sprintf("not imported by a literal name, but first-party code imports a computed module name at %s", l.dynamic)
	}
	if p.Ecosystem == inventory.Npm {
		if at, ok := l.strings[name]; ok {
			return Unknown, fmt.Sprintf("not imported, but a string at %s names it (tooling may load packages by name)", at)
		}
		cmds := []string{name, path.Base(name)}
		cmds = append(cmds, a.npmBins(name)...)
		for _, c := range cmds {
			if at, ok := a.scriptWords[c]; ok {
				return Unknown, fmt.Sprintf("not imported, but %s runs %q in its scripts", at, c)
			}
		}
	} else {
		dist := normalize(name)
		how := a.mapper.known(dist)
		mods := a.mapper.modules(dist)
		for _, m := range mods {
			if at, ok := pyStringTops[m]; ok {
				return Unknown, fmt.Sprintf("not imported, but a string at %s names its module %s (frameworks may load modules by name)", at, m)
			}
		}
		if how == "" {
			return Unknown, fmt.Sprintf("no module of it is imported, but its module names are not known (no installed metadata, not in the built-in table): only a module named like it (%s) was looked for", strings.Join(mods, ", "))
		}
	}
	if len(sites) > 0 {
		return NotReachable, fmt.Sprintf("imported only as types (at %s), which TypeScript erases", where(sites[0].ev.File, sites[0].ev.Line))
	}
	return NotReachable, fmt.Sprintf("direct dependency that no first-party code imports (%s read; a package run as a command or loaded by a non-code configuration is not seen)", plural(l.files, lname+" file"))
}

func countTests(sites []site) int {
	n := 0
	for _, s := range sites {
		if s.ev.Test {
			n++
		}
	}
	return n
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// vulnVerdicts judges, for each advisory naming modules or symbols of p,
// whether first-party code imports them.
func (a *analysis) vulnVerdicts(p Package, pv Verdict, runtime []site, l *lang) []VulnVerdict {
	var out []VulnVerdict
	for _, vu := range a.opts.Vulns {
		if vu.Package.Ecosystem != p.Ecosystem || ecoName(p.Ecosystem, vu.Package.Name) != ecoName(p.Ecosystem, p.Name) ||
			vu.Package.Version != "" && vu.Package.Version != p.Version || len(vu.Modules)+len(vu.Symbols) == 0 {
			continue
		}
		vv := VulnVerdict{ID: vu.ID}
		switch {
		case pv.Reachable == NotReachable:
			vv.Imported, vv.Reason = NotReachable, "the package is not imported"
		case len(runtime) == 0 && pv.Reachable == Reachable:
			vv.Imported, vv.Reason = Unknown, fmt.Sprintf("first-party code does not import the package itself; whether %s uses the vulnerable code is not analysed", pv.Chain[0].String())
		case len(runtime) == 0:
			vv.Imported, vv.Reason = Unknown, "whether the package is imported is unknown: "+pv.Reason
		default:
			var hits []site
			var how []string
			opaque := ""
			for _, s := range runtime {
				var what string
				if p.Ecosystem == inventory.PyPI {
					what = matchPython(s, vu)
				} else {
					what = matchNpm(p.Name, s, vu)
				}
				if what != "" {
					hits = append(hits, s)
					if !slices.Contains(how, what) {
						how = append(how, what)
					}
				} else if s.opaque && opaque == "" {
					opaque = where(s.ev.File, s.ev.Line)
				}
			}
			switch {
			case len(hits) > 0:
				vv.Imported = Reachable
				vv.Reason = "first-party code " + strings.Join(how, "; ")
				vv.Evidence = a.evidence(hits)
			case opaque != "":
				vv.Imported = Unknown
				vv.Reason = fmt.Sprintf("the package is imported at %s in a way that may use any of it (a binding of the whole module is passed on, called or re-exported)", opaque)
			case l.dynamic != "":
				vv.Imported = Unknown
				vv.Reason = fmt.Sprintf("the vulnerable code is not imported by name, but first-party code imports a computed module name at %s", l.dynamic)
			default:
				vv.Imported = NotReachable
				vv.Reason = fmt.Sprintf("the package is imported, but first-party code neither imports the vulnerable modules nor names the vulnerable functions (%s)", strings.Join(append(slices.Clone(vu.Modules), vu.Symbols...), ", "))
			}
		}
		out = append(out, vv)
	}
	return out
}

func lastPart(s, sep string) string {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[i+len(sep):]
	}
	return s
}

// matchNpm says how site s uses what vu names in package pkg, or "".
func matchNpm(pkg string, s site, vu Vuln) string {
	taken := append(slices.Clone(s.names), s.members...)
	for _, m := range vu.Modules {
		key := npmModuleKey(pkg, m)
		if key == s.module {
			return fmt.Sprintf("imports module %q", path.Join(pkg, key))
		}
		if key != "" && slices.Contains(taken, lastPart(key, "/")) {
			return fmt.Sprintf("takes %q from %q", lastPart(key, "/"), s.ev.Specifier)
		}
	}
	for _, sym := range vu.Symbols {
		if n := lastPart(sym, "."); slices.Contains(taken, n) {
			return fmt.Sprintf("takes %q from %q", n, s.ev.Specifier)
		}
	}
	return ""
}

// matchPython says how site s uses what vu names, or "".
func matchPython(s site, vu Vuln) string {
	paths := append([]string{s.module}, s.names...)
	paths = append(paths, s.members...)
	for _, m := range vu.Modules {
		for _, p := range paths {
			if p == m || strings.HasPrefix(p, m+".") {
				return fmt.Sprintf("uses module %s (%s)", m, p)
			}
		}
	}
	for _, sym := range vu.Symbols {
		for _, p := range paths {
			if strings.Contains(sym, ".") && (p == sym || strings.HasPrefix(p, sym+".")) ||
				!strings.Contains(sym, ".") && lastPart(p, ".") == sym {
				return fmt.Sprintf("uses %s", p)
			}
		}
	}
	return ""
}
