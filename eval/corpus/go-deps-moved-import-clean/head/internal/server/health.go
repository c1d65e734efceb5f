package server

import (
	"encoding/json"
	"net/http"
	"time"
)

var started = time.Now()

func health(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"uptime_s": int(time.Since(started).Seconds())})
}
