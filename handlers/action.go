package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v66/github"
	"github.com/rs/zerolog"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/gitrepo"
	"github.com/wfreview/wfreview/queue"
	"github.com/wfreview/wfreview/review"
)

// The GitHub Action: `wfreview action` reviews the pull request of a workflow run with the
// workflow's token, and posts through the same Poster and CheckRuns as the app, by the same rules
// (.wfreview.yml from the base branch, the /review grammar and who may run it, automatic-review
// settings, incremental reviews, one review per run key). A job of the app's worker carries those
// rules; the action builds one for its run (no queue, no installation: the token is given).
//
// Where the change comes from:
//   - pull_request: the workspace checkout when it holds (or can fetch) the head commit, else the
//     API (the pull request's files with their patches, the head's files through the contents API);
//   - pull_request_target and issue_comment: always the API. These run with a write token in the
//     base repository's context, so wfreview never reads, checks out or runs the pull request's
//     code from the workspace there.

// Event names the action handles.
const (
	EventPullRequest       = "pull_request"
	EventPullRequestTarget = "pull_request_target"
	EventIssueComment      = "issue_comment"
)

// Where the action reads a pull_request's change from (ActionRunner.Source).
const (
	SourceAuto     = "auto"     // the checkout when it can give the change, else the API
	SourceCheckout = "checkout" // the checkout only (an error when it cannot)
	SourceAPI      = "api"      // the API only
)

// ActionEvent is what the action needs from a workflow run's event payload (GITHUB_EVENT_PATH).
type ActionEvent struct {
	// Name is GITHUB_EVENT_NAME; Action the payload's "action".
	Name, Action string
	Owner, Repo  string
	Number       int
	// PR is the payload's pull request (pull_request and pull_request_target).
	PR *github.PullRequest
	// Issue and Comment are the payload's (issue_comment).
	Issue   *github.Issue
	Comment *github.IssueComment
	Sender  *github.User
}

// ParseActionEvent reads the event payload of a workflow run. repository is GITHUB_REPOSITORY
// ("owner/name"); "" takes the payload's repository.
func ParseActionEvent(name string, payload []byte, repository string) (*ActionEvent, error) {
	ev := &ActionEvent{Name: name}
	var common struct {
		Action     string             `json:"action"`
		Repository *github.Repository `json:"repository"`
		Sender     *github.User       `json:"sender"`
	}
	if err := json.Unmarshal(payload, &common); err != nil {
		return nil, fmt.Errorf("event payload: %w", err)
	}
	ev.Action, ev.Sender = common.Action, common.Sender
	if repository == "" && common.Repository != nil {
		repository = common.Repository.GetFullName()
	}
	owner, repo, ok := strings.Cut(repository, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return nil, fmt.Errorf("repository %q: want owner/name (GITHUB_REPOSITORY)", repository)
	}
	ev.Owner, ev.Repo = owner, repo

	switch name {
	case EventPullRequest, EventPullRequestTarget:
		var p github.PullRequestEvent
		if err := json.Unmarshal(payload, &p); err != nil {
			return nil, fmt.Errorf("%s payload: %w", name, err)
		}
		if p.PullRequest == nil || p.PullRequest.GetNumber() == 0 || p.PullRequest.GetHead().GetSHA() == "" {
			return nil, fmt.Errorf("%s payload has no pull request with a number and a head SHA", name)
		}
		ev.PR, ev.Number = p.PullRequest, p.PullRequest.GetNumber()
	case EventIssueComment:
		var p github.IssueCommentEvent
		if err := json.Unmarshal(payload, &p); err != nil {
			return nil, fmt.Errorf("%s payload: %w", name, err)
		}
		if p.Issue == nil || p.Comment == nil {
			return nil, fmt.Errorf("%s payload has no issue or comment", name)
		}
		ev.Issue, ev.Comment, ev.Number = p.Issue, p.Comment, p.Issue.GetNumber()
	default:
		return nil, fmt.Errorf("event %q: wfreview action handles %s, %s and %s", name, EventPullRequest, EventPullRequestTarget, EventIssueComment)
	}
	return ev, nil
}

