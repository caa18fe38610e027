package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/patchline/patchline/internal/inventory"
)

// skipDirs are directories a scan never descends into: version control,
// installed dependency trees (their lockfiles describe other projects) and
// caches.
var skipDirs = map[string]bool{
	".git": true, ".hg": true, ".svn": true, ".bzr": true,
	"node_modules": true, "bower_components": true, "jspm_packages": true,
	"vendor": true, ".yarn": true, ".pnpm-store": true,
	"__pycache__": true, ".venv": true, "venv": true, ".tox": true, ".nox": true,
	".mypy_cache": true, ".pytest_cache": true, "site-packages": true,
}

// peekFiles names, for some skipped directories, the files in them that
// still describe the project: Go's vendor/modules.txt lists the vendored
// modules, while the rest of vendor/ is other projects' code.
var peekFiles = map[string][]string{"vendor": {"modules.txt"}}

// SkipDir reports whether a directory walk skips directories named name.
func SkipDir(name string) bool { return skipDirs[name] }

// File is one file a walk found, with the extractor that parses it.
type File struct {
	// Path is the file's path for reports: the root as given joined with
	// the path inside it, slash-separated.
	Path string
	// FSPath is the path inside FS.
	FSPath string
	// OSPath is the file's path in the operating system's terms, for
	// analyses that run tools on the project around it.
	OSPath    string
	FS        fs.FS
	Extractor inventory.Extractor
	// ByContent is set when the file was offered for its content (an
	// executable) rather than its name.
	ByContent bool
}

// Problem is something a walk could not do: a directory it could not read,
// a symlink leading out of the root, a symlink loop. The walk goes on.
type Problem struct {
	Path string
	Err  error
}

// Walk finds the files under root that one of extractors parses and calls
// found for each, in lexical order. It skips the directories of [SkipDir],
// follows symlinks only while they stay inside root (an escaping one is a
// problem), and reports a symlink loop as a problem instead of failing.
func Walk(ctx context.Context, root string, extractors []inventory.Extractor, found func(File) error, problem func(Problem)) error {
	r, err := os.OpenRoot(root)
	if err != nil {
		return fmt.Errorf("open %q: %w", root, err)
	}
	defer r.Close()
	fsys := r.FS()
	display := filepath.ToSlash(root)
	w := &walker{ctx: ctx, fsys: fsys, root: root, display: display, extractors: extractors, found: found, problem: problem, visited: map[string]bool{}}
	if abs, err := filepath.EvalSymlinks(root); err == nil {
		w.visited[abs] = true
	}
	return w.dir(".")
}

type walker struct {
	ctx        context.Context
	fsys       fs.FS
	root       string
	display    string
	extractors []inventory.Extractor
	found      func(File) error
	problem    func(Problem)
	visited    map[string]bool // real paths of directories entered through symlinks
}

func (w *walker) join(p string) string {
	if p == "." {
		return w.display
	}
	if w.display == "." {
		return p
	}
	return strings.TrimSuffix(w.display, "/") + "/" + p
}

func (w *walker) dir(dir string) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	entries, err := fs.ReadDir(w.fsys, dir)
	if err != nil {
		w.problem(Problem{Path: w.join(dir), Err: err})
		return nil
	}
	for _, e := range entries {
		p := path.Join(dir, e.Name())
		mode := e.Type()
		var linked fs.FileInfo // the target's info, for a symlink
		if mode&fs.ModeSymlink != 0 {
			// Stat through the root: fails for links leading outside it.
			info, err := fs.Stat(w.fsys, p)
			if err != nil {
				w.problem(Problem{Path: w.join(p), Err: symlinkError(err)})
				continue
			}
			linked = info
			mode = info.Mode().Type()
			if info.IsDir() {
				real, err := filepath.EvalSymlinks(filepath.Join(w.root, filepath.FromSlash(p)))
				if err != nil {
					w.problem(Problem{Path: w.join(p), Err: err})
					continue
				}
				if w.visited[real] || w.isAncestor(real, dir) {
					w.problem(Problem{Path: w.join(p), Err: errors.New("symlink loop: directory already scanned, skipped")})
					continue
				}
				w.visited[real] = true
			}
		}
		switch {
		case mode.IsDir():
			if skipDirs[e.Name()] {
				for _, name := range peekFiles[e.Name()] {
					fp := path.Join(p, name)
					if info, err := fs.Stat(w.fsys, fp); err == nil && info.Mode().IsRegular() {
						if err := w.offer(fp, info); err != nil {
							return err
						}
					}
				}
				continue
			}
			if err := w.dir(p); err != nil {
				return err
			}
		case mode.IsRegular():
			info := linked
			if info == nil {
				var err error
				if info, err = e.Info(); err != nil {
					w.problem(Problem{Path: w.join(p), Err: err})
					continue
				}
			}
			if err := w.offer(p, info); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *walker) osPath(p string) string { return filepath.Join(w.root, filepath.FromSlash(p)) }

// offer hands a regular file to the first extractor that takes it by name,
// else, for files that could be executables, to the first that recognises
// its content.
func (w *walker) offer(p string, info fs.FileInfo) error {
	for _, x := range w.extractors {
		if explicitOnly(x) {
			continue
		}
		if x.FileRequired(p) {
			return w.found(File{Path: w.join(p), FSPath: p, OSPath: w.osPath(p), FS: w.fsys, Extractor: x})
		}
	}
	if !maybeExecutable(p, info) {
		return nil
	}
	var header []byte
	for _, x := range w.extractors {
		cx, ok := x.(inventory.ContentExtractor)
		if !ok {
			continue
		}
		if header == nil {
			h, err := ReadHeader(w.fsys, p)
			if err != nil {
				w.problem(Problem{Path: w.join(p), Err: err})
				return nil
			}
			header = h
		}
		if cx.FileRequiredByContent(p, header) {
			return w.found(File{Path: w.join(p), FSPath: p, OSPath: w.osPath(p), FS: w.fsys, Extractor: x, ByContent: true})
		}
	}
	return nil
}

// explicitOnly reports whether an extractor reads only files named on the
// command line: a package.json beside a lockfile would list unresolved
// ranges of packages the lockfile pins.
func explicitOnly(x inventory.Extractor) bool {
	e, ok := x.(interface{ ExplicitOnly() bool })
	return ok && e.ExplicitOnly()
}

// maybeExecutable reports whether a file could be a program: executable
// bit set, a Windows executable's extension, or no extension at all.
func maybeExecutable(p string, info fs.FileInfo) bool {
	if info.Size() < 64 {
		return false
	}
	if info.Mode().Perm()&0o111 != 0 {
		return true
	}
	switch strings.ToLower(path.Ext(p)) {
	case ".exe", "":
		return true
	}
	return false
}

// headerSize is how much of a file content extractors see.
const headerSize = 4096

// ReadHeader returns the first bytes of a file, as content extractors see them.
func ReadHeader(fsys fs.FS, p string) ([]byte, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, headerSize)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf[:n], nil
}

// isAncestor reports whether the real directory real is dir (a path inside
// the root) or one of the directories above it: entering it again would loop.
func (w *walker) isAncestor(real, dir string) bool {
	cur, err := filepath.EvalSymlinks(filepath.Join(w.root, filepath.FromSlash(dir)))
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(real, cur)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func symlinkError(err error) error {
	if strings.Contains(err.Error(), "escapes from parent") || strings.Contains(err.Error(), "path escapes") {
		return errors.New("symlink points outside the scanned directory, not followed")
	}
	return fmt.Errorf("broken symlink: %w", err)
}
