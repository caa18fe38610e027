// Package scan runs patchline's pipeline for a set of paths: find the files
// extractors can read, extract their packages, match them against the
// vulnerability database, apply suppressions, and send everything as
// messages to a [report.Handler].
package scan

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/patchline/patchline/internal/config"
	"github.com/patchline/patchline/internal/db"
	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/exploit"
	"github.com/patchline/patchline/internal/extract"
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/match"
	"github.com/patchline/patchline/internal/osv"
	"github.com/patchline/patchline/internal/priority"
	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/severity"
	"github.com/patchline/patchline/internal/vex"
)

// Scanner holds what a scan needs. The zero value is not usable: set
// Extractors and DB.
type Scanner struct {
	Extractors []inventory.Extractor
	DB         *db.DB
	Tool       result.Tool
	Logger     *slog.Logger
	// Config, when set, applies to every path; otherwise each path uses
	// the .patchline.yaml at its root, if any.
	Config *config.Config
	// Now is the clock suppression expiry is checked against.
	Now func() time.Time
	// Exploit, when set, adds EPSS scores and KEV status to findings.
	Exploit *exploit.Store
	// OnInventory, when set, receives each file's inventory after
	// extraction (packages' Location.File filled in), for outputs that need
	// more than the result, such as an SBOM's dependency graph.
	OnInventory func(extract.File, inventory.Inventory)
	// VEX, when set, holds statements that suppress (not_affected, fixed)
	// or annotate (affected, under_investigation) the findings they name.
	VEX *vex.Statements
	// Reachability is the deepest reachability analysis to run: "off",
	// "module", "package" or "symbol" ("" means symbol: the deepest that
	// needs no network).
	Reachability string
}

// Summary counts what a scan reported, for the exit code.
type Summary struct {
	Packages int
	// Findings counts reported (not suppressed) findings by level.
	Findings map[severity.Level]int
	// Suppressed counts findings a suppression accepted.
	Suppressed int
	// Expired counts the findings that an expired suppression would have
	// accepted: the scan reports them again, and CI should fail loudly.
	Expired int
	// FileErrors counts the errors of files that failed to parse in whole
	// or in part.
	FileErrors int
}

// Total returns the number of reported findings.
func (s *Summary) Total() int {
	n := 0
	for _, c := range s.Findings {
		n += c
	}
	return n
}

// AtLeast returns the number of reported findings at or above level.
func (s *Summary) AtLeast(level severity.Level) int {
	n := 0
	for l, c := range s.Findings {
		if l >= level {
			n += c
		}
	}
	return n
}

// run is the state of one scan.
type run struct {
	*Scanner
	ctx     context.Context
	h       report.Handler
	sum     *Summary
	matcher match.Matcher
	// warned de-duplicates warnings about advisories that could not be evaluated.
	warned map[string]bool
	// seen lists the ecosystems of the scanned packages.
	seen map[string]bool
	// declared records the packages already reported, by where they are
	// declared: a file included by another (requirements.txt -r) and also
	// scanned on its own yields its packages once.
	declared map[inventory.Location]map[string]bool
	// configs caches the configuration that applies in each directory.
	configs map[string]*config.Config
}

// Run scans paths (files or directories) and reports to h. It returns an
// error only when the scan could not run at all (a path that does not exist,
// an unreadable database, a handler failure); per-file failures are reported
// as [result.FileError] messages and counted in the summary.
func (s *Scanner) Run(ctx context.Context, paths []string, h report.Handler) (*Summary, error) {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Tool.Name == "" {
		s.Tool.Name = "patchline"
	}
	r := &run{Scanner: s, ctx: ctx, h: h, sum: &Summary{Findings: map[severity.Level]int{}}, warned: map[string]bool{}, seen: map[string]bool{}, declared: map[inventory.Location]map[string]bool{}, configs: map[string]*config.Config{}}
	var dbInfo []result.Database
	for _, info := range s.DB.Status() {
		dbInfo = append(dbInfo, result.Database{Ecosystem: info.Ecosystem, Entries: info.Entries, NewestModified: info.NewestModified, Imported: info.Imported, Source: info.Source})
	}
	if err := h.Start(&report.Start{Tool: s.Tool, Database: dbInfo}); err != nil {
		return nil, err
	}
	for _, w := range s.Exploit.Warnings(s.Now(), exploit.DefaultLimits()) {
		r.warn("", w)
	}
	if s.VEX != nil {
		for _, w := range s.VEX.Warnings {
			r.warn("", w)
		}
	}
	for _, p := range paths {
		if err := r.path(p); err != nil {
			return r.sum, err
		}
	}
	var missing []string
	for eco := range r.seen {
		if !s.DB.Has(eco) {
			missing = append(missing, eco)
		}
	}
	sort.Strings(missing)
	for _, eco := range missing {
		if err := h.Warning(&result.Warning{Message: fmt.Sprintf("the database has no %s advisories: %s packages were not checked (run `patchline db update --ecosystem %s`)", eco, eco, eco)}); err != nil {
			return r.sum, err
		}
	}
	return r.sum, h.Finish()
}

