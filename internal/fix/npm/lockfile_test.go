package npm

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// treeLock is a lockfile with nested node_modules, a scoped package, a
// workspace with its own node_modules, a link, an alias, and every kind
// of dependency field.
const treeLock = `{
  "name": "app",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "app",
      "version": "1.0.0",
      "workspaces": ["packages/*"],
      "dependencies": {"a": "^1.0.0", "ms": "^2.0.0", "@s/b": "~2.0.0", "ms-alias": "npm:ms@^2.1.0"},
      "devDependencies": {"c": "^3.0.0"}
    },
    "node_modules/a": {
      "version": "1.0.0",
      "dependencies": {"ms": "0.7.0", "debug": "^2.0.0"}
    },
    "node_modules/a/node_modules/ms": {"version": "0.7.0"},
    "node_modules/ms": {"version": "2.1.3", "license": "MIT"},
    "node_modules/ms-alias": {"name": "ms", "version": "2.1.3"},
    "node_modules/debug": {
      "version": "2.6.8",
      "resolved": "https://registry.npm.example/debug/-/debug-2.6.8.tgz",
      "dependencies": {"ms": "2.0.0"}
    },
    "node_modules/debug/node_modules/ms": {"version": "2.0.0"},
    "node_modules/@s/b": {
      "version": "2.0.1",
      "dependencies": {"ms": "^2.1.0"},
      "peerDependencies": {"a": "1"}
    },
    "node_modules/c": {
      "version": "3.0.0",
      "dev": true,
      "optionalDependencies": {"ms": "*"},
      "devDependencies": {"debug": "^2.0.0"}
    },
    "node_modules/w": {"resolved": "packages/w", "link": true},
    "packages/w": {
      "name": "w",
      "version": "0.1.0",
      "dependencies": {"ms": "^2.1.0", "a": "^1.5.0"},
      "devDependencies": {"debug": "^2.6.0"}
    },
    "packages/w/node_modules/a": {"version": "1.5.0"}
  }
}
`

func parseTree(t *testing.T) *lockfile {
	t.Helper()
	lf, err := parseLock("package-lock.json", []byte(treeLock))
	if err != nil {
		t.Fatalf("parse the test lockfile: %v", err)
	}
	return lf
}

func TestParseLock(t *testing.T) {
	lf := parseTree(t)
	if lf.version != 3 {
		t.Errorf("version = %d, want 3", lf.version)
	}
	if got := len(lf.packages); got != 12 {
		t.Errorf("%d packages, want 12", got)
	}
	if got := lf.packages["node_modules/@s/b"].PeerDependencies["a"]; got != "1" {
		t.Errorf("peerDependencies of @s/b: a = %q, want %q", got, "1")
	}
	if !lf.packages["node_modules/w"].Link {
		t.Error("node_modules/w is not a link")
	}
	// Unknown fields are kept for a rewrite.
	if got := string(lf.raw["node_modules/ms"]["license"]); got != `"MIT"` {
		t.Errorf("raw license of ms = %s, want \"MIT\"", got)
	}
}

func TestParseLockErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		// want are substrings of the error.
		want []string
		bug  string
	}{
		{
			name: "version_1",
			data: `{"name": "x", "lockfileVersion": 1, "requires": true, "dependencies": {"ms": {"version": "0.7.0"}}}`,
			want: []string{`"lock.json"`, "version 1 lockfile", "npm 6 or older", "npm install --package-lock-only"},
		},
		{
			name: "no_version_no_packages",
			data: `{"name": "x", "dependencies": {}}`,
			want: []string{`"lock.json"`, "version 0 lockfile", "npm 6 or older"},
		},
		{
			name: "version_1_with_packages",
			data: `{"lockfileVersion": 1, "packages": {"": {}}}`,
			want: []string{"version 1 lockfile"},
		},
		{
			name: "version_3_without_packages",
			data: `{"lockfileVersion": 3, "requires": true}`,
			want: []string{`"lock.json"`, "packages"},
			bug:  `parseLock gives the npm-6 message for a version 2 or 3 lockfile that has no "packages": "is a version 3 lockfile, written by npm 6 or older: patchline fix needs version 2 or 3"`,
		},
		{
			name: "invalid_json_line",
			data: "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {}\n    \"node_modules/a\": {}\n  }\n}\n",
			want: []string{`parse "lock.json"`, "line 5", "invalid character"},
		},
		{
			name: "invalid_json_first_line",
			data: `{"lockfileVersion": 3,, "packages": {}}`,
			want: []string{`parse "lock.json"`, "line 1"},
		},
		{
			name: "truncated",
			data: "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n",
			want: []string{`parse "lock.json"`, "unexpected end of JSON input"},
		},
		{
			name: "empty",
			data: "",
			want: []string{`parse "lock.json"`, "line 1"},
		},
		{
			name: "not_an_object",
			data: `["lockfileVersion", 3]`,
			want: []string{`parse "lock.json"`, "cannot unmarshal array"},
		},
		{
			name: "null",
			data: `null`,
			want: []string{`"lock.json"`, "version 0 lockfile"},
		},
		{
			name: "version_not_a_number",
			data: `{"lockfileVersion": "3", "packages": {"": {}}}`,
			want: []string{`parse "lock.json": lockfileVersion`},
		},
		{
			name: "packages_not_an_object",
			data: `{"lockfileVersion": 3, "packages": ["node_modules/a"]}`,
			want: []string{`parse "lock.json": packages`},
		},
		{
			name: "package_field_of_wrong_type",
			data: `{"lockfileVersion": 3, "packages": {"": {}, "node_modules/a": {"version": 1}}}`,
			want: []string{`parse "lock.json": packages`, "version"},
		},
		{
			name: "dependencies_of_wrong_type",
			data: `{"lockfileVersion": 3, "packages": {"": {"dependencies": ["a"]}}}`,
			want: []string{`parse "lock.json": packages`},
		},
		{
			name: "missing_root",
			data: `{"lockfileVersion": 3, "packages": {"node_modules/a": {"version": "1.0.0"}}}`,
			want: []string{`parse "lock.json"`, `no root package (packages[""])`},
		},
		{
			name: "packages_null",
			data: `{"lockfileVersion": 3, "packages": null}`,
			want: []string{`parse "lock.json"`, `no root package`},
		},
		{
			name: "null_package",
			data: `{"lockfileVersion": 2, "packages": {"": {}, "node_modules/a": null}}`,
			want: []string{`parse "lock.json"`, `packages["node_modules/a"] is null`},
		},
		{
			name: "null_root",
			data: `{"lockfileVersion": 2, "packages": {"": null}}`,
			want: []string{`parse "lock.json"`, `packages[""] is null`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lf, err := parseLock("lock.json", []byte(tt.data))
			if err == nil {
				t.Fatalf("parseLock = %+v, want an error", lf)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("parseLock error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(tt.data, `"lockfileVersion": 3`) && strings.Contains(err.Error(), "npm 6 or older") {
				t.Errorf("parseLock error %q blames npm 6 for a version 3 lockfile", err)
			}
		})
	}
}

