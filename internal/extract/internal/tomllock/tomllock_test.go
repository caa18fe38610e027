package tomllock

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/inventory"
)

func TestDecodeError(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "malformed.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_, decErr := toml.Decode(string(data), &m)
	if decErr == nil {
		t.Fatal("malformed.toml decoded without an error")
	}
	other := errors.New("read failed")
	tests := []struct {
		name string
		err  error
		want inventory.ParseError
		// wantPrefix starts the text of the wrapped error.
		wantPrefix string
	}{
		{
			name:       "decoder_error_has_a_position",
			err:        decErr,
			want:       inventory.ParseError{Path: "app/poetry.lock", Line: 5, Column: 12},
			wantPrefix: "invalid TOML: ",
		},
		{
			name:       "other_error_has_none",
			err:        other,
			want:       inventory.ParseError{Path: "app/poetry.lock"},
			wantPrefix: "read failed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pe *inventory.ParseError
			if !errors.As(DecodeError("app/poetry.lock", tt.err), &pe) {
				t.Fatalf("DecodeError gave no *inventory.ParseError")
			}
			got := inventory.ParseError{Path: pe.Path, Line: pe.Line, Column: pe.Column}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("position (-want +got):\n%s", diff)
			}
			if pe.Err == nil || !strings.HasPrefix(pe.Err.Error(), tt.wantPrefix) {
				t.Errorf("wrapped error %v, want it to start with %q", pe.Err, tt.wantPrefix)
			}
			if tt.err == other && !errors.Is(pe, other) {
				t.Errorf("error %v does not wrap %v", pe, other)
			}
		})
	}
}
