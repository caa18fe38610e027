package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"
	"gopkg.in/yaml.v3"
)

// Limits on expressions: deep nesting and huge expressions are errors at
// compile time, and a diff rule whose evaluation would cost more than
// costLimit (in CEL's cost units: roughly one per operation, one per list
// element visited) stops with an error instead of hanging the build.
const (
	recursionLimit = 64
	exprSizeLimit  = 16 << 10
	costLimit      = 50_000_000
	maxIssues      = 5 // CEL errors shown per expression
)

// Error is a problem in a policy file, with its position.
type Error struct {
	File string
	// Line and Column are 1-based; 0 when unknown.
	Line, Column int
	// Rule is the rule's name; "#N" for the Nth rule when it has no name,
	// "" for errors outside rules.
	Rule string
	Msg  string
}

// Error formats the error as FILE:LINE:COLUMN: rule "NAME": MESSAGE.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	switch {
	case strings.HasPrefix(e.Rule, "#"):
		fmt.Fprintf(&b, "rule %s: ", e.Rule)
	case e.Rule != "":
		fmt.Fprintf(&b, "rule %q: ", e.Rule)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ruleSpec is a rule before compilation.
type ruleSpec struct {
	Rule
	label      string     // for errors: the name, or "#N"
	node       *yaml.Node // the rule's mapping, or the presets: entry
	exprNode   *yaml.Node // nil for presets
	msgNode    *yaml.Node
	actionNode *yaml.Node
}

// fileSpec is what a policy file says.
type fileSpec struct {
	rules    []ruleSpec
	presets  []ruleSpec // the presets: entries, not yet looked up
	params   map[string]any
	baseline string
}

type compiler struct {
	path string
	data []byte
	errs []*Error
}

func (c *compiler) errorf(n *yaml.Node, rule, format string, args ...any) {
	e := &Error{File: c.path, Rule: rule, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	c.errs = append(c.errs, e)
}

// Load reads and compiles the policy file at path.
func Load(path string, opts ...Option) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return Compile(path, data, opts...)
}

// Compile parses and checks a policy file read from path (path is only
// used in messages and to resolve baseline:). Every problem is
// reported, each as an [*Error] naming the file, the rule and the line and
// column, joined with [errors.Join]; nothing is evaluated.
func Compile(path string, data []byte, opts ...Option) (*Policy, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	c := &compiler{path: path, data: data}
	spec := c.parseFile()
	if spec == nil {
		return nil, c.err()
	}
	params := make(map[string]any)
	for k, v := range o.params {
		params[k] = v
	}
	for k, v := range spec.params {
		params[k] = v
	}
	envs, err := newEnvs()
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", path, err)
	}
	p := &Policy{path: path, baseline: resolveBaseline(path, spec.baseline)}
	p.params = envs.base.CELTypeAdapter().NativeToValue(params)

	// The caller's presets first; one the file selects too is the file's
	// (which may set its action).
	var all []ruleSpec
	for _, name := range o.presets {
		dup := false
		for _, s := range append(all, spec.presets...) {
			dup = dup || s.Preset == name
		}
		if !dup {
			all = append(all, ruleSpec{Rule: Rule{Preset: name}})
		}
	}
	all = append(all, spec.presets...)
	seenPreset := make(map[string]bool)
	var specs []ruleSpec
	for _, s := range all {
		pr, ok := presetByName(s.Preset)
		if !ok {
			c.errorf(s.node, "", "presets: unknown preset %q (want one of %s)", s.Preset, strings.Join(presetNames(), ", "))
			continue
		}
		if seenPreset[pr.Name] {
			c.errorf(s.node, "", "presets: preset %q selected twice", pr.Name)
			continue
		}
		seenPreset[pr.Name] = true
		action := pr.Action
		if s.Action != "" {
			action = s.Action
		}
		s.Rule = Rule{
			Name: pr.Name, Description: pr.Description, Action: action, For: pr.For,
			Expr: pr.Expr, Message: pr.Message, Preset: pr.Name, Line: s.Line, Column: s.Column,
		}
		s.label = pr.Name
		if pr.check != nil {
			if err := pr.check(params); err != nil {
				c.errorf(s.node, pr.Name, "%v", err)
				continue
			}
		}
		specs = append(specs, s)
	}
	specs = append(specs, spec.rules...)

	first := make(map[string]ruleSpec)
	for _, s := range specs {
		if f, ok := first[s.Name]; ok {
			if f.Preset != "" {
				c.errorf(s.node, s.Name, "rule name given twice (it is the name of a selected preset)")
			} else {
				c.errorf(s.node, s.Name, "rule name given twice (first at line %d)", f.Line)
			}
			continue
		}
		first[s.Name] = s
		if r := c.compileRule(envs, s); r != nil {
			p.rules = append(p.rules, r)
		}
	}
	if len(c.errs) == 0 && len(p.rules) == 0 {
		c.errorf(nil, "", "the policy has no rules: add rules: or presets:")
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return p, nil
}

