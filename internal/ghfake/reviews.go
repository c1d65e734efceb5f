package ghfake

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wfreview/wfreview/diff"
)

// Errors the fake answers (in the "errors" list of a 422) when a review comment cannot be anchored.
// GitHub has worded these differently over time; the fake always uses these.
const (
	// ErrLineNotInDiff: line (or start_line, or position) is not a line of the file's diff on that side.
	ErrLineNotInDiff = "Line could not be resolved"
	// ErrPathNotInDiff: path is not one of the pull request's files.
	ErrPathNotInDiff = "Path could not be resolved"
	// ErrStartLineHunk: start_line and line are in different hunks.
	ErrStartLineHunk = "Pull request review thread start line must be part of the same hunk as the line."
	// ErrStartLineOrder: the range does not go forward in the diff.
	ErrStartLineOrder = "Pull request review thread start line must precede the end line."
	// ErrPendingReview: the user already has a pending review on the pull request.
	ErrPendingReview = "User can only have one pending review per pull request"
	// MaxBodyLength is GitHub's limit on review, comment and issue comment bodies.
	MaxBodyLength = 65536
)

// Review is a review the app posted.
type Review struct {
	ID       int64
	User     string
	Event    string // as sent: COMMENT, REQUEST_CHANGES, APPROVE or "" (pending)
	State    string // COMMENTED, CHANGES_REQUESTED, APPROVED or PENDING
	Body     string
	CommitID string
	// SubmittedAt is zero for a pending review.
	SubmittedAt time.Time
	Comments    []ReviewComment
}

// ReviewComment is an inline review comment. Line, StartLine and Position are 0 when null (e.g. an
// outdated comment, or a single-line comment's StartLine).
type ReviewComment struct {
	ID                int64
	ReviewID          int64
	InReplyTo         int64
	User              string
	Body              string
	Path              string
	Line              int
	Side              string
	StartLine         int
	StartSide         string
	OriginalLine      int
	OriginalStartLine int
	Position          int
	OriginalPosition  int
	CommitID          string
	OriginalCommitID  string
	DiffHunk          string
	Outdated          bool
	CreatedAt         time.Time
}

type review struct {
	id          int64
	user        string
	event       string
	state       string
	body        string
	commitID    string
	submittedAt time.Time
}

type reviewComment struct {
	id, reviewID, inReplyTo int64
	user, body, path        string
	line, startLine         int
	side, startSide         string
	origLine, origStart     int
	position, origPosition  int
	commitID, origCommitID  string
	diffHunk                string
	outdated                bool
	createdAt, updatedAt    time.Time
	// resolved and resolvedBy are the state of the thread this comment starts (GraphQL
	// resolveReviewThread); replies do not use them.
	resolved   bool
	resolvedBy string
}

func (rc *reviewComment) export() ReviewComment {
	return ReviewComment{
		ID: rc.id, ReviewID: rc.reviewID, InReplyTo: rc.inReplyTo, User: rc.user, Body: rc.body, Path: rc.path,
		Line: rc.line, Side: rc.side, StartLine: rc.startLine, StartSide: rc.startSide,
		OriginalLine: rc.origLine, OriginalStartLine: rc.origStart,
		Position: rc.position, OriginalPosition: rc.origPosition,
		CommitID: rc.commitID, OriginalCommitID: rc.origCommitID, DiffHunk: rc.diffHunk,
		Outdated: rc.outdated, CreatedAt: rc.createdAt,
	}
}

// Reviews returns the reviews posted on the pull request, oldest first, with their comments.
func (p *PullRequest) Reviews() []Review {
	p.repo.s.mu.Lock()
	defer p.repo.s.mu.Unlock()
	out := make([]Review, 0, len(p.reviews))
	for _, rv := range p.reviews {
		r := Review{
			ID: rv.id, User: rv.user, Event: rv.event, State: rv.state, Body: rv.body,
			CommitID: rv.commitID, SubmittedAt: rv.submittedAt,
		}
		for _, rc := range p.comments {
			if rc.reviewID == rv.id {
				r.Comments = append(r.Comments, rc.export())
			}
		}
		out = append(out, r)
	}
	return out
}

// ReviewComments returns all review comments of the pull request (of every review, pending ones
// included), oldest first.
func (p *PullRequest) ReviewComments() []ReviewComment {
	p.repo.s.mu.Lock()
	defer p.repo.s.mu.Unlock()
	out := make([]ReviewComment, 0, len(p.comments))
	for _, rc := range p.comments {
		out = append(out, rc.export())
	}
	return out
}

// AddReviewComment seeds a review comment by someone else (e.g. a human replying to the bot), in a
// review of its own with state COMMENTED. inReplyTo is the ID of the comment replied to, or 0 for a
// new thread on path/line (RIGHT side) of the current head; the line must be in the diff.
func (p *PullRequest) AddReviewComment(login, body, path string, line int, inReplyTo int64) int64 {
	s := p.repo.s
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	rv := &review{id: s.newID(), user: login, event: "COMMENT", state: "COMMENTED", commitID: p.pr.HeadSHA, submittedAt: now}
	rc := &reviewComment{id: s.newID(), reviewID: rv.id, user: login, body: body, createdAt: now, updatedAt: now}
	if inReplyTo != 0 {
		parent := p.findComment(inReplyTo)
		if parent == nil {
			s.t.Fatalf("ghfake: AddReviewComment: no comment %d on PR %d", inReplyTo, p.pr.Number)
		}
		copyAnchor(rc, parent)
		rc.inReplyTo = threadRoot(parent)
	} else {
		files, ix := p.diffAt(p.pr.HeadSHA)
		loc, ok := locate(files, ix, path, line, diff.Right)
		if !ok {
			s.t.Fatalf("ghfake: AddReviewComment: %s:%d is not in the diff", path, line)
		}
		rc.path, rc.line, rc.side, rc.origLine = path, line, "RIGHT", line
		rc.position, rc.origPosition, rc.diffHunk = loc.position, loc.position, loc.diffHunk
		rc.commitID, rc.origCommitID = p.pr.HeadSHA, p.pr.HeadSHA
	}
	p.reviews = append(p.reviews, rv)
	p.comments = append(p.comments, rc)
	return rc.id
}

func copyAnchor(dst, src *reviewComment) {
	dst.path, dst.line, dst.side, dst.startLine, dst.startSide = src.path, src.line, src.side, src.startLine, src.startSide
	dst.origLine, dst.origStart, dst.position, dst.origPosition = src.origLine, src.origStart, src.position, src.origPosition
	dst.commitID, dst.origCommitID, dst.diffHunk, dst.outdated = src.commitID, src.origCommitID, src.diffHunk, src.outdated
}

func threadRoot(rc *reviewComment) int64 {
	if rc.inReplyTo != 0 {
		return rc.inReplyTo
	}
	return rc.id
}

// findComment finds a review comment of the PR by ID. Callers hold s.mu.
func (p *PullRequest) findComment(id int64) *reviewComment {
	for _, rc := range p.comments {
		if rc.id == id {
			return rc
		}
	}
	return nil
}

// findReviewComment finds a review comment anywhere in the repository. Callers hold s.mu.
func (r *Repo) findReviewComment(id int64) (*PullRequest, *reviewComment) {
	for _, p := range r.prOrder {
		if rc := p.findComment(id); rc != nil {
			return p, rc
		}
	}
	return nil, nil
}

func (p *PullRequest) findReview(id int64) *review {
	for _, rv := range p.reviews {
		if rv.id == id {
			return rv
		}
	}
	return nil
}

