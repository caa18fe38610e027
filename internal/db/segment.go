package db

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
)

// A segment file holds the advisories of one ecosystem, immutable once
// written. It is read through a memory map, so a scan touches only the pages
// of the names it looks up and of the entries those names point to: the cost
// of a lookup grows with log(names), never with the number of advisories, and
// ecosystems a project does not use are never opened.
//
// Layout (all integers little-endian):
//
//	header   magic "PLSEG\x00\x00\x01" | u32 names | u32 entries | u64 namesOff | u64 postingsOff | u64 entriesOff | u64 stringsOff | u64 dataOff
//	names    names × {u32 strOff, u32 strLen, u32 firstPosting, u32 postings}, sorted by name bytes
//	postings u32 entry indexes
//	entries  entries × {u64 dataOff, u32 dataLen, u32 idStrOff, u32 idLen}, sorted by id
//	strings  name and id bytes
//	data     compact JSON of each entry, as imported
const (
	segmentMagic   = "PLSEG\x00\x00\x01"
	headerSize     = 8 + 4 + 4 + 8*5
	nameRecSize    = 16
	entryRecSize   = 20
	maxSegmentSize = 1 << 40
)

// segmentEntry is one advisory to write into a segment.
type segmentEntry struct {
	id    string
	names []string // normalised package names the entry is indexed under
	json  []byte   // compact JSON
}

// writeSegment writes entries to w in the segment layout.
func writeSegment(w io.Writer, entries []segmentEntry) error {
	slices.SortFunc(entries, func(a, b segmentEntry) int { return cmpString(a.id, b.id) })
	postings := map[string][]uint32{}
	for i, e := range entries {
		for _, n := range e.names {
			p := postings[n]
			if len(p) == 0 || p[len(p)-1] != uint32(i) {
				postings[n] = append(p, uint32(i))
			}
		}
	}
	names := make([]string, 0, len(postings))
	for n := range postings {
		names = append(names, n)
	}
	sort.Strings(names)

	var strs bytes.Buffer
	var namesSec, postSec, entriesSec bytes.Buffer
	var npost uint32
	for _, n := range names {
		p := postings[n]
		putU32(&namesSec, uint32(strs.Len()), uint32(len(n)), npost, uint32(len(p)))
		strs.WriteString(n)
		for _, idx := range p {
			putU32(&postSec, idx)
		}
		npost += uint32(len(p))
	}
	var dataLen uint64
	for _, e := range entries {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], dataLen)
		entriesSec.Write(b[:])
		putU32(&entriesSec, uint32(len(e.json)), uint32(strs.Len()), uint32(len(e.id)))
		strs.WriteString(e.id)
		dataLen += uint64(len(e.json))
	}

	namesOff := uint64(headerSize)
	postingsOff := namesOff + uint64(namesSec.Len())
	entriesOff := postingsOff + uint64(postSec.Len())
	stringsOff := entriesOff + uint64(entriesSec.Len())
	dataOff := stringsOff + uint64(strs.Len())
	if dataOff+dataLen > maxSegmentSize || len(entries) > 1<<31 {
		return errors.New("segment too large")
	}

	var hdr bytes.Buffer
	hdr.WriteString(segmentMagic)
	putU32(&hdr, uint32(len(names)), uint32(len(entries)))
	for _, off := range []uint64{namesOff, postingsOff, entriesOff, stringsOff, dataOff} {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], off)
		hdr.Write(b[:])
	}
	for _, sec := range [][]byte{hdr.Bytes(), namesSec.Bytes(), postSec.Bytes(), entriesSec.Bytes(), strs.Bytes()} {
		if _, err := w.Write(sec); err != nil {
			return err
		}
	}
	for _, e := range entries {
		if _, err := w.Write(e.json); err != nil {
			return err
		}
	}
	return nil
}

func putU32(b *bytes.Buffer, vs ...uint32) {
	var tmp [4]byte
	for _, v := range vs {
		binary.LittleEndian.PutUint32(tmp[:], v)
		b.Write(tmp[:])
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// segment is an open, memory-mapped segment file.
type segment struct {
	data  []byte
	unmap func() error

	names, entries                                         uint32
	namesOff, postingsOff, entriesOff, stringsOff, dataOff uint64
}

// openSegment maps the segment file at path and checks its header and
// section bounds, so that later reads cannot go out of range.
func openSegment(path string) (*segment, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, unmap, err := mapFile(f)
	if err != nil {
		return nil, fmt.Errorf("map %q: %w", path, err)
	}
	s := &segment{data: data, unmap: unmap}
	if err := s.parseHeader(); err != nil {
		_ = unmap()
		return nil, fmt.Errorf("segment %q is corrupt: %w (re-import the database)", path, err)
	}
	return s, nil
}

func (s *segment) parseHeader() error {
	d := s.data
	if len(d) < headerSize || string(d[:8]) != segmentMagic {
		return errors.New("bad magic")
	}
	s.names = binary.LittleEndian.Uint32(d[8:])
	s.entries = binary.LittleEndian.Uint32(d[12:])
	offs := []*uint64{&s.namesOff, &s.postingsOff, &s.entriesOff, &s.stringsOff, &s.dataOff}
	for i, p := range offs {
		*p = binary.LittleEndian.Uint64(d[16+8*i:])
	}
	size := uint64(len(d))
	if s.namesOff != headerSize ||
		s.postingsOff != s.namesOff+uint64(s.names)*nameRecSize ||
		s.entriesOff < s.postingsOff || (s.entriesOff-s.postingsOff)%4 != 0 ||
		s.stringsOff != s.entriesOff+uint64(s.entries)*entryRecSize ||
		s.dataOff < s.stringsOff || s.dataOff > size {
		return errors.New("bad section offsets")
	}
	return nil
}

func (s *segment) close() error {
	if s.unmap == nil {
		return nil
	}
	err := s.unmap()
	s.unmap, s.data = nil, nil
	return err
}

// str returns a string from the strings section, or false when out of range.
func (s *segment) str(off, n uint32) ([]byte, bool) {
	start := s.stringsOff + uint64(off)
	end := start + uint64(n)
	if end > s.dataOff {
		return nil, false
	}
	return s.data[start:end], true
}

// name returns the i-th indexed name.
func (s *segment) name(i uint32) ([]byte, uint32, uint32, error) {
	r := s.data[s.namesOff+uint64(i)*nameRecSize:]
	str, ok := s.str(binary.LittleEndian.Uint32(r), binary.LittleEndian.Uint32(r[4:]))
	if !ok {
		return nil, 0, 0, errors.New("name out of range")
	}
	return str, binary.LittleEndian.Uint32(r[8:]), binary.LittleEndian.Uint32(r[12:]), nil
}

// lookup returns the indexes of the entries indexed under name.
func (s *segment) lookup(name string) ([]uint32, error) {
	var err error
	i := sort.Search(int(s.names), func(i int) bool {
		n, _, _, e := s.name(uint32(i))
		if e != nil {
			err = e
			return true
		}
		return string(n) >= name
	})
	if err != nil {
		return nil, err
	}
	if i >= int(s.names) {
		return nil, nil
	}
	n, first, count, err := s.name(uint32(i))
	if err != nil || string(n) != name {
		return nil, err
	}
	start := s.postingsOff + uint64(first)*4
	end := start + uint64(count)*4
	if end > s.entriesOff {
		return nil, errors.New("postings out of range")
	}
	idx := make([]uint32, count)
	for j := range idx {
		idx[j] = binary.LittleEndian.Uint32(s.data[start+uint64(j)*4:])
		if idx[j] >= s.entries {
			return nil, errors.New("posting out of range")
		}
	}
	return idx, nil
}

// entry returns the id and JSON of the i-th entry.
func (s *segment) entry(i uint32) (string, []byte, error) {
	if i >= s.entries {
		return "", nil, errors.New("entry out of range")
	}
	r := s.data[s.entriesOff+uint64(i)*entryRecSize:]
	off := binary.LittleEndian.Uint64(r)
	n := uint64(binary.LittleEndian.Uint32(r[8:]))
	id, ok := s.str(binary.LittleEndian.Uint32(r[12:]), binary.LittleEndian.Uint32(r[16:]))
	start := s.dataOff + off
	if !ok || start+n > uint64(len(s.data)) || start+n < start {
		return "", nil, errors.New("entry data out of range")
	}
	return string(id), s.data[start : start+n], nil
}

// find returns the index of the entry with the given id.
func (s *segment) find(id string) (uint32, bool, error) {
	var err error
	i := sort.Search(int(s.entries), func(i int) bool {
		got, _, e := s.entry(uint32(i))
		if e != nil {
			err = e
			return true
		}
		return got >= id
	})
	if err != nil || i >= int(s.entries) {
		return 0, false, err
	}
	got, _, err := s.entry(uint32(i))
	return uint32(i), err == nil && got == id, err
}
