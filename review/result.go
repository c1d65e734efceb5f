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

// Usage is the model token usage of the run.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	Calls            int `json:"calls"`
}
