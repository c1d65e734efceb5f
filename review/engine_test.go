package review_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/internal/testrepo"
	"github.com/wfreview/wfreview/model"
	"github.com/wfreview/wfreview/model/modeltest"
	"github.com/wfreview/wfreview/review"
	"github.com/wfreview/wfreview/review/reviewtest"
)

// goRepo builds a small Go module with a feature branch written by Claude Code.
func goRepo(t *testing.T) (*testrepo.Repo, string) {
	t.Helper()
	r := testrepo.New(t)
	r.Write("go.mod", "module example.com/app\n\ngo 1.22\n\nrequire github.com/spf13/cobra v1.9.1\n",
		"main.go", "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hi\")\n}\n",
		"CLAUDE.md", "Use the standard library; errors are wrapped with %w.\n",
		"plan/phase-1.md", "# Phase 1\n\n## Goals\n\n- Add a greet command\n\n## Definition of done\n\n- [ ] greet prints a name\n\n## Out of scope\n\n- Config files\n")
	base := r.Commit("initial")
	r.Branch("feature")
	r.Write("greet.go", "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\n\t\"github.com/made/up-lib\"\n)\n\n// Greet greets.\nfunc Greet(name string) {\n\tfmt.Println(\"hello\", name)\n\tuplib.Do(os.Args)\n}\n")
	r.Commit("Add greet\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>")
	return r, base
}

func request(t testing.TB, r *testrepo.Repo, base string) *review.Request {
	t.Helper()
	ix, tree := r.Change(base)
	head := r.Git("rev-parse", "HEAD")
	var commits []model.Commit
	for _, sha := range strings.Fields(r.Git("rev-list", "--reverse", base+"..HEAD")) {
		commits = append(commits, model.Commit{SHA: sha, Message: r.Git("log", "-1", "--format=%B", sha),
			AuthorName: r.Git("log", "-1", "--format=%an", sha), AuthorEmail: r.Git("log", "-1", "--format=%ae", sha)})
	}
	return &review.Request{Base: base, Head: head, Diff: ix, Tree: tree, Commits: commits}
}

func statusOf(res *review.Result, id string) review.ChecklistEntry {
	for _, e := range res.Checklist {
		if e.ID == id {
			return e
		}
	}
	return review.ChecklistEntry{}
}

func TestStaticOnly(t *testing.T) {
	r, base := goRepo(t)
	res, err := (&review.Engine{}).Run(context.Background(), request(t, r, base))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 {
		t.Fatalf("findings = %+v, want the one undeclared import", res.Findings)
	}
	f := res.Findings[0]
	if f.Check != checklist.HallucinatedDependencies || f.Path != "greet.go" || f.Line != 7 || f.Source != "static" || f.Fingerprint == "" {
		t.Errorf("finding = %+v", f)
	}
	if res.Incomplete {
		t.Error("a complete static-only review is marked incomplete")
	}
	if res.ReviewerModel != nil || !strings.Contains(res.NoModelReason, "no reviewer model configured") {
		t.Errorf("reviewer = %+v, reason %q", res.ReviewerModel, res.NoModelReason)
	}
	if len(res.AuthorModels) == 0 || res.AuthorModels[0].Family != "claude" {
		t.Errorf("authors = %+v", res.AuthorModels)
	}
	if res.Plan == nil || res.Plan.Path != "plan/phase-1.md" {
		t.Errorf("plan = %+v", res.Plan)
	}
	want := map[string]string{
		checklist.PatternDrift:             review.StatusPass, // static analyzers: re-implemented helpers
		checklist.HallucinatedDependencies: review.StatusFail,
		checklist.OverEngineering:          review.StatusPass, // static analyzers: needless abstraction
		checklist.Security:                 review.StatusPass,
		checklist.PlanConformance:          review.StatusSkipped,
		checklist.Correctness:              review.StatusPass, // static analyzers: definite bugs
	}
	for id, st := range want {
		if got := statusOf(res, id).Status; got != st {
			t.Errorf("%s status = %s, want %s", id, got, st)
		}
	}
}

// reply builds a model answer.
func reply(findings ...map[string]any) modeltest.Reply {
	if findings == nil {
		findings = []map[string]any{}
	}
	b, _ := json.Marshal(map[string]any{"findings": findings, "plan": map[string]any{
		"implemented": []map[string]any{{"item": "Add a greet command", "path": "greet.go", "line": 11, "note": nil}},
		"undone":      []map[string]any{{"item": "greet prints a name", "path": nil, "line": nil, "note": "no test"}},
		"out_of_plan": []map[string]any{}, "out_of_scope": []map[string]any{}}})
	return modeltest.Reply{Content: string(b), PromptTokens: 1000, CompletionTokens: 100}
}