// path scans one command-line argument.
func (r *run) path(p string) error {
	info, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("scan %q: %w", p, err)
	}
	if info.IsDir() {
		return extract.Walk(r.ctx, p, r.Extractors, r.file, func(pr extract.Problem) {
			r.warn(pr.Path, pr.Err.Error())
		})
	}
	rootFS, err := os.OpenRoot(filepath.Dir(p))
	if err != nil {
		return fmt.Errorf("scan %q: %w", p, err)
	}
	defer rootFS.Close()
	base := filepath.Base(p)
	for _, x := range r.Extractors {
		if x.FileRequired(base) {
			return r.file(extract.File{Path: filepath.ToSlash(p), FSPath: base, OSPath: p, FS: rootFS.FS(), Extractor: x})
		}
	}
	// Not known by name: maybe by content (a Go binary). Named on the
	// command line, a file that turns out not to be one is an error.
	header, err := extract.ReadHeader(rootFS.FS(), base)
	if err != nil {
		return fmt.Errorf("scan %q: %w", p, err)
	}
	for _, x := range r.Extractors {
		if cx, ok := x.(inventory.ContentExtractor); ok && cx.FileRequiredByContent(base, header) {
			return r.file(extract.File{Path: filepath.ToSlash(p), FSPath: base, OSPath: p, FS: rootFS.FS(), Extractor: x})
		}
	}
	r.sum.FileErrors++
	return r.h.FileError(&result.FileError{Source: filepath.ToSlash(p), Error: "not a file patchline can read: see docs/formats.md for the supported files and their names"})
}

// ConfigError is an invalid configuration file: the scan stops, as the user
// must fix it.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// configFor returns the configuration that applies to a file: the
// Scanner's own when set, else the nearest .patchline.yaml in the file's
// directory or above it, up to the scanned root. Monorepos keep one file at
// the root and override it where a project needs to.
func (r *run) configFor(f extract.File) (*config.Config, error) {
	if r.Config != nil {
		return r.Config, nil
	}
	dir := path.Dir(f.FSPath)
	var visited []string
	var found *config.Config
	for {
		key := fmt.Sprintf("%p\x00%s", f.FS, dir)
		if c, ok := r.configs[key]; ok {
			found = c
			break
		}
		visited = append(visited, key)
		data, err := fs.ReadFile(f.FS, path.Join(dir, config.FileName))
		if err == nil {
			display := path.Join(path.Dir(f.Path), relUp(path.Dir(f.FSPath), dir), config.FileName)
			c, err := config.Parse(display, data)
			if err != nil {
				return nil, &ConfigError{Err: err}
			}
			found = c
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, &ConfigError{Err: fmt.Errorf("config: %w", err)}
		}
		if dir == "." {
			break
		}
		dir = path.Dir(dir)
	}
	for _, k := range visited {
		r.configs[k] = found
	}
	return found, nil
}

// relUp returns the relative path from directory from up to its ancestor to.
func relUp(from, to string) string {
	up := "."
	for d := from; d != to && d != "."; d = path.Dir(d) {
		up = path.Join(up, "..")
	}
	return up
}

func (r *run) warn(source, msg string) {
	// A handler error here resurfaces at Finish; warnings never stop a scan.
	_ = r.h.Warning(&result.Warning{Source: source, Message: msg})
}

