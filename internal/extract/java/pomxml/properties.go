package pomxml

import (
	"fmt"
	"strings"
)

// properties are the values ${name} can take in a project's effective model:
// the <properties> of the project and its parents (the nearest definition
// wins) and the project's own coordinates (project.version,
// project.groupId, project.parent.version, ...).
type properties struct {
	raw    map[string]string
	done   map[string]string // expanded values, memoized
	budget int               // bytes of expanded values left to compute
}

// newProperties returns the properties of the project whose POM is chain[0]
// and whose local parents are chain[1:].
func newProperties(chain []*pom) *properties {
	raw := map[string]string{}
	for i := len(chain) - 1; i >= 0; i-- {
		for name, f := range chain[i].props {
			raw[name] = f.text
		}
	}
	p := chain[0]
	g, a, v := ownCoords(p)
	for _, prefix := range []string{"project.", "pom.", ""} {
		raw[prefix+"groupId"] = g
		raw[prefix+"artifactId"] = a
		raw[prefix+"version"] = v
	}
	if p.packaging.set {
		raw["project.packaging"] = p.packaging.text
	} else {
		raw["project.packaging"] = "jar"
	}
	if p.parent != nil {
		raw["project.parent.groupId"] = p.parent.groupID.text
		raw["project.parent.artifactId"] = p.parent.artifactID.text
		raw["project.parent.version"] = p.parent.version.text
	}
	return &properties{raw: raw, done: map[string]string{}, budget: maxExpanded}
}

// unresolved says why an expression could not be expanded.
type unresolved struct {
	undefined string   // a property with no value, or ""
	cycle     []string // a chain of properties that refers to itself
	tooLong   string   // a property whose value grows past maxExpansion
}

func (u *unresolved) Error() string {
	if u.tooLong != "" {
		return fmt.Sprintf("property %q expands to too much text", u.tooLong)
	}
	if u.cycle != nil {
		return fmt.Sprintf("property cycle %s", strings.Join(u.cycle, " -> "))
	}
	return fmt.Sprintf("property %q is not defined", u.undefined)
}

// expand replaces every ${name} in s by its value, recursively. When a
// property is undefined or refers to itself, it returns s as written and
// an *unresolved error.
func (p *properties) expand(s string) (string, error) {
	out, err := p.expandIn(s, nil)
	if err != nil {
		return s, err
	}
	return out, nil
}

// maxExpansion bounds the length of an expanded value, and maxExpanded the
// length of all of them, so that properties that double at each level
// cannot exhaust memory.
const (
	maxExpansion = 1 << 16
	maxExpanded  = 1 << 22
)

func (p *properties) expandIn(s string, visiting []string) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i+2:], '}')
		if j < 0 {
			b.WriteString(s) // an unterminated "${" is text, as in Maven
			break
		}
		b.WriteString(s[:i])
		name := s[i+2 : i+2+j]
		v, err := p.value(name, visiting)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
		if b.Len() > maxExpansion {
			return "", &unresolved{tooLong: name}
		}
		s = s[i+2+j+1:]
	}
	return b.String(), nil
}

// value returns the expanded value of the property name.
func (p *properties) value(name string, visiting []string) (string, error) {
	if v, ok := p.done[name]; ok {
		return v, nil
	}
	for i, n := range visiting {
		if n == name {
			return "", &unresolved{cycle: append(append([]string{}, visiting[i:]...), name)}
		}
	}
	raw, ok := p.raw[name]
	if !ok {
		return "", &unresolved{undefined: name}
	}
	v, err := p.expandIn(raw, append(visiting, name))
	if err != nil {
		return "", err
	}
	if p.budget -= len(v); p.budget < 0 {
		return "", &unresolved{tooLong: name}
	}
	p.done[name] = v
	return v, nil
}
