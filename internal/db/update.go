package db

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/patchline/patchline/internal/ecosystem"
)

// DefaultExportURL is the public OSV export: one `<Ecosystem>/all.zip` per
// ecosystem below it.
const DefaultExportURL = "https://osv-vulnerabilities.storage.googleapis.com"

// MaxDownloadSize is the largest archive `db update` downloads.
const MaxDownloadSize = 8 << 30

// UpdateOptions tune [Update].
type UpdateOptions struct {
	ImportOptions
	// BaseURL is the export to download from; DefaultExportURL when empty.
	BaseURL string
	// Ecosystems to update. Empty means the ecosystems already in the
	// database, or DefaultEcosystems for a new database.
	Ecosystems []string
	// Client sends the requests; a client honouring HTTPS_PROXY when nil.
	Client *http.Client
	// Progress, when set, receives a progress line as archives download
	// (the caller sets it only on a terminal).
	Progress io.Writer
}

// DefaultEcosystems returns the ecosystems updated when a new database is
// created without a list: every ecosystem patchline has version rules for.
func DefaultEcosystems() []string {
	names := ecosystem.Names()
	sort.Strings(names)
	return names
}

// UpdateResult says what one ecosystem's update did.
type UpdateResult struct {
	Ecosystem string
	// Changed is false when the server answered 304 Not Modified.
	Changed bool
	Bytes   int64
}

// Update downloads the OSV export of each ecosystem and imports it. Requests
// are conditional (If-None-Match, If-Modified-Since), so an unchanged
// ecosystem costs one small request. All ecosystems change together: if one
// download or import fails, the database stays as it was.
func Update(ctx context.Context, dir string, opts UpdateOptions) ([]UpdateResult, error) {
	base := strings.TrimSuffix(opts.BaseURL, "/")
	if base == "" {
		base = DefaultExportURL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	client := opts.Client
	if client == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = http.ProxyFromEnvironment
		t.ResponseHeaderTimeout = time.Minute
		client = &http.Client{Transport: t}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create database directory: %w", err)
	}
	old, err := readManifest(dir)
	if errors.Is(err, ErrNotFound) {
		old = manifest{Format: formatVersion, Ecosystems: map[string]*EcosystemInfo{}}
	} else if err != nil {
		return nil, err
	}
	ecos := opts.Ecosystems
	if len(ecos) == 0 {
		for eco := range old.Ecosystems {
			ecos = append(ecos, eco)
		}
		sort.Strings(ecos)
	}
	if len(ecos) == 0 {
		ecos = DefaultEcosystems()
	}

	var sources []source
	var results []UpdateResult
	var checked []string
	defer func() {
		for _, s := range sources {
			_ = os.Remove(s.path)
		}
	}()
	for _, eco := range ecos {
		u := base + "/" + url.PathEscape(eco) + "/all.zip"
		prev := old.Ecosystems[eco]
		src, n, err := download(ctx, client, u, dir, prev, opts.Progress, eco)
		if err != nil {
			return nil, fmt.Errorf("update %s: %w", eco, err)
		}
		if src == nil {
			checked = append(checked, eco)
			results = append(results, UpdateResult{Ecosystem: eco})
			continue
		}
		src.ecosystem = eco
		sources = append(sources, *src)
		results = append(results, UpdateResult{Ecosystem: eco, Changed: true, Bytes: n})
	}
	if _, err := importSources(ctx, dir, sources, importPlan{opts: opts.ImportOptions, checked: checked}); err != nil {
		return nil, err
	}
	return results, nil
}

// download fetches one archive into a temporary file in dir. It returns a
// nil source when the server says the archive has not changed.
func download(ctx context.Context, client *http.Client, u, dir string, prev *EcosystemInfo, progress io.Writer, eco string) (*source, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, err
	}
	if prev != nil && prev.Source == u {
		if prev.ETag != "" {
			req.Header.Set("If-None-Match", prev.ETag)
		}
		if prev.LastModified != "" {
			req.Header.Set("If-Modified-Since", prev.LastModified)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return nil, 0, nil
	case resp.StatusCode != http.StatusOK:
		return nil, 0, fmt.Errorf("GET %s: %s", u, resp.Status)
	case resp.ContentLength > MaxDownloadSize:
		return nil, 0, fmt.Errorf("GET %s: archive of %d bytes is over the %d GiB limit", u, resp.ContentLength, MaxDownloadSize>>30)
	}
	tmp, err := os.CreateTemp(dir, ".download-*.tmp")
	if err != nil {
		return nil, 0, err
	}
	var body io.Reader = io.LimitReader(resp.Body, MaxDownloadSize+1)
	if progress != nil {
		body = &progressReader{r: body, w: progress, eco: eco, total: resp.ContentLength}
	}
	n, err := io.Copy(tmp, body)
	if progress != nil {
		fmt.Fprintln(progress)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > MaxDownloadSize {
		err = fmt.Errorf("archive is over the %d GiB limit", MaxDownloadSize>>30)
	}
	if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
		err = fmt.Errorf("download cut short: %d of %d bytes", n, resp.ContentLength)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return nil, 0, fmt.Errorf("GET %s: %w", u, err)
	}
	return &source{path: tmp.Name(), label: u, etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified")}, n, nil
}

// progressReader writes a progress line as data is read.
type progressReader struct {
	r     io.Reader
	w     io.Writer
	eco   string
	total int64
	done  int64
	last  time.Time
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	if now := time.Now(); now.Sub(p.last) > 100*time.Millisecond || err != nil {
		p.last = now
		if p.total > 0 {
			fmt.Fprintf(p.w, "\rdownloading %s: %.1f / %.1f MiB (%d%%)", p.eco, mib(p.done), mib(p.total), p.done*100/p.total)
		} else {
			fmt.Fprintf(p.w, "\rdownloading %s: %.1f MiB", p.eco, mib(p.done))
		}
	}
	return n, err
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
