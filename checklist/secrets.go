package checklist

// Secret scanning for the security item: a faithful port of a curated subset of the gitleaks rules
// (github.com/zricethezav/gitleaks/v8 v8.30.1, MIT licence, Copyright (c) 2019 Zachary Rice). The rule
// data lives in secrets_rules.go, generated from gitleaks' config/gitleaks.toml by
// TestSecretRulesMatchGitleaks (run with WFREVIEW_REGEN_SECRET_RULES=1); this file ports the parts of
// gitleaks' detector that give those rules their meaning (detect/detect.go, detect/utils.go,
// config/allowlist.go):
//
//   - keyword prefilter: a rule runs only on text containing one of its keywords, case-insensitively
//     (one Aho-Corasick pass over the lower-cased text, as gitleaks does: secrets_prefilter.go);
//   - the secret is the rule's secretGroup, or else the first non-empty capture group, or else the match;
//   - a secret whose Shannon entropy is not above the rule's threshold is dropped;
//   - the global allowlist (paths, regexes on the secret, stopwords) and the rule allowlists (paths,
//     regexes on the secret, the match or the line, stopwords, OR/AND conditions) drop findings, with
//     regexes joined exactly as gitleaks joins them;
//   - a line containing "gitleaks:allow" is skipped;
//   - a generic-api-key finding is dropped when a specific rule found a secret containing it on the
//     same line.
//
// Deliberate differences, all in the direction of fewer findings: text is scanned line by line (only
// private-key, whose regex spans lines, runs over whole runs of added lines); gitleaks' decoding passes
// (base64, hex, percent-encoding) are not ported; a specific-rule match that an allowlist drops still
// suppresses generic-api-key on the same value; wfreview allowlists are added on top
// (secrets_allow.go). keywordAssignment (with genericValueAfter) and the minimum match length are
// faster necessary conditions checked before a regex runs, and change nothing it finds:
// TestSecretsPrefilterChangesNothing compares the scan with and without them.

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/wfreview/wfreview/diff"
)

// SecretMatch is one secret found in a text.
type SecretMatch struct {
	// RuleID is the gitleaks rule id (e.g. "aws-access-token").
	RuleID string
	// Description is a short human-readable name of what was found (e.g. "AWS access key ID").
	Description string
	// Start and End are the byte offsets of the secret itself (the rule's secret group), not of the
	// surrounding match: text[Start:End] is the value to revoke.
	Start, End int
}

// FindSecrets returns the secrets in text, ordered by offset. A secret found by two rules, or lying
// inside a longer secret, is reported once (the longest match wins). Paths are not known here, so
// path allowlists do not apply; lines of any length are scanned.
func FindSecrets(text string) []SecretMatch {
	hits := secretEngine().scan(text, "", false)
	out := make([]SecretMatch, 0, len(hits))
	for _, h := range hits {
		out = append(out, SecretMatch{RuleID: h.rule.id, Description: h.rule.name, Start: h.start, End: h.end})
	}
	return out
}

// RedactSecrets replaces every secret FindSecrets would find with its first four characters and "…"
// (a private key keeps its BEGIN line), so logs and posted text never carry a usable credential.
func RedactSecrets(text string) string {
	hits := secretEngine().scan(text, "", false)
	if len(hits) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, h := range hits {
		if h.start < last { // partly overlaps a secret already redacted
			if h.end <= last {
				continue
			}
			b.WriteString("…")
			last = h.end
			continue
		}
		b.WriteString(text[last:h.start])
		b.WriteString(redactSecret(h.rule, text[h.start:h.end]))
		last = h.end
	}
	b.WriteString(text[last:])
	return b.String()
}

// redactSecret shows the first four characters of a secret, or the BEGIN line of a private key.
func redactSecret(r *secretRule, secret string) string {
	if r != nil && r.id == "private-key" {
		if i := strings.IndexAny(secret, "\r\n"); i > 0 {
			return secret[:i] + "…"
		}
	}
	n := 0
	for i := range secret {
		if n == 4 {
			return secret[:i] + "…"
		}
		n++
	}
	return "…" // four characters or fewer: show none
}

// Secrets reports credentials added by the change. It implements Analyzer under the security item.
type Secrets struct{}

// Check returns the security item id.
func (Secrets) Check() string { return Security }

// secretMaxLineLen is the length above which a line is treated as minified or generated: only rules
// anchored on a fixed token format still run on it; keyword-assignment rules (generic-api-key and the
// gitleaks "semi-generic" ones) do not.
const secretMaxLineLen = 4000

// secretSkipPaths are files never scanned for secrets on top of gitleaks' global path allowlist,
// which already covers go.sum, package-lock.json, yarn.lock, pnpm-lock.yaml, Pipfile.lock, poetry.lock,
// vendor/, node_modules/ and images: the remaining lock files, whose hashes look like secrets.
var secretSkipPaths = newAnyOf(regexp.MustCompile(`(?:^|/)(?:Cargo\.lock|Gemfile\.lock|composer\.lock|bun\.lockb?|flake\.lock|mix\.lock|packages\.lock\.json|Package\.resolved|uv\.lock|pdm\.lock|conda-lock\.ya?ml)$`))

