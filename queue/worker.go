package queue

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/rs/zerolog"
)

// Job outcomes, the "outcome" label of the outcome and duration metrics.
const (
	outcomeCompleted = "completed" // handler returned nil
	outcomeFailed    = "failed"    // handler returned an error; River retries it
	outcomeDiscarded = "discarded" // handler returned an error on the last attempt
	outcomeCancelled = "cancelled" // handler returned Permanent(err); not retried
	outcomePanicked  = "panicked"  // handler panicked; River retries it
	// outcomeInterrupted: the handler returned after its ctx was cancelled
	// by a stopping client; River puts the job back to available without
	// consuming the attempt.
	outcomeInterrupted = "interrupted"
)

// reviewWorker adapts Handler to river.Worker[ReviewArgs].
type reviewWorker struct {
	river.WorkerDefaults[ReviewArgs]

	handler Handler
	timeout time.Duration
	metrics *metrics
	log     zerolog.Logger
}

// Timeout is the per-attempt timeout carried by the handler's ctx.
func (w *reviewWorker) Timeout(*river.Job[ReviewArgs]) time.Duration { return w.timeout }

// Work runs the handler. An error makes River retry with its default backoff
// (attempt^4 seconds ± 10%) until MaxAttempts; Permanent(err) cancels the job.
func (w *reviewWorker) Work(ctx context.Context, job *river.Job[ReviewArgs]) (err error) {
	log := w.log.With().
		Int64("job_id", job.ID).
		Int("attempt", job.Attempt).
		Str("owner", job.Args.Owner).
		Str("repo", job.Args.Repo).
		Int("number", job.Args.Number).
		Str("head_sha", job.Args.HeadSHA).
		Str("trigger", job.Args.Trigger).
		Logger()
	start := time.Now()
	outcome := outcomePanicked
	defer func() {
		elapsed := time.Since(start)
		w.metrics.observeOutcome(outcome, elapsed)
		ev := log.Info()
		switch outcome {
		case outcomeFailed, outcomeDiscarded, outcomePanicked:
			ev = log.Warn()
		}
		ev.Err(err).Str("outcome", outcome).Dur("duration", elapsed).Msg("review job finished")
	}()

	log.Info().Msg("review job started")
	err = w.handler(ctx, job.Args, job.Attempt)
	switch {
	case err == nil:
		outcome = outcomeCompleted
	case IsPermanent(err) || errors.Is(context.Cause(ctx), river.ErrJobCancelledRemotely):
		outcome = outcomeCancelled
	case errors.Is(err, context.Canceled) && errors.Is(ctx.Err(), context.Canceled):
		outcome = outcomeInterrupted
	case job.Attempt >= job.MaxAttempts:
		outcome = outcomeDiscarded
	default:
		outcome = outcomeFailed
	}
	return err
}
