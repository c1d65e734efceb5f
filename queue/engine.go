package queue

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// engine hides River's driver-specific transaction type (*sql.Tx for
// riversqlite, pgx.Tx for riverpgxv5) from Queue.
type engine interface {
	enqueue(ctx context.Context, job ReviewArgs, now time.Time) (EnqueueResult, error)
	// enqueueBatch is enqueue for several jobs in one transaction (batch.go).
	enqueueBatch(ctx context.Context, take func() []ReviewArgs, now time.Time) ([]EnqueueResult, error)
	pruneDeliveries(ctx context.Context, before time.Time) (int64, error)
	// acceptBatch writes jobs to the inbox in one transaction; drainBatch moves inbox rows into
	// River in one transaction (inbox.go).
	acceptBatch(ctx context.Context, take func() []ReviewArgs, now time.Time) ([]AcceptResult, error)
	drainBatch(ctx context.Context, limit int, skip map[int64]bool) ([]drainedJob, []int64, error)
	flushInbox(ctx context.Context) error
	inboxMarksPending() bool
	// checkpointInbox does the inbox's housekeeping when it is quiet (inbox.go).
	checkpointInbox(ctx context.Context) (int, error)
	undrained(ctx context.Context) (int64, error)
	start(ctx context.Context) error
	stop(ctx context.Context) error
	stopAndCancel(ctx context.Context) error
	ping(ctx context.Context) error
	close() error
	// listJobs returns every review job in the table (tests, diagnostics).
	listJobs(ctx context.Context) ([]*rivertype.JobRow, error)
	// feedback is the store of suppressed findings.
	feedback() feedbackStore
}

// txOps are the few transaction primitives the generic engine needs.
type txOps[TTx any] struct {
	begin    func(ctx context.Context) (TTx, error)
	commit   func(ctx context.Context, tx TTx) error
	rollback func(ctx context.Context, tx TTx) error
	// exec runs a statement in tx and returns the number of affected rows.
	exec func(ctx context.Context, tx TTx, query string, args ...any) (int64, error)
	// queryStrings runs a statement in tx that returns one text column.
	queryStrings func(ctx context.Context, tx TTx, query string, args ...any) ([]string, error)
}

// dialect holds the SQL that differs between SQLite and PostgreSQL.
type dialect struct {
	// createDeliveries creates our delivery table (idempotent).
	createDeliveries string
	// insertDelivery inserts (delivery_id, received_at unix seconds) and
	// affects 0 rows if the id exists.
	insertDelivery string
	// insertDeliveries inserts many delivery ids ($1, encoded by deliveryIDsArg) received at $2
	// (unix seconds), skipping those that exist, and returns the inserted ids.
	insertDeliveries string
	deliveryIDsArg   func(ids []string) (any, error)
	// cancelQueued cancels the jobs of ids ($1, encoded by jobIDsArg) that
	// are still queued, as River's JobCancel does (state, finalized_at,
	// metadata.cancel_attempted_at = $2), and returns their ids as text.
	cancelQueued string
	jobIDsArg    func(ids []int64) (any, error)
	// pruneDeliveries deletes rows with received_at < $1 (unix seconds).
	pruneDeliveries string
	// lockDrain, if not empty, takes a transaction-scoped lock on $1 so that one drainer at a
	// time drains the inbox (PostgreSQL replicas).
	lockDrain string
	// lockPR, if not empty, takes a transaction-scoped lock on a 64-bit key
	// so that concurrent enqueues for the same PR are serialized (Postgres;
	// SQLite already serializes writers with BEGIN IMMEDIATE).
	lockPR string
}

// queuedStates are the states a superseded job may be in: not running and
// not finalized.
var queuedStates = []rivertype.JobState{
	rivertype.JobStateAvailable,
	rivertype.JobStatePending,
	rivertype.JobStateRetryable,
	rivertype.JobStateScheduled,
}

type riverEngine[TTx any] struct {
	client *river.Client[TTx]
	ops    txOps[TTx]
	sql    dialect
	inbox  inboxStore[TTx]
	// drainHook, if set (tests), is called at each drain stage (drainStage*).
	drainHook func(stage string)
	pingFn    func(ctx context.Context) error
	pruneFn   func(ctx context.Context, before int64) (int64, error)
	closeFn   func() error
	fb        feedbackStore
}

func (e *riverEngine[TTx]) enqueue(ctx context.Context, job ReviewArgs, now time.Time) (res EnqueueResult, err error) {
	err = e.inTx(ctx, func(tx TTx) error {
		if e.sql.lockPR != "" {
			if _, err := e.ops.exec(ctx, tx, e.sql.lockPR, prLockKey(job)); err != nil {
				return fmt.Errorf("lock pull request: %w", err)
			}
		}

		n, err := e.ops.exec(ctx, tx, e.sql.insertDelivery, job.DeliveryID, now.Unix())
		if err != nil {
			return fmt.Errorf("record delivery id: %w", err)
		}
		if n == 0 {
			// Already recorded by an earlier (committed) Enqueue: insert nothing.
			res = EnqueueResult{Duplicate: true, Reason: ReasonDuplicateDelivery}
			return nil
		}

		ins, err := e.client.InsertTx(ctx, tx, job, &river.InsertOpts{Tags: jobTags(job)})
		if err != nil {
			return fmt.Errorf("insert job: %w", err)
		}
		res.JobID = ins.Job.ID
		if ins.UniqueSkippedAsDuplicate {
			res.Duplicate, res.Reason = true, ReasonDuplicateJob
		} else if job.Trigger == TriggerAuto {
			if res.Superseded, err = e.supersede(ctx, tx, job, ins.Job.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return EnqueueResult{}, err
	}
	return res, nil
}

// inTx runs fn in a transaction and commits it. When fn or the commit fails (or fn panics) it
// rolls the transaction back, within 5 seconds whatever ctx, and returns the error.
func (e *riverEngine[TTx]) inTx(ctx context.Context, fn func(tx TTx) error) (err error) {
	tx, err := e.ops.begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		rbCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if rbErr := e.ops.rollback(rbCtx, tx); rbErr != nil {
			err = errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := e.ops.commit(ctx, tx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	committed = true
	return nil
}

// supersede cancels, inside tx, the queued "auto" jobs of job's PR that are
// for another head SHA. Candidates are found by tags (a hash of the PR and
// "auto"), then checked against their decoded args.
func (e *riverEngine[TTx]) supersede(ctx context.Context, tx TTx, job ReviewArgs, keepID int64) (int, error) {
	list, err := e.client.JobListTx(ctx, tx, supersedeCandidates(prTag(job)))
	if err != nil {
		return 0, fmt.Errorf("list queued jobs to supersede: %w", err)
	}
	cancelled := 0
	for _, row := range list.Jobs {
		if row.ID == keepID || row.Kind != kindReview {
			continue
		}
		var old ReviewArgs
		if err := json.Unmarshal(row.EncodedArgs, &old); err != nil {
			return 0, fmt.Errorf("decode args of job %d: %w", row.ID, err)
		}
		if !samePR(old, job) || old.Trigger != TriggerAuto || old.HeadSHA == job.HeadSHA {
			continue
		}
		updated, err := e.client.JobCancelTx(ctx, tx, row.ID)
		if err != nil {
			return 0, fmt.Errorf("cancel superseded job %d: %w", row.ID, err)
		}
		// On Postgres a job listed as queued may have been fetched since; it is
		// then only marked for cancellation and not counted.
		if updated.State == rivertype.JobStateCancelled {
			cancelled++
		}
	}
	return cancelled, nil
}

// pruneDeliveries deletes the delivery ids, and the drained inbox rows, received before before.
func (e *riverEngine[TTx]) pruneDeliveries(ctx context.Context, before time.Time) (int64, error) {
	n, err := e.pruneFn(ctx, before.Unix())
	if err != nil {
		return 0, fmt.Errorf("delete old delivery ids: %w", err)
	}
	m, err := e.inbox.prune(ctx, before)
	if err != nil {
		return n, fmt.Errorf("delete old inbox rows: %w", err)
	}
	return n + m, nil
}

func (e *riverEngine[TTx]) start(ctx context.Context) error {
	if err := e.client.Start(ctx); err != nil {
		return fmt.Errorf("start river client: %w", err)
	}
	return nil
}

func (e *riverEngine[TTx]) stop(ctx context.Context) error {
	if err := e.client.Stop(ctx); err != nil {
		return fmt.Errorf("stop river client: %w", err)
	}
	return nil
}

func (e *riverEngine[TTx]) stopAndCancel(ctx context.Context) error {
	if err := e.client.StopAndCancel(ctx); err != nil {
		return fmt.Errorf("stop and cancel river client: %w", err)
	}
	return nil
}

func (e *riverEngine[TTx]) ping(ctx context.Context) error {
	if err := e.pingFn(ctx); err != nil {
		return err
	}
	if err := e.inbox.ping(ctx); err != nil {
		return fmt.Errorf("inbox: %w", err)
	}
	return nil
}

func (e *riverEngine[TTx]) close() error { return errors.Join(e.inbox.close(), e.closeFn()) }

func (e *riverEngine[TTx]) feedback() feedbackStore { return e.fb }

func (e *riverEngine[TTx]) listJobs(ctx context.Context) ([]*rivertype.JobRow, error) {
	list, err := e.client.JobList(ctx, river.NewJobListParams().Kinds(kindReview).First(10_000))
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	return list.Jobs, nil
}

func samePR(a, b ReviewArgs) bool {
	return strings.EqualFold(a.Owner, b.Owner) && strings.EqualFold(a.Repo, b.Repo) && a.Number == b.Number
}

// prKey identifies a pull request independently of case (GitHub owner and
// repo names are case-insensitive).
func prKey(a ReviewArgs) []byte {
	sum := sha256.Sum256([]byte(strings.ToLower(a.Owner) + "/" + strings.ToLower(a.Repo) + "#" + strconv.Itoa(a.Number)))
	return sum[:]
}

// prTag is a River tag (must match \A[\w][\w\-]+[\w]\z, so owner/repo names
// cannot be used verbatim) identifying the job's pull request.
func prTag(a ReviewArgs) string { return "pr-" + hex.EncodeToString(prKey(a)[:16]) }

// prLockKey is the Postgres advisory lock key of the job's pull request.
func prLockKey(a ReviewArgs) int64 { return int64(binary.BigEndian.Uint64(prKey(a)[:8])) }

func jobTags(a ReviewArgs) []string {
	tags := []string{prTag(a)}
	if a.Trigger == TriggerAuto {
		tags = append(tags, TriggerAuto)
	}
	return tags
}