// Analyze scans the added lines of every included text file. A finding is anchored on the added line
// where the secret starts (the BEGIN line of a private key) and never contains the secret itself.
func (Secrets) Analyze(ctx context.Context, in *Input) (Result, error) {
	var res Result
	if in == nil || in.Diff == nil {
		return res, nil
	}
	eng := secretEngine()
	for _, f := range in.Diff.Files {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("secrets: %w", err)
		}
		path := f.Path()
		if f.NewPath == "" || f.Binary || !in.Included(path) || secretSkipPaths.MatchString(path) {
			continue
		}
		if f.NoPatch {
			res.Notes = append(res.Notes, fmt.Sprintf("secrets: %s has no patch (too large or binary); its added lines were not scanned", path))
			continue
		}
		src := &injFile{ctx: ctx, in: in, path: path, lang: secLangOf(path)}
		rules := eng.rulesFor(path)
		if rules.skip {
			continue // gitleaks' global path allowlist
		}
		for _, run := range addedRuns(f) {
			res.Findings = append(res.Findings, secretFindings(eng, rules, src, run)...)
		}
	}
	return res, nil
}

// addedRuns splits a file's added lines into runs of consecutive new-file lines, so that a private
// key added as one block is scanned as one text. A run that is a stretch of one hunk's lines (no
// deleted line inside it, as in a new file) shares the hunk's slice instead of copying it.
func addedRuns(f *diff.File) [][]diff.Line {
	var runs [][]diff.Line
	for _, h := range f.Hunks {
		var cur []diff.Line
		start := -1 // index in h.Lines where cur starts while cur is a stretch of h.Lines
		for i, l := range h.Lines {
			if l.Kind != diff.Added {
				if l.Kind == diff.Context && len(cur) > 0 {
					runs, cur = append(runs, cur), nil
				}
				continue // a deleted line between two added ones does not break the new-file sequence
			}
			if len(cur) > 0 && l.NewLine != cur[len(cur)-1].NewLine+1 {
				runs, cur = append(runs, cur), nil
			}
			switch {
			case len(cur) == 0:
				cur, start = h.Lines[i:i+1:i+1], i
			case start >= 0 && start+len(cur) == i:
				cur = h.Lines[start : i+1 : i+1]
			default:
				if start >= 0 { // a deleted line came between: copy from here on
					cur, start = append([]diff.Line(nil), cur...), -1
				}
				cur = append(cur, l)
			}
		}
		if len(cur) > 0 {
			runs = append(runs, cur)
		}
	}
	return runs
}