// file extracts, matches and reports one file.
func (r *run) file(f extract.File) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	cfg, err := r.configFor(f)
	if err != nil {
		return err
	}
	inv, err := r.extract(f)
	if f.ByContent && errors.Is(err, inventory.ErrNotRecognized) {
		// An executable found in a directory walk that is not one of ours
		// (say, a C program): not a dependency manifest, nothing to report.
		r.Logger.Debug("passed over", "file", f.Path, "reason", err)
		return nil
	}
	for _, fe := range fileErrors(f, err) {
		if fe.unresolved {
			// The file parsed; what it refers to is elsewhere.
			where := fe.Source
			if fe.Line > 0 {
				where = fmt.Sprintf("%s:%d", fe.Source, fe.Line)
			}
			r.warn(where, fe.Error)
			continue
		}
		r.sum.FileErrors++
		if err := r.h.FileError(&fe.FileError); err != nil {
			return err
		}
	}
	r.Logger.Debug("extracted", "file", f.Path, "extractor", f.Extractor.Name(), "packages", len(inv.Packages), "err", err)
	if err := r.h.Source(&result.Source{Path: f.Path, Project: path.Dir(f.Path), Extractor: f.Extractor.Name(), Packages: len(inv.Packages)}); err != nil {
		return err
	}
	r.sum.Packages += len(inv.Packages)
	reported := map[string]bool{} // package@version#id already reported for this file
	var pending []*result.Finding
	for i := range inv.Packages {
		p := &inv.Packages[i]
		if p.Location.File == "" {
			p.Location.File = f.Path
		}
		key := p.Ecosystem + "\x00" + p.Name + "\x00" + p.Version + "\x00" + p.Requirement
		if r.declared[p.Location][key] {
			continue
		}
		if r.declared[p.Location] == nil {
			r.declared[p.Location] = map[string]bool{}
		}
		r.declared[p.Location][key] = true
		if p.Ecosystem != "" {
			r.seen[osv.BaseEcosystem(p.Ecosystem)] = true
		}
		rp := &result.Package{
			Source: p.Location.File, Line: p.Location.Line, Ecosystem: p.Ecosystem, Name: p.Name, Version: p.Version,
			Requirement: p.Requirement, PURL: inventory.PURL(*p), Relation: string(p.Relation), Scope: string(p.Scope), Note: p.Note,
		}
		if err := r.h.Package(rp); err != nil {
			return err
		}
		if p.Version == "" {
			continue
		}
		findings, err := r.match(p.Location.File, p, rp.PURL)
		if err != nil {
			return err
		}
		for i := range findings {
			fd := &findings[i]
			key := p.Name + "@" + p.Version + "#" + fd.ID
			if reported[key] {
				continue
			}
			reported[key] = true
			pending = append(pending, fd)
		}
	}
	if r.OnInventory != nil {
		r.OnInventory(f, inv)
	}
	// Enrichers see all of a file's findings at once: reachability
	// analyses the project the file belongs to in one pass.
	if err := r.enrich(f, inv.Packages, pending); err != nil {
		return err
	}
	for _, fd := range pending {
		fd.Priority = priority.Of(fd)
		if err := r.emit(fd, cfg); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) extract(f extract.File) (inventory.Inventory, error) {
	fh, err := f.FS.Open(f.FSPath)
	if err != nil {
		return inventory.Inventory{}, err
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return inventory.Inventory{}, err
	}
	in := &inventory.Input{Path: f.Path, FS: f.FS, FSPath: f.FSPath, Reader: fh, Info: info}
	return f.Extractor.Extract(r.ctx, in)
}

// fileError is a failure an extractor returned; unresolved ones are
// reported as warnings (see [inventory.ErrUnresolved]).
type fileError struct {
	result.FileError
	unresolved bool
}

// fileErrors flattens an extractor's error into messages, one per position.
func fileErrors(f extract.File, err error) []fileError {
	if err == nil {
		return nil
	}
	if multi, ok := err.(interface{ Unwrap() []error }); ok {
		var out []fileError
		for _, e := range multi.Unwrap() {
			out = append(out, fileErrors(f, e)...)
		}
		return out
	}
	fe := fileError{FileError: result.FileError{Source: f.Path, Extractor: f.Extractor.Name(), Error: err.Error()}, unresolved: errors.Is(err, inventory.ErrUnresolved)}
	var pe *inventory.ParseError
	if errors.As(err, &pe) {
		fe.Line, fe.Column = pe.Line, pe.Column
		fe.Error = pe.Err.Error()
		if pe.Path != "" && pe.Path != f.Path {
			fe.Source = pe.Path // an included file, e.g. -r in requirements.txt
		}
	}
	return []fileError{fe}
}

