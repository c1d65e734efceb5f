package ghfake

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// JWT rules GitHub applies to app authentication.
const (
	maxJWTLifetime = 10 * time.Minute
	jwtClockSkew   = 60 * time.Second
	errJWTDecode   = "A JSON web token could not be decoded"
	errJWTExp      = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
	errJWTExpFar   = "'Expiration time' claim ('exp') is too far in the future"
	errJWTIat      = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
)

// InstallationPermissions are the permissions minted tokens report.
var InstallationPermissions = map[string]string{
	"checks": "write", "contents": "read", "issues": "write", "metadata": "read", "pull_requests": "write",
}

// checkToken validates the Authorization header of a token-authenticated endpoint; it returns the
// 401 message, or "".
func (s *Server) checkToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "Requires authentication"
	}
	scheme, tok, _ := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if (!strings.EqualFold(scheme, "token") && !strings.EqualFold(scheme, "bearer")) || tok == "" {
		return "Bad credentials"
	}
	if !s.strictTokens {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, t := range s.tokens {
		if t.Token == tok && now.Before(t.ExpiresAt) {
			return ""
		}
	}
	return "Bad credentials"
}

// checkJWT validates the app JWT of an /app endpoint; it returns the 401 message, or "".
func (s *Server) checkJWT(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "Requires authentication"
	}
	scheme, tok, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "bearer") {
		return errJWTDecode
	}
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 3 {
		return errJWTDecode
	}
	var header struct {
		Alg string `json:"alg"`
	}
	var claims struct {
		Iat json.Number `json:"iat"`
		Exp json.Number `json:"exp"`
		Iss any         `json:"iss"`
	}
	if decodeSegment(parts[0], &header) != nil || decodeSegment(parts[1], &claims) != nil || header.Alg != "RS256" {
		return errJWTDecode
	}
	now := s.clock()
	exp, err := claims.Exp.Int64()
	if err != nil || !time.Unix(exp, 0).After(now) {
		return errJWTExp
	}
	if time.Unix(exp, 0).After(now.Add(maxJWTLifetime + jwtClockSkew)) {
		return errJWTExpFar
	}
	iat, err := claims.Iat.Int64()
	if err != nil || time.Unix(iat, 0).After(now.Add(jwtClockSkew)) {
		return errJWTIat
	}
	if s.appKey != nil {
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		if err != nil {
			return errJWTDecode
		}
		sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		if rsa.VerifyPKCS1v15(s.appKey, crypto.SHA256, sum[:], sig) != nil {
			return errJWTDecode
		}
		if fmt.Sprint(claims.Iss) != strconv.FormatInt(s.appID, 10) {
			return "'Issuer' claim ('iss') must be an Integer"
		}
	}
	return ""
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	return d.Decode(v)
}

func (c *call) getApp() {
	c.json(http.StatusOK, c.s.appJSON())
}

// createAccessToken mints an installation token valid for an hour.
func (c *call) createAccessToken() {
	id, ok := c.intParam("installation_id")
	if !ok {
		return
	}
	var in struct {
		Permissions map[string]string `json:"permissions"`
	}
	if !c.decode(&in) {
		return
	}
	perms := InstallationPermissions
	if len(in.Permissions) > 0 {
		for k, v := range in.Permissions {
			granted, ok := InstallationPermissions[k]
			if !ok || (v == "write" && granted != "write") {
				c.validationFailed(validationError{Resource: "InstallationAccessToken", Code: "custom", Field: "permissions",
					Message: fmt.Sprintf("The permissions requested are not granted to this installation (%s: %s).", k, v)})
				return
			}
		}
		perms = in.Permissions
	}
	tok := IssuedToken{Token: "ghs_" + randomAlnum(36), InstallationID: id, ExpiresAt: c.s.now().Add(time.Hour)}
	c.s.tokens = append(c.s.tokens, tok)
	c.json(http.StatusCreated, map[string]any{
		"token":                tok.Token,
		"expires_at":           ts(tok.ExpiresAt),
		"permissions":          perms,
		"repository_selection": "all",
	})
}

func (c *call) getRepoInstallation() {
	id := c.repo.installationID
	c.json(http.StatusOK, map[string]any{
		"id":                   id,
		"app_id":               c.s.appID,
		"app_slug":             c.s.appSlug,
		"target_id":            c.s.userID(c.repo.owner),
		"target_type":          "User",
		"account":              c.s.userJSON(c.repo.owner, "User"),
		"repository_selection": "all",
		"access_tokens_url":    c.s.apiURL("/app/installations/%d/access_tokens", id),
		"repositories_url":     c.s.apiURL("/installation/repositories"),
		"html_url":             fmt.Sprintf("%s/settings/installations/%d", htmlRoot, id),
		"permissions":          InstallationPermissions,
		"events":               []string{"check_run", "issue_comment", "pull_request", "pull_request_review_comment"},
		"created_at":           "2024-01-01T00:00:00Z",
		"updated_at":           "2024-01-01T00:00:00Z",
		"single_file_name":     nil,
	})
}

func randomAlnum(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			panic(err)
		}
		b[i] = alphabet[k.Int64()]
	}
	return string(b)
}