// secretFindings scans one run of added lines and returns one finding per (line, rule).
func secretFindings(eng *secretScanner, rules *secretRuleSet, src *injFile, run []diff.Line) []Finding {
	path := src.path
	starts := make([]int, len(run))
	var b strings.Builder
	size := len(run)
	for _, l := range run {
		size += len(l.Text)
	}
	b.Grow(size)
	for i, l := range run {
		if i > 0 {
			b.WriteByte('\n')
		}
		starts[i] = b.Len()
		b.WriteString(l.Text)
	}
	text := b.String()
	hits := dedupeSecretHits(eng.scanRules(rules, text, path, true))
	if len(hits) == 0 {
		return nil
	}
	type key struct {
		line int
		rule string
	}
	var order []key
	group := map[key][]secretHit{}
	for _, h := range hits {
		i, found := slices.BinarySearch(starts, h.start)
		if !found {
			i--
		}
		if h.rule.generic && src.lang != langNone && src.inNonCode(run[i].NewLine) {
			continue // a keyword = value pair in a docstring or block comment is an example
		}
		if h.rule.generic && givenAsIdentifier(text, h.start, h.end) {
			continue // the same added lines give the value as an identifier
		}
		k := key{i, h.rule.id}
		if _, ok := group[k]; !ok {
			order = append(order, k)
		}
		group[k] = append(group[k], h)
	}
	out := make([]Finding, 0, len(order))
	testPath := secretFixturePaths.MatchString(path)
	for _, k := range order {
		hs := group[k]
		r := hs[0].rule
		line := run[k.line]
		shown := make([]string, 0, len(hs))
		fixture := testPath
		for _, h := range hs {
			shown = append(shown, "`"+redactSecret(r, text[h.start:h.end])+"`")
			fixture = fixture && secretFixtureRule(r, text[h.start:h.end])
		}
		severity, title := SeverityError, "Possible "+r.name+" committed"
		body := fmt.Sprintf("This line adds a possible %s (%s; gitleaks rule `%s`). "+
			"A credential pushed to a repository must be treated as leaked even if the line is removed later: "+
			"revoke or rotate it now, then load it at runtime from a secret store or an environment variable "+
			"(e.g. GitHub Actions secrets, Vault, AWS Secrets Manager) instead of committing it.\n\n"+
			"If the value is a deliberate fake, build it at runtime or add a `gitleaks:allow` comment to the line.",
			r.name, strings.Join(shown, ", "), r.id)
		if !fixture && r.generic && src.lang == langJS && publicSearchKey(src.linesAround(line.NewLine, 6, 0)) {
			severity, title = SeverityInfo, title+" (looks like a public search key)"
			body = fmt.Sprintf("This line gives a browser search client (MeiliSearch, Algolia, Typesense, DocSearch) a literal key (%s; gitleaks rule `%s`). "+
				"Such clients run in the visitor's browser, so their key is public by design and must be a search-only key. "+
				"Check that this key can only search. An admin or master key here is leaked to every visitor: revoke or rotate it now and give the client a search-only key.",
				strings.Join(shown, ", "), r.id)
		}
		if fixture {
			severity, title = SeverityInfo, title+" (looks like a test fixture)"
			body = fmt.Sprintf("This line, in a test path, adds a %s (%s; gitleaks rule `%s`). It looks like a test fixture: "+
				"if it was made for these tests and never used anywhere else, nothing is leaked. If it was ever used by a real "+
				"service or person, treat it as leaked: revoke or rotate it now.\n\n"+
				"To keep secret scanners quiet, generate the fixture when the tests run, or add a `gitleaks:allow` comment to the line.",
				r.name, strings.Join(shown, ", "), r.id)
		}
		out = append(out, Finding{
			Check:    Security,
			Severity: severity,
			Path:     path,
			Line:     line.NewLine,
			Side:     diff.Right,
			Title:    title,
			Body:     body,
			Source:   SourceStatic,
			// The fingerprint hashes the redacted line: a short password must not be recoverable from it.
			Fingerprint: ComputeFingerprint(Security, path, redactLine(line.Text, hs, starts[k.line], r), title),
		})
	}
	return out
}

// searchClientCall matches the start of a call that builds a browser search client, whose key is a
// public search-only key: new MeiliSearch({ host, apiKey }) (discord.js f38395ec4e67),
// instantMeiliSearch(host, key), algoliasearch(appId, key), liteClient(...), docsearch({ apiKey }),
// new Typesense.Client({ ... }).
var searchClientCall = regexp.MustCompile(`(?:\bnew\s+(?:MeiliSearch|Meilisearch|Typesense\.(?:Search)?Client)|\b(?:instantMeiliSearch|instantsearch|algoliasearch|liteClient|searchClient|docsearch|DocSearch))\s*\(`)

// publicSearchKey reports whether the last line of window (a secret's line and the six before it)
// sits inside the arguments of a search client call that starts in the window.
func publicSearchKey(window string) bool {
	locs := searchClientCall.FindAllStringIndex(window, -1)
	if len(locs) == 0 {
		return false
	}
	depth := 0
	for _, c := range window[locs[len(locs)-1][1]-1:] {
		switch c {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		}
	}
	return depth > 0
}

// secretFixturePaths are test directories and test files: tests/ and test/ (tests/certs/...), spec/
// and specs/, testdata/ and test_data/, fixtures/ and fixture/, __fixtures__/, __tests__/ and
// __mocks__/ at any depth, and the test files *_test.go, test_*.py, *_test.py, conftest.py,
// *.test.js / *.spec.ts (and jsx, tsx, mjs, cjs, mts, cts) and *_spec.rb. There a secret that
// secretFixtureRule accepts is reported as info: it looks like a test fixture.
var secretFixturePaths = regexp.MustCompile(`(?i)(?:^|/)(?:tests?|specs?|testdata|test_data|fixtures?|__fixtures__|__tests__|__mocks__)/|_test\.go$|(?:^|/)test_[^/]*\.py$|_test\.py$|(?:^|/)conftest\.py$|\.(?:test|spec)\.[cm]?[jt]sx?$|_spec\.rb$`)

// secretFixtureRule reports whether a secret of rule r is plausibly a test fixture when a test path
// holds it: a private key (tests of TLS, SSH or signing generate key pairs and commit them), or a
// Stripe key of test mode (sk_test_, rk_test_: Stripe's own test environment). Tokens of live
// services (AWS, GitHub, Slack, a live Stripe key, ...) stay errors in tests: tests need a fake
// server or a placeholder, not a real token, and a real one is usable wherever it is committed. jwt
// and generic-api-key do not run on test paths at all (lowConfidenceSkipPaths).
func secretFixtureRule(r *secretRule, secret string) bool {
	switch r.id {
	case "private-key":
		return true
	case "stripe-access-token":
		return strings.HasPrefix(secret, "sk_test_") || strings.HasPrefix(secret, "rk_test_")
	}
	return false
}

