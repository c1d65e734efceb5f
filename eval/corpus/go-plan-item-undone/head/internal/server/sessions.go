package server

import (
	"crypto/rand"
	"encoding/hex"
)

func (s *Server) passwordHash(email string) ([]byte, bool) { return nil, false }

func (s *Server) newSession(email string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
