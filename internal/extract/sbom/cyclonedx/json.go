package cyclonedx

import (
	"bytes"
	"context"
	"encoding/json"
	"io"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/patchline/patchline/internal/extract/sbom/internal/jsonstream"
)

// jsonParser reads a JSON BOM as a stream.
type jsonParser struct {
	ctx  context.Context
	path string
	d    *jsonstream.Decoder
	res  parsed
	errs []error // problems confined to one value; reading went on
}

// parseJSON reads a JSON BOM. full is false when the file could not be
// read to its end.
func parseJSON(ctx context.Context, path string, r io.Reader) (res parsed, errs []error, full bool) {
	p := &jsonParser{ctx: ctx, path: path, d: jsonstream.New(path, r)}
	var (
		format, spec         string
		formatLine, specLine int
		spdx                 bool
	)
	_, err := p.d.Object(func(key string) error {
		switch key {
		case "bomFormat":
			s, err := p.string(key)
			format, formatLine = s, p.d.Line()
			return err
		case "specVersion":
			s, err := p.string(key)
			spec, specLine = s, p.d.Line()
			return err
		case "spdxVersion":
			spdx = true
			return p.d.Skip()
		case "metadata":
			_, err := p.d.Object(func(key string) error {
				if key != "component" {
					return p.d.Skip()
				}
				return p.component(p.d, true)
			})
			return p.keepGoing(err, `"metadata"`)
		case "components":
			_, err := p.d.Array(func() error { return p.component(p.d, false) })
			return p.keepGoing(err, `"components"`)
		case "dependencies":
			_, err := p.d.Array(p.dependency)
			return p.keepGoing(err, `"dependencies"`)
		default:
			return p.d.Skip()
		}
	})
	if err == nil {
		err = p.d.End()
	}
	// The format is checked first: the file may be something else.
	switch {
	case format == "" && spdx:
		return parsed{}, []error{p.d.Errorf(1, "not a CycloneDX BOM but an SPDX document: name it *.spdx.json")}, false
	case format == "" && err == nil:
		return parsed{}, []error{p.d.Errorf(1, "not a CycloneDX BOM: no \"bomFormat\": \"CycloneDX\"")}, false
	case format != "" && format != "CycloneDX":
		return parsed{}, []error{p.d.Errorf(formatLine, "not a CycloneDX BOM: bomFormat is %q, want \"CycloneDX\"", format)}, false
	}
	if spec != "" {
		if serr := checkSpecVersion(spec); serr != nil {
			return parsed{}, []error{p.d.Errorf(specLine, "%v", serr)}, false
		}
	}
	if err != nil {
		return p.res, append(p.errs, err), false
	}
	return p.res, p.errs, true
}

// string reads the string value of key; a value of another type is
// recorded as an error and read as "".
func (p *jsonParser) string(key string) (string, error) {
	s, err := p.d.String()
	return s, p.keepGoing(err, `"`+key+`"`)
}

// keepGoing records a value of the wrong type, which has been skipped, and
// returns nil so that reading goes on; it returns any other error.
func (p *jsonParser) keepGoing(err error, what string) error {
	if err, ok := jsonstream.Mismatch(err, what); ok {
		p.errs = append(p.errs, err)
		return nil
	}
	return err
}

// skipped is a JSON value that is read past without being decoded.
type skipped struct{}

func (*skipped) UnmarshalJSON([]byte) error { return nil }

// componentJSON is cyclonedx-go's Component without decoding the fields the
// extractor does not use (each is shadowed by a shallower field that skips
// it) and with nested components left raw, to be read with their lines.
type componentJSON struct {
	cdx.Component
	Nested json.RawMessage `json:"components"`

	Supplier           skipped `json:"supplier"`
	Manufacturer       skipped `json:"manufacturer"`
	Authors            skipped `json:"authors"`
	Hashes             skipped `json:"hashes"`
	Licenses           skipped `json:"licenses"`
	OmniborID          skipped `json:"omniborId"`
	SWHID              skipped `json:"swhid"`
	SWID               skipped `json:"swid"`
	Pedigree           skipped `json:"pedigree"`
	ExternalReferences skipped `json:"externalReferences"`
	Properties         skipped `json:"properties"`
	Evidence           skipped `json:"evidence"`
	ReleaseNotes       skipped `json:"releaseNotes"`
	ModelCard          skipped `json:"modelCard"`
	Data               skipped `json:"data"`
	CryptoProperties   skipped `json:"cryptoProperties"`
	Tags               skipped `json:"tags"`
	PatentAssertions   skipped `json:"patentAssertions"`
	Signature          skipped `json:"signature"`
}

// component reads one component with d, and its nested components after
// it. The component is read whole (it is one element of an array, so memory
// stays bounded by the largest component) and decoded into cyclonedx-go's
// Component; when it has nested components, its text is read again with a
// decoder of its own to find them, so that each gets its line.
func (p *jsonParser) component(d *jsonstream.Decoder, subject bool) error {
	if err := p.ctx.Err(); err != nil {
		return err
	}
	raw, line, err := d.Raw()
	if err != nil {
		return err
	}
	what := "component"
	if subject {
		what = `metadata "component"`
	}
	var c componentJSON
	if err := json.Unmarshal(raw, &c); err != nil {
		err = p.d.Errorf(line, "%s: %v", what, jsonstream.DescribeError(err))
		if subject {
			p.errs = append(p.errs, err)
		} else {
			p.res.components = append(p.res.components, component{line: line, err: err})
		}
		return nil
	}
	if subject {
		p.res.subject = c.BOMRef
	} else {
		p.res.components = append(p.res.components, component{c: keep(&c.Component), line: line})
	}
	if len(c.Nested) == 0 || string(c.Nested) == "null" {
		return nil
	}
	sub := jsonstream.NewAt(p.path, bytes.NewReader(raw), line)
	_, err = sub.Object(func(key string) error {
		if key != "components" {
			return sub.Skip()
		}
		_, err := sub.Array(func() error { return p.component(sub, false) })
		return p.keepGoing(err, `nested "components"`)
	})
	return err
}

// dependency reads one element of the dependencies array.
func (p *jsonParser) dependency() error {
	if err := p.ctx.Err(); err != nil {
		return err
	}
	raw, line, err := p.d.Raw()
	if err != nil {
		return err
	}
	var dep cdx.Dependency
	if err := json.Unmarshal(raw, &dep); err != nil {
		p.errs = append(p.errs, p.d.Errorf(line, "dependency: %v", jsonstream.DescribeError(err)))
		return nil
	}
	if dep.Dependencies != nil {
		for _, to := range *dep.Dependencies {
			p.res.graph.Add(dep.Ref, to)
		}
	}
	return nil
}
