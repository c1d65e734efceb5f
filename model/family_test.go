package model

import "testing"

func TestFamilyOf(t *testing.T) {
	tests := []struct {
		name, want string
	}{
		// claude
		{"claude-3-5-sonnet-20241022", "claude"},
		{"Claude Opus 4.5", "claude"},
		{"claude-sonnet-4-5", "claude"},
		{"sonnet", "claude"},
		{"opus", "claude"},
		{"haiku", "claude"},
		{"anthropic/claude-3.5-sonnet", "claude"},
		{"openrouter/anthropic/claude-3.5-sonnet", "claude"},
		{"us.anthropic.claude-3-7-sonnet-20250219-v1:0", "claude"},
		{"anthropic.claude-3-haiku-20240307-v1:0", "claude"},
		{"claude-3-5-sonnet-v2@20241022", "claude"},
		{"anthropic/some-future-model", "claude"},
		{"Claude Code", "claude"},
		// gpt
		{"gpt-4o", "gpt"},
		{"GPT-4.1-mini", "gpt"},
		{"gpt-5-codex", "gpt"},
		{"openai/gpt-oss-120b", "gpt"},
		{"o1-preview", "gpt"},
		{"o3", "gpt"},
		{"o3-mini-2025-01-31", "gpt"},
		{"o4-mini", "gpt"},
		{"openai/o3", "gpt"},
		{"chatgpt-4o-latest", "gpt"},
		{"codex-mini-latest", "gpt"},
		{"Codex", "gpt"},
		{"openai/whatever", "gpt"},
		// gemini and gemma
		{"gemini-2.5-pro", "gemini"},
		{"google/gemini-2.0-flash-001", "gemini"},
		{"publishers/google/models/gemini-1.5-pro", "gemini"},
		{"google/some-model", "gemini"},
		{"Jules", "gemini"},
		{"google-labs-jules[bot]", "gemini"},
		{"gemma3:27b", "gemma"},
		{"google/gemma-2-9b-it", "gemma"},
		{"ollama/gemma3:e4b-mlx", "gemma"},
		{"codegemma:7b", "gemma"},
		// llama
		{"meta-llama/Llama-3.3-70B-Instruct", "llama"},
		{"llama3.1:8b", "llama"},
		{"meta.llama3-1-70b-instruct-v1:0", "llama"},
		{"codellama:13b", "llama"},
		{"groq/llama-3.3-70b-versatile", "llama"},
		// mistral
		{"mistral-large-latest", "mistral"},
		{"mistralai/Mixtral-8x7B-Instruct-v0.1", "mistral"},
		{"codestral-2501", "mistral"},
		{"devstral-small-2505", "mistral"},
		{"magistral-medium", "mistral"},
		{"ministral-8b", "mistral"},
		// qwen
		{"qwen2.5-coder:32b", "qwen"},
		{"Qwen/Qwen3-Coder-480B-A35B-Instruct", "qwen"},
		{"qwen-coder", "qwen"},
		{"qwq-32b", "qwen"},
		{"ollama/qwen2.5-coder:7b", "qwen"},
		// deepseek
		{"deepseek-chat", "deepseek"},
		{"deepseek-ai/DeepSeek-R1", "deepseek"},
		{"deepseek-coder-v2:16b", "deepseek"},
		{"deepseek-r1-distill-llama-70b", "deepseek"},
		// grok
		{"grok-4", "grok"},
		{"x-ai/grok-code-fast-1", "grok"},
		{"xai/some-model", "grok"},
		// phi
		{"phi-4", "phi"},
		{"phi3:mini", "phi"},
		{"microsoft/Phi-3.5-mini-instruct", "phi"},
		// command-r
		{"command-r-plus", "command-r"},
		{"command-a-03-2025", "command-r"},
		{"CohereForAI/c4ai-command-r-v01", "command-r"},
		{"cohere/some-model", "command-r"},
		// kimi
		{"kimi-k2", "kimi"},
		{"moonshotai/Kimi-K2-Instruct", "kimi"},
		{"moonshot-v1-8k", "kimi"},
		// glm
		{"glm-4.5", "glm"},
		{"z-ai/glm-4.6", "glm"},
		{"THUDM/chatglm3-6b", "glm"},
		{"zhipuai/some-model", "glm"},
		// unknown and near misses
		{"", ""},
		{"copilot", ""},
		{"GitHub Copilot", ""},
		{"Cursor", ""},
		{"devin", ""},
		{"aider", ""},
		{"ollama", ""},
		{"phind-codellama-34b", "llama"}, // "phind" is not phi
		{"delphi", ""},
		{"video3", ""},
		{"groq", ""},
		{"my-finetune", ""},
		{"amazon.nova-pro-v1:0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FamilyOf(tt.name); got != tt.want {
				t.Errorf("FamilyOf(%q) = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestProviderOf(t *testing.T) {
	tests := []struct{ family, want string }{
		{"claude", "anthropic"},
		{"gpt", "openai"},
		{"gemini", "google"},
		{"gemma", "google"},
		{"grok", "xai"},
		{"mistral", "mistral"},
		{"llama", "meta"},
		{"qwen", "alibaba"},
		{"", ""},
		{"unknown", ""},
	}
	for _, tt := range tests {
		t.Run(tt.family, func(t *testing.T) {
			if got := ProviderOf(tt.family); got != tt.want {
				t.Errorf("ProviderOf(%q) = %q, want %q", tt.family, got, tt.want)
			}
		})
	}
}

func TestNormalizeModel(t *testing.T) {
	tests := []struct{ a, b string }{
		{"claude-3-5-sonnet-20241022", "claude-3-5-sonnet"},
		{"anthropic/claude-3.5-sonnet", "claude-3-5-sonnet"},
		{"us.anthropic.claude-3-7-sonnet-20250219-v1:0", "claude-3-7-sonnet"},
		{"Claude 3.7 Sonnet", "claude-3-7-sonnet"},
		{"claude-3-5-sonnet@20240620", "claude-3-5-sonnet"},
		{"claude-3-5-sonnet-latest", "claude-3-5-sonnet"},
		{"gpt-4o-2024-08-06", "gpt-4o"},
		{"openrouter/openai/gpt-4o", "gpt-4o"},
		{"o3-mini-2025-01-31", "o3-mini"},
		{"Claude Opus 4", "claude-opus-4"},
		{"claude-opus-4-20250514", "claude-opus-4"},
		{"claude-sonnet-4.5", "claude-sonnet-4-5"},
		{"qwen2.5-coder:latest", "qwen2-5-coder"},
	}
	for _, tt := range tests {
		t.Run(tt.a, func(t *testing.T) {
			if got := NormalizeModel(tt.a); got != tt.b {
				t.Errorf("NormalizeModel(%q) = %q, want %q", tt.a, got, tt.b)
			}
		})
	}

	different := []struct{ a, b string }{
		{"qwen2.5-coder:7b", "qwen2.5-coder:32b"},
		{"claude-3-5-sonnet", "claude-3-7-sonnet"},
		{"gpt-4o", "gpt-4o-mini"},
		{"", ""},
	}
	for _, tt := range different {
		t.Run(tt.a+"≠"+tt.b, func(t *testing.T) {
			if SameModel(tt.a, tt.b) {
				t.Errorf("SameModel(%q, %q) = true, want false", tt.a, tt.b)
			}
		})
	}
}
