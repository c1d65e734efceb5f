package model

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// reviewers is a realistic configured list, in preference order.
var reviewers = []Spec{
	{Name: "claude-sonnet-4-5", Provider: "anthropic", BaseURL: "https://api.anthropic.com/v1/"},
	{Name: "gpt-5", Provider: "openai", BaseURL: "https://api.openai.com/v1"},
	{Name: "gemini-2.5-pro", Provider: "google", BaseURL: "https://generativelanguage.googleapis.com/v1beta/openai/"},
	{Name: "qwen2.5-coder:32b", Provider: "ollama", BaseURL: "http://localhost:11434/v1"},
}

func detectOne(t *testing.T, c Commit) []Author {
	t.Helper()
	as := DetectAuthors(Signals{Commits: []Commit{c}})
	if len(as) == 0 {
		t.Fatalf("no author detected in %q", c.Message)
	}
	return as
}

func names(ss []Spec) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Name
	}
	return out
}

func TestRoute(t *testing.T) {
	claudeCode := Commit{SHA: "a1", Message: "Fix\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>"}
	claudeOpus := Commit{SHA: "a2", Message: "Fix\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"}
	claudeSonnet := Commit{SHA: "a3", Message: "Fix\n\nCo-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"}
	copilot := Commit{SHA: "b1", Message: "Fix", AuthorName: "copilot-swe-agent[bot]", AuthorEmail: "198982749+Copilot@users.noreply.github.com"}
	codex := Commit{SHA: "c1", Message: "Fix\n\nCo-authored-by: Codex <noreply@openai.com>"}
	cursor := Commit{SHA: "d1", Message: "Fix", AuthorName: "Cursor Agent", AuthorEmail: "cursoragent@cursor.com"}
	aider := Commit{SHA: "e1", Message: "aider: Fix\n\nCo-authored-by: aider (anthropic/claude-3-5-sonnet-20241022) <noreply@aider.chat>"}
	gemini := Commit{SHA: "f1", Message: "Fix\n\nCo-authored-by: Gemini <gemini@google.com>"}
	jules := Commit{SHA: "f2", Message: "Fix", AuthorName: "google-labs-jules[bot]", AuthorEmail: "161369871+google-labs-jules[bot]@users.noreply.github.com"}
	devin := Commit{SHA: "g1", Message: "Fix", AuthorName: "devin-ai-integration[bot]", AuthorEmail: "158243242+devin-ai-integration[bot]@users.noreply.github.com"}
	gpt4o := Commit{SHA: "h1", Message: "Fix\n\nAssisted-by: gpt-4o"}

	tests := []struct {
		name         string
		candidates   []Spec
		authors      []Author
		ind          Independence
		wantEligible []string
		wantRejected []string
		reasonHas    []string
	}{
		{
			name: "claude code, family: gpt reviews", candidates: reviewers,
			authors: detectOne(t, claudeCode), ind: IndependenceFamily,
			wantEligible: []string{"gpt-5", "gemini-2.5-pro", "qwen2.5-coder:32b"},
			wantRejected: []string{"claude-sonnet-4-5"},
			reasonHas:    []string{"gpt-5 (family gpt)", "claude via Claude Code", "family independence"},
		},
		{
			name: "claude code with unnamed model, model independence: any claude may be the author", candidates: reviewers,
			authors: detectOne(t, claudeCode), ind: IndependenceModel,
			wantEligible: []string{"gpt-5", "gemini-2.5-pro", "qwen2.5-coder:32b"},
			wantRejected: []string{"claude-sonnet-4-5"},
		},
		{
			name: "claude opus 4.5 named, model independence: another claude may review", candidates: reviewers,
			authors: detectOne(t, claudeOpus), ind: IndependenceModel,
			wantEligible: []string{"claude-sonnet-4-5", "gpt-5", "gemini-2.5-pro", "qwen2.5-coder:32b"},
			reasonHas:    []string{"claude-sonnet-4-5", "claude-opus-4.5 via Claude Code", "model independence"},
		},
		{
			name: "claude sonnet 4.5 named, model independence: the same model is rejected", candidates: reviewers,
			authors: detectOne(t, claudeSonnet), ind: IndependenceModel,
			wantEligible: []string{"gpt-5", "gemini-2.5-pro", "qwen2.5-coder:32b"},
			wantRejected: []string{"claude-sonnet-4-5"},
		},
		{
			name: "copilot agent, family unknown: only the exact name could be excluded", candidates: reviewers,
			authors: detectOne(t, copilot), ind: IndependenceFamily,
			wantEligible: []string{"claude-sonnet-4-5", "gpt-5", "gemini-2.5-pro", "qwen2.5-coder:32b"},
			reasonHas:    []string{"copilot via GitHub Copilot agent", "is unknown", "same model name"},
		},
		{
			name: "codex, family: claude reviews", candidates: reviewers,
			authors: detectOne(t, codex), ind: IndependenceFamily,
			wantEligible: []string{"claude-sonnet-4-5", "gemini-2.5-pro", "qwen2.5-coder:32b"},
			wantRejected: []string{"gpt-5"},
		},
		{
			name: "codex, provider: openai-hosted reviewers rejected", candidates: append([]Spec{{Name: "my-gateway-model", Family: "gpt", Provider: "openrouter"}}, reviewers...),
			authors: detectOne(t, codex), ind: IndependenceProvider,
			wantEligible: []string{"claude-sonnet-4-5", "gemini-2.5-pro", "qwen2.5-coder:32b"},
			wantRejected: []string{"my-gateway-model", "gpt-5"},
		},
		{
			name: "cursor, family unknown", candidates: reviewers,
			authors: detectOne(t, cursor), ind: IndependenceFamily,
			wantEligible: []string{"claude-sonnet-4-5", "gpt-5", "gemini-2.5-pro", "qwen2.5-coder:32b"},
			reasonHas:    []string{"cursor via Cursor", "is unknown"},
		},
		{
			name: "aider with claude 3.5 sonnet, model independence: same model under another name rejected",
			candidates: []Spec{
				{Name: "anthropic/claude-3.5-sonnet", Provider: "openrouter"},
				{Name: "claude-3-7-sonnet-latest", Provider: "anthropic"},
				{Name: "gpt-4o", Provider: "openai"},
			},
			authors: detectOne(t, aider), ind: IndependenceModel,
			wantEligible: []string{"claude-3-7-sonnet-latest", "gpt-4o"},
			wantRejected: []string{"anthropic/claude-3.5-sonnet"},
		},
		{
			name: "aider with claude, family", candidates: reviewers,
			authors: detectOne(t, aider), ind: IndependenceFamily,
			wantEligible: []string{"gpt-5", "gemini-2.5-pro", "qwen2.5-coder:32b"},
			wantRejected: []string{"claude-sonnet-4-5"},
		},
		{
			name: "gemini, family: gemma is another family",
			candidates: []Spec{
				{Name: "gemini-2.5-flash", Provider: "google"},
				{Name: "gemma3:27b", Provider: "ollama"},
				{Name: "gpt-5", Provider: "openai"},
			},
			authors: detectOne(t, gemini), ind: IndependenceFamily,
			wantEligible: []string{"gemma3:27b", "gpt-5"},
			wantRejected: []string{"gemini-2.5-flash"},
		},
		{
			name: "jules, provider: gemma is google too",
			candidates: []Spec{
				{Name: "gemini-2.5-flash", Provider: "google"},
				{Name: "gemma3:27b", Provider: "ollama"},
				{Name: "gpt-5", Provider: "openai"},
			},
			authors: detectOne(t, jules), ind: IndependenceProvider,
			wantEligible: []string{"gpt-5"},
			wantRejected: []string{"gemini-2.5-flash", "gemma3:27b"},
			reasonHas:    []string{"gemini via Jules", "provider independence"},
		},
		{
			name: "devin, family unknown", candidates: reviewers,
			authors: detectOne(t, devin), ind: IndependenceFamily,
			wantEligible: []string{"claude-sonnet-4-5", "gpt-5", "gemini-2.5-pro", "qwen2.5-coder:32b"},
			reasonHas:    []string{"devin via Devin", "is unknown"},
		},
		{
			name: "gpt-4o via Assisted-by, family", candidates: reviewers,
			authors: detectOne(t, gpt4o), ind: IndependenceFamily,
			wantEligible: []string{"claude-sonnet-4-5", "gemini-2.5-pro", "qwen2.5-coder:32b"},
			wantRejected: []string{"gpt-5"},
		},
		{
			name: "claude and codex together: gemini reviews", candidates: reviewers,
			authors: DetectAuthors(Signals{Commits: []Commit{claudeCode, codex}}), ind: IndependenceFamily,
			wantEligible: []string{"gemini-2.5-pro", "qwen2.5-coder:32b"},
			wantRejected: []string{"claude-sonnet-4-5", "gpt-5"},
			reasonHas:    []string{"gemini-2.5-pro", "claude via Claude Code, codex via OpenAI Codex"},
		},
		{
			name: "no authors: every candidate", candidates: reviewers, ind: IndependenceFamily,
			wantEligible: []string{"claude-sonnet-4-5", "gpt-5", "gemini-2.5-pro", "qwen2.5-coder:32b"},
			reasonHas:    []string{"no author model detected", "claude-sonnet-4-5"},
		},
		{
			name: "only same-family reviewers configured",
			candidates: []Spec{
				{Name: "claude-sonnet-4-5", Provider: "anthropic"},
				{Name: "anthropic/claude-opus-4.1", Provider: "openrouter"},
			},
			authors: detectOne(t, claudeCode), ind: IndependenceFamily,
			wantRejected: []string{"claude-sonnet-4-5", "anthropic/claude-opus-4.1"},
			reasonHas:    []string{"every configured reviewer is in family claude, like the author (claude via Claude Code); static checks only"},
		},
		{
			name: "only same-provider reviewers configured",
			candidates: []Spec{
				{Name: "gemini-2.5-pro", Provider: "google"},
				{Name: "gemma3:27b", Provider: "ollama"},
			},
			authors: detectOne(t, gemini), ind: IndependenceProvider,
			wantRejected: []string{"gemini-2.5-pro", "gemma3:27b"},
			reasonHas:    []string{"every configured reviewer comes from provider google", "static checks only"},
		},
		{
			name: "candidate of unknown family cannot prove independence",
			candidates: []Spec{
				{Name: "house-model", Provider: "vllm"},
				{Name: "house-model-2", Family: "mistral", Provider: "vllm"},
			},
			authors: detectOne(t, claudeCode), ind: IndependenceFamily,
			wantEligible: []string{"house-model-2"},
			wantRejected: []string{"house-model"},
		},
		{
			name: "configured family overrides the name",
			candidates: []Spec{
				{Name: "corp-reviewer", Family: "gpt", Provider: "azure"},
				{Name: "claude-sonnet-4-5", Provider: "anthropic"},
			},
			authors: detectOne(t, codex), ind: IndependenceFamily,
			wantEligible: []string{"claude-sonnet-4-5"},
			wantRejected: []string{"corp-reviewer"},
		},
		{
			name: "no candidates", authors: detectOne(t, claudeCode), ind: IndependenceFamily,
			reasonHas: []string{"no reviewer model is configured", "static checks only"},
		},
		{
			name: "none eligible, mixed reasons",
			candidates: []Spec{
				{Name: "claude-opus-4-1", Provider: "anthropic"},
				{Name: "house-model", Provider: "vllm"},
			},
			authors: detectOne(t, claudeCode), ind: IndependenceFamily,
			wantRejected: []string{"claude-opus-4-1", "house-model"},
			reasonHas:    []string{"no configured reviewer is independent", "house-model: its family is unknown", "static checks only"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Route(tt.candidates, tt.authors, tt.ind)
			if got := names(r.Eligible); strings.Join(got, ",") != strings.Join(tt.wantEligible, ",") {
				t.Errorf("Eligible = %v, want %v (reason: %s)", got, tt.wantEligible, r.Reason)
			}
			var rej []string
			for _, x := range r.Rejected {
				rej = append(rej, x.Name)
				if x.Reason == "" {
					t.Errorf("rejection of %s has no reason", x.Name)
				}
			}
			if strings.Join(rej, ",") != strings.Join(tt.wantRejected, ",") {
				t.Errorf("Rejected = %v, want %v", r.Rejected, tt.wantRejected)
			}
			for _, s := range tt.reasonHas {
				if !strings.Contains(r.Reason, s) {
					t.Errorf("Reason = %q, want it to contain %q", r.Reason, s)
				}
			}
			// The author model is never eligible.
			for _, e := range r.Eligible {
				for _, a := range tt.authors {
					if SameModel(e.Name, a.Model) {
						t.Errorf("author model %s is eligible", a.Model)
					}
					if a.Generic() && a.Family != "" && e.family() == a.Family {
						t.Errorf("%s may be the author's model (%s) but is eligible", e.Name, a.Model)
					}
				}
			}
		})
	}
}

