// Package model knows about language models: which family a model name belongs to, which
// models wrote a change (DetectAuthors), which configured reviewer may review it (Route), and
// how to call a reviewer through an OpenAI-compatible chat completions API (Client).
package model

import (
	"regexp"
	"strings"
)

// Families returned by FamilyOf. The empty string means "unknown".
const (
	FamilyClaude   = "claude"
	FamilyGPT      = "gpt"
	FamilyGemini   = "gemini"
	FamilyGemma    = "gemma"
	FamilyLlama    = "llama"
	FamilyMistral  = "mistral"
	FamilyQwen     = "qwen"
	FamilyDeepSeek = "deepseek"
	FamilyGrok     = "grok"
	FamilyPhi      = "phi"
	FamilyCommandR = "command-r"
	FamilyKimi     = "kimi"
	FamilyGLM      = "glm"
)

// familyKeyword is one word that identifies a family inside a model or tool name.
type familyKeyword struct {
	word   string
	family string
	// short keywords must stand alone: not preceded or followed by a letter ("o3" but not
	// "video3", "phi-4" but not "phind"). Longer keywords match anywhere ("codegemma").
	short bool
}

// modelKeywords name models or model lines. They win over vendorKeywords, which name the
// company ("google/gemma-2" is gemma, not gemini).
var modelKeywords = []familyKeyword{
	{"claude", FamilyClaude, false},
	{"sonnet", FamilyClaude, false},
	{"opus", FamilyClaude, false},
	{"haiku", FamilyClaude, false},

	{"gpt", FamilyGPT, true},
	{"chatgpt", FamilyGPT, false},
	{"codex", FamilyGPT, false},
	{"o1", FamilyGPT, true},
	{"o3", FamilyGPT, true},
	{"o4", FamilyGPT, true},
	{"davinci", FamilyGPT, false},

	{"gemini", FamilyGemini, false},
	{"jules", FamilyGemini, true}, // Google's coding agent runs Gemini

	{"gemma", FamilyGemma, false},

	{"llama", FamilyLlama, false},

	{"mistral", FamilyMistral, false},
	{"mixtral", FamilyMistral, false},
	{"codestral", FamilyMistral, false},
	{"devstral", FamilyMistral, false},
	{"ministral", FamilyMistral, false},
	{"magistral", FamilyMistral, false},
	{"pixtral", FamilyMistral, false},

	{"qwen", FamilyQwen, false},
	{"qwq", FamilyQwen, true},

	{"deepseek", FamilyDeepSeek, false},

	{"grok", FamilyGrok, false},

	{"phi", FamilyPhi, true},

	{"command-r", FamilyCommandR, false},
	{"command-a", FamilyCommandR, false},
	{"c4ai", FamilyCommandR, false},

	{"kimi", FamilyKimi, false},

	{"glm", FamilyGLM, true},
	{"chatglm", FamilyGLM, false},
	{"codegeex", FamilyGLM, false},
}

var vendorKeywords = []familyKeyword{
	{"anthropic", FamilyClaude, false},
	{"openai", FamilyGPT, false},
	{"google", FamilyGemini, false},
	{"meta-llama", FamilyLlama, false},
	{"meta", FamilyLlama, true},
	{"mistralai", FamilyMistral, false},
	{"qwenlm", FamilyQwen, false},
	{"alibaba", FamilyQwen, false},
	{"dashscope", FamilyQwen, false},
	{"deepseek-ai", FamilyDeepSeek, false},
	{"xai", FamilyGrok, true},
	{"x-ai", FamilyGrok, true},
	{"cohere", FamilyCommandR, false},
	{"cohereforai", FamilyCommandR, false},
	{"moonshot", FamilyKimi, false},
	{"moonshotai", FamilyKimi, false},
	{"zhipu", FamilyGLM, false},
	{"zhipuai", FamilyGLM, false},
	{"z-ai", FamilyGLM, true},
	{"thudm", FamilyGLM, false},
}

// notFamilyWords are removed before matching: they contain a family keyword but name a
// runtime, not a model ("ollama/qwen2.5" is qwen, not llama).
var notFamilyWords = []string{"ollama", "llama.cpp", "llamafile", "llama-cpp"}

// FamilyOf maps a model name, a provider-qualified model ID or a coding tool's name to a model
// family ("claude", "gpt", "gemini", "gemma", "llama", "mistral", "qwen", "deepseek", "grok",
// "phi", "command-r", "kimi", "glm"). Matching is case-insensitive and understands provider
// prefixes ("openrouter/anthropic/claude-3.5-sonnet"), Bedrock IDs
// ("us.anthropic.claude-3-7-sonnet-20250219-v1:0") and Ollama tags ("qwen2.5-coder:32b").
// The last path segment decides when it names a model; earlier segments (vendors such as
// "anthropic/") are consulted only when it does not. A name mixing two lines
// ("deepseek-r1-distill-llama-70b") gets the family named first. Unknown names give "".
func FamilyOf(name string) string {
	s := strings.ToLower(strings.TrimSpace(name))
	if s == "" {
		return ""
	}
	for _, w := range notFamilyWords {
		s = strings.ReplaceAll(s, w, " ")
	}
	segs := strings.Split(s, "/")
	for i := len(segs) - 1; i >= 0; i-- {
		if f := earliest(segs[i], modelKeywords); f != "" {
			return f
		}
	}
	for i := len(segs) - 1; i >= 0; i-- {
		if f := earliest(segs[i], vendorKeywords); f != "" {
			return f
		}
	}
	return ""
}

