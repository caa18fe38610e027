// Package report turns the message stream of a scan into reports. A
// [Handler] receives the messages in order; each output format is a handler
// in a subpackage (table, jsonreport, sarif, markdown), and all of them
// render from the same [result.Result] that [Collector] assembles, so the
// versioned JSON can be re-rendered into any other format with [Replay].
package report

import (
	"github.com/patchline/patchline/internal/result"
)

// Start is the first message of a scan.
type Start struct {
	Tool     result.Tool
	Database []result.Database
}

// Handler consumes the messages of one scan. The scanner calls Start once,
// then the other methods in any mix, then Finish once; a handler returning an
// error stops the scan.
type Handler interface {
	Start(*Start) error
	Source(*result.Source) error
	Package(*result.Package) error
	Finding(*result.Finding) error
	Suppressed(*result.Finding) error
	FileError(*result.FileError) error
	Warning(*result.Warning) error
	Violation(*result.Violation) error
	Finish() error
}

// Collector assembles the messages into a [result.Result]. Report formats
// embed it and render the result in Finish.
type Collector struct {
	Result result.Result
}

// Start implements [Handler].
func (c *Collector) Start(s *Start) error {
	c.Result = result.Result{
		SchemaVersion: result.SchemaVersion,
		Tool:          s.Tool,
		Database:      s.Database,
		Sources:       []result.Source{},
		Packages:      []result.Package{},
		Findings:      []result.Finding{},
		Suppressed:    []result.Finding{},
		Errors:        []result.FileError{},
		Warnings:      []result.Warning{},
	}
	if c.Result.Database == nil {
		c.Result.Database = []result.Database{}
	}
	return nil
}

// Source implements [Handler].
func (c *Collector) Source(s *result.Source) error {
	c.Result.Sources = append(c.Result.Sources, *s)
	return nil
}

// Package implements [Handler].
func (c *Collector) Package(p *result.Package) error {
	c.Result.Packages = append(c.Result.Packages, *p)
	return nil
}

// Finding implements [Handler].
func (c *Collector) Finding(f *result.Finding) error {
	c.Result.Findings = append(c.Result.Findings, *f)
	return nil
}

// Suppressed implements [Handler].
func (c *Collector) Suppressed(f *result.Finding) error {
	c.Result.Suppressed = append(c.Result.Suppressed, *f)
	return nil
}

// FileError implements [Handler].
func (c *Collector) FileError(e *result.FileError) error {
	c.Result.Errors = append(c.Result.Errors, *e)
	return nil
}

// Warning implements [Handler].
func (c *Collector) Warning(w *result.Warning) error {
	c.Result.Warnings = append(c.Result.Warnings, *w)
	return nil
}

// Violation implements [Handler].
func (c *Collector) Violation(v *result.Violation) error {
	c.Result.Violations = append(c.Result.Violations, *v)
	return nil
}

// Finish implements [Handler]; a Collector has nothing to flush.
func (c *Collector) Finish() error { return nil }

// Replay sends a finished result to h as the messages that built it.
func Replay(r *result.Result, h Handler) error {
	if err := h.Start(&Start{Tool: r.Tool, Database: r.Database}); err != nil {
		return err
	}
	for i := range r.Sources {
		if err := h.Source(&r.Sources[i]); err != nil {
			return err
		}
	}
	for i := range r.Packages {
		if err := h.Package(&r.Packages[i]); err != nil {
			return err
		}
	}
	for i := range r.Findings {
		if err := h.Finding(&r.Findings[i]); err != nil {
			return err
		}
	}
	for i := range r.Suppressed {
		if err := h.Suppressed(&r.Suppressed[i]); err != nil {
			return err
		}
	}
	for i := range r.Errors {
		if err := h.FileError(&r.Errors[i]); err != nil {
			return err
		}
	}
	for i := range r.Warnings {
		if err := h.Warning(&r.Warnings[i]); err != nil {
			return err
		}
	}
	for i := range r.Violations {
		if err := h.Violation(&r.Violations[i]); err != nil {
			return err
		}
	}
	return h.Finish()
}
