package checklist

// wfreview's allowlists on top of gitleaks'. gitleaks is tuned for recall over whole histories;
// wfreview posts every finding on a pull request, so a value that is evidently not a live credential
// is dropped here. Each rule below was added for false positives seen when scanning real code (the Go
// distribution and the Go module cache), and none applies to a random token of the format a rule
// describes.

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
	"time"
)

// secretContext is what the extra allowlists look at for one candidate.
type secretContext struct {
	secret string
	key    string // the part of the match before the secret: "api_key = \"" for generic rules
	pre    string // the text of the secret's line before the secret
	path   string // "" for free text (FindSecrets)
}

// secretExtraAllowed reports whether a candidate gitleaks would report is evidently not a live
// credential.
func secretExtraAllowed(r *secretRule, c secretContext) bool {
	switch r.id {
	case "private-key":
		return pemIsStub(c.secret)
	case "jwt":
		return (c.path != "" && lowConfidenceSkipPaths.MatchString(c.path)) || !jwtIsCredential(c.secret, time.Now())
	}
	if secretPlaceholder.MatchString(c.secret) || publishedDevCredentials[strings.Trim(c.secret, "\"'`")] {
		return true
	}
	switch r.id {
	case "generic-api-key":
		return genericNotCredential(c)
	case "discord-api-token":
		return discordPublicKey.MatchString(c.key)
	}
	return false
}

// secretPlaceholder matches values that are documentation or templates, not credentials: they
// contain a placeholder word, a run of filler characters or a counted-out run (letta be53f15ce02b's
// tests use `xoxb-1234567890-1234567890123-abcdefghijklmnopqrstuvwx`). Tokens of the ported formats are random
// and essentially never contain these.
var secretPlaceholder = regexp.MustCompile(`(?i)example|placeholder|redacted|changeme|change_me|dummy|fake|sample|your[_-]|x{4,}|\*{3,}|0{8,}|12345678|abcdefgh|[<>]|\$\{|\{\{|\.\.\.|…`)

// pemIsStub reports whether a private key block carries no key material: fewer than 64 base64
// characters between its BEGIN and END lines once escapes and headers are removed ("MIIE...",
// "xxx\nxxx", "<your key here>").
func pemIsStub(block string) bool {
	if strings.Contains(block, "...") || strings.Contains(block, "…") || strings.ContainsAny(block, "<>") {
		return true
	}
	body := block
	if i := strings.Index(body, "KEY-----"); i >= 0 {
		body = body[i+len("KEY-----"):]
	} else if i := strings.Index(body, "BLOCK-----"); i >= 0 {
		body = body[i+len("BLOCK-----"):]
	}
	if i := strings.LastIndex(body, "-----END"); i >= 0 {
		body = body[:i]
	}
	n := 0
	for _, line := range strings.FieldsFunc(strings.NewReplacer(`\n`, "\n", `\r`, "\n").Replace(body), func(r rune) bool { return r == '\n' }) {
		if strings.Contains(line, ":") { // Proc-Type:, DEK-Info:, Version:, Comment:
			continue
		}
		for i := 0; i < len(line); i++ {
			c := line[i]
			if secIsLetter(c) || secIsDigit(c) || c == '+' || c == '/' || c == '=' {
				n++
			}
		}
	}
	return n < 64 || pemFiller.MatchString(body)
}

var pemFiller = regexp.MustCompile(`(?i)x{16,}|a{16,}`)

// lowConfidenceSkipPaths are files where generic-api-key and jwt do not run: tests, fixtures, fuzz
// corpora, examples, Storybook stories (the demo data of UI components: modelcontextprotocol/inspector
// 25106dcce481's NetworkEntry.stories.tsx shows a made-up OAuth response) and documentation, where "key = value" pairs are test vectors (crypto keys,
// HMAC secrets) and JWTs are fixtures signed with test keys far more often than live credentials.
// The token-format rules still run there.
var lowConfidenceSkipPaths = regexp.MustCompile(`(?i)(?:^|/)(?:tests?|__tests__|__fixtures__|testdata|test_data|fixtures?|specs?|examples?|samples?|docs?|mocks?|corpus|fuzz|stories|__stories__)/|_test\.go$|(?:^|/)test_[^/]*\.py$|_test\.py$|(?:^|/)conftest\.py$|\.(?:test|spec|stories)\.[cm]?[jt]sx?$|\.(?:md|mdx|markdown|rst|txt|adoc)$|(?:^|/)(?:swagger|openapi)[^/]*\.(?:ya?ml|json)$`)

