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
	"github.com/palantir/go-githubapp/githubapp"

	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/queue"
	"github.com/wfreview/wfreview/review"
)

// Feedback: a 👎 on one of wfreview's review comments, or a reply `/review ignore` to it, by someone
// allowed to run /review commands (see job.mayRun), suppresses that finding's fingerprint in the
// repository: later reviews of every pull request there do not post it, and their summary counts
// it. Suppressions live in the database (queue.Queue). Replies arrive as webhooks
// (pull_request_review_comment) and become small jobs; reactions send no webhook and are read at
// the next review, which also picks up replies whose webhook was missed.

// FeedbackStore keeps suppressed findings, and the stale threads wfreview is done with
// (queue.Queue implements it).
type FeedbackStore interface {
	Suppress(ctx context.Context, s queue.Suppression) (bool, error)
	Suppressions(ctx context.Context, owner, repo string) ([]queue.Suppression, error)
	RecordThreads(ctx context.Context, owner, repo string, number int, outcome string, commentIDs []int64) error
	RecordedThreads(ctx context.Context, owner, repo string, number int) (map[int64]string, error)
}

// Feedback jobs: a reply `/review ignore`, whose trigger is this prefix and the reply's ID.
const (
	TriggerIgnorePrefix = "ignore:"
	ModeIgnore          = "ignore"
	outcomeFeedback     = "feedback"
)

// isIgnoreCommand reports whether a comment's first line is `/review ignore` (a reason may follow).
func isIgnoreCommand(body string) bool {
	line, _, _ := strings.Cut(strings.TrimSpace(body), "\n")
	f := strings.Fields(line)
	return len(f) >= 2 && strings.EqualFold(f[0], "/review") && strings.EqualFold(strings.TrimRight(f[1], ":,.;!"), "ignore")
}

// ReviewComment handles pull_request_review_comment events: a reply `/review ignore` becomes a
// feedback job. Whether it answers one of wfreview's comments and who may give it is checked by the
// worker, so the webhook is answered fast.
type ReviewComment struct {
	Base
}

var _ githubapp.EventHandler = &ReviewComment{}

// Handles implements githubapp.EventHandler.
func (h *ReviewComment) Handles() []string { return []string{"pull_request_review_comment"} }

// Handle implements githubapp.EventHandler.
func (h *ReviewComment) Handle(ctx context.Context, eventType, deliveryID string, payload []byte) error {
	var event github.PullRequestReviewCommentEvent
	if err := json.Unmarshal(payload, &event); err != nil {
		return badPayload(eventType, err)
	}
	pr, repo, comment := event.GetPullRequest(), event.GetRepo(), event.GetComment()
	if pr == nil || repo == nil || comment == nil || event.GetInstallation().GetID() == 0 {
		return badPayload(eventType, fmt.Errorf("missing pull_request, comment, repository or installation"))
	}
	ctx, log := githubapp.PreparePRContext(ctx, event.GetInstallation().GetID(), repo, pr.GetNumber())
	if event.GetAction() != "created" || comment.GetInReplyTo() == 0 || !isIgnoreCommand(comment.GetBody()) ||
		comment.GetUser().GetType() == "Bot" || event.GetSender().GetType() == "Bot" {
		h.Metrics.webhook(eventType, "ignored")
		return nil
	}
	job := queue.ReviewArgs{
		InstallationID: event.GetInstallation().GetID(),
		Owner:          repo.GetOwner().GetLogin(),
		Repo:           repo.GetName(),
		Number:         pr.GetNumber(),
		HeadSHA:        pr.GetHead().GetSHA(),
		Trigger:        TriggerIgnorePrefix + strconv.FormatInt(comment.GetID(), 10),
		Mode:           ModeIgnore,
		Requester:      comment.GetUser().GetLogin(),
		CommentID:      comment.GetID(),
		InReplyTo:      comment.GetInReplyTo(),
		DeliveryID:     deliveryID,
	}
	log.Info().Int64("comment_id", comment.GetID()).Int64("in_reply_to", comment.GetInReplyTo()).Msg("/review ignore")
	return h.enqueue(ctx, log, eventType, job)
}

func isFeedbackJob(a queue.ReviewArgs) bool { return strings.HasPrefix(a.Trigger, TriggerIgnorePrefix) }

