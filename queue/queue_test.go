package queue

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river/rivertype"
)

// TestQueue runs the same behavioural suite on every backend: SQLite always,
// PostgreSQL when a server is reachable (see postgresAdminURL).
func TestQueue(t *testing.T) {
	suite := []struct {
		name string
		slow bool // skipped with -short
		run  func(t *testing.T, newURL func(testing.TB) string)
	}{
		{name: "EnqueueRunsHandlerOnce", run: testEnqueueRunsHandlerOnce},
		{name: "DuplicateDelivery", run: testDuplicateDelivery},
		{name: "DuplicateKey", run: testDuplicateKey},
		{name: "Supersede", run: testSupersede},
		{name: "RetryAndPermanent", run: testRetryAndPermanent},
		{name: "DurableAcrossClose", run: testDurableAcrossClose},
		{name: "RescueAfterKill", slow: true, run: testRescueAfterKill},
		{name: "GracefulStop", run: testGracefulStop},
		{name: "ConcurrentEnqueue", run: testConcurrentEnqueue},
		{name: "Metrics", run: testMetrics},
		{name: "PruneDeliveries", run: testPruneDeliveries},
		{name: "PingAndClose", run: testPingAndClose},
	}
	for _, b := range testBackends() {
		t.Run(b.name, func(t *testing.T) {
			if b.name == "postgres" {
				postgresAdminURL(t) // skips the whole group if there is no server
			}
			for _, tc := range suite {
				t.Run(tc.name, func(t *testing.T) {
					if tc.slow && testing.Short() {
						t.Skip("slow test skipped with -short")
					}
					tc.run(t, b.newURL)
				})
			}
		})
	}
}

func testEnqueueRunsHandlerOnce(t *testing.T, newURL func(testing.TB) string) {
	rec := newRecorder(nil)
	q := openTestQueue(t, testConfig(t, newURL(t)), rec.handle)

	job := commentJob(7, "0123456789abcdef0123456789abcdef01234567", "delivery-1", 991)
	job.Checks = []string{"secrets", "deps"}
	res := mustEnqueue(t, q, job)
	if res.Duplicate || res.JobID == 0 || res.Superseded != 0 || res.Reason != "" {
		t.Fatalf("Enqueue = %+v, want a new job", res)
	}
	if calls := rec.snapshot(); len(calls) != 0 {
		t.Fatalf("handler ran before Start: %+v", calls)
	}

	mustStart(t, q)
	calls := rec.waitCalls(t, 1, 15*time.Second)
	if !reflect.DeepEqual(calls[0].job, job) || calls[0].attempt != 1 {
		t.Fatalf("handler got (%+v, attempt %d), want (%+v, attempt 1)", calls[0].job, calls[0].attempt, job)
	}
	row := waitJobState(t, q, res.JobID, 10*time.Second, rivertype.JobStateCompleted)
	if row.Attempt != 1 {
		t.Fatalf("completed job attempt = %d, want 1", row.Attempt)
	}
	time.Sleep(500 * time.Millisecond)
	if n := len(rec.snapshot()); n != 1 {
		t.Fatalf("handler ran %d times, want 1", n)
	}
}

