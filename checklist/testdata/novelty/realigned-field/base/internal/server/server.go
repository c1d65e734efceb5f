package server

import (
	"log"
	"net/http"
)

// Server serves the API.
type Server struct {
	Log *log.Logger
	mux *http.ServeMux
}

// New returns a server.
func New(l *log.Logger) *Server { return &Server{Log: l, mux: http.NewServeMux()} }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }
