package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-github/v66/github"
	"github.com/palantir/go-githubapp/githubapp"
	"github.com/rs/zerolog"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/queue"
	"github.com/wfreview/wfreview/review"
)

// Worker runs review jobs: it is the queue's Handler.
type Worker struct {
	githubapp.ClientCreator
	Engine  *review.Engine
	Metrics *Metrics
	// Queue, when set, receives a job for a pull request's current head when a job finds itself
	// superseded.
	Queue Enqueuer
	Log   zerolog.Logger
	// BotLogin is the app's user ("<slug>[bot]"); only its markers count (see Poster.BotLogin).
	BotLogin string
	// CheckName is the check run's name (default "wfreview").
	CheckName string
	// PostSleep replaces the poster's wait between re-posts (tests).
	PostSleep func(ctx context.Context, d time.Duration) error
	// Feedback keeps the findings suppressed by feedback (see feedback.go); nil turns feedback off,
	// and the threads wfreview settled are then recorded in its own comments (commentLedger).
	Feedback FeedbackStore
	// Threads, when set, reads and resolves review threads (the action's token); nil uses the
	// installation's GraphQL client.
	Threads ThreadAPI
	// Archives reads each head as one tarball; nil reads files one by one through the API.
	Archives *HeadArchives
	// OrgConfigTTL is how long the organisation default is cached (default DefaultOrgConfigTTL;
	// negative: not cached).
	OrgConfigTTL time.Duration

	orgOnce sync.Once
	org     *orgConfigCache
	// onResult, when set, sees every review result before it is posted (tests).
	onResult func(*review.Result)
}

func (w *Worker) orgConfigs() *orgConfigCache {
	w.orgOnce.Do(func() { w.org = newOrgConfigCache(w.OrgConfigTTL) })
	return w.org
}

// Outcomes of a job, for metrics and logs.
const (
	outcomePosted      = "posted"
	outcomeEmpty       = "empty"
	outcomeSkipped     = "skipped"
	outcomeSuperseded  = "superseded"
	outcomeConfigError = "config_error"
	outcomeFailed      = "failed"
	outcomeReplied     = "replied"
)

// job is the state of one run.
type job struct {
	w       *Worker
	args    queue.ReviewArgs
	attempt int
	client  *github.Client
	log     zerolog.Logger
	calls   *atomic.Int64 // GitHub API requests of the job so far
	pr      *github.PullRequest
	ref     PullRef
	cfg     *config.Repo
	change  *change   // the diff and commits, once read
	head    *headRead // how the head is read, once decided
}

// Run is the queue.Handler: it reviews one pull request at most once per (head, trigger). Errors are
// returned for the queue to retry (the run is idempotent: the summary's key and the comments'
// fingerprints make a retry post nothing twice); problems no retry can fix are queue.Permanent.
func (w *Worker) Run(ctx context.Context, args queue.ReviewArgs, attempt int) (err error) {
	if isFeedbackJob(args) {
		return w.runIgnore(ctx, args)
	}
	start := time.Now()
	var calls atomic.Int64
	ctx = withCallCounter(ctx, &calls)
	log := w.Log.With().
		Str(githubapp.LogKeyDeliveryID, args.DeliveryID).
		Int64(githubapp.LogKeyInstallationID, args.InstallationID).
		Str(githubapp.LogKeyRepositoryOwner, args.Owner).
		Str(githubapp.LogKeyRepositoryName, args.Repo).
		Int(githubapp.LogKeyPRNum, args.Number).
		Str("trigger", args.Trigger).Int("attempt", attempt).Logger()
	ctx = log.WithContext(ctx)

	outcome := outcomeFailed
	defer func() {
		w.Metrics.review(outcome)
		if w.Metrics != nil {
			w.Metrics.ReviewSeconds.Observe(time.Since(start).Seconds())
			w.Metrics.CallsPerReview.Observe(float64(calls.Load()))
		}
		ev := log.Info()
		if err != nil {
			ev = log.Warn().Err(err)
		}
		ev.Str("outcome", outcome).Int64("github_requests", calls.Load()).Dur("elapsed", time.Since(start)).Msg("review job finished")
	}()

	client, err := w.NewInstallationClient(args.InstallationID)
	if err != nil {
		return fmt.Errorf("installation client: %w", err)
	}
	j := &job{w: w, args: args, attempt: attempt, client: client, log: log, calls: &calls}
	defer func() { j.head.release() }() // j.head is set during the run
	outcome, err = j.run(ctx)
	if j.head != nil && j.head.outcome != "" && w.Metrics != nil {
		w.Metrics.Archives.WithLabelValues(j.head.outcome).Inc()
	}
	return err
}

func (j *job) isComment() bool { return strings.HasPrefix(j.args.Trigger, triggerCommentPref) }

func (j *job) run(ctx context.Context) (string, error) {
	a := j.args
	pr, _, err := j.client.PullRequests.Get(ctx, a.Owner, a.Repo, a.Number)
	if err != nil {
		if isStatus(err, http.StatusNotFound) {
			return outcomeSkipped, queue.Permanent(fmt.Errorf("pull request %s/%s#%d not found: %w", a.Owner, a.Repo, a.Number, err))
		}
		return outcomeFailed, fmt.Errorf("get pull request: %w", err)
	}
	j.pr = pr
	if pr.GetState() != "open" {
		j.log.Info().Msg("pull request is closed; nothing to review")
		return outcomeSkipped, nil
	}
	head := pr.GetHead().GetSHA()
	if !j.isComment() && head != a.HeadSHA {
		// Webhooks can arrive out of order, and a late one may have cancelled the job of the newer
		// head: make sure the current head has a job (deduplicated if it already does).
		j.log.Info().Str("job_head", a.HeadSHA).Str("pr_head", head).Msg("superseded by a newer push")
		if j.w.Queue != nil {
			next := a
			next.HeadSHA, next.Trigger, next.DeliveryID = head, TriggerAuto, "resync:"+head
			if _, err := j.w.Queue.Enqueue(ctx, next); err != nil {
				return outcomeFailed, fmt.Errorf("queue the review of the current head: %w", err)
			}
		}
		return outcomeSuperseded, nil
	}
	j.ref = PullRef{Owner: a.Owner, Repo: a.Repo, Number: a.Number, HeadSHA: head}

	if j.isComment() {
		j.react(ctx)
	}
	if j.likelyReviewed() {
		// Read the diff and the head first: the config can then come from the archive for free.
		if err := j.readChange(ctx); err != nil {
			return outcomeFailed, err
		}
		j.readHead(ctx)
	}
	lookup := &configLookup{c: j.client, owner: a.Owner, repo: a.Repo, base: pr.GetBase().GetSHA(),
		installation: a.InstallationID, change: j.change, org: j.w.orgConfigs()}
	if j.head != nil {
		lookup.head = j.head.tree
	}
	cfg, src, err := lookup.load(ctx)
	if err != nil {
		var ce config.Errors
		var one *config.Error
		if errors.As(err, &ce) || errors.As(err, &one) {
			return outcomeConfigError, j.reportConfigError(ctx, src, err)
		}
		return outcomeFailed, err
	}
	j.cfg = cfg
	j.log.Debug().Str("config", src).Str("config_via", lookup.via).Msg("configuration read")

	if j.isComment() {
		if done, outcome, err := j.commandGate(ctx); done {
			return outcome, err
		}
	} else if reason := j.autoSkip(); reason != "" {
		j.log.Info().Str("reason", reason).Msg("automatic review skipped")
		return outcomeSkipped, nil
	}
	return j.review(ctx)
}

// likelyReviewed reports whether an automatic review will most likely run, judged before the config
// is read: then the diff and the head archive are read first, and the config comes from the archive
// when it can. Drafts, bot pull requests and commands read the config through the API first, so a
// skipped review or a refused command downloads nothing.
func (j *job) likelyReviewed() bool {
	return !j.isComment() && !j.pr.GetDraft() && j.pr.GetUser().GetType() != "Bot"
}

// readChange reads the diff and the commits once.
func (j *job) readChange(ctx context.Context) error {
	if j.change != nil {
		return nil
	}
	ch, err := fetchChange(ctx, j.client, j.ref, j.pr.GetBase().GetSHA())
	if err != nil {
		return err
	}
	j.change = ch
	return nil
}

// readHead decides, once, how the head is read: its archive, else files one by one.
func (j *job) readHead(ctx context.Context) {
	if j.head != nil {
		return
	}
	j.head = j.w.Archives.read(ctx, j.client, j.args.Owner, j.args.Repo, j.ref.HeadSHA, j.pr.GetBase().GetRepo().GetSize())
	ev := j.log.Info()
	if j.head.note != "" {
		ev = j.log.Warn().Str("reason", j.head.note)
	}
	ev.Str("archive", j.head.outcome).Msg("head read")
}