func testDuplicateDelivery(t *testing.T, newURL func(testing.TB) string) {
	rec := newRecorder(nil)
	q := openTestQueue(t, testConfig(t, newURL(t)), rec.handle)

	first := mustEnqueue(t, q, autoJob(1, "sha-a", "delivery-1"))
	if first.Duplicate {
		t.Fatalf("first Enqueue = %+v, want new job", first)
	}
	tests := []struct {
		name string
		job  ReviewArgs
	}{
		{"identical redelivery", autoJob(1, "sha-a", "delivery-1")},
		// Even a different payload under the same delivery id inserts nothing
		// and supersedes nothing.
		{"same delivery id, other head", autoJob(1, "sha-b", "delivery-1")},
		{"same delivery id, other PR", autoJob(2, "sha-c", "delivery-1")},
	}
	for _, tc := range tests {
		res := mustEnqueue(t, q, tc.job)
		want := EnqueueResult{Duplicate: true, Reason: ReasonDuplicateDelivery}
		if res != want {
			t.Errorf("%s: Enqueue = %+v, want %+v", tc.name, res, want)
		}
	}
	if jobs := jobsByID(t, q); len(jobs) != 1 || jobs[first.JobID].State != rivertype.JobStateAvailable {
		t.Fatalf("jobs after duplicates = %v, want only job %d available", jobStates(jobs), first.JobID)
	}

	mustStart(t, q)
	rec.waitCalls(t, 1, 15*time.Second)
	waitJobState(t, q, first.JobID, 10*time.Second, rivertype.JobStateCompleted)
	time.Sleep(500 * time.Millisecond)
	if calls := rec.snapshot(); len(calls) != 1 || calls[0].job.HeadSHA != "sha-a" {
		t.Fatalf("handler calls = %+v, want one call for sha-a", calls)
	}
}

func testDuplicateKey(t *testing.T, newURL func(testing.TB) string) {
	rec := newRecorder(nil)
	q := openTestQueue(t, testConfig(t, newURL(t)), rec.handle)

	base := autoJob(3, "sha-k", "d-base")
	first := mustEnqueue(t, q, base)

	variant := func(f func(*ReviewArgs)) ReviewArgs {
		j := base
		f(&j)
		return j
	}
	tests := []struct {
		name      string
		job       ReviewArgs
		duplicate bool
	}{
		{"other delivery id", variant(func(j *ReviewArgs) { j.DeliveryID = "d-2" }), true},
		{"other installation, mode, requester", variant(func(j *ReviewArgs) {
			j.DeliveryID, j.InstallationID, j.Mode, j.Requester = "d-3", 99, "full", "bob"
		}), true},
		{"other trigger", variant(func(j *ReviewArgs) { j.DeliveryID, j.Trigger, j.CommentID = "d-4", "comment:5", 5 }), false},
		{"other PR number", variant(func(j *ReviewArgs) { j.DeliveryID, j.Number = "d-5", 4 }), false},
		{"other repo", variant(func(j *ReviewArgs) { j.DeliveryID, j.Repo = "d-6", "other" }), false},
	}
	wantRuns := 1
	for _, tc := range tests {
		res := mustEnqueue(t, q, tc.job)
		if tc.duplicate {
			want := EnqueueResult{JobID: first.JobID, Duplicate: true, Reason: ReasonDuplicateJob}
			if res != want {
				t.Errorf("%s: Enqueue = %+v, want %+v", tc.name, res, want)
			}
			continue
		}
		wantRuns++
		if res.Duplicate || res.JobID == first.JobID || res.Superseded != 0 {
			t.Errorf("%s: Enqueue = %+v, want a new job", tc.name, res)
		}
	}

	mustStart(t, q)
	rec.waitCalls(t, wantRuns, 15*time.Second)
	waitJobState(t, q, first.JobID, 10*time.Second, rivertype.JobStateCompleted)

	// A completed job still holds its key: a later redelivery under a new id
	// (e.g. a GitHub "re-run") is not reviewed twice.
	res := mustEnqueue(t, q, variant(func(j *ReviewArgs) { j.DeliveryID = "d-after-completion" }))
	if want := (EnqueueResult{JobID: first.JobID, Duplicate: true, Reason: ReasonDuplicateJob}); res != want {
		t.Fatalf("Enqueue after completion = %+v, want %+v", res, want)
	}
	time.Sleep(500 * time.Millisecond)
	if n := len(rec.snapshot()); n != wantRuns {
		t.Fatalf("handler ran %d times, want %d", n, wantRuns)
	}
}

