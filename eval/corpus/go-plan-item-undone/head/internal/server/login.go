package server

import (
	"net/http"

	"golang.org/x/crypto/bcrypt"
)

// handleLogin checks the credentials and starts a session.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	email, password := r.FormValue("email"), r.FormValue("password")
	hash, ok := s.passwordHash(email)
	if !ok || bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil {
		s.Log.Warn().Str("email", email).Msg("failed login")
		http.Error(w, "invalid credentials", http.StatusUnauthorized)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "session", Value: s.newSession(email), HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	w.WriteHeader(http.StatusNoContent)
}
