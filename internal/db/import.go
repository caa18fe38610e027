package db

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/osv"
)

// Limits that protect an import from hostile or broken archives. An entry or
// archive over a limit fails the import with a clear error; the database is
// left as it was.
const (
	// MaxEntrySize is the largest advisory accepted, uncompressed. The
	// largest real OSV entries are a few MiB.
	MaxEntrySize = 32 << 20
	// MaxCompressionRatio is the largest uncompressed/compressed ratio
	// accepted for an archive entry over 1 MiB. Real OSV JSON compresses
	// about 5–30×; zip bombs compress thousands of times.
	MaxCompressionRatio = 200
	// MaxArchiveSize is the most bytes read from one archive, uncompressed.
	MaxArchiveSize = 16 << 30
)

// Skipped is an advisory that was not imported, and why.
type Skipped struct {
	Source string `json:"source"` // archive or file
	Entry  string `json:"entry"`  // entry name in the archive, or file name
	Reason string `json:"reason"`
}

// ImportReport says what an import did.
type ImportReport struct {
	// Ecosystems lists the ecosystems written, with their new state.
	Ecosystems []EcosystemInfo
	// Skipped lists the invalid entries left out; the rest was imported.
	Skipped []Skipped
}

// ImportOptions tune an import.
type ImportOptions struct {
	Logger *slog.Logger
	// Now returns the current time; it stamps imported segments.
	Now func() time.Time
	// stage, when set (by tests), is called as the import passes each
	// stage, so that a test can kill the process at that point.
	stage func(name string)
}

func (o *ImportOptions) passStage(name string) {
	if o.stage != nil {
		o.stage(name)
	}
}

// source is one input of an import.
type source struct {
	path string
	// ecosystem is set when the source is a full export of one ecosystem
	// (an `<Ecosystem>/all.zip`): that ecosystem is replaced by its content.
	ecosystem string
	// Conditional-request validators to record, for `db update`.
	etag, lastModified, label string
}

// Import imports the OSV advisories at paths into the database in dir,
// creating it if needed. Each path is a directory in the OSV export layout
// (`<Ecosystem>/all.zip`), one `all.zip`, a directory of OSV .json files, or
// one .json file.
//
// A `<Ecosystem>/all.zip` is a full export: it replaces what the database had
// for that ecosystem. Any other input is merged into what is stored: an
// advisory with the same id is replaced, the rest kept.
//
// The import is atomic: either every input is imported, or, on any error
// other than a skipped invalid entry, the database stays exactly as it was.
func Import(ctx context.Context, dir string, paths []string, opts ImportOptions) (*ImportReport, error) {
	var sources []source
	for _, p := range paths {
		s, err := findSources(p)
		if err != nil {
			return nil, err
		}
		sources = append(sources, s...)
	}
	return importSources(ctx, dir, sources, importPlan{opts: opts})
}

// importPlan is what one write to the database does besides reading sources.
type importPlan struct {
	opts ImportOptions
	// checked lists ecosystems `db update` found unchanged: only their
	// Checked time moves.
	checked []string
}

// findSources expands one import path into sources.
func findSources(p string) ([]source, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("import %q: %w", p, err)
	}
	if !st.IsDir() {
		return []source{{path: abs, ecosystem: exportEcosystem(abs), label: abs}}, nil
	}
	// An OSV export layout: <Ecosystem>/all.zip one level down.
	zips, err := filepath.Glob(filepath.Join(abs, "*", "all.zip"))
	if err != nil {
		return nil, err
	}
	if len(zips) > 0 {
		sort.Strings(zips)
		out := make([]source, 0, len(zips))
		for _, z := range zips {
			out = append(out, source{path: z, ecosystem: exportEcosystem(z), label: z})
		}
		return out, nil
	}
	if _, err := os.Stat(filepath.Join(abs, "all.zip")); err == nil {
		z := filepath.Join(abs, "all.zip")
		return []source{{path: z, ecosystem: exportEcosystem(z), label: z}}, nil
	}
	return []source{{path: abs, label: abs}}, nil // a directory of .json files
}

// exportEcosystem returns the ecosystem an `<Ecosystem>/all.zip` exports, or
// "" when path is not named so.
func exportEcosystem(p string) string {
	if filepath.Base(p) != "all.zip" {
		return ""
	}
	return filepath.Base(filepath.Dir(p))
}

// parsedEntry is an advisory read from a source.
type parsedEntry struct {
	id         string
	modified   time.Time
	withdrawn  bool
	ecosystems map[string][]string // base ecosystem → normalised names
	json       []byte
}

// entrySet collects the advisories of one ecosystem by id.
type entrySet map[string]*parsedEntry

func (s entrySet) add(e *parsedEntry) {
	if old, ok := s[e.id]; ok && old.modified.After(e.modified) {
		return
	}
	s[e.id] = e
}

