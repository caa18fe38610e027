package cli

import (
	"io"
	"os"

	"golang.org/x/term"

	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/report/jsonreport"
	"github.com/patchline/patchline/internal/report/markdown"
	"github.com/patchline/patchline/internal/report/sarif"
	"github.com/patchline/patchline/internal/report/table"
)

// newHandler returns the report handler of a --format value.
func newHandler(format string, out io.Writer, color bool) (report.Handler, error) {
	switch format {
	case "table", "":
		return table.New(out, table.Options{Color: color, Width: terminalWidth(out)}), nil
	case "json":
		return jsonreport.New(out), nil
	case "sarif":
		return sarif.New(out, sarif.Options{}), nil
	case "markdown", "md":
		return markdown.New(out, markdown.Options{}), nil
	}
	return nil, usageErrorf("--format %q: want table, json, sarif or markdown", format)
}

// terminalWidth returns the width of the terminal out writes to, or 0.
func terminalWidth(out io.Writer) int {
	f, ok := out.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}