// redactLine returns the line with the given secrets (offsets in the run text) redacted.
func redactLine(line string, hs []secretHit, lineStart int, r *secretRule) string {
	var b strings.Builder
	last := 0
	for _, h := range hs {
		s, e := h.start-lineStart, min(h.end-lineStart, len(line))
		if s < last || s >= len(line) {
			continue
		}
		b.WriteString(line[last:s])
		b.WriteString(redactSecret(r, line[s:e]))
		last = e
	}
	b.WriteString(line[last:])
	return b.String()
}

// --- engine -------------------------------------------------------------------------------------

// gitleaksRule is one rule exactly as gitleaks.toml states it (see secrets_rules.go).
type gitleaksRule struct {
	ID          string
	Description string
	Regex       string
	SecretGroup int
	Entropy     float64
	Keywords    []string
	Path        string
	Allowlists  []gitleaksAllowlist
}

// gitleaksAllowlist is a [[rules.allowlists]] or the global [allowlist] as gitleaks.toml states it.
type gitleaksAllowlist struct {
	Description string
	Condition   string // "" (OR) or "AND"
	Paths       []string
	RegexTarget string // "" (the secret), "match" or "line"
	Regexes     []string
	StopWords   []string
}

type secretRule struct {
	id, name    string
	re          *regexp.Regexp
	exists      *regexp.Regexp // matches where re does (re without a leading optional part), faster
	existsFind  bool           // findAll may derive re's matches from exists (secretRule.findAll)
	secretGroup int
	entropy     float64
	keywords    []string
	path        *regexp.Regexp
	allowlists  []*secretAllowlist
	generic     bool // gitleaks treats "generic" rules as lower precedence
	multiline   bool // its regex is meant to span lines
	anchored    bool // matches a fixed token format (runs on very long lines too)
	semiGeneric bool // a gitleaks "keyword = value" regex (utils.GenerateSemiGenericRegex)
	index       int  // position in secretScanner.rules
	minLen      int  // no match is shorter (regexMinLen)
	valueMin    int  // generic-api-key: shortest value (see genericValueAfter); 0 for other rules
}

type secretAllowlist struct {
	and       bool
	paths     *anyOf
	target    string
	regexes   *regexp.Regexp
	stopwords []string
}

type secretScanner struct {
	rules    []*secretRule
	global   *secretAllowlist
	keywords *keywordIndex
	// gitleaksOnly turns off wfreview's extra allowlists (secretExtraAllowed), leaving gitleaks'
	// behaviour: tests use it to compare the port with upstream.
	gitleaksOnly bool
	// unfiltered runs every rule's regex on every line, without the keyword prefilter, the
	// keyword-assignment test or the minimum length: tests use it to show that the prefilter only
	// skips lines where the regex finds nothing.
	unfiltered bool
}

// secretHit is one secret found: offsets of the secret and of the whole match, in the scanned text.
type secretHit struct {
	rule       *secretRule
	start, end int
	matchStart int
	line       int  // index of the line the match starts on
	allowed    bool // allowlisted: only suppresses generic hits, never reported
}

// secretRuleNames are wfreview's short names for the ported rules, used in titles.
var secretRuleNames = map[string]string{
	"aws-access-token":                   "AWS access key ID",
	"github-pat":                         "GitHub personal access token",
	"github-fine-grained-pat":            "GitHub fine-grained personal access token",
	"github-oauth":                       "GitHub OAuth access token",
	"github-app-token":                   "GitHub App token",
	"github-refresh-token":               "GitHub refresh token",
	"gitlab-pat":                         "GitLab personal access token",
	"gitlab-pat-routable":                "GitLab personal access token",
	"gitlab-ptt":                         "GitLab pipeline trigger token",
	"gitlab-rrt":                         "GitLab runner registration token",
	"gitlab-deploy-token":                "GitLab deploy token",
	"gitlab-runner-authentication-token": "GitLab runner authentication token",
	"slack-bot-token":                    "Slack bot token",
	"slack-user-token":                   "Slack user token",
	"slack-app-token":                    "Slack app-level token",
	"slack-legacy-token":                 "Slack legacy token",
	"slack-webhook-url":                  "Slack webhook URL",
	"stripe-access-token":                "Stripe API key",
	"openai-api-key":                     "OpenAI API key",
	"anthropic-api-key":                  "Anthropic API key",
	"anthropic-admin-api-key":            "Anthropic admin API key",
	"gcp-api-key":                        "Google Cloud API key",
	"private-key":                        "private key",
	"jwt":                                "JSON Web Token",
	"npm-access-token":                   "npm access token",
	"pypi-upload-token":                  "PyPI upload token",
	"sendgrid-api-token":                 "SendGrid API key",
	"twilio-api-key":                     "Twilio API key",
	"mailgun-private-api-token":          "Mailgun private API key",
	"mailgun-signing-key":                "Mailgun webhook signing key",
	"discord-api-token":                  "Discord API token",
	"telegram-bot-api-token":             "Telegram bot token",
	"hashicorp-tf-api-token":             "Terraform Cloud API token",
	"databricks-api-token":               "Databricks API token",
	"digitalocean-access-token":          "DigitalOcean OAuth access token",
	"digitalocean-pat":                   "DigitalOcean personal access token",
	"digitalocean-refresh-token":         "DigitalOcean OAuth refresh token",
	"heroku-api-key-v2":                  "Heroku API key",
	"shopify-access-token":               "Shopify access token",
	"shopify-custom-access-token":        "Shopify custom app access token",
	"shopify-private-app-access-token":   "Shopify private app access token",
	"shopify-shared-secret":              "Shopify shared secret",
	"huggingface-access-token":           "Hugging Face access token",
	"huggingface-organization-api-token": "Hugging Face organization API token",
	"azure-ad-client-secret":             "Azure AD client secret",
	"generic-api-key":                    "hard-coded API key or password",
}

