package ghfake

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/go-github/v66/github"
)

func TestGetPullRequest(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		owner  string
		repo   string
		number int
		status int
	}{
		{name: "existing", owner: "Codertocat", repo: "Hello-World", number: 2, status: 200},
		{name: "owner and repo are case-insensitive", owner: "codertocat", repo: "hello-world", number: 2, status: 200},
		{name: "unknown number", owner: "Codertocat", repo: "Hello-World", number: 99, status: 404},
		{name: "unknown repo", owner: "Codertocat", repo: "Nope", number: 2, status: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pr, _, err := f.gh.PullRequests.Get(f.ctx, tc.owner, tc.repo, tc.number)
			if tc.status != 200 {
				er := errorResponse(t, err, tc.status)
				if er.Message != "Not Found" || !strings.HasPrefix(er.DocumentationURL, "https://docs.github.com/rest") {
					t.Errorf("error body = %q %q, want GitHub's Not Found", er.Message, er.DocumentationURL)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checks := map[string][2]any{
				"number":        {pr.GetNumber(), 2},
				"state":         {pr.GetState(), "open"},
				"draft":         {pr.GetDraft(), false},
				"user.login":    {pr.GetUser().GetLogin(), "Codertocat"},
				"user.type":     {pr.GetUser().GetType(), "User"},
				"head.sha":      {pr.GetHead().GetSHA(), headSHA},
				"head.ref":      {pr.GetHead().GetRef(), "changes"},
				"base.sha":      {pr.GetBase().GetSHA(), baseSHA},
				"base.ref":      {pr.GetBase().GetRef(), "master"},
				"base.repo":     {pr.GetBase().GetRepo().GetFullName(), "Codertocat/Hello-World"},
				"label":         {pr.Labels[0].GetName(), "bug"},
				"html_url":      {pr.GetHTMLURL(), "https://github.com/Codertocat/Hello-World/pull/2"},
				"commits":       {pr.GetCommits(), 2},
				"changed_files": {pr.GetChangedFiles(), 4},
				"additions":     {pr.GetAdditions(), 6},
				"deletions":     {pr.GetDeletions(), 3},
				"association":   {pr.GetAuthorAssociation(), "OWNER"},
			}
			for field, c := range checks {
				if c[0] != c[1] {
					t.Errorf("%s = %v, want %v", field, c[0], c[1])
				}
			}
		})
	}
}

func TestPullFilesPagination(t *testing.T) {
	s := New(t)
	repo := s.AddRepo("o", "r", "")
	files := make([]File, 250)
	for i := range files {
		files[i] = File{Filename: fmt.Sprintf("f%03d.txt", i), Status: "added", Patch: "@@ -0,0 +1 @@\n+x"}
	}
	files[7].Patch = "" // e.g. a file too large for a patch
	repo.AddPR(PR{Number: 1, Files: files})
	gh := s.Client()

	tests := []struct {
		name      string
		perPage   int
		wantPages int
		wantFirst int
	}{
		{name: "default 30 per page", perPage: 0, wantPages: 9, wantFirst: 30},
		{name: "100 per page", perPage: 100, wantPages: 3, wantFirst: 100},
		{name: "per_page above 100 is capped", perPage: 500, wantPages: 3, wantFirst: 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := &github.ListOptions{PerPage: tc.perPage}
			var all []*github.CommitFile
			pages := 0
			for {
				page, resp, err := gh.PullRequests.ListFiles(t.Context(), "o", "r", 1, opts)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				if pages == 1 {
					if len(page) != tc.wantFirst {
						t.Errorf("first page has %d files, want %d", len(page), tc.wantFirst)
					}
					if resp.LastPage != tc.wantPages || resp.NextPage != 2 || resp.PrevPage != 0 {
						t.Errorf("first page links next=%d last=%d prev=%d", resp.NextPage, resp.LastPage, resp.PrevPage)
					}
				}
				all = append(all, page...)
				if resp.NextPage == 0 {
					if pages > 1 && (resp.FirstPage != 1 || resp.PrevPage != pages-1) {
						t.Errorf("last page links first=%d prev=%d", resp.FirstPage, resp.PrevPage)
					}
					break
				}
				opts.Page = resp.NextPage
			}
			if pages != tc.wantPages || len(all) != 250 {
				t.Fatalf("got %d files in %d pages, want 250 in %d", len(all), pages, tc.wantPages)
			}
			for i, f := range all {
				if want := fmt.Sprintf("f%03d.txt", i); f.GetFilename() != want {
					t.Fatalf("file %d = %s, want %s", i, f.GetFilename(), want)
				}
			}
			if all[7].Patch != nil || all[8].GetPatch() != "@@ -0,0 +1 @@\n+x" {
				t.Errorf("patch of file 7 = %v (want absent), file 8 = %q", all[7].Patch, all[8].GetPatch())
			}
		})
	}

	t.Run("patch key omitted and Link header built from the request URL", func(t *testing.T) {
		resp, body := rawGet(t, s, "/repos/o/r/pulls/1/files?per_page=5&page=2", nil)
		var raw []map[string]any
		decodeJSON(t, body, &raw)
		if _, ok := raw[2]["patch"]; ok {
			t.Errorf("file f007.txt has a patch key: %v", raw[2])
		}
		link := resp.Header.Get("Link")
		for _, want := range []string{"per_page=5&page=1>; rel=\"prev\"", "page=3>; rel=\"next\"", "page=50>; rel=\"last\"", "page=1>; rel=\"first\""} {
			if !strings.Contains(link, want) {
				t.Errorf("Link %q lacks %q", link, want)
			}
		}
	})
}

