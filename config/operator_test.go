package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// operatorEnv is every variable LoadOperator reads.
var operatorEnv = []string{
	"GITHUB_WEB_URL", "GITHUB_V3_API_URL", "GITHUB_V4_API_URL",
	"GITHUB_APP_INTEGRATION_ID", "GITHUB_APP_WEBHOOK_SECRET", "GITHUB_APP_PRIVATE_KEY",
	"GITHUB_OAUTH_CLIENT_ID", "GITHUB_OAUTH_CLIENT_SECRET",
	EnvPrivateKeyFile, EnvAddr, EnvDatabaseURL,
}

// clearOperatorEnv unsets the variables LoadOperator reads for the duration of the test.
func clearOperatorEnv(t *testing.T) {
	t.Helper()
	for _, k := range operatorEnv {
		t.Setenv(k, "") // restores the original value after the test
		os.Unsetenv(k)
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const testPEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretsecretsecret\n-----END RSA PRIVATE KEY-----\n"

func TestDefaultOperator(t *testing.T) {
	o := DefaultOperator()
	checks := []struct {
		name      string
		got, want any
	}{
		{"models", len(o.Models), 0},
		{"independence", o.Independence, IndependenceFamily},
		{"concurrency", o.Review.Concurrency, 4},
		{"timeout", o.Review.Timeout, 120 * time.Second},
		{"max_retries", o.Review.MaxRetries, 3},
		{"max_file_bytes", o.Review.MaxFileBytes, 200000},
		{"max_diff_bytes", o.Review.MaxDiffBytes, 5000000},
		{"context_tokens", o.Review.ContextTokens, 16000},
		{"reviewers_per_review", o.Review.ReviewersPerReview, 1},
		{"address", o.Server.Address, ":8080"},
		{"database", o.DatabaseURL, "wfreview.db"},
		{"v3", o.GitHub.V3APIURL, "https://api.github.com/"},
		{"v4", o.GitHub.V4APIURL, "https://api.github.com/graphql"},
		{"web", o.GitHub.WebURL, "https://github.com"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}
	t.Run("LoadOperator without a file", func(t *testing.T) {
		clearOperatorEnv(t)
		o, err := LoadOperator("")
		if err != nil {
			t.Fatalf("LoadOperator: %v", err)
		}
		if o.String() != DefaultOperator().String() {
			t.Errorf("LoadOperator(\"\") = %v, want %v", o, DefaultOperator())
		}
	})
}

func TestLoadOperatorFile(t *testing.T) {
	clearOperatorEnv(t)
	p := writeFile(t, "op.yml", `models:
  - name: gpt-5-mini
    family: gpt
    base_url: https://api.openai.com/v1
    api_key_env: OPENAI_API_KEY
    max_output_tokens: 4096
  - name: claude-sonnet-4-5
    family: claude
    base_url: https://api.anthropic.com/v1/
    api_key_env: ANTHROPIC_API_KEY
    context_tokens: 200000
reviewers: [claude-sonnet-4-5, gpt-5-mini]
independence: provider
review:
  concurrency: 8
  timeout: 90s
  max_retries: 0
  context_tokens: 0
  reviewers_per_review: 2
github:
  v3_api_url: https://ghe.example.com/api/v3/
  app:
    integration_id: 42
    webhook_secret: from-file
server:
  address: "127.0.0.1:9000"
database_url: postgres://wf@db/wf
registry:
  private: ["github.com/acme/*", "@acme"]
`)
	o, err := LoadOperator(p)
	if err != nil {
		t.Fatalf("LoadOperator: %v", err)
	}
	var reviewers []string
	for _, m := range o.ReviewerModels() {
		reviewers = append(reviewers, m.Name)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"reviewer order", strings.Join(reviewers, ","), "claude-sonnet-4-5,gpt-5-mini"},
		{"default context tokens", o.Models[0].ContextTokens, DefaultContextTokens},
		{"explicit context tokens", o.Models[1].ContextTokens, 200000},
		{"max output tokens", o.Models[0].MaxOutputTokens, 4096},
		{"independence", o.Independence, IndependenceProvider},
		{"concurrency", o.Review.Concurrency, 8},
		{"timeout", o.Review.Timeout, 90 * time.Second},
		{"explicit zero retries kept", o.Review.MaxRetries, 0},
		{"explicit zero context kept", o.Review.ContextTokens, 0},
		{"reviewer panel", o.Review.ReviewersPerReview, 2},
		{"default max_file_bytes", o.Review.MaxFileBytes, DefaultMaxFileBytes},
		{"v3 from file", o.GitHub.V3APIURL, "https://ghe.example.com/api/v3/"},
		{"v4 default", o.GitHub.V4APIURL, DefaultGitHubV4URL},
		{"integration id", o.GitHub.App.IntegrationID, int64(42)},
		{"webhook secret", o.GitHub.App.WebhookSecret, "from-file"},
		{"address", o.Server.Address, "127.0.0.1:9000"},
		{"database", o.DatabaseURL, "postgres://wf@db/wf"},
		{"registry.private", strings.Join(o.Registry.Private, " "), "github.com/acme/* @acme"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}

	t.Run("reviewers default to the order of models", func(t *testing.T) {
		p := writeFile(t, "op.yml", "models:\n  - {name: b, base_url: \"http://localhost:11434/v1\"}\n  - {name: a, base_url: \"https://openrouter.ai/api/v1\"}\n")
		o, err := LoadOperator(p)
		if err != nil {
			t.Fatalf("LoadOperator: %v", err)
		}
		if !slices.Equal(o.Reviewers, []string{"b", "a"}) || len(o.ReviewerModels()) != 2 || o.ReviewerModels()[0].Name != "b" {
			t.Errorf("Reviewers = %q", o.Reviewers)
		}
	})

	t.Run("missing file", func(t *testing.T) {
		_, err := LoadOperator(filepath.Join(t.TempDir(), "nope.yml"))
		if err == nil || !strings.Contains(err.Error(), "read operator config") || !os.IsNotExist(unwrapAll(err)) {
			t.Errorf("err = %v, want a wrapped not-exist error", err)
		}
	})
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

func TestLoadOperatorErrors(t *testing.T) {
	const secret = "sk-proj-THISISTHEKEY1234567890"
	tests := []struct {
		name string
		src  string
		want []wantErr
	}{
		{"unknown key", "modles: []\n", []wantErr{{"1:1", `unknown key "modles"; known keys: models, reviewers`}}},
		{"unknown github.app key", "github:\n  app:\n    privatekey: x\n", []wantErr{{"3:5", `unknown key "privatekey" in github.app; known keys: integration_id, webhook_secret, private_key`}}},
		{"integration id string", "github:\n  app:\n    integration_id: abc\n", []wantErr{{"3:21", "github.app.integration_id: expected an integer, got a string"}}},
		{"timeout integer", "review:\n  timeout: 120\n", []wantErr{{"2:12", "review.timeout: expected a duration such as 90s or 2m, got an integer"}}},
		{"timeout text", "review:\n  timeout: soon\n", []wantErr{{"2:12", `review.timeout: "soon" is not a duration`}}},
		{"timeout negative", "review:\n  timeout: -1s\n", []wantErr{{"2:12", "review.timeout: must be positive"}}},
		{"concurrency zero", "review:\n  concurrency: 0\n", []wantErr{{"2:16", "review.concurrency: 0 is out of range; use 1 to 32"}}},
		{"concurrency too big", "review:\n  concurrency: 33\n", []wantErr{{"2:16", "review.concurrency: 33 is out of range"}}},
		{"retries too many", "review:\n  max_retries: 11\n", []wantErr{{"2:16", "review.max_retries: 11 is out of range; use 0 to 10"}}},
		{"max file bytes zero", "review:\n  max_file_bytes: 0\n", []wantErr{{"2:19", "review.max_file_bytes: must be positive"}}},
		{"context tokens negative", "review:\n  context_tokens: -1\n", []wantErr{{"2:19", "review.context_tokens: -1 is out of range; use 0 (no repository context) to 500000"}}},
		{"reviewers per review three", "review:\n  reviewers_per_review: 3\n", []wantErr{{"2:25", "review.reviewers_per_review: 3 is out of range; use 1 or 2"}}},
		{"reviewers per review zero", "review:\n  reviewers_per_review: 0\n", []wantErr{{"2:25", "review.reviewers_per_review: 0 is out of range"}}},
		{"independence", "independence: vendor\n", []wantErr{{"1:15", `independence: "vendor" is not one of model, family, provider`}}},
		{"model without name or url", "models:\n  - family: gpt\n", []wantErr{
			{"2:5", "models[0]: name is required"},
			{"2:5", "models[0]: base_url is required"},
		}},
		{"relative base url", "models:\n  - name: a\n    base_url: api.openai.com/v1\n", []wantErr{{"3:15", "models[0].base_url: must be an absolute http:// or https:// URL"}}},
		{"ftp base url", "models:\n  - name: a\n    base_url: ftp://x/v1\n", []wantErr{{"3:15", "models[0].base_url: must be an absolute"}}},
		{"duplicate model", "models:\n  - {name: a, base_url: \"https://x/v1\"}\n  - {name: a, base_url: \"https://y/v1\"}\n", []wantErr{{"3:12", `models[1].name: duplicate model "a" (first defined on line 2)`}}},
		{"context tokens too small", "models:\n  - name: a\n    base_url: https://x/v1\n    context_tokens: 0\n", []wantErr{{"4:21", "models[0].context_tokens: 0 is too small"}}},
		{"negative max output", "models:\n  - name: a\n    base_url: https://x/v1\n    max_output_tokens: -5\n", []wantErr{{"4:24", "models[0].max_output_tokens: must not be negative"}}},
		{"api key pasted into api_key_env", "models:\n  - name: a\n    base_url: https://x/v1\n    api_key_env: " + secret + "\n", []wantErr{{"4:18", "models[0].api_key_env: must name an environment variable"}}},
		{"reviewer not a model", "models:\n  - {name: a, base_url: \"https://x/v1\"}\nreviewers: [a, b, a]\n", []wantErr{
			{"3:16", `reviewers[1]: "b" is not the name of a model`},
			{"3:19", `reviewers[2]: "a" is listed twice`},
		}},
		{"github url", "github:\n  v3_api_url: /api/v3\n", []wantErr{{"2:15", "github.v3_api_url: must be an absolute"}}},
		{"server address", "server:\n  address: \"8080\"\n", []wantErr{{"2:12", `server.address: "8080" is not a listen address`}}},
		{"registry.private bad glob", "registry:\n  private: [\"github.com/acme/*\", \"[a-\"]\n", []wantErr{{"2:34", `registry.private[1]: "[a-" is not a valid glob`}}},
		{"registry.private list in one entry", "registry:\n  private:\n    - \"github.com/a/*,github.com/b\"\n    - \"\"\n", []wantErr{
			{"3:7", `registry.private[0]: "github.com/a/*,github.com/b": one glob per entry`},
			{"4:7", "registry.private[1]: empty glob"},
		}},
		{"registry.private not a list", "registry:\n  private: github.com/acme\n", []wantErr{{"2:12", "registry.private"}}},
		{"syntax error keeps secrets out", "github:\n  app:\n    webhook_secret: \"" + secret + "\n", []wantErr{{"3:21", "could not find end character of double-quoted text"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearOperatorEnv(t)
			p := writeFile(t, "op.yml", tt.src)
			o, err := LoadOperator(p)
			if o != nil {
				t.Errorf("LoadOperator returned a config along with an error")
			}
			checkErrors(t, p, err, tt.want)
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error holds the secret: %v", err)
			}
		})
	}
}

func TestLoadOperatorEnv(t *testing.T) {
	file := `github:
  v3_api_url: https://ghe.example.com/api/v3/
  app:
    integration_id: 1
    webhook_secret: file-secret
    private_key: file-key
server:
  address: ":9000"
database_url: wfreview.db
`
	t.Run("environment overrides the file", func(t *testing.T) {
		clearOperatorEnv(t)
		keyFile := writeFile(t, "app.pem", testPEM)
		t.Setenv("GITHUB_APP_INTEGRATION_ID", "12345")
		t.Setenv("GITHUB_APP_WEBHOOK_SECRET", "env-secret")
		t.Setenv(EnvPrivateKeyFile, keyFile)
		t.Setenv("GITHUB_V3_API_URL", "https://api.github.com/")
		t.Setenv(EnvAddr, ":7000")
		t.Setenv(EnvDatabaseURL, "postgres://wf:pw@db/wf")
		o, err := LoadOperator(writeFile(t, "op.yml", file))
		if err != nil {
			t.Fatalf("LoadOperator: %v", err)
		}
		app := o.GitHub.App
		if app.IntegrationID != 12345 || app.WebhookSecret != "env-secret" || app.PrivateKey != testPEM {
			t.Errorf("GitHub.App = id %d, secret %q, key from file %v", app.IntegrationID, app.WebhookSecret, app.PrivateKey == testPEM)
		}
		if o.GitHub.V3APIURL != "https://api.github.com/" || o.Server.Address != ":7000" || o.DatabaseURL != "postgres://wf:pw@db/wf" {
			t.Errorf("overrides not applied: %v", o)
		}
		if err := o.ValidateServe(); err != nil {
			t.Errorf("ValidateServe: %v", err)
		}
	})

	t.Run("file values stay without environment", func(t *testing.T) {
		clearOperatorEnv(t)
		o, err := LoadOperator(writeFile(t, "op.yml", file))
		if err != nil {
			t.Fatalf("LoadOperator: %v", err)
		}
		if o.GitHub.App.IntegrationID != 1 || o.GitHub.App.PrivateKey != "file-key" || o.Server.Address != ":9000" {
			t.Errorf("file values lost: %v", o)
		}
	})

	t.Run("escaped newlines in GITHUB_APP_PRIVATE_KEY", func(t *testing.T) {
		clearOperatorEnv(t)
		t.Setenv("GITHUB_APP_PRIVATE_KEY", strings.ReplaceAll(testPEM, "\n", `\n`))
		o, err := LoadOperator("")
		if err != nil {
			t.Fatalf("LoadOperator: %v", err)
		}
		if o.GitHub.App.PrivateKey != testPEM {
			t.Errorf("escaped newlines not restored")
		}
	})

	errCases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"integration id not a number", map[string]string{"GITHUB_APP_INTEGRATION_ID": "abc"}, "GITHUB_APP_INTEGRATION_ID: not an integer"},
		{"key file missing", map[string]string{EnvPrivateKeyFile: "/nonexistent/app.pem"}, "GITHUB_APP_PRIVATE_KEY_FILE: open /nonexistent/app.pem"},
		{"key and key file", map[string]string{EnvPrivateKeyFile: "/x.pem", "GITHUB_APP_PRIVATE_KEY": testPEM}, "both GITHUB_APP_PRIVATE_KEY and GITHUB_APP_PRIVATE_KEY_FILE are set"},
		{"bad API URL from env", map[string]string{"GITHUB_V3_API_URL": "ghe.local/api"}, "GITHUB_V3_API_URL: must be an absolute http:// or https:// URL"},
		{"bad address from env", map[string]string{EnvAddr: "nope"}, `WFREVIEW_ADDR: "nope" is not a listen address`},
	}
	for _, tt := range errCases {
		t.Run(tt.name, func(t *testing.T) {
			clearOperatorEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			_, err := LoadOperator("")
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v, want prefix %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error holds the key: %v", err)
			}
		})
	}
}

func TestValidateServe(t *testing.T) {
	t.Run("nothing set names every variable", func(t *testing.T) {
		err := DefaultOperator().ValidateServe()
		if err == nil {
			t.Fatal("ValidateServe succeeded without credentials")
		}
		for _, env := range []string{"GITHUB_APP_INTEGRATION_ID", "GITHUB_APP_PRIVATE_KEY_FILE", "GITHUB_APP_PRIVATE_KEY", "GITHUB_APP_WEBHOOK_SECRET"} {
			if !strings.Contains(err.Error(), env) {
				t.Errorf("error does not name %s: %v", env, err)
			}
		}
	})
	t.Run("only the webhook secret missing", func(t *testing.T) {
		o := DefaultOperator()
		o.GitHub.App.IntegrationID = 7
		o.GitHub.App.PrivateKey = testPEM
		err := o.ValidateServe()
		if err == nil || !strings.Contains(err.Error(), "GITHUB_APP_WEBHOOK_SECRET") || strings.Contains(err.Error(), "integration id") {
			t.Errorf("err = %v, want only the webhook secret", err)
		}
	})
	t.Run("key not PEM is rejected without echoing it", func(t *testing.T) {
		o := DefaultOperator()
		o.GitHub.App.IntegrationID = 7
		o.GitHub.App.WebhookSecret = "w"
		o.GitHub.App.PrivateKey = "not-a-pem-secretvalue"
		err := o.ValidateServe()
		if err == nil || !strings.Contains(err.Error(), "not in PEM format") || strings.Contains(err.Error(), "secretvalue") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestSecretsNeverPrinted(t *testing.T) {
	t.Setenv("WFREVIEW_TEST_KEY", "sk-live-apikey-value")
	o := DefaultOperator()
	o.Models = []Model{{Name: "m", BaseURL: "https://api.openai.com/v1", APIKeyEnv: "WFREVIEW_TEST_KEY", ContextTokens: 1000}}
	o.Reviewers = []string{"m"}
	o.GitHub.App.PrivateKey = testPEM
	o.GitHub.App.WebhookSecret = "hook-secret-value"
	o.GitHub.OAuth.ClientSecret = "oauth-secret-value"
	o.DatabaseURL = "postgres://wf:db-password-value@db/wf?sslpassword=ssl-password-value"
	jsonOut, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"String": o.String(),
		"%v":     fmt.Sprintf("%v", o),
		"%+v":    fmt.Sprintf("%+v", *o),
		"%#v":    fmt.Sprintf("%#v", o),
		"json":   string(jsonOut),
	}
	for name, out := range outputs {
		t.Run(name, func(t *testing.T) {
			for _, s := range []string{"sk-live-apikey-value", "MIIEsecret", "hook-secret-value", "oauth-secret-value", "db-password-value", "ssl-password-value"} {
				if strings.Contains(out, s) {
					t.Errorf("output holds %q: %s", s, out)
				}
			}
			for _, s := range []string{"private key set", "webhook secret set", "$WFREVIEW_TEST_KEY set", "provider openai"} {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q: %s", s, out)
				}
			}
		})
	}
}

func TestRedactDatabaseURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"wfreview.db", "wfreview.db"},
		{"/var/lib/wfreview/db.sqlite", "/var/lib/wfreview/db.sqlite"},
		{"postgres://wf@db/wf", "postgres://wf@db/wf"},
		{"postgres://wf:hunter2@db:5432/wf", "postgres://wf:xxxxx@db:5432/wf"},
		{"postgres://db/wf?password=hunter2&sslmode=disable", "postgres://db/wf?password=xxxxx&sslmode=disable"},
		{"host=db user=wf password=hunter2 dbname=wf", "host=db user=wf password=xxxxx dbname=wf"},
		{"host=db password='hunter 2'", "host=db password=xxxxx"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := RedactDatabaseURL(tt.in); got != tt.want {
				t.Errorf("RedactDatabaseURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestModelProvider(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://api.openai.com/v1", "openai"},
		{"https://API.OpenAI.com/v1/", "openai"},
		{"https://api.anthropic.com/v1/", "anthropic"},
		{"https://generativelanguage.googleapis.com/v1beta/openai/", "google"},
		{"https://openrouter.ai/api/v1", "openrouter"},
		{"https://my-team.openai.azure.com/openai/deployments/x", "azure"},
		{"http://localhost:11434/v1", "ollama"},
		{"http://127.0.0.1:11434/v1", "ollama"},
		{"http://localhost:8000/v1", "localhost:8000"},
		{"https://llm.internal.example.com/v1", "llm.internal.example.com"},
		{"not a url", ""},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			if got := (Model{BaseURL: tt.url}).Provider(); got != tt.want {
				t.Errorf("Provider(%q) = %q, want %q", tt.url, got, tt.want)
			}
		})
	}
}

