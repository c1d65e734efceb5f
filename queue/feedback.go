package queue

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Kinds of feedback that suppress a finding.
const (
	// FeedbackReaction is a 👎 reaction on one of wfreview's review comments.
	FeedbackReaction = "reaction"
	// FeedbackReply is a `/review ignore` reply to one of wfreview's review comments.
	FeedbackReply = "reply"
)

// Suppression is a finding a person asked wfreview to stop reporting in a repository: its
// fingerprint (see checklist.ComputeFingerprint) is never posted again in any pull request there.
type Suppression struct {
	Owner, Repo string
	Fingerprint string
	// Kind is FeedbackReaction or FeedbackReply.
	Kind string
	// Login is who gave the feedback.
	Login string
	// CommentID is the review comment that carried it: the reacted-to comment, or the reply.
	CommentID int64
	// Number is the pull request it was given on.
	Number int
	// CreatedAt is when it was recorded (set by Suppress when zero).
	CreatedAt time.Time
}

func (s Suppression) validate() error {
	var missing []string
	if s.Owner == "" {
		missing = append(missing, "owner")
	}
	if s.Repo == "" {
		missing = append(missing, "repo")
	}
	if s.Fingerprint == "" {
		missing = append(missing, "fingerprint")
	}
	if s.Kind != FeedbackReaction && s.Kind != FeedbackReply {
		missing = append(missing, "kind (reaction or reply)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("invalid suppression: missing %s", strings.Join(missing, ", "))
	}
	return nil
}

// repoKey identifies a repository independently of case (GitHub names are case-insensitive).
func repoKey(owner, repo string) string { return strings.ToLower(owner + "/" + repo) }

// Suppress records s. It reports false when the fingerprint was already suppressed in the
// repository (the earlier record is kept). It returns only after the row is committed.
func (q *Queue) Suppress(ctx context.Context, s Suppression) (bool, error) {
	if err := s.validate(); err != nil {
		return false, err
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = time.Now()
	}
	added, err := q.eng.feedback().suppress(ctx, s)
	if err != nil {
		return false, fmt.Errorf("record suppression of %s in %s/%s: %w", s.Fingerprint, s.Owner, s.Repo, err)
	}
	return added, nil
}

// Suppressions lists the repository's suppressed findings, oldest first.
func (q *Queue) Suppressions(ctx context.Context, owner, repo string) ([]Suppression, error) {
	out, err := q.eng.feedback().list(ctx, repoKey(owner, repo))
	if err != nil {
		return nil, fmt.Errorf("list suppressions of %s/%s: %w", owner, repo, err)
	}
	for i := range out {
		out[i].Owner, out[i].Repo = owner, repo
	}
	return out, nil
}

// Outcomes of a stale review thread, recorded by RecordThreads.
const (
	// ThreadResolved: wfreview resolved the thread.
	ThreadResolved = "resolved"
	// ThreadFoundResolved: the thread was stale but someone had resolved it already.
	ThreadFoundResolved = "found_resolved"
)

// RecordThreads records that wfreview is done with the review threads started by commentIDs (its
// own comments) in a pull request: it resolved them, or found them resolved. Later reviews leave
// them alone, so a thread a person unresolves stays open and costs no more requests. Recording a
// thread twice keeps the first record.
func (q *Queue) RecordThreads(ctx context.Context, owner, repo string, number int, outcome string, commentIDs []int64) error {
	if outcome != ThreadResolved && outcome != ThreadFoundResolved {
		return fmt.Errorf("record threads: unknown outcome %q", outcome)
	}
	at := time.Now().Unix()
	for _, id := range commentIDs {
		if err := q.eng.feedback().recordThread(ctx, repoKey(owner, repo), number, id, outcome, at); err != nil {
			return fmt.Errorf("record thread of comment %d in %s/%s#%d: %w", id, owner, repo, number, err)
		}
	}
	return nil
}

// RecordedThreads returns the threads recorded for a pull request: first comment ID → outcome.
func (q *Queue) RecordedThreads(ctx context.Context, owner, repo string, number int) (map[int64]string, error) {
	out, err := q.eng.feedback().recordedThreads(ctx, repoKey(owner, repo), number)
	if err != nil {
		return nil, fmt.Errorf("list recorded threads of %s/%s#%d: %w", owner, repo, number, err)
	}
	return out, nil
}

// feedbackStore keeps suppressions (wfreview_suppression) and stale threads (wfreview_thread) in
// our own tables, beside River's.
type feedbackStore interface {
	suppress(ctx context.Context, s Suppression) (bool, error)
	list(ctx context.Context, repoKey string) ([]Suppression, error)
	recordThread(ctx context.Context, repoKey string, number int, commentID int64, outcome string, at int64) error
	recordedThreads(ctx context.Context, repoKey string, number int) (map[int64]string, error)
}

const selectThreads = `SELECT comment_id, outcome FROM wfreview_thread WHERE repo = %s AND pull_number = %s`

const selectSuppressions = `SELECT fingerprint, kind, login, comment_id, pull_number, created_at
FROM wfreview_suppression WHERE repo = %s ORDER BY created_at, fingerprint`

// sqliteFeedback is the store on SQLite (database/sql).
type sqliteFeedback struct{ db *sql.DB }

func (f *sqliteFeedback) suppress(ctx context.Context, s Suppression) (bool, error) {
	r, err := f.db.ExecContext(ctx, `INSERT INTO wfreview_suppression (repo, fingerprint, kind, login, comment_id, pull_number, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (repo, fingerprint) DO NOTHING`,
		repoKey(s.Owner, s.Repo), s.Fingerprint, s.Kind, s.Login, s.CommentID, s.Number, s.CreatedAt.Unix())
	if err != nil {
		return false, err
	}
	n, err := r.RowsAffected()
	return n > 0, err
}

func (f *sqliteFeedback) list(ctx context.Context, key string) ([]Suppression, error) {
	rows, err := f.db.QueryContext(ctx, fmt.Sprintf(selectSuppressions, "?"), key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Suppression
	for rows.Next() {
		var s Suppression
		var at int64
		if err := rows.Scan(&s.Fingerprint, &s.Kind, &s.Login, &s.CommentID, &s.Number, &at); err != nil {
			return nil, err
		}
		s.CreatedAt = time.Unix(at, 0)
		out = append(out, s)
	}
	return out, rows.Err()
}

func (f *sqliteFeedback) recordThread(ctx context.Context, key string, number int, id int64, outcome string, at int64) error {
	_, err := f.db.ExecContext(ctx, `INSERT INTO wfreview_thread (repo, comment_id, pull_number, outcome, created_at)
VALUES (?, ?, ?, ?, ?) ON CONFLICT (repo, comment_id) DO NOTHING`, key, id, number, outcome, at)
	return err
}

func (f *sqliteFeedback) recordedThreads(ctx context.Context, key string, number int) (map[int64]string, error) {
	rows, err := f.db.QueryContext(ctx, fmt.Sprintf(selectThreads, "?", "?"), key, number)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanThreads(rows)
}

// threadRows is what database/sql's and pgx's rows share.
type threadRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanThreads reads the (comment id, outcome) rows of selectThreads.
func scanThreads(rows threadRows) (map[int64]string, error) {
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var outcome string
		if err := rows.Scan(&id, &outcome); err != nil {
			return nil, err
		}
		out[id] = outcome
	}
	return out, rows.Err()
}

// postgresFeedback is the store on PostgreSQL (pgx).
type postgresFeedback struct{ pool *pgxpool.Pool }

func (f *postgresFeedback) suppress(ctx context.Context, s Suppression) (bool, error) {
	tag, err := f.pool.Exec(ctx, `INSERT INTO wfreview_suppression (repo, fingerprint, kind, login, comment_id, pull_number, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (repo, fingerprint) DO NOTHING`,
		repoKey(s.Owner, s.Repo), s.Fingerprint, s.Kind, s.Login, s.CommentID, s.Number, s.CreatedAt.Unix())
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() > 0, nil
}

func (f *postgresFeedback) list(ctx context.Context, key string) ([]Suppression, error) {
	rows, err := f.pool.Query(ctx, fmt.Sprintf(selectSuppressions, "$1"), key)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Suppression, error) {
		var s Suppression
		var at int64
		var number int32
		err := row.Scan(&s.Fingerprint, &s.Kind, &s.Login, &s.CommentID, &number, &at)
		s.Number, s.CreatedAt = int(number), time.Unix(at, 0)
		return s, err
	})
	return out, err
}

