package server

import (
	"net/http"
	"time"

	"github.com/rs/zerolog"
)

// Server serves the shop API.
type Server struct {
	Log     zerolog.Logger
	mux     *http.ServeMux
	limiter *loginLimiter
}

// New returns a server with its routes.
func New(log zerolog.Logger) *Server {
	s := &Server{Log: log, mux: http.NewServeMux(), limiter: &loginLimiter{attempts: map[string][]time.Time{}}}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	s.mux.HandleFunc("POST /login", s.handleLogin)
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }
