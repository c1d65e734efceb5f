package handlers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/palantir/go-githubapp/githubapp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/wfreview/wfreview/checklist"
	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/queue"
	"github.com/wfreview/wfreview/review"
)

// Routes served by the app.
const (
	WebhookRoute = githubapp.DefaultWebhookRoute // /api/github/hook
	maxWebhook   = 25 << 20                      // GitHub caps payloads at 25 MB
)

// ServerOptions are the knobs of the server that are not in the operator config.
type ServerOptions struct {
	Version string
	Log     zerolog.Logger
	// Workers, JobTimeout and PollInterval tune the queue (0: the queue's defaults).
	Workers      int
	JobTimeout   time.Duration
	PollInterval time.Duration
	// ShutdownTimeout bounds the graceful shutdown (default 30s).
	ShutdownTimeout time.Duration
}

// Server is the GitHub App: webhook route, health, readiness, metrics and the job queue.
type Server struct {
	op      *config.Operator
	opts    ServerOptions
	log     zerolog.Logger
	queue   *queue.Queue
	handler http.Handler
	ready   atomic.Bool
}

// NewServer assembles the app from a validated operator configuration: it opens the database (and
// migrates it) but does not start listening or working jobs.
func NewServer(ctx context.Context, op *config.Operator, opts ServerOptions) (*Server, error) {
	if err := op.ValidateServe(); err != nil {
		return nil, err
	}
	log := opts.Log
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := NewMetrics(reg)

	cc, err := newClientCreator(op, opts.Version, metrics)
	if err != nil {
		return nil, err
	}

	engine, notes := review.NewEngine(op)
	for _, n := range notes {
		log.Warn().Msg(n)
	}
	engine.Log = log
	if engine.Registry == nil { // NewEngine made one when the operator names private packages
		engine.Registry = checklist.NewRegistry()
	}
	if len(engine.Reviewers) == 0 {
		log.Warn().Msg("no reviewer model available: reviews run the static checks only")
	}

	// The archive download goes to codeload, not the API: it is not counted as a GitHub request.
	archives, err := NewHeadArchives(op.Archive, nil)
	if err != nil {
		return nil, fmt.Errorf("archive cache (archive.dir, %s): %w", config.EnvArchiveDir, err)
	}
	if archives == nil {
		log.Info().Msg("head archives are off (archive.enabled: false): files are read one by one")
	} else {
		lim := archives.Cache.Limits()
		log.Info().Str("dir", archives.Cache.Dir()).Int64("cache_bytes", archives.Cache.MaxBytes()).
			Int64("max_bytes", lim.MaxDownloadBytes).Int64("max_extracted_bytes", lim.MaxExtractedBytes).
			Int("max_files", lim.MaxEntries).Msg("head archive cache")
	}
	worker := &Worker{ClientCreator: cc, Engine: engine, Metrics: metrics, Log: log, BotLogin: botLogin(ctx, cc, log), Archives: archives}
	q, err := queue.Open(ctx, queue.Config{DatabaseURL: op.DatabaseURL, Workers: opts.Workers, JobTimeout: opts.JobTimeout,
		PollInterval: opts.PollInterval, Log: log, Registerer: reg}, worker.Run)
	if err != nil {
		return nil, err
	}
	worker.Queue, worker.Feedback = q, q

	base := Base{ClientCreator: cc, Queue: q, Metrics: metrics}
	dispatcher := githubapp.NewEventDispatcher(
		[]githubapp.EventHandler{&PullRequest{Base: base}, &IssueComment{Base: base}, &ReviewComment{Base: base}},
		op.GitHub.App.WebhookSecret,
		githubapp.WithErrorCallback(webhookError),
	)

	s := &Server{op: op, opts: opts, log: log, queue: q}
	mux := http.NewServeMux()
	mux.Handle("POST "+WebhookRoute, requireSHA256(dispatcher))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	s.handler = withLogger(log, mux)
	return s, nil
}

// newClientCreator makes the GitHub clients: installation tokens from ghinstallation (cached per
// installation), and every API request through RetryMiddleware, whose hook counts it.
func newClientCreator(op *config.Operator, version string, metrics *Metrics) (githubapp.ClientCreator, error) {
	cc, err := githubapp.NewDefaultCachingClientCreator(withGraphQLURL(op.GitHub),
		githubapp.WithClientUserAgent("wfreview/"+version),
		githubapp.WithClientTimeout(60*time.Second),
		githubapp.WithClientMiddleware(RetryMiddleware(RetryOptions{OnResponse: metrics.ObserveGitHubResponse})),
	)
	if err != nil {
		return nil, fmt.Errorf("github client creator: %w", err)
	}
	return cc, nil
}

// Handler is the server's HTTP handler (for tests and custom listeners).
func (s *Server) Handler() http.Handler { return s.handler }

