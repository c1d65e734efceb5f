package ghfake

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/wfreview/wfreview/diff"
)

// File is one entry of a pull request's file list (GET .../pulls/{n}/files), as GitHub reports it.
type File struct {
	Filename         string
	PreviousFilename string // for renamed and copied files
	// Status is added, removed, modified (default), renamed, copied, changed or unchanged.
	Status string
	// Patch is the unified diff hunks without file header ("@@ -1,2 +1,3 @@..."); empty for binary
	// or very large files, which then have no "patch" key, as on GitHub.
	Patch string
	// Additions and Deletions are counted from Patch when both are zero.
	Additions, Deletions int
	// SHA is the blob SHA; derived from the file name and patch when empty.
	SHA string
}

// Commit is a commit of the fake repository's commit graph.
type Commit struct {
	SHA     string
	Message string
	// AuthorLogin and CommitterLogin are the GitHub users the commit is attributed to; empty means
	// the e-mail matches no GitHub user, and the commit's "author"/"committer" is null.
	AuthorName, AuthorEmail, AuthorLogin          string
	CommitterName, CommitterEmail, CommitterLogin string
	Date                                          time.Time // default: the time it was added
	// Parents are the parent SHAs. When nil, AddPR and Push chain the commits: the first commit's
	// parent is the previous head (or the PR's BaseSHA), each next one's is the commit before it. Use
	// an empty non-nil slice for a root commit.
	Parents []string
}

// PR describes a pull request to add with Repo.AddPR.
type PR struct {
	Number int // 0: the next free number
	Title  string
	Body   string
	Draft  bool
	State  string // "open" (default) or "closed"
	Merged bool
	User   string // author login, default "octocat"
	// UserType is "User" (default) or "Bot".
	UserType string
	// AuthorAssociation defaults to "OWNER" when User owns the repository, else "CONTRIBUTOR".
	AuthorAssociation string
	BaseRef           string // default: the repository's default branch
	BaseSHA           string // default: the base branch's SHA, or a made-up SHA
	HeadRef           string // default: "patch-<number>"
	HeadSHA           string // default: the last commit's SHA, or a made-up SHA
	// HeadRepo is "owner/name" of the head repository when the PR comes from a fork; default this repo.
	HeadRepo string
	Labels   []string
	Files    []File
	// Commits of the PR, oldest first; the last one must be HeadSHA. Default: one commit HeadSHA
	// whose parent is BaseSHA.
	Commits []Commit
}

type fileEntry struct {
	content string
	deleted bool
}

type commitNode struct {
	commit  Commit
	hasData bool // false for SHAs only seen as a parent or base
	seq     int
}

// Repo is a fake repository.
type Repo struct {
	s              *Server
	id             int64
	owner, name    string
	defaultBranch  string
	private        bool
	installationID int64

	branches  map[string]string
	files     map[string]map[string]fileEntry // ref or sha -> path -> entry
	commits   map[string]*commitNode
	commitSeq int
	prs       map[int]*PullRequest
	prOrder   []*PullRequest
	nextNum   int
	perms     map[string]perm // by lower-case login
	checkRuns []*checkRun
	comments  []*issueComment
	compares  []compareFiles
	sizeKB    int               // the "size" of the repository object (tarball.go)
	tarballs  map[string][]byte // archives served instead of the generated ones, by commit (tarball.go)
}

type perm struct {
	login, permission string
}

type compareFiles struct {
	base, head string
	files      []File
}

// DefaultInstallationID is the installation GET /repos/{owner}/{repo}/installation reports unless
// Repo.SetInstallationID says otherwise.
const DefaultInstallationID = 1

