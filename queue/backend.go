package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/riverqueue/river/riverdriver"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" database/sql driver
)

const (
	backendSQLite   = "sqlite"
	backendPostgres = "postgres"
)

type backendSpec struct {
	kind string
	dsn  string
	// inboxDSN is SQLite's inbox file (inbox.go): the database file's name + "-inbox", same parameters.
	inboxDSN string
}

// sqliteDefaultParams are added to a SQLite DSN unless it sets them itself:
// WAL so readers don't block the writer, a busy timeout for other processes
// using the file, BEGIN IMMEDIATE so a transaction takes the write lock up
// front (no SQLITE_BUSY on lock upgrade), and synchronous=FULL so a commit
// that Enqueue reported is on disk even after a power loss.
var sqliteDefaultParams = []struct{ key, value, prefix string }{
	{"_pragma", "journal_mode(WAL)", "journal_mode"},
	{"_pragma", "busy_timeout(10000)", "busy_timeout"},
	{"_pragma", "synchronous(FULL)", "synchronous"},
	{"_txlock", "immediate", ""},
}

// parseDatabaseURL maps Config.DatabaseURL to a backend and its DSN.
func parseDatabaseURL(raw string) (backendSpec, error) {
	raw = strings.TrimSpace(raw)
	lower := strings.ToLower(raw)
	if strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://") {
		return backendSpec{kind: backendPostgres, dsn: raw}, nil
	}
	if raw == "" {
		raw = DefaultSQLitePath
	}
	if strings.Contains(lower, "://") && !strings.HasPrefix(lower, "file:") {
		return backendSpec{}, fmt.Errorf("unsupported database URL scheme in %q (want a SQLite path, a file: DSN, postgres:// or postgresql://)", redactURL(raw))
	}

	name, query, _ := strings.Cut(raw, "?")
	if name == "" || name == "file:" {
		return backendSpec{}, fmt.Errorf("invalid SQLite DSN %q: no file name", raw)
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return backendSpec{}, fmt.Errorf("invalid SQLite DSN %q: %w", raw, err)
	}
	if name == ":memory:" || strings.Contains(params.Get("mode"), "memory") {
		return backendSpec{}, fmt.Errorf("invalid SQLite DSN %q: an in-memory database is not durable", raw)
	}
	for _, p := range sqliteDefaultParams {
		if !hasParam(params, p.key, p.prefix) {
			params.Add(p.key, p.value)
		}
	}
	dsn := name + "?" + params.Encode()
	if !hasParam(params, "_pragma", "wal_autocheckpoint") {
		params.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", sqliteInboxAutoCheckpoint))
	}
	return backendSpec{kind: backendSQLite, dsn: dsn, inboxDSN: name + sqliteInboxSuffix + "?" + params.Encode()}, nil
}

func hasParam(params url.Values, key, prefix string) bool {
	for _, v := range params[key] {
		if prefix == "" || strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), prefix) {
			return true
		}
	}
	return false
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparseable URL>"
	}
	return u.Redacted()
}

