package server

import (
	"net/http"

	"github.com/rs/zerolog"
)

// Server serves the shop API.
type Server struct {
	Log zerolog.Logger
	mux *http.ServeMux
}

// New returns a server with its routes.
func New(log zerolog.Logger) *Server {
	s := &Server{Log: log, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }
