package pypi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/fix"
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/osv"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/version/pep440"
)

// reqFile is one requirements file of a project.
type reqFile struct {
	path    string // relative to the project, slash-separated
	data    []byte
	entries []reqEntry
}

// lockPkg is one package of a lock file.
type lockPkg struct {
	lock string // poetry.lock or uv.lock
	pkg  inventory.Package
}

// projectFiles is what a project's files say about its Python packages.
type projectFiles struct {
	reqs  []reqFile
	locks []lockPkg
}

// load reads the requirements files (the inputs and the files they
// include) and the lock files of the project at dir.
func (s *Strategy) load(ctx context.Context, dir string) (*projectFiles, error) {
	pf := &projectFiles{}
	var errs []error
	reqPaths := map[string]bool{}
	for _, f := range s.Inputs(dir) {
		pkgs, err := extract(ctx, dir, f)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if isLock(f) {
			if err != nil {
				errs = append(errs, err)
			}
			for _, p := range pkgs {
				if p.Version != "" {
					pf.locks = append(pf.locks, lockPkg{lock: f, pkg: p})
				}
			}
			continue
		}
		// Per-line errors of a requirements file are the scanner's to
		// report; the files the pins are in are what matters here.
		reqPaths[f] = true
		for _, p := range pkgs {
			if loc := path.Clean(p.Location.File); loc != "" && filepath.IsLocal(filepath.FromSlash(loc)) {
				reqPaths[loc] = true
			}
		}
	}
	var paths []string
	for p := range reqPaths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	s.remember(paths)
	for _, p := range paths {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			errs = append(errs, fmt.Errorf("read %q: %w", p, err))
			continue
		}
		pf.reqs = append(pf.reqs, reqFile{path: p, data: data, entries: scanRequirements(splitLines(data))})
	}
	return pf, errors.Join(errs...)
}

// where is where one package version is in a project.
type where struct {
	pins    []pinAt   // exact pins at the version
	loose   []pinAt   // requirements that are not exact pins
	locks   []lockPkg // lock file packages at the version
	direct  bool
	hashes  bool
	lockSet map[string]bool
}

type pinAt struct {
	file string
	e    reqEntry
}

func (w *where) found() bool { return len(w.pins) > 0 || len(w.locks) > 0 }

// find locates the package norm at version in the project.
func (pf *projectFiles) find(norm, version string) *where {
	w := &where{lockSet: map[string]bool{}}
	for _, f := range pf.reqs {
		for _, e := range f.entries {
			if e.norm != norm {
				continue
			}
			switch {
			case !e.exact:
				w.loose = append(w.loose, pinAt{f.path, e})
			case sameVersion(e.version, version):
				w.pins = append(w.pins, pinAt{f.path, e})
				w.direct = w.direct || !e.transitive()
				w.hashes = w.hashes || e.hashes
			}
		}
	}
	for _, l := range pf.locks {
		if ecosystem.NormalizePyPI(l.pkg.Name) == norm && sameVersion(l.pkg.Version, version) {
			w.locks = append(w.locks, l)
			w.lockSet[l.lock] = true
			w.direct = w.direct || l.pkg.Relation != inventory.RelationTransitive
		}
	}
	return w
}

// group is the findings of one package version.
type group struct {
	norm, version string
	findings      []*result.Finding
}

func groupFindings(findings []result.Finding) []group {
	idx := map[[2]string]int{}
	var out []group
	for i := range findings {
		f := &findings[i]
		if osv.BaseEcosystem(f.Ecosystem) != inventory.PyPI || f.Version == "" {
			continue
		}
		k := [2]string{ecosystem.NormalizePyPI(f.Package), versionKey(f.Version)}
		j, ok := idx[k]
		if !ok {
			j = len(out)
			idx[k] = j
			out = append(out, group{norm: k[0], version: f.Version})
		}
		out[j].findings = append(out[j].findings, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].norm != out[j].norm {
			return out[i].norm < out[j].norm
		}
		return out[i].version < out[j].version
	})
	return out
}

// Plan proposes, for each vulnerable package version of the findings, the
// smallest version no advisory affects (see the package documentation for
// the rules). Findings of other ecosystems are ignored. It reads the project
// and may ask the index, but never writes to the project.
func (s *Strategy) Plan(ctx context.Context, dir string, findings []result.Finding, versions fix.VersionSource, checker fix.Checker) (fix.Plan, error) {
	var plan fix.Plan
	groups := groupFindings(findings)
	if len(groups) == 0 {
		return plan, nil
	}
	pf, err := s.load(ctx, dir)
	if err != nil {
		if ctx.Err() != nil {
			return plan, ctx.Err()
		}
		plan.Notes = append(plan.Notes, fmt.Sprintf("some Python files could not be read: %v", err))
	}
	notes := map[string]bool{}
	note := func(n string) {
		if !notes[n] {
			notes[n] = true
			plan.Notes = append(plan.Notes, n)
		}
	}
	for _, g := range groups {
		if err := ctx.Err(); err != nil {
			return plan, err
		}
		if err := s.planOne(ctx, dir, pf, g, versions, checker, &plan, note); err != nil {
			return plan, err
		}
	}
	return plan, nil
}

// planOne plans the fix of one package version.
func (s *Strategy) planOne(ctx context.Context, dir string, pf *projectFiles, g group, versions fix.VersionSource, checker fix.Checker, plan *fix.Plan, note func(string)) error {
	unfixable := func(ids []string, reason, detail string, fixed []string, c *fix.Change) {
		plan.Unfixable = append(plan.Unfixable, fix.Unfixable{
			Ecosystem: inventory.PyPI, Package: g.norm, Version: g.version, IDs: ids,
			Reason: reason, Detail: detail, Fixed: fixed, Change: c,
		})
	}
	w := pf.find(g.norm, g.version)
	if !w.found() {
		if len(w.loose) > 0 {
			var where []string
			for _, l := range w.loose {
				where = append(where, fmt.Sprintf("%s:%d asks for %s%s", l.file, l.e.line(), l.e.name, spaceBefore(l.e.spec)))
			}
			unfixable(fix.FindingIDs(g.findings), fix.ReasonPinned, fmt.Sprintf("%s: the requirement is not an exact pin, so the installed version (%s) comes from the environment, not from this file; pin it with == (or generate the file with pip-compile) and run the fix again", strings.Join(where, "; "), g.version), nil, nil)
			return nil
		}
		unfixable(fix.FindingIDs(g.findings), fix.ReasonNotInGraph, fmt.Sprintf("no requirements file, poetry.lock or uv.lock of the project pins %s at %s: the finding came from another file, or the files changed since the scan", g.norm, g.version), nil, nil)
		return nil
	}
	verdict, err := checker.Check(ctx, fix.Package{Ecosystem: inventory.PyPI, Name: g.norm, Version: g.version})
	if err != nil {
		return err
	}
	for _, p := range verdict.Problems {
		note(fmt.Sprintf("%s: advisory not evaluated: %s", g.norm, p))
	}
	var open []*result.Finding
	idSet := map[string]bool{}
	for _, f := range g.findings {
		if len(fix.StillAffected(f, verdict)) > 0 {
			open = append(open, f)
			idSet[f.ID] = true
		}
	}
	if len(open) == 0 {
		note(fmt.Sprintf("%s: version %s is no longer affected by %s", g.norm, g.version, strings.Join(fix.FindingIDs(g.findings), ", ")))
		return nil
	}
	ids := make([]string, 0, len(idSet))
	for id := range idSet {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var fixed []string
	for _, f := range open {
		fixed = append(fixed, f.Fixed...)
	}
	for _, x := range verdict.Vulns {
		fixed = append(fixed, x.Fixed...)
	}
	choice, err := fix.Choose(ctx, fix.ChooseRequest{
		Ecosystem: inventory.PyPI, Name: g.norm, Current: g.version, Fixed: fixed,
		Versions: versions, Checker: checker,
	})
	if err != nil {
		return err
	}
	for _, p := range choice.Problems {
		note(fmt.Sprintf("%s: advisory not evaluated: %s", g.norm, p))
	}
	if choice.ListError != "" {
		note(choice.ListError)
	}
	if choice.Pick == "" {
		unfixable(ids, choice.Reason, choice.Detail, choice.Fixed, nil)
		return nil
	}
	kind := fix.KindTransitiveInPlace
	if w.direct {
		kind = fix.KindDirectUpgrade
	}
	c := fix.Change{
		Ecosystem: inventory.PyPI, Package: g.norm, From: g.version, To: choice.Pick, Kind: kind,
		Fixes: ids, Advisories: verdict.IDs(), Reason: choice.Why,
	}
	var files []string
	for _, p := range w.pins {
		files = appendUnique(files, p.file)
	}
	if len(files) > 0 {
		c.Reason += fmt.Sprintf("; the pin is rewritten in %s", strings.Join(files, ", "))
	}
	if w.hashes {
		hs, err := s.index.hashes(ctx, g.norm, choice.Pick)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			unfixable(ids, fix.ReasonApplyFailed, fmt.Sprintf("%s carries --hash options and the hashes of %s could not be read (%v): run `pip-compile --generate-hashes --upgrade-package %s==%s` on the .in file that generates %s",
				g.norm, choice.Pick, err, g.norm, choice.Pick, strings.Join(files, ", ")), choice.Fixed, &c)
			return nil
		}
		u, _ := s.index.indexURL(ctx)
		c.Reason += fmt.Sprintf("; its --hash options are replaced with the %d sha256 hashes of %s's files listed by the index at %s", len(hs), choice.Pick, redact(u))
	}
	for _, lock := range []string{poetryLock, uvLock} {
		if !w.lockSet[lock] {
			continue
		}
		args := s.lockCommand(lock, g.norm, choice.Pick, w.direct)
		tool := args[0]
		if s.opts.Offline && lock == poetryLock {
			unfixable(ids, fix.ReasonToolMissing, fmt.Sprintf("poetry has no offline mode: run `%s` in %s", strings.Join(args, " "), dir), choice.Fixed, &c)
			return nil
		}
		if _, ok := s.lookPath(tool); !ok {
			unfixable(ids, fix.ReasonToolMissing, fmt.Sprintf("%s is not installed (not on PATH), and %s is only changed by its own tool: run `%s` in %s", tool, lock, strings.Join(args, " "), dir), choice.Fixed, &c)
			return nil
		}
		c.Reason += fmt.Sprintf("; %s is updated with `%s`", lock, strings.Join(args, " "))
	}
	if kind == fix.KindTransitiveInPlace {
		c.Reason += fmt.Sprintf("; %s is not a direct requirement: it is raised where it is pinned, and the packages that need it must allow %s (the next pip-compile or lock run checks)", g.norm, choice.Pick)
	}
	plan.Changes = append(plan.Changes, c)
	return nil
}

