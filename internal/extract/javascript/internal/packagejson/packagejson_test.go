package packagejson

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/inventory"
)

// manifest is what a caller of Read decodes into: the lists and fields of
// its own.
type manifest struct {
	Lists
	Workspaces       json.RawMessage   `json:"workspaces"`
	PeerDependencies map[string]string `json:"peerDependencies"`
	Resolutions      map[string]string `json:"resolutions"`
}

// input is the lockfile in folder dir of fsys, as the walker hands it over.
func input(fsys fs.FS, dir string) *inventory.Input {
	p := dir + "/yarn.lock"
	return &inventory.Input{Path: p, FS: fsys, FSPath: p, Reader: strings.NewReader("")}
}

func TestReadFixtures(t *testing.T) {
	fsys := os.DirFS("testdata")
	tests := []struct {
		dir     string
		want    *manifest
		wantErr string // the start of the error's text
	}{
		{
			dir: "minimal",
			want: &manifest{
				Lists: Lists{
					Dependencies:         map[string]string{"left-pad": "^1.3.0", "shared": "^2.0.0"},
					OptionalDependencies: map[string]string{"fsevents": "~2.3.2", "shared": "^2.0.0"},
					DevDependencies:      map[string]string{"typescript": "5.4.5"},
				},
				Workspaces:       json.RawMessage(`{"packages": ["packages/*", "!packages/old"]}`),
				PeerDependencies: map[string]string{"react": ">=17"},
				Resolutions:      map[string]string{"**/minimist": "1.2.8"},
			},
		},
		{
			dir: "real",
			want: &manifest{Lists: Lists{
				Dependencies: map[string]string{
					"clipboard": "^2.0.11", "codemirror": "^5.65.5", "dropzone": "^5.9.3",
					"markdown-it": "^13.0.1", "markdown-it-task-lists": "^2.1.1", "sortablejs": "^1.15.0",
				},
				DevDependencies: map[string]string{
					"chokidar-cli": "^3.0", "esbuild": "0.14.42", "livereload": "^0.9.3",
					"npm-run-all": "^4.1.5", "punycode": "^2.1.1", "sass": "^1.52.1",
				},
			}},
		},
		{dir: "empty", wantErr: `parse "empty/package.json" for "empty/yarn.lock" (scopes are unknown): unexpected end of JSON input`},
		{dir: "malformed", wantErr: `parse "malformed/package.json" for "malformed/yarn.lock" (scopes are unknown): unexpected end of JSON input`},
		{dir: "wrong-format", wantErr: `parse "wrong-format/package.json" for "wrong-format/yarn.lock" (scopes are unknown): invalid character '#'`},
		{dir: "missing"},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.dir, "-", "_"), func(t *testing.T) {
			got, err := Read[manifest](input(fsys, tt.dir), ".", "scopes")
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("Read error = %v, want one starting %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("Read error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Read (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRead(t *testing.T) {
	fsys := fstest.MapFS{
		"app/package.json":                 {Data: []byte(`{"dependencies": {"a": "^1"}}`)},
		"app/packages/lib/package.json":    {Data: []byte(`{"devDependencies": {"b": "^2"}}`)},
		"app/packages/folder/package.json": {Mode: fs.ModeDir},
		"app/bad-field/package.json":       {Data: []byte(`{"dependencies": ["a"]}`)},
	}
	tests := []struct {
		name    string
		in      *inventory.Input
		dir     string
		want    *Lists
		wantErr string
	}{
		{name: "beside_the_lockfile", in: input(fsys, "app"), dir: ".", want: &Lists{Dependencies: map[string]string{"a": "^1"}}},
		{name: "in_a_workspace", in: input(fsys, "app"), dir: "packages/lib", want: &Lists{DevDependencies: map[string]string{"b": "^2"}}},
		{name: "none", in: input(fsys, "app"), dir: "packages/none"},
		{name: "no_file_system", in: &inventory.Input{Path: "app/yarn.lock", Reader: strings.NewReader("")}, dir: "."},
		{name: "no_path_in_the_file_system", in: &inventory.Input{Path: "app/yarn.lock", FS: fsys, Reader: strings.NewReader("")}, dir: "."},
		{
			name:    "unreadable",
			in:      input(fsys, "app"),
			dir:     "packages/folder",
			wantErr: `read "app/packages/folder/package.json" for "app/yarn.lock": `,
		},
		{
			name:    "field_of_the_wrong_type",
			in:      input(fsys, "app"),
			dir:     "bad-field",
			wantErr: `parse "app/bad-field/package.json" for "app/yarn.lock" (relations are unknown): json: cannot unmarshal array`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read[Lists](tt.in, tt.dir, "relations")
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("Read error = %v, want one starting %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("Read error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Read (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReadOnlyWhatTheCallerAsks checks that a field of the wrong type that
// the caller's struct leaves out does not make the file unreadable.
func TestReadOnlyWhatTheCallerAsks(t *testing.T) {
	fsys := fstest.MapFS{"app/package.json": {Data: []byte(`{"dependencies": {"a": "^1"}, "resolutions": 5}`)}}
	if _, err := Read[Lists](input(fsys, "app"), ".", "relations"); err != nil {
		t.Errorf("Read into Lists: %v", err)
	}
	if _, err := Read[manifest](input(fsys, "app"), ".", "relations"); err == nil {
		t.Errorf("Read into a struct with resolutions: no error, want one")
	}
}

func TestScope(t *testing.T) {
	l := &Lists{
		Dependencies:         map[string]string{"p": "1", "both": "1"},
		OptionalDependencies: map[string]string{"o": "1", "both": "1", "od": "1"},
		DevDependencies:      map[string]string{"d": "1", "od": "1"},
	}
	tests := []struct {
		name  string
		lists *Lists
		dep   string
		want  inventory.Scope
	}{
		{"dependency", l, "p", inventory.ScopeProd},
		{"optional_dependency", l, "o", inventory.ScopeOptional},
		{"dev_dependency", l, "d", inventory.ScopeDev},
		{"dependency_wins", l, "both", inventory.ScopeProd},
		{"optional_wins_over_dev", l, "od", inventory.ScopeOptional},
		{"not_listed", l, "x", inventory.ScopeUnknown},
		{"nil_lists", nil, "p", inventory.ScopeUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.lists.Scope(tt.dep); got != tt.want {
				t.Errorf("Scope(%q) = %q, want %q", tt.dep, got, tt.want)
			}
		})
	}
}

func TestAll(t *testing.T) {
	l := &Lists{
		Dependencies:         map[string]string{"b": "^2", "a": "^1"},
		OptionalDependencies: map[string]string{"o": "~3"},
		DevDependencies:      map[string]string{"a": "^1.5"},
	}
	got := l.All()
	// The lists come in order, each list's entries in no particular
	// order: check the order of the lists, then sort by name within them.
	rank := map[inventory.Scope]int{inventory.ScopeProd: 0, inventory.ScopeOptional: 1, inventory.ScopeDev: 2}
	if !slices.IsSortedFunc(got, func(x, y Dependency) int { return rank[x.Scope] - rank[y.Scope] }) {
		t.Errorf("All() = %v: want dependencies, then optionalDependencies, then devDependencies", got)
	}
	slices.SortStableFunc(got, func(x, y Dependency) int {
		if d := rank[x.Scope] - rank[y.Scope]; d != 0 {
			return d
		}
		return strings.Compare(x.Name, y.Name)
	})
	want := []Dependency{
		{Name: "a", Range: "^1", Scope: inventory.ScopeProd},
		{Name: "b", Range: "^2", Scope: inventory.ScopeProd},
		{Name: "o", Range: "~3", Scope: inventory.ScopeOptional},
		{Name: "a", Range: "^1.5", Scope: inventory.ScopeDev},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("All() (-want +got):\n%s", diff)
	}
	if got := (&Lists{}).All(); got != nil {
		t.Errorf("All() of no lists = %v, want nil", got)
	}
}

func TestWorkspaceGlobs(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"array", `["packages/*", "tools"]`, []string{"packages/*", "tools"}},
		{"object_with_packages", `{"packages": ["packages/*"], "nohoist": ["**/x"]}`, []string{"packages/*"}},
		{"absent", ``, nil},
		{"string", `"packages/*"`, nil},
		{"array_of_numbers", `[1, 2]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := WorkspaceGlobs(json.RawMessage(tt.in))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("WorkspaceGlobs(%s) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// FuzzRead checks that Read never panics, returns a manifest exactly when
// encoding/json accepts the file, and that the helpers accept whatever it
// returns.
func FuzzRead(f *testing.F) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "package.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range dirs {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"app/package.json": {Data: data}}
		m, err := Read[manifest](input(fsys, "app"), ".", "scopes")
		if (err == nil) != (m != nil) {
			t.Fatalf("Read = %v, %v: want a manifest or an error", m, err)
		}
		if err == nil && !json.Valid(data) {
			t.Fatalf("Read accepted %q, which is not JSON", data)
		}
		if err != nil && errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Read error %v for a file that exists", err)
		}
		if m != nil {
			for _, d := range m.All() {
				if got := m.Scope(d.Name); got == inventory.ScopeUnknown {
					t.Fatalf("Scope(%q) is unknown, but All lists it as %q", d.Name, d.Scope)
				}
			}
			WorkspaceGlobs(m.Workspaces)
		}
	})
}
