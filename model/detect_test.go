package model

import (
	"reflect"
	"strings"
	"testing"
)

// human is an ordinary author identity.
var human = Commit{AuthorName: "Ada Lovelace", AuthorEmail: "ada@example.com", CommitterName: "GitHub", CommitterEmail: "noreply@github.com"}

func commit(sha, msg string) Commit {
	c := human
	c.SHA, c.Message = sha, msg
	return c
}

func ev(sha, text string) Evidence { return Evidence{Source: SourceCommit, Commit: sha, Text: text} }

func TestDetectAuthors(t *testing.T) {
	tests := []struct {
		name string
		s    Signals
		want []Author
	}{
		{
			name: "claude code trailer and footer fold into one author",
			s:    Signals{Commits: []Commit{commit("a1", "Add retry to webhook handler\n\nRetries 5xx with backoff.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n")}},
			want: []Author{{Model: "claude", Family: "claude", Tool: "Claude Code", Evidence: []Evidence{
				ev("a1", "🤖 Generated with [Claude Code](https://claude.com/claude-code)"),
				ev("a1", "Co-Authored-By: Claude <noreply@anthropic.com>"),
			}}},
		},
		{
			name: "claude code names the model in the trailer",
			s:    Signals{Commits: []Commit{commit("a2", "fix: handle nil config\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>")}},
			want: []Author{{Model: "claude-opus-4.5", Family: "claude", Tool: "Claude Code", Evidence: []Evidence{
				ev("a2", "🤖 Generated with [Claude Code](https://claude.com/claude-code)"),
				ev("a2", "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"),
			}}},
		},
		{
			name: "older claude.ai/code footer alone",
			s:    Signals{Commits: []Commit{commit("a3", "Refactor parser\n\n🤖 Generated with [Claude Code](https://claude.ai/code)")}},
			want: []Author{{Model: "claude", Family: "claude", Tool: "Claude Code", Evidence: []Evidence{
				ev("a3", "🤖 Generated with [Claude Code](https://claude.ai/code)"),
			}}},
		},
		{
			name: "claude sonnet 4.5 trailer",
			s:    Signals{Commits: []Commit{commit("a4", "Tidy imports\n\nCo-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>")}},
			want: []Author{{Model: "claude-sonnet-4.5", Family: "claude", Tool: "Claude Code", Evidence: []Evidence{
				ev("a4", "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"),
			}}},
		},
		{
			name: "copilot coding agent author, committer and Agent-Logs-Url",
			s: Signals{Commits: []Commit{{
				SHA:        "b1",
				Message:    "Add pagination to list endpoint\n\nAgent-Logs-Url: https://github.com/acme/api/sessions/3f2a9c1e-7b4d-4e1a-9f0c-2d8e6b5a4c3d\n\nCo-authored-by: octocat <583231+octocat@users.noreply.github.com>",
				AuthorName: "copilot-swe-agent[bot]", AuthorEmail: "198982749+Copilot@users.noreply.github.com",
				CommitterName: "GitHub", CommitterEmail: "noreply@github.com",
			}}},
			want: []Author{{Model: "copilot", Tool: "GitHub Copilot agent", Note: noteCopilot, Evidence: []Evidence{
				ev("b1", "author: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>"),
				ev("b1", "Agent-Logs-Url: https://github.com/acme/api/sessions/3f2a9c1e-7b4d-4e1a-9f0c-2d8e6b5a4c3d"),
			}}},
		},
		{
			name: "copilot agent in a squash merge trailer",
			s:    Signals{Commits: []Commit{commit("b2", "Fix flaky test (#212)\n\n* Fix flaky test\n\n---------\n\nCo-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>\nCo-authored-by: octocat <583231+octocat@users.noreply.github.com>")}},
			want: []Author{{Model: "copilot", Tool: "GitHub Copilot agent", Note: noteCopilot, Evidence: []Evidence{
				ev("b2", "Co-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>"),
			}}},
		},
		{
			name: "copilot cli trailer",
			s:    Signals{Commits: []Commit{commit("b3", "Update docs\n\nCo-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>")}},
			want: []Author{{Model: "copilot", Tool: "GitHub Copilot", Note: noteCopilot, Evidence: []Evidence{
				ev("b3", "Co-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>"),
			}}},
		},
		{
			name: "codex connector author and codex cli trailer",
			s: Signals{Commits: []Commit{
				{SHA: "c1", Message: "Add CSV export", AuthorName: "chatgpt-codex-connector[bot]", AuthorEmail: "199175422+chatgpt-codex-connector[bot]@users.noreply.github.com"},
				commit("c2", "Fix lint\n\nCo-authored-by: Codex <noreply@openai.com>"),
			}},
			want: []Author{{Model: "codex", Family: "gpt", Tool: "OpenAI Codex", Evidence: []Evidence{
				ev("c1", "author: chatgpt-codex-connector[bot] <199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>"),
				ev("c2", "Co-authored-by: Codex <noreply@openai.com>"),
			}}},
		},
		{
			name: "codex task link in PR body",
			s:    Signals{PRBody: "## Summary\n- add CSV export\n\n## Testing\n- go test ./...\n\n------\nhttps://chatgpt.com/codex/tasks/task_e_68a1b2c3d4e5f6"},
			want: []Author{{Model: "codex", Family: "gpt", Tool: "OpenAI Codex", Evidence: []Evidence{
				{Source: SourcePRBody, Text: "https://chatgpt.com/codex/tasks/task_e_68a1b2c3d4e5f6"},
			}}},
		},
		{
			name: "cursor agent author and trailer",
			s: Signals{Commits: []Commit{
				{SHA: "d1", Message: "Implement cache", AuthorName: "Cursor Agent", AuthorEmail: "cursoragent@cursor.com", CommitterName: "Cursor Agent", CommitterEmail: "cursoragent@cursor.com"},
				commit("d2", "Fix typo\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>"),
				commit("d3", "Rename field\n\nMade-with: Cursor"),
			}},
			want: []Author{{Model: "cursor", Tool: "Cursor", Note: noteCursor, Evidence: []Evidence{
				ev("d1", "author: Cursor Agent <cursoragent@cursor.com>"),
				ev("d1", "committer: Cursor Agent <cursoragent@cursor.com>"),
				ev("d2", "Co-authored-by: Cursor Agent <cursoragent@cursor.com>"),
				ev("d3", "Made-with: Cursor"),
			}}},
		},
		{
			name: "aider trailer names the model; prefix and name suffix fold into it",
			s: Signals{Commits: []Commit{{
				SHA:        "e1",
				Message:    "aider: Add input validation to signup form\n\nCo-authored-by: aider (anthropic/claude-3-5-sonnet-20241022) <noreply@aider.chat>",
				AuthorName: "Ada Lovelace (aider)", AuthorEmail: "ada@example.com",
				CommitterName: "Ada Lovelace (aider)", CommitterEmail: "ada@example.com",
			}}},
			want: []Author{{Model: "anthropic/claude-3-5-sonnet-20241022", Family: "claude", Tool: "Aider", Evidence: []Evidence{
				ev("e1", "author: Ada Lovelace (aider) <ada@example.com>"),
				ev("e1", "committer: Ada Lovelace (aider) <ada@example.com>"),
				ev("e1", "aider: Add input validation to signup form"),
				ev("e1", "Co-authored-by: aider (anthropic/claude-3-5-sonnet-20241022) <noreply@aider.chat>"),
			}}},
		},
		{
			name: "aider without a model trailer",
			s: Signals{Commits: []Commit{{
				SHA: "e2", Message: "feat: add endpoint",
				AuthorName: "Ada Lovelace (aider)", AuthorEmail: "ada@example.com",
			}}},
			want: []Author{{Model: "aider", Tool: "Aider", Note: noteAider, Evidence: []Evidence{
				ev("e2", "author: Ada Lovelace (aider) <ada@example.com>"),
			}}},
		},
		{
			name: "aider with a local ollama model",
			s:    Signals{Commits: []Commit{commit("e3", "refactor: split module\n\nCo-authored-by: aider (ollama/qwen2.5-coder:32b) <aider@aider.chat>")}},
			want: []Author{{Model: "ollama/qwen2.5-coder:32b", Family: "qwen", Tool: "Aider", Evidence: []Evidence{
				ev("e3", "Co-authored-by: aider (ollama/qwen2.5-coder:32b) <aider@aider.chat>"),
			}}},
		},
		{
			name: "gemini trailer, gemini code assist and jules",
			s: Signals{Commits: []Commit{
				commit("f1", "Fix race in worker pool\n\nCo-authored-by: Gemini <gemini@google.com>"),
				commit("f2", "Apply suggestion\n\nCo-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>"),
				{SHA: "f3", Message: "Add unit tests", AuthorName: "google-labs-jules[bot]", AuthorEmail: "161369871+google-labs-jules[bot]@users.noreply.github.com"},
			}},
			want: []Author{{Model: "gemini", Family: "gemini", Tool: "Gemini, Gemini Code Assist, Jules", Evidence: []Evidence{
				ev("f1", "Co-authored-by: Gemini <gemini@google.com>"),
				ev("f2", "Co-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>"),
				ev("f3", "author: google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>"),
			}}},
		},
		{
			name: "devin bot author",
			s: Signals{Commits: []Commit{{
				SHA: "g1", Message: "Upgrade dependencies\n\nCo-Authored-By: ada@example.com <ada@example.com>",
				AuthorName: "devin-ai-integration[bot]", AuthorEmail: "158243242+devin-ai-integration[bot]@users.noreply.github.com",
			}}},
			want: []Author{{Model: "devin", Tool: "Devin", Note: noteDevin, Evidence: []Evidence{
				ev("g1", "author: devin-ai-integration[bot] <158243242+devin-ai-integration[bot]@users.noreply.github.com>"),
			}}},
		},
		{
			name: "generic trailers naming models",
			s: Signals{Commits: []Commit{
				commit("h1", "Add retries\n\nAssisted-by: gpt-4o"),
				commit("h2", "Port parser\n\nGenerated-by: Claude 3.7 Sonnet"),
				commit("h3", "mm: fix leak\n\nAssisted-by: Claude:claude-3-opus coccinelle sparse\nSigned-off-by: Ada Lovelace <ada@example.com>"),
				commit("h4", "Tune prompts\n\nAI-Model: gemini-2.5-pro"),
			}},
			want: []Author{
				{Model: "gpt-4o", Family: "gpt", Evidence: []Evidence{ev("h1", "Assisted-by: gpt-4o")}},
				{Model: "claude-3.7-sonnet", Family: "claude", Evidence: []Evidence{ev("h2", "Generated-by: Claude 3.7 Sonnet")}},
				{Model: "claude-3-opus", Family: "claude", Evidence: []Evidence{ev("h3", "Assisted-by: Claude:claude-3-opus coccinelle sparse")}},
				{Model: "gemini-2.5-pro", Family: "gemini", Evidence: []Evidence{ev("h4", "AI-Model: gemini-2.5-pro")}},
			},
		},
		{
			name: "generic trailers naming tools without an email",
			s:    Signals{Commits: []Commit{commit("h6", "Add docs\n\nAssisted-by: Devin\nGenerated-by: Claude Code")}},
			want: []Author{
				{Model: "devin", Tool: "Devin", Note: noteDevin, Evidence: []Evidence{ev("h6", "Assisted-by: Devin")}},
				{Model: "claude", Family: "claude", Tool: "Claude Code", Evidence: []Evidence{ev("h6", "Generated-by: Claude Code")}},
			},
		},
		{
			name: "generic trailer naming a tool",
			s:    Signals{Commits: []Commit{commit("h5", "Add docs\n\nAssisted-by: GitHub Copilot")}},
			want: []Author{{Model: "copilot", Tool: "GitHub Copilot", Note: noteCopilot, Evidence: []Evidence{ev("h5", "Assisted-by: GitHub Copilot")}}},
		},
		{
			name: "PR body footer and labels",
			s: Signals{
				PRBody: "## Summary\nAdds retries.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)",
				Labels: []string{"bug", "claude-code"},
			},
			want: []Author{{Model: "claude", Family: "claude", Tool: "Claude Code", Evidence: []Evidence{
				{Source: SourcePRBody, Text: "🤖 Generated with [Claude Code](https://claude.com/claude-code)"},
				{Source: SourceLabel, Text: "claude-code"},
			}}},
		},
		{
			name: "agent links in PR body",
			s:    Signals{PRBody: "Upgrades deps.\n\nLink to Devin run: https://app.devin.ai/sessions/4f9e2c1ab7d84e0f9a3b5c6d7e8f9a0b\nRequested by: Ada Lovelace (@ada)\n\n---\n*PR created automatically by Jules for task [1234567890](https://jules.google.com/task/1234567890)*"},
			want: []Author{
				{Model: "devin", Tool: "Devin", Note: noteDevin, Evidence: []Evidence{{Source: SourcePRBody, Text: "Link to Devin run: https://app.devin.ai/sessions/4f9e2c1ab7d84e0f9a3b5c6d7e8f9a0b"}}},
				{Model: "gemini", Family: "gemini", Tool: "Jules", Evidence: []Evidence{{Source: SourcePRBody, Text: "*PR created automatically by Jules for task [1234567890](https://jules.google.com/task/1234567890)*"}}},
			},
		},
		{
			name: "override first, other detections kept",
			s: Signals{
				Override: "claude-opus-4",
				Labels:   []string{"author-model:gpt-4.1"},
				Commits:  []Commit{commit("i1", "Fix\n\nCo-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>")},
			},
			want: []Author{
				{Model: "claude-opus-4", Family: "claude", Evidence: []Evidence{{Source: SourceOverride, Text: "claude-opus-4"}}},
				{Model: "gpt-4.1", Family: "gpt", Evidence: []Evidence{{Source: SourceLabel, Text: "author-model:gpt-4.1"}}},
				{Model: "copilot", Tool: "GitHub Copilot", Note: noteCopilot, Evidence: []Evidence{ev("i1", "Co-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>")}},
			},
		},
		{
			name: "override merges with the same model detected in commits",
			s: Signals{
				Override: "Claude-Opus-4.5",
				Commits:  []Commit{commit("i2", "Fix\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>")},
			},
			want: []Author{{Model: "claude-opus-4.5", Family: "claude", Tool: "Claude Code", Evidence: []Evidence{
				{Source: SourceOverride, Text: "Claude-Opus-4.5"},
				ev("i2", "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"),
			}}},
		},
		{
			name: "generic claude and a specific claude from another commit stay two authors",
			s: Signals{Commits: []Commit{
				commit("j1", "One\n\nCo-Authored-By: Claude <noreply@anthropic.com>"),
				commit("j2", "Two\n\nCo-Authored-By: Claude Opus 4 <noreply@anthropic.com>"),
				commit("j3", "Three\n\nCo-Authored-By: Claude <noreply@anthropic.com>"),
			}},
			want: []Author{
				{Model: "claude", Family: "claude", Tool: "Claude Code", Evidence: []Evidence{
					ev("j1", "Co-Authored-By: Claude <noreply@anthropic.com>"),
					ev("j3", "Co-Authored-By: Claude <noreply@anthropic.com>"),
				}},
				{Model: "claude-opus-4", Family: "claude", Tool: "Claude Code", Evidence: []Evidence{
					ev("j2", "Co-Authored-By: Claude Opus 4 <noreply@anthropic.com>"),
				}},
			},
		},
		// Negative cases: nothing here is evidence.
		{
			name: "subject mentioning claude",
			s:    Signals{Commits: []Commit{commit("n1", "fix claude integration\n\nThe Claude API client now retries on 529.")}},
		},
		{
			name: "subject shaped like a trailer",
			s:    Signals{Commits: []Commit{commit("n2", "Co-authored-by: Claude <noreply@anthropic.com>")}},
		},
		{
			name: "human co-author trailers, including people named Claude and Devin",
			s:    Signals{Commits: []Commit{commit("n3", "Pair on parser\n\nCo-authored-by: Claude Monet <claude@monet.fr>\nCo-authored-by: Devin Smith <devin@example.com>\nCo-authored-by: Claude <claude.dupont@example.org>\nCo-authored-by: Jean-Claude Van <jc@example.com>")}},
		},
		{
			name: "generic trailers naming people",
			s:    Signals{Commits: []Commit{commit("n4", "Port driver\n\nCo-developed-by: Claude Monet <claude@monet.fr>\nSigned-off-by: Claude Monet <claude@monet.fr>\nAssisted-by: Grace Hopper <grace@example.com>\nCo-developed-by: Opus <opus@band.example>\nCo-developed-by: Jules <jules@example.com>\nCo-developed-by: Devin <devin@example.com>\nCo-developed-by: Jules Verne <jv@example.com>")}},
		},
		{
			name: "Model: in prose is not a trailer",
			s:    Signals{Commits: []Commit{commit("n5", "Add user model\n\nModel: llama configuration moved to its own file.\nThis paragraph keeps going.")}},
		},
		{
			name: "quoted trailer and plain mention of Claude Code",
			s:    Signals{Commits: []Commit{commit("n6", "Document attribution\n\nClaude Code adds a trailer like:\n\n    Co-Authored-By: Claude <noreply@anthropic.com>\n\nwhich we strip.")}},
		},
		{
			name: "unrelated labels and PR body text",
			s:    Signals{Labels: []string{"enhancement", "ai"}, PRBody: "This PR improves the Copilot integration and the Claude client."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DetectAuthors(tt.s)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DetectAuthors() =\n%s\nwant\n%s", dumpAuthors(got), dumpAuthors(tt.want))
			}
		})
	}
}

func dumpAuthors(as []Author) string {
	if len(as) == 0 {
		return "  (none)"
	}
	var b strings.Builder
	for _, a := range as {
		b.WriteString("  {Model:" + a.Model + " Family:" + a.Family + " Tool:" + a.Tool + " Note:" + a.Note + "}\n")
		for _, e := range a.Evidence {
			b.WriteString("    " + e.Source + " " + e.Commit + " " + e.Text + "\n")
		}
	}
	return b.String()
}

func TestAuthorGeneric(t *testing.T) {
	tests := []struct {
		a    Author
		want bool
	}{
		{Author{Model: "claude", Family: "claude"}, true},
		{Author{Model: "copilot"}, true},
		{Author{Model: "codex", Family: "gpt"}, true},
		{Author{Model: "claude-opus-4", Family: "claude"}, false},
		{Author{Model: "anthropic/claude-3-5-sonnet-20241022", Family: "claude"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.a.Model, func(t *testing.T) {
			if got := tt.a.Generic(); got != tt.want {
				t.Errorf("Generic() = %v, want %v", got, tt.want)
			}
		})
	}
}
