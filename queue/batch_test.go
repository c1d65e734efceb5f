package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/rivertype"
)

// TestGroupCommit runs the group-commit suite on every backend.
func TestGroupCommit(t *testing.T) {
	suite := []struct {
		name string
		run  func(t *testing.T, dbURL string)
	}{
		{"ConcurrentCallsShareATransaction", testConcurrentCallsShareATransaction},
		{"BatchSameAsOneTransactionEach", testBatchSameAsOneTransactionEach},
		{"BadDeliveryFailsAlone", testBadDeliveryFailsAlone},
		{"CallerCancelledWhileWaiting", testCallerCancelledWhileWaiting},
		{"CallerCancelledInTransaction", testCallerCancelledInTransaction},
		{"CloseCommitsWaitingJobs", testCloseCommitsWaitingJobs},
		{"CancelLikeRiver", testCancelLikeRiver},
	}
	for _, b := range testBackends() {
		t.Run(b.name, func(t *testing.T) {
			if b.name == "postgres" {
				postgresAdminURL(t) // skips the whole group if there is no server
			}
			for _, tc := range suite {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, b.newURL(t)) })
			}
		})
	}
}

func noopHandler(context.Context, ReviewArgs, int) error { return nil }

// gate holds the first batch transaction open (inside it, after its jobs were taken) until
// released, so that the jobs enqueued meanwhile form the next batch.
type gate struct {
	entered chan []ReviewArgs
	release chan struct{}
	once    sync.Once
}

func holdFirstBatch(q *Queue) *gate {
	g := &gate{entered: make(chan []ReviewArgs, 1), release: make(chan struct{})}
	first := true
	q.batch.testHookTaken = func(jobs []ReviewArgs) { // only the committer goroutine calls it
		if first {
			first = false
			g.entered <- jobs
			<-g.release
		}
	}
	return g
}

func (g *gate) open() { g.once.Do(func() { close(g.release) }) }

// waitEntered waits until the held batch is inside its transaction and returns its jobs.
func (g *gate) waitEntered(tb testing.TB) []ReviewArgs {
	tb.Helper()
	select {
	case jobs := <-g.entered:
		return jobs
	case <-time.After(10 * time.Second):
		tb.Fatal("the first batch did not start")
		return nil
	}
}

