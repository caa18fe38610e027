// Package pomxml extracts Maven packages from a Maven project's pom.xml: the
// dependencies the project declares, with the versions its effective model
// gives them as far as the scanned tree tells.
//
// A pom.xml is a manifest, not a lock: it names the project's direct
// dependencies only. Their own (transitive) dependencies come from the POMs
// of those artifacts in a Maven repository, which patchline does not fetch,
// so they are not listed; every package here is direct. Build plugins and
// their <dependencies> are build tools, not the project's dependencies, and
// are not listed either.
//
// What is resolved, as Maven does it:
//
//   - Parent POMs found in the scanned tree through <relativePath> (by
//     default ../pom.xml, a directory meaning its pom.xml), read through
//     [inventory.Input.FS], when the file found has the groupId and
//     artifactId the <parent> names. Their <properties>,
//     <dependencyManagement> and <dependencies> are inherited; the nearest
//     definition wins. Inherited dependencies are listed at the line of the
//     parent that declares them, with a Note, and with the versions the
//     child's model gives them.
//   - Properties: ${name} from <properties>, nested and recursive, and the
//     project's coordinates (${project.version}, ${project.groupId},
//     ${project.artifactId}, ${project.parent.version}, and their older
//     pom.* and bare forms). A property cycle is an error.
//   - <dependencyManagement>: the version (and the scope and optional flag,
//     when the dependency sets none) of a dependency declared without one.
//   - BOM imports (a managed dependency with <type>pom</type> and
//     <scope>import</scope>) when the BOM is a module of the project: found
//     through the <modules> of the project's topmost parent in the tree,
//     and built with its own parents and properties.
//
// A parent or BOM that is not in the tree, typically one from a repository
// such as spring-boot-starter-parent, is never guessed at: Extract returns an
// error naming it, and the packages whose version it would give are listed
// without a Version and with a Note saying so. A version range ("[1.0,2.0)")
// or a LATEST/RELEASE metaversion is not an exact version: it is listed as
// the Requirement.
//
// Scope: test is dev; compile (the default) and runtime are prod; provided
// and system are prod with a Note (the code runs against them, supplied by
// the runtime environment or the local machine, whose version may differ);
// a non-test dependency marked <optional>true</optional> is optional.
// Dependencies in <profiles> are listed with a Note naming the profile,
// since they apply only when it is active; properties and dependency
// management in profiles are not read.
package pomxml

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the extractor.
const Name = "java/pomxml"

// Extractor extracts packages from pom.xml files.
type Extractor struct{}

// New returns a pom.xml [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a pom.xml.
func (e *Extractor) FileRequired(p string) bool { return path.Base(p) == "pom.xml" }

// Extract parses the pom.xml in, reading its parents and imported BOMs from
// the scanned tree.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return inventory.Inventory{}, nil
	}
	fsPath := in.FSPath
	if fsPath == "" {
		fsPath = in.Path
	}
	p, parseErr := parsePOM(ctx, data, in.Path, fsPath)
	if err := ctx.Err(); err != nil {
		return inventory.Inventory{}, err
	}
	if p == nil {
		return inventory.Inventory{}, parseErr
	}
	r := &resolver{
		ctx:      ctx,
		fsys:     in.FS,
		files:    map[string]*pom{fsPath: p},
		building: map[string]bool{},
	}
	if g, a, _ := ownCoords(p); a != "" {
		r.building[g+":"+a] = true
	}
	prj := r.build(p)
	if err := ctx.Err(); err != nil {
		return inventory.Inventory{}, err
	}

	var pkgs []inventory.Package
	errs := append([]error{parseErr}, r.errs...)
	declared := map[string]bool{}
	for i, q := range prj.chain {
		for _, d := range q.deps {
			key := depKey(d, prj.props)
			if i > 0 && declared[key] {
				continue // overridden by a nearer POM
			}
			pkg, err := toPackage(d, prj, i > 0)
			pkgs = append(pkgs, pkg)
			errs = append(errs, err)
		}
		// Keys become "declared" once the whole POM is read, so that a
		// POM declaring the same dependency twice lists both.
		for _, d := range q.deps {
			if !d.inProfile {
				declared[depKey(d, prj.props)] = true
			}
		}
	}
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
}