func finding(check string, line int, code, title string) map[string]any {
	return map[string]any{"check": check, "severity": "warning", "path": "greet.go", "line": line, "start_line": nil,
		"side": "RIGHT", "code": code, "title": title, "body": "Explain " + title, "suggestion": nil}
}

func specs(srv *modeltest.Server, names ...string) []model.Spec {
	var out []model.Spec
	for _, n := range names {
		out = append(out, model.Spec{Name: n, BaseURL: srv.URL, APIKey: "test-key"})
	}
	return out
}

func fastEngine(reviewers []model.Spec) *review.Engine {
	return &review.Engine{Reviewers: reviewers, NewClient: func(s model.Spec) review.Completer {
		return model.NewClient(s, model.WithMaxRetries(2), model.WithBackoff(time.Millisecond, 5*time.Millisecond))
	}}
}

func TestModelReviewRoutesAwayFromAuthor(t *testing.T) {
	r, base := goRepo(t)
	srv := modeltest.NewServer(t, reviewtest.ConfirmAll(func(c modeltest.Call) modeltest.Reply {
		return reply(
			finding(checklist.OverEngineering, 12, "fmt.Println(\"hello\", name)", "Needless wrapper"),
			// wrong line, but the quoted code is unique: re-anchored to 13
			finding(checklist.PatternDrift, 40, "uplib.Do(os.Args)", "Reads os.Args deep inside"),
			// not in the diff at all
			finding(checklist.PatternDrift, 99, "does not exist", "Ghost"),
			// unknown check id
			finding("style", 12, "fmt.Println(\"hello\", name)", "Nit"),
		)
	}))
	e := fastEngine(specs(srv, "claude-sonnet-4-5", "gpt-5-mini"))
	res, err := e.Run(context.Background(), request(t, r, base))
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.CallsFor("claude-sonnet-4-5"); n != 0 {
		t.Fatalf("the author's family was called %d times", n)
	}
	if srv.CallsFor("gpt-5-mini") != 2 {
		t.Fatalf("gpt calls = %d, want 2 (the review, then the verification of its two findings)", srv.CallsFor("gpt-5-mini"))
	}
	if res.ReviewerModel == nil || res.ReviewerModel.Name != "gpt-5-mini" || res.ReviewerModel.Reason == "" {
		t.Fatalf("reviewer = %+v", res.ReviewerModel)
	}
	got := map[string]int{}
	for _, f := range res.Findings {
		got[f.Title] = f.Line
	}
	if got["Needless wrapper"] != 12 || got["Reads os.Args deep inside"] != 13 {
		t.Errorf("anchoring: %v", got)
	}
	if _, ok := got["Ghost"]; ok {
		t.Error("a finding outside the diff was kept")
	}
	if _, ok := got["Nit"]; ok {
		t.Error("a finding with an unknown check was kept")
	}
	notes := strings.Join(res.Notes, "\n")
	if !strings.Contains(notes, "not anchored") || !strings.Contains(notes, `unknown check "style"`) {
		t.Errorf("notes = %s", notes)
	}
	if res.Usage == nil || res.Usage.Calls != 2 || res.Usage.VerifyCalls != 1 || res.Usage.PromptTokens != 1800 {
		t.Errorf("usage = %+v", res.Usage)
	}
	if v := res.Verification; v == nil || v.Candidates != 2 || v.Confirmed != 2 || v.Rejected != 0 {
		t.Errorf("verification = %+v", res.Verification)
	}
	for _, f := range res.Findings {
		if f.Source == "model" && (f.Verification != "confirmed" || f.VerifyReason == "") {
			t.Errorf("model finding not marked confirmed: %+v", f)
		}
	}
	if pc := res.PlanConformance; pc == nil || len(pc.Implemented) != 1 || len(pc.Undone) != 1 {
		t.Errorf("plan conformance = %+v", res.PlanConformance)
	}
	if st := statusOf(res, checklist.PlanConformance).Status; st != review.StatusPass {
		t.Errorf("plan-conformance = %s", st)
	}
	// The diff and plan are fenced data in the user message; the system message holds none of it.
	call := srv.Calls()[0]
	sys, user := call.Messages[0].Content, call.LastUserMessage()
	if strings.Contains(sys, "uplib") || !strings.Contains(user, "<untrusted-diff") || !strings.Contains(user, "R13 + \tuplib.Do(os.Args)") {
		t.Errorf("prompt layout wrong:\nSYSTEM:\n%s\nUSER:\n%s", sys, user)
	}
	if !strings.Contains(user, "<untrusted-plan") || !strings.Contains(user, "Use the standard library") {
		t.Error("plan or context file missing from the prompt")
	}
}

