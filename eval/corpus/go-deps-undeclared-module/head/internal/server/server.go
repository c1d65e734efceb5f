package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"
)

// Server serves the shop API.
type Server struct {
	Log    zerolog.Logger
	router chi.Router
}

// New returns a server with its routes.
func New(log zerolog.Logger) *Server {
	s := &Server{Log: log, router: chi.NewRouter()}
	s.router.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }
