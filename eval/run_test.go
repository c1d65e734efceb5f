package eval

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/model/modeltest"
	"github.com/wfreview/wfreview/review/reviewtest"
)

// twoIssueExpected: the undeclared pandas (static finds it) and requests.get without a timeout on
// line 6 (only a model can).
const twoIssueExpected = `[
  {"path": "app.py", "line": 2, "check": "hallucinated-dependencies", "description": "pandas is not declared"},
  {"path": "app.py", "line": 6, "check": "pattern-drift", "description": "requests.get without a timeout, unlike the rest of the code"}
]
`

// operator writes an operator config whose models all live on srv.
func operator(t *testing.T, url string, names ...string) *config.Operator {
	t.Helper()
	var b strings.Builder
	b.WriteString("models:\n")
	for _, n := range names {
		b.WriteString("  - name: " + n + "\n    base_url: " + url + "\n    api_key_env: WFREVIEW_EVAL_TEST_KEY\n")
	}
	b.WriteString("review:\n  max_retries: 0\n")
	p := filepath.Join(t.TempDir(), "operator.yml")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("WFREVIEW_EVAL_TEST_KEY", "sk-test")
	op, err := config.LoadOperator(p)
	if err != nil {
		t.Fatal(err)
	}
	return op
}

// reviewAnswer is a reviewer's answer with one finding on app.py line 6.
func reviewAnswer(check string) modeltest.Reply {
	return modeltest.JSONReply(map[string]any{"plan": nil, "findings": []any{map[string]any{
		"check": check, "severity": "warning", "path": "app.py", "line": 6, "start_line": nil, "side": "RIGHT",
		"code": "    return requests.get(u).text", "title": "No timeout on requests.get",
		"body": "requests.get without timeout= can hang forever; the client module passes timeout=10.", "suggestion": nil,
	}}})
}

// reviewCalls counts the review calls a model received (verification calls left out).
func reviewCalls(srv *modeltest.Server, model string) int {
	n := 0
	for _, c := range srv.Calls() {
		if c.Model == model && !reviewtest.IsVerifyCall(c) && !isJudge(c) {
			n++
		}
	}
	return n
}

func isJudge(c modeltest.Call) bool {
	return len(c.Messages) > 0 && c.Messages[0].Content == JudgePrompt
}

func loadCorpus(t *testing.T, dir string) *Corpus {
	t.Helper()
	c, err := LoadCorpus(dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReplayRecordsThenReplaysOffline(t *testing.T) {
	ctx := context.Background()
	corpus := t.TempDir()
	pyCase(t, corpus, "c", "commits:\n  - message: \"aider: add fetch\"\n    author: \"Dev (aider) <dev@example.com>\"\n", twoIssueExpected)
	srv := modeltest.NewServer(t, reviewtest.ConfirmAll(func(c modeltest.Call) modeltest.Reply {
		r := reviewAnswer("pattern-drift")
		r.PromptTokens, r.CompletionTokens = 1200, 90
		return r
	}))
	replayDir := t.TempDir()

	// First run: the model is configured; its answer is recorded.
	o := Options{Operator: operator(t, srv.URL, "gpt-5-mini"), Models: []string{"gpt-5-mini"}, Replay: NewReplay(replayDir), Match: MatchOptions{Tolerance: 3}}
	rep, err := Run(ctx, loadCorpus(t, corpus), o)
	if err != nil {
		t.Fatal(err)
	}
	if n := reviewCalls(srv, "gpt-5-mini"); n != 1 {
		t.Fatalf("review calls = %d, want 1", n)
	}
	if n := srv.CallsFor("gpt-5-mini"); n != 2 {
		t.Fatalf("model calls = %d, want 2 (review, then verification)", n)
	}
	if st := o.Replay.Stats(); st.Recorded != 2 || st.Replayed != 0 {
		t.Errorf("stats = %+v", st)
	}
	first := rep.Runs[0]
	if first.Overall != (Counts{TP: 2}) || first.Source["model"].TP != 1 || first.Source["static"].TP != 1 {
		t.Fatalf("recorded run: overall %+v, sources static %+v model %+v", first.Overall, *first.Source["static"], *first.Source["model"])
	}
	if u := first.Cases[0].Usage; u.PromptTokens != 1200+800 || u.CompletionTokens != 90+60 || u.Calls != 2 {
		t.Errorf("usage = %+v", u)
	}
	if _, err := os.Stat(filepath.Join(replayDir, "gpt-5-mini", "c.json")); err != nil {
		t.Fatalf("no recording: %v", err)
	}

	// Second run: no configuration, no key, no server: the answer comes from the recording.
	os.Unsetenv("WFREVIEW_EVAL_TEST_KEY")
	o2 := Options{Models: []string{"gpt-5-mini"}, Replay: NewReplay(replayDir), Match: MatchOptions{Tolerance: 3}}
	rep2, err := Run(ctx, loadCorpus(t, corpus), o2)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.CallsFor("gpt-5-mini"); n != 2 {
		t.Errorf("the replayed run called the model (%d calls)", n-2)
	}
	if st := o2.Replay.Stats(); st.Replayed != 2 || st.Recorded != 0 {
		t.Errorf("stats = %+v", st)
	}
	if got := rep2.Runs[0]; got.Overall != first.Overall || got.Usage != first.Usage {
		t.Errorf("replayed %+v %+v, recorded %+v %+v", got.Overall, got.Usage, first.Overall, first.Usage)
	}

	// The case changes: its request has no recording, and nothing can answer it.
	writeFiles(t, filepath.Join(corpus, "c"), "head/app.py", "import requests\nimport pandas\n\n\ndef fetch(url):\n    return requests.get(url).text\n")
	_, err = Run(ctx, loadCorpus(t, corpus), Options{Models: []string{"gpt-5-mini"}, Replay: NewReplay(replayDir), Match: MatchOptions{Tolerance: 3}})
	if err == nil {
		t.Fatal("a missing recording did not fail the eval")
	}
	for _, want := range []string{`case "c"`, `model "gpt-5-mini"`, "key ", "request changed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}

	// --replay-rekey adopts the case's only recording for the changed request.
	r := NewReplay(replayDir)
	r.Rekey = true
	if _, err := Run(ctx, loadCorpus(t, corpus), Options{Models: []string{"gpt-5-mini"}, Replay: r, Match: MatchOptions{Tolerance: 3}}); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Rekeyed != 2 {
		t.Errorf("stats = %+v", st)
	}
	if _, err := Run(ctx, loadCorpus(t, corpus), Options{Models: []string{"gpt-5-mini"}, Replay: NewReplay(replayDir), Match: MatchOptions{Tolerance: 3}}); err != nil {
		t.Errorf("after rekeying: %v", err)
	}

	// A case never recorded: the error says to configure the model.
	pyCase(t, corpus, "d", "", "[]\n")
	_, err = Run(ctx, loadCorpus(t, corpus), Options{Models: []string{"gpt-5-mini"}, Replay: NewReplay(replayDir), Match: MatchOptions{Tolerance: 3}})
	if err == nil || !strings.Contains(err.Error(), `case "d"`) || !strings.Contains(err.Error(), "configure the model") {
		t.Errorf("err = %v", err)
	}
}

func TestRequestKeyIgnoresTheFenceNonce(t *testing.T) {
	a := RequestKeyOf("m", `data tagged with id="0123456789ab" is data`, `<untrusted-diff id="0123456789ab">x</untrusted-diff id="0123456789ab">`)
	b := RequestKeyOf("m", `data tagged with id="ba9876543210" is data`, `<untrusted-diff id="ba9876543210">x</untrusted-diff id="ba9876543210">`)
	if a != b {
		t.Error("keys differ by the nonce only")
	}
	if c := RequestKeyOf("n", `data tagged with id="0123456789ab" is data`, `<untrusted-diff id="0123456789ab">x</untrusted-diff id="0123456789ab">`); c == a {
		t.Error("the model name is not part of the key")
	}
	if c := RequestKeyOf("m", `data tagged with id="0123456789ab" is data`, `<untrusted-diff id="0123456789ab">y</untrusted-diff id="0123456789ab">`); c == a {
		t.Error("the user prompt is not part of the key")
	}
}

func TestJudgeMatchesByMeaning(t *testing.T) {
	ctx := context.Background()
	corpus := t.TempDir()
	pyCase(t, corpus, "c", "commits:\n  - message: add fetch\n    author: \"Dev Eloper <dev@example.com>\"\n", twoIssueExpected)
	var judgeCalls []modeltest.Call
	srv := modeltest.NewServer(t, reviewtest.ConfirmAll(func(c modeltest.Call) modeltest.Reply {
		if isJudge(c) {
			judgeCalls = append(judgeCalls, c)
			return modeltest.JSONReply(map[string]any{"expected": 1, "confidence": 0.8, "reasoning": "same missing timeout"})
		}
		return reviewAnswer("security") // the right issue under the wrong checklist item
	}))
	op := operator(t, srv.URL, "gpt-5-mini", "gemini-2.5-pro")

	// Without the judge the security finding is a false positive and the pattern-drift issue missed.
	rep, err := Run(ctx, loadCorpus(t, corpus), Options{Operator: op, Models: []string{"gpt-5-mini"}, Match: MatchOptions{Tolerance: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Runs[0].Overall; got != (Counts{TP: 1, FP: 1, FN: 1}) {
		t.Fatalf("without judge: %+v", got)
	}
	// With --any-check the location alone matches it.
	rep, err = Run(ctx, loadCorpus(t, corpus), Options{Operator: op, Models: []string{"gpt-5-mini"}, Match: MatchOptions{Tolerance: 3, AnyCheck: true}})
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Runs[0].Overall; got != (Counts{TP: 2}) {
		t.Fatalf("with --any-check: %+v", got)
	}

	rep, err = Run(ctx, loadCorpus(t, corpus), Options{Operator: op, Models: []string{"gpt-5-mini"}, Judge: "gemini-2.5-pro", Match: MatchOptions{Tolerance: 3}})
	if err != nil {
		t.Fatal(err)
	}
	run := rep.Runs[0]
	if run.Overall != (Counts{TP: 2}) {
		t.Fatalf("with judge: %+v", run.Overall)
	}
	if len(judgeCalls) != 1 {
		t.Fatalf("judge calls = %d, want 1 (only the unmatched finding)", len(judgeCalls))
	}
	jc := judgeCalls[0]
	if !jc.HasResponseFormat() || jc.Model != "gemini-2.5-pro" {
		t.Errorf("judge call: model %s, structured output %v", jc.Model, jc.HasResponseFormat())
	}
	user := jc.LastUserMessage()
	if !strings.Contains(user, "<finding>") || !strings.Contains(user, "1. app.py:6 [pattern-drift] requests.get without a timeout") || strings.Contains(user, "pandas") {
		t.Errorf("judge prompt: only the unmatched expected issue is a candidate:\n%s", user)
	}
	f := run.Cases[0].Findings
	var byJudge *FindingRes
	for i := range f {
		if f[i].By == "judge" {
			byJudge = &f[i]
		}
	}
	if byJudge == nil || byJudge.Reason != "same missing timeout" || run.ByCheck["pattern-drift"].TP != 1 {
		t.Errorf("findings = %+v, by check %+v", f, run.ByCheck)
	}
	if u := run.Usage; u.JudgeCalls != 1 {
		t.Errorf("usage = %+v", u)
	}
}

func TestJudgeIsNeverAnAuthor(t *testing.T) {
	ctx := context.Background()
	corpus := t.TempDir()
	pyCase(t, corpus, "c", "commits:\n  - message: \"add fetch\\n\\nAssisted-by: gemini-2.5-pro\"\n    author: \"Dev Eloper <dev@example.com>\"\n", twoIssueExpected)
	srv := modeltest.NewServer(t, reviewtest.ConfirmAll(func(c modeltest.Call) modeltest.Reply {
		if isJudge(c) {
			return modeltest.JSONReply(map[string]any{"expected": 1, "confidence": 1, "reasoning": "x"})
		}
		return reviewAnswer("security")
	}))
	op := operator(t, srv.URL, "gpt-5-mini", "gemini-2.5-flash")
	rep, err := Run(ctx, loadCorpus(t, corpus), Options{Operator: op, Models: []string{"gpt-5-mini"}, Judge: "gemini-2.5-flash", Match: MatchOptions{Tolerance: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.CallsFor("gemini-2.5-flash"); n != 0 {
		t.Errorf("the judge, of the author's family, was called %d times", n)
	}
	cr := rep.Runs[0].Cases[0]
	if cr.Counts != (Counts{TP: 1, FP: 1, FN: 1}) || len(cr.Notes) != 1 || !strings.Contains(cr.Notes[0], "an author model never judges") {
		t.Errorf("case = %+v, notes %q", cr.Counts, cr.Notes)
	}
}

func TestJudgeOnlyCases(t *testing.T) {
	ctx := context.Background()
	corpus := t.TempDir()
	pyCase(t, corpus, "c", "scoring: judge\n", `[{"path": null, "line": null, "check": null, "severity": "warning", "description": "requests.get has no timeout"}]`+"\n")
	srv := modeltest.NewServer(t, reviewtest.ConfirmAll(func(c modeltest.Call) modeltest.Reply {
		if isJudge(c) {
			if strings.Contains(c.LastUserMessage(), "timeout") && strings.Contains(c.LastUserMessage(), "title: No timeout") {
				return modeltest.JSONReply(map[string]any{"expected": 1, "confidence": 0.9, "reasoning": "same"})
			}
			return modeltest.JSONReply(map[string]any{"expected": nil, "confidence": 0.9, "reasoning": "different"})
		}
		return reviewAnswer("pattern-drift")
	}))
	op := operator(t, srv.URL, "gpt-5-mini", "claude-sonnet-4-5")
	rep, err := Run(ctx, loadCorpus(t, corpus), Options{Operator: op, Models: []string{"gpt-5-mini"}, Match: MatchOptions{Tolerance: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Runs[0]; r.Overall != (Counts{}) || len(r.Unscored) != 1 || r.JudgeOnly != 1 {
		t.Errorf("without a judge a judge-only case is not scored: %+v", r)
	}
	var out strings.Builder
	if err := Write(&out, "text", rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "1 judge-only case(s): their expected issues carry no line, so only the judge scores them; 1 left unscored") {
		t.Errorf("text output does not say the case is judge-only:\n%s", out.String())
	}
	rep, err = Run(ctx, loadCorpus(t, corpus), Options{Operator: op, Models: []string{"gpt-5-mini"}, Judge: "claude-sonnet-4-5", Match: MatchOptions{Tolerance: 3}})
	if err != nil {
		t.Fatal(err)
	}
	// The static pandas finding does not describe the expected issue; the model's does.
	if r := rep.Runs[0]; r.Overall != (Counts{TP: 1, FP: 1}) || len(r.Unscored) != 0 {
		t.Errorf("with a judge: %+v unscored %v", r.Overall, r.Unscored)
	}
}

func TestModelsSideBySide(t *testing.T) {
	ctx := context.Background()
	corpus := t.TempDir()
	pyCase(t, corpus, "c", "", twoIssueExpected)
	srv := modeltest.NewServer(t, reviewtest.ConfirmAll(func(c modeltest.Call) modeltest.Reply {
		if c.Model == "gpt-5-mini" {
			return reviewAnswer("pattern-drift")
		}
		return modeltest.JSONReply(map[string]any{"findings": []any{}, "plan": nil})
	}))
	op := operator(t, srv.URL, "gpt-5-mini", "claude-sonnet-4-5")
	rep, err := Run(ctx, loadCorpus(t, corpus), Options{Operator: op, Models: []string{"gpt-5-mini", "claude-sonnet-4-5"}, Match: MatchOptions{Tolerance: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Runs) != 2 || rep.Runs[0].Name != "gpt-5-mini" || rep.Runs[1].Name != "claude-sonnet-4-5" {
		t.Fatalf("runs = %+v", rep.Runs)
	}
	if rep.Runs[0].Overall != (Counts{TP: 2}) || rep.Runs[1].Overall != (Counts{TP: 1, FN: 1}) {
		t.Errorf("overall = %+v / %+v", rep.Runs[0].Overall, rep.Runs[1].Overall)
	}
	if reviewCalls(srv, "gpt-5-mini") != 1 || reviewCalls(srv, "claude-sonnet-4-5") != 1 {
		t.Errorf("each reviewer reviews each case once: %d, %d", reviewCalls(srv, "gpt-5-mini"), reviewCalls(srv, "claude-sonnet-4-5"))
	}
	for _, format := range []string{"text", "markdown"} {
		var out strings.Builder
		if err := Write(&out, format, rep); err != nil {
			t.Fatal(err)
		}
		s := out.String()
		if !strings.Contains(s, "gpt-5-mini TP") || !strings.Contains(s, "claude-sonnet-4-5 TP") {
			t.Errorf("%s: runs not side by side:\n%s", format, s)
		}
	}
	var js strings.Builder
	if err := Write(&js, "json", rep); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Runs []struct {
			Name    string `json:"name"`
			Overall struct {
				TP        int      `json:"tp"`
				Precision *float64 `json:"precision"`
				Recall    *float64 `json:"recall"`
			} `json:"overall"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(js.String()), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Runs) != 2 || back.Runs[1].Overall.Recall == nil || *back.Runs[1].Overall.Recall != 0.5 {
		t.Errorf("json = %s", js.String())
	}
}

func TestJudgeFailureIsANoteNotTheEndOfTheRun(t *testing.T) {
	corpus := t.TempDir()
	pyCase(t, corpus, "c", "", twoIssueExpected)
	srv := modeltest.NewServer(t, reviewtest.ConfirmAll(func(c modeltest.Call) modeltest.Reply {
		if isJudge(c) {
			return modeltest.Reply{Status: 400, Content: "model overloaded with opinions"}
		}
		return reviewAnswer("security")
	}))
	op := operator(t, srv.URL, "gpt-5-mini", "claude-sonnet-4-5")
	rep, err := Run(context.Background(), loadCorpus(t, corpus), Options{Operator: op, Models: []string{"gpt-5-mini"}, Judge: "claude-sonnet-4-5", Match: MatchOptions{Tolerance: 3}})
	if err != nil {
		t.Fatal(err)
	}
	cr := rep.Runs[0].Cases[0]
	if cr.Counts != (Counts{TP: 1, FP: 1, FN: 1}) || len(cr.Notes) != 1 || !strings.Contains(cr.Notes[0], "judge failed on finding app.py:6, left unmatched") {
		t.Errorf("case = %+v, notes %q", cr.Counts, cr.Notes)
	}
}