// earliest returns the family of the keyword occurring first in s (longest on a tie).
func earliest(s string, kws []familyKeyword) string {
	best, bestAt, bestLen := "", len(s)+1, 0
	for _, kw := range kws {
		at := indexKeyword(s, kw)
		if at < 0 {
			continue
		}
		if at < bestAt || (at == bestAt && len(kw.word) > bestLen) {
			best, bestAt, bestLen = kw.family, at, len(kw.word)
		}
	}
	return best
}

func indexKeyword(s string, kw familyKeyword) int {
	from := 0
	for {
		i := strings.Index(s[from:], kw.word)
		if i < 0 {
			return -1
		}
		i += from
		if !kw.short {
			return i
		}
		end := i + len(kw.word)
		if (i == 0 || !isLetter(s[i-1])) && (end == len(s) || !isLetter(s[end])) {
			return i
		}
		from = i + 1
	}
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

// ProviderOf returns the company that trains the models of a family: claude → anthropic,
// gpt → openai, gemini and gemma → google, llama → meta, mistral → mistral, qwen → alibaba,
// deepseek → deepseek, grok → xai, phi → microsoft, command-r → cohere, kimi → moonshot,
// glm → zhipu. Unknown families give "".
func ProviderOf(family string) string {
	return familyProvider[family]
}

var familyProvider = map[string]string{
	FamilyClaude:   "anthropic",
	FamilyGPT:      "openai",
	FamilyGemini:   "google",
	FamilyGemma:    "google",
	FamilyLlama:    "meta",
	FamilyMistral:  "mistral",
	FamilyQwen:     "alibaba",
	FamilyDeepSeek: "deepseek",
	FamilyGrok:     "xai",
	FamilyPhi:      "microsoft",
	FamilyCommandR: "cohere",
	FamilyKimi:     "moonshot",
	FamilyGLM:      "zhipu",
}

// vendorAliases maps the spellings a configured provider may use to the company names of
// ProviderOf. Hosts that serve many vendors' models (openrouter, ollama, bedrock, vertex,
// azure, together, groq, ...) are absent on purpose: they say nothing about who trained the
// model.
var vendorAliases = map[string]string{
	"anthropic":  "anthropic",
	"claude":     "anthropic",
	"openai":     "openai",
	"google":     "google",
	"gemini":     "google",
	"googleai":   "google",
	"google-ai":  "google",
	"aistudio":   "google",
	"meta":       "meta",
	"meta-llama": "meta",
	"mistral":    "mistral",
	"mistralai":  "mistral",
	"alibaba":    "alibaba",
	"qwen":       "alibaba",
	"dashscope":  "alibaba",
	"deepseek":   "deepseek",
	"xai":        "xai",
	"x-ai":       "xai",
	"grok":       "xai",
	"microsoft":  "microsoft",
	"cohere":     "cohere",
	"moonshot":   "moonshot",
	"moonshotai": "moonshot",
	"kimi":       "moonshot",
	"zhipu":      "zhipu",
	"zhipuai":    "zhipu",
	"z-ai":       "zhipu",
	"zai":        "zhipu",
}

// vendorOfProvider normalises a configured provider to a model vendor, or "" for hosts
// and unknown providers.
func vendorOfProvider(provider string) string {
	return vendorAliases[strings.ToLower(strings.TrimSpace(provider))]
}

var (
	reBedrockPrefix = regexp.MustCompile(`^(?:(?:us|eu|apac|global|us-gov|jp|au|ca)\.)?(?:anthropic|meta|mistral|cohere|ai21|amazon|deepseek|qwen|openai|writer)\.`)
	reBedrockVer    = regexp.MustCompile(`-v\d+(?::\d+)?$`)
	reDateSuffix    = regexp.MustCompile(`(?:[-@_]\d{8}|-\d{4}-\d{2}-\d{2})$`)
	reDigitDot      = regexp.MustCompile(`(\d)\.(\d)`)
	reSpaces        = regexp.MustCompile(`[\s_]+`)
)

// NormalizeModel reduces a model name to the form used to decide whether two names denote
// the same model: lower case; provider path dropped ("openrouter/anthropic/"); Bedrock region
// and vendor prefix and "-v1:0" version dropped; Ollama ":latest" tag dropped (other tags are
// kept: "qwen2.5-coder:7b" and ":32b" are different models); a trailing date ("-20241022",
// "-2024-08-06", "@20240620") and "-latest" dropped; spaces become hyphens and "3.5" becomes
// "3-5", so "Claude 3.5 Sonnet", "claude-3.5-sonnet" and "claude-3-5-sonnet-20241022" agree.
func NormalizeModel(name string) string {
	s := strings.ToLower(strings.TrimSpace(name))
	if i := strings.LastIndex(s, "/"); i >= 0 {
		s = s[i+1:]
	}
	s = reBedrockPrefix.ReplaceAllString(s, "")
	s = reBedrockVer.ReplaceAllString(s, "")
	s = strings.TrimSuffix(s, ":latest")
	s = reSpaces.ReplaceAllString(strings.TrimSpace(s), "-")
	for {
		t := strings.TrimSuffix(reDateSuffix.ReplaceAllString(s, ""), "-latest")
		if t == s {
			break
		}
		s = t
	}
	// Twice: "4.5.1" needs a second pass because matches cannot overlap.
	s = reDigitDot.ReplaceAllString(s, "$1-$2")
	s = reDigitDot.ReplaceAllString(s, "$1-$2")
	return s
}

// SameModel reports whether two names denote the same model after NormalizeModel.
func SameModel(a, b string) bool {
	na, nb := NormalizeModel(a), NormalizeModel(b)
	return na != "" && na == nb
}
