package queue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/rs/zerolog"
)

func TestParseDatabaseURL(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantKind   string
		wantName   string   // DSN part before '?'
		wantParams []string // "key=value" pairs that must be present
		wantErr    string
	}{
		{name: "empty is the default SQLite file", in: "", wantKind: backendSQLite, wantName: DefaultSQLitePath,
			wantParams: []string{"_pragma=journal_mode(WAL)", "_pragma=busy_timeout(10000)", "_pragma=synchronous(FULL)", "_txlock=immediate"}},
		{name: "plain path", in: "/var/lib/wfreview/q.db", wantKind: backendSQLite, wantName: "/var/lib/wfreview/q.db",
			wantParams: []string{"_txlock=immediate", "_pragma=journal_mode(WAL)"}},
		{name: "file DSN keeps its own settings", in: "file:q.db?_pragma=busy_timeout(500)&_txlock=exclusive", wantKind: backendSQLite, wantName: "file:q.db",
			wantParams: []string{"_pragma=busy_timeout(500)", "_txlock=exclusive", "_pragma=journal_mode(WAL)"}},
		{name: "own wal_autocheckpoint", in: "file:q.db?_pragma=wal_autocheckpoint(500)", wantKind: backendSQLite, wantName: "file:q.db",
			wantParams: []string{"_pragma=wal_autocheckpoint(500)", "_pragma=journal_mode(WAL)"}},
		{name: "postgres", in: "postgres://u:p@db:5432/wfreview?sslmode=disable", wantKind: backendPostgres, wantName: "postgres://u:p@db:5432/wfreview"},
		{name: "postgresql", in: "postgresql://db/wfreview", wantKind: backendPostgres, wantName: "postgresql://db/wfreview"},
		{name: "unknown scheme", in: "mysql://u:secret@db/x", wantErr: "unsupported database URL scheme"},
		{name: "in-memory is not durable", in: ":memory:", wantErr: "not durable"},
		{name: "shared memory is not durable", in: "file:x?mode=memory", wantErr: "not durable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseDatabaseURL(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parseDatabaseURL(%q) error = %v, want %q", tc.in, err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Fatalf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseDatabaseURL(%q): %v", tc.in, err)
			}
			name, query, _ := strings.Cut(got.dsn, "?")
			if got.kind != tc.wantKind || name != tc.wantName {
				t.Fatalf("parseDatabaseURL(%q) = %s %q, want %s %q", tc.in, got.kind, name, tc.wantKind, tc.wantName)
			}
			params, err := url.ParseQuery(query)
			if err != nil {
				t.Fatalf("DSN query %q: %v", query, err)
			}
			for _, kv := range tc.wantParams {
				k, v, _ := strings.Cut(kv, "=")
				found := false
				for _, pv := range params[k] {
					found = found || pv == v
				}
				if !found {
					t.Errorf("DSN %q lacks %s", got.dsn, kv)
				}
			}
			if got.kind == backendSQLite {
				// The inbox file has the same settings plus its own wal_autocheckpoint (inbox_store.go).
				iname, iquery, _ := strings.Cut(got.inboxDSN, "?")
				iparams, err := url.ParseQuery(iquery)
				if err != nil || iname != name+sqliteInboxSuffix {
					t.Fatalf("inbox DSN %q (%v)", got.inboxDSN, err)
				}
				for k, vs := range params {
					if !slices.Equal(iparams[k][:min(len(vs), len(iparams[k]))], vs) {
						t.Errorf("inbox DSN %q: %s = %v, main DSN has %v", got.inboxDSN, k, iparams[k], vs)
					}
				}
				own := strings.Contains(tc.in, "wal_autocheckpoint") // the operator's setting wins
				if want := fmt.Sprintf("wal_autocheckpoint(%d)", sqliteInboxAutoCheckpoint); slices.Contains(iparams["_pragma"], want) == own {
					t.Errorf("inbox DSN %q: _pragma=%s present %v, want %v", got.inboxDSN, want, !own, own)
				}
				if !own && strings.Contains(got.dsn, "wal_autocheckpoint") {
					t.Errorf("main DSN %q has the inbox's wal_autocheckpoint", got.dsn)
				}
			}
			if got.kind == backendSQLite && len(params["_txlock"]) != 1 {
				t.Errorf("DSN %q has %d _txlock params, want 1", got.dsn, len(params["_txlock"]))
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	tests := []struct {
		name        string
		in          Config
		wantTimeout time.Duration
		wantRescue  time.Duration
		wantErr     bool
	}{
		{name: "zero config", in: Config{}, wantTimeout: 10 * time.Minute, wantRescue: 11 * time.Minute},
		{name: "rescue follows job timeout", in: Config{JobTimeout: 3 * time.Minute}, wantTimeout: 3 * time.Minute, wantRescue: 4 * time.Minute},
		{name: "explicit rescue", in: Config{JobTimeout: time.Second, RescueStuckJobsAfter: 5 * time.Second}, wantTimeout: time.Second, wantRescue: 5 * time.Second},
		{name: "rescue shorter than timeout", in: Config{JobTimeout: time.Minute, RescueStuckJobsAfter: time.Second}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.in.withDefaults()
			if tc.wantErr {
				if err == nil {
					t.Fatal("withDefaults succeeded, want error")
				}
				return
			}
			if err != nil {
				t.Fatalf("withDefaults: %v", err)
			}
			if got.JobTimeout != tc.wantTimeout || got.RescueStuckJobsAfter != tc.wantRescue {
				t.Fatalf("timeout/rescue = %s/%s, want %s/%s", got.JobTimeout, got.RescueStuckJobsAfter, tc.wantTimeout, tc.wantRescue)
			}
			if got.Workers != DefaultWorkers || got.MaxAttempts != DefaultMaxAttempts || got.PollInterval != DefaultPollInterval || got.DeliveryRetention != DefaultDeliveryRetention {
				t.Fatalf("defaults not applied: %+v", got)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		cfg     Config
		h       Handler
		wantErr string
	}{
		{"nil handler", Config{DatabaseURL: dir + "/a.db"}, nil, "nil handler"},
		{"bad scheme", Config{DatabaseURL: "redis://x"}, func(context.Context, ReviewArgs, int) error { return nil }, "unsupported database URL scheme"},
		{"unwritable sqlite path", Config{DatabaseURL: dir + "/missing/dir/a.db"}, func(context.Context, ReviewArgs, int) error { return nil }, "sqlite"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Open(context.Background(), tc.cfg, tc.h)
			if err == nil {
				_ = q.Close()
				t.Fatal("Open succeeded, want error")
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Open error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestEnqueueValidation(t *testing.T) {
	q := openTestQueue(t, testConfig(t, t.TempDir()+"/v.db"), func(context.Context, ReviewArgs, int) error { return nil })
	valid := autoJob(1, "sha", "d")
	tests := []struct {
		name    string
		mutate  func(*ReviewArgs)
		wantErr string
	}{
		{"missing owner", func(a *ReviewArgs) { a.Owner = "" }, "owner"},
		{"missing repo", func(a *ReviewArgs) { a.Repo = "" }, "repo"},
		{"zero number", func(a *ReviewArgs) { a.Number = 0 }, "number"},
		{"missing head", func(a *ReviewArgs) { a.HeadSHA = "" }, "head_sha"},
		{"missing trigger", func(a *ReviewArgs) { a.Trigger = "" }, "trigger"},
		{"missing delivery", func(a *ReviewArgs) { a.DeliveryID = "" }, "delivery_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			job := valid
			tc.mutate(&job)
			if _, err := q.Enqueue(context.Background(), job); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Enqueue error = %v, want mention of %q", err, tc.wantErr)
			}
		})
	}
	if jobs := jobsByID(t, q); len(jobs) != 0 {
		t.Fatalf("invalid jobs were inserted: %v", jobStates(jobs))
	}
}

func TestPermanent(t *testing.T) {
	base := errors.New("pull request closed")
	tests := []struct {
		name          string
		err           error
		wantPermanent bool
		wantNil       bool
	}{
		{"nil stays nil", Permanent(nil), false, true},
		{"wrapped error", Permanent(base), true, false},
		{"wrapped again with %w", fmtWrap(Permanent(base)), true, false},
		{"plain error", base, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if (tc.err == nil) != tc.wantNil {
				t.Fatalf("err = %v, want nil=%v", tc.err, tc.wantNil)
			}
			if got := IsPermanent(tc.err); got != tc.wantPermanent {
				t.Fatalf("IsPermanent(%v) = %v, want %v", tc.err, got, tc.wantPermanent)
			}
			if tc.wantPermanent {
				var jce *river.JobCancelError
				if !errors.As(tc.err, &jce) || !errors.Is(tc.err, base) {
					t.Fatalf("%v is not a river.JobCancelError wrapping the cause", tc.err)
				}
			}
		})
	}
}

func fmtWrap(err error) error { return errors.Join(errors.New("context"), err) }

func TestJobKeyAndTags(t *testing.T) {
	tagRE := regexp.MustCompile(`\A[\w][\w\-]+[\w]\z`) // River's tag format
	a := autoJob(12, "sha", "d")
	upper := a
	upper.Owner, upper.Repo = strings.ToUpper(a.Owner), strings.ToUpper(a.Repo)
	other := a
	other.Number = 13
	comment := commentJob(12, "sha", "d", 5)

	tests := []struct {
		name     string
		x, y     ReviewArgs
		sameTag  bool
		sameLock bool
	}{
		{"case-insensitive owner/repo", a, upper, true, true},
		{"other PR", a, other, false, false},
		{"comment on same PR", a, comment, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, tag := range jobTags(tc.x) {
				if !tagRE.MatchString(tag) {
					t.Fatalf("tag %q does not match River's tag format", tag)
				}
			}
			if got := prTag(tc.x) == prTag(tc.y); got != tc.sameTag {
				t.Fatalf("same tag = %v, want %v", got, tc.sameTag)
			}
			if got := prLockKey(tc.x) == prLockKey(tc.y); got != tc.sameLock {
				t.Fatalf("same lock key = %v, want %v", got, tc.sameLock)
			}
		})
	}
	if got := jobTags(comment); len(got) != 1 {
		t.Fatalf("comment job tags = %v, want only the PR tag (never superseded)", got)
	}

	opts := ReviewArgs{}.InsertOpts()
	if !opts.UniqueOpts.ByArgs {
		t.Fatal("InsertOpts().UniqueOpts.ByArgs = false")
	}
	for _, s := range []rivertype.JobState{rivertype.JobStateCompleted, rivertype.JobStateRunning, rivertype.JobStateAvailable} {
		found := false
		for _, u := range opts.UniqueOpts.ByState {
			found = found || u == s
		}
		if !found {
			t.Fatalf("unique states %v lack %s", opts.UniqueOpts.ByState, s)
		}
	}
}

func TestSlogBridge(t *testing.T) {
	tests := []struct {
		name    string
		level   zerolog.Level
		log     func(l *slog.Logger)
		want    map[string]any // fields of the single line, nil = no output
		wantNil bool
	}{
		{
			name:  "levels, attrs, groups and errors",
			level: zerolog.DebugLevel,
			log: func(l *slog.Logger) {
				l.With("client_id", "c1").WithGroup("job").Warn("stuck", slog.Int64("id", 7), slog.Any("error", errors.New("boom")), slog.Duration("after", 1500*time.Millisecond))
			},
			want: map[string]any{"level": "warn", "message": "stuck", "client_id": "c1", "job.id": float64(7), "job.error": "boom", "job.after": float64(1500)},
		},
		{
			name:    "below the logger's level is dropped",
			level:   zerolog.WarnLevel,
			log:     func(l *slog.Logger) { l.Info("River client started") },
			wantNil: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := newSlogLogger(zerolog.New(&buf).Level(tc.level))
			tc.log(l)
			if tc.wantNil {
				if buf.Len() != 0 {
					t.Fatalf("got output %q, want none", buf.String())
				}
				return
			}
			var got map[string]any
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatalf("output %q: %v", buf.String(), err)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("field %s = %#v, want %#v (line %s)", k, got[k], v, buf.String())
				}
			}
		})
	}
}
