// Package db is patchline's offline vulnerability database: OSV advisories
// imported from the public OSV export (or any OSV files), stored as one
// indexed, memory-mapped segment file per ecosystem, and looked up by
// (ecosystem, normalised package name).
//
// A database is a directory holding a manifest (manifest.json) and the
// segment files it names. Every change writes new segment files beside the
// old ones and then replaces the manifest with an atomic rename, so a crash
// or a failed import at any point leaves the previous database intact and
// usable. Old segments are removed only after the new manifest is in place.
package db

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/osv"
)

const (
	manifestName  = "manifest.json"
	lockName      = "lock"
	formatVersion = 1
)

// ErrNotFound is returned by [Open] when the directory holds no database.
var ErrNotFound = errors.New("no vulnerability database")

// EcosystemInfo describes the advisories stored for one ecosystem.
type EcosystemInfo struct {
	// Ecosystem is the OSV ecosystem name without release suffix.
	Ecosystem string `json:"ecosystem"`
	// File is the segment file, relative to the database directory.
	File string `json:"file"`
	// Entries counts the advisories stored, withdrawn ones included.
	Entries int `json:"entries"`
	// Withdrawn counts withdrawn advisories: stored, never matched.
	Withdrawn int `json:"withdrawn"`
	// NewestModified is the latest "modified" time of any entry.
	NewestModified time.Time `json:"newest_modified"`
	// Imported is when the segment was written.
	Imported time.Time `json:"imported"`
	// Checked is when `db update` last asked the server, even when nothing
	// had changed.
	Checked time.Time `json:"checked,omitzero"`
	// Source is where the advisories came from: a path or a URL.
	Source string `json:"source"`
	// ETag and LastModified are the validators of the downloaded export,
	// sent back on the next update as a conditional request.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

type manifest struct {
	Format     int                       `json:"format"`
	Ecosystems map[string]*EcosystemInfo `json:"ecosystems"`
}

// DB is an open database. It is safe for concurrent use.
type DB struct {
	dir      string
	manifest manifest

	mu       sync.Mutex
	segments map[string]*segment
	cache    map[cacheKey]*osv.Entry
}

type cacheKey struct {
	eco string
	idx uint32
}

// Open opens the database in dir. It returns an error wrapping [ErrNotFound]
// when dir holds no database.
func Open(dir string) (*DB, error) {
	m, err := readManifest(dir)
	if err != nil {
		return nil, err
	}
	return &DB{dir: dir, manifest: m, segments: map[string]*segment{}, cache: map[cacheKey]*osv.Entry{}}, nil
}

func readManifest(dir string) (manifest, error) {
	var m manifest
	data, err := os.ReadFile(filepath.Join(dir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return m, fmt.Errorf("%w at %q: run `patchline db update` or `patchline db import DIR`", ErrNotFound, dir)
	}
	if err != nil {
		return m, fmt.Errorf("read database manifest: %w", err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("database manifest %q is corrupt: %w (re-import the database)", filepath.Join(dir, manifestName), err)
	}
	if m.Format != formatVersion {
		return m, fmt.Errorf("database at %q has format %d, this patchline reads format %d: re-import it", dir, m.Format, formatVersion)
	}
	if m.Ecosystems == nil {
		m.Ecosystems = map[string]*EcosystemInfo{}
	}
	return m, nil
}

// Empty returns a database without advisories, for commands that list
// packages without matching them (an SBOM without vulnerabilities).
func Empty() *DB {
	return &DB{manifest: manifest{Format: formatVersion, Ecosystems: map[string]*EcosystemInfo{}}, segments: map[string]*segment{}, cache: map[cacheKey]*osv.Entry{}}
}

// Dir returns the database directory.
func (db *DB) Dir() string { return db.dir }

// Close releases the memory maps of the open segments.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	var errs []error
	for _, s := range db.segments {
		errs = append(errs, s.close())
	}
	db.segments = map[string]*segment{}
	return errors.Join(errs...)
}

// Status returns what is stored, one row per ecosystem, sorted by name.
func (db *DB) Status() []EcosystemInfo {
	out := make([]EcosystemInfo, 0, len(db.manifest.Ecosystems))
	for _, info := range db.manifest.Ecosystems {
		out = append(out, *info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ecosystem < out[j].Ecosystem })
	return out
}

// Has reports whether the database holds advisories for the ecosystem.
func (db *DB) Has(eco string) bool {
	_, ok := db.manifest.Ecosystems[osv.BaseEcosystem(eco)]
	return ok
}

// segment opens (once) the segment of an ecosystem; nil when there is none.
// db.mu must be held.
func (db *DB) segment(eco string) (*segment, error) {
	if s, ok := db.segments[eco]; ok {
		return s, nil
	}
	info, ok := db.manifest.Ecosystems[eco]
	if !ok {
		return nil, nil
	}
	s, err := openSegment(filepath.Join(db.dir, info.File))
	if errors.Is(err, fs.ErrNotExist) {
		// An import replaced the segment since Open: follow the new manifest.
		m, merr := readManifest(db.dir)
		if merr != nil {
			return nil, merr
		}
		db.manifest = m
		if info, ok = m.Ecosystems[eco]; !ok {
			return nil, nil
		}
		s, err = openSegment(filepath.Join(db.dir, info.File))
	}
	if err != nil {
		return nil, err
	}
	db.segments[eco] = s
	return s, nil
}

// Lookup returns the advisories that name the package in the ecosystem,
// withdrawn ones excluded. The name is normalised by the ecosystem's rules.
// The returned entries are shared: callers must not modify them.
func (db *DB) Lookup(eco, name string) ([]*osv.Entry, error) {
	base := osv.BaseEcosystem(eco)
	key := ecosystem.NormalizeName(base, name)
	db.mu.Lock()
	defer db.mu.Unlock()
	s, err := db.segment(base)
	if err != nil || s == nil {
		return nil, err
	}
	idx, err := s.lookup(key)
	if err != nil {
		return nil, fmt.Errorf("look up %s/%q: %w", base, name, err)
	}
	out := make([]*osv.Entry, 0, len(idx))
	for _, i := range idx {
		e, err := db.decode(base, s, i)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Get returns the advisory with the given id from the ecosystem's segment,
// or nil when it is not stored. Withdrawn entries are returned too.
func (db *DB) Get(eco, id string) (*osv.Entry, error) {
	base := osv.BaseEcosystem(eco)
	db.mu.Lock()
	defer db.mu.Unlock()
	s, err := db.segment(base)
	if err != nil || s == nil {
		return nil, err
	}
	i, ok, err := s.find(id)
	if err != nil || !ok {
		return nil, err
	}
	return db.decode(base, s, i)
}

func (db *DB) decode(eco string, s *segment, i uint32) (*osv.Entry, error) {
	if e, ok := db.cache[cacheKey{eco, i}]; ok {
		return e, nil
	}
	id, data, err := s.entry(i)
	if err != nil {
		return nil, fmt.Errorf("read %s advisory %d: %w", eco, i, err)
	}
	e := new(osv.Entry)
	if err := json.Unmarshal(data, e); err != nil {
		return nil, fmt.Errorf("decode %s advisory %q: %w", eco, id, err)
	}
	db.cache[cacheKey{eco, i}] = e
	return e, nil
}