func waitWaiting(tb testing.TB, q *Queue, n int) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for q.batch.waiting() < n {
		if time.Now().After(deadline) {
			tb.Fatalf("%d jobs waiting, want %d", q.batch.waiting(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

type enqueueOutcome struct {
	res EnqueueResult
	err error
	// committed: the job (or the duplicate's job) was visible on another connection when Enqueue returned.
	committed bool
}

// committedReader tells, on its own connection, whether a job id is committed.
type committedReader func(tb testing.TB, id int64) bool

func newCommittedReader(tb testing.TB, dbURL string) committedReader {
	tb.Helper()
	ctx := context.Background()
	if strings.HasPrefix(dbURL, "postgres") {
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			tb.Fatalf("connect: %v", err)
		}
		var mu sync.Mutex
		tb.Cleanup(func() { _ = conn.Close(context.Background()) })
		return func(tb testing.TB, id int64) bool {
			mu.Lock()
			defer mu.Unlock()
			var n int
			if err := conn.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE id = $1`, id).Scan(&n); err != nil {
				tb.Errorf("read job %d: %v", id, err)
			}
			return n == 1
		}
	}
	db, err := sql.Open("sqlite", dbURL+"?_pragma=busy_timeout(10000)")
	if err != nil {
		tb.Fatalf("open reader: %v", err)
	}
	db.SetMaxOpenConns(1)
	tb.Cleanup(func() { _ = db.Close() })
	return func(tb testing.TB, id int64) bool {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE id = ?`, id).Scan(&n); err != nil {
			tb.Errorf("read job %d: %v", id, err)
		}
		return n == 1
	}
}

// testConcurrentCallsShareATransaction: jobs enqueued while a batch commits land together in the
// next transaction, and every Enqueue returns only once its job is visible to other connections.
func testConcurrentCallsShareATransaction(t *testing.T, dbURL string) {
	q := openTestQueue(t, testConfig(t, dbURL), noopHandler)
	committed := newCommittedReader(t, dbURL)
	g := holdFirstBatch(q)
	defer g.open()

	const n = 7
	out := make([]enqueueOutcome, n+1)
	var returned sync.WaitGroup
	enqueue := func(i int, job ReviewArgs) {
		returned.Go(func() {
			res, err := q.Enqueue(context.Background(), job)
			out[i] = enqueueOutcome{res: res, err: err, committed: err == nil && committed(t, res.JobID)}
		})
	}
	enqueue(0, autoJob(100, "sha-first", "d-first"))
	g.waitEntered(t)
	for i := 1; i <= n; i++ {
		enqueue(i, autoJob(100+i, fmt.Sprintf("sha-%d", i), fmt.Sprintf("d-%d", i)))
	}
	waitWaiting(t, q, n)
	time.Sleep(20 * time.Millisecond)
	for i, o := range out { // nobody may have returned while the first transaction is open
		if o != (enqueueOutcome{}) {
			t.Fatalf("Enqueue %d returned %+v before its transaction committed", i, o)
		}
	}
	g.open()
	returned.Wait()

	ids := map[int64]bool{}
	for i, o := range out {
		if o.err != nil || o.res.Duplicate || o.res.JobID == 0 {
			t.Errorf("Enqueue %d = %+v, %v; want a new job", i, o.res, o.err)
		}
		if !o.committed {
			t.Errorf("Enqueue %d returned before job %d was visible on another connection", i, o.res.JobID)
		}
		ids[o.res.JobID] = true
	}
	if len(ids) != n+1 {
		t.Errorf("%d distinct job ids, want %d", len(ids), n+1)
	}
	if got := q.batch.transactions.Load(); got != 2 {
		t.Errorf("%d enqueues took %d transactions, want 2 (the held one, then all the others)", n+1, got)
	}
	if got := q.batch.fallbacks.Load(); got != 0 {
		t.Errorf("%d fallbacks, want 0", got)
	}
}

// testBatchSameAsOneTransactionEach runs one sequence of deliveries as one batch and, on another
// database, one transaction each (the path used before group commit, and the fallback): results
// and final job states must be the same, and they are checked against the expected ones too.
func testBatchSameAsOneTransactionEach(t *testing.T, dbURL string) {
	ctx := context.Background()
	mixedCase := autoJob(1, "sha3", "d8")
	mixedCase.Owner, mixedCase.Repo = "Octo-Org", "Hello.World"
	seed := []ReviewArgs{
		autoJob(1, "sha-old", "d-seed-1"), // a queued push the batch supersedes
		autoJob(2, "sha-x", "d-seed-2"),   // holds a key a delivery repeats
	}
	type result struct {
		Job        string // "" none, "new", "step N" or "seed N": the job a duplicate found
		Duplicate  bool
		Reason     string
		Superseded int
	}
	dupJob := func(of string) result { return result{Job: of, Duplicate: true, Reason: ReasonDuplicateJob} }
	dupDelivery := result{Duplicate: true, Reason: ReasonDuplicateDelivery}
	steps := []struct {
		name string
		job  ReviewArgs
		want result
	}{
		{"push sha1 supersedes the seeded push", autoJob(1, "sha1", "d1"), result{Job: "new", Superseded: 1}},
		{"same delivery id again in the batch", autoJob(3, "shaA", "d1"), dupDelivery},
		{"same key as step 0, other delivery", autoJob(1, "sha1", "d2"), dupJob("step 0")},
		{"push sha2 supersedes step 0", autoJob(1, "sha2", "d3"), result{Job: "new", Superseded: 1}},
		{"back to sha1: step 0 was cancelled, a new job", autoJob(1, "sha1", "d4"), result{Job: "new", Superseded: 1}},
		{"a comment is never superseded", commentJob(1, "sha1", "d5", 77), result{Job: "new"}},
		{"key of a seeded job", autoJob(2, "sha-x", "d6"), dupJob("seed 1")},
		{"delivery id recorded before", autoJob(2, "sha-y", "d-seed-1"), dupDelivery},
		{"another pull request", autoJob(4, "shaZ", "d7"), result{Job: "new"}},
		{"same pull request in other case supersedes step 4", mixedCase, result{Job: "new", Superseded: 1}},
	}
	jobs := make([]ReviewArgs, len(steps))
	for i, s := range steps {
		jobs[i] = s.job
	}

	// run seeds a database, runs the steps batched or one transaction each, and returns the results
	// and the final job states with job ids replaced by what they are, so that two databases compare.
	run := func(dbURL string, batched bool) ([]result, map[string]rivertype.JobState) {
		q := openTestQueue(t, testConfig(t, dbURL), noopHandler)
		name := map[int64]string{}
		for n, j := range seed {
			name[mustEnqueue(t, q, j).JobID] = fmt.Sprintf("seed %d", n)
		}
		var raw []EnqueueResult
		if batched {
			res, err := q.eng.enqueueBatch(ctx, func() []ReviewArgs { return jobs }, time.Now())
			if err != nil {
				t.Fatalf("enqueueBatch: %v", err)
			}
			raw = res
		} else {
			for _, j := range jobs {
				res, err := q.eng.enqueue(ctx, j, time.Now())
				if err != nil {
					t.Fatalf("enqueue: %v", err)
				}
				raw = append(raw, res)
			}
		}
		out := make([]result, len(raw))
		for i, r := range raw {
			out[i] = result{Duplicate: r.Duplicate, Reason: r.Reason, Superseded: r.Superseded}
			switch {
			case r.JobID == 0:
			case r.Duplicate:
				out[i].Job = name[r.JobID]
			default:
				out[i].Job = "new"
				name[r.JobID] = fmt.Sprintf("step %d", i)
			}
		}
		final := map[string]rivertype.JobState{}
		for id, row := range jobsByID(t, q) {
			final[name[id]] = row.State
		}
		return out, final
	}

	gotRes, gotFinal := run(dbURL, true)
	wantRes, wantFinal := run(newDBLike(t, dbURL), false)
	for i, s := range steps {
		if gotRes[i] != s.want {
			t.Errorf("batched step %d (%s) = %+v, want %+v", i, s.name, gotRes[i], s.want)
		}
		if wantRes[i] != s.want {
			t.Errorf("one transaction each, step %d (%s) = %+v, want %+v", i, s.name, wantRes[i], s.want)
		}
	}
	if !reflect.DeepEqual(gotFinal, wantFinal) {
		t.Errorf("final job states batched = %v, one transaction each = %v", gotFinal, wantFinal)
	}
	cancelled := []string{"seed 0", "step 0", "step 3", "step 4"}
	for name, st := range gotFinal {
		if want := slices.Contains(cancelled, name); want != (st == rivertype.JobStateCancelled) {
			t.Errorf("%s is %s; want cancelled = %v (all: %v)", name, st, want, gotFinal)
		}
	}
	if len(gotFinal) != 2+6 {
		t.Errorf("%d jobs, want 8: %v", len(gotFinal), gotFinal)
	}
}

// newDBLike returns a fresh database of the backend of dbURL.
func newDBLike(t *testing.T, dbURL string) string {
	if strings.HasPrefix(dbURL, "postgres") {
		return newPostgresDB(t)
	}
	return t.TempDir() + "/other.db"
}

// failJobsWithHead makes the database refuse (a trigger) the insertion of any job whose head SHA is
// sha: a constraint failure inside the batch transaction.
func failJobsWithHead(t *testing.T, dbURL, sha string) (drop func()) {
	t.Helper()
	ctx := context.Background()
	if strings.HasPrefix(dbURL, "postgres") {
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = conn.Close(ctx) }()
		if _, err := conn.Exec(ctx, fmt.Sprintf(`CREATE FUNCTION wf_test_refuse() RETURNS trigger AS $$
BEGIN
	IF NEW.args->>'head_sha' = '%s' THEN RAISE EXCEPTION 'refused by test trigger'; END IF;
	RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER wf_test_refuse BEFORE INSERT ON river_job FOR EACH ROW EXECUTE FUNCTION wf_test_refuse();`, sha)); err != nil {
			t.Fatalf("create trigger: %v", err)
		}
		return func() {
			conn, err := pgx.Connect(ctx, dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = conn.Close(ctx) }()
			if _, err := conn.Exec(ctx, `DROP TRIGGER wf_test_refuse ON river_job`); err != nil {
				t.Fatalf("drop trigger: %v", err)
			}
		}
	}
	db, err := sql.Open("sqlite", dbURL+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.ExecContext(ctx, fmt.Sprintf(`CREATE TRIGGER wf_test_refuse BEFORE INSERT ON river_job
WHEN json_extract(NEW.args, '$.head_sha') = '%s' BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END`, sha)); err != nil {
		t.Fatalf("create trigger: %v", err)
	}
	return func() {
		if _, err := db.ExecContext(ctx, `DROP TRIGGER wf_test_refuse`); err != nil {
			t.Fatalf("drop trigger: %v", err)
		}
	}
}

// testBadDeliveryFailsAlone: in one batch, a job the database refuses and a job that fails
// validation fail alone; the others are queued; the refused delivery is not recorded, so its
// redelivery is queued once the database accepts it.
func testBadDeliveryFailsAlone(t *testing.T, dbURL string) {
	q := openTestQueue(t, testConfig(t, dbURL), noopHandler)
	drop := failJobsWithHead(t, dbURL, "sha-bad")
	g := holdFirstBatch(q)
	defer g.open()

	var wg sync.WaitGroup
	wg.Go(func() { mustEnqueue(t, q, autoJob(200, "sha-first", "d-first")) })
	g.waitEntered(t)

	bad := autoJob(201, "sha-bad", "d-bad")
	invalid := autoJob(202, "sha-invalid", "")
	good := []ReviewArgs{autoJob(203, "sha-good-1", "d-good-1"), autoJob(204, "sha-good-2", "d-good-2")}
	var mu sync.Mutex
	errs := map[string]error{}
	results := map[string]EnqueueResult{}
	enqueue := func(name string, job ReviewArgs) {
		wg.Go(func() {
			res, err := q.Enqueue(context.Background(), job)
			mu.Lock()
			errs[name], results[name] = err, res
			mu.Unlock()
		})
	}
	enqueue("good-1", good[0])
	waitWaiting(t, q, 1)
	enqueue("bad", bad)
	waitWaiting(t, q, 2)
	enqueue("invalid", invalid) // refused before it reaches the batch
	enqueue("good-2", good[1])
	waitWaiting(t, q, 3)
	g.open()
	wg.Wait()

	if err := errs["bad"]; err == nil || !strings.Contains(err.Error(), "refused by test trigger") {
		t.Errorf("refused job: err = %v, want the trigger's error", err)
	}
	if err := errs["invalid"]; err == nil || !strings.Contains(err.Error(), "delivery_id") {
		t.Errorf("invalid job: err = %v, want a validation error", err)
	}
	for _, name := range []string{"good-1", "good-2"} {
		if errs[name] != nil || results[name].Duplicate || results[name].JobID == 0 {
			t.Errorf("%s: Enqueue = %+v, %v; want a new job", name, results[name], errs[name])
		}
	}
	if got := q.batch.fallbacks.Load(); got != 1 {
		t.Errorf("%d fallbacks, want 1 (the batch with the refused job)", got)
	}
	jobs := jobsByID(t, q)
	if len(jobs) != 3 {
		t.Errorf("%d jobs, want 3 (first, good-1, good-2): %v", len(jobs), jobStates(jobs))
	}

	drop()
	res, err := q.Enqueue(context.Background(), bad)
	if err != nil || res.Duplicate || res.JobID == 0 {
		t.Fatalf("redelivery of the refused job = %+v, %v; want a new job (its delivery id was not recorded)", res, err)
	}
}

// testCallerCancelledWhileWaiting: a caller that gives up before its job was taken leaves nothing.
func testCallerCancelledWhileWaiting(t *testing.T, dbURL string) {
	q := openTestQueue(t, testConfig(t, dbURL), noopHandler)
	g := holdFirstBatch(q)
	defer g.open()
	var wg sync.WaitGroup
	wg.Go(func() { mustEnqueue(t, q, autoJob(300, "sha-first", "d-first")) })
	g.waitEntered(t)

	job := autoJob(301, "sha-gone", "d-gone")
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := q.Enqueue(ctx, job)
		errc <- err
	}()
	waitWaiting(t, q, 1)
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "not queued") {
			t.Fatalf("cancelled Enqueue: err = %v, want context.Canceled and \"not queued\"", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled Enqueue did not return while the transaction was held")
	}
	g.open()
	wg.Wait()
	if jobs := jobsByID(t, q); len(jobs) != 1 {
		t.Fatalf("%d jobs, want only the first one: %v", len(jobs), jobStates(jobs))
	}
	res := mustEnqueue(t, q, job) // GitHub's redelivery
	if res.Duplicate || res.JobID == 0 {
		t.Fatalf("redelivery = %+v; want a new job", res)
	}
}

// testCallerCancelledInTransaction: a caller that gives up after its job was taken into a
// transaction returns at once with an error; the transaction commits the job, and the redelivery
// of the same delivery id is a duplicate: one job, not lost, not doubled.
func testCallerCancelledInTransaction(t *testing.T, dbURL string) {
	q := openTestQueue(t, testConfig(t, dbURL), noopHandler)
	g := holdFirstBatch(q)
	defer g.open()

	job := autoJob(400, "sha-taken", "d-taken")
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := q.Enqueue(ctx, job)
		errc <- err
	}()
	if jobs := g.waitEntered(t); len(jobs) != 1 || jobs[0].DeliveryID != job.DeliveryID {
		t.Fatalf("held batch = %+v, want the cancelled caller's job", jobs)
	}
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "not queued") {
			t.Fatalf("cancelled Enqueue: err = %v, want context.Canceled, outcome unknown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled Enqueue did not return while its transaction was held")
	}
	g.open()
	deadline := time.Now().Add(10 * time.Second)
	for len(jobsByID(t, q)) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	res := mustEnqueue(t, q, job) // GitHub's redelivery, after the 5xx
	if !res.Duplicate || res.Reason != ReasonDuplicateDelivery {
		t.Fatalf("redelivery = %+v; want a duplicate delivery (the abandoned transaction committed)", res)
	}
	if jobs := jobsByID(t, q); len(jobs) != 1 {
		t.Fatalf("%d jobs, want exactly 1: %v", len(jobs), jobStates(jobs))
	}
}

