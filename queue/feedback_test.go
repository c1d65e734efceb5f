package queue

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestSuppressions checks the feedback store on every backend: suppressions are unique per
// repository and fingerprint, listed per repository (case-insensitively); recorded threads per pull
// request; both survive a restart.
func TestSuppressions(t *testing.T) {
	for _, b := range testBackends() {
		t.Run(b.name, func(t *testing.T) {
			if b.name == "postgres" {
				postgresAdminURL(t) // skips when there is no server
			}
			testSuppressions(t, b.newURL(t))
		})
	}
}

func testSuppressions(t *testing.T, dbURL string) {
	ctx := context.Background()
	noJobs := func(context.Context, ReviewArgs, int) error { return nil }
	q1, err := Open(ctx, testConfig(t, dbURL), noJobs)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	at := time.Unix(1_700_000_000, 0)
	first := Suppression{Owner: "Octo-Org", Repo: "Hello.World", Fingerprint: "aaaa000011112222", Kind: FeedbackReaction,
		Login: "alice", CommentID: 5_000_000_001, Number: 7, CreatedAt: at}
	steps := []struct {
		name string
		s    Suppression
		want bool
	}{
		{"new fingerprint", first, true},
		{"same fingerprint again, other case of the repository", Suppression{Owner: "octo-org", Repo: "hello.world",
			Fingerprint: first.Fingerprint, Kind: FeedbackReply, Login: "bob", CommentID: 9, Number: 8}, false},
		{"second fingerprint", Suppression{Owner: "octo-org", Repo: "hello.world", Fingerprint: "bbbb000011112222",
			Kind: FeedbackReply, Login: "bob", CommentID: 10, Number: 8, CreatedAt: at.Add(time.Minute)}, true},
		{"same fingerprint in another repository", Suppression{Owner: "octo-org", Repo: "other", Fingerprint: first.Fingerprint,
			Kind: FeedbackReply, Login: "bob", CommentID: 11, Number: 1}, true},
	}
	for _, st := range steps {
		added, err := q1.Suppress(ctx, st.s)
		if err != nil || added != st.want {
			t.Errorf("%s: Suppress = %v, %v; want %v", st.name, added, err, st.want)
		}
	}
	if _, err := q1.Suppress(ctx, Suppression{Owner: "o", Repo: "r", Kind: "thumbs"}); err == nil ||
		!strings.Contains(err.Error(), "fingerprint") || !strings.Contains(err.Error(), "kind") {
		t.Errorf("invalid suppression: err = %v", err)
	}
	if err := q1.RecordThreads(ctx, "Octo-Org", "Hello.World", 7, ThreadResolved, []int64{5_000_000_001, 12}); err != nil {
		t.Fatalf("RecordThreads: %v", err)
	}
	if err := q1.RecordThreads(ctx, "octo-org", "hello.world", 7, ThreadFoundResolved, []int64{12, 13}); err != nil {
		t.Fatalf("RecordThreads again: %v", err)
	}
	if err := q1.RecordThreads(ctx, "octo-org", "hello.world", 7, "maybe", []int64{14}); err == nil {
		t.Error("an unknown outcome was recorded")
	}
	if err := q1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// A restart (migrations run again, idempotently) keeps every record.
	q2 := openTestQueue(t, testConfig(t, dbURL), noJobs)
	got, err := q2.Suppressions(ctx, "OCTO-ORG", "Hello.World")
	if err != nil {
		t.Fatalf("Suppressions: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d suppressions, want 2: %+v", len(got), got)
	}
	want0 := first
	want0.Owner, want0.Repo = "OCTO-ORG", "Hello.World"
	if got[0] != want0 {
		t.Errorf("first record = %+v\nwant %+v", got[0], want0)
	}
	if got[1].Fingerprint != "bbbb000011112222" || got[1].Kind != FeedbackReply || got[1].Login != "bob" {
		t.Errorf("second record = %+v", got[1])
	}
	other, err := q2.Suppressions(ctx, "octo-org", "other")
	if err != nil || len(other) != 1 {
		t.Errorf("other repository: %+v, %v", other, err)
	}
	threads, err := q2.RecordedThreads(ctx, "octo-org", "Hello.World", 7)
	if err != nil || len(threads) != 3 || threads[5_000_000_001] != ThreadResolved || threads[12] != ThreadResolved || threads[13] != ThreadFoundResolved {
		t.Errorf("recorded threads = %v, %v; want the first outcome of each", threads, err)
	}
	if other, err := q2.RecordedThreads(ctx, "octo-org", "Hello.World", 8); err != nil || len(other) != 0 {
		t.Errorf("another pull request's threads = %v, %v", other, err)
	}
	none, err := q2.Suppressions(ctx, "octo-org", "nothing-here")
	if err != nil || len(none) != 0 {
		t.Errorf("repository without feedback: %+v, %v", none, err)
	}
}
