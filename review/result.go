package review

import (
	"github.com/wfreview/wfreview/checklist"
)

// Result is the outcome of one review run. Its JSON form is the contract of `wfreview review
// --format json` (documented in the README): change field names only with a new major version.
type Result struct {
	Base          string         `json:"base"`
	Head          string         `json:"head"`
	Plan          *PlanRef       `json:"plan"`
	AuthorModels  []AuthorModel  `json:"author_models"`
	ReviewerModel *ReviewerModel `json:"reviewer_model"`
	// NoModelReason says why no model reviewed the change (reviewer_model is then null).
	NoModelReason string              `json:"no_model_reason,omitempty"`
	Findings      []checklist.Finding `json:"findings"`
	Checklist     []ChecklistEntry    `json:"checklist"`
	Notes         []string            `json:"notes"`
	// PlanConformance is the reviewer model's account of the change against the plan; nil when no
	// plan was found or no model ran.
	PlanConformance *PlanConformance `json:"plan_conformance,omitempty"`
	Skipped         []SkippedFile    `json:"skipped,omitempty"`
	Usage           *Usage           `json:"usage,omitempty"`
	// Incomplete is set when part of the review failed or was cut (a model call, an analyzer, the
	// max_comments cap): findings may be missing, so an earlier finding that is not found again
	// must not be taken as fixed. Not part of the JSON output.
	Incomplete bool `json:"-"`
	// Verification counts what the verification pass did with the model's candidate findings; nil
	// when no model finding was produced.
	Verification *Verification `json:"verification,omitempty"`
	// Rejected are model findings the verifier rejected (or that could not be verified), with the
	// reason; they are not posted.
	Rejected []RejectedFinding `json:"rejected,omitempty"`
}

// Verification summarises the second pass over the model's findings: "5 candidate findings, 3
// confirmed".
type Verification struct {
	// Enabled is false when review.verify is off: every candidate was kept unverified.
	Enabled    bool `json:"enabled"`
	Candidates int  `json:"candidates"`
	// Confirmed counts the findings kept: confirmed by the verifier or agreed by the panel.
	Confirmed int `json:"confirmed"`
	Agreed    int `json:"agreed"`
	Rejected  int `json:"rejected"`
	// Unverified counts findings kept without verification (verify off, or error-severity
	// findings whose verifier failed).
	Unverified int      `json:"unverified"`
	Verifiers  []string `json:"verifiers,omitempty"`
	// Panel names the reviewers of a panel review (review.reviewers_per_review: 2).
	Panel []string `json:"panel,omitempty"`
}

// RejectedFinding is a model finding that was not posted, and why.
type RejectedFinding struct {
	Finding  checklist.Finding `json:"finding"`
	Reason   string            `json:"reason"`
	Verifier string            `json:"verifier,omitempty"`
}

// PlanRef names the plan file the change was reviewed against and how it was found.
type PlanRef struct {
	Path   string `json:"path"`
	Source string `json:"source"` // flag, pr-body, touched, nearest
}

// AuthorModel is a model detected as an author of the change, with the evidence.
type AuthorModel struct {
	Model    string     `json:"model"`
	Family   string     `json:"family,omitempty"`
	Tool     string     `json:"tool,omitempty"`
	Note     string     `json:"note,omitempty"` // an uncertainty, e.g. why the family is unknown
	Evidence []Evidence `json:"evidence"`
}

// Evidence is one signal that a model wrote the code.
type Evidence struct {
	Source string `json:"source"` // commit, pr-body, label, override
	Commit string `json:"commit,omitempty"`
	Text   string `json:"text"`
}

// ReviewerModel is the model that reviewed the change and why it was picked.
type ReviewerModel struct {
	Name         string `json:"name"`
	Family       string `json:"family,omitempty"`
	Provider     string `json:"provider,omitempty"`
	Independence string `json:"independence"`
	Reason       string `json:"reason"`
}

// ChecklistEntry is the status of one checklist item after the run.
type ChecklistEntry struct {
	ID       string `json:"id"`
	Title    string `json:"title,omitempty"`
	Status   string `json:"status"` // pass, fail, skipped
	Findings int    `json:"findings"`
	Reason   string `json:"reason,omitempty"` // why skipped
}

// Checklist statuses.
const (
	StatusPass    = "pass"
	StatusFail    = "fail"
	StatusSkipped = "skipped"
)

// PlanConformance lists plan items against the change.
type PlanConformance struct {
	Implemented []PlanItem `json:"implemented"`
	Undone      []PlanItem `json:"undone"`
	OutOfPlan   []PlanItem `json:"out_of_plan"`
	OutOfScope  []PlanItem `json:"out_of_scope"`
}

// PlanItem is one plan bullet or one change, with where it applies in the diff when known.
type PlanItem struct {
	Item string `json:"item"`
	Path string `json:"path,omitempty"`
	Line int    `json:"line,omitempty"`
	Note string `json:"note,omitempty"`
}

// SkippedFile is a changed file the review did not look at, and why.
type SkippedFile struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Usage is the model token usage of the run. Calls and tokens include the verification calls,
// also counted apart in VerifyCalls and VerifyPromptTokens.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	Calls            int `json:"calls"`
	// ContextTokens estimates the repository context sent, summed over the review calls.
	ContextTokens      int `json:"context_tokens,omitempty"`
	VerifyCalls        int `json:"verify_calls,omitempty"`
	VerifyPromptTokens int `json:"verify_prompt_tokens,omitempty"`
}
