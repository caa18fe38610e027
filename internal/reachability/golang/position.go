package golang

import (
	"fmt"
	"go/token"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

// positions formats source positions so that they do not depend on where
// the module, GOROOT or the module cache are on this machine.
type positions struct {
	moduleDir string
	gorootSrc string
	gocache   string
	modules   []moduleDir // longest directory first
}

type moduleDir struct {
	dir   string
	label string // "path@version" or a path relative to the module root
}

func newPositions(moduleRoot string, env goEnv, pkgs []*packages.Package) *positions {
	ps := &positions{moduleDir: realPath(moduleRoot)}
	if env.GOROOT != "" {
		ps.gorootSrc = realPath(filepath.Join(env.GOROOT, "src"))
	}
	if env.GOCACHE != "" && env.GOCACHE != "off" {
		ps.gocache = realPath(env.GOCACHE)
	}
	seen := map[string]bool{}
	for _, pkg := range pkgs {
		m := pkg.Module
		if m == nil || m.Main {
			continue
		}
		dir, label := m.Dir, m.Path
		if m.Replace != nil {
			dir = m.Replace.Dir
		}
		if dir == "" || seen[dir] {
			continue
		}
		seen[dir] = true
		dir = realPath(dir)
		switch {
		case m.Replace != nil && m.Replace.Version == "":
			// Replaced by a local directory: say where it is.
			rel, err := filepath.Rel(ps.moduleDir, dir)
			if err != nil {
				rel = dir
			}
			label = filepath.ToSlash(rel)
		case m.Replace != nil:
			label = m.Replace.Path + "@" + m.Replace.Version
		case m.Version != "":
			label = m.Path + "@" + m.Version
		}
		ps.modules = append(ps.modules, moduleDir{dir: dir, label: label})
	}
	slices.SortFunc(ps.modules, func(a, b moduleDir) int { return len(b.dir) - len(a.dir) })
	return ps
}

// format returns "file:line" for pos; see [Frame.Position].
func (ps *positions) format(pos token.Position) string {
	if !pos.IsValid() || pos.Filename == "" {
		return ""
	}
	file := realPath(pos.Filename)
	if rel, ok := within(ps.moduleDir, file); ok {
		return fmt.Sprintf("%s:%d", rel, pos.Line)
	}
	if ps.gorootSrc != "" {
		if rel, ok := within(ps.gorootSrc, file); ok {
			return fmt.Sprintf("$GOROOT/src/%s:%d", rel, pos.Line)
		}
	}
	for _, m := range ps.modules {
		if rel, ok := within(m.dir, file); ok {
			return fmt.Sprintf("%s/%s:%d", m.label, rel, pos.Line)
		}
	}
	if ps.gocache != "" {
		// Files the go command generates (test mains, cgo output).
		if _, ok := within(ps.gocache, file); ok {
			return fmt.Sprintf("%s:%d", filepath.Base(file), pos.Line)
		}
	}
	return fmt.Sprintf("%s:%d", filepath.ToSlash(file), pos.Line)
}

// within returns file relative to dir, slash-separated, when file is inside dir.
func within(dir, file string) (string, bool) {
	rel, err := filepath.Rel(dir, file)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// realPath resolves symbolic links where it can, so that paths given by the
// go command and by the caller compare equal.
func realPath(path string) string {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		return p
	}
	return filepath.Clean(path)
}