// toPackage turns a declared dependency into a package. inherited says d
// comes from a parent's <dependencies>. The error, if any, says what could
// not be resolved for reasons other than a parent or BOM missing from the
// tree (those have their own error).
func toPackage(d dependency, prj *project, inherited bool) (inventory.Package, error) {
	p := inventory.Package{
		Ecosystem: inventory.Maven,
		Relation:  inventory.RelationDirect,
		Location:  inventory.Location{File: d.pom.file, Line: d.line},
	}
	var notes []string
	var errs []error
	note := func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }
	fail := func(file string, line int, format string, args ...any) {
		errs = append(errs, inventory.Errorf(file, line, format, args...))
	}
	unknownElsewhere := prj.missingParent != nil || len(prj.missingBOMs) > 0

	g, errG := prj.props.expand(d.groupID.text)
	a, errA := prj.props.expand(d.artifactID.text)
	p.Name = g + ":" + a
	for _, err := range []error{errG, errA} {
		if err != nil {
			note("name not fully resolved: %v", err)
			if !unknownElsewhere {
				fail(d.pom.file, d.line, "dependency %q: %v", p.Name, err)
			}
		}
	}
	if d.groupID.text == "" || d.artifactID.text == "" {
		fail(d.pom.file, d.line, "dependency %q without a groupId or artifactId", p.Name)
	}

	m := prj.managed[depKey(d, prj.props)]
	switch {
	case d.version.text != "":
		v, err := prj.props.expand(d.version.text)
		setVersion(&p, v, err, note)
		if err != nil && unknownElsewhere && isUndefined(err) {
			note("it may be defined by %s, which is not in the scanned tree", missingNames(prj))
		}
		if err != nil && !(unknownElsewhere && isUndefined(err)) {
			fail(d.pom.file, d.version.line, "dependency %s version %q: %v", p.Name, d.version.text, err)
		}
	case m != nil && m.dep.version.text != "":
		v, err := m.props.expand(m.dep.version.text)
		setVersion(&p, v, err, note)
		if m.from != "" {
			note("version from BOM %s", m.from)
		}
		if err != nil && unknownElsewhere && isUndefined(err) {
			note("it may be defined by %s, which is not in the scanned tree", missingNames(prj))
		}
		if err != nil && !(unknownElsewhere && isUndefined(err)) {
			fail(m.dep.pom.file, m.dep.version.line, "managed version %q of %s: %v", m.dep.version.text, p.Name, err)
		}
	default:
		switch {
		case prj.missingParent != nil || len(prj.missingBOMs) > 0:
			note("version not set here: it is managed by %s, which is not in the scanned tree", missingNames(prj))
		default:
			note("version not set and not managed")
			fail(d.pom.file, d.line, "dependency %s has no version and no <dependencyManagement> entry", p.Name)
		}
	}

	scope, optional := d.scope.text, d.optional.text
	if m != nil {
		if !d.scope.set {
			scope = m.dep.scope.text
		}
		if !d.optional.set {
			optional = m.dep.optional.text
		}
	}
	scope, _ = prj.props.expand(scope)
	optional, _ = prj.props.expand(optional)
	switch scope {
	case "test":
		p.Scope = inventory.ScopeDev
	case "", "compile", "runtime", "provided", "system":
		p.Scope = inventory.ScopeProd
		if optional == "true" {
			p.Scope = inventory.ScopeOptional
		}
		switch scope {
		case "provided":
			note("provided scope: supplied at run time by the environment, whose version may differ")
		case "system":
			note("system scope: a file on the build machine")
		}
	default:
		note("unknown scope %q", scope)
	}
	if inherited {
		note("inherited from parent %s", coordsOf(d.pom))
	}
	if d.inProfile {
		note("only when profile %q is active", d.profile)
	}
	p.Note = strings.Join(notes, "; ")
	return p, errors.Join(errs...)
}

// setVersion sets p's Version, or its Requirement when v is a range, a
// metaversion or not resolved (err).
func setVersion(p *inventory.Package, v string, err error, note func(string, ...any)) {
	switch {
	case err != nil:
		p.Requirement = v
		note("version not resolved: %v", err)
	case strings.HasPrefix(v, "[") || strings.HasPrefix(v, "("):
		p.Requirement = v
		note("version range: Maven picks the highest version in it that a repository has")
	case v == "LATEST" || v == "RELEASE":
		p.Requirement = v
		note("metaversion: Maven picks the newest version a repository has")
	default:
		p.Version = v
	}
}

func isUndefined(err error) bool {
	var u *unresolved
	return errors.As(err, &u) && u.undefined != ""
}

// missingNames names the parent and BOMs of prj that are not in the tree.
func missingNames(prj *project) string {
	var names []string
	if prj.missingParent != nil {
		names = append(names, "parent "+prj.missingParent.coords())
	}
	for _, b := range prj.missingBOMs {
		names = append(names, "BOM "+b)
	}
	return strings.Join(names, " or ")
}

// coordsOf returns groupId:artifactId:version of p as written.
func coordsOf(p *pom) string {
	g, a, v := ownCoords(p)
	return g + ":" + a + ":" + v
}