// AddRepo adds a repository. defaultBranch "" means "main".
func (s *Server) AddRepo(owner, name, defaultBranch string) *Repo {
	s.t.Helper()
	if defaultBranch == "" {
		defaultBranch = "main"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(owner + "/" + name)
	if _, ok := s.repos[key]; ok {
		s.t.Fatalf("ghfake: repository %s/%s added twice", owner, name)
	}
	r := &Repo{
		s: s, id: s.newID(), owner: owner, name: name, defaultBranch: defaultBranch,
		installationID: DefaultInstallationID,
		branches:       map[string]string{},
		files:          map[string]map[string]fileEntry{},
		commits:        map[string]*commitNode{},
		prs:            map[int]*PullRequest{},
		perms:          map[string]perm{},
		nextNum:        1,
	}
	s.repos[key] = r
	s.repoOrder = append(s.repoOrder, r)
	return r
}

// Repo returns the repository owner/name (case-insensitive), or nil.
func (s *Server) Repo(owner, name string) *Repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.repos[strings.ToLower(owner+"/"+name)]
}

// ID is the repository's numeric ID.
func (r *Repo) ID() int64 { return r.id }

// FullName is "owner/name".
func (r *Repo) FullName() string { return r.owner + "/" + r.name }

// SetPrivate sets the repository's visibility (default public).
func (r *Repo) SetPrivate(private bool) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.private = private
}

// SetID overrides the repository's numeric ID (e.g. to match a webhook payload).
func (r *Repo) SetID(id int64) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.id = id
}

// SetInstallationID sets the installation GET /repos/{owner}/{repo}/installation reports.
func (r *Repo) SetInstallationID(id int64) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.installationID = id
}

// SetBranch points a branch at a commit SHA.
func (r *Repo) SetBranch(name, sha string) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.branches[name] = sha
	r.ensureNode(sha)
}

// SetFile sets the content of path at ref, a branch name or a commit SHA. Files are inherited along
// first parents: a file set at the base commit (or on the branch pointing at it) is visible at the
// PR's head too, unless set or deleted there. A file set on a branch name follows the branch.
func (r *Repo) SetFile(ref, path, content string) {
	r.setFile(ref, path, fileEntry{content: content})
}

// DeleteFile hides path at ref (and at commits inheriting from it).
func (r *Repo) DeleteFile(ref, path string) {
	r.setFile(ref, path, fileEntry{deleted: true})
}

func (r *Repo) setFile(ref, path string, e fileEntry) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	path = strings.Trim(path, "/")
	if r.files[ref] == nil {
		r.files[ref] = map[string]fileEntry{}
	}
	r.files[ref][path] = e
}

// AddCommit adds a commit to the repository's commit graph (nil Parents means a root commit here).
func (r *Repo) AddCommit(c Commit) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.addCommit(c)
}

// addCommit records a commit with its defaults. Callers hold s.mu.
func (r *Repo) addCommit(c Commit) {
	if c.Date.IsZero() {
		c.Date = r.s.now()
	}
	if c.AuthorName == "" {
		c.AuthorName = firstNonEmpty(c.AuthorLogin, "Monalisa Octocat")
	}
	if c.AuthorEmail == "" {
		c.AuthorEmail = strings.ToLower(strings.ReplaceAll(c.AuthorName, " ", ".")) + "@example.com"
		if c.AuthorLogin != "" {
			c.AuthorEmail = c.AuthorLogin + "@users.noreply.github.com"
		}
	}
	if c.CommitterName == "" {
		c.CommitterName, c.CommitterEmail, c.CommitterLogin = c.AuthorName, c.AuthorEmail, firstNonEmpty(c.CommitterLogin, c.AuthorLogin)
	}
	if c.CommitterEmail == "" {
		c.CommitterEmail = c.AuthorEmail
	}
	if c.Message == "" {
		c.Message = "Commit " + shortSHA(c.SHA)
	}
	n := r.commits[c.SHA]
	if n == nil {
		n = &commitNode{}
		r.commits[c.SHA] = n
	}
	r.commitSeq++
	n.commit, n.hasData, n.seq = c, true, r.commitSeq
	for _, p := range c.Parents {
		r.ensureNode(p)
	}
}

// ensureNode makes sha a known commit without data. Callers hold s.mu.
func (r *Repo) ensureNode(sha string) {
	if sha == "" {
		return
	}
	if _, ok := r.commits[sha]; !ok {
		r.commitSeq++
		r.commits[sha] = &commitNode{commit: Commit{
			SHA: sha, Message: "Commit " + shortSHA(sha), Date: r.s.now(),
			AuthorName: "Monalisa Octocat", AuthorEmail: "octocat@github.com",
			CommitterName: "Monalisa Octocat", CommitterEmail: "octocat@github.com",
		}, seq: r.commitSeq}
	}
}

// SetPermission sets a user's role on the repository: admin, maintain, write, triage, read or none.
// Users never given a role get 404 from the permission endpoint (see the package documentation).
func (r *Repo) SetPermission(login, permission string) {
	r.s.t.Helper()
	switch permission {
	case "admin", "maintain", "write", "triage", "read", "none":
	default:
		r.s.t.Fatalf("ghfake: SetPermission(%q, %q): unknown permission", login, permission)
	}
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.perms[strings.ToLower(login)] = perm{login: login, permission: permission}
}

// SetCompare fixes the files GET .../compare/{base}...{head} reports for that pair (refs or SHAs,
// resolved when the comparison is requested).
func (r *Repo) SetCompare(base, head string, files []File) {
	r.s.t.Helper()
	files = r.s.normalizeFiles(files)
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.compares = append(r.compares, compareFiles{base: base, head: head, files: files})
}

// --- pull requests ---

// PullRequest is a fake pull request.
type PullRequest struct {
	repo      *Repo
	pr        PR
	id        int64
	createdAt time.Time
	updatedAt time.Time
	heads     []string // head SHAs, oldest first
	filesAt   map[string][]File
	indexAt   map[string]*diff.Index
	commitSHA []string // commits of the PR, oldest first
	reviews   []*review
	comments  []*reviewComment
}

// AddPR adds a pull request. Its commits join the repository's commit graph; the head and base
// branches point at HeadSHA and BaseSHA (the base branch only if not already set).
func (r *Repo) AddPR(pr PR) *PullRequest {
	r.s.t.Helper()
	files := r.s.normalizeFiles(pr.Files)
	ix := r.s.indexFiles(files)

	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if pr.Number == 0 {
		pr.Number = r.nextNum
	}
	if _, ok := r.prs[pr.Number]; ok {
		r.s.t.Fatalf("ghfake: pull request %s#%d added twice", r.FullName(), pr.Number)
	}
	r.nextNum = max(r.nextNum, pr.Number+1)
	if pr.State == "" {
		pr.State = "open"
	}
	if pr.User == "" {
		pr.User = "octocat"
	}
	if pr.UserType == "" {
		pr.UserType = "User"
		if strings.HasSuffix(pr.User, "[bot]") {
			pr.UserType = "Bot"
		}
	}
	if pr.AuthorAssociation == "" {
		pr.AuthorAssociation = "CONTRIBUTOR"
		if strings.EqualFold(pr.User, r.owner) {
			pr.AuthorAssociation = "OWNER"
		}
	}
	if pr.Title == "" {
		pr.Title = fmt.Sprintf("Pull request %d", pr.Number)
	}
	if pr.BaseRef == "" {
		pr.BaseRef = r.defaultBranch
	}
	if pr.HeadRef == "" {
		pr.HeadRef = fmt.Sprintf("patch-%d", pr.Number)
	}
	if pr.BaseSHA == "" {
		pr.BaseSHA = r.branches[pr.BaseRef]
		if pr.BaseSHA == "" {
			pr.BaseSHA = fakeSHA(r.FullName(), "base", pr.Number)
		}
	}
	if pr.HeadSHA == "" {
		if len(pr.Commits) > 0 {
			pr.HeadSHA = pr.Commits[len(pr.Commits)-1].SHA
		} else {
			pr.HeadSHA = fakeSHA(r.FullName(), "head", pr.Number)
		}
	}
	commits := pr.Commits
	if len(commits) == 0 {
		commits = []Commit{{SHA: pr.HeadSHA, Message: pr.Title, AuthorLogin: pr.User}}
	}
	if last := commits[len(commits)-1].SHA; last != pr.HeadSHA {
		r.s.t.Fatalf("ghfake: pull request %d: last commit %s is not HeadSHA %s", pr.Number, last, pr.HeadSHA)
	}
	r.ensureNode(pr.BaseSHA)
	p := &PullRequest{
		repo: r, id: r.s.newID(), createdAt: r.s.now(),
		filesAt: map[string][]File{}, indexAt: map[string]*diff.Index{},
	}
	p.updatedAt = p.createdAt
	p.addCommits(pr.BaseSHA, commits)
	pr.Files, pr.Commits = nil, nil
	p.pr = pr
	p.setHead(pr.HeadSHA, files, ix)
	if _, ok := r.branches[pr.BaseRef]; !ok {
		r.branches[pr.BaseRef] = pr.BaseSHA
	}
	r.prs[pr.Number] = p
	r.prOrder = append(r.prOrder, p)
	return p
}

// PR returns pull request number n, or nil.
func (r *Repo) PR(n int) *PullRequest {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return r.prs[n]
}

// addCommits chains and records commits whose first parent defaults to prev. Callers hold s.mu.
func (p *PullRequest) addCommits(prev string, commits []Commit) {
	for _, c := range commits {
		if c.SHA == "" {
			p.repo.s.t.Fatalf("ghfake: commit without SHA")
		}
		if c.Parents == nil {
			c.Parents = []string{prev}
			if prev == "" {
				c.Parents = []string{}
			}
		}
		p.repo.addCommit(c)
		p.commitSHA = append(p.commitSHA, c.SHA)
		prev = c.SHA
	}
}

// setHead moves the head. Callers hold s.mu.
func (p *PullRequest) setHead(sha string, files []File, ix *diff.Index) {
	p.pr.HeadSHA = sha
	p.heads = append(p.heads, sha)
	p.filesAt[sha] = files
	p.indexAt[sha] = ix
	if p.pr.HeadRepo == "" || strings.EqualFold(p.pr.HeadRepo, p.repo.FullName()) {
		p.repo.branches[p.pr.HeadRef] = sha
	}
}

// Push moves the head to newHeadSHA, as a push to the head branch does (the "synchronize" event):
// commits are appended (default: one commit newHeadSHA on top of the previous head), files become the
// PR's new file list, and existing review comments whose line is no longer in the diff, or whose
// line's text changed, become outdated (line null); the others move to the new head.
func (p *PullRequest) Push(newHeadSHA string, files []File, commits ...Commit) {
	s := p.repo.s
	s.t.Helper()
	files = s.normalizeFiles(files)
	ix := s.indexFiles(files)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(commits) == 0 {
		commits = []Commit{{SHA: newHeadSHA, AuthorLogin: p.pr.User, Message: "Update " + p.pr.HeadRef}}
	}
	if last := commits[len(commits)-1].SHA; last != newHeadSHA {
		s.t.Fatalf("ghfake: Push: last commit %s is not the new head %s", last, newHeadSHA)
	}
	p.addCommits(p.pr.HeadSHA, commits)
	p.setHead(newHeadSHA, files, ix)
	p.updatedAt = s.now()
	for _, rc := range p.comments {
		if rc.outdated || rc.line == 0 {
			continue
		}
		loc, ok := locate(files, ix, rc.path, rc.line, sideOf(rc.side))
		if !ok || lastHunkLine(loc.diffHunk) != lastHunkLine(rc.diffHunk) {
			// The line left the diff, or its text changed.
			rc.outdated, rc.line, rc.startLine, rc.position = true, 0, 0, 0
			continue
		}
		if rc.startLine != 0 {
			if _, ok := locate(files, ix, rc.path, rc.startLine, sideOf(rc.startSide)); !ok {
				rc.outdated, rc.line, rc.startLine, rc.position = true, 0, 0, 0
				continue
			}
		}
		rc.commitID, rc.position = newHeadSHA, loc.position
	}
}

