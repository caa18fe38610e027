// Package xmldecode sets up encoding/xml decoders for the Java build files
// (pom.xml, Gradle's verification-metadata.xml): it reads the encodings such
// files declare besides UTF-8, and turns decoder errors into
// [inventory.ParseError] values with the line where they happened.
package xmldecode

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/patchline/patchline/internal/inventory"
)

// New returns a strict decoder for data that reads UTF-8 (with or without a
// byte order mark), US-ASCII and ISO-8859-1 (Latin-1, common in older POMs).
func New(data []byte) *xml.Decoder {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = charsetReader
	return d
}

// charsetReader decodes the encodings New accepts besides UTF-8.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return r, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "iso_8859-1", "cp819":
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		b.Grow(len(data))
		for _, c := range data {
			b.WriteRune(rune(c))
		}
		return strings.NewReader(b.String()), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q: only UTF-8 and ISO-8859-1 are read", label)
}

// Error turns err, returned by d while reading file, into a
// [*inventory.ParseError] at the line where it happened (line is where the
// token being read started, used when err has no line of its own).
func Error(file string, line int, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		line = se.Line
		err = errors.New(se.Msg)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("unexpected end of file")
	}
	return inventory.Errorf(file, line, "invalid XML: %v", err)
}