// genericCodeFiles are programming-language sources: there a credential is a quoted literal, and an
// unquoted value after "key =" or "token:" is a variable, a call or prose in a comment.
var genericCodeFiles = regexp.MustCompile(`(?i)\.(?:go|py|pyi|[cm]?[jt]sx?|java|kt|kts|scala|groovy|rb|php|cs|fs|rs|swift|dart|c|h|cc|cpp|cxx|hh|hpp|m|mm|lua|ex|exs|erl|clj|jl|r|tf|hcl|vue|svelte)$`)

// genericNotSecret matches generic-api-key values that are code, not credentials: an upper-case
// environment-variable name (API_KEY_V2) or a dotted identifier path (settings.API_KEY2). gitleaks
// only allows letters-only values; these forms with digits are still references.
var genericNotSecret = regexp.MustCompile(`^(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)$`)

// genericDigestKey matches key names whose values are digests or identifiers, not credentials
// (openapi_commit: <sha>, integrity_hash = ..., token_salt, Square's version_token: trigger.dev
// c0b84595a352).
var genericDigestKey = regexp.MustCompile(`(?i)commit|sha(?:1|256|384|512)?(?:[^a-z]|$)|hash|digest|checksum|revision|version|etag|nonce|salt|fingerprint|integrity|uuid|guid`)

// genericIDKey matches a key name ending in a word that makes its value an identifier or a
// reference (SecretID, token_name, api_key_path), right before the assignment.
var genericIDKey = regexp.MustCompile(`(?i)(?:id|ids|name|names|type|url|uri|path|file|length|size|count)['"\x60]?\s*(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]*$`)

// genericDigestPrefix matches a checksum written as algorithm:value (go.sum "h1:", "sha256:").
var genericDigestPrefix = regexp.MustCompile(`(?i)(?:\bh1|sha(?:1|256|384|512)|md5):$`)

// secCommentLine matches a line that is a comment in common languages.
var secCommentLine = regexp.MustCompile(`^\s*(?://|/\*|\*|#|--|<!--)`)

// givenAsIdentifier reports whether the value text[start:end] also stands, elsewhere in text, right after
// a key that names an identifier (`response_id: "…"`, `?responseId=…`): then it is one. Typeform's
// webhook samples give each response's token as its response_id too (trigger.dev c0b84595a352).
func givenAsIdentifier(text string, start, end int) bool {
	secret := text[start:end]
	for off := 0; off < len(text); {
		i := strings.Index(text[off:], secret)
		if i < 0 {
			return false
		}
		j := off + i
		if j != start && genericIDKey.MatchString(text[max(0, j-48):j]) {
			return true
		}
		off = j + len(secret)
	}
	return false
}

// publishedDevCredentials are fixed credentials their vendors publish, valid nowhere else: the QStash
// dev server's default user (its token, base64 of {"UserID":"defaultUser","Password":"defaultPassword"},
// and signing keys, as @upstash/qstash's DEV_CREDENTIALS; dub 0637ba7534fb's end-to-end workflow runs
// against it), the Azure Storage emulator's (Azurite) account key of devstoreaccount1, and the
// verification token of Slack's Events API examples (trigger.dev c0b84595a352's sample payloads).
var publishedDevCredentials = map[string]bool{
	"Jhj5dZrVaK7ZwHHjRyZWjbDl": true,
	"eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=":                 true,
	"sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r":                                                         true,
	"sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs":                                                         true,
	"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==": true,
}

// publicKeyPrefix matches keys that their services publish on purpose, to be shipped in clients:
// PostHog project API keys (phc_; personal keys are phx_), Stripe publishable keys (pk_live_,
// pk_test_; secret keys are sk_) and Mapbox public tokens (pk.eyJ; secret ones are sk.eyJ).
// browser-use 90f1013cf625 sends its telemetry with POSTHOG_PROJECT_API_KEY = 'phc_...'.
var publicKeyPrefix = regexp.MustCompile(`^(?:phc_|pk_(?:live|test)_|pk\.eyJ)`)

