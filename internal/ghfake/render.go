package ghfake

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// JSON renderers. They run with s.mu held and produce the documented shapes of rest-subset.json.
// API URLs ("url", "*_url") point at the fake (root form); html_url fields point at github.com.

const htmlRoot = "https://github.com"

func (s *Server) apiURL(format string, args ...any) string {
	return strings.TrimSuffix(s.URL, "/") + fmt.Sprintf(format, args...)
}

func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func nodeID(kind string, id any) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%s%v", kind, id)))
}

func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

func nullStr(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// userJSON renders a "Simple User". typ "" is inferred: logins ending in "[bot]" are bots.
func (s *Server) userJSON(login, typ string) map[string]any {
	if typ == "" {
		typ = "User"
		if strings.HasSuffix(login, "[bot]") {
			typ = "Bot"
		}
	}
	id := s.userID(login)
	html := htmlRoot + "/" + login
	node := nodeID("04:User", id)
	if typ == "Bot" {
		html = htmlRoot + "/apps/" + strings.TrimSuffix(login, "[bot]")
		node = nodeID("03:Bot", id)
	}
	api := s.apiURL("/users/%s", login)
	return map[string]any{
		"login":               login,
		"id":                  id,
		"node_id":             node,
		"avatar_url":          fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", id),
		"gravatar_id":         "",
		"url":                 api,
		"html_url":            html,
		"followers_url":       api + "/followers",
		"following_url":       api + "/following{/other_user}",
		"gists_url":           api + "/gists{/gist_id}",
		"starred_url":         api + "/starred{/owner}{/repo}",
		"subscriptions_url":   api + "/subscriptions",
		"organizations_url":   api + "/orgs",
		"repos_url":           api + "/repos",
		"events_url":          api + "/events{/privacy}",
		"received_events_url": api + "/received_events",
		"type":                typ,
		"site_admin":          false,
	}
}

func (s *Server) repoJSON(r *Repo) map[string]any {
	api := s.apiURL("/repos/%s", r.FullName())
	html := htmlRoot + "/" + r.FullName()
	visibility := "public"
	if r.private {
		visibility = "private"
	}
	open := r.openPRs()
	m := map[string]any{
		"id":                          r.id,
		"node_id":                     nodeID("010:Repository", r.id),
		"name":                        r.name,
		"full_name":                   r.FullName(),
		"owner":                       s.userJSON(r.owner, "User"),
		"private":                     r.private,
		"visibility":                  visibility,
		"html_url":                    html,
		"description":                 nil,
		"fork":                        false,
		"url":                         api,
		"homepage":                    nil,
		"language":                    nil,
		"mirror_url":                  nil,
		"license":                     nil,
		"git_url":                     "git://github.com/" + r.FullName() + ".git",
		"ssh_url":                     "git@github.com:" + r.FullName() + ".git",
		"clone_url":                   html + ".git",
		"svn_url":                     html,
		"default_branch":              r.defaultBranch,
		"archived":                    false,
		"disabled":                    false,
		"allow_forking":               true,
		"is_template":                 false,
		"web_commit_signoff_required": false,
		"has_issues":                  true,
		"has_projects":                true,
		"has_wiki":                    true,
		"has_pages":                   false,
		"has_downloads":               true,
		"has_discussions":             false,
		"forks":                       0,
		"forks_count":                 0,
		"stargazers_count":            0,
		"watchers":                    0,
		"watchers_count":              0,
		"size":                        r.sizeKB,
		"open_issues":                 open,
		"open_issues_count":           open,
		"topics":                      []string{},
		"created_at":                  "2024-01-01T00:00:00Z",
		"updated_at":                  ts(s.now()),
		"pushed_at":                   ts(s.now()),
	}
	for k, v := range map[string]string{
		"archive_url": "/{archive_format}{/ref}", "assignees_url": "/assignees{/user}", "blobs_url": "/git/blobs{/sha}",
		"branches_url": "/branches{/branch}", "collaborators_url": "/collaborators{/collaborator}", "comments_url": "/comments{/number}",
		"commits_url": "/commits{/sha}", "compare_url": "/compare/{base}...{head}", "contents_url": "/contents/{+path}",
		"contributors_url": "/contributors", "deployments_url": "/deployments", "downloads_url": "/downloads", "events_url": "/events",
		"forks_url": "/forks", "git_commits_url": "/git/commits{/sha}", "git_refs_url": "/git/refs{/sha}", "git_tags_url": "/git/tags{/sha}",
		"hooks_url": "/hooks", "issue_comment_url": "/issues/comments{/number}", "issue_events_url": "/issues/events{/number}",
		"issues_url": "/issues{/number}", "keys_url": "/keys{/key_id}", "labels_url": "/labels{/name}", "languages_url": "/languages",
		"merges_url": "/merges", "milestones_url": "/milestones{/number}", "notifications_url": "/notifications{?since,all,participating}",
		"pulls_url": "/pulls{/number}", "releases_url": "/releases{/id}", "stargazers_url": "/stargazers", "statuses_url": "/statuses/{sha}",
		"subscribers_url": "/subscribers", "subscription_url": "/subscription", "tags_url": "/tags", "teams_url": "/teams",
		"trees_url": "/git/trees{/sha}",
	} {
		m[k] = api + v
	}
	return m
}

func (r *Repo) openPRs() int {
	n := 0
	for _, p := range r.prOrder {
		if p.pr.State == "open" {
			n++
		}
	}
	return n
}

// headRepoJSON renders the repository of a PR's head: this one, or a fork described by HeadRepo.
func (s *Server) headRepoJSON(p *PullRequest) map[string]any {
	if p.pr.HeadRepo == "" || strings.EqualFold(p.pr.HeadRepo, p.repo.FullName()) {
		return s.repoJSON(p.repo)
	}
	if fr := s.repos[strings.ToLower(p.pr.HeadRepo)]; fr != nil {
		m := s.repoJSON(fr)
		m["fork"] = true
		return m
	}
	owner, name, _ := strings.Cut(p.pr.HeadRepo, "/")
	fork := &Repo{id: int64(s.userID("repo:"+p.pr.HeadRepo)) + 900000, owner: owner, name: name, defaultBranch: p.repo.defaultBranch}
	m := s.repoJSON(fork)
	m["fork"] = true
	return m
}

func (s *Server) labelsJSON(r *Repo, labels []string) []map[string]any {
	out := make([]map[string]any, 0, len(labels))
	for _, l := range labels {
		id := s.userID("label:" + r.FullName() + ":" + l)
		out = append(out, map[string]any{
			"id":          id + 200000000,
			"node_id":     nodeID("05:Label", id),
			"url":         s.apiURL("/repos/%s/labels/%s", r.FullName(), l),
			"name":        l,
			"description": nil,
			"color":       "ededed",
			"default":     false,
		})
	}
	return out
}

func (s *Server) prJSON(p *PullRequest) map[string]any {
	r := p.repo
	api := s.apiURL("/repos/%s", r.FullName())
	html := fmt.Sprintf("%s/%s/pull/%d", htmlRoot, r.FullName(), p.pr.Number)
	files := p.filesAt[p.pr.HeadSHA]
	adds, dels := 0, 0
	for _, f := range files {
		adds += f.Additions
		dels += f.Deletions
	}
	issueComments := 0
	for _, ic := range r.comments {
		if ic.Number == p.pr.Number {
			issueComments++
		}
	}
	headOwner := r.owner
	if p.pr.HeadRepo != "" {
		headOwner, _, _ = strings.Cut(p.pr.HeadRepo, "/")
	}
	var closedAt, mergedAt any
	if p.pr.State == "closed" {
		closedAt = ts(p.updatedAt)
		if p.pr.Merged {
			mergedAt = ts(p.updatedAt)
		}
	}
	return map[string]any{
		"url":                 fmt.Sprintf("%s/pulls/%d", api, p.pr.Number),
		"id":                  p.id,
		"node_id":             nodeID("011:PullRequest", p.id),
		"html_url":            html,
		"diff_url":            html + ".diff",
		"patch_url":           html + ".patch",
		"issue_url":           fmt.Sprintf("%s/issues/%d", api, p.pr.Number),
		"commits_url":         fmt.Sprintf("%s/pulls/%d/commits", api, p.pr.Number),
		"review_comments_url": fmt.Sprintf("%s/pulls/%d/comments", api, p.pr.Number),
		"review_comment_url":  api + "/pulls/comments{/number}",
		"comments_url":        fmt.Sprintf("%s/issues/%d/comments", api, p.pr.Number),
		"statuses_url":        fmt.Sprintf("%s/statuses/%s", api, p.pr.HeadSHA),
		"number":              p.pr.Number,
		"state":               p.pr.State,
		"locked":              false,
		"title":               p.pr.Title,
		"user":                s.userJSON(p.pr.User, p.pr.UserType),
		"body":                nullStr(p.pr.Body),
		"labels":              s.labelsJSON(r, p.pr.Labels),
		"milestone":           nil,
		"active_lock_reason":  nil,
		"created_at":          ts(p.createdAt),
		"updated_at":          ts(p.updatedAt),
		"closed_at":           closedAt,
		"merged_at":           mergedAt,
		"merge_commit_sha":    nil,
		"assignee":            nil,
		"assignees":           []any{},
		"requested_reviewers": []any{},
		"requested_teams":     []any{},
		"head": map[string]any{
			"label": headOwner + ":" + p.pr.HeadRef,
			"ref":   p.pr.HeadRef,
			"sha":   p.pr.HeadSHA,
			"user":  s.userJSON(headOwner, "User"),
			"repo":  s.headRepoJSON(p),
		},
		"base": map[string]any{
			"label": r.owner + ":" + p.pr.BaseRef,
			"ref":   p.pr.BaseRef,
			"sha":   p.pr.BaseSHA,
			"user":  s.userJSON(r.owner, "User"),
			"repo":  s.repoJSON(r),
		},
		"_links": map[string]any{
			"self":            map[string]string{"href": fmt.Sprintf("%s/pulls/%d", api, p.pr.Number)},
			"html":            map[string]string{"href": html},
			"issue":           map[string]string{"href": fmt.Sprintf("%s/issues/%d", api, p.pr.Number)},
			"comments":        map[string]string{"href": fmt.Sprintf("%s/issues/%d/comments", api, p.pr.Number)},
			"review_comments": map[string]string{"href": fmt.Sprintf("%s/pulls/%d/comments", api, p.pr.Number)},
			"review_comment":  map[string]string{"href": api + "/pulls/comments{/number}"},
			"commits":         map[string]string{"href": fmt.Sprintf("%s/pulls/%d/commits", api, p.pr.Number)},
			"statuses":        map[string]string{"href": fmt.Sprintf("%s/statuses/%s", api, p.pr.HeadSHA)},
		},
		"author_association":    p.pr.AuthorAssociation,
		"auto_merge":            nil,
		"draft":                 p.pr.Draft,
		"merged":                p.pr.Merged,
		"mergeable":             nil,
		"rebaseable":            nil,
		"mergeable_state":       "unknown",
		"merged_by":             nil,
		"comments":              issueComments,
		"review_comments":       len(p.comments),
		"maintainer_can_modify": false,
		"commits":               len(p.commitSHA),
		"additions":             adds,
		"deletions":             dels,
		"changed_files":         len(files),
	}
}

// fileJSON renders a "Diff Entry"; the patch key is omitted when there is no patch.
func (s *Server) fileJSON(r *Repo, ref string, f File) map[string]any {
	m := map[string]any{
		"sha":          f.SHA,
		"filename":     f.Filename,
		"status":       f.Status,
		"additions":    f.Additions,
		"deletions":    f.Deletions,
		"changes":      f.Additions + f.Deletions,
		"blob_url":     fmt.Sprintf("%s/%s/blob/%s/%s", htmlRoot, r.FullName(), ref, f.Filename),
		"raw_url":      fmt.Sprintf("%s/%s/raw/%s/%s", htmlRoot, r.FullName(), ref, f.Filename),
		"contents_url": s.apiURL("/repos/%s/contents/%s?ref=%s", r.FullName(), f.Filename, ref),
	}
	if f.Patch != "" {
		m["patch"] = f.Patch
	}
	if f.PreviousFilename != "" {
		m["previous_filename"] = f.PreviousFilename
	}
	return m
}

func (s *Server) commitUser(login string) any {
	if login == "" {
		return nil
	}
	return s.userJSON(login, "")
}

// commitJSON renders a "Commit" of the list-commits and compare answers.
func (s *Server) commitJSON(r *Repo, sha string) map[string]any {
	n := r.commits[sha]
	c := Commit{SHA: sha, Message: "Commit " + shortSHA(sha)}
	if n != nil {
		c = n.commit
	}
	api := s.apiURL("/repos/%s", r.FullName())
	parents := make([]map[string]any, 0, len(c.Parents))
	for _, p := range c.Parents {
		parents = append(parents, map[string]any{
			"sha":      p,
			"url":      api + "/commits/" + p,
			"html_url": fmt.Sprintf("%s/%s/commit/%s", htmlRoot, r.FullName(), p),
		})
	}
	date := ts(c.Date)
	return map[string]any{
		"url":          api + "/commits/" + sha,
		"sha":          sha,
		"node_id":      nodeID("06:Commit", fmt.Sprintf("%d:%s", r.id, sha)),
		"html_url":     fmt.Sprintf("%s/%s/commit/%s", htmlRoot, r.FullName(), sha),
		"comments_url": api + "/commits/" + sha + "/comments",
		"commit": map[string]any{
			"url":       api + "/git/commits/" + sha,
			"author":    map[string]any{"name": c.AuthorName, "email": c.AuthorEmail, "date": date},
			"committer": map[string]any{"name": c.CommitterName, "email": c.CommitterEmail, "date": date},
			"message":   c.Message,
			"tree": map[string]any{
				"sha": fakeSHA("tree", sha),
				"url": api + "/git/trees/" + fakeSHA("tree", sha),
			},
			"comment_count": 0,
			"verification": map[string]any{
				"verified": false, "reason": "unsigned", "signature": nil, "payload": nil, "verified_at": nil,
			},
		},
		"author":    s.commitUser(c.AuthorLogin),
		"committer": s.commitUser(c.CommitterLogin),
		"parents":   parents,
	}
}

func (s *Server) reviewJSON(p *PullRequest, rv *review) map[string]any {
	r := p.repo
	html := fmt.Sprintf("%s/%s/pull/%d#pullrequestreview-%d", htmlRoot, r.FullName(), p.pr.Number, rv.id)
	prURL := s.apiURL("/repos/%s/pulls/%d", r.FullName(), p.pr.Number)
	m := map[string]any{
		"id":                 rv.id,
		"node_id":            nodeID("017:PullRequestReview", rv.id),
		"user":               s.userJSON(rv.user, ""),
		"body":               rv.body,
		"state":              rv.state,
		"html_url":           html,
		"pull_request_url":   prURL,
		"_links":             map[string]any{"html": map[string]string{"href": html}, "pull_request": map[string]string{"href": prURL}},
		"commit_id":          rv.commitID,
		"author_association": "NONE",
	}
	if !rv.submittedAt.IsZero() {
		m["submitted_at"] = ts(rv.submittedAt)
	}
	return m
}

func (s *Server) reviewCommentJSON(p *PullRequest, rc *reviewComment) map[string]any {
	r := p.repo
	self := s.apiURL("/repos/%s/pulls/comments/%d", r.FullName(), rc.id)
	html := fmt.Sprintf("%s/%s/pull/%d#discussion_r%d", htmlRoot, r.FullName(), p.pr.Number, rc.id)
	prURL := s.apiURL("/repos/%s/pulls/%d", r.FullName(), p.pr.Number)
	var startSide any
	if rc.startLine != 0 {
		startSide = rc.startSide
	}
	m := map[string]any{
		"url":                    self,
		"pull_request_review_id": rc.reviewID,
		"id":                     rc.id,
		"node_id":                nodeID("024:PullRequestReviewComment", rc.id),
		"diff_hunk":              rc.diffHunk,
		"path":                   rc.path,
		"position":               nullInt(rc.position),
		"original_position":      rc.origPosition,
		"commit_id":              rc.commitID,
		"original_commit_id":     rc.origCommitID,
		"user":                   s.userJSON(rc.user, ""),
		"body":                   rc.body,
		"created_at":             ts(rc.createdAt),
		"updated_at":             ts(rc.updatedAt),
		"html_url":               html,
		"pull_request_url":       prURL,
		"author_association":     "NONE",
		"_links": map[string]any{
			"self":         map[string]string{"href": self},
			"html":         map[string]string{"href": html},
			"pull_request": map[string]string{"href": prURL},
		},
		"start_line":          nullInt(rc.startLine),
		"original_start_line": nullInt(rc.origStart),
		"start_side":          startSide,
		"line":                nullInt(rc.line),
		"original_line":       rc.origLine,
		"side":                rc.side,
		"subject_type":        "line",
		"reactions":           s.reactionSummary("pr_comment", rc.id, self),
	}
	if rc.inReplyTo != 0 {
		m["in_reply_to_id"] = rc.inReplyTo
	}
	return m
}
