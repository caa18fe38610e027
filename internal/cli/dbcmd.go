package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchline/patchline/internal/db"
)

func newDBCommand(env *Env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Manage the offline vulnerability database",
	}
	cmd.AddCommand(newDBImportCommand(env, g), newDBUpdateCommand(env, g), newDBStatusCommand(env, g))
	return cmd
}

func newDBImportCommand(env *Env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "import PATH...",
		Short: "Import OSV advisories from files",
		Long: `Import OSV advisories. Each PATH is a directory in the layout of the public OSV
export (<Ecosystem>/all.zip), one all.zip, a directory of OSV .json files, or
one .json file.

An <Ecosystem>/all.zip is a full export and replaces what the database holds
for that ecosystem; anything else is merged into it. The import is atomic: if
it fails, the database is unchanged. Invalid entries are skipped and listed.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := g.databaseDir(env)
			if err != nil {
				return err
			}
			start := time.Now()
			rep, err := db.Import(cmd.Context(), dir, args, db.ImportOptions{Logger: g.logger(env)})
			if err != nil {
				return err
			}
			for _, s := range rep.Skipped {
				fmt.Fprintf(env.Stderr, "skipped %s in %s: %s\n", s.Entry, s.Source, s.Reason)
			}
			total := 0
			for _, e := range rep.Ecosystems {
				total += e.Entries
			}
			fmt.Fprintf(env.Stdout, "imported %d advisories in %d ecosystems into %s in %s", total, len(rep.Ecosystems), dir, time.Since(start).Round(time.Millisecond))
			if len(rep.Skipped) > 0 {
				fmt.Fprintf(env.Stdout, "; %d invalid entries skipped", len(rep.Skipped))
			}
			fmt.Fprintln(env.Stdout)
			return nil
		},
	}
}

func newDBUpdateCommand(env *Env, g *globals) *cobra.Command {
	var ecosystems []string
	var baseURL string
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Download the latest OSV advisories",
		Long: `Download the OSV export of each ecosystem and import it. Requests are
conditional, so an unchanged ecosystem costs one small request. Without
--ecosystem, the ecosystems already in the database are updated (Go, npm and
PyPI for a new database). HTTPS_PROXY and NO_PROXY are honoured.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := g.databaseDir(env)
			if err != nil {
				return err
			}
			if baseURL == "" {
				baseURL = env.Getenv("PATCHLINE_OSV_URL")
			}
			opts := db.UpdateOptions{
				ImportOptions: db.ImportOptions{Logger: g.logger(env)},
				BaseURL:       baseURL,
				Ecosystems:    ecosystems,
			}
			if env.IsTerminal(env.Stderr) {
				opts.Progress = env.Stderr
			}
			results, err := db.Update(cmd.Context(), dir, opts)
			if err != nil {
				return err
			}
			for _, r := range results {
				if r.Changed {
					fmt.Fprintf(env.Stdout, "%s: updated (%.1f MiB downloaded)\n", r.Ecosystem, float64(r.Bytes)/(1<<20))
				} else {
					fmt.Fprintf(env.Stdout, "%s: up to date\n", r.Ecosystem)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&ecosystems, "ecosystem", nil, "OSV `ecosystem` to update (repeatable), e.g. npm, PyPI, Go")
	cmd.Flags().StringVar(&baseURL, "url", "", "base `URL` of the OSV export (default $PATCHLINE_OSV_URL, else the public export)")
	return cmd
}

func newDBStatusCommand(env *Env, g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what the database holds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := g.databaseDir(env)
			if err != nil {
				return err
			}
			d, err := db.Open(dir)
			if err != nil {
				return err
			}
			defer d.Close()
			status := d.Status()
			switch format {
			case "json":
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"dir": dir, "ecosystems": status})
			case "table", "":
			default:
				return usageErrorf("--format %q: want table or json", format)
			}
			fmt.Fprintf(env.Stdout, "database: %s\n\n", dir)
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ECOSYSTEM\tENTRIES\tWITHDRAWN\tNEWEST MODIFIED\tIMPORTED\tSOURCE")
			for _, s := range status {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\n", s.Ecosystem, s.Entries, s.Withdrawn,
					dateOrDash(s.NewestModified), s.Imported.Local().Format("2006-01-02 15:04"), s.Source)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output `format`: table or json")
	return cmd
}

func dateOrDash(t time.Time) string {
	if t.IsZero() || t.Year() < 1970 {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}
