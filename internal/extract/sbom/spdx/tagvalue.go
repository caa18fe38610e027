package spdx

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spdx/tools-golang/convert"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/spdx/tools-golang/tagvalue/reader"

	v21 "github.com/spdx/tools-golang/spdx/v2/v2_1/tagvalue/reader"
	v22 "github.com/spdx/tools-golang/spdx/v2/v2_2/tagvalue/reader"
	v23 "github.com/spdx/tools-golang/spdx/v2/v2_3/tagvalue/reader"

	"github.com/patchline/patchline/internal/inventory"
)

// pairs are the "Tag: value" pairs of a tag-value document, in the form
// tools-golang parses, and the line each starts on.
type pairs struct {
	tvs   []reader.TagValuePair
	lines []int
}

func (ps *pairs) add(tag, value string, line int) {
	ps.tvs = append(ps.tvs, reader.TagValuePair{Tag: tag, Value: value})
	ps.lines = append(ps.lines, line)
}

// cut keeps the first n pairs.
func (ps *pairs) cut(n int) {
	ps.tvs, ps.lines = ps.tvs[:n], ps.lines[:n]
}

// sectionStarts are the tags that start a new section in tools-golang's
// parser; the tags in between belong to the section (Relationship and
// annotation tags excepted, which the parser takes anywhere).
var sectionStarts = map[string]bool{
	"PackageName": true, "FileName": true, "SnippetSPDXID": true, "LicenseID": true, "Reviewer": true,
}

// anywhere are the tags that tools-golang's parser takes in any section
// without changing it.
var anywhere = map[string]bool{
	"Relationship": true, "RelationshipComment": true, "Annotator": true, "AnnotationDate": true,
	"AnnotationType": true, "SPDXREF": true, "AnnotationComment": true,
}

// parseTagValue reads a tag-value document.
func parseTagValue(ctx context.Context, path string, r io.Reader) (parsed, []error) {
	ps, tokErr := tokenize(ctx, path, r)
	if err := ctx.Err(); err != nil {
		return parsed{}, []error{err}
	}
	version, versionLine := "", 1
	for i, tv := range ps.tvs {
		if tv.Tag == "SPDXVersion" {
			version, versionLine = tv.Value, ps.lines[i]
			break
		}
	}
	if version == "" {
		return parsed{}, []error{inventory.Errorf(path, 1, "not an SPDX document: no SPDXVersion")}
	}
	if err := checkVersion(version); err != nil {
		return parsed{}, []error{inventory.Errorf(path, versionLine, "%v", err)}
	}
	parse := parsers[version]
	if tokErr == nil {
		doc, err := parse(ps.tvs)
		if err == nil {
			res := fromDocument(doc, ps)
			res.full = true
			return res, nil
		}
		// Find the pair the parser failed on: the shortest prefix that
		// fails with the same error ends with it.
		k := failingPrefix(ps.tvs, parse, err)
		tokErr = inventory.Errorf(path, ps.lines[k-1], "invalid SPDX tag-value: %v", err)
		failed := ps.tvs[k-1].Tag
		ps.cut(k - 1)
		if !anywhere[failed] {
			ps.cut(sectionStart(ps.tvs))
		}
	} else {
		// The last section was cut short by the line that could not be
		// read.
		ps.cut(sectionStart(ps.tvs))
	}
	// Return the packages before the error.
	if len(ps.tvs) > 0 {
		if doc, err := parse(ps.tvs); err == nil {
			return fromDocument(doc, ps), []error{tokErr}
		}
	}
	return parsed{}, []error{tokErr}
}

// sectionStart returns the index of the pair that starts the last section
// of tvs, or len(tvs) when there is none after the document's creation
// information.
func sectionStart(tvs []reader.TagValuePair) int {
	for i := len(tvs) - 1; i >= 0; i-- {
		if sectionStarts[tvs[i].Tag] {
			return i
		}
	}
	return len(tvs)
}

