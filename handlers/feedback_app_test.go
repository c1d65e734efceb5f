package handlers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wfreview/wfreview/handlers"
	"github.com/wfreview/wfreview/internal/ghfake"
	"github.com/wfreview/wfreview/model/modeltest"
)

// End-to-end tests of stale comments and feedback against the fake GitHub. The first review of
// greet.go posts two comments: line 7 (static: an import no module provides) and line 13 (the
// model: os.Args read inside a library function).

const graphqlRoute = "/graphql"

// fixedSource is greet.go with line 13 fixed; editedSource changes only the doc comment (line 10).
var (
	fixedSource  = strings.Replace(greetSource, "uplib.Do(os.Args)", "uplib.Do(nil)", 1)
	editedSource = strings.Replace(greetSource, "// Greet greets.", "// Greet says hello.", 1)
)

// addedPatch is GitHub's patch of a new file holding src.
func addedPatch(src string) string {
	lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
	return fmt.Sprintf("@@ -0,0 +1,%d @@\n+", len(lines)) + strings.Join(lines, "\n+")
}

func noFindings(modeltest.Call) modeltest.Reply {
	return modeltest.JSONReply(map[string]any{"findings": []any{}, "plan": nil})
}

// findingWhileUnfixed is a model that reports line 13 while it reads os.Args.
func findingWhileUnfixed(c modeltest.Call) modeltest.Reply {
	if strings.Contains(c.LastUserMessage(), "uplib.Do(os.Args)") {
		return modelFinding(c)
	}
	return noFindings(c)
}

// openPR delivers the opened webhook of PR #2 and waits for its review and check run.
func (a *app) openPR(t *testing.T) {
	t.Helper()
	if code := a.deliver("pull_request", "d-open", fixture(t, "pull_request.opened.2.json")); code != http.StatusOK {
		t.Fatal(code)
	}
	a.waitFor("the first review", func() bool { return len(a.pr.Reviews()) == 1 && len(a.finishedCheckRuns()) == 1 })
	if n := len(a.pr.Reviews()[0].Comments); n != 2 {
		t.Fatalf("first review has %d comments, want 2", n)
	}
}

// commentOn returns the ID of the first review comment of PR #2 on line (as posted).
func (a *app) commentOn(t *testing.T, line int) int64 {
	t.Helper()
	for _, c := range a.pr.ReviewComments() {
		if c.InReplyTo == 0 && c.OriginalLine == line && c.User == ghfake.DefaultBotLogin {
			return c.ID
		}
	}
	t.Fatalf("no wfreview comment on line %d", line)
	return 0
}

// push makes head the new head of PR #2 with greet.go holding src, and delivers synchronize.
func (a *app) push(t *testing.T, prev, head, src string) {
	t.Helper()
	files := []ghfake.File{{Filename: greetPath, Status: "added", Patch: addedPatch(src)}}
	a.pr.Push(head, files, ghfake.Commit{SHA: head, Message: "Update greeter", AuthorName: "Codertocat", AuthorEmail: "c@example.com"})
	a.repo.SetFile(head, greetPath, src)
	a.repo.SetCompare(prev, head, files)
	a.repo.SetCompare(headSHA, head, files) // the last reviewed head may be the first one
	sync := fixture(t, "pull_request.synchronize.json")
	sync["pull_request"].(map[string]any)["head"].(map[string]any)["sha"] = head
	if code := a.deliver("pull_request", "d-sync-"+head[:4], sync); code != http.StatusOK {
		t.Fatal(code)
	}
}

// lastCheckRun waits for n finished check runs and returns the last.
func (a *app) lastCheckRun(t *testing.T, n int) ghfake.CheckRun {
	t.Helper()
	a.waitFor(fmt.Sprintf("%d finished check runs", n), func() bool { return len(a.finishedCheckRuns()) == n })
	a.settle()
	runs := a.finishedCheckRuns()
	return runs[len(runs)-1]
}

func resolvedLines(a *app) []int {
	var out []int
	for _, th := range a.pr.Threads() {
		if th.Resolved {
			out = append(out, th.Comments[0].OriginalLine)
		}
	}
	return out
}

func (a *app) metrics(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(a.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

const (
	head2 = "3333333333333333333333333333333333333333"
	head3 = "4444444444444444444444444444444444444444"
)

func TestPushThatFixesALineResolvesExactlyThatThread(t *testing.T) {
	a := newApp(t, appOptions{modelAnswer: findingWhileUnfixed})
	a.openPR(t)
	if n := a.gh.Count("POST", graphqlRoute); n != 0 {
		t.Fatalf("the first review made %d GraphQL requests; want 0", n)
	}

	a.push(t, headSHA, head2, fixedSource)
	cr := a.lastCheckRun(t, 2)
	if got := resolvedLines(a); len(got) != 1 || got[0] != 13 {
		t.Fatalf("resolved threads on lines %v; want exactly the fixed line 13", got)
	}
	if th, _ := a.pr.ThreadOf(a.commentOn(t, 13)); th.ResolvedBy != ghfake.DefaultBotLogin {
		t.Errorf("resolved by %q", th.ResolvedBy)
	}
	if !strings.Contains(cr.Output.Summary, "1 earlier comment resolved") {
		t.Errorf("check run summary does not say so:\n%s", cr.Output.Summary)
	}
	if n := a.gh.Count("POST", graphqlRoute); n != 2 {
		t.Errorf("%d GraphQL requests for the push; want 2 (the threads, one resolve)", n)
	}
	if m := a.metrics(t); !strings.Contains(m, "wfreview_threads_resolved_total 1") {
		t.Errorf("metrics lack the resolved thread")
	}

	// A person unresolves the thread. A later push (that fixes nothing) leaves it open: wfreview
	// does not fight people, and asks GitHub nothing more about threads.
	th, _ := a.pr.ThreadOf(a.commentOn(t, 13))
	unresolve(t, a.gh, th.ID)
	a.push(t, head2, head3, strings.Replace(fixedSource, "// Greet greets.", "// Greet says hello.", 1))
	a.lastCheckRun(t, 3)
	if got := resolvedLines(a); len(got) != 0 {
		t.Errorf("resolved threads on lines %v after a person unresolved the only one", got)
	}
	if n := a.gh.Count("POST", graphqlRoute); n != 3 {
		t.Errorf("%d GraphQL requests in all; want 3 (2 for the fix, the person's unresolve, none for the last push)", n)
	}
}

// unresolve unresolves a thread as a person would, through the fake's GraphQL API.
func unresolve(t *testing.T, s *ghfake.Server, threadID string) {
	t.Helper()
	body := fmt.Sprintf(`{"query":"mutation { unresolveReviewThread(input: {threadId: \"%s\"}) { thread { isResolved } } }"}`, threadID)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"graphql", strings.NewReader(body))
	req.Header.Set("Authorization", "bearer user-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"isResolved":false`) {
		t.Fatalf("unresolve: %d %s", resp.StatusCode, b)
	}
}

func TestPushThatFixesNothingResolvesNothing(t *testing.T) {
	a := newApp(t, appOptions{modelAnswer: findingWhileUnfixed})
	a.openPR(t)
	a.push(t, headSHA, head2, editedSource) // greet.go changes, lines 7 and 13 do not
	a.lastCheckRun(t, 2)
	if got := resolvedLines(a); len(got) != 0 {
		t.Errorf("resolved threads on lines %v", got)
	}
	if n := a.gh.Count("POST", graphqlRoute); n != 0 {
		t.Errorf("%d GraphQL requests; nothing could be stale", n)
	}
}

func TestHumanReplyWithoutAFixKeepsTheThreadOpen(t *testing.T) {
	// The model reports line 13 the first time only, as a model may: the line is unchanged, so the
	// finding is not taken as fixed, and the person's reply stays in an open thread.
	var calls atomic.Int32
	a := newApp(t, appOptions{modelAnswer: func(c modeltest.Call) modeltest.Reply {
		if calls.Add(1) == 1 {
			return modelFinding(c)
		}
		return noFindings(c)
	}})
	a.openPR(t)
	a.pr.AddReviewComment("Codertocat", "This is on purpose.", "", 0, a.commentOn(t, 13))
	a.push(t, headSHA, head2, editedSource)
	a.lastCheckRun(t, 2)
	if got := resolvedLines(a); len(got) != 0 {
		t.Errorf("resolved threads on lines %v; the line was not fixed", got)
	}

	// When the line is then fixed, the thread is resolved even though a person replied.
	a.push(t, head2, head3, strings.Replace(editedSource, "uplib.Do(os.Args)", "uplib.Do(nil)", 1))
	a.lastCheckRun(t, 3)
	if got := resolvedLines(a); len(got) != 1 || got[0] != 13 {
		t.Errorf("resolved threads on lines %v; want the fixed line 13", got)
	}
}

func TestThreadErrorsBecomeNotes(t *testing.T) {
	cases := []struct {
		name  string
		fault func(s *ghfake.Server)
		note  string
	}{
		{name: "threads query 502", fault: func(s *ghfake.Server) { s.FailNext("POST", graphqlRoute, http.StatusBadGateway) },
			note: "Earlier comments were not checked for fixes or 👎 feedback: GitHub's GraphQL API failed"},
		{name: "threads query GraphQL error", fault: func(s *ghfake.Server) {
			s.FailNext("POST", graphqlRoute, http.StatusOK, ghfake.Body(`{"data":{"repository":null},"errors":[{"type":"RATE_LIMITED","path":["repository"],"message":"API rate limit exceeded"}]}`))
		}, note: "GitHub's GraphQL API failed (review threads of Codertocat/Hello-World\\#2: API rate limit exceeded)"},
		{name: "resolve forbidden", fault: func(s *ghfake.Server) {
			s.FailNext("POST", graphqlRoute, http.StatusOK, ghfake.BodyContains("resolveReviewThread"),
				ghfake.Body(`{"data":{"r0":null},"errors":[{"type":"FORBIDDEN","path":["r0"],"locations":[{"line":1,"column":45}],"message":"Resource not accessible by integration"}]}`))
		}, note: "1 earlier comment whose findings were fixed could not be resolved: resolve review threads: Resource not accessible by integration"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, appOptions{modelAnswer: findingWhileUnfixed})
			a.openPR(t)
			tc.fault(a.gh)
			// The fix also adds a new finding on line 5, so a review is posted: its summary carries the note.
			src := strings.Replace(fixedSource, "\t\"os\"\n", "\t\"os\"\n\t_ \"github.com/another/ghost\"\n", 1)
			a.push(t, headSHA, head2, src)
			cr := a.lastCheckRun(t, 2)
			if !strings.Contains(cr.Output.Summary, tc.note) {
				t.Errorf("check run summary lacks %q:\n%s", tc.note, cr.Output.Summary)
			}
			if n := len(a.pr.Reviews()); n != 2 {
				t.Fatalf("%d reviews; the review must still be posted", n)
			}
			if body := a.pr.Reviews()[1].Body; !strings.Contains(body, tc.note) {
				t.Errorf("review summary lacks the note:\n%s", body)
			}
			if got := resolvedLines(a); len(got) != 0 {
				t.Errorf("resolved %v", got)
			}
			if a.gh.PendingFaults() != 0 {
				t.Error("the fault was not hit")
			}
		})
	}
}

// openSecondPR adds PR #3 with the same change as #2 and delivers its opened webhook.
func (a *app) openSecondPR(t *testing.T) *ghfake.PullRequest {
	t.Helper()
	const sha = "5555555555555555555555555555555555555555"
	pr := a.repo.AddPR(ghfake.PR{
		Number: 3, Title: "Another greeter", User: "Codertocat", BaseRef: "master", BaseSHA: baseSHA, HeadRef: "other", HeadSHA: sha,
		Files: []ghfake.File{{Filename: greetPath, Status: "added", Patch: greetPatch}},
		Commits: []ghfake.Commit{{SHA: sha, AuthorName: "Codertocat", AuthorEmail: "codertocat@example.com", AuthorLogin: "Codertocat",
			Message: "Add greeter\n\nCo-Authored-By: Claude <noreply@anthropic.com>"}},
	})
	a.repo.SetFile(sha, greetPath, greetSource)
	p := fixture(t, "pull_request.opened.2.json")
	p["number"] = 3
	prp := p["pull_request"].(map[string]any)
	prp["number"] = 3
	prp["head"].(map[string]any)["sha"] = sha
	if code := a.deliver("pull_request", "d-open-3", p); code != http.StatusOK {
		t.Fatal(code)
	}
	a.waitFor("the review of #3", func() bool { return len(pr.Reviews()) == 1 })
	return pr
}