// emit applies suppressions and reports one finding.
func (r *run) emit(fd *result.Finding, cfg *config.Config) error {
	ids := append([]string{fd.ID}, fd.Aliases...)
	if r.VEX != nil {
		if st, ok := r.VEX.Match(ids, fd.PURL); ok {
			fd.VEX = &result.VEXStatement{Status: string(st.Status), Justification: string(st.Justification), Impact: st.ImpactStatement,
				Action: st.ActionStatement, Source: st.Source(), Format: string(st.Document.Format), Document: st.Document.ID}
			if st.Status.Suppresses() {
				fd.Suppression = st.Suppression(ids)
				r.sum.Suppressed++
				return r.h.Suppressed(fd)
			}
		}
	}
	s, expired := cfg.Match(config.Finding{IDs: ids, PURL: fd.PURL, Source: fd.Source}, r.Now())
	if len(expired) > 0 && s == nil {
		r.sum.Expired++
	}
	for _, e := range expired {
		r.warn(fd.Source, fmt.Sprintf("suppression of %s (%s:%d) expired on %s: %s@%s is reported again", e.ID, cfg.Path, e.Line, e.Expires, fd.Package, fd.Version))
	}
	if s != nil {
		fd.Suppression = &result.Suppression{ID: s.ID, Reason: s.Reason, Owner: s.Owner, Expires: s.Expires, Config: filepath.ToSlash(cfg.Path)}
		r.sum.Suppressed++
		return r.h.Suppressed(fd)
	}
	r.sum.Findings[fd.Severity.Level]++
	return r.h.Finding(fd)
}

// hit is one advisory affecting a package.
type hit struct {
	entry *osv.Entry
	hits  []match.Hit
}

