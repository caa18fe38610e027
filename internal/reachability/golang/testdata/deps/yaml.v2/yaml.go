// Package yaml is a hand-made stand-in for gopkg.in/yaml.v2: it has the
// names that advisory GO-2021-0061 lists (Unmarshal, UnmarshalStrict,
// Decoder.Decode, decoder.unmarshal) and a harmless Marshal, so that
// reachability tests can use a third-party module without the network.
package yaml

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

type decoder struct {
	strict bool
}

func newDecoder(strict bool) *decoder {
	return &decoder{strict: strict}
}

// unmarshal is the function the advisory names as vulnerable.
func (d *decoder) unmarshal(in []byte, out interface{}) error {
	m, ok := out.(*map[string]string)
	if !ok {
		return errors.New("yaml: only *map[string]string is supported")
	}
	if *m == nil {
		*m = map[string]string{}
	}
	for _, line := range strings.Split(string(in), "\n") {
		k, v, found := strings.Cut(line, ":")
		if !found {
			if d.strict && strings.TrimSpace(line) != "" {
				return fmt.Errorf("yaml: line %q has no colon", line)
			}
			continue
		}
		(*m)[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return nil
}

// Unmarshal decodes in into out.
func Unmarshal(in []byte, out interface{}) error {
	return newDecoder(false).unmarshal(in, out)
}

// UnmarshalStrict is like Unmarshal but rejects lines without a colon.
func UnmarshalStrict(in []byte, out interface{}) error {
	return newDecoder(true).unmarshal(in, out)
}

// Decoder reads documents from a stream.
type Decoder struct {
	r io.Reader
}

// NewDecoder returns a Decoder reading from r.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{r: r}
}

// Decode reads the whole stream and decodes it into v.
func (dec *Decoder) Decode(v interface{}) error {
	b, err := io.ReadAll(dec.r)
	if err != nil {
		return err
	}
	return newDecoder(false).unmarshal(b, v)
}

// Marshal encodes a map as "key: value" lines.
func Marshal(in interface{}) ([]byte, error) {
	m, ok := in.(map[string]string)
	if !ok {
		return nil, errors.New("yaml: only map[string]string is supported")
	}
	var b strings.Builder
	for k, v := range m {
		fmt.Fprintf(&b, "%s: %s\n", k, v)
	}
	return []byte(b.String()), nil
}
