package server

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
)

type order struct {
	ID    int64 `json:"id"`
	Total int64 `json:"total"`
}

func (s *Server) handleOrder(w http.ResponseWriter, r *http.Request) {
	var o order
	if err := json.NewDecoder(r.Body).Decode(&o); err != nil {
		log.Printf("bad order: %v", err)
		http.Error(w, "bad order", http.StatusBadRequest)
		return
	}
	fmt.Println("order received", o.ID)
	w.WriteHeader(http.StatusAccepted)
}