func importSources(ctx context.Context, dir string, sources []source, plan importPlan) (*ImportReport, error) {
	opts := plan.opts
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create database directory: %w", err)
	}
	unlock, err := lock(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()

	old, err := readManifest(dir)
	if errors.Is(err, ErrNotFound) {
		old = manifest{Format: formatVersion, Ecosystems: map[string]*EcosystemInfo{}}
	} else if err != nil {
		return nil, err
	}

	report := &ImportReport{}
	// Sources that merge are read first; full exports are then written one
	// ecosystem at a time, so memory holds at most one ecosystem's export.
	merge := map[string]entrySet{}
	mergeLabels := map[string][]string{}
	var full []source
	for _, src := range sources {
		if src.ecosystem != "" {
			full = append(full, src)
			continue
		}
		err := readSource(ctx, src, report, func(e *parsedEntry) {
			for eco := range e.ecosystems {
				if merge[eco] == nil {
					merge[eco] = entrySet{}
				}
				merge[eco].add(e)
				if l := mergeLabels[eco]; len(l) == 0 || l[len(l)-1] != src.label {
					mergeLabels[eco] = append(l, src.label)
				}
			}
		})
		if err != nil {
			return nil, err
		}
	}

	next := manifest{Format: formatVersion, Ecosystems: map[string]*EcosystemInfo{}}
	for eco, info := range old.Ecosystems {
		next.Ecosystems[eco] = info
	}
	var written []string // new segment files, removed if the import fails
	ok := false
	defer func() {
		if !ok {
			for _, f := range written {
				_ = os.Remove(filepath.Join(dir, f))
			}
		}
	}()
	now := opts.Now().UTC()
	writeEco := func(eco string, set entrySet, info *EcosystemInfo) error {
		file, err := writeSegmentFile(dir, eco, set, now)
		if err != nil {
			return err
		}
		written = append(written, file)
		info.Ecosystem, info.File, info.Imported = eco, file, now
		info.Entries, info.Withdrawn, info.NewestModified = 0, 0, time.Time{}
		for _, e := range set {
			info.Entries++
			if e.withdrawn {
				info.Withdrawn++
			}
			if e.modified.After(info.NewestModified) {
				info.NewestModified = e.modified
			}
		}
		next.Ecosystems[eco] = info
		report.Ecosystems = append(report.Ecosystems, *info)
		opts.Logger.Info("imported", "ecosystem", eco, "entries", info.Entries, "source", info.Source)
		return nil
	}

	for _, src := range full {
		set := entrySet{}
		err := readSource(ctx, src, report, func(e *parsedEntry) {
			if _, ok := e.ecosystems[src.ecosystem]; ok {
				set.add(e)
			}
		})
		if err != nil {
			return nil, err
		}
		if len(set) == 0 {
			return nil, fmt.Errorf("import %q: no advisory in it affects ecosystem %q: is it an OSV export?", src.path, src.ecosystem)
		}
		sourceLabel := src.label
		for _, e := range merge[src.ecosystem] {
			set.add(e)
		}
		if labels := mergeLabels[src.ecosystem]; len(labels) > 0 {
			sourceLabel += " + " + strings.Join(labels, " + ")
			delete(merge, src.ecosystem)
		}
		info := &EcosystemInfo{Source: sourceLabel, ETag: src.etag, LastModified: src.lastModified, Checked: checkedTime(src, now)}
		if err := writeEco(src.ecosystem, set, info); err != nil {
			return nil, err
		}
		opts.passStage("segment-written")
	}

	for eco, add := range merge {
		set := entrySet{}
		info := &EcosystemInfo{}
		if prev, ok := old.Ecosystems[eco]; ok {
			if err := readSegmentEntries(ctx, filepath.Join(dir, prev.File), eco, set); err != nil {
				return nil, err
			}
			*info = *prev
		}
		for _, e := range add {
			set.add(e)
		}
		labels := strings.Join(mergeLabels[eco], " + ")
		if info.Source != "" {
			info.Source += " + " + labels
		} else {
			info.Source = labels
		}
		if err := writeEco(eco, set, info); err != nil {
			return nil, err
		}
	}

	for _, eco := range plan.checked {
		if info, ok := next.Ecosystems[eco]; ok {
			c := *info
			c.Checked = now
			next.Ecosystems[eco] = &c
		}
	}
	opts.passStage("before-manifest")
	if err := writeManifest(dir, next); err != nil {
		return nil, err
	}
	ok = true
	removeUnreferenced(dir, next, opts.Logger)
	sort.Slice(report.Ecosystems, func(i, j int) bool { return report.Ecosystems[i].Ecosystem < report.Ecosystems[j].Ecosystem })
	return report, nil
}

