package ghfake

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v66/github"
	"github.com/palantir/go-githubapp/githubapp"
)

const testAppID = 12345

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

// appKey returns a throwaway RSA key (generated once per test binary) and its PEM encoding.
func appKey(t *testing.T) (*rsa.PrivateKey, []byte) {
	t.Helper()
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		testKey = k
	})
	if testKey == nil {
		t.Fatal("no test key")
	}
	return testKey, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(testKey)})
}

// signJWT builds an RS256 JWT by hand, so tests can make malformed and expired ones.
func signJWT(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestInstallationTokenFlow(t *testing.T) {
	key, pemKey := appKey(t)
	tests := []struct {
		name   string
		client func(t *testing.T, s *Server) *github.Client
	}{
		{name: "ghinstallation transport against the root URL", client: func(t *testing.T, s *Server) *github.Client {
			itr, err := ghinstallation.New(http.DefaultTransport, testAppID, 777, pemKey)
			if err != nil {
				t.Fatal(err)
			}
			itr.BaseURL = s.URL
			gh := github.NewClient(&http.Client{Transport: itr})
			gh.BaseURL = mustParseURL(t, s.URL)
			return gh
		}},
		{name: "go-githubapp client creator against the enterprise URL", client: func(t *testing.T, s *Server) *github.Client {
			var cfg githubapp.Config
			cfg.V3APIURL, cfg.V4APIURL = s.EnterpriseURL, s.URL+"api/graphql"
			cfg.App.IntegrationID, cfg.App.PrivateKey = testAppID, string(pemKey)
			cc, err := githubapp.NewDefaultCachingClientCreator(cfg)
			if err != nil {
				t.Fatal(err)
			}
			gh, err := cc.NewInstallationClient(777)
			if err != nil {
				t.Fatal(err)
			}
			return gh
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, WithApp(testAppID, "wfreview", &key.PublicKey), WithStrictTokens())
			gh := tc.client(t, f.s)
			for i := 0; i < 2; i++ {
				pr, _, err := gh.PullRequests.Get(f.ctx, "Codertocat", "Hello-World", 2)
				if err != nil {
					t.Fatal(err)
				}
				if pr.GetHead().GetSHA() != headSHA {
					t.Fatalf("head = %s", pr.GetHead().GetSHA())
				}
			}
			toks := f.s.IssuedTokens()
			if len(toks) != 1 || toks[0].InstallationID != 777 || !strings.HasPrefix(toks[0].Token, "ghs_") ||
				time.Until(toks[0].ExpiresAt) < 59*time.Minute {
				t.Fatalf("tokens = %+v, want one token for installation 777 valid for an hour", toks)
			}
			if n := f.s.Count("POST", "/app/installations/{installation_id}/access_tokens"); n != 1 {
				t.Errorf("token requests = %d, want 1 (cached by the transport)", n)
			}
			for _, r := range f.s.Requests() {
				if r.Route == "/repos/{owner}/{repo}/pulls/{pull_number}" && r.Header.Get("Authorization") != "token "+toks[0].Token {
					t.Errorf("repo request authorized with %q", r.Header.Get("Authorization"))
				}
			}

			f.s.ExpireTokens()
			_, _, err := gh.PullRequests.Get(f.ctx, "Codertocat", "Hello-World", 2)
			if er := errorResponse(t, err, http.StatusUnauthorized); er.Message != "Bad credentials" {
				t.Errorf("expired token message = %q", er.Message)
			}
		})
	}
}

func TestAppJWTValidation(t *testing.T) {
	key, _ := appKey(t)
	other, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	valid := map[string]any{"iat": now.Add(-30 * time.Second).Unix(), "exp": now.Add(2 * time.Minute).Unix(), "iss": "12345"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range valid {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name    string
		auth    string
		status  int
		message string
	}{
		{name: "valid", auth: "Bearer " + signJWT(t, key, valid), status: 201},
		{name: "missing", auth: "", status: 401, message: "Requires authentication"},
		{name: "not a JWT", auth: "Bearer ghs_abc", status: 401, message: errJWTDecode},
		{name: "token scheme", auth: "token " + signJWT(t, key, valid), status: 401, message: errJWTDecode},
		{name: "signed by another key", auth: "Bearer " + signJWT(t, other, valid), status: 401, message: errJWTDecode},
		{name: "expired", auth: "Bearer " + signJWT(t, key, with("exp", now.Add(-time.Minute).Unix())), status: 401, message: errJWTExp},
		{name: "lives too long", auth: "Bearer " + signJWT(t, key, with("exp", now.Add(time.Hour).Unix())), status: 401, message: errJWTExpFar},
		{name: "issued in the future", auth: "Bearer " + signJWT(t, key, with("iat", now.Add(time.Hour).Unix())), status: 401, message: errJWTIat},
		{name: "other app", auth: "Bearer " + signJWT(t, key, with("iss", "999")), status: 401, message: "'Issuer' claim ('iss') must be an Integer"},
	}
	s := New(t, WithApp(testAppID, "wfreview", &key.PublicKey))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest("POST", s.URL+"app/installations/5/access_tokens", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d (%v), want %d", resp.StatusCode, body, tc.status)
			}
			if tc.status == 201 {
				exp, err := time.Parse(time.RFC3339, body["expires_at"].(string))
				if err != nil || time.Until(exp) < 59*time.Minute || body["repository_selection"] != "all" || body["permissions"] == nil {
					t.Errorf("token body = %v", body)
				}
				return
			}
			if body["message"] != tc.message {
				t.Errorf("message = %v, want %q", body["message"], tc.message)
			}
		})
	}

	t.Run("GET /app", func(t *testing.T) {
		req, _ := http.NewRequest("GET", s.URL+"app", nil)
		req.Header.Set("Authorization", "Bearer "+signJWT(t, key, valid))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var app github.App
		if err := json.NewDecoder(resp.Body).Decode(&app); err != nil || app.GetID() != testAppID || app.GetSlug() != "wfreview" {
			t.Errorf("app = %v, %v", app, err)
		}
	})
}
