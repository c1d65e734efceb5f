package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/palantir/go-githubapp/githubapp"
)

// Environment variables read by LoadOperator, besides go-githubapp's own (GITHUB_WEB_URL,
// GITHUB_V3_API_URL, GITHUB_V4_API_URL, GITHUB_APP_INTEGRATION_ID, GITHUB_APP_WEBHOOK_SECRET,
// GITHUB_APP_PRIVATE_KEY, GITHUB_OAUTH_CLIENT_ID, GITHUB_OAUTH_CLIENT_SECRET).
const (
	// EnvConfig names the operator file when --config is not given (read by the CLI).
	EnvConfig = "WFREVIEW_CONFIG"
	// EnvAddr overrides server.address.
	EnvAddr = "WFREVIEW_ADDR"
	// EnvDatabaseURL overrides database_url.
	EnvDatabaseURL = "WFREVIEW_DATABASE_URL"
	// EnvPrivateKeyFile names a file holding the GitHub App's PEM private key.
	EnvPrivateKeyFile = "GITHUB_APP_PRIVATE_KEY_FILE"

	envPrivateKey    = "GITHUB_APP_PRIVATE_KEY"
	envIntegrationID = "GITHUB_APP_INTEGRATION_ID"
	envWebhookSecret = "GITHUB_APP_WEBHOOK_SECRET"
	envV3APIURL      = "GITHUB_V3_API_URL"
	envV4APIURL      = "GITHUB_V4_API_URL"
	envWebURL        = "GITHUB_WEB_URL"
)

// Values of independence: what two reviewers must not share for their findings to count as
// independent confirmations.
const (
	IndependenceModel    = "model"
	IndependenceFamily   = "family"
	IndependenceProvider = "provider"
)

// Operator defaults and limits.
const (
	DefaultContextTokens = 128000
	MinContextTokens     = 1024
	DefaultConcurrency   = 4
	MaxConcurrency       = 32
	DefaultTimeout       = 120 * time.Second
	DefaultMaxRetries    = 3
	MaxMaxRetries        = 10
	DefaultMaxFileBytes  = 200000
	DefaultMaxDiffBytes  = 5000000
	DefaultAddress       = ":8080"
	// DefaultDatabaseURL is a SQLite file in the working directory. A database_url starting with
	// postgres:// or postgresql:// selects PostgreSQL (needed to run several replicas).
	DefaultDatabaseURL = "wfreview.db"
	DefaultGitHubV3URL = "https://api.github.com/"
	DefaultGitHubV4URL = "https://api.github.com/graphql"
	DefaultGitHubWeb   = "https://github.com"
)

// Defaults and limits of the grounded review.
const (
	// DefaultReviewContextTokens is the per-call budget of repository context (review.context_tokens).
	DefaultReviewContextTokens = 16000
	MaxReviewContextTokens     = 500000
	// MaxReviewersPerReview bounds the reviewer panel (review.reviewers_per_review).
	MaxReviewersPerReview = 2
)

// Operator is the configuration of whoever runs wfreview; repositories never set it.
type Operator struct {
	// Models are the reviewer models wfreview may call.
	Models []Model `yaml:"models"`
	// Reviewers are model names in preference order (default: the order of Models).
	Reviewers []string `yaml:"reviewers"`
	// Independence is IndependenceModel, IndependenceFamily (default) or IndependenceProvider.
	Independence string `yaml:"independence"`
	// Review holds the limits of a review.
	Review ReviewLimits `yaml:"review"`
	// GitHub is the GitHub App's configuration; the GITHUB_* environment variables override it.
	GitHub githubapp.Config `yaml:"github"`
	// Server configures the webhook server.
	Server Server `yaml:"server"`
	// DatabaseURL is a SQLite file path or a postgres:// URL (default DefaultDatabaseURL). It may hold
	// a password: print it with RedactDatabaseURL.
	DatabaseURL string `yaml:"database_url"`
	// Archive is how the app reads a pull request's head (see archive.go).
	Archive Archive `yaml:"archive"`
	// Registry configures the package-registry look-ups of the hallucinated-dependencies check.
	Registry RegistrySettings `yaml:"registry"`
}

