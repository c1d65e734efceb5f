package server

import (
	"net/http"

	"github.com/httpx-go/ratelimiter"
)

// Limit wraps h with a per-client rate limit.
func Limit(h http.Handler) http.Handler {
	rl := ratelimiter.New(ratelimiter.PerMinute(120))
	return rl.Middleware(h)
}