// autoSkip says why an automatic review does not run, or "".
func (j *job) autoSkip() string {
	switch login := j.pr.GetUser().GetLogin(); {
	case !j.cfg.Review.AutoEnabled():
		return "review.auto is off"
	case j.pr.GetDraft() && !j.cfg.Review.Drafts:
		return "draft pull request (review.drafts is off)"
	case j.pr.GetUser().GetType() == "Bot" && !j.cfg.Review.Bots:
		return "opened by a bot (review.bots is off)"
	case j.cfg.IgnoresAuthor(login):
		return "author is in review.ignore_authors"
	}
	return ""
}

func (j *job) review(ctx context.Context) (string, error) {
	a := j.args
	poster := &Poster{Client: j.client, Log: j.log, BotLogin: j.w.BotLogin, Sleep: j.w.PostSleep}
	var annotated []checklist.Finding // what the check run's completion will carry
	// The summary's request count includes the review's POST and the check run's completion.
	poster.Footer = func() string { return j.footer(1 + checkCompletionRequests(annotated)) }
	state, err := poster.Posted(ctx, j.ref)
	if err != nil {
		return outcomeFailed, err
	}
	key := j.ref.HeadSHA + ":" + a.Trigger
	checks := &CheckRuns{Client: j.client, Name: j.w.CheckName, Log: j.log}
	if state.Keys[key] {
		// An earlier attempt posted the review and then stopped (crash, kill -9): finish its check run.
		j.log.Info().Str("key", key).Msg("this run's review is already on the pull request")
		if id, err := checks.FindOpen(ctx, j.ref, key); err != nil {
			j.log.Warn().Err(err).Msg("could not look for the unfinished check run")
		} else if id != 0 {
			if err := checks.Complete(ctx, j.ref, id, CheckOutput{Conclusion: ConclusionNeutral, Title: "Review posted",
				Summary: "The review of this commit was posted by an earlier attempt of this run: see the pull request's reviews."}); err != nil {
				j.log.Warn().Err(err).Msg("could not complete the check run")
			}
		}
		return outcomePosted, nil
	}

	if err := j.readChange(ctx); err != nil {
		return outcomeFailed, err
	}
	ix := j.change.ix
	var only []string
	var notes []string
	if a.Mode != ModeFull && state.LastReviewedSHA != "" {
		only, notes, err = j.changedSince(ctx, state.LastReviewedSHA)
		if err != nil {
			return outcomeFailed, err
		}
		if only != nil && len(only) == 0 && !j.isComment() {
			j.log.Info().Str("last_reviewed", state.LastReviewedSHA).Msg("no change since the last review")
			return outcomeSkipped, nil
		}
	}

	// The first attempt of a job cannot have left a check run of its own: it only looks for one on a
	// retry (after a crash, River runs the job again with the next attempt number). An attempt
	// interrupted by a shutdown runs again with the same number, so it completes its run first.
	checks.SkipFind = j.attempt <= 1
	runID, err := checks.Start(ctx, j.ref, key)
	if err != nil {
		j.log.Warn().Err(err).Msg("could not start the check run; continuing")
	}
	completed := false
	defer func() {
		if runID != 0 && !completed && ctx.Err() != nil {
			j.interrupted(ctx, checks, runID)
		}
	}()

	j.readHead(ctx)
	var tree checklist.Tree = newTree(j.client, a.Owner, a.Repo, j.ref.HeadSHA)
	if j.head.tree != nil {
		tree = j.head.tree
	}
	if j.head.note != "" {
		notes = append(notes, j.head.note)
	}
	var labels []string
	for _, l := range j.pr.Labels {
		labels = append(labels, l.GetName())
	}
	res, err := j.w.Engine.Run(ctx, &review.Request{
		Base: j.pr.GetBase().GetSHA(), Head: j.ref.HeadSHA, Diff: ix,
		Tree: tree, Config: j.cfg, Commits: j.change.commits,
		PRBody: j.pr.GetBody(), Labels: labels, Checks: a.Checks, OnlyPaths: only,
	})
	if err != nil {
		return outcomeFailed, fmt.Errorf("review: %w", err)
	}
	res.Notes = append(notes, res.Notes...)
	j.earlier(ctx, state, ix, only, res) // feedback, suppressed findings, stale threads
	j.observe(res)
	if j.w.onResult != nil {
		j.w.onResult(res)
	}

	event := EventComment
	if j.cfg.Review.RequestChanges && hasSeverity(res, checklist.SeverityError) {
		event = EventRequestChanges
	}
	annotated = res.Findings
	out, err := poster.Post(ctx, j.ref, res, PostOptions{Event: event, Key: key, Diff: ix, MaxInline: min(DefaultMaxInline, j.cfg.MaxComments),
		SummaryWhenEmpty: j.isComment() || state.LastReviewedSHA == ""}, state)
	if err != nil {
		return outcomeFailed, fmt.Errorf("post review: %w", err)
	}
	j.log.Info().Int64("review_id", out.ReviewID).Int("inline", out.Inline).Int("overflow", out.Overflow).
		Int("already_posted", out.AlreadyPosted).Int("moved", len(out.Moved)).Bool("empty", out.Empty).Msg("review posted")

	completed = true
	if err := checks.Complete(ctx, j.ref, runID, CheckOutput{
		Conclusion: ConclusionFor(res, j.cfg.Review.FailCheck),
		Summary:    review.Markdown(res, review.MarkdownOptions{Footer: j.footer(checkCompletionRequests(res.Findings))}),
		Findings:   res.Findings,
	}); err != nil {
		j.log.Warn().Err(err).Msg("could not complete the check run")
	}
	if out.Empty {
		return outcomeEmpty, nil
	}
	return outcomePosted, nil
}

