package review_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/internal/testrepo"
	"github.com/wfreview/wfreview/model"
	"github.com/wfreview/wfreview/model/modeltest"
	"github.com/wfreview/wfreview/review"
	"github.com/wfreview/wfreview/review/reviewtest"
)

// plainRepo is goRepo without any author signal in the commits.
func plainRepo(t *testing.T) (*testrepo.Repo, string) {
	t.Helper()
	r := testrepo.New(t)
	r.Write("go.mod", "module example.com/app\n\ngo 1.22\n", "main.go", "package main\n\nfunc main() {}\n")
	base := r.Commit("initial")
	r.Branch("feature")
	// The off-by-one is the model's to find: names' type is not in sight of the static check
	// (checklist.DefiniteBugs), which would otherwise report it itself.
	r.Write("greet.go", "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\n// Greet greets.\nfunc Greet(name string) {\n\tfmt.Println(\"hello\", name)\n\tgreetAll(os.Args)\n}\n\nfunc greetAll(args []string) { names := args\n\tfor i := 0; i <= len(names); i++ {\n\t\tfmt.Println(names[i])\n\t}\n}\n")
	r.Commit("Add greet")
	return r, base
}

// fakeModels answers review calls with review(model) and verification calls with verify(model,
// call), and records which model got which kind of call.
type fakeModels struct {
	srv            *modeltest.Server
	review, verify map[string]int
}

func newFakeModels(t *testing.T, review func(model string) modeltest.Reply, verify func(model string, c modeltest.Call) modeltest.Reply) *fakeModels {
	fm := &fakeModels{review: map[string]int{}, verify: map[string]int{}}
	fm.srv = modeltest.NewServer(t, func(c modeltest.Call) modeltest.Reply {
		if reviewtest.IsVerifyCall(c) {
			return verify(c.Model, c)
		}
		return review(c.Model)
	})
	return fm
}

func (fm *fakeModels) count() {
	for _, c := range fm.srv.Calls() {
		if reviewtest.IsVerifyCall(c) {
			fm.verify[c.Model]++
		} else {
			fm.review[c.Model]++
		}
	}
}

func (fm *fakeModels) verifyPrompts() []string {
	var out []string
	for _, c := range fm.srv.Calls() {
		if reviewtest.IsVerifyCall(c) {
			out = append(out, c.Messages[0].Content+"\n"+c.LastUserMessage())
		}
	}
	return out
}

func findingAt(check, sev string, line int, code, title string) map[string]any {
	f := finding(check, line, code, title)
	f["severity"] = sev
	return f
}

func byTitle(fs []checklist.Finding) map[string]checklist.Finding {
	out := map[string]checklist.Finding{}
	for _, f := range fs {
		out[f.Title] = f
	}
	return out
}

func TestVerifierRejectedFindingIsNotPosted(t *testing.T) {
	r, base := goRepo(t) // written by Claude Code
	fm := newFakeModels(t, func(string) modeltest.Reply {
		return reply(
			finding(checklist.OverEngineering, 12, "fmt.Println(\"hello\", name)", "Needless wrapper"),
			finding(checklist.PatternDrift, 13, "uplib.Do(os.Args)", "Reads os.Args deep inside"),
		)
	}, func(_ string, c modeltest.Call) modeltest.Reply {
		return reviewtest.Answer(c, func(f reviewtest.Finding) reviewtest.Verdict {
			if f.Title == "Needless wrapper" {
				return reviewtest.Verdict{Reason: "Greet is the feature the plan asks for, not a wrapper."}
			}
			return reviewtest.Verdict{Confirm: true, Reason: "os.Args is read inside a library function."}
		})
	})
	e := fastEngine(specs(fm.srv, "gpt-5-mini", "claude-sonnet-4-5", "gemini-2.5-pro"))
	res, err := e.Run(context.Background(), request(t, r, base))
	if err != nil {
		t.Fatal(err)
	}
	fm.count()
	if fm.review["claude-sonnet-4-5"]+fm.verify["claude-sonnet-4-5"] != 0 {
		t.Fatal("the author's family was called")
	}
	if fm.review["gpt-5-mini"] != 1 || fm.verify["gemini-2.5-pro"] != 1 || fm.verify["gpt-5-mini"] != 0 {
		t.Errorf("review calls %v, verification calls %v: want the review by gpt, one verification by gemini (another family)", fm.review, fm.verify)
	}
	got := byTitle(res.Findings)
	if _, ok := got["Needless wrapper"]; ok {
		t.Error("a rejected finding was posted")
	}
	if f, ok := got["Reads os.Args deep inside"]; !ok || f.Verification != review.VerificationConfirmed || f.VerifyReason != "os.Args is read inside a library function." {
		t.Errorf("confirmed finding = %+v", f)
	}
	if len(res.Rejected) != 1 || res.Rejected[0].Finding.Title != "Needless wrapper" ||
		res.Rejected[0].Reason != "Greet is the feature the plan asks for, not a wrapper." || res.Rejected[0].Verifier != "gemini-2.5-pro" ||
		res.Rejected[0].Finding.Fingerprint == "" {
		t.Errorf("rejected = %+v", res.Rejected)
	}
	v := res.Verification
	if v == nil || !v.Enabled || v.Candidates != 2 || v.Confirmed != 1 || v.Rejected != 1 || strings.Join(v.Verifiers, ",") != "gemini-2.5-pro" {
		t.Errorf("verification = %+v", v)
	}
	if res.Usage.VerifyCalls != 1 || res.Usage.Calls != 2 {
		t.Errorf("usage = %+v", res.Usage)
	}
	md := review.Markdown(res, review.MarkdownOptions{})
	if !strings.Contains(md, "Model findings: 2 candidate findings, 1 confirmed, 1 rejected; verified by gemini-2.5-pro.") {
		t.Errorf("summary does not count the candidates:\n%s", md)
	}
	var buf bytes.Buffer
	if err := review.WriteJSON(&buf, res); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	rej, _ := doc["rejected"].([]any)
	if len(rej) != 1 || rej[0].(map[string]any)["reason"] == "" || rej[0].(map[string]any)["finding"].(map[string]any)["title"] != "Needless wrapper" {
		t.Errorf("JSON rejected = %v", doc["rejected"])
	}
	// The verifier saw the finding, its anchored line and the code, but never the author.
	vp := fm.verifyPrompts()
	if len(vp) != 1 {
		t.Fatalf("verification prompts: %d", len(vp))
	}
	for _, want := range []string{`"anchored_line": "\tfmt.Println(\"hello\", name)"`, "R13 + \tuplib.Do(os.Args)", "<untrusted-findings"} {
		if !strings.Contains(vp[0], want) {
			t.Errorf("verification prompt lacks %q", want)
		}
	}
	for _, bad := range []string{"Claude", "claude", "detected author", "drafted by"} {
		if strings.Contains(vp[0], bad) {
			t.Errorf("the verification prompt names the author (%q)", bad)
		}
	}
}

func TestVerifierQuoteMustBeTheAnchoredLine(t *testing.T) {
	r, base := plainRepo(t)
	fm := newFakeModels(t, func(string) modeltest.Reply {
		return reply(findingAt(checklist.Correctness, "error", 15, "\tfor i := 0; i <= len(names); i++ {", "Off by one"),
			findingAt(checklist.Correctness, "warning", 10, "\tfmt.Println(\"hello\", name)", "Wrong greeting"))
	}, func(_ string, c modeltest.Call) modeltest.Reply {
		return reviewtest.Answer(c, func(f reviewtest.Finding) reviewtest.Verdict {
			if f.Title == "Wrong greeting" {
				// Confirms, but quotes another line: the finding is not about its anchored line.
				return reviewtest.Verdict{Confirm: true, Quote: "\tgreetAll(os.Args)"}
			}
			return reviewtest.Verdict{Confirm: true, Quote: "R15 + \tfor i := 0; i <= len(names); i++ {", Reason: "i reaches len(names): index out of range."}
		})
	})
	res, err := fastEngine(specs(fm.srv, "gpt-5-mini")).Run(context.Background(), request(t, r, base))
	if err != nil {
		t.Fatal(err)
	}
	got := byTitle(res.Findings)
	if f, ok := got["Off by one"]; !ok || f.Verification != review.VerificationConfirmed {
		t.Errorf("a confirmation quoting the anchored line (with its diff label) was not accepted: %+v", res.Findings)
	}
	if _, ok := got["Wrong greeting"]; ok || len(res.Rejected) != 1 || !strings.Contains(res.Rejected[0].Reason, "quoted line is not the anchored line") {
		t.Errorf("a confirmation quoting another line was accepted; rejected = %+v", res.Rejected)
	}
	// With no reviewer of another family, the reviewer verifies with the verification prompt.
	fm.count()
	if fm.verify["gpt-5-mini"] != 1 {
		t.Errorf("verification calls = %v", fm.verify)
	}
}