func testSupersede(t *testing.T, newURL func(testing.TB) string) {
	rec := newRecorder(nil)
	q := openTestQueue(t, testConfig(t, newURL(t)), rec.handle)

	steps := []struct {
		name           string
		job            ReviewArgs
		wantDuplicate  bool
		wantSuperseded int
	}{
		{"push sha1", autoJob(1, "sha1", "d1"), false, 0},
		{"comment on sha1", commentJob(1, "sha1", "d2", 77), false, 0},
		{"push on another PR", autoJob(2, "shaX", "d3"), false, 0},
		{"push sha2 supersedes sha1 only", autoJob(1, "sha2", "d4"), false, 1},
		{"sha2 again (other delivery)", autoJob(1, "sha2", "d5"), true, 0},
		// Force-push back to sha1: the cancelled sha1 job does not hold the
		// key, so a new job is queued and supersedes sha2.
		{"force-push back to sha1", autoJob(1, "sha1", "d6"), false, 1},
		{"same PR in other case", func() ReviewArgs {
			j := autoJob(1, "sha3", "d7")
			j.Owner, j.Repo = "Octo-Org", "Hello.World"
			return j
		}(), false, 1},
	}
	ids := make([]int64, len(steps))
	for i, s := range steps {
		res := mustEnqueue(t, q, s.job)
		if res.Duplicate != s.wantDuplicate || res.Superseded != s.wantSuperseded {
			t.Fatalf("%s: Enqueue = %+v, want duplicate=%v superseded=%d", s.name, res, s.wantDuplicate, s.wantSuperseded)
		}
		ids[i] = res.JobID
	}

	jobs := jobsByID(t, q)
	wantStates := map[int64]rivertype.JobState{
		ids[0]: rivertype.JobStateCancelled, // sha1 by sha2
		ids[1]: rivertype.JobStateAvailable, // comment jobs are never superseded
		ids[2]: rivertype.JobStateAvailable, // other PR
		ids[3]: rivertype.JobStateCancelled, // sha2 by sha1 again
		ids[5]: rivertype.JobStateCancelled, // sha1 again by sha3 (case-insensitive PR match)
		ids[6]: rivertype.JobStateAvailable, // newest push
	}
	for id, want := range wantStates {
		if got := jobs[id]; got == nil || got.State != want {
			t.Errorf("job %d state = %v, want %s", id, jobStates(jobs)[id], want)
		}
	}
	if len(jobs) != 6 {
		t.Errorf("got %d jobs, want 6: %v", len(jobs), jobStates(jobs))
	}

	mustStart(t, q)
	rec.waitCalls(t, 3, 15*time.Second)
	for _, id := range []int64{ids[1], ids[2], ids[6]} {
		waitJobState(t, q, id, 10*time.Second, rivertype.JobStateCompleted)
	}
	time.Sleep(500 * time.Millisecond)
	var got []string
	for _, c := range rec.snapshot() {
		got = append(got, fmt.Sprintf("#%d %s %s", c.job.Number, c.job.HeadSHA, c.job.Trigger))
	}
	slices.Sort(got)
	want := []string{"#1 sha1 comment:77", "#1 sha3 auto", "#2 shaX auto"}
	if !slices.Equal(got, want) {
		t.Fatalf("handler ran %q, want %q", got, want)
	}
}

