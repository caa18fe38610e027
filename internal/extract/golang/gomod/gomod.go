// Package gomod extracts Go modules from go.mod files, with the go.sum beside
// them for modules written for Go before 1.17.
//
// What is listed:
//
//   - Every require directive gives one package with the module path and the
//     version as go.mod spells it ("v1.2.3", a pseudo-version or
//     "v2.0.0+incompatible"; a shorthand such as "v1.2" is read as the go
//     command reads it, "v1.2.0"), at the line of the require. A require marked
//     "// indirect" is [inventory.RelationTransitive], any other
//     [inventory.RelationDirect]. The scope is left unknown: go.mod has no
//     notion of development-only modules (test dependencies of the main module
//     are required like any other).
//   - Replace directives are honoured the way the go command applies them: a
//     replacement for one version ("old v1.2.3 => new v1.4.0") applies only
//     to that version and wins over one for every version ("old => new
//     v1.4.0"). A module replaced by another module is listed under the
//     replacement's path and version, with a Note saying what was replaced. A
//     module replaced by a local directory ("old => ../old") is still listed,
//     under its own path, with an empty Version and a Note: its code comes from
//     that directory, so it has no version that advisories could be matched
//     against. Exclude and retract directives do not change the list.
//   - The Go standard library, as a package named [inventory.Stdlib] with the
//     Go version in the semantic-version form of the Go vulnerability
//     database ("1.22.3", "1.21.0-rc.1"). The version comes from the toolchain
//     line when there is one, else from the go line, and the Note says which.
//     Both lines give the oldest Go that builds the module; the Go actually
//     used may be newer, so this is the lower bound that advisories are
//     matched against. A go.mod with neither line gives no standard library
//     package: nothing in the file says which Go builds it. [Config.OmitStdlib]
//     leaves the package out altogether.
//   - For a go.mod whose go line is before 1.17, or that has no go line (the
//     go command then assumes 1.16), go.mod lists only the direct requirements
//     and whatever "go mod tidy" needed to record, not the whole module graph.
//     The go.sum beside it (read through [inventory.Input.FS]) then supplies
//     the rest: a module with a zip hash line ("path version h1:...", not the
//     "path version/go.mod h1:..." lines, which only attest a go.mod file) was
//     downloaded to build or test the module. Such modules that go.mod does
//     not require are added as transitive, each once at the highest version
//     go.sum records for it, located at that go.sum line. Minimal version
//     selection picks the highest required version, so this is close, but it
//     is an approximation: go.sum may keep hashes of versions that are no
//     longer selected and of modules needed only by tests of dependencies, and
//     every such package's Note says so. From Go 1.17 on, go.mod lists every
//     module the build needs, and go.sum is not read.
//
// Syntax and semantic errors come back as [*inventory.ParseError] values with
// the line golang.org/x/mod/modfile reports. When only some lines are wrong,
// those lines are skipped, the rest of the file is still listed, and the
// error names every skipped line.
package gomod

import (
	"context"
	"errors"
	"fmt"
	goversion "go/version"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/version/gover"
)

// Name identifies the extractor.
const Name = "golang/gomod"

// Config configures an [Extractor]. The zero value lists everything.
type Config struct {
	// OmitStdlib leaves out the package for the Go standard library that is
	// otherwise listed from the go.mod's toolchain or go line. Set it when
	// the Go toolchain is scanned some other way (e.g. from a built binary)
	// or when standard library advisories are not wanted.
	OmitStdlib bool
}

// Extractor extracts Go modules from go.mod (and go.sum) files.
type Extractor struct {
	cfg Config
}

// New returns an extractor configured by cfg.
func New(cfg Config) *Extractor {
	return &Extractor{cfg: cfg}
}

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether path names a go.mod file.
func (e *Extractor) FileRequired(p string) bool {
	return path.Base(p) == "go.mod"
}