func TestRouteSameNameAlwaysRejected(t *testing.T) {
	authors := []Author{{Model: "copilot", Tool: ToolCopilotAgent}, {Model: "claude-opus-4", Family: "claude"}}
	candidates := []Spec{{Name: "copilot"}, {Name: "claude-opus-4-20250514"}, {Name: "gpt-5"}}
	for _, ind := range []Independence{IndependenceModel, IndependenceFamily, IndependenceProvider, "bogus"} {
		t.Run(string(ind), func(t *testing.T) {
			r := Route(candidates, authors, ind)
			if len(r.Eligible) != 1 || r.Eligible[0].Name != "gpt-5" {
				t.Fatalf("Eligible = %v, want [gpt-5]", names(r.Eligible))
			}
			for _, rj := range r.Rejected {
				if !strings.Contains(rj.Reason, "same model") {
					t.Errorf("rejection %s: %q, want same model", rj.Name, rj.Reason)
				}
			}
		})
	}
}

func TestSpecHidesKey(t *testing.T) {
	s := Spec{Name: "gpt-5", Provider: "openai", APIKey: "sk-secret-123456"}
	r := Routing{Eligible: []Spec{s}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), fmt.Sprintf("%+v", r), fmt.Sprintf("%v", []Spec{s}), string(b)} {
		if strings.Contains(out, "sk-secret-123456") {
			t.Errorf("key leaked: %s", out)
		}
		if !strings.Contains(out, "gpt-5") {
			t.Errorf("name missing: %s", out)
		}
	}
}
