package model

import (
	"regexp"
	"strings"
)

// Commit is the part of a commit that author detection reads.
type Commit struct {
	SHA, Message, AuthorName, AuthorEmail, CommitterName, CommitterEmail string
}

// Signals is everything DetectAuthors looks at for one change.
type Signals struct {
	Commits []Commit
	PRBody  string
	Labels  []string
	// Override comes from the --author-model flag: one model (or tool) name, or several
	// separated by commas. Labels "author-model:X" are overrides too.
	Override string
}

// Evidence sources.
const (
	SourceOverride = "override"
	SourceLabel    = "label"
	SourceCommit   = "commit"
	SourcePRBody   = "pr-body"
)

// Evidence is one signal that a model wrote the change.
type Evidence struct {
	Source string // commit, pr-body, label, override
	Commit string // SHA, for source commit
	// Text is the exact line, trimmed. For a commit's author or committer identity, which is
	// not a line of the message, it reads "author: Name <email>" or "committer: Name <email>".
	Text string
}

// Author is a model (or a coding tool whose model is unknown) that wrote part of the change.
type Author struct {
	// Model is the model's name as the signal gave it, lower case ("claude-opus-4.5",
	// "anthropic/claude-3-5-sonnet-20241022"). When the signal names only the tool it is a
	// placeholder: the family ("claude", "gemini", "codex") when the tool runs one vendor's
	// models, otherwise the tool ("copilot", "cursor", "devin", "aider").
	Model string
	// Family is FamilyOf the model, or "" when the tool runs models of several vendors.
	Family string
	// Tool is the coding tool(s) that produced the signals, comma-separated when several
	// tools reported the same model.
	Tool string
	// Note explains an uncertainty, e.g. why Family is unknown. Empty when there is none.
	Note     string
	Evidence []Evidence
}

// Generic reports whether the author's exact model is unknown: Model is only a family or a
// tool placeholder. Route treats a generic author as "possibly any model of its family".
func (a Author) Generic() bool {
	m := NormalizeModel(a.Model)
	if m == "" || m == a.Family {
		return true
	}
	_, isTool := toolPlaceholders[m]
	return isTool
}

// Coding tools as they appear in Author.Tool.
const (
	ToolClaudeCode   = "Claude Code"
	ToolCopilotAgent = "GitHub Copilot agent"
	ToolCopilot      = "GitHub Copilot"
	ToolCodex        = "OpenAI Codex"
	ToolChatGPT      = "ChatGPT"
	ToolCursor       = "Cursor"
	ToolAider        = "Aider"
	ToolGemini       = "Gemini"
	ToolGeminiCLI    = "Gemini CLI"
	ToolGeminiAssist = "Gemini Code Assist"
	ToolJules        = "Jules"
	ToolDevin        = "Devin"
)

// Notes explaining an unknown family.
const (
	noteCopilot       = "GitHub Copilot runs models from several vendors (OpenAI, Anthropic, Google) and does not name the one it used"
	noteCursor        = "Cursor runs models from several vendors and does not name the one it used"
	noteDevin         = "Devin does not name the model it runs"
	noteAider         = "aider runs models from several vendors and no trailer names the one it used"
	noteUnknownFamily = "the model's family is not recognised"
)

// toolPlaceholders are the Author.Model values that stand for "some model run by this tool".
var toolPlaceholders = map[string]struct{}{
	"copilot": {}, "cursor": {}, "devin": {}, "aider": {}, "codex": {}, "chatgpt": {},
	"jules": {},
}

// detection is one signal's finding, before merging.
type detection struct {
	model, family, tool, note string
	toolKey                   string // groups tools of one vendor ("copilot" for both Copilot tools)
	specific                  bool   // the model is named, not a placeholder
	ev                        Evidence
}

