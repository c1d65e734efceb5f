package review_test

import (
	"bytes"
	"context"
	"flag"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/diff"
	"github.com/wfreview/wfreview/gitrepo"
	"github.com/wfreview/wfreview/model"
	"github.com/wfreview/wfreview/model/modeltest"
	"github.com/wfreview/wfreview/review"
	"github.com/wfreview/wfreview/review/reviewtest"
)

var groundedRange = flag.String("grounded-range", "771b18a..daca7c5",
	"commit range of this repository reviewed by BenchmarkGroundedReviewCost (a real 9-file Go change)")

// BenchmarkGroundedReviewCost reviews a real change of this repository (the commits of
// -grounded-range, on the checkout's own history) with a fake reviewer that proposes one finding
// on the first added line of every file, and a fake verifier that confirms two of every three. It
// reports what the review costs: review and verification calls, prompt tokens (estimated from the
// bytes sent at 3.5 bytes per token, like the engine's budget), and the repository context sent,
// with the default context budget and with the context turned off.
//
//	go test ./review/ -run '^$' -bench GroundedReviewCost -benchtime 1x
func BenchmarkGroundedReviewCost(b *testing.B) {
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		b.Skip("not in a git checkout")
	}
	ctx := context.Background()
	g, err := gitrepo.Open(ctx, strings.TrimSpace(string(top)))
	if err != nil {
		b.Skip(err)
	}
	from, to, _ := strings.Cut(*groundedRange, "..")
	base, err1 := g.RevParse(ctx, from)
	head, err2 := g.RevParse(ctx, to)
	if err1 != nil || err2 != nil {
		b.Skipf("range %s not in this checkout's history", *groundedRange)
	}
	raw, err := g.Diff(ctx, base, head)
	if err != nil {
		b.Fatal(err)
	}
	ix, err := diff.Parse(bytes.NewReader(raw))
	if err != nil {
		b.Fatal(err)
	}
	for _, variant := range []struct {
		name    string
		context int
	}{{"context", 0}, {"no-context", -1}} {
		b.Run(variant.name, func(b *testing.B) {
			var res *review.Result
			for i := 0; i < b.N; i++ {
				srv := modeltest.NewServer(b, costModel)
				e := &review.Engine{Reviewers: []model.Spec{{Name: "gpt-5-mini", BaseURL: srv.URL}, {Name: "gemini-2.5-pro", BaseURL: srv.URL}},
					ContextTokens: variant.context}
				res, err = e.Run(ctx, &review.Request{Base: base, Head: head, Diff: ix, Tree: g.Tree(head)})
				if err != nil {
					b.Fatal(err)
				}
			}
			u := res.Usage
			files, _, _ := ix.Stats()
			b.ReportMetric(float64(files), "files")
			b.ReportMetric(float64(u.Calls-u.VerifyCalls), "review-calls")
			b.ReportMetric(float64(u.VerifyCalls), "verify-calls")
			b.ReportMetric(float64(u.PromptTokens-u.VerifyPromptTokens), "review-prompt-tokens")
			b.ReportMetric(float64(u.VerifyPromptTokens), "verify-prompt-tokens")
			b.ReportMetric(float64(u.ContextTokens), "context-tokens")
			if v := res.Verification; v != nil {
				b.ReportMetric(float64(v.Candidates), "candidates")
				b.ReportMetric(float64(v.Confirmed), "confirmed")
			}
		})
	}
}

var (
	costFileRe  = regexp.MustCompile(`(?m)^### (\S+) \(`)
	costAddedRe = regexp.MustCompile(`^R(\d+)\s+\+ (.*)$`)
)

// costModel is the fake reviewer and verifier of BenchmarkGroundedReviewCost. It reports as
// prompt tokens the engine's estimate of the bytes it received.
func costModel(c modeltest.Call) modeltest.Reply {
	n := 0
	for _, m := range c.Messages {
		n += len(m.Content)
	}
	tokens := n*2/7 + 1
	var reply modeltest.Reply
	if reviewtest.IsVerifyCall(c) {
		k := 0
		reply = reviewtest.Answer(c, func(reviewtest.Finding) reviewtest.Verdict {
			k++
			return reviewtest.Verdict{Confirm: k%3 != 0}
		})
	} else {
		user := c.LastUserMessage()
		d := user[strings.LastIndex(user, "<untrusted-diff "):]
		var fs []map[string]any
		for _, m := range costFileRe.FindAllStringSubmatchIndex(d, -1) {
			p := d[m[2]:m[3]]
			for _, l := range strings.Split(d[m[1]:], "\n") {
				if a := costAddedRe.FindStringSubmatch(l); a != nil {
					line, _ := strconv.Atoi(a[1])
					fs = append(fs, map[string]any{"check": checklist.Correctness, "severity": "warning", "path": p, "line": line,
						"start_line": nil, "side": "RIGHT", "code": a[2], "title": "Check " + p, "body": "A finding to verify.", "suggestion": nil})
					break
				}
			}
		}
		reply = modeltest.JSONReply(map[string]any{"findings": fs, "plan": nil})
	}
	reply.PromptTokens, reply.CompletionTokens = tokens, 400
	return reply
}
