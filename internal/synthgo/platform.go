package synthgo

// platformFiles are the shared package of the base commit: what the generated services call instead
// of writing their own (so the change has no reason to re-implement a helper).
var platformFiles = map[string]string{
	"internal/platform/log.go": `// Package platform holds what every service of the shop shares: logging, HTTP helpers, retries
// and identifiers.
package platform

import (
	"log/slog"
	"os"
)

// NewLogger returns the JSON logger of a service; LOG_LEVEL=debug turns on debug lines.
func NewLogger(service string) *slog.Logger {
	level := slog.LevelInfo
	if os.Getenv("LOG_LEVEL") == "debug" {
		level = slog.LevelDebug
	}
	h := slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level})
	return slog.New(h).With("service", service)
}
`,
	"internal/platform/httpx.go": `package platform

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// MaxBodyBytes bounds a request body read by DecodeJSON.
const MaxBodyBytes = 1 << 20

// WriteJSON writes v as the JSON response with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// WriteError writes a JSON error response.
func WriteError(w http.ResponseWriter, status int, msg string) {
	_ = WriteJSON(w, status, map[string]string{"error": msg})
}

// PathID returns the path value name as a positive int64.
func PathID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("bad %s %q", name, v)
	}
	return id, nil
}

// BearerToken returns the token of an "Authorization: Bearer" header.
func BearerToken(r *http.Request) (string, bool) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return token, ok && token != ""
}

// DecodeJSON decodes the request body into v: one JSON value without unknown fields, at most
// MaxBodyBytes.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode request: %w", err)
	}
	if dec.More() {
		return errors.New("decode request: more than one JSON value")
	}
	return nil
}

// QueryInt returns the query parameter name as an int within [lo, hi], or def when it is absent.
func QueryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be an integer within %d..%d", name, lo, hi)
	}
	return n, nil
}
`,
	"internal/platform/retry.go": `package platform

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Retry calls fn up to attempts times, waiting backoff, then twice as long, and so on, between
// calls, until fn returns nil or an error made with Permanent, or ctx is done.
func Retry(ctx context.Context, attempts int, backoff time.Duration, fn func(context.Context) error) error {
	var err error
	for i := 0; i < attempts; i++ {
		if err = fn(ctx); err == nil {
			return nil
		}
		var p *permanentError
		if errors.As(err, &p) {
			return p.err
		}
		if i == attempts-1 {
			break
		}
		t := time.NewTimer(backoff << i)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-t.C:
		}
	}
	return fmt.Errorf("after %d attempts: %w", attempts, err)
}

// Permanent marks an error that retrying cannot fix: Retry returns it at once.
func Permanent(err error) error { return &permanentError{err: err} }

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }
`,
	"internal/platform/ids.go": `package platform

import "crypto/rand"

// NewID returns a random identifier for idempotency keys and request ids.
func NewID() string { return rand.Text() }
`,
}
