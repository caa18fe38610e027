package cyclonedx

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/patchline/patchline/internal/inventory"
)

// namespacePrefix starts the XML namespace of every CycloneDX version
// ("http://cyclonedx.org/schema/bom/1.5").
const namespacePrefix = "http://cyclonedx.org/schema/bom/"

// xmlComponent is cyclonedx-go's Component with the line of its start tag,
// and nested components read the same way (this field takes the place of
// the embedded Component's Components, as the shallower field).
type xmlComponent struct {
	cdx.Component
	Nested []xmlComponent `xml:"components>component"`
	line   int
}

// UnmarshalXML decodes a component, noting where it starts.
func (c *xmlComponent) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	c.line, _ = d.InputPos()
	type plain xmlComponent // without this method
	return d.DecodeElement((*plain)(c), &start)
}

// flatten appends c and its nested components, in document order.
func (c *xmlComponent) flatten(out []component) []component {
	out = append(out, component{c: keep(&c.Component), line: c.line})
	for i := range c.Nested {
		out = c.Nested[i].flatten(out)
	}
	return out
}

// xmlParser reads an XML BOM as a stream.
type xmlParser struct {
	ctx  context.Context
	path string
	dec  *xml.Decoder
	res  parsed
}

// parseXML reads an XML BOM. full is false when the file could not be read
// to its end.
func parseXML(ctx context.Context, path string, r io.Reader) (res parsed, errs []error, full bool) {
	p := &xmlParser{ctx: ctx, path: path, dec: xml.NewDecoder(r)}
	root, err := p.root()
	if err != nil {
		return parsed{}, []error{err}, false
	}
	if root.Name.Local != "bom" || !strings.HasPrefix(root.Name.Space, namespacePrefix) {
		line, _ := p.dec.InputPos()
		return parsed{}, []error{inventory.Errorf(path, line, "not a CycloneDX BOM: the root element is <%s> in namespace %q, want <bom> in %s1.x", root.Name.Local, root.Name.Space, namespacePrefix)}, false
	}
	if err := checkSpecVersion(strings.TrimPrefix(root.Name.Space, namespacePrefix)); err != nil {
		line, _ := p.dec.InputPos()
		return parsed{}, []error{inventory.Errorf(path, line, "%v", err)}, false
	}
	err = p.children(func(se xml.StartElement) error {
		switch se.Name.Local {
		case "metadata":
			return p.children(func(se xml.StartElement) error {
				if se.Name.Local != "component" {
					return p.dec.Skip()
				}
				var c xmlComponent
				if err := p.dec.DecodeElement(&c, &se); err != nil {
					return err
				}
				p.res.subject = c.BOMRef
				for i := range c.Nested {
					p.res.components = c.Nested[i].flatten(p.res.components)
				}
				return nil
			})
		case "components":
			return p.children(func(se xml.StartElement) error {
				if se.Name.Local != "component" {
					return p.dec.Skip()
				}
				if err := p.ctx.Err(); err != nil {
					return err
				}
				var c xmlComponent
				if err := p.dec.DecodeElement(&c, &se); err != nil {
					return err
				}
				p.res.components = c.flatten(p.res.components)
				return nil
			})
		case "dependencies":
			return p.children(func(se xml.StartElement) error {
				if se.Name.Local != "dependency" {
					return p.dec.Skip()
				}
				var dep cdx.Dependency
				if err := p.dec.DecodeElement(&dep, &se); err != nil {
					return err
				}
				if dep.Dependencies != nil {
					for _, to := range *dep.Dependencies {
						p.res.graph.Add(dep.Ref, to)
					}
				}
				return nil
			})
		default:
			return p.dec.Skip()
		}
	})
	if err == nil {
		err = p.end()
	}
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return p.res, []error{err}, false
		}
		return p.res, []error{p.fail(err)}, false
	}
	return p.res, nil, true
}

// root returns the document's root element.
func (p *xmlParser) root() (xml.StartElement, error) {
	for {
		tok, err := p.dec.Token()
		if err != nil {
			return xml.StartElement{}, p.fail(err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			return tok, nil
		case xml.CharData:
			if len(strings.TrimSpace(string(tok))) > 0 {
				line, _ := p.dec.InputPos()
				return xml.StartElement{}, inventory.Errorf(p.path, line, "not a CycloneDX BOM: text before the root element")
			}
		}
	}
}

// children calls f for every child element of the element just started,
// up to its end; f must read the child whole (DecodeElement or Skip).
func (p *xmlParser) children(f func(xml.StartElement) error) error {
	for {
		tok, err := p.dec.Token()
		if err != nil {
			return err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if err := f(tok); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// end checks that nothing but comments and white space follow the root.
func (p *xmlParser) end() error {
	for {
		tok, err := p.dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			return errors.New("a second root element")
		case xml.CharData:
			if len(strings.TrimSpace(string(tok))) > 0 {
				return errors.New("text after the root element")
			}
		}
	}
}

// fail turns an error of encoding/xml into an [*inventory.ParseError] at
// the place it happened.
func (p *xmlParser) fail(err error) error {
	line, _ := p.dec.InputPos()
	var se *xml.SyntaxError
	switch {
	case errors.As(err, &se):
		line = se.Line
		err = errors.New(se.Msg)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		err = errors.New("unexpected end of file")
	}
	return &inventory.ParseError{Path: p.path, Line: line, Err: fmt.Errorf("invalid XML: %w", err)}
}