// --- anchoring ---

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@`)

type patchLine struct {
	text     string
	kind     byte // '@' header, '+', '-', ' ', '\\'
	old, new int
	hunk     int
	header   int // index of this line's hunk header
}

// walkPatch splits a patch into lines indexed by GitHub's "position": index 0 is the first hunk
// header, position 1 the line below it, and later hunk headers take a position too.
func walkPatch(patch string) []patchLine {
	raw := strings.Split(patch, "\n")
	if n := len(raw); n > 0 && raw[n-1] == "" {
		raw = raw[:n-1]
	}
	out := make([]patchLine, 0, len(raw))
	oldN, newN, hunk, header := 0, 0, -1, 0
	for i, l := range raw {
		pl := patchLine{text: l}
		if m := hunkHeader.FindStringSubmatch(l); m != nil {
			oldN, _ = strconv.Atoi(m[1])
			newN, _ = strconv.Atoi(m[3])
			hunk++
			header = i
			pl.kind = '@'
		} else if hunk < 0 {
			continue
		} else {
			switch {
			case strings.HasPrefix(l, "+"):
				pl.kind, pl.new = '+', newN
				newN++
			case strings.HasPrefix(l, "-"):
				pl.kind, pl.old = '-', oldN
				oldN++
			case strings.HasPrefix(l, "\\"):
				pl.kind = '\\'
			default:
				pl.kind, pl.old, pl.new = ' ', oldN, newN
				oldN++
				newN++
			}
		}
		pl.hunk, pl.header = hunk, header
		out = append(out, pl)
	}
	return out
}

type anchor struct {
	position int
	hunk     int
	diffHunk string
	line     int
	side     diff.Side
}

func sideOf(s string) diff.Side {
	if s == "LEFT" {
		return diff.Left
	}
	return diff.Right
}

func findFile(files []File, path string) *File {
	for i := range files {
		if files[i].Filename == path {
			return &files[i]
		}
	}
	return nil
}

// locate anchors path:line on side: the line must be part of the diff (decided by package diff, as
// wfreview decides it) and is then found in the patch for its position and diff hunk.
func locate(files []File, ix *diff.Index, path string, line int, side diff.Side) (anchor, bool) {
	f := findFile(files, path)
	if f == nil || ix == nil || !ix.Commentable(path, line, side) {
		return anchor{}, false
	}
	lines := walkPatch(f.Patch)
	for i, pl := range lines {
		var hit bool
		if side == diff.Left {
			hit = (pl.kind == '-' || pl.kind == ' ') && pl.old == line
		} else {
			hit = (pl.kind == '+' || pl.kind == ' ') && pl.new == line
		}
		if hit {
			return anchor{position: i, hunk: pl.hunk, diffHunk: joinLines(lines[pl.header : i+1]), line: line, side: side}, true
		}
	}
	return anchor{}, false
}

// locatePosition anchors a legacy diff position.
func locatePosition(files []File, path string, position int) (anchor, bool) {
	f := findFile(files, path)
	if f == nil {
		return anchor{}, false
	}
	lines := walkPatch(f.Patch)
	if position < 1 || position >= len(lines) {
		return anchor{}, false
	}
	pl := lines[position]
	a := anchor{position: position, hunk: pl.hunk, diffHunk: joinLines(lines[pl.header : position+1])}
	switch pl.kind {
	case '+', ' ':
		a.line, a.side = pl.new, diff.Right
	case '-':
		a.line, a.side = pl.old, diff.Left
	default:
		return anchor{}, false
	}
	return a, true
}

func joinLines(ls []patchLine) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = l.text
	}
	return strings.Join(parts, "\n")
}

// commentInput is one comment of a create-review request, or the body of create-review-comment.
type commentInput struct {
	Path        *string `json:"path"`
	Position    *int    `json:"position"`
	Body        *string `json:"body"`
	Line        *int    `json:"line"`
	Side        *string `json:"side"`
	StartLine   *int    `json:"start_line"`
	StartSide   *string `json:"start_side"`
	CommitID    *string `json:"commit_id"`
	InReplyTo   *int64  `json:"in_reply_to"`
	SubjectType *string `json:"subject_type"`
}

// resolveComment validates a comment's anchor against the diff at commitID and fills rc. It
// returns the error message for the errors list, or "".
func (p *PullRequest) resolveComment(in commentInput, commitID string, rc *reviewComment) string {
	files, ix := p.diffAt(commitID)
	path := *in.Path
	if findFile(files, path) == nil {
		return ErrPathNotInDiff
	}
	rc.path = path
	rc.commitID, rc.origCommitID = commitID, commitID
	if in.Line == nil {
		if in.Position == nil {
			return ErrLineNotInDiff
		}
		a, ok := locatePosition(files, path, *in.Position)
		if !ok {
			return ErrLineNotInDiff
		}
		rc.line, rc.origLine, rc.side = a.line, a.line, string(a.side)
		rc.position, rc.origPosition, rc.diffHunk = a.position, a.position, a.diffHunk
		return ""
	}
	side := "RIGHT"
	if in.Side != nil {
		side = *in.Side
	}
	if side != "LEFT" && side != "RIGHT" {
		return fmt.Sprintf("Pull request review thread side %q is not included in the list", side)
	}
	end, ok := locate(files, ix, path, *in.Line, sideOf(side))
	if !ok {
		return ErrLineNotInDiff
	}
	rc.line, rc.origLine, rc.side = *in.Line, *in.Line, side
	rc.position, rc.origPosition, rc.diffHunk = end.position, end.position, end.diffHunk
	if in.StartLine == nil {
		if in.StartSide != nil {
			return "Pull request review thread start side requires start line"
		}
		return ""
	}
	startSide := side
	if in.StartSide != nil && *in.StartSide != "side" {
		startSide = *in.StartSide
	}
	if startSide != "LEFT" && startSide != "RIGHT" {
		return fmt.Sprintf("Pull request review thread start side %q is not included in the list", startSide)
	}
	start, ok := locate(files, ix, path, *in.StartLine, sideOf(startSide))
	if !ok {
		return ErrLineNotInDiff
	}
	if start.hunk != end.hunk {
		return ErrStartLineHunk
	}
	if start.position >= end.position {
		return ErrStartLineOrder
	}
	rc.startLine, rc.origStart, rc.startSide = *in.StartLine, *in.StartLine, startSide
	return ""
}

// --- handlers ---

func (c *call) pull() (*PullRequest, bool) {
	n, ok := c.intParam("pull_number")
	if !ok {
		return nil, false
	}
	p := c.repo.prs[int(n)]
	if p == nil {
		c.notFound()
		return nil, false
	}
	return p, true
}

func (c *call) createReview() {
	p, ok := c.pull()
	if !ok {
		return
	}
	var in struct {
		CommitID *string        `json:"commit_id"`
		Body     *string        `json:"body"`
		Event    *string        `json:"event"`
		Comments []commentInput `json:"comments"`
	}
	if !c.decode(&in) {
		return
	}
	event := ""
	if in.Event != nil {
		event = *in.Event
	}
	state := map[string]string{"": "PENDING", "COMMENT": "COMMENTED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "APPROVE": "APPROVED"}[event]
	if state == "" {
		c.invalidRequest(fmt.Sprintf("For 'properties/event', %q is not a member of [\"APPROVE\", \"REQUEST_CHANGES\", \"COMMENT\"].", event))
		return
	}
	for _, cm := range in.Comments {
		switch {
		case cm.Path == nil:
			c.invalidRequest(`"path" wasn't supplied.`)
			return
		case cm.Body == nil:
			c.invalidRequest(`"body" wasn't supplied.`)
			return
		}
	}
	body := ""
	if in.Body != nil {
		body = *in.Body
	}
	if len([]rune(body)) > MaxBodyLength {
		c.unprocessable(fmt.Sprintf("Body is too long (maximum is %d characters)", MaxBodyLength))
		return
	}
	if (event == "REQUEST_CHANGES" || event == "COMMENT") && strings.TrimSpace(body) == "" && len(in.Comments) == 0 {
		c.unprocessable("Body can't be blank")
		return
	}
	for _, rv := range p.reviews {
		if rv.state == "PENDING" && rv.user == c.s.botLogin {
			c.unprocessable(ErrPendingReview)
			return
		}
	}
	commitID := p.pr.HeadSHA
	if in.CommitID != nil && *in.CommitID != "" {
		commitID = *in.CommitID
		if !p.hasCommit(commitID) {
			c.unprocessable("No commit found for SHA: " + commitID)
			return
		}
	}

	// Validate every comment before storing anything: one bad comment rejects the whole review.
	now := c.s.now()
	pending := make([]*reviewComment, 0, len(in.Comments))
	for _, cm := range in.Comments {
		if len([]rune(*cm.Body)) > MaxBodyLength {
			c.unprocessable(fmt.Sprintf("Body is too long (maximum is %d characters)", MaxBodyLength))
			return
		}
		rc := &reviewComment{user: c.s.botLogin, body: *cm.Body, createdAt: now, updatedAt: now}
		if msg := p.resolveComment(cm, commitID, rc); msg != "" {
			c.unprocessable(msg)
			return
		}
		pending = append(pending, rc)
	}

	rv := &review{id: c.s.newID(), user: c.s.botLogin, event: event, state: state, body: body, commitID: commitID}
	if state != "PENDING" {
		rv.submittedAt = now
	}
	for _, rc := range pending {
		rc.id, rc.reviewID = c.s.newID(), rv.id
	}
	p.reviews = append(p.reviews, rv)
	p.comments = append(p.comments, pending...)
	p.updatedAt = now
	c.json(http.StatusOK, c.s.reviewJSON(p, rv))
}

