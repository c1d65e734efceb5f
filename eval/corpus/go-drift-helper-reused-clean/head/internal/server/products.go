package server

import (
	"encoding/json"
	"net/http"

	"example.com/shop/internal/strutil"
)

type product struct {
	Name    string `json:"name"`
	Summary string `json:"summary"`
}

func (s *Server) handleProducts(w http.ResponseWriter, _ *http.Request) {
	ps := []product{{Name: "Kettle", Summary: strutil.Truncate("A 1.7 litre kettle with a temperature dial and keep-warm mode", 40)}}
	if err := json.NewEncoder(w).Encode(ps); err != nil {
		s.Log.Error().Err(err).Msg("encode products")
	}
}
