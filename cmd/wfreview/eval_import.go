package main

import "github.com/spf13/cobra"

func newImportMartianCmd() *cobra.Command { return &cobra.Command{Use: "import-martian"} }
