package registry

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fetcher answers with body or err and counts its calls.
type fetcher struct {
	body  string
	err   error
	calls int
}

func (f *fetcher) fetch(context.Context) ([]byte, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return []byte(f.body), nil
}

// clock is a Now the test moves.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestCacheGet(t *testing.T) {
	errDown := errors.New("registry unreachable")
	tests := []struct {
		name string
		// seed, when set, is fetched once at time zero to fill the cache.
		seed string
		// after is how long after the seed the second Get runs.
		after   time.Duration
		maxAge  time.Duration
		offline bool
		fetch   fetcher
		// want is the second Get's answer; wantErr its error (errors.Is).
		want      string
		wantErr   error
		wantCalls int
		// wantCached is what the cache holds afterwards.
		wantCached string
		wantWarn   bool
	}{
		{
			name: "fresh_hit_without_fetching", seed: "v1", after: time.Hour,
			fetch: fetcher{body: "v2"},
			want:  "v1", wantCalls: 0, wantCached: "v1",
		},
		{
			name: "stale_refetched", seed: "v1", after: DefaultMaxAge + time.Minute,
			fetch: fetcher{body: "v2"},
			want:  "v2", wantCalls: 1, wantCached: "v2",
		},
		{
			name: "max_age_honoured", seed: "v1", after: 2 * time.Minute, maxAge: time.Minute,
			fetch: fetcher{body: "v2"},
			want:  "v2", wantCalls: 1, wantCached: "v2",
		},
		{
			name: "fresh_within_max_age", seed: "v1", after: 30 * time.Second, maxAge: time.Minute,
			fetch: fetcher{body: "v2"},
			want:  "v1", wantCalls: 0, wantCached: "v1",
		},
		{
			name: "answer_from_the_future_refetched", seed: "v1", after: -time.Hour,
			fetch: fetcher{body: "v2"},
			want:  "v2", wantCalls: 1, wantCached: "v2",
		},
		{
			name: "fetch_error_uses_stale_answer", seed: "v1", after: 48 * time.Hour,
			fetch: fetcher{err: errDown},
			want:  "v1", wantCalls: 1, wantCached: "v1", wantWarn: true,
		},
		{
			name:    "fetch_error_without_cache",
			fetch:   fetcher{err: errDown},
			wantErr: errDown, wantCalls: 1,
		},
		{
			name:  "miss_fetched_and_cached",
			fetch: fetcher{body: "v2"},
			want:  "v2", wantCalls: 1, wantCached: "v2",
		},
		{
			name: "offline_hit_however_old", seed: "v1", after: 365 * 24 * time.Hour, offline: true,
			fetch: fetcher{body: "v2"},
			want:  "v1", wantCalls: 0, wantCached: "v1",
		},
		{
			name: "offline_miss", offline: true,
			fetch:   fetcher{body: "v2"},
			wantErr: ErrNotCached, wantCalls: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			var logs bytes.Buffer
			clk := &clock{t: time.Now()}
			c := &Cache{
				Dir:    t.TempDir(),
				MaxAge: tt.maxAge,
				Logger: slog.New(slog.NewTextHandler(&logs, nil)),
				Now:    clk.now,
			}
			if tt.seed != "" {
				seed := &fetcher{body: tt.seed}
				if _, err := c.Get(ctx, "npm", "qs", seed.fetch); err != nil {
					t.Fatalf("seed the cache: %v", err)
				}
				// The file's time is the real clock's: move the
				// cache's clock from there.
				clk.t = time.Now().Add(tt.after)
			}
			c.Offline = tt.offline
			got, err := c.Get(ctx, "npm", "qs", tt.fetch.fetch)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Get error = %v, want %v", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("Get = %q, want %q", got, tt.want)
			}
			if tt.fetch.calls != tt.wantCalls {
				t.Errorf("fetch called %d times, want %d", tt.fetch.calls, tt.wantCalls)
			}
			// What is cached now: an offline Get never fetches.
			off := *c
			off.Offline = true
			cached, err := off.Get(ctx, "npm", "qs", (&fetcher{err: errors.New("must not fetch")}).fetch)
			switch {
			case tt.wantCached == "" && !errors.Is(err, ErrNotCached):
				t.Errorf("cache after Get = %q, %v; want nothing cached", cached, err)
			case tt.wantCached != "" && string(cached) != tt.wantCached:
				t.Errorf("cache after Get = %q, %v; want %q", cached, err, tt.wantCached)
			}
			if warned := strings.Contains(logs.String(), "level=WARN"); warned != tt.wantWarn {
				t.Errorf("warned = %v, want %v; log:\n%s", warned, tt.wantWarn, logs.String())
			}
		})
	}
}

func TestCacheOfflineMissError(t *testing.T) {
	c := &Cache{Dir: t.TempDir(), Offline: true}
	_, err := c.Get(context.Background(), "crates.io", "serde", func(context.Context) ([]byte, error) {
		t.Error("offline Get fetched")
		return nil, nil
	})
	if !errors.Is(err, ErrNotCached) {
		t.Fatalf("Get error = %v, want ErrNotCached", err)
	}
	// The message names what was missing and what to do.
	for _, want := range []string{"crates.io", "serde", "--offline"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Get error %q does not mention %q", err, want)
		}
	}
}