// SetFiles replaces the file list at the current head (without a new commit).
func (p *PullRequest) SetFiles(files []File) {
	s := p.repo.s
	s.t.Helper()
	files = s.normalizeFiles(files)
	ix := s.indexFiles(files)
	s.mu.Lock()
	defer s.mu.Unlock()
	p.filesAt[p.pr.HeadSHA] = files
	p.indexAt[p.pr.HeadSHA] = ix
}

// Update changes the pull request's metadata (title, body, draft, state, merged, labels, user...).
// Number, HeadSHA, Files and Commits cannot be changed this way: use Push and SetFiles.
func (p *PullRequest) Update(fn func(pr *PR)) {
	s := p.repo.s
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := p.pr
	cp.Labels = append([]string(nil), p.pr.Labels...)
	fn(&cp)
	cp.Number, cp.HeadSHA, cp.Files, cp.Commits = p.pr.Number, p.pr.HeadSHA, nil, nil
	p.pr = cp
	p.updatedAt = s.now()
}

// Number is the pull request number.
func (p *PullRequest) Number() int { return p.pr.Number }

// HeadSHA is the current head commit.
func (p *PullRequest) HeadSHA() string {
	p.repo.s.mu.Lock()
	defer p.repo.s.mu.Unlock()
	return p.pr.HeadSHA
}

// BaseSHA is the base commit.
func (p *PullRequest) BaseSHA() string {
	p.repo.s.mu.Lock()
	defer p.repo.s.mu.Unlock()
	return p.pr.BaseSHA
}

// Files returns the current file list.
func (p *PullRequest) Files() []File {
	p.repo.s.mu.Lock()
	defer p.repo.s.mu.Unlock()
	return append([]File(nil), p.filesAt[p.pr.HeadSHA]...)
}

// hasCommit reports whether sha is a commit (or past head) of the PR. Callers hold s.mu.
func (p *PullRequest) hasCommit(sha string) bool {
	for _, c := range p.commitSHA {
		if c == sha {
			return true
		}
	}
	for _, h := range p.heads {
		if h == sha {
			return true
		}
	}
	return false
}

// diffAt returns the files and index to anchor comments made at commit sha: the file list of that
// head, or the current one for an intermediate commit. Callers hold s.mu.
func (p *PullRequest) diffAt(sha string) ([]File, *diff.Index) {
	if f, ok := p.filesAt[sha]; ok {
		return f, p.indexAt[sha]
	}
	return p.filesAt[p.pr.HeadSHA], p.indexAt[p.pr.HeadSHA]
}

