// Package handlers is the GitHub side of wfreview: webhook handlers that turn events into durable
// review jobs, and the worker that runs a job: gather the pull request, run the review engine, post
// one review and the check run.
package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/go-github/v66/github"
	"github.com/palantir/go-githubapp/githubapp"
	"github.com/rs/zerolog"

	"github.com/wfreview/wfreview/queue"
)

// Enqueuer commits a review job into the queue and reports what it did (the worker's re-sync).
type Enqueuer interface {
	Enqueue(ctx context.Context, job queue.ReviewArgs) (queue.EnqueueResult, error)
}

// Acceptor makes a webhook's review job durable (queue.Queue.Accept: the inbox); the webhook is
// acknowledged only after it returns nil.
type Acceptor interface {
	Accept(ctx context.Context, job queue.ReviewArgs) (queue.AcceptResult, error)
}

// Base is what every event handler shares.
type Base struct {
	githubapp.ClientCreator
	Queue   Acceptor
	Metrics *Metrics
}

// Triggers recorded in a job.
const (
	TriggerAuto        = queue.TriggerAuto
	TriggerReady       = "ready"
	triggerCommentPref = queue.TriggerCommentPrefix
)

// PullRequest handles pull_request events: opened, reopened, synchronize and ready_for_review become
// review jobs. Whether the repository wants the review (auto, drafts, bots) is decided by the worker,
// which reads .wfreview.yml from the base branch, so the webhook is answered fast and nothing is lost
// when GitHub is slow.
type PullRequest struct {
	Base
}

var _ githubapp.EventHandler = &PullRequest{}

// Handles implements githubapp.EventHandler.
func (h *PullRequest) Handles() []string { return []string{"pull_request"} }

// Handle implements githubapp.EventHandler.
func (h *PullRequest) Handle(ctx context.Context, eventType, deliveryID string, payload []byte) error {
	var event github.PullRequestEvent
	if err := json.Unmarshal(payload, &event); err != nil {
		return badPayload(eventType, err)
	}
	pr, repo := event.GetPullRequest(), event.GetRepo()
	if pr == nil || repo == nil || event.GetInstallation().GetID() == 0 {
		return badPayload(eventType, fmt.Errorf("missing pull_request, repository or installation"))
	}
	ctx, log := githubapp.PreparePRContext(ctx, event.GetInstallation().GetID(), repo, pr.GetNumber())
	switch event.GetAction() {
	case "opened", "reopened", "synchronize", "ready_for_review":
	default:
		h.Metrics.webhook(eventType, "ignored")
		return nil
	}
	if pr.GetState() != "open" {
		log.Debug().Msg("pull request is not open; ignored")
		h.Metrics.webhook(eventType, "ignored")
		return nil
	}
	trigger := TriggerAuto
	if event.GetAction() == "ready_for_review" {
		// A draft's "opened" job on the same head completed without a review: a distinct trigger
		// keeps this one from being deduplicated against it.
		trigger = TriggerReady
	}
	job := queue.ReviewArgs{
		InstallationID: event.GetInstallation().GetID(),
		Owner:          repo.GetOwner().GetLogin(),
		Repo:           repo.GetName(),
		Number:         pr.GetNumber(),
		HeadSHA:        pr.GetHead().GetSHA(),
		Trigger:        trigger,
		DeliveryID:     deliveryID,
	}
	return h.enqueue(ctx, log, eventType, job)
}

func (b *Base) enqueue(ctx context.Context, log zerolog.Logger, eventType string, job queue.ReviewArgs) error {
	res, err := b.Queue.Accept(ctx, job)
	if err != nil {
		b.Metrics.webhook(eventType, "error")
		return fmt.Errorf("queue review of %s/%s#%d: %w", job.Owner, job.Repo, job.Number, err)
	}
	if res.Duplicate {
		b.Metrics.webhook(eventType, "duplicate")
		log.Info().Str("reason", queue.ReasonDuplicateDelivery).Msg("duplicate delivery; nothing new queued")
		return nil
	}
	// The queue logs the job's id, a duplicate job and superseded jobs when it moves the job into River.
	b.Metrics.webhook(eventType, "queued")
	log.Info().Str("head_sha", job.HeadSHA).Str("trigger", job.Trigger).Msg("review job queued")
	return nil
}

// IssueComment handles `/review` commands in pull request comments.
type IssueComment struct {
	Base
}

var _ githubapp.EventHandler = &IssueComment{}

// Handles implements githubapp.EventHandler.
func (h *IssueComment) Handles() []string { return []string{"issue_comment"} }

// Handle implements githubapp.EventHandler. Only newly created comments on pull requests, written by
// a user (not a bot, so never our own), starting with /review, become jobs. Who may run the command
// is checked by the worker, which replies to anyone it turns down.
func (h *IssueComment) Handle(ctx context.Context, eventType, deliveryID string, payload []byte) error {
	var event github.IssueCommentEvent
	if err := json.Unmarshal(payload, &event); err != nil {
		return badPayload(eventType, err)
	}
	issue, repo, comment := event.GetIssue(), event.GetRepo(), event.GetComment()
	if issue == nil || repo == nil || comment == nil || event.GetInstallation().GetID() == 0 {
		return badPayload(eventType, fmt.Errorf("missing issue, comment, repository or installation"))
	}
	ctx, log := githubapp.PreparePRContext(ctx, event.GetInstallation().GetID(), repo, issue.GetNumber())
	if event.GetAction() != "created" || !issue.IsPullRequest() ||
		comment.GetUser().GetType() == "Bot" || event.GetSender().GetType() == "Bot" {
		h.Metrics.webhook(eventType, "ignored")
		return nil
	}
	cmd, ok := ParseCommand(comment.GetBody())
	if !ok {
		h.Metrics.webhook(eventType, "ignored")
		return nil
	}
	if issue.GetState() != "open" && !cmd.Help {
		log.Debug().Msg("/review on a closed pull request; ignored")
		h.Metrics.webhook(eventType, "ignored")
		return nil
	}
	job := queue.ReviewArgs{
		InstallationID: event.GetInstallation().GetID(),
		Owner:          repo.GetOwner().GetLogin(),
		Repo:           repo.GetName(),
		Number:         issue.GetNumber(),
		Trigger:        triggerCommentPref + strconv.FormatInt(comment.GetID(), 10),
		Mode:           cmd.Mode(),
		Checks:         cmd.Checks,
		Requester:      comment.GetUser().GetLogin(),
		CommentID:      comment.GetID(),
		DeliveryID:     deliveryID,
	}
	return h.enqueue(ctx, log, eventType, job)
}

// Command is a parsed /review comment.
type Command struct {
	Full   bool
	Help   bool
	Checks []string
	// Invalid holds words that are neither a sub-command nor a plausible check id.
	Invalid []string
}

// Command modes carried by the job.
const (
	ModeFull = "full"
	ModeHelp = "help"
)

// Mode is the job mode for the command.
func (c Command) Mode() string {
	switch {
	case c.Help || len(c.Invalid) > 0:
		return ModeHelp
	case c.Full:
		return ModeFull
	}
	return ""
}

// ParseCommand reads the first line of a comment: `/review`, `/review full`, `/review help` or
// `/review <check-id>...`. Anything else (including "/reviewer") is not a command.
func ParseCommand(body string) (Command, bool) {
	line, _, _ := strings.Cut(strings.TrimSpace(body), "\n")
	fields := strings.Fields(line)
	if len(fields) == 0 || !strings.EqualFold(fields[0], "/review") {
		return Command{}, false
	}
	var c Command
	for _, w := range fields[1:] {
		lw := strings.ToLower(strings.Trim(w, ",;"))
		switch {
		case lw == "full":
			c.Full = true
		case lw == "help":
			c.Help = true
		case lw == "ignore":
			c.Invalid = append(c.Invalid, w) // `/review ignore` is a reply to a review comment, not a PR comment
		case isCheckID(lw):
			c.Checks = append(c.Checks, lw)
		case lw == "":
		default:
			c.Invalid = append(c.Invalid, w)
		}
	}
	return c, true
}

func isCheckID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// badPayload marks a payload we cannot use: answered 400, as for a bad signature, never retried.
func badPayload(event string, err error) error {
	return githubapp.ValidationError{EventType: event, Cause: fmt.Errorf("malformed %s payload: %w", event, err)}
}
