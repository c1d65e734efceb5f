package handlers

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/go-github/v66/github"

	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/review"
)

// Stale comments: a wfreview comment whose line a push changed or removed, and whose finding the
// new review does not report again, is taken as fixed and its thread is resolved. The rules, all
// of which must hold:
//
//   - the thread's first comment is wfreview's (BotLogin) and carries a fingerprint marker;
//   - the review is complete (review.Result.Incomplete is false: no model call or analyzer failed,
//     max_comments cut nothing);
//   - the file was reviewed by this run: the whole pull request, or, for an incremental review,
//     the files changed since the last reviewed commit; and it was not skipped (excluded, too
//     large);
//   - the finding's check ran in this run (a `/review security` run does not decide on
//     over-engineering comments);
//   - none of the comment's fingerprints is among the run's findings;
//   - the commented line changed or is gone: the file left the pull request's diff; or GitHub still
//     places the comment on a line of the diff whose text differs from the commented text (the end
//     of its diff_hunk); or GitHub marks it outdated and the commented text appears nowhere on that
//     side of the file's diff any more (a line that merely moved is not taken as fixed).
//
// A person's reply does not keep a thread open when its line was fixed: the conversation stays
// readable in the resolved thread and anyone can unresolve it. Without a fix nothing is resolved,
// replied to or not. Threads someone already resolved are left alone.

// staleCandidates returns our first comments that the rules above take as fixed. found holds the
// fingerprints of the run's findings; only is the incremental review's file list (nil: the whole
// pull request was reviewed).
func staleCandidates(comments []PostedComment, ix *diff.Index, only []string, res *review.Result, found map[string]bool) []PostedComment {
	if res == nil || res.Incomplete || ix == nil {
		return nil
	}
	var reviewed map[string]bool
	if only != nil {
		reviewed = make(map[string]bool, len(only))
		for _, p := range only {
			reviewed[p] = true
		}
	}
	skipped := map[string]bool{}
	for _, s := range res.Skipped {
		skipped[s.Path] = true
	}
	ran := map[string]bool{}
	for _, c := range res.Checklist {
		if c.Status == review.StatusPass || c.Status == review.StatusFail {
			ran[c.ID] = true
		}
	}
	var out []PostedComment
	for _, c := range comments {
		if !c.Ours || c.InReplyTo != 0 || len(c.Fingerprints) == 0 || c.Path == "" {
			continue
		}
		if (reviewed != nil && !reviewed[c.Path]) || skipped[c.Path] || !ran[commentCheck(c.Body)] {
			continue
		}
		refound := false
		for _, fp := range c.Fingerprints {
			refound = refound || found[fp]
		}
		if !refound && lineChanged(c, ix) {
			out = append(out, c)
		}
	}
	return out
}

// commentCheckRE finds the check id CommentBody writes after the title: "**Error: title** · `id`".
var commentCheckRE = regexp.MustCompile("^\\*\\*.*\\*\\* · `([a-z0-9-]+)`$")

// commentCheck is the check id of one of our inline comments, "" when the body has none.
func commentCheck(body string) string {
	first, _, _ := strings.Cut(body, "\n")
	if m := commentCheckRE.FindStringSubmatch(strings.TrimSpace(first)); m != nil {
		return m[1]
	}
	return ""
}

// lineChanged reports whether the line a comment was made on has changed or is gone in ix.
func lineChanged(c PostedComment, ix *diff.Index) bool {
	if c.DiffHunk == "" {
		return false // no commented text to compare (a file-level comment)
	}
	f := ix.File(c.Path)
	if f == nil {
		return true // the file is no longer part of the pull request's change
	}
	side := diff.Right
	if c.Side == string(diff.Left) {
		side = diff.Left
	}
	was := commentedText(c.DiffHunk)
	if c.Line > 0 {
		cur, ok := f.LineAt(c.Line, side)
		return !ok || cur.Text != was
	}
	// Outdated: GitHub no longer knows where the line is. It is gone unless its text is still on
	// that side of the file's diff (it moved, or GitHub outdated the comment for a change nearby).
	for _, h := range f.Hunks {
		for _, l := range h.Lines {
			if l.Text == was && onDiffSide(l.Kind, side) {
				return false
			}
		}
	}
	return true
}

func onDiffSide(k diff.Kind, side diff.Side) bool {
	if side == diff.Left {
		return k == diff.Deleted || k == diff.Context
	}
	return k == diff.Added || k == diff.Context
}

// commentedText is the text of a diff hunk's last line (the commented one) without its prefix.
func commentedText(hunk string) string {
	hunk = strings.TrimRight(strings.ReplaceAll(hunk, "\r\n", "\n"), "\n")
	l := hunk[strings.LastIndexByte(hunk, '\n')+1:]
	if l != "" && strings.IndexByte("+- ", l[0]) >= 0 {
		l = l[1:]
	}
	return l
}

// threadLedger records the threads wfreview is done with (resolved, or found resolved by someone),
// so a later push does not look at them again: a person who unresolves a thread wfreview resolved
// keeps it open. The app's FeedbackStore is one (its database); commentLedger is the other.
type threadLedger interface {
	RecordThreads(ctx context.Context, owner, repo string, number int, outcome string, commentIDs []int64) error
	RecordedThreads(ctx context.Context, owner, repo string, number int) (map[int64]string, error)
}

// ledger is the job's threadLedger: the feedback store when there is one, else commentLedger.
func (j *job) ledger(state *PostedState) threadLedger {
	if j.w.Feedback != nil {
		return j.w.Feedback
	}
	return &commentLedger{client: j.client, state: state}
}

// commentLedger keeps the record without a database (the action): a hidden marker line,
// "<!-- wfreview:settled=resolved -->", appended to wfreview's first comment of the thread with
// one edit (PATCH) per thread. The next run reads it from the comments it lists anyway, at no
// extra request.
type commentLedger struct {
	client *github.Client
	state  *PostedState
}

func (l *commentLedger) RecordedThreads(context.Context, string, string, int) (map[int64]string, error) {
	out := map[int64]string{}
	for _, c := range l.state.Comments {
		if c.Ours && c.Settled != "" {
			out[c.ID] = c.Settled
		}
	}
	return out, nil
}

func (l *commentLedger) RecordThreads(ctx context.Context, owner, repo string, _ int, outcome string, commentIDs []int64) error {
	bodies := make(map[int64]string, len(l.state.Comments))
	for _, c := range l.state.Comments {
		if c.Ours {
			bodies[c.ID] = c.Body
		}
	}
	var errs []error
	for _, id := range commentIDs {
		body, ok := bodies[id]
		if !ok {
			continue
		}
		body = strings.TrimRight(body, "\n") + "\n" + settledMarker(outcome)
		if _, _, err := l.client.PullRequests.EditComment(ctx, owner, repo, id, &github.PullRequestComment{Body: &body}); err != nil {
			errs = append(errs, fmt.Errorf("mark comment %d settled: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// settledMarker is the marker line commentLedger appends (outcome: queue.ThreadResolved or
// queue.ThreadFoundResolved).
func settledMarker(outcome string) string {
	return markerPrefix + "settled=" + outcome + markerSuffix
}
