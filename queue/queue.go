// Package queue is wfreview's durable review-job queue, built on River
// (github.com/riverqueue/river) over SQLite (modernc.org/sqlite, pure Go) or
// PostgreSQL (pgx v5).
//
// The guarantees the webhook handler relies on:
//
//   - Enqueue returns nil only after the job (and the delivery id) are
//     COMMITTED, so answering GitHub 2xx after a nil Enqueue never loses work.
//   - Jobs survive a crash or kill -9: a queued job runs after restart; a job
//     that was running when the process died is rescued by River's rescuer once
//     it has been "running" for longer than RescueStuckJobsAfter
//     (JobTimeout + 1m by default) and is then retried.
//   - One job per (owner, repo, number, head SHA, trigger): River unique jobs
//     (UniqueOpts.ByArgs with `river:"unique"` struct tags on those fields).
//   - A redelivery of the same X-GitHub-Delivery id does nothing new: the id is
//     recorded in our own table (wfreview_delivery) in the same transaction.
//   - A newer "auto" push supersedes older QUEUED "auto" jobs of the same PR
//     (they are cancelled in the same transaction); comment-triggered jobs and
//     running jobs are left alone.
//
// Typical wiring in main:
//
//	q, err := queue.Open(ctx, cfg, handler)
//	...
//	if err := q.Start(ctx); err != nil { ... }
//	sigCtx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
//	defer stop()
//	<-sigCtx.Done()
//	stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
//	defer cancel()
//	_ = q.Stop(stopCtx) // waits for running reviews, then cancels them (retried later)
//	_ = q.Close()
package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/rs/zerolog"
)

// Trigger values. A comment-triggered job uses TriggerCommentPrefix followed
// by the comment id, e.g. "comment:123456".
const (
	TriggerAuto          = "auto"
	TriggerCommentPrefix = "comment:"
)

// Reasons reported in EnqueueResult.Reason when Duplicate is true.
const (
	ReasonDuplicateDelivery = "duplicate_delivery" // the delivery id was already recorded
	ReasonDuplicateJob      = "duplicate_job"      // a job with the same unique key already exists
)

// Defaults applied by Open.
const (
	DefaultSQLitePath        = "wfreview.db"
	DefaultWorkers           = 2
	DefaultJobTimeout        = 10 * time.Minute
	DefaultMaxAttempts       = 5
	DefaultPollInterval      = time.Second
	DefaultDeliveryRetention = 7 * 24 * time.Hour
	// rescueMargin is added to JobTimeout to get RescueStuckJobsAfter.
	rescueMargin = time.Minute
	// pruneInterval is how often delivery ids are pruned while running.
	pruneInterval = time.Hour
	// hardStopGrace bounds how long Stop waits for jobs to return after their
	// contexts were cancelled.
	hardStopGrace = 15 * time.Second
)

const kindReview = "review"

// ReviewArgs is the durable review job.
//
// The unique key is (kind, owner, repo, number, head_sha, trigger): exactly the
// fields tagged `river:"unique"`. DeliveryID, InstallationID, Mode, Checks,
// Requester, CommentID and InReplyTo are NOT part of the key.
type ReviewArgs struct {
	InstallationID int64    `json:"installation_id"`
	Owner          string   `json:"owner" river:"unique"`
	Repo           string   `json:"repo" river:"unique"`
	Number         int      `json:"number" river:"unique"`
	HeadSHA        string   `json:"head_sha" river:"unique"`
	Trigger        string   `json:"trigger" river:"unique"` // "auto" (opened/reopened/synchronize/ready_for_review) or "comment:<comment id>"
	Mode           string   `json:"mode,omitempty"`         // "", "full"
	Checks         []string `json:"checks,omitempty"`
	Requester      string   `json:"requester,omitempty"`
	CommentID      int64    `json:"comment_id,omitempty"`
	InReplyTo      int64    `json:"in_reply_to,omitempty"` // the review comment a "/review ignore" reply answers
	DeliveryID     string   `json:"delivery_id"`           // NOT part of the unique key
}

// Kind implements river.JobArgs.
func (ReviewArgs) Kind() string { return kindReview }

// InsertOpts implements river.JobArgsWithInsertOpts: review jobs are unique by
// the `river:"unique"` fields in River's default unique states (available,
// completed, pending, running, retryable, scheduled). Cancelled (superseded)
// and discarded jobs do not block a new job with the same key.
func (ReviewArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		UniqueOpts: river.UniqueOpts{
			ByArgs:  true,
			ByState: rivertype.UniqueOptsByStateDefault(),
		},
	}
}

func (a ReviewArgs) validate() error {
	var missing []string
	if a.Owner == "" {
		missing = append(missing, "owner")
	}
	if a.Repo == "" {
		missing = append(missing, "repo")
	}
	if a.Number <= 0 {
		missing = append(missing, "number")
	}
	if a.HeadSHA == "" && !strings.HasPrefix(a.Trigger, TriggerCommentPrefix) {
		missing = append(missing, "head_sha") // a comment names no commit: the worker reviews the current head
	}
	if a.Trigger == "" {
		missing = append(missing, "trigger")
	}
	if a.DeliveryID == "" {
		missing = append(missing, "delivery_id")
	}
	if len(missing) > 0 {
		return fmt.Errorf("invalid review job: missing %s", strings.Join(missing, ", "))
	}
	return nil
}

// Config configures Open.
type Config struct {
	// DatabaseURL selects the backend: "" or a path or a `file:` DSN → SQLite
	// (default "wfreview.db"); "postgres://" or "postgresql://" → PostgreSQL.
	DatabaseURL string
	// Workers is the number of concurrent review jobs (default 2).
	Workers int
	// JobTimeout bounds one attempt; the handler's ctx carries it (default 10m).
	JobTimeout time.Duration
	// RescueStuckJobsAfter is how long a job may stay "running" before River's
	// rescuer treats it as orphaned (process killed) and retries it. 0 means
	// JobTimeout + 1m. Must be >= JobTimeout.
	RescueStuckJobsAfter time.Duration
	// MaxAttempts per job, including the first (default 5).
	MaxAttempts int
	// PollInterval is River's FetchPollInterval (default 1s).
	PollInterval time.Duration
	// DeliveryRetention is how long delivery ids, and completed jobs (which
	// hold their unique key), are kept for de-duplication (default 7 days).
	DeliveryRetention time.Duration
	// Log receives our logs and River's (bridged from slog).
	Log zerolog.Logger
	// Registerer, if not nil, receives the queue's Prometheus metrics.
	Registerer prometheus.Registerer

	// testOnly sets river.Config.TestOnly (no jittered start of maintenance
	// services). Only set by this package's tests.
	testOnly bool
	// batchCollect delays group commits to collect more jobs (batch.go); the
	// zero value, the default, commits as soon as the writer is free.
	// Benchmarks only.
	batchCollect collectPolicy
	// testDrainHook, if set, is called at each stage of a drain transaction
	// (inbox.go, drainStage*). Only set by this package's tests.
	testDrainHook func(stage string)
}

