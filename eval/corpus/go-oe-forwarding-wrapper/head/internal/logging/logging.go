package logging

import "github.com/rs/zerolog"

// Logger wraps zerolog.Logger.
type Logger struct {
	l zerolog.Logger
}

// NewLogger wraps l.
func NewLogger(l zerolog.Logger) *Logger { return &Logger{l: l} }

// Info forwards to zerolog.
func (g *Logger) Info() *zerolog.Event { return g.l.Info() }

// Error forwards to zerolog.
func (g *Logger) Error() *zerolog.Event { return g.l.Error() }

// Debug forwards to zerolog.
func (g *Logger) Debug() *zerolog.Event { return g.l.Debug() }
