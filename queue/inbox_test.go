package queue

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river/rivertype"
	"github.com/rs/zerolog"
)

// TestInbox runs the inbox suite (Accept, the drainer, crashes around the drain) on every backend.
func TestInbox(t *testing.T) {
	suite := []struct {
		name string
		slow bool
		run  func(t *testing.T, newURL func(testing.TB) string)
	}{
		{name: "DedupeBeforeAndAfterDrain", run: testAcceptDedupe},
		{name: "DuplicateJobThroughDrain", run: testAcceptDuplicateJob},
		{name: "SupersedeThroughDrainer", run: testAcceptSupersede},
		{name: "OrderPerPullRequest", run: testAcceptOrder},
		{name: "ConcurrentAccept", run: testConcurrentAccept},
		{name: "DrainAfterRestart", run: testDrainAfterRestart},
		{name: "ImportsRecordedDeliveries", run: testInboxImportsDeliveries},
		{name: "WorkerRunsAcceptedJob", run: testAcceptedJobRuns},
		{name: "PruneKeepsUndrained", run: testPruneInbox},
		{name: "KillBetweenCommitAndDrain", slow: true, run: func(t *testing.T, newURL func(testing.TB) string) {
			testKillAroundDrain(t, newURL, drainStageBefore)
		}},
		{name: "KillInsideDrain", slow: true, run: func(t *testing.T, newURL func(testing.TB) string) {
			testKillAroundDrain(t, newURL, drainStageInTx)
		}},
		{name: "KillAfterDrainCommit", slow: true, run: func(t *testing.T, newURL func(testing.TB) string) {
			testKillAroundDrain(t, newURL, drainStageCommitted)
		}},
	}
	for _, b := range testBackends() {
		t.Run(b.name, func(t *testing.T) {
			if b.name == "postgres" {
				postgresAdminURL(t)
			}
			for _, tc := range suite {
				t.Run(tc.name, func(t *testing.T) {
					if tc.slow && testing.Short() {
						t.Skip("starts processes")
					}
					tc.run(t, b.newURL)
				})
			}
		})
	}
}

// drainGate holds the background drainer before its next transaction while held.
type drainGate struct {
	mu   sync.Mutex
	held chan struct{}
	// waiting is closed when the drainer blocks on the gate (hold returns it).
	waiting chan struct{}
}

// hold holds the drainer before its next transaction; the returned channel is closed once it
// waits there.
func (g *drainGate) hold() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.held, g.waiting = make(chan struct{}), make(chan struct{})
	return g.waiting
}

func (g *drainGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held != nil {
		close(g.held)
		g.held = nil
	}
}

func (g *drainGate) hook(stage string) {
	if stage != drainStageBefore {
		return
	}
	g.mu.Lock()
	held, waiting := g.held, g.waiting
	if held != nil && waiting != nil {
		close(waiting)
		g.waiting = nil
	}
	g.mu.Unlock()
	if held != nil {
		<-held
	}
}

// openGated opens a queue whose drainer the returned gate can hold (released at the end).
func openGated(t *testing.T, dbURL string) (*Queue, *drainGate) {
	q, g, _ := openGatedWithMetrics(t, dbURL)
	return q, g
}

func openGatedWithMetrics(t *testing.T, dbURL string) (*Queue, *drainGate, *prometheus.Registry) {
	t.Helper()
	g := &drainGate{}
	reg := prometheus.NewRegistry()
	cfg := testConfig(t, dbURL)
	cfg.testDrainHook = g.hook
	cfg.Registerer = reg
	q := openTestQueue(t, cfg, noopHandler)
	t.Cleanup(g.release) // runs before the queue's Close
	return q, g, reg
}

func mustAccept(tb testing.TB, q *Queue, job ReviewArgs) AcceptResult {
	tb.Helper()
	res, err := q.Accept(context.Background(), job)
	if err != nil {
		tb.Fatalf("Accept(%+v): %v", job, err)
	}
	return res
}

// drainNow drains what the inbox holds from the test's goroutine (after any pass in progress).
func drainNow(tb testing.TB, q *Queue) {
	tb.Helper()
	if !q.drain.pass(context.Background()) {
		tb.Fatalf("drain pass failed")
	}
}

// jobsByDelivery maps delivery ids to the River jobs carrying them.
func jobsByDelivery(tb testing.TB, q *Queue) map[string][]*rivertype.JobRow {
	tb.Helper()
	out := map[string][]*rivertype.JobRow{}
	for _, row := range jobsByID(tb, q) {
		var a ReviewArgs
		if err := unmarshalArgs(row, &a); err != nil {
			tb.Fatal(err)
		}
		out[a.DeliveryID] = append(out[a.DeliveryID], row)
	}
	return out
}

func testAcceptDedupe(t *testing.T, newURL func(testing.TB) string) {
	q, gate := openGated(t, newURL(t))
	waiting := gate.hold()
	job := autoJob(1, "sha-1", "d-1")
	if res := mustAccept(t, q, job); res.Duplicate {
		t.Fatalf("first Accept = %+v, want new", res)
	}
	<-waiting // the drainer was woken and waits: d-1 is in the inbox, not in River
	if res := mustAccept(t, q, job); !res.Duplicate {
		t.Fatalf("redelivery before the drain = %+v, want duplicate", res)
	}
	if n := len(jobsByID(t, q)); n != 0 {
		t.Fatalf("%d River jobs while the drainer is held, want 0", n)
	}
	gate.release()
	drainNow(t, q)
	if res := mustAccept(t, q, job); !res.Duplicate {
		t.Fatalf("redelivery after the drain = %+v, want duplicate", res)
	}
	other := job
	other.DeliveryID = "d-1-other-sha"
	other.HeadSHA = "sha-2"
	if res := mustAccept(t, q, other); res.Duplicate {
		t.Fatalf("another delivery = %+v, want new", res)
	}
	drainNow(t, q)
	byDelivery := jobsByDelivery(t, q)
	if len(byDelivery["d-1"]) != 1 || len(byDelivery["d-1-other-sha"]) != 1 || len(byDelivery) != 2 {
		t.Fatalf("jobs by delivery = %v, want one job for each of d-1 and d-1-other-sha", byDeliveryCounts(byDelivery))
	}
	if err := q.eng.flushInbox(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, err := q.eng.undrained(context.Background()); err != nil || n != 0 {
		t.Fatalf("undrained rows = %d, %v; want 0", n, err)
	}
}

func unmarshalArgs(row *rivertype.JobRow, a *ReviewArgs) error {
	if err := json.Unmarshal(row.EncodedArgs, a); err != nil {
		return fmt.Errorf("decode args of job %d: %w", row.ID, err)
	}
	return nil
}

func byDeliveryCounts(m map[string][]*rivertype.JobRow) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[k] = len(v)
	}
	return out
}

func testAcceptDuplicateJob(t *testing.T, newURL func(testing.TB) string) {
	q, _, reg := openGatedWithMetrics(t, newURL(t))
	a := autoJob(2, "sha-x", "d-a")
	b := autoJob(2, "sha-x", "d-b") // same unique key, another delivery
	for _, j := range []ReviewArgs{a, b} {
		if res := mustAccept(t, q, j); res.Duplicate {
			t.Fatalf("Accept(%s) = %+v: a new delivery id is accepted (the job key is checked by the drain)", j.DeliveryID, res)
		}
	}
	drainNow(t, q)
	jobs := jobsByID(t, q)
	if len(jobs) != 1 {
		t.Fatalf("%d River jobs, want 1 (same unique key)", len(jobs))
	}
	if got := metricValue(t, reg, "wfreview_queue_enqueue_duplicates_total", map[string]string{"reason": ReasonDuplicateJob}); got != 1 {
		t.Fatalf("duplicate_job counter = %v, want 1", got)
	}
}

func testAcceptSupersede(t *testing.T, newURL func(testing.TB) string) {
	q, gate, reg := openGatedWithMetrics(t, newURL(t))

	// Across drain transactions: sha-1 is in River when sha-2 arrives.
	mustAccept(t, q, autoJob(3, "sha-1", "d-3-1"))
	drainNow(t, q)
	mustAccept(t, q, autoJob(3, "sha-2", "d-3-2"))
	drainNow(t, q)

	// In one drain transaction: pushes of PR 4, a comment job on it, and PR 5 left alone.
	waiting := gate.hold()
	mustAccept(t, q, autoJob(4, "sha-a", "d-4-a"))
	<-waiting
	mustAccept(t, q, commentJob(4, "", "d-4-c", 77))
	mustAccept(t, q, autoJob(4, "sha-b", "d-4-b"))
	mustAccept(t, q, autoJob(5, "sha-z", "d-5-z"))
	mustAccept(t, q, autoJob(4, "sha-c", "d-4-c2"))
	gate.release()
	drainNow(t, q)

	want := map[string]rivertype.JobState{
		"d-3-1": rivertype.JobStateCancelled, "d-3-2": rivertype.JobStateAvailable,
		"d-4-a": rivertype.JobStateCancelled, "d-4-b": rivertype.JobStateCancelled, "d-4-c2": rivertype.JobStateAvailable,
		"d-4-c": rivertype.JobStateAvailable, "d-5-z": rivertype.JobStateAvailable,
	}
	got := map[string]rivertype.JobState{}
	for id, rows := range jobsByDelivery(t, q) {
		if len(rows) != 1 {
			t.Fatalf("delivery %s has %d jobs, want 1", id, len(rows))
		}
		got[id] = rows[0].State
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("job states by delivery:\n got  %v\n want %v", got, want)
	}
	if n := metricValue(t, reg, "wfreview_queue_jobs_superseded_total", nil); n != 3 {
		t.Fatalf("superseded counter = %v, want 3", n)
	}
}

// testAcceptOrder: the drainer inserts a pull request's jobs in the order they were accepted.
func testAcceptOrder(t *testing.T, newURL func(testing.TB) string) {
	q, gate := openGated(t, newURL(t))
	waiting := gate.hold()
	var order []string
	for i := range 12 {
		j := commentJob(6+i%3, "", fmt.Sprintf("d-o-%02d", i), int64(100+i)) // comment jobs: none superseded
		mustAccept(t, q, j)
		order = append(order, j.DeliveryID)
		if i == 3 {
			<-waiting
		}
	}
	gate.release()
	drainNow(t, q)
	byDelivery := jobsByDelivery(t, q)
	last := map[int]int64{} // pull request -> id of its last job
	for _, d := range order {
		rows := byDelivery[d]
		if len(rows) != 1 {
			t.Fatalf("delivery %s has %d jobs, want 1", d, len(rows))
		}
		var a ReviewArgs
		if err := unmarshalArgs(rows[0], &a); err != nil {
			t.Fatal(err)
		}
		if rows[0].ID <= last[a.Number] {
			t.Fatalf("delivery %s (PR %d) is job %d, after job %d of the same pull request accepted before it", d, a.Number, rows[0].ID, last[a.Number])
		}
		last[a.Number] = rows[0].ID
	}
}

func testConcurrentAccept(t *testing.T, newURL func(testing.TB) string) {
	q, _ := openGated(t, newURL(t))
	const n = 120
	var wg sync.WaitGroup
	var dups atomic.Int64
	errs := make(chan error, 2*n)
	for i := range n {
		for range 2 { // every delivery twice, concurrently: one accepted, one duplicate
			wg.Go(func() {
				res, err := q.Accept(context.Background(), autoJob(10+i%7, fmt.Sprintf("sha-%d", i), fmt.Sprintf("d-c-%d", i)))
				if err != nil {
					errs <- err
				} else if res.Duplicate {
					dups.Add(1)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if dups.Load() != n {
		t.Fatalf("%d duplicates, want %d", dups.Load(), n)
	}
	drainNow(t, q)
	byDelivery := jobsByDelivery(t, q)
	if len(byDelivery) != n {
		t.Fatalf("%d deliveries have jobs, want %d", len(byDelivery), n)
	}
	for d, rows := range byDelivery {
		if len(rows) != 1 {
			t.Fatalf("delivery %s has %d jobs", d, len(rows))
		}
	}
	if q.accept.transactions.Load() >= 2*n {
		t.Logf("no two accepts shared a transaction (%d transactions)", q.accept.transactions.Load())
	}
}

// testDrainAfterRestart: rows accepted and not drained (the drainer held, then the queue closed
// without its last pass) are drained by the next Open, before it returns.
func testDrainAfterRestart(t *testing.T, newURL func(testing.TB) string) {
	dbURL := newURL(t)
	g := &drainGate{}
	cfg := testConfig(t, dbURL)
	cfg.testDrainHook = g.hook
	q0, err := Open(context.Background(), cfg, noopHandler)
	if err != nil {
		t.Fatal(err)
	}
	waiting := g.hold()
	for i := range 5 {
		mustAccept(t, q0, autoJob(20+i, "sha", fmt.Sprintf("d-r-%d", i)))
	}
	<-waiting
	// Abandon q0 as a crash would (no Close: that drains); its database handles stay open, which a
	// killed process's would not, but nothing more is written through them.
	q := openTestQueue(t, testConfig(t, dbURL), noopHandler)
	byDelivery := jobsByDelivery(t, q)
	for i := range 5 {
		if rows := byDelivery[fmt.Sprintf("d-r-%d", i)]; len(rows) != 1 {
			t.Fatalf("after Open, delivery d-r-%d has %d jobs, want 1", i, len(rows))
		}
	}
	g.release()
	_ = q0.Close() // its drainer finds nothing left
	if n := len(jobsByID(t, q)); n != 5 {
		t.Fatalf("%d jobs after the first queue's Close, want 5", n)
	}
}

// testInboxImportsDeliveries: a database from before the inbox keeps answering redeliveries of the
// deliveries it recorded as duplicates.
func testInboxImportsDeliveries(t *testing.T, newURL func(testing.TB) string) {
	dbURL := newURL(t)
	q0, err := Open(context.Background(), testConfig(t, dbURL), noopHandler)
	if err != nil {
		t.Fatal(err)
	}
	mustEnqueue(t, q0, autoJob(30, "sha", "d-old")) // the direct path records wfreview_delivery only
	if err := q0.Close(); err != nil {
		t.Fatal(err)
	}
	dropInbox(t, dbURL)
	q := openTestQueue(t, testConfig(t, dbURL), noopHandler)
	if res := mustAccept(t, q, autoJob(30, "sha", "d-old")); !res.Duplicate {
		t.Fatalf("redelivery of a delivery recorded before the inbox = %+v, want duplicate", res)
	}
}

// dropInbox makes dbURL look like a database from before the inbox.
func dropInbox(t *testing.T, dbURL string) {
	t.Helper()
	spec, err := parseDatabaseURL(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if spec.kind == backendSQLite {
		name, _, _ := strings.Cut(dbURL, "?")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(name + sqliteInboxSuffix + suffix); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
		}
		return
	}
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	if _, err := conn.Exec(context.Background(), `DROP TABLE wfreview_inbox`); err != nil {
		t.Fatal(err)
	}
}

// testAcceptedJobRuns: workers run an accepted job as any other.
func testAcceptedJobRuns(t *testing.T, newURL func(testing.TB) string) {
	rec := newRecorder(nil)
	q := openTestQueue(t, testConfig(t, newURL(t)), rec.handle)
	mustStart(t, q)
	job := autoJob(40, "sha-run", "d-run")
	mustAccept(t, q, job)
	calls := rec.waitCalls(t, 1, 30*time.Second)
	if calls[0].job.DeliveryID != "d-run" || calls[0].attempt != 1 {
		t.Fatalf("handler got %+v", calls)
	}
}

// testPruneInbox: pruning deletes old drained rows (their ids are forgotten) and never an
// undrained one.
func testPruneInbox(t *testing.T, newURL func(testing.TB) string) {
	q, gate := openGated(t, newURL(t))
	mustAccept(t, q, autoJob(50, "sha", "d-p-drained"))
	drainNow(t, q)
	if err := q.eng.flushInbox(context.Background()); err != nil {
		t.Fatal(err)
	}
	waiting := gate.hold()
	mustAccept(t, q, autoJob(51, "sha", "d-p-waiting"))
	<-waiting
	if _, err := q.eng.pruneDeliveries(context.Background(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := q.eng.undrained(context.Background()); err != nil || n != 1 {
		t.Fatalf("undrained rows after prune = %d, %v; want 1", n, err)
	}
	if res := mustAccept(t, q, autoJob(50, "sha", "d-p-drained")); res.Duplicate {
		t.Fatalf("a pruned delivery id is forgotten; got %+v", res)
	}
	gate.release()
	drainNow(t, q)
	byDelivery := jobsByDelivery(t, q)
	if len(byDelivery["d-p-waiting"]) != 1 || len(byDelivery["d-p-drained"]) != 1 {
		t.Fatalf("jobs by delivery = %v", byDeliveryCounts(byDelivery))
	}
}

// ---- kill -9 around the drain ----

const envInboxAccept = "WFREVIEW_QUEUE_TEST_INBOX_ACCEPT" // deliveries the inbox helper accepts

// runInboxHelper is the child of testKillAroundDrain: it accepts deliveries, prints "ACCEPTED",
// and blocks its drainer for good at stage (printing "AT <stage>") until it is killed.
func runInboxHelper(stage, dbURL string) int {
	n, _ := strconv.Atoi(os.Getenv(envInboxAccept))
	var armed atomic.Bool
	q, err := Open(context.Background(), Config{
		DatabaseURL:  dbURL,
		PollInterval: 50 * time.Millisecond,
		Log:          zerolog.New(os.Stderr).Level(zerolog.WarnLevel),
		testOnly:     true,
		testDrainHook: func(s string) {
			if s == stage && armed.Load() {
				fmt.Printf("AT %s\n", s)
				select {} // until killed
			}
		},
	}, noopHandler)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	armed.Store(true)
	for i := range n {
		if _, err := q.Accept(context.Background(), inboxHelperJob(i)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	fmt.Println("ACCEPTED")
	select {}
}

func inboxHelperJob(i int) ReviewArgs {
	return autoJob(60+i%5, fmt.Sprintf("sha-k-%d", i), fmt.Sprintf("d-k-%d", i))
}

// testKillAroundDrain kills (SIGKILL) a process that accepted deliveries while its drainer is at
// stage, then opens the database again: every accepted delivery has exactly one River job.
func testKillAroundDrain(t *testing.T, newURL func(testing.TB) string, stage string) {
	dbURL := newURL(t)
	const n = 40
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envHelper+"=inbox:"+stage, envHelperDB+"="+dbURL, envInboxAccept+"="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan string, 4)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	seen := map[string]bool{}
	deadline := time.After(60 * time.Second)
	for !seen["ACCEPTED"] || !seen["AT "+stage] {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("helper exited; saw %v", seen)
			}
			seen[l] = true
		case <-deadline:
			t.Fatalf("helper did not accept and reach %s within 60s; saw %v", stage, seen)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	q := openTestQueue(t, testConfig(t, dbURL), noopHandler) // drains what is left before returning
	byDelivery := jobsByDelivery(t, q)
	for i := range n {
		d := inboxHelperJob(i).DeliveryID
		if len(byDelivery[d]) != 1 {
			t.Errorf("delivery %s has %d River jobs after the restart, want exactly 1", d, len(byDelivery[d]))
		}
	}
	if len(byDelivery) != n {
		t.Errorf("%d deliveries have jobs, want %d", len(byDelivery), n)
	}
	if err := q.eng.flushInbox(context.Background()); err != nil {
		t.Fatal(err)
	}
	if left, err := q.eng.undrained(context.Background()); err != nil || left != 0 {
		t.Fatalf("undrained inbox rows after the restart = %d, %v; want 0", left, err)
	}
}

// TestInboxCheckpointsWhenQuiet: on SQLite the accept transactions never checkpoint the inbox's
// WAL at SQLite's default of 1000 frames (that commit would copy the WAL into the file and fsync
// twice more, the acknowledgements' p99 under a burst); the drainer checkpoints once the inbox is
// quiet: after a drain pass, no accept for drainFlushDelay.
func TestInboxCheckpointsWhenQuiet(t *testing.T) {
	dbURL := filepath.Join(t.TempDir(), "wfreview.db")
	q, gate := openGated(t, dbURL)
	inbox := q.eng.(*riverEngine[*sql.Tx]).inbox.(*sqliteInbox)
	var frames int
	if err := inbox.db.QueryRow(`PRAGMA wal_autocheckpoint`).Scan(&frames); err != nil || frames != sqliteInboxAutoCheckpoint {
		t.Fatalf("inbox wal_autocheckpoint = %d, %v; want %d", frames, err, sqliteInboxAutoCheckpoint)
	}
	inFile := func(id string) bool {
		b, err := os.ReadFile(dbURL + sqliteInboxSuffix)
		if err != nil {
			t.Fatal(err)
		}
		return bytes.Contains(b, []byte(id))
	}

	waiting := gate.hold()
	mustAccept(t, q, autoJob(60, "sha-ckpt", "d-ckpt"))
	<-waiting // the drainer woke up and waits before its transaction: nothing drained, nothing marked
	time.Sleep(2 * drainFlushDelay)
	if inFile("d-ckpt") {
		t.Fatal("the accepted row is in the inbox file before any drain: something checkpointed during accept")
	}
	gate.release()
	deadline := time.Now().Add(10 * time.Second)
	for !inFile("d-ckpt") {
		if time.Now().After(deadline) {
			t.Fatal("the inbox WAL was not checkpointed after the drain went quiet")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(jobsByDelivery(t, q)["d-ckpt"]) != 1 {
		t.Fatalf("jobs by delivery = %v", byDeliveryCounts(jobsByDelivery(t, q)))
	}
	if q.eng.inboxMarksPending() {
		t.Fatal("marks still pending after the quiet flush")
	}
}