// semiGenericPrefix starts every gitleaks "keyword = value" rule (utils.GenerateSemiGenericRegex).
const semiGenericPrefix = `(?i)[\w.-]{0,50}?(?:`

// genericValueRegex ends generic-api-key's regex: the operator, the value and its terminator, which
// genericValueAfter tests for cheaply.
const genericValueRegex = `[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([\w.=-]{10,150}|[a-z0-9][a-z0-9+/]{11,}={0,3})(?:[\x60'"\s;]|\\[nr]|$)`

var secretEngine = sync.OnceValue(func() *secretScanner {
	s, err := compileSecretRules(gitleaksRules, gitleaksGlobalAllowlist)
	if err != nil {
		panic(err) // the rule data is fixed at build time and covered by tests
	}
	return s
})

func compileSecretRules(rules []gitleaksRule, global gitleaksAllowlist) (*secretScanner, error) {
	s := &secretScanner{}
	g, err := compileAllowlist(global)
	if err != nil {
		return nil, fmt.Errorf("global allowlist: %w", err)
	}
	s.global = g
	for _, gr := range rules {
		re, err := regexp.Compile(gr.Regex)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", gr.ID, err)
		}
		if gr.SecretGroup > re.NumSubexp() {
			return nil, fmt.Errorf("rule %s: secretGroup %d > %d groups", gr.ID, gr.SecretGroup, re.NumSubexp())
		}
		r := &secretRule{
			id:          gr.ID,
			name:        cmp.Or(secretRuleNames[gr.ID], gr.ID),
			re:          re,
			secretGroup: gr.SecretGroup,
			entropy:     gr.Entropy,
			generic:     strings.Contains(strings.ToLower(gr.ID), "generic"),
			multiline:   strings.Contains(gr.Regex, `[\s\S`),
		}
		r.semiGeneric = strings.HasPrefix(gr.Regex, semiGenericPrefix)
		r.exists = re
		if r.semiGeneric {
			// [\w.-]{0,50}? can match the empty string and asserts nothing: without it the regexp
			// matches the same lines, several times faster (the match itself still comes from re).
			if r.exists, err = regexp.Compile(`(?i)(?:` + gr.Regex[len(semiGenericPrefix):]); err != nil {
				return nil, fmt.Errorf("rule %s: %w", gr.ID, err)
			}
			r.existsFind = r.exists.NumSubexp() == re.NumSubexp() && !lookbehind(r.exists)
		}
		r.anchored = !r.generic && !r.semiGeneric
		r.index, r.minLen = len(s.rules), regexMinLen(re)
		if r.semiGeneric && strings.HasSuffix(gr.Regex, genericValueRegex) {
			r.valueMin = 10
		}
		for _, k := range gr.Keywords {
			r.keywords = append(r.keywords, strings.ToLower(k))
		}
		if gr.Path != "" {
			if r.path, err = regexp.Compile(gr.Path); err != nil {
				return nil, fmt.Errorf("rule %s path: %w", gr.ID, err)
			}
		}
		for _, a := range gr.Allowlists {
			ca, err := compileAllowlist(a)
			if err != nil {
				return nil, fmt.Errorf("rule %s allowlist: %w", gr.ID, err)
			}
			r.allowlists = append(r.allowlists, ca)
		}
		s.rules = append(s.rules, r)
	}
	kws := make([][]string, len(s.rules))
	for i, r := range s.rules {
		kws[i] = r.keywords
	}
	if s.keywords, err = newKeywordIndex(kws, true); err != nil {
		return nil, err
	}
	return s, nil
}

