// Command wfreview reviews changes written by language models: locally on a git checkout
// (`wfreview review`) or as a GitHub App (`wfreview serve`).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

// exitError carries a process exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// Exit codes.
const (
	exitFindings = 1 // findings at or above --fail-on
	exitUsage    = 2 // bad flags, bad configuration, or the review could not run
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "wfreview:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "wfreview:", err)
	return exitUsage
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "wfreview",
		Short:         "Review LLM-written changes with a different model, against a checklist and the plan",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newReviewCmd(), newActionCmd(), newServeCmd(), newConfigCmd(), newEvalCmd(), newVersionCmd())
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version and the commit it was built from",
		Long: `Print the version and the commit it was built from: "wfreview v1.2.3 (commit 0123456789ab)".

The version is the one set at build time (-ldflags "-X main.version=v1.2.3"), else the module
version of a "go install github.com/wfreview/wfreview/cmd/wfreview@v1.2.3", else "dev". The commit
comes from the build's VCS stamp; "modified" means the working tree had uncommitted changes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bi, _ := debug.ReadBuildInfo()
			fmt.Fprintln(cmd.OutOrStdout(), versionLine(version, bi))
			return nil
		},
	}
}

// versionLine is what `wfreview version` prints for the -X version (ldVersion, "dev" when unset)
// and the binary's build information (nil when there is none).
func versionLine(ldVersion string, bi *debug.BuildInfo) string {
	v := ldVersion
	if bi != nil && (v == "" || v == "dev") && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	if v == "" {
		v = "dev"
	}
	var rev string
	var modified bool
	if bi != nil {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if rev == "" {
		// A module version with a pseudo-version carries the commit: v0.0.0-20250101120000-0123456789ab.
		if bi != nil && bi.Main.Version == v {
			if i := strings.LastIndexByte(v, '-'); i > 0 && len(v)-i-1 == 12 && isHex(v[i+1:]) {
				rev = v[i+1:]
			}
		}
	}
	line := "wfreview " + v
	switch {
	case rev != "" && modified:
		line += fmt.Sprintf(" (commit %s, modified)", shortRev(rev))
	case rev != "":
		line += fmt.Sprintf(" (commit %s)", shortRev(rev))
	}
	if bi != nil && bi.GoVersion != "" {
		line += " " + bi.GoVersion
	}
	return line
}

func shortRev(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return s != ""
}