// footer is the summary's last line: the GitHub API requests of the review (those made so far plus
// the ones still to come, given) and how the head was read.
func (j *job) footer(still int) string {
	s := fmt.Sprintf("GitHub requests: %d", j.calls.Load()+int64(still))
	switch {
	case j.head == nil || j.head.outcome == "":
	case j.head.tree != nil:
		s += " · head read from one archive"
	default:
		s += " · head read file by file"
	}
	return s
}

// interrupted completes the check run of an attempt whose context ended (shutdown or timeout), so no
// run is left in progress: the job runs again and starts a new one.
func (j *job) interrupted(ctx context.Context, checks *CheckRuns, runID int64) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := checks.Complete(cctx, j.ref, runID, CheckOutput{Conclusion: ConclusionCancelled, Title: "Interrupted",
		Summary: "This review was interrupted (the server stopped or the attempt timed out); it runs again."}); err != nil {
		j.log.Warn().Err(err).Msg("could not complete the interrupted check run")
	}
}

// changedSince returns the files changed between the last reviewed commit and head when the last
// one is an ancestor of head (an incremental review), or nil for a full review (force push).
func (j *job) changedSince(ctx context.Context, last string) ([]string, []string, error) {
	head := j.ref.HeadSHA
	if last == head {
		return []string{}, []string{"No new commits since the last review."}, nil
	}
	cmp, _, err := j.client.Repositories.CompareCommits(ctx, j.ref.Owner, j.ref.Repo, last, head, &github.ListOptions{PerPage: 100})
	if err != nil {
		if isStatus(err, http.StatusNotFound) {
			return nil, []string{fmt.Sprintf("The last reviewed commit %s is gone (force push): the whole pull request was reviewed.", short(last))}, nil
		}
		return nil, nil, fmt.Errorf("compare %s...%s: %w", short(last), short(head), err)
	}
	switch cmp.GetStatus() {
	case "identical":
		return []string{}, nil, nil
	case "ahead":
		if len(cmp.Files) >= 300 { // the compare API lists at most 300 files: review everything
			return nil, nil, nil
		}
		only := make([]string, 0, len(cmp.Files))
		for _, f := range cmp.Files {
			only = append(only, f.GetFilename())
		}
		return only, []string{fmt.Sprintf("Incremental review: %d file(s) changed since %s, the last reviewed commit.", len(only), short(last))}, nil
	}
	return nil, []string{fmt.Sprintf("History was rewritten since %s: the whole pull request was reviewed.", short(last))}, nil
}

func (j *job) observe(res *review.Result) {
	m := j.w.Metrics
	if m == nil {
		return
	}
	for _, f := range res.Findings {
		m.Findings.WithLabelValues(f.Check, f.Source).Inc()
	}
	if u := res.Usage; u != nil {
		m.ModelTokens.WithLabelValues("prompt").Add(float64(u.PromptTokens))
		m.ModelTokens.WithLabelValues("completion").Add(float64(u.CompletionTokens))
	}
}

func hasSeverity(res *review.Result, s checklist.Severity) bool {
	for _, f := range res.Findings {
		if f.Severity == s {
			return true
		}
	}
	return false
}

func isStatus(err error, code int) bool {
	var ge *github.ErrorResponse
	return errors.As(err, &ge) && ge.Response != nil && ge.Response.StatusCode == code
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