// ActionRunner runs the action for one event.
type ActionRunner struct {
	// Client is the REST client with the workflow's token.
	Client *github.Client
	Engine *review.Engine
	// EngineNotes are notes from building the engine (reviewers left out), put in the review.
	EngineNotes []string
	Log         zerolog.Logger
	// BotLogin is the user the token posts as ("github-actions[bot]" for GITHUB_TOKEN): only its
	// reviews and comments are read for wfreview's markers.
	BotLogin string
	// Threads reads and resolves review threads with the token (GraphQL): an earlier comment whose
	// line a push fixed is resolved, as the app does; the record that it was (so a person who
	// unresolves it is not overruled) is a marker in the comment. nil leaves threads alone.
	Threads ThreadAPI
	// CheckName is the check run's name (default "wfreview").
	CheckName string
	// Workspace is the checkout of the run (GITHUB_WORKSPACE); only pull_request events read it.
	Workspace string
	// Source says where a pull_request's change is read from: SourceAuto (default), SourceCheckout
	// or SourceAPI.
	Source string
	// Fetch bounds what a shallow checkout fetches (see gitrepo.FetchOptions).
	Fetch gitrepo.FetchOptions
	// Archives reads the head as one tarball when the change comes through the API; nil reads
	// files one by one.
	Archives *HeadArchives
	// NoModel runs the static checks only.
	NoModel bool
	// Whole reviews the whole pull request on every run instead of the commits since the last
	// review (findings already posted are still not posted again). Set it when the exit code gates
	// the pull request: an incremental run would not see findings of earlier pushes.
	Whole bool
	// PostSleep replaces the poster's wait between re-posts (tests).
	PostSleep func(ctx context.Context, d time.Duration) error
}

// ActionResult is what one run did.
type ActionResult struct {
	// Skipped says why no review ran; "" when one did.
	Skipped string
	// Result is the review (nil when Skipped).
	Result *review.Result
	// Items are the checklist items the repository configures (for SARIF rules).
	Items []checklist.Item
	// Source is where the change was read from: "checkout" or "api".
	Source string
	// Post is what the poster did (zero when it did not post).
	Post PostResult
	// Posted is set when the review is on the pull request (posted now or by an earlier attempt).
	Posted bool
	// NotPosted says why the review is not on the pull request; ReadOnly is set when GitHub
	// refused the token (403 "Resource not accessible by integration").
	NotPosted string
	ReadOnly  bool
	// CheckRun is set when the check run was completed.
	CheckRun bool
}

// Run handles one event. It returns an error when the review could not run (bad event, invalid
// .wfreview.yml, GitHub failing); the result, when not nil, holds what was done before it.
func (a *ActionRunner) Run(ctx context.Context, ev *ActionEvent) (*ActionResult, error) {
	log := a.Log.With().Str("event", ev.Name).Str("owner", ev.Owner).Str("repo", ev.Repo).Int("pr", ev.Number).Logger()
	switch ev.Name {
	case EventPullRequest, EventPullRequestTarget:
		return a.runPull(ctx, ev, log)
	case EventIssueComment:
		return a.runComment(ctx, ev, log)
	}
	return nil, fmt.Errorf("event %q: wfreview action handles %s, %s and %s", ev.Name, EventPullRequest, EventPullRequestTarget, EventIssueComment)
}

func skipped(format string, args ...any) *ActionResult {
	return &ActionResult{Skipped: fmt.Sprintf(format, args...)}
}

// newJob is the app's job for this run: the rules of commands, configuration and posting.
func (a *ActionRunner) newJob(ev *ActionEvent, log zerolog.Logger, args queue.ReviewArgs) *job {
	args.Owner, args.Repo, args.Number = ev.Owner, ev.Repo, ev.Number
	if args.DeliveryID == "" {
		args.DeliveryID = "action"
	}
	return &job{w: &Worker{Engine: a.Engine, Log: log, BotLogin: a.BotLogin, CheckName: a.CheckName, PostSleep: a.PostSleep, Threads: a.Threads},
		args: args, client: a.Client, log: log}
}

func (a *ActionRunner) runPull(ctx context.Context, ev *ActionEvent, log zerolog.Logger) (*ActionResult, error) {
	trigger := TriggerAuto
	switch ev.Action {
	case "opened", "reopened", "synchronize":
	case "ready_for_review":
		trigger = TriggerReady
	default:
		return skipped("pull request event %q: wfreview reviews opened, reopened, synchronize and ready_for_review", ev.Action), nil
	}
	if ev.PR.GetState() != "open" {
		return skipped("pull request #%d is %s", ev.Number, ev.PR.GetState()), nil
	}
	j := a.newJob(ev, log, queue.ReviewArgs{HeadSHA: ev.PR.GetHead().GetSHA(), Trigger: trigger})
	pr, _, err := a.Client.PullRequests.Get(ctx, ev.Owner, ev.Repo, ev.Number)
	if err != nil {
		return nil, fmt.Errorf("get pull request #%d: %w", ev.Number, err)
	}
	if head := pr.GetHead().GetSHA(); head != j.args.HeadSHA {
		return skipped("superseded: the pull request's head is now %s (this run is for %s); the run of the newer push reviews it", short(head), short(j.args.HeadSHA)), nil
	}
	j.pr = pr
	j.ref = PullRef{Owner: ev.Owner, Repo: ev.Repo, Number: ev.Number, HeadSHA: j.args.HeadSHA}
	if err := a.loadConfig(ctx, j); err != nil {
		return nil, err
	}
	if reason := j.autoSkip(); reason != "" {
		return skipped("automatic review skipped: %s", reason), nil
	}
	return a.review(ctx, j, ev.Name == EventPullRequest)
}

func (a *ActionRunner) runComment(ctx context.Context, ev *ActionEvent, log zerolog.Logger) (*ActionResult, error) {
	c, issue := ev.Comment, ev.Issue
	switch {
	case ev.Action != "created":
		return skipped("comment %s: only new comments run /review", ev.Action), nil
	case !issue.IsPullRequest():
		return skipped("comment on issue #%d, which is not a pull request: /review runs on pull requests only", ev.Number), nil
	case c.GetUser().GetType() == "Bot" || ev.Sender.GetType() == "Bot":
		return skipped("comment by a bot (%s)", c.GetUser().GetLogin()), nil
	}
	cmd, ok := ParseCommand(c.GetBody())
	if !ok {
		return skipped("comment is not a /review command"), nil
	}
	if issue.GetState() != "open" && !cmd.Help {
		return skipped("/review on a closed pull request"), nil
	}
	j := a.newJob(ev, log, queue.ReviewArgs{
		Trigger: triggerCommentPref + strconv.FormatInt(c.GetID(), 10), Mode: cmd.Mode(), Checks: cmd.Checks,
		Requester: c.GetUser().GetLogin(), CommentID: c.GetID(),
	})
	pr, _, err := a.Client.PullRequests.Get(ctx, ev.Owner, ev.Repo, ev.Number)
	if err != nil {
		return nil, fmt.Errorf("get pull request #%d: %w", ev.Number, err)
	}
	j.pr = pr
	j.args.HeadSHA = pr.GetHead().GetSHA()
	j.ref = PullRef{Owner: ev.Owner, Repo: ev.Repo, Number: ev.Number, HeadSHA: j.args.HeadSHA}
	j.react(ctx)
	if err := a.loadConfig(ctx, j); err != nil {
		return nil, err
	}
	// What the gate will answer, worked out first without GitHub, for the log.
	var unknown []string
	for _, id := range j.args.Checks {
		if enabled, _ := j.cfg.ItemStatus(id); !enabled && !j.isCustom(id) {
			unknown = append(unknown, id)
		}
	}
	done, _, err := j.commandGate(ctx)
	if done {
		var why string
		switch {
		case err != nil && !isReadOnly(err):
			return nil, err
		case j.args.Mode == ModeHelp:
			why = "answered /review help"
		case len(unknown) > 0:
			why = "unknown or disabled checklist item(s): " + strings.Join(unknown, ", ")
		default:
			why = fmt.Sprintf("%s may not run /review here (collaborators with write access and the pull request's author may; review.commands: anyone opens it)", j.args.Requester)
		}
		if err != nil {
			why += fmt.Sprintf("; the reply could not be posted: %v", err)
		}
		return skipped("%s", why), nil
	}
	return a.review(ctx, j, false)
}

