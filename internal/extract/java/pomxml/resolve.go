package pomxml

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/patchline/patchline/internal/inventory"
)

// maxPOMs bounds how many pom.xml files one extraction reads (parents,
// modules searched for BOMs), so that a huge or cyclic tree cannot make it
// run away.
const maxPOMs = 1000

// resolver reads the POMs a pom.xml refers to and builds effective models.
type resolver struct {
	ctx   context.Context
	fsys  fs.FS
	errs  []error
	files map[string]*pom // by path in fsys; nil when unreadable
	read  int
	// modules indexes the POMs reachable through <modules> from the
	// project's local parents, by "groupId:artifactId"; built when a BOM
	// is first looked for.
	modules map[string]*pom
	// building holds the BOMs being built, to stop import cycles.
	building map[string]bool
}

// project is a POM with its local parents, properties and dependency
// management: its effective model, as far as the scanned tree tells.
type project struct {
	chain []*pom // the POM, then its parents found in the tree
	// missingParent is the first parent not found in the tree, or nil;
	// its versions and properties are unknown.
	missingParent *parentRef
	props         *properties
	managed       map[string]*managed // by depKey
	missingBOMs   []string            // coordinates of imported BOMs not found
}

// managed is a <dependencyManagement> entry.
type managed struct {
	dep   dependency
	props *properties // the properties its version is read with
	from  string      // "" when declared in the project or its parents, else the BOM it was imported from
}

// load reads and parses the pom.xml at fsPath, shown as file, once.
func (r *resolver) load(fsPath, file string) (*pom, error) {
	if p, ok := r.files[fsPath]; ok {
		if p == nil {
			return nil, fmt.Errorf("%q could not be read", file)
		}
		return p, nil
	}
	if r.read >= maxPOMs {
		return nil, fmt.Errorf("more than %d pom.xml files to read", maxPOMs)
	}
	r.read++
	r.files[fsPath] = nil
	if r.fsys == nil {
		return nil, errors.New("no file system to read it from")
	}
	data, err := fs.ReadFile(r.fsys, fsPath)
	if err != nil {
		return nil, err
	}
	p, err := parsePOM(r.ctx, data, file, fsPath)
	if err != nil {
		// The file exists but is broken: that is its own extraction's
		// problem to report; here it only counts as not found.
		return nil, fmt.Errorf("%q does not parse", file)
	}
	r.files[fsPath] = p
	return p, nil
}

// build returns the effective model of p.
func (r *resolver) build(p *pom) *project {
	prj := &project{chain: []*pom{p}}
	seen := map[string]bool{p.fsPath: true}
	for cur := p; cur.parent != nil; {
		next, err := r.findParent(cur, seen)
		if err != nil {
			r.errs = append(r.errs, err)
			prj.missingParent = cur.parent
			break
		}
		prj.chain = append(prj.chain, next)
		cur = next
	}
	prj.props = newProperties(prj.chain)
	prj.managed = map[string]*managed{}
	// Nearest declaration wins: the project's own, then its parents'.
	var imports []dependency
	for _, q := range prj.chain {
		for _, d := range q.managed {
			if isImport(d) {
				imports = append(imports, d)
				continue
			}
			key := depKey(d, prj.props)
			if _, ok := prj.managed[key]; !ok {
				prj.managed[key] = &managed{dep: d, props: prj.props}
			}
		}
	}
	// Imported BOMs add what is not managed already, the first import
	// first.
	for _, d := range imports {
		r.importBOM(prj, d)
	}
	return prj
}

// findParent returns the parent of p found in the tree, or an error saying
// why it is not there.
func (r *resolver) findParent(p *pom, seen map[string]bool) (*pom, error) {
	ref := p.parent
	rel := "../pom.xml"
	if ref.relativePath.set {
		rel = ref.relativePath.text
	}
	notFound := func(format string, args ...any) error {
		return inventory.Unresolvedf(p.file, ref.line,
			"parent %s is not in the scanned tree (%s): the versions and properties it defines are unknown",
			ref.coords(), fmt.Sprintf(format, args...))
	}
	if rel == "" {
		return nil, notFound("its relativePath is empty, so Maven takes it from a repository")
	}
	rel = strings.ReplaceAll(rel, `\`, "/")
	if path.IsAbs(rel) {
		return nil, notFound("relativePath %q is absolute", rel)
	}
	target := path.Join(path.Dir(p.fsPath), rel)
	shown := path.Join(path.Dir(p.file), rel)
	if path.Ext(target) != ".xml" {
		target = path.Join(target, "pom.xml")
		shown = path.Join(shown, "pom.xml")
	}
	if !fs.ValidPath(target) {
		return nil, notFound("%q is outside the scanned directory", shown)
	}
	if seen[target] {
		return nil, inventory.Errorf(p.file, ref.line, "parent cycle: %q is its own ancestor", shown)
	}
	seen[target] = true
	q, err := r.load(target, shown)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, notFound("no %q", shown)
		}
		return nil, notFound("%v", err)
	}
	g, a, _ := ownCoords(q)
	if g != ref.groupID.text || a != ref.artifactID.text {
		return nil, notFound("%q is %s:%s", shown, g, a)
	}
	return q, nil
}

// ownCoords returns the groupId, artifactId and version of p as written,
// taking groupId and version from its <parent> when p has none.
func ownCoords(p *pom) (g, a, v string) {
	g, a, v = p.groupID.text, p.artifactID.text, p.version.text
	if p.parent != nil {
		if !p.groupID.set {
			g = p.parent.groupID.text
		}
		if !p.version.set {
			v = p.parent.version.text
		}
	}
	return g, a, v
}

// importBOM adds the dependency management of the BOM that d imports to prj.
func (r *resolver) importBOM(prj *project, d dependency) {
	g, _ := prj.props.expand(d.groupID.text)
	a, _ := prj.props.expand(d.artifactID.text)
	v, vErr := prj.props.expand(d.version.text)
	coords := g + ":" + a + ":" + v
	missing := func(why string) {
		prj.missingBOMs = append(prj.missingBOMs, coords)
		r.errs = append(r.errs, inventory.Unresolvedf(d.pom.file, d.line,
			"imported BOM %s is not in the scanned tree (%s): the versions it manages are unknown", coords, why))
	}
	if r.building[g+":"+a] {
		r.errs = append(r.errs, inventory.Errorf(d.pom.file, d.line, "BOM import cycle through %s", coords))
		return
	}
	bom := r.findModule(prj, g+":"+a)
	if bom == nil {
		missing("no module of the project is " + g + ":" + a)
		return
	}
	r.building[g+":"+a] = true
	defer delete(r.building, g+":"+a)
	bp := r.build(bom)
	if bv, err := bp.props.expand(bomVersion(bom)); vErr == nil && err == nil && bv != v {
		missing(fmt.Sprintf("the tree has version %s, in %q", bv, bom.file))
		return
	}
	for key, m := range bp.managed {
		if _, ok := prj.managed[key]; !ok {
			prj.managed[key] = &managed{dep: m.dep, props: m.props, from: coords}
		}
	}
	prj.missingBOMs = append(prj.missingBOMs, bp.missingBOMs...)
}

func bomVersion(p *pom) string {
	_, _, v := ownCoords(p)
	return v
}

// findModule returns the POM with groupId:artifactId ga among the modules
// reachable from prj's local parents, or nil.
func (r *resolver) findModule(prj *project, ga string) *pom {
	if r.modules == nil {
		r.modules = map[string]*pom{}
		top := prj.chain[len(prj.chain)-1]
		r.indexModules(top, map[string]bool{})
	}
	return r.modules[ga]
}

// indexModules adds p and the modules below it to r.modules.
func (r *resolver) indexModules(p *pom, seen map[string]bool) {
	if seen[p.fsPath] || r.ctx.Err() != nil {
		return
	}
	seen[p.fsPath] = true
	g, a, _ := ownCoords(p)
	if _, ok := r.modules[g+":"+a]; !ok {
		r.modules[g+":"+a] = p
	}
	for _, m := range p.modules {
		m = strings.ReplaceAll(m, `\`, "/")
		if m == "" || path.IsAbs(m) {
			continue
		}
		target := path.Join(path.Dir(p.fsPath), m)
		shown := path.Join(path.Dir(p.file), m)
		if path.Ext(target) != ".xml" {
			target = path.Join(target, "pom.xml")
			shown = path.Join(shown, "pom.xml")
		}
		if !fs.ValidPath(target) {
			continue
		}
		if q, err := r.load(target, shown); err == nil {
			r.indexModules(q, seen)
		}
	}
}

// isImport reports whether a managed dependency imports a BOM.
func isImport(d dependency) bool {
	return d.scope.text == "import" && d.typ.text == "pom"
}

// depKey identifies a dependency for management and inheritance:
// groupId:artifactId:type:classifier, with properties expanded.
func depKey(d dependency, props *properties) string {
	g, _ := props.expand(d.groupID.text)
	a, _ := props.expand(d.artifactID.text)
	t, _ := props.expand(d.typ.text)
	c, _ := props.expand(d.classifier.text)
	if t == "" {
		t = "jar"
	}
	return g + ":" + a + ":" + t + ":" + c
}