func TestVerifierFailurePolicy(t *testing.T) {
	r, base := plainRepo(t)
	fm := newFakeModels(t, func(string) modeltest.Reply {
		return reply(findingAt(checklist.Correctness, "error", 16, "\t\tfmt.Println(names[i])", "Index out of range"),
			findingAt(checklist.PatternDrift, "warning", 10, "\tfmt.Println(\"hello\", name)", "Prints instead of logging"))
	}, func(string, modeltest.Call) modeltest.Reply {
		return modeltest.Reply{Status: 500}
	})
	res, err := fastEngine(specs(fm.srv, "gpt-5-mini", "gemini-2.5-pro")).Run(context.Background(), request(t, r, base))
	if err != nil {
		t.Fatal(err)
	}
	fm.count()
	if fm.verify["gemini-2.5-pro"] != 3 || fm.verify["gpt-5-mini"] != 3 {
		t.Errorf("verification calls %v: want every verifier tried (3 attempts each)", fm.verify)
	}
	got := byTitle(res.Findings)
	f, ok := got["Index out of range"]
	if !ok || f.Verification != review.VerificationUnverified || !strings.Contains(f.Body, "Not verified") {
		t.Errorf("an error finding whose verifier failed must be kept, marked unverified: %+v", res.Findings)
	}
	if _, ok := got["Prints instead of logging"]; ok {
		t.Error("a warning that could not be verified was posted")
	}
	if len(res.Rejected) != 1 || res.Rejected[0].Reason != "not verified: every verifier failed" {
		t.Errorf("rejected = %+v", res.Rejected)
	}
	if v := res.Verification; v.Candidates != 2 || v.Unverified != 1 || v.Rejected != 1 || v.Confirmed != 0 {
		t.Errorf("verification = %+v", v)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "verification of 2 finding(s) in greet.go failed") {
		t.Errorf("notes = %v", res.Notes)
	}
	var txt bytes.Buffer
	if err := review.WriteText(&txt, res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(txt.String(), "verification: 2 candidate findings, 0 confirmed, 1 rejected, 1 kept unverified") {
		t.Errorf("text output:\n%s", txt.String())
	}
}

// TestVerifierNeverTheAuthor covers the three independence modes: the author's model is called
// neither to review nor to verify, even when the preferred verifier fails.
func TestVerifierNeverTheAuthor(t *testing.T) {
	tests := []struct {
		name         string
		independence model.Independence
		author       string
		reviewers    []string
		failVerifier string // this verifier answers 500
		wantReviewer string
		wantVerifier string
		never        []string
	}{
		{"model", model.IndependenceModel, "claude-sonnet-4-5", []string{"gpt-5-mini", "claude-sonnet-4-5", "claude-opus-4-1"},
			"claude-opus-4-1", "gpt-5-mini", "gpt-5-mini", []string{"claude-sonnet-4-5"}},
		{"family", model.IndependenceFamily, "claude-sonnet-4-5", []string{"gpt-5-mini", "claude-opus-4-1", "gemini-2.5-pro"},
			"", "gpt-5-mini", "gemini-2.5-pro", []string{"claude-sonnet-4-5", "claude-opus-4-1"}},
		{"provider", model.IndependenceProvider, "gemini-2.5-pro", []string{"gpt-5-mini", "gemma-3-27b", "claude-sonnet-4-5"},
			"", "gpt-5-mini", "claude-sonnet-4-5", []string{"gemini-2.5-pro", "gemma-3-27b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, base := plainRepo(t)
			fm := newFakeModels(t, func(string) modeltest.Reply {
				return reply(findingAt(checklist.Correctness, "error", 15, "\tfor i := 0; i <= len(names); i++ {", "Off by one"))
			}, func(m string, c modeltest.Call) modeltest.Reply {
				if m == tt.failVerifier {
					return modeltest.Reply{Status: 503}
				}
				return reviewtest.Answer(c, func(reviewtest.Finding) reviewtest.Verdict { return reviewtest.Verdict{Confirm: true} })
			})
			e := fastEngine(specs(fm.srv, tt.reviewers...))
			e.Independence = tt.independence
			req := request(t, r, base)
			req.AuthorOverride = tt.author
			res, err := e.Run(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			fm.count()
			for _, n := range tt.never {
				if fm.review[n]+fm.verify[n] != 0 {
					t.Errorf("%s was called (review %d, verification %d); it is not independent of the author %s", n, fm.review[n], fm.verify[n], tt.author)
				}
			}
			if fm.review[tt.wantReviewer] != 1 || fm.verify[tt.wantVerifier] != 1 {
				t.Errorf("review calls %v, verification calls %v; want %s to review and %s to verify", fm.review, fm.verify, tt.wantReviewer, tt.wantVerifier)
			}
			if len(res.Findings) != 1 || res.Findings[0].Verification != review.VerificationConfirmed {
				t.Errorf("findings = %+v", res.Findings)
			}
			for _, p := range fm.verifyPrompts() {
				if strings.Contains(p, tt.author) || strings.Contains(p, "detected author") {
					t.Errorf("a verification prompt names the author %s", tt.author)
				}
			}
		})
	}
}

func TestReviewerPanelAgreement(t *testing.T) {
	r, base := goRepo(t) // Claude Code
	fm := newFakeModels(t, func(m string) modeltest.Reply {
		if m == "gemini-2.5-pro" {
			return reply(
				findingAt(checklist.OverEngineering, "warning", 11, "func Greet(name string) {", "Greet only forwards"),
				findingAt(checklist.Correctness, "warning", 13, "uplib.Do(os.Args)", "Error of uplib.Do ignored"))
		}
		return reply(
			findingAt(checklist.OverEngineering, "warning", 12, "fmt.Println(\"hello\", name)", "Needless wrapper"),
			findingAt(checklist.PatternDrift, "warning", 13, "uplib.Do(os.Args)", "Reads os.Args deep inside"))
	}, func(_ string, c modeltest.Call) modeltest.Reply {
		return reviewtest.Answer(c, func(reviewtest.Finding) reviewtest.Verdict { return reviewtest.Verdict{Confirm: true} })
	})
	e := fastEngine(specs(fm.srv, "gpt-5-mini", "claude-sonnet-4-5", "gpt-4.1", "gemini-2.5-pro"))
	e.ReviewersPerReview = 2
	res, err := e.Run(context.Background(), request(t, r, base))
	if err != nil {
		t.Fatal(err)
	}
	fm.count()
	if fm.review["gpt-5-mini"] != 1 || fm.review["gemini-2.5-pro"] != 1 || fm.review["gpt-4.1"] != 0 || fm.review["claude-sonnet-4-5"]+fm.verify["claude-sonnet-4-5"] != 0 {
		t.Errorf("review calls %v: want gpt-5-mini and gemini-2.5-pro (different families), never the author's family", fm.review)
	}
	got := byTitle(res.Findings)
	agreed := got["Needless wrapper"]
	if agreed.Verification != review.VerificationAgreed || strings.Join(agreed.AgreedBy, ",") != "gpt-5-mini,gemini-2.5-pro" {
		t.Errorf("agreed finding = %+v", agreed)
	}
	if _, dup := got["Greet only forwards"]; dup {
		t.Error("the second reviewer's copy of an agreed finding was posted too")
	}
	for _, title := range []string{"Reads os.Args deep inside", "Error of uplib.Do ignored"} {
		if got[title].Verification != review.VerificationConfirmed {
			t.Errorf("%q = %+v; a finding only one reviewer reports must be verified", title, got[title])
		}
	}
	// Each reviewer's own findings are verified by the other family; agreed ones are not sent.
	if fm.verify["gemini-2.5-pro"] != 1 || fm.verify["gpt-5-mini"] != 1 {
		t.Errorf("verification calls = %v", fm.verify)
	}
	for _, p := range fm.verifyPrompts() {
		if strings.Contains(p, "Needless wrapper") || strings.Contains(p, "Greet only forwards") {
			t.Error("an agreed finding was sent to verification")
		}
	}
	v := res.Verification
	if v == nil || v.Candidates != 3 || v.Agreed != 1 || v.Confirmed != 3 || strings.Join(v.Panel, ",") != "gpt-5-mini,gemini-2.5-pro" {
		t.Errorf("verification = %+v", v)
	}
	var buf bytes.Buffer
	if err := review.WriteJSON(&buf, res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"agreed_by": [`) || !strings.Contains(buf.String(), `"verification": "agreed"`) {
		t.Errorf("JSON lacks agreed_by:\n%s", buf.String())
	}
}

func TestReviewerPanelNeedsAnotherFamily(t *testing.T) {
	r, base := plainRepo(t)
	fm := newFakeModels(t, func(string) modeltest.Reply { return reply() }, nil)
	e := fastEngine(specs(fm.srv, "gpt-5-mini", "gpt-4.1"))
	e.ReviewersPerReview = 2
	res, err := e.Run(context.Background(), request(t, r, base))
	if err != nil {
		t.Fatal(err)
	}
	fm.count()
	if fm.review["gpt-5-mini"] != 1 || fm.review["gpt-4.1"] != 0 {
		t.Errorf("review calls = %v", fm.review)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "reviewer panel: no second eligible reviewer of another family") {
		t.Errorf("notes = %v", res.Notes)
	}
}

func TestVerifyOff(t *testing.T) {
	r, base := plainRepo(t)
	fm := newFakeModels(t, func(string) modeltest.Reply {
		return reply(findingAt(checklist.Correctness, "warning", 15, "\tfor i := 0; i <= len(names); i++ {", "Off by one"))
	}, func(string, modeltest.Call) modeltest.Reply {
		t.Error("a verification call was made with review.verify: false")
		return modeltest.Reply{Status: 500}
	})
	cfg, err := config.ParseRepo(".wfreview.yml", []byte("review:\n  verify: false\n"))
	if err != nil {
		t.Fatal(err)
	}
	req := request(t, r, base)
	req.Config = cfg
	res, err := fastEngine(specs(fm.srv, "gpt-5-mini", "gemini-2.5-pro")).Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Verification != "" {
		t.Errorf("findings = %+v", res.Findings)
	}
	if v := res.Verification; v == nil || v.Enabled || v.Candidates != 1 || v.Unverified != 1 {
		t.Errorf("verification = %+v", v)
	}
	if md := review.Markdown(res, review.MarkdownOptions{}); !strings.Contains(md, "1 candidate finding, not verified (review.verify is off)") {
		t.Errorf("markdown:\n%s", md)
	}
}

// TestCorrectnessItemEverywhere: the item is built in, configurable, requestable with /review,
// in the checklist of every output.
func TestCorrectnessItemEverywhere(t *testing.T) {
	if !checklist.IsBuiltin(checklist.Correctness) {
		t.Fatal("correctness is not built in")
	}
	it := checklist.Builtin()[5]
	if it.ID != checklist.Correctness || it.Severity != checklist.SeverityWarning || !it.Static ||
		!strings.Contains(it.Guidance, "error for data loss, crashes") || !strings.Contains(it.Guidance, "races") {
		t.Errorf("item = %+v", it)
	}
	r, base := plainRepo(t)
	fm := newFakeModels(t, func(string) modeltest.Reply {
		return reply(findingAt(checklist.Correctness, "error", 15, "\tfor i := 0; i <= len(names); i++ {", "Off by one"))
	}, func(_ string, c modeltest.Call) modeltest.Reply {
		return reviewtest.Answer(c, func(reviewtest.Finding) reviewtest.Verdict { return reviewtest.Verdict{Confirm: true} })
	})
	req := request(t, r, base)
	req.Checks = []string{checklist.Correctness} // /review correctness
	res, err := fastEngine(specs(fm.srv, "gpt-5-mini")).Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if e := statusOf(res, checklist.Correctness); e.Status != review.StatusFail || e.Findings != 1 {
		t.Errorf("checklist entry = %+v", e)
	}
	if e := statusOf(res, checklist.Security); e.Status != review.StatusSkipped || e.Reason != "not requested" {
		t.Errorf("security entry = %+v", e)
	}
	call := fm.srv.Calls()[0]
	if !strings.Contains(call.Messages[0].Content, `id "correctness" (Correctness`) {
		t.Error("the review prompt does not carry the correctness item")
	}
	var md, sarif, txt, js bytes.Buffer
	_ = review.Write(&js, review.FormatJSON, res)
	if !strings.Contains(js.String(), `"id": "correctness"`) || !strings.Contains(js.String(), `"check": "correctness"`) {
		t.Errorf("JSON lacks the correctness entry or finding:\n%s", js.String())
	}
	_ = review.Write(&md, review.FormatMarkdown, res)
	_ = review.Write(&sarif, review.FormatSARIF, res)
	_ = review.Write(&txt, review.FormatText, res)
	if !strings.Contains(md.String(), "Correctness `correctness` | ❌ | 1") {
		t.Errorf("markdown checklist:\n%s", md.String())
	}
	if !strings.Contains(sarif.String(), `"ruleId": "correctness"`) || !strings.Contains(sarif.String(), `"id": "correctness"`) {
		t.Error("SARIF lacks the correctness rule or result")
	}
	if !strings.Contains(txt.String(), "greet.go:15: error [correctness] Off by one") {
		t.Errorf("text:\n%s", txt.String())
	}
	// Turned off in .wfreview.yml, it is skipped and cannot be requested.
	cfg, err := config.ParseRepo(".wfreview.yml", []byte("checks:\n  correctness: {enabled: false}\n"))
	if err != nil {
		t.Fatal(err)
	}
	req.Config = cfg
	if _, err := fastEngine(specs(fm.srv, "gpt-5-mini")).Run(context.Background(), req); err == nil {
		t.Error("a disabled correctness item was run on request")
	}
}