func TestSameFamilyOnlyMakesNoModelCall(t *testing.T) {
	r, base := goRepo(t)
	srv := modeltest.NewServer(t, func(modeltest.Call) modeltest.Reply { return reply() })
	e := fastEngine(specs(srv, "claude-sonnet-4-5", "claude-opus-4-1"))
	res, err := e.Run(context.Background(), request(t, r, base))
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.Calls()) != 0 {
		t.Fatalf("%d model requests made; want none", len(srv.Calls()))
	}
	if res.ReviewerModel != nil || !strings.Contains(res.NoModelReason, "no eligible reviewer") {
		t.Errorf("reviewer %+v, reason %q", res.ReviewerModel, res.NoModelReason)
	}
	if len(res.Findings) != 1 { // static checks still ran
		t.Errorf("findings = %d, want 1 static", len(res.Findings))
	}
}

func TestFallbackNeverCallsAuthor(t *testing.T) {
	r, base := goRepo(t)
	srv := modeltest.NewServer(t, func(c modeltest.Call) modeltest.Reply {
		if c.Model == "gpt-5-mini" {
			return modeltest.Reply{Status: 500}
		}
		return reply()
	})
	e := fastEngine(specs(srv, "gpt-5-mini", "claude-sonnet-4-5", "gemini-2.5-pro"))
	res, err := e.Run(context.Background(), request(t, r, base))
	if err != nil {
		t.Fatal(err)
	}
	if srv.CallsFor("claude-sonnet-4-5") != 0 {
		t.Fatal("author family called as a fallback")
	}
	if srv.CallsFor("gpt-5-mini") != 3 || srv.CallsFor("gemini-2.5-pro") != 1 {
		t.Errorf("calls gpt=%d gemini=%d, want 3 and 1", srv.CallsFor("gpt-5-mini"), srv.CallsFor("gemini-2.5-pro"))
	}
	if res.ReviewerModel == nil || res.ReviewerModel.Name != "gemini-2.5-pro" {
		t.Errorf("reviewer = %+v", res.ReviewerModel)
	}
}

func TestAllReviewersFailIsANote(t *testing.T) {
	r, base := goRepo(t)
	srv := modeltest.NewServer(t, func(c modeltest.Call) modeltest.Reply { return modeltest.Reply{Content: "I think it is fine."} })
	e := fastEngine(specs(srv, "gpt-5-mini"))
	res, err := e.Run(context.Background(), request(t, r, base))
	if err != nil {
		t.Fatal(err)
	}
	if res.ReviewerModel != nil || !strings.Contains(res.NoModelReason, "every model call failed") {
		t.Errorf("reviewer %+v reason %q", res.ReviewerModel, res.NoModelReason)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "model review of greet.go failed") {
		t.Errorf("notes = %v", res.Notes)
	}
	if len(res.Findings) != 1 {
		t.Errorf("static findings lost: %v", res.Findings)
	}
	if !res.Incomplete {
		t.Error("a review whose model calls failed is not marked incomplete")
	}
}

