package policy

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// A message is text with CEL expressions between {{ and }}; each expression
// is compiled with the rule, and its value is written in place (strings as
// they are, lists as their elements joined by ", ").

// template is a compiled message.
type template struct {
	parts []templatePart
}

type templatePart struct {
	text string      // literal text, when prg is nil
	prg  cel.Program // a placeholder
	src  string      // the placeholder's expression, for errors
}

// placeholder is one {{ expr }} of a message.
type placeholder struct {
	expr  string
	start int // rune offset of expr in the message
}

// splitTemplate splits a message into literal text and placeholders. It
// returns the rune offset of an unterminated "{{" as an error position.
func splitTemplate(msg string) (texts []string, holes []placeholder, errOff int, err error) {
	rest, base := msg, 0 // base: rune offset of rest in msg
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			texts = append(texts, rest)
			return texts, holes, 0, nil
		}
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			return nil, nil, base + runeLen(rest[:i]), fmt.Errorf("message: %q has no closing %q", "{{", "}}")
		}
		texts = append(texts, rest[:i])
		expr := rest[i+2 : i+2+j]
		holes = append(holes, placeholder{expr: expr, start: base + runeLen(rest[:i+2])})
		base += runeLen(rest[:i+2+j+2])
		rest = rest[i+2+j+2:]
	}
}

func runeLen(s string) int { return len([]rune(s)) }

// render evaluates the placeholders on vars and writes the message.
func (t *template) render(ctx context.Context, kind Kind, vars *activation) (string, error) {
	var b strings.Builder
	for _, p := range t.parts {
		if p.prg == nil {
			b.WriteString(p.text)
			continue
		}
		out, _, err := evalProgram(ctx, kind, p.prg, vars)
		if err != nil {
			return "", fmt.Errorf("message: {{%s}}: %w", p.src, err)
		}
		s, err := formatValue(out)
		if err != nil {
			return "", fmt.Errorf("message: {{%s}}: %w", p.src, err)
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// formatValue writes a CEL value for a message.
func formatValue(v ref.Val) (string, error) {
	switch v := v.(type) {
	case types.String:
		return string(v), nil
	case types.Int:
		return strconv.FormatInt(int64(v), 10), nil
	case types.Uint:
		return strconv.FormatUint(uint64(v), 10), nil
	case types.Double:
		return strconv.FormatFloat(float64(v), 'f', -1, 64), nil
	case types.Bool:
		return strconv.FormatBool(bool(v)), nil
	case types.Null:
		return "null", nil
	case *types.Err:
		return "", v
	}
	if l, ok := v.(traits.Lister); ok {
		var parts []string
		for it := l.Iterator(); it.HasNext() == types.True; {
			s, err := formatValue(it.Next())
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ", "), nil
	}
	if m, ok := v.(traits.Mapper); ok {
		var parts []string
		for it := m.Iterator(); it.HasNext() == types.True; {
			k := it.Next()
			ks, err := formatValue(k)
			if err != nil {
				return "", err
			}
			vs, err := formatValue(m.Get(k))
			if err != nil {
				return "", err
			}
			parts = append(parts, ks+": "+vs)
		}
		sort.Strings(parts) // map order is not defined
		return "{" + strings.Join(parts, ", ") + "}", nil
	}
	switch x := v.Value().(type) {
	case Package:
		return x.Name + "@" + x.Version, nil
	case *Package:
		return x.Name + "@" + x.Version, nil
	case Finding:
		return x.ID, nil
	case *Finding:
		return x.ID, nil
	case Change:
		return x.Package.Name + " " + x.From + " -> " + x.To, nil
	case *Change:
		return x.Package.Name + " " + x.From + " -> " + x.To, nil
	}
	return fmt.Sprint(v.Value()), nil
}
