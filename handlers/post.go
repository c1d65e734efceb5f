package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-github/v66/github"
	"github.com/rs/zerolog"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/internal/mdsafe"
	"github.com/wfreview/wfreview/review"
)

// PullRef names the pull request a review is posted on, and the head commit it was reviewed at.
type PullRef struct {
	Owner, Repo string
	Number      int
	HeadSHA     string
}

func (pr PullRef) String() string { return fmt.Sprintf("%s/%s#%d", pr.Owner, pr.Repo, pr.Number) }

// Review events Post accepts. APPROVE is refused: the bot never approves.
const (
	EventComment        = "COMMENT"
	EventRequestChanges = "REQUEST_CHANGES"
)

// DefaultMaxInline is the number of inline comments per review when PostOptions.MaxInline is 0.
const DefaultMaxInline = 30

// PostOptions tunes Post.
type PostOptions struct {
	// Event is EventComment (the default when "") or EventRequestChanges. APPROVE is refused.
	Event string
	// MaxInline caps the inline comments of the review (default DefaultMaxInline); the other new
	// findings are listed in the summary.
	MaxInline int
	// Key is the idempotency key of the run, e.g. "<head sha>:<trigger>". It is written into the
	// summary marker; a review already carrying it is never posted again. Required.
	Key string
	// Diff is the index the findings were anchored on; after a 422 it is used, with a fresh copy of
	// the pull request's files, to find the comments GitHub rejected.
	Diff *diff.Index
	// SummaryWhenEmpty posts a summary-only review when no finding is new (all were posted by earlier
	// runs, or there are none). When false such a run posts nothing and reports Empty.
	SummaryWhenEmpty bool
}

// PostResult is what Post did.
type PostResult struct {
	// ReviewID is the posted review (or, with Skipped or Recovered, the existing one when known).
	ReviewID int64
	// Inline is the number of inline comments posted.
	Inline int
	// Overflow is the number of new findings listed in the summary because of MaxInline or because
	// they have no line to anchor on. Moved ones are not counted here.
	Overflow int
	// AlreadyPosted is the number of findings dropped because an earlier review of ours holds them.
	AlreadyPosted int
	// Skipped is set when a review with the same Key already exists: nothing was posted.
	Skipped bool
	// Empty is set when no finding was new and SummaryWhenEmpty was false: nothing was posted.
	Empty bool
	// Recovered is set when creating the review failed with a server or network error but the
	// review was then found on the pull request (GitHub created it anyway): nothing was re-posted.
	Recovered bool
	// Moved are the findings moved from inline comments to the summary after GitHub answered 422.
	Moved []checklist.Finding
}

// Poster posts one review per run on a pull request, without ever repeating a finding or a run.
type Poster struct {
	Client *github.Client
	Log    zerolog.Logger
	// BotLogin is the app's user, e.g. "wfreview[bot]": only its reviews and comments are read for
	// markers. "" trusts markers from anyone, which lets any commenter suppress findings: set it in
	// production.
	BotLogin string
	// Sleep waits before re-posting after a server error; nil uses a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Footer, when set, gives the summary's last line each time a review is built.
	Footer func() string
}

// PostedState is what earlier runs left on a pull request, read from our hidden markers.
type PostedState struct {
	// Fingerprints of findings already posted, inline or in a summary.
	Fingerprints map[string]bool
	// Keys of the runs whose review exists.
	Keys map[string]bool
	// LastReviewedSHA is the head commit of our most recent review, from its marker.
	LastReviewedSHA string
	// ReviewIDs maps a run key to the ID of its review.
	ReviewIDs map[string]int64
	// LastReviewedAt is when our most recent review was submitted (zero when there is none).
	LastReviewedAt time.Time
	// Comments are the pull request's review comments, everyone's, oldest first: the threads of
	// our findings, people's replies and 👎 counts (stale threads and feedback read them).
	Comments []PostedComment
}

// PostedComment is a review comment of the pull request as the REST API lists it.
type PostedComment struct {
	ID        int64
	InReplyTo int64 // the thread's first comment, 0 for a first comment
	User      string
	Bot       bool // written by a bot (the user's type is "Bot")
	Ours      bool // written by wfreview (see Poster.BotLogin)
	Body      string
	Path      string
	Line      int // 0 when GitHub no longer places it on the diff (outdated)
	Side      string
	// DiffHunk ends with the commented line, as it was when the comment was made.
	DiffHunk  string
	CreatedAt time.Time
	// ThumbsDown is the number of 👎 reactions, by anyone.
	ThumbsDown int
	// Fingerprints are those of our markers (ours only).
	Fingerprints []string
	// Settled is the outcome a settled marker records (ours only; see commentLedger).
	Settled string
}

// record adds a review just posted, so the same state can be passed to Post again.
func (st *PostedState) record(key, head string, id int64, findings ...[]checklist.Finding) {
	if st.Fingerprints == nil {
		st.Fingerprints = map[string]bool{}
	}
	if st.Keys == nil {
		st.Keys = map[string]bool{}
	}
	if st.ReviewIDs == nil {
		st.ReviewIDs = map[string]int64{}
	}
	st.Keys[key], st.ReviewIDs[key], st.LastReviewedSHA = true, id, head
	for _, fs := range findings {
		for _, f := range fs {
			if f.Fingerprint != "" {
				st.Fingerprints[f.Fingerprint] = true
			}
		}
	}
}

// Hidden markers: HTML comments at the end of bodies, invisible once rendered.
const (
	markerPrefix = "<!-- wfreview:"
	markerSuffix = " -->"
	// fingerprintsPerLine is how many fingerprints one summary marker line holds.
	fingerprintsPerLine = 20
	// maxSummaryFingerprints caps the fingerprints recorded in one summary; findings beyond it may be
	// listed again by the next run.
	maxSummaryFingerprints = 2000
	// maxListPages bounds pagination of comments and reviews (100 per page).
	maxListPages = 100
	// maxPostServerRetries is how many times Post re-posts after a 5xx or network error.
	maxPostServerRetries = 2
	// postBackoff is the first wait before such a re-post; it doubles.
	postBackoff = 2 * time.Second
)

var (
	fpMarkerRE     = regexp.MustCompile(`^<!-- wfreview:fp=([A-Za-z0-9%._~:/@+=,-]+) -->$`)
	reviewMarkerRE = regexp.MustCompile(`^<!-- wfreview:review key=(\S*) head=(\S*) -->$`)
	// settledMarkerRE is the marker commentLedger appends to a comment whose thread it settled.
	settledMarkerRE = regexp.MustCompile(`^<!-- wfreview:settled=([a-z_]+) -->$`)
)

// escapeMarkerValue percent-encodes everything but a safe set, so a value cannot end the comment,
// contain spaces or commas (the fingerprint list separator).
func escapeMarkerValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._~:/@+=-", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func unescapeMarkerValue(s string) string {
	if v, err := url.PathUnescape(s); err == nil {
		return v
	}
	return s
}

// SummaryMarker is the hidden marker of a review summary: the run's key and the head it reviewed.
func SummaryMarker(key, headSHA string) string {
	return markerPrefix + "review key=" + escapeMarkerValue(key) + " head=" + escapeMarkerValue(headSHA) + markerSuffix
}

// fingerprintMarker is the hidden marker listing fingerprints (one for an inline comment).
func fingerprintMarker(fps ...string) string {
	esc := make([]string, len(fps))
	for i, fp := range fps {
		esc[i] = escapeMarkerValue(fp)
	}
	return markerPrefix + "fp=" + strings.Join(esc, ",") + markerSuffix
}

// markers is what the trailing marker lines of a body say.
type markers struct {
	key, head    string
	hasKey       bool
	fingerprints []string
	// settled is the outcome of a settled marker ("" when none).
	settled string
}

// parseMarkers reads the marker lines at the end of a body (after the last other line), where
// Post writes them. Markers elsewhere, e.g. quoted by a user or inside a finding's text, are ignored.
func parseMarkers(body string) markers {
	var m markers
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" {
			continue
		}
		if sm := fpMarkerRE.FindStringSubmatch(l); sm != nil {
			for _, fp := range strings.Split(sm[1], ",") {
				if fp != "" {
					m.fingerprints = append(m.fingerprints, unescapeMarkerValue(fp))
				}
			}
			continue
		}
		if sm := settledMarkerRE.FindStringSubmatch(l); sm != nil {
			m.settled = sm[1]
			continue
		}
		if sm := reviewMarkerRE.FindStringSubmatch(l); sm != nil {
			if !m.hasKey { // the last one wins
				m.key, m.head, m.hasKey = unescapeMarkerValue(sm[1]), unescapeMarkerValue(sm[2]), true
			}
			continue
		}
		break
	}
	return m
}

// ours reports whether a review or comment by login may carry our markers.
func (p *Poster) ours(u *github.User) bool {
	if p.BotLogin == "" {
		return true
	}
	return u != nil && strings.EqualFold(u.GetLogin(), p.BotLogin)
}

func (p *Poster) sleep(ctx context.Context, d time.Duration) error {
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	return sleepCtx(ctx, d)
}

// Posted reads the pull request's reviews and review comments (all pages) and collects what our
// markers say: the fingerprints already posted, the keys of the runs already posted and the head
// of our latest review. Every review comment belongs to a review (GitHub files even a single
// comment under a review of its own), so the comments are listed only when one of our reviews
// exists: the first review of a pull request reads one page.
func (p *Poster) Posted(ctx context.Context, pr PullRef) (*PostedState, error) {
	st := &PostedState{Fingerprints: map[string]bool{}, Keys: map[string]bool{}, ReviewIDs: map[string]int64{}}

	var lastAt time.Time
	anyOurs := false
	ropts := &github.ListOptions{PerPage: 100}
	for page := 0; ; page++ {
		if page == maxListPages {
			p.Log.Warn().Stringer("pr", pr).Msg("too many reviews; reading the first pages only")
			break
		}
		rvs, resp, err := p.Client.PullRequests.ListReviews(ctx, pr.Owner, pr.Repo, pr.Number, ropts)
		if err != nil {
			return nil, fmt.Errorf("list reviews of %s: %w", pr, err)
		}
		for _, rv := range rvs {
			if !p.ours(rv.User) {
				continue
			}
			anyOurs = true
			m := parseMarkers(rv.GetBody())
			for _, fp := range m.fingerprints {
				st.Fingerprints[fp] = true
			}
			if !m.hasKey {
				continue
			}
			st.Keys[m.key] = true
			st.ReviewIDs[m.key] = rv.GetID()
			// Reviews are listed oldest first; submitted_at breaks no tie against that order.
			if at := rv.GetSubmittedAt().Time; !at.Before(lastAt) {
				lastAt, st.LastReviewedSHA, st.LastReviewedAt = at, m.head, at
			}
		}
		if resp.NextPage == 0 {
			break
		}
		ropts.Page = resp.NextPage
	}
	if !anyOurs {
		return st, nil
	}

	copts := &github.PullRequestListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for page := 0; ; page++ {
		if page == maxListPages {
			p.Log.Warn().Stringer("pr", pr).Msg("too many review comments; reading the first pages only")
			break
		}
		cs, resp, err := p.Client.PullRequests.ListComments(ctx, pr.Owner, pr.Repo, pr.Number, copts)
		if err != nil {
			return nil, fmt.Errorf("list review comments of %s: %w", pr, err)
		}
		for _, c := range cs {
			pc := PostedComment{ID: c.GetID(), InReplyTo: c.GetInReplyTo(), User: c.GetUser().GetLogin(),
				Bot: c.GetUser().GetType() == "Bot", Ours: p.ours(c.User), Body: c.GetBody(), Path: c.GetPath(),
				Line: c.GetLine(), Side: c.GetSide(), DiffHunk: c.GetDiffHunk(), CreatedAt: c.GetCreatedAt().Time,
				ThumbsDown: c.GetReactions().GetMinusOne()}
			if pc.Ours {
				m := parseMarkers(c.GetBody())
				pc.Fingerprints, pc.Settled = m.fingerprints, m.settled
				for _, fp := range pc.Fingerprints {
					st.Fingerprints[fp] = true
				}
			}
			st.Comments = append(st.Comments, pc)
		}
		if resp.NextPage == 0 {
			break
		}
		copts.Page = resp.NextPage
	}
	return st, nil
}

// reviewEvent validates PostOptions.Event.
func reviewEvent(e string) (string, error) {
	switch strings.ToUpper(strings.TrimSpace(e)) {
	case "", EventComment:
		return EventComment, nil
	case EventRequestChanges:
		return EventRequestChanges, nil
	case "APPROVE":
		return "", errors.New("review event APPROVE is not allowed: wfreview never approves")
	}
	return "", fmt.Errorf("unknown review event %q: want %s or %s", e, EventComment, EventRequestChanges)
}

// sideOf is the finding's side, RIGHT when unset.
func sideOf(f checklist.Finding) diff.Side {
	if f.Side == diff.Left {
		return diff.Left
	}
	return diff.Right
}

// isRange reports whether the finding spans several lines as GitHub accepts them.
func isRange(f checklist.Finding) bool { return f.StartLine > 0 && f.StartLine < f.Line }

// inlinable reports whether a finding has an anchor an inline comment can use.
func inlinable(f checklist.Finding) bool {
	return f.Path != "" && f.Line > 0 && (f.Side == "" || f.Side == diff.Right || f.Side == diff.Left)
}

// commentable reports whether ix accepts a comment for the finding.
func commentable(ix *diff.Index, f checklist.Finding) bool {
	if isRange(f) {
		return ix.CommentableRange(f.Path, f.StartLine, f.Line, sideOf(f))
	}
	return ix.Commentable(f.Path, f.Line, sideOf(f))
}

// draftComment is the inline comment of a finding.
func draftComment(f checklist.Finding) *github.DraftReviewComment {
	side := string(sideOf(f))
	c := &github.DraftReviewComment{
		Path: github.String(f.Path),
		Line: github.Int(f.Line),
		Side: github.String(side),
		Body: github.String(CommentBody(f)),
	}
	if isRange(f) {
		c.StartLine = github.Int(f.StartLine)
		c.StartSide = github.String(side)
	}
	return c
}

// statusOf is the HTTP status of a failed call, 0 for a transport error.
func statusOf(resp *github.Response, err error) int {
	if resp != nil && resp.Response != nil {
		return resp.StatusCode
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}

// Post posts the run's review on the pull request: new findings as inline comments (at most
// MaxInline, in the engine's order), the rest and the run's details in the summary
// (review.Markdown), all in one review on pr.HeadSHA. It never posts twice for one Key and never
// repeats a finding whose fingerprint an earlier review of ours holds. state is what Posted
// returned (nil reads it); a posted review is recorded in it, so it can be passed again.
//
// When GitHub rejects the review with 422, the inline comments are checked against opts.Diff and a
// fresh copy of the pull request's files and the rejected ones are moved to the summary; when none
// can be identified the review is posted again unchanged once, and if it is still rejected it is
// posted with every finding in the summary. After a 5xx or a network error the review is posted
// again (twice at most, with backoff) unless it turns out GitHub created it after all.
func (p *Poster) Post(ctx context.Context, pr PullRef, res *review.Result, opts PostOptions, state *PostedState) (PostResult, error) {
	var out PostResult
	event, err := reviewEvent(opts.Event)
	if err != nil {
		return out, err
	}
	switch {
	case res == nil:
		return out, errors.New("post review: nil result")
	case pr.Owner == "" || pr.Repo == "" || pr.Number <= 0:
		return out, fmt.Errorf("post review: incomplete pull request reference %s", pr)
	case pr.HeadSHA == "":
		return out, fmt.Errorf("post review on %s: no head SHA", pr)
	case opts.Key == "":
		return out, fmt.Errorf("post review on %s: no idempotency key", pr)
	}
	log := p.Log.With().Stringer("pr", pr).Str("head", pr.HeadSHA).Str("key", opts.Key).Logger()

	if state == nil {
		if state, err = p.Posted(ctx, pr); err != nil {
			return out, fmt.Errorf("post review: %w", err)
		}
	}
	if state.Keys[opts.Key] {
		log.Info().Msg("a review of this run already exists; not posting again")
		out.Skipped, out.ReviewID = true, state.ReviewIDs[opts.Key]
		return out, nil
	}

	maxInline := opts.MaxInline
	if maxInline <= 0 {
		maxInline = DefaultMaxInline
	}
	var inline, overflow []checklist.Finding
	seen := map[string]bool{}
	for _, f := range res.Findings {
		if fp := f.Fingerprint; fp != "" {
			if state.Fingerprints[fp] {
				out.AlreadyPosted++
				continue
			}
			if seen[fp] {
				continue // the same finding twice in one run
			}
			seen[fp] = true
		}
		if len(inline) < maxInline && inlinable(f) {
			inline = append(inline, f)
		} else {
			overflow = append(overflow, f)
		}
	}
	if len(inline)+len(overflow) == 0 && !opts.SummaryWhenEmpty {
		log.Info().Int("already_posted", out.AlreadyPosted).Msg("no new findings; not posting a review")
		out.Empty = true
		return out, nil
	}

	var moved []checklist.Finding
	rejected, serverErrors := 0, 0
	for {
		req := p.reviewRequest(pr, res, event, opts.Key, inline, overflow, moved)
		rv, resp, err := p.Client.PullRequests.CreateReview(ctx, pr.Owner, pr.Repo, pr.Number, req)
		if err == nil {
			out.ReviewID, out.Inline, out.Overflow, out.Moved = rv.GetID(), len(inline), len(overflow), moved
			state.record(opts.Key, pr.HeadSHA, out.ReviewID, inline, overflow, moved)
			log.Info().Int64("review", out.ReviewID).Int("inline", out.Inline).Int("overflow", out.Overflow).
				Int("moved", len(moved)).Int("already_posted", out.AlreadyPosted).Msg("posted review")
			return out, nil
		}
		if ctx.Err() != nil {
			return out, fmt.Errorf("create review on %s: %w", pr, err)
		}
		status := statusOf(resp, err)
		switch {
		case status == http.StatusUnprocessableEntity:
			rejected++
			switch {
			case rejected == 1 && len(inline) > 0:
				keep, bad := p.revalidate(ctx, pr, inline, opts.Diff)
				if len(bad) > 0 {
					log.Warn().Err(err).Int("moved", len(bad)).Msg("GitHub rejected the review; moving comments off the diff to the summary")
					inline, moved = keep, append(moved, bad...)
				} else {
					log.Warn().Err(err).Msg("GitHub rejected the review and no comment is off the diff; posting it again")
				}
			case rejected <= 2 && len(inline) > 0:
				log.Warn().Err(err).Int("moved", len(inline)).Msg("GitHub rejected the review again; posting every finding in the summary")
				moved, inline = append(moved, inline...), nil
			default:
				return out, fmt.Errorf("create review on %s: rejected (status %d): %w", pr, status, err)
			}
		case status == 0 || status >= 500:
			serverErrors++
			if serverErrors > maxPostServerRetries {
				return out, fmt.Errorf("create review on %s (status %d, %d attempts): %w", pr, status, serverErrors, err)
			}
			wait := postBackoff << (serverErrors - 1)
			log.Warn().Err(err).Int("status", status).Dur("wait", wait).Msg("creating the review failed; checking whether it was created before posting again")
			if serr := p.sleep(ctx, wait); serr != nil {
				return out, fmt.Errorf("create review on %s: %w", pr, errors.Join(err, serr))
			}
			st, perr := p.Posted(ctx, pr)
			if perr != nil {
				// Posting blindly could duplicate the review; let the job be retried instead.
				return out, fmt.Errorf("create review on %s (status %d): %w", pr, status, errors.Join(err, perr))
			}
			if st.Keys[opts.Key] {
				log.Info().Int64("review", st.ReviewIDs[opts.Key]).Msg("the review was created despite the error")
				out.Recovered, out.ReviewID = true, st.ReviewIDs[opts.Key]
				out.Inline, out.Overflow, out.Moved = len(inline), len(overflow), moved
				state.record(opts.Key, pr.HeadSHA, out.ReviewID, inline, overflow, moved)
				return out, nil
			}
		default:
			return out, fmt.Errorf("create review on %s (status %d): %w", pr, status, err)
		}
	}
}

// reviewRequest builds the review: inline comments, and the summary listing overflow and moved
// findings with their fingerprints in hidden markers after the run's marker.
func (p *Poster) reviewRequest(pr PullRef, res *review.Result, event, key string, inline, overflow, moved []checklist.Finding) *github.PullRequestReviewRequest {
	summaryOnly := make([]checklist.Finding, 0, len(overflow)+len(moved))
	summaryOnly = append(append(summaryOnly, overflow...), moved...)
	marker := SummaryMarker(key, pr.HeadSHA)
	var fps []string
	have := map[string]bool{}
	for _, f := range summaryOnly {
		if f.Fingerprint != "" && !have[f.Fingerprint] {
			have[f.Fingerprint] = true
			fps = append(fps, f.Fingerprint)
		}
	}
	if len(fps) > maxSummaryFingerprints {
		p.Log.Warn().Stringer("pr", pr).Int("fingerprints", len(fps)).Msg("too many findings in the summary; the next run may list some again")
		fps = fps[:maxSummaryFingerprints]
	}
	for i := 0; i < len(fps); i += fingerprintsPerLine {
		marker += "\n" + fingerprintMarker(fps[i:min(i+fingerprintsPerLine, len(fps))]...)
	}
	var footer string
	if p.Footer != nil {
		footer = p.Footer()
	}
	body := review.Markdown(res, review.MarkdownOptions{Overflow: summaryOnly, Marker: marker, Footer: footer})
	req := &github.PullRequestReviewRequest{
		CommitID: github.String(pr.HeadSHA),
		Body:     github.String(body),
		Event:    github.String(event),
	}
	for _, f := range inline {
		req.Comments = append(req.Comments, draftComment(f))
	}
	return req
}

// revalidate splits inline findings into those opts.Diff and the pull request's current files
// accept, and those they do not.
func (p *Poster) revalidate(ctx context.Context, pr PullRef, inline []checklist.Finding, anchored *diff.Index) (keep, bad []checklist.Finding) {
	var indexes []*diff.Index
	if anchored != nil {
		indexes = append(indexes, anchored)
	}
	if fresh, err := p.pullDiff(ctx, pr); err != nil {
		p.Log.Warn().Err(err).Stringer("pr", pr).Msg("could not re-read the pull request's files to check the comments")
	} else {
		indexes = append(indexes, fresh)
	}
	if len(indexes) == 0 {
		return inline, nil
	}
	for _, f := range inline {
		ok := true
		for _, ix := range indexes {
			ok = ok && commentable(ix, f)
		}
		if ok {
			keep = append(keep, f)
		} else {
			bad = append(bad, f)
		}
	}
	return keep, bad
}

// pullDiff lists the pull request's files (all pages) and indexes their patches.
func (p *Poster) pullDiff(ctx context.Context, pr PullRef) (*diff.Index, error) {
	var pfs []diff.PatchFile
	opts := &github.ListOptions{PerPage: 100}
	for page := 0; page < maxListPages; page++ {
		files, resp, err := p.Client.PullRequests.ListFiles(ctx, pr.Owner, pr.Repo, pr.Number, opts)
		if err != nil {
			return nil, fmt.Errorf("list files of %s: %w", pr, err)
		}
		for _, f := range files {
			pfs = append(pfs, diff.PatchFile{
				Filename: f.GetFilename(), PreviousFilename: f.GetPreviousFilename(), Status: f.GetStatus(),
				Patch: f.GetPatch(), Additions: f.GetAdditions(), Deletions: f.GetDeletions(),
			})
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	ix, err := diff.FromPatches(pfs)
	if err != nil {
		return nil, fmt.Errorf("index files of %s: %w", pr, err)
	}
	return ix, nil
}

// Caps on the parts of an inline comment, in bytes; GitHub allows 65,536 characters in all.
const (
	maxCommentTitle      = 300
	maxCommentBody       = 30000
	maxCommentSuggestion = 30000
)

// CommentBody renders a finding as an inline comment: the severity and title in bold with the check
// id, the body, a suggestion block (RIGHT side only, since GitHub applies suggestions to the new
// file) and the hidden fingerprint marker. The title and body come from models and diffs: HTML and
// @mentions are neutralised, unclosed code fences are closed and a "suggestion" fence in the body is
// demoted, so the text cannot hide content, notify anyone or forge a marker.
func CommentBody(f checklist.Finding) string {
	var b strings.Builder
	title := strings.TrimSpace(f.Title)
	if title == "" {
		title = "Finding"
	}
	b.WriteString("**")
	b.WriteString(severityLabel(f.Severity))
	b.WriteString(": ")
	b.WriteString(mdsafe.Inline(mdsafe.Clip(squash(title), maxCommentTitle)))
	b.WriteString("**")
	if f.Check != "" {
		b.WriteString(" · ")
		b.WriteString(mdsafe.CodeSpan(f.Check))
	}
	if body := mdsafe.Block(mdsafe.Clip(f.Body, maxCommentBody)); body != "" {
		b.WriteString("\n\n")
		b.WriteString(body)
	}
	if f.Suggestion != nil && sideOf(f) == diff.Right {
		s := strings.TrimSuffix(strings.ReplaceAll(*f.Suggestion, "\r\n", "\n"), "\n")
		if len(s) <= maxCommentSuggestion {
			b.WriteString("\n\n")
			b.WriteString(mdsafe.CodeBlock("suggestion", s))
		} else {
			b.WriteString("\n\n_The suggested change is too long to show._")
		}
	}
	if f.Fingerprint != "" {
		b.WriteString("\n\n")
		b.WriteString(fingerprintMarker(f.Fingerprint))
	}
	return b.String()
}

func severityLabel(s checklist.Severity) string {
	switch s {
	case checklist.SeverityError:
		return "Error"
	case checklist.SeverityWarning:
		return "Warning"
	case checklist.SeverityInfo:
		return "Info"
	}
	return "Note"
}

// squash turns runs of white space (newlines included) into single spaces.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }
