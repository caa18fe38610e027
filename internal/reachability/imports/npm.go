package imports

import (
	"path"
	"strings"
)

// specKind says what a JavaScript module specifier refers to.
type specKind uint8

const (
	specPackage    specKind = iota // a package in node_modules
	specFirstParty                 // a relative or absolute path, a # subpath import, a path alias
	specBuiltin                    // a Node.js built-in module
	specURL                        // http:, https:, data:, file: and other URLs
)

// nodeBuiltins are the Node.js built-in modules that can be imported
// without the node: prefix.
var nodeBuiltins = map[string]bool{
	"assert": true, "async_hooks": true, "buffer": true, "child_process": true, "cluster": true,
	"console": true, "constants": true, "crypto": true, "dgram": true, "diagnostics_channel": true,
	"dns": true, "domain": true, "events": true, "fs": true, "http": true, "http2": true,
	"https": true, "inspector": true, "module": true, "net": true, "os": true, "path": true,
	"perf_hooks": true, "process": true, "punycode": true, "querystring": true, "readline": true,
	"repl": true, "stream": true, "string_decoder": true, "sys": true, "timers": true,
	"tls": true, "trace_events": true, "tty": true, "url": true, "util": true, "v8": true,
	"vm": true, "wasi": true, "worker_threads": true, "zlib": true,
}

// npmSpecifier splits a module specifier into the package it names and the
// subpath inside it: "lodash/fp" is lodash and "fp", "@scope/pkg/sub" is
// @scope/pkg and "sub". Loader prefixes ("style-loader!./x.css") and
// query strings ("pkg?raw") are dropped.
//
// A bare name that is also a Node.js built-in ("events", "punycode") is a
// built-in, unless shadowed names that the project declares as direct
// dependencies (browser code uses npm's "events" and "buffer") says it
// is the package.
func npmSpecifier(spec string, shadowed map[string]bool) (name, subpath string, kind specKind) {
	if i := strings.LastIndexByte(spec, '!'); i >= 0 {
		spec = spec[i+1:]
	}
	if i := strings.IndexAny(spec, "?#"); i > 0 {
		spec = spec[:i]
	}
	switch {
	case spec == "" || spec == "." || spec == ".." || strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../") ||
		strings.HasPrefix(spec, "/") || strings.HasPrefix(spec, "#") || strings.HasPrefix(spec, "~/") ||
		strings.HasPrefix(spec, "@/") || strings.HasPrefix(spec, "\\") || len(spec) > 2 && spec[1] == ':' && (spec[2] == '\\' || spec[2] == '/'):
		return "", "", specFirstParty
	case strings.HasPrefix(spec, "node:"):
		return "", "", specBuiltin
	}
	if i := strings.Index(spec, ":"); i > 0 && !strings.Contains(spec[:i], "/") {
		return "", "", specURL // http:, https:, data:, file:, bun:, virtual:…
	}
	parts := strings.SplitN(spec, "/", 3)
	if strings.HasPrefix(spec, "@") {
		if len(parts) < 2 || len(parts[0]) < 2 || parts[1] == "" {
			return "", "", specFirstParty // an alias such as "@" or "@x"
		}
		name = parts[0] + "/" + parts[1]
		if len(parts) == 3 {
			subpath = parts[2]
		}
		return name, subpath, specPackage
	}
	name = parts[0]
	if len(parts) > 1 {
		subpath = strings.Join(parts[1:], "/")
	}
	if nodeBuiltins[name] && !shadowed[name] {
		return "", "", specBuiltin
	}
	return name, subpath, specPackage
}

// npmModuleKey normalises a subpath of a package for comparison: no
// extension, no trailing /index, no leading ./ or the package's name.
func npmModuleKey(pkg, m string) string {
	m = strings.TrimPrefix(m, "./")
	if rest, ok := strings.CutPrefix(m, pkg+"/"); ok {
		m = rest
	} else if m == pkg {
		m = ""
	}
	for _, ext := range []string{".js", ".cjs", ".mjs", ".ts", ".json"} {
		m = strings.TrimSuffix(m, ext)
	}
	m = strings.TrimSuffix(m, "/index")
	if m == "index" {
		m = ""
	}
	return strings.Trim(m, "/")
}

// npmScriptWords returns the words of package.json scripts that could name
// a command: split at white space and shell operators.
func npmScriptWords(scripts map[string]string) map[string]bool {
	words := map[string]bool{}
	for _, s := range scripts {
		for _, w := range strings.FieldsFunc(s, func(r rune) bool {
			return r == ' ' || r == '\t' || r == '\n' || r == '&' || r == '|' || r == ';' || r == '(' || r == ')' || r == '"' || r == '\'' || r == '`'
		}) {
			words[w] = true
			words[path.Base(w)] = true // ./node_modules/.bin/x
		}
	}
	return words
}