// runIgnore works a feedback job: when the reply answers one of our comments and its author may
// run commands, the finding is suppressed and the reply gets a 👍; a person who may not gets a short
// answer in the thread. It is idempotent: a retry finds the suppression recorded.
func (w *Worker) runIgnore(ctx context.Context, args queue.ReviewArgs) (err error) {
	start := time.Now()
	log := w.Log.With().
		Str(githubapp.LogKeyDeliveryID, args.DeliveryID).
		Int64(githubapp.LogKeyInstallationID, args.InstallationID).
		Str(githubapp.LogKeyRepositoryOwner, args.Owner).
		Str(githubapp.LogKeyRepositoryName, args.Repo).
		Int(githubapp.LogKeyPRNum, args.Number).
		Str("trigger", args.Trigger).Logger()
	ctx = log.WithContext(ctx)
	result := "failed"
	defer func() {
		ev := log.Info()
		if err != nil {
			ev = log.Warn().Err(err)
		}
		ev.Str("result", result).Dur("elapsed", time.Since(start)).Msg("feedback job finished")
	}()
	if w.Feedback == nil {
		result = "no_store"
		return nil
	}
	client, err := w.NewInstallationClient(args.InstallationID)
	if err != nil {
		return fmt.Errorf("installation client: %w", err)
	}
	j := &job{w: w, args: args, client: client, log: log}
	pr, _, err := client.PullRequests.Get(ctx, args.Owner, args.Repo, args.Number)
	if err != nil {
		if isStatus(err, http.StatusNotFound) {
			result = "gone"
			return queue.Permanent(fmt.Errorf("pull request %s/%s#%d not found: %w", args.Owner, args.Repo, args.Number, err))
		}
		return fmt.Errorf("get pull request: %w", err)
	}
	j.pr = pr
	j.ref = PullRef{Owner: args.Owner, Repo: args.Repo, Number: args.Number, HeadSHA: pr.GetHead().GetSHA()}
	parent, _, err := client.PullRequests.GetComment(ctx, args.Owner, args.Repo, args.InReplyTo)
	if err != nil {
		if isStatus(err, http.StatusNotFound) {
			result = "gone"
			return nil
		}
		return fmt.Errorf("get review comment %d: %w", args.InReplyTo, err)
	}
	fps := parseMarkers(parent.GetBody()).fingerprints
	if w.BotLogin == "" || !strings.EqualFold(parent.GetUser().GetLogin(), w.BotLogin) || len(fps) == 0 {
		result = "not_ours"
		return nil
	}
	lookup := &configLookup{c: client, owner: args.Owner, repo: args.Repo, base: pr.GetBase().GetSHA(),
		installation: args.InstallationID, org: w.orgConfigs()}
	cfg, _, err := lookup.load(ctx)
	if err != nil {
		var ce config.Errors
		var one *config.Error
		if !errors.As(err, &ce) && !errors.As(err, &one) {
			return err
		}
		cfg = config.DefaultRepo() // a broken .wfreview.yml: the default rule (collaborators) applies
	}
	j.cfg = cfg
	ok, err := j.mayRun(ctx, args.Requester)
	if err != nil {
		return err
	}
	if !ok {
		result = "refused"
		body := fmt.Sprintf("@%s only collaborators with write access and the pull request's author can use `/review ignore` here.\n\n%s", args.Requester, replyMarker)
		if _, _, err := client.PullRequests.CreateCommentInReplyTo(ctx, args.Owner, args.Repo, args.Number, body, args.InReplyTo); err != nil {
			return fmt.Errorf("reply to /review ignore: %w", err)
		}
		return nil
	}
	for _, fp := range fps {
		if _, err := j.suppress(ctx, fp, queue.FeedbackReply, args.Requester, args.CommentID); err != nil {
			return err
		}
	}
	result = "suppressed"
	j.ack(ctx, args.CommentID)
	return nil
}

// suppress records one suppression and counts it when it is new.
func (j *job) suppress(ctx context.Context, fp, kind, login string, commentID int64) (bool, error) {
	added, err := j.w.Feedback.Suppress(ctx, queue.Suppression{Owner: j.args.Owner, Repo: j.args.Repo, Fingerprint: fp,
		Kind: kind, Login: login, CommentID: commentID, Number: j.args.Number})
	if err != nil {
		return false, err
	}
	if added {
		j.log.Info().Str("fingerprint", fp).Str("kind", kind).Str("login", login).Int64("comment_id", commentID).Msg("finding suppressed by feedback")
		if m := j.w.Metrics; m != nil {
			m.Feedback.WithLabelValues(kind).Inc()
		}
	}
	return added, nil
}

// ack acknowledges a `/review ignore` reply with 👍. Best effort.
func (j *job) ack(ctx context.Context, commentID int64) {
	if _, _, err := j.client.Reactions.CreatePullRequestCommentReaction(ctx, j.args.Owner, j.args.Repo, commentID, "+1"); err != nil {
		j.log.Warn().Err(err).Int64("comment_id", commentID).Msg("could not acknowledge /review ignore")
	}
}

// earlier is the work on wfreview's earlier comments that a review does before it posts: record
// feedback given on them, drop suppressed findings from res, and resolve the threads of fixed
// findings. Problems become notes of the review; nothing here fails it.
//
// GitHub requests: none when the pull request has no comment of ours (a first review). Otherwise
// one GraphQL query (per 100 threads) only when a comment of ours may be stale or has a 👎 not yet
// recorded, one GraphQL request per 25 threads to resolve, one permission look-up per person giving
// feedback (not the author), and a 👍 per `/review ignore` picked up here.
func (j *job) earlier(ctx context.Context, state *PostedState, ix *diff.Index, only []string, res *review.Result) {
	store, log := j.w.Feedback, j.log
	ledger := j.ledger(state)
	suppressed := map[string]bool{}
	if store != nil {
		list, err := store.Suppressions(ctx, j.args.Owner, j.args.Repo)
		if err != nil {
			log.Warn().Err(err).Msg("could not read the suppressed findings")
			res.Notes = append(res.Notes, "Feedback (👎 or `/review ignore`) could not be read; no finding was suppressed.")
			store = nil
		}
		for _, s := range list {
			suppressed[s.Fingerprint] = true
		}
	}
	found := map[string]bool{}
	for _, f := range res.Findings {
		found[f.Fingerprint] = true
	}

	var stale []PostedComment
	var replies []PostedComment // `/review ignore` not yet recorded
	var reacted []PostedComment // first comments with a 👎 not yet recorded
	if j.w.BotLogin != "" {
		stale = staleCandidates(state.Comments, ix, only, res, found)
		roots := map[int64]PostedComment{}
		for _, c := range state.Comments {
			if c.Ours && c.InReplyTo == 0 && len(c.Fingerprints) > 0 {
				roots[c.ID] = c
			}
		}
		for _, c := range state.Comments {
			root, ok := roots[c.InReplyTo]
			if store != nil && ok && !c.Bot && !c.Ours && !c.CreatedAt.Before(state.LastReviewedAt) &&
				isIgnoreCommand(c.Body) && !allSuppressed(root.Fingerprints, suppressed) {
				replies = append(replies, c)
			}
		}
		for _, c := range roots {
			if store != nil && c.ThumbsDown > 0 && !allSuppressed(c.Fingerprints, suppressed) {
				reacted = append(reacted, c)
			}
		}
	}

	var threads map[int64]ReviewThread
	var api ThreadAPI
	if len(stale) > 0 {
		// Threads resolved before (by us, or by someone) are settled: a person may have unresolved
		// one, and asking GitHub again would cost a request on every push.
		done, err := ledger.RecordedThreads(ctx, j.args.Owner, j.args.Repo, j.args.Number)
		if err != nil {
			log.Warn().Err(err).Msg("could not read the settled threads")
		}
		kept := stale[:0]
		for _, c := range stale {
			if done[c.ID] == "" {
				kept = append(kept, c)
			}
		}
		stale = kept
	}
	if len(stale)+len(reacted) > 0 {
		var err error
		if api, err = j.threadAPI(); err == nil {
			var list []ReviewThread
			if list, err = api.Threads(ctx, j.ref); err == nil {
				threads = make(map[int64]ReviewThread, len(list))
				for _, t := range list {
					threads[t.RootCommentID] = t
				}
			}
		}
		if err != nil {
			log.Warn().Err(err).Msg("could not read the review threads")
			res.Notes = append(res.Notes, fmt.Sprintf("Earlier comments were not checked for fixes or 👎 feedback: GitHub's GraphQL API failed (%s).", oneLineErr(err)))
			stale, reacted = nil, nil
		}
	}

	// Feedback first, so this review already honours it.
	j.takeFeedback(ctx, state, replies, reacted, threads, suppressed)
	if n := dropSuppressed(res, suppressed); n > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d %s suppressed by feedback (a 👎 or `/review ignore` on an earlier wfreview comment in this repository).", n, plural(n, "finding", "findings")))
		if m := j.w.Metrics; m != nil {
			m.Suppressed.Add(float64(n))
		}
	}
	j.resolveStale(ctx, api, ledger, stale, threads, res)
}

// takeFeedback records the `/review ignore` replies and the 👎 of people allowed to give them, and
// adds the fingerprints to suppressed.
func (j *job) takeFeedback(ctx context.Context, state *PostedState, replies, reacted []PostedComment,
	threads map[int64]ReviewThread, suppressed map[string]bool) {
	log := j.log
	allowed := map[string]bool{}
	mayGive := func(login string) bool {
		if ok, seen := allowed[strings.ToLower(login)]; seen {
			return ok
		}
		ok, err := j.mayRun(ctx, login)
		if err != nil {
			log.Warn().Err(err).Str("login", login).Msg("could not check who gave feedback")
			return false // not recorded: it is read again at the next review
		}
		allowed[strings.ToLower(login)] = ok
		return ok
	}
	record := func(fps []string, kind, login string, commentID int64) bool {
		for _, fp := range fps {
			if _, err := j.suppress(ctx, fp, kind, login, commentID); err != nil {
				log.Warn().Err(err).Msg("could not record feedback")
				return false
			}
			suppressed[fp] = true
		}
		return true
	}
	for _, c := range replies {
		if mayGive(c.User) && record(rootOf(state, c).Fingerprints, queue.FeedbackReply, c.User, c.ID) {
			j.ack(ctx, c.ID)
		}
	}
	for _, c := range reacted {
		for _, login := range threads[c.ID].ThumbsDown {
			if !strings.EqualFold(login, j.w.BotLogin) && !allSuppressed(c.Fingerprints, suppressed) && mayGive(login) {
				record(c.Fingerprints, queue.FeedbackReaction, login, c.ID)
			}
		}
	}
}

