package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/patchline/patchline/internal/db"
	"github.com/patchline/patchline/internal/exploit"
	"github.com/patchline/patchline/internal/extract"
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/sbom"
	"github.com/patchline/patchline/internal/scan"
)

func newSBOMCommand(env *Env, g *globals) *cobra.Command {
	var format, output, name string
	var reproducible, withVulns bool
	cmd := &cobra.Command{
		Use:   "sbom [PATH]",
		Short: "Write a software bill of materials (CycloneDX or SPDX)",
		Long: `Write an SBOM of the packages patchline finds below PATH (default "."): every
package with its version, package URL, hashes and licences where the lockfile
records them, direct or transitive, dev or prod, the dependency graph where the
lockfile records it, and the lockfiles as metadata.

--with-vulnerabilities (CycloneDX only) adds the scan's findings as
vulnerabilities, suppressed ones with their analysis; it needs the
vulnerability database. --reproducible (or SOURCE_DATE_EPOCH) makes the output
byte-identical across runs.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := "."
			if len(args) == 1 {
				path = args[0]
			}
			f, err := sbom.ParseFormat(format)
			if err != nil {
				return &UsageError{Err: err}
			}
			if withVulns && f != sbom.CycloneDXJSON && f != sbom.CycloneDXXML {
				return usageErrorf("--with-vulnerabilities needs a CycloneDX format: SPDX 2.3 has no place for them")
			}
			if _, err := os.Stat(path); err != nil {
				return usageErrorf("sbom %q: %w", path, err)
			}
			ts, err := sourceDateEpoch(env)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			var in sbom.Input
			s := &scan.Scanner{
				Extractors:   extract.List(extract.Options{GoStdlib: true}),
				Reachability: "off",
				Logger:       g.logger(env),
				OnInventory: func(f extract.File, inv inventory.Inventory) {
					in.Sources = append(in.Sources, sbom.Source{Path: f.Path, Extractor: f.Extractor.Name(), Inventory: inv})
				},
			}
			if withVulns {
				dir, err := g.databaseDir(env)
				if err != nil {
					return err
				}
				database, err := db.Open(dir)
				if err != nil {
					return err
				}
				defer database.Close()
				s.DB = database
				if s.Exploit, err = exploit.Open(dir); err != nil {
					return err
				}
				defer s.Exploit.Close()
			} else {
				s.DB = db.Empty()
			}
			c := &report.Collector{}
			sum, err := s.Run(ctx, []string{path}, c)
			if err != nil {
				return err
			}
			if withVulns {
				in.Findings, in.Suppressed = c.Result.Findings, c.Result.Suppressed
			}
			for _, e := range c.Result.Errors {
				printFileError(env, &e)
			}
			out := env.Stdout
			if output != "" {
				file, err := os.Create(output)
				if err != nil {
					return err
				}
				defer file.Close()
				out = file
			}
			project := name
			if project == "" {
				abs, err := filepath.Abs(path)
				if err != nil {
					return err
				}
				project = filepath.Base(abs)
			}
			err = sbom.Write(ctx, out, in, sbom.Options{Format: f, ToolName: "patchline", ToolVersion: Version(),
				Timestamp: ts, Reproducible: reproducible, ProjectName: project})
			if err != nil {
				return err
			}
			if sum.FileErrors > 0 {
				return ErrIncomplete
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&format, "format", "f", string(sbom.CycloneDXJSON), "`format`: cyclonedx-json, cyclonedx-xml, spdx-json or spdx-tag")
	fl.StringVarP(&output, "output", "o", "", "write to `file` instead of stdout")
	fl.StringVar(&name, "name", "", "project `name` (default: the directory's name)")
	fl.BoolVar(&reproducible, "reproducible", false, "byte-identical output for the same input: ids from content, no current time")
	fl.BoolVar(&withVulns, "with-vulnerabilities", false, "add the scan's findings as CycloneDX vulnerabilities")
	return cmd
}

// printFileError tells stderr about a file that could not be read.
func printFileError(env *Env, e *result.FileError) {
	where := e.Source
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.Source, e.Line)
	}
	fmt.Fprintf(env.Stderr, "patchline: %s: %s\n", where, e.Error)
}
