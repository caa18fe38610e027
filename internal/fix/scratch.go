package fix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Kinds of [Scratch].
const (
	ScratchWorktree = "git-worktree"
	ScratchCopy     = "copy"
)

// ScratchOptions tune [NewScratch].
type ScratchOptions struct {
	// Branch, when set, names a new git branch the scratch worktree is
	// on, for [Scratch.Commit]; the project must then be in a git
	// repository. It is deleted on Close when nothing was committed.
	Branch string
	// Env is the environment of the git commands; nil means the current
	// process's.
	Env []string
	// Logger receives what the scratch copy did; nil discards it.
	Logger *slog.Logger
}

// Scratch is a private copy of a project where changes are applied and
// validated: a git worktree of the project's repository at HEAD (with the
// working tree's uncommitted and untracked files copied over) when the
// project is in one, else a copy of the project directory in a temporary
// directory. The user's tree is never written.
type Scratch struct {
	// Dir is the project directory inside the scratch tree.
	Dir string
	// Root is the top of the scratch tree.
	Root string
	// Kind is [ScratchWorktree] or [ScratchCopy].
	Kind string
	// Branch is the branch of a worktree; empty when detached.
	Branch string
	// Notes say what the user should know about the copy (uncommitted
	// files carried over, files left behind).
	Notes []string

	repo      string // top level of the user's repository (worktree)
	tmp       string // temporary directory holding Root
	env       []string
	log       *slog.Logger
	committed bool
}

// NewScratch makes a scratch copy of the project at dir. Close removes it.
func NewScratch(ctx context.Context, dir string, opts ScratchOptions) (*Scratch, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("scratch copy of %q: %w", dir, err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Scratch{env: opts.Env, log: log}
	if top, ok := gitTop(ctx, abs, opts.Env); ok {
		if err := s.worktree(ctx, abs, top, opts.Branch); err != nil {
			return nil, errors.Join(err, s.Close(ctx))
		}
		return s, nil
	}
	if opts.Branch != "" {
		return nil, fmt.Errorf("branch %q: %q is not in a git repository with a commit", opts.Branch, dir)
	}
	if err := s.copy(ctx, abs); err != nil {
		return nil, errors.Join(err, s.Close(ctx))
	}
	return s, nil
}

// gitTop returns the top level of the git repository holding dir, when git
// is installed and the repository has a commit.
func gitTop(ctx context.Context, dir string, env []string) (string, bool) {
	if _, err := exec.LookPath("git"); err != nil {
		return "", false
	}
	out, err := git(ctx, dir, env, "rev-parse", "--show-toplevel")
	if err != nil {
		return "", false
	}
	if _, err := git(ctx, dir, env, "rev-parse", "--verify", "--quiet", "HEAD"); err != nil {
		return "", false
	}
	return strings.TrimSpace(out), true
}

func (s *Scratch) worktree(ctx context.Context, abs, top, branch string) error {
	tmp, err := os.MkdirTemp("", "patchline-fix-")
	if err != nil {
		return fmt.Errorf("scratch worktree: %w", err)
	}
	s.tmp, s.repo, s.Kind = tmp, top, ScratchWorktree
	s.Root = filepath.Join(tmp, "tree")
	args := []string{"worktree", "add", "--quiet"}
	if branch != "" {
		args = append(args, "-b", branch)
	} else {
		args = append(args, "--detach")
	}
	args = append(args, s.Root, "HEAD")
	if _, err := git(ctx, top, s.env, args...); err != nil {
		s.Root = ""
		return fmt.Errorf("scratch worktree of %q: %w", top, err)
	}
	s.Branch = branch
	realTop, err := filepath.EvalSymlinks(top)
	if err != nil {
		return fmt.Errorf("scratch worktree: %w", err)
	}
	realAbs, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return fmt.Errorf("scratch worktree: %w", err)
	}
	rel, err := filepath.Rel(realTop, realAbs)
	if err != nil {
		return fmt.Errorf("scratch worktree: %w", err)
	}
	s.Dir = filepath.Join(s.Root, rel)
	s.log.Debug("scratch worktree", "repo", top, "dir", s.Dir, "branch", branch)
	return s.overlay(ctx, top)
}

// overlay copies the working tree's uncommitted changes and untracked
// files (not ignored ones) into the worktree, so that the scratch copy
// builds what the user has.
func (s *Scratch) overlay(ctx context.Context, top string) error {
	out, err := git(ctx, top, s.env, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames")
	if err != nil {
		return fmt.Errorf("scratch worktree: %w", err)
	}
	var carried []string
	for _, rec := range strings.Split(out, "\x00") {
		if len(rec) < 4 {
			continue
		}
		rel := filepath.FromSlash(rec[3:])
		if err := ctx.Err(); err != nil {
			return err
		}
		src, dst := filepath.Join(top, rel), filepath.Join(s.Root, rel)
		if _, err := os.Lstat(src); errors.Is(err, fs.ErrNotExist) {
			if err := os.RemoveAll(dst); err != nil {
				return fmt.Errorf("scratch worktree: %w", err)
			}
			carried = append(carried, rec[3:])
			continue
		}
		if err := os.RemoveAll(dst); err != nil {
			return fmt.Errorf("scratch worktree: %w", err)
		}
		if err := copyPath(ctx, src, dst); err != nil {
			return fmt.Errorf("scratch worktree: carry over %q: %w", rec[3:], err)
		}
		carried = append(carried, rec[3:])
	}
	if len(carried) > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("%d uncommitted or untracked file(s) were carried into the scratch worktree", len(carried)))
	}
	return nil
}

func (s *Scratch) copy(ctx context.Context, abs string) error {
	tmp, err := os.MkdirTemp("", "patchline-fix-")
	if err != nil {
		return fmt.Errorf("scratch copy: %w", err)
	}
	s.tmp, s.Kind = tmp, ScratchCopy
	s.Root = filepath.Join(tmp, "tree")
	s.Dir = s.Root
	if err := copyPath(ctx, abs, s.Root); err != nil {
		return fmt.Errorf("scratch copy of %q: %w", abs, err)
	}
	s.Notes = append(s.Notes, "not a git repository: validated in a copy of the project directory (paths outside it, such as replace directives to ../dir, are not copied)")
	s.log.Debug("scratch copy", "dir", s.Dir)
	return nil
}

// ErrNothingChanged is returned by [Scratch.Commit] when the paths hold no
// change to commit.
var ErrNothingChanged = errors.New("commit: nothing changed")

// Commit commits paths (relative to [Scratch.Dir]) on the scratch's
// branch with message, as the user's git identity.
func (s *Scratch) Commit(ctx context.Context, message string, paths []string) error {
	if s.Kind != ScratchWorktree || s.Branch == "" {
		return errors.New("commit: the scratch copy is not on a git branch")
	}
	args := []string{"add", "--all", "--"}
	for _, p := range paths {
		if _, err := os.Lstat(filepath.Join(s.Dir, p)); err == nil {
			args = append(args, p)
		} else if _, err := git(ctx, s.Dir, s.env, "ls-files", "--error-unmatch", "--", p); err == nil {
			args = append(args, p) // tracked and deleted
		}
	}
	if _, err := git(ctx, s.Dir, s.env, args...); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if _, err := git(ctx, s.Dir, s.env, "diff", "--cached", "--quiet"); err == nil {
		return ErrNothingChanged
	}
	if _, err := git(ctx, s.Dir, s.env, "commit", "--quiet", "-m", message); err != nil {
		return fmt.Errorf("commit on branch %q: %w", s.Branch, err)
	}
	s.committed = true
	return nil
}

// CopyBack copies paths (relative to [Scratch.Dir]) from the scratch copy
// to the project at dst: the way to apply validated changes to the user's
// tree. A path missing from the scratch copy is removed from dst.
func (s *Scratch) CopyBack(ctx context.Context, dst string, paths []string) error {
	for _, p := range paths {
		src, to := filepath.Join(s.Dir, p), filepath.Join(dst, p)
		if _, err := os.Lstat(src); errors.Is(err, fs.ErrNotExist) {
			if err := os.RemoveAll(to); err != nil {
				return fmt.Errorf("copy back %q: %w", p, err)
			}
			continue
		}
		if err := os.RemoveAll(to); err != nil {
			return fmt.Errorf("copy back %q: %w", p, err)
		}
		if err := copyPath(ctx, src, to); err != nil {
			return fmt.Errorf("copy back %q: %w", p, err)
		}
	}
	return nil
}

// Close removes the scratch copy: the worktree (and its branch when nothing
// was committed on it) and the temporary directory.
func (s *Scratch) Close(ctx context.Context) error {
	var errs []error
	if s.Kind == ScratchWorktree && s.Root != "" {
		if _, err := git(ctx, s.repo, s.env, "worktree", "remove", "--force", s.Root); err != nil {
			errs = append(errs, fmt.Errorf("remove scratch worktree: %w", err))
		}
		if s.Branch != "" && !s.committed {
			if _, err := git(ctx, s.repo, s.env, "branch", "-D", s.Branch); err != nil {
				errs = append(errs, fmt.Errorf("delete unused branch %q: %w", s.Branch, err))
			}
		}
		s.Root = ""
	}
	if s.tmp != "" {
		if err := removeAll(s.tmp); err != nil {
			errs = append(errs, fmt.Errorf("remove scratch copy: %w", err))
		}
		s.tmp = ""
	}
	return errors.Join(errs...)
}

// removeAll removes dir, making read-only directories (the Go module cache
// makes them so) writable first.
func removeAll(dir string) error {
	if err := os.RemoveAll(dir); err == nil {
		return nil
	}
	walkErr := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			return os.Chmod(p, 0o755)
		}
		return nil
	})
	return errors.Join(walkErr, os.RemoveAll(dir))
}

func git(ctx context.Context, dir string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// copyPath copies a file, symbolic link or directory tree from src to dst,
// keeping modes and links.
func copyPath(ctx context.Context, src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(to, info.Mode().Perm()|0o700)
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
				return err
			}
			return os.Symlink(target, to)
		case info.Mode().IsRegular():
			if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
				return err
			}
			return copyFile(p, to, info.Mode().Perm())
		default:
			return nil // sockets, devices: nothing a build reads
		}
	})
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm|0o200)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