// DetectAuthors finds the models that wrote a change. It reads only precise signals: commit
// trailers (Co-authored-by and the generic Assisted-by, Generated-by, Co-developed-by,
// AI-Model, Model), known bot identities of the commit author and committer, the exact
// Claude Code footer, aider's "aider: " subject prefix and "(aider)" name suffix, the Copilot
// agent's Agent-Logs-Url trailer, Cursor's Made-with trailer, the PR body's footers and task
// links, labels, and the override. A subject that merely mentions a model is not evidence.
//
// Detections of the same model merge into one Author (its Evidence in signal order:
// override, labels "author-model:X", commits in order, PR body, other labels). Within one
// commit or the PR body, a tool-only signal ("Generated with Claude Code") folds into a
// specific model named by the same tool in the same place ("Co-Authored-By: Claude Opus 4.5").
// Across commits a generic "claude" and a specific "claude-opus-4" stay two authors: the
// generic commit may have been written by another Claude model, and Route treats the generic
// one as any model of its family. Overrides are authoritative and come first; every other
// detection is kept after them.
func DetectAuthors(s Signals) []Author {
	var all []detection

	for _, v := range splitList(s.Override) {
		all = append(all, overrideDetection(v, Evidence{Source: SourceOverride, Text: v}))
	}
	var plainLabels []string
	for _, l := range s.Labels {
		l = strings.TrimSpace(l)
		if v, ok := cutPrefixFold(l, "author-model:"); ok {
			for _, m := range splitList(v) {
				all = append(all, overrideDetection(m, Evidence{Source: SourceLabel, Text: l}))
			}
			continue
		}
		plainLabels = append(plainLabels, l)
	}
	for _, c := range s.Commits {
		all = append(all, foldGeneric(commitDetections(c))...)
	}
	if s.PRBody != "" {
		all = append(all, foldGeneric(bodyDetections(s.PRBody))...)
	}
	for _, l := range plainLabels {
		if d, ok := labelDetection(l); ok {
			all = append(all, d)
		}
	}
	return merge(all)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return strings.TrimSpace(s[len(prefix):]), true
	}
	return "", false
}

// overrideDetection trusts the value: a known tool name maps to that tool, anything else is a
// model name.
func overrideDetection(v string, ev Evidence) detection {
	if d, ok := toolByName(v); ok {
		d.ev = ev
		return d
	}
	m := strings.ToLower(strings.TrimSpace(v))
	f := FamilyOf(m)
	d := detection{model: m, family: f, specific: true, ev: ev}
	if f == "" {
		d.note = noteUnknownFamily
	}
	return d
}

var labelTools = map[string]string{
	"claude-code":    "claude code",
	"claude code":    "claude code",
	"copilot":        "copilot",
	"github-copilot": "copilot",
	"codex":          "codex",
	"openai-codex":   "codex",
	"cursor":         "cursor",
	"aider":          "aider",
	"devin":          "devin ai",
	"jules":          "jules",
	"gemini-cli":     "gemini cli",
}

func labelDetection(l string) (detection, bool) {
	name, ok := labelTools[strings.ToLower(l)]
	if !ok {
		return detection{}, false
	}
	d, ok := toolByName(name)
	d.ev = Evidence{Source: SourceLabel, Text: l}
	return d, ok
}

// toolByName recognises a coding tool by its plain name ("Claude Code", "GitHub Copilot",
// "Cursor", "Codex", "aider", "Devin AI", "Jules", "Gemini CLI").
func toolByName(name string) (detection, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "claude code", "claude-code", "claude[bot]":
		return claudeDetection(""), true
	case "copilot", "github copilot", "github-copilot", "copilot-swe-agent", "copilot-swe-agent[bot]",
		"copilot coding agent", "github copilot agent":
		return copilotDetection(n != "copilot" && n != "github copilot" && n != "github-copilot"), true
	case "cursor", "cursor agent", "cursoragent", "cursor-agent", "cursor-ai":
		return placeholder("cursor", ToolCursor, "cursor", noteCursor), true
	case "codex", "openai codex", "codex cli", "codex-cli", "chatgpt-codex-connector", "chatgpt-codex-connector[bot]":
		return codexDetection(), true
	case "chatgpt":
		return detection{model: "chatgpt", family: FamilyGPT, tool: ToolChatGPT, toolKey: "codex"}, true
	case "aider":
		return placeholder("aider", ToolAider, "aider", noteAider), true
	case "devin", "devin ai", "devin-ai", "devin-ai-integration", "devin-ai-integration[bot]":
		return placeholder("devin", ToolDevin, "devin", noteDevin), true
	case "jules", "google jules", "google-labs-jules", "google-labs-jules[bot]":
		return detection{model: FamilyGemini, family: FamilyGemini, tool: ToolJules, toolKey: "gemini"}, true
	case "gemini cli", "gemini-cli":
		return detection{model: FamilyGemini, family: FamilyGemini, tool: ToolGeminiCLI, toolKey: "gemini"}, true
	case "gemini code assist", "gemini-code-assist", "gemini-code-assist[bot]":
		return detection{model: FamilyGemini, family: FamilyGemini, tool: ToolGeminiAssist, toolKey: "gemini"}, true
	}
	return detection{}, false
}

func placeholder(model, tool, key, note string) detection {
	return detection{model: model, tool: tool, toolKey: key, note: note}
}

func claudeDetection(model string) detection {
	if model == "" {
		return detection{model: FamilyClaude, family: FamilyClaude, tool: ToolClaudeCode, toolKey: "claude"}
	}
	return detection{model: model, family: FamilyClaude, tool: ToolClaudeCode, toolKey: "claude", specific: true}
}

func copilotDetection(agent bool) detection {
	tool := ToolCopilot
	if agent {
		tool = ToolCopilotAgent
	}
	return placeholder("copilot", tool, "copilot", noteCopilot)
}

func codexDetection() detection {
	return detection{model: "codex", family: FamilyGPT, tool: ToolCodex, toolKey: "codex"}
}

var (
	// "Name <email>" with an optional email.
	reIdent = regexp.MustCompile(`^(.*?)\s*(?:<([^<>]*)>)?$`)
	// GitHub App bot identities: "<id>+<slug>@users.noreply.github.com" or
	// "<slug>@users.noreply.github.com".
	reGitHubNoreply = regexp.MustCompile(`^(?:\d+\+)?([^@]+)@users\.noreply\.github\.com$`)
	// Claude Code's footer. Older versions linked claude.ai/code, newer claude.com/claude-code.
	reClaudeFooter = regexp.MustCompile(`(?i)^(?:🤖\s*)?generated with \[claude code\]\(https://(?:www\.)?(?:claude\.com/claude-code|claude\.ai/code)/?\)`)
	reTrailer      = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9-]*):\s*(.*\S)\s*$`)
	reCodexTask    = regexp.MustCompile(`https://chatgpt\.com/codex/tasks/task_[A-Za-z0-9_]+`)
	reDevinRun     = regexp.MustCompile(`https://app\.devin\.ai/sessions/[0-9a-f]+`)
	reJulesTask    = regexp.MustCompile(`https://jules\.google\.com/task/[0-9A-Za-z]+`)
	reCursorAgent  = regexp.MustCompile(`https://cursor\.com/(?:background-agent|agents)\?(?:bcId|id)=`)
	reCopilotLogs  = regexp.MustCompile(`^https://github\.com/[^/\s]+/[^/\s]+/sessions/\S+$`)
	reAiderName    = regexp.MustCompile(`(?i)^aider(?:\s*\((.+)\))?$`)
	reClaudeName   = regexp.MustCompile(`(?i)^claude(?:\s+(.+))?$`)
	reGeminiName   = regexp.MustCompile(`(?i)^gemini(?:\s+(.+))?$`)
)

