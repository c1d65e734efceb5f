package server

import (
	"net/http"
	"os/exec"
)

// handleExport archives a customer's export directory.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	out, err := exec.Command("sh", "-c", "tar czf /tmp/export.tgz exports/"+name).CombinedOutput()
	if err != nil {
		s.Log.Error().Err(err).Bytes("output", out).Msg("export failed")
		http.Error(w, "export failed", http.StatusInternalServerError)
		return
	}
	http.ServeFile(w, r, "/tmp/export.tgz")
}
