// Package vendormodules extracts Go modules from vendor/modules.txt, the
// list `go mod vendor` writes of the modules whose packages it copied into
// the vendor directory.
//
// # Format
//
// Each module starts with a line "# path version", followed by annotation
// lines ("## explicit", "## explicit; go 1.21") and one line per vendored
// package. A replaced module's line carries the replacement: "# old v1.0.0
// => new v1.2.0", or "# old v1.0.0 => ../old" for a local directory. After
// the modules, Go records replace directives that applied to no vendored
// module ("# old => new v1.2.0", "# old v1.0.0 => new v1.2.0" with no
// packages); files written before Go 1.14 have no annotations.
//
// # What is listed
//
// Every module that provides vendored packages or is marked explicit (a
// requirement of go.mod) is one [inventory.Package], at the line of its "#"
// line, with the version spelled as Go does ("v1.2.3", pseudo-versions,
// "+incompatible"). Replacement-only lines are not modules of the build and
// are not listed. A module replaced by another is listed under the
// replacement's path and version, with a Note naming the original; a module
// replaced by a local directory keeps its path, has an empty Version (its
// code comes from that directory, so there is no version that advisories
// could be matched against) and says so in the Note, as the go.mod
// extractor does. The Go standard library is not listed: modules.txt does
// not say which Go builds the module.
//
// # Relation
//
// When the go.mod beside the vendor directory can be read, a module it
// requires without "// indirect" is direct and every other module
// transitive. Without it, a module marked explicit is taken as direct and
// the others as transitive; this is approximate from Go 1.17 on, where
// go.mod (and so "## explicit") also lists indirect requirements. A file
// without any annotation (before Go 1.14) and without a go.mod leaves the
// relation unknown. Go has no development-only modules, so the scope is
// unknown.
//
// # Errors
//
// A line that is neither a module, an annotation nor a package import path
// is reported with its line number, as is a package or annotation line
// before the first module; the rest of the file is still listed. After ten
// such errors the file is taken for another format and the count of the
// rest is reported instead. An empty file lists nothing.
//
// The directory walker skips directories named vendor, so files are only
// offered to this extractor when the walker is told to look inside them.
package vendormodules

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the extractor.
const Name = "golang/vendormodules"

// Extractor extracts Go modules from vendor/modules.txt files.
type Extractor struct{}

// New returns a vendor/modules.txt [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a modules.txt in a directory named
// vendor.
func (e *Extractor) FileRequired(p string) bool {
	return p == "vendor/modules.txt" || strings.HasSuffix(p, "/vendor/modules.txt")
}

// maxErrors is how many bad lines are reported one by one.
const maxErrors = 10

// vendored is one module line of modules.txt.
type vendored struct {
	mod      module.Version
	repl     module.Version // Path "" when not replaced; Version "" for a directory
	line     int
	explicit bool
	packages bool
}

// Extract lists the modules of the vendor/modules.txt in in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	mods, annotated, errs, err := parse(ctx, in.Path, data)
	if err != nil {
		return inventory.Inventory{}, err
	}
	if len(errs) > maxErrors {
		more := len(errs) - maxErrors
		errs = append(errs[:maxErrors:maxErrors], &inventory.ParseError{Path: in.Path,
			Err: fmt.Errorf("%d more errors (is this really a vendor/modules.txt?)", more)})
	}

	required, err := readGoMod(in)
	if err != nil {
		errs = append(errs, err)
	}
	var pkgs []inventory.Package
	for _, v := range mods {
		if !v.packages && !v.explicit {
			continue // a replacement that no vendored package uses
		}
		p := inventory.Package{
			Ecosystem: inventory.Go,
			Name:      v.mod.Path,
			Version:   v.mod.Version,
			Relation:  relation(v, required, annotated),
			Location:  inventory.Location{File: in.Path, Line: v.line},
		}
		switch {
		case v.repl.Path != "" && v.repl.Version == "":
			p.Version = ""
			p.Note = fmt.Sprintf("replaced by local directory %q: the code comes from that directory, not from %s %s, so it has no version to match advisories against",
				v.repl.Path, v.mod.Path, v.mod.Version)
		case v.repl.Path != "":
			p.Name, p.Version = v.repl.Path, v.repl.Version
			p.Note = fmt.Sprintf("replaced: %s %s => %s %s", v.mod.Path, v.mod.Version, v.repl.Path, v.repl.Version)
		}
		pkgs = append(pkgs, p)
	}
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
}

