package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/gitrepo"
	"github.com/wfreview/wfreview/model"
	"github.com/wfreview/wfreview/review"
)

type reviewFlags struct {
	base, plan, format, failOn, configFile, authorModel, dir string
	noModel, verifyRegistry                                  bool
	checks                                                   []string
}

func newReviewCmd() *cobra.Command {
	var f reviewFlags
	cmd := &cobra.Command{
		Use:   "review",
		Short: "Review the current git checkout: the diff from the merge base of --base to HEAD",
		Long: `Review the current git checkout: the diff from the merge base of --base (default: the
upstream default branch, else main, else master) to HEAD.

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
// `review` runs, shared by every command that reviews a local checkout. Every error means the review
// could not run.
func reviewLocal(ctx context.Context, log zerolog.Logger, f reviewFlags) (*review.Result, error) {
	repo, err := gitrepo.Open(ctx, f.dir)
	if err != nil {
		return nil, err
	}
	baseRef := f.base
	if baseRef == "" {
		if baseRef, err = repo.DefaultBase(ctx); err != nil {
			return nil, err
		}
	}
	head, err := repo.RevParse(ctx, "HEAD")
	if err != nil {
		return nil, err
	}
	if _, err := repo.RevParse(ctx, baseRef); err != nil {
		return nil, fmt.Errorf("--base: %w", err)
	}
	base, err := repo.MergeBase(ctx, baseRef, head)
	if err != nil {
		return nil, err
	}
	raw, err := repo.Diff(ctx, base, head)
	if err != nil {
		return nil, err
	}
	ix, err := diff.Parse(bytes.NewReader(raw))
	raw = nil
	if err != nil {
		return nil, err
	}
	tree := repo.Tree(head)
	if f.plan != "" && filepath.IsAbs(f.plan) {
		rel, err := filepath.Rel(repo.Dir, f.plan)
		if err != nil || strings.HasPrefix(rel, "..") {
			return nil, fmt.Errorf("--plan %s is outside the checkout %s", f.plan, repo.Dir)
		}
		f.plan = filepath.ToSlash(rel)
	}

	repoCfg, err := loadRepoConfig(ctx, tree)
	if err != nil {
		return nil, err
	}

	opPath := f.configFile
	if opPath == "" {
		opPath = os.Getenv("WFREVIEW_CONFIG")
	}
	var op *config.Operator
	if opPath != "" {
		if op, err = config.LoadOperator(opPath); err != nil {
			return nil, err
		}
	}
	engine, notes := review.NewEngine(op)
	engine.Log = log
	engine.VerifyRegistry = f.verifyRegistry
	if (f.verifyRegistry || repoCfg.Registry.Verify) && engine.Registry == nil {
		engine.Registry = checklist.NewRegistry() // NewEngine made one when the operator names private packages
	}

	gcommits, err := repo.Commits(ctx, base, head)
	if err != nil {
		return nil, err
	}
	commits := make([]model.Commit, 0, len(gcommits))
	for _, c := range gcommits {
		commits = append(commits, model.Commit{SHA: c.SHA, Message: c.Message, AuthorName: c.AuthorName,
			AuthorEmail: c.AuthorEmail, CommitterName: c.CommitterName, CommitterEmail: c.CommitterEmail})
	}

	res, err := engine.Run(ctx, &review.Request{
		Base: base, Head: head, Diff: ix, Tree: tree, Config: repoCfg, Commits: commits,
		AuthorOverride: f.authorModel, PlanPath: f.plan, Checks: f.checks, NoModel: f.noModel,
	})
	if err != nil {
		return nil, err
	}
	res.Notes = append(notes, res.Notes...)
	return res, nil
}

// loadRepoConfig reads .wfreview.yml (or .wfreview.yaml) at head; none means the defaults.
func loadRepoConfig(ctx context.Context, tree checklist.Tree) (*config.Repo, error) {
	for _, name := range []string{".wfreview.yml", ".wfreview.yaml"} {
		data, err := tree.ReadFile(ctx, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return config.ParseRepo(name, data)
	}
	return config.DefaultRepo(), nil
}
