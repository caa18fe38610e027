package spdx

import (
	"context"
	"encoding/json"
	"io"
	"strings"

	"github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/patchline/patchline/internal/extract/sbom/internal/jsonstream"
)

// jsonParser reads an SPDX JSON document as a stream.
type jsonParser struct {
	ctx  context.Context
	d    *jsonstream.Decoder
	res  parsed
	errs []error // problems confined to one value; reading went on
}

// parseJSON reads an SPDX JSON document.
func parseJSON(ctx context.Context, path string, r io.Reader) (parsed, []error) {
	p := &jsonParser{ctx: ctx, d: jsonstream.New(path, r)}
	var (
		version     string
		versionLine int
		cyclonedx   bool
	)
	_, err := p.d.Object(func(key string) error {
		switch key {
		case "spdxVersion":
			s, err := p.string(key)
			version, versionLine = s, p.d.Line()
			return err
		case "SPDXID":
			s, err := p.string(key)
			p.res.docID = strings.TrimPrefix(s, "SPDXRef-")
			return err
		case "bomFormat":
			cyclonedx = true
			return p.d.Skip()
		case "documentDescribes":
			_, err := p.d.Array(func() error {
				s, err := p.string(key)
				if id, ok := strings.CutPrefix(s, "SPDXRef-"); ok {
					p.res.describes = append(p.res.describes, id)
				}
				return err
			})
			return p.keepGoing(err, `"documentDescribes"`)
		case "packages":
			_, err := p.d.Array(p.pkg)
			return p.keepGoing(err, `"packages"`)
		case "relationships":
			_, err := p.d.Array(p.relationship)
			return p.keepGoing(err, `"relationships"`)
		default:
			return p.d.Skip()
		}
	})
	if err == nil {
		err = p.d.End()
	}
	// The format is checked first: the file may be something else.
	switch {
	case version == "" && cyclonedx:
		return parsed{}, []error{p.d.Errorf(1, "not an SPDX document but a CycloneDX BOM: name it *.cdx.json")}
	case version == "" && err == nil:
		return parsed{}, []error{p.d.Errorf(1, "not an SPDX document: no \"spdxVersion\"")}
	case version != "":
		if verr := checkVersion(version); verr != nil {
			return parsed{}, []error{p.d.Errorf(versionLine, "%v", verr)}
		}
	}
	if err != nil {
		return p.res, append(p.errs, err)
	}
	p.res.full = true
	return p.res, p.errs
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

// pkg reads one element of the packages array.
func (p *jsonParser) pkg() error {
	if err := p.ctx.Err(); err != nil {
		return err
	}
	raw, line, err := p.d.Raw()
	if err != nil {
		return err
	}
	var sp v2_3.Package
	if err := json.Unmarshal(raw, &sp); err != nil {
		p.res.pkgs = append(p.res.pkgs, pkg{line: line, err: p.d.Errorf(line, "package: %v", jsonstream.DescribeError(err))})
		return nil
	}
	p.res.pkgs = append(p.res.pkgs, fromPackage(&sp, line))
	return nil
}

// relationship reads one element of the relationships array.
func (p *jsonParser) relationship() error {
	if err := p.ctx.Err(); err != nil {
		return err
	}
	raw, line, err := p.d.Raw()
	if err != nil {
		return err
	}
	var sr v2_3.Relationship
	if err := json.Unmarshal(raw, &sr); err != nil {
		p.errs = append(p.errs, p.d.Errorf(line, "relationship: %v", jsonstream.DescribeError(err)))
		return nil
	}
	if r, ok := fromRelationship(&sr); ok && r.used() {
		p.res.rels = append(p.res.rels, r)
	}
	return nil
}