// identity recognises a coding tool from a git identity: a commit's author or committer, or a
// Co-authored-by trailer. Plain first names that are also tool names ("Claude", "Devin")
// count only with the tool's own email; names that are not people's names ("Codex",
// "Copilot", "Gemini", "aider (model)") count with any email.
func identity(name, email string) (detection, bool) {
	n := strings.TrimSpace(name)
	ln := strings.ToLower(n)
	le := strings.ToLower(strings.TrimSpace(email))
	slug := ""
	if m := reGitHubNoreply.FindStringSubmatch(le); m != nil {
		slug = m[1]
	}

	switch {
	// Claude Code: "Claude <noreply@anthropic.com>", "Claude Opus 4.5 <noreply@anthropic.com>".
	case le == "noreply@anthropic.com":
		if m := reClaudeName.FindStringSubmatch(n); m != nil && m[1] != "" {
			return claudeDetection(slugModel("claude " + m[1])), true
		}
		return claudeDetection(""), true
	// Claude Code GitHub Action: claude[bot].
	case ln == "claude[bot]" || slug == "claude[bot]":
		return claudeDetection(""), true

	// Copilot coding agent: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>.
	case ln == "copilot-swe-agent[bot]" || slug == "copilot-swe-agent[bot]" ||
		strings.HasPrefix(le, "198982749+"):
		return copilotDetection(true), true
	// Copilot CLI, VS Code and review suggestions: "Copilot <223556219+Copilot@users.noreply.github.com>",
	// "Copilot <175728472+Copilot@users.noreply.github.com>", "Copilot <copilot@github.com>".
	case slug == "copilot" || le == "copilot@github.com" || (ln == "copilot" || ln == "github copilot") && le != "":
		return copilotDetection(false), true

	// Codex cloud connector and Codex CLI: "Codex <noreply@openai.com>".
	case ln == "chatgpt-codex-connector[bot]" || slug == "chatgpt-codex-connector[bot]" ||
		slug == "chatgpt-codex-connector":
		return codexDetection(), true
	case ln == "codex" || ln == "codex cli" || ln == "openai codex" || ln == "codex-cli":
		return codexDetection(), true
	case ln == "chatgpt" && (le == "noreply@openai.com" || strings.HasSuffix(le, "@openai.com")):
		return toolByName("chatgpt")

	// Cursor: "Cursor Agent <cursoragent@cursor.com>", "Cursor <cursoragent@cursor.com>",
	// legacy "cursor-ai <sos@cursor.sh>".
	case le == "cursoragent@cursor.com" || ln == "cursoragent" ||
		(ln == "cursor" || ln == "cursor agent" || ln == "cursor-ai") &&
			(strings.HasSuffix(le, "@cursor.com") || strings.HasSuffix(le, "@cursor.sh")):
		return toolByName("cursor")

	// aider: "aider (anthropic/claude-3-5-sonnet-20241022) <noreply@aider.chat>".
	case strings.HasSuffix(le, "@aider.chat"):
		if m := reAiderName.FindStringSubmatch(n); m != nil && m[1] != "" {
			return aiderModel(m[1]), true
		}
		return toolByName("aider")
	case le != "" && reAiderName.MatchString(n) && reAiderName.FindStringSubmatch(n)[1] != "":
		return aiderModel(reAiderName.FindStringSubmatch(n)[1]), true

	// Gemini: gemini-code-assist[bot], Jules (google-labs-jules[bot]), Gemini CLI.
	case ln == "gemini-code-assist[bot]" || slug == "gemini-code-assist[bot]":
		return toolByName("gemini code assist")
	case ln == "google-labs-jules[bot]" || slug == "google-labs-jules[bot]":
		return toolByName("jules")
	case ln == "gemini cli" || ln == "gemini-cli":
		return toolByName("gemini cli")
	case reGeminiName.MatchString(n):
		m := reGeminiName.FindStringSubmatch(n)
		if m[1] != "" {
			if !looksLikeModel("gemini " + m[1]) {
				return detection{}, false
			}
			return detection{model: slugModel("gemini " + m[1]), family: FamilyGemini, tool: ToolGemini, toolKey: "gemini", specific: true}, true
		}
		return detection{model: FamilyGemini, family: FamilyGemini, tool: ToolGemini, toolKey: "gemini"}, true

	// Devin: devin-ai-integration[bot] <158243242+devin-ai-integration[bot]@users.noreply.github.com>.
	case ln == "devin-ai-integration[bot]" || slug == "devin-ai-integration[bot]" || ln == "devin ai" ||
		strings.HasSuffix(le, "@cognition.ai") || strings.HasSuffix(le, "@cognition-labs.com"):
		return toolByName("devin")
	}
	return detection{}, false
}

func aiderModel(m string) detection {
	m = strings.ToLower(strings.TrimSpace(m))
	f := FamilyOf(m)
	d := detection{model: m, family: f, tool: ToolAider, toolKey: "aider", specific: true}
	if f == "" {
		d.note = noteUnknownFamily
	}
	return d
}

