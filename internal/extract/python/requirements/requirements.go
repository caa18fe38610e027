// Package requirements extracts PyPI packages from pip requirements files:
// requirements.txt, requirements-dev.txt, dev-requirements.txt, files under a
// requirements/ folder and constraints.txt.
//
// The format is pip's: one requirement per line, `#` comments, lines joined by
// a trailing backslash, option lines (-i, --extra-index-url, -f, --pre, ...)
// and -r / -c includes, which are read through [inventory.Input.FS] relative to
// the including file.
//
// Only `==` (without a wildcard) and `===` give a package a Version. Every
// other requirement (ranges, bare names, URLs, version-control and local
// sources, editables) is listed with an empty Version and the constraint as
// written in Requirement, so that nothing is matched against advisories by a
// guessed version. Packages listed in a requirements file are what the user
// asked for, so their Relation is direct; packages from a constraints file
// (read with -c, or a top-level file whose name starts with "constraints") are
// only installed when something else needs them, so their Relation is unknown.
// A local directory without a name (`.`, `-e ./lib`) is the user's own source
// tree, not a registry package, and is not listed.
package requirements

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/patchline/patchline/internal/inventory"
)

// Name identifies the extractor.
const Name = "python/requirements"

// Extractor extracts packages from pip requirements files.
type Extractor struct{}

// New returns a requirements file [Extractor].
func New() *Extractor { return &Extractor{} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired reports whether p names a requirements or constraints file:
// requirements*.txt, *requirements.txt, constraints*.txt or any .txt file in a
// folder named requirements.
func (e *Extractor) FileRequired(p string) bool {
	base := strings.ToLower(path.Base(p))
	if !strings.HasSuffix(base, ".txt") {
		return false
	}
	dir := strings.ToLower(path.Base(path.Dir(p)))
	return strings.HasPrefix(base, "requirements") ||
		strings.HasSuffix(base, "requirements.txt") ||
		strings.HasPrefix(base, "constraints") ||
		dir == "requirements"
}

// Extract parses the requirements file in, following its includes.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	key := in.FSPath
	if key == "" {
		key = in.Path
	}
	p := &parser{
		fsys:     in.FS,
		visiting: map[string]bool{},
		done:     map[doneKey]bool{},
	}
	constraint := strings.HasPrefix(strings.ToLower(path.Base(in.Path)), "constraints")
	p.done[doneKey{key, constraint}] = true
	if err := p.parseFile(ctx, data, in.Path, key, constraint); err != nil {
		p.errs = append(p.errs, err)
	}
	return inventory.Inventory{Packages: p.pkgs}, errors.Join(p.errs...)
}

// doneKey identifies a file read in one mode, so that a file included twice
// (not in a cycle) is listed once.
type doneKey struct {
	fsPath     string
	constraint bool
}

type parser struct {
	fsys     fs.FS
	visiting map[string]bool // files on the current include chain
	done     map[doneKey]bool
	pkgs     []inventory.Package
	errs     []error
}

// parseFile parses one file's content. file is the path reported to the user,
// fsPath its path in p.fsys. It returns only errors that stop the whole scan
// (a cancelled context); problems with single lines go to p.errs.
func (p *parser) parseFile(ctx context.Context, data []byte, file, fsPath string, constraint bool) error {
	p.visiting[fsPath] = true
	defer delete(p.visiting, fsPath)
	bad, hidden := 0, 0
	for _, ll := range logicalLines(data) {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := p.parseLine(ctx, ll, file, fsPath, constraint)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if bad++; bad > maxLineErrors {
			hidden++
			continue
		}
		p.errs = append(p.errs, err)
	}
	if hidden > 0 {
		p.errs = append(p.errs, inventory.Errorf(file, 0, "%d more lines with errors not shown: is this a pip requirements file?", hidden))
	}
	return nil
}

// maxLineErrors is how many bad lines of one file are reported one by one,
// so that a file in another format does not bury the user in errors.
const maxLineErrors = 10

// logicalLine is a line after joining continuations and removing comments.
type logicalLine struct {
	text string
	line int // first physical line, 1-based
}