// RegistrySettings configures the package-registry look-ups.
type RegistrySettings struct {
	// Private are globs of private modules and packages, never looked up in a public registry (on
	// top of GOPRIVATE, GONOPROXY and GONOSUMDB for Go). Each uses GOPRIVATE's syntax: a path.Match
	// glob that matches a name or a prefix of it by path elements ("github.com/acme/*", "@acme",
	// "acme-*").
	Private []string `yaml:"private"`
}

// Model is a model reachable through an OpenAI-compatible chat API.
type Model struct {
	// Name is the model id sent to the API; unique among the models.
	Name string `yaml:"name"`
	// Family groups models from one lineage (gpt, claude, gemini...); optional.
	Family string `yaml:"family"`
	// BaseURL is the API's absolute http(s) URL.
	BaseURL string `yaml:"base_url"`
	// APIKeyEnv names the environment variable holding the API key; empty for servers without keys.
	APIKeyEnv string `yaml:"api_key_env"`
	// MaxOutputTokens caps a response; 0 leaves it to the server.
	MaxOutputTokens int `yaml:"max_output_tokens"`
	// ContextTokens is the model's context window (default DefaultContextTokens).
	ContextTokens int `yaml:"context_tokens"`
}

// ReviewLimits bounds the work of one review.
type ReviewLimits struct {
	// Concurrency is the number of model calls in flight (default 4, 1..32).
	Concurrency int `yaml:"concurrency"`
	// Timeout bounds one model call (default 120s).
	Timeout time.Duration `yaml:"timeout"`
	// MaxRetries is how often a failed call is retried (default 3, 0..10).
	MaxRetries int `yaml:"max_retries"`
	// MaxFileBytes: a changed file whose diff is bigger is skipped (default 200000).
	MaxFileBytes int `yaml:"max_file_bytes"`
	// MaxDiffBytes: a change whose diff is bigger is not reviewed (default 5000000).
	MaxDiffBytes int `yaml:"max_diff_bytes"`
	// ContextTokens is the budget, per model call, of repository context sent with the diff (the
	// changed files, definitions, callers, similar helpers...); default 16000, 0 sends none.
	ContextTokens int `yaml:"context_tokens"`
	// ReviewersPerReview is 1 (default) or 2: with 2, two non-author reviewers of different families
	// review every chunk; findings both report are marked as agreed.
	ReviewersPerReview int `yaml:"reviewers_per_review"`
}

// Server configures the webhook server.
type Server struct {
	// Address is the listen address (default ":8080").
	Address string `yaml:"address"`
}

// APIKey returns the model's API key from the environment, or "" without APIKeyEnv. Never log it.
func (m Model) APIKey() string {
	if m.APIKeyEnv == "" {
		return ""
	}
	return os.Getenv(m.APIKeyEnv)
}

// CheckAPIKey returns an error naming the environment variable when the model needs a key that is
// not set.
func (m Model) CheckAPIKey() error {
	if m.APIKeyEnv != "" && m.APIKey() == "" {
		return fmt.Errorf("model %s: environment variable %s is not set", m.Name, m.APIKeyEnv)
	}
	return nil
}

// Provider names who serves the model, from the host of BaseURL: openai, anthropic, google,
// openrouter, azure, ollama (a local server on port 11434), else the host itself (with its port).
func (m Model) Provider() string {
	u, err := url.Parse(m.BaseURL)
	if err != nil || u.Host == "" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case host == "api.openai.com":
		return "openai"
	case host == "api.anthropic.com":
		return "anthropic"
	case host == "generativelanguage.googleapis.com":
		return "google"
	case host == "openrouter.ai":
		return "openrouter"
	case strings.HasSuffix(host, ".openai.azure.com"):
		return "azure"
	case u.Port() == "11434" && (host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")):
		return "ollama"
	}
	return strings.ToLower(u.Host)
}

