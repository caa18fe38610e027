// Package jsonreport writes a scan as patchline's versioned JSON document
// (see docs/json.md): the contract that CI systems and other tools read.
package jsonreport

import (
	"encoding/json"
	"io"

	"github.com/patchline/patchline/internal/report"
)

// Handler writes the JSON document when the scan finishes.
type Handler struct {
	report.Collector
	w io.Writer
}

// New returns a handler writing to w.
func New(w io.Writer) *Handler { return &Handler{w: w} }

// Finish writes the document, indented for people and diffs.
func (h *Handler) Finish() error {
	enc := json.NewEncoder(h.w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(&h.Result)
}