func checkedTime(src source, now time.Time) time.Time {
	if src.etag != "" || src.lastModified != "" || strings.HasPrefix(src.label, "http") {
		return now
	}
	return time.Time{}
}

// readSource reads every advisory of one source and hands the valid ones to
// add; invalid entries are recorded in report.Skipped.
func readSource(ctx context.Context, src source, report *ImportReport, add func(*parsedEntry)) error {
	st, err := os.Stat(src.path)
	if err != nil {
		return fmt.Errorf("import %q: %w", src.path, err)
	}
	if st.IsDir() {
		return readJSONDir(ctx, src.path, report, add)
	}
	if strings.EqualFold(filepath.Ext(src.path), ".json") {
		data, err := readLimited(src.path)
		if err != nil {
			return err
		}
		e, err := parseEntry(data)
		if err != nil {
			return fmt.Errorf("import %q: %w", src.path, err)
		}
		add(e)
		return nil
	}
	return readZip(ctx, src.path, report, add)
}

func readLimited(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("import %q: %w", p, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxEntrySize+1))
	if err != nil {
		return nil, fmt.Errorf("import %q: %w", p, err)
	}
	if len(data) > MaxEntrySize {
		return nil, fmt.Errorf("import %q: file is over the %d MiB limit for one advisory", p, MaxEntrySize>>20)
	}
	return data, nil
}

func readJSONDir(ctx context.Context, dir string, report *ImportReport, add func(*parsedEntry)) error {
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() && p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !d.Type().IsRegular() || !strings.EqualFold(path.Ext(d.Name()), ".json") {
			return nil
		}
		n++
		data, err := readLimited(p)
		if err != nil {
			return err
		}
		e, err := parseEntry(data)
		if err != nil {
			report.Skipped = append(report.Skipped, Skipped{Source: dir, Entry: p, Reason: err.Error()})
			return nil
		}
		add(e)
		return nil
	})
	if err != nil {
		return fmt.Errorf("import %q: %w", dir, err)
	}
	if n == 0 {
		return fmt.Errorf("import %q: no .json files and no <Ecosystem>/all.zip in it", dir)
	}
	return nil
}

// readZip reads an archive of OSV .json files, refusing hostile archives.
func readZip(ctx context.Context, p string, report *ImportReport, add func(*parsedEntry)) error {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return fmt.Errorf("import %q: not a readable zip archive: %w", p, err)
	}
	defer zr.Close()
	var total uint64
	for _, f := range zr.File {
		if err := checkEntryName(f.Name); err != nil {
			return fmt.Errorf("import %q: refusing hostile archive: %w", p, err)
		}
	}
	buf := new(bytes.Buffer)
	for _, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		if f.FileInfo().IsDir() {
			continue
		}
		if !strings.EqualFold(path.Ext(f.Name), ".json") {
			report.Skipped = append(report.Skipped, Skipped{Source: p, Entry: f.Name, Reason: "not a .json file"})
			continue
		}
		if f.UncompressedSize64 > MaxEntrySize {
			return fmt.Errorf("import %q: refusing hostile archive: entry %q is %d bytes, over the %d MiB limit", p, f.Name, f.UncompressedSize64, MaxEntrySize>>20)
		}
		if f.UncompressedSize64 > 1<<20 && f.UncompressedSize64 > MaxCompressionRatio*max(f.CompressedSize64, 1) {
			return fmt.Errorf("import %q: refusing hostile archive: entry %q expands %d×, over the %d× limit", p, f.Name, f.UncompressedSize64/max(f.CompressedSize64, 1), MaxCompressionRatio)
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("import %q: entry %q: %w", p, f.Name, err)
		}
		buf.Reset()
		// Never trust the header: read at most the limit, whatever it says.
		n, err := io.Copy(buf, io.LimitReader(rc, MaxEntrySize+1))
		rc.Close()
		if err != nil {
			return fmt.Errorf("import %q: archive is corrupt at entry %q: %w", p, f.Name, err)
		}
		if n > MaxEntrySize || uint64(n) != f.UncompressedSize64 {
			return fmt.Errorf("import %q: refusing hostile archive: entry %q holds more data than its header says", p, f.Name)
		}
		total += uint64(n)
		if total > MaxArchiveSize {
			return fmt.Errorf("import %q: refusing archive: over %d GiB uncompressed", p, MaxArchiveSize>>30)
		}
		e, err := parseEntry(buf.Bytes())
		if err != nil {
			report.Skipped = append(report.Skipped, Skipped{Source: p, Entry: f.Name, Reason: err.Error()})
			continue
		}
		add(e)
	}
	return nil
}