// DefaultOperator returns the operator configuration with no file and no environment: no models,
// default limits, GitHub.com URLs, no GitHub App credentials.
func DefaultOperator() *Operator {
	o := &Operator{}
	d := newDocument("")
	o.applyDefaults(d)
	o.Archive.applyDefaults(d, map[string]string{})
	return o
}

// LoadOperator reads the operator file at path ("" for none), applies the environment overrides
// (go-githubapp's GITHUB_* variables, GITHUB_APP_PRIVATE_KEY_FILE, WFREVIEW_ADDR,
// WFREVIEW_DATABASE_URL), fills in defaults and validates the result. Problems in the file are
// reported as Errors with lines and columns; no error message holds a secret.
func LoadOperator(path string) (*Operator, error) {
	o := &Operator{}
	d := newDocument(path)
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read operator config: %w", err)
		}
		if d, err = decodeYAML(path, data, o); err != nil {
			return nil, err
		}
	}
	fromEnv, err := o.applyEnv()
	if err != nil {
		return nil, err
	}
	if err := o.Archive.applyEnv(fromEnv); err != nil {
		return nil, err
	}
	o.applyDefaults(d)
	o.Archive.applyDefaults(d, fromEnv)
	d.validateOperator(o, fromEnv)
	if err := d.err(); err != nil {
		return nil, err
	}
	return o, nil
}

// applyEnv applies the environment overrides and returns, for each overridden path, the variable.
func (o *Operator) applyEnv() (map[string]string, error) {
	fromEnv := map[string]string{}
	for env, p := range map[string]string{
		envWebURL:   "github.web_url",
		envV3APIURL: "github.v3_api_url",
		envV4APIURL: "github.v4_api_url",
	} {
		if _, ok := os.LookupEnv(env); ok {
			fromEnv[p] = env
		}
	}
	if v, ok := os.LookupEnv(envIntegrationID); ok {
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return nil, fmt.Errorf("%s: not an integer", envIntegrationID)
		}
	}
	o.GitHub.SetValuesFromEnv("")

	if file := os.Getenv(EnvPrivateKeyFile); file != "" {
		if os.Getenv(envPrivateKey) != "" {
			return nil, fmt.Errorf("both %s and %s are set; set one", envPrivateKey, EnvPrivateKeyFile)
		}
		pem, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvPrivateKeyFile, err)
		}
		o.GitHub.App.PrivateKey = string(pem)
	}
	// A PEM put in an environment variable often arrives with its newlines escaped.
	if k := o.GitHub.App.PrivateKey; !strings.Contains(k, "\n") && strings.Contains(k, `\n`) {
		o.GitHub.App.PrivateKey = strings.ReplaceAll(k, `\n`, "\n")
	}

	if v, ok := os.LookupEnv(EnvAddr); ok {
		o.Server.Address = v
		fromEnv["server.address"] = EnvAddr
	}
	if v, ok := os.LookupEnv(EnvDatabaseURL); ok {
		o.DatabaseURL = v
	}
	return fromEnv, nil
}

