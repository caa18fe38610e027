// Package cli is patchline's command-line layer: it parses flags, builds the
// pieces of the pipeline and connects them. It holds no scanning logic.
//
// Commands return errors; cmd/patchline maps them to exit codes (see
// [ExitCode]), so the codes are defined in exactly one place.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Errors that end a command and decide its exit code.
var (
	// ErrFindings: the scan found vulnerabilities at or above --fail-on.
	ErrFindings = errors.New("vulnerabilities found")
	// ErrIncomplete: one or more files could not be parsed.
	ErrIncomplete = errors.New("some files could not be parsed")
)

// UsageError is a mistake in how the command was called.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// Env is what commands read from and write to, so tests can run them
// without a process.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// IsTerminal reports whether a writer is a terminal (for colour and
	// progress output).
	IsTerminal func(io.Writer) bool
}

// globals are the flags every command shares.
type globals struct {
	dbDir   string
	verbose bool
}

// NewCommand returns the root command.
func NewCommand(env *Env) *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "patchline",
		Short: "Find, rank and fix the known vulnerabilities in your dependencies, offline",
		Long: `patchline reads the lockfiles of a project, matches every package against an
offline copy of the OSV vulnerability database, and reports what affects you.

Start with:
  patchline db update          # or: patchline db import DIR
  patchline scan .`,
		Version:       Version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.PersistentFlags().StringVar(&g.dbDir, "db", "", "vulnerability database `directory` (default $PATCHLINE_DB, else the user cache dir)")
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "log what is being done to stderr")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })
	root.AddCommand(newScanCommand(env, g), newDBCommand(env, g), newReportCommand(env), newFixCommand(env, g), newDiffCommand(env, g), newSBOMCommand(env, g))
	return root
}

// Run runs the command line args. Errors other than [ErrFindings] and
// [ErrIncomplete] (which the report already shows) are printed to stderr;
// the returned error tells the caller which exit code to use: [ErrFindings],
// [ErrIncomplete] (possibly joined), a [*UsageError], or any other error.
func Run(ctx context.Context, args []string, env *Env) error {
	cmd := NewCommand(env)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	// cobra reports unknown commands and bad arguments as plain errors.
	var usage *UsageError
	if err != nil && !errors.As(err, &usage) && isCobraUsage(err) {
		err = &UsageError{Err: err}
	}
	if err != nil && !errors.Is(err, ErrFindings) && !errors.Is(err, ErrIncomplete) {
		fmt.Fprintf(env.Stderr, "patchline: %v\n", err)
		if errors.As(err, &usage) {
			fmt.Fprintln(env.Stderr, "Run 'patchline --help' for usage.")
		}
	}
	return err
}

func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// logger returns the logger the verbose flag asks for.
func (g *globals) logger(env *Env) *slog.Logger {
	if !g.verbose {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// databaseDir returns the database directory: --db, $PATCHLINE_DB, or
// patchline/db under the user cache directory.
func (g *globals) databaseDir(env *Env) (string, error) {
	if g.dbDir != "" {
		return g.dbDir, nil
	}
	if d := env.Getenv("PATCHLINE_DB"); d != "" {
		return d, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no --db given, PATCHLINE_DB unset, and no user cache directory: %w", err)
	}
	return filepath.Join(cache, "patchline", "db"), nil
}

// version is set by the linker for release builds (-X).
var version = ""

// Version returns patchline's version: the release version, or the module
// version and VCS revision the binary was built from.
func Version() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" && info.Main.Version != "(devel)" {
			return info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "devel-" + s.Value[:12]
			}
		}
	}
	return "devel"
}