// compileAllowlist joins the patterns as gitleaks' joinRegexOr does: "(?:" + p1 + "|" + p2 + ")".
// This keeps gitleaks' quirks (an inline flag in one pattern carries over to the following ones),
// which only ever allow more.
func compileAllowlist(a gitleaksAllowlist) (*secretAllowlist, error) {
	out := &secretAllowlist{and: strings.EqualFold(a.Condition, "AND"), target: a.RegexTarget}
	join := func(ps []string) (*regexp.Regexp, error) {
		if len(ps) == 0 {
			return nil, nil
		}
		return regexp.Compile("(?:" + strings.Join(ps, "|") + ")")
	}
	paths, err := join(a.Paths)
	if err != nil {
		return nil, err
	}
	if paths != nil {
		out.paths = newAnyOf(paths)
	}
	if out.regexes, err = join(a.Regexes); err != nil {
		return nil, err
	}
	for _, w := range a.StopWords {
		out.stopwords = append(out.stopwords, strings.ToLower(w))
	}
	return out, nil
}

// pathAllowed is gitleaks' checkCommitOrPathAllowed for one allowlist: an OR allowlist skips the
// path; an AND allowlist skips it only when paths are its sole condition.
func (a *secretAllowlist) pathAllowed(path string) bool {
	if path == "" || a.paths == nil || !a.paths.MatchString(path) {
		return false
	}
	return !a.and || (a.regexes == nil && len(a.stopwords) == 0)
}

// findingAllowed is gitleaks' checkFindingAllowed for one allowlist.
func (a *secretAllowlist) findingAllowed(secret, match, line, path string) bool {
	target := secret
	switch a.target {
	case "match":
		target = match
	case "line":
		target = line
	}
	regexOK := a.regexes != nil && target != "" && a.regexes.MatchString(target)
	stopOK := false
	if secret != "" && len(a.stopwords) > 0 {
		ls := strings.ToLower(secret)
		for _, w := range a.stopwords {
			if strings.Contains(ls, w) {
				stopOK = true
				break
			}
		}
	}
	if !a.and {
		return regexOK || stopOK
	}
	checks := []bool{}
	if a.paths != nil {
		checks = append(checks, path != "" && a.paths.MatchString(path))
	}
	if a.regexes != nil {
		checks = append(checks, regexOK)
	}
	if len(a.stopwords) > 0 {
		checks = append(checks, stopOK)
	}
	for _, c := range checks {
		if !c {
			return false
		}
	}
	return true
}

// scan finds the secrets in text, one hit per secret span (see dedupeSecretHits). path (may be
// empty) drives path allowlists; longLineGuard skips unanchored rules on lines longer than
// secretMaxLineLen.
func (s *secretScanner) scan(text, path string, longLineGuard bool) []secretHit {
	return dedupeSecretHits(s.scanRaw(text, path, longLineGuard))
}

// scanRaw is scan before overlapping hits of different rules are merged: what gitleaks reports.
func (s *secretScanner) scanRaw(text, path string, longLineGuard bool) []secretHit {
	return s.scanRules(s.rulesFor(path), text, path, longLineGuard)
}

// secretRuleSet is the rules that apply to one path, after the path allowlists.
type secretRuleSet struct {
	skip        bool // the whole path is allowlisted
	line, multi []*secretRule
}

// rulesFor selects the rules for path ("" for free text). The path regexes are evaluated here, once
// per file rather than once per run of added lines.
func (s *secretScanner) rulesFor(path string) *secretRuleSet {
	rs := &secretRuleSet{}
	if path != "" && s.global.pathAllowed(path) {
		rs.skip = true
		return rs
	}
rules:
	for _, r := range s.rules {
		if r.path != nil && (path == "" || !r.path.MatchString(path)) {
			continue
		}
		for _, a := range r.allowlists {
			if a.pathAllowed(path) {
				continue rules
			}
		}
		if r.multiline {
			rs.multi = append(rs.multi, r)
		} else {
			rs.line = append(rs.line, r)
		}
	}
	return rs
}