func spaceBefore(s string) string {
	if s == "" {
		return " (any version)"
	}
	return s
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// lockCommand returns the command that moves the package to version in a
// lock file.
func (s *Strategy) lockCommand(lock, norm, version string, direct bool) []string {
	if lock == poetryLock {
		if direct {
			return []string{"poetry", "add", norm + "@^" + version, "--lock"}
		}
		return []string{"poetry", "update", "--lock", norm}
	}
	args := []string{"uv", "lock", "--upgrade-package", norm + "==" + version}
	if s.opts.Offline {
		args = append(args, "--offline")
	}
	return args
}

// Apply makes the plan's changes in the project at dir: pins are rewritten
// in the requirements files (with the new hashes where there were hashes),
// and the lock tools are run for the packages of poetry.lock and uv.lock.
func (s *Strategy) Apply(ctx context.Context, dir string, p fix.Plan) error {
	pf, err := s.load(ctx, dir)
	if err != nil {
		return err
	}
	contents := map[string][]byte{}
	for _, f := range pf.reqs {
		contents[f.path] = f.data
	}
	type lockStep struct {
		lock string
		c    fix.Change
		args []string
	}
	var steps []lockStep
	for _, c := range p.Changes {
		if c.Ecosystem != "" && c.Ecosystem != inventory.PyPI {
			return fmt.Errorf("apply %s: ecosystem %q is not Python's", c.String(), c.Ecosystem)
		}
		switch c.Kind {
		case fix.KindDirectUpgrade, fix.KindTransitiveInPlace:
		default:
			return fmt.Errorf("apply %s: change kind %q is not supported for Python", c.String(), c.Kind)
		}
		norm := ecosystem.NormalizePyPI(c.Package)
		w := pf.find(norm, c.From)
		if !w.found() {
			return fmt.Errorf("apply %s: no requirements file or lock file of the project pins %s at %s", c.String(), norm, c.From)
		}
		var hashes []string
		if w.hashes {
			if hashes, err = s.index.hashes(ctx, norm, c.To); err != nil {
				return fmt.Errorf("apply %s: the pin carries --hash options and the hashes of %s could not be read (run `pip-compile --generate-hashes --upgrade-package %s==%s`): %w", c.String(), c.To, norm, c.To, err)
			}
		}
		for _, pin := range w.pins {
			data, n, err := rewritePins(contents[pin.file], norm, c.From, c.To, hashes)
			if err != nil {
				return fmt.Errorf("apply %s: %s: %w", c.String(), pin.file, err)
			}
			if n > 0 {
				contents[pin.file] = data
			}
		}
		for _, lock := range []string{poetryLock, uvLock} {
			if w.lockSet[lock] {
				steps = append(steps, lockStep{lock: lock, c: c, args: s.lockCommand(lock, norm, c.To, w.direct)})
			}
		}
	}
	for _, f := range pf.reqs {
		if string(contents[f.path]) == string(f.data) {
			continue
		}
		full := filepath.Join(dir, filepath.FromSlash(f.path))
		st, err := os.Stat(full)
		if err != nil {
			return fmt.Errorf("write %q: %w", f.path, err)
		}
		if err := os.WriteFile(full, contents[f.path], st.Mode().Perm()); err != nil {
			return fmt.Errorf("write %q: %w", f.path, err)
		}
	}
	for _, st := range steps {
		if err := s.runLockTool(ctx, dir, st.lock, st.c, st.args); err != nil {
			return err
		}
	}
	return nil
}

// runLockTool runs one lock command and checks that the lock then has the
// package at the change's version or above.
func (s *Strategy) runLockTool(ctx context.Context, dir, lock string, c fix.Change, args []string) error {
	if s.opts.Offline && lock == poetryLock {
		return fmt.Errorf("apply %s: poetry has no offline mode: run `%s` in %s", c.String(), strings.Join(args, " "), dir)
	}
	tool, ok := s.lookPath(args[0])
	if !ok {
		return fmt.Errorf("apply %s: %s is not installed (not on PATH): run `%s` in %s", c.String(), args[0], strings.Join(args, " "), dir)
	}
	st, err := fix.RunCommand(ctx, fix.Command{
		Name: args[0] + " " + args[1], Dir: dir, Args: append([]string{tool}, args[1:]...),
		Env: s.env, Timeout: s.commandTimeout(),
	})
	st.Command = strings.Join(args, " ")
	if err != nil {
		return err
	}
	s.log.Debug("lock command", "args", args, "ok", st.OK, "duration", st.Duration)
	if !st.OK {
		return &fix.StepError{Step: st}
	}
	pkgs, err := extract(ctx, dir, lock)
	if err != nil {
		return fmt.Errorf("apply %s: after `%s`: %w", c.String(), st.Command, err)
	}
	norm := ecosystem.NormalizePyPI(c.Package)
	to, err := pep440.Ordering{}.Parse(c.To)
	if err != nil {
		return fmt.Errorf("apply %s: version %q: %w", c.String(), c.To, err)
	}
	for _, p := range pkgs {
		if ecosystem.NormalizePyPI(p.Name) != norm {
			continue
		}
		v, err := pep440.Ordering{}.Parse(p.Version)
		if err != nil || v.Compare(to) < 0 {
			return fmt.Errorf("apply %s: after `%s`, %s has %s at %s, below %s: a constraint of the project or of a package that depends on it holds it back; raise that constraint", c.String(), st.Command, lock, norm, p.Version, c.To)
		}
	}
	return nil
}
