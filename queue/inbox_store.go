package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// sqliteInboxAutoCheckpoint is the inbox file's wal_autocheckpoint, in WAL frames (pages). SQLite's
// default, 1000, checkpoints inside the commit that crosses it: that accept transaction copies the
// WAL into the file and fsyncs twice more, and under a burst those commits were the acknowledgements'
// p99 (35 syscalls against 11 in a runtime trace of bench/webhookload). The drainer checkpoints when
// the inbox is quiet instead (drainer.run); this bound only caps the WAL (about 40 MB) under a
// stream of deliveries that never pauses for drainFlushDelay.
const sqliteInboxAutoCheckpoint = 10000

// sqliteInboxSuffix names the SQLite inbox file after the database file: wfreview.db-inbox.
const sqliteInboxSuffix = "-inbox"

const sqliteCreateInbox = `CREATE TABLE IF NOT EXISTS wfreview_inbox (
	seq INTEGER PRIMARY KEY,
	delivery_id TEXT NOT NULL UNIQUE,
	args TEXT NOT NULL,
	received_at INTEGER NOT NULL,
	drained_at INTEGER
);
CREATE INDEX IF NOT EXISTS wfreview_inbox_undrained ON wfreview_inbox (seq) WHERE drained_at IS NULL`

// sqliteInbox is the inbox in a SQLite file of its own (one connection: one writer, no
// SQLITE_BUSY). Rows drained into River are marked after River's commit, in the next accept
// transaction or by flush; until then they are "inflight" and pending skips them.
type sqliteInbox struct {
	db                            *sql.DB
	insertStmt, markStmt, pendStm *sql.Stmt

	mu       sync.Mutex
	marks    []int64 // drained into River, to be marked
	markAt   time.Time
	inflight map[int64]bool // marks, and marks being committed
}

