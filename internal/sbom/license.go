package sbom

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// spdxLicenseIDs is the SPDX licence list as CycloneDX publishes it: the
// JSON schema that its license.id must match (see SOURCES.md).
//
//go:embed spdx.schema.json
var spdxLicenseIDs []byte

// licenseList maps the lower-case form of each SPDX licence id to its
// canonical spelling (ids are matched without regard to case).
type licenseList map[string]string

func loadLicenseList() (licenseList, error) {
	var s struct {
		Enum []string `json:"enum"`
	}
	if err := json.Unmarshal(spdxLicenseIDs, &s); err != nil {
		return nil, fmt.Errorf("read the embedded SPDX licence list: %w", err)
	}
	l := make(licenseList, len(s.Enum))
	for _, id := range s.Enum {
		l[strings.ToLower(id)] = id
	}
	return l, nil
}

// license is one licence entry of a package as the lockfile gives it.
type license struct {
	raw string
	// id is the canonical SPDX licence id when raw is exactly one.
	id string
	// expr is raw as a canonical SPDX licence expression, when it is one
	// with known ids (or LicenseRef-s); equal to id for a single id.
	expr string
}

// compound reports whether the licence is an expression of several terms.
func (l license) compound() bool { return l.expr != "" && l.id == "" }

// licensesOf reads a package's licence entries, without repeats.
func (ll licenseList) licensesOf(raws []string) []license {
	var out []license
	seen := map[string]bool{}
	for _, raw := range raws {
		raw = strings.TrimSpace(raw)
		if raw == "" || seen[raw] {
			continue
		}
		seen[raw] = true
		l := license{raw: raw}
		if id, ok := ll[strings.ToLower(raw)]; ok {
			l.id, l.expr = id, id
		} else if e, ok := ll.expression(raw); ok {
			l.expr = e
		}
		out = append(out, l)
	}
	return out
}

// expression parses s as an SPDX licence expression (SPDX 2.3 annex D) and
// returns it in canonical form: ids spelled as the licence list does,
// operators in upper case, single spaces. It fails on a syntax error or a
// licence id the list does not know. The id after WITH is checked for
// syntax only (the list holds no exception ids).
func (ll licenseList) expression(s string) (string, bool) {
	p := exprParser{ll: ll, toks: tokenize(s)}
	if len(p.toks) == 0 || !p.or() || p.i != len(p.toks) {
		return "", false
	}
	return strings.NewReplacer("( ", "(", " )", ")").Replace(strings.Join(p.out, " ")), true
}

func tokenize(s string) []string {
	var toks []string
	for _, f := range strings.Fields(s) {
		for f != "" {
			i := strings.IndexAny(f, "()")
			switch {
			case i < 0:
				toks, f = append(toks, f), ""
			case i == 0:
				toks, f = append(toks, f[:1]), f[1:]
			default:
				toks, f = append(toks, f[:i]), f[i:]
			}
		}
	}
	return toks
}

type exprParser struct {
	ll   licenseList
	toks []string
	i    int
	out  []string
}

func (p *exprParser) peekOp(op string) bool {
	return p.i < len(p.toks) && strings.EqualFold(p.toks[p.i], op)
}

// or: and ("OR" and)*
func (p *exprParser) or() bool {
	if !p.and() {
		return false
	}
	for p.peekOp("OR") {
		p.i++
		p.out = append(p.out, "OR")
		if !p.and() {
			return false
		}
	}
	return true
}

// and: with ("AND" with)*
func (p *exprParser) and() bool {
	if !p.with() {
		return false
	}
	for p.peekOp("AND") {
		p.i++
		p.out = append(p.out, "AND")
		if !p.with() {
			return false
		}
	}
	return true
}

// with: atom ["WITH" exception-id]
func (p *exprParser) with() bool {
	if !p.atom() {
		return false
	}
	if p.peekOp("WITH") {
		p.i++
		if p.i == len(p.toks) || !isIDString(p.toks[p.i]) || isOperator(p.toks[p.i]) {
			return false
		}
		p.out = append(p.out, "WITH", p.toks[p.i])
		p.i++
	}
	return true
}

// atom: "(" or ")" | licence-id["+"] | LicenseRef | DocumentRef:LicenseRef
func (p *exprParser) atom() bool {
	if p.i == len(p.toks) {
		return false
	}
	t := p.toks[p.i]
	p.i++
	if t == "(" {
		p.out = append(p.out, "(")
		if !p.or() || p.i == len(p.toks) || p.toks[p.i] != ")" {
			return false
		}
		p.i++
		p.out = append(p.out, ")")
		return true
	}
	if id, ok := p.ll.licenseTerm(t); ok {
		p.out = append(p.out, id)
		return true
	}
	return false
}

// licenseTerm returns t as a canonical licence reference: a known id,
// optionally followed by "+", or a user-defined LicenseRef.
func (ll licenseList) licenseTerm(t string) (string, bool) {
	if isOperator(t) {
		return "", false
	}
	if id, ok := ll[strings.ToLower(t)]; ok {
		return id, true
	}
	if base, ok := strings.CutSuffix(t, "+"); ok {
		if id, ok := ll[strings.ToLower(base)]; ok {
			return id + "+", true
		}
	}
	ref := t
	if doc, rest, ok := strings.Cut(t, ":"); ok {
		d, found := strings.CutPrefix(doc, "DocumentRef-")
		if !found || !isIDString(d) {
			return "", false
		}
		ref = rest
	}
	if r, ok := strings.CutPrefix(ref, "LicenseRef-"); ok && isIDString(r) {
		return t, true
	}
	return "", false
}

func isOperator(t string) bool {
	return strings.EqualFold(t, "AND") || strings.EqualFold(t, "OR") || strings.EqualFold(t, "WITH")
}

// isIDString reports whether s is made of the characters SPDX allows in
// ids: letters, digits, '.' and '-'.
func isIDString(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !isIDChar(r) {
			return false
		}
	}
	return true
}

func isIDChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-'
}

// sanitizeID replaces every character SPDX does not allow in ids by '-'.
func sanitizeID(s string) string {
	return strings.Map(func(r rune) rune {
		if isIDChar(r) {
			return r
		}
		return '-'
	}, s)
}
