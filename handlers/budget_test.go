package handlers

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wfreview/wfreview/internal/ghfake"
	"github.com/wfreview/wfreview/model/modeltest"
	"github.com/wfreview/wfreview/queue"
	"github.com/wfreview/wfreview/review/reviewtest"
)

// countRoutes counts the API requests whose "METHOD path" contains each of the substrings.
func countRoutes(routes []string, sub string) int {
	n := 0
	for _, r := range routes {
		if strings.Contains(r, sub) {
			n++
		}
	}
	return n
}

// TestRequestBudget counts the GitHub API requests of first reviews against the fake GitHub: at most
// 8 for a 40-file pull request, whatever the number of files; the summary and the metric report
// the same count.
func TestRequestBudget(t *testing.T) {
	tests := []struct {
		name string
		o    fixtureOptions
		want int // exact count, so a regression shows
	}{
		// PR, compare (files + commits), tarball link, reviews, check run create, review, check run update.
		{"6 files", fixtureOptions{n: 6}, 7},
		{"40 files", fixtureOptions{n: 40}, 7},
		// + the listing of the base's root (the config file is the head's blob: read from the archive).
		{"40 files, behind the base", fixtureOptions{n: 40, behind: true}, 8},
		// + the org default (.github): one listing, then cached.
		{"40 files, no config anywhere", fixtureOptions{n: 40, noConfig: true}, 8},
		// The one case over 8: both lookups, until the org default is cached (5 minutes).
		{"40 files, behind the base, no config anywhere", fixtureOptions{n: 40, behind: true, noConfig: true}, 9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newPRFixture(t, tc.o)
			reg := prometheus.NewRegistry()
			tw := newTestWorker(t, f, true, nil)
			tw.Metrics = NewMetrics(reg)
			tw.review(t, fxHead)
			api, dl, routes := apiRequests(f.gh)
			if api != tc.want || dl != 1 {
				t.Errorf("%d API requests and %d downloads, want %d and 1:\n%s", api, dl, tc.want, strings.Join(routes, "\n"))
			}
			if api > 8 && !(tc.o.behind && tc.o.noConfig) {
				t.Errorf("%d API requests: over the budget of 8", api)
			}
			for _, r := range routes {
				if strings.Contains(r, "/pulls/7/comments") || strings.Contains(r, "/pulls/7/files") || strings.Contains(r, "/pulls/7/commits") ||
					strings.Contains(r, "GET /repos/"+fxOwner+"/"+fxRepo+"/commits/") {
					t.Errorf("unexpected request on a first review: %s", r)
				}
			}
			rv := f.pr.Reviews()[0]
			if !strings.Contains(rv.Body, fmt.Sprintf("GitHub requests: %d · head read from one archive", api)) {
				t.Errorf("summary does not report %d requests:\n%s", api, rv.Body)
			}
			if cr := f.repo.CheckRuns()[0]; !strings.Contains(cr.Output.Summary, fmt.Sprintf("GitHub requests: %d", api)) {
				t.Errorf("check run summary does not report %d requests:\n%s", api, cr.Output.Summary)
			}
			if got := histogramSum(t, reg, "wfreview_github_requests_per_review"); got != float64(api) {
				t.Errorf("wfreview_github_requests_per_review sum = %v, want %d", got, api)
			}
			if got := counterValue(t, reg, "wfreview_archives_total", "downloaded"); got != 1 {
				t.Errorf(`wfreview_archives_total{result="downloaded"} = %v, want 1`, got)
			}
			if n := tw.Archives.Cache.Held(); n != 0 {
				t.Errorf("%d archives still held after the review: the job did not release its lease", n)
			}
			t.Logf("%s: %d API requests + %d archive download", tc.name, api, dl)
		})
	}
}

// TestSecondReviewBudget reviews a pull request again after a push: the earlier review's comments are
// read (idempotency) and the incremental comparison is made; nothing is posted twice.
func TestSecondReviewBudget(t *testing.T) {
	f := newPRFixture(t, fixtureOptions{n: 40})
	tw := newTestWorker(t, f, true, nil)
	tw.review(t, fxHead)
	first, _, _ := apiRequests(f.gh)

	const next = "f000000000000000000000000000000000000005"
	extra := "package pkg\n\nimport \"github.com/made/late\"\n\nvar _ = late.X\n"
	files := append(append([]ghfake.File(nil), f.files...), ghfake.File{Filename: "pkg/late.go", Status: "added", Patch: addedPatch(extra)})
	f.pr.Push(next, files, ghfake.Commit{SHA: next, Message: "One more", AuthorName: "Dev", AuthorEmail: "dev@example.com"})
	f.repo.SetFile(next, "pkg/late.go", extra)
	f.repo.SetCompare(fxHead, next, files[len(files)-1:])
	tw.review(t, next)
	total, dl, routes := apiRequests(f.gh)
	second := routes[first:]
	if n := countRoutes(second, "GET /repos/acme/service/pulls/7/comments"); n != 1 {
		t.Errorf("the second review listed the comments %d times, want 1:\n%s", n, strings.Join(second, "\n"))
	}
	rvs := f.pr.Reviews()
	if len(rvs) != 2 || len(rvs[1].Comments) != 1 || rvs[1].Comments[0].Path != "pkg/late.go" {
		t.Fatalf("second review = %+v; want only the new finding", rvs)
	}
	if dl != 2 {
		t.Errorf("%d downloads, want one per head", dl)
	}
	t.Logf("first review %d API requests, second (incremental) %d", first, total-first)
	if total-first > 10 {
		t.Errorf("second review: %d API requests:\n%s", total-first, strings.Join(second, "\n"))
	}
}

// TestConfigIsTheBaseCommits checks where the config comes from and that a pull request never gets
// its own: the archive only when the head provably holds the base's file.
func TestConfigIsTheBaseCommits(t *testing.T) {
	const strict = "version: 1\nchecks:\n  over-engineering:\n    enabled: false\n  hallucinated-dependencies:\n    enabled: false\n"
	tests := []struct {
		name string
		o    fixtureOptions
		tune func(f *prFixture)
		// wantOff are the checklist items the config in force turns off, in checklist order.
		wantOff []string
		// contents are the expected contents requests: "" for the root listing, else a path.
		contents []string
	}{
		{"untouched and up to date: read from the archive", fixtureOptions{n: 6}, nil,
			[]string{"over-engineering"}, nil},
		{"the pull request edits .wfreview.yml: the base's is read from the base",
			fixtureOptions{n: 6, headConfig: "review:\n  auto: false\nchecks:\n  security:\n    enabled: false\n"}, nil,
			[]string{"over-engineering"}, []string{"", ".wfreview.yml"}},
		{"behind its base, config unchanged since: same blob, read from the archive", fixtureOptions{n: 6, behind: true}, nil,
			[]string{"over-engineering"}, []string{""}},
		{"branched before the base tightened its config: the base's current one",
			fixtureOptions{n: 6, behind: true}, func(f *prFixture) { f.repo.SetFile(fxNewBase, ".wfreview.yml", strict) },
			[]string{"hallucinated-dependencies", "over-engineering"}, []string{"", ".wfreview.yml"}},
		{"branched before the base added .wfreview.yaml", fixtureOptions{n: 6, behind: true, noConfig: true},
			func(f *prFixture) { f.repo.SetFile(fxNewBase, ".wfreview.yaml", strict) },
			[]string{"hallucinated-dependencies", "over-engineering"}, []string{"", ".wfreview.yaml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newPRFixture(t, tc.o)
			if tc.tune != nil {
				tc.tune(f)
			}
			tw := newTestWorker(t, f, true, nil)
			res := tw.review(t, fxHead)
			var off []string
			for _, e := range res.Checklist {
				if strings.Contains(e.Reason, "disabled in") {
					off = append(off, e.ID)
				}
			}
			if strings.Join(off, ",") != strings.Join(tc.wantOff, ",") {
				t.Errorf("items off = %v, want %v", off, tc.wantOff)
			}
			var contents []string
			for _, r := range f.gh.Requests() {
				if p, ok := strings.CutPrefix(r.Path, "/repos/acme/service/contents"); ok {
					contents = append(contents, strings.TrimPrefix(p, "/"))
					if ref := r.Query.Get("ref"); ref != f.pr.BaseSHA() {
						t.Errorf("contents read at %q, want the base commit %s", ref, f.pr.BaseSHA())
					}
				}
			}
			if strings.Join(contents, ",") != strings.Join(tc.contents, ",") {
				t.Errorf("contents requests = %q, want %q", contents, tc.contents)
			}
		})
	}
}

func TestOrgDefaultIsCachedPerInstallation(t *testing.T) {
	f := newPRFixture(t, fixtureOptions{n: 6, noConfig: true})
	org := f.gh.AddRepo(fxOwner, ".github", "main")
	org.SetBranch("main", "a000000000000000000000000000000000000009")
	org.SetFile("main", ".wfreview.yml", "checks:\n  security:\n    enabled: false\n")
	f.repo.AddPR(ghfake.PR{Number: 8, Title: "Same change again", User: "dev", BaseRef: "main", BaseSHA: fxBase, HeadRef: "again",
		HeadSHA: fxHead, Files: f.files})
	tw := newTestWorker(t, f, true, nil)
	for _, n := range []int{7, 8} {
		res := tw.reviewPR(t, n, fxHead)
		for _, e := range res.Checklist {
			if e.ID == "security" && !strings.Contains(e.Reason, "disabled in") {
				t.Errorf("PR %d: the org default was not applied: %+v", n, e)
			}
		}
	}
	if n := f.gh.Count("GET", "/repos/{owner}/.github/contents"); n != 1 {
		t.Errorf("the .github repository was listed %d times for two reviews, want 1 (cached)", n)
	}
	if n := f.gh.Count("GET", "/repos/{owner}/.github/contents/{path...}"); n != 1 {
		t.Errorf("the org default was read %d times, want 1 (cached)", n)
	}
	// The second review used the archive the first one downloaded.
	if _, dl, _ := apiRequests(f.gh); dl != 1 {
		t.Errorf("%d downloads for two reviews of one head, want 1", dl)
	}
}

func histogramSum(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetHistogram().GetSampleSum()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func counterValue(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestInterruptedAttemptLeavesNoRunInProgress cancels a first attempt while the model answers (a
// shutdown): its check run is completed as cancelled, and the attempt that runs again (River keeps
// the attempt number of an interrupted job, so it does not look for the old run) starts and
// completes its own. No run stays in progress.
func TestInterruptedAttemptLeavesNoRunInProgress(t *testing.T) {
	f := newPRFixture(t, fixtureOptions{n: 6})
	var slow atomic.Bool
	slow.Store(true)
	model := modeltest.NewServer(t, reviewtest.ConfirmAll(func(c modeltest.Call) modeltest.Reply {
		if slow.Load() {
			return modeltest.Reply{Delay: time.Minute, Content: "{}"}
		}
		return newModelReply()
	}))
	tw := newTestWorkerWith(t, f, model, true, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- tw.Run(ctx, queue.ReviewArgs{InstallationID: 1, Owner: fxOwner, Repo: fxRepo, Number: 7, HeadSHA: fxHead,
			Trigger: TriggerAuto, DeliveryID: "d1"}, 1)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(model.Calls()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the interrupted attempt returned no error")
	}
	runs := f.repo.CheckRuns()
	if len(runs) != 1 || runs[0].Status != "completed" || runs[0].Conclusion != "cancelled" {
		t.Fatalf("check runs after the interruption = %+v; want one, cancelled", runs)
	}
	slow.Store(false)
	tw.review(t, fxHead)
	runs = f.repo.CheckRuns()
	if len(runs) != 2 {
		t.Fatalf("%d check runs, want the cancelled one and a new one", len(runs))
	}
	for _, r := range runs {
		if r.Status != "completed" {
			t.Errorf("run %d left %s", r.ID, r.Status)
		}
	}
	if len(f.pr.Reviews()) != 1 {
		t.Errorf("%d reviews, want 1", len(f.pr.Reviews()))
	}
}

// TestPostedSkipsCommentsWithoutOurReview reads the idempotency state of a pull request that has
// reviews and comments of other people only: one request, the comments are not listed.
func TestPostedSkipsCommentsWithoutOurReview(t *testing.T) {
	f := newPRFixture(t, fixtureOptions{n: 2})
	f.pr.AddReviewComment("someone", "nit <!-- wfreview:fp=aaaa -->", "pkg/h01.go", 1, 0)
	ref := PullRef{Owner: fxOwner, Repo: fxRepo, Number: 7, HeadSHA: fxHead}
	p := &Poster{Client: f.gh.Client(), BotLogin: f.gh.BotLogin()}
	st, err := p.Posted(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Fingerprints)+len(st.Keys) != 0 {
		t.Errorf("state = %+v, want empty", st)
	}
	if n := f.gh.Count("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/comments"); n != 0 {
		t.Errorf("comments listed %d times without a review of ours", n)
	}
	// Once a review of ours exists, its comments are read.
	f.pr.AddReviewComment(f.gh.BotLogin(), "x\n\n"+fingerprintMarker("bbbb"), "pkg/h01.go", 2, 0)
	if st, err = p.Posted(context.Background(), ref); err != nil || !st.Fingerprints["bbbb"] || st.Fingerprints["aaaa"] {
		t.Errorf("state = %+v, %v; want our fingerprint only", st, err)
	}
}