// openSQLiteInbox opens (creating it if needed) the inbox file whose DSN is dsn; a new inbox
// imports the delivery ids recorded in main's wfreview_delivery as drained rows.
func openSQLiteInbox(ctx context.Context, dsn string, main *sql.DB) (_ *sqliteInbox, err error) {
	db, err := openSQLiteConn(dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite inbox: %w", err)
	}
	defer func() {
		if err != nil {
			_ = db.Close()
		}
	}()

	var exists int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'wfreview_inbox'`).Scan(&exists); err != nil {
		return nil, fmt.Errorf("open sqlite inbox: %w", err)
	}
	if exists == 0 {
		if err := createSQLiteInbox(ctx, db, main); err != nil {
			return nil, err
		}
	}
	s := &sqliteInbox{db: db, inflight: map[int64]bool{}}
	if s.insertStmt, err = db.PrepareContext(ctx,
		`INSERT INTO wfreview_inbox (delivery_id, args, received_at) VALUES (?, ?, ?) ON CONFLICT (delivery_id) DO NOTHING`); err != nil {
		return nil, fmt.Errorf("prepare inbox insert: %w", err)
	}
	if s.markStmt, err = db.PrepareContext(ctx,
		`UPDATE wfreview_inbox SET drained_at = ?2 WHERE seq IN (SELECT value FROM json_each(?1)) AND drained_at IS NULL`); err != nil {
		return nil, fmt.Errorf("prepare inbox mark: %w", err)
	}
	if s.pendStm, err = db.PrepareContext(ctx,
		`SELECT seq, delivery_id, args, received_at FROM wfreview_inbox WHERE drained_at IS NULL ORDER BY seq LIMIT ?`); err != nil {
		return nil, fmt.Errorf("prepare inbox read: %w", err)
	}
	return s, nil
}

func createSQLiteInbox(ctx context.Context, db, main *sql.DB) error {
	ids, err := recordedDeliveries(ctx, main)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create inbox: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, sqliteCreateInbox); err != nil {
		return fmt.Errorf("create inbox: %w", err)
	}
	for _, d := range ids {
		at := time.Unix(d.receivedAt, 0).UnixNano()
		if _, err := tx.ExecContext(ctx, `INSERT INTO wfreview_inbox (delivery_id, args, received_at, drained_at) VALUES (?, '{}', ?, ?) ON CONFLICT DO NOTHING`,
			d.id, at, at); err != nil {
			return fmt.Errorf("create inbox: import delivery ids: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create inbox: %w", err)
	}
	return nil
}

type recordedDelivery struct {
	id         string
	receivedAt int64 // unix seconds
}

func recordedDeliveries(ctx context.Context, main *sql.DB) ([]recordedDelivery, error) {
	rows, err := main.QueryContext(ctx, `SELECT delivery_id, received_at FROM wfreview_delivery`)
	if err != nil {
		return nil, fmt.Errorf("read recorded delivery ids: %w", err)
	}
	defer rows.Close()
	var out []recordedDelivery
	for rows.Next() {
		var d recordedDelivery
		if err := rows.Scan(&d.id, &d.receivedAt); err != nil {
			return nil, fmt.Errorf("read recorded delivery ids: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (s *sqliteInbox) insert(ctx context.Context, take func() ([]inboxRow, error)) (_ []bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // after Commit: sql.ErrTxDone, ignored
	rows, err := take()
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	ins := tx.StmtContext(ctx, s.insertStmt)
	fresh := make([]bool, len(rows))
	for i, r := range rows {
		res, err := ins.ExecContext(ctx, r.deliveryID, r.args, r.receivedAt)
		if err != nil {
			return nil, fmt.Errorf("insert delivery %s: %w", r.deliveryID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, fmt.Errorf("insert delivery %s: %w", r.deliveryID, err)
		}
		fresh[i] = n == 1
	}
	marks, at := s.takeMarks()
	if len(marks) > 0 {
		if err := s.mark(ctx, tx, marks, at); err != nil {
			s.restoreMarks(marks, at)
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		s.restoreMarks(marks, at)
		return nil, fmt.Errorf("commit: %w", err)
	}
	s.marked(marks)
	return fresh, nil
}

func (s *sqliteInbox) mark(ctx context.Context, tx *sql.Tx, seqs []int64, at time.Time) error {
	arg, err := seqsJSON(seqs)
	if err != nil {
		return fmt.Errorf("mark inbox rows drained: %w", err)
	}
	if _, err := tx.StmtContext(ctx, s.markStmt).ExecContext(ctx, arg, at.UnixNano()); err != nil {
		return fmt.Errorf("mark inbox rows drained: %w", err)
	}
	return nil
}

func (s *sqliteInbox) takeMarks() ([]int64, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, at := s.marks, s.markAt
	s.marks = nil
	return m, at
}

// restoreMarks puts marks back after the transaction carrying them failed.
func (s *sqliteInbox) restoreMarks(marks []int64, at time.Time) {
	if len(marks) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.marks = append(marks, s.marks...)
	if at.After(s.markAt) {
		s.markAt = at
	}
}

// marked forgets marks once they are committed.
func (s *sqliteInbox) marked(marks []int64) {
	if len(marks) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range marks {
		delete(s.inflight, m)
	}
}

func (s *sqliteInbox) pending(ctx context.Context, _ *sql.Tx, limit int, skip map[int64]bool) ([]inboxRow, error) {
	s.mu.Lock()
	exclude := len(s.inflight)
	s.mu.Unlock()
	rows, err := s.pendStm.QueryContext(ctx, limit+exclude+len(skip))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []inboxRow
	for rows.Next() && len(out) < limit {
		var r inboxRow
		if err := rows.Scan(&r.seq, &r.deliveryID, &r.args, &r.receivedAt); err != nil {
			return nil, err
		}
		if skip[r.seq] || s.isInflight(r.seq) {
			continue
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *sqliteInbox) isInflight(seq int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inflight[seq]
}

// markInTx does nothing: the inbox is not in River's database.
func (s *sqliteInbox) markInTx(context.Context, *sql.Tx, []int64, time.Time) error { return nil }

func (s *sqliteInbox) markCommitted(seqs []int64, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.marks = append(s.marks, seqs...)
	s.markAt = at
	for _, q := range seqs {
		s.inflight[q] = true
	}
}

func (s *sqliteInbox) marksPending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.marks) > 0
}

func (s *sqliteInbox) flush(ctx context.Context) (err error) {
	marks, at := s.takeMarks()
	if len(marks) == 0 {
		return nil
	}
	defer func() {
		if err != nil {
			s.restoreMarks(marks, at)
		}
	}()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := s.mark(ctx, tx, marks, at); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.marked(marks)
	return nil
}

// checkpoint copies the inbox's WAL into its file (PASSIVE: it never waits for a reader; the inbox
// has none but its own connection). The next accept transaction then writes the WAL from its start.
func (s *sqliteInbox) checkpoint(ctx context.Context) (int, error) {
	var busy, walFrames, copied int // the pragma's row: busy, frames in the WAL, frames checkpointed
	if err := s.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &walFrames, &copied); err != nil {
		return 0, fmt.Errorf("checkpoint inbox: %w", err)
	}
	return copied, nil
}

func (s *sqliteInbox) prune(ctx context.Context, before time.Time) (int64, error) {
	r, err := s.db.ExecContext(ctx, `DELETE FROM wfreview_inbox WHERE drained_at IS NOT NULL AND received_at < ?`, before.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("prune inbox: %w", err)
	}
	return r.RowsAffected()
}

func (s *sqliteInbox) undrained(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM wfreview_inbox WHERE drained_at IS NULL`).Scan(&n)
	return n, err
}

func (s *sqliteInbox) ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func (s *sqliteInbox) close() error {
	return errors.Join(s.insertStmt.Close(), s.markStmt.Close(), s.pendStm.Close(), s.db.Close())
}