func (c Config) withDefaults() (Config, error) {
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.JobTimeout <= 0 {
		c.JobTimeout = DefaultJobTimeout
	}
	if c.RescueStuckJobsAfter <= 0 {
		c.RescueStuckJobsAfter = c.JobTimeout + rescueMargin
	}
	if c.RescueStuckJobsAfter < c.JobTimeout {
		return c, fmt.Errorf("invalid queue config: RescueStuckJobsAfter (%s) must be >= JobTimeout (%s)", c.RescueStuckJobsAfter, c.JobTimeout)
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.DeliveryRetention <= 0 {
		c.DeliveryRetention = DefaultDeliveryRetention
	}
	return c, nil
}

// Handler is the lead's worker. ctx carries the job timeout and is cancelled
// on hard shutdown; attempt starts at 1. Return nil on success, an error to be
// retried with backoff, or Permanent(err) to stop retrying.
type Handler func(ctx context.Context, job ReviewArgs, attempt int) error

// EnqueueResult reports what Enqueue did.
type EnqueueResult struct {
	// JobID is the inserted job, or the existing job for ReasonDuplicateJob;
	// 0 for ReasonDuplicateDelivery.
	JobID int64
	// Duplicate is true if the same delivery id was already seen, or the
	// same unique key already exists. Nothing new was queued.
	Duplicate bool
	// Reason is ReasonDuplicateDelivery or ReasonDuplicateJob when Duplicate.
	Reason string
	// Superseded is the number of older queued "auto" jobs of the same PR
	// (different head SHA) that were cancelled.
	Superseded int
}

// Queue is the durable review queue. Its methods are safe for concurrent use.
type Queue struct {
	cfg     Config
	log     zerolog.Logger
	eng     engine
	batch   *batcher[EnqueueResult]
	accept  *batcher[AcceptResult]
	drain   *drainer
	metrics *metrics

	mu          sync.Mutex
	started     bool
	pruneCancel context.CancelFunc
	pruneDone   chan struct{}
	closeOnce   sync.Once
	closeErr    error
}

// Open opens the database, runs River's migrations and our own (the
// wfreview_delivery table, and the versioned steps of feedback.go:
// wfreview_suppression, wfreview_thread) and builds the River client. It does not start
// working jobs: call Start.
func Open(ctx context.Context, cfg Config, h Handler) (*Queue, error) {
	if h == nil {
		return nil, errors.New("open queue: nil handler")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("open queue: %w", err)
	}
	backend, err := parseDatabaseURL(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("open queue: %w", err)
	}
	log := cfg.Log.With().Str("component", "queue").Str("backend", backend.kind).Logger()

	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, fmt.Errorf("open queue: %w", err)
	}

	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &reviewWorker{
		handler: h,
		timeout: cfg.JobTimeout,
		metrics: m,
		log:     log,
	}); err != nil {
		return nil, fmt.Errorf("open queue: add worker: %w", err)
	}

	rc := &river.Config{
		// Completed jobs hold their unique key: keep them as long as
		// delivery ids so an event is not reviewed twice within that window.
		CompletedJobRetentionPeriod: cfg.DeliveryRetention,
		FetchCooldown:               min(river.FetchCooldownDefault, cfg.PollInterval),
		FetchPollInterval:           cfg.PollInterval,
		JobTimeout:                  cfg.JobTimeout,
		Logger:                      newSlogLogger(log.With().Str("component", "river").Logger()),
		MaxAttempts:                 cfg.MaxAttempts,
		Queues:                      map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		RescueStuckJobsAfter:        cfg.RescueStuckJobsAfter,
		TestOnly:                    cfg.testOnly,
		Workers:                     workers,
	}

	var eng engine
	switch backend.kind {
	case backendSQLite:
		eng, err = openSQLite(ctx, backend, rc, cfg.Workers, cfg.testDrainHook)
	case backendPostgres:
		eng, err = openPostgres(ctx, backend, rc, cfg.Workers, cfg.testDrainHook)
	default:
		err = fmt.Errorf("unknown backend %q", backend.kind)
	}
	if err != nil {
		return nil, fmt.Errorf("open queue (%s): %w", backend.kind, err)
	}

	log.Info().
		Int("workers", cfg.Workers).
		Dur("job_timeout", cfg.JobTimeout).
		Dur("rescue_after", cfg.RescueStuckJobsAfter).
		Int("max_attempts", cfg.MaxAttempts).
		Msg("queue opened")

	q := &Queue{cfg: cfg, log: log, eng: eng, metrics: m, batch: newEnqueueBatcher(eng, cfg.batchCollect, m, log)}
	q.drain = newDrainer(eng, cfg.PollInterval, m, log, q.onDrained)
	// What a previous process accepted and did not drain goes into River before anything else.
	if !q.drain.pass(ctx) {
		log.Warn().Msg("some accepted deliveries could not be moved into River yet; the drainer retries")
	}
	if err := eng.flushInbox(ctx); err != nil {
		log.Warn().Err(err).Msg("mark drained inbox rows")
	}
	q.drain.start()
	q.accept = newAcceptBatcher(eng, m, log, q.drain.kick)
	return q, nil
}

// Enqueue records the delivery id and inserts the review job in ONE
// transaction, cancelling older queued "auto" jobs of the same PR when
// job.Trigger is "auto". It returns nil only after the transaction committed.
// A duplicate (same delivery id, or same unique key) is not an error: it is
// reported with Duplicate=true. Concurrent calls share a transaction (group
// commit, batch.go) with the results of one transaction each.
func (q *Queue) Enqueue(ctx context.Context, job ReviewArgs) (EnqueueResult, error) {
	if err := job.validate(); err != nil {
		return EnqueueResult{}, fmt.Errorf("enqueue: %w", err)
	}
	res, err := q.batch.enqueue(ctx, job)
	if err != nil {
		return EnqueueResult{}, fmt.Errorf("enqueue %s/%s#%d@%s (%s): %w", job.Owner, job.Repo, job.Number, shortSHA(job.HeadSHA), job.Trigger, err)
	}
	q.metrics.observeEnqueue(res)
	q.logResult(job, res)
	return res, nil
}

