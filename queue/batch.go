package queue

// Group commit: concurrent Enqueue calls share one transaction.
//
// Every Enqueue used to run its own transaction, and with SQLite's single writer a delivery waited
// for every commit (and fsync) queued ahead of it. Now Enqueue hands its job to the batcher and waits;
// one committer goroutine takes the writer (BEGIN; on SQLite that waits for the one connection,
// which River's services share) and only then takes EVERY job waiting at that moment, up to
// maxBatch, runs them in that one transaction and commits: "whoever holds the writer commits
// everyone waiting". Jobs that arrive during a commit form the next batch. No caller is answered
// before the transaction holding its job committed.
//
// The other idea, waiting before each transaction to collect more jobs (a short fixed window, or
// "cohort": until as many jobs wait as the previous transaction answered, at most a window after
// it), is kept as collectPolicy for BenchmarkEnqueueBurst. Under 8 connections it makes
// transactions bigger (8 jobs instead of 4-6), and helps a closed loop without HTTP, but it did not
// lower the acknowledgement p99 of bench/webhookload end to end: the wait is paid by every
// acknowledgement, while under a burst the writer is busy anyway, so the next batch collects during
// the current commit for free. The default does not wait.
//
// One path serves both backends: on PostgreSQL (fsync on) group commit doubles the enqueues per
// second of BenchmarkEnqueueBurst and halves their p50, like on SQLite. Pull-request advisory locks
// are taken in ascending order, so two batches (two replicas) cannot deadlock on them.
//
// Semantics are those of one transaction per job, in arrival order (enqueueBatch):
//   - delivery-id dedupe: the first delivery of an id wins, a repeat in the same batch or of a
//     committed delivery is ReasonDuplicateDelivery;
//   - River unique jobs: jobs go to InsertManyTx in rounds holding at most one job per pull request,
//     so no unique key appears twice in one InsertMany (River's SQLite driver then fails the whole
//     call, "unique key appears more than once in batch", and PostgreSQL refuses an ON CONFLICT DO
//     UPDATE that affects a row twice) and a later job of a pull request sees what the earlier ones
//     did: after sha1, sha2, sha1 the second sha1 is a new job, because sha2 cancelled the first
//     and a cancelled job does not hold its key;
//   - supersede: after each round, one JobListTx finds the queued "auto" jobs of the round's pull
//     requests, and each newly inserted "auto" job cancels those of another head, including jobs
//     inserted by earlier rounds of the same batch, in one UPDATE (cancelQueuedMany). Pull requests
//     are independent of each other, so rounds give the same result as the arrival order.
//
// A failure inside the batch transaction (a constraint, a River validation error, a deadlock on
// PostgreSQL) rolls it back whole and each of its jobs is retried in a transaction of its own, so
// one bad delivery fails alone. Jobs are validated before they are queued (Queue.Enqueue).
//
// A caller whose context ends while its job waits to be taken removes it: nothing is written. A
// caller whose context ends after its job was taken into a transaction returns the context's error
// at once; the transaction goes on and may commit. The webhook is then answered 5xx although the job
// may be queued; GitHub's redelivery carries the same delivery id and is answered 2xx as a duplicate
// (or queues the job if the transaction did not commit): never lost, never queued twice.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/rs/zerolog"
)

const (
	// maxBatch bounds the jobs of one transaction (and its statements' parameters).
	maxBatch = 256
	// batchTimeout bounds one batch transaction (its context is not any caller's).
	batchTimeout = 30 * time.Second
)

// errQueueClosed is returned by Enqueue after Close.
var errQueueClosed = errors.New("queue closed")

// request states: a waiting request is taken by the committer or abandoned by its caller, never both.
const (
	reqWaiting int32 = iota
	reqTaken
	reqAbandoned
)

type request[R any] struct {
	job   ReviewArgs
	state atomic.Int32
	done  chan struct{} // closed when res and err are set
	res   R
	err   error
}