// checkEntryName refuses entry names that would escape a directory if the
// archive were extracted: absolute paths, drive letters, "..", backslashes.
func checkEntryName(name string) error {
	switch {
	case name == "" || strings.ContainsRune(name, 0):
		return fmt.Errorf("entry name %q is invalid", name)
	case strings.HasPrefix(name, "/") || strings.Contains(name, `\`) || (len(name) > 1 && name[1] == ':'):
		return fmt.Errorf("entry name %q is an absolute path or uses backslashes", name)
	}
	for _, elem := range strings.Split(name, "/") {
		if elem == ".." {
			return fmt.Errorf("entry name %q escapes the archive (path traversal)", name)
		}
	}
	return nil
}

// parseEntry checks one advisory and works out what to index it under.
func parseEntry(data []byte) (*parsedEntry, error) {
	var e osv.Entry
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("not a valid OSV entry: %w", err)
	}
	if e.ID == "" {
		return nil, errors.New("not a valid OSV entry: no id")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	pe := &parsedEntry{
		id:         e.ID,
		modified:   e.Modified,
		withdrawn:  e.Withdrawn != nil && !e.Withdrawn.IsZero(),
		ecosystems: map[string][]string{},
		json:       compact.Bytes(),
	}
	for _, a := range e.Affected {
		if a.Package.Ecosystem == "" {
			continue
		}
		base := osv.BaseEcosystem(a.Package.Ecosystem)
		names := pe.ecosystems[base]
		if a.Package.Name != "" && !pe.withdrawn {
			names = append(names, ecosystem.NormalizeName(base, a.Package.Name))
		}
		pe.ecosystems[base] = names
	}
	return pe, nil
}

// writeSegmentFile writes set as a new segment file of eco and returns its
// name. The file is complete and synced before the name is returned.
func writeSegmentFile(dir, eco string, set entrySet, now time.Time) (string, error) {
	entries := make([]segmentEntry, 0, len(set))
	for _, e := range set {
		entries = append(entries, segmentEntry{id: e.id, names: e.ecosystems[eco], json: e.json})
	}
	tmp, err := os.CreateTemp(dir, ".segment-*.tmp")
	if err != nil {
		return "", fmt.Errorf("write %s segment: %w", eco, err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write %s segment: %w", eco, err)
	}
	if err := writeSegment(tmp, entries); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write %s segment: %w", eco, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write %s segment: %w", eco, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write %s segment: %w", eco, err)
	}
	name := fmt.Sprintf("%s.%d.seg", segmentFileStem(eco), now.UnixNano())
	for i := 1; ; i++ {
		if _, err := os.Stat(filepath.Join(dir, name)); errors.Is(err, fs.ErrNotExist) {
			break
		}
		name = fmt.Sprintf("%s.%d-%d.seg", segmentFileStem(eco), now.UnixNano(), i)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return "", fmt.Errorf("write %s segment: %w", eco, err)
	}
	return name, nil
}

// segmentFileStem makes an ecosystem name safe as a file name.
func segmentFileStem(eco string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, eco)
}

// readSegmentEntries adds the entries of an existing segment to set, for a merge.
func readSegmentEntries(ctx context.Context, file, eco string, set entrySet) error {
	s, err := openSegment(file)
	if err != nil {
		return err
	}
	defer s.close()
	for i := uint32(0); i < s.entries; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, data, err := s.entry(i)
		if err != nil {
			return fmt.Errorf("read %q: %w", file, err)
		}
		e, err := parseEntry(bytes.Clone(data))
		if err != nil {
			return fmt.Errorf("read %q: %w", file, err)
		}
		set.add(e)
	}
	return nil
}

// writeManifest replaces the manifest atomically: write, sync, rename, sync dir.
func writeManifest(dir string, m manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".manifest-*.tmp")
	if err != nil {
		return fmt.Errorf("write database manifest: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write database manifest: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write database manifest: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write database manifest: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write database manifest: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, manifestName)); err != nil {
		return fmt.Errorf("write database manifest: %w", err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync %q: %w", dir, err)
	}
	return nil
}

// removeUnreferenced deletes segment files and temporary files that the
// manifest no longer names: leftovers of replaced data or of crashed imports.
func removeUnreferenced(dir string, m manifest, log *slog.Logger) {
	keep := map[string]bool{}
	for _, info := range m.Ecosystems {
		keep[info.File] = true
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		log.Warn("clean database directory", "err", err)
		return
	}
	for _, e := range ents {
		n := e.Name()
		if keep[n] || !(strings.HasSuffix(n, ".seg") || strings.HasSuffix(n, ".tmp")) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, n)); err != nil {
			log.Warn("remove stale database file", "file", n, "err", err)
		}
	}
}

// lock takes the database's writer lock.
func lock(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock database: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock database: %w", err)
	}
	return func() { f.Close() }, nil
}
