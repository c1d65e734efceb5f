package review

import (
	"fmt"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/model"
)

// NewEngine builds an Engine from the operator configuration (nil: static checks only). Reviewers
// whose API key variable is unset are left out, with a note saying which variable to set; the key
// itself is never part of a note.
func NewEngine(op *config.Operator) (*Engine, []string) {
	e := &Engine{}
	if op == nil {
		return e, nil
	}
	var notes []string
	minCtx := 0
	for _, m := range op.ReviewerModels() {
		if err := m.CheckAPIKey(); err != nil {
			notes = append(notes, fmt.Sprintf("reviewer %s not available: %v", m.Name, err))
			continue
		}
		e.Reviewers = append(e.Reviewers, model.Spec{Name: m.Name, Family: m.Family, Provider: m.Provider(),
			BaseURL: m.BaseURL, APIKey: m.APIKey(), MaxOutputTokens: m.MaxOutputTokens})
		if c := m.ContextTokens; c > 0 && (minCtx == 0 || c < minCtx) {
			minCtx = c
		}
	}
	e.Independence = model.Independence(op.Independence)
	e.Concurrency = op.Review.Concurrency
	e.Timeout = op.Review.Timeout
	e.MaxRetries = op.Review.MaxRetries
	e.MaxFileBytes = op.Review.MaxFileBytes
	e.MaxDiffBytes = op.Review.MaxDiffBytes
	e.ContextTokens = op.Review.ContextTokens
	if e.ContextTokens == 0 {
		e.ContextTokens = -1 // review.context_tokens: 0 sends no repository context
	}
	e.ReviewersPerReview = op.Review.ReviewersPerReview
	if minCtx > 0 && minCtx/2 < DefaultPromptTokens {
		e.PromptTokens = minCtx / 2
	}
	if len(op.Registry.Private) > 0 {
		e.Registry = checklist.NewRegistry()
		e.Registry.Private = append([]string(nil), op.Registry.Private...)
	}
	return e, notes
}
