package vex

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/textpos"
)

// Load reads the VEX document at path: OpenVEX, CycloneDX (JSON or XML) or
// CSAF, told apart by content. When part of the file cannot be used, Load
// returns the statements that could with an error saying, by line, what
// could not.
func Load(path string) (*Statements, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read VEX document: %w", err)
	}
	return Parse(path, data)
}

// Parse is [Load] for a document already read; path names it in errors and
// in the statements' [Document].
func Parse(path string, data []byte) (*Statements, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	lines := textpos.New(data)
	if len(trimmed) == 0 {
		return &Statements{}, inventory.Errorf(path, 0, "empty file: want an OpenVEX, CycloneDX or CSAF VEX document")
	}
	start := int64(len(data) - len(trimmed))
	switch trimmed[0] {
	case '<':
		if !bytes.Contains(trimmed, []byte("cyclonedx.org/schema/bom")) {
			return &Statements{}, inventory.Errorf(path, lines.Line(start), "XML document that is not a CycloneDX BOM: want an OpenVEX, CycloneDX or CSAF VEX document")
		}
		return parseCycloneDXXML(path, data)
	case '{':
	default:
		return &Statements{}, inventory.Errorf(path, lines.Line(start), "not a JSON object: want an OpenVEX, CycloneDX or CSAF VEX document")
	}
	f := &jsonFile{path: path, lines: lines}
	root := value{raw: bytes.TrimRight(trimmed, " \t\r\n"), off: start}
	if !json.Valid(root.raw) {
		var v any
		return &Statements{}, f.jsonError(0, json.Unmarshal(data, &v))
	}
	top, err := f.object(root)
	if err != nil {
		return &Statements{}, err
	}
	switch {
	case isOpenVEX(top):
		return parseOpenVEX(f, top)
	case isCycloneDX(top):
		return parseCycloneDXJSON(f, top)
	case isCSAF(f, top):
		return parseCSAF(f, top)
	}
	return &Statements{}, f.errorf(root, "not a VEX document: %s; want OpenVEX (\"@context\": \"https://openvex.dev/ns/...\"), CycloneDX (\"bomFormat\": \"CycloneDX\") or CSAF (\"document\": {\"csaf_version\": ...})", guessFormat(top))
}

func isOpenVEX(top map[string]value) bool {
	var ctx string
	if json.Unmarshal(top["@context"].raw, &ctx) != nil {
		return false
	}
	return strings.HasPrefix(ctx, "https://openvex.dev/ns")
}

func isCycloneDX(top map[string]value) bool {
	var format string
	return json.Unmarshal(top["bomFormat"].raw, &format) == nil && format == "CycloneDX"
}

func isCSAF(f *jsonFile, top map[string]value) bool {
	doc, ok := top["document"]
	if !ok {
		return false
	}
	fields, err := f.object(doc)
	if err != nil {
		return false
	}
	_, ok = fields["csaf_version"]
	return ok
}

// guessFormat says what a JSON document that is not VEX seems to be.
func guessFormat(top map[string]value) string {
	has := func(keys ...string) bool {
		for _, k := range keys {
			if _, ok := top[k]; !ok {
				return false
			}
		}
		return true
	}
	switch {
	case has("@context"):
		return "JSON-LD whose @context is not OpenVEX's"
	case has("bomFormat"):
		return "bomFormat is not \"CycloneDX\""
	case has("spdxVersion"):
		return "it is an SPDX document"
	case has("runs", "version"):
		return "it is a SARIF log"
	case has("schema_version", "findings"):
		return "it is a patchline result"
	case has("id", "affected") || has("id", "modified"):
		return "it is an OSV entry"
	case has("document"):
		return "\"document\" has no csaf_version"
	}
	return "none of the formats' marks found"
}

// parseTime parses an RFC 3339 timestamp; "" is the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q is not RFC 3339", s)
	}
	return t, nil
}

// collector gathers what a parser produces: statements, warnings and the
// errors of the parts it could not use.
type collector struct {
	out  *Statements
	errs []error
}

func newCollector() *collector { return &collector{out: &Statements{List: []Statement{}}} }

func (c *collector) warnf(format string, args ...any) {
	c.out.Warnings = append(c.out.Warnings, fmt.Sprintf(format, args...))
}

func (c *collector) fail(err error) { c.errs = append(c.errs, err) }

func (c *collector) result() (*Statements, error) { return c.out, errors.Join(c.errs...) }
