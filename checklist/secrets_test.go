package checklist

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wfreview/wfreview/diff"
)

// Fake credentials are built at run time from a seeded generator, so this file holds no literal that
// a secret scanner reading the repository would flag.

const (
	csUpper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	csLower  = "abcdefghijklmnopqrstuvwxyz"
	csDigit  = "0123456789"
	csHex    = "0123456789abcdef"
	csAlnum  = csUpper + csLower + csDigit
	csBase32 = csUpper + "234567"
)

// tokenGen draws random-looking token bodies from a fixed seed.
type tokenGen struct{ r *rand.Rand }

func newTokenGen(seed uint64) *tokenGen { return &tokenGen{rand.New(rand.NewPCG(seed, seed^0x5eed))} }

func (g *tokenGen) s(charset string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = charset[g.r.IntN(len(charset))]
	}
	return string(b)
}

func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// fakeJWT builds a signed-looking JWT with the given claims.
func fakeJWT(g *tokenGen, claims string) string {
	return b64url(`{"alg":"HS256","typ":"JWT"}`) + "." + b64url(claims) + "." + g.s(csAlnum+"-_", 43)
}

// fakePEM builds a private key block of random base64 lines.
func fakePEM(g *tokenGen, kind string) string {
	var b strings.Builder
	b.WriteString("-----BEGIN " + kind + "PRIVATE KEY-----\n")
	for range 6 {
		b.WriteString(g.s(csAlnum+"+/", 64) + "\n")
	}
	b.WriteString("-----END " + kind + "PRIVATE KEY-----")
	return b.String()
}

// secretCase is one ported rule: a line holding a realistic fake secret, and near misses that must
// not produce any finding.
type secretCase struct {
	rule   string
	secret string
	line   string
	misses []string
}

func secretCases() []secretCase {
	g := newTokenGen(20240521)
	tok := func(prefix, cs string, n int) string { return prefix + g.s(cs, n) }
	q := func(key, v string) string { return key + ` = "` + v + `"` }
	var cs []secretCase
	add := func(rule, secret, line string, misses ...string) {
		cs = append(cs, secretCase{rule: rule, secret: secret, line: line, misses: misses})
	}

	aws := tok("AKIA", csBase32, 16)
	add("aws-access-token", aws, q("aws_access_key_id", aws),
		q("aws_access_key_id", "AKIA"+"IOSFODNN7"+"EXAMPLE"),   // AWS's documentation key, allowlisted by gitleaks
		q("aws_id", "AKIA"+g.s(csBase32, 15)),                  // too short
		q("aws_access_key_id", "AKIA"+strings.Repeat("A", 16)), // low entropy
	)
	pat := tok("ghp_", csAlnum, 36)
	add("github-pat", pat, q("GITHUB_TOKEN", pat),
		q("GITHUB_TOKEN", "ghp_"+strings.Repeat("x", 36)),
		q("GH_VALUE", "ghp_"+g.s(csAlnum, 30)), // too short
		`GITHUB_TOKEN = os.environ["GITHUB_TOKEN"]`,
	)
	fg := tok("github_pat_", csAlnum+"_", 82)
	add("github-fine-grained-pat", fg, "export GH_TOKEN="+fg, "export GH_TOKEN=github_pat_"+strings.Repeat("x", 82))
	gho := tok("gho_", csAlnum, 36)
	add("github-oauth", gho, "token: "+gho, "token: gho_"+strings.Repeat("x", 36))
	ghs := tok("ghs_", csAlnum, 36)
	add("github-app-token", ghs, `"installation_token": "`+ghs+`"`, `"installation_token": "ghs_`+strings.Repeat("0", 36)+`"`)
	ghr := tok("ghr_", csAlnum, 36)
	add("github-refresh-token", ghr, "refresh = '"+ghr+"'", "refresh = 'ghr_"+g.s(csAlnum, 20)+"'")
	glpat := tok("glpat-", csAlnum+"-_", 20)
	add("gitlab-pat", glpat, "GITLAB_TOKEN="+glpat, "GITLAB_VALUE=glpat-"+g.s(csAlnum, 12))
	routable := "glpat-" + g.s(csAlnum, 40) + "." + "01" + g.s(csLower+csDigit, 7)
	add("gitlab-pat-routable", routable, "GITLAB_TOKEN="+routable)
	glptt := tok("glptt-", csHex, 40)
	add("gitlab-ptt", glptt, "curl -F token="+glptt+" https://gitlab.example.com/api/v4/projects/1/trigger/pipeline",
		"value=glptt-"+g.s(csHex, 30))
	rrt := tok("GR1348941", csAlnum+"-_", 20)
	add("gitlab-rrt", rrt, "registration-token: "+rrt, "registration: GR1348941"+g.s(csAlnum, 10))
	gldt := tok("gldt-", csAlnum, 20)
	add("gitlab-deploy-token", gldt, q("DEPLOY_TOKEN", gldt), q("DEPLOY_TOKEN", "gldt-"+strings.Repeat("a", 20)))
	glrt := tok("glrt-", csAlnum, 20)
	add("gitlab-runner-authentication-token", glrt, `token = "`+glrt+`"`, `runner = "glrt-`+g.s(csAlnum, 8)+`"`)

	xoxb := "xoxb-" + g.s(csDigit, 11) + "-" + g.s(csDigit, 12) + "-" + g.s(csAlnum, 24)
	add("slack-bot-token", xoxb, q("SLACK_BOT_TOKEN", xoxb), q("SLACK_BOT_TOKEN", "xoxb-your-bot-token"))
	xoxp := "xoxp-" + g.s(csDigit, 11) + "-" + g.s(csDigit, 11) + "-" + g.s(csDigit, 12) + "-" + g.s(csAlnum, 32)
	add("slack-user-token", xoxp, q("SLACK_USER_TOKEN", xoxp), q("SLACK_USER", "xoxp-"+g.s(csDigit, 11)+"-"+g.s(csAlnum, 32)))
	xapp := "xapp-1-A" + g.s(csUpper+csDigit, 10) + "-" + g.s(csDigit, 13) + "-" + g.s(csHex, 64)
	add("slack-app-token", xapp, q("SLACK_APP_TOKEN", xapp), q("SLACK_APP_TOKEN", "xapp-1-..."))
	xoxs := "xoxs-" + g.s(csDigit, 10) + "-" + g.s(csDigit, 10) + "-" + g.s(csDigit, 10) + "-" + g.s(csHex, 64)
	add("slack-legacy-token", xoxs, q("SLACK_TOKEN", xoxs))
	hook := "https://hooks.slack.com/services/T" + g.s(csUpper+csDigit, 10) + "/B" + g.s(csUpper+csDigit, 10) + "/" + g.s(csAlnum, 24)
	add("slack-webhook-url", hook, q("SLACK_WEBHOOK", hook),
		q("SLACK_WEBHOOK", "https://hooks.slack.com/services/T000/B000/XXXX"))

	stripe := tok("sk_live_", csAlnum, 24)
	add("stripe-access-token", stripe, q("stripe.api_key", stripe), q("stripe.api_key", "sk_live_"+"xxxxxxxxxxxxxxxxxxxx"))
	openai := "sk-proj-" + g.s(csAlnum, 74) + "T3BlbkFJ" + g.s(csAlnum, 74)
	add("openai-api-key", openai, q("OPENAI_API_KEY", openai), q("OPENAI_API_KEY", "sk-proj-..."))
	ant := "sk-ant-api03-" + g.s(csAlnum+"-_", 93) + "AA"
	add("anthropic-api-key", ant, q("ANTHROPIC_API_KEY", ant), q("ANTHROPIC", "sk-ant-api03-"+g.s(csAlnum, 40)))
	antAdmin := "sk-ant-admin01-" + g.s(csAlnum+"-_", 93) + "AA"
	add("anthropic-admin-api-key", antAdmin, q("ANTHROPIC_ADMIN_KEY", antAdmin))
	gcp := tok("AIza", csAlnum+"-_", 35)
	add("gcp-api-key", gcp, `const firebaseKey = "`+gcp+`";`, `const firebaseKey = "AIza`+strings.Repeat("x", 35)+`";`)
	pem := fakePEM(g, "RSA ")
	add("private-key", pem, pem, "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA...\n-----END RSA PRIVATE KEY-----")
	jwt := fakeJWT(g, `{"sub":"42","exp":4102444800}`)
	add("jwt", jwt, "Authorization: Bearer "+jwt,
		"Authorization: Bearer "+b64url(`{"alg":"none"}`)+"."+b64url(`{"sub":"1234567890","exp":4102444800}`)+".", // unsigned
		"Authorization: Bearer "+fakeJWT(g, `{"sub":"42","exp":1500000000}`),                                      // expired
		"SUPABASE_ANON_KEY="+fakeJWT(g, `{"role":"anon","exp":4102444800}`),                                       // public by design
	)
	npm := tok("npm_", csAlnum, 36)
	add("npm-access-token", npm, "//registry.npmjs.org/:_authToken="+npm, "//registry.npmjs.org/:_authToken=${NPM_TOKEN}")
	pypi := tok("pypi-AgEIcHlwaS5vcmc", csAlnum+"-_", 70)
	add("pypi-upload-token", pypi, "password = "+pypi, "repository = pypi-AgEIcHlwaS5vcmc")
	sg := "SG." + g.s(csAlnum+"-_", 22) + "." + g.s(csAlnum+"-_", 43)
	add("sendgrid-api-token", sg, q("SENDGRID_API_KEY", sg), q("SENDGRID_API_KEY", "SG.xxxxx.yyyyy"))
	twilio := tok("SK", csHex, 32)
	add("twilio-api-key", twilio, q("TWILIO_API_KEY", twilio), q("TWILIO_API_KEY", "SK"+strings.Repeat("0", 32)))
	mg := tok("key-", csHex, 32)
	add("mailgun-private-api-token", mg, q("MAILGUN_API_KEY", mg), q("MAILGUN_VALUE", "key-"+g.s(csHex, 16)))
	mgs := g.s("abcdefgh"+csDigit, 32) + "-" + g.s("abcdefgh"+csDigit, 8) + "-" + g.s("abcdefgh"+csDigit, 8)
	add("mailgun-signing-key", mgs, q("MAILGUN_WEBHOOK_SIGNING_KEY", mgs))
	disc := g.s(csHex, 64)
	add("discord-api-token", disc, q("DISCORD_API_TOKEN", disc),
		q("DISCORD_PUBLIC_KEY", g.s(csHex, 64)), // an application's public key, not a secret
	)
	tg := g.s(csDigit, 10) + ":A" + g.s(csAlnum+"-_", 34)
	add("telegram-bot-api-token", tg, q("TELEGRAM_BOT_TOKEN", tg), q("TELEGRAM_BOT_TOKEN", "123456:ABC-DEF"))
	tf := g.s(csAlnum, 14) + ".atlasv1." + g.s(csAlnum+"-_", 67)
	add("hashicorp-tf-api-token", tf, `token = "`+tf+`"`)
	dapi := tok("dapi", csHex, 32)
	add("databricks-api-token", dapi, q("DATABRICKS_TOKEN", dapi), q("DATABRICKS_TOKEN", "dapi"+strings.Repeat("0", 32)))
	doo := tok("doo_v1_", csHex, 64)
	add("digitalocean-access-token", doo, q("DO_TOKEN", doo))
	dop := tok("dop_v1_", csHex, 64)
	add("digitalocean-pat", dop, q("DIGITALOCEAN_TOKEN", dop), q("DIGITALOCEAN", "dop_v1_"+g.s(csHex, 40)))
	dor := tok("dor_v1_", csHex, 64)
	add("digitalocean-refresh-token", dor, q("DO_REFRESH", dor))
	heroku := tok("HRKU-AA", csAlnum+"-_", 58)
	add("heroku-api-key-v2", heroku, q("HEROKU_API_KEY", heroku), q("HEROKU_API_KEY", "HRKU-AA"+strings.Repeat("x", 58)))
	for _, p := range []struct{ id, prefix string }{
		{"shopify-access-token", "shpat_"}, {"shopify-custom-access-token", "shpca_"},
		{"shopify-private-app-access-token", "shppa_"}, {"shopify-shared-secret", "shpss_"},
	} {
		v := tok(p.prefix, csHex, 32)
		add(p.id, v, q("SHOPIFY_SECRET", v), q("SHOPIFY", p.prefix+g.s(csHex, 20)))
	}
	hf := tok("hf_", csUpper+csLower, 34)
	add("huggingface-access-token", hf, q("HF_TOKEN", hf), q("HF_TOKEN", "hf_"+strings.Repeat("x", 34)))
	hfOrg := tok("api_org_", csUpper+csLower, 34)
	add("huggingface-organization-api-token", hfOrg, q("HF_ORG_TOKEN", hfOrg))
	az := g.s(csAlnum, 3) + "8Q~" + g.s(csAlnum+"_~.-", 34)
	add("azure-ad-client-secret", az, q("AZURE_CLIENT_SECRET", az))
	pw := g.s(csAlnum, 20)
	add("generic-api-key", pw, q("db_password", pw),
		`db_password = os.getenv("DB_PASSWORD")`,
		`password = "${DB_PASSWORD}"`,
		`api_key = "YOUR_API_KEY_HERE"`,
		`token = process.env.GITHUB_TOKEN;`,
		`secret = "changeme"`,
		`api_key = "0123456789"`,
	)
	return cs
}