func TestPullFilesCappedAt3000(t *testing.T) {
	s := New(t)
	repo := s.AddRepo("o", "r", "")
	files := make([]File, 3005)
	for i := range files {
		files[i] = File{Filename: fmt.Sprintf("f%04d", i), Status: "added", Additions: 1}
	}
	repo.AddPR(PR{Number: 1, Files: files})
	opts := &github.ListOptions{PerPage: 100}
	n := 0
	for {
		page, resp, err := s.Client().PullRequests.ListFiles(t.Context(), "o", "r", 1, opts)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page)
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if n != MaxPullFiles {
		t.Fatalf("listed %d files, want GitHub's cap %d", n, MaxPullFiles)
	}
}

func TestListCommits(t *testing.T) {
	f := newFixture(t)
	commits, _, err := f.gh.PullRequests.ListCommits(f.ctx, "Codertocat", "Hello-World", 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		idx         int
		sha         string
		message     string
		authorLogin string // "" means author null
		parent      string
	}{
		{name: "first commit chains on the base", idx: 0, sha: midSHA, message: "First step", authorLogin: "Codertocat", parent: baseSHA},
		{name: "unlinked author is null", idx: 1, sha: headSHA, message: "Second step", authorLogin: "", parent: midSHA},
	}
	if len(commits) != len(tests) {
		t.Fatalf("got %d commits, want %d", len(commits), len(tests))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := commits[tc.idx]
			if c.GetSHA() != tc.sha || c.GetCommit().GetMessage() != tc.message {
				t.Errorf("commit = %s %q", c.GetSHA(), c.GetCommit().GetMessage())
			}
			if (c.Author == nil) != (tc.authorLogin == "") || c.GetAuthor().GetLogin() != tc.authorLogin {
				t.Errorf("author = %v, want login %q", c.Author, tc.authorLogin)
			}
			if len(c.Parents) != 1 || c.Parents[0].GetSHA() != tc.parent {
				t.Errorf("parents = %v, want %s", c.Parents, tc.parent)
			}
			if c.GetCommit().GetAuthor().GetEmail() == "" || c.GetCommit().GetAuthor().GetDate().IsZero() {
				t.Errorf("commit author lacks email or date: %+v", c.GetCommit().GetAuthor())
			}
		})
	}
}

