// Package gradleverification extracts Maven packages from Gradle's
// dependency verification file, gradle/verification-metadata.xml.
//
// The file holds a checksum (or signature) for every artifact the build
// downloaded, grouped by component: <component group="..." name="..."
// version="...">. Each component is a module Gradle resolved, for any
// configuration of any project of the build, including Gradle plugins and
// their dependencies, parent POMs and BOMs. So every component is listed,
// with its exact version, but the file says neither which configuration
// resolved it nor whether the build asked for it: Relation and Scope are
// unknown. A component whose only artifacts are POMs is noted as such (a
// parent POM or a BOM, not a library on a classpath), and one without a
// group (a file Gradle downloaded outside a Maven repository, such as a
// Kotlin/Native toolchain) is listed by its name alone.
//
// The file does not record which versions won conflict resolution: it may
// hold several versions of one module, and versions a build no longer uses
// until it is regenerated.
package gradleverification

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/patchline/patchline/internal/extract/java/internal/xmldecode"
	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the extractor.
const Name = "java/gradleverification"

// Extractor extracts packages from Gradle dependency verification files.
type Extractor struct{}

// New returns a verification-metadata.xml [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is gradle/verification-metadata.xml.
func (e *Extractor) FileRequired(p string) bool {
	return path.Base(p) == "verification-metadata.xml" && path.Base(path.Dir(p)) == "gradle"
}

// component is a <component> element being read.
type component struct {
	group, name, version string
	line                 int
	artifacts, poms      int
}

// Extract parses the verification metadata in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return inventory.Inventory{}, nil
	}
	d := xmldecode.New(data)
	var pkgs []inventory.Package
	var errs []error
	var stack []string // local names of the open elements
	var cur *component
	sawRoot := false
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return inventory.Inventory{}, err
			}
		}
		line, _ := d.InputPos()
		tok, err := d.Token()
		if err == io.EOF {
			if !sawRoot {
				return inventory.Inventory{}, inventory.Errorf(in.Path, 1,
					"no XML element: not a Gradle verification-metadata.xml")
			}
			break
		}
		if err != nil {
			errs = append(errs, xmldecode.Error(in.Path, line, err))
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && t.Name.Local != "verification-metadata" {
				return inventory.Inventory{}, inventory.Errorf(in.Path, line,
					"the root element is <%s>, not <verification-metadata>: not a Gradle verification-metadata.xml", t.Name.Local)
			}
			sawRoot = true
			stack = append(stack, t.Name.Local)
			switch {
			case len(stack) == 3 && stack[1] == "components" && t.Name.Local == "component":
				cur = &component{line: line}
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "group":
						cur.group = a.Value
					case "name":
						cur.name = a.Value
					case "version":
						cur.version = a.Value
					}
				}
			case len(stack) == 4 && cur != nil && t.Name.Local == "artifact":
				cur.artifacts++
				for _, a := range t.Attr {
					if a.Name.Local == "name" && strings.HasSuffix(a.Value, ".pom") {
						cur.poms++
					}
				}
			}
		case xml.EndElement:
			if len(stack) == 3 && cur != nil {
				if p, err := cur.toPackage(in.Path); err != nil {
					errs = append(errs, err)
				} else {
					pkgs = append(pkgs, p)
				}
				cur = nil
			}
			stack = stack[:len(stack)-1]
		}
	}
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
}

// toPackage turns a component into a package, or says what it lacks.
func (c *component) toPackage(file string) (inventory.Package, error) {
	switch {
	case c.name == "":
		return inventory.Package{}, inventory.Errorf(file, c.line, "component without a name")
	case c.version == "":
		return inventory.Package{}, inventory.Errorf(file, c.line, "component %q without a version", c.group+":"+c.name)
	}
	p := inventory.Package{
		Ecosystem: inventory.Maven,
		Name:      c.group + ":" + c.name,
		Version:   c.version,
		Relation:  inventory.RelationUnknown,
		Scope:     inventory.ScopeUnknown,
		Location:  inventory.Location{File: file, Line: c.line},
	}
	var notes []string
	if c.group == "" {
		p.Name = c.name
		notes = append(notes, "no group: downloaded from outside a Maven repository")
	}
	if c.artifacts > 0 && c.poms == c.artifacts {
		notes = append(notes, "POM only: a parent POM or a BOM")
	}
	p.Note = strings.Join(notes, "; ")
	return p, nil
}