// loadConfig reads .wfreview.yml from the base branch into j.cfg. An invalid file is reported on
// the check run and in a comment, as the app does (best effort: a read-only token cannot), and
// ends the run with an error.
func (a *ActionRunner) loadConfig(ctx context.Context, j *job) error {
	lookup := &configLookup{c: a.Client, owner: j.args.Owner, repo: j.args.Repo, base: j.pr.GetBase().GetSHA(),
		org: newOrgConfigCache(-1)}
	cfg, src, err := lookup.load(ctx)
	if err != nil {
		var ce config.Errors
		var one *config.Error
		if errors.As(err, &ce) || errors.As(err, &one) {
			if rerr := j.reportConfigError(ctx, src, err); rerr != nil {
				j.log.Warn().Err(rerr).Msg("could not report the configuration error on the pull request")
			}
			return fmt.Errorf("invalid %s (read from the base branch): %w", src, err)
		}
		return err
	}
	j.cfg = cfg
	return nil
}

// review runs the review of j's pull request and posts it. allowCheckout lets a pull_request
// read the change from the workspace.
func (a *ActionRunner) review(ctx context.Context, j *job, allowCheckout bool) (*ActionResult, error) {
	log := j.log
	out := &ActionResult{Items: j.cfg.Items()}
	poster := &Poster{Client: a.Client, Log: log, BotLogin: a.BotLogin, Sleep: a.PostSleep}
	state, err := poster.Posted(ctx, j.ref)
	if err != nil {
		return nil, err
	}
	key := j.ref.HeadSHA + ":" + j.args.Trigger
	already := state.Keys[key]
	if already {
		// A re-run of the workflow: the review is there. The review runs again for the exit code,
		// the summary and SARIF; the poster posts nothing.
		log.Info().Str("key", key).Msg("this run's review is already on the pull request; nothing will be posted")
	}

	var only []string
	var notes []string
	if !a.Whole && !already && j.args.Mode != ModeFull && state.LastReviewedSHA != "" {
		if only, notes, err = j.changedSince(ctx, state.LastReviewedSHA); err != nil {
			return nil, err
		}
		if only != nil && len(only) == 0 && !j.isComment() {
			return skipped("no change since the last review (%s)", short(state.LastReviewedSHA)), nil
		}
	}

	checks := &CheckRuns{Client: a.Client, Name: a.CheckName, Log: log}
	checksOK := true
	var runID int64
	if already {
		if runID, err = checks.FindOpen(ctx, j.ref, key); err != nil {
			log.Warn().Err(err).Msg("could not look for an unfinished check run")
		}
		checksOK = runID != 0 // finish a run an earlier attempt left open; else leave the finished one
	} else if runID, err = checks.Start(ctx, j.ref, key); err != nil {
		checksOK = !isReadOnly(err)
		log.Warn().Err(err).Msg("could not start the check run")
	}
	failCheck := func(msg string) {
		if checksOK {
			if err := checks.Complete(ctx, j.ref, runID, CheckOutput{Conclusion: ConclusionFailure, Title: "wfreview could not review this commit", Summary: msg}); err != nil {
				log.Warn().Err(err).Msg("could not complete the check run")
			}
		}
	}

	req, source, err := a.change(ctx, j, allowCheckout, only)
	if err != nil {
		failCheck(err.Error())
		return nil, err
	}
	if req.Release != nil {
		defer req.Release()
	}
	out.Source = source
	log.Info().Str("source", source).Str("base", short(req.Base)).Str("head", short(req.Head)).Int("files", len(req.Diff.Paths())).
		Strs("checks", j.args.Checks).Msg("reviewing")
	res, err := a.Engine.Run(ctx, req)
	if err != nil {
		failCheck(err.Error())
		return nil, fmt.Errorf("review: %w", err)
	}
	res.Notes = append(append(append([]string(nil), a.EngineNotes...), notes...), res.Notes...)
	out.Result = res
	if a.Threads != nil && !already {
		j.earlier(ctx, state, req.Diff, only, res) // stale threads (feedback needs the app's database)
	}

	event := EventComment
	if j.cfg.Review.RequestChanges && hasSeverity(res, checklist.SeverityError) {
		event = EventRequestChanges
	}
	post, err := poster.Post(ctx, j.ref, res, PostOptions{Event: event, Key: key, Diff: req.Diff,
		MaxInline: min(DefaultMaxInline, j.cfg.MaxComments), SummaryWhenEmpty: j.isComment() || state.LastReviewedSHA == ""}, state)
	out.Post = post
	switch {
	case err == nil:
		out.Posted = !post.Empty
		if post.Empty {
			out.NotPosted = "no new findings since the last review"
		}
		log.Info().Int64("review_id", post.ReviewID).Int("inline", post.Inline).Int("overflow", post.Overflow).
			Int("already_posted", post.AlreadyPosted).Bool("skipped", post.Skipped).Bool("empty", post.Empty).Msg("review posted")
	case isReadOnly(err):
		out.ReadOnly = true
		out.NotPosted = "GitHub refused the token (403 Resource not accessible by integration): it may not write pull request reviews"
		log.Warn().Err(err).Msg("could not post the review: the token is read-only")
	default:
		failCheck("The review ran but could not be posted: " + err.Error())
		return out, fmt.Errorf("post review: %w", err)
	}

	if checksOK {
		err := checks.Complete(ctx, j.ref, runID, CheckOutput{
			Conclusion: ConclusionFor(res, j.cfg.Review.FailCheck),
			Summary:    review.Markdown(res, review.MarkdownOptions{}),
			Findings:   res.Findings,
		})
		if err != nil {
			log.Warn().Err(err).Msg("could not complete the check run")
		} else {
			out.CheckRun = true
		}
	}
	return out, nil
}