// match finds the vulnerabilities of one package, one finding per
// vulnerability: advisories that name each other as aliases are merged.
func (r *run) match(source string, p *inventory.Package, purl string) ([]result.Finding, error) {
	entries, err := r.DB.Lookup(p.Ecosystem, p.Name)
	if err != nil {
		return nil, err
	}
	mp := match.Package{Ecosystem: p.Ecosystem, Name: p.Name, Version: p.Version}
	var found []hit
	for _, e := range entries {
		hits, problems := r.matcher.Affects(e, mp)
		for _, pr := range problems {
			key := source + "\x00" + p.Name + "\x00" + pr.ID + "\x00" + pr.Reason
			if !r.warned[key] {
				r.warned[key] = true
				r.warn(source, fmt.Sprintf("%s@%s against %s: %s", p.Name, p.Version, pr.ID, pr.Reason))
			}
		}
		if len(hits) > 0 {
			found = append(found, hit{entry: e, hits: hits})
		}
	}
	if len(found) == 0 {
		return nil, nil
	}
	groups := groupByAlias(found)
	out := make([]result.Finding, 0, len(groups))
	for _, g := range groups {
		out = append(out, r.finding(source, p, purl, g))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// groupByAlias partitions the hits into vulnerabilities: the closure of the
// relation "names the other's id or shares an alias with it".
func groupByAlias(found []hit) [][]hit {
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		for parent[x] != "" && parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	union := func(a, b string) {
		ra, rb := find(a), find(b)
		if parent[ra] == "" {
			parent[ra] = ra
		}
		if parent[rb] == "" {
			parent[rb] = rb
		}
		if ra != rb {
			parent[ra] = rb
		}
	}
	for _, h := range found {
		union(h.entry.ID, h.entry.ID)
		for _, a := range h.entry.Aliases {
			union(h.entry.ID, a)
		}
	}
	byRoot := map[string][]hit{}
	var roots []string
	for _, h := range found {
		root := find(h.entry.ID)
		if _, ok := byRoot[root]; !ok {
			roots = append(roots, root)
		}
		byRoot[root] = append(byRoot[root], h)
	}
	out := make([][]hit, 0, len(roots))
	for _, root := range roots {
		out = append(out, byRoot[root])
	}
	return out
}

// idRank orders candidate primary ids: an ecosystem database's own id
// (GO-, PYSEC-, RUSTSEC-, ...) first, as it carries the most precise
// package data, then GHSA, then CVE.
func idRank(id string) int {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return 2
	case strings.HasPrefix(id, "GHSA-"):
		return 1
	}
	return 0
}

// finding builds the finding of one vulnerability from its advisories.
func (r *run) finding(source string, p *inventory.Package, purl string, g []hit) result.Finding {
	slices.SortFunc(g, func(a, b hit) int {
		if d := idRank(a.entry.ID) - idRank(b.entry.ID); d != 0 {
			return d
		}
		return strings.Compare(a.entry.ID, b.entry.ID)
	})
	primary := g[0].entry
	f := result.Finding{
		Source: source, Line: p.Location.Line, Ecosystem: p.Ecosystem, Package: p.Name, Version: p.Version,
		PURL: purl, Relation: string(p.Relation), Scope: string(p.Scope), ID: primary.ID,
		Summary: summaryOf(primary), Published: primary.Published, Modified: primary.Modified,
		URL: "https://osv.dev/vulnerability/" + primary.ID, Note: p.Note,
		Aliases: []string{}, Advisories: []string{}, Fixed: []string{},
	}
	ids := map[string]bool{}
	fixed := map[string]bool{}
	for _, h := range g {
		f.Advisories = append(f.Advisories, h.entry.ID)
		ids[h.entry.ID] = true
		for _, a := range h.entry.Aliases {
			ids[a] = true
		}
		if f.Summary == "" {
			f.Summary = summaryOf(h.entry)
		}
		if h.entry.Modified.After(f.Modified) {
			f.Modified = h.entry.Modified
		}
		for _, hh := range h.hits {
			sev := severity.Of(h.entry, hh.Affected)
			if better(sev, f.Severity) {
				f.Severity = sev
			}
			for _, v := range hh.Fixed {
				fixed[v] = true
			}
		}
	}
	delete(ids, f.ID)
	for id := range ids {
		f.Aliases = append(f.Aliases, id)
	}
	sort.Slice(f.Aliases, func(i, j int) bool {
		ci, cj := result.IsCVE(f.Aliases[i]), result.IsCVE(f.Aliases[j])
		if ci != cj {
			return ci
		}
		return f.Aliases[i] < f.Aliases[j]
	})
	sort.Strings(f.Advisories)
	for v := range fixed {
		f.Fixed = append(f.Fixed, v)
	}
	sortVersions(p.Ecosystem, f.Fixed)
	r.addExploitation(&f)
	return f
}

// addExploitation adds the EPSS score and KEV status of the finding's CVE
// ids: the highest score, and KEV when any of them is listed.
func (r *run) addExploitation(f *result.Finding) {
	if r.Exploit == nil {
		return
	}
	var epssDate string
	for _, info := range r.Exploit.Info() {
		if info.Dataset == exploit.EPSS && !info.DataDate.IsZero() {
			epssDate = info.DataDate.Format(time.DateOnly)
		}
	}
	for _, cve := range f.CVEs() {
		if sc, ok := r.Exploit.EPSS(cve); ok && (f.EPSS == nil || sc.EPSS > f.EPSS.Score) {
			f.EPSS = &result.EPSS{CVE: cve, Score: sc.EPSS, Percentile: sc.Percentile, Date: epssDate}
		}
		if k, ok := r.Exploit.KEV(cve); ok && !f.KEV {
			f.KEV = true
			f.KEVEntry = &result.KEVEntry{CVE: cve, DateAdded: k.DateAdded, DueDate: k.DueDate, KnownRansomware: k.KnownRansomware()}
		}
	}
}

// better reports whether a is a more informative (scored, then higher)
// severity than b.
func better(a, b severity.Severity) bool {
	switch {
	case a.Score != nil && b.Score == nil:
		return true
	case a.Score == nil && b.Score != nil:
		return false
	case a.Score != nil && b.Score != nil:
		return *a.Score > *b.Score
	}
	return a.Level > b.Level
}

// sortVersions sorts versions by the ecosystem's order, unparsable ones last.
func sortVersions(eco string, vs []string) {
	e := ecosystem.Lookup(eco)
	if e == nil || e.Ordering == nil {
		sort.Strings(vs)
		return
	}
	sort.SliceStable(vs, func(i, j int) bool {
		a, erra := e.Ordering.Parse(vs[i])
		b, errb := e.Ordering.Parse(vs[j])
		switch {
		case erra != nil || errb != nil:
			return errb != nil && erra == nil
		}
		return a.Compare(b) < 0
	})
}

// summaryOf returns an entry's summary, or the first line of its details.
func summaryOf(e *osv.Entry) string {
	if s := strings.TrimSpace(e.Summary); s != "" {
		return s
	}
	d := strings.TrimSpace(e.Details)
	if i := strings.IndexByte(d, '\n'); i >= 0 {
		d = d[:i]
	}
	if r := []rune(d); len(r) > 200 {
		d = string(r[:197]) + "..."
	}
	return d
}
