package cli

import (
	"io"
	"os"
	"strconv"
	"time"

	"golang.org/x/term"

	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/report/jsonreport"
	"github.com/patchline/patchline/internal/report/markdown"
	"github.com/patchline/patchline/internal/report/sarif"
	"github.com/patchline/patchline/internal/report/table"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/vex"
	"github.com/patchline/patchline/internal/vex/cyclonedxvex"
	"github.com/patchline/patchline/internal/vex/openvex"
)

// formats lists the --format values.
const formats = "table, json, sarif, markdown, openvex or cyclonedx-vex"

// handlerOptions are the flags that shape a report.
type handlerOptions struct {
	color          bool
	showSuppressed bool
	explain        bool
	// unknownUnderInvestigation states findings of unknown reachability
	// as under_investigation in VEX output.
	unknownUnderInvestigation bool
	// timestamp dates VEX documents; zero means now. SOURCE_DATE_EPOCH
	// sets it, for reproducible output.
	timestamp time.Time
}

// newHandler returns the report handler of a --format value.
func newHandler(format string, out io.Writer, o handlerOptions) (report.Handler, error) {
	assess := vex.AssessOptions{Reachability: func(f *result.Finding) *vex.Reachability {
		if f.Reachability == nil {
			return nil
		}
		return &vex.Reachability{Verdict: f.Reachability.Verdict, Level: f.Reachability.Level, Reason: f.Reachability.Reason}
	}, UnknownUnderInvestigation: o.unknownUnderInvestigation}
	switch format {
	case "table", "":
		return table.New(out, table.Options{Color: o.color, Width: terminalWidth(out), ShowSuppressed: o.showSuppressed, Explain: o.explain}), nil
	case "json":
		return jsonreport.New(out), nil
	case "sarif":
		return sarif.New(out, sarif.Options{}), nil
	case "markdown", "md":
		return markdown.New(out, markdown.Options{}), nil
	case "openvex":
		return openvex.New(out, openvex.Options{Author: "patchline", Timestamp: o.timestamp, AssessOptions: assess}), nil
	case "cyclonedx-vex":
		return cyclonedxvex.New(out, cyclonedxvex.Options{Author: "patchline", Timestamp: o.timestamp, AssessOptions: assess}), nil
	}
	return nil, usageErrorf("--format %q: want %s", format, formats)
}

// sourceDateEpoch returns the time SOURCE_DATE_EPOCH gives, or zero.
func sourceDateEpoch(env *Env) (time.Time, error) {
	v := env.Getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, usageErrorf("SOURCE_DATE_EPOCH %q is not a number of seconds", v)
	}
	return time.Unix(n, 0).UTC(), nil
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