// LoadPullRequestEvent sets up the repository and pull request of a pull_request webhook payload (e.g.
// /work/shared/fixtures/webhooks/pull_request.opened.json): the repository is added if missing (with
// the payload's ID and default branch) and the pull request is added with the payload's number,
// title, body, draft, state, user, refs and SHAs, and files.
func (s *Server) LoadPullRequestEvent(payload []byte, files []File) (*Repo, *PullRequest) {
	s.t.Helper()
	var ev struct {
		PullRequest struct {
			Number int    `json:"number"`
			Title  string `json:"title"`
			Body   string `json:"body"`
			Draft  bool   `json:"draft"`
			State  string `json:"state"`
			Merged bool   `json:"merged"`
			User   struct {
				Login string `json:"login"`
				Type  string `json:"type"`
			} `json:"user"`
			AuthorAssociation string `json:"author_association"`
			Labels            []struct {
				Name string `json:"name"`
			} `json:"labels"`
			Head, Base struct {
				Ref  string `json:"ref"`
				SHA  string `json:"sha"`
				Repo *struct {
					FullName string `json:"full_name"`
				} `json:"repo"`
			}
		} `json:"pull_request"`
		Repository struct {
			ID            int64  `json:"id"`
			Name          string `json:"name"`
			Private       bool   `json:"private"`
			DefaultBranch string `json:"default_branch"`
			Owner         struct {
				Login string `json:"login"`
			} `json:"owner"`
		} `json:"repository"`
	}
	if err := json.Unmarshal(payload, &ev); err != nil {
		s.t.Fatalf("ghfake: LoadPullRequestEvent: %v", err)
	}
	rp := ev.Repository
	r := s.Repo(rp.Owner.Login, rp.Name)
	if r == nil {
		r = s.AddRepo(rp.Owner.Login, rp.Name, rp.DefaultBranch)
		r.SetID(rp.ID)
		r.SetPrivate(rp.Private)
	}
	pr := ev.PullRequest
	in := PR{
		Number: pr.Number, Title: pr.Title, Body: pr.Body, Draft: pr.Draft, State: pr.State, Merged: pr.Merged,
		User: pr.User.Login, UserType: pr.User.Type, AuthorAssociation: pr.AuthorAssociation,
		BaseRef: pr.Base.Ref, BaseSHA: pr.Base.SHA, HeadRef: pr.Head.Ref, HeadSHA: pr.Head.SHA,
		Files: files,
	}
	if pr.Head.Repo != nil && !strings.EqualFold(pr.Head.Repo.FullName, r.FullName()) {
		in.HeadRepo = pr.Head.Repo.FullName
	}
	for _, l := range pr.Labels {
		in.Labels = append(in.Labels, l.Name)
	}
	return r, r.AddPR(in)
}

// normalizeFiles fills File defaults and checks statuses.
func (s *Server) normalizeFiles(files []File) []File {
	s.t.Helper()
	out := make([]File, len(files))
	for i, f := range files {
		if f.Filename == "" {
			s.t.Fatalf("ghfake: file %d has no Filename", i)
		}
		switch f.Status {
		case "":
			f.Status = "modified"
		case "added", "removed", "modified", "renamed", "copied", "changed", "unchanged":
		default:
			s.t.Fatalf("ghfake: file %s: unknown status %q", f.Filename, f.Status)
		}
		if f.Additions == 0 && f.Deletions == 0 && f.Patch != "" {
			for _, l := range strings.Split(f.Patch, "\n") {
				switch {
				case strings.HasPrefix(l, "+"):
					f.Additions++
				case strings.HasPrefix(l, "-"):
					f.Deletions++
				}
			}
		}
		if f.SHA == "" {
			sum := sha1.Sum([]byte("blob " + f.Filename + "\x00" + f.Patch))
			f.SHA = hex.EncodeToString(sum[:])
		}
		out[i] = f
	}
	return out
}

// indexFiles parses the patches with package diff, as the comment validation uses them.
func (s *Server) indexFiles(files []File) *diff.Index {
	s.t.Helper()
	pfs := make([]diff.PatchFile, len(files))
	for i, f := range files {
		pfs[i] = diff.PatchFile{
			Filename: f.Filename, PreviousFilename: f.PreviousFilename, Status: f.Status,
			Patch: f.Patch, Additions: f.Additions, Deletions: f.Deletions,
		}
	}
	ix, err := diff.FromPatches(pfs)
	if err != nil {
		s.t.Fatalf("ghfake: invalid patch: %v", err)
	}
	return ix
}

// --- commit graph ---

// resolve turns a branch name, full SHA or unambiguous SHA prefix (7+ chars) into a known commit SHA.
// Callers hold s.mu.
func (r *Repo) resolve(ref string) (string, bool) {
	if sha, ok := r.branches[ref]; ok {
		return sha, true
	}
	if _, ok := r.commits[ref]; ok {
		return ref, true
	}
	if len(ref) >= 7 && isHex(ref) {
		found := ""
		for sha := range r.commits {
			if strings.HasPrefix(sha, ref) {
				if found != "" {
					return "", false
				}
				found = sha
			}
		}
		return found, found != ""
	}
	return "", false
}