func (c *call) listReviews() {
	p, ok := c.pull()
	if !ok {
		return
	}
	items := make([]map[string]any, 0, len(p.reviews))
	for _, rv := range p.reviews {
		if rv.state == "PENDING" && rv.user != c.s.botLogin {
			continue // pending reviews are visible to their author only
		}
		items = append(items, c.s.reviewJSON(p, rv))
	}
	c.json(http.StatusOK, paginate(c, items, 0))
}

func (c *call) getReview() {
	p, ok := c.pull()
	if !ok {
		return
	}
	id, ok := c.intParam("review_id")
	if !ok {
		return
	}
	rv := p.findReview(id)
	if rv == nil || (rv.state == "PENDING" && rv.user != c.s.botLogin) {
		c.notFound()
		return
	}
	c.json(http.StatusOK, c.s.reviewJSON(p, rv))
}

// visibleComments lists review comments except those of other users' pending reviews.
func (c *call) visibleComments(p *PullRequest) []*reviewComment {
	out := make([]*reviewComment, 0, len(p.comments))
	for _, rc := range p.comments {
		if rv := p.findReview(rc.reviewID); rv != nil && rv.state == "PENDING" && rv.user != c.s.botLogin {
			continue
		}
		out = append(out, rc)
	}
	return out
}

