package cargo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/patchline/patchline/internal/fix"
	"github.com/patchline/patchline/internal/fix/registry"
	"github.com/patchline/patchline/internal/inventory"
)

// EnvIndex is the environment variable that names the registry index when
// [Options.IndexURL] is empty.
const EnvIndex = "PATCHLINE_CRATES_INDEX"

// maxIndexFile caps the size of one index file read.
const maxIndexFile = 64 << 20

// errNotFound is returned when the index has no file for a crate.
var errNotFound = errors.New("no such crate in the index")

// ErrNoIndex is returned for version lists when no sparse index is
// configured. Only the versions the advisories name as fixed are then
// candidates, and cargo checks that they exist when applying.
var ErrNoIndex = errors.New("no crates index is configured: set " + EnvIndex + " (or --crates-index) to your registry's sparse index URL, e.g. sparse+https://index.crates.example/; until then only the versions the advisories name as fixed are candidates")

// Index is the [fix.VersionSource] of crates: a registry index in Cargo's
// sparse protocol, one file per crate of JSON lines, at
// <index>/<prefix>/<name> where the prefix is "1" for one-letter names,
// "2" for two letters, "3/<first letter>" for three and
// "<first two>/<next two>" otherwise, all in lower case. Answers go through
// the registry cache under the file's URL. A file:// index reads a local
// directory in the same layout (a local registry's index, a checkout of a
// git index).
type Index struct {
	base    *url.URL // nil: no index configured
	baseErr error    // why the configured index cannot be used
	client  *http.Client
	cache   *registry.Cache
	offline bool
}

// newIndex returns the index at raw ("sparse+" prefix allowed); empty
// raw gives an index that lists nothing and says how to configure one.
func newIndex(raw string, client *http.Client, cache *registry.Cache, offline bool) *Index {
	x := &Index{client: client, cache: cache, offline: offline}
	if x.client == nil {
		x.client = &http.Client{Timeout: time.Minute}
	}
	if cache != nil && offline && !cache.Offline {
		c := *cache
		c.Offline = true
		x.cache = &c
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return x
	}
	u, err := url.Parse(strings.TrimPrefix(raw, "sparse+"))
	switch {
	case err != nil:
		x.baseErr = fmt.Errorf("the crates index URL %q does not parse: %w", raw, err)
	case u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file":
		x.baseErr = fmt.Errorf("the crates index URL %q is not an http(s):// sparse index or a file:// directory (git indexes are not read; use the registry's sparse index)", raw)
	default:
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		x.base = u
	}
	return x
}

// Versions lists the versions of the crate name in the index, yanked ones
// marked with Retracted "yanked".
func (x *Index) Versions(ctx context.Context, ecosystem, name string) ([]fix.Release, error) {
	if ecosystem != inventory.CratesIO {
		return nil, fmt.Errorf("the crates index has no %s packages", ecosystem)
	}
	if x.baseErr != nil {
		return nil, x.baseErr
	}
	if x.base == nil {
		return nil, fmt.Errorf("%w (%q)", ErrNoIndex, name)
	}
	rel, err := indexPath(name)
	if err != nil {
		return nil, err
	}
	u := x.base.JoinPath(rel)
	key := u.String()
	var data []byte
	fetch := func(ctx context.Context) ([]byte, error) { return x.fetch(ctx, u) }
	switch {
	case x.cache != nil:
		data, err = x.cache.Get(ctx, inventory.CratesIO, key, fetch)
	case x.offline && u.Scheme != "file":
		err = fmt.Errorf("%s: offline, and no registry cache: %w", key, registry.ErrNotCached)
	default:
		data, err = fetch(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("versions of crate %q: %w", name, err)
	}
	rels, err := parseIndexFile(data)
	if err != nil {
		return nil, fmt.Errorf("index file %s: %w", key, err)
	}
	return rels, nil
}

// Release looks up one version of the crate; ok is false when the index
// does not list it.
func (x *Index) Release(ctx context.Context, ecosystem, name, version string) (fix.Release, bool, error) {
	rels, err := x.Versions(ctx, ecosystem, name)
	if err != nil {
		return fix.Release{}, false, err
	}
	for _, r := range rels {
		if r.Version == version {
			return r, true, nil
		}
	}
	return fix.Release{}, false, nil
}

// fetch reads the index file at u.
func (x *Index) fetch(ctx context.Context, u *url.URL) ([]byte, error) {
	if u.Scheme == "file" {
		p := u.Path
		if len(p) > 2 && p[0] == '/' && p[2] == ':' {
			p = p[1:] // a Windows drive path: /C:/...
		}
		data, err := os.ReadFile(filepath.FromSlash(p))
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", u, errNotFound)
		}
		return data, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := x.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone || resp.StatusCode == http.StatusUnavailableForLegalReasons:
		return nil, fmt.Errorf("GET %s: %s: %w", u, resp.Status, errNotFound)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxIndexFile+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if len(data) > maxIndexFile {
		return nil, fmt.Errorf("GET %s: more than %d bytes", u, maxIndexFile)
	}
	return data, nil
}

// indexPath returns the path of the crate's file in an index.
func indexPath(name string) (string, error) {
	if name == "" || len(name) > 64 {
		return "", fmt.Errorf("%q is not a crate name", name)
	}
	for i := 0; i < len(name); i++ {
		if !isBare(name[i]) {
			return "", fmt.Errorf("%q is not a crate name", name)
		}
	}
	n := strings.ToLower(name)
	switch len(n) {
	case 1:
		return "1/" + n, nil
	case 2:
		return "2/" + n, nil
	case 3:
		return "3/" + n[:1] + "/" + n, nil
	}
	return n[:2] + "/" + n[2:4] + "/" + n, nil
}

// indexLine is what is read of one line of an index file.
type indexLine struct {
	Name   string `json:"name"`
	Vers   string `json:"vers"`
	Yanked bool   `json:"yanked"`
}

// parseIndexFile reads the versions of an index file: one JSON object per
// line, blank lines ignored. A version listed twice keeps its last line.
func parseIndexFile(data []byte) ([]fix.Release, error) {
	var out []fix.Release
	at := map[string]int{}
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var l indexLine
		if err := json.Unmarshal(line, &l); err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		if l.Vers == "" {
			return nil, fmt.Errorf("line %d: no \"vers\"", i+1)
		}
		r := fix.Release{Version: l.Vers}
		if l.Yanked {
			r.Retracted = "yanked"
		}
		if j, ok := at[l.Vers]; ok {
			out[j] = r
			continue
		}
		at[l.Vers] = len(out)
		out = append(out, r)
	}
	return out, nil
}
