package app

// Options configure Run.
type Options struct {
	Name    string
	Retries int
}

// Run runs.
func Run(o Options) string { return o.Name }
