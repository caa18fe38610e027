package cargo

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/fix"
	"github.com/patchline/patchline/internal/fix/registry"
	"github.com/patchline/patchline/internal/inventory"
)

func TestIndexPath(t *testing.T) {
	tests := []struct{ name, want string }{
		{"a", "1/a"},
		{"cc", "2/cc"},
		{"Ryu", "3/r/ryu"},
		{"time", "ti/me/time"},
		{"SmallVec", "sm/al/smallvec"},
		{"serde_json", "se/rd/serde_json"},
	}
	for _, tt := range tests {
		got, err := indexPath(tt.name)
		if err != nil || got != tt.want {
			t.Errorf("indexPath(%q) = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "../etc/passwd", "a/b", "sm%2F", strings.Repeat("a", 65)} {
		if got, err := indexPath(bad); err == nil {
			t.Errorf("indexPath(%q) = %q, want an error", bad, got)
		}
	}
}

func TestParseIndexFile(t *testing.T) {
	tests := []struct {
		file    string
		want    []fix.Release
		wantErr string
	}{
		{file: "indexfiles/minimal.jsonl", want: []fix.Release{{Version: "1.0.0"}}},
		{file: "indexfiles/empty.jsonl"},
		{file: "index/sm/al/smallvec", want: []fix.Release{
			{Version: "0.6.9"}, {Version: "0.6.10"}, {Version: "0.6.13", Retracted: "yanked"},
			{Version: "0.6.14"}, {Version: "1.6.0"}, {Version: "1.6.1"},
		}},
		{file: "indexfiles/malformed.jsonl", wantErr: "line 2"},
		{file: "indexfiles/wrong_format.jsonl", wantErr: "line 1"},
		{file: "indexfiles/no_vers.jsonl", wantErr: `no "vers"`},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseIndexFile(data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("parseIndexFile error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("releases mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseIndexFileDuplicate(t *testing.T) {
	got, err := parseIndexFile([]byte("{\"vers\":\"1.0.0\"}\n\n{\"vers\":\"1.0.0\",\"yanked\":true}\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]fix.Release{{Version: "1.0.0", Retracted: "yanked"}}, got); diff != "" {
		t.Errorf("releases mismatch (-want +got):\n%s", diff)
	}
}

func FuzzParseIndexFile(f *testing.F) {
	for _, p := range []string{"index/sm/al/smallvec", "index/ti/me/time", "indexfiles/minimal.jsonl", "indexfiles/empty.jsonl", "indexfiles/malformed.jsonl", "indexfiles/wrong_format.jsonl", "indexfiles/no_vers.jsonl"} {
		data, err := os.ReadFile(filepath.Join("testdata", p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rels, err := parseIndexFile(data)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, r := range rels {
			if r.Version == "" || seen[r.Version] {
				t.Errorf("release %+v empty or listed twice", r)
			}
			seen[r.Version] = true
		}
	})
}

// indexServer serves testdata/index over HTTP and counts the requests.
func indexServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	files := http.FileServer(http.Dir(filepath.Join("testdata", "index")))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if !strings.HasPrefix(r.URL.Path, "/api/v1/crates/") {
			http.NotFound(w, r)
			return
		}
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/api/v1/crates")
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func versionsOf(rels []fix.Release) []string {
	var out []string
	for _, r := range rels {
		v := r.Version
		if r.Retracted != "" {
			v += " (" + r.Retracted + ")"
		}
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func TestIndexVersions(t *testing.T) {
	ctx := context.Background()
	srv, _ := indexServer(t)
	s := New(Options{IndexURL: "sparse+" + srv.URL + "/api/v1/crates/", Env: []string{}})
	src := s.VersionSource()

	got, err := src.Versions(ctx, inventory.CratesIO, "smallvec")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"0.6.10", "0.6.13 (yanked)", "0.6.14", "0.6.9", "1.6.0", "1.6.1"}
	if diff := cmp.Diff(want, versionsOf(got)); diff != "" {
		t.Errorf("versions mismatch (-want +got):\n%s", diff)
	}

	r, ok, err := src.Release(ctx, inventory.CratesIO, "time", "0.2.23")
	if err != nil || !ok || r.Version != "0.2.23" {
		t.Errorf("Release(time 0.2.23) = %+v, %v, %v", r, ok, err)
	}
	if _, ok, err := src.Release(ctx, inventory.CratesIO, "time", "0.2.0"); err != nil || ok {
		t.Errorf("Release(time 0.2.0) = %v, %v; want not found", ok, err)
	}
	if _, err := src.Versions(ctx, inventory.CratesIO, "no-such-crate"); err == nil || !errors.Is(err, errNotFound) {
		t.Errorf("Versions(no-such-crate) error = %v, want not found", err)
	}
	if _, err := src.Versions(ctx, inventory.Npm, "smallvec"); err == nil {
		t.Error("Versions of an npm package succeeded")
	}
}

func TestIndexFromEnvironment(t *testing.T) {
	srv, _ := indexServer(t)
	s := New(Options{Env: []string{EnvIndex + "=" + srv.URL + "/api/v1/crates"}})
	got, err := s.VersionSource().Versions(context.Background(), inventory.CratesIO, "time")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"0.1.43", "0.1.44", "0.2.23"}, versionsOf(got)); diff != "" {
		t.Errorf("versions mismatch (-want +got):\n%s", diff)
	}
}

func TestIndexNotConfigured(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"none", Options{Env: []string{}}, []string{"no crates index is configured", EnvIndex, "index.crates.example", "advisories name as fixed"}},
		{"git_index", Options{IndexURL: "git://index.crates.example/", Env: []string{}}, []string{"not an http(s):// sparse index"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opts).VersionSource().Versions(context.Background(), inventory.CratesIO, "smallvec")
			if err == nil {
				t.Fatal("Versions succeeded without an index")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestIndexCacheAndOffline(t *testing.T) {
	ctx := context.Background()
	srv, hits := indexServer(t)
	url := srv.URL + "/api/v1/crates/"
	cache := &registry.Cache{Dir: t.TempDir()}

	online := New(Options{IndexURL: url, Cache: cache, Env: []string{}}).VersionSource()
	for range 2 {
		if _, err := online.Versions(ctx, inventory.CratesIO, "smallvec"); err != nil {
			t.Fatal(err)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("the index was asked %d times, want 1 (the second answer from the cache)", n)
	}

	srv.Close() // offline answers must not need the server
	offline := New(Options{IndexURL: url, Cache: cache, Offline: true, Env: []string{}}).VersionSource()
	got, err := offline.Versions(ctx, inventory.CratesIO, "smallvec")
	if err != nil {
		t.Fatalf("offline Versions of a cached crate: %v", err)
	}
	if len(got) != 6 {
		t.Errorf("offline versions = %v, want the 6 cached ones", versionsOf(got))
	}
	if cache.Offline {
		t.Error("New changed the caller's cache to offline")
	}
	if _, err := offline.Versions(ctx, inventory.CratesIO, "time"); !errors.Is(err, registry.ErrNotCached) {
		t.Errorf("offline Versions of an uncached crate: error = %v, want ErrNotCached", err)
	}
	noCache := New(Options{IndexURL: url, Offline: true, Env: []string{}}).VersionSource()
	if _, err := noCache.Versions(ctx, inventory.CratesIO, "smallvec"); !errors.Is(err, registry.ErrNotCached) {
		t.Errorf("offline Versions without a cache: error = %v, want ErrNotCached", err)
	}
}

func TestIndexFileURL(t *testing.T) {
	abs, err := filepath.Abs(filepath.Join("testdata", "index"))
	if err != nil {
		t.Fatal(err)
	}
	src := New(Options{IndexURL: fileURL(abs), Offline: true, Env: []string{}}).VersionSource()
	got, err := src.Versions(context.Background(), inventory.CratesIO, "time")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"0.1.43", "0.1.44", "0.2.23"}, versionsOf(got)); diff != "" {
		t.Errorf("versions mismatch (-want +got):\n%s", diff)
	}
	if _, err := src.Versions(context.Background(), inventory.CratesIO, "serde"); !errors.Is(err, errNotFound) {
		t.Errorf("Versions(serde) error = %v, want not found", err)
	}
}