// err joins the errors in file order.
func (c *compiler) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	sort.SliceStable(c.errs, func(i, j int) bool {
		a, b := c.errs[i], c.errs[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	errs := make([]error, len(c.errs))
	for i, e := range c.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// envs are the CEL environments of each kind of rule.
type envs struct {
	base *cel.Env
	kind map[Kind]*cel.Env
}

func newEnvs() (*envs, error) {
	base, err := cel.NewEnv(
		ext.NativeTypes(reflect.TypeFor[Diff](), ext.ParseStructTags(true)),
		ext.Strings(),
		ext.Sets(),
		ext.Lists(),
		cel.Variable("params", cel.MapType(cel.StringType, cel.DynType)),
		cel.ParserRecursionLimit(recursionLimit),
		cel.ParserExpressionSizeLimit(exprSizeLimit),
	)
	if err != nil {
		return nil, fmt.Errorf("CEL environment: %w", err)
	}
	e := &envs{base: base, kind: make(map[Kind]*cel.Env)}
	for kind, v := range map[Kind]cel.EnvOption{
		ForFinding: cel.Variable("finding", cel.ObjectType("policy.Finding")),
		ForPackage: cel.Variable("pkg", cel.ObjectType("policy.Package")),
		ForDiff:    cel.Variable("diff", cel.ObjectType("policy.Diff")),
	} {
		if e.kind[kind], err = base.Extend(v); err != nil {
			return nil, fmt.Errorf("CEL environment: %w", err)
		}
	}
	return e, nil
}

// programOptions returns the options of a rule's programs. A diff rule is
// evaluated once over lists that may be long, so it has a cost limit and
// watches ctx inside comprehensions; finding and package rules are
// evaluated once per item, where that bookkeeping would cost more than the
// evaluation itself (Evaluate checks ctx between items instead).
func programOptions(kind Kind) []cel.ProgramOption {
	opts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize)}
	if kind == ForDiff {
		opts = append(opts, cel.CostLimit(costLimit), cel.InterruptCheckFrequency(1000))
	}
	return opts
}

// compileRule compiles a rule's expression and message; it returns nil
// after reporting errors.
func (c *compiler) compileRule(envs *envs, s ruleSpec) *rule {
	env := envs.kind[s.For]
	ast, iss := env.Compile(s.Expr)
	if iss.Err() != nil {
		c.celErrors(s, s.exprNode, "expr", s.Expr, 0, iss)
		if s.Message != "" && s.For != ForDiff {
			// Report the message's errors too; a diff rule's message
			// depends on the type of its expression.
			c.compileMessage(env, s)
		}
		return nil
	}
	r := &rule{Rule: s.Rule}
	out := ast.OutputType()
	msgEnv := env
	switch {
	case out.IsExactType(cel.BoolType) || out.Kind() == types.DynKind:
	case s.For == ForDiff && out.Kind() == types.ListKind:
		r.list = true
		var err error
		if msgEnv, err = env.Extend(cel.Variable("item", out.Parameters()[0])); err != nil {
			c.errorf(s.exprNode, s.label, "expr: %v", err)
			return nil
		}
	case s.For == ForDiff:
		c.errorf(c.at(s.exprNode, s.node), s.label, "expr: must be a bool or a list, not %s", out)
		return nil
	default:
		c.errorf(c.at(s.exprNode, s.node), s.label, "expr: must be a bool, not %s", out)
		return nil
	}
	if out.Kind() == types.DynKind && s.For == ForDiff {
		var err error
		if msgEnv, err = env.Extend(cel.Variable("item", cel.DynType)); err != nil {
			c.errorf(s.exprNode, s.label, "expr: %v", err)
			return nil
		}
	}
	prg, err := env.Program(ast, programOptions(s.For)...)
	if err != nil {
		c.errorf(c.at(s.exprNode, s.node), s.label, "expr: %v", err)
		return nil
	}
	r.prg = prg
	if s.Message != "" {
		if r.msg = c.compileMessage(msgEnv, s); r.msg == nil {
			return nil
		}
	}
	return r
}

func (c *compiler) compileMessage(env *cel.Env, s ruleSpec) *template {
	texts, holes, errOff, err := splitTemplate(s.Message)
	if err != nil {
		line, col := c.posIn(s.msgNode, s.node, errOff)
		c.errs = append(c.errs, &Error{File: c.path, Line: line, Column: col, Rule: s.label, Msg: err.Error()})
		return nil
	}
	t := &template{}
	ok := true
	for i, h := range holes {
		t.parts = append(t.parts, templatePart{text: texts[i]})
		ast, iss := env.Compile(h.expr)
		if iss.Err() != nil {
			c.celErrors(s, s.msgNode, "message", h.expr, h.start, iss)
			ok = false
			continue
		}
		prg, err := env.Program(ast, programOptions(s.For)...)
		if err != nil {
			line, col := c.posIn(s.msgNode, s.node, h.start)
			c.errs = append(c.errs, &Error{File: c.path, Line: line, Column: col, Rule: s.label, Msg: "message: " + err.Error()})
			ok = false
			continue
		}
		t.parts = append(t.parts, templatePart{prg: prg, src: h.expr})
	}
	t.parts = append(t.parts, templatePart{text: texts[len(texts)-1]})
	if !ok {
		return nil
	}
	return t
}

// celErrors reports the issues of an expression src that starts at rune
// offset base of node's value.
func (c *compiler) celErrors(s ruleSpec, node *yaml.Node, field, src string, base int, iss *cel.Issues) {
	errs := iss.Errors()
	for i, e := range errs {
		if i == maxIssues {
			c.errorf(c.at(node, s.node), s.label, "%s: %d more errors", field, len(errs)-maxIssues)
			break
		}
		off := base + celOffset(src, e.Location.Line(), e.Location.Column())
		line, col := c.posIn(node, s.node, off)
		c.errs = append(c.errs, &Error{File: c.path, Line: line, Column: col, Rule: s.label, Msg: field + ": " + e.Message})
	}
}

// at returns n, or fallback when n is nil (a preset's expression).
func (c *compiler) at(n, fallback *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return fallback
}

// posIn returns the file position of rune offset off in node's value, or
// the position of fallback when node is nil.
func (c *compiler) posIn(node, fallback *yaml.Node, off int) (int, int) {
	if node == nil {
		if fallback == nil {
			return 0, 0
		}
		return fallback.Line, fallback.Column
	}
	return newScalarMap(c.data, node).pos(off)
}

// celOffset converts a CEL location (1-based line, 0-based column in code
// points) to a code point offset in src.
func celOffset(src string, line, col int) int {
	off, l := 0, 1
	for _, r := range src {
		if l >= line {
			break
		}
		off++
		if r == '\n' {
			l++
		}
	}
	return off + max(col, 0)
}

// File format.

func topKeys() []string { return []string{"version", "rules", "presets", "params", "baseline"} }

func ruleKeys() []string {
	return []string{"name", "description", "action", "for", "expr", "message", "include_baseline"}
}

func wantKeys(keys []string) string {
	return strings.Join(keys[:len(keys)-1], ", ") + " or " + keys[len(keys)-1]
}

func (c *compiler) parseFile() *fileSpec {
	spec := &fileSpec{}
	dec := yaml.NewDecoder(bytes.NewReader(c.data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return spec
		}
		c.yamlError(err)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		c.errorf(&extra, "", "a policy file holds one YAML document; remove the %q separator and what follows", "---")
		return nil
	} else if !errors.Is(err, io.EOF) {
		c.yamlError(err)
		return nil
	}
	if len(doc.Content) == 0 {
		return spec
	}
	root := resolve(doc.Content[0])
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return spec
	}
	if root.Kind != yaml.MappingNode {
		c.errorf(root, "", "a policy is a mapping with the keys %s", wantKeys(topKeys()))
		return nil
	}
	c.mapping(root, "", topKeys(), func(key string, k, v *yaml.Node) {
		switch key {
		case "version":
			if v.Kind != yaml.ScalarNode || v.Tag != "!!int" {
				c.errorf(v, "", "version must be 1")
				return
			}
			if n, err := strconv.Atoi(v.Value); err != nil || n != 1 {
				c.errorf(v, "", "version %s is not supported (want 1): is the policy written for a newer patchline?", v.Value)
			}
		case "rules":
			c.parseRules(v, spec)
		case "presets":
			c.parsePresets(v, spec)
		case "params":
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				return
			}
			if v.Kind != yaml.MappingNode {
				c.errorf(v, "", "params must be a mapping of names to values")
				return
			}
			if err := v.Decode(&spec.params); err != nil {
				c.errorf(v, "", "params: %v", strings.TrimPrefix(err.Error(), "yaml: "))
			}
		case "baseline":
			spec.baseline, _ = c.scalar(v, "", "baseline")
		}
	})
	return spec
}

