package eval

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/model"
	"github.com/wfreview/wfreview/review"
)

// JudgePrompt is the judge's system prompt (eval/judge_prompt.md), kept in the repository like public
// review benchmarks keep theirs, so a change to it is reviewed like code.
//
//go:embed judge_prompt.md
var JudgePrompt string

// JudgeThreshold is the confidence from which a judge's match counts.
const JudgeThreshold = 0.5

// judgeSchema is the judge's structured answer.
var judgeSchema = json.RawMessage(`{
  "type": "object",
  "additionalProperties": false,
  "required": ["expected", "confidence", "reasoning"],
  "properties": {
    "expected": {"type": ["integer", "null"], "description": "number of the matching expected issue, or null"},
    "confidence": {"type": "number", "description": "0 to 1"},
    "reasoning": {"type": "string"}
  }
}`)

// Verdict is a judge's answer about one finding.
type Verdict struct {
	// Expected is the 1-based number of the expected issue the finding describes; nil: none.
	Expected   *int    `json:"expected"`
	Confidence float64 `json:"confidence"`
	Reasoning  string  `json:"reasoning"`
}

func decodeVerdict(content string, v *Verdict) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(content), &raw); err != nil {
		return fmt.Errorf("judge answer is not a JSON object: %w", err)
	}
	for _, k := range []string{"expected", "confidence"} {
		if _, ok := raw[k]; !ok {
			return fmt.Errorf("judge answer has no %q", k)
		}
	}
	var out Verdict
	if err := json.Unmarshal([]byte(content), &out); err != nil {
		return fmt.Errorf("judge answer has the wrong shape: %w", err)
	}
	if out.Confidence < 0 || out.Confidence > 1 {
		return fmt.Errorf("judge confidence %v is outside 0..1", out.Confidence)
	}
	*v = out
	return nil
}

// Judge asks a model whether unmatched findings describe expected issues.
type Judge struct {
	Spec   model.Spec
	Client review.Completer
}

// judgeRequest builds the request about finding f and the candidate expected issues (numbered from 1
// in the order given). It is deterministic, so replay keys are stable.
func judgeRequest(f checklist.Finding, cands []Expected) model.Request {
	var b strings.Builder
	b.WriteString("<finding>\n")
	fmt.Fprintf(&b, "check: %s\nfile: %s\nline: %d\n", f.Check, f.Path, f.Line)
	if f.StartLine > 0 {
		fmt.Fprintf(&b, "from line: %d\n", f.StartLine)
	}
	fmt.Fprintf(&b, "title: %s\nbody:\n%s\n", oneLine(f.Title), strings.TrimSpace(f.Body))
	b.WriteString("</finding>\n\n<expected-issues>\n")
	for i, e := range cands {
		fmt.Fprintf(&b, "%d. ", i+1)
		if e.Path != "" {
			fmt.Fprintf(&b, "%s:%d", e.Path, e.Line)
			if e.EndLine > e.Line {
				fmt.Fprintf(&b, "-%d", e.EndLine)
			}
			b.WriteString(" ")
		}
		if e.Check != "" {
			fmt.Fprintf(&b, "[%s] ", e.Check)
		}
		b.WriteString(oneLine(e.Description))
		b.WriteString("\n")
	}
	b.WriteString("</expected-issues>\n")
	return model.Request{System: JudgePrompt, User: b.String(), Schema: judgeSchema, SchemaName: "wfreview_judge", MaxTokens: 512}
}

// Ask returns the judge's verdict on f among cands, and the usage.
func (j *Judge) Ask(ctx context.Context, f checklist.Finding, cands []Expected) (Verdict, model.Usage, error) {
	var v Verdict
	u, err := j.Client.Complete(ctx, judgeRequest(f, cands), func(s string) error { return decodeVerdict(s, &v) })
	if err != nil {
		return Verdict{}, u, fmt.Errorf("judge %s: %w", j.Spec.Name, err)
	}
	return v, u, nil
}

// judgeEligible says whether spec may judge a change by authors: never an author model (nor, under
// the independence rule, one too close to it), the same rule that keeps authors from reviewing.
func judgeEligible(spec model.Spec, authors []review.AuthorModel, ind model.Independence) (bool, string) {
	as := make([]model.Author, 0, len(authors))
	for _, a := range authors {
		as = append(as, model.Author{Model: a.Model, Family: a.Family, Tool: a.Tool, Note: a.Note})
	}
	rt := model.Route([]model.Spec{spec}, as, ind)
	if len(rt.Eligible) == 1 {
		return true, ""
	}
	why := rt.Reason
	if len(rt.Rejected) == 1 {
		why = rt.Rejected[0].Reason
	}
	return false, why
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