func (f *postgresFeedback) recordThread(ctx context.Context, key string, number int, id int64, outcome string, at int64) error {
	_, err := f.pool.Exec(ctx, `INSERT INTO wfreview_thread (repo, comment_id, pull_number, outcome, created_at)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (repo, comment_id) DO NOTHING`, key, id, number, outcome, at)
	return err
}

func (f *postgresFeedback) recordedThreads(ctx context.Context, key string, number int) (map[int64]string, error) {
	rows, err := f.pool.Query(ctx, fmt.Sprintf(selectThreads, "$1", "$2"), key, number)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanThreads(rows)
}

// --- our own schema migrations, kept apart from River's ---

// ownMigration is one step of wfreview's own schema, with its SQL for each database. Steps are
// applied in order, once, each in a transaction that also records it in wfreview_migration.
type ownMigration struct {
	version          int
	name             string
	sqlite, postgres string
}

// ownMigrations are wfreview's tables besides River's and wfreview_delivery (created at open).
// Append new steps; never edit an applied one.
var ownMigrations = []ownMigration{
	{
		version: 1,
		name:    "feedback suppressions",
		sqlite: `CREATE TABLE IF NOT EXISTS wfreview_suppression (
	repo TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	kind TEXT NOT NULL,
	login TEXT NOT NULL,
	comment_id INTEGER NOT NULL,
	pull_number INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (repo, fingerprint)
)`,
		postgres: `CREATE TABLE IF NOT EXISTS wfreview_suppression (
	repo TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	kind TEXT NOT NULL,
	login TEXT NOT NULL,
	comment_id BIGINT NOT NULL,
	pull_number INTEGER NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (repo, fingerprint)
)`,
	},
	{
		version: 2,
		name:    "stale review threads",
		sqlite: `CREATE TABLE IF NOT EXISTS wfreview_thread (
	repo TEXT NOT NULL,
	comment_id INTEGER NOT NULL,
	pull_number INTEGER NOT NULL,
	outcome TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (repo, comment_id)
)`,
		postgres: `CREATE TABLE IF NOT EXISTS wfreview_thread (
	repo TEXT NOT NULL,
	comment_id BIGINT NOT NULL,
	pull_number INTEGER NOT NULL,
	outcome TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (repo, comment_id)
)`,
	},
}