// openSQLiteConn opens a SQLite database through one connection, kept open: SQLite allows one
// writer, and River runs several services concurrently (and Accept and the drainer share the
// inbox); a single pooled connection serializes them in database/sql instead of surfacing
// SQLITE_BUSY (see riversqlite docs).
func openSQLiteConn(dsn string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

func openSQLite(ctx context.Context, spec backendSpec, rc *river.Config, _ int, drainHook func(string)) (_ engine, err error) {
	db, err := openSQLiteConn(spec.dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	defer func() {
		if err != nil {
			_ = db.Close()
		}
	}()
	if err := db.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("ping sqlite: %w", err)
	}

	driver := riversqlite.New(db)
	if err := migrate(ctx, driver, rc.Logger); err != nil {
		return nil, err
	}

	d := dialect{
		createDeliveries: `CREATE TABLE IF NOT EXISTS wfreview_delivery (
	delivery_id TEXT PRIMARY KEY NOT NULL,
	received_at INTEGER NOT NULL
)`,
		insertDelivery:  `INSERT INTO wfreview_delivery (delivery_id, received_at) VALUES (?, ?) ON CONFLICT (delivery_id) DO NOTHING`,
		pruneDeliveries: `DELETE FROM wfreview_delivery WHERE received_at < ?`,
		// "WHERE true" resolves SQLite's parsing ambiguity of an upsert from a SELECT.
		insertDeliveries: `INSERT INTO wfreview_delivery (delivery_id, received_at) SELECT value, ?2 FROM json_each(?1) WHERE true ON CONFLICT (delivery_id) DO NOTHING RETURNING delivery_id`,
		deliveryIDsArg:   sqliteDeliveryIDs,
		cancelQueued: `UPDATE river_job
SET state = 'cancelled', finalized_at = datetime('now', 'subsec'), metadata = jsonb_set(metadata, '$.cancel_attempted_at', ?2)
WHERE id IN (SELECT value FROM json_each(?1)) AND state IN ('available', 'pending', 'retryable', 'scheduled') AND finalized_at IS NULL
RETURNING CAST(id AS TEXT)`,
		jobIDsArg: sqliteJobIDs,
	}
	if _, err := db.ExecContext(ctx, d.createDeliveries); err != nil {
		return nil, fmt.Errorf("create delivery table: %w", err)
	}
	if err := migrateSQLite(ctx, db); err != nil {
		return nil, err
	}

	if n, err := rescueOrphans(ctx, driver.GetExecutor(), rc.MaxAttempts); err != nil {
		return nil, err
	} else if n > 0 && rc.Logger != nil {
		rc.Logger.InfoContext(ctx, "rescued jobs left running by a stopped process", "jobs", n)
	}

	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("create river client: %w", err)
	}
	inbox, err := openSQLiteInbox(ctx, spec.inboxDSN, db)
	if err != nil {
		return nil, err
	}

	return &riverEngine[*sql.Tx]{
		client:    client,
		sql:       d,
		inbox:     inbox,
		drainHook: drainHook,
		ops: txOps[*sql.Tx]{
			begin: func(ctx context.Context) (*sql.Tx, error) { return db.BeginTx(ctx, nil) },
			commit: func(_ context.Context, tx *sql.Tx) error {
				return tx.Commit()
			},
			rollback: func(_ context.Context, tx *sql.Tx) error {
				if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
					return err
				}
				return nil
			},
			exec: func(ctx context.Context, tx *sql.Tx, query string, args ...any) (int64, error) {
				r, err := tx.ExecContext(ctx, query, args...)
				if err != nil {
					return 0, err
				}
				return r.RowsAffected()
			},
			queryStrings: func(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]string, error) {
				rows, err := tx.QueryContext(ctx, query, args...)
				if err != nil {
					return nil, err
				}
				defer rows.Close()
				var out []string
				for rows.Next() {
					var s string
					if err := rows.Scan(&s); err != nil {
						return nil, err
					}
					out = append(out, s)
				}
				return out, rows.Err()
			},
		},
		pingFn: func(ctx context.Context) error {
			var one int
			return db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
		},
		pruneFn: func(ctx context.Context, before int64) (int64, error) {
			r, err := db.ExecContext(ctx, d.pruneDeliveries, before)
			if err != nil {
				return 0, err
			}
			return r.RowsAffected()
		},
		closeFn: db.Close,
		fb:      &sqliteFeedback{db: db},
	}, nil
}