// logicalLines splits data as pip does: a line ending in a backslash continues
// on the next one unless it is a comment; a `#` at the start of a line or after
// whitespace starts a comment.
func logicalLines(data []byte) []logicalLine {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var out []logicalLine
	var pending strings.Builder
	start := 0
	emit := func(text string, line int) {
		text = strings.TrimSpace(stripComment(text))
		if text != "" {
			out = append(out, logicalLine{text: text, line: line})
		}
	}
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSuffix(raw, "\r")
		n := i + 1
		if isCommentLine(line) || !strings.HasSuffix(line, `\`) {
			if pending.Len() > 0 {
				if isCommentLine(line) {
					line = " " + line // keep the comment a comment after joining
				}
				pending.WriteString(line)
				emit(pending.String(), start)
				pending.Reset()
				continue
			}
			emit(line, n)
			continue
		}
		if pending.Len() == 0 {
			start = n
		}
		pending.WriteString(strings.TrimSuffix(line, `\`))
		if pending.Len() == 0 {
			pending.WriteString(" ") // a lone backslash still continues
		}
	}
	if pending.Len() > 0 {
		emit(pending.String(), start)
	}
	return out
}

func isCommentLine(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " \t"), "#")
}

// stripComment removes a `#` comment that starts the line or follows
// whitespace; a `#` inside a word (a URL fragment such as #egg=) is kept.
func stripComment(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') {
			return s[:i]
		}
	}
	return s
}