// reviewCommand posts `/review` on PR #2 and waits for the review it runs.
func (a *app) reviewCommand(t *testing.T, want int) {
	t.Helper()
	if code := a.deliver("issue_comment", fmt.Sprintf("d-cmd-%d", want), a.prComment(t, "/review", "Codertocat")); code != http.StatusOK {
		t.Fatal(code)
	}
	a.waitFor("the /review review", func() bool { return len(a.pr.Reviews()) == want })
}

func commentLines(rv ghfake.Review) []int {
	var out []int
	for _, c := range rv.Comments {
		out = append(out, c.Line)
	}
	return out
}

func TestThumbsDownSuppressesTheFindingInOtherPullRequests(t *testing.T) {
	a := newApp(t, appOptions{})
	a.openPR(t)
	a.pr.AddReviewCommentReaction(a.commentOn(t, 7), "Codertocat", "-1")     // the author may
	a.pr.AddReviewCommentReaction(a.commentOn(t, 13), "mallory", "-1")       // a stranger may not
	a.pr.AddReviewCommentReaction(a.commentOn(t, 13), "renovate[bot]", "-1") // bots never count
	a.reviewCommand(t, 2)                                                    // reactions send no webhook: the next review reads them

	pr3 := a.openSecondPR(t)
	rv := pr3.Reviews()[0]
	if lines := commentLines(rv); len(lines) != 1 || lines[0] != 13 {
		t.Errorf("#3 comments on lines %v; want only 13 (line 7's finding was 👎'd)", lines)
	}
	if !strings.Contains(rv.Body, "1 finding suppressed by feedback") {
		t.Errorf("summary does not count the suppressed finding:\n%s", rv.Body)
	}
	if m := a.metrics(t); !strings.Contains(m, `wfreview_feedback_total{kind="reaction"} 1`) || !strings.Contains(m, "wfreview_findings_suppressed_total 1") {
		t.Errorf("metrics lack the feedback:\n%s", grepLines(m, "feedback", "suppressed"))
	}
}

// reviewCommentPayload is a pull_request_review_comment webhook for a reply in PR #2.
func (a *app) reviewCommentPayload(t *testing.T, id, inReplyTo int64, login, body string) map[string]any {
	t.Helper()
	p := fixture(t, "pull_request_review_comment.created.2.json")
	c := p["comment"].(map[string]any)
	c["id"], c["in_reply_to_id"], c["body"] = id, inReplyTo, body
	c["user"].(map[string]any)["login"] = login
	p["sender"].(map[string]any)["login"] = login
	p["pull_request"].(map[string]any)["number"] = prNumber
	p["pull_request"].(map[string]any)["head"].(map[string]any)["sha"] = a.pr.HeadSHA()
	return p
}

func (a *app) acked(commentID int64) bool {
	for _, r := range a.gh.Reactions() {
		if r.CommentID == commentID && r.Content == "+1" && r.User == ghfake.DefaultBotLogin {
			return true
		}
	}
	return false
}

