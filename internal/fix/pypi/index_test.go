package pypi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/fix"
	"github.com/patchline/patchline/internal/fix/registry"
	"github.com/patchline/patchline/internal/inventory"
)

// index is a JSON simple API served from testdata/index, counting requests.
type index struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string
}

func newIndex(t *testing.T) *index {
	t.Helper()
	x := &index{}
	x.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x.mu.Lock()
		x.requests = append(x.requests, r.URL.Path)
		x.mu.Unlock()
		if r.Header.Get("Accept") != simpleJSON {
			http.Error(w, "want the JSON simple API", http.StatusNotAcceptable)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, "/simple/")
		name, ok2 := strings.CutSuffix(name, "/")
		if !ok || !ok2 || strings.Contains(name, "/") {
			http.NotFound(w, r)
			return
		}
		if name == "html-only" {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html></html>"))
			return
		}
		data, err := os.ReadFile(filepath.Join("testdata", "index", name+".json"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", simpleJSON)
		w.Write(data)
	}))
	t.Cleanup(x.Close)
	return x
}

func (x *index) count() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.requests)
}

// testEnv is an environment without index settings and with an empty PATH
// (no python3, poetry or uv), plus extra.
func testEnv(extra ...string) []string {
	return append([]string{"PATH=", "HOME=/nonexistent"}, extra...)
}

