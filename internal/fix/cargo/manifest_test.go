package cargo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRewriteRequirement(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		table    []string
		key      string
		old, req string
		want     string // empty: an error is wanted
	}{
		{
			name:  "plain_string",
			in:    "[package]\nname = \"app\"\n\n[dependencies]\n# pinned on purpose\nsmallvec = \"=1.6.0\" # keep\nserde = \"1\"\n",
			table: []string{"dependencies"}, key: "smallvec", old: "=1.6.0", req: "=1.6.1",
			want: "[package]\nname = \"app\"\n\n[dependencies]\n# pinned on purpose\nsmallvec = \"=1.6.1\" # keep\nserde = \"1\"\n",
		},
		{
			name:  "inline_table_literal_string",
			in:    "[dependencies]\nold = { package = 'smallvec', version = '0.6.9', features = [\"std\"] }\n",
			table: []string{"dependencies"}, key: "old", old: "0.6.9", req: "0.6.14",
			want: "[dependencies]\nold = { package = 'smallvec', version = '0.6.14', features = [\"std\"] }\n",
		},
		{
			name:  "dotted_key",
			in:    "[dev-dependencies]\ntime.version = \"0.1\"\ntime.default-features = false\n",
			table: []string{"dev-dependencies"}, key: "time", old: "0.1", req: "0.2.23",
			want: "[dev-dependencies]\ntime.version = \"0.2.23\"\ntime.default-features = false\n",
		},
		{
			name:  "dependency_table",
			in:    "[dependencies.smallvec]\nfeatures = [\"union\"]\nversion = \"=1.6.0\"\n",
			table: []string{"dependencies"}, key: "smallvec", old: "=1.6.0", req: "=1.6.1",
			want: "[dependencies.smallvec]\nfeatures = [\"union\"]\nversion = \"=1.6.1\"\n",
		},
		{
			name:  "target_table_crlf",
			in:    "[target.'cfg(unix)'.build-dependencies]\r\nsmallvec = \"1.6.0\"\r\n[dependencies]\r\nsmallvec = \"1.6.0\"\r\n",
			table: []string{"target", "cfg(unix)", "build-dependencies"}, key: "smallvec", old: "1.6.0", req: "1.6.1",
			want: "[target.'cfg(unix)'.build-dependencies]\r\nsmallvec = \"1.6.1\"\r\n[dependencies]\r\nsmallvec = \"1.6.0\"\r\n",
		},
		{
			name:  "workspace_dependencies",
			in:    "[workspace]\nmembers = [\"app\"]\n\n[workspace.dependencies]\nsmallvec = { version = \"=1.6.0\" }\n",
			table: []string{"workspace", "dependencies"}, key: "smallvec", old: "=1.6.0", req: "=1.6.1",
			want: "[workspace]\nmembers = [\"app\"]\n\n[workspace.dependencies]\nsmallvec = { version = \"=1.6.1\" }\n",
		},
		{
			name:  "other_table_untouched",
			in:    "[build-dependencies]\nsmallvec = \"=1.6.0\"\n[[bin]]\nsmallvec = \"=1.6.0\"\n",
			table: []string{"dependencies"}, key: "smallvec", old: "=1.6.0", req: "=1.6.1",
		},
		{
			name:  "requirement_differs",
			in:    "[dependencies]\nsmallvec = \"1.6\"\n",
			table: []string{"dependencies"}, key: "smallvec", old: "=1.6.0", req: "=1.6.1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rewriteRequirement([]byte(tt.in), tt.table, tt.key, tt.old, tt.req)
			if tt.want == "" {
				if err == nil {
					t.Errorf("rewriteRequirement = %q, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("rewriteRequirement: %v", err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("rewritten manifest mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadWorkspace(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Cargo.toml": `[workspace]
members = ["crates/*"]
exclude = ["crates/skipped"]

[workspace.dependencies]
smallvec = "=1.6.0"
`,
		"crates/app/Cargo.toml": `[package]
name = "app"
version = "0.1.0"

[dependencies]
smallvec = { workspace = true }
old = { package = "smallvec", version = "0.6.9" }
helper = { path = "../../helper" }

[target.'cfg(unix)'.dev-dependencies]
time = "0.1"
`,
		"crates/skipped/Cargo.toml": "[package]\nname = \"skipped\"\nversion = \"0.1.0\"\n[dependencies]\nserde = \"1\"\n",
		"crates/notes.txt":          "not a crate",
		"helper/Cargo.toml":         "[package]\nname = \"helper\"\nversion = \"0.1.0\"\n[build-dependencies]\ncc = \"1\"\n",
	})
	w, err := loadWorkspace(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := &workspace{
		Members: []string{"crates/app/Cargo.toml", "helper/Cargo.toml"},
		Deps: []dependency{
			{Member: "crates/app/Cargo.toml", Table: []string{"dependencies"}, Key: "helper", Crate: "helper", Local: true,
				ReqFile: "crates/app/Cargo.toml", ReqTable: []string{"dependencies"}, ReqKey: "helper"},
			{Member: "crates/app/Cargo.toml", Table: []string{"dependencies"}, Key: "old", Crate: "smallvec", Req: "0.6.9",
				ReqFile: "crates/app/Cargo.toml", ReqTable: []string{"dependencies"}, ReqKey: "old"},
			{Member: "crates/app/Cargo.toml", Table: []string{"dependencies"}, Key: "smallvec", Crate: "smallvec", Req: "=1.6.0",
				ReqFile: "Cargo.toml", ReqTable: []string{"workspace", "dependencies"}, ReqKey: "smallvec"},
			{Member: "crates/app/Cargo.toml", Table: []string{"target", "cfg(unix)", "dev-dependencies"}, Key: "time", Crate: "time", Req: "0.1",
				ReqFile: "crates/app/Cargo.toml", ReqTable: []string{"target", "cfg(unix)", "dev-dependencies"}, ReqKey: "time"},
			{Member: "helper/Cargo.toml", Table: []string{"build-dependencies"}, Key: "cc", Crate: "cc", Req: "1",
				ReqFile: "helper/Cargo.toml", ReqTable: []string{"build-dependencies"}, ReqKey: "cc"},
		},
	}
	if diff := cmp.Diff(want, w); diff != "" {
		t.Errorf("workspace mismatch (-want +got):\n%s", diff)
	}

	t.Run("direct_dependencies_by_version", func(t *testing.T) {
		var got []string
		for _, d := range w.on("smallvec", "0.6.9") {
			got = append(got, d.Key)
		}
		if diff := cmp.Diff([]string{"old"}, got); diff != "" {
			t.Errorf("on(smallvec@0.6.9) mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("excluding_requirements", func(t *testing.T) {
		var got []string
		for _, d := range w.excluding("smallvec", "1.6.0", "1.6.1") {
			got = append(got, d.where())
		}
		if diff := cmp.Diff([]string{"[workspace.dependencies] smallvec in Cargo.toml"}, got); diff != "" {
			t.Errorf("excluding mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("set_inherited_requirement", func(t *testing.T) {
		d := w.excluding("smallvec", "1.6.0", "1.6.1")[0]
		req, err := setRequirement(dir, d, "1.6.1")
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, "Cargo.toml"))
		if err != nil {
			t.Fatal(err)
		}
		if req != "=1.6.1" || !strings.Contains(string(data), "smallvec = \"=1.6.1\"\n") {
			t.Errorf("requirement %q, manifest:\n%s", req, data)
		}
	})
}

func TestLoadWorkspaceErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no_manifest", map[string]string{"README": "x"}, "read the Cargo manifest"},
		{"malformed_root", map[string]string{"Cargo.toml": "[package\nname = 1"}, "Cargo.toml"},
		{"malformed_member", map[string]string{"Cargo.toml": "[workspace]\nmembers = [\"a\"]\n", "a/Cargo.toml": "x = = 1"}, filepath.Join("a", "Cargo.toml")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			_, err := loadWorkspace(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("loadWorkspace error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func FuzzRewriteRequirement(f *testing.F) {
	f.Add("[dependencies]\nsmallvec = \"=1.6.0\"\n", "smallvec", "=1.6.0")
	f.Add("[dependencies]\nold = { package = 'smallvec', version = '0.6.9' }\n", "old", "0.6.9")
	f.Add("[dependencies.smallvec]\nversion = \"1\"\n", "smallvec", "1")
	f.Add("[\"a\\\nb\".c]\nx.\"y\n", "x", "")
	f.Fuzz(func(t *testing.T, manifest, key, old string) {
		out, err := rewriteRequirement([]byte(manifest), []string{"dependencies"}, key, old, "9.9.9")
		if err == nil && !strings.Contains(string(out), "9.9.9") {
			t.Errorf("rewrite succeeded without writing the requirement: %q", out)
		}
	})
}
