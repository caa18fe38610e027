package pomxml

import (
	"context"
	"encoding/xml"
	"io"
	"strings"

	"github.com/patchline/patchline/internal/extract/java/internal/xmldecode"
	"github.com/patchline/patchline/internal/inventory"
)

// pom is what this package reads of one pom.xml.
type pom struct {
	file   string // the path shown to the user
	fsPath string // the path in the scanned file system

	groupID, artifactID, version, packaging field
	parent                                  *parentRef
	props                                   map[string]field
	deps                                    []dependency // <dependencies>, then those of <profiles>
	managed                                 []dependency // <dependencyManagement>
	modules                                 []string
}

// field is the text of an element and the line where it starts.
type field struct {
	text string
	line int
	set  bool
}

// parentRef is a <parent> element.
type parentRef struct {
	groupID, artifactID, version, relativePath field
	line                                       int
}

// coords returns the parent's coordinates as written.
func (r *parentRef) coords() string {
	return r.groupID.text + ":" + r.artifactID.text + ":" + r.version.text
}

// dependency is a <dependency> element.
type dependency struct {
	groupID, artifactID, version, scope, typ, classifier, optional field
	line                                                           int
	profile                                                        string // id of the profile that declares it
	inProfile                                                      bool   // declared in a <profile>
	pom                                                            *pom   // the file that declares it
}

// where a <dependency> element is.
const (
	inDependencies = iota + 1
	inManagement
	inProfile
)

// parser holds the state of reading one pom.xml.
type parser struct {
	p            *pom
	dep          *dependency // the <dependency> being read
	depKind      int
	profileID    string // id of the current <profile>
	inProfile    bool
	profileStart int // index in p.deps of the current profile's first dependency
}

// parsePOM reads a pom.xml. It returns what it could read and an error for
// the rest; a file that is not a POM at all gives a nil *pom.
func parsePOM(ctx context.Context, data []byte, file, fsPath string) (*pom, error) {
	d := xmldecode.New(data)
	ps := &parser{p: &pom{file: file, fsPath: fsPath, props: map[string]field{}}}
	var stack []string
	var text strings.Builder
	var textLine int
	sawRoot := false
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		line, _ := d.InputPos()
		tok, err := d.Token()
		if err == io.EOF {
			if !sawRoot {
				return nil, inventory.Errorf(file, 1, "no XML element: not a pom.xml")
			}
			return ps.p, nil
		}
		if err != nil {
			if !sawRoot {
				return nil, xmldecode.Error(file, line, err)
			}
			return ps.p, xmldecode.Error(file, line, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				if t.Name.Local != "project" {
					return nil, inventory.Errorf(file, line, "the root element is <%s>, not <project>: not a pom.xml", t.Name.Local)
				}
				sawRoot = true
			}
			stack = append(stack, t.Name.Local)
			text.Reset()
			textLine = line
			ps.start(stack, line)
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			ps.end(stack, field{text: strings.TrimSpace(text.String()), line: textLine, set: true})
			stack = stack[:len(stack)-1]
			text.Reset()
		}
	}
}

// start handles the start of the element at stack.
func (ps *parser) start(stack []string, line int) {
	switch k := dependencyKind(stack); {
	case k != 0:
		ps.dep = &dependency{line: line, pom: ps.p}
		ps.depKind = k
	case pathIs(stack, "project", "parent"):
		ps.p.parent = &parentRef{line: line}
	case pathIs(stack, "project", "profiles", "profile"):
		ps.inProfile = true
		ps.profileID = ""
		ps.profileStart = len(ps.p.deps)
	}
}

// end handles the end of the element at stack, whose text is f.
func (ps *parser) end(stack []string, f field) {
	p := ps.p
	name := stack[len(stack)-1]
	switch {
	case len(stack) == 2:
		switch name {
		case "groupId":
			p.groupID = f
		case "artifactId":
			p.artifactID = f
		case "version":
			p.version = f
		case "packaging":
			p.packaging = f
		}
	case len(stack) == 3 && stack[1] == "parent" && p.parent != nil:
		switch name {
		case "groupId":
			p.parent.groupID = f
		case "artifactId":
			p.parent.artifactID = f
		case "version":
			p.parent.version = f
		case "relativePath":
			p.parent.relativePath = f
		}
	case len(stack) == 3 && stack[1] == "properties":
		p.props[name] = f
	case pathIs(stack, "project", "modules", "module"):
		p.modules = append(p.modules, f.text)
	case pathIs(stack, "project", "profiles", "profile", "id"):
		ps.profileID = f.text
		for i := ps.profileStart; i < len(p.deps); i++ {
			p.deps[i].profile = f.text
		}
	case pathIs(stack, "project", "profiles", "profile"):
		ps.inProfile = false
	case ps.dep != nil && dependencyKind(stack) != 0:
		switch ps.depKind {
		case inManagement:
			p.managed = append(p.managed, *ps.dep)
		case inProfile:
			ps.dep.profile = ps.profileID
			ps.dep.inProfile = true
			p.deps = append(p.deps, *ps.dep)
		default:
			p.deps = append(p.deps, *ps.dep)
		}
		ps.dep = nil
	case ps.dep != nil && dependencyKind(stack[:len(stack)-1]) != 0:
		d := ps.dep
		switch name {
		case "groupId":
			d.groupID = f
		case "artifactId":
			d.artifactID = f
		case "version":
			d.version = f
		case "scope":
			d.scope = f
		case "type":
			d.typ = f
		case "classifier":
			d.classifier = f
		case "optional":
			d.optional = f
		}
	}
}

// dependencyKind tells whether stack is a <dependency> element this package
// reads, and where.
func dependencyKind(stack []string) int {
	switch {
	case pathIs(stack, "project", "dependencies", "dependency"):
		return inDependencies
	case pathIs(stack, "project", "dependencyManagement", "dependencies", "dependency"):
		return inManagement
	case pathIs(stack, "project", "profiles", "profile", "dependencies", "dependency"):
		return inProfile
	}
	return 0
}

func pathIs(stack []string, names ...string) bool {
	if len(stack) != len(names) {
		return false
	}
	for i, n := range names {
		if stack[i] != n {
			return false
		}
	}
	return true
}