func (c *call) listReviewComments() {
	p, ok := c.pull()
	if !ok {
		return
	}
	cs := c.visibleComments(p)
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].id < cs[j].id })
	items := make([]map[string]any, len(cs))
	for i, rc := range cs {
		items[i] = c.s.reviewCommentJSON(p, rc)
	}
	c.json(http.StatusOK, paginate(c, items, 0))
}

// createReviewComment serves POST .../pulls/{n}/comments: a single comment in a review of its own,
// or a reply when in_reply_to is set. Its 422s use the "Validation Failed" shape GitHub uses there.
func (c *call) createReviewComment() {
	p, ok := c.pull()
	if !ok {
		return
	}
	var in commentInput
	if !c.decode(&in) {
		return
	}
	if in.Body == nil {
		c.invalidRequest(`"body" wasn't supplied.`)
		return
	}
	if in.InReplyTo != nil {
		c.reply(p, *in.InReplyTo, *in.Body)
		return
	}
	switch {
	case in.CommitID == nil:
		c.invalidRequest(`"commit_id" wasn't supplied.`)
		return
	case in.Path == nil:
		c.invalidRequest(`"path" wasn't supplied.`)
		return
	}
	if !p.hasCommit(*in.CommitID) {
		c.validationFailed(validationError{Resource: "PullRequestReviewComment", Code: "custom", Field: "commit_id", Message: "commit_id is not part of the pull request"})
		return
	}
	now := c.s.now()
	rc := &reviewComment{user: c.s.botLogin, body: *in.Body, createdAt: now, updatedAt: now}
	if msg := p.resolveComment(in, *in.CommitID, rc); msg != "" {
		field := "pull_request_review_thread.line"
		switch msg {
		case ErrPathNotInDiff:
			field, msg = "pull_request_review_thread.path", "pull_request_review_thread.path is invalid"
		case ErrLineNotInDiff:
			msg = "pull_request_review_thread.line must be part of the diff"
		case ErrStartLineHunk:
			field, msg = "pull_request_review_thread.start_line", "pull_request_review_thread.start_line must be part of the same hunk as the line."
		}
		c.validationFailed(validationError{Resource: "PullRequestReviewComment", Code: "custom", Field: field, Message: msg})
		return
	}
	rv := &review{id: c.s.newID(), user: c.s.botLogin, event: "COMMENT", state: "COMMENTED", commitID: *in.CommitID, submittedAt: now}
	rc.id, rc.reviewID = c.s.newID(), rv.id
	p.reviews = append(p.reviews, rv)
	p.comments = append(p.comments, rc)
	c.header.Set("Location", c.s.apiURL("/repos/%s/pulls/comments/%d", c.repo.FullName(), rc.id))
	c.json(http.StatusCreated, c.s.reviewCommentJSON(p, rc))
}