func TestCompare(t *testing.T) {
	f := newFixture(t)
	// master moved on by one commit after the PR branched: the PR head and master diverge.
	f.repo.AddCommit(Commit{SHA: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", Parents: []string{baseSHA}})
	f.repo.SetBranch("master", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	f.repo.SetCompare(midSHA, headSHA, []File{{Filename: "main.go", Patch: "@@ -1 +1 @@\n-a\n+b"}})

	tests := []struct {
		name           string
		base, head     string
		status         string
		ahead, behind  int
		mergeBase      string
		files          []string
		wantErrStatus  int
		wantCommitSHAs []string
	}{
		{name: "base sha to head: ahead, PR files", base: baseSHA, head: headSHA, status: "ahead", ahead: 2, mergeBase: baseSHA,
			files: []string{"main.go", "README.md", "logo.png", "old.txt"}, wantCommitSHAs: []string{midSHA, headSHA}},
		{name: "old head is an ancestor of head", base: midSHA, head: headSHA, status: "ahead", ahead: 1, mergeBase: midSHA,
			files: []string{"main.go"}, wantCommitSHAs: []string{headSHA}},
		{name: "head to an ancestor: behind", base: headSHA, head: midSHA, status: "behind", behind: 1, mergeBase: midSHA},
		{name: "identical", base: headSHA, head: headSHA, status: "identical", mergeBase: headSHA},
		{name: "branch names and diverged", base: "master", head: "changes", status: "diverged", ahead: 2, behind: 1, mergeBase: baseSHA,
			files: []string{"main.go", "README.md", "logo.png", "old.txt"}, wantCommitSHAs: []string{midSHA, headSHA}},
		{name: "abbreviated sha with owner prefix", base: "Codertocat:" + baseSHA[:7], head: "Codertocat:changes", status: "ahead", ahead: 2, mergeBase: baseSHA,
			files: []string{"main.go", "README.md", "logo.png", "old.txt"}, wantCommitSHAs: []string{midSHA, headSHA}},
		{name: "unknown sha", base: "0000000000000000000000000000000000000000", head: headSHA, wantErrStatus: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmp, _, err := f.gh.Repositories.CompareCommits(f.ctx, "Codertocat", "Hello-World", tc.base, tc.head, nil)
			if tc.wantErrStatus != 0 {
				errorResponse(t, err, tc.wantErrStatus)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cmp.GetStatus() != tc.status || cmp.GetAheadBy() != tc.ahead || cmp.GetBehindBy() != tc.behind {
				t.Errorf("status=%s ahead=%d behind=%d, want %s %d %d", cmp.GetStatus(), cmp.GetAheadBy(), cmp.GetBehindBy(), tc.status, tc.ahead, tc.behind)
			}
			if got := cmp.GetMergeBaseCommit().GetSHA(); got != tc.mergeBase {
				t.Errorf("merge base = %s, want %s", got, tc.mergeBase)
			}
			var shas, files []string
			for _, c := range cmp.Commits {
				shas = append(shas, c.GetSHA())
			}
			for _, fl := range cmp.Files {
				files = append(files, fl.GetFilename())
			}
			if fmt.Sprint(shas) != fmt.Sprint(tc.wantCommitSHAs) || fmt.Sprint(files) != fmt.Sprint(tc.files) {
				t.Errorf("commits=%v files=%v, want %v %v", shas, files, tc.wantCommitSHAs, tc.files)
			}
		})
	}
}

func TestContents(t *testing.T) {
	f := newFixture(t)
	readme := strings.Repeat("Hello, wörld! This line is long enough to wrap base64.\n", 5)
	f.repo.SetFile("master", "README.md", "old readme\n")
	f.repo.SetFile(headSHA, "README.md", readme)
	f.repo.SetFile(baseSHA, "docs/guide.md", "guide\n")
	f.repo.SetFile(baseSHA, "old.txt", "a\nb\n")
	f.repo.DeleteFile(headSHA, "old.txt")
	f.repo.SetFile("changes", ".wfreview.toml", "[review]\n")
	f.repo.SetFile(headSHA, "big.bin", strings.Repeat("x", MaxContentSize+1))

	tests := []struct {
		name, path, ref string
		want            string
		status          int
	}{
		{name: "file at head sha", path: "README.md", ref: headSHA, want: readme},
		{name: "file at head branch resolves to head sha", path: "README.md", ref: "changes", want: readme},
		{name: "default branch when no ref", path: "README.md", ref: "", want: "old readme\n"},
		{name: "inherited from base along parents", path: "docs/guide.md", ref: headSHA, want: "guide\n"},
		{name: "file set on the head branch is seen at its sha", path: ".wfreview.toml", ref: headSHA, want: "[review]\n"},
		{name: "deleted at head", path: "old.txt", ref: headSHA, status: 404},
		{name: "still present at base", path: "old.txt", ref: baseSHA, want: "a\nb\n"},
		{name: "missing file", path: "nope.txt", ref: headSHA, status: 404},
		{name: "unknown ref", path: "README.md", ref: "no-such-branch", status: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fc, _, _, err := f.gh.Repositories.GetContents(f.ctx, "Codertocat", "Hello-World", tc.path, &github.RepositoryContentGetOptions{Ref: tc.ref})
			if tc.status != 0 {
				errorResponse(t, err, tc.status)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := fc.GetContent()
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want || fc.GetType() != "file" || fc.GetSize() != len(tc.want) || fc.GetSHA() != gitBlobSHA(tc.want) {
				t.Errorf("content = %q type=%s size=%d sha=%s", got, fc.GetType(), fc.GetSize(), fc.GetSHA())
			}
		})
	}

	t.Run("base64 is wrapped at 60 characters like GitHub", func(t *testing.T) {
		_, body := rawGet(t, f.s, "/repos/Codertocat/Hello-World/contents/README.md?ref="+headSHA, nil)
		var raw struct {
			Content, Encoding string
		}
		decodeJSON(t, body, &raw)
		lines := strings.Split(strings.TrimSuffix(raw.Content, "\n"), "\n")
		if raw.Encoding != "base64" || len(lines) < 2 || len(lines[0]) != 60 || !strings.HasSuffix(raw.Content, "\n") {
			t.Errorf("encoding=%s lines=%q", raw.Encoding, lines)
		}
	})
	t.Run("files over 1MB have encoding none", func(t *testing.T) {
		fc, _, _, err := f.gh.Repositories.GetContents(f.ctx, "Codertocat", "Hello-World", "big.bin", &github.RepositoryContentGetOptions{Ref: headSHA})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fc.GetContent(); fc.GetEncoding() != "none" || fc.Content == nil || *fc.Content != "" || err == nil {
			t.Errorf("encoding=%q content=%v decode error=%v", fc.GetEncoding(), fc.Content != nil, err)
		}
	})
	t.Run("directory listing", func(t *testing.T) {
		_, dir, _, err := f.gh.Repositories.GetContents(f.ctx, "Codertocat", "Hello-World", "", &github.RepositoryContentGetOptions{Ref: headSHA})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range dir {
			got = append(got, e.GetType()+":"+e.GetPath())
		}
		want := "[file:.wfreview.toml file:README.md file:big.bin dir:docs]"
		if fmt.Sprint(got) != want {
			t.Errorf("listing = %v, want %s", got, want)
		}
	})
	t.Run("DownloadContents follows download_url", func(t *testing.T) {
		rc, _, err := f.gh.Repositories.DownloadContents(f.ctx, "Codertocat", "Hello-World", "docs/guide.md", &github.RepositoryContentGetOptions{Ref: headSHA})
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil || string(b) != "guide\n" {
			t.Errorf("downloaded %q, %v", b, err)
		}
	})
	t.Run("recursive tree", func(t *testing.T) {
		tree, _, err := f.gh.Git.GetTree(f.ctx, "Codertocat", "Hello-World", headSHA, true)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range tree.Entries {
			got = append(got, e.GetType()+":"+e.GetPath())
		}
		want := "[blob:.wfreview.toml blob:README.md blob:big.bin tree:docs blob:docs/guide.md]"
		if fmt.Sprint(got) != want || tree.GetTruncated() {
			t.Errorf("tree = %v truncated=%v, want %s", got, tree.GetTruncated(), want)
		}
	})
}

func TestPullDiffMediaType(t *testing.T) {
	f := newFixture(t)
	t.Run("diff of the PR files", func(t *testing.T) {
		d, _, err := f.gh.PullRequests.GetRaw(f.ctx, "Codertocat", "Hello-World", 2, github.RawOptions{Type: github.Diff})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"diff --git a/main.go b/main.go\n", "--- /dev/null\n+++ b/README.md\n", "Binary files a/logo.png and b/logo.png differ", "+++ /dev/null\n@@ -1,2 +0,0 @@"} {
			if !strings.Contains(d, want) {
				t.Errorf("diff lacks %q:\n%s", want, d)
			}
		}
	})
	t.Run("too many files answers 406", func(t *testing.T) {
		files := make([]File, MaxDiffFiles+1)
		for i := range files {
			files[i] = File{Filename: fmt.Sprintf("f%d", i), Status: "added", Patch: "@@ -0,0 +1 @@\n+x"}
		}
		f.repo.AddPR(PR{Number: 3, Files: files})
		_, _, err := f.gh.PullRequests.GetRaw(f.ctx, "Codertocat", "Hello-World", 3, github.RawOptions{Type: github.Diff})
		er := errorResponse(t, err, http.StatusNotAcceptable)
		if !strings.Contains(er.Message, "maximum number of files") || len(er.Errors) != 1 || er.Errors[0].Code != "too_large" {
			t.Errorf("406 body = %+v", er)
		}
	})
}

func TestLoadPullRequestEvent(t *testing.T) {
	payload, err := os.ReadFile("/work/shared/fixtures/webhooks/pull_request.opened.json")
	if err != nil {
		t.Skipf("fixture not available: %v", err)
	}
	s := New(t)
	repo, pr := s.LoadPullRequestEvent(payload, fixtureFiles())
	got, _, err := s.Client().PullRequests.Get(t.Context(), "Codertocat", "Hello-World", pr.Number())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"repo id from payload", repo.ID(), int64(186853002)},
		{"number", got.GetNumber(), 2},
		{"head sha", got.GetHead().GetSHA(), "ec26c3e57ca3a959ca5aad62de7213c562f8c821"},
		{"base sha", got.GetBase().GetSHA(), "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"},
		{"title", got.GetTitle(), "Update the README with new information."},
		{"files", got.GetChangedFiles(), 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %v, want %v", tc.got, tc.want)
			}
		})
	}
}

