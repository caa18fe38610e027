package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/patchline/patchline/internal/report"
	"github.com/patchline/patchline/internal/result"
)

func newReportCommand(env *Env) *cobra.Command {
	var format, output, colorMode string
	var showSupp bool
	cmd := &cobra.Command{
		Use:   "report RESULT.json",
		Short: "Render a saved JSON result in another format",
		Long: `Render the JSON written by 'patchline scan --format json' as a table, SARIF or
Markdown, without scanning again: e.g. scan once in CI, then publish SARIF and
a pull-request comment from the same result.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var r result.Result
			if err := json.Unmarshal(data, &r); err != nil {
				return usageErrorf("%s is not a patchline JSON result: %w", args[0], err)
			}
			if r.SchemaVersion == "" || r.SchemaVersion[0] != result.SchemaVersion[0] {
				return usageErrorf("%s has schema version %q; this patchline reads %s", args[0], r.SchemaVersion, result.SchemaVersion)
			}
			var out io.Writer = env.Stdout
			if output != "" {
				f, err := os.Create(output)
				if err != nil {
					return err
				}
				defer f.Close()
				out = f
			}
			color, err := useColor(colorMode, env, out)
			if err != nil {
				return err
			}
			ts, err := sourceDateEpoch(env)
			if err != nil {
				return err
			}
			h, err := newHandler(format, out, handlerOptions{color: color, showSuppressed: showSupp, timestamp: ts})
			if err != nil {
				return err
			}
			if err := report.Replay(&r, h); err != nil {
				return fmt.Errorf("render %s: %w", args[0], err)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output `format`: "+formats)
	cmd.Flags().BoolVar(&showSupp, "show-suppressed", false, "list suppressed findings in the table, with the reason")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to `file` instead of stdout")
	cmd.Flags().StringVar(&colorMode, "color", "auto", "colour the table: auto, always or never")
	return cmd
}