func TestModelAPIKey(t *testing.T) {
	t.Setenv("WFREVIEW_TEST_SET", "k-123")
	t.Setenv("WFREVIEW_TEST_EMPTY", "")
	tests := []struct {
		name    string
		model   Model
		key     string
		wantErr string
	}{
		{"set", Model{Name: "a", APIKeyEnv: "WFREVIEW_TEST_SET"}, "k-123", ""},
		{"no key needed", Model{Name: "local"}, "", ""},
		{"empty", Model{Name: "b", APIKeyEnv: "WFREVIEW_TEST_EMPTY"}, "", "model b: environment variable WFREVIEW_TEST_EMPTY is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.model.APIKey(); got != tt.key {
				t.Errorf("APIKey() = %q, want %q", got, tt.key)
			}
			err := tt.model.CheckAPIKey()
			if (err == nil) != (tt.wantErr == "") || err != nil && err.Error() != tt.wantErr {
				t.Errorf("CheckAPIKey() = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestReviewerModelsAndModel(t *testing.T) {
	o := &Operator{
		Models:    []Model{{Name: "a"}, {Name: "b"}, {Name: "c"}},
		Reviewers: []string{"c", "a"},
	}
	var got []string
	for _, m := range o.ReviewerModels() {
		got = append(got, m.Name)
	}
	if !slices.Equal(got, []string{"c", "a"}) {
		t.Errorf("ReviewerModels() = %q, want [c a]", got)
	}
	if m, ok := o.Model("b"); !ok || m.Name != "b" {
		t.Errorf("Model(b) = %v, %v", m, ok)
	}
	if _, ok := o.Model("z"); ok {
		t.Errorf("Model(z) found")
	}
}