func TestCacheStaleNotUsedWhenCancelled(t *testing.T) {
	clk := &clock{}
	c := &Cache{Dir: t.TempDir(), Now: clk.now}
	seed := &fetcher{body: "v1"}
	if _, err := c.Get(context.Background(), "npm", "qs", seed.fetch); err != nil {
		t.Fatal(err)
	}
	clk.t = time.Now().Add(2 * DefaultMaxAge)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := c.Get(ctx, "npm", "qs", func(ctx context.Context) ([]byte, error) { return nil, ctx.Err() })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Get = %q, %v; want context.Canceled, not the stale answer", got, err)
	}
}

func TestCacheKeys(t *testing.T) {
	ctx := context.Background()
	c := &Cache{Dir: t.TempDir()}
	put := map[[2]string]string{
		{"npm", "qs"}:           "npm qs",
		{"npm", "@scope/qs"}:    "npm @scope/qs",
		{"PyPI", "qs"}:          "pypi qs",
		{"npm", "../../escape"}: "npm escape",
	}
	for k, body := range put {
		f := &fetcher{body: body}
		if _, err := c.Get(ctx, k[0], k[1], f.fetch); err != nil {
			t.Fatalf("Get %v: %v", k, err)
		}
	}
	c.Offline = true
	for k, want := range put {
		got, err := c.Get(ctx, k[0], k[1], (&fetcher{err: errors.New("must not fetch")}).fetch)
		if err != nil || string(got) != want {
			t.Errorf("Get %v = %q, %v; want %q", k, got, err, want)
		}
	}
	// Keys never become paths: every answer is a file in its
	// ecosystem's directory, and no temporary file is left.
	var files []string
	err := filepath.WalkDir(c.Dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, err := filepath.Rel(c.Dir, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.Dir(filepath.ToSlash(rel)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"PyPI", "npm", "npm", "npm"}, files); diff != "" {
		t.Errorf("cache directories mismatch (-want +got):\n%s", diff)
	}
}

func TestCacheNil(t *testing.T) {
	var c *Cache
	f := &fetcher{body: "v1"}
	for i := 0; i < 3; i++ {
		got, err := c.Get(context.Background(), "npm", "qs", f.fetch)
		if err != nil || string(got) != "v1" {
			t.Fatalf("Get = %q, %v; want v1", got, err)
		}
	}
	if f.calls != 3 {
		t.Errorf("fetch called %d times, want 3: a nil Cache caches nothing", f.calls)
	}
	errDown := errors.New("down")
	if _, err := c.Get(context.Background(), "npm", "qs", (&fetcher{err: errDown}).fetch); !errors.Is(err, errDown) {
		t.Errorf("Get error = %v, want %v", err, errDown)
	}
}

func TestCacheWithoutDir(t *testing.T) {
	c := &Cache{}
	f := &fetcher{body: "v1"}
	for i := 0; i < 2; i++ {
		if got, err := c.Get(context.Background(), "npm", "qs", f.fetch); err != nil || string(got) != "v1" {
			t.Fatalf("Get = %q, %v; want v1", got, err)
		}
	}
	if f.calls != 2 {
		t.Errorf("fetch called %d times, want 2: no Dir caches nothing", f.calls)
	}
	c.Offline = true
	if _, err := c.Get(context.Background(), "npm", "qs", f.fetch); !errors.Is(err, ErrNotCached) {
		t.Errorf("offline Get without Dir = %v, want ErrNotCached", err)
	}
}

func TestCacheUnwritableDir(t *testing.T) {
	// Dir is a file: the answer is still returned, and a warning logged.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	c := &Cache{Dir: file, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	got, err := c.Get(context.Background(), "npm", "qs", (&fetcher{body: "v1"}).fetch)
	if err != nil || string(got) != "v1" {
		t.Fatalf("Get = %q, %v; want v1", got, err)
	}
	if !strings.Contains(logs.String(), "not written") {
		t.Errorf("no warning logged; log:\n%s", logs.String())
	}
}

func TestDefaultDir(t *testing.T) {
	t.Run("env", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("PATCHLINE_CACHE_DIR", dir)
		got, err := DefaultDir()
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(dir, "registry"); got != want {
			t.Errorf("DefaultDir() = %q, want %q", got, want)
		}
	})
	t.Run("user_cache_dir", func(t *testing.T) {
		t.Setenv("PATCHLINE_CACHE_DIR", "")
		user, err := os.UserCacheDir()
		if err != nil {
			t.Skipf("no user cache directory here: %v", err)
		}
		got, err := DefaultDir()
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(user, "patchline", "registry"); got != want {
			t.Errorf("DefaultDir() = %q, want %q", got, want)
		}
	})
}