// batcher is a group committer: Enqueue's in front of engine.enqueueBatch (R = EnqueueResult) and
// Accept's in front of engine.acceptBatch (R = AcceptResult, inbox.go).
type batcher[R any] struct {
	// commit begins a transaction, calls take for its jobs, commits and returns one result per job;
	// on an error nothing is committed. single is the same for one job (the fallback).
	commit  func(ctx context.Context, take func() []ReviewArgs, now time.Time) ([]R, error)
	single  func(ctx context.Context, job ReviewArgs, now time.Time) (R, error)
	collect collectPolicy
	// observe, if set, is told the size of each committed batch; fallback of each fallback.
	observe  func(n int)
	fallback func()
	// committed, if set, runs after each commit that held jobs (the drainer's wake-up, inbox.go).
	committed func()
	log       zerolog.Logger

	mu      sync.Mutex
	pending []*request[R]
	closed  bool

	wake chan struct{} // capacity 1: "there is something pending"
	quit chan struct{}
	done chan struct{}

	// transactions counts committed batch transactions, fallbacks the batches retried job by job.
	transactions atomic.Int64
	fallbacks    atomic.Int64
	// testHookTaken, if set (tests), runs inside the batch transaction after its jobs were taken.
	testHookTaken func(jobs []ReviewArgs)
}

// collectPolicy is how long the committer waits before each transaction (benchmarks only). The zero
// value, the default, does not wait. With window > 0 and !cohort it waits window; with cohort it
// waits, at most until window after the previous commit, until as many jobs wait as that commit
// held (the callers it answered, coming back).
type collectPolicy struct {
	window time.Duration
	cohort bool
}

// newEnqueueBatcher is the group committer of Enqueue.
func newEnqueueBatcher(eng engine, collect collectPolicy, m *metrics, log zerolog.Logger) *batcher[EnqueueResult] {
	return startBatcher(&batcher[EnqueueResult]{commit: eng.enqueueBatch, single: eng.enqueue, collect: collect,
		observe: m.observeBatch, fallback: m.batchFallbacks.Inc, log: log})
}

func startBatcher[R any](b *batcher[R]) *batcher[R] {
	b.wake, b.quit, b.done = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	go b.run()
	return b
}

// enqueue hands job to the committer and waits until the transaction holding it committed (or
// failed), or until ctx ends (see the package comment above for what that means).
func (b *batcher[R]) enqueue(ctx context.Context, job ReviewArgs) (R, error) {
	var zero R
	if err := ctx.Err(); err != nil {
		return zero, fmt.Errorf("not queued: %w", err)
	}
	r := &request[R]{job: job, done: make(chan struct{})}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return zero, errQueueClosed
	}
	b.pending = append(b.pending, r)
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}

	select {
	case <-r.done:
		return r.res, r.err
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqWaiting, reqAbandoned) {
			return zero, fmt.Errorf("not queued: %w", ctx.Err())
		}
		return zero, fmt.Errorf("gave up waiting for the commit (the job may be queued; a redelivery is deduplicated): %w", ctx.Err())
	}
}

// close stops taking jobs, commits those already waiting and stops the committer.
func (b *batcher[R]) close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		<-b.done
		return
	}
	b.closed = true
	b.mu.Unlock()
	close(b.quit)
	<-b.done
}

func (b *batcher[R]) run() {
	defer close(b.done)
	var last int          // jobs of the previous commit
	var lastEnd time.Time // when it ended
	for {
		select {
		case <-b.wake:
		case <-b.quit:
			for b.waiting() > 0 {
				b.commitOnce()
			}
			return
		}
		for b.waiting() > 0 {
			b.wait(last, lastEnd)
			last = b.commitOnce()
			lastEnd = time.Now()
		}
	}
}

// wait applies the collect policy.
func (b *batcher[R]) wait(last int, lastEnd time.Time) {
	switch {
	case b.collect.window <= 0:
		return
	case !b.collect.cohort:
		time.Sleep(b.collect.window)
		return
	}
	timer := time.NewTimer(time.Until(lastEnd.Add(b.collect.window)))
	defer timer.Stop()
	for b.waiting() < last {
		select {
		case <-b.wake:
		case <-timer.C:
			return
		case <-b.quit:
			return
		}
	}
}

// waiting is the number of jobs handed to the batcher and not yet taken.
func (b *batcher[R]) waiting() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.pending)
}

// take removes up to maxBatch waiting requests (dropping abandoned ones) and marks them taken.
func (b *batcher[R]) take() []*request[R] {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []*request[R]
	n := 0
	for n < len(b.pending) && len(out) < maxBatch {
		r := b.pending[n]
		n++
		if r.state.CompareAndSwap(reqWaiting, reqTaken) {
			out = append(out, r)
		}
	}
	clear(b.pending[:n])
	b.pending = b.pending[n:]
	if len(b.pending) == 0 {
		b.pending = nil
	}
	return out
}

// commitOnce runs one batch: begin, take everyone waiting, insert, commit; on an error, each taken
// job again in a transaction of its own. It returns the number of jobs taken.
func (b *batcher[R]) commitOnce() int {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	var taken []*request[R]
	takeJobs := func() []ReviewArgs {
		taken = b.take()
		jobs := make([]ReviewArgs, len(taken))
		for i, r := range taken {
			jobs[i] = r.job
		}
		if b.testHookTaken != nil && len(jobs) > 0 {
			b.testHookTaken(jobs)
		}
		return jobs
	}
	results, err := b.commit(ctx, takeJobs, time.Now())
	if err == nil {
		if len(taken) > 0 {
			b.transactions.Add(1)
			if b.observe != nil {
				b.observe(len(taken))
			}
			if b.committed != nil {
				b.committed()
			}
		}
		for i, r := range taken {
			r.res = results[i]
			close(r.done)
		}
		return len(taken)
	}
	if taken == nil { // the transaction did not begin: the jobs are still waiting
		taken = b.take()
	}
	b.fallbacks.Add(1)
	if b.fallback != nil {
		b.fallback()
	}
	b.log.Warn().Err(err).Int("jobs", len(taken)).Msg("group commit failed; committing its jobs one transaction each")
	ok := false
	for _, r := range taken {
		jobCtx, cancel := context.WithTimeout(context.Background(), batchTimeout)
		r.res, r.err = b.single(jobCtx, r.job, time.Now())
		cancel()
		ok = ok || r.err == nil
		close(r.done)
	}
	if ok && b.committed != nil {
		b.committed()
	}
	return len(taken)
}