// applyDefaults fills in what the file d and the environment leave out. Numbers are defaulted only
// when absent from the file, so an explicit 0 is validated rather than replaced.
func (o *Operator) applyDefaults(d *document) {
	for i := range o.Models {
		if !d.has(fmt.Sprintf("models[%d].context_tokens", i)) {
			o.Models[i].ContextTokens = DefaultContextTokens
		}
	}
	if len(o.Reviewers) == 0 {
		// Every model, once each; nameless and duplicate models are reported by validation.
		o.Reviewers = make([]string, 0, len(o.Models))
		for _, m := range o.Models {
			if m.Name != "" && !slices.Contains(o.Reviewers, m.Name) {
				o.Reviewers = append(o.Reviewers, m.Name)
			}
		}
	}
	if o.Independence == "" {
		o.Independence = IndependenceFamily
	}
	setInt := func(p string, v *int, def int) {
		if !d.has(p) {
			*v = def
		}
	}
	setInt("review.concurrency", &o.Review.Concurrency, DefaultConcurrency)
	setInt("review.max_retries", &o.Review.MaxRetries, DefaultMaxRetries)
	setInt("review.max_file_bytes", &o.Review.MaxFileBytes, DefaultMaxFileBytes)
	setInt("review.max_diff_bytes", &o.Review.MaxDiffBytes, DefaultMaxDiffBytes)
	setInt("review.context_tokens", &o.Review.ContextTokens, DefaultReviewContextTokens)
	setInt("review.reviewers_per_review", &o.Review.ReviewersPerReview, 1)
	if !d.has("review.timeout") {
		o.Review.Timeout = DefaultTimeout
	}
	if o.GitHub.V3APIURL == "" {
		o.GitHub.V3APIURL = DefaultGitHubV3URL
	}
	if o.GitHub.V4APIURL == "" {
		o.GitHub.V4APIURL = DefaultGitHubV4URL
	}
	if o.GitHub.WebURL == "" {
		o.GitHub.WebURL = DefaultGitHubWeb
	}
	if o.Server.Address == "" {
		o.Server.Address = DefaultAddress
	}
	if o.DatabaseURL == "" {
		o.DatabaseURL = DefaultDatabaseURL
	}
}

var envNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// validateOperator records every problem of o. fromEnv maps paths whose value came from the
// environment to the variable, so their problems name it instead of a line.
func (d *document) validateOperator(o *Operator, fromEnv map[string]string) {
	// errAt records a problem with the value at path p, naming the environment variable instead of
	// a place in the file when the value came from the environment.
	errAt := func(p string, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if env, ok := fromEnv[p]; ok {
			d.errs = append(d.errs, &Error{Msg: env + ": " + msg})
			return
		}
		d.errorf(d.at(p), "%s: %s", p, msg)
	}

	names := map[string]int{}
	for i, m := range o.Models {
		p := fmt.Sprintf("models[%d]", i)
		if strings.TrimSpace(m.Name) == "" {
			d.errorf(d.at(p+".name", p), "%s: name is required", p)
		} else if first, dup := names[m.Name]; dup {
			d.errorf(d.at(p+".name"), "%s.name: duplicate model %q (first defined on line %d)", p, m.Name, d.at(fmt.Sprintf("models[%d].name", first)).line)
		} else {
			names[m.Name] = i
		}
		if m.BaseURL == "" {
			d.errorf(d.at(p+".base_url", p), "%s: base_url is required", p)
		} else if msg := checkHTTPURL(m.BaseURL); msg != "" {
			d.errorf(d.at(p+".base_url"), "%s.base_url: %s", p, msg)
		}
		if m.APIKeyEnv != "" && !envNameRe.MatchString(m.APIKeyEnv) {
			// Never echo the value: a common mistake is to paste the key itself here.
			d.errorf(d.at(p+".api_key_env"), "%s.api_key_env: must name an environment variable (letters, digits and _), not hold the key", p)
		}
		if m.MaxOutputTokens < 0 {
			d.errorf(d.at(p+".max_output_tokens"), "%s.max_output_tokens: must not be negative", p)
		}
		if m.ContextTokens < MinContextTokens {
			d.errorf(d.at(p+".context_tokens"), "%s.context_tokens: %d is too small; use at least %d", p, m.ContextTokens, MinContextTokens)
		}
	}

	seen := map[string]bool{}
	for i, r := range o.Reviewers {
		p := fmt.Sprintf("reviewers[%d]", i)
		if _, ok := names[r]; !ok {
			d.errorf(d.at(p, "reviewers"), "%s: %q is not the name of a model in models", p, clip(r))
		} else if seen[r] {
			d.errorf(d.at(p, "reviewers"), "%s: %q is listed twice", p, r)
		}
		seen[r] = true
	}

	switch o.Independence {
	case IndependenceModel, IndependenceFamily, IndependenceProvider:
	default:
		d.errorf(d.at("independence"), "independence: %q is not one of %s, %s, %s", clip(o.Independence), IndependenceModel, IndependenceFamily, IndependenceProvider)
	}

	l := o.Review
	if l.Concurrency < 1 || l.Concurrency > MaxConcurrency {
		d.errorf(d.at("review.concurrency"), "review.concurrency: %d is out of range; use 1 to %d", l.Concurrency, MaxConcurrency)
	}
	if l.Timeout <= 0 {
		d.errorf(d.at("review.timeout"), "review.timeout: must be positive")
	}
	if l.MaxRetries < 0 || l.MaxRetries > MaxMaxRetries {
		d.errorf(d.at("review.max_retries"), "review.max_retries: %d is out of range; use 0 to %d", l.MaxRetries, MaxMaxRetries)
	}
	if l.MaxFileBytes <= 0 {
		d.errorf(d.at("review.max_file_bytes"), "review.max_file_bytes: must be positive")
	}
	if l.MaxDiffBytes <= 0 {
		d.errorf(d.at("review.max_diff_bytes"), "review.max_diff_bytes: must be positive")
	}
	if l.ContextTokens < 0 || l.ContextTokens > MaxReviewContextTokens {
		d.errorf(d.at("review.context_tokens"), "review.context_tokens: %d is out of range; use 0 (no repository context) to %d", l.ContextTokens, MaxReviewContextTokens)
	}
	if l.ReviewersPerReview < 1 || l.ReviewersPerReview > MaxReviewersPerReview {
		d.errorf(d.at("review.reviewers_per_review"), "review.reviewers_per_review: %d is out of range; use 1 or %d", l.ReviewersPerReview, MaxReviewersPerReview)
	}

	for p, v := range map[string]string{
		"github.web_url":    o.GitHub.WebURL,
		"github.v3_api_url": o.GitHub.V3APIURL,
		"github.v4_api_url": o.GitHub.V4APIURL,
	} {
		if msg := checkHTTPURL(v); msg != "" {
			errAt(p, "%s", msg)
		}
	}
	if _, _, err := net.SplitHostPort(o.Server.Address); err != nil {
		errAt("server.address", "%q is not a listen address such as :8080", clip(o.Server.Address))
	}
	o.Archive.validate(d, errAt)

	for i, g := range o.Registry.Private {
		p := fmt.Sprintf("registry.private[%d]", i)
		switch _, err := path.Match(g, ""); {
		case strings.TrimSpace(g) == "":
			d.errorf(d.at(p, "registry.private"), "%s: empty glob", p)
		case strings.ContainsAny(g, ", \t\n"):
			d.errorf(d.at(p, "registry.private"), "%s: %q: one glob per entry, without commas or spaces", p, clip(g))
		case err != nil:
			d.errorf(d.at(p, "registry.private"), "%s: %q is not a valid glob: %v", p, clip(g), err)
		}
	}
}

// checkHTTPURL says what is wrong with an absolute http(s) URL, or "" when it is fine. It never
// quotes the URL, which may carry credentials.
func checkHTTPURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "not a valid URL"
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "must be an absolute http:// or https:// URL"
	}
	return ""
}

// ValidateServe checks what `wfreview serve` needs beyond LoadOperator's checks: the GitHub App's
// integration id, private key and webhook secret. The error names the variables to set.
func (o *Operator) ValidateServe() error {
	var errs []error
	app := o.GitHub.App
	if app.IntegrationID <= 0 {
		errs = append(errs, fmt.Errorf("GitHub App integration id is not set: set %s or github.app.integration_id", envIntegrationID))
	}
	switch {
	case strings.TrimSpace(app.PrivateKey) == "":
		errs = append(errs, fmt.Errorf("GitHub App private key is not set: set %s, %s or github.app.private_key", EnvPrivateKeyFile, envPrivateKey))
	case !strings.Contains(app.PrivateKey, "-----BEGIN"):
		errs = append(errs, fmt.Errorf("GitHub App private key is not in PEM format (check %s, %s or github.app.private_key)", EnvPrivateKeyFile, envPrivateKey))
	}
	if app.WebhookSecret == "" {
		errs = append(errs, fmt.Errorf("GitHub App webhook secret is not set: set %s or github.app.webhook_secret", envWebhookSecret))
	}
	return errors.Join(errs...)
}

