package ghfake

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// IssueComment is a comment on a pull request's conversation (issue comments API).
type IssueComment struct {
	ID        int64
	Number    int
	User      string
	Body      string
	CreatedAt time.Time
	UpdatedAt time.Time
	// Edits counts the PATCH requests applied to the comment.
	Edits int
}

type issueComment struct {
	IssueComment
	userType string
}

// Reaction is a reaction the app added.
type Reaction struct {
	ID      int64
	Repo    string // "owner/name"
	Subject string // "issue_comment" or "pull_request_review_comment"
	// CommentID is the ID of the comment reacted to.
	CommentID int64
	Content   string
	User      string
}

type reaction struct {
	Reaction
	kind      string // "issue_comment" / "pr_comment"
	createdAt time.Time
}

// IssueComments returns the comments on issue (pull request) number, oldest first.
func (r *Repo) IssueComments(number int) []IssueComment {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	var out []IssueComment
	for _, ic := range r.comments {
		if ic.Number == number {
			out = append(out, ic.IssueComment)
		}
	}
	return out
}

// AddIssueComment seeds a comment by login (e.g. a "/wfreview" command from a human) on pull
// request number and returns its ID.
func (r *Repo) AddIssueComment(number int, login, body string) int64 {
	r.s.t.Helper()
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if r.prs[number] == nil {
		r.s.t.Fatalf("ghfake: AddIssueComment: no pull request %d", number)
	}
	now := r.s.now()
	ic := &issueComment{IssueComment: IssueComment{ID: r.s.newID(), Number: number, User: login, Body: body, CreatedAt: now, UpdatedAt: now}}
	r.comments = append(r.comments, ic)
	return ic.ID
}

// Reactions returns the reactions added so far, in order.
func (s *Server) Reactions() []Reaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Reaction, len(s.reactions))
	for i, rx := range s.reactions {
		out[i] = rx.Reaction
	}
	return out
}

func (s *Server) issueCommentJSON(r *Repo, ic *issueComment) map[string]any {
	api := s.apiURL("/repos/%s", r.FullName())
	self := fmt.Sprintf("%s/issues/comments/%d", api, ic.ID)
	return map[string]any{
		"id":                 ic.ID,
		"node_id":            nodeID("012:IssueComment", ic.ID),
		"url":                self,
		"html_url":           fmt.Sprintf("%s/%s/pull/%d#issuecomment-%d", htmlRoot, r.FullName(), ic.Number, ic.ID),
		"body":               ic.Body,
		"user":               s.userJSON(ic.User, ic.userType),
		"created_at":         ts(ic.CreatedAt),
		"updated_at":         ts(ic.UpdatedAt),
		"issue_url":          fmt.Sprintf("%s/issues/%d", api, ic.Number),
		"author_association": "NONE",
		"reactions":          s.reactionSummary("issue_comment", ic.ID, self),
		"performed_via_github_app": func() any {
			if ic.User == s.botLogin {
				return s.appJSON()
			}
			return nil
		}(),
	}
}

// reactionSummary renders the "reactions" rollup of a comment.
func (s *Server) reactionSummary(kind string, id int64, commentURL string) map[string]any {
	counts := map[string]int{"+1": 0, "-1": 0, "laugh": 0, "confused": 0, "heart": 0, "hooray": 0, "rocket": 0, "eyes": 0}
	total := 0
	for _, rx := range s.reactions {
		if rx.kind == kind && rx.CommentID == id {
			counts[rx.Content]++
			total++
		}
	}
	m := map[string]any{"url": commentURL + "/reactions", "total_count": total}
	for k, v := range counts {
		m[k] = v
	}
	return m
}

// checkCommentBody validates an issue comment body; it answers the 422 and returns false on failure.
func (c *call) checkCommentBody(body *string) bool {
	switch {
	case body == nil:
		c.invalidRequest(`"body" wasn't supplied.`)
		return false
	case strings.TrimSpace(*body) == "":
		c.validationFailed(validationError{Resource: "IssueComment", Code: "unprocessable", Field: "data", Message: "Body cannot be blank"})
		return false
	case utf8.RuneCountInString(*body) > MaxBodyLength:
		c.validationFailed(validationError{Resource: "IssueComment", Code: "unprocessable", Field: "data",
			Message: fmt.Sprintf("Body is too long (maximum is %d characters)", MaxBodyLength)})
		return false
	}
	return true
}

func (c *call) issueNumber() (int, bool) {
	n, ok := c.intParam("issue_number")
	if !ok {
		return 0, false
	}
	if c.repo.prs[int(n)] == nil {
		c.notFound()
		return 0, false
	}
	return int(n), true
}

func (c *call) listIssueComments() {
	n, ok := c.issueNumber()
	if !ok {
		return
	}
	var items []map[string]any
	for _, ic := range c.repo.comments {
		if ic.Number == n {
			items = append(items, c.s.issueCommentJSON(c.repo, ic))
		}
	}
	if items == nil {
		items = []map[string]any{}
	}
	c.json(http.StatusOK, paginate(c, items, 0))
}

func (c *call) createIssueComment() {
	n, ok := c.issueNumber()
	if !ok {
		return
	}
	var in struct {
		Body *string `json:"body"`
	}
	if !c.decode(&in) || !c.checkCommentBody(in.Body) {
		return
	}
	now := c.s.now()
	ic := &issueComment{IssueComment: IssueComment{ID: c.s.newID(), Number: n, User: c.s.botLogin, Body: *in.Body, CreatedAt: now, UpdatedAt: now}}
	c.repo.comments = append(c.repo.comments, ic)
	c.header.Set("Location", c.s.apiURL("/repos/%s/issues/comments/%d", c.repo.FullName(), ic.ID))
	c.json(http.StatusCreated, c.s.issueCommentJSON(c.repo, ic))
}

func (c *call) issueCommentParam() (*issueComment, int, bool) {
	id, ok := c.intParam("comment_id")
	if !ok {
		return nil, 0, false
	}
	for i, ic := range c.repo.comments {
		if ic.ID == id {
			return ic, i, true
		}
	}
	c.notFound()
	return nil, 0, false
}

func (c *call) getIssueComment() {
	if ic, _, ok := c.issueCommentParam(); ok {
		c.json(http.StatusOK, c.s.issueCommentJSON(c.repo, ic))
	}
}

func (c *call) updateIssueComment() {
	ic, _, ok := c.issueCommentParam()
	if !ok {
		return
	}
	var in struct {
		Body *string `json:"body"`
	}
	if !c.decode(&in) || !c.checkCommentBody(in.Body) {
		return
	}
	ic.Body, ic.UpdatedAt = *in.Body, c.s.now()
	ic.Edits++
	c.json(http.StatusOK, c.s.issueCommentJSON(c.repo, ic))
}

func (c *call) deleteIssueComment() {
	_, i, ok := c.issueCommentParam()
	if !ok {
		return
	}
	c.repo.comments = append(c.repo.comments[:i], c.repo.comments[i+1:]...)
	c.status = http.StatusNoContent
}

var reactionContents = []string{"+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"}

func (c *call) createIssueCommentReaction() {
	if _, _, ok := c.issueCommentParam(); ok {
		c.react("issue_comment", "issue_comment")
	}
}

func (c *call) createReviewCommentReaction() {
	if _, _, ok := c.reviewCommentParam(); ok {
		c.react("pr_comment", "pull_request_review_comment")
	}
}

// react adds a reaction to the comment in the path: 201, or 200 with the existing one.
func (c *call) react(kind, subject string) {
	id, _ := c.intParam("comment_id")
	var in struct {
		Content *string `json:"content"`
	}
	if !c.decode(&in) {
		return
	}
	if in.Content == nil {
		c.invalidRequest(`"content" wasn't supplied.`)
		return
	}
	if !member(*in.Content, reactionContents) {
		c.invalidRequest(fmt.Sprintf("For 'properties/content', %q is not a member of %s.", *in.Content, enumList(reactionContents)))
		return
	}
	for _, rx := range c.s.reactions {
		if rx.kind == kind && rx.CommentID == id && rx.Content == *in.Content && rx.User == c.s.botLogin {
			c.json(http.StatusOK, c.s.reactionJSON(rx))
			return
		}
	}
	rx := &reaction{
		Reaction:  Reaction{ID: c.s.newID(), Repo: c.repo.FullName(), Subject: subject, CommentID: id, Content: *in.Content, User: c.s.botLogin},
		kind:      kind,
		createdAt: c.s.now(),
	}
	c.s.reactions = append(c.s.reactions, rx)
	c.json(http.StatusCreated, c.s.reactionJSON(rx))
}

func (s *Server) reactionJSON(rx *reaction) map[string]any {
	return map[string]any{
		"id":         rx.ID,
		"node_id":    nodeID("08:Reaction", rx.ID),
		"user":       s.userJSON(rx.User, ""),
		"content":    rx.Content,
		"created_at": ts(rx.createdAt),
	}
}

// getPermission serves the collaborator permission endpoint. "permission" is the legacy base role:
// maintain maps to write and triage to read; role_name is the role as set.
func (c *call) getPermission() {
	p, ok := c.repo.perms[strings.ToLower(c.params["username"])]
	if !ok {
		c.notFound()
		return
	}
	legacy := map[string]string{"maintain": "write", "triage": "read"}[p.permission]
	if legacy == "" {
		legacy = p.permission
	}
	user := c.s.userJSON(p.login, "")
	user["permissions"] = map[string]bool{
		"admin":    p.permission == "admin",
		"maintain": member(p.permission, []string{"admin", "maintain"}),
		"push":     member(p.permission, []string{"admin", "maintain", "write"}),
		"triage":   member(p.permission, []string{"admin", "maintain", "write", "triage"}),
		"pull":     p.permission != "none",
	}
	user["role_name"] = p.permission
	c.json(http.StatusOK, map[string]any{
		"permission": legacy,
		"role_name":  p.permission,
		"user":       user,
	})
}
