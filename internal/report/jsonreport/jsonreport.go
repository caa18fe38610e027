// Package jsonreport writes a scan as patchline's versioned JSON document
// (see docs/json.md): the contract that CI systems and other tools read.
package jsonreport

import (
	"encoding/json"
	"io"
	"sort"

	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/result"
)

// Handler writes the JSON document when the scan finishes.
type Handler struct {
	report.Collector
	w io.Writer
}

// New returns a handler writing to w.
func New(w io.Writer) *Handler { return &Handler{w: w} }

// Finish writes the document, indented for people and diffs. Findings come
// by priority, highest first (report.Before).
func (h *Handler) Finish() error {
	for _, fs := range [][]result.Finding{h.Result.Findings, h.Result.Suppressed} {
		sort.SliceStable(fs, func(i, j int) bool { return report.Before(&fs[i], &fs[j]) })
	}
	enc := json.NewEncoder(h.w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(&h.Result)
}