func TestReadLock(t *testing.T) {
	dir := t.TempDir()
	if _, err := readLock(filepath.Join(dir, "package-lock.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("readLock of a missing file = %v, want os.ErrNotExist", err)
	}
	path := filepath.Join(dir, "package-lock.json")
	if err := os.WriteFile(path, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := readLock(path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("readLock of a malformed file = %v, want an error naming %q", err, path)
	}
	lf, err := readLock(filepath.Join("testdata", "project", "package-lock.json"))
	if err != nil {
		t.Fatalf("readLock of the fixture project: %v", err)
	}
	if got := lf.instances("qs", "0.6.6"); !cmp.Equal(got, []string{"node_modules/qs"}) {
		t.Errorf("instances of qs@0.6.6 in the fixture = %v", got)
	}
}

func TestFindLock(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		dirs  []string
		want  string
	}{
		{name: "none", want: ""},
		{name: "package_lock", files: []string{"package-lock.json", "package.json"}, want: "package-lock.json"},
		{name: "shrinkwrap_wins", files: []string{"package-lock.json", "npm-shrinkwrap.json"}, want: "npm-shrinkwrap.json"},
		{name: "directory_is_not_a_lockfile", dirs: []string{"npm-shrinkwrap.json"}, files: []string{"package-lock.json"}, want: "package-lock.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, f), []byte("{}"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, d := range tt.dirs {
				if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if got := findLock(dir); got != tt.want {
				t.Errorf("findLock = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPathNameParentPath(t *testing.T) {
	tests := []struct {
		path, wantName, wantParent string
	}{
		{"", "", ""},
		{"node_modules/a", "a", ""},
		{"node_modules/@s/b", "@s/b", ""},
		{"node_modules/a/node_modules/@s/b", "@s/b", "node_modules/a"},
		{"node_modules/a/node_modules/b/node_modules/c", "c", "node_modules/a/node_modules/b"},
		{"node_modules/@s/b/node_modules/c", "c", "node_modules/@s/b"},
		{"packages/w", "", ""},
		{"packages/w/node_modules/a", "a", "packages/w"},
		{"packages/w/node_modules/a/node_modules/@s/b", "@s/b", "packages/w/node_modules/a"},
	}
	for _, tt := range tests {
		if got := pathName(tt.path); got != tt.wantName {
			t.Errorf("pathName(%q) = %q, want %q", tt.path, got, tt.wantName)
		}
		if got := parentPath(tt.path); got != tt.wantParent {
			t.Errorf("parentPath(%q) = %q, want %q", tt.path, got, tt.wantParent)
		}
	}
}

func TestLockfileName(t *testing.T) {
	lf := parseTree(t)
	for path, want := range map[string]string{
		"":                               "app",
		"node_modules/a/node_modules/ms": "ms",
		"node_modules/@s/b":              "@s/b",
		"node_modules/ms-alias":          "ms", // the real name, not the alias
		"packages/w":                     "w",
		"node_modules/not-there":         "not-there",
	} {
		if got := lf.name(path); got != want {
			t.Errorf("name(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestLockfileResolve(t *testing.T) {
	lf := parseTree(t)
	tests := []struct {
		from, name string
		want       string
		wantOK     bool
	}{
		{"", "ms", "node_modules/ms", true},
		{"", "@s/b", "node_modules/@s/b", true},
		{"", "w", "node_modules/w", true},
		{"", "nope", "", false},
		{"node_modules/a", "ms", "node_modules/a/node_modules/ms", true},
		{"node_modules/a", "debug", "node_modules/debug", true},
		{"node_modules/a/node_modules/ms", "ms", "node_modules/a/node_modules/ms", true},
		{"node_modules/debug/node_modules/ms", "a", "node_modules/a", true},
		{"node_modules/debug/node_modules/ms", "ms", "node_modules/debug/node_modules/ms", true},
		{"node_modules/@s/b", "ms", "node_modules/ms", true},
		{"node_modules/@s/b", "a", "node_modules/a", true},
		{"packages/w", "a", "packages/w/node_modules/a", true},
		{"packages/w", "ms", "node_modules/ms", true},
		{"packages/w/node_modules/a", "ms", "node_modules/ms", true},
		{"packages/w/node_modules/a", "a", "packages/w/node_modules/a", true},
		{"node_modules/a", "nope", "", false},
	}
	for _, tt := range tests {
		got, ok := lf.resolve(tt.from, tt.name)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("resolve(%q, %q) = %q, %v; want %q, %v", tt.from, tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestLockfileDependents(t *testing.T) {
	lf := parseTree(t)
	tests := []struct {
		name   string
		target string
		want   []dependent
		bug    string
	}{
		{
			name:   "hoisted_with_many_dependents",
			target: "node_modules/ms",
			want: []dependent{
				{path: "", spec: "^2.0.0", field: "dependencies"},
				{path: "node_modules/@s/b", spec: "^2.1.0", field: "dependencies"},
				{path: "node_modules/c", spec: "*", field: "optionalDependencies"},
				{path: "packages/w", spec: "^2.1.0", field: "dependencies"},
			},
		},
		{
			name:   "nested",
			target: "node_modules/a/node_modules/ms",
			want:   []dependent{{path: "node_modules/a", spec: "0.7.0", field: "dependencies"}},
		},
		{
			name:   "nested_under_hoisted",
			target: "node_modules/debug/node_modules/ms",
			want:   []dependent{{path: "node_modules/debug", spec: "2.0.0", field: "dependencies"}},
		},
		{
			name:   "peer",
			target: "node_modules/a",
			want: []dependent{
				{path: "", spec: "^1.0.0", field: "dependencies"},
				{path: "node_modules/@s/b", spec: "1", field: "peerDependencies"},
			},
		},
		{
			name:   "workspace_own_copy",
			target: "packages/w/node_modules/a",
			want:   []dependent{{path: "packages/w", spec: "^1.5.0", field: "dependencies"}},
		},
		{
			name:   "root_dev_dependency",
			target: "node_modules/c",
			want:   []dependent{{path: "", spec: "^3.0.0", field: "devDependencies"}},
		},
		{
			name:   "scoped",
			target: "node_modules/@s/b",
			want:   []dependent{{path: "", spec: "~2.0.0", field: "dependencies"}},
		},
		{
			name:   "workspace_dev_dependency",
			target: "node_modules/debug",
			want: []dependent{
				{path: "node_modules/a", spec: "^2.0.0", field: "dependencies"},
				{path: "packages/w", spec: "^2.6.0", field: "devDependencies"},
			},
			bug: "dependents reads devDependencies only for the root, but npm installs a workspace's devDependencies too (the workspace is a top-level node), so a workspace's dev range that excludes the pick is never seen as blocking",
		},
		{
			name:   "alias",
			target: "node_modules/ms-alias",
			want:   []dependent{{path: "", spec: "^2.1.0", field: "dependencies"}}, // the range behind the alias
			bug:    `dependents looks requirers up by the entry's real name ("ms"), but they require it by its alias (the install path's name, "ms-alias"), so an aliased package has no dependents and is planned as a lockfile-only change`,
		},
		{
			name:   "no_dependents",
			target: "node_modules/nope",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lf.dependents(tt.target)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(dependent{})); diff != "" {
				t.Errorf("dependents(%q) mismatch (-want +got):\n%s", tt.target, diff)
			}
		})
	}
}

// TestLockfileDependentsWithoutWorkspaceDev: the devDependencies of an
// installed package (c asks for debug) are not installed, so they are no
// dependents; without the workspace, debug's only dependent is a.
func TestLockfileDependentsWithoutWorkspaceDev(t *testing.T) {
	lf := parseTree(t)
	delete(lf.packages, "packages/w")
	got := lf.dependents("node_modules/debug")
	want := []dependent{{path: "node_modules/a", spec: "^2.0.0", field: "dependencies"}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(dependent{})); diff != "" {
		t.Errorf("dependents mismatch (-want +got):\n%s", diff)
	}
}

func TestLockfileInstances(t *testing.T) {
	lf := parseTree(t)
	tests := []struct {
		name, version string
		want          []string
	}{
		{"ms", "2.1.3", []string{"node_modules/ms", "node_modules/ms-alias"}},
		{"ms", "2.0.0", []string{"node_modules/debug/node_modules/ms"}},
		{"ms", "0.7.0", []string{"node_modules/a/node_modules/ms"}},
		{"a", "1.0.0", []string{"node_modules/a"}},
		{"a", "1.5.0", []string{"packages/w/node_modules/a"}},
		{"@s/b", "2.0.1", []string{"node_modules/@s/b"}},
		{"w", "0.1.0", []string{"packages/w"}},
		{"app", "1.0.0", nil}, // the project itself is no instance
		{"ms", "9.9.9", nil},
		{"ms-alias", "2.1.3", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, lf.instances(tt.name, tt.version)); diff != "" {
			t.Errorf("instances(%q, %q) mismatch (-want +got):\n%s", tt.name, tt.version, diff)
		}
	}
}

func TestSatisfies(t *testing.T) {
	tests := []struct {
		name    string
		spec, v string
		want    bool
		wantWhy bool // a reason is given: spec is not a range
		bug     string
	}{
		{name: "caret_minor", spec: "^1.2.3", v: "1.9.0", want: true},
		{name: "caret_next_major", spec: "^1.2.3", v: "2.0.0"},
		{name: "caret_below", spec: "^1.2.3", v: "1.2.2"},
		{name: "caret_zero_minor", spec: "^0.6.6", v: "0.6.9", want: true},
		{name: "caret_zero_next_minor", spec: "^0.6.6", v: "0.7.0"},
		{name: "caret_zero_zero", spec: "^0.0.3", v: "0.0.4"},
		{name: "caret_x", spec: "^1.x", v: "1.9.0", want: true},
		{name: "tilde_patch", spec: "~1.2.3", v: "1.2.9", want: true},
		{name: "tilde_next_minor", spec: "~1.2.3", v: "1.3.0"},
		{name: "tilde_major_only", spec: "~1", v: "1.9.0", want: true},
		{name: "tilde_greater", spec: "~>1.2", v: "1.2.5", want: true},
		{name: "x_minor", spec: "1.2.x", v: "1.2.7", want: true},
		{name: "x_minor_outside", spec: "1.2.x", v: "1.3.0"},
		{name: "capital_x", spec: "1.X", v: "1.5.0", want: true},
		{name: "partial_minor", spec: "1.2", v: "1.2.9", want: true},
		{name: "partial_minor_outside", spec: "1.2", v: "1.3.0"},
		{name: "partial_major", spec: "1", v: "1.9.0", want: true},
		{name: "partial_major_outside", spec: "1", v: "2.0.0"},
		{name: "lone_x", spec: "x", v: "3.0.0", want: true},
		{name: "star", spec: "*", v: "3.0.0", want: true},
		{name: "empty", spec: "", v: "3.0.0", want: true},
		{name: "blank", spec: "  ", v: "3.0.0", want: true},
		{name: "or", spec: "^1.0.0 || ^2.0.0", v: "2.1.0", want: true},
		{name: "or_without_spaces", spec: "^1.0.0||^2.0.0", v: "2.1.0", want: true},
		{name: "or_neither", spec: "1.x || >=2.5.0", v: "2.4.0"},
		{name: "or_below", spec: ">1.2.3 || <1.0.0", v: "0.9.0", want: true},
		{name: "hyphen_inclusive", spec: "1.2.3 - 2.3.4", v: "2.3.4", want: true},
		{name: "hyphen_above", spec: "1.2.3 - 2.3.4", v: "2.3.5"},
		{name: "hyphen_partial_upper", spec: "1.2 - 2", v: "2.9.9", want: true},
		{name: "hyphen_partial_upper_above", spec: "1.2 - 2", v: "3.0.0"},
		{name: "comparators", spec: ">=2.0.0 <3", v: "2.5.0", want: true},
		{name: "comparator_with_space", spec: ">= 1.2.3", v: "1.2.3", want: true},
		{name: "greater_than_partial", spec: ">1.2", v: "1.2.9"},
		{name: "less_equal_partial", spec: "<=1.2", v: "1.2.9", want: true},
		{name: "exact", spec: "1.2.3", v: "1.2.3", want: true},
		{name: "exact_other", spec: "1.2.3", v: "1.2.4"},
		{name: "exact_equals", spec: "=1.2.3", v: "1.2.3", want: true},
		{name: "exact_v", spec: "v1.2.3", v: "1.2.3", want: true},
		{name: "prerelease_excluded", spec: "^1.0.0", v: "1.1.0-rc.1"},
		{name: "prerelease_same_tuple", spec: "^1.2.3-beta.2", v: "1.2.3-beta.4", want: true},
		{
			name: "prerelease_other_tuple", spec: "^1.2.3-beta.2", v: "1.2.4-beta.1",
			bug: `satisfies uses Masterminds semantics, where "^1.2.3-beta.2" admits "1.2.4-beta.1"; npm admits a pre-release only on the comparator's own [major, minor, patch]`,
		},
		{
			name: "star_excludes_prerelease", spec: "*", v: "1.0.0-rc.1",
			bug: `satisfies("*", "1.0.0-rc.1") is true (an early return), but npm's "*" and "" do not match pre-releases`,
		},
		{name: "tag_latest", spec: "latest", v: "1.0.0", wantWhy: true},
		{name: "tag_next", spec: "next", v: "1.0.0", wantWhy: true},
		{name: "tag_other", spec: "beta", v: "1.0.0", wantWhy: true},
		{name: "url", spec: "https://files.example/ms-2.1.3.tgz", v: "2.1.3", wantWhy: true},
		{name: "git", spec: "git+ssh://git@git.example/ms.git#v2.1.3", v: "2.1.3", wantWhy: true},
		{name: "github_shorthand", spec: "vercel/ms", v: "2.1.3", wantWhy: true},
		{name: "file", spec: "file:../ms", v: "2.1.3", wantWhy: true},
		{name: "alias", spec: "npm:ms@^2.1.0", v: "2.1.3", wantWhy: true},
		{name: "version_not_strict", spec: "^1.0.0", v: "v1.2.0"},
		{name: "version_garbage", spec: "^1.0.0", v: "latest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, why := satisfies(tt.spec, tt.v)
			if ok != tt.want || (why != "") != tt.wantWhy {
				t.Errorf("satisfies(%q, %q) = %v, %q; want %v with a reason: %v", tt.spec, tt.v, ok, why, tt.want, tt.wantWhy)
			}
			if ok && why != "" {
				t.Errorf("satisfies(%q, %q) gives a reason %q with ok", tt.spec, tt.v, why)
			}
		})
	}
}

func TestNewRange(t *testing.T) {
	tests := []struct {
		name   string
		old, v string
		want   string
		bug    string
	}{
		{name: "caret", old: "^0.6.6", v: "6.0.4", want: "^6.0.4"},
		{name: "caret_spaces", old: "  ^0.6.6 ", v: "0.6.9", want: "^0.6.9"},
		{name: "tilde", old: "~2.1.3", v: "2.6.9", want: "~2.6.9"},
		{name: "tilde_greater", old: "~>2.1", v: "2.6.9", want: "~2.6.9"},
		{name: "exact", old: "4.3.0", v: "4.3.2", want: "4.3.2"},
		{name: "x_range", old: "1.2.x", v: "1.3.0", want: "~1.3.0"},
		{name: "minor_range", old: "1.2", v: "1.3.0", want: "~1.3.0"},
		{name: "major_range", old: "1", v: "2.0.0", want: "^2.0.0"},
		{name: "star", old: "*", v: "1.3.0", want: "^1.3.0"},
		{name: "empty", old: "", v: "1.3.0", want: "^1.3.0"},
		{name: "comparators", old: ">=1.0.0 <1.3.0", v: "1.3.0", want: "^1.3.0"},
		{name: "or", old: "1.0.0 || 1.1.0", v: "1.3.0", want: "^1.3.0"},
		{name: "caret_or", old: "^1.0.0 || ^2.0.0", v: "3.0.1", want: "^3.0.1"},
		{
			name: "exact_with_equals", old: "=4.3.0", v: "4.3.2", want: "4.3.2",
			bug: `newRange turns the exact "=4.3.0" into "^4.3.2"; its doc says an exact version stays exact`,
		},
		{
			name: "exact_with_v", old: "v4.3.0", v: "4.3.2", want: "4.3.2",
			bug: `newRange turns the exact "v4.3.0" into "^4.3.2"; its doc says an exact version stays exact`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := newRange(tt.old, tt.v)
			if got != tt.want {
				t.Errorf("newRange(%q, %q) = %q, want %q", tt.old, tt.v, got, tt.want)
			}
			if ok, why := satisfies(got, tt.v); !ok {
				t.Errorf("newRange(%q, %q) = %q, which does not admit %s (%s)", tt.old, tt.v, got, tt.v, why)
			}
		})
	}
}

// TestLockfileSetWrite rewrites one package and reads the file back:
// only what the fix changes changes.
func TestLockfileSetWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "package-lock.json")
	if err := os.WriteFile(path, []byte(treeLock), 0o644); err != nil {
		t.Fatal(err)
	}
	lf, err := readLock(path)
	if err != nil {
		t.Fatal(err)
	}
	m := &manifest{Name: "debug", Version: "2.6.9", Dependencies: map[string]string{"ms": "2.0.0"}, Deprecated: "use 4.x"}
	// debug has "resolved": it is rewritten.
	m.Dist.Tarball = "https://registry.npm.example/debug/-/debug-2.6.9.tgz"
	m.Dist.Integrity = "sha512-AAAA"
	// node_modules/a has no "resolved": it gets none.
	if err := lf.set("node_modules/a", &manifest{Version: "1.0.1", Dist: m.Dist}); err != nil {
		t.Fatal(err)
	}
	if err := lf.set("node_modules/debug", m); err != nil {
		t.Fatal(err)
	}
	if err := lf.set("node_modules/nope", m); err == nil {
		t.Error("set of a missing package succeeded")
	}
	if err := lf.write(); err != nil {
		t.Fatal(err)
	}
	again, err := readLock(path)
	if err != nil {
		t.Fatalf("read the rewritten lockfile: %v", err)
	}
	fields := func(p string) map[string]string {
		out := map[string]string{}
		for k, v := range again.raw[p] {
			var b bytes.Buffer
			if err := json.Compact(&b, v); err != nil {
				t.Fatal(err)
			}
			out[k] = b.String()
		}
		return out
	}
	want := map[string]map[string]string{
		"node_modules/a": {
			"version":   `"1.0.1"`,
			"integrity": `"sha512-AAAA"`,
		},
		"node_modules/debug": {
			"version":      `"2.6.9"`,
			"resolved":     `"https://registry.npm.example/debug/-/debug-2.6.9.tgz"`,
			"integrity":    `"sha512-AAAA"`,
			"dependencies": `{"ms":"2.0.0"}`,
			"deprecated":   `"use 4.x"`,
		},
		"node_modules/ms": {"version": `"2.1.3"`, "license": `"MIT"`},
	}
	for p, w := range want {
		if diff := cmp.Diff(w, fields(p)); diff != "" {
			t.Errorf("%s after set and write mismatch (-want +got):\n%s", p, diff)
		}
	}
	if again.version != 3 || again.packages[""].Name != "app" {
		t.Errorf("top level lost: version %d, root %+v", again.version, again.packages[""])
	}
	var top map[string]json.RawMessage
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	if string(top["requires"]) != "true" || string(top["name"]) != `"app"` {
		t.Errorf("top-level fields changed: requires %s, name %s", top["requires"], top["name"])
	}
}

func FuzzParseLock(f *testing.F) {
	real, err := os.ReadFile(filepath.Join("testdata", "project", "package-lock.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(real)
	f.Add([]byte(treeLock))
	f.Add([]byte(`{"lockfileVersion": 3, "packages": {"": {}}}`))
	f.Add([]byte(`{"lockfileVersion": 1, "dependencies": {}}`))
	f.Add([]byte(`{"lockfileVersion": 3, "packages": {"": {}, "node_modules/a": null}}`))
	f.Add([]byte("{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n"))
	f.Add([]byte(`name: not json`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		lf, err := parseLock("package-lock.json", data)
		if err != nil {
			if lf != nil {
				t.Errorf("parseLock returned a lockfile with the error %v", err)
			}
			return
		}
		// Every helper over a parsed lockfile must work without panicking.
		for p, e := range lf.packages {
			name := lf.name(p)
			_ = pathName(p)
			_ = parentPath(p)
			_, _ = lf.resolve(p, name)
			_ = lf.dependents(p)
			_ = lf.instances(name, e.Version)
			for dep, spec := range e.Dependencies {
				_, _ = lf.resolve(p, dep)
				_, _ = satisfies(spec, e.Version)
				_ = newRange(spec, e.Version)
			}
		}
	})
}
