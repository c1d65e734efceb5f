// Package reviewtest helps tests that run the review engine against a fake model
// (model/modeltest): it recognises the verification calls and answers them like a verifier would.
package reviewtest

import (
	"encoding/json"
	"strings"

	"github.com/wfreview/wfreview/model/modeltest"
)

// VerifySchemaName is the structured-output name of a verification call (review.VerifySchemaName;
// repeated here so that this package does not import the engine).
const VerifySchemaName = "wfreview_verify"

// Finding is a finding as the verification prompt shows it.
type Finding struct {
	ID           string `json:"id"`
	Check        string `json:"check"`
	Severity     string `json:"severity"`
	Path         string `json:"path"`
	Line         int    `json:"line"`
	Side         string `json:"side"`
	AnchoredLine string `json:"anchored_line"`
	Title        string `json:"title"`
	Body         string `json:"body"`
}

// Verdict is a fake verifier's decision about one finding. An empty Quote quotes the anchored
// line; an empty Reason gives a default one.
type Verdict struct {
	Confirm bool
	Quote   string
	Reason  string
}

// IsVerifyCall reports whether a call is a verification call.
func IsVerifyCall(c modeltest.Call) bool {
	rf := c.Request.ResponseFormat
	if rf != nil && rf.JSONSchema != nil && rf.JSONSchema.Name == VerifySchemaName {
		return true
	}
	return len(c.Messages) > 0 && strings.HasPrefix(c.Messages[0].Content, "You are wfreview's verifier")
}

// Findings returns the findings a verification call asks about.
func Findings(c modeltest.Call) []Finding {
	user := c.LastUserMessage()
	i := strings.Index(user, "<untrusted-findings ")
	if i < 0 {
		return nil
	}
	rest := user[i:]
	start := strings.Index(rest, "\n")
	end := strings.Index(rest, "</untrusted-findings ")
	if start < 0 || end < start {
		return nil
	}
	var fs []Finding
	if err := json.Unmarshal([]byte(rest[start+1:end]), &fs); err != nil {
		return nil
	}
	return fs
}

// Answer builds the reply of a verification call from decide.
func Answer(c modeltest.Call, decide func(Finding) Verdict) modeltest.Reply {
	out := []map[string]string{}
	for _, f := range Findings(c) {
		v := decide(f)
		verdict, quote, reason := "rejected", v.Quote, v.Reason
		if v.Confirm {
			verdict = "confirmed"
		}
		if quote == "" {
			quote = f.AnchoredLine
		}
		if reason == "" {
			reason = "the code on the anchored line shows it"
			if !v.Confirm {
				reason = "the context shows this is not a problem"
			}
		}
		out = append(out, map[string]string{"id": f.ID, "verdict": verdict, "quoted_line": quote, "reason": reason})
	}
	r := modeltest.JSONReply(map[string]any{"verdicts": out})
	r.PromptTokens, r.CompletionTokens = 800, 60
	return r
}

// ConfirmAll wraps a review handler: verification calls confirm every finding, the others go to h.
func ConfirmAll(h modeltest.Handler) modeltest.Handler {
	return func(c modeltest.Call) modeltest.Reply {
		if IsVerifyCall(c) {
			return Answer(c, func(Finding) Verdict { return Verdict{Confirm: true} })
		}
		return h(c)
	}
}