func TestReviewIgnoreReplySuppressesAcrossRestart(t *testing.T) {
	a := newApp(t, appOptions{})
	a.openPR(t)
	on13, on7 := a.commentOn(t, 13), a.commentOn(t, 7)
	reply := a.pr.AddReviewComment("Codertocat", "/review ignore: we read os.Args on purpose", "", 0, on13)
	stranger := a.pr.AddReviewComment("mallory", "/review ignore", "", 0, on7)
	if code := a.deliver("pull_request_review_comment", "d-ignore", a.reviewCommentPayload(t, reply, on13, "Codertocat", "/review ignore: we read os.Args on purpose")); code != http.StatusOK {
		t.Fatal(code)
	}
	if code := a.deliver("pull_request_review_comment", "d-ignore-stranger", a.reviewCommentPayload(t, stranger, on7, "mallory", "/review ignore")); code != http.StatusOK {
		t.Fatal(code)
	}
	// Not a command, and not a reply: ignored.
	if code := a.deliver("pull_request_review_comment", "d-plain", a.reviewCommentPayload(t, 999, 0, "Codertocat", "/review ignore")); code != http.StatusOK {
		t.Fatal(code)
	}
	a.waitFor("the 👍 on the reply", func() bool { return a.acked(reply) })
	th, _ := a.pr.ThreadOf(on7)
	a.waitFor("the answer to the stranger", func() bool { th, _ = a.pr.ThreadOf(on7); return len(th.Comments) == 3 })
	if last := th.Comments[2]; last.User != ghfake.DefaultBotLogin || !strings.Contains(last.Body, "@mallory only collaborators") {
		t.Errorf("answer to the stranger = %+v", last)
	}
	if a.acked(stranger) {
		t.Error("the stranger's /review ignore was acknowledged")
	}

	a.restart(t) // the suppression is in the database
	pr3 := a.openSecondPR(t)
	rv := pr3.Reviews()[0]
	if lines := commentLines(rv); len(lines) != 1 || lines[0] != 7 {
		t.Errorf("#3 comments on lines %v; want only 7 (line 13's finding was ignored)", lines)
	}
	if !strings.Contains(rv.Body, "1 finding suppressed by feedback") {
		t.Errorf("summary does not count the suppressed finding:\n%s", rv.Body)
	}
}

func TestMissedReviewIgnoreIsPickedUpAtTheNextReview(t *testing.T) {
	a := newApp(t, appOptions{})
	a.openPR(t)
	reply := a.pr.AddReviewComment("Codertocat", "/review ignore", "", 0, a.commentOn(t, 7)) // its webhook never arrives
	a.reviewCommand(t, 2)
	a.waitFor("the 👍 on the reply", func() bool { return a.acked(reply) })

	pr3 := a.openSecondPR(t)
	if lines := commentLines(pr3.Reviews()[0]); len(lines) != 1 || lines[0] != 13 {
		t.Errorf("#3 comments on lines %v; want only 13", lines)
	}
	if m := a.metrics(t); !strings.Contains(m, `wfreview_feedback_total{kind="reply"} 1`) {
		t.Errorf("metrics lack the reply:\n%s", grepLines(m, "feedback"))
	}
}

// restart stops the server and starts a new one on the same database, as a redeploy does.
func (a *app) restart(t *testing.T) {
	t.Helper()
	a.settle()
	if err := a.srv.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	log := zerolog.New(zerolog.SyncWriter(a.logs)).With().Timestamp().Logger()
	srv, err := handlers.NewServer(ctx, a.op, handlers.ServerOptions{Version: "test", Log: log, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	a.srv, a.url = srv, hs.URL
	t.Cleanup(func() {
		hs.Close()
		cancel()
		_ = srv.Close()
	})
}

func grepLines(s string, words ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, w := range words {
			if strings.Contains(l, w) && !strings.HasPrefix(l, "#") {
				out = append(out, l)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}