func (c *call) createReviewCommentReply() {
	p, ok := c.pull()
	if !ok {
		return
	}
	id, ok := c.intParam("comment_id")
	if !ok {
		return
	}
	var in struct {
		Body *string `json:"body"`
	}
	if !c.decode(&in) {
		return
	}
	if in.Body == nil {
		c.invalidRequest(`"body" wasn't supplied.`)
		return
	}
	c.reply(p, id, *in.Body)
}

func (c *call) reply(p *PullRequest, to int64, body string) {
	parent := p.findComment(to)
	if parent == nil {
		c.notFound()
		return
	}
	now := c.s.now()
	rv := &review{id: c.s.newID(), user: c.s.botLogin, event: "COMMENT", state: "COMMENTED", commitID: parent.commitID, submittedAt: now}
	rc := &reviewComment{id: c.s.newID(), reviewID: rv.id, user: c.s.botLogin, body: body, createdAt: now, updatedAt: now}
	copyAnchor(rc, parent)
	rc.inReplyTo = threadRoot(parent)
	p.reviews = append(p.reviews, rv)
	p.comments = append(p.comments, rc)
	c.header.Set("Location", c.s.apiURL("/repos/%s/pulls/comments/%d", c.repo.FullName(), rc.id))
	c.json(http.StatusCreated, c.s.reviewCommentJSON(p, rc))
}

func (c *call) reviewCommentParam() (*PullRequest, *reviewComment, bool) {
	id, ok := c.intParam("comment_id")
	if !ok {
		return nil, nil, false
	}
	p, rc := c.repo.findReviewComment(id)
	if rc == nil {
		c.notFound()
		return nil, nil, false
	}
	return p, rc, true
}

func (c *call) getReviewComment() {
	if p, rc, ok := c.reviewCommentParam(); ok {
		c.json(http.StatusOK, c.s.reviewCommentJSON(p, rc))
	}
}

func (c *call) updateReviewComment() {
	p, rc, ok := c.reviewCommentParam()
	if !ok {
		return
	}
	var in struct {
		Body *string `json:"body"`
	}
	if !c.decode(&in) {
		return
	}
	if in.Body == nil {
		c.invalidRequest(`"body" wasn't supplied.`)
		return
	}
	rc.body, rc.updatedAt = *in.Body, c.s.now()
	c.json(http.StatusOK, c.s.reviewCommentJSON(p, rc))
}

func (c *call) deleteReviewComment() {
	p, rc, ok := c.reviewCommentParam()
	if !ok {
		return
	}
	for i, x := range p.comments {
		if x == rc {
			p.comments = append(p.comments[:i], p.comments[i+1:]...)
			break
		}
	}
	c.status = http.StatusNoContent
}
