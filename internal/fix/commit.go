package fix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"
)

// Diff returns the unified diff, file by file, that takes the project at
// oldDir to the scratch copy at newDir, over paths (relative to both;
// directories are walked). Labels are a/PATH and b/PATH, as git writes
// them. An empty string means no change.
func Diff(oldDir, newDir string, paths []string) (string, error) {
	files := map[string]bool{}
	for _, root := range []string{oldDir, newDir} {
		for _, p := range paths {
			err := filepath.WalkDir(filepath.Join(root, p), func(path string, d fs.DirEntry, err error) error {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				if err != nil {
					return err
				}
				if d.Type().IsRegular() {
					rel, err := filepath.Rel(root, path)
					if err != nil {
						return err
					}
					files[filepath.ToSlash(rel)] = true
				}
				return nil
			})
			if err != nil {
				return "", fmt.Errorf("diff %q: %w", p, err)
			}
		}
	}
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, f := range names {
		old, oldOK, err := readIfExists(filepath.Join(oldDir, f))
		if err != nil {
			return "", err
		}
		cur, newOK, err := readIfExists(filepath.Join(newDir, f))
		if err != nil {
			return "", err
		}
		if bytes.Equal(old, cur) && oldOK == newOK {
			continue
		}
		oldLabel, newLabel := "a/"+f, "b/"+f
		if !oldOK {
			oldLabel = "/dev/null"
		}
		if !newOK {
			newLabel = "/dev/null"
		}
		b.WriteString("diff --git a/" + f + " b/" + f + "\n")
		switch {
		case !oldOK:
			b.WriteString("new file mode 100644\n")
		case !newOK:
			b.WriteString("deleted file mode 100644\n")
		}
		b.WriteString(udiff.Unified(oldLabel, newLabel, string(old), string(cur)))
	}
	return b.String(), nil
}

func readIfExists(path string) ([]byte, bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	return b, err == nil, err
}

// CommitGroup is one commit of [Scratch.CommitGroups]: the changes of one
// fix, made by their strategy.
type CommitGroup struct {
	Strategy Strategy
	Changes  []Change
	Message  string
}

// CommitGroups commits the validated state of the scratch copy on its
// branch as one commit per group, so that a reviewer can read, revert or
// cherry-pick each fix alone. It re-applies the groups one after another
// from the branch's starting point with their strategies; when the last
// commit does not reproduce the validated files exactly (a package
// manager that resolves differently when changes come one at a time), the
// difference is committed last with fallback as its message, so the
// branch always ends at the state that was validated. With one group it
// is a plain [Scratch.Commit]. It returns the messages' subject lines of
// the commits made.
func (s *Scratch) CommitGroups(ctx context.Context, groups []CommitGroup, fallback string) ([]string, error) {
	paths := managedPaths(groups)
	if len(groups) == 1 {
		if err := s.Commit(ctx, groups[0].Message, paths); err != nil {
			return nil, err
		}
		return []string{subject(groups[0].Message)}, nil
	}
	validated, err := save(ctx, s.Dir, paths)
	if err != nil {
		return nil, err
	}
	defer validated.discard(s.log)
	if err := s.resetPaths(ctx, paths); err != nil {
		return nil, err
	}
	var subjects []string
	for _, g := range groups {
		if err := g.Strategy.Apply(ctx, s.Dir, Plan{Changes: g.Changes}); err != nil {
			s.log.Info("re-applying a fix on its own failed; committing the rest as one", "error", err)
			break
		}
		if err := s.Commit(ctx, g.Message, g.Strategy.ManagedFiles()); err != nil {
			s.log.Info("nothing to commit for a fix on its own", "error", err)
			continue
		}
		subjects = append(subjects, subject(g.Message))
	}
	if err := validated.restore(ctx); err != nil {
		return subjects, err
	}
	if err := s.Commit(ctx, fallback, paths); errors.Is(err, ErrNothingChanged) {
		return subjects, nil // the commits reproduce the validated state
	} else if err != nil {
		return subjects, err
	}
	return append(subjects, subject(fallback)), nil
}

// resetPaths puts paths back as the branch's last commit has them.
func (s *Scratch) resetPaths(ctx context.Context, paths []string) error {
	for _, p := range paths {
		if _, err := git(ctx, s.Dir, s.env, "ls-files", "--error-unmatch", "--", p); err == nil {
			if _, err := git(ctx, s.Dir, s.env, "checkout", "HEAD", "--", p); err != nil {
				return fmt.Errorf("reset %q: %w", p, err)
			}
			continue
		}
		if err := os.RemoveAll(filepath.Join(s.Dir, p)); err != nil {
			return fmt.Errorf("reset %q: %w", p, err)
		}
	}
	return nil
}

func managedPaths(groups []CommitGroup) []string {
	seen := map[string]bool{}
	var out []string
	for _, g := range groups {
		for _, p := range g.Strategy.ManagedFiles() {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

func subject(msg string) string {
	s, _, _ := strings.Cut(msg, "\n")
	return s
}
