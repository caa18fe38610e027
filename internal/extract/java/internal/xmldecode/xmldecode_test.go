package xmldecode

import (
	"encoding/xml"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/inventory"
)

// readAll returns the text of every element of data, or the error.
func readAll(data string) (string, error) {
	d := New([]byte(data))
	var out string
	for {
		line, _ := d.InputPos()
		tok, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, Error("f.xml", line, err)
		}
		if cd, ok := tok.(xml.CharData); ok {
			out += string(cd)
		}
	}
}

func TestEncodings(t *testing.T) {
	tests := []struct {
		name, data, want string
		wantLine         int // 0: no error
	}{
		{name: "utf8", data: `<?xml version="1.0" encoding="UTF-8"?><a>café</a>`, want: "café"},
		{name: "utf8_bom", data: "\xef\xbb\xbf<a>x</a>", want: "x"},
		{name: "latin1", data: `<?xml version="1.0" encoding="ISO-8859-1"?><a>caf` + "\xe9</a>", want: "café"},
		{name: "ascii", data: `<?xml version="1.0" encoding="US-ASCII"?><a>x</a>`, want: "x"},
		{name: "unsupported", data: `<?xml version="1.0" encoding="UTF-16"?>` + "\n<a>x</a>", wantLine: 1},
		{name: "syntax_error_line", data: "<a>\n<b>\n</a>", wantLine: 3},
		{name: "truncated", data: "<a>\n<b>", wantLine: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(tt.data)
			var pe *inventory.ParseError
			switch {
			case tt.wantLine == 0 && err != nil:
				t.Fatalf("error %v", err)
			case tt.wantLine != 0 && (!errors.As(err, &pe) || pe.Line != tt.wantLine):
				t.Fatalf("error %v, want a parse error at line %d", err, tt.wantLine)
			}
			if diff := cmp.Diff(tt.want, got); tt.wantLine == 0 && diff != "" {
				t.Errorf("text (-want +got):\n%s", diff)
			}
		})
	}
}
