package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/patchline/patchline/internal/ecosystem"
	"github.com/patchline/patchline/internal/result"
)

// Baseline is the set of vulnerabilities an earlier scan reported, so that
// a policy can gate on new ones only.
//
// A finding is "in the baseline" when the baseline has a finding (reported
// or suppressed) for the same ecosystem and package name (normalised by the
// ecosystem's rules) whose ids (id and aliases) share at least one id with
// it. The version, the lockfile path and the line are ignored on purpose:
// bumping a package to another version that is still vulnerable, or moving
// a lockfile, does not make a vulnerability new; a new advisory for the
// same package, or the same advisory in another package, does.
type Baseline struct {
	ids map[baseKey]struct{}
}

type baseKey struct{ ecosystem, name, id string }

// NewBaseline returns the baseline of an earlier result.
func NewBaseline(r *result.Result) *Baseline {
	b := &Baseline{ids: make(map[baseKey]struct{})}
	for _, list := range [][]result.Finding{r.Findings, r.Suppressed} {
		for i := range list {
			f := &list[i]
			eco, name := baseName(f.Ecosystem, f.Package)
			for _, id := range append([]string{f.ID}, f.Aliases...) {
				b.ids[baseKey{eco, name, id}] = struct{}{}
			}
		}
	}
	return b
}

// LoadBaseline reads the baseline from a patchline JSON result (as written
// by `patchline scan --format json`).
func LoadBaseline(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	r, err := decodeResult(path, data)
	if err != nil {
		return nil, err
	}
	return NewBaseline(r), nil
}

// decodeResult decodes a JSON result of schema version 1.
func decodeResult(path string, data []byte) (*result.Result, error) {
	var r result.Result
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("baseline %s: not a patchline JSON result: %w", path, err)
	}
	major, _, _ := strings.Cut(r.SchemaVersion, ".")
	if major != "1" {
		return nil, fmt.Errorf("baseline %s: schema_version %q is not supported (want 1.x): is it a patchline JSON result?", path, r.SchemaVersion)
	}
	return &r, nil
}

// IsNew reports whether f is not in the baseline. A nil Baseline has
// nothing: every finding is new.
func (b *Baseline) IsNew(f result.Finding) bool {
	if b == nil {
		return true
	}
	eco, name := baseName(f.Ecosystem, f.Package)
	if _, ok := b.ids[baseKey{eco, name, f.ID}]; ok {
		return false
	}
	for _, id := range f.Aliases {
		if _, ok := b.ids[baseKey{eco, name, id}]; ok {
			return false
		}
	}
	return true
}

// Len returns the number of distinct (package, id) pairs in the baseline.
func (b *Baseline) Len() int {
	if b == nil {
		return 0
	}
	return len(b.ids)
}

// baseName returns the ecosystem and the normalised package name that
// baseline entries are keyed by.
func baseName(eco, name string) (string, string) {
	return eco, ecosystem.NormalizeName(eco, name)
}
