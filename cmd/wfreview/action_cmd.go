package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/google/go-github/v66/github"
	"github.com/rs/zerolog"
	"github.com/shurcooL/githubv4"
	"github.com/spf13/cobra"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/gitrepo"
	"github.com/wfreview/wfreview/handlers"
	"github.com/wfreview/wfreview/internal/mdsafe"
	"github.com/wfreview/wfreview/review"
)

// Defaults of `wfreview action`.
const (
	defaultActionBot   = "github-actions[bot]"
	defaultActionSARIF = "wfreview.sarif"
	defaultAPIURL      = "https://api.github.com"
)

type actionFlags struct {
	token, configFile, failOn, sarif, botLogin, checkName, source string
	noModel, noFetch, verifyRegistry                              bool
}

func newActionCmd() *cobra.Command {
	var f actionFlags
	cmd := &cobra.Command{
		Use:   "action",
		Short: "Review the pull request of a GitHub Actions run and post the review with the workflow's token",
		Long: `Review the pull request of a GitHub Actions run (a workflow step) and post the review, the
inline comments and the check run with the workflow's token, as the app does.

Events: pull_request (the change comes from the checkout when it holds or can fetch the pull
request's head, else from the API), pull_request_target (always the API: the pull request's code is
never read from the workspace, checked out or run) and issue_comment (/review commands on pull
requests, with the app's grammar and permission rules). .wfreview.yml is read from the base branch.

It reads GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_TOKEN,
GITHUB_WORKSPACE, GITHUB_STEP_SUMMARY and GITHUB_OUTPUT. The flags below also read WFREVIEW_CONFIG,
WFREVIEW_FAIL_ON, WFREVIEW_SARIF, WFREVIEW_BOT_LOGIN, WFREVIEW_CHECK_NAME and WFREVIEW_SOURCE
when not given (the action's inputs set them).

The review also goes to the step summary and, with --sarif, to a SARIF file for code scanning.
When GitHub refuses the token (a fork's pull request gets a read-only token), those are where the
review is, and the log and the summary say why nothing was commented.

Exit status: 0 done (or nothing to review), 1 a finding at or above --fail-on, 2 the review could
not run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fromEnv := func(name, env, def string, dst *string) {
				if !cmd.Flags().Changed(name) {
					if v, ok := os.LookupEnv(env); ok {
						*dst = v
					} else {
						*dst = def
					}
				}
			}
			fromEnv("token", "GITHUB_TOKEN", "", &f.token)
			fromEnv("config", "WFREVIEW_CONFIG", "", &f.configFile)
			fromEnv("fail-on", "WFREVIEW_FAIL_ON", "never", &f.failOn)
			fromEnv("sarif", "WFREVIEW_SARIF", defaultActionSARIF, &f.sarif)
			fromEnv("bot-login", "WFREVIEW_BOT_LOGIN", defaultActionBot, &f.botLogin)
			fromEnv("check-name", "WFREVIEW_CHECK_NAME", handlers.DefaultCheckName, &f.checkName)
			fromEnv("source", "WFREVIEW_SOURCE", handlers.SourceAuto, &f.source)
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runAction(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.token, "token", "", "GitHub token (default $GITHUB_TOKEN); never logged")
	fl.StringVar(&f.configFile, "config", "", "operator config with the models (default $WFREVIEW_CONFIG)")
	fl.StringVar(&f.failOn, "fail-on", "never", "exit 1 when a finding is at or above this severity: error, warning or never ($WFREVIEW_FAIL_ON)")
	fl.StringVar(&f.sarif, "sarif", defaultActionSARIF, `write the review as SARIF to this file for code scanning; "" for none ($WFREVIEW_SARIF)`)
	fl.StringVar(&f.botLogin, "bot-login", defaultActionBot, "the user the token posts as; only its markers are trusted ($WFREVIEW_BOT_LOGIN)")
	fl.StringVar(&f.checkName, "check-name", handlers.DefaultCheckName, "name of the check run ($WFREVIEW_CHECK_NAME)")
	fl.StringVar(&f.source, "source", handlers.SourceAuto, "where a pull_request's change is read from: auto, checkout or api ($WFREVIEW_SOURCE)")
	fl.BoolVar(&f.noModel, "no-model", false, "run the static checks only")
	fl.BoolVar(&f.noFetch, "no-fetch", false, "never fetch from the remote when a shallow checkout lacks the base (the API is used instead)")
	fl.BoolVar(&f.verifyRegistry, "verify-registry", false, "look new dependencies up in their package registry (network)")
	return cmd
}

// actionEnv is what a workflow step's environment says about the run.
type actionEnv struct {
	eventName, eventPath, repository, apiURL, graphqlURL, serverURL, workspace, stepSummary, output string
	inActions                                                                                       bool
}

func readActionEnv() actionEnv {
	e := actionEnv{
		eventName: os.Getenv("GITHUB_EVENT_NAME"), eventPath: os.Getenv("GITHUB_EVENT_PATH"),
		repository: os.Getenv("GITHUB_REPOSITORY"), apiURL: os.Getenv("GITHUB_API_URL"), graphqlURL: os.Getenv("GITHUB_GRAPHQL_URL"),
		serverURL: os.Getenv("GITHUB_SERVER_URL"), workspace: os.Getenv("GITHUB_WORKSPACE"),
		stepSummary: os.Getenv("GITHUB_STEP_SUMMARY"), output: os.Getenv("GITHUB_OUTPUT"),
		inActions: os.Getenv("GITHUB_ACTIONS") == "true",
	}
	if e.apiURL == "" {
		e.apiURL = defaultAPIURL
	}
	if e.graphqlURL == "" {
		e.graphqlURL = handlers.GraphQLURL(e.apiURL)
	}
	if e.serverURL == "" {
		e.serverURL = "https://github.com"
	}
	if e.workspace == "" {
		e.workspace = "."
	}
	return e
}

func runAction(ctx context.Context, stdout, stderr io.Writer, f actionFlags) error {
	usage := func(err error) error { return &exitError{code: exitUsage, err: err} }
	failRank := 0
	switch f.failOn {
	case "never":
	case "error", "warning":
		failRank = checklist.Severity(f.failOn).Rank()
	default:
		return usage(fmt.Errorf("--fail-on %q: want error, warning or never", f.failOn))
	}
	switch f.source {
	case handlers.SourceAuto, handlers.SourceCheckout, handlers.SourceAPI:
	default:
		return usage(fmt.Errorf("--source %q: want auto, checkout or api", f.source))
	}
	env := readActionEnv()
	log := zerolog.New(zerolog.ConsoleWriter{Out: stderr, NoColor: true}).Level(zerolog.InfoLevel).With().Timestamp().Logger()
	summary := &stepSummary{path: env.stepSummary, log: log}

	// Everything that can go wrong before a review ends here with exit 2 and says so in the summary.
	fail := func(err error) error {
		summary.write("## wfreview\n\n**wfreview could not review this pull request:** " + mdText(err.Error()) + "\n")
		return usage(err)
	}
	switch {
	case env.eventName == "":
		return fail(errors.New("GITHUB_EVENT_NAME is not set: `wfreview action` runs as a GitHub Actions step (use `wfreview review` elsewhere)"))
	case env.eventPath == "":
		return fail(errors.New("GITHUB_EVENT_PATH is not set"))
	case f.token == "":
		return fail(errors.New("no GitHub token: set GITHUB_TOKEN (the action's token input, default ${{ github.token }}) or --token"))
	}
	payload, err := os.ReadFile(env.eventPath)
	if err != nil {
		return fail(fmt.Errorf("read the event payload: %w", err))
	}
	ev, err := handlers.ParseActionEvent(env.eventName, payload, env.repository)
	if err != nil {
		return fail(err)
	}
	client, err := actionClient(env.apiURL, f.token)
	if err != nil {
		return fail(err)
	}
	var op *config.Operator
	if f.configFile != "" {
		if op, err = config.LoadOperator(f.configFile); err != nil {
			return fail(err)
		}
	}
	engine, notes := review.NewEngine(op)
	engine.Log = log.Level(zerolog.WarnLevel)
	engine.VerifyRegistry = f.verifyRegistry
	for _, n := range notes {
		log.Warn().Msg(n)
	}

	// The head of a change read through the API comes as one archive (the operator config's
	// archive limits; the cache lives in the runner's temporary directory), else file by file.
	arc := config.DefaultOperator().Archive
	if op != nil {
		arc = op.Archive
	}
	archives, err := handlers.NewHeadArchives(arc, nil)
	if err != nil {
		log.Warn().Err(err).Msg("head archives unavailable: files are read one by one through the API")
		archives = nil
	}
	runner := &handlers.ActionRunner{
		Client: client, Engine: engine, EngineNotes: notes, Log: log, Archives: archives,
		BotLogin: f.botLogin, CheckName: f.checkName, Workspace: env.workspace, Source: f.source,
		// GraphQL with the REST client's HTTP client: the same token header and retries.
		Threads: handlers.NewThreadAPI(githubv4.NewEnterpriseClient(env.graphqlURL, client.Client())),
		Fetch:   gitrepo.FetchOptions{Disabled: f.noFetch}, NoModel: f.noModel, Whole: failRank > 0,
	}
	res, runErr := runner.Run(ctx, ev)
	if res == nil {
		return fail(runErr)
	}
	if res.Skipped != "" {
		log.Info().Msg("nothing to review: " + res.Skipped)
		summary.write("## wfreview\n\nNothing to review: " + mdText(res.Skipped) + "\n")
		fmt.Fprintln(stdout, "wfreview: nothing to review:", res.Skipped)
		writeOutputs(env.output, log, map[string]string{"reviewed": "false", "findings": "0", "posted": "false"})
		return nil
	}

	r := res.Result
	if err := review.WriteText(stdout, r); err != nil {
		log.Warn().Err(err).Msg("could not print the review")
	}
	var sarifNote string
	if f.sarif != "" {
		if err := writeSARIF(f.sarif, r, res.Items); err != nil {
			log.Error().Err(err).Msg("could not write the SARIF file")
			runErr = errors.Join(runErr, err)
		} else {
			sarifNote = fmt.Sprintf(" and in the SARIF file `%s` (upload it with github/codeql-action/upload-sarif)", f.sarif)
			log.Info().Str("sarif", f.sarif).Msg("SARIF written")
		}
	}

	var head strings.Builder
	switch {
	case res.ReadOnly:
		why := "wfreview could not comment on this pull request: " + res.NotPosted + ". A pull_request workflow gets a read-only " +
			"GITHUB_TOKEN for pull requests from forks, and so does any workflow whose permissions lack pull-requests: write. " +
			"The review is in this step summary" + sarifNote + ". To comment on pull requests from forks, run wfreview on " +
			"pull_request_target, which reviews through the API and never checks out their code (see the README)."
		log.Warn().Msg(why)
		if env.inActions {
			fmt.Fprintln(stdout, workflowCommand("warning", "wfreview could not comment", why))
		}
		head.WriteString("> [!WARNING]\n> " + mdText(why) + "\n\n")
	case runErr != nil:
		head.WriteString("> [!WARNING]\n> wfreview reviewed this pull request but could not post the review: " + mdText(runErr.Error()) + "\n\n")
	case res.Posted && res.Post.ReviewID != 0:
		fmt.Fprintf(&head, "Posted on the pull request: %s/%s/%s/pull/%d#pullrequestreview-%d (source: %s).\n\n",
			strings.TrimSuffix(env.serverURL, "/"), ev.Owner, ev.Repo, ev.Number, res.Post.ReviewID, res.Source)
	case res.NotPosted != "":
		fmt.Fprintf(&head, "Nothing posted on the pull request: %s.\n\n", mdText(res.NotPosted))
	}
	summary.write(head.String() + review.Markdown(r, review.MarkdownOptions{Overflow: r.Findings, OverflowHeading: "Findings"}) + "\n")
	writeOutputs(env.output, log, map[string]string{
		"reviewed": "true", "findings": strconv.Itoa(len(r.Findings)), "posted": strconv.FormatBool(res.Posted), "sarif": f.sarif,
	})
	if runErr != nil {
		return usage(runErr)
	}
	if failRank > 0 {
		for _, fd := range r.Findings {
			if fd.Severity.Rank() >= failRank {
				return &exitError{code: exitFindings, err: fmt.Errorf("a finding is at or above --fail-on %s", f.failOn)}
			}
		}
	}
	return nil
}

// actionClient is a REST client for apiURL (GITHUB_API_URL: https://api.github.com, or
// https://HOST/api/v3 on GitHub Enterprise Server) with the token, retrying rate limits and server
// errors like the app's.
func actionClient(apiURL, token string) (*github.Client, error) {
	u, err := url.Parse(apiURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("GITHUB_API_URL %q: want an http(s) URL", apiURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	hc := &http.Client{Transport: handlers.RetryMiddleware(handlers.RetryOptions{})(http.DefaultTransport)}
	c := github.NewClient(hc).WithAuthToken(token)
	c.BaseURL = u
	c.UserAgent = "wfreview-action/" + version
	return c, nil
}

// stepSummary appends Markdown to $GITHUB_STEP_SUMMARY (nothing when it is not set).
type stepSummary struct {
	path string
	log  zerolog.Logger
}

func (s *stepSummary) write(md string) {
	if s.path == "" {
		return
	}
	fh, err := os.OpenFile(s.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		_, err = io.WriteString(fh, md)
		err = errors.Join(err, fh.Close())
	}
	if err != nil {
		s.log.Warn().Err(err).Msg("could not write the step summary")
	}
}

// writeSARIF writes res as SARIF to path, through a temporary file so a failure leaves no half file.
func writeSARIF(path string, res *review.Result, items []checklist.Item) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".wfreview-*.sarif")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := review.WriteSARIF(tmp, res, items); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// writeOutputs appends step outputs to $GITHUB_OUTPUT. Values are single-line.
func writeOutputs(path string, log zerolog.Logger, kv map[string]string) {
	if path == "" {
		return
	}
	var b strings.Builder
	for _, k := range []string{"reviewed", "findings", "posted", "sarif"} {
		if v, ok := kv[k]; ok {
			fmt.Fprintf(&b, "%s=%s\n", k, strings.NewReplacer("\n", " ", "\r", " ").Replace(v))
		}
	}
	(&stepSummary{path: path, log: log}).write(b.String())
}

// workflowCommand formats a GitHub Actions workflow command (::warning title=...::message) with
// the escaping the runner expects, so no text can start another command.
func workflowCommand(kind, title, msg string) string {
	esc := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	prop := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
	return "::" + kind + " title=" + prop.Replace(title) + "::" + esc.Replace(msg)
}

// mdText is untrusted or error text made safe for one line of the summary.
func mdText(s string) string { return mdsafe.Inline(s) }