// enqueueBatch begins a transaction, then calls take for the jobs to run in it (in arrival order),
// and commits them with the effects and results of one enqueue per job in that order. It returns an
// error, and commits nothing, if any statement fails.
func (e *riverEngine[TTx]) enqueueBatch(ctx context.Context, take func() []ReviewArgs, now time.Time) ([]EnqueueResult, error) {
	var results []EnqueueResult
	err := e.inTx(ctx, func(tx TTx) error {
		jobs := take()
		if len(jobs) == 0 {
			return nil
		}
		var err error
		results, err = e.enqueueInTx(ctx, tx, jobs, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// enqueueInTx runs jobs in tx with the effects and results of one enqueue per job in their order:
// delivery ids recorded, jobs inserted in rounds, older queued "auto" jobs superseded. The drainer
// (inbox.go) runs it too.
func (e *riverEngine[TTx]) enqueueInTx(ctx context.Context, tx TTx, jobs []ReviewArgs, now time.Time) ([]EnqueueResult, error) {
	if e.sql.lockPR != "" {
		// Ascending order: two batches locking overlapping pull requests cannot deadlock.
		keys := make([]int64, 0, len(jobs))
		for _, j := range jobs {
			keys = append(keys, prLockKey(j))
		}
		slices.Sort(keys)
		for _, k := range slices.Compact(keys) {
			if _, err := e.ops.exec(ctx, tx, e.sql.lockPR, k); err != nil {
				return nil, fmt.Errorf("lock pull request: %w", err)
			}
		}
	}

	results := make([]EnqueueResult, len(jobs))
	fresh, err := e.recordDeliveries(ctx, tx, jobs, now)
	if err != nil {
		return nil, err
	}
	for i, ok := range fresh {
		if !ok {
			results[i] = EnqueueResult{Duplicate: true, Reason: ReasonDuplicateDelivery}
		}
	}
	for _, round := range rounds(jobs, fresh) {
		params := make([]river.InsertManyParams, len(round))
		for k, i := range round {
			params[k] = river.InsertManyParams{Args: jobs[i], InsertOpts: &river.InsertOpts{Tags: jobTags(jobs[i])}}
		}
		inserted, err := e.client.InsertManyTx(ctx, tx, params)
		if err != nil {
			return nil, fmt.Errorf("insert %d jobs: %w", len(params), err)
		}
		matched, err := matchRound(jobs, round, inserted)
		if err != nil {
			return nil, err
		}
		var autos []int
		for k, i := range round {
			results[i].JobID = matched[k].Job.ID
			if matched[k].UniqueSkippedAsDuplicate {
				results[i].Duplicate, results[i].Reason = true, ReasonDuplicateJob
			} else if jobs[i].Trigger == TriggerAuto {
				autos = append(autos, i)
			}
		}
		if err := e.supersedeRound(ctx, tx, jobs, autos, results); err != nil {
			return nil, err
		}
	}

	return results, nil
}

// recordDeliveries inserts the delivery ids of jobs in one statement and reports, per job, whether
// its id is new: the first job carrying an id not recorded before.
func (e *riverEngine[TTx]) recordDeliveries(ctx context.Context, tx TTx, jobs []ReviewArgs, now time.Time) ([]bool, error) {
	ids := make([]string, 0, len(jobs))
	seen := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		if !seen[j.DeliveryID] {
			seen[j.DeliveryID] = true
			ids = append(ids, j.DeliveryID)
		}
	}
	arg, err := e.sql.deliveryIDsArg(ids)
	if err != nil {
		return nil, fmt.Errorf("record delivery ids: %w", err)
	}
	recorded, err := e.ops.queryStrings(ctx, tx, e.sql.insertDeliveries, arg, now.Unix())
	if err != nil {
		return nil, fmt.Errorf("record delivery ids: %w", err)
	}
	isNew := make(map[string]bool, len(recorded))
	for _, id := range recorded {
		isNew[id] = true
	}
	fresh := make([]bool, len(jobs))
	for i, j := range jobs {
		if isNew[j.DeliveryID] {
			fresh[i] = true
			delete(isNew, j.DeliveryID) // a repeat later in the batch is a duplicate delivery
		}
	}
	return fresh, nil
}

// rounds splits the fresh jobs (indexes into jobs) into rounds holding at most one job per pull
// request: round r holds the r-th fresh job of every pull request, in arrival order.
func rounds(jobs []ReviewArgs, fresh []bool) [][]int {
	var out [][]int
	next := make(map[string]int) // pull request -> its next round
	for i, j := range jobs {
		if !fresh[i] {
			continue
		}
		k := string(prKey(j))
		r := next[k]
		next[k] = r + 1
		if r == len(out) {
			out = append(out, nil)
		}
		out[r] = append(out[r], i)
	}
	return out
}

// matchRound orders InsertManyTx's results like the round's jobs. River does not document the order
// of its results (SQLite's RETURNING order is unspecified), so each is matched by its pull request,
// of which a round holds one job; a duplicate's row is the existing job, with the same unique key,
// so the same pull request.
func matchRound(jobs []ReviewArgs, round []int, inserted []*rivertype.JobInsertResult) ([]*rivertype.JobInsertResult, error) {
	if len(inserted) != len(round) {
		return nil, fmt.Errorf("insert %d jobs: %d results", len(round), len(inserted))
	}
	pos := make(map[string]int, len(round))
	for k, i := range round {
		pos[string(prKey(jobs[i]))] = k
	}
	out := make([]*rivertype.JobInsertResult, len(round))
	for _, r := range inserted {
		var a ReviewArgs
		if err := json.Unmarshal(r.Job.EncodedArgs, &a); err != nil {
			return nil, fmt.Errorf("decode args of job %d: %w", r.Job.ID, err)
		}
		k, ok := pos[string(prKey(a))]
		if !ok || out[k] != nil {
			return nil, fmt.Errorf("insert result for job %d (%s/%s#%d) matches no job of the batch", r.Job.ID, a.Owner, a.Repo, a.Number)
		}
		out[k] = r
	}
	return out, nil
}

// supersedeRound cancels, inside tx, the queued "auto" jobs of the pull requests of autos (indexes
// of jobs newly inserted in this round, at most one per pull request) that are for another head
// SHA, with one list query for the round. It adds the cancellations to each job's result.
func (e *riverEngine[TTx]) supersedeRound(ctx context.Context, tx TTx, jobs []ReviewArgs, autos []int, results []EnqueueResult) error {
	if len(autos) == 0 {
		return nil
	}
	byPR := make(map[string]int, len(autos))
	tags := make([]string, 0, len(autos))
	for _, i := range autos {
		byPR[string(prKey(jobs[i]))] = i
		tags = append(tags, prTag(jobs[i]))
	}
	list, err := e.client.JobListTx(ctx, tx, supersedeCandidates(tags...))
	if err != nil {
		return fmt.Errorf("list queued jobs to supersede: %w", err)
	}
	supersededBy := make(map[int64]int) // job to cancel -> index of the job superseding it
	var ids []int64
	for _, row := range list.Jobs {
		if row.Kind != kindReview {
			continue
		}
		var old ReviewArgs
		if err := json.Unmarshal(row.EncodedArgs, &old); err != nil {
			return fmt.Errorf("decode args of job %d: %w", row.ID, err)
		}
		i, ok := byPR[string(prKey(old))]
		if !ok || row.ID == results[i].JobID {
			continue
		}
		job := jobs[i]
		if !samePR(old, job) || old.Trigger != TriggerAuto || old.HeadSHA == job.HeadSHA {
			continue
		}
		supersededBy[row.ID] = i
		ids = append(ids, row.ID)
	}
	if len(ids) == 0 {
		return nil
	}
	cancelled, err := e.cancelQueuedMany(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		n := 0
		if cancelled[id] {
			n = 1
		} else if n, err = e.cancelQueued(ctx, tx, id); err != nil { // fetched since it was listed (PostgreSQL)
			return err
		}
		results[supersededBy[id]].Superseded += n
	}
	return nil
}

// cancelQueuedMany cancels, in one statement, those of ids that are still queued, setting what
// River's JobCancel sets on a queued job (state cancelled, finalized_at, cancel_attempted_at in the
// metadata); it returns the cancelled ids. River's JobCancelTx costs several statements per job
// (on SQLite most of the enqueue's CPU, parsing its SQL); a job it did not cancel goes to it.
func (e *riverEngine[TTx]) cancelQueuedMany(ctx context.Context, tx TTx, ids []int64) (map[int64]bool, error) {
	arg, err := e.sql.jobIDsArg(ids)
	if err != nil {
		return nil, fmt.Errorf("cancel superseded jobs: %w", err)
	}
	at := time.Now().UTC().Format(time.RFC3339Nano)
	rows, err := e.ops.queryStrings(ctx, tx, e.sql.cancelQueued, arg, at)
	if err != nil {
		return nil, fmt.Errorf("cancel superseded jobs: %w", err)
	}
	out := make(map[int64]bool, len(rows))
	for _, r := range rows {
		id, err := strconv.ParseInt(r, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("cancel superseded jobs: job id %q: %w", r, err)
		}
		out[id] = true
	}
	return out, nil
}

// cancelQueued cancels job id in tx and returns 1 if it is now cancelled. On PostgreSQL a job listed
// as queued may have been fetched since; it is then only marked for cancellation and not counted.
func (e *riverEngine[TTx]) cancelQueued(ctx context.Context, tx TTx, id int64) (int, error) {
	updated, err := e.client.JobCancelTx(ctx, tx, id)
	if err != nil {
		return 0, fmt.Errorf("cancel superseded job %d: %w", id, err)
	}
	if updated.State == rivertype.JobStateCancelled {
		return 1, nil
	}
	return 0, nil
}

// supersedeCandidates lists the queued "auto" jobs carrying one of prTags. It filters on state and
// tags only, and the caller checks the kind: on SQLite a kind filter makes the planner walk the
// river_job_kind index, every review job of the retention period with its tags parsed, where the
// state alone uses river_job_prioritized_fetching_index and reads only queued jobs.
func supersedeCandidates(prTags ...string) *river.JobListParams {
	return river.NewJobListParams().
		States(queuedStates...).
		TagsAll(TriggerAuto).
		TagsAny(prTags...).
		First(10_000)
}

// sqliteDeliveryIDs and postgresDeliveryIDs encode the ids for dialect.insertDeliveries.
func sqliteDeliveryIDs(ids []string) (any, error) {
	b, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func postgresDeliveryIDs(ids []string) (any, error) { return ids, nil }

// sqliteJobIDs and postgresJobIDs encode the ids for dialect.cancelQueued.
func sqliteJobIDs(ids []int64) (any, error) {
	b, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func postgresJobIDs(ids []int64) (any, error) { return ids, nil }