// parse reads modules.txt. annotated reports whether any "##" line was
// seen (Go 1.14 and later write them). The error is ctx's when it is done;
// errs are the bad lines.
func parse(ctx context.Context, file string, data []byte) (mods []vendored, annotated bool, errs []error, err error) {
	// state says what the lines after a "#" line belong to.
	const (
		beforeFirst = iota // no "#" line yet
		inModule           // a module: cur
		inWildcard         // a replace directive for every version
		inBadModule        // a module line that did not parse (reported)
	)
	state := beforeFirst
	var cur *vendored
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	for n := 1; sc.Scan(); n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, false, nil, err
			}
		}
		line := strings.TrimRight(sc.Text(), "\r")
		bad := func(format string, args ...any) {
			errs = append(errs, inventory.Errorf(file, n, format, args...))
		}
		switch {
		case strings.TrimSpace(line) == "":
			continue
		case strings.HasPrefix(line, "# "):
			if cur != nil {
				mods = append(mods, *cur)
				cur = nil
			}
			v, wildcard, err := parseModuleLine(line)
			switch {
			case err != nil:
				state = inBadModule
				bad("%v", err)
			case wildcard:
				state = inWildcard
			default:
				state = inModule
				v.line = n
				cur = &v
			}
		case strings.HasPrefix(line, "## "):
			annotated = true
			switch state {
			case beforeFirst:
				bad("annotation %q before any module line", line)
			case inModule:
				for _, a := range strings.Split(line[len("## "):], ";") {
					if strings.TrimSpace(a) == "explicit" {
						cur.explicit = true
					}
					// Other annotations ("go 1.21") are not needed.
				}
			}
		default:
			f := strings.Fields(line)
			if len(f) != 1 || module.CheckImportPath(f[0]) != nil {
				bad("unexpected line %q: want \"# module version\", \"## annotations\" or a package import path", line)
				continue
			}
			switch state {
			case beforeFirst:
				bad("package %q before any module line", f[0])
			case inWildcard:
				bad("package %q listed under a replace directive, not a module", f[0])
			case inModule:
				cur.packages = true
			}
		}
	}
	if cur != nil {
		mods = append(mods, *cur)
	}
	if err := sc.Err(); err != nil {
		return nil, false, nil, fmt.Errorf("read %q: %w", file, err)
	}
	return mods, annotated, errs, nil
}

// parseModuleLine parses "# path version [=> replacement]" and "# path =>
// replacement". wildcard is true for the latter, which names no module.
func parseModuleLine(line string) (v vendored, wildcard bool, err error) {
	f := strings.Fields(line[len("# "):])
	switch {
	case len(f) >= 2 && semver.IsValid(f[1]):
		v.mod = module.Version{Path: f[0], Version: f[1]}
		f = f[2:]
	case len(f) >= 2 && f[0] != "" && f[1] == "=>":
		v.mod = module.Version{Path: f[0]}
		wildcard = true
		f = f[1:]
	default:
		return vendored{}, false, fmt.Errorf("module line %q: want \"# path version\"", line)
	}
	switch {
	case len(f) == 0:
		if wildcard {
			return vendored{}, false, fmt.Errorf("module line %q: nothing after \"=>\"", line)
		}
	case f[0] != "=>":
		return vendored{}, false, fmt.Errorf("module line %q: unexpected %q after the version", line, f[0])
	case len(f) == 2:
		v.repl = module.Version{Path: f[1]}
	case len(f) == 3 && semver.IsValid(f[2]):
		v.repl = module.Version{Path: f[1], Version: f[2]}
	default:
		return vendored{}, false, fmt.Errorf("module line %q: want \"=> path version\" or \"=> directory\" after the module", line)
	}
	return v, wildcard, nil
}

// readGoMod reads the requirements of the go.mod beside the vendor
// directory: module path → required as indirect. It returns nil and no
// error when there is no go.mod.
func readGoMod(in *inventory.Input) (map[string]bool, error) {
	if in.FS == nil || in.FSPath == "" {
		return nil, nil
	}
	shown := path.Join(path.Dir(path.Dir(in.Path)), "go.mod")
	data, err := fs.ReadFile(in.FS, path.Join(path.Dir(path.Dir(in.FSPath)), "go.mod"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %q to tell direct dependencies: %w", shown, err)
	}
	f, err := modfile.ParseLax(shown, data, nil)
	if err != nil {
		return nil, fmt.Errorf("parse %q (relations taken from the explicit annotations): %w", shown, err)
	}
	required := make(map[string]bool, len(f.Require))
	for _, r := range f.Require {
		required[r.Mod.Path] = r.Indirect
	}
	return required, nil
}

// relation tells a module's relation from the go.mod requirements, or
// without them from the explicit annotation.
func relation(v vendored, required map[string]bool, annotated bool) inventory.Relation {
	switch {
	case required != nil:
		if indirect, ok := required[v.mod.Path]; ok && !indirect {
			return inventory.RelationDirect
		}
		return inventory.RelationTransitive
	case !annotated:
		return inventory.RelationUnknown
	case v.explicit:
		return inventory.RelationDirect
	}
	return inventory.RelationTransitive
}
