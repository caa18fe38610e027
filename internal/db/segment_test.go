package db

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func buildSegment(t testing.TB, entries []segmentEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := writeSegment(&buf, entries); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSegmentRoundTrip(t *testing.T) {
	entries := []segmentEntry{
		{id: "B-2", names: []string{"lodash", "underscore"}, json: []byte(`{"id":"B-2"}`)},
		{id: "A-1", names: []string{"lodash"}, json: []byte(`{"id":"A-1"}`)},
		{id: "W-1", names: nil, json: []byte(`{"id":"W-1","withdrawn":"2020-01-01T00:00:00Z"}`)},
	}
	s := &segment{data: buildSegment(t, entries)}
	if err := s.parseHeader(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		want []string
	}{
		{"lodash", []string{"A-1", "B-2"}},
		{"underscore", []string{"B-2"}},
		{"lodas", nil},
		{"lodashx", nil},
		{"", nil},
		{"zzz", nil},
	}
	for _, tt := range tests {
		idx, err := s.lookup(tt.name)
		if err != nil {
			t.Fatalf("lookup(%q): %v", tt.name, err)
		}
		var got []string
		for _, i := range idx {
			id, data, err := s.entry(i)
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf(`{"id":%q`, id); !bytes.HasPrefix(data, []byte(want)) {
				t.Errorf("entry %d data = %s, want it to start with %s", i, data, want)
			}
			got = append(got, id)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("lookup(%q) (-want +got):\n%s", tt.name, diff)
		}
	}
	for _, id := range []string{"A-1", "B-2", "W-1"} {
		if _, ok, err := s.find(id); !ok || err != nil {
			t.Errorf("find(%q) = %v, %v", id, ok, err)
		}
	}
	if _, ok, _ := s.find("C-3"); ok {
		t.Errorf("find(C-3) found an entry")
	}
}

// FuzzSegment feeds arbitrary bytes to the segment reader: a corrupt or
// truncated database file must give errors, never a panic or an
// out-of-range read.
func FuzzSegment(f *testing.F) {
	good := buildSegment(f, []segmentEntry{
		{id: "A-1", names: []string{"lodash"}, json: []byte(`{"id":"A-1"}`)},
		{id: "B-2", names: []string{"lodash", "qs"}, json: []byte(`{"id":"B-2"}`)},
	})
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(good[:headerSize])
	f.Add([]byte(segmentMagic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &segment{data: data}
		if err := s.parseHeader(); err != nil {
			return
		}
		for _, name := range []string{"lodash", "qs", "", "zzz"} {
			idx, err := s.lookup(name)
			if err != nil {
				continue
			}
			for _, i := range idx {
				_, _, _ = s.entry(i)
			}
		}
		for i := uint32(0); i < s.entries && i < 64; i++ {
			_, _, _ = s.entry(i)
		}
		_, _, _ = s.find("A-1")
	})
}