func testRetryAndPermanent(t *testing.T, newURL func(testing.TB) string) {
	errTransient := errors.New("github 502")
	tests := []struct {
		name         string
		maxAttempts  int
		fn           func(attempt int) error
		wantAttempts []int
		wantErrors   int // errors recorded on the job row
		wantState    rivertype.JobState
	}{
		{
			name:        "error then success is retried",
			maxAttempts: 3,
			fn: func(attempt int) error {
				if attempt == 1 {
					return errTransient
				}
				return nil
			},
			wantAttempts: []int{1, 2},
			wantErrors:   1,
			wantState:    rivertype.JobStateCompleted,
		},
		{
			name:         "permanent error is not retried",
			maxAttempts:  3,
			fn:           func(int) error { return Permanent(fmt.Errorf("PR closed: %w", errTransient)) },
			wantAttempts: []int{1},
			wantErrors:   1,
			wantState:    rivertype.JobStateCancelled,
		},
		{
			name:         "errors until max attempts discard the job",
			maxAttempts:  2,
			fn:           func(int) error { return errTransient },
			wantAttempts: []int{1, 2},
			wantErrors:   2,
			wantState:    rivertype.JobStateDiscarded,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(func(_ context.Context, _ ReviewArgs, attempt int) error { return tc.fn(attempt) })
			cfg := testConfig(t, newURL(t))
			cfg.MaxAttempts = tc.maxAttempts
			q := openTestQueue(t, cfg, rec.handle)
			res := mustEnqueue(t, q, autoJob(5, "sha-r", "d-r"))
			mustStart(t, q)

			row := waitJobState(t, q, res.JobID, 20*time.Second, tc.wantState)
			// The first retry comes ~1s after a failure; wait past it.
			time.Sleep(2 * time.Second)
			var attempts []int
			for _, c := range rec.snapshot() {
				attempts = append(attempts, c.attempt)
			}
			if !slices.Equal(attempts, tc.wantAttempts) {
				t.Fatalf("handler attempts = %v, want %v", attempts, tc.wantAttempts)
			}
			if row.Attempt != len(tc.wantAttempts) {
				t.Fatalf("job attempt = %d, want %d", row.Attempt, len(tc.wantAttempts))
			}
			if len(row.Errors) != tc.wantErrors {
				t.Fatalf("job has %d recorded errors, want %d: %+v", len(row.Errors), tc.wantErrors, row.Errors)
			}
		})
	}
}

func testDurableAcrossClose(t *testing.T, newURL func(testing.TB) string) {
	dbURL := newURL(t)
	job := autoJob(9, "sha-durable", "d-durable")

	// Process 1 commits the job and "crashes" before working it.
	q1, err := Open(context.Background(), testConfig(t, dbURL), func(context.Context, ReviewArgs, int) error {
		return errors.New("process 1 must not work jobs")
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	res := mustEnqueue(t, q1, job)
	if err := q1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// Process 2 on the same database works it, and knows the delivery id.
	rec := newRecorder(nil)
	q2 := openTestQueue(t, testConfig(t, dbURL), rec.handle)
	if again := mustEnqueue(t, q2, job); !again.Duplicate || again.Reason != ReasonDuplicateDelivery {
		t.Fatalf("redelivery after restart = %+v, want duplicate delivery", again)
	}
	mustStart(t, q2)
	calls := rec.waitCalls(t, 1, 15*time.Second)
	if !reflect.DeepEqual(calls[0].job, job) || calls[0].attempt != 1 {
		t.Fatalf("handler got %+v, want %+v attempt 1", calls[0], job)
	}
	waitJobState(t, q2, res.JobID, 10*time.Second, rivertype.JobStateCompleted)
}

// testRescueAfterKill kills (SIGKILL) a process in the middle of a job and
// checks that a new process retries it after RescueStuckJobsAfter.
func testRescueAfterKill(t *testing.T, newURL func(testing.TB) string) {
	dbURL := newURL(t)
	job := autoJob(11, "sha-crash", "d-crash")

	q0, err := Open(context.Background(), testConfig(t, dbURL), func(context.Context, ReviewArgs, int) error { return nil })
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	res := mustEnqueue(t, q0, job)
	if err := q0.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	cmd, line := startCrashHelper(t, dbURL)
	if line != "STARTED 1 sha-crash" {
		t.Fatalf("helper printed %q, want %q", line, "STARTED 1 sha-crash")
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no Stop, no cleanup
		t.Fatalf("kill helper: %v", err)
	}
	_ = cmd.Wait()
	killedAt := time.Now()

	rec := newRecorder(nil)
	cfg := testConfig(t, dbURL)
	sqlite := !strings.HasPrefix(dbURL, "postgres")
	wantState := rivertype.JobStateRunning
	if sqlite {
		// One process per SQLite database: Open rescues the orphan at once, long before
		// RescueStuckJobsAfter (left at its default of the job timeout plus a minute).
		wantState = rivertype.JobStateAvailable
	} else {
		cfg.JobTimeout = time.Second
		cfg.RescueStuckJobsAfter = 2 * time.Second
	}
	q := openTestQueue(t, cfg, rec.handle)
	if row := jobsByID(t, q)[res.JobID]; row == nil || row.State != wantState || row.Attempt != 1 {
		t.Fatalf("job after kill = %+v, want %s attempt 1", row, wantState)
	}
	mustStart(t, q)
	// The killed process held River's leadership for up to ~15s (leader TTL);
	// then the rescuer runs at once and the retry is ~1s later.
	calls := rec.waitCalls(t, 1, 90*time.Second)
	if !reflect.DeepEqual(calls[0].job, job) || calls[0].attempt != 2 {
		t.Fatalf("handler got %+v attempt %d, want the crashed job at attempt 2", calls[0].job, calls[0].attempt)
	}
	row := waitJobState(t, q, res.JobID, 10*time.Second, rivertype.JobStateCompleted)
	t.Logf("rescued and completed %s after the kill (errors recorded: %d)", time.Since(killedAt).Round(100*time.Millisecond), len(row.Errors))
}

func testGracefulStop(t *testing.T, newURL func(testing.TB) string) {
	tests := []struct {
		name        string
		stopTimeout time.Duration
		// release is closed (after checking Stop is blocked) to let a
		// handler that ignores its ctx finish.
		releaseAfter bool
		wantState    rivertype.JobState
	}{
		{name: "waits for the running job", stopTimeout: 30 * time.Second, releaseAfter: true, wantState: rivertype.JobStateCompleted},
		{name: "cancels it when ctx ends; requeued and run after restart", stopTimeout: 500 * time.Millisecond, wantState: rivertype.JobStateAvailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			started := make(chan struct{}, 10)
			var ctxErrMu sync.Mutex
			var ctxErrs []error
			var runs atomic.Int32
			rec := newRecorder(func(ctx context.Context, _ ReviewArgs, _ int) error {
				started <- struct{}{}
				if runs.Add(1) > 1 {
					return nil
				}
				select {
				case <-release:
				case <-ctx.Done():
				}
				ctxErrMu.Lock()
				ctxErrs = append(ctxErrs, ctx.Err())
				ctxErrMu.Unlock()
				return ctx.Err()
			})
			q := openTestQueue(t, testConfig(t, newURL(t)), rec.handle)
			res := mustEnqueue(t, q, autoJob(13, "sha-stop", "d-stop"))
			mustStart(t, q)
			select {
			case <-started:
			case <-time.After(15 * time.Second):
				t.Fatal("job did not start")
			}

			ctx, cancel := context.WithTimeout(context.Background(), tc.stopTimeout)
			defer cancel()
			stopped := make(chan error, 1)
			go func() { stopped <- q.Stop(ctx) }()

			if tc.releaseAfter {
				select {
				case err := <-stopped:
					t.Fatalf("Stop returned (%v) while the job was still running", err)
				case <-time.After(500 * time.Millisecond):
				}
				close(release)
			}
			select {
			case err := <-stopped:
				if err != nil {
					t.Fatalf("Stop: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Stop did not return")
			}

			ctxErrMu.Lock()
			gotCtxErrs := slices.Clone(ctxErrs)
			ctxErrMu.Unlock()
			wantCancelled := !tc.releaseAfter
			if len(gotCtxErrs) != 1 || (gotCtxErrs[0] != nil) != wantCancelled {
				t.Fatalf("handler ctx errors = %v, want cancelled=%v", gotCtxErrs, wantCancelled)
			}

			row := jobsByID(t, q)[res.JobID]
			if !tc.releaseAfter {
				// River puts an attempt interrupted by a stopping client back
				// to available without counting it or recording an error.
				if row == nil || row.State != tc.wantState || row.Attempt != 0 || len(row.Errors) != 0 {
					t.Fatalf("job after hard stop = %+v, want %s, attempt 0, no errors", row, tc.wantState)
				}
				mustStart(t, q)
				calls := rec.waitCalls(t, 2, 20*time.Second)
				if calls[1].attempt != 1 {
					t.Fatalf("attempt after restart = %d, want 1 (interruption is not an attempt)", calls[1].attempt)
				}
				waitJobState(t, q, res.JobID, 10*time.Second, rivertype.JobStateCompleted)
				return
			}
			if row == nil || row.State != tc.wantState {
				t.Fatalf("job after graceful stop = %+v, want %s", row, tc.wantState)
			}
		})
	}
}

func testConcurrentEnqueue(t *testing.T, newURL func(testing.TB) string) {
	rec := newRecorder(nil)
	q := openTestQueue(t, testConfig(t, newURL(t)), rec.handle)
	mustStart(t, q) // workers compete for the database too

	const goroutines, perG = 8, 25
	run := func(f func(g, i int) ReviewArgs, n int) ([]EnqueueResult, []error) {
		var mu sync.Mutex
		var results []EnqueueResult
		var errs []error
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range n {
					res, err := q.Enqueue(context.Background(), f(g, i))
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					} else {
						results = append(results, res)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return results, errs
	}

	tests := []struct {
		name         string
		job          func(g, i int) ReviewArgs
		perG         int
		wantInserted int
	}{
		{"distinct jobs", func(g, i int) ReviewArgs {
			return autoJob(1000*(g+1)+i, fmt.Sprintf("sha-%d-%d", g, i), fmt.Sprintf("d-%d-%d", g, i))
		}, perG, goroutines * perG},
		{"same delivery id", func(g, _ int) ReviewArgs {
			return autoJob(50+g, "sha-same-delivery", "d-same")
		}, 1, 1},
		{"same key", func(g, _ int) ReviewArgs {
			return autoJob(60, "sha-same-key", fmt.Sprintf("d-key-%d", g))
		}, 1, 1},
		{"pushes to one PR", func(g, i int) ReviewArgs {
			return autoJob(70, fmt.Sprintf("sha-push-%d-%d", g, i), fmt.Sprintf("d-push-%d-%d", g, i))
		}, 5, goroutines * 5},
	}
	total := 0
	for _, tc := range tests {
		results, errs := run(tc.job, tc.perG)
		for _, err := range errs {
			t.Errorf("%s: Enqueue error: %v", tc.name, err)
			if strings.Contains(err.Error(), "locked") || strings.Contains(err.Error(), "SQLITE_BUSY") {
				t.Errorf("%s: SQLite lock error", tc.name)
			}
		}
		inserted := 0
		for _, r := range results {
			if !r.Duplicate {
				inserted++
			}
		}
		if inserted != tc.wantInserted {
			t.Errorf("%s: %d inserted, want %d", tc.name, inserted, tc.wantInserted)
		}
		total += inserted
	}
	if t.Failed() {
		return
	}

	// Every inserted job is either worked or (pushes to one PR) superseded;
	// at most the jobs already running when a newer push came survive.
	deadline := time.Now().Add(60 * time.Second)
	for {
		jobs := jobsByID(t, q)
		final := 0
		for _, j := range jobs {
			if j.State == rivertype.JobStateCompleted || j.State == rivertype.JobStateCancelled {
				final++
			}
		}
		if len(jobs) != total {
			t.Fatalf("%d jobs in the table, want %d", len(jobs), total)
		}
		if final == total {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d jobs finalized: %v", final, total, jobStates(jobs))
		}
		time.Sleep(100 * time.Millisecond)
	}
	var pr70Completed int
	for _, c := range rec.snapshot() {
		if c.job.Number == 70 {
			pr70Completed++
		}
	}
	if pr70Completed < 1 || pr70Completed > goroutines*5 {
		t.Fatalf("PR 70 reviewed %d times, want between 1 and %d", pr70Completed, goroutines*5)
	}
}

func testMetrics(t *testing.T, newURL func(testing.TB) string) {
	reg := prometheus.NewRegistry()
	rec := newRecorder(func(_ context.Context, j ReviewArgs, _ int) error {
		if j.Number == 2 {
			return Permanent(errors.New("closed"))
		}
		return nil
	})
	cfg := testConfig(t, newURL(t))
	cfg.Registerer = reg
	q := openTestQueue(t, cfg, rec.handle)

	mustEnqueue(t, q, autoJob(1, "a", "d1"))
	mustEnqueue(t, q, autoJob(1, "a", "d1"))         // duplicate delivery
	mustEnqueue(t, q, autoJob(1, "a", "d2"))         // duplicate job
	last := mustEnqueue(t, q, autoJob(1, "b", "d3")) // supersedes "a"
	perm := mustEnqueue(t, q, autoJob(2, "c", "d4"))
	mustStart(t, q)
	waitJobState(t, q, last.JobID, 15*time.Second, rivertype.JobStateCompleted)
	waitJobState(t, q, perm.JobID, 15*time.Second, rivertype.JobStateCancelled)

	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"wfreview_queue_jobs_enqueued_total", nil, 3},
		{"wfreview_queue_enqueue_duplicates_total", map[string]string{"reason": ReasonDuplicateDelivery}, 1},
		{"wfreview_queue_enqueue_duplicates_total", map[string]string{"reason": ReasonDuplicateJob}, 1},
		{"wfreview_queue_jobs_superseded_total", nil, 1},
		{"wfreview_queue_job_outcomes_total", map[string]string{"outcome": outcomeCompleted}, 1},
		{"wfreview_queue_job_outcomes_total", map[string]string{"outcome": outcomeCancelled}, 1},
		{"wfreview_queue_job_outcomes_total", map[string]string{"outcome": outcomeFailed}, 0},
		{"wfreview_queue_job_duration_seconds", map[string]string{"outcome": outcomeCompleted}, 1}, // sample count
	}
	for _, tc := range tests {
		if got := metricValue(t, reg, tc.name, tc.labels); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
}

// metricValue reads a counter value or a histogram's sample count.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue metrics
				}
			}
			if h := m.GetHistogram(); h != nil {
				return float64(h.GetSampleCount())
			}
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("metric %s%v not found", name, labels)
	return 0
}

