package bom

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/inventory"
)

func TestEntryPackage(t *testing.T) {
	loc := inventory.Location{File: "bom.json", Line: 7}
	tests := []struct {
		name    string
		entry   Entry
		want    inventory.Package
		wantErr bool
	}{
		{
			name:  "purl",
			entry: Entry{Name: "core", Version: "7.0.0", PURL: " pkg:npm/%40babel/core@7.24.0 ", Scope: inventory.ScopeDev, Line: 7},
			want:  inventory.Package{Ecosystem: inventory.Npm, Name: "@babel/core", Version: "7.24.0", Scope: inventory.ScopeDev, Location: loc},
		},
		{
			name:  "no_purl",
			entry: Entry{Name: "debian", Version: "12", Line: 7},
			want:  inventory.Package{Name: "debian", Requirement: "12", Location: loc, Note: NoteNoPURL},
		},
		{
			name:  "no_purl_noassertion",
			entry: Entry{Name: "thing", Version: "NOASSERTION", Line: 7},
			want:  inventory.Package{Name: "thing", Location: loc, Note: NoteNoPURL},
		},
		{
			name:  "purl_without_version_uses_entry_version",
			entry: Entry{Name: "x", Version: "1.2.3", PURL: "pkg:cargo/x", Line: 7},
			want:  inventory.Package{Ecosystem: inventory.CratesIO, Name: "x", Version: "1.2.3", Location: loc, Note: noteVersionOfEntry},
		},
		{
			name:  "purl_without_any_version",
			entry: Entry{Name: "x", Version: "NONE", PURL: "pkg:cargo/x", Line: 7},
			want:  inventory.Package{Ecosystem: inventory.CratesIO, Name: "x", Location: loc, Note: noteNoVersion},
		},
		{
			name:  "unsupported_type",
			entry: Entry{Name: "musl", Version: "1.2.4-r2", PURL: "pkg:apk/alpine/musl@1.2.4-r2", Line: 7},
			want:  inventory.Package{Name: "musl", Requirement: "1.2.4-r2", Location: loc, Note: "package URL pkg:apk/alpine/musl@1.2.4-r2: type not supported, not checked for vulnerabilities"},
		},
		{
			name:  "unsupported_type_without_name",
			entry: Entry{PURL: "pkg:generic/thing@1", Line: 7},
			want:  inventory.Package{Name: "pkg:generic/thing@1", Location: loc, Note: "package URL pkg:generic/thing@1: type not supported, not checked for vulnerabilities"},
		},
		{name: "invalid_purl", entry: Entry{Name: "x", PURL: "npm/x@1"}, wantErr: true},
		{name: "nothing", entry: Entry{Version: "1"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.entry.Package("bom.json")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Package (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGraphRelations(t *testing.T) {
	var g Graph
	for _, e := range [][2]string{{"root", "a"}, {"root", "b"}, {"a", "c"}, {"c", "d"}, {"d", "a"}, {"b", "a"}, {"x", "y"}, {"other-root", "z"}} {
		g.Add(e[0], e[1])
	}
	if g.Len() != 8 {
		t.Errorf("Len() = %d, want 8", g.Len())
	}
	got := g.Relations([]string{"root", "other-root"})
	want := map[string]inventory.Relation{
		"a": inventory.RelationDirect, "b": inventory.RelationDirect, "z": inventory.RelationDirect,
		"c": inventory.RelationTransitive, "d": inventory.RelationTransitive,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Relations (-want +got):\n%s", diff)
	}
	if got := (&Graph{}).Relations([]string{"root"}); len(got) != 0 {
		t.Errorf("empty graph: Relations = %v", got)
	}
}

func TestFirstByte(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		size     int
		want     byte
		wantErr  error
		wantRest string // what is left to read
	}{
		{name: "json", data: "{}", want: '{', wantRest: "{}"},
		{name: "space_kept", data: " \n\t{}", want: '{', wantRest: " \n\t{}"},
		{name: "byte_order_mark_dropped", data: "\xef\xbb\xbf<bom/>", want: '<', wantRest: "<bom/>"},
		{name: "empty", data: "", wantErr: io.EOF},
		{name: "only_space", data: "\n\n  ", wantErr: io.EOF},
		{name: "space_beyond_buffer", data: strings.Repeat(" ", 40) + "{}", size: 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			size := tt.size
			if size == 0 {
				size = 4096
			}
			r := bufio.NewReaderSize(strings.NewReader(tt.data), size)
			got, err := FirstByte(r)
			if tt.size != 0 {
				if err == nil {
					t.Errorf("FirstByte = %q, want an error for white space beyond the buffer", got)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || got != tt.want {
				t.Fatalf("FirstByte = %q, %v, want %q, %v", got, err, tt.want, tt.wantErr)
			}
			rest, _ := io.ReadAll(r)
			if err == nil && string(rest) != tt.wantRest {
				t.Errorf("left %q, want %q", rest, tt.wantRest)
			}
		})
	}
}

func TestSortErrors(t *testing.T) {
	other := errors.New("no line")
	errs := []error{
		inventory.Errorf("f", 9, "a"),
		inventory.Errorf("f", 2, "b"),
		other,
		inventory.Errorf("f", 9, "c"),
		inventory.Errorf("f", 5, "d"),
	}
	SortErrors(errs)
	var got []string
	for _, err := range errs {
		got = append(got, err.Error())
	}
	want := []string{"no line", "f:2: b", "f:5: d", "f:9: a", "f:9: c"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SortErrors (-want +got):\n%s", diff)
	}
}