// logResult logs what an enqueue (or the drain of an accepted delivery) did.
func (q *Queue) logResult(job ReviewArgs, res EnqueueResult) {
	ev := q.log.Info()
	if res.Duplicate {
		ev = q.log.Debug()
	}
	ev.Str("owner", job.Owner).
		Str("repo", job.Repo).
		Int("number", job.Number).
		Str("head_sha", job.HeadSHA).
		Str("trigger", job.Trigger).
		Str("delivery_id", job.DeliveryID).
		Int64("job_id", res.JobID).
		Bool("duplicate", res.Duplicate).
		Str("reason", res.Reason).
		Int("superseded", res.Superseded).
		Msg("review job enqueued")
}

// Start starts working jobs in the background and prunes old delivery ids.
// The workers' lifetime is NOT tied to ctx (only its values are kept): call
// Stop for a graceful shutdown.
func (q *Queue) Start(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.started {
		return nil
	}

	q.prune(ctx)

	if err := q.eng.start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start queue: %w", err)
	}

	pruneCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(pruneInterval)
		defer t.Stop()
		for {
			select {
			case <-pruneCtx.Done():
				return
			case <-t.C:
				q.prune(pruneCtx)
			}
		}
	}()
	q.pruneCancel, q.pruneDone = cancel, done
	q.started = true
	q.log.Info().Msg("queue started")
	return nil
}

func (q *Queue) prune(ctx context.Context) {
	n, err := q.eng.pruneDeliveries(ctx, time.Now().Add(-q.cfg.DeliveryRetention))
	if err != nil {
		q.log.Warn().Err(err).Msg("prune delivery ids")
		return
	}
	if n > 0 {
		q.log.Info().Int64("deleted", n).Msg("pruned old delivery ids")
	}
}

// Stop shuts down gracefully: it stops fetching new jobs and waits for
// running jobs until ctx ends; then it cancels their contexts and waits up to
// 15s more for them to return. A job whose handler returns the ctx error
// after that is put back to "available" by River without consuming an
// attempt (it runs again, with the same attempt number, on the next Start or
// on another instance). It returns nil once the client stopped, an error if jobs did not
// return even after cancellation. Stop on a queue that is not started is a
// no-op.
func (q *Queue) Stop(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.started {
		return nil
	}
	q.pruneCancel()
	<-q.pruneDone

	err := q.eng.stop(ctx)
	if err != nil && ctx.Err() != nil {
		q.log.Warn().Err(err).Msg("graceful stop timed out; cancelling running review jobs (they go back to the queue)")
		hardCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hardStopGrace)
		defer cancel()
		err = q.eng.stopAndCancel(hardCtx)
	}
	if err != nil {
		return fmt.Errorf("stop queue: %w", err)
	}
	q.started = false
	q.log.Info().Msg("queue stopped")
	return nil
}

// Ping checks that the database answers (readiness probe).
func (q *Queue) Ping(ctx context.Context) error {
	if err := q.eng.ping(ctx); err != nil {
		return fmt.Errorf("ping queue database: %w", err)
	}
	return nil
}

// Close stops the queue if it is still running (graceful for up to 10s, then
// cancelling) and closes the database. It is safe to call more than once.
func (q *Queue) Close() error {
	q.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stopErr := q.Stop(ctx)
		q.accept.close() // commits the deliveries already handed to it
		q.drain.close()  // moves what the inbox holds into River (bounded)
		q.batch.close()  // commits the jobs already handed to it
		closeErr := q.eng.close()
		if err := errors.Join(stopErr, closeErr); err != nil {
			q.closeErr = fmt.Errorf("close queue: %w", err)
		}
	})
	return q.closeErr
}

// Permanent wraps err so the job is not retried: the job is marked cancelled
// (river.JobCancel). Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return river.JobCancel(err)
}

// IsPermanent reports whether err was wrapped by Permanent.
func IsPermanent(err error) bool {
	return errors.Is(err, &rivertype.JobCancelError{})
}

func shortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
