package checklist

import "strings"

// withoutSecrets drops from environ the variables that hold the app's or the operator's secrets (an
// API key, a token, a password, the GitHub App's key, a database URL) before a tool runs on
// untrusted code: whatever that tool does with its environment, it cannot hand them on. The Go
// tool's own settings (GO*, e.g. GOPROXY with credentials of a private proxy, GOAUTH) are kept.
func withoutSecrets(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if secretEnvName(k) {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// secretEnvName reports whether an environment variable's name says it holds a secret: one of its
// underscore-separated words is KEY, TOKEN, SECRET, PASSWORD, CREDENTIALS... (OPENAI_API_KEY,
// AWS_SECRET_ACCESS_KEY), or it ends in one (PGPASSWORD, NPMTOKEN).
func secretEnvName(k string) bool {
	u := strings.ToUpper(k)
	if strings.HasPrefix(u, "GO") && !strings.HasPrefix(u, "GOOGLE") {
		return false
	}
	if strings.HasPrefix(u, "GITHUB_APP_") || strings.HasPrefix(u, "WFREVIEW_DATABASE") || u == "DATABASE_URL" {
		return true
	}
	for _, w := range strings.Split(u, "_") {
		switch w {
		case "KEY", "KEYS", "APIKEY", "TOKEN", "TOKENS", "SECRET", "SECRETS", "PASSWORD", "PASSWD", "PASS",
			"CREDENTIAL", "CREDENTIALS", "PRIVATE":
			return true
		}
	}
	for _, s := range []string{"PASSWORD", "TOKEN", "SECRET", "APIKEY"} {
		if strings.HasSuffix(u, s) {
			return true
		}
	}
	return false
}