// mapping walks the keys of m, reporting unknown and repeated keys.
func (c *compiler) mapping(m *yaml.Node, rule string, known []string, f func(key string, k, v *yaml.Node)) {
	first := make(map[string]int)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], resolve(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			c.errorf(k, rule, "keys must be names, one of %s", wantKeys(known))
			continue
		}
		if l, ok := first[k.Value]; ok {
			c.errorf(k, rule, "key %q given twice (first at line %d)", k.Value, l)
			continue
		}
		first[k.Value] = k.Line
		if !contains(known, k.Value) {
			c.errorf(k, rule, "unknown key %q (want %s)", k.Value, wantKeys(known))
			continue
		}
		f(k.Value, k, v)
	}
}

func (c *compiler) parseRules(v *yaml.Node, spec *fileSpec) {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return
	}
	if v.Kind != yaml.SequenceNode {
		c.errorf(v, "", "rules must be a list of rules")
		return
	}
	for i, item := range v.Content {
		item = resolve(item)
		label := "#" + strconv.Itoa(i+1)
		if item.Kind != yaml.MappingNode {
			c.errorf(item, label, "a rule is a mapping with the keys %s", wantKeys(ruleKeys()))
			continue
		}
		s := ruleSpec{label: label, node: item, Rule: Rule{For: ForFinding, Line: item.Line, Column: item.Column}}
		// The name first, so that every other error can name the rule.
		hasName := false
		for j := 0; j+1 < len(item.Content); j += 2 {
			if item.Content[j].Value != "name" {
				continue
			}
			hasName = true
			v := resolve(item.Content[j+1])
			if name, ok := c.scalar(v, label, "name"); ok {
				if err := checkName(name); err != nil {
					c.errorf(v, label, "%v", err)
				} else {
					s.Name, s.label = name, name
				}
			}
			break
		}
		bad := len(c.errs)
		var baseNode *yaml.Node
		c.mapping(item, s.label, ruleKeys(), func(key string, k, v *yaml.Node) {
			switch key {
			case "description":
				s.Description, _ = c.scalar(v, s.label, key)
			case "action":
				s.actionNode = v
				if a, ok := c.scalar(v, s.label, key); ok {
					if s.Action = parseAction(a); s.Action == "" {
						c.errorf(v, s.label, "action %q is not fail or warn", a)
					}
				}
			case "for":
				if f, ok := c.scalar(v, s.label, key); ok {
					switch Kind(f) {
					case ForFinding, ForPackage, ForDiff:
						s.For = Kind(f)
					default:
						c.errorf(v, s.label, "for %q is not finding, package or diff", f)
					}
				}
			case "expr":
				s.exprNode = v
				var ok bool
				if s.Expr, ok = c.scalar(v, s.label, key); ok && strings.TrimSpace(s.Expr) == "" {
					c.errorf(v, s.label, "expr is empty")
				}
			case "message":
				s.msgNode = v
				s.Message, _ = c.scalar(v, s.label, key)
			case "include_baseline":
				if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
					c.errorf(v, s.label, "include_baseline must be true or false")
					return
				}
				baseNode = v
				s.IncludeBaseline = strings.EqualFold(v.Value, "true")
			}
		})
		if !hasName {
			c.errorf(item, s.label, "no name: give the rule a name")
		}
		if s.actionNode == nil {
			c.errorf(item, s.label, "no action: say fail or warn")
		}
		if s.exprNode == nil {
			c.errorf(item, s.label, "no expr: give the CEL expression the rule matches")
		}
		if baseNode != nil && s.For != ForFinding {
			c.errorf(baseNode, s.label, "include_baseline applies to finding rules only, not to for: %s", s.For)
		}
		if len(c.errs) > bad || !hasName || s.Name == "" {
			continue
		}
		spec.rules = append(spec.rules, s)
	}
}