// Start starts working jobs and marks the server ready.
func (s *Server) Start(ctx context.Context) error {
	if err := s.queue.Start(ctx); err != nil {
		return err
	}
	s.ready.Store(true)
	return nil
}

// Serve listens on addr until ctx is cancelled (SIGTERM), then shuts down gracefully: readiness
// fails first, the listener stops taking webhooks and waits for in-flight ones (each is committed to
// the queue before its 2xx), then the queue lets running reviews finish within the timeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if err := s.Start(ctx); err != nil {
		return err
	}
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info().Str("addr", ln.Addr().String()).Msg("wfreview serving")

	var serveErr error
	select {
	case err := <-errc:
		serveErr = err
	case <-ctx.Done():
	}
	s.ready.Store(false)
	timeout := s.opts.ShutdownTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	s.log.Info().Msg("shutting down: draining webhooks and running reviews")
	if err := srv.Shutdown(sctx); err != nil {
		s.log.Warn().Err(err).Msg("http shutdown")
	}
	if err := s.queue.Stop(sctx); err != nil {
		s.log.Warn().Err(err).Msg("queue shutdown")
	}
	if err := s.queue.Close(); err != nil {
		s.log.Warn().Err(err).Msg("close database")
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}

// Close releases the database without the graceful part (tests).
func (s *Server) Close() error { return s.queue.Close() }

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.queue.Ping(ctx); err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// requireSHA256 refuses deliveries without X-Hub-Signature-256 (go-github would fall back to the
// weaker SHA-1 header) and caps the body size.
func requireSHA256(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sig := r.Header.Get("X-Hub-Signature-256")
		if !strings.HasPrefix(sig, "sha256=") {
			zerolog.Ctx(r.Context()).Warn().Str(githubapp.LogKeyDeliveryID, r.Header.Get("X-GitHub-Delivery")).
				Msg("webhook without X-Hub-Signature-256 refused")
			http.Error(w, "missing X-Hub-Signature-256", http.StatusUnauthorized)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxWebhook)
		next.ServeHTTP(w, r)
	})
}

// webhookError answers 401 for a bad signature, 400 for a malformed delivery, 503 when the job could
// not be committed (GitHub shows it as failed and it can be redelivered).
func webhookError(w http.ResponseWriter, r *http.Request, err error) {
	log := zerolog.Ctx(r.Context())
	var ve githubapp.ValidationError
	if errors.As(err, &ve) {
		if strings.Contains(ve.Cause.Error(), "signature") {
			log.Warn().Err(ve.Cause).Msg("webhook with a bad signature refused")
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		log.Warn().Err(ve.Cause).Msg("invalid webhook")
		http.Error(w, "invalid webhook headers or payload", http.StatusBadRequest)
		return
	}
	log.Error().Err(err).Msg("webhook not queued")
	http.Error(w, "review job could not be queued", http.StatusServiceUnavailable)
}

// withLogger puts the logger into every request context (go-githubapp logs through zerolog.Ctx).
func withLogger(log zerolog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(log.WithContext(r.Context())))
	})
}

// withGraphQLURL derives the GraphQL endpoint from a custom REST URL when only that is set: GitHub
// Enterprise Server's https://HOST/api/v3/ has its GraphQL API at https://HOST/api/graphql, and any
// other REST root R at R/graphql (api.github.com's rule).
func withGraphQLURL(c githubapp.Config) githubapp.Config {
	v3 := strings.TrimSuffix(c.V3APIURL, "/")
	if c.V4APIURL != config.DefaultGitHubV4URL || v3 == "" || v3 == strings.TrimSuffix(config.DefaultGitHubV3URL, "/") {
		return c
	}
	c.V4APIURL = GraphQLURL(v3)
	return c
}

// GraphQLURL is the GraphQL endpoint that goes with a REST API root: https://HOST/api/graphql for
// GitHub Enterprise Server's https://HOST/api/v3, R/graphql for any other root R
// (https://api.github.com/graphql).
func GraphQLURL(restURL string) string {
	v3 := strings.TrimSuffix(restURL, "/")
	if strings.HasSuffix(v3, "/api/v3") {
		return strings.TrimSuffix(v3, "/v3") + "/graphql"
	}
	return v3 + "/graphql"
}

// botLogin asks GitHub for the app's slug; "" when unknown (markers are then trusted from anyone).
func botLogin(ctx context.Context, cc githubapp.ClientCreator, log zerolog.Logger) string {
	c, err := cc.NewAppClient()
	if err != nil {
		log.Warn().Err(err).Msg("app client")
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	app, _, err := c.Apps.Get(ctx, "")
	if err != nil || app.GetSlug() == "" {
		log.Warn().Err(err).Msg("could not read the app's slug; markers from any user are trusted")
		return ""
	}
	return app.GetSlug() + "[bot]"
}
