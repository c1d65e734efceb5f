package handlers_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/handlers"
	"github.com/wfreview/wfreview/internal/ghfake"
	"github.com/wfreview/wfreview/model/modeltest"
	"github.com/wfreview/wfreview/review/reviewtest"
)

const (
	owner     = "Codertocat"
	repoName  = "Hello-World"
	prNumber  = 2
	baseSHA   = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
	headSHA   = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	secret    = "webhook-s3cret"
	greetPath = "greet.go"
)

// The change under review: a Go file with an import no module provides, written by Claude Code.
const greetPatch = "@@ -0,0 +1,14 @@\n+package main\n+\n+import (\n+\t\"fmt\"\n+\t\"os\"\n+\n+\t\"github.com/made/up-lib\"\n+)\n+\n+// Greet greets.\n+func Greet(name string) {\n+\tfmt.Println(\"hello\", name)\n+\tuplib.Do(os.Args)\n+}"

const greetSource = "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\n\t\"github.com/made/up-lib\"\n)\n\n// Greet greets.\nfunc Greet(name string) {\n\tfmt.Println(\"hello\", name)\n\tuplib.Do(os.Args)\n}\n"

type app struct {
	t      *testing.T
	gh     *ghfake.Server
	repo   *ghfake.Repo
	pr     *ghfake.PullRequest
	model  *modeltest.Server
	srv    *handlers.Server
	url    string
	logs   *bytes.Buffer
	modelN atomic.Int32
	op     *config.Operator
}

type appOptions struct {
	draft       bool
	repoConfig  string // .wfreview.yml on the base branch
	orgConfig   string // .wfreview.yml in the owner's .github repository
	headConfig  string // .wfreview.yml added by the pull request itself
	modelAnswer func(modeltest.Call) modeltest.Reply
}

// configChange is the diff entry of .wfreview.yml going from base to head ("" when absent).
func configChange(base, head string) ghfake.File {
	lines := func(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }
	var b strings.Builder
	old, cur := lines(base), lines(head)
	status := "modified"
	if base == "" {
		old, status = nil, "added"
	}
	fmt.Fprintf(&b, "@@ -%d,%d +1,%d @@", min(len(old), 1), len(old), len(cur))
	for _, l := range old {
		b.WriteString("\n-" + l)
	}
	for _, l := range cur {
		b.WriteString("\n+" + l)
	}
	return ghfake.File{Filename: ".wfreview.yml", Status: status, Patch: b.String()}
}

