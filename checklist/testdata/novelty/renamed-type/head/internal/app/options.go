package app

// Config configures Run.
type Config struct {
	Name    string
	Retries int64
}

// Run runs.
func Run(c Config) string { return c.Name }
