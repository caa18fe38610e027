package gemfilelock

import (
	"regexp"
	"slices"
	"strings"

	"github.com/patchline/patchline/internal/inventory"
)

// group is a Bundler group a gem is declared in.
type group struct {
	name     string
	optional bool
}

// gemfile is what the Gemfile says about groups.
type gemfile struct {
	// groups holds the groups of every gem the Gemfile declares, over all
	// its declarations; "default" for a declaration outside any group.
	groups map[string][]group
	// gemspec is true when the Gemfile has a "gemspec" line, whose
	// development dependencies Bundler adds to the development group.
	gemspec bool
}

// scope returns the scope of a gem the Gemfile declares: dev when every
// group is development or test, optional when the others are all optional
// groups, prod otherwise. ok is false when the Gemfile does not declare it.
func (g *gemfile) scope(name string) (scope inventory.Scope, ok bool) {
	groups, ok := g.groups[name]
	if !ok {
		return inventory.ScopeUnknown, false
	}
	scope = inventory.ScopeDev
	for _, gr := range groups {
		switch {
		case gr.name == "development" || gr.name == "test":
		case gr.optional:
			scope = inventory.ScopeOptional
		default:
			return inventory.ScopeProd, true
		}
	}
	return scope, true
}

var (
	// gemRE matches a gem declaration and its name.
	gemRE = regexp.MustCompile(`^gem[\s(]+["']([^"']+)["']`)
	// groupOptRE matches the group options of a gem declaration:
	// "group: :test", "groups: [:a, :b]", ":group => :test",
	// "group: %i[a b]".
	groupOptRE = regexp.MustCompile(`(?:\bgroups?:|:groups?\s*=>)\s*(\[[^\]]*\]|%[iwIW]\[[^\]]*\]|%[iwIW]\([^)]*\)|:\w+|"[^"]*"|'[^']*')`)
	// optionalRE matches "optional: true" in a group line.
	optionalRE = regexp.MustCompile(`(?:\boptional:|:optional\s*=>)\s*true\b`)
	// wordRE matches the names in a group list: symbols, quoted strings
	// and the words of %i[] and %w[] lists.
	wordRE = regexp.MustCompile(`:?["']?(\w+)["']?`)
	// doRE matches a line that opens a do ... end block.
	doRE = regexp.MustCompile(`\bdo(?:\s*\|[^|]*\|)?$`)
	// keywordRE matches statements closed by "end".
	keywordRE = regexp.MustCompile(`^(?:if|unless|case|while|until|begin|def|class|module)\b`)
	// endRE matches a line that closes a block.
	endRE = regexp.MustCompile(`^end\b`)
)

// parseGemfile reads the groups of a Gemfile. A Gemfile is Ruby; this reads
// the common forms line by line and does not run anything:
//
//   - gem "name", ... with group:/groups: options (symbols, strings,
//     arrays of them, %i[] lists, and the ":group =>" spelling);
//   - group :a, :b do ... end blocks, also nested and with "optional:
//     true";
//   - other do ... end blocks (platforms, source, git, path, install_if)
//     and if/unless/case statements, which add no group;
//   - gemspec.
//
// Calls spread over lines (a trailing "," or "\") are joined. Gems it cannot
// see (declared by eval_gemfile or computed names) get an unknown scope.
func parseGemfile(data []byte) *gemfile {
	gf := &gemfile{groups: map[string][]group{}}
	var stack [][]group // groups of the enclosing blocks, one entry per block
	var pending string
	for raw := range strings.Lines(string(data)) {
		line := strings.TrimSpace(stripComment(raw))
		if pending != "" {
			line = pending + " " + line
			pending = ""
		}
		if strings.HasSuffix(line, ",") || strings.HasSuffix(line, `\`) || strings.Count(line, "(") > strings.Count(line, ")") ||
			strings.Count(line, "[") > strings.Count(line, "]") {
			pending = strings.TrimSuffix(line, `\`)
			continue
		}
		switch {
		case line == "":
		case endRE.MatchString(line):
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case gemRE.MatchString(line):
			name := gemRE.FindStringSubmatch(line)[1]
			var groups []group
			for _, b := range stack {
				groups = append(groups, b...)
			}
			if m := groupOptRE.FindStringSubmatch(line); m != nil {
				for _, w := range words(m[1]) {
					groups = append(groups, group{name: w})
				}
			}
			if len(groups) == 0 {
				groups = []group{{name: "default"}}
			}
			for _, g := range groups {
				if !slices.Contains(gf.groups[name], g) {
					gf.groups[name] = append(gf.groups[name], g)
				}
			}
			if doRE.MatchString(line) {
				stack = append(stack, nil)
			}
		case strings.HasPrefix(line, "group") && doRE.MatchString(line) &&
			(len(line) == len("group") || line[len("group")] == ' ' || line[len("group")] == '('):
			args := doRE.ReplaceAllString(line[len("group"):], "")
			optional := optionalRE.MatchString(args)
			args = optionalRE.ReplaceAllString(args, "")
			var groups []group
			for _, w := range words(args) {
				groups = append(groups, group{name: w, optional: optional})
			}
			stack = append(stack, groups)
		case line == "gemspec" || strings.HasPrefix(line, "gemspec ") || strings.HasPrefix(line, "gemspec("):
			gf.gemspec = true
		case doRE.MatchString(line) || keywordRE.MatchString(line):
			stack = append(stack, nil)
		}
	}
	return gf
}

// words returns the names in a group list.
func words(s string) []string {
	s = strings.NewReplacer("%i[", "[", "%w[", "[", "%I[", "[", "%W[", "[", "%i(", "[", "%w(", "[").Replace(s)
	var out []string
	for _, m := range wordRE.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// stripComment removes a "#" comment that is not inside a string literal.
func stripComment(line string) string {
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0 && c == '\\':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
		case c == '"' || c == '\'':
			quote = c
		case c == '#':
			return line[:i]
		}
	}
	return line
}
