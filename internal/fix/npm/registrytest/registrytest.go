// Package registrytest serves recorded npm registry answers over HTTP, so
// that tests can run the real npm client (npm view, npm install, npm ci)
// without the network.
//
// The directory it serves holds packuments/NAME.json (a scoped name's
// "/" written as "__") and tarballs/NAME-VERSION.tgz (the scope dropped,
// as the registry names them). Tarball URLs in the packuments name the
// stand-in host [Host]; the server rewrites them to its own address.
package registrytest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Host is the stand-in registry host that recorded answers and fixture
// lockfiles name in place of the real one.
const Host = "registry.npm.example"

// Server is a local npm registry.
type Server struct {
	*httptest.Server
	dir string
}

// New starts a registry serving dir. Close it when done.
func New(dir string) *Server {
	s := &Server{dir: dir}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Registry returns the registry URL to give npm (npm_config_registry).
func (s *Server) Registry() string { return s.URL + "/" }

// Env returns the environment that points npm at the server, with cache in
// cacheDir: the registry, and replace-registry-host so that lockfiles
// naming the stand-in host fetch from the server.
func (s *Server) Env(cacheDir string) []string {
	return []string{
		"npm_config_registry=" + s.Registry(),
		"npm_config_replace_registry_host=" + Host,
		"npm_config_cache=" + cacheDir,
		"npm_config_fund=false",
		"npm_config_audit=false",
		"npm_config_update_notifier=false",
		"npm_config_omit_lockfile_registry_resolved=false",
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	p, err := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), "/"))
	if err != nil || strings.Contains(p, "..") {
		http.NotFound(w, r)
		return
	}
	if i := strings.Index(p, "/-/"); i >= 0 {
		file := filepath.Join(s.dir, "tarballs", path.Base(p[i+3:]))
		b, err := os.ReadFile(file)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(b)
		return
	}
	b, err := os.ReadFile(filepath.Join(s.dir, "packuments", strings.ReplaceAll(p, "/", "__")+".json"))
	if err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error":"Not found"}`))
		return
	}
	b = bytes.ReplaceAll(b, []byte("https://"+Host), []byte(s.URL))
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}