// Extract lists the modules that the go.mod in in requires, and for modules
// before Go 1.17 those recorded in the go.sum beside it. It returns what it
// could list together with an error for what it could not.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	f, errs := parse(in.Path, data)
	if f == nil {
		return inventory.Inventory{}, errors.Join(errs...)
	}

	reps, repErrs := newReplacements(in.Path, f.Replace)
	errs = append(errs, repErrs...)

	var pkgs []inventory.Package
	seen := make(map[module.Version]bool)
	for _, r := range f.Require {
		if err := ctx.Err(); err != nil {
			return inventory.Inventory{}, err
		}
		rel := inventory.RelationDirect
		if r.Indirect {
			rel = inventory.RelationTransitive
		}
		pkg := inventory.Package{
			Ecosystem: inventory.Go,
			Name:      r.Mod.Path,
			Version:   r.Mod.Version,
			Relation:  rel,
			Location:  inventory.Location{File: in.Path, Line: r.Syntax.Start.Line},
		}
		reps.apply(&pkg, r.Mod)
		key := module.Version{Path: pkg.Name, Version: pkg.Version}
		if seen[key] {
			continue // the same requirement written twice
		}
		seen[key] = true
		pkgs = append(pkgs, pkg)
	}

	if !e.cfg.OmitStdlib {
		pkg, ok, err := stdlib(in.Path, f)
		if err != nil {
			errs = append(errs, err)
		}
		if ok {
			pkgs = append(pkgs, pkg)
		}
	}
	// Keep go.mod order: the go and toolchain lines usually come before
	// the requires.
	sort.SliceStable(pkgs, func(i, j int) bool { return pkgs[i].Location.Line < pkgs[j].Location.Line })

	if before117(f) {
		sumPkgs, err := fromGoSum(ctx, in, f, reps, seen)
		if err != nil {
			errs = append(errs, err)
		}
		pkgs = append(pkgs, sumPkgs...)
	}
	return inventory.Inventory{Packages: pkgs, Roots: roots(pkgs)}, errors.Join(errs...)
}

// roots gives each package its module path as ID and returns the direct
// ones (the standard library included): the module's edges. go.mod and
// go.sum record no edges between the other modules, so DependsOn stays
// empty; `go mod graph` would need the modules' own go.mod files.
func roots(pkgs []inventory.Package) []string {
	var out []string
	seen := map[string]bool{}
	for i := range pkgs {
		p := &pkgs[i]
		if seen[p.Name] {
			continue // a second entry of one module (version-specific replace) keeps no ID
		}
		seen[p.Name] = true
		p.ID = p.Name
		if p.Relation == inventory.RelationDirect {
			out = append(out, p.ID)
		}
	}
	return out
}

// parse parses a go.mod. When some lines are wrong, it blanks them out and
// parses again, so that the rest of the file is still listed; it returns nil
// when that does not give a valid file either. Every error names its line.
func parse(p string, data []byte) (*modfile.File, []error) {
	f, err := modfile.Parse(p, data, nil)
	if err == nil {
		return f, nil
	}
	errs, lines := convertErrors(p, err)
	if len(errs) > maxErrors {
		// A file in another format fails on nearly every line.
		more := len(errs) - maxErrors
		errs = append(errs[:maxErrors:maxErrors], &inventory.ParseError{Path: p,
			Err: fmt.Errorf("%d more errors (is this really a go.mod file?)", more)})
	}
	if len(lines) == 0 {
		return nil, errs
	}
	f, err = modfile.Parse(p, blankLines(data, lines), nil)
	if err != nil {
		return nil, errs
	}
	return f, errs
}

// maxErrors is how many go.mod errors are reported one by one.
const maxErrors = 10

// convertErrors turns a modfile error into [*inventory.ParseError] values
// for path p, and returns the lines they point at.
func convertErrors(p string, err error) ([]error, map[int]bool) {
	var list modfile.ErrorList
	if !errors.As(err, &list) {
		return []error{&inventory.ParseError{Path: p, Err: err}}, nil
	}
	errs := make([]error, 0, len(list))
	lines := make(map[int]bool)
	for _, e := range list {
		pe := &inventory.ParseError{Path: p, Line: e.Pos.Line, Err: e.Err}
		if e.Pos.LineRune > 1 {
			pe.Column = e.Pos.LineRune
		}
		switch {
		case e.ModPath != "":
			pe.Err = fmt.Errorf("%s %s: %w", e.Verb, e.ModPath, e.Err)
		case e.Verb != "":
			pe.Err = fmt.Errorf("%s: %w", e.Verb, e.Err)
		}
		errs = append(errs, pe)
		if e.Pos.Line > 0 {
			lines[e.Pos.Line] = true
		}
	}
	return errs, lines
}

