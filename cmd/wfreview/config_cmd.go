package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/wfreview/wfreview/config"
)

func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Work with configuration files"}
	var operator bool
	validate := &cobra.Command{
		Use:   "validate [FILE]",
		Short: "Validate a .wfreview.yml (default ./.wfreview.yml), or an operator config with --operator",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := ".wfreview.yml"
			if len(args) == 1 {
				path = args[0]
			}
			if operator {
				if _, err := config.LoadOperator(path); err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: valid operator configuration\n", path)
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && len(args) == 0 {
					return &exitError{code: exitUsage, err: fmt.Errorf("%s not found (a repository without one gets the defaults)", path)}
				}
				return &exitError{code: exitUsage, err: err}
			}
			if _, err := config.ParseRepo(path, data); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: valid\n", path)
			return nil
		},
	}
	validate.Flags().BoolVar(&operator, "operator", false, "validate an operator configuration (models, server) instead")
	cmd.AddCommand(validate)
	return cmd
}