func TestPullRequestVariants(t *testing.T) {
	f := newFixture(t)
	fork := f.repo.AddPR(PR{Number: 5, User: "dependabot[bot]", HeadRepo: "someone/Hello-World", HeadRef: "main", Files: fixtureFiles()[:1]})
	f.pr.Update(func(pr *PR) {
		pr.Draft = true
		pr.Title = "WIP"
		pr.HeadSHA = "ignored"
	})
	closed := f.repo.AddPR(PR{Number: 6})
	closed.Update(func(pr *PR) { pr.State, pr.Merged = "closed", true })

	tests := []struct {
		name   string
		number int
		check  func(pr *github.PullRequest) bool
	}{
		{name: "update changes metadata, not the head", number: 2, check: func(pr *github.PullRequest) bool {
			return pr.GetDraft() && pr.GetTitle() == "WIP" && pr.GetHead().GetSHA() == headSHA
		}},
		{name: "fork head repository and bot author", number: 5, check: func(pr *github.PullRequest) bool {
			return pr.GetHead().GetRepo().GetFullName() == "someone/Hello-World" && pr.GetHead().GetRepo().GetFork() &&
				pr.GetHead().GetLabel() == "someone:main" && pr.GetUser().GetType() == "Bot" && pr.GetAuthorAssociation() == "CONTRIBUTOR"
		}},
		{name: "closed and merged", number: 6, check: func(pr *github.PullRequest) bool {
			return pr.GetState() == "closed" && pr.GetMerged() && pr.MergedAt != nil && pr.ClosedAt != nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pr, _, err := f.gh.PullRequests.Get(f.ctx, "Codertocat", "Hello-World", tc.number)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(pr) {
				t.Errorf("unexpected pull request: %v", pr)
			}
		})
	}
	if fork.Number() != 5 || f.pr.HeadSHA() != headSHA {
		t.Errorf("numbers/heads changed: %d %s", fork.Number(), f.pr.HeadSHA())
	}
	// A fork's head branch is not a branch of the base repository; the head SHA is still a known commit.
	_, _, err := f.gh.Repositories.CompareCommits(f.ctx, "Codertocat", "Hello-World", "master", "main", nil)
	errorResponse(t, err, 404)
	if _, _, err := f.gh.Repositories.CompareCommits(f.ctx, "Codertocat", "Hello-World", "master", fork.HeadSHA(), nil); err != nil {
		t.Errorf("compare with the fork's head sha: %v", err)
	}
}
