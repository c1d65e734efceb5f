package server

import (
	"encoding/json"
	"net/http"
)

type product struct {
	Name    string `json:"name"`
	Summary string `json:"summary"`
}

func shorten(s string, max int) string {
	runes := []rune(s)
	if len(runes) <= max {
		return s
	}
	return string(runes[:max-1]) + "…"
}

func (s *Server) handleProducts(w http.ResponseWriter, _ *http.Request) {
	ps := []product{{Name: "Kettle", Summary: shorten("A 1.7 litre kettle with a temperature dial and keep-warm mode", 40)}}
	_ = json.NewEncoder(w).Encode(ps)
}
