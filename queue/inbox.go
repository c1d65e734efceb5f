package queue

// The durable inbox: how a webhook is acknowledged fast and still never lost.
//
// Group commit (batch.go) made commits cheap, but each delivery still cost its share of River's
// insert, job-list and cancel statements, all inside the transaction the acknowledgement waited for,
// and on SQLite behind the one writer that River's services share: about 3-4 ms of CPU per
// transaction on the pure-Go driver. Accept (the webhook path) now commits only a small row per
// delivery, the delivery id (unique: dedupe), the job's arguments as JSON and the time it was
// received, into wfreview_inbox, group-committed with one prepared INSERT per delivery, and returns
// after that commit: from then on the job is durable, a crash loses nothing. A drainer goroutine
// moves the rows into River in arrival order, in transactions of its own (enqueueInTx: the same
// delivery-id record, unique jobs in rounds and supersede as Enqueue), woken right after each accept
// commit and every PollInterval. Workers fetch jobs from River as before, so the drain adds to the
// time to review (a few milliseconds, wfreview_queue_inbox_drain_seconds), not to the acknowledgement.
//
// Where the inbox lives:
//   - SQLite: in a file of its own next to the database (`<file>-inbox`), so that an acknowledgement
//     never waits for the main file's single writer, which the drainer's River transactions and
//     River's services hold. SQLite cannot commit atomically across two WAL files, so a drained row
//     is marked in the inbox file after the River transaction committed (the marks ride along with
//     the next accept transaction, or are flushed when the inbox goes quiet). Exactly-once does not
//     depend on that mark: the River transaction records the delivery id in wfreview_delivery, as
//     Enqueue always did, so a row drained again after a crash between the River commit and its
//     mark is found there and becomes a recorded duplicate (ReasonDuplicateDelivery), not a second
//     job. Rows are read in seq (rowid) order; with one writer per file a row with a smaller seq
//     is always visible before a larger one.
//   - PostgreSQL: in the same database; the drainer selects and marks the rows inside the River
//     transaction, so a row is drained exactly when its job is inserted. A transaction-scoped
//     advisory lock lets one drainer at a time (of any replica) drain, in seq order.
//
// Dedupe: an accepted row stays in the inbox, marked drained, for DeliveryRetention, so the inbox's
// unique delivery id answers every redelivery within that window as a duplicate, drained or not;
// wfreview_delivery (main database) stays the drain's record. A new inbox imports the delivery ids
// wfreview_delivery already holds, so redeliveries of deliveries enqueued before the upgrade are
// duplicates too.
//
// Order and supersede: the drainer takes rows in seq order and enqueueInTx keeps that order per
// pull request, so a newer "auto" push still cancels the older queued ones. Enqueue (the worker's
// re-sync of a superseded head) goes to River directly; relative to a delivery still in the inbox it
// behaves like a webhook arriving out of order, which the worker already handles (a job whose head
// is not the pull request's head queues the current head).
//
// Errors: a drain transaction that fails is retried row by row, in order; a row that fails alone is
// skipped for the rest of that pass (logged, wfreview_queue_inbox_drain_errors_total) and retried
// on the next one, after a backoff. Accept validates a job before it is written, so such a row
// would be a bug, not bad input. A row whose arguments cannot be decoded any more is marked drained
// without a job and logged as an error.

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// AcceptResult reports what Accept did.
type AcceptResult struct {
	// Duplicate is true when the delivery id was accepted before (still in the inbox or already
	// drained, within DeliveryRetention): nothing new was recorded.
	Duplicate bool
}