func TestVersions(t *testing.T) {
	x := newIndex(t)
	tests := []struct {
		name string
		pkg  string
		want []fix.Release
	}{
		{
			name: "pep700_versions_key_with_all_files_yanked",
			pkg:  "Requests",
			want: releases("2.18.4", "2.19.0", "2.19.1", "2.20.0", "2.20.1", "2.21.0", "2.22.0", "2.23.0", "2.24.0", "2.25.0", "2.25.1", "2.26.0",
				"2.27.0", "2.27.1", "2.28.0", "2.28.1", "2.28.2", "2.29.0", "2.30.0", "2.31.0",
				"2.32.0=yanked: Yanked due to conflicts with CVE-2024-35195 mitigation",
				"2.32.1=yanked: Yanked due to conflicts with CVE-2024-35195 mitigation",
				"2.32.2", "2.32.3"),
		},
		{
			name: "versions_from_file_names_partial_yank_not_retracted",
			pkg:  "Jinja2",
			want: releases("2.9.6", "2.10", "2.10.1", "2.10.2=yanked", "2.10.3", "2.11.0", "2.11.1", "2.11.2", "2.11.3", "3.0.0"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Options{IndexURL: x.URL + "/simple/", Env: testEnv()})
			got, err := s.VersionSource().Versions(context.Background(), inventory.PyPI, tt.pkg)
			if err != nil {
				t.Fatalf("Versions: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Versions mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// releases builds releases from "version" or "version=why".
func releases(vs ...string) []fix.Release {
	var out []fix.Release
	for _, v := range vs {
		ver, why, _ := strings.Cut(v, "=")
		out = append(out, fix.Release{Version: ver, Retracted: why})
	}
	return out
}

func TestVersionSourceErrors(t *testing.T) {
	x := newIndex(t)
	s := New(Options{IndexURL: x.URL + "/simple", Env: testEnv()})
	ctx := context.Background()
	tests := []struct {
		name, eco, pkg, want string
	}{
		{"unknown_project", inventory.PyPI, "no-such-project", `has no project "no-such-project"`},
		{"html_only_index", inventory.PyPI, "html-only", "not the JSON simple API"},
		{"other_ecosystem", inventory.Npm, "requests", "PyPI packages only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.VersionSource().Versions(ctx, tt.eco, tt.pkg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Versions error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestRelease(t *testing.T) {
	x := newIndex(t)
	s := New(Options{IndexURL: x.URL + "/simple", Env: testEnv()})
	ctx := context.Background()
	r, ok, err := s.VersionSource().Release(ctx, inventory.PyPI, "django", "3.2.17.0")
	if err != nil || !ok || r.Version != "3.2.17" {
		t.Errorf("Release(3.2.17.0) = %v, %v, %v; want 3.2.17 found", r, ok, err)
	}
	if _, ok, err := s.VersionSource().Release(ctx, inventory.PyPI, "django", "3.2.99"); err != nil || ok {
		t.Errorf("Release(3.2.99) = %v, %v; want not found", ok, err)
	}
}

func TestHashes(t *testing.T) {
	x := newIndex(t)
	s := New(Options{IndexURL: x.URL + "/simple", Env: testEnv()})
	got, err := s.index.hashes(context.Background(), "requests", "2.31.0")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{fakeHash("requests-2.31.0-py3-none-any.whl"), fakeHash("requests-2.31.0.tar.gz")}
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hashes mismatch (-want +got):\n%s", diff)
	}
	if _, err := s.index.hashes(context.Background(), "requests", "9.9.9"); err == nil {
		t.Error("hashes of a version without files: no error")
	}
	noIndex := New(Options{Env: testEnv(), Python: "/nonexistent/python3"})
	if _, err := noIndex.index.hashes(context.Background(), "requests", "2.31.0"); err == nil || !strings.Contains(err.Error(), "no package index is configured") {
		t.Errorf("hashes without an index: error %v", err)
	}
}

func TestIndexURLResolution(t *testing.T) {
	tests := []struct {
		name       string
		opt        string
		env        []string
		want, from string
	}{
		{"option_first", "https://files.pypi.example/simple/", []string{"PIP_INDEX_URL=https://mirror.example/simple"}, "https://files.pypi.example/simple", "the index URL option"},
		{"pip_index_url", "", []string{"PIP_INDEX_URL=https://mirror.example/simple/", "UV_DEFAULT_INDEX=https://uv.example/simple"}, "https://mirror.example/simple", "$PIP_INDEX_URL"},
		{"uv_default_index", "", []string{"UV_DEFAULT_INDEX=https://uv.example/simple", "UV_INDEX_URL=https://old.example/simple"}, "https://uv.example/simple", "$UV_DEFAULT_INDEX"},
		{"uv_index_url", "", []string{"UV_INDEX_URL=https://old.example/simple"}, "https://old.example/simple", "$UV_INDEX_URL"},
		{"none_without_python", "", nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Options{IndexURL: tt.opt, Env: testEnv(tt.env...), Python: "/nonexistent/python3"})
			got, from := s.index.indexURL(context.Background())
			if got != tt.want || from != tt.from {
				t.Errorf("indexURL = %q from %q, want %q from %q", got, from, tt.want, tt.from)
			}
		})
	}
}

func TestPipConfigIndexURL(t *testing.T) {
	// A stand-in python3 that answers `pip config get global.index-url`.
	bin := t.TempDir()
	writeScript(t, filepath.Join(bin, "python3"), "#!/bin/sh\necho 'https://corp.pypi.example/simple/'\n")
	s := New(Options{Env: testEnv("PATH=" + bin + ":/usr/bin:/bin")})
	got, from := s.index.indexURL(context.Background())
	if got != "https://corp.pypi.example/simple" || from != "pip's global.index-url" {
		t.Errorf("indexURL = %q from %q", got, from)
	}
}

func TestCacheAndOffline(t *testing.T) {
	x := newIndex(t)
	ctx := context.Background()
	cacheDir := t.TempDir()
	online := New(Options{IndexURL: x.URL + "/simple", Env: testEnv(), Cache: &registry.Cache{Dir: cacheDir}})
	first, err := online.VersionSource().Versions(ctx, inventory.PyPI, "django")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := online.VersionSource().Versions(ctx, inventory.PyPI, "Django"); err != nil {
		t.Fatal(err)
	}
	if n := x.count(); n != 1 {
		t.Errorf("index asked %d times, want 1 (the second answer comes from the cache)", n)
	}
	x.Close() // offline from here
	offline := New(Options{IndexURL: x.URL + "/simple", Env: testEnv(), Offline: true, Cache: &registry.Cache{Dir: cacheDir}})
	got, err := offline.VersionSource().Versions(ctx, inventory.PyPI, "django")
	if err != nil {
		t.Fatalf("offline Versions: %v", err)
	}
	if diff := cmp.Diff(first, got); diff != "" {
		t.Errorf("offline answer differs (-online +offline):\n%s", diff)
	}
	_, err = offline.VersionSource().Versions(ctx, inventory.PyPI, "requests")
	if !errors.Is(err, registry.ErrNotCached) {
		t.Errorf("offline Versions of an uncached package: error %v, want ErrNotCached", err)
	}
	noCache := New(Options{IndexURL: x.URL + "/simple", Env: testEnv(), Offline: true})
	if _, err := noCache.VersionSource().Versions(ctx, inventory.PyPI, "django"); err == nil || !strings.Contains(err.Error(), "offline") {
		t.Errorf("offline without a cache: error %v", err)
	}
}

func TestPipFallback(t *testing.T) {
	out, err := os.ReadFile(filepath.Join("testdata", "pip-index-versions.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// A stand-in python3: fails `pip config get` (nothing configured) and
	// prints the recorded `pip index versions` answer.
	bin := t.TempDir()
	writeScript(t, filepath.Join(bin, "python3"), "#!/bin/sh\ncase \"$3\" in\nconfig) echo 'ERROR: No such key - global.index-url' >&2; exit 1;;\nindex) cat '"+filepath.Join(mustAbs(t, "testdata"), "pip-index-versions.txt")+"';;\nesac\n")
	cacheDir := t.TempDir()
	s := New(Options{Env: testEnv("PATH=" + bin + ":/usr/bin:/bin"), Cache: &registry.Cache{Dir: cacheDir}})
	got, err := s.VersionSource().Versions(context.Background(), inventory.PyPI, "requests")
	if err != nil {
		t.Fatalf("Versions through pip: %v", err)
	}
	vs, _ := parsePipIndexVersions(string(out))
	if len(got) != len(vs) || got[0].Version != "2.32.3" {
		t.Errorf("Versions through pip = %v", got)
	}
	offline := New(Options{Env: testEnv(), Offline: true, Cache: &registry.Cache{Dir: cacheDir}, Python: "/nonexistent/python3"})
	if _, err := offline.VersionSource().Versions(context.Background(), inventory.PyPI, "requests"); err != nil {
		t.Errorf("offline, the cached pip answer: %v", err)
	}
}

func TestParsePipIndexVersions(t *testing.T) {
	real, err := os.ReadFile(filepath.Join("testdata", "pip-index-versions.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr string
	}{
		{name: "real_output", in: string(real), want: strings.Split("2.32.3 2.32.2 2.31.0 2.30.0 2.29.0 2.28.2 2.28.1 2.28.0 2.27.1 2.27.0 2.26.0 2.25.1 2.25.0 2.24.0 2.23.0 2.22.0 2.21.0 2.20.1 2.20.0 2.19.1 2.19.0 2.18.4", " ")},
		{name: "crlf", in: "django (3.2.17)\r\nAvailable versions: 3.2.17, 3.2.16\r\n", want: []string{"3.2.17", "3.2.16"}},
		{name: "not_found", in: "ERROR: No matching distribution found for no-such-project\n", wantErr: "No matching distribution"},
		{name: "empty", in: "", wantErr: "no output"},
		{name: "no_versions", in: "Available versions:\n", wantErr: "no versions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePipIndexVersions(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parsePipIndexVersions mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseProjectBad(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"not_json", "<html>", "not a JSON simple API page"},
		{"empty", "", "not a JSON simple API page"},
		{"api_v2", `{"meta":{"api-version":"2.0"},"name":"requests","files":[]}`, "not supported"},
		{"other_project", `{"meta":{"api-version":"1.0"},"name":"flask","files":[]}`, `not "requests"`},
		{"yanked_number", `{"meta":{"api-version":"1.0"},"name":"requests","files":[{"filename":"requests-1.0.tar.gz","hashes":{},"yanked":3}]}`, "not a boolean or a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseProject([]byte(tt.in), "requests")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("parseProject error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestFileVersion(t *testing.T) {
	tests := []struct{ file, norm, want string }{
		{"requests-2.31.0-py3-none-any.whl", "requests", "2.31.0"},
		{"Jinja2-2.10.tar.gz", "jinja2", "2.10"},
		{"django-allauth-0.61.1.tar.gz", "django-allauth", "0.61.1"},
		{"django_allauth-65.0.tar.gz", "django-allauth", "65.0"},
		{"zope.interface-5.0-cp39-cp39-manylinux1_x86_64.whl", "zope-interface", "5.0"},
		{"setuptools-0.6c11-py2.7.egg", "setuptools", "0.6c11"},
		{"pywin32-306.win32-py3.9.exe", "pywin32", ""},
		{"flask-1.0.tar.gz", "requests", ""},
		{"bad.whl", "bad", ""},
	}
	for _, tt := range tests {
		if got := fileVersion(tt.file, tt.norm); got != tt.want {
			t.Errorf("fileVersion(%q, %q) = %q, want %q", tt.file, tt.norm, got, tt.want)
		}
	}
}

func FuzzParseProject(f *testing.F) {
	for _, name := range []string{"requests", "jinja2", "django"} {
		data, err := os.ReadFile(filepath.Join("testdata", "index", name+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, name)
	}
	f.Add([]byte(`{"meta":{"api-version":"1.0"},"name":"x","files":[{"filename":"x-1.0.tar.gz","hashes":{"sha256":"00"},"yanked":"bad"}]}`), "x")
	f.Add([]byte(""), "x")
	f.Add([]byte("<html>"), "x")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		p, err := parseProject(data, name)
		if err != nil {
			return
		}
		for _, r := range p.releases() {
			_, _ = p.hashes(r.Version)
		}
	})
}

func FuzzParsePipIndexVersions(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("testdata", "pip-index-versions.txt")); err == nil {
		f.Add(string(data))
	}
	f.Add("Available versions: , ,\n")
	f.Fuzz(func(t *testing.T, s string) {
		vs, err := parsePipIndexVersions(s)
		if err == nil && len(vs) == 0 {
			t.Fatal("no error and no versions")
		}
	})
}

// fakeHash is the made-up hash testdata/index gives a file.
func fakeHash(file string) string {
	sum := sha256.Sum256([]byte("patchline test file " + file))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// writeScript writes an executable shell script; the tests that need one
// are skipped where there is no sh.
func writeScript(t *testing.T, path, content string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("stand-in tools are shell scripts")
	}
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
