package fix

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/result"
)

func TestDiff(t *testing.T) {
	tests := []struct {
		name  string
		old   map[string]string
		new   map[string]string
		paths []string
		want  string
	}{
		{
			name:  "changed_file",
			old:   map[string]string{"package.json": "{\n  \"a\": 1,\n  \"b\": 2\n}\n"},
			new:   map[string]string{"package.json": "{\n  \"a\": 1,\n  \"b\": 3\n}\n"},
			paths: []string{"package.json"},
			want: "diff --git a/package.json b/package.json\n" +
				"--- a/package.json\n" +
				"+++ b/package.json\n" +
				"@@ -1,4 +1,4 @@\n" +
				" {\n" +
				"   \"a\": 1,\n" +
				"-  \"b\": 2\n" +
				"+  \"b\": 3\n" +
				" }\n",
		},
		{
			name:  "added_file",
			old:   map[string]string{},
			new:   map[string]string{"go.sum": "x v1.0.0 h1:abc=\n"},
			paths: []string{"go.sum"},
			want: "diff --git a/go.sum b/go.sum\n" +
				"new file mode 100644\n" +
				"--- /dev/null\n" +
				"+++ b/go.sum\n" +
				"@@ -0,0 +1 @@\n" +
				"+x v1.0.0 h1:abc=\n",
		},
		{
			name:  "removed_file",
			old:   map[string]string{"npm-shrinkwrap.json": "{}\n"},
			new:   map[string]string{},
			paths: []string{"npm-shrinkwrap.json"},
			want: "diff --git a/npm-shrinkwrap.json b/npm-shrinkwrap.json\n" +
				"deleted file mode 100644\n" +
				"--- a/npm-shrinkwrap.json\n" +
				"+++ /dev/null\n" +
				"@@ -1 +0,0 @@\n" +
				"-{}\n",
		},
		{
			name:  "unchanged_file_omitted",
			old:   map[string]string{"go.mod": "module x\n", "go.sum": "a\n"},
			new:   map[string]string{"go.mod": "module x\n", "go.sum": "b\n"},
			paths: []string{"go.mod", "go.sum"},
			want: "diff --git a/go.sum b/go.sum\n" +
				"--- a/go.sum\n" +
				"+++ b/go.sum\n" +
				"@@ -1 +1 @@\n" +
				"-a\n" +
				"+b\n",
		},
		{
			name:  "no_change",
			old:   map[string]string{"go.mod": "module x\n"},
			new:   map[string]string{"go.mod": "module x\n"},
			paths: []string{"go.mod", "go.sum", "vendor"},
			want:  "",
		},
		{
			name: "directory_walked_in_both_trees",
			old:  map[string]string{"vendor/a/a.go": "package a\n", "vendor/gone/g.go": "package gone\n", "vendor/same.txt": "same\n"},
			new:  map[string]string{"vendor/a/a.go": "package a // v2\n", "vendor/b/b.go": "package b\n", "vendor/same.txt": "same\n"},
			// Files outside paths are not compared.
			paths: []string{"vendor"},
			want: "diff --git a/vendor/a/a.go b/vendor/a/a.go\n" +
				"--- a/vendor/a/a.go\n" +
				"+++ b/vendor/a/a.go\n" +
				"@@ -1 +1 @@\n" +
				"-package a\n" +
				"+package a // v2\n" +
				"diff --git a/vendor/b/b.go b/vendor/b/b.go\n" +
				"new file mode 100644\n" +
				"--- /dev/null\n" +
				"+++ b/vendor/b/b.go\n" +
				"@@ -0,0 +1 @@\n" +
				"+package b\n" +
				"diff --git a/vendor/gone/g.go b/vendor/gone/g.go\n" +
				"deleted file mode 100644\n" +
				"--- a/vendor/gone/g.go\n" +
				"+++ /dev/null\n" +
				"@@ -1 +0,0 @@\n" +
				"-package gone\n",
		},
		{
			name:  "nested_path_keeps_its_directories",
			old:   map[string]string{"web/package-lock.json": "1\n", "README": "old\n"},
			new:   map[string]string{"web/package-lock.json": "2\n", "README": "new\n"},
			paths: []string{"web/package-lock.json"},
			want: "diff --git a/web/package-lock.json b/web/package-lock.json\n" +
				"--- a/web/package-lock.json\n" +
				"+++ b/web/package-lock.json\n" +
				"@@ -1 +1 @@\n" +
				"-1\n" +
				"+2\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oldDir, newDir := t.TempDir(), t.TempDir()
			writeFiles(t, oldDir, tt.old)
			writeFiles(t, newDir, tt.new)
			got, err := Diff(oldDir, newDir, tt.paths)
			if err != nil {
				t.Fatalf("Diff: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Diff mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDiffApplies checks the diff with git itself: applied to the old
// tree, it gives the new one.
func TestDiffApplies(t *testing.T) {
	tests := []struct {
		name     string
		old, new map[string]string
		paths    []string
		bug      string
	}{
		{
			name: "changed_files",
			old: map[string]string{
				"package.json": "{\n  \"dependencies\": {\n    \"qs\": \"^0.6.6\"\n  }\n}\n",
				"dir/x.txt":    "one\ntwo\nthree\n",
				"noeol.txt":    "no newline",
			},
			new: map[string]string{
				"package.json": "{\n  \"dependencies\": {\n    \"qs\": \"^6.0.4\"\n  }\n}\n",
				"dir/x.txt":    "one\n2\nthree\nfour\n",
				"noeol.txt":    "still no newline",
			},
			paths: []string{"package.json", "dir", "noeol.txt"},
		},
		{
			name:  "added_and_removed_files",
			old:   map[string]string{"gone.txt": "bye\n", "keep.txt": "keep\n"},
			new:   map[string]string{"dir/sub/y.txt": "y\n", "keep.txt": "keep\n"},
			paths: []string{"gone.txt", "dir", "keep.txt"},
			bug: "Diff writes a \"diff --git\" header for an added or removed file without git's \"new file mode\" / \"deleted file mode\" line, " +
				"so `git apply` reads \"--- /dev/null\" as a path and fails (\"error: dev/null: No such file or directory\"); `patch -p1` accepts it",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := exec.LookPath("git"); err != nil {
				t.Skip("git is not installed")
			}
			oldDir, newDir := t.TempDir(), t.TempDir()
			writeFiles(t, oldDir, tt.old)
			writeFiles(t, newDir, tt.new)
			d, err := Diff(oldDir, newDir, tt.paths)
			if err != nil {
				t.Fatal(err)
			}
			patch := filepath.Join(t.TempDir(), "fix.patch")
			if err := os.WriteFile(patch, []byte(d), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := git(context.Background(), oldDir, gitEnv(t), "apply", patch); err != nil {
				t.Fatalf("git apply: %v\n%s\npatch:\n%s", err, out, d)
			}
			if diff := cmp.Diff(tt.new, readTreeFiles(t, oldDir)); diff != "" {
				t.Errorf("tree after git apply mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// readTreeFiles reads every regular file under dir, by slash path.
func readTreeFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// lineStrategy appends a line per change ("pkg from => to") to file; a
// change to failOn makes Apply fail.
type lineStrategy struct {
	file   string
	failOn string
}

func (s *lineStrategy) Ecosystem() string { return "Fake" }

func (s *lineStrategy) Plan(context.Context, string, []result.Finding, VersionSource, Checker) (Plan, error) {
	return Plan{}, nil
}

func (s *lineStrategy) Apply(_ context.Context, dir string, p Plan) error {
	if len(p.Changes) == 0 {
		return nil
	}
	path := filepath.Join(dir, s.file)
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, c := range p.Changes {
		if c.Package == s.failOn {
			return &StepError{Step: Step{Name: "apply", Command: "fake apply " + c.String(), ExitCode: 1}}
		}
		b = append(b, c.String()+"\n"...)
	}
	return os.WriteFile(path, b, 0o644)
}

func (s *lineStrategy) Validate(context.Context, string, ValidateOptions) (Validation, error) {
	return Validation{}, nil
}

func (s *lineStrategy) Packages(context.Context, string) ([]Package, error) { return nil, nil }

func (s *lineStrategy) ManagedFiles() []string { return []string{s.file} }

func TestScratchCommitGroups(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	fixes := &lineStrategy{file: "fixes.txt"}
	overrides := &lineStrategy{file: "overrides.txt"} // not in the repository
	failing := &lineStrategy{file: "fixes.txt", failOn: "b"}
	a, b, c := change("a", "1", "2"), change("b", "1", "2"), change("c", "1", "2")
	const fallback = "fix: the rest, as validated\n\nRe-applying the fixes one at a time did not reproduce the validated files."
	tests := []struct {
		name   string
		groups []CommitGroup
		// extra is written to the managed files after applying every
		// group's changes at once: what the validated state has that
		// re-applying does not give.
		extra map[string]string
		// want are the subjects CommitGroups returns, oldest first; the
		// branch's commits must be the same.
		want []string
		// wantFiles are the managed files at each commit, oldest first.
		wantFiles []map[string]string
	}{
		{
			name:   "one_group_is_a_plain_commit",
			groups: []CommitGroup{{Strategy: fixes, Changes: []Change{a, b}, Message: "fix: a and b\n\nBoth at once."}},
			want:   []string{"fix: a and b"},
			wantFiles: []map[string]string{
				{"fixes.txt": "base\na 1 => 2\nb 1 => 2\n"},
			},
		},
		{
			name: "one_commit_per_group",
			groups: []CommitGroup{
				{Strategy: fixes, Changes: []Change{a}, Message: "fix: upgrade a\n\nFixes VULN-A."},
				{Strategy: fixes, Changes: []Change{b, c}, Message: "fix: upgrade b and c"},
			},
			want: []string{"fix: upgrade a", "fix: upgrade b and c"},
			wantFiles: []map[string]string{
				{"fixes.txt": "base\na 1 => 2\n"},
				{"fixes.txt": "base\na 1 => 2\nb 1 => 2\nc 1 => 2\n"},
			},
		},
		{
			name: "new_managed_file",
			groups: []CommitGroup{
				{Strategy: fixes, Changes: []Change{a}, Message: "fix: upgrade a"},
				{Strategy: overrides, Changes: []Change{b}, Message: "fix: override b"},
			},
			want: []string{"fix: upgrade a", "fix: override b"},
			wantFiles: []map[string]string{
				{"fixes.txt": "base\na 1 => 2\n"},
				{"fixes.txt": "base\na 1 => 2\n", "overrides.txt": "b 1 => 2\n"},
			},
		},
		{
			name: "fallback_when_not_reproduced",
			groups: []CommitGroup{
				{Strategy: fixes, Changes: []Change{a}, Message: "fix: upgrade a"},
				{Strategy: fixes, Changes: []Change{b}, Message: "fix: upgrade b"},
			},
			extra: map[string]string{"fixes.txt": "resolved together\n"},
			want:  []string{"fix: upgrade a", "fix: upgrade b", "fix: the rest, as validated"},
			wantFiles: []map[string]string{
				{"fixes.txt": "base\na 1 => 2\n"},
				{"fixes.txt": "base\na 1 => 2\nb 1 => 2\n"},
				{"fixes.txt": "base\na 1 => 2\nb 1 => 2\nresolved together\n"},
			},
		},
		{
			name: "group_with_nothing_to_commit_skipped",
			groups: []CommitGroup{
				{Strategy: fixes, Changes: []Change{a}, Message: "fix: upgrade a"},
				{Strategy: fixes, Message: "fix: nothing"},
				{Strategy: fixes, Changes: []Change{c}, Message: "fix: upgrade c"},
			},
			want: []string{"fix: upgrade a", "fix: upgrade c"},
			wantFiles: []map[string]string{
				{"fixes.txt": "base\na 1 => 2\n"},
				{"fixes.txt": "base\na 1 => 2\nc 1 => 2\n"},
			},
		},
		{
			name: "apply_failure_commits_the_rest_as_fallback",
			groups: []CommitGroup{
				{Strategy: fixes, Changes: []Change{a}, Message: "fix: upgrade a"},
				{Strategy: failing, Changes: []Change{b}, Message: "fix: upgrade b"},
				{Strategy: fixes, Changes: []Change{c}, Message: "fix: upgrade c"},
			},
			want: []string{"fix: upgrade a", "fix: the rest, as validated"},
			wantFiles: []map[string]string{
				{"fixes.txt": "base\na 1 => 2\n"},
				{"fixes.txt": "base\na 1 => 2\nb 1 => 2\nc 1 => 2\n"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			env := gitEnv(t)
			repo := t.TempDir()
			writeFiles(t, repo, map[string]string{"fixes.txt": "base\n", "README": "project\n"})
			gitRun(t, repo, env, "init", "-q")
			gitRun(t, repo, env, "add", "-A")
			gitRun(t, repo, env, "commit", "-q", "-m", "initial")
			base := gitRun(t, repo, env, "rev-parse", "HEAD")

			const branch = "patchline/fix-test"
			sc, err := NewScratch(ctx, repo, ScratchOptions{Branch: branch, Env: env})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := sc.Close(context.Background()); err != nil {
					t.Errorf("Close: %v", err)
				}
			})

			// The validated state: every change applied at once (with
			// each group's own strategy), plus what only resolving them
			// together gives.
			for _, g := range tt.groups {
				s := g.Strategy
				if ls, ok := s.(*lineStrategy); ok && ls.failOn != "" {
					s = &lineStrategy{file: ls.file} // it applied when validated
				}
				if err := s.Apply(ctx, sc.Dir, Plan{Changes: g.Changes}); err != nil {
					t.Fatal(err)
				}
			}
			for name, body := range tt.extra {
				f, err := os.OpenFile(filepath.Join(sc.Dir, name), os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.WriteString(body); err != nil {
					t.Fatal(err)
				}
				if err := f.Close(); err != nil {
					t.Fatal(err)
				}
			}
			managed := managedPaths(tt.groups)
			validated := map[string]string{}
			for _, p := range managed {
				if b, err := os.ReadFile(filepath.Join(sc.Dir, p)); err == nil {
					validated[p] = string(b)
				}
			}

			got, err := sc.CommitGroups(ctx, tt.groups, fallback)
			if err != nil {
				t.Fatalf("CommitGroups: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CommitGroups subjects mismatch (-want +got):\n%s", diff)
			}

			// The branch, seen from the user's repository.
			log := strings.Split(gitRun(t, repo, env, "log", "--format=%s", base+".."+branch), "\n")
			slices.Reverse(log)
			if diff := cmp.Diff(tt.want, log); diff != "" {
				t.Errorf("commits on %s mismatch (-want +got):\n%s", branch, diff)
			}
			var files []map[string]string
			for i := range log {
				rev := fmt.Sprintf("%s~%d", branch, len(log)-1-i)
				at := map[string]string{}
				for _, p := range managed {
					if out, err := git(ctx, repo, env, "show", rev+":"+p); err == nil {
						at[p] = out
					}
				}
				files = append(files, at)
			}
			if diff := cmp.Diff(tt.wantFiles, files); diff != "" {
				t.Errorf("managed files at each commit mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(validated, files[len(files)-1]); diff != "" {
				t.Errorf("the branch does not end at the validated state (-want +got):\n%s", diff)
			}
			// The scratch tree is left at the validated state, all of it
			// committed.
			for p, want := range validated {
				if got := readFile(t, filepath.Join(sc.Dir, p)); got != want {
					t.Errorf("%s in the scratch tree = %q, want %q", p, got, want)
				}
			}
			if st := gitRun(t, sc.Dir, env, "status", "--porcelain"); st != "" {
				t.Errorf("uncommitted changes left in the scratch tree:\n%s", st)
			}
			// The first commit has the first group's whole message.
			first := fmt.Sprintf("%s~%d", branch, len(log)-1)
			if msg := gitRun(t, repo, env, "show", "-s", "--format=%B", first); msg != strings.TrimSpace(tt.groups[0].Message) {
				t.Errorf("first commit's message = %q, want %q", msg, tt.groups[0].Message)
			}
			// The user's tree is untouched.
			if got := readFile(t, filepath.Join(repo, "fixes.txt")); got != "base\n" {
				t.Errorf("the user's fixes.txt = %q, want it untouched", got)
			}
		})
	}
}

func TestScratchCommitGroupsNotOnBranch(t *testing.T) {
	sc, err := NewScratch(context.Background(), t.TempDir(), ScratchOptions{Env: gitEnv(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close(context.Background())
	groups := []CommitGroup{{Strategy: &lineStrategy{file: "fixes.txt"}, Changes: []Change{change("a", "1", "2")}, Message: "fix: a"}}
	if got, err := sc.CommitGroups(context.Background(), groups, "fallback"); err == nil {
		t.Errorf("CommitGroups in a plain copy = %v, want an error", got)
	}
}