const (
	// drainFlushDelay is how long drained marks (SQLite) wait to ride along with an accept
	// transaction before the drainer commits them on their own.
	drainFlushDelay = 100 * time.Millisecond
	// drainInterval is the least time between two drain passes (drainer.interval).
	drainInterval = 20 * time.Millisecond
	// drainQuiet and drainMaxDelay: after a wake-up the drainer waits until no delivery was
	// accepted for drainQuiet, or drainMaxDelay passed, whichever comes first (drainer.settle).
	drainQuiet    = 10 * time.Millisecond
	drainMaxDelay = 250 * time.Millisecond
	// drainMaxBackoff bounds the wait after a drain pass that failed.
	drainMaxBackoff = 30 * time.Second
	// drainCloseTimeout bounds the last drain pass of Close.
	drainCloseTimeout = 10 * time.Second
	// inboxDrainLockKey serializes drainers of PostgreSQL replicas ("wfinbox").
	inboxDrainLockKey = 0x7766696e626f78
)

// Drain stages passed to Config.testDrainHook.
const (
	drainStageBefore    = "before"    // before a drain transaction begins
	drainStageInTx      = "in-tx"     // jobs inserted (and, on PostgreSQL, rows marked), not committed
	drainStageCommitted = "committed" // River transaction committed, SQLite's mark not yet made
)

// inboxRow is one accepted delivery.
type inboxRow struct {
	seq        int64
	deliveryID string
	args       []byte // ReviewArgs as JSON
	receivedAt int64  // unix nanoseconds
}

// drainedJob is one inbox row moved into River.
type drainedJob struct {
	job        ReviewArgs
	seq        int64
	receivedAt time.Time
	res        EnqueueResult
	// dropped is set when the row's arguments could not be decoded: marked drained, no job.
	dropped error
}

// inboxStore is the inbox table of one backend. TTx is River's transaction type.
type inboxStore[TTx any] interface {
	// insert begins a transaction, calls take for the rows, inserts each one unless its delivery id
	// exists, commits, and reports which rows were new. On an error nothing is committed.
	insert(ctx context.Context, take func() ([]inboxRow, error)) ([]bool, error)
	// pending returns up to limit undrained rows in seq order, except those of skip (and those
	// drained but not yet marked).
	pending(ctx context.Context, tx TTx, limit int, skip map[int64]bool) ([]inboxRow, error)
	// markInTx marks seqs drained inside River's transaction when the inbox shares its database;
	// markCommitted records them after River's commit when it does not.
	markInTx(ctx context.Context, tx TTx, seqs []int64, at time.Time) error
	markCommitted(seqs []int64, at time.Time)
	// flush commits the marks recorded by markCommitted, if any; it reports whether some wait.
	flush(ctx context.Context) error
	marksPending() bool
	// checkpoint runs while no delivery is being accepted: on SQLite it copies the inbox's WAL into
	// its file, so that no accept transaction pays for that (see sqliteInboxAutoCheckpoint).
	// It returns the number of WAL frames copied.
	checkpoint(ctx context.Context) (int, error)
	// prune deletes drained rows received before before.
	prune(ctx context.Context, before time.Time) (int64, error)
	// undrained counts the rows not drained yet (tests, diagnostics).
	undrained(ctx context.Context) (int64, error)
	ping(ctx context.Context) error
	close() error
}

// Accept makes job durable in the inbox and returns once the transaction holding it committed:
// answering GitHub 2xx after a nil Accept never loses the job. The drainer moves it into River
// shortly after (see the comment at the top of this file). A delivery id accepted before is reported
// as Duplicate and records nothing. Concurrent calls share a transaction (group commit). A caller
// whose ctx ends while its job waits is not accepted; one whose ctx ends after its job joined a
// transaction gets an error although the job may be accepted (a redelivery is then a duplicate).
func (q *Queue) Accept(ctx context.Context, job ReviewArgs) (AcceptResult, error) {
	if err := job.validate(); err != nil {
		return AcceptResult{}, fmt.Errorf("accept: %w", err)
	}
	start := time.Now()
	res, err := q.accept.enqueue(ctx, job)
	q.metrics.acceptLatency.Observe(time.Since(start).Seconds())
	if err != nil {
		return AcceptResult{}, fmt.Errorf("accept %s/%s#%d@%s (%s): %w", job.Owner, job.Repo, job.Number, shortSHA(job.HeadSHA), job.Trigger, err)
	}
	if res.Duplicate {
		q.metrics.duplicates.WithLabelValues(ReasonDuplicateDelivery).Inc()
	}
	q.log.Debug().Str("owner", job.Owner).Str("repo", job.Repo).Int("number", job.Number).
		Str("head_sha", job.HeadSHA).Str("trigger", job.Trigger).Str("delivery_id", job.DeliveryID).
		Bool("duplicate", res.Duplicate).Msg("review job accepted")
	return res, nil
}

