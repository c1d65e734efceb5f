package server

import (
	"net/http"

	"example.com/ratelimit"
)

// Limit rejects requests beyond 5 per second (bursts of 10) with 429.
func Limit(h http.Handler) http.Handler {
	lim := ratelimit.New(5, 10)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !lim.Allow() {
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		h.ServeHTTP(w, r)
	})
}