// scanRules is scanRaw with the rules for path already selected.
func (s *secretScanner) scanRules(rs *secretRuleSet, text, path string, longLineGuard bool) []secretHit {
	if rs.skip {
		return nil
	}
	lineRules, multiRules := rs.line, rs.multi

	var hits []secretHit
	var lineStarts []int
	multiWanted := make([]bool, len(multiRules))
	var wanted *lineKeywords
	if !s.unfiltered {
		wanted = s.keywords.scan(text) // one keyword pass over the whole text
	}
	for start, n := 0, 0; start <= len(text); n++ {
		end := strings.IndexByte(text[start:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += start
		}
		lineStarts = append(lineStarts, start)
		lineStart, line := start, strings.TrimSuffix(text[start:end], "\r")
		start = end + 1
		if wanted != nil && !wanted.any(n) {
			continue
		}
		for i, r := range multiRules {
			if !multiWanted[i] && (wanted == nil || wanted.has(n, r.index)) {
				multiWanted[i] = true
			}
		}
		var lower string // the lower-cased line, for keywordAssignment
		for _, r := range lineRules {
			if longLineGuard && len(line) > secretMaxLineLen && !r.anchored {
				continue
			}
			if wanted != nil {
				if len(line) < r.minLen || !wanted.has(n, r.index) {
					continue
				}
				if r.semiGeneric {
					if lower == "" {
						lower = strings.ToLower(line)
					}
					if !keywordAssignment(lower, r.keywords, r.valueMin) {
						continue
					}
				}
			}
			hits = s.matchRule(hits, r, line, lineStart, n, path)
		}
	}
	hits = s.matchMultiLine(hits, multiRules, multiWanted, text, lineStarts, path)
	return genericSecretFilter(text, hits)
}

// matchMultiLine appends to hits the matches in the whole text of the multi-line rules wanted,
// each on the line (an index into lineStarts) where its match starts.
func (s *secretScanner) matchMultiLine(hits []secretHit, rules []*secretRule, wanted []bool, text string, lineStarts []int, path string) []secretHit {
	for i, r := range rules {
		if !wanted[i] {
			continue
		}
		for _, h := range s.matchRule(nil, r, text, 0, 0, path) {
			j, found := slices.BinarySearch(lineStarts, h.matchStart)
			if !found {
				j--
			}
			h.line = j
			hits = append(hits, h)
		}
	}
	return hits
}

// keywordAssignment is a necessary condition for a semi-generic rule to match, much cheaper than its
// regex: after one of the keywords (which are the regex's identifiers), within the 20 characters of
// [ \t\w.-] and 3 of [\s'"] the regex allows, comes the first character of an assignment operator
// (= > : | ? ,). With valueMin > 0 (generic-api-key), a value of at least valueMin characters must
// also follow the operator (see genericValueAfter).
func keywordAssignment(lower string, keywords []string, valueMin int) bool {
	for _, k := range keywords {
		for off := 0; ; {
			i := strings.Index(lower[off:], k)
			if i < 0 {
				break
			}
			j := off + i + len(k)
			filler := 0 // characters (not bytes) between the keyword and the operator
			for n := j; n < len(lower); n++ {
				c := lower[n]
				if strings.IndexByte("=>:|?,", c) >= 0 {
					if valueMin == 0 || genericValueAfter(lower, n, valueMin) {
						return true
					}
					break // the operator starts here or nowhere: the filler cannot contain it
				}
				// Under (?i), \w also matches non-ASCII letters that fold to ASCII (ſ, K): allow any
				// non-ASCII character.
				if !(secIsLower(c) || secIsDigit(c) || c >= 0x80 || strings.IndexByte("_.- \t\n\f\r'\"", c) >= 0) {
					break
				}
				if c < 0x80 || c >= 0xC0 { // not a UTF-8 continuation byte
					if filler++; filler > 23 {
						break
					}
				}
			}
			off = j
		}
	}
	return false
}

// genericValueAfter reports whether the generic-api-key regex can find its value after the operator
// whose first character is at op. The value starts within the 9 bytes after op (the rest of the
// operator, at most 3, then at most 5 of [`'"\s=], nothing else) and is either a run of at least min characters of
// [\w.=-], or [a-z0-9] then at least min+1 of [a-z0-9+/] then at most three '='; then comes a
// terminator ([`'"\s;] or the backslash of \n, \r) or the end of the line. No terminator is a value
// character, so a value ends where a run of value characters ends. Any non-ASCII byte counts as a
// value character ((?i) lets \w and a-z match ſ and the Kelvin sign), which only lets more lines
// through.
func genericValueAfter(lower string, op, min int) bool {
	terminated := func(i int) bool {
		return i == len(lower) || strings.IndexByte("`'\" \t\n\f\r;\\", lower[i]) >= 0
	}
	for k := op + 1; k <= op+9 && k < len(lower); k++ {
		if k > op+1 && strings.IndexByte("=>:|`'\" \t\n\f\r", lower[k-1]) < 0 {
			break // only the operator's tail and [`'"\s=] come between the operator and the value
		}
		e := k
		for e < len(lower) && (genericWordByte(lower[e]) || strings.IndexByte(".=-", lower[e]) >= 0) {
			e++
		}
		if e-k >= min && terminated(e) {
			return true
		}
		if c := lower[k]; secIsLower(c) || secIsDigit(c) || c >= 0x80 {
			e := k + 1
			for e < len(lower) && (secIsLower(lower[e]) || secIsDigit(lower[e]) || lower[e] >= 0x80 || lower[e] == '+' || lower[e] == '/') {
				e++
			}
			n := e - k
			for pad := 0; pad < 3 && e < len(lower) && lower[e] == '='; pad++ {
				e++
			}
			if n >= min+2 && terminated(e) {
				return true
			}
		}
	}
	return false
}

// genericWordByte is (?i)\w on lower-cased text, any non-ASCII byte included.
func genericWordByte(c byte) bool {
	return secIsLower(c) || secIsUpper(c) || secIsDigit(c) || c == '_' || c >= 0x80
}

// gitleaksAllow is gitleaks' inline suppression comment.
const gitleaksAllow = "gitleaks:allow"

// matchRule runs one rule over seg (which starts at offset base of the scanned text and on line n).
func (s *secretScanner) matchRule(hits []secretHit, r *secretRule, seg string, base, n int, path string) []secretHit {
	if !r.exists.MatchString(seg) { // cheaper than tracking submatches; most keyword lines do not match
		return hits
	}
	for _, m := range r.findAll(seg) {
		ms, me := m[0], m[1]
		// gitleaks trims newlines off the match (detect.go, issue 1352).
		for ms < me && seg[ms] == '\n' {
			ms++
		}
		for me > ms && seg[me-1] == '\n' {
			me--
		}
		ss, se := ms, me
		if r.re.NumSubexp() > 0 {
			if g := r.secretGroup; g > 0 {
				ss, se = m[2*g], m[2*g+1]
			} else {
				for g := 1; g <= r.re.NumSubexp(); g++ {
					if m[2*g] >= 0 && m[2*g+1] > m[2*g] {
						ss, se = m[2*g], m[2*g+1]
						break
					}
				}
			}
			if ss < 0 {
				continue
			}
		}
		secret, match := seg[ss:se], seg[ms:me]
		// The "line" gitleaks reports: from the start of the match's first line to the end of its last.
		ls := strings.LastIndexByte(seg[:ms], '\n') + 1
		le := me
		if i := strings.IndexByte(seg[me:], '\n'); i >= 0 {
			le = me + i
		} else {
			le = len(seg)
		}
		line := seg[ls:le]
		if strings.Contains(line, gitleaksAllow) {
			continue
		}
		if r.entropy != 0 && shannonEntropy(secret) <= r.entropy {
			continue
		}
		allowed := s.global.findingAllowed(secret, match, line, path)
		for _, a := range r.allowlists {
			if allowed {
				break
			}
			allowed = a.findingAllowed(secret, match, line, path)
		}
		if !allowed && !s.gitleaksOnly {
			allowed = secretExtraAllowed(r, secretContext{
				secret: secret, key: seg[ms:ss], pre: seg[max(ls, strings.LastIndexByte(seg[:ss], '\n')+1):ss], path: path,
			})
		}
		if allowed && (r.generic || s.gitleaksOnly) {
			continue
		}
		// An allowed specific-rule hit is kept, marked, until the generic filter has run: the value was
		// recognised (an AWS documentation key, a public Supabase JWT) and generic-api-key must not
		// report it again.
		hits = append(hits, secretHit{rule: r, start: base + ss, end: base + se, matchStart: base + ms, line: n, allowed: allowed})
	}
	return hits
}

// shannonEntropy is gitleaks' detect.shannonEntropy: over runes, normalised by the byte length.
func shannonEntropy(data string) float64 {
	if data == "" {
		return 0
	}
	counts := map[rune]int{}
	for _, c := range data {
		counts[c]++
	}
	inv := 1.0 / float64(len(data))
	e := 0.0
	for _, n := range counts {
		f := float64(n) * inv
		e -= f * math.Log2(f)
	}
	return e
}

// genericSecretFilter is gitleaks' detect.filter: a generic-rule secret contained in a specific
// rule's secret on the same line is dropped.
func genericSecretFilter(text string, hits []secretHit) []secretHit {
	out := hits[:0:0]
next:
	for _, h := range hits {
		if h.rule.generic {
			for _, o := range hits {
				if o.line == h.line && o.rule != h.rule && !o.rule.generic &&
					strings.Contains(text[o.start:o.end], text[h.start:h.end]) {
					continue next
				}
			}
		}
		if !h.allowed {
			out = append(out, h)
		}
	}
	return out
}

// dedupeSecretHits keeps one hit per secret span: a hit whose secret lies inside another hit's
// secret is dropped (the longer, or the earlier rule, wins). The result is ordered by offset.
func dedupeSecretHits(hits []secretHit) []secretHit {
	keep := make([]bool, len(hits))
	for i := range hits {
		keep[i] = true
	}
	for i, h := range hits {
		if !keep[i] {
			continue
		}
		for j, o := range hits {
			if i == j || !keep[j] {
				continue
			}
			inside := o.start <= h.start && h.end <= o.end
			same := o.start == h.start && o.end == h.end
			if inside && (!same || j < i) {
				keep[i] = false
				break
			}
		}
	}
	out := hits[:0:0]
	for i, h := range hits {
		if keep[i] {
			out = append(out, h)
		}
	}
	slices.SortStableFunc(out, func(a, b secretHit) int {
		return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end))
	})
	return out
}