// slugModel turns a display name ("Claude Opus 4.5") into a model name ("claude-opus-4.5").
func slugModel(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), "-")
}

// modelWords are words that may appear in a model's name besides family keywords and
// version numbers; a name with any other word ("Claude Monet", "Jean-Claude") is taken for
// a person's.
var modelWords = map[string]bool{
	"sonnet": true, "opus": true, "haiku": true, "pro": true, "flash": true, "mini": true,
	"nano": true, "turbo": true, "max": true, "plus": true, "coder": true, "instruct": true,
	"chat": true, "preview": true, "latest": true, "thinking": true, "reasoning": true,
	"reasoner": true, "lite": true, "large": true, "medium": true, "small": true, "ultra": true,
	"exp": true, "experimental": true, "fast": true, "code": true, "high": true, "low": true,
	"omni": true, "air": true, "oss": true, "versatile": true, "scout": true, "maverick": true,
	"vision": true, "vl": true, "next": true, "command": true, "r": true, "ai": true,
	"deepseek-ai": true, "meta": true, "mistral": true, "alibaba": true, "moonshot": true,
}

// keywordSet holds every family and vendor keyword as a whole word.
var keywordSet = func() map[string]bool {
	m := map[string]bool{}
	for _, kw := range modelKeywords {
		m[kw.word] = true
	}
	for _, kw := range vendorKeywords {
		m[kw.word] = true
	}
	return m
}()

func modelTokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '[' || r == ']')
	})
}

// looksLikeModel reports whether s names a model rather than a person: it has a family, and
// every word is a family or vendor keyword, a model word, or carries a digit.
func looksLikeModel(s string) bool {
	if FamilyOf(s) == "" {
		return false
	}
	toks := modelTokens(s)
	if len(toks) == 0 {
		return false
	}
	for _, t := range toks {
		if keywordSet[t] || modelWords[t] || strings.ContainsAny(t, "0123456789") {
			continue
		}
		return false
	}
	return true
}

// hasModelDetail reports whether s says more than one bare word: a version or a tier
// ("Claude 3.7 Sonnet", "gpt-4o", "Claude Sonnet"), as opposed to "Claude" or "Opus", which
// are also people's names.
func hasModelDetail(s string) bool {
	return strings.ContainsAny(s, "0123456789") || len(modelTokens(s)) >= 2
}

// genericTrailers name the assistant or model in a free form.
var genericTrailers = map[string]bool{
	"assisted-by": true, "generated-by": true, "co-developed-by": true, "ai-model": true,
	"model": true, "ai-assisted-by": true, "ai-assistant": true, "ai-tool": true,
	"ai-agent": true,
}

// genericTrailer interprets the value of an Assisted-by-style trailer: "gpt-4o",
// "Claude 3.7 Sonnet", "Claude:claude-3-opus coccinelle" (the Linux kernel's
// AGENT:MODEL [TOOLS] form), "GitHub Copilot", "Name <email>". A value naming a person gives
// nothing.
func genericTrailer(value string) (detection, bool) {
	m := reIdent.FindStringSubmatch(strings.TrimSpace(value))
	name, email := strings.TrimSpace(m[1]), strings.TrimSpace(m[2])
	if email != "" {
		if d, ok := identity(name, email); ok {
			return d, true
		}
	}
	// "Jules" and "Devin" are also people's names: with an email that is not the tool's own
	// they are people.
	if ln := strings.ToLower(name); email == "" || (ln != "jules" && ln != "devin") {
		if d, ok := toolByName(name); ok {
			return d, true
		}
	}
	// AGENT:MODEL [TOOL...]
	if agent, rest, ok := strings.Cut(name, ":"); ok && !strings.Contains(agent, " ") {
		fields := strings.Fields(rest)
		if len(fields) > 0 && looksLikeModel(fields[0]) {
			return namedModel(fields[0]), true
		}
		if d, ok := toolByName(agent); ok {
			return d, true
		}
		if looksLikeModel(agent) && email == "" {
			return namedModel(agent), true
		}
		return detection{}, false
	}
	if !looksLikeModel(name) {
		return detection{}, false
	}
	// A bare "Claude" next to an email that is not the tool's own is a person's name.
	if email != "" && !hasModelDetail(name) {
		return detection{}, false
	}
	return namedModel(name), true
}