func testPruneDeliveries(t *testing.T, newURL func(testing.TB) string) {
	q := openTestQueue(t, testConfig(t, newURL(t)), func(context.Context, ReviewArgs, int) error { return nil })
	first := mustEnqueue(t, q, autoJob(1, "a", "d-old"))
	ctx := context.Background()

	tests := []struct {
		name   string
		before time.Time
		want   int64
	}{
		{"recent ids are kept", time.Now().Add(-time.Hour), 0},
		{"old ids are deleted", time.Now().Add(time.Hour), 1},
	}
	for _, tc := range tests {
		n, err := q.eng.pruneDeliveries(ctx, tc.before)
		if err != nil {
			t.Fatalf("%s: pruneDeliveries: %v", tc.name, err)
		}
		if n != tc.want {
			t.Fatalf("%s: deleted %d, want %d", tc.name, n, tc.want)
		}
	}
	// The id is forgotten; the job itself still de-duplicates the event.
	res := mustEnqueue(t, q, autoJob(1, "a", "d-old"))
	if want := (EnqueueResult{JobID: first.JobID, Duplicate: true, Reason: ReasonDuplicateJob}); res != want {
		t.Fatalf("Enqueue after prune = %+v, want %+v", res, want)
	}
}

func testPingAndClose(t *testing.T, newURL func(testing.TB) string) {
	q, err := Open(context.Background(), testConfig(t, newURL(t)), func(context.Context, ReviewArgs, int) error { return nil })
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := q.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	mustStart(t, q)
	if err := q.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := q.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := q.Ping(context.Background()); err == nil {
		t.Fatal("Ping after Close succeeded, want error")
	}
	if _, err := q.Enqueue(context.Background(), autoJob(1, "a", "d")); err == nil {
		t.Fatal("Enqueue after Close succeeded, want error")
	}
}

func jobStates(jobs map[int64]*rivertype.JobRow) map[int64]string {
	m := make(map[int64]string, len(jobs))
	for id, j := range jobs {
		m[id] = fmt.Sprintf("%s/attempt=%d", j.State, j.Attempt)
	}
	return m
}