// blankLines returns a copy of data with the given 1-based lines turned into
// spaces, keeping every other line (and so every line number) as it was.
func blankLines(data []byte, lines map[int]bool) []byte {
	out := make([]byte, len(data))
	line := 1
	for i, b := range data {
		switch {
		case b == '\n':
			line++
			out[i] = b
		case lines[line]:
			out[i] = ' '
		default:
			out[i] = b
		}
	}
	return out
}

// replacements are the replace directives of a go.mod, keyed by the module
// they replace; a key with an empty version replaces every version.
type replacements map[module.Version]*modfile.Replace

func newReplacements(p string, rs []*modfile.Replace) (replacements, []error) {
	reps := make(replacements, len(rs))
	var errs []error
	for _, r := range rs {
		if prev, ok := reps[r.Old]; ok {
			if prev.New != r.New {
				// The go command refuses such a file; keep the first so
				// the list does not depend on which one the reader saw last.
				errs = append(errs, inventory.Errorf(p, r.Syntax.Start.Line,
					"replace %s: conflicts with the replacement on line %d; using that one", fmtMod(r.Old), prev.Syntax.Start.Line))
			}
			continue
		}
		reps[r.Old] = r
	}
	return reps, errs
}

// lookup returns the replacement that applies to m: one for its exact
// version over one for every version.
func (reps replacements) lookup(m module.Version) *modfile.Replace {
	if r, ok := reps[m]; ok {
		return r
	}
	return reps[module.Version{Path: m.Path}]
}

// apply rewrites pkg, declared as the requirement m, for the replacement of
// m if there is one.
func (reps replacements) apply(pkg *inventory.Package, m module.Version) {
	r := reps.lookup(m)
	if r == nil {
		return
	}
	if r.New.Version == "" {
		pkg.Version = ""
		pkg.Note = fmt.Sprintf("replaced by local directory %q (replace on line %d): the code comes from that directory, not from %s, so it has no version to match advisories against",
			r.New.Path, r.Syntax.Start.Line, fmtMod(m))
		return
	}
	pkg.Name = r.New.Path
	pkg.Version = r.New.Version
	pkg.Note = fmt.Sprintf("replaced: %s => %s (replace on line %d)", fmtMod(m), fmtMod(r.New), r.Syntax.Start.Line)
}

// covers reports whether path is a module that a replacement puts in place
// of another one.
func (reps replacements) covers(p string) bool {
	for _, r := range reps {
		if r.New.Version != "" && r.New.Path == p {
			return true
		}
	}
	return false
}

func fmtMod(m module.Version) string {
	if m.Version == "" {
		return m.Path
	}
	return m.Path + " " + m.Version
}

// stdlib returns the package for the Go standard library, from the toolchain
// line or else the go line. ok is false when neither gives a version; err
// reports a line that could not be understood.
func stdlib(p string, f *modfile.File) (pkg inventory.Package, ok bool, err error) {
	mk := func(v string, line int, note string) inventory.Package {
		return inventory.Package{
			Ecosystem: inventory.Go,
			Name:      inventory.Stdlib,
			Version:   v,
			Relation:  inventory.RelationDirect,
			Location:  inventory.Location{File: p, Line: line},
			Note:      note,
		}
	}
	const minimum = "; the Go that builds the module may be newer"
	if t := f.Toolchain; t != nil && t.Name != "default" {
		// ToSemver drops a custom suffix ("go1.22.3-bigcorp"), as the
		// go command does when it compares toolchains.
		v, terr := gover.ToSemver(t.Name)
		if terr == nil {
			return mk(v, t.Syntax.Start.Line, fmt.Sprintf("Go version from the toolchain line (%s)%s", t.Name, minimum)), true, nil
		}
		err = inventory.Errorf(p, t.Syntax.Start.Line, "toolchain: %v; using the go line instead", terr)
	}
	if g := f.Go; g != nil {
		v, gerr := gover.ToSemver(g.Version)
		if gerr != nil {
			return pkg, false, errors.Join(err, inventory.Errorf(p, g.Syntax.Start.Line, "go: %v; no standard library package listed", gerr))
		}
		return mk(v, g.Syntax.Start.Line, fmt.Sprintf("Go version from the go line (go %s)%s", g.Version, minimum)), true, err
	}
	return pkg, false, err
}