func TestSecretRulesPorted(t *testing.T) {
	eng := secretEngine()
	var ids []string
	for _, r := range eng.rules {
		ids = append(ids, r.id)
		if secretRuleNames[r.id] == "" {
			t.Errorf("rule %s has no short name", r.id)
		}
		if len(r.keywords) == 0 {
			t.Errorf("rule %s has no keywords: it would run on every line", r.id)
		}
	}
	if !slices.Equal(ids, portedGitleaksRules) {
		t.Errorf("engine rules = %v\nwant %v", ids, portedGitleaksRules)
	}
	covered := map[string]bool{}
	for _, c := range secretCases() {
		covered[c.rule] = true
	}
	for _, id := range portedGitleaksRules {
		if !covered[id] {
			t.Errorf("rule %s has no test case", id)
		}
	}
}

func TestFindSecretsTruePositives(t *testing.T) {
	for _, c := range secretCases() {
		t.Run(c.rule, func(t *testing.T) {
			line := "  " + c.line + "  # added"
			got := FindSecrets(line)
			if len(got) != 1 {
				t.Fatalf("FindSecrets(%q) = %+v, want one %s match", line, got, c.rule)
			}
			m := got[0]
			if m.RuleID != c.rule {
				t.Errorf("rule = %s, want %s", m.RuleID, c.rule)
			}
			if line[m.Start:m.End] != c.secret {
				t.Errorf("secret = %q, want %q", line[m.Start:m.End], c.secret)
			}
			if m.Description != secretRuleNames[c.rule] {
				t.Errorf("description = %q", m.Description)
			}
		})
	}
}

func TestFindSecretsNearMisses(t *testing.T) {
	for _, c := range secretCases() {
		for i, line := range c.misses {
			t.Run(fmt.Sprintf("%s/%d", c.rule, i), func(t *testing.T) {
				if got := FindSecrets(line); len(got) != 0 {
					t.Errorf("FindSecrets(%q) = %+v, want none", line, got)
				}
			})
		}
	}
}

func TestFindSecretsPrivateKey(t *testing.T) {
	g := newTokenGen(7)
	for _, kind := range []string{"", "RSA ", "EC ", "OPENSSH ", "ENCRYPTED "} {
		t.Run(kind+"PEM", func(t *testing.T) {
			pem := fakePEM(g, kind)
			text := "const key = `" + pem + "`\nfunc main() {}\n"
			got := FindSecrets(text)
			if len(got) != 1 || got[0].RuleID != "private-key" {
				t.Fatalf("FindSecrets = %+v, want one private-key", got)
			}
			if text[got[0].Start:got[0].End] != pem {
				t.Errorf("secret = %q, want the whole block", text[got[0].Start:got[0].End])
			}
			red := RedactSecrets(text)
			if want := "const key = `-----BEGIN " + kind + "PRIVATE KEY-----…`\nfunc main() {}\n"; red != want {
				t.Errorf("RedactSecrets = %q, want %q", red, want)
			}
		})
	}
	stubs := map[string]string{
		"ellipsis": "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA...\n" + strings.Repeat("A", 70) + "\n-----END RSA PRIVATE KEY-----",
		"escaped":  `"-----BEGIN RSA PRIVATE KEY-----\nxxx\nxxx\nxxx\nxxx\nxxx\nxxx\nxxx\nxxx\nxxx\nxxx\nxxx\nxxx\nxxx\n-----END RSA PRIVATE KEY-----"`,
		"angle":    "-----BEGIN PRIVATE KEY-----\n<paste the contents of your key file here, keep the header lines>\n-----END PRIVATE KEY-----",
	}
	for name, text := range stubs {
		t.Run("stub/"+name, func(t *testing.T) {
			if got := FindSecrets(text); len(got) != 0 {
				t.Errorf("FindSecrets = %+v, want none for a documentation stub", got)
			}
		})
	}
}

func TestFindSecretsGitleaksBehaviour(t *testing.T) {
	g := newTokenGen(99)
	pat := "ghp_" + g.s(csAlnum, 36)
	tests := []struct {
		name  string
		text  string
		rules []string
	}{
		{"gitleaks:allow comment", `token = "` + pat + `" // gitleaks:allow`, nil},
		{"template variable", `password = "{{ .Values.password }}"`, nil},
		{"shell variable", `password: "$DB_PASSWORD_VALUE"`, nil},
		{"allowlisted specific match suppresses generic", `aws_access_key_id = "AKIA` + `IOSFODNN7EXAMPLE"`, nil},
		{"generic dropped for a specific rule's secret", `github_token = "` + pat + `"`, []string{"github-pat"}},
		{"two secrets on a line", pat + " " + "AKIA" + g.s(csBase32, 16), []string{"github-pat", "aws-access-token"}},
		{"keyword missing: no match", "ghq_" + g.s(csAlnum, 36), nil},
		{"CRLF line", `token = "` + pat + "\"\r\nnext", []string{"github-pat"}},
		{"contained match reported once (gitlab routable)", "glpat-" + g.s(csAlnum, 40) + ".01" + g.s(csLower, 7), []string{"gitlab-pat-routable"}},
		{"free text keeps unquoted generic values", "password=" + g.s(csAlnum, 16) + "9z", []string{"generic-api-key"}},
		{"letters-only value (gitleaks allowlist)", "password=" + g.s(csUpper+csLower, 18), nil},
		{"stopword in generic value", `api_key = "` + "github" + g.s(csDigit+csUpper, 14) + `"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, m := range FindSecrets(tt.text) {
				got = append(got, m.RuleID)
			}
			if !slices.Equal(got, tt.rules) {
				t.Errorf("FindSecrets(%q) rules = %v, want %v", tt.text, got, tt.rules)
			}
		})
	}
}

func TestRedactSecrets(t *testing.T) {
	g := newTokenGen(3)
	pat := "ghp_" + g.s(csAlnum, 36)
	aws := "AKIA" + g.s(csBase32, 16)
	tests := []struct{ in, want string }{
		{"no secrets here", "no secrets here"},
		{"token " + pat + " used", "token ghp_… used"},
		{aws + "\n" + pat, "AKIA…\nghp_…"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := RedactSecrets(tt.in); got != tt.want {
				t.Errorf("RedactSecrets(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSecretsGitleaksOnlyMode(t *testing.T) {
	// The wfreview allowlists drop these; gitleaks itself reports them. This pins down which
	// behaviour is upstream and which is ours.
	s, err := compileSecretRules(gitleaksRules, gitleaksGlobalAllowlist)
	if err != nil {
		t.Fatal(err)
	}
	s.gitleaksOnly = true
	g := newTokenGen(11)
	tests := []struct {
		name, text, rule string
	}{
		{"expired jwt", "Bearer " + fakeJWT(g, `{"exp":1500000000}`), "jwt"},
		{"identifier", `"DecapsulationKey768": "DecapsulationKey1024",`, "generic-api-key"},
		{"placeholder word in token", "ghp_" + "EXAMPLE" + g.s(csAlnum, 29), "github-pat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := s.scan(tt.text, "", false)
			if len(hits) != 1 || hits[0].rule.id != tt.rule {
				t.Fatalf("gitleaks-only scan = %v, want one %s", hits, tt.rule)
			}
			if got := FindSecrets(tt.text); len(got) != 0 {
				t.Errorf("FindSecrets = %+v, want the wfreview allowlist to drop it", got)
			}
		})
	}
}

func TestSecretAllowHelpers(t *testing.T) {
	t.Run("identifierLike", func(t *testing.T) {
		for s, want := range map[string]bool{
			"encryptionKey1024":         true,
			"NewEncapsulationKey768":    true,
			"testRSA2048PrivateKey":     true,
			"test_rsa_2048_private_key": true,
			"Xk29fj3LdQ7pWm2Zr8Tb":      false,
			"aB3dE5fG7hJk9LmN":          false,
			"password":                  false, // one word: gitleaks' own letters-only allowlist covers it
			"9abcdefghij":               false,
		} {
			if got := identifierLike(s); got != want {
				t.Errorf("identifierLike(%q) = %v, want %v", s, got, want)
			}
		}
	})
	t.Run("jwtIsCredential", func(t *testing.T) {
		g := newTokenGen(5)
		now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		for name, tc := range map[string]struct {
			tok  string
			want bool
		}{
			"live":        {fakeJWT(g, `{"sub":"1","exp":1893456000}`), true},
			"no exp":      {fakeJWT(g, `{"sub":"1"}`), true},
			"expired":     {fakeJWT(g, `{"sub":"1","exp":1700000000}`), false},
			"anon":        {fakeJWT(g, `{"role":"anon"}`), false},
			"alg none":    {b64url(`{"alg":"none"}`) + "." + b64url(`{"sub":"1"}`) + "." + g.s(csAlnum, 20), false},
			"no sig":      {b64url(`{"alg":"HS256"}`) + "." + b64url(`{"sub":"1"}`) + ".", false},
			"not json":    {b64url(`garbage-header`) + "." + b64url(`{"sub":"1"}`) + "." + g.s(csAlnum, 20), false},
			"two parts":   {b64url(`{"alg":"HS256"}`) + "." + b64url(`{"sub":"1"}`), false},
			"jwt.io demo": {b64url(`{"alg":"HS256"}`) + "." + b64url(`{"sub":"1"}`) + "." + jwtSampleSignature, false},
		} {
			if got := jwtIsCredential(tc.tok, now); got != tc.want {
				t.Errorf("%s: jwtIsCredential = %v, want %v", name, got, tc.want)
			}
		}
	})
}

// --- analyzer -------------------------------------------------------------------------------------

// secMapTree is an in-memory Tree.
type secMapTree map[string]string

// Local says reads are cheap (LocalReads): an in-memory tree stands in for a checkout in these
// tests and benchmarks, not for the API.
func (secMapTree) Local() bool { return true }

func (m secMapTree) ReadFile(_ context.Context, p string) ([]byte, error) {
	s, ok := m[p]
	if !ok {
		return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
	}
	return []byte(s), nil
}

func (m secMapTree) ListFiles(context.Context) ([]string, error) {
	var out []string
	for p := range m {
		out = append(out, p)
	}
	slices.Sort(out)
	return out, nil
}

// secNewFileDiff returns a unified diff adding a file with the given lines.
func secNewFileDiff(path string, lines ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "diff --git a/%s b/%s\nnew file mode 100644\n--- /dev/null\n+++ b/%s\n@@ -0,0 +1,%d @@\n", path, path, path, len(lines))
	for _, l := range lines {
		b.WriteString("+" + l + "\n")
	}
	return b.String()
}

func secParseDiff(t testing.TB, parts ...string) *diff.Index {
	t.Helper()
	ix, err := diff.Parse(strings.NewReader(strings.Join(parts, "")))
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// secBrief is a finding reduced to what the tests compare.
type secBrief struct {
	Path  string
	Line  int
	Title string
}

func secBriefs(fs []Finding) []secBrief {
	out := []secBrief{}
	for _, f := range fs {
		out = append(out, secBrief{f.Path, f.Line, f.Title})
	}
	return out
}

func TestSecretsAnalyzer(t *testing.T) {
	g := newTokenGen(42)
	pat := "ghp_" + g.s(csAlnum, 36)
	aws := "AKIA" + g.s(csBase32, 16)
	pw := g.s(csAlnum, 22)
	hexKey := g.s(csHex, 64)
	pem := fakePEM(g, "RSA ")
	long := "var bundle=\"" + strings.Repeat("a1", 2100) + "\";token = \"" + g.s(csAlnum, 24) + "\";k=\"" + pat + "\""

	modified := "diff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n@@ -1,4 +1,4 @@\n" +
		" import os\n" +
		"-GITHUB_TOKEN = \"" + pat + "\"\n" + // deleted: removing a secret is not a finding
		"+GITHUB_TOKEN = os.environ[\"GITHUB_TOKEN\"]\n" +
		" AWS_KEY = \"" + aws + "\"\n" + // context: already in the repository, not added by this change
		" print(1)\n"
	tests := []struct {
		name    string
		diff    string
		tree    secMapTree
		include func(string) bool
		want    []secBrief
	}{
		{
			name: "added lines only",
			diff: modified,
			want: []secBrief{},
		},
		{
			name: "one finding per line and rule",
			diff: secNewFileDiff("deploy/settings.py", "import os", `GITHUB_TOKEN = "`+pat+`"`, `DB_PASSWORD = "`+pw+`"`, "AWS = ['"+aws+"', '"+"AKIA"+g.s(csBase32, 16)+"']"),
			want: []secBrief{
				{"deploy/settings.py", 2, "Possible GitHub personal access token committed"},
				{"deploy/settings.py", 3, "Possible hard-coded API key or password committed"},
				{"deploy/settings.py", 4, "Possible AWS access key ID committed"},
			},
		},
		{
			name: "private key anchored on its BEGIN line",
			diff: secNewFileDiff("certs/server.key", strings.Split("# server key\n"+pem, "\n")...),
			want: []secBrief{{"certs/server.key", 2, "Possible private key committed"}},
		},
		{
			name: "test files are not exempt from token rules",
			diff: secNewFileDiff("internal/auth/auth_test.go", "package auth", `const tok = "`+pat+`"`, `var password = "`+pw+`"`),
			want: []secBrief{{"internal/auth/auth_test.go", 2, "Possible GitHub personal access token committed"}},
		},
		{
			name: "generic rule needs a quoted value in code",
			diff: secNewFileDiff("svc/client.go", "package svc", "var apiToken = cfg.Token", `var apiToken = "`+pw+`"`, "// secret: "+pw),
			want: []secBrief{{"svc/client.go", 3, "Possible hard-coded API key or password committed"}},
		},
		{
			name: "generic rule skips docstrings",
			diff: secNewFileDiff("svc/oauth.py", `def fetch():`, `    """Example:`, `        {'oauth_token_secret': '`+pw+`'}`, `    """`),
			tree: secMapTree{"svc/oauth.py": "def fetch():\n    \"\"\"Example:\n        {'oauth_token_secret': '" + pw + "'}\n    \"\"\"\n"},
			want: []secBrief{},
		},
		{
			name: "a browser search client's key is public by design: info (discord.js f38395ec4e67)",
			diff: secNewFileDiff("apps/website/src/components/CmdK.tsx", "const client = new MeiliSearch({", "\thost: 'https://search.discordjs.dev',",
				"\tapiKey: '"+hexKey+"',", "});") +
				secNewFileDiff("apps/website/src/lib/ai.ts", "const openai = new OpenAI({", "\tapiKey: '"+hexKey+"',", "});"),
			tree: secMapTree{
				"apps/website/src/components/CmdK.tsx": "const client = new MeiliSearch({\n\thost: 'https://search.discordjs.dev',\n\tapiKey: '" + hexKey + "',\n});\n",
				"apps/website/src/lib/ai.ts":           "const openai = new OpenAI({\n\tapiKey: '" + hexKey + "',\n});\n",
			},
			want: []secBrief{
				{"apps/website/src/components/CmdK.tsx", 3, "Possible hard-coded API key or password committed (looks like a public search key)"},
				{"apps/website/src/lib/ai.ts", 2, "Possible hard-coded API key or password committed"},
			},
		},
		{
			name: "keys published on purpose: PostHog project, Stripe publishable, Mapbox public (browser-use 90f1013cf625)",
			diff: secNewFileDiff("browser_use/telemetry/service.py",
				"POSTHOG_PROJECT_API_KEY = 'phc_"+g.s(csAlnum, 43)+"'",
				"STRIPE_PUBLISHABLE_KEY = 'pk_live_"+g.s(csAlnum, 24)+"'",
				"MAPBOX_TOKEN = 'pk.eyJ"+g.s(csAlnum, 60)+"'",
				"POSTHOG_PERSONAL_API_KEY = 'phx_"+g.s(csAlnum, 43)+"'"),
			want: []secBrief{{"browser_use/telemetry/service.py", 4, "Possible hard-coded API key or password committed"}},
		},
		{
			name: "the QStash dev server's published credentials are not secrets (dub 0637ba7534fb)",
			diff: secNewFileDiff(".github/workflows/playwright.yaml", "env:",
				`  QSTASH_TOKEN: "eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0="`,
				`  QSTASH_CURRENT_SIGNING_KEY: "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r"`,
				`  QSTASH_NEXT_SIGNING_KEY: "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs"`,
				`  QSTASH_PROD_SIGNING_KEY: "sig_`+g.s(csAlnum, 28)+`"`),
			want: []secBrief{{".github/workflows/playwright.yaml", 5, "Possible hard-coded API key or password committed"}},
		},
		{
			name: "webhook samples: Slack's example token, a token that is also the response id, a version token (trigger.dev c0b84595a352)",
			diff: secNewFileDiff("internal-packages/webhook-sources/src/handAuthored/samples.ts", "export const samples = [",
				`  { body: { token: "Jhj5dZrVaK7ZwHHjRyZWjbDl", team_id: "T024BE7LD" } },`,
				`  { body: { form_response: {`,
				`    token: "6f3e8a1c9d2b47a0b6e5f1a2c3d4e5f6",`,
				`    response_id: "6f3e8a1c9d2b47a0b6e5f1a2c3d4e5f6",`,
				`  } } },`,
				`  { body: { version_token: "FfQhQJf9r3VSQIgyWBk1oqhIwiznLwVwJbVVA0bdyEv6o" } },`,
				`  { body: { token: "`+pw+`" } },`,
				"];"),
			want: []secBrief{{"internal-packages/webhook-sources/src/handAuthored/samples.ts", 8, "Possible hard-coded API key or password committed"}},
		},
		{
			name: "a counted-out Slack token is filler; a random one in a test stays an error (letta be53f15ce02b)",
			diff: secNewFileDiff("tests/test_crypto_utils.py", "slack_tokens = [",
				`    "xoxb-1234567890-1234567890123-abcdefghijklmnopqrstuvwx",`,
				`    "xoxb-`+g.s(csDigit, 11)+"-"+g.s(csDigit, 12)+"-"+g.s(csAlnum, 24)+`",`, "]"),
			want: []secBrief{{"tests/test_crypto_utils.py", 3, "Possible Slack bot token committed"}},
		},
		{
			name: "a Storybook story's demo data is not scanned by the generic rule (modelcontextprotocol/inspector 25106dcce481)",
			diff: secNewFileDiff("clients/web/src/components/NetworkEntry/NetworkEntry.stories.tsx", "const entry = {",
				"  responseBody: JSON.stringify({ access_token: \""+pw+"\", token_type: \"Bearer\" }),", "};") +
				secNewFileDiff("clients/web/src/components/NetworkEntry/NetworkEntry.tsx", "const entry = {",
					"  responseBody: JSON.stringify({ access_token: \""+pw+"\", token_type: \"Bearer\" }),", "};"),
			want: []secBrief{{"clients/web/src/components/NetworkEntry/NetworkEntry.tsx", 2, "Possible hard-coded API key or password committed"}},
		},
		{
			name: "env file",
			diff: secNewFileDiff(".env", "DEBUG=1", "STRIPE_SECRET="+"sk_live_"+g.s(csAlnum, 24), "SESSION_SECRET="+pw),
			want: []secBrief{
				{".env", 2, "Possible Stripe API key committed"},
				{".env", 3, "Possible hard-coded API key or password committed"},
			},
		},
		{
			name: "lock files, binaries and excluded paths are skipped",
			diff: secNewFileDiff("Cargo.lock", `checksum = "`+pat+`"`) + secNewFileDiff("package-lock.json", `"integrity": "`+pat+`"`) +
				secNewFileDiff("vendor/secret.go", `var t = "`+pat+`"`) +
				"diff --git a/logo.png b/logo.png\nnew file mode 100644\nBinary files /dev/null and b/logo.png differ\n",
			include: func(p string) bool { return !strings.HasPrefix(p, "vendor/") },
			want:    []secBrief{},
		},
		{
			name: "minified line: only token-format rules",
			diff: secNewFileDiff("static/app.min.js", long),
			want: []secBrief{{"static/app.min.js", 1, "Possible GitHub personal access token committed"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &Input{Diff: secParseDiff(t, tt.diff), Include: tt.include}
			if tt.tree != nil {
				in.Tree = tt.tree
			}
			res, err := Secrets{}.Analyze(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if got := secBriefs(res.Findings); !slices.Equal(got, tt.want) {
				t.Errorf("findings = %+v\nwant %+v", got, tt.want)
			}
			for _, f := range res.Findings {
				assertSecretFinding(t, f, pat, aws, pw, pem, hexKey)
			}
		})
	}
}

// assertSecretFinding checks the invariants of every secret finding: check, severity, side, source,
// fingerprint, and that neither the body nor the JSON carries any of the secrets.
func assertSecretFinding(t *testing.T, f Finding, secrets ...string) {
	t.Helper()
	fixture := strings.HasSuffix(f.Title, "(looks like a test fixture)")
	public := strings.HasSuffix(f.Title, "(looks like a public search key)")
	wantSeverity := SeverityError
	if fixture || public {
		wantSeverity = SeverityInfo
	}
	if f.Check != Security || f.Severity != wantSeverity || f.Side != diff.Right || f.Source != SourceStatic || f.StartLine != 0 {
		t.Errorf("finding %+v: wrong check/severity/side/source", f)
	}
	if len(f.Fingerprint) != 16 {
		t.Errorf("fingerprint %q", f.Fingerprint)
	}
	if !strings.Contains(f.Body, "revoke or rotate") || !(fixture || public || strings.Contains(f.Body, "secret store")) || !strings.Contains(f.Body, "…`") {
		t.Errorf("body does not ask to rotate and move the secret, or shows no redacted value: %s", f.Body)
	}
	if fixture && (!strings.Contains(f.Body, "test fixture") || !strings.Contains(f.Body, "test path")) {
		t.Errorf("a fixture finding must say it looks like a test fixture in a test path: %s", f.Body)
	}
	js, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(f.Body, s) || strings.Contains(string(js), s) || strings.Contains(f.Title, s) {
			t.Errorf("finding leaks a secret: %s", js)
		}
		if len(s) > 12 && !strings.HasPrefix(s, "-----") && strings.Contains(string(js), s[4:12]) {
			t.Errorf("finding leaks part of a secret beyond its first four characters: %s", js)
		}
	}
}