// parseLine handles one logical line.
func (p *parser) parseLine(ctx context.Context, ll logicalLine, file, fsPath string, constraint bool) error {
	if strings.HasPrefix(ll.text, "-") {
		return p.parseOptions(ctx, ll, file, fsPath, constraint)
	}
	// As pip does, the requirement ends at the first word that starts with
	// a dash; what follows are per-requirement options such as --hash.
	fields := strings.Fields(ll.text)
	n := len(fields)
	for i, f := range fields {
		if strings.HasPrefix(f, "-") {
			n = i
			break
		}
	}
	reqText := strings.Join(fields[:n], " ")
	var errs []error
	if err := checkRequirementOptions(fields[n:]); err != nil {
		errs = append(errs, inventory.Errorf(file, ll.line, "%w", err))
	}
	if err := p.addRequirement(reqText, false, ll.line, file, constraint); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// optionKind says whether a pip option takes a value and where it may appear.
type optionKind int

const (
	optUnknown   optionKind = iota
	optFlag                 // global option without a value
	optValue                // global option with a value
	optInclude              // -r / --requirement
	optConstrain            // -c / --constraint
	optEditable             // -e / --editable
	optPerReq               // per-requirement option with a value (--hash)
)

// lookupOption returns the kind of a pip requirements-file option.
func lookupOption(name string) optionKind {
	switch name {
	case "-r", "--requirement":
		return optInclude
	case "-c", "--constraint":
		return optConstrain
	case "-e", "--editable":
		return optEditable
	case "-i", "--index-url", "--extra-index-url", "-f", "--find-links",
		"--trusted-host", "--no-binary", "--only-binary", "--use-feature":
		return optValue
	case "--no-index", "--pre", "--prefer-binary", "--require-hashes",
		"-Z", "--always-unzip", "--process-dependency-links":
		return optFlag
	case "--hash", "--global-option", "--install-option", "--config-settings":
		return optPerReq
	}
	return optUnknown
}

// nextOption splits the option at tokens[0] into its name and value,
// consuming the following token as the value when the option takes one.
// It returns how many tokens were used.
func nextOption(tokens []string) (name, value string, kind optionKind, used int, err error) {
	t := tokens[0]
	hasValue := false
	switch {
	case strings.HasPrefix(t, "--"):
		name, value, hasValue = strings.Cut(t, "=")
	case len(t) > 2:
		name, value, hasValue = t[:2], t[2:], true
	default:
		name = t
	}
	kind = lookupOption(name)
	switch kind {
	case optUnknown:
		return name, "", kind, 1, fmt.Errorf("unknown pip option %q", name)
	case optFlag:
		if hasValue {
			return name, "", kind, 1, fmt.Errorf("option %q takes no value", name)
		}
		return name, "", kind, 1, nil
	}
	if hasValue {
		return name, value, kind, 1, nil
	}
	if len(tokens) < 2 {
		return name, "", kind, 1, fmt.Errorf("option %q needs a value", name)
	}
	return name, tokens[1], kind, 2, nil
}

// checkRequirementOptions checks the options after a requirement.
func checkRequirementOptions(tokens []string) error {
	for len(tokens) > 0 {
		name, value, kind, used, err := nextOption(tokens)
		if err != nil {
			return err
		}
		if kind != optPerReq {
			return fmt.Errorf("option %q cannot follow a requirement", name)
		}
		if name == "--hash" {
			if algo, digest, ok := strings.Cut(value, ":"); !ok || algo == "" || digest == "" {
				return fmt.Errorf("hash %q is not ALGORITHM:DIGEST", value)
			}
		}
		tokens = tokens[used:]
	}
	return nil
}

// parseOptions handles a line of options, such as -r base.txt or
// --index-url URL.
func (p *parser) parseOptions(ctx context.Context, ll logicalLine, file, fsPath string, constraint bool) error {
	tokens, err := splitWords(ll.text)
	if err != nil {
		return inventory.Errorf(file, ll.line, "%w", err)
	}
	var errs []error
	for len(tokens) > 0 {
		if !strings.HasPrefix(tokens[0], "-") {
			errs = append(errs, inventory.Errorf(file, ll.line, "unexpected %q after an option", tokens[0]))
			break
		}
		name, value, kind, used, err := nextOption(tokens)
		tokens = tokens[used:]
		if err != nil {
			errs = append(errs, inventory.Errorf(file, ll.line, "%w", err))
			continue
		}
		switch kind {
		case optInclude, optConstrain:
			if err := p.include(ctx, value, kind == optConstrain || constraint, ll.line, file, fsPath); err != nil {
				errs = append(errs, err)
			}
		case optEditable:
			if err := p.addRequirement(value, true, ll.line, file, constraint); err != nil {
				errs = append(errs, err)
			}
		case optPerReq:
			errs = append(errs, inventory.Errorf(file, ll.line, "option %q must follow a requirement", name))
		}
	}
	return errors.Join(errs...)
}

// splitWords splits an option line into words, honouring single and double
// quotes.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote = c
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed quote in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// include reads the file named by -r or -c.
func (p *parser) include(ctx context.Context, ref string, constraint bool, line int, file, fsPath string) error {
	opt := "-r"
	if constraint {
		opt = "-c"
	}
	fail := func(format string, args ...any) error {
		return inventory.Errorf(file, line, "%s %q not read: "+format, append([]any{opt, ref}, args...)...)
	}
	if hasScheme(ref) {
		return fail("remote requirements files are not fetched")
	}
	if p.fsys == nil {
		return fail("no file system to read it from")
	}
	rel := strings.ReplaceAll(ref, `\`, "/")
	if path.IsAbs(rel) {
		return fail("absolute paths are outside the scanned directory")
	}
	target := path.Join(path.Dir(fsPath), rel)
	if !fs.ValidPath(target) {
		return fail("it is outside the scanned directory")
	}
	if p.visiting[target] {
		return fail("include cycle")
	}
	key := doneKey{target, constraint}
	if p.done[key] {
		return nil // already listed through another include
	}
	p.done[key] = true
	data, err := fs.ReadFile(p.fsys, target)
	if err != nil {
		return fail("%w", err)
	}
	return p.parseFile(ctx, data, path.Join(path.Dir(file), rel), target, constraint)
}

// addRequirement parses a requirement and records its package.
func (p *parser) addRequirement(text string, editable bool, line int, file string, constraint bool) error {
	req, err := parseRequirement(text)
	if err != nil {
		return inventory.Errorf(file, line, "%w", err)
	}
	if req.name == "" {
		return nil // the user's own source tree; see the package doc
	}
	var notes []string
	if editable {
		notes = append(notes, "editable")
	}
	if req.source != "" {
		notes = append(notes, req.source)
	}
	if req.marker != "" {
		notes = append(notes, "only where "+req.marker)
	}
	rel := inventory.RelationDirect
	if constraint {
		rel = inventory.RelationUnknown
		notes = append(notes, "from a constraints file: installed only if something else requires it")
	}
	p.pkgs = append(p.pkgs, inventory.Package{
		Ecosystem:   inventory.PyPI,
		Name:        req.name,
		Version:     req.version,
		Requirement: req.constraint,
		Relation:    rel,
		Scope:       inventory.ScopeUnknown,
		Location:    inventory.Location{File: file, Line: line},
		Note:        strings.Join(notes, "; "),
	})
	return nil
}