func namedModel(name string) detection {
	model := slugModel(name)
	f := FamilyOf(model)
	return detection{model: model, family: f, specific: NormalizeModel(model) != f, toolKey: familyToolKey(f)}
}

// familyToolKey groups a named model with the tool that runs only its family, so a Claude
// Code footer folds into "Assisted-by: Claude 3.7 Sonnet" in the same commit.
func familyToolKey(f string) string {
	switch f {
	case FamilyClaude:
		return "claude"
	case FamilyGPT:
		return "codex"
	case FamilyGemini:
		return "gemini"
	}
	return "model:" + f
}

// commitDetections reads one commit.
func commitDetections(c Commit) []detection {
	var out []detection
	add := func(d detection, text string) {
		d.ev = Evidence{Source: SourceCommit, Commit: c.SHA, Text: text}
		out = append(out, d)
	}
	for _, who := range []struct{ role, name, email string }{
		{"author", c.AuthorName, c.AuthorEmail},
		{"committer", c.CommitterName, c.CommitterEmail},
	} {
		if who.name == "" && who.email == "" {
			continue
		}
		text := who.role + ": " + formatIdent(who.name, who.email)
		if d, ok := identity(who.name, who.email); ok {
			add(d, text)
			continue
		}
		// aider appends " (aider)" to the author and committer names.
		if strings.HasSuffix(who.name, " (aider)") {
			d, _ := toolByName("aider")
			add(d, text)
		}
	}

	lines := strings.Split(strings.ReplaceAll(c.Message, "\r\n", "\n"), "\n")
	if len(lines) > 0 && strings.HasPrefix(lines[0], "aider: ") {
		d, _ := toolByName("aider")
		add(d, strings.TrimSpace(lines[0]))
	}
	trailerBlock := trailerBlockStart(lines)
	for i := 1; i < len(lines); i++ { // the subject (line 0) is never a trailer
		raw, line := lines[i], strings.TrimSpace(lines[i])
		if line == "" {
			continue
		}
		if raw[0] == ' ' || raw[0] == '\t' {
			// Indented lines are quotes or continuations, not trailers; only Claude's
			// footer, which is never quoted by accident, counts there.
			if reClaudeFooter.MatchString(line) {
				add(claudeDetection(""), line)
			}
			continue
		}
		for _, d := range lineDetections(line, i >= trailerBlock) {
			add(d, line)
		}
	}
	return out
}

func formatIdent(name, email string) string {
	if email == "" {
		return name
	}
	return strings.TrimSpace(name + " <" + email + ">")
}

// trailerBlockStart returns the index of the first line of the message's last paragraph when
// that paragraph consists of trailers only ("Key: value" lines and indented continuations),
// or len(lines) when it does not.
func trailerBlockStart(lines []string) int {
	end := len(lines)
	for end > 0 && strings.TrimSpace(lines[end-1]) == "" {
		end--
	}
	start := end
	for start > 1 && strings.TrimSpace(lines[start-1]) != "" {
		start--
	}
	if start <= 1 || start == end { // no body paragraph: the subject is not a trailer block
		return len(lines)
	}
	for _, l := range lines[start:end] {
		if reTrailer.MatchString(l) || strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			continue
		}
		return len(lines)
	}
	return start
}