// resolveStale resolves the threads of the stale comments that are still open, records them, and
// says so in res's notes.
func (j *job) resolveStale(ctx context.Context, api ThreadAPI, ledger threadLedger, stale []PostedComment, threads map[int64]ReviewThread, res *review.Result) {
	log := j.log
	var ids []string
	root := map[string]int64{}
	var already []int64
	for _, c := range stale {
		t, ok := threads[c.ID]
		switch {
		case !ok:
		case t.IsResolved:
			already = append(already, c.ID)
		default:
			ids = append(ids, t.ID)
			root[t.ID] = c.ID
		}
	}
	j.recordThreads(ctx, ledger, queue.ThreadFoundResolved, already)
	if len(ids) == 0 {
		return
	}
	done, err := api.Resolve(ctx, ids)
	var resolved []int64
	for _, id := range done {
		resolved = append(resolved, root[id])
	}
	j.recordThreads(ctx, ledger, queue.ThreadResolved, resolved)
	if len(done) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d earlier %s resolved: %s.", len(done), plural(len(done), "comment", "comments"),
			plural(len(done), "its line changed and its finding is gone", "their lines changed and their findings are gone")))
		if m := j.w.Metrics; m != nil {
			m.ThreadsResolved.Add(float64(len(done)))
		}
	}
	if err != nil {
		log.Warn().Err(err).Int("resolved", len(done)).Int("wanted", len(ids)).Msg("could not resolve every stale thread")
		res.Notes = append(res.Notes, fmt.Sprintf("%d earlier %s whose findings were fixed could not be resolved: %s.", len(ids)-len(done), plural(len(ids)-len(done), "comment", "comments"), oneLineErr(err)))
	}
	log.Info().Int("stale", len(ids)).Int("resolved", len(done)).Msg("stale threads")
}

// recordThreads notes threads wfreview is done with. Best effort: without the record the thread is
// looked at again by the next push.
func (j *job) recordThreads(ctx context.Context, ledger threadLedger, outcome string, commentIDs []int64) {
	if len(commentIDs) == 0 {
		return
	}
	if err := ledger.RecordThreads(ctx, j.args.Owner, j.args.Repo, j.args.Number, outcome, commentIDs); err != nil {
		j.log.Warn().Err(err).Msg("could not record the settled threads")
	}
}

// threadAPI is Worker.Threads, else the GraphQL client of the job's installation.
func (j *job) threadAPI() (ThreadAPI, error) {
	if j.w.Threads != nil {
		return j.w.Threads, nil
	}
	c, err := j.w.NewInstallationV4Client(j.args.InstallationID)
	if err != nil {
		return nil, fmt.Errorf("GraphQL client: %w", err)
	}
	return NewThreadAPI(c), nil
}

func rootOf(state *PostedState, reply PostedComment) PostedComment {
	for _, c := range state.Comments {
		if c.ID == reply.InReplyTo {
			return c
		}
	}
	return PostedComment{}
}

func allSuppressed(fps []string, suppressed map[string]bool) bool {
	for _, fp := range fps {
		if !suppressed[fp] {
			return false
		}
	}
	return len(fps) > 0
}

// dropSuppressed removes suppressed findings from res, and from its checklist counts, and returns
// how many.
func dropSuppressed(res *review.Result, suppressed map[string]bool) int {
	if len(suppressed) == 0 {
		return 0
	}
	kept := res.Findings[:0]
	dropped := map[string]int{}
	n := 0
	for _, f := range res.Findings {
		if f.Fingerprint != "" && suppressed[f.Fingerprint] {
			n++
			dropped[f.Check]++
			continue
		}
		kept = append(kept, f)
	}
	res.Findings = kept
	for i := range res.Checklist {
		c := &res.Checklist[i]
		if d := dropped[c.ID]; d > 0 {
			c.Findings = max(0, c.Findings-d)
			if c.Findings == 0 && c.Status == review.StatusFail {
				c.Status = review.StatusPass
			}
		}
	}
	return n
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// oneLineErr shortens an error for a note: its first line, at most 200 bytes.
func oneLineErr(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