// testCloseCommitsWaitingJobs: Close commits the jobs already handed to the batcher (their callers
// get nil), then Enqueue fails with errQueueClosed.
func testCloseCommitsWaitingJobs(t *testing.T, dbURL string) {
	q, err := Open(context.Background(), testConfig(t, dbURL), noopHandler)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	g := holdFirstBatch(q)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	wg.Go(func() { _, errs[0] = q.Enqueue(context.Background(), autoJob(500, "sha-0", "d-0")) })
	g.waitEntered(t)
	for i := 1; i < 3; i++ {
		wg.Go(func() {
			_, errs[i] = q.Enqueue(context.Background(), autoJob(500+i, fmt.Sprintf("sha-%d", i), fmt.Sprintf("d-%d", i)))
		})
	}
	waitWaiting(t, q, 2)
	closed := make(chan error, 1)
	go func() { closed <- q.Close() }()
	time.Sleep(50 * time.Millisecond) // Close is waiting for the batcher
	g.open()
	wg.Wait()
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("Enqueue %d during Close: %v", i, err)
		}
	}
	if _, err := q.Enqueue(context.Background(), autoJob(509, "sha-9", "d-9")); !errors.Is(err, errQueueClosed) {
		t.Errorf("Enqueue after Close: err = %v, want errQueueClosed", err)
	}

	q2 := openTestQueue(t, testConfig(t, dbURL), noopHandler)
	if jobs := jobsByID(t, q2); len(jobs) != 3 {
		t.Fatalf("%d jobs after reopening, want 3: %v", len(jobs), jobStates(jobs))
	}
}

// testCancelLikeRiver: cancelQueuedMany leaves a queued job as River's JobCancelTx does, and skips
// jobs that are not queued.
func testCancelLikeRiver(t *testing.T, dbURL string) {
	ctx := context.Background()
	q := openTestQueue(t, testConfig(t, dbURL), noopHandler)
	byRiver := mustEnqueue(t, q, autoJob(600, "sha-a", "d-a")).JobID
	byUs := mustEnqueue(t, q, autoJob(601, "sha-b", "d-b")).JobID
	done := mustEnqueue(t, q, autoJob(602, "sha-c", "d-c")).JobID

	e, ok := q.eng.(canceller)
	if !ok {
		t.Fatalf("engine %T has no cancelInTx", q.eng)
	}
	if _, err := e.cancelInTx(ctx, []int64{done}, nil); err != nil { // a cancelled job is not queued any more
		t.Fatalf("cancel: %v", err)
	}
	got, err := e.cancelInTx(ctx, []int64{byRiver}, []int64{byUs, done})
	if err != nil {
		t.Fatalf("cancel: %v", err)
	}
	if !got[byUs] || got[done] {
		t.Errorf("cancelQueuedMany cancelled %v; want %d and not %d (already cancelled)", got, byUs, done)
	}
	jobs := jobsByID(t, q)
	a, b := jobs[byRiver], jobs[byUs]
	for _, row := range []*rivertype.JobRow{a, b} {
		if row.State != rivertype.JobStateCancelled || row.FinalizedAt == nil || !strings.Contains(string(row.Metadata), `"cancel_attempted_at"`) {
			t.Errorf("job %d: state %s, finalized_at %v, metadata %s; want cancelled, set, with cancel_attempted_at", row.ID, row.State, row.FinalizedAt, row.Metadata)
		}
	}
	if d := a.FinalizedAt.Sub(*b.FinalizedAt).Abs(); d > time.Minute {
		t.Errorf("finalized_at %v (River) and %v (ours) differ by %s", a.FinalizedAt, b.FinalizedAt, d)
	}
}

type canceller interface {
	cancelInTx(ctx context.Context, byRiver, byUs []int64) (map[int64]bool, error)
}

// cancelInTx cancels byRiver with River's JobCancelTx and byUs with cancelQueuedMany, in one
// transaction, and returns what cancelQueuedMany cancelled.
func (e *riverEngine[TTx]) cancelInTx(ctx context.Context, byRiver, byUs []int64) (_ map[int64]bool, err error) {
	tx, err := e.ops.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = e.ops.rollback(ctx, tx)
		}
	}()
	for _, id := range byRiver {
		if _, err := e.client.JobCancelTx(ctx, tx, id); err != nil {
			return nil, err
		}
	}
	got := map[int64]bool{}
	if len(byUs) > 0 {
		if got, err = e.cancelQueuedMany(ctx, tx, byUs); err != nil {
			return nil, err
		}
	}
	return got, e.ops.commit(ctx, tx)
}

func TestRounds(t *testing.T) {
	j := func(owner string, number int) ReviewArgs { return ReviewArgs{Owner: owner, Repo: "r", Number: number} }
	tests := []struct {
		name  string
		jobs  []ReviewArgs
		fresh []bool
		want  [][]int
	}{
		{"empty", nil, nil, nil},
		{"distinct pull requests: one round", []ReviewArgs{j("a", 1), j("a", 2), j("b", 1)}, []bool{true, true, true}, [][]int{{0, 1, 2}}},
		{"same pull request: a round each, in order", []ReviewArgs{j("a", 1), j("a", 2), j("A", 1), j("a", 1)}, []bool{true, true, true, true},
			[][]int{{0, 1}, {2}, {3}}},
		{"duplicates skipped", []ReviewArgs{j("a", 1), j("a", 1), j("a", 1)}, []bool{false, true, false}, [][]int{{1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := rounds(tc.jobs, tc.fresh); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("rounds = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMatchRound(t *testing.T) {
	jobs := []ReviewArgs{autoJob(1, "a", "d1"), autoJob(1, "b", "d2"), autoJob(2, "c", "d3"), autoJob(3, "e", "d4")}
	row := func(id int64, a ReviewArgs) *rivertype.JobInsertResult {
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		return &rivertype.JobInsertResult{Job: &rivertype.JobRow{ID: id, EncodedArgs: b}}
	}
	upper := jobs[3]
	upper.Owner, upper.DeliveryID = "OCTO-ORG", "d-older" // an existing job of the same pull request
	round := []int{0, 2, 3}
	tests := []struct {
		name     string
		inserted []*rivertype.JobInsertResult
		wantIDs  []int64
		wantErr  string
	}{
		{"in order", []*rivertype.JobInsertResult{row(10, jobs[0]), row(11, jobs[2]), row(12, jobs[3])}, []int64{10, 11, 12}, ""},
		{"reversed, an existing job", []*rivertype.JobInsertResult{row(12, upper), row(11, jobs[2]), row(10, jobs[0])}, []int64{10, 11, 12}, ""},
		{"too few", []*rivertype.JobInsertResult{row(10, jobs[0])}, nil, "1 results"},
		{"a pull request twice", []*rivertype.JobInsertResult{row(10, jobs[0]), row(11, jobs[1]), row(12, jobs[3])}, nil, "matches no job"},
		{"another pull request", []*rivertype.JobInsertResult{row(10, jobs[0]), row(11, autoJob(9, "x", "x")), row(12, jobs[3])}, nil, "matches no job"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := matchRound(jobs, round, tc.inserted)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("matchRound error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, r := range got {
				ids = append(ids, r.Job.ID)
			}
			if !slices.Equal(ids, tc.wantIDs) {
				t.Fatalf("matched ids = %v, want %v", ids, tc.wantIDs)
			}
		})
	}
}