// TestSecretsTestFixtures: a private key (or a Stripe test-mode key) committed under a test path is
// reported as info that says it looks like a test fixture; the same key elsewhere, and a token of a
// live service anywhere, stays an error.
func TestSecretsTestFixtures(t *testing.T) {
	g := newTokenGen(7)
	pem := strings.Split(fakePEM(g, "RSA "), "\n")
	pemGo := append(append([]string{"package tlsx", "", "const serverKey = `" + pem[0]}, pem[1:]...), "`")
	pat := "ghp_" + g.s(csAlnum, 36)
	stripeTest, stripeLive := "sk_test_"+g.s(csAlnum, 24), "sk_live_"+g.s(csAlnum, 24)
	info, errSev := SeverityInfo, SeverityError
	tests := []struct {
		path  string
		lines []string
		want  Severity // "" means no finding
	}{
		// test paths
		{"tests/certs/server.key", pem, info},
		{"test/fixtures/client.pem", pem, info},
		{"internal/tls/testdata/key.pem", pem, info},
		{"pkg/x/test_data/id_rsa", pem, info},
		{"web/src/__fixtures__/keys/dev.pem", pem, info},
		{"web/src/__tests__/keys.pem", pem, info},
		{"spec/support/ssh_key", pem, info},
		{"fixtures/signing.key", pem, info},
		{"internal/tlsx/tlsx_test.go", pemGo, info},
		{"Tests/Certs/Server.KEY", pem, info},
		{"app/tests/conftest.py", []string{"STRIPE = '" + stripeTest + "'"}, info},
		{"src/billing.spec.ts", []string{"const key = '" + stripeTest + "';"}, info},
		// a live key or a service token in a test path stays an error
		{"src/billing.spec.ts", []string{"const key = '" + stripeLive + "';"}, errSev},
		{"tests/github_test.py", []string{"TOKEN = '" + pat + "'"}, errSev},
		{"internal/tlsx/tlsx_test.go", []string{"package tlsx", `const tok = "` + pat + `"`}, errSev},
		// not test paths: a real secret outside tests is an error
		{"certs/server.key", pem, errSev},
		{"deploy/keys/prod.pem", pem, errSev},
		{"latest/server.key", pem, errSev},
		{"contests/key.pem", pem, errSev},
		{"internal/tlsx/tlsx.go", pemGo, errSev},
		{"src/testing.ts", []string{"const key = '" + stripeTest + "';"}, errSev},
		{"specification/key.pem", pem, errSev},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, err := Secrets{}.Analyze(context.Background(), &Input{Diff: secParseDiff(t, secNewFileDiff(tt.path, tt.lines...))})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Findings) != 1 {
				t.Fatalf("findings = %+v, want one", secBriefs(res.Findings))
			}
			f := res.Findings[0]
			if f.Severity != tt.want {
				t.Errorf("severity = %s, want %s (%s)", f.Severity, tt.want, f.Title)
			}
			if fixture := strings.Contains(f.Title, "looks like a test fixture"); fixture != (tt.want == info) {
				t.Errorf("title %q", f.Title)
			}
			assertSecretFinding(t, f, pat, stripeTest, stripeLive, strings.Join(pem[1:len(pem)-1], "\n"))
		})
	}
}

func TestSecretsAnalyzerCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := &Input{Diff: secParseDiff(t, secNewFileDiff("a.txt", "x"))}
	if _, err := (Secrets{}).Analyze(ctx, in); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("err = %v, want a wrapped context error", err)
	}
}

func TestSecretsAnalyzerNoPatchNote(t *testing.T) {
	ix, err := diff.FromPatches([]diff.PatchFile{{Filename: "big.json", Status: "added", Additions: 90000}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Secrets{}.Analyze(context.Background(), &Input{Diff: ix})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "big.json") {
		t.Errorf("result = %+v, want one note about big.json", res)
	}
}

// BenchmarkSecretsScan runs the secrets analyzer over 10,000 added lines of ordinary code, a few of
// which carry keywords or secrets.
func BenchmarkSecretsScan(b *testing.B) {
	g := newTokenGen(1)
	templates := []string{
		"\tif err := s.store.Save(ctx, item); err != nil {",
		"\t\treturn fmt.Errorf(\"save item %d: %w\", item.ID, err)",
		"\tfor i, v := range values {",
		"\t\tresult = append(result, strings.TrimSpace(v))",
		"\tcfg.Timeout = 30 * time.Second // keep the key cache warm",
		"\tlog.Info().Str(\"user\", u.Name).Msg(\"token refreshed\")",
		"}",
		"",
		"// Handler serves the API for the access layer.",
		"\tapiKey := os.Getenv(\"API_KEY\")",
	}
	var lines []string
	for i := range 10000 {
		switch i % 2500 {
		case 1234:
			lines = append(lines, "\tconst token = \"ghp_"+g.s(csAlnum, 36)+"\"")
		case 2000:
			lines = append(lines, "\tpassword := \""+g.s(csAlnum, 20)+"\"")
		default:
			lines = append(lines, templates[i%len(templates)])
		}
	}
	in := &Input{Diff: secParseDiff(b, secNewFileDiff("internal/service/service.go", lines...))}
	b.ReportAllocs()
	b.ResetTimer()
	var n int
	for b.Loop() {
		res, err := Secrets{}.Analyze(context.Background(), in)
		if err != nil {
			b.Fatal(err)
		}
		n = len(res.Findings)
	}
	b.StopTimer()
	if n != 8 {
		b.Fatalf("findings = %d, want 8", n)
	}
	b.ReportMetric(float64(len(lines))*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// TestSecretsKeywordPrefilterIsNecessary checks that keywordAssignment never rejects a line the
// semi-generic regex matches: it is an optimisation and must not change what is found.
func TestSecretsKeywordPrefilterIsNecessary(t *testing.T) {
	g := newTokenGen(77)
	lines := []string{
		"db_password\t=  \"" + g.s(csAlnum, 20) + "\"",
		"MAILGUNſ, key-" + g.s(csHex, 32), // ſ folds to s: \w matches it under (?i)
		`"discord-bot.token-v2" :: ` + g.s(csHex, 64),
		"api-key ||" + g.s(csAlnum, 16),
		"TELEGRAM_TOKEN ?= " + g.s(csDigit, 9) + ":A" + g.s(csAlnum, 34),
		"secret" + strings.Repeat("x", 21) + "=" + g.s(csAlnum, 16), // operator too far: neither matches
	}
	for _, c := range secretCases() {
		lines = append(lines, c.line)
		lines = append(lines, c.misses...)
	}
	seps := []string{"", " ", "\t", "'", `"`, "_", ".", "-", "ſ", "K"}
	ops := []string{"=", ":", ":=", "=>", "||", ",", ">", "?=", "::="}
	for range 3000 {
		var b strings.Builder
		b.WriteString(g.s(csAlnum+"_.-", g.r.IntN(6)))
		b.WriteString([]string{"Token", "API", "Passwd", "SECRET", "discord", "mailgun", "telegr", "creds"}[g.r.IntN(8)])
		for range g.r.IntN(24) {
			b.WriteString(seps[g.r.IntN(len(seps))])
		}
		b.WriteString(ops[g.r.IntN(len(ops))])
		b.WriteString(`"` + g.s(csAlnum, 8+g.r.IntN(30)) + `"`)
		lines = append(lines, b.String())
	}
	// Values of every shape genericValueAfter reads: prefixes, both value alternatives, padding,
	// every terminator and characters that end a value without terminating it.
	prefixes := []string{"", " ", `"`, "'", "`", "=", " \"", "= '", "  =\"", "\t`", "  \" ", "/"}
	terms := []string{"", `"`, "'", "`", ";", " ", "\t", `\n`, `\r`, "(", ")", ",", "/", "=", "==", "===", "====", "ſ", "é"}
	for range 6000 {
		var b strings.Builder
		b.WriteString([]string{"api_key", "Token", "PASSWORD", "authSecret", "access", "creds", "x.key"}[g.r.IntN(7)])
		b.WriteString(seps[g.r.IntN(len(seps))])
		b.WriteString(ops[g.r.IntN(len(ops))])
		b.WriteString(prefixes[g.r.IntN(len(prefixes))])
		charset := []string{csAlnum, csAlnum + "_.=-", csLower + csDigit + "+/", csAlnum + "+/=_.-", csHex}[g.r.IntN(5)]
		b.WriteString(g.s(charset, 6+g.r.IntN(20)))
		b.WriteString(terms[g.r.IntN(len(terms))])
		if g.r.IntN(3) == 0 {
			b.WriteString(" // " + g.s(csAlnum, 4))
		}
		lines = append(lines, b.String())
	}
	checked := 0
	for _, r := range secretEngine().rules {
		if !r.semiGeneric {
			continue
		}
		for _, l := range lines {
			if r.re.MatchString(l) {
				checked++
				if !keywordAssignment(strings.ToLower(l), r.keywords, r.valueMin) {
					t.Errorf("%s: prefilter rejects %q, which the rule's regex matches", r.id, l)
				}
			}
		}
	}
	if checked < 2000 {
		t.Errorf("only %d matching lines checked; the generator no longer exercises the prefilter", checked)
	}
}

func TestSecretsCompileErrors(t *testing.T) {
	tests := []struct {
		name   string
		rules  []gitleaksRule
		global gitleaksAllowlist
		want   string
	}{
		{"bad regex", []gitleaksRule{{ID: "x", Regex: `(`}}, gitleaksAllowlist{}, "rule x"},
		{"secret group out of range", []gitleaksRule{{ID: "y", Regex: `a(b)`, SecretGroup: 2}}, gitleaksAllowlist{}, "secretGroup 2"},
		{"bad path", []gitleaksRule{{ID: "z", Regex: `a`, Path: `[`}}, gitleaksAllowlist{}, "rule z path"},
		{"bad rule allowlist", []gitleaksRule{{ID: "w", Regex: `a`, Allowlists: []gitleaksAllowlist{{Regexes: []string{`(`}}}}}, gitleaksAllowlist{}, "rule w allowlist"},
		{"bad global allowlist", nil, gitleaksAllowlist{Paths: []string{`(`}}, "global allowlist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := compileSecretRules(tt.rules, tt.global)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