// failingPrefix returns the length of the shortest prefix of tvs that parse
// rejects with the same error as tvs (found by bisection; the parser stops
// at the first pair it rejects).
func failingPrefix(tvs []reader.TagValuePair, parse func([]reader.TagValuePair) (*v2_3.Document, error), err error) int {
	want := err.Error()
	lo, hi := 1, len(tvs)
	for lo < hi {
		mid := lo + (hi-lo)/2
		if _, err := parse(tvs[:mid]); err != nil && err.Error() == want {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// parsers parse tag-value pairs with tools-golang's parser of each SPDX
// version and convert the document to SPDX 2.3.
var parsers = map[string]func([]reader.TagValuePair) (*v2_3.Document, error){
	"SPDX-2.1": func(tvs []reader.TagValuePair) (*v2_3.Document, error) {
		doc, err := v21.ParseTagValues(tvs)
		return latest(doc, err)
	},
	"SPDX-2.2": func(tvs []reader.TagValuePair) (*v2_3.Document, error) {
		doc, err := v22.ParseTagValues(tvs)
		return latest(doc, err)
	},
	"SPDX-2.3": func(tvs []reader.TagValuePair) (*v2_3.Document, error) {
		doc, err := v23.ParseTagValues(tvs)
		if err == nil && doc == nil {
			err = errors.New("no document")
		}
		return doc, err
	},
}

// latest converts a document of an earlier SPDX version to SPDX 2.3.
func latest[D any](doc *D, err error) (*v2_3.Document, error) {
	if err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, errors.New("no document")
	}
	var out v2_3.Document
	if err := convert.Document(doc, &out); err != nil {
		return nil, fmt.Errorf("convert to SPDX 2.3: %w", err)
	}
	return &out, nil
}

// fromDocument returns what the extractor keeps of doc, with the lines of
// its packages taken from ps.
func fromDocument(doc *v2_3.Document, ps pairs) parsed {
	// tools-golang adds a package to the document at the SPDXID tag of a
	// package section: the n-th such tag is the n-th package.
	var lines []int
	inPackage, line := false, 0
	for i, tv := range ps.tvs {
		switch {
		case tv.Tag == "PackageName":
			inPackage, line = true, ps.lines[i]
		case sectionStarts[tv.Tag]:
			inPackage = false
		case tv.Tag == "SPDXID" && inPackage:
			lines = append(lines, line)
		}
	}
	if len(lines) != len(doc.Packages) {
		lines = nil // should not happen; then lines are unknown
	}
	res := parsed{docID: string(doc.SPDXIdentifier)}
	for i, sp := range doc.Packages {
		if sp == nil {
			continue
		}
		l := 0
		if lines != nil {
			l = lines[i]
		}
		res.pkgs = append(res.pkgs, fromPackage(sp, l))
	}
	for _, sr := range doc.Relationships {
		if r, ok := fromRelationship(sr); ok && r.used() {
			res.rels = append(res.rels, r)
		}
	}
	return res
}

// tokenize splits a tag-value document into pairs. A line that is not a
// comment, blank or "Tag: value", and a <text> value never closed, end it
// with an error; the pairs before are returned.
func tokenize(ctx context.Context, path string, r io.Reader) (pairs, error) {
	br := bufio.NewReader(r)
	var (
		ps       pairs
		inText   bool // reading a multi-line <text> value
		textTag  string
		textLine int
		text     strings.Builder
		n        int
	)
	for {
		line, err := br.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return ps, fmt.Errorf("read %q: %w", path, err)
		}
		if line == "" && err != nil {
			break
		}
		n++
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return ps, err
			}
		}
		line = strings.TrimRight(line, "\r\n")
		if inText {
			before, _, ok := strings.Cut(line, "</text>")
			text.WriteString(before)
			if ok {
				ps.add(textTag, text.String(), textLine)
				inText = false
			} else {
				text.WriteByte('\n')
			}
			continue
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		tag, value, ok := strings.Cut(trimmed, ":")
		if !ok {
			return ps, inventory.Errorf(path, n, "invalid SPDX tag-value: %q is not \"Tag: value\"", short(trimmed))
		}
		tag = strings.TrimSpace(tag)
		_, rest, ok := strings.Cut(value, "<text>")
		if !ok {
			ps.add(tag, strings.TrimSpace(value), n)
			continue
		}
		if before, _, ok := strings.Cut(rest, "</text>"); ok {
			ps.add(tag, before, n)
			continue
		}
		inText, textTag, textLine = true, tag, n
		text.Reset()
		text.WriteString(rest)
		text.WriteByte('\n')
	}
	if inText {
		return ps, inventory.Errorf(path, textLine, "invalid SPDX tag-value: the <text> value of %s is not closed by </text>", textTag)
	}
	return ps, nil
}

// short cuts s for a message.
func short(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