func testKeyPEM(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

// modelFinding is what the fake reviewer model answers: one over-engineering remark on line 13.
func modelFinding(modeltest.Call) modeltest.Reply {
	return modeltest.JSONReply(map[string]any{
		"findings": []map[string]any{{
			"check": "over-engineering", "severity": "warning", "path": greetPath, "line": 13, "start_line": nil,
			"side": "RIGHT", "code": "uplib.Do(os.Args)", "title": "Reads os.Args inside a library function",
			"body": "Pass the arguments in from main instead of reading os.Args here.", "suggestion": "\tuplib.Do(args)",
		}},
		"plan": nil,
	})
}

func newApp(t *testing.T, o appOptions) *app {
	t.Helper()
	a := &app{t: t, logs: &bytes.Buffer{}}
	a.gh = ghfake.New(t)
	a.repo = a.gh.AddRepo(owner, repoName, "master")
	a.repo.SetBranch("master", baseSHA)
	a.repo.SetFile(baseSHA, "go.mod", "module example.com/hello\n\ngo 1.22\n")
	if o.repoConfig != "" {
		a.repo.SetFile("master", ".wfreview.yml", o.repoConfig)
	}
	files := []ghfake.File{{Filename: greetPath, Status: "added", Patch: greetPatch}}
	if o.headConfig != "" { // the pull request's diff shows its change to the config, as on GitHub
		files = append(files, configChange(o.repoConfig, o.headConfig))
	}
	a.pr = a.repo.AddPR(ghfake.PR{
		Number: prNumber, Title: "Update the README with new information", Body: "Adds a greeter.", Draft: o.draft,
		User: "Codertocat", BaseRef: "master", BaseSHA: baseSHA, HeadRef: "changes", HeadSHA: headSHA,
		Files: files,
		Commits: []ghfake.Commit{{SHA: headSHA, AuthorName: "Codertocat", AuthorEmail: "codertocat@example.com", AuthorLogin: "Codertocat",
			Message: "Add greeter\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>"}},
	})
	a.repo.SetFile(headSHA, greetPath, greetSource)
	if o.headConfig != "" {
		a.repo.SetFile(headSHA, ".wfreview.yml", o.headConfig)
	}
	if o.orgConfig != "" {
		org := a.gh.AddRepo(owner, ".github", "main")
		org.SetBranch("main", "3333333333333333333333333333333333333333")
		org.SetFile("main", ".wfreview.yml", o.orgConfig)
	}
	a.repo.SetPermission("Codertocat", "admin")

	answer := o.modelAnswer
	if answer == nil {
		answer = modelFinding
	}
	// Verification calls confirm every finding; modelN counts the review calls.
	a.model = modeltest.NewServer(t, reviewtest.ConfirmAll(func(c modeltest.Call) modeltest.Reply { a.modelN.Add(1); return answer(c) }))

	op := config.DefaultOperator()
	op.GitHub.V3APIURL = a.gh.URL
	op.GitHub.App.IntegrationID = 1
	op.GitHub.App.PrivateKey = testKeyPEM(t)
	op.GitHub.App.WebhookSecret = secret
	op.DatabaseURL = filepath.Join(t.TempDir(), "wfreview.db")
	op.Archive.Dir = filepath.Join(t.TempDir(), "archives")
	op.Models = []config.Model{
		{Name: "claude-sonnet-4-5", Family: "claude", BaseURL: a.model.URL},
		{Name: "gpt-5-mini", Family: "gpt", BaseURL: a.model.URL},
	}
	op.Reviewers = []string{"claude-sonnet-4-5", "gpt-5-mini"}
	op.Review.MaxRetries = 1
	a.op = op

	ctx, cancel := context.WithCancel(context.Background())
	log := zerolog.New(zerolog.SyncWriter(a.logs)).With().Timestamp().Logger()
	srv, err := handlers.NewServer(ctx, op, handlers.ServerOptions{Version: "test", Log: log, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	a.srv = srv
	hs := httptest.NewServer(srv.Handler())
	a.url = hs.URL
	t.Cleanup(func() {
		hs.Close()
		cancel()
		_ = srv.Close()
		if t.Failed() {
			t.Logf("server logs:\n%s", a.logs.String())
		}
	})
	return a
}

func fixture(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "webhooks", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func sign(body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// deliver posts a webhook the way GitHub does and returns the status code.
func (a *app) deliver(event, delivery string, payload any) int {
	a.t.Helper()
	body, ok := payload.([]byte)
	if !ok {
		var err error
		if body, err = json.Marshal(payload); err != nil {
			a.t.Fatal(err)
		}
	}
	return a.deliverRaw(event, delivery, body, sign(body))
}

func (a *app) deliverRaw(event, delivery string, body []byte, signature string) int {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, a.url+"/api/github/hook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", delivery)
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// waitFor polls cond until it holds or the deadline passes.
func (a *app) waitFor(what string, cond func() bool) {
	a.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	a.t.Fatalf("timed out waiting for %s", what)
}

// settle waits until the queue has been idle for a moment, so "nothing more happened" can be asserted.
func (a *app) settle() {
	a.t.Helper()
	n := -1
	for i := 0; i < 50; i++ {
		cur := len(a.gh.Requests())
		if cur == n {
			return
		}
		n = cur
		time.Sleep(150 * time.Millisecond)
	}
}

// replies are the bot's comments on the pull request.
func (a *app) replies() []string {
	var out []string
	for _, c := range a.repo.IssueComments(prNumber) {
		if strings.Contains(c.Body, "<!-- wfreview:reply -->") {
			out = append(out, c.Body)
		}
	}
	return out
}

func (a *app) finishedCheckRuns() []ghfake.CheckRun {
	var out []ghfake.CheckRun
	for _, cr := range a.repo.CheckRuns() {
		if cr.Status == "completed" {
			out = append(out, cr)
		}
	}
	return out
}

func TestPullRequestOpenedPostsOneReview(t *testing.T) {
	a := newApp(t, appOptions{})
	if code := a.deliver("pull_request", "delivery-1", fixture(t, "pull_request.opened.2.json")); code != http.StatusOK {
		t.Fatalf("webhook status = %d", code)
	}
	a.waitFor("a review", func() bool { return len(a.pr.Reviews()) == 1 })
	a.waitFor("the check run", func() bool { return len(a.finishedCheckRuns()) == 1 })

	rv := a.pr.Reviews()[0]
	if rv.Event != "COMMENT" || rv.CommitID != headSHA {
		t.Errorf("review event %q commit %q", rv.Event, rv.CommitID)
	}
	lines := map[int]string{}
	for _, c := range rv.Comments {
		if c.Path != greetPath || c.Side != "RIGHT" {
			t.Errorf("comment on %s %s", c.Path, c.Side)
		}
		lines[c.Line] = c.Body
	}
	if !strings.Contains(lines[7], "github.com/made/up-lib") || !strings.Contains(lines[7], "wfreview:fp=") {
		t.Errorf("line 7 comment = %q", lines[7])
	}
	if !strings.Contains(lines[13], "```suggestion") || !strings.Contains(lines[13], "uplib.Do(args)") {
		t.Errorf("line 13 comment = %q", lines[13])
	}
	for _, want := range []string{"claude", "Claude Code", "gpt-5-mini", "hallucinated-dependencies", "wfreview:review key=" + headSHA + ":auto"} {
		if !strings.Contains(rv.Body, want) {
			t.Errorf("summary lacks %q:\n%s", want, rv.Body)
		}
	}
	// The author's family is never asked to review.
	for _, c := range a.model.Calls() {
		if c.Model != "gpt-5-mini" {
			t.Errorf("model %s was called", c.Model)
		}
	}
	if cr := a.finishedCheckRuns()[0]; cr.Conclusion != "neutral" || cr.HeadSHA != headSHA || cr.Name != "wfreview" {
		t.Errorf("check run = %+v", cr)
	}
	// Metrics reflect the work (recorded when the job returns, just after the check run completes).
	for _, want := range []string{`wfreview_reviews_total{outcome="posted"} 1`, `wfreview_webhooks_total{event="pull_request",result="queued"} 1`, "wfreview_github_requests_per_review_count 1"} {
		a.waitFor("metric "+want, func() bool {
			resp, err := http.Get(a.url + "/metrics")
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return strings.Contains(string(body), want)
		})
	}
}

func TestReplayedDeliveryDoesNothingNew(t *testing.T) {
	a := newApp(t, appOptions{})
	payload := fixture(t, "pull_request.opened.2.json")
	for i := 0; i < 3; i++ {
		if code := a.deliver("pull_request", "delivery-same", payload); code != http.StatusOK {
			t.Fatalf("delivery %d: status %d", i, code)
		}
	}
	// Another delivery for the same head and trigger (e.g. "reopened"): one job per head and trigger.
	if code := a.deliver("pull_request", "delivery-other", payload); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	a.waitFor("a review", func() bool { return len(a.pr.Reviews()) == 1 })
	a.settle()
	if n := len(a.pr.Reviews()); n != 1 {
		t.Fatalf("%d reviews posted; want exactly 1", n)
	}
	if n := a.modelN.Load(); n != 1 {
		t.Errorf("model called %d times; want 1", n)
	}
}

func TestBadSignatureIsRefused(t *testing.T) {
	a := newApp(t, appOptions{})
	body, _ := json.Marshal(fixture(t, "pull_request.opened.2.json"))
	cases := []struct {
		name, sig string
		want      int
	}{
		{"wrong secret", "sha256=" + strings.Repeat("ab", 32), http.StatusUnauthorized},
		{"missing header", "", http.StatusUnauthorized},
		{"sha1 only", "sha1=" + strings.Repeat("ab", 20), http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if code := a.deliverRaw("pull_request", "bad-"+tc.name, body, tc.sig); code != tc.want {
				t.Errorf("status = %d, want %d", code, tc.want)
			}
		})
	}
	// A correctly signed payload that is not JSON is a bad request, not a crash.
	junk := []byte("{not json")
	if code := a.deliverRaw("pull_request", "junk", junk, sign(junk)); code != http.StatusBadRequest {
		t.Errorf("malformed payload: status = %d, want 400", code)
	}
	a.settle()
	if n := a.gh.Count("GET", "/repos/{owner}/{repo}/pulls/{pull_number}"); n != 0 {
		t.Errorf("refused deliveries reached GitHub %d times", n)
	}
	if len(a.pr.Reviews()) != 0 {
		t.Error("a review was posted for a refused delivery")
	}
}

func TestSynchronizePostsOnlyNewFindings(t *testing.T) {
	a := newApp(t, appOptions{})
	if code := a.deliver("pull_request", "d-open", fixture(t, "pull_request.opened.2.json")); code != http.StatusOK {
		t.Fatal(code)
	}
	a.waitFor("the first review", func() bool { return len(a.pr.Reviews()) == 1 })

	// A new push adds a second file with a new undeclared import; greet.go is unchanged.
	const newHead = "1111111111111111111111111111111111111111"
	helperPatch := "@@ -0,0 +1,5 @@\n+package main\n+\n+import \"github.com/another/ghost\"\n+\n+var _ = ghost.X"
	a.pr.Push(newHead, []ghfake.File{
		{Filename: greetPath, Status: "added", Patch: greetPatch},
		{Filename: "helper.go", Status: "added", Patch: helperPatch},
	}, ghfake.Commit{SHA: newHead, Message: "Add helper", AuthorName: "Codertocat", AuthorEmail: "c@example.com"})
	a.repo.SetFile(newHead, "helper.go", "package main\n\nimport \"github.com/another/ghost\"\n\nvar _ = ghost.X\n")
	a.repo.SetFile(newHead, greetPath, greetSource)
	a.repo.SetCompare(headSHA, newHead, []ghfake.File{{Filename: "helper.go", Status: "added", Patch: helperPatch}})

	sync := fixture(t, "pull_request.synchronize.json")
	sync["pull_request"].(map[string]any)["head"].(map[string]any)["sha"] = newHead
	if code := a.deliver("pull_request", "d-sync", sync); code != http.StatusOK {
		t.Fatal(code)
	}
	a.waitFor("the second review", func() bool { return len(a.pr.Reviews()) == 2 })
	second := a.pr.Reviews()[1]
	if len(second.Comments) != 1 || second.Comments[0].Path != "helper.go" || second.Comments[0].Line != 3 {
		t.Fatalf("second review comments = %+v; want only the new finding on helper.go:3", second.Comments)
	}
	if !strings.Contains(second.Body, "Incremental review") {
		t.Errorf("summary does not say the review was incremental:\n%s", second.Body)
	}
	// Only helper.go went to the model the second time.
	var calls []modeltest.Call
	for _, c := range a.model.Calls() {
		if !reviewtest.IsVerifyCall(c) {
			calls = append(calls, c)
		}
	}
	last := calls[len(calls)-1].LastUserMessage()
	if strings.Contains(last, "### greet.go") || !strings.Contains(last, "### helper.go") {
		t.Errorf("second model call did not review just the new file")
	}
}

// prComment writes a comment on the pull request in the fake and returns the issue_comment fixture
// moved onto it, as GitHub would deliver it.
func (a *app) prComment(t *testing.T, body, login string) map[string]any {
	t.Helper()
	p := fixture(t, "issue_comment.created.json")
	p["comment"].(map[string]any)["id"] = a.repo.AddIssueComment(prNumber, login, body)
	issue := p["issue"].(map[string]any)
	issue["number"] = prNumber
	issue["pull_request"] = map[string]any{"url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/2"}
	c := p["comment"].(map[string]any)
	c["body"] = body
	c["user"].(map[string]any)["login"] = login
	p["sender"].(map[string]any)["login"] = login
	p["installation"] = map[string]any{"id": 1}
	return p
}

func TestReviewCommand(t *testing.T) {
	a := newApp(t, appOptions{})

	t.Run("plain issue comment is ignored", func(t *testing.T) {
		p := fixture(t, "issue_comment.created.json")
		p["installation"] = map[string]any{"id": 1}
		if code := a.deliver("issue_comment", "c-plain", p); code != http.StatusOK {
			t.Fatal(code)
		}
	})
	t.Run("stranger gets a short reply", func(t *testing.T) {
		if code := a.deliver("issue_comment", "c-stranger", a.prComment(t, "/review", "mallory")); code != http.StatusOK {
			t.Fatal(code)
		}
		a.waitFor("a reply", func() bool { return len(a.replies()) == 1 })
		if body := a.replies()[0]; !strings.Contains(body, "only collaborators with write access") {
			t.Errorf("reply = %q", body)
		}
	})
	t.Run("help", func(t *testing.T) {
		if code := a.deliver("issue_comment", "c-help", a.prComment(t, "/review help", "Codertocat")); code != http.StatusOK {
			t.Fatal(code)
		}
		a.waitFor("the help reply", func() bool { return len(a.replies()) == 2 })
		if body := a.replies()[1]; !strings.Contains(body, "/review full") || !strings.Contains(body, "`security`") || !strings.Contains(body, "`correctness`") {
			t.Errorf("help = %q", body)
		}
	})
	t.Run("collaborator runs a review of one check", func(t *testing.T) {
		p := a.prComment(t, "/review security", "Codertocat")
		if code := a.deliver("issue_comment", "c-run", p); code != http.StatusOK {
			t.Fatal(code)
		}
		a.waitFor("a review", func() bool { return len(a.pr.Reviews()) == 1 })
		rv := a.pr.Reviews()[0]
		if len(rv.Comments) != 0 {
			t.Errorf("security-only review posted %d comments; the change has no security finding", len(rv.Comments))
		}
		if !strings.Contains(rv.Body, "not requested") {
			t.Errorf("summary does not mark other items as not requested:\n%s", rv.Body)
		}
		reacted := false
		for _, r := range a.gh.Reactions() {
			if r.Content == "eyes" {
				reacted = true
			}
		}
		if !reacted {
			t.Error("the command was not acknowledged with a reaction")
		}
	})
	t.Run("bot comments are ignored", func(t *testing.T) {
		p := a.prComment(t, "/review", "wfreview[bot]")
		p["comment"].(map[string]any)["user"].(map[string]any)["type"] = "Bot"
		p["sender"].(map[string]any)["type"] = "Bot"
		if code := a.deliver("issue_comment", "c-bot", p); code != http.StatusOK {
			t.Fatal(code)
		}
	})
	a.settle()
	if n := len(a.replies()); n != 2 {
		t.Errorf("%d issue comments; want the 2 replies", n)
	}
	if n := len(a.pr.Reviews()); n != 1 {
		t.Errorf("%d reviews; want 1", n)
	}
}

func TestBrokenConfigIsReportedOnce(t *testing.T) {
	a := newApp(t, appOptions{repoConfig: "version: 1\nchecks:\n  security:\n    enabeld: true\n"})
	if code := a.deliver("pull_request", "d1", fixture(t, "pull_request.opened.2.json")); code != http.StatusOK {
		t.Fatal(code)
	}
	a.waitFor("the check run", func() bool { return len(a.finishedCheckRuns()) == 1 })
	cr := a.finishedCheckRuns()[0]
	if cr.Conclusion != "failure" || !strings.Contains(cr.Output.Summary, ".wfreview.yml:4:5") {
		t.Errorf("check run = %s %q", cr.Conclusion, cr.Output.Summary)
	}
	a.waitFor("the comment", func() bool { return len(a.replies()) == 1 })
	// A later push with the same broken config: no second comment.
	a.pr.Push("2222222222222222222222222222222222222222", []ghfake.File{{Filename: greetPath, Status: "added", Patch: greetPatch}},
		ghfake.Commit{SHA: "2222222222222222222222222222222222222222", Message: "more"})
	sync := fixture(t, "pull_request.synchronize.json")
	sync["pull_request"].(map[string]any)["head"].(map[string]any)["sha"] = "2222222222222222222222222222222222222222"
	if code := a.deliver("pull_request", "d2", sync); code != http.StatusOK {
		t.Fatal(code)
	}
	a.waitFor("the second check run", func() bool { return len(a.finishedCheckRuns()) == 2 })
	a.settle()
	if n := len(a.replies()); n != 1 {
		t.Errorf("%d comments about the broken config; want 1", n)
	}
	if a.modelN.Load() != 0 || len(a.pr.Reviews()) != 0 {
		t.Errorf("a broken config still reviewed: %d model calls, %d reviews", a.modelN.Load(), len(a.pr.Reviews()))
	}
}

func TestDraftWaitsForReadyForReview(t *testing.T) {
	a := newApp(t, appOptions{draft: true})
	if code := a.deliver("pull_request", "d-open", fixture(t, "pull_request.opened.2.json")); code != http.StatusOK {
		t.Fatal(code)
	}
	a.settle()
	if len(a.pr.Reviews()) != 0 {
		t.Fatal("a draft was reviewed")
	}
	a.pr.Update(func(p *ghfake.PR) { p.Draft = false })
	if code := a.deliver("pull_request", "d-ready", fixture(t, "pull_request.ready_for_review.2.json")); code != http.StatusOK {
		t.Fatal(code)
	}
	a.waitFor("the review after ready_for_review", func() bool { return len(a.pr.Reviews()) == 1 })
}

func TestHealthAndReadiness(t *testing.T) {
	a := newApp(t, appOptions{})
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(a.url + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s = %d", p, resp.StatusCode)
		}
	}
}

func TestConfigComesFromBaseBranchAndOrg(t *testing.T) {
	t.Run("a pull request cannot switch its own review off", func(t *testing.T) {
		a := newApp(t, appOptions{headConfig: "review:\n  auto: false\nchecks:\n  security:\n    enabled: false\n"})
		if code := a.deliver("pull_request", "d1", fixture(t, "pull_request.opened.2.json")); code != http.StatusOK {
			t.Fatal(code)
		}
		a.waitFor("a review", func() bool { return len(a.pr.Reviews()) == 1 })
		if strings.Contains(a.pr.Reviews()[0].Body, "disabled in .wfreview.yml") {
			t.Error("the PR's own .wfreview.yml was applied")
		}
	})
	t.Run("org default from the .github repository", func(t *testing.T) {
		a := newApp(t, appOptions{orgConfig: "review:\n  auto: false\n"})
		if code := a.deliver("pull_request", "d1", fixture(t, "pull_request.opened.2.json")); code != http.StatusOK {
			t.Fatal(code)
		}
		a.settle()
		if n := len(a.pr.Reviews()); n != 0 {
			t.Errorf("%d reviews; the org default turns auto review off", n)
		}
		if a.gh.Count("GET", "/repos/{owner}/.github/contents/{path...}") == 0 {
			t.Error("the org default was never read")
		}
	})
}

func TestGitHubFaultsDuringReview(t *testing.T) {
	a := newApp(t, appOptions{})
	// Reading the diff (one comparison) fails twice with 502, and the review POST hits the secondary
	// rate limit once.
	a.gh.FailNext("GET", "/repos/{owner}/{repo}/compare/{basehead...}", 502, ghfake.Times(2))
	a.gh.FailNext("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", 403, ghfake.SecondaryRateLimit(), ghfake.RetryAfter("1"))
	if code := a.deliver("pull_request", "d-faults", fixture(t, "pull_request.opened.2.json")); code != http.StatusOK {
		t.Fatal(code)
	}
	a.waitFor("the review", func() bool { return len(a.pr.Reviews()) == 1 })
	a.settle()
	if n := len(a.pr.Reviews()); n != 1 {
		t.Fatalf("%d reviews; want 1", n)
	}
	if n := len(a.pr.Reviews()[0].Comments); n != 2 {
		t.Errorf("%d inline comments; want 2", n)
	}
	if a.gh.PendingFaults() != 0 {
		t.Errorf("%d faults were never hit", a.gh.PendingFaults())
	}
}