// ReviewerModels returns the models named in Reviewers, in that preference order (every model, in
// file order, when Reviewers is empty).
func (o *Operator) ReviewerModels() []Model {
	if len(o.Reviewers) == 0 {
		return append([]Model(nil), o.Models...)
	}
	byName := map[string]Model{}
	for _, m := range o.Models {
		byName[m.Name] = m
	}
	var out []Model
	for _, name := range o.Reviewers {
		if m, ok := byName[name]; ok {
			out = append(out, m)
		}
	}
	return out
}

// Model returns the model with the given name.
func (o *Operator) Model(name string) (Model, bool) {
	for _, m := range o.Models {
		if m.Name == name {
			return m, true
		}
	}
	return Model{}, false
}

// String summarises the configuration for logs. Secrets (private key, webhook and OAuth secrets, API
// keys, the database password) are shown only as set or unset. It has a value receiver so that
// printing an Operator or a *Operator both use it.
func (o Operator) String() string {
	var b strings.Builder
	b.WriteString("models:")
	if len(o.Models) == 0 {
		b.WriteString(" none")
	}
	for _, m := range o.Models {
		fmt.Fprintf(&b, " %s (family %s, provider %s, key %s);", m.Name, orDash(m.Family), orDash(m.Provider()), keyState(m))
	}
	fmt.Fprintf(&b, " reviewers: %s; independence: %s;", strings.Join(o.Reviewers, ", "), o.Independence)
	l := o.Review
	fmt.Fprintf(&b, " review: concurrency %d, timeout %s, retries %d, max file %d B, max diff %d B, context %d tokens, %d reviewer(s) per review;",
		l.Concurrency, l.Timeout, l.MaxRetries, l.MaxFileBytes, l.MaxDiffBytes, l.ContextTokens, l.ReviewersPerReview)
	fmt.Fprintf(&b, " github: api %s, integration id %d, private key %s, webhook secret %s;",
		o.GitHub.V3APIURL, o.GitHub.App.IntegrationID, setState(o.GitHub.App.PrivateKey), setState(o.GitHub.App.WebhookSecret))
	fmt.Fprintf(&b, " server: %s; database: %s", o.Server.Address, RedactDatabaseURL(o.DatabaseURL))
	return b.String()
}

// GoString keeps %#v from printing secrets.
func (o Operator) GoString() string { return "config.Operator{" + o.String() + "}" }

// MarshalJSON writes the redacted summary, so a logger that marshals the configuration (zerolog's
// Interface) cannot leak its secrets.
func (o Operator) MarshalJSON() ([]byte, error) {
	return json.Marshal(o.String())
}

func keyState(m Model) string {
	if m.APIKeyEnv == "" {
		return "none"
	}
	return "$" + m.APIKeyEnv + " " + setState(m.APIKey())
}

func setState(s string) string {
	if s == "" {
		return "unset"
	}
	return "set"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

var dsnPasswordRe = regexp.MustCompile(`(?i)(password\s*=\s*)('[^']*'|\S+)`)

// RedactDatabaseURL hides the password of a database URL (in its user info or query) or of a
// key=value connection string.
func RedactDatabaseURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.Opaque == "" {
		q := u.Query()
		for k := range q {
			lk := strings.ToLower(k)
			if strings.Contains(lk, "password") || strings.Contains(lk, "secret") || strings.Contains(lk, "token") {
				q.Set(k, "xxxxx")
			}
		}
		if len(q) > 0 {
			u.RawQuery = q.Encode()
		}
		return u.Redacted()
	}
	return dsnPasswordRe.ReplaceAllString(s, "${1}xxxxx")
}