// before117 reports whether f's module graph is unpruned: go.mod before Go
// 1.17 (or without a go line, which the go command reads as 1.16) lists only
// some of the modules the build needs.
func before117(f *modfile.File) bool {
	return f.Go == nil || goversion.Compare("go"+f.Go.Version, "go1.17") < 0
}

// sumLine is one zip-hash line of a go.sum.
type sumLine struct {
	mod  module.Version
	line int
}

// fromGoSum lists the modules of the go.sum beside the go.mod in in that are
// not already listed: each once, at the highest version go.sum records.
// listed holds the (path, version) of the packages already listed.
func fromGoSum(ctx context.Context, in *inventory.Input, f *modfile.File, reps replacements, listed map[module.Version]bool) ([]inventory.Package, error) {
	if in.FS == nil {
		return nil, nil
	}
	sumPath := path.Join(path.Dir(in.Path), "go.sum")
	data, err := fs.ReadFile(in.FS, path.Join(path.Dir(in.FSPath), "go.sum"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // a module without dependencies needs no go.sum
	}
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", sumPath, err)
	}
	lines, errs := parseGoSum(ctx, sumPath, data)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	required := make(map[string]bool, len(f.Require))
	for _, r := range f.Require {
		required[r.Mod.Path] = true
	}
	var order []string
	best := make(map[string]sumLine)
	count := make(map[string]int)
	for _, l := range lines {
		p := l.mod.Path
		if required[p] || reps.covers(p) {
			continue
		}
		count[p]++
		cur, ok := best[p]
		if !ok {
			order = append(order, p)
		}
		if !ok || semver.Compare(l.mod.Version, cur.mod.Version) > 0 {
			best[p] = l
		}
	}

	goLine := "has no go line (the go command assumes go 1.16)"
	if f.Go != nil {
		goLine = fmt.Sprintf("says go %s", f.Go.Version)
	}
	var pkgs []inventory.Package
	for _, p := range order {
		l := best[p]
		note := fmt.Sprintf("from go.sum: go.mod %s, before 1.17, so it does not list every module of the build; "+
			"the highest of the %d version(s) go.sum records is taken, an approximation of minimal version selection", goLine, count[p])
		pkg := inventory.Package{
			Ecosystem: inventory.Go,
			Name:      p,
			Version:   l.mod.Version,
			Relation:  inventory.RelationTransitive,
			Location:  inventory.Location{File: sumPath, Line: l.line},
		}
		reps.apply(&pkg, l.mod)
		if pkg.Note != "" {
			note += "; " + pkg.Note
		}
		pkg.Note = note
		key := module.Version{Path: pkg.Name, Version: pkg.Version}
		if listed[key] {
			continue
		}
		listed[key] = true
		pkgs = append(pkgs, pkg)
	}
	return pkgs, errors.Join(errs...)
}

// parseGoSum returns the zip-hash lines of a go.sum, skipping the lines that
// only attest go.mod files. Each malformed line gives an error.
func parseGoSum(ctx context.Context, p string, data []byte) ([]sumLine, []error) {
	var (
		out  []sumLine
		errs []error
	)
	for i, text := range strings.Split(string(data), "\n") {
		if i%256 == 0 && ctx.Err() != nil {
			return out, errs
		}
		n := i + 1
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 3 {
			errs = append(errs, inventory.Errorf(p, n, "malformed go.sum line: want \"module version hash\", got %d fields", len(fields)))
			continue
		}
		v, modOnly := strings.CutSuffix(fields[1], "/go.mod")
		if err := module.Check(fields[0], v); err != nil {
			errs = append(errs, inventory.Errorf(p, n, "malformed go.sum line: %v", err))
			continue
		}
		if modOnly {
			continue
		}
		out = append(out, sumLine{mod: module.Version{Path: fields[0], Version: v}, line: n})
	}
	return out, errs
}