func genericNotCredential(c secretContext) bool {
	if genericNotSecret.MatchString(c.secret) || identifierLike(c.secret) || publicKeyPrefix.MatchString(c.secret) ||
		genericDigestKey.MatchString(c.key) || genericIDKey.MatchString(c.key) || genericDigestPrefix.MatchString(c.pre) {
		return true
	}
	if c.path == "" {
		return false // free text (redaction): recall matters more than precision
	}
	// In a pull request, report only a value assigned to a name that says it is a credential, outside
	// tests and documentation, on a line that is not a comment, and in source code only a quoted
	// literal.
	if !genericCredentialKey.MatchString(c.key) || lowConfidenceSkipPaths.MatchString(c.path) || secCommentLine.MatchString(c.pre) {
		return true
	}
	if genericCodeFiles.MatchString(c.path) {
		if b := secLastByte(c.pre); b != '"' && b != '\'' && b != '`' {
			return true
		}
	}
	return false
}

// genericCredentialKey matches key names that say their value is a credential. gitleaks' generic
// keywords also include bare "key", "auth" and "access" (tagKeys, authtype, access_mode), which in
// code name public keys, modes and ids as often as secrets.
var genericCredentialKey = regexp.MustCompile(`(?i)passw(?:or)?d|passwd|pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key|signing[_.-]?key|encryption[_.-]?key|auth[_.-]?key|credential|creds`)

func secLastByte(s string) byte {
	if s == "" {
		return 0
	}
	return s[len(s)-1]
}

// identifierLike reports whether s reads as a program identifier made of words (encryptionKey1024,
// test_rsa_2048_private_key, NewEncapsulationKey768): at least two runs of letters, each three
// letters or longer, one of them a word of four or more. Random tokens break into short runs.
func identifierLike(s string) bool {
	if s == "" || !(s[0] == '_' || secIsLetter(s[0])) {
		return false
	}
	var words []int // lengths of the letter runs, split at camel-case boundaries
	for i := 0; i < len(s); {
		c := s[i]
		if c == '_' || c == '-' || secIsDigit(c) {
			i++
			continue
		}
		if !secIsLetter(c) {
			return false
		}
		j := i
		for j < len(s) && secIsUpper(s[j]) {
			j++
		}
		if j < len(s) && secIsLower(s[j]) {
			if j-i > 1 { // "RSAPrivate": the acronym ends one capital early; that capital starts a word
				words = append(words, j-1-i)
				i = j - 1
			}
			for j < len(s) && secIsLower(s[j]) {
				j++
			}
		}
		words = append(words, j-i)
		i = j
	}
	long := false
	for _, n := range words {
		if n < 3 {
			return false
		}
		long = long || n >= 4
	}
	return len(words) >= 2 && long
}

func secIsUpper(c byte) bool  { return 'A' <= c && c <= 'Z' }
func secIsLower(c byte) bool  { return 'a' <= c && c <= 'z' }
func secIsLetter(c byte) bool { return secIsUpper(c) || secIsLower(c) }
func secIsDigit(c byte) bool  { return '0' <= c && c <= '9' }

// discordPublicKey: a Discord application's interaction public key is 64 hex characters like an API
// token, but public; gitleaks' generic allowlist already knows "pub(lic)?[_.-]?key".
var discordPublicKey = regexp.MustCompile(`(?i)pub(?:lic)?[_.-]?key`)

// jwtSampleSignature is the signature of the jwt.io documentation token.
var jwtSampleSignature = "SflKxwRJSMeKKF2QT4fwpMeJf36POk6y" + "JV_adQssw5c"

// jwtIsCredential reports whether a JWT-shaped string is a token that can still grant access: its
// header must decode to JSON naming a signing algorithm other than "none", it must carry a signature,
// it must not have expired, and it must not be a Supabase anon key (a JWT designed to be public).
func jwtIsCredential(tok string, now time.Time) bool {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || parts[2] == "" || strings.TrimRight(parts[2], "=") == jwtSampleSignature {
		return false
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	if !jwtDecode(parts[0], &hdr) || hdr.Alg == "" || strings.EqualFold(hdr.Alg, "none") {
		return false
	}
	var claims struct {
		Role string   `json:"role"`
		Exp  *float64 `json:"exp"`
	}
	if jwtDecode(parts[1], &claims) {
		if claims.Role == "anon" {
			return false
		}
		if claims.Exp != nil && *claims.Exp > 0 && time.Unix(int64(*claims.Exp), 0).Before(now) {
			return false
		}
	}
	return true
}

func jwtDecode(seg string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return false
	}
	return json.Unmarshal(b, v) == nil
}
