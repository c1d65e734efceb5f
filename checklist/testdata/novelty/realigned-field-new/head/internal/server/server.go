package server

import (
	"log"
	"net/http"
)

// Server serves the API.
type Server struct {
	Log     *log.Logger
	Retries int
	handler http.Handler
}

// New returns a server.
func New(l *log.Logger) *Server { return &Server{Log: l, handler: http.NewServeMux()} }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }
