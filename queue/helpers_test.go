package queue

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/rivertype"
	"github.com/rs/zerolog"
)

const (
	envPostgresURL = "WFREVIEW_TEST_POSTGRES_URL"
	// envHelper makes the test binary act as a queue process for the crash
	// test instead of running tests; envHelperDB is its database URL.
	envHelper   = "WFREVIEW_QUEUE_TEST_HELPER"
	envHelperDB = "WFREVIEW_QUEUE_TEST_HELPER_DB"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(envHelper); mode != "" {
		os.Exit(runHelper(mode, os.Getenv(envHelperDB)))
	}
	code := m.Run()
	pg.shutdown()
	os.Exit(code)
}

// runHelper is the child process of the crash test: it works the queue with
// a handler that announces the attempt on stdout and then blocks until the
// parent kills it with SIGKILL.
func runHelper(mode, dbURL string) int {
	if stage, ok := strings.CutPrefix(mode, "inbox:"); ok {
		return runInboxHelper(stage, dbURL)
	}
	if mode != "crash" {
		fmt.Fprintf(os.Stderr, "unknown helper mode %q\n", mode)
		return 2
	}
	ctx := context.Background()
	q, err := Open(ctx, Config{
		DatabaseURL:  dbURL,
		JobTimeout:   time.Minute,
		PollInterval: 50 * time.Millisecond,
		Log:          zerolog.New(os.Stderr).Level(zerolog.WarnLevel),
		testOnly:     true,
	}, func(ctx context.Context, job ReviewArgs, attempt int) error {
		fmt.Printf("STARTED %d %s\n", attempt, job.HeadSHA)
		<-ctx.Done()
		return ctx.Err()
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := q.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	select {} // until killed
}

// startCrashHelper starts the helper process on dbURL and returns it once
// it printed a line starting with "STARTED".
func startCrashHelper(t *testing.T, dbURL string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envHelper+"=crash", envHelperDB+"="+dbURL)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("stdout pipe: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start helper: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "STARTED") {
				lines <- sc.Text()
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-lines:
		return cmd, line
	case <-time.After(60 * time.Second):
		t.Fatalf("helper process did not start the job within 60s")
		return nil, ""
	}
}

// ---- logging ----

// testLogWriter forwards to t.Log until the test's cleanups are done, so a
// late log line from a background goroutine cannot panic the test binary.
type testLogWriter struct {
	mu   sync.Mutex
	tb   testing.TB
	done bool
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.tb.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func testLogger(tb testing.TB) zerolog.Logger {
	w := &testLogWriter{tb: tb}
	tb.Cleanup(func() { // registered first, so it runs last
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return zerolog.New(w).Level(zerolog.WarnLevel).With().Timestamp().Logger()
}

// ---- queue helpers ----

func testConfig(tb testing.TB, dbURL string) Config {
	return Config{
		DatabaseURL:  dbURL,
		Workers:      2,
		JobTimeout:   10 * time.Second,
		MaxAttempts:  3,
		PollInterval: 50 * time.Millisecond,
		Log:          testLogger(tb),
		testOnly:     true,
	}
}

// openTestQueue opens a queue and closes it at the end of the test.
func openTestQueue(tb testing.TB, cfg Config, h Handler) *Queue {
	tb.Helper()
	q, err := Open(context.Background(), cfg, h)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := q.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return q
}

func mustEnqueue(tb testing.TB, q *Queue, job ReviewArgs) EnqueueResult {
	tb.Helper()
	res, err := q.Enqueue(context.Background(), job)
	if err != nil {
		tb.Fatalf("Enqueue(%+v): %v", job, err)
	}
	return res
}

func mustStart(tb testing.TB, q *Queue) {
	tb.Helper()
	if err := q.Start(context.Background()); err != nil {
		tb.Fatalf("Start: %v", err)
	}
}

func autoJob(number int, sha, delivery string) ReviewArgs {
	return ReviewArgs{
		InstallationID: 42,
		Owner:          "octo-org",
		Repo:           "hello.world",
		Number:         number,
		HeadSHA:        sha,
		Trigger:        TriggerAuto,
		DeliveryID:     delivery,
	}
}

func commentJob(number int, sha, delivery string, commentID int64) ReviewArgs {
	j := autoJob(number, sha, delivery)
	j.Trigger = TriggerCommentPrefix + strconv.FormatInt(commentID, 10)
	j.CommentID = commentID
	j.Requester = "alice"
	j.Mode = "full"
	return j
}

func jobsByID(tb testing.TB, q *Queue) map[int64]*rivertype.JobRow {
	tb.Helper()
	rows, err := q.eng.listJobs(context.Background())
	if err != nil {
		tb.Fatalf("listJobs: %v", err)
	}
	m := make(map[int64]*rivertype.JobRow, len(rows))
	for _, r := range rows {
		m[r.ID] = r
	}
	return m
}

// waitJobState waits until job id is in one of states and returns its row.
func waitJobState(tb testing.TB, q *Queue, id int64, timeout time.Duration, states ...rivertype.JobState) *rivertype.JobRow {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	var last *rivertype.JobRow
	for time.Now().Before(deadline) {
		last = jobsByID(tb, q)[id]
		if last != nil && slices.Contains(states, last.State) {
			return last
		}
		time.Sleep(25 * time.Millisecond)
	}
	if last == nil {
		tb.Fatalf("job %d not found after %s (want state %v)", id, timeout, states)
	}
	tb.Fatalf("job %d is %q after %s, want %v (attempt %d, errors %v)", id, last.State, timeout, states, last.Attempt, last.Errors)
	return nil
}

// ---- handler recorder ----

type call struct {
	job     ReviewArgs
	attempt int
}

type recorder struct {
	mu    sync.Mutex
	calls []call
	fn    func(ctx context.Context, job ReviewArgs, attempt int) error
}

func newRecorder(fn func(ctx context.Context, job ReviewArgs, attempt int) error) *recorder {
	return &recorder{fn: fn}
}

func (r *recorder) handle(ctx context.Context, job ReviewArgs, attempt int) error {
	r.mu.Lock()
	r.calls = append(r.calls, call{job: job, attempt: attempt})
	r.mu.Unlock()
	if r.fn != nil {
		return r.fn(ctx, job, attempt)
	}
	return nil
}

func (r *recorder) snapshot() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// waitCalls waits until at least n calls were recorded.
func (r *recorder) waitCalls(tb testing.TB, n int, timeout time.Duration) []call {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		calls := r.snapshot()
		if len(calls) >= n {
			return calls
		}
		if time.Now().After(deadline) {
			tb.Fatalf("handler called %d times after %s, want %d: %+v", len(calls), timeout, n, calls)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ---- backends ----

type backendCase struct {
	name string
	// newURL returns the URL of a fresh, empty database for one test.
	newURL func(tb testing.TB) string
}

func testBackends() []backendCase {
	return []backendCase{
		{name: "sqlite", newURL: func(tb testing.TB) string {
			return filepath.Join(tb.TempDir(), "wfreview.db")
		}},
		{name: "postgres", newURL: newPostgresDB},
	}
}

// ---- PostgreSQL ----

type pgServer struct {
	once     sync.Once
	adminURL string
	reason   string // why no server was found
	fatal    bool   // WFREVIEW_TEST_POSTGRES_URL set but unusable
	stopFn   func()
	dbSeq    atomic.Int64
}

var pg pgServer

func (s *pgServer) shutdown() {
	if s.stopFn != nil {
		s.stopFn()
	}
}

// postgresAdminURL returns the URL of a reachable server, or skips the test:
// WFREVIEW_TEST_POSTGRES_URL, else a throwaway cluster (initdb/pg_ctl from
// /usr/lib/postgresql/*/bin), else the distribution cluster's socket.
func postgresAdminURL(tb testing.TB) string {
	tb.Helper()
	pg.once.Do(pg.setup)
	if pg.fatal {
		tb.Fatalf("%s", pg.reason)
	}
	if pg.adminURL == "" {
		tb.Skipf("no PostgreSQL server found: set %s or install postgresql (%s)", envPostgresURL, pg.reason)
	}
	return pg.adminURL
}

func (s *pgServer) setup() {
	if u := os.Getenv(envPostgresURL); u != "" {
		if err := pingPostgres(u); err != nil {
			s.fatal = true
			s.reason = fmt.Sprintf("%s is set but unusable: %v", envPostgresURL, err)
			return
		}
		s.adminURL = u
		return
	}
	var reasons []string
	u, stop, err := startThrowawayCluster()
	if err == nil {
		s.adminURL, s.stopFn = u, stop
		return
	}
	reasons = append(reasons, "throwaway cluster: "+err.Error())
	const systemURL = "postgres://postgres@/postgres?host=/var/run/postgresql"
	if err := pingPostgres(systemURL); err == nil {
		s.adminURL = systemURL
		return
	} else {
		reasons = append(reasons, "system cluster: "+err.Error())
	}
	s.reason = strings.Join(reasons, "; ")
}

func pingPostgres(u string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.Background()) }()
	return conn.Ping(ctx)
}

// startThrowawayCluster initdb's a trust-auth cluster in a temp dir,
// listening on a Unix socket only, and starts it (as user postgres when
// running as root).
func startThrowawayCluster() (string, func(), error) {
	initdb, err := findPostgresBin("initdb")
	if err != nil {
		return "", nil, err
	}
	pgCtl := filepath.Join(filepath.Dir(initdb), "pg_ctl")

	dir, err := os.MkdirTemp("", "wfreview-pg-")
	if err != nil {
		return "", nil, fmt.Errorf("temp dir: %w", err)
	}
	var prefix []string
	if os.Geteuid() == 0 {
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			_ = os.RemoveAll(dir)
			return "", nil, fmt.Errorf("running as root and runuser not found: %w", err)
		}
		u, err := user.Lookup("postgres")
		if err != nil {
			_ = os.RemoveAll(dir)
			return "", nil, fmt.Errorf("running as root and no postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			_ = os.RemoveAll(dir)
			return "", nil, fmt.Errorf("chown temp dir: %w", err)
		}
		prefix = []string{runuser, "-u", "postgres", "--"}
	}
	run := func(args ...string) error {
		full := append(slices.Clone(prefix), args...)
		out, err := exec.Command(full[0], full[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %w: %s", filepath.Base(args[0]), err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	data := filepath.Join(dir, "data")
	if err := run(initdb, "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"); err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, err
	}
	opts := fmt.Sprintf("-k %s -c listen_addresses='' -p 5432 -c fsync=off -c max_connections=200", dir)
	if err := run(pgCtl, "-D", data, "-l", filepath.Join(dir, "server.log"), "-w", "-t", "60", "-o", opts, "start"); err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, err
	}
	stop := func() {
		_ = run(pgCtl, "-D", data, "-m", "immediate", "-w", "stop")
		_ = os.RemoveAll(dir)
	}
	u := "postgres://postgres@/postgres?host=" + url.QueryEscape(dir)
	if err := pingPostgres(u); err != nil {
		stop()
		return "", nil, fmt.Errorf("connect to throwaway cluster: %w", err)
	}
	return u, stop, nil
}

func findPostgresBin(name string) (string, error) {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) > 0 {
		slices.SortFunc(matches, func(a, b string) int {
			va, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(a))))
			vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(b))))
			return va - vb
		})
		return matches[len(matches)-1], nil
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", errors.New(name + " not found in /usr/lib/postgresql/*/bin or PATH")
}

// newPostgresDB creates a fresh database for one test (dropped afterwards)
// and returns its URL.
func newPostgresDB(tb testing.TB) string {
	tb.Helper()
	admin := postgresAdminURL(tb)
	name := fmt.Sprintf("wfq_%d_%d", os.Getpid(), pg.dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		tb.Fatalf("connect to postgres: %v", err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("create database %s: %v", name, err)
	}
	tb.Cleanup(func() { // registered before the queue's Close, so runs after it
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			tb.Errorf("connect to postgres: %v", err)
			return
		}
		defer func() { _ = conn.Close(context.Background()) }()
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("parse admin URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