// lineDetections reads one line of a commit message or PR body. inTrailers says whether the
// line is in the commit's final trailer paragraph; the free-form trailers (Assisted-by,
// Model, ...) count only there, because "Model: ..." is common prose.
func lineDetections(line string, inTrailers bool) []detection {
	if reClaudeFooter.MatchString(line) {
		return []detection{claudeDetection("")}
	}
	m := reTrailer.FindStringSubmatch(line)
	if m == nil {
		return nil
	}
	key, value := strings.ToLower(m[1]), m[2]
	switch {
	case key == "co-authored-by":
		im := reIdent.FindStringSubmatch(value)
		if d, ok := identity(im[1], im[2]); ok {
			return []detection{d}
		}
		// "Co-authored-by: Claude Sonnet 4.5 <noreply@example.com>" from another tool.
		if name := strings.TrimSpace(im[1]); looksLikeModel(name) && hasModelDetail(name) {
			return []detection{namedModel(name)}
		}
	case key == "agent-logs-url" && reCopilotLogs.MatchString(value):
		return []detection{copilotDetection(true)}
	case key == "made-with" && strings.EqualFold(strings.TrimSpace(value), "cursor"):
		d, _ := toolByName("cursor")
		return []detection{d}
	case inTrailers && genericTrailers[key]:
		if d, ok := genericTrailer(value); ok {
			return []detection{d}
		}
	}
	return nil
}

// bodyDetections reads a PR body: the Claude Code footer, Co-authored-by lines, and the task
// links that Codex, Devin, Jules and Cursor agents put in the PR they open.
func bodyDetections(body string) []detection {
	var out []detection
	for _, raw := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n") {
		line := strings.TrimSpace(raw)
		if line == "" {
			continue
		}
		var ds []detection
		switch {
		case reCodexTask.MatchString(line):
			ds = []detection{codexDetection()}
		case reDevinRun.MatchString(line):
			d, _ := toolByName("devin")
			ds = []detection{d}
		case reJulesTask.MatchString(line):
			d, _ := toolByName("jules")
			ds = []detection{d}
		case reCursorAgent.MatchString(line):
			d, _ := toolByName("cursor")
			ds = []detection{d}
		default:
			ds = lineDetections(line, false)
		}
		for _, d := range ds {
			d.ev = Evidence{Source: SourcePRBody, Text: line}
			out = append(out, d)
		}
	}
	return out
}

// foldGeneric moves tool-only detections into the first specific model named by the same
// tool in the same commit (or PR body), so "Generated with [Claude Code]" plus
// "Co-Authored-By: Claude Opus 4.5" is one author, claude-opus-4.5, with both lines.
func foldGeneric(ds []detection) []detection {
	specific := map[string]int{}
	for i, d := range ds {
		if d.specific && d.toolKey != "" {
			if _, seen := specific[d.toolKey]; !seen {
				specific[d.toolKey] = i
			}
		}
	}
	if len(specific) == 0 {
		return ds
	}
	out := make([]detection, 0, len(ds))
	for _, d := range ds {
		if j, ok := specific[d.toolKey]; ok && !d.specific {
			t := ds[j]
			t.ev = d.ev
			if d.tool != "" && t.tool == "" {
				t.tool = d.tool
			}
			out = append(out, t)
			continue
		}
		out = append(out, d)
	}
	return out
}

// merge groups detections by normalised model, keeping first-seen order.
func merge(ds []detection) []Author {
	var out []Author
	index := map[string]int{}
	for _, d := range ds {
		key := NormalizeModel(d.model)
		if key == "" {
			continue
		}
		i, ok := index[key]
		if !ok {
			index[key] = len(out)
			out = append(out, Author{Model: d.model, Family: d.family, Tool: d.tool, Note: d.note})
			i = len(out) - 1
		}
		a := &out[i]
		a.Tool = joinTool(a.Tool, d.tool)
		if a.Family == "" {
			a.Family = d.family
		}
		if a.Note == "" {
			a.Note = d.note
		}
		if !hasEvidence(a.Evidence, d.ev) {
			a.Evidence = append(a.Evidence, d.ev)
		}
	}
	for i := range out {
		if out[i].Family != "" && out[i].Note == noteUnknownFamily {
			out[i].Note = ""
		}
	}
	return out
}

func joinTool(have, add string) string {
	if add == "" {
		return have
	}
	if have == "" {
		return add
	}
	for _, t := range strings.Split(have, ", ") {
		if t == add {
			return have
		}
	}
	return have + ", " + add
}

func hasEvidence(evs []Evidence, e Evidence) bool {
	for _, x := range evs {
		if x == e {
			return true
		}
	}
	return false
}
