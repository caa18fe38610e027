// Package gradlelock extracts Maven packages from Gradle dependency lock
// files: gradle.lockfile (a project's configurations),
// buildscript-gradle.lockfile (its build script's classpath, the Gradle
// plugins) and settings-gradle.lockfile (the settings script's classpath).
//
// Gradle writes one line per resolved module, "group:artifact:version=" and
// the comma-separated configurations that resolve it, then a line "empty="
// listing the locked configurations that resolve nothing; lines starting
// with "#" are comments. Every module is resolved, so every package has an
// exact Version. The lock does not say which modules the build file asks for,
// so Relation is unknown.
//
// Scope comes from the configurations:
//
//   - prod when a configuration that is not a test one is a compile or
//     runtime classpath (compileClasspath, runtimeClasspath,
//     releaseRuntimeClasspath, productionRuntimeClasspath, ...);
//   - dev when every configuration is a test one (its name contains "test":
//     testCompileClasspath, androidTestRuntimeClasspath,
//     integrationTestRuntimeClasspath), or the module is on the classpath of
//     the build or settings script: it runs in the build, not in the product;
//   - unknown otherwise: modules only in tool configurations (checkstyle,
//     annotationProcessor, jacocoAnt, ...), with a Note naming them, since
//     what such a tool does with them is not in the lock.
//
// Gradle's older per-configuration lock files (gradle/dependency-locks/*.lockfile,
// before Gradle 6.8) are not read.
package gradlelock

import (
	"bufio"
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
const Name = "java/gradlelock"

// Extractor extracts packages from Gradle lock files.
type Extractor struct{}

// New returns a Gradle lock file [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p is a Gradle lock file: gradle.lockfile,
// buildscript-gradle.lockfile or settings-gradle.lockfile.
func (e *Extractor) FileRequired(p string) bool {
	switch path.Base(p) {
	case "gradle.lockfile", "buildscript-gradle.lockfile", "settings-gradle.lockfile":
		return true
	}
	return false
}

// maxLine is the longest line read; Gradle's longest lines list a few dozen
// configurations.
const maxLine = 1 << 20

// Extract parses the lock file in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	script := strings.TrimSuffix(path.Base(in.Path), "-gradle.lockfile")
	if script == path.Base(in.Path) {
		script = "" // gradle.lockfile: the project's own configurations
	}

	var pkgs []inventory.Package
	var errs []error
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, maxLine)
	line := 0
	for sc.Scan() {
		line++
		if line%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return inventory.Inventory{}, err
			}
		}
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		coord, configs, ok := strings.Cut(text, "=")
		if !ok {
			errs = append(errs, inventory.Errorf(in.Path, line, "%q: want group:artifact:version=configurations", clip(text)))
			continue
		}
		if coord == "empty" {
			continue // the configurations that resolve nothing
		}
		parts := strings.Split(coord, ":")
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			errs = append(errs, inventory.Errorf(in.Path, line, "module %q: want group:artifact:version", clip(coord)))
			continue
		}
		pkgs = append(pkgs, toPackage(parts, configs, script, in.Path, line))
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("line longer than %d bytes", maxLine)
		}
		errs = append(errs, inventory.Errorf(in.Path, line+1, "%v", err))
	}
	if err := ctx.Err(); err != nil {
		return inventory.Inventory{}, err
	}
	if len(pkgs) == 0 && len(errs) > 0 {
		// Nothing parsed: most likely not a lock file at all; one error
		// says so better than one per line.
		var pe *inventory.ParseError
		if errors.As(errs[0], &pe) {
			return inventory.Inventory{}, inventory.Errorf(pe.Path, pe.Line, "not a Gradle lock file: %v", pe.Err)
		}
		return inventory.Inventory{}, errs[0]
	}
	return inventory.Inventory{Packages: pkgs}, errors.Join(errs...)
}

// toPackage makes the package of one lock line. script is "buildscript" or
// "settings" for the lock files of those scripts, "" for gradle.lockfile.
func toPackage(parts []string, configs, script, file string, line int) inventory.Package {
	p := inventory.Package{
		Ecosystem: inventory.Maven,
		Name:      parts[0] + ":" + parts[1],
		Version:   parts[2],
		Relation:  inventory.RelationUnknown,
		Location:  inventory.Location{File: file, Line: line},
	}
	var names []string
	for c := range strings.SplitSeq(configs, ",") {
		if c = strings.TrimSpace(c); c != "" {
			names = append(names, c)
		}
	}
	switch {
	case script != "":
		p.Scope = inventory.ScopeDev
		p.Note = fmt.Sprintf("on the %s script's classpath", script)
	default:
		p.Scope, p.Note = scope(names)
	}
	return p
}

// scope returns the scope of a module resolved by the configurations names,
// and a note when the scope is unknown.
func scope(names []string) (inventory.Scope, string) {
	if len(names) == 0 {
		return inventory.ScopeUnknown, "locked without a configuration"
	}
	allTest := true
	for _, n := range names {
		test := strings.Contains(strings.ToLower(n), "test")
		allTest = allTest && test
		if !test && isClasspath(n) {
			return inventory.ScopeProd, ""
		}
	}
	if allTest {
		return inventory.ScopeDev, ""
	}
	return inventory.ScopeUnknown, "only in configurations " + strings.Join(names, ", ")
}

// isClasspath reports whether a configuration is a compile or runtime
// classpath of a source set or variant.
func isClasspath(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasSuffix(lower, "compileclasspath") || strings.HasSuffix(lower, "runtimeclasspath")
}

// clip shortens s for an error message.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
