package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/gitrepo"
	"github.com/wfreview/wfreview/review"
)

type reviewFlags struct {
	base, plan, format, failOn, configFile, authorModel, dir string
	noModel, verifyRegistry, noFetch, tsc                    bool
	checks                                                   []string
	typeCheckTimeout, tscTimeout                             time.Duration
	typeCheckMaxPackages                                     int
}

func newReviewCmd() *cobra.Command {
	var f reviewFlags
	cmd := &cobra.Command{
		Use:   "review",
		Short: "Review the current git checkout: the diff from the merge base of --base to HEAD",
		Long: `Review the current git checkout: the diff from the merge base of --base (default: the
upstream default branch, else main, else master) to HEAD.

A shallow or partial checkout (a CI clone) fetches the base and the history down to the merge
base from origin, a bounded amount (--no-fetch: never); when that is not possible the error says
how to fix the checkout (actions/checkout's fetch-depth: 0, or --base).

With no model configured (no --config, no WFREVIEW_CONFIG) the static checks run on their own.
Exit status: 0 done, 1 a finding at or above --fail-on, 2 the review could not run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runReview(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.base, "base", "", "base ref (default: origin/HEAD, else main, else master)")
	fl.StringVar(&f.plan, "plan", "", "plan file to review against (default: discovered from plan.paths)")
	fl.StringVar(&f.format, "format", "text", "output format: text, json, markdown or sarif")
	fl.StringVar(&f.failOn, "fail-on", "never", "exit 1 when a finding is at or above this severity: error, warning or never")
	fl.StringVar(&f.configFile, "config", "", "operator config with models (default $WFREVIEW_CONFIG)")
	fl.BoolVar(&f.noModel, "no-model", false, "run the static checks only")
	fl.BoolVar(&f.verifyRegistry, "verify-registry", false, "look new dependencies up in their package registry (network)")
	fl.StringVar(&f.authorModel, "author-model", "", "declare the model(s) that wrote the change, comma-separated")
	fl.StringSliceVar(&f.checks, "check", nil, "run only these checklist items (repeatable)")
	fl.StringVarP(&f.dir, "dir", "C", ".", "directory of the git checkout")
	fl.DurationVar(&f.typeCheckTimeout, "typecheck-timeout", checklist.DefaultGoTypeCheckTimeout, "bound of the Go type check of the touched packages")
	fl.IntVar(&f.typeCheckMaxPackages, "typecheck-max-packages", checklist.DefaultGoTypeCheckMaxPackages, "skip the Go type check when the change touches more packages")
	fl.BoolVar(&f.tsc, "tsc", false, "also run the checkout's own node_modules/typescript (tsc --noEmit, with node) and report API errors on added TypeScript lines: runs code from the checkout")
	fl.DurationVar(&f.tscTimeout, "tsc-timeout", checklist.DefaultTypeScriptCheckTimeout, "bound of each tsc run of --tsc")
	fl.BoolVar(&f.noFetch, "no-fetch", false, "never fetch from the remote, even when a shallow checkout lacks the base or the merge base")
	return cmd
}

func runReview(ctx context.Context, stdout, stderr io.Writer, f reviewFlags) error {
	usage := func(err error) error { return &exitError{code: exitUsage, err: err} }
	switch f.format {
	case "text", "json", "markdown", "sarif":
	default:
		return usage(fmt.Errorf("--format %q: want text, json, markdown or sarif", f.format))
	}
	failRank := 0
	switch f.failOn {
	case "never":
	case "error", "warning":
		failRank = checklist.Severity(f.failOn).Rank()
	default:
		return usage(fmt.Errorf("--fail-on %q: want error, warning or never", f.failOn))
	}

	log := zerolog.New(zerolog.ConsoleWriter{Out: stderr, NoColor: true}).Level(zerolog.WarnLevel).With().Timestamp().Logger()
	res, err := reviewLocal(ctx, log, f)
	if err != nil {
		return usage(err)
	}
	if err := review.Write(stdout, f.format, res); err != nil {
		return usage(err)
	}
	if failRank > 0 {
		for _, fd := range res.Findings {
			if fd.Severity.Rank() >= failRank {
				return &exitError{code: exitFindings}
			}
		}
	}
	return nil
}

// reviewLocal reviews the checkout in f.dir from the merge base of f.base to HEAD: the engine that
// `review` runs, shared by every command that reviews a local checkout (review.Engine.RunLocal is
// the part `eval` shares too). Every error means the review could not run.
func reviewLocal(ctx context.Context, log zerolog.Logger, f reviewFlags) (*review.Result, error) {
	opPath := f.configFile
	if opPath == "" {
		opPath = os.Getenv("WFREVIEW_CONFIG")
	}
	var op *config.Operator
	if opPath != "" {
		var err error
		if op, err = config.LoadOperator(opPath); err != nil {
			return nil, err
		}
	}
	engine, notes := review.NewEngine(op)
	engine.Log = log
	engine.VerifyRegistry = f.verifyRegistry
	engine.GoTypeCheckTimeout, engine.GoTypeCheckMaxPackages = f.typeCheckTimeout, f.typeCheckMaxPackages
	engine.TypeScriptCheck, engine.TypeScriptCheckTimeout = f.tsc, f.tscTimeout

	res, err := engine.RunLocal(ctx, review.LocalRequest{Dir: f.dir, Base: f.base, PlanPath: f.plan,
		AuthorOverride: f.authorModel, Checks: f.checks, NoModel: f.noModel,
		Fetch: gitrepo.FetchOptions{Disabled: f.noFetch}})
	if err != nil {
		return nil, err
	}
	res.Notes = append(notes, res.Notes...)
	return res, nil
}
