package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wfreview/wfreview/eval"
)

func newImportMartianCmd() *cobra.Command {
	var diffs, out string
	cmd := &cobra.Command{
		Use:   "import-martian GOLDEN.json --diffs DIR --out CORPUS",
		Short: "Convert Code Review Bench golden comments into judge-only eval cases",
		Long: `Convert the golden comments of Martian's Code Review Bench (offline/golden_comments/*.json: a PR
url and comments without lines) into eval cases, for every pull request whose trees you supply under
DIR/OWNER-REPO-NUMBER/: base/ and head/, or base/ and pr.diff (applied to base with git apply).
The comments carry no line, so these cases are scored only with --judge MODEL.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if diffs == "" || out == "" {
				return &exitError{code: exitUsage, err: fmt.Errorf("--diffs and --out are required")}
			}
			res, err := eval.ImportMartian(cmd.Context(), args[0], diffs, out)
			if res != nil {
				for _, s := range res.Skipped {
					fmt.Fprintln(cmd.ErrOrStderr(), "skipped:", s)
				}
			}
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "imported %d case(s) into %s: %s\nThey are judge-only (no line in the golden comments): run `wfreview eval %s --judge MODEL`.\n",
				len(res.Imported), out, strings.Join(res.Imported, ", "), out)
			return nil
		},
	}
	cmd.Flags().StringVar(&diffs, "diffs", "", "directory with OWNER-REPO-NUMBER/{base,head or pr.diff} per pull request")
	cmd.Flags().StringVar(&out, "out", "", "corpus directory to write the cases into")
	return cmd
}
