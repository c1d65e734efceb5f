package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/eval"
)

type evalFlags struct {
	format, configFile, judge, replay string
	registry                          string
	registryRecord                    bool
	models, checks, cases             []string
	noModel, anyCheck, rekey          bool
	tolerance                         int
	minPrecision, minRecall           float64
}

func newEvalCmd() *cobra.Command {
	var f evalFlags
	cmd := &cobra.Command{
		Use:   "eval CORPUS",
		Short: "Measure precision and recall per checklist item on a labelled corpus",
		Long: `Measure wfreview on a labelled corpus: every case directory (base/, head/, case.yml,
expected.json) becomes a throwaway git repository, the engine of "wfreview review" reviews it, and the
findings are matched to the expected issues (same path, line within the expected range ± --tolerance,
same check unless --any-check). Prints TP, FP, FN, precision, recall and F1 per check and overall,
per source (static/model), and tokens, calls and wall time per case.

Exit status: 0 done, 1 overall precision or recall below --min-precision / --min-recall (in any
run), 2 the eval could not run (bad flag, malformed case with file:line, missing recording).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runEval(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "text", "output format: text, json or markdown")
	fl.StringVar(&f.configFile, "config", "", "operator config with models (default $WFREVIEW_CONFIG)")
	fl.BoolVar(&f.noModel, "no-model", false, "static checks only")
	fl.StringSliceVar(&f.models, "models", nil, "run the corpus once per reviewer model, side by side (comma-separated)")
	fl.StringVar(&f.judge, "judge", "", "model that decides whether an unmatched finding describes an expected issue (never an author model)")
	fl.StringVar(&f.replay, "replay", "", "directory of recorded model answers: replay them, record missing ones when the model is configured")
	fl.BoolVar(&f.rekey, "replay-rekey", false, "with --replay: adopt a case's unused recordings, in call order, when its requests changed (hand-written recordings only)")
	fl.StringVar(&f.registry, "registry", "", "recorded package-registry answers (default: CORPUS/"+eval.RegistryFile+" when present; \"none\": every look-up fails)")
	fl.BoolVar(&f.registryRecord, "registry-record", false, "look up what the registry answers file lacks in the real registries and add it (network)")
	fl.IntVar(&f.tolerance, "tolerance", eval.DefaultTolerance, "lines a finding may sit outside the expected range")
	fl.BoolVar(&f.anyCheck, "any-check", false, "match findings to expected issues whatever their checklist item")
	fl.StringSliceVar(&f.checks, "check", nil, "review and score only these checklist items (repeatable)")
	fl.StringSliceVar(&f.cases, "case", nil, "run only the cases whose directory name matches this glob (repeatable)")
	fl.Float64Var(&f.minPrecision, "min-precision", 0, "exit 1 when the overall precision of a run is below this (0 to 1)")
	fl.Float64Var(&f.minRecall, "min-recall", 0, "exit 1 when the overall recall of a run is below this (0 to 1)")
	cmd.AddCommand(newImportMartianCmd())
	return cmd
}

func runEval(ctx context.Context, stdout, stderr io.Writer, corpusDir string, f evalFlags) error {
	usage := func(err error) error { return &exitError{code: exitUsage, err: err} }
	switch f.format {
	case "text", "json", "markdown":
	default:
		return usage(fmt.Errorf("--format %q: want text, json or markdown", f.format))
	}
	for _, v := range []struct {
		name string
		v    float64
	}{{"--min-precision", f.minPrecision}, {"--min-recall", f.minRecall}} {
		if v.v < 0 || v.v > 1 || math.IsNaN(v.v) {
			return usage(fmt.Errorf("%s %v: want a number from 0 to 1", v.name, v.v))
		}
	}
	if f.tolerance < 0 {
		return usage(fmt.Errorf("--tolerance %d: must be 0 or more", f.tolerance))
	}
	if f.rekey && f.replay == "" {
		return usage(fmt.Errorf("--replay-rekey needs --replay"))
	}
	if f.registryRecord && f.registry == "none" {
		return usage(fmt.Errorf("--registry-record needs a registry answers file, not --registry none"))
	}
	if f.noModel && (f.judge != "" || len(f.models) > 0) {
		return usage(fmt.Errorf("--no-model excludes --models and --judge"))
	}

	corpus, err := eval.LoadCorpus(corpusDir)
	if err != nil {
		return usage(err)
	}
	if len(f.cases) > 0 {
		var keep []*eval.Case
		for _, c := range corpus.Cases {
			for _, pat := range f.cases {
				if ok, err := filepath.Match(pat, c.Name); err != nil {
					return usage(fmt.Errorf("--case %q: %w", pat, err))
				} else if ok {
					keep = append(keep, c)
					break
				}
			}
		}
		if len(keep) == 0 {
			return usage(fmt.Errorf("--case %s: no case matches", strings.Join(f.cases, ", ")))
		}
		corpus.Cases = keep
	}

	opPath := f.configFile
	if opPath == "" && !f.noModel {
		opPath = os.Getenv("WFREVIEW_CONFIG")
	}
	var op *config.Operator
	if opPath != "" {
		if op, err = config.LoadOperator(opPath); err != nil {
			return usage(err)
		}
	}
	log := zerolog.New(zerolog.ConsoleWriter{Out: stderr, NoColor: true}).Level(zerolog.WarnLevel).With().Timestamp().Logger()
	o := eval.Options{Operator: op, NoModel: f.noModel, Models: f.models, Judge: f.judge, Checks: f.checks,
		Match: eval.MatchOptions{Tolerance: f.tolerance, AnyCheck: f.anyCheck}, Log: log}
	if f.replay != "" {
		o.Replay = eval.NewReplay(f.replay)
		o.Replay.Rekey = f.rekey
	}
	if regPath := f.registry; regPath != "none" {
		if regPath == "" {
			regPath = filepath.Join(corpus.Dir, eval.RegistryFile)
			if _, err := os.Stat(regPath); err != nil && !f.registryRecord {
				regPath = ""
			}
		}
		if regPath != "" {
			if o.Registry, err = eval.LoadRegistryAnswers(regPath, f.registryRecord); err != nil {
				return usage(err)
			}
		}
	}
	rep, err := eval.Run(ctx, corpus, o)
	if o.Registry != nil {
		if serr := o.Registry.Save(); serr != nil {
			err = errors.Join(err, serr)
		}
	}
	if err != nil {
		return usage(err)
	}
	if err := eval.Write(stdout, f.format, rep); err != nil {
		return usage(err)
	}
	var below []string
	for _, r := range rep.Runs {
		if p := r.Overall.Precision(); f.minPrecision > 0 && !math.IsNaN(p) && p < f.minPrecision {
			below = append(below, fmt.Sprintf("%s: precision %.3f < %.3f", r.Name, p, f.minPrecision))
		}
		if rc := r.Overall.Recall(); f.minRecall > 0 && !math.IsNaN(rc) && rc < f.minRecall {
			below = append(below, fmt.Sprintf("%s: recall %.3f < %.3f", r.Name, rc, f.minRecall))
		}
	}
	if len(below) > 0 {
		return &exitError{code: exitFindings, err: fmt.Errorf("below the threshold: %s", strings.Join(below, "; "))}
	}
	return nil
}