func TestMaxCommentsCapsBySeverity(t *testing.T) {
	r, base := goRepo(t)
	srv := modeltest.NewServer(t, reviewtest.ConfirmAll(func(c modeltest.Call) modeltest.Reply {
		var fs []map[string]any
		for _, l := range []int{11, 12, 13} {
			f := finding(checklist.OverEngineering, l, "", fmt.Sprintf("Info %d", l))
			f["severity"] = "info"
			fs = append(fs, f)
		}
		return reply(fs...)
	}))
	cfg, err := config.ParseRepo(".wfreview.yml", []byte("max_comments: 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	req := request(t, r, base)
	req.Config = cfg
	res, err := fastEngine(specs(srv, "gpt-5-mini")).Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 2 || res.Findings[0].Check != checklist.HallucinatedDependencies {
		t.Fatalf("findings = %+v; want the error first, capped at 2", res.Findings)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "2 more findings not reported") {
		t.Errorf("notes = %v", res.Notes)
	}
	if !res.Incomplete {
		t.Error("a review cut by max_comments is not marked incomplete")
	}
}

func TestChecksRestriction(t *testing.T) {
	r, base := goRepo(t)
	req := request(t, r, base)
	req.Checks = []string{checklist.Security}
	res, err := (&review.Engine{}).Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 {
		t.Errorf("findings = %v; hallucinated-dependencies was not requested", res.Findings)
	}
	if e := statusOf(res, checklist.HallucinatedDependencies); e.Status != review.StatusSkipped || e.Reason != "not requested" {
		t.Errorf("entry = %+v", e)
	}
	req.Checks = []string{"nope"}
	if _, err := (&review.Engine{}).Run(context.Background(), req); err == nil {
		t.Error("unknown check accepted")
	}
}

// TestConcurrentChunks shows a 40-file change is split into calls that run concurrently.
func TestConcurrentChunks(t *testing.T) {
	r := testrepo.New(t)
	r.Write("README.md", "x\n")
	base := r.Commit("init")
	for i := 0; i < 40; i++ {
		r.Write(fmt.Sprintf("pkg%02d/f.py", i), fmt.Sprintf("def f%d(x):\n    return x + %d\n", i, i))
	}
	r.Commit("forty files")
	var inflight, peak atomic.Int32
	srv := modeltest.NewServer(t, func(c modeltest.Call) modeltest.Reply {
		n := inflight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(150 * time.Millisecond)
		inflight.Add(-1)
		return reply()
	})
	e := fastEngine(specs(srv, "gpt-5-mini"))
	e.Concurrency = 4
	start := time.Now()
	res, err := e.Run(context.Background(), request(t, r, base))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(srv.Calls()); got != 5 {
		t.Errorf("calls = %d, want 5 (8 files per call)", got)
	}
	if peak.Load() < 2 {
		t.Errorf("peak concurrency = %d; calls ran one by one", peak.Load())
	}
	if res.Usage.Calls != 5 {
		t.Errorf("usage calls = %d", res.Usage.Calls)
	}
	t.Logf("40 files, 5 calls of 150ms, concurrency 4: %v", time.Since(start))
}

func TestSecretsAreNotSentToTheModel(t *testing.T) {
	r, base := goRepo(t)
	secret := "AKIA" + "QYLPMN5HFIQR7XYZ"
	r.Write("deploy.py", "KEY = '"+secret+"'\n")
	r.Commit("deploy settings")
	srv := modeltest.NewServer(t, func(modeltest.Call) modeltest.Reply { return reply() })
	res, err := fastEngine(specs(srv, "gpt-5-mini")).Run(context.Background(), request(t, r, base))
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.Calls()) == 0 {
		t.Fatal("no model call")
	}
	for _, c := range srv.Calls() {
		if strings.Contains(string(c.Body), secret) {
			t.Fatal("the secret reached the model")
		}
	}
	found := false
	for _, f := range res.Findings {
		if f.Path == "deploy.py" && f.Check == checklist.Security {
			found = true
		}
		if strings.Contains(f.Body, secret) {
			t.Error("a finding repeats the secret")
		}
	}
	if !found {
		t.Error("the secret was not reported")
	}
}

// remoteTree is a tree read through an API (not local): it counts its reads.
type remoteTree struct {
	files map[string]string
	reads atomic.Int64
}

func (rt *remoteTree) ReadFile(_ context.Context, p string) ([]byte, error) {
	rt.reads.Add(1)
	if s, ok := rt.files[p]; ok {
		return []byte(s), nil
	}
	return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
}

func (rt *remoteTree) ListFiles(context.Context) ([]string, error) {
	out := make([]string, 0, len(rt.files))
	for p := range rt.files {
		out = append(out, p)
	}
	slices.Sort(out)
	return out, nil
}

// TestPatternDriftReadsBoundedThroughTheAPI: the pattern-drift checks read every source file; when
// the head is read through the API (one request per file) they stop above 300 files of a language
// with their note instead of costing thousands of requests.
func TestPatternDriftReadsBoundedThroughTheAPI(t *testing.T) {
	r := testrepo.New(t)
	r.Write("go.mod", "module example.com/app\n\ngo 1.22\n")
	for i := range 400 {
		r.Write(fmt.Sprintf("internal/gen%03d/f.go", i), fmt.Sprintf("package gen%03d\n\nfunc F() int { return %d }\n", i, i))
	}
	base := r.Commit("initial")
	r.Branch("feature")
	r.Write("internal/text/text.go", `package text

import "strings"

// Words splits s into lower-case words, dropping empty ones and punctuation around them.
func Words(s string) []string {
	var out []string
	for _, w := range strings.Fields(s) {
		w = strings.Trim(w, ".,;:!?")
		if w == "" {
			continue
		}
		out = append(out, strings.ToLower(w))
	}
	return out
}
`)
	r.Commit("Add text.Words")
	req := request(t, r, base)
	files := map[string]string{}
	local, err := req.Tree.ListFiles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range local {
		b, err := req.Tree.ReadFile(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		files[p] = string(b)
	}
	rt := &remoteTree{files: files}
	req.Tree = rt
	req.Checks = []string{"pattern-drift"} // the dependency check has its own budget (400 reads)
	res, err := (&review.Engine{NoGoTypeCheck: true}).Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(res.Notes, func(n string) bool {
		return strings.Contains(n, "re-implemented helpers not checked") && strings.Contains(n, "more than 300")
	}) {
		t.Errorf("notes %q lack the bound", res.Notes)
	}
	if n := rt.reads.Load(); n > 10 {
		t.Errorf("%d files read through the API for a 1-file change", n)
	}
}