func (c *compiler) parsePresets(v *yaml.Node, spec *fileSpec) {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return
	}
	if v.Kind != yaml.SequenceNode {
		c.errorf(v, "", "presets must be a list of preset names")
		return
	}
	for _, item := range v.Content {
		item = resolve(item)
		s := ruleSpec{node: item, Rule: Rule{Line: item.Line, Column: item.Column}}
		switch item.Kind {
		case yaml.ScalarNode:
			s.Preset, _ = c.scalar(item, "", "presets")
		case yaml.MappingNode:
			c.mapping(item, "", []string{"name", "action"}, func(key string, k, v *yaml.Node) {
				val, ok := c.scalar(v, "", "presets: "+key)
				if !ok {
					return
				}
				switch key {
				case "name":
					s.Preset = val
				case "action":
					if s.Action = parseAction(val); s.Action == "" {
						c.errorf(v, "", "presets: action %q is not fail or warn", val)
					}
				}
			})
			if s.Preset == "" {
				c.errorf(item, "", "presets: an entry needs a name")
				continue
			}
		default:
			c.errorf(item, "", "presets: an entry is a preset name, or a mapping with name and action")
			continue
		}
		if s.Preset != "" {
			spec.presets = append(spec.presets, s)
		}
	}
}

// scalar returns the value of a scalar node, reporting other nodes.
func (c *compiler) scalar(v *yaml.Node, rule, key string) (string, bool) {
	if v.Kind == yaml.MappingNode && v.Style == yaml.FlowStyle {
		c.errorf(v, rule, "%s must be a string: %s", key, quoteHint)
		return "", false
	}
	if v.Kind != yaml.ScalarNode {
		c.errorf(v, rule, "%s must be a string", key)
		return "", false
	}
	if v.Tag == "!!null" {
		c.errorf(v, rule, "%s has no value", key)
		return "", false
	}
	return v.Value, true
}

