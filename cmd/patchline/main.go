// Command patchline finds the known vulnerabilities in a project's
// dependencies, offline. See the README and docs/ for usage.
package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"

	"golang.org/x/term"

	"github.com/patchline/patchline/internal/cli"
)

// Exit codes are an interface that CI depends on: never renumber them.
// docs/exit-codes.md documents them, and a test keeps the two in step.
const (
	exitOK                 = 0 // nothing at or above --fail-on, every file parsed
	exitFindings           = 1 // vulnerabilities at or above --fail-on
	exitUsage              = 2 // bad flags, arguments or configuration
	exitError              = 3 // the command could not run: no database, I/O error
	exitIncomplete         = 4 // a file could not be parsed; nothing at or above --fail-on elsewhere
	exitFindingsIncomplete = 5 // both 1 and 4
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	env := &cli.Env{
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Getenv: os.Getenv,
		IsTerminal: func(w io.Writer) bool {
			f, ok := w.(*os.File)
			return ok && term.IsTerminal(int(f.Fd()))
		},
	}
	err := cli.Run(ctx, os.Args[1:], env)
	stop()
	os.Exit(exitCode(err))
}

// exitCode maps the error a command returned to the process exit code.
func exitCode(err error) int {
	var usage *cli.UsageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, cli.ErrFindings) && errors.Is(err, cli.ErrIncomplete):
		return exitFindingsIncomplete
	case errors.Is(err, cli.ErrFindings):
		return exitFindings
	case errors.Is(err, cli.ErrIncomplete):
		return exitIncomplete
	case errors.As(err, &usage):
		return exitUsage
	}
	return exitError
}
