package pypi

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/fix"
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/version/pep440"
)

// simpleJSON is the media type of the JSON simple API (PEP 691).
const simpleJSON = "application/vnd.pypi.simple.v1+json"

// maxIndexAnswer caps the size of one index answer.
const maxIndexAnswer = 64 << 20

// indexSource is the [fix.VersionSource] of the strategy: the configured
// index's JSON simple API, else `pip index versions`.
type indexSource struct {
	s *Strategy

	once   sync.Once
	url    string // the index root, without a trailing slash; "" when none
	origin string // where url came from, for messages
}

// indexURL returns the configured index and where the setting came from.
func (x *indexSource) indexURL(ctx context.Context) (string, string) {
	x.once.Do(func() {
		x.url, x.origin = x.s.findIndexURL(ctx)
		if x.url != "" {
			x.s.log.Debug("package index", "url", redact(x.url), "from", x.origin)
		}
	})
	return x.url, x.origin
}

// findIndexURL looks for the index setting in the options, the environment
// and pip's configuration, in that order.
func (s *Strategy) findIndexURL(ctx context.Context) (string, string) {
	if s.opts.IndexURL != "" {
		return strings.TrimRight(s.opts.IndexURL, "/"), "the index URL option"
	}
	for _, k := range []string{"PIP_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX_URL"} {
		if v := strings.TrimSpace(s.getenv(k)); v != "" {
			return strings.TrimRight(v, "/"), "$" + k
		}
	}
	py, ok := s.lookPath(s.python)
	if !ok {
		return "", ""
	}
	st, err := fix.RunCommand(ctx, fix.Command{
		Name: "pip config", Args: []string{py, "-m", "pip", "config", "get", "global.index-url"},
		Env: s.env, Timeout: s.commandTimeout(), Tail: 4 << 10,
	})
	if err != nil || !st.OK {
		return "", ""
	}
	if v := strings.TrimSpace(lastLine(st.Output)); isHTTPURL(v) {
		return strings.TrimRight(v, "/"), "pip's global.index-url"
	}
	return "", ""
}

func (s *Strategy) getenv(key string) string {
	v := ""
	for _, kv := range s.env {
		if rest, ok := strings.CutPrefix(kv, key+"="); ok {
			v = rest
		}
	}
	return v
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// redact hides the password of an index URL.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(an index URL that does not parse)"
	}
	return u.Redacted()
}

// Versions lists the versions of a Python package: from the index's JSON
// simple API (a version is yanked only when all its files are), or from
// `pip index versions` when no index is configured.
func (x *indexSource) Versions(ctx context.Context, eco, name string) ([]fix.Release, error) {
	if eco != inventory.PyPI {
		return nil, fmt.Errorf("versions of %s/%q: the Python strategy lists PyPI packages only", eco, name)
	}
	if u, _ := x.indexURL(ctx); u == "" {
		vs, err := x.pipVersions(ctx, name)
		if err != nil {
			return nil, err
		}
		out := make([]fix.Release, len(vs))
		for i, v := range vs {
			out[i] = fix.Release{Version: v}
		}
		return out, nil
	}
	p, err := x.project(ctx, name)
	if err != nil {
		return nil, err
	}
	return p.releases(), nil
}

// Release looks up one version of a package among those Versions lists.
func (x *indexSource) Release(ctx context.Context, eco, name, version string) (fix.Release, bool, error) {
	rels, err := x.Versions(ctx, eco, name)
	if err != nil {
		return fix.Release{}, false, err
	}
	for _, r := range rels {
		if sameVersion(r.Version, version) {
			return r, true, nil
		}
	}
	return fix.Release{}, false, nil
}

// hashes returns the "sha256:HEX" hashes of the files of a version, sorted,
// as pip-compile --generate-hashes writes them.
func (x *indexSource) hashes(ctx context.Context, name, version string) ([]string, error) {
	if u, _ := x.indexURL(ctx); u == "" {
		return nil, errors.New("no package index is configured (--index-url, $PIP_INDEX_URL, $UV_DEFAULT_INDEX, $UV_INDEX_URL or pip's global.index-url), and `pip index versions` lists no hashes")
	}
	p, err := x.project(ctx, name)
	if err != nil {
		return nil, err
	}
	return p.hashes(version)
}

// project fetches (or reads from the cache) the index's page of a package.
func (x *indexSource) project(ctx context.Context, name string) (*project, error) {
	root, _ := x.indexURL(ctx)
	norm := ecosystem.NormalizePyPI(name)
	u := root + "/" + url.PathEscape(norm) + "/"
	data, err := x.s.cached(ctx, u, func(ctx context.Context) ([]byte, error) { return x.fetch(ctx, u, norm) })
	if err != nil {
		return nil, err
	}
	p, err := parseProject(data, norm)
	if err != nil {
		return nil, fmt.Errorf("the index's page of %q at %s: %w", norm, redact(u), err)
	}
	return p, nil
}

// cached asks the registry cache for key, fetching when needed.
func (s *Strategy) cached(ctx context.Context, key string, fetch func(context.Context) ([]byte, error)) ([]byte, error) {
	c := s.opts.Cache
	if c == nil {
		if s.opts.Offline {
			return nil, fmt.Errorf("%s: offline, and there is no registry cache to answer from", redact(key))
		}
		return fetch(ctx)
	}
	if s.opts.Offline && !c.Offline {
		cc := *c
		cc.Offline = true
		c = &cc
	}
	return c.Get(ctx, inventory.PyPI, key, fetch)
}

// fetch GETs one page of the JSON simple API.
func (x *indexSource) fetch(ctx context.Context, u, norm string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("index URL %s: %w", redact(u), err)
	}
	req.Header.Set("Accept", simpleJSON)
	resp, err := x.s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ask the package index for %q: %w", norm, redactErr(err, u))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("the package index at %s has no project %q", redact(u), norm)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("the package index at %s answered %s", redact(u), resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != simpleJSON && mt != "application/json" {
			return nil, fmt.Errorf("the package index at %s answered %q, not the JSON simple API (PEP 691) that patchline reads", redact(u), ct)
		}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxIndexAnswer+1))
	if err != nil {
		return nil, fmt.Errorf("read the index's page of %q: %w", norm, err)
	}
	if len(data) > maxIndexAnswer {
		return nil, fmt.Errorf("the index's page of %q is larger than %d bytes", norm, maxIndexAnswer)
	}
	if _, err := parseProject(data, norm); err != nil {
		return nil, fmt.Errorf("the index's page of %q at %s: %w", norm, redact(u), err) // not cached
	}
	return data, nil
}

// redactErr keeps a password in the URL out of an error.
func redactErr(err error, u string) error {
	if pu, perr := url.Parse(u); perr == nil && pu.User != nil {
		if pw, ok := pu.User.Password(); ok && pw != "" {
			return errors.New(strings.ReplaceAll(err.Error(), pw, "xxxxx"))
		}
	}
	return err
}

// project is one package's page of the JSON simple API.
type project struct {
	versions []string          // in the order of the page
	yanked   map[string]string // version key => why, when every file is yanked
	files    map[string][]indexFile
}

type indexFile struct {
	name   string
	sha256 string
	yanked string // "yanked" or "yanked: reason"; "" when not
}

// simplePage is the wire form of a JSON simple API page (PEP 691, PEP 700).
type simplePage struct {
	Meta struct {
		APIVersion string `json:"api-version"`
	} `json:"meta"`
	Name     string   `json:"name"`
	Versions []string `json:"versions"`
	Files    []struct {
		Filename string            `json:"filename"`
		Hashes   map[string]string `json:"hashes"`
		Yanked   any               `json:"yanked"`
	} `json:"files"`
}

// parseProject reads a JSON simple API page of the package norm.
func parseProject(data []byte, norm string) (*project, error) {
	var page simplePage
	if err := json.Unmarshal(data, &page); err != nil {
		return nil, fmt.Errorf("not a JSON simple API page: %w", err)
	}
	if major, _, _ := strings.Cut(page.Meta.APIVersion, "."); page.Meta.APIVersion != "" && major != "1" {
		return nil, fmt.Errorf("API version %q is not supported (only 1.x)", page.Meta.APIVersion)
	}
	if page.Name != "" && ecosystem.NormalizePyPI(page.Name) != norm {
		return nil, fmt.Errorf("the page is about %q, not %q", page.Name, norm)
	}
	p := &project{yanked: map[string]string{}, files: map[string][]indexFile{}}
	seen := map[string]bool{}
	add := func(v string) {
		if k := versionKey(v); !seen[k] {
			seen[k] = true
			p.versions = append(p.versions, v)
		}
	}
	for _, v := range page.Versions {
		if v != "" {
			add(v)
		}
	}
	fromFiles := len(page.Versions) == 0
	for _, f := range page.Files {
		v := fileVersion(f.Filename, norm)
		if v == "" {
			continue // an installer or a file of another project
		}
		if fromFiles {
			add(v)
		}
		file := indexFile{name: f.Filename, sha256: strings.ToLower(f.Hashes["sha256"])}
		switch y := f.Yanked.(type) {
		case bool:
			if y {
				file.yanked = "yanked"
			}
		case string:
			file.yanked = "yanked"
			if r := strings.TrimSpace(y); r != "" {
				file.yanked = "yanked: " + r
			}
		case nil:
		default:
			return nil, fmt.Errorf("file %q: yanked is %T, not a boolean or a string", f.Filename, f.Yanked)
		}
		k := versionKey(v)
		p.files[k] = append(p.files[k], file)
	}
	for _, v := range p.versions {
		k := versionKey(v)
		fs := p.files[k]
		if len(fs) == 0 {
			continue
		}
		why := ""
		for _, f := range fs {
			if f.yanked == "" {
				why = ""
				break
			}
			if why == "" || why == "yanked" {
				why = f.yanked
			}
		}
		if why != "" {
			p.yanked[k] = why
		}
	}
	return p, nil
}

// releases returns the page's versions as releases.
func (p *project) releases() []fix.Release {
	out := make([]fix.Release, len(p.versions))
	for i, v := range p.versions {
		out[i] = fix.Release{Version: v, Retracted: p.yanked[versionKey(v)]}
	}
	return out
}

// hashes returns the sha256 hashes of a version's files, sorted.
func (p *project) hashes(version string) ([]string, error) {
	fs := p.files[versionKey(version)]
	if len(fs) == 0 {
		return nil, fmt.Errorf("the index lists no files of version %s", version)
	}
	var out []string
	for _, f := range fs {
		if len(f.sha256) != 64 || strings.Trim(f.sha256, "0123456789abcdef") != "" {
			return nil, fmt.Errorf("the index gives no sha256 hash of %q", f.name)
		}
		out = append(out, "sha256:"+f.sha256)
	}
	sort.Strings(out)
	return out, nil
}

// versionKey is the PEP 440 normal form of v ("1.0.0" and "1.0" differ
// there but compare equal, so trailing zeros are dropped too), or v as
// written when it does not parse.
func versionKey(v string) string {
	pv, err := pep440.Ordering{}.Parse(v)
	if err != nil {
		return v
	}
	n := pv.(*pep440.Version).Normalized()
	rel, rest := n, ""
	if i := strings.IndexFunc(n, func(r rune) bool { return r != '.' && (r < '0' || r > '9') }); i >= 0 {
		rel, rest = n[:i], n[i:]
	}
	if strings.HasSuffix(rel, ".") {
		rel, rest = rel[:len(rel)-1], "."+rest
	}
	for strings.HasSuffix(rel, ".0") {
		rel = strings.TrimSuffix(rel, ".0")
	}
	return rel + rest
}

// archiveExts are the source distribution and egg suffixes whose file names
// carry a version.
var archiveExts = []string{".tar.gz", ".tar.bz2", ".tar.xz", ".tar.Z", ".tgz", ".tbz", ".txz", ".zip", ".tar", ".egg"}

// fileVersion returns the version in a distribution file name of the
// package norm: the second part of a wheel or egg name, or what follows the
// name in a source archive's name; "" for other files.
func fileVersion(filename, norm string) string {
	if stem, ok := strings.CutSuffix(filename, ".whl"); ok {
		parts := strings.Split(stem, "-")
		if len(parts) < 5 || ecosystem.NormalizePyPI(parts[0]) != norm {
			return ""
		}
		return parts[1]
	}
	lower := strings.ToLower(filename)
	for _, ext := range archiveExts {
		if !strings.HasSuffix(lower, strings.ToLower(ext)) {
			continue
		}
		stem := filename[:len(filename)-len(ext)]
		if ext == ".egg" {
			parts := strings.Split(stem, "-")
			if len(parts) < 2 || ecosystem.NormalizePyPI(parts[0]) != norm {
				return ""
			}
			return parts[1]
		}
		for i := 0; i < len(stem); i++ {
			if stem[i] == '-' && ecosystem.NormalizePyPI(stem[:i]) == norm {
				return stem[i+1:]
			}
		}
		return ""
	}
	return ""
}

// pipVersions lists a package's versions with `python3 -m pip index
// versions --pre NAME`, pip's default index and configuration applying.
func (x *indexSource) pipVersions(ctx context.Context, name string) ([]string, error) {
	norm := ecosystem.NormalizePyPI(name)
	key := "pip index versions " + norm
	data, err := x.s.cached(ctx, key, func(ctx context.Context) ([]byte, error) {
		py, ok := x.s.lookPath(x.s.python)
		if !ok {
			return nil, fmt.Errorf("no package index is configured and %q is not on PATH to ask pip: set --index-url or $PIP_INDEX_URL", x.s.python)
		}
		st, err := fix.RunCommand(ctx, fix.Command{
			Name: "pip index versions", Args: []string{py, "-m", "pip", "index", "versions", "--pre", "--retries", "1", "--disable-pip-version-check", norm},
			Env: x.s.env, Timeout: x.s.commandTimeout(), Tail: 4 << 20,
		})
		st.Command = strings.Replace(st.Command, py, x.s.python, 1)
		if err != nil {
			return nil, err
		}
		if !st.OK {
			return nil, fmt.Errorf("no package index is configured, and `%s` failed: %s", st.Command, lastLine(st.Output))
		}
		if _, err := parsePipIndexVersions(st.Output); err != nil {
			return nil, err
		}
		return []byte(st.Output), nil
	})
	if err != nil {
		return nil, err
	}
	return parsePipIndexVersions(string(data))
}

// parsePipIndexVersions reads the "Available versions: a, b, c" line of
// `pip index versions`.
func parsePipIndexVersions(out string) ([]string, error) {
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "Available versions:")
		if !ok {
			continue
		}
		var vs []string
		for _, v := range strings.Split(rest, ",") {
			if v = strings.TrimSpace(v); v != "" {
				vs = append(vs, v)
			}
		}
		if len(vs) == 0 {
			return nil, errors.New("pip index versions listed no versions")
		}
		return vs, nil
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read the output of pip index versions: %w", err)
	}
	msg := strings.TrimSpace(lastLine(out))
	if msg == "" {
		msg = "no output"
	}
	return nil, fmt.Errorf("pip index versions printed no \"Available versions:\" line (%s)", msg)
}