func openPostgres(ctx context.Context, spec backendSpec, rc *river.Config, workers int, drainHook func(string)) (_ engine, err error) {
	dsn := spec.dsn
	poolCfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse postgres URL %s: %w", redactURL(dsn), err)
	}
	// River holds a listener connection and runs producers, completer,
	// elector and maintenance services besides the workers themselves.
	if !strings.Contains(dsn, "pool_max_conns") {
		poolCfg.MaxConns = max(poolCfg.MaxConns, int32(workers)+6)
	}
	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return nil, fmt.Errorf("create postgres pool: %w", err)
	}
	defer func() {
		if err != nil {
			pool.Close()
		}
	}()
	pingCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		return nil, fmt.Errorf("ping postgres %s: %w", redactURL(dsn), err)
	}

	driver := riverpgxv5.New(pool)
	if err := migrate(ctx, driver, rc.Logger); err != nil {
		return nil, err
	}

	d := dialect{
		createDeliveries: `CREATE TABLE IF NOT EXISTS wfreview_delivery (
	delivery_id TEXT PRIMARY KEY,
	received_at BIGINT NOT NULL
)`,
		insertDelivery:   `INSERT INTO wfreview_delivery (delivery_id, received_at) VALUES ($1, $2) ON CONFLICT (delivery_id) DO NOTHING`,
		pruneDeliveries:  `DELETE FROM wfreview_delivery WHERE received_at < $1`,
		lockPR:           `SELECT pg_advisory_xact_lock($1)`,
		lockDrain:        `SELECT pg_advisory_xact_lock($1)`,
		insertDeliveries: `INSERT INTO wfreview_delivery (delivery_id, received_at) SELECT unnest($1::text[]), $2 ON CONFLICT (delivery_id) DO NOTHING RETURNING delivery_id`,
		deliveryIDsArg:   postgresDeliveryIDs,
		cancelQueued: `UPDATE river_job
SET state = 'cancelled', finalized_at = now(), metadata = jsonb_set(metadata, '{cancel_attempted_at}', to_jsonb($2::text), true)
WHERE id = ANY($1::bigint[]) AND state IN ('available', 'pending', 'retryable', 'scheduled') AND finalized_at IS NULL
RETURNING id::text`,
		jobIDsArg: postgresJobIDs,
	}
	if _, err := pool.Exec(ctx, d.createDeliveries); err != nil {
		return nil, fmt.Errorf("create delivery table: %w", err)
	}
	if err := migratePostgres(ctx, pool); err != nil {
		return nil, err
	}
	if err := createPostgresInbox(ctx, pool); err != nil {
		return nil, err
	}

	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("create river client: %w", err)
	}

	return &riverEngine[pgx.Tx]{
		client:    client,
		sql:       d,
		inbox:     &postgresInbox{pool: pool},
		drainHook: drainHook,
		ops: txOps[pgx.Tx]{
			begin:  func(ctx context.Context) (pgx.Tx, error) { return pool.Begin(ctx) },
			commit: func(ctx context.Context, tx pgx.Tx) error { return tx.Commit(ctx) },
			rollback: func(ctx context.Context, tx pgx.Tx) error {
				if err := tx.Rollback(ctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
					return err
				}
				return nil
			},
			exec: func(ctx context.Context, tx pgx.Tx, query string, args ...any) (int64, error) {
				tag, err := tx.Exec(ctx, query, args...)
				if err != nil {
					return 0, err
				}
				return tag.RowsAffected(), nil
			},
			queryStrings: func(ctx context.Context, tx pgx.Tx, query string, args ...any) ([]string, error) {
				rows, err := tx.Query(ctx, query, args...)
				if err != nil {
					return nil, err
				}
				return pgx.CollectRows(rows, pgx.RowTo[string])
			},
		},
		pingFn: pool.Ping,
		pruneFn: func(ctx context.Context, before int64) (int64, error) {
			tag, err := pool.Exec(ctx, d.pruneDeliveries, before)
			if err != nil {
				return 0, err
			}
			return tag.RowsAffected(), nil
		},
		closeFn: func() error {
			pool.Close()
			return nil
		},
		fb: &postgresFeedback{pool: pool},
	}, nil
}

// migrate brings River's schema up to date with either driver.
func migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], logger *slog.Logger) error {
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: logger})
	if err != nil {
		return fmt.Errorf("create river migrator: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("run river migrations: %w", err)
	}
	return nil
}