const createMigrationTable = `CREATE TABLE IF NOT EXISTS wfreview_migration (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// migrationLockKey serializes our migrations between PostgreSQL replicas starting together.
const migrationLockKey = 0x7766726576696577 // "wfreview"

// migrateSQLite applies our pending migrations on SQLite. The DSN's _txlock=immediate makes the
// transaction take the write lock first, so two processes cannot apply a step twice.
func migrateSQLite(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, createMigrationTable); err != nil {
		return fmt.Errorf("create migration table: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT version FROM wfreview_migration`)
	if err != nil {
		return fmt.Errorf("read applied migrations: %w", err)
	}
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("read applied migrations: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read applied migrations: %w", err)
	}
	for _, m := range ownMigrations {
		if applied[m.version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sqlite); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO wfreview_migration (version, name, applied_at) VALUES (?, ?, ?)`,
			m.version, m.name, time.Now().Unix()); err != nil {
			return fmt.Errorf("record migration %d: %w", m.version, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migrations: %w", err)
	}
	return nil
}

// migratePostgres applies our pending migrations on PostgreSQL under an advisory lock.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLockKey)); err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	if _, err := tx.Exec(ctx, createMigrationTable); err != nil {
		return fmt.Errorf("create migration table: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT version FROM wfreview_migration`)
	if err != nil {
		return fmt.Errorf("read applied migrations: %w", err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return fmt.Errorf("read applied migrations: %w", err)
	}
	applied := map[int]bool{}
	for _, v := range versions {
		applied[int(v)] = true
	}
	for _, m := range ownMigrations {
		if applied[m.version] {
			continue
		}
		if _, err := tx.Exec(ctx, m.postgres); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO wfreview_migration (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.version, m.name, time.Now().Unix()); err != nil {
			return fmt.Errorf("record migration %d: %w", m.version, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit migrations: %w", err)
	}
	return nil
}