// ancestors returns sha and all its ancestors. Callers hold s.mu.
func (r *Repo) ancestors(sha string) map[string]bool {
	seen := map[string]bool{}
	stack := []string{sha}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[c] {
			continue
		}
		seen[c] = true
		if n := r.commits[c]; n != nil {
			stack = append(stack, n.commit.Parents...)
		}
	}
	return seen
}

// mergeBase is the nearest common ancestor of a and b (breadth-first from b). Callers hold s.mu.
func (r *Repo) mergeBase(a, b string) (string, bool) {
	ancA := r.ancestors(a)
	queue := []string{b}
	seen := map[string]bool{}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if seen[c] {
			continue
		}
		seen[c] = true
		if ancA[c] {
			return c, true
		}
		if n := r.commits[c]; n != nil {
			queue = append(queue, n.commit.Parents...)
		}
	}
	return "", false
}

// between lists the commits reachable from head and not from base, parents before children.
// Callers hold s.mu.
func (r *Repo) between(base, head string) []string {
	exclude := r.ancestors(base)
	var out []string
	done := map[string]bool{}
	var visit func(string)
	visit = func(c string) {
		if done[c] || exclude[c] {
			return
		}
		done[c] = true
		if n := r.commits[c]; n != nil {
			for _, p := range n.commit.Parents {
				visit(p)
			}
		}
		out = append(out, c)
	}
	visit(head)
	return out
}

// --- contents ---

// layers lists the file maps visible at ref, most specific first; false if ref is unknown.
// Callers hold s.mu.
func (r *Repo) layers(ref string) ([]map[string]fileEntry, bool) {
	if ref == "" {
		ref = r.defaultBranch
	}
	var out []map[string]fileEntry
	known := false
	if m, ok := r.files[ref]; ok {
		out = append(out, m)
		known = true
	}
	sha, ok := r.resolve(ref)
	if !ok {
		return out, known
	}
	branches := make([]string, 0, len(r.branches))
	for b := range r.branches {
		branches = append(branches, b)
	}
	sort.Strings(branches)
	seen := map[string]bool{}
	for c := sha; c != "" && !seen[c]; {
		seen[c] = true
		if m, ok := r.files[c]; ok && c != ref {
			out = append(out, m)
		}
		for _, b := range branches {
			if r.branches[b] == c && b != ref {
				if m, ok := r.files[b]; ok {
					out = append(out, m)
				}
			}
		}
		n := r.commits[c]
		if n == nil || len(n.commit.Parents) == 0 {
			break
		}
		c = n.commit.Parents[0]
	}
	return out, true
}

// lookupFile returns the content of path at ref. Callers hold s.mu.
func lookupFile(layers []map[string]fileEntry, path string) (string, bool) {
	for _, m := range layers {
		if e, ok := m[path]; ok {
			return e.content, !e.deleted
		}
	}
	return "", false
}

// tree merges the layers into one path -> content map. Callers hold s.mu.
func mergeLayers(layers []map[string]fileEntry) map[string]string {
	out := map[string]string{}
	hidden := map[string]bool{}
	for _, m := range layers {
		for p, e := range m {
			if _, ok := out[p]; ok || hidden[p] {
				continue
			}
			if e.deleted {
				hidden[p] = true
				continue
			}
			out[p] = e.content
		}
	}
	return out
}

// --- helpers ---

// lastHunkLine is the text of a diff hunk's last line without its "+", "-" or " " prefix: the
// commented line of a comment's diff_hunk.
func lastHunkLine(hunk string) string {
	l := hunk[strings.LastIndexByte(hunk, '\n')+1:]
	if l != "" {
		l = l[1:]
	}
	return l
}

func fakeSHA(parts ...any) string {
	sum := sha1.Sum([]byte(fmt.Sprint(parts...)))
	return hex.EncodeToString(sum[:])
}

func gitBlobSHA(content string) string {
	sum := sha1.Sum([]byte(fmt.Sprintf("blob %d\x00%s", len(content), content)))
	return hex.EncodeToString(sum[:])
}

func shortSHA(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
