package fix

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestScratchCopy(t *testing.T) {
	ctx := context.Background()
	project := t.TempDir()
	writeFiles(t, project, map[string]string{"go.mod": "module x\n", "pkg/a.go": "package pkg\n"})
	if runtime.GOOS != "windows" {
		if err := os.Symlink("pkg/a.go", filepath.Join(project, "link.go")); err != nil {
			t.Fatal(err)
		}
	}
	sc, err := NewScratch(ctx, project, ScratchOptions{Env: gitEnv(t)})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Kind != ScratchCopy {
		t.Fatalf("Kind = %q, want %q (a temporary directory is no git repository)", sc.Kind, ScratchCopy)
	}
	if got := readFile(t, filepath.Join(sc.Dir, "pkg", "a.go")); got != "package pkg\n" {
		t.Errorf("copied pkg/a.go = %q", got)
	}
	if runtime.GOOS != "windows" {
		if target, err := os.Readlink(filepath.Join(sc.Dir, "link.go")); err != nil || target != "pkg/a.go" {
			t.Errorf("link.go -> %q, %v; want the symbolic link kept", target, err)
		}
	}
	writeFiles(t, sc.Dir, map[string]string{"go.mod": "module x\n\nrequire y v1.0.0\n"})
	if got := readFile(t, filepath.Join(project, "go.mod")); got != "module x\n" {
		t.Errorf("the user's go.mod changed with the scratch copy: %q", got)
	}
	if err := sc.CopyBack(ctx, project, []string{"go.mod", "go.sum"}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(project, "go.mod")); got != "module x\n\nrequire y v1.0.0\n" {
		t.Errorf("go.mod after CopyBack = %q", got)
	}
	if err := sc.Commit(ctx, "x", []string{"go.mod"}); err == nil {
		t.Error("Commit in a copy succeeded, want an error")
	}
	root := sc.Root
	if err := sc.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("scratch copy %q left behind: %v", root, err)
	}
}

func TestScratchBranchNeedsGit(t *testing.T) {
	if _, err := NewScratch(context.Background(), t.TempDir(), ScratchOptions{Branch: "fix", Env: gitEnv(t)}); err == nil {
		t.Error("NewScratch with a branch outside git succeeded, want an error")
	}
}

// gitEnv is an environment where git ignores the user's configuration.
func gitEnv(t *testing.T) []string {
	return append(os.Environ(),
		"GIT_CONFIG_GLOBAL="+filepath.Join(t.TempDir(), "gitconfig"), "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
	)
}

func gitRun(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	out, err := git(context.Background(), dir, env, args...)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

func TestScratchWorktree(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	ctx := context.Background()
	env := gitEnv(t)
	repo := t.TempDir()
	writeFiles(t, repo, map[string]string{"svc/go.mod": "module svc\n", "svc/main.go": "package main\n", "lib/lib.go": "package lib\n"})
	gitRun(t, repo, env, "init", "-q")
	gitRun(t, repo, env, "add", "-A")
	gitRun(t, repo, env, "commit", "-q", "-m", "initial")
	// Uncommitted and untracked work must reach the scratch copy.
	writeFiles(t, repo, map[string]string{"svc/main.go": "package main // edited\n", "svc/new.go": "package main\n"})
	if err := os.Remove(filepath.Join(repo, "lib", "lib.go")); err != nil {
		t.Fatal(err)
	}

	sc, err := NewScratch(ctx, filepath.Join(repo, "svc"), ScratchOptions{Branch: "patchline/fix-test", Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Kind != ScratchWorktree || filepath.Base(sc.Dir) != "svc" {
		t.Fatalf("Kind, Dir = %q, %q; want a worktree with the svc directory", sc.Kind, sc.Dir)
	}
	if got := readFile(t, filepath.Join(sc.Dir, "main.go")); got != "package main // edited\n" {
		t.Errorf("main.go in the worktree = %q, want the uncommitted edit", got)
	}
	if got := readFile(t, filepath.Join(sc.Dir, "new.go")); got != "package main\n" {
		t.Errorf("new.go in the worktree = %q, want the untracked file", got)
	}
	if _, err := os.Stat(filepath.Join(sc.Root, "lib", "lib.go")); !os.IsNotExist(err) {
		t.Errorf("lib/lib.go deleted in the working tree exists in the worktree: %v", err)
	}
	if len(sc.Notes) != 1 {
		t.Errorf("Notes = %q, want one about carried files", sc.Notes)
	}

	writeFiles(t, sc.Dir, map[string]string{"go.mod": "module svc\n\nrequire y v1.0.0\n"})
	if err := sc.Commit(ctx, "fix: raise y", []string{"go.mod", "go.sum"}); err != nil {
		t.Fatal(err)
	}
	root := sc.Root
	if err := sc.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("worktree %q left behind: %v", root, err)
	}
	if got := gitRun(t, repo, env, "log", "-1", "--format=%s", "patchline/fix-test"); got != "fix: raise y" {
		t.Errorf("branch head = %q, want the fix commit", got)
	}
	if got := gitRun(t, repo, env, "show", "patchline/fix-test:svc/go.mod"); got != "module svc\n\nrequire y v1.0.0" {
		t.Errorf("committed go.mod = %q", got)
	}
	files := gitRun(t, repo, env, "show", "--name-only", "--format=", "patchline/fix-test")
	if diff := cmp.Diff("svc/go.mod", files); diff != "" {
		t.Errorf("committed files mismatch (-want +got):\n%s", diff)
	}
	if got := readFile(t, filepath.Join(repo, "svc", "go.mod")); got != "module svc\n" {
		t.Errorf("the user's go.mod changed: %q", got)
	}
	if got := gitRun(t, repo, env, "worktree", "list", "--porcelain"); strings.Count(got, "worktree ") != 1 {
		t.Errorf("worktrees left:\n%s", got)
	}

	// A branch nothing was committed on is deleted.
	sc, err = NewScratch(ctx, filepath.Join(repo, "svc"), ScratchOptions{Branch: "patchline/unused", Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if out, err := git(ctx, repo, env, "rev-parse", "--verify", "--quiet", "patchline/unused"); err == nil {
		t.Errorf("unused branch kept: %s", out)
	}
}