// change reads the change to review: from the workspace checkout (pull_request, unless Source is
// api) or through the API.
func (a *ActionRunner) change(ctx context.Context, j *job, allowCheckout bool, only []string) (*review.Request, string, error) {
	labels := make([]string, 0, len(j.pr.Labels))
	for _, l := range j.pr.Labels {
		labels = append(labels, l.GetName())
	}
	if allowCheckout && a.Source != SourceAPI && a.Workspace != "" {
		req, err := a.Engine.LocalChange(ctx, review.LocalRequest{
			Dir: a.Workspace, Base: j.pr.GetBase().GetSHA(), Head: j.ref.HeadSHA, Config: j.cfg,
			PRBody: j.pr.GetBody(), Labels: labels, Checks: j.args.Checks, NoModel: a.NoModel, OnlyPaths: only, Fetch: a.Fetch,
		})
		if err == nil {
			return req, SourceCheckout, nil // the caller releases it
		}
		if a.Source == SourceCheckout {
			return nil, "", fmt.Errorf("the checkout in %s cannot give the change: %w", a.Workspace, err)
		}
		j.log.Warn().Err(err).Msg("the checkout cannot give the change; reading it through the API")
	}
	ch, err := fetchChange(ctx, a.Client, j.ref, j.pr.GetBase().GetSHA())
	if err != nil {
		return nil, "", err
	}
	if a.Engine.Registry == nil && (a.Engine.VerifyRegistry || j.cfg.Registry.Verify) {
		a.Engine.Registry = checklist.NewRegistry()
	}
	// The head through the API: one archive when Archives is set, else files one by one. Never the
	// workspace, which may hold anything (pull_request_target).
	head := a.Archives.read(ctx, a.Client, j.args.Owner, j.args.Repo, j.ref.HeadSHA, j.pr.GetBase().GetRepo().GetSize())
	var tree checklist.Tree = newTree(a.Client, j.args.Owner, j.args.Repo, j.ref.HeadSHA)
	if head.tree != nil {
		tree = head.tree
	}
	var notes []string
	if head.note != "" {
		notes = append(notes, head.note)
	}
	return &review.Request{
		Base: j.pr.GetBase().GetSHA(), Head: j.ref.HeadSHA, Diff: ch.ix,
		Tree: tree, Config: j.cfg, Commits: ch.commits,
		PRBody: j.pr.GetBody(), Labels: labels, Checks: j.args.Checks, OnlyPaths: only, NoModel: a.NoModel,
		Notes: notes, Release: head.release,
	}, SourceAPI, nil
}

// isReadOnly reports whether GitHub refused a write for lack of permission: 403 "Resource not
// accessible by integration" (a GitHub App or GITHUB_TOKEN) or "... by personal access token".
// Rate limits, which GitHub also answers with 403, are not.
func isReadOnly(err error) bool {
	var ge *github.ErrorResponse
	return errors.As(err, &ge) && ge.Response != nil && ge.Response.StatusCode == http.StatusForbidden &&
		strings.Contains(ge.Message, "Resource not accessible")
}
