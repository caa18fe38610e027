// Package registry caches what package registries answer about the
// versions of packages, for the fix strategies: one file per question,
// kept for a while so that a second plan does not ask again, and used
// alone when the user asks for --offline.
//
// The cache knows nothing of hosts or protocols; each strategy asks its
// ecosystem's own client (npm view) or the index the user configured, and
// hands the answer here under a key of its choosing.
package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// DefaultMaxAge is how long an answer is used without asking again.
const DefaultMaxAge = 6 * time.Hour

// ErrNotCached is returned by [Cache.Get] when the cache is offline and
// holds no answer for the key.
var ErrNotCached = errors.New("not in the registry cache (run once without --offline)")

// Cache is a directory of registry answers.
type Cache struct {
	// Dir holds the answers; empty means no cache (every Get fetches, and
	// offline Gets fail).
	Dir string
	// MaxAge is how long an answer is fresh; zero means DefaultMaxAge.
	MaxAge time.Duration
	// Offline uses only cached answers, however old.
	Offline bool
	// Logger receives a line for every answer used stale.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// DefaultDir returns the cache directory: $PATCHLINE_CACHE_DIR, else
// patchline/registry under the user's cache directory.
func DefaultDir() (string, error) {
	if d := os.Getenv("PATCHLINE_CACHE_DIR"); d != "" {
		return filepath.Join(d, "registry"), nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("registry cache: %w", err)
	}
	return filepath.Join(d, "patchline", "registry"), nil
}

// Get returns the answer cached under ecosystem and key when it is fresh
// (or the cache is offline), else calls fetch and caches what it returns.
// When fetch fails and a stale answer is cached, the stale answer is used
// and the failure logged.
//
// A nil Cache caches nothing: every Get fetches.
func (c *Cache) Get(ctx context.Context, ecosystem, key string, fetch func(context.Context) ([]byte, error)) ([]byte, error) {
	if c == nil {
		return fetch(ctx)
	}
	path := c.path(ecosystem, key)
	var cached []byte
	var age time.Duration
	if path != "" {
		if st, err := os.Stat(path); err == nil {
			if b, err := os.ReadFile(path); err == nil {
				cached, age = b, c.now().Sub(st.ModTime())
			}
		}
	}
	if c.Offline {
		if cached == nil {
			return nil, fmt.Errorf("%s %s: %w", ecosystem, key, ErrNotCached)
		}
		return cached, nil
	}
	maxAge := c.MaxAge
	if maxAge == 0 {
		maxAge = DefaultMaxAge
	}
	if cached != nil && age >= 0 && age < maxAge {
		return cached, nil
	}
	b, err := fetch(ctx)
	if err != nil {
		if cached != nil && ctx.Err() == nil {
			c.logger().Warn("registry unreachable; using a cached answer", "ecosystem", ecosystem, "key", key, "age", age.Round(time.Second), "error", err)
			return cached, nil
		}
		return nil, err
	}
	if path != "" {
		if err := writeAtomic(path, b); err != nil {
			c.logger().Warn("registry cache not written", "path", path, "error", err)
		}
	}
	return b, nil
}

func (c *Cache) path(ecosystem, key string) string {
	if c == nil || c.Dir == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(c.Dir, ecosystem, hex.EncodeToString(sum[:16])+".json")
}

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Cache) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}
