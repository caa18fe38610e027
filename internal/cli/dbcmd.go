package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchline/patchline/internal/db"
	"github.com/patchline/patchline/internal/exploit"
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
		Short: "Import OSV advisories, the CISA KEV catalog or EPSS scores from files",
		Long: `Import OSV advisories. Each PATH is a directory in the layout of the public OSV
export (<Ecosystem>/all.zip), one all.zip, a directory of OSV .json files, or
one .json file.

An <Ecosystem>/all.zip is a full export and replaces what the database holds
for that ecosystem; anything else is merged into it. The import is atomic: if
it fails, the database is unchanged. Invalid entries are skipped and listed.

A file holding CISA's Known Exploited Vulnerabilities catalog (JSON or CSV) or
FIRST EPSS scores (CSV, plain or gzipped) is recognised by its content and
replaces the stored catalog or scores; scans then show KEV status and EPSS
scores, and warn when that data is stale.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := g.databaseDir(env)
			if err != nil {
				return err
			}
			start := time.Now()
			var advisories []string
			for _, p := range args {
				kind, err := exploitKind(p)
				if err != nil {
					return err
				}
				if kind == exploit.KindUnknown {
					advisories = append(advisories, p)
					continue
				}
				info, err := exploit.Import(cmd.Context(), dir, p, exploit.ImportOptions{})
				if err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "imported %s: %d CVEs from %s (data of %s)\n", info.Dataset, info.Entries, p, dateOrUnknown(info.DataDate))
			}
			if len(advisories) == 0 {
				return nil
			}
			rep, err := db.Import(cmd.Context(), dir, advisories, db.ImportOptions{Logger: g.logger(env)})
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

// exploitKind says whether the file at p is KEV or EPSS data, by content.
// Directories and OSV files are [exploit.KindUnknown].
func exploitKind(p string) (exploit.Kind, error) {
	st, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("import %q: %w", p, err)
	}
	if st.IsDir() {
		return exploit.KindUnknown, nil
	}
	f, err := os.Open(p)
	if err != nil {
		return "", fmt.Errorf("import %q: %w", p, err)
	}
	defer f.Close()
	header := make([]byte, exploit.DetectSize)
	n, err := io.ReadFull(f, header)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("import %q: %w", p, err)
	}
	return exploit.Detect(header[:n]), nil
}

func dateOrUnknown(t time.Time) string {
	if t.IsZero() {
		return "unknown date"
	}
	return t.UTC().Format(time.DateOnly)
}

func newDBUpdateCommand(env *Env, g *globals) *cobra.Command {
	var ecosystems []string
	var baseURL, kevURL, epssURL string
	var noExploit bool
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Download the latest OSV advisories",
		Long: `Download the OSV export of each ecosystem and import it. Requests are
conditional, so an unchanged ecosystem costs one small request. Without
--ecosystem, the ecosystems already in the database are updated (for a new
database: every ecosystem patchline has version rules for). The CISA KEV
catalog and FIRST's EPSS scores are updated too (--no-exploit skips them).
HTTPS_PROXY and NO_PROXY are honoured.`,
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
			if noExploit {
				return nil
			}
			for _, src := range []struct {
				d   exploit.Dataset
				url string
			}{{exploit.KEV, firstNonEmpty(kevURL, env.Getenv("PATCHLINE_KEV_URL"), exploit.DefaultKEVURL)},
				{exploit.EPSS, firstNonEmpty(epssURL, env.Getenv("PATCHLINE_EPSS_URL"), exploit.DefaultEPSSURL)}} {
				r, err := exploit.Update(cmd.Context(), nil, dir, src.url, src.d, exploit.ImportOptions{})
				if err != nil {
					return err
				}
				if r.Changed {
					fmt.Fprintf(env.Stdout, "%s: updated (%d CVEs, data of %s)\n", src.d, r.Info.Entries, dateOrUnknown(r.Info.DataDate))
				} else {
					fmt.Fprintf(env.Stdout, "%s: up to date\n", src.d)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&ecosystems, "ecosystem", nil, "OSV `ecosystem` to update (repeatable), e.g. npm, PyPI, Go")
	cmd.Flags().StringVar(&baseURL, "url", "", "base `URL` of the OSV export (default $PATCHLINE_OSV_URL, else the public export)")
	cmd.Flags().BoolVar(&noExploit, "no-exploit", false, "do not update the CISA KEV catalog and the FIRST EPSS scores")
	cmd.Flags().StringVar(&kevURL, "kev-url", "", "`URL` of the KEV catalog JSON (default $PATCHLINE_KEV_URL, else CISA's feed)")
	cmd.Flags().StringVar(&epssURL, "epss-url", "", "`URL` of the EPSS daily scores CSV (default $PATCHLINE_EPSS_URL, else FIRST's current file)")
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
			exploitation, err := exploit.Open(dir)
			if err != nil {
				return err
			}
			defer exploitation.Close()
			exploitInfo := exploitation.Info()
			switch format {
			case "json":
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				if exploitInfo == nil {
					exploitInfo = []exploit.Info{}
				}
				return enc.Encode(map[string]any{"dir": dir, "ecosystems": status, "exploitation": exploitInfo})
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
			if err := tw.Flush(); err != nil {
				return err
			}
			if len(exploitInfo) > 0 {
				fmt.Fprintln(env.Stdout)
				tw = tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "EXPLOITATION DATA\tCVES\tDATA DATE\tIMPORTED\tSOURCE")
				for _, i := range exploitInfo {
					fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", i.Dataset, i.Entries, dateOrUnknown(i.DataDate), i.Imported.Local().Format("2006-01-02 15:04"), i.Source)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				for _, w := range exploitation.Warnings(time.Now(), exploit.DefaultLimits()) {
					fmt.Fprintln(env.Stderr, "warning:", w)
				}
			}
			return nil
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

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