const quoteHint = `quote a value that starts with "{{", or YAML reads it as a mapping`

// yamlError reports an error of the YAML parser, with its line. An
// unquoted value starting with "{{" (a message) is the likeliest cause of
// a syntax error in a policy, and the YAML parser's line for it is that of
// the enclosing mapping, so it is looked for first.
func (c *compiler) yamlError(err error) {
	for i, line := range strings.Split(string(c.data), "\n") {
		rest := strings.TrimLeft(line, " -")
		key, val, ok := strings.Cut(rest, ":")
		if !ok || strings.ContainsAny(key, " \t\"'{[#") {
			continue
		}
		if v := strings.TrimLeft(val, " \t"); strings.HasPrefix(v, "{{") && len(v) < len(val) {
			col := len([]rune(line)) - len([]rune(v)) + 1
			c.errs = append(c.errs, &Error{File: c.path, Line: i + 1, Column: col, Msg: key + ": " + quoteHint})
			return
		}
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{File: c.path, Msg: msg}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				e.Line, e.Msg = n, text
			}
		}
	}
	if strings.Contains(e.Msg, "mapping values are not allowed") {
		e.Msg += ` (quote an expression that holds ": ")`
	}
	c.errs = append(c.errs, e)
}

func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; i < 8 && n.Kind == yaml.AliasNode && n.Alias != nil; i++ {
		n = n.Alias
	}
	return n
}

func parseAction(s string) Action {
	switch Action(s) {
	case Fail, Warn:
		return Action(s)
	}
	return ""
}

func checkName(name string) error {
	if name == "" {
		return errors.New("name is empty")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("name %q may hold only letters, digits, '-', '_' and '.'", name)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