// postgresInbox is the inbox table in River's PostgreSQL database: the drainer reads and marks its
// rows inside the River transaction. pgx prepares and caches the statements.
type postgresInbox struct {
	pool *pgxpool.Pool
}

const (
	postgresCreateInbox = `CREATE TABLE wfreview_inbox (
	seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	delivery_id TEXT NOT NULL UNIQUE,
	args TEXT NOT NULL,
	received_at BIGINT NOT NULL,
	drained_at BIGINT
);
CREATE INDEX wfreview_inbox_undrained ON wfreview_inbox (seq) WHERE drained_at IS NULL;
INSERT INTO wfreview_inbox (delivery_id, args, received_at, drained_at)
	SELECT delivery_id, '{}', received_at * 1000000000, received_at * 1000000000 FROM wfreview_delivery
	ON CONFLICT (delivery_id) DO NOTHING`
	postgresInsertInbox  = `INSERT INTO wfreview_inbox (delivery_id, args, received_at) VALUES ($1, $2, $3) ON CONFLICT (delivery_id) DO NOTHING`
	postgresPendingInbox = `SELECT seq, delivery_id, args, received_at FROM wfreview_inbox
WHERE drained_at IS NULL AND NOT (seq = ANY($2::bigint[])) ORDER BY seq LIMIT $1`
	postgresMarkInbox = `UPDATE wfreview_inbox SET drained_at = $2 WHERE seq = ANY($1::bigint[])`
)

// createPostgresInbox creates the inbox once (replicas starting together wait for each other),
// importing the delivery ids wfreview_delivery holds as drained rows.
func createPostgresInbox(ctx context.Context, pool *pgxpool.Pool) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("create inbox: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLockKey)); err != nil {
		return fmt.Errorf("create inbox: lock: %w", err)
	}
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT to_regclass('wfreview_inbox') IS NOT NULL`).Scan(&exists); err != nil {
		return fmt.Errorf("create inbox: %w", err)
	}
	if exists {
		return nil
	}
	if _, err := tx.Exec(ctx, postgresCreateInbox); err != nil {
		return fmt.Errorf("create inbox: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("create inbox: %w", err)
	}
	return nil
}

// insert sends the rows' INSERTs in one batch: one round trip, one implicit transaction that
// commits at the batch's end (pgx SendBatch), so BatchResults.Close returning nil means committed.
func (s *postgresInbox) insert(ctx context.Context, take func() ([]inboxRow, error)) ([]bool, error) {
	rows, err := take()
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	var b pgx.Batch
	for _, r := range rows {
		b.Queue(postgresInsertInbox, r.deliveryID, string(r.args), r.receivedAt)
	}
	br := s.pool.SendBatch(ctx, &b)
	fresh := make([]bool, len(rows))
	for i, r := range rows {
		tag, err := br.Exec()
		if err != nil {
			_ = br.Close()
			return nil, fmt.Errorf("insert delivery %s: %w", r.deliveryID, err)
		}
		fresh[i] = tag.RowsAffected() == 1
	}
	if err := br.Close(); err != nil {
		return nil, fmt.Errorf("commit deliveries: %w", err)
	}
	return fresh, nil
}

func (s *postgresInbox) pending(ctx context.Context, tx pgx.Tx, limit int, skip map[int64]bool) ([]inboxRow, error) {
	skipped := make([]int64, 0, len(skip))
	for q := range skip {
		skipped = append(skipped, q)
	}
	rows, err := tx.Query(ctx, postgresPendingInbox, limit, skipped)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (inboxRow, error) {
		var r inboxRow
		var args string
		err := row.Scan(&r.seq, &r.deliveryID, &args, &r.receivedAt)
		r.args = []byte(args)
		return r, err
	})
}

func (s *postgresInbox) markInTx(ctx context.Context, tx pgx.Tx, seqs []int64, at time.Time) error {
	_, err := tx.Exec(ctx, postgresMarkInbox, seqs, at.UnixNano())
	return err
}

// markCommitted, flush and marksPending do nothing: markInTx marked the rows.
func (s *postgresInbox) markCommitted([]int64, time.Time)        {}
func (s *postgresInbox) flush(context.Context) error             { return nil }
func (s *postgresInbox) checkpoint(context.Context) (int, error) { return 0, nil }
func (s *postgresInbox) marksPending() bool                      { return false }

func (s *postgresInbox) prune(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM wfreview_inbox WHERE drained_at IS NOT NULL AND received_at < $1`, before.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("prune inbox: %w", err)
	}
	return tag.RowsAffected(), nil
}

func (s *postgresInbox) undrained(ctx context.Context) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM wfreview_inbox WHERE drained_at IS NULL`).Scan(&n)
	return n, err
}

func (s *postgresInbox) ping(context.Context) error { return nil } // the pool is River's: pinged there
func (s *postgresInbox) close() error               { return nil } // closed with River's pool