// newAcceptBatcher is the group committer of Accept; each commit wakes the drainer.
func newAcceptBatcher(eng engine, m *metrics, log zerolog.Logger, committed func()) *batcher[AcceptResult] {
	return startBatcher(&batcher[AcceptResult]{
		commit: eng.acceptBatch,
		single: func(ctx context.Context, job ReviewArgs, now time.Time) (AcceptResult, error) {
			res, err := eng.acceptBatch(ctx, func() []ReviewArgs { return []ReviewArgs{job} }, now)
			if err != nil {
				return AcceptResult{}, err
			}
			return res[0], nil
		},
		observe:   m.observeAcceptBatch,
		fallback:  m.acceptFallbacks.Inc,
		committed: committed,
		log:       log,
	})
}

// acceptBatch writes the jobs take returns to the inbox in one transaction.
func (e *riverEngine[TTx]) acceptBatch(ctx context.Context, take func() []ReviewArgs, now time.Time) ([]AcceptResult, error) {
	fresh, err := e.inbox.insert(ctx, func() ([]inboxRow, error) {
		jobs := take()
		rows := make([]inboxRow, len(jobs))
		for i, j := range jobs {
			b, err := json.Marshal(j)
			if err != nil {
				return nil, fmt.Errorf("encode job of delivery %s: %w", j.DeliveryID, err)
			}
			rows[i] = inboxRow{deliveryID: j.DeliveryID, args: b, receivedAt: now.UnixNano()}
		}
		return rows, nil
	})
	if err != nil {
		return nil, fmt.Errorf("accept into inbox: %w", err)
	}
	out := make([]AcceptResult, len(fresh))
	for i, ok := range fresh {
		out[i].Duplicate = !ok
	}
	return out, nil
}

// drainBatch moves up to limit undrained inbox rows (except skip) into River in one transaction and
// returns them with their results. On an error it returns the seqs it tried.
func (e *riverEngine[TTx]) drainBatch(ctx context.Context, limit int, skip map[int64]bool) (out []drainedJob, tried []int64, err error) {
	e.testHook(drainStageBefore)
	var seqs []int64
	err = e.inTx(ctx, func(tx TTx) error {
		if e.sql.lockDrain != "" {
			if _, err := e.ops.exec(ctx, tx, e.sql.lockDrain, int64(inboxDrainLockKey)); err != nil {
				return fmt.Errorf("lock the inbox drain: %w", err)
			}
		}
		rows, err := e.inbox.pending(ctx, tx, limit, skip)
		if err != nil {
			return fmt.Errorf("read the inbox: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		out = make([]drainedJob, len(rows))
		seqs = make([]int64, len(rows))
		jobs := make([]ReviewArgs, 0, len(rows))
		for i, r := range rows {
			seqs[i] = r.seq
			out[i] = drainedJob{seq: r.seq, receivedAt: time.Unix(0, r.receivedAt)}
			if err := json.Unmarshal(r.args, &out[i].job); err != nil {
				out[i].dropped = fmt.Errorf("decode the job of delivery %s: %w", r.deliveryID, err)
			} else if err := out[i].job.validate(); err != nil {
				out[i].dropped = fmt.Errorf("delivery %s: %w", r.deliveryID, err)
			} else {
				jobs = append(jobs, out[i].job)
			}
		}
		now := time.Now()
		if len(jobs) > 0 {
			results, err := e.enqueueInTx(ctx, tx, jobs, now)
			if err != nil {
				return err
			}
			k := 0
			for i := range out {
				if out[i].dropped == nil {
					out[i].res = results[k]
					k++
				}
			}
		}
		if err := e.inbox.markInTx(ctx, tx, seqs, now); err != nil {
			return fmt.Errorf("mark inbox rows drained: %w", err)
		}
		e.testHook(drainStageInTx)
		return nil
	})
	if err != nil {
		return nil, seqs, err
	}
	if len(out) == 0 {
		return nil, nil, nil
	}
	e.testHook(drainStageCommitted)
	e.inbox.markCommitted(seqs, time.Now())
	return out, nil, nil
}

func (e *riverEngine[TTx]) testHook(stage string) {
	if e.drainHook != nil {
		e.drainHook(stage)
	}
}

func (e *riverEngine[TTx]) flushInbox(ctx context.Context) error { return e.inbox.flush(ctx) }

func (e *riverEngine[TTx]) inboxMarksPending() bool { return e.inbox.marksPending() }

func (e *riverEngine[TTx]) checkpointInbox(ctx context.Context) (int, error) {
	return e.inbox.checkpoint(ctx)
}

func (e *riverEngine[TTx]) undrained(ctx context.Context) (int64, error) {
	return e.inbox.undrained(ctx)
}

// drainer moves inbox rows into River (see the top of this file).
type drainer struct {
	eng  engine
	poll time.Duration
	// interval is the least time between the starts of two passes: the rows accepted meanwhile
	// share drain transactions, whose fixed cost dominates on SQLite.
	interval time.Duration
	// quiet and maxDelay bound settle.
	quiet, maxDelay time.Duration
	metrics         *metrics
	log             zerolog.Logger
	// drained is told about every row moved into River (logs and metrics).
	drained func([]drainedJob)

	wake chan struct{} // capacity 1
	quit chan struct{}
	done chan struct{}
	// mu serializes passes (the loop's and a caller's).
	mu sync.Mutex
}

func newDrainer(eng engine, poll time.Duration, m *metrics, log zerolog.Logger, drained func([]drainedJob)) *drainer {
	return &drainer{eng: eng, poll: poll, interval: drainInterval, quiet: drainQuiet, maxDelay: drainMaxDelay, metrics: m, log: log, drained: drained,
		wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
}

// kick wakes the drainer (after an accept commit).
func (d *drainer) kick() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *drainer) start() { go d.run() }

// close runs a last pass (bounded by drainCloseTimeout), flushes the marks and stops the drainer.
func (d *drainer) close() {
	close(d.quit)
	<-d.done
}

func (d *drainer) run() {
	defer close(d.done)
	tick := time.NewTicker(d.poll)
	defer tick.Stop()
	var flush *time.Timer
	var flushC <-chan time.Time
	var backoff time.Duration
	var lastPass time.Time
	for {
		select {
		case <-d.quit:
			ctx, cancel := context.WithTimeout(context.Background(), drainCloseTimeout)
			d.pass(ctx)
			if err := d.eng.flushInbox(ctx); err != nil {
				d.log.Warn().Err(err).Msg("mark drained inbox rows (they are drained again, as duplicates, at the next start)")
			}
			cancel()
			return
		case <-d.wake:
			if !d.settle() {
				d.kick() // quit: the last pass drains
				continue
			}
		case <-tick.C:
		case <-flushC:
			flushC = nil
			// Marks still waiting drainFlushDelay after the pass mean no delivery was accepted
			// since (an accept transaction takes them along): the inbox is quiet, a good time
			// for its checkpoint too.
			quiet := d.eng.inboxMarksPending()
			if err := d.eng.flushInbox(context.Background()); err != nil {
				d.log.Warn().Err(err).Msg("mark drained inbox rows")
			} else if quiet {
				start := time.Now()
				if frames, err := d.eng.checkpointInbox(context.Background()); err != nil {
					d.log.Warn().Err(err).Msg("checkpoint the inbox")
				} else if frames > 0 {
					d.log.Debug().Int("frames", frames).Dur("took", time.Since(start)).Msg("inbox checkpointed while quiet")
				}
			}
			continue
		}
		if wait := max(backoff, time.Until(lastPass.Add(d.interval))); wait > 0 {
			select {
			case <-time.After(wait):
			case <-d.quit:
				d.kick()
				continue
			}
		}
		lastPass = time.Now()
		if d.pass(context.Background()) {
			backoff = 0
		} else {
			backoff = min(max(2*backoff, d.poll), drainMaxBackoff)
		}
		if d.eng.inboxMarksPending() && flushC == nil {
			if flush == nil {
				flush = time.NewTimer(drainFlushDelay)
			} else {
				flush.Reset(drainFlushDelay)
			}
			flushC = flush.C
		}
	}
}

// settle waits, after an accept woke the drainer, until no delivery was accepted for d.quiet or
// d.maxDelay passed; it reports false when the drainer is closing. A drain transaction costs CPU
// (and on PostgreSQL a connection) that the acknowledgements of a burst compete for: draining
// after the burst, in larger transactions, keeps the acknowledgement latency near one inbox
// commit. The delay adds to the time to review, bounded by d.maxDelay, never to the
// acknowledgement, and a steady stream of deliveries is still drained every d.maxDelay.
func (d *drainer) settle() bool {
	deadline := time.Now().Add(d.maxDelay)
	quiet := time.NewTimer(d.quiet)
	defer quiet.Stop()
	for {
		select {
		case <-d.quit:
			return false
		case <-quiet.C:
			return true
		case <-d.wake:
			left := time.Until(deadline)
			if left <= 0 {
				return true
			}
			quiet.Reset(min(d.quiet, left))
		}
	}
}

// pass drains what the inbox holds (but rows that failed) and reports whether nothing failed. A
// failed transaction's rows are retried one at a time; a row that fails alone is skipped for the
// rest of the pass; two rows failing alone in a row end the pass (the database, not a row).
func (d *drainer) pass(ctx context.Context) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	skip := map[int64]bool{}
	singles, failedAlone := 0, 0 // rows still to retry one at a time; consecutive single failures
	for ctx.Err() == nil {
		limit := maxBatch
		if singles > 0 {
			limit = 1
			singles--
		}
		batchCtx, cancel := context.WithTimeout(ctx, batchTimeout)
		jobs, tried, err := d.eng.drainBatch(batchCtx, limit, skip)
		cancel()
		if err == nil {
			if len(jobs) > 0 {
				d.metrics.observeDrainBatch(len(jobs))
				d.drained(jobs)
			}
			failedAlone = 0
			if len(jobs) < limit && singles == 0 { // all there was: the next wake-up takes the rest
				return len(skip) == 0
			}
			continue
		}
		d.metrics.drainErrors.Inc()
		if limit > 1 && len(tried) > 1 {
			d.log.Warn().Err(err).Int("rows", len(tried)).Msg("inbox drain failed; draining its rows one at a time")
			singles = len(tried)
			continue
		}
		d.log.Error().Err(err).Ints64("inbox_seq", tried).Msg("inbox row failed to drain; retried later")
		if failedAlone++; failedAlone >= 2 || len(tried) == 0 {
			return false
		}
		for _, s := range tried {
			skip[s] = true
		}
	}
	return false
}

// onDrained logs and counts the rows the drainer moved into River.
func (q *Queue) onDrained(jobs []drainedJob) {
	now := time.Now()
	for _, j := range jobs {
		q.metrics.drainLatency.Observe(now.Sub(j.receivedAt).Seconds())
		if j.dropped != nil {
			q.metrics.drainErrors.Inc()
			q.log.Error().Err(j.dropped).Int64("inbox_seq", j.seq).Msg("inbox row dropped: its job cannot be decoded")
			continue
		}
		q.metrics.observeEnqueue(j.res)
		q.logResult(j.job, j.res)
	}
}

// seqsJSON encodes seqs as a JSON array (SQLite's json_each).
func seqsJSON(seqs []int64) (string, error) {
	b, err := json.Marshal(seqs)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
