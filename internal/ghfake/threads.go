package ghfake

// Thread is a review thread as GraphQL's PullRequestReviewThread shows it: a review comment that
// replies to nothing, and the comments replying to it.
type Thread struct {
	// ID is the thread's GraphQL node ID (the threadId of resolveReviewThread).
	ID         string
	Path       string
	Line       int // 0 when outdated
	Outdated   bool
	Resolved   bool
	ResolvedBy string
	// Comments are the first comment and its replies, oldest first.
	Comments []ReviewComment
}

// Threads returns the pull request's review threads, oldest first.
func (p *PullRequest) Threads() []Thread {
	s := p.repo.s
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Thread
	for _, t := range s.threads(p) {
		th := Thread{ID: threadNodeID(t.root.id), Path: t.root.path, Line: t.root.line, Outdated: t.root.outdated,
			Resolved: t.root.resolved, ResolvedBy: t.root.resolvedBy, Comments: []ReviewComment{t.root.export()}}
		for _, r := range t.replies {
			th.Comments = append(th.Comments, r.export())
		}
		out = append(out, th)
	}
	return out
}

// ThreadOf returns the thread holding review comment id, and whether there is one.
func (p *PullRequest) ThreadOf(id int64) (Thread, bool) {
	for _, t := range p.Threads() {
		for _, c := range t.Comments {
			if c.ID == id {
				return t, true
			}
		}
	}
	return Thread{}, false
}

// AddReviewCommentReaction seeds a reaction by login (a person, or a bot when the login ends in
// "[bot]") on review comment id of the pull request, as if added on github.com. content is REST's
// spelling: +1, -1, laugh, confused, heart, hooray, rocket or eyes. It returns the reaction's ID.
func (p *PullRequest) AddReviewCommentReaction(id int64, login, content string) int64 {
	s := p.repo.s
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.findComment(id) == nil {
		s.t.Fatalf("ghfake: AddReviewCommentReaction: no review comment %d on pull request %d", id, p.pr.Number)
	}
	if !member(content, reactionContents) {
		s.t.Fatalf("ghfake: AddReviewCommentReaction: unknown content %q", content)
	}
	rx := &reaction{
		Reaction:  Reaction{ID: s.newID(), Repo: p.repo.FullName(), Subject: "pull_request_review_comment", CommentID: id, Content: content, User: login},
		kind:      "pr_comment",
		createdAt: s.now(),
	}
	s.reactions = append(s.reactions, rx)
	return rx.ID
}

// Unresolve unresolves the thread of review comment id, as a person does on github.com.
func (p *PullRequest) Unresolve(id int64) {
	s := p.repo.s
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	rc := p.findComment(id)
	if rc == nil {
		s.t.Fatalf("ghfake: Unresolve: no review comment %d on pull request %d", id, p.pr.Number)
	}
	for rc.inReplyTo != 0 {
		if rc = p.findComment(rc.inReplyTo); rc == nil {
			s.t.Fatalf("ghfake: Unresolve: the thread of comment %d has no first comment", id)
		}
	}
	rc.resolved, rc.resolvedBy = false, ""
}
