package cargo

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// crate is a crate the tests publish to a local registry: a trivial
// library whose version() returns its version.
type crate struct {
	name, version string
	deps          [][2]string // name, requirement
	yanked        bool
}

// publish writes c to the cargo "local-registry" at dir: the .crate file
// (a tar.gz of name-version/) and its line in index/, with the checksum
// cargo verifies.
func publish(t *testing.T, dir string, c crate) {
	t.Helper()
	manifest := fmt.Sprintf("[package]\nname = %q\nversion = %q\nedition = \"2021\"\n", c.name, c.version)
	if len(c.deps) > 0 {
		manifest += "\n[dependencies]\n"
		for _, d := range c.deps {
			manifest += fmt.Sprintf("%s = %q\n", d[0], d[1])
		}
	}
	lib := fmt.Sprintf("pub fn version() -> &'static str {\n    %q\n}\n", c.version)
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range []struct{ name, content string }{{"Cargo.toml", manifest}, {"src/lib.rs", lib}} {
		hdr := &tar.Header{Name: c.name + "-" + c.version + "/" + f.name, Mode: 0o644, Size: int64(len(f.content)), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, c.name+"-"+c.version+".crate"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	type dep struct {
		Name            string   `json:"name"`
		Req             string   `json:"req"`
		Features        []string `json:"features"`
		Optional        bool     `json:"optional"`
		DefaultFeatures bool     `json:"default_features"`
		Target          *string  `json:"target"`
		Kind            string   `json:"kind"`
	}
	line := struct {
		Name     string              `json:"name"`
		Vers     string              `json:"vers"`
		Deps     []dep               `json:"deps"`
		Cksum    string              `json:"cksum"`
		Features map[string][]string `json:"features"`
		Yanked   bool                `json:"yanked"`
	}{Name: c.name, Vers: c.version, Deps: []dep{}, Cksum: hex.EncodeToString(sum[:]), Features: map[string][]string{}, Yanked: c.yanked}
	for _, d := range c.deps {
		line.Deps = append(line.Deps, dep{Name: d[0], Req: d[1], Features: []string{}, DefaultFeatures: true, Kind: "normal"})
	}
	data, err := json.Marshal(line)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := indexPath(c.name)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "index", filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// sourceReplacement is a project's .cargo/config.toml that replaces the
// default registry with the local registry at dir.
func sourceReplacement(dir string) string {
	return fmt.Sprintf("[source.crates-io]\nreplace-with = \"local-reg\"\n\n[source.local-reg]\nlocal-registry = %q\n", filepath.ToSlash(dir))
}

// fileURL returns the file:// URL of an absolute path.
func fileURL(p string) string {
	p = filepath.ToSlash(p)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive path
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}
