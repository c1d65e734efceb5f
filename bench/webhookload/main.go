// Command webhookload measures how fast `wfreview serve` acknowledges a burst of webhooks with the
// embedded default (SQLite) or PostgreSQL (-database): it starts the server on loopback against a
// stub GitHub and posts bursts of signed pull_request deliveries (by default 400 over 8 connections,
// 20 rounds). With -separate the server runs in a process of its own (this program re-executed with
// -serve), as in production, where the load comes from GitHub: the load generator's goroutines then
// do not queue in the server's Go scheduler, though both processes still share the machine's cores. Every 2xx means the review job was committed to the database first (the queue's inbox),
// so this is the durable path, fsync included.
//
// It prints accepted deliveries per second and the p50/p99/max acknowledgement latency, and the
// floor no acknowledgement can beat: the p99 of the server's own GET /healthz, polled every 2ms on
// a ninth connection during the same burst, plus the median time of one durable commit of a
// one-row transaction (SQLite: its own file with journal_mode=WAL, synchronous=FULL, as the queue
// uses; PostgreSQL: a table in the same database), timed 100 times in the same run after each
// burst. The ratio p99 / floor is the figure issue 15 targets (<= 1.5). The commits' p90/p99 are
// printed too: a disk whose fsync has a long tail puts that tail into the acknowledgements' p99,
// whatever the server does. The drain latency is the time from a delivery's acceptance into the
// inbox to its job committed in River (the queue's wfreview_queue_inbox_drain_seconds histogram,
// quantiles interpolated within its buckets as Prometheus' histogram_quantile does).
//
//	go run ./bench/webhookload -n 400 -concurrency 8 -rounds 20
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/rs/zerolog"
	_ "modernc.org/sqlite" // the commit-time probe uses the queue's driver

	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/handlers"
)

const secret = "bench-secret"

func main() {
	n := flag.Int("n", 400, "deliveries per burst")
	concurrency := flag.Int("concurrency", 8, "concurrent connections")
	rounds := flag.Int("rounds", 20, "bursts, each of -n new deliveries (20 give the /healthz floor ~700 probes)")
	pause := flag.Duration("pause", time.Second, "pause between bursts (the queued jobs are worked meanwhile)")
	probeEvery := flag.Duration("probe-interval", 2*time.Millisecond, "interval of the GET /healthz probe during a burst")
	dbURL := flag.String("database", "", "database URL (default: a SQLite file in a temp dir)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of this process (server and load; the load only with -separate) to this file")
	separate := flag.Bool("separate", false, "run the server in a process of its own (this program re-executed with -serve), as in production, where the load comes from GitHub")
	serve := flag.Bool("serve", false, "internal: only run the server on -database, print its address, stop when stdin closes")
	flag.Parse()
	if *serve {
		if err := serveChild(*dbURL); err != nil {
			fmt.Fprintln(os.Stderr, "webhookload -serve:", err)
			os.Exit(1)
		}
		return
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "webhookload:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "webhookload:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*n, *concurrency, *rounds, *pause, *probeEvery, *dbURL, *separate); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "webhookload:", err)
		os.Exit(1)
	}
}

// stubGitHub answers just enough for the workers: every pull request is closed, so a job ends after
// one call and the benchmark measures the webhook path, not reviews.
func stubGitHub() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /app", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"id":1,"slug":"wfreview"}`)
	})
	mux.HandleFunc("POST /app/installations/{id}/access_tokens", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token":"ghs_bench","expires_at":%q}`, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	})
	mux.HandleFunc("GET /repos/{owner}/{repo}/pulls/{n}", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"number":1,"state":"closed","head":{"sha":"x"},"base":{"ref":"main"}}`)
	})
	return httptest.NewServer(mux)
}

// payload is delivery i: a push to one of 50 pull requests, so later pushes supersede earlier ones.
func payload(i int) []byte {
	b, _ := json.Marshal(map[string]any{
		"action": "synchronize",
		"number": 1 + i%50,
		"pull_request": map[string]any{
			"number": 1 + i%50, "state": "open", "draft": false,
			"head": map[string]any{"sha": fmt.Sprintf("%040x", i), "ref": "feature"},
			"base": map[string]any{"sha": fmt.Sprintf("%040x", 0), "ref": "main"},
			"user": map[string]any{"login": "octocat", "type": "User"},
		},
		"repository":   map[string]any{"name": "hello", "owner": map[string]any{"login": "octo"}},
		"installation": map[string]any{"id": 1},
		"sender":       map[string]any{"login": "octocat", "type": "User"},
	})
	return b
}

// burst is what one round measured.
type burst struct {
	elapsed  time.Duration
	accepted int
	failed   int
	acks     []time.Duration // latencies of the 2xx answers
	healthz  []time.Duration // GET /healthz latencies during the burst
	commits  []time.Duration // durable commits timed after the burst
	drain    histogram       // acceptance to River job, the deliveries of this burst
	// acceptWait is the part of each acknowledgement spent in the queue's Accept (waiting for the
	// inbox commit), from the server's histogram.
	acceptWait histogram
}

func run(n, concurrency, rounds int, pause, probeEvery time.Duration, dbURL string, separate bool) error {
	if n <= 0 || concurrency <= 0 || rounds <= 0 || probeEvery <= 0 {
		return errors.New("-n, -concurrency, -rounds and -probe-interval must be positive")
	}
	dir, err := os.MkdirTemp("", "webhookload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if dbURL == "" {
		dbURL = filepath.Join(dir, "wfreview.db")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var base string
	var stop func() error
	if separate {
		base, stop, err = startChild(dbURL)
	} else {
		base, stop, err = startServer(ctx, dbURL)
	}
	if err != nil {
		return err
	}

	var probe commitProbe
	if strings.HasPrefix(dbURL, "postgres://") || strings.HasPrefix(dbURL, "postgresql://") {
		probe, err = openPostgresProbe(ctx, dbURL)
	} else {
		probe, err = openSQLiteProbe(filepath.Join(dir, "commit-probe.db"))
	}
	if err != nil {
		return err
	}
	defer probe.Close()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency + 1}}
	fmt.Printf("backend:      %s\n", config.RedactDatabaseURL(dbURL))
	fmt.Printf("load:         %d rounds of %d signed pull_request deliveries over %d connections\n", rounds, n, concurrency)
	var all []burst
	var seq atomic.Int64
	for r := range rounds {
		if r > 0 {
			time.Sleep(pause)
		}
		before := scrape(client, base)
		b := sendBurst(client, base, n, concurrency, probeEvery, &seq)
		after := waitDrained(client, base, before, b.accepted)
		b.drain = after.drain.minus(before.drain)
		b.acceptWait = after.acceptWait.minus(before.acceptWait)
		if b.commits, err = probe.time(100); err != nil {
			return err
		}
		all = append(all, b)
		fmt.Printf("round %d:      %s\n", r+1, b.line())
	}
	final := scrape(client, base)
	if err := stop(); err != nil {
		return err
	}
	printSummary(all, final)
	return nil
}

// serveChild is the -serve side of -separate: it runs the server, writes its address as the first
// line of stdout and stops it when stdin reaches EOF (the parent closed it, or died).
func serveChild(dbURL string) error {
	if dbURL == "" {
		return errors.New("-serve needs -database")
	}
	base, stop, err := startServer(context.Background(), dbURL)
	if err != nil {
		return err
	}
	fmt.Println(base)
	_, _ = io.Copy(io.Discard, os.Stdin)
	return stop()
}

// startChild re-executes this program with -serve on dbURL and returns the address it printed.
func startChild(dbURL string) (base string, stop func() error, err error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(exe, "-serve", "-database", dbURL)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = stdin.Close()
		_ = cmd.Wait()
		return "", nil, fmt.Errorf("server process: %w", err)
	}
	return strings.TrimSpace(line), func() error {
		_ = stdin.Close()
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("server process: %w", err)
		}
		return nil
	}, nil
}

// startServer runs the server in this process, against a stub GitHub, on a loopback port. stop
// shuts it down and returns its error.
func startServer(ctx context.Context, dbURL string) (base string, stop func() error, err error) {
	gh := stubGitHub()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		gh.Close()
		return "", nil, err
	}
	op := config.DefaultOperator()
	op.GitHub.V3APIURL = gh.URL + "/"
	op.GitHub.App.IntegrationID = 1
	op.GitHub.App.PrivateKey = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	op.GitHub.App.WebhookSecret = secret
	op.DatabaseURL = dbURL
	ctx, cancel := context.WithCancel(ctx)
	srv, err := handlers.NewServer(ctx, op, handlers.ServerOptions{Version: "bench", Log: zerolog.Nop()})
	if err != nil {
		cancel()
		gh.Close()
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		gh.Close()
		return "", nil, err
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	return "http://" + ln.Addr().String(), func() error {
		cancel()
		err := <-done
		gh.Close()
		return err
	}, nil
}

// sendBurst posts n deliveries from concurrency connections while a ninth connection polls /healthz
// every probeEvery (paced, so the probe itself does not load the server).
func sendBurst(client *http.Client, base string, n, concurrency int, probeEvery time.Duration, seq *atomic.Int64) burst {
	var b burst
	var mu sync.Mutex
	var sent atomic.Int64
	stop := make(chan struct{})
	probeDone := make(chan []time.Duration)
	go func() {
		var lat []time.Duration
		tick := time.NewTicker(probeEvery)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				probeDone <- lat
				return
			case <-tick.C:
			}
			t0 := time.Now()
			resp, err := client.Get(base + "/healthz")
			if err != nil {
				continue
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			lat = append(lat, time.Since(t0))
		}
	}()

	start := time.Now()
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			var local []time.Duration
			failed := 0
			for sent.Add(1) <= int64(n) {
				d, ok := deliver(client, base, int(seq.Add(1)))
				if ok {
					local = append(local, d)
				} else {
					failed++
				}
			}
			mu.Lock()
			b.acks = append(b.acks, local...)
			b.failed += failed
			mu.Unlock()
		})
	}
	wg.Wait()
	b.elapsed = time.Since(start)
	close(stop)
	b.healthz = <-probeDone
	b.accepted = len(b.acks)
	return b
}

// deliver posts delivery i and returns its latency and whether it was answered 2xx.
func deliver(client *http.Client, base string, i int) (time.Duration, bool) {
	body := payload(i)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	req, _ := http.NewRequest(http.MethodPost, base+handlers.WebhookRoute, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "pull_request")
	req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("bench-%d", i))
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	t0 := time.Now()
	resp, err := client.Do(req)
	d := time.Since(t0)
	if err != nil {
		return d, false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return d, resp.StatusCode/100 == 2
}

func (b burst) line() string {
	acks, hz, commits := sorted(b.acks), sorted(b.healthz), sorted(b.commits)
	floor := pct(hz, 0.99) + pct(commits, 0.5)
	s := fmt.Sprintf("accepted %d (%.0f/s), failed %d; ack p50 %s p99 %s; floor %s (healthz p99 %s + commit %s); ratio %.2f",
		b.accepted, float64(b.accepted)/b.elapsed.Seconds(), b.failed, ms(pct(acks, 0.5)), ms(pct(acks, 0.99)),
		ms(floor), ms(pct(hz, 0.99)), ms(pct(commits, 0.5)), ratio(pct(acks, 0.99), floor))
	if b.drain.count > 0 {
		s += fmt.Sprintf("; drain p50 %s p99 %s", ms(b.drain.quantile(0.5)), ms(b.drain.quantile(0.99)))
	}
	return s
}

// printSummary pools the latencies of every round; accepted/s is the median of the rounds.
func printSummary(all []burst, m serverMetrics) {
	var acks, hz, commits []time.Duration
	var rates []float64
	accepted, failed := 0, 0
	for _, b := range all {
		acks = append(acks, b.acks...)
		hz = append(hz, b.healthz...)
		commits = append(commits, b.commits...)
		rates = append(rates, float64(b.accepted)/b.elapsed.Seconds())
		accepted += b.accepted
		failed += b.failed
	}
	slices.Sort(rates)
	acks, hz, commits = sorted(acks), sorted(hz), sorted(commits)
	commit := pct(commits, 0.5)
	floor := pct(hz, 0.99) + commit
	fmt.Printf("accepted:     %d of %d (%.0f/s, median of rounds), failed: %d\n", accepted, accepted+failed, rates[len(rates)/2], failed)
	if len(acks) == 0 {
		fmt.Println("ack latency:  no delivery accepted")
		return
	}
	fmt.Printf("ack latency:  p50 %s  p99 %s  max %s\n", ms(pct(acks, 0.5)), ms(pct(acks, 0.99)), ms(acks[len(acks)-1]))
	fmt.Printf("floor:        %s = /healthz p99 %s (%d probes during the bursts) + one durable commit %s (median of %d)\n",
		ms(floor), ms(pct(hz, 0.99)), len(hz), ms(commit), len(commits))
	fmt.Printf("ratio:        ack p99 / floor = %.2f (target <= 1.5)\n", ratio(pct(acks, 0.99), floor))
	fmt.Printf("disk:         durable commit p90 %s  p99 %s  max %s (an acknowledgement waits for at least one)\n",
		ms(pct(commits, 0.9)), ms(pct(commits, 0.99)), ms(commits[len(commits)-1]))
	var drain, acceptWait histogram
	for _, b := range all {
		drain = drain.plus(b.drain)
		acceptWait = acceptWait.plus(b.acceptWait)
	}
	if acceptWait.count > 0 {
		fmt.Printf("in Accept:    p50 %s  p99 %s of each acknowledgement wait for the inbox commit (bucket-interpolated)\n",
			ms(acceptWait.quantile(0.5)), ms(acceptWait.quantile(0.99)))
	}
	if drain.count > 0 {
		fmt.Printf("drain:        acceptance to River job p50 %s  p99 %s (%.0f deliveries; bucket-interpolated)\n",
			ms(drain.quantile(0.5)), ms(drain.quantile(0.99)), drain.count)
	}
	for _, t := range []struct {
		what string
		h    sizeHistogram
	}{{"inbox group commits", m.accept}, {"drain transactions", m.drainTx}, {"enqueue group commits", m.enqueue}} {
		if t.h.count > 0 {
			fmt.Printf("transactions: %.0f %s for %.0f deliveries (%.1f per transaction)\n", t.h.count, t.what, t.h.sum, t.h.sum/t.h.count)
		}
	}
}

// serverMetrics is what the bench reads from the server's /metrics.
type serverMetrics struct {
	accept, drainTx, enqueue sizeHistogram // transactions: count, and deliveries in them: sum
	drain                    histogram     // wfreview_queue_inbox_drain_seconds
	acceptWait               histogram     // wfreview_queue_accept_seconds
}

type sizeHistogram struct{ count, sum float64 }

// histogram is a cumulative Prometheus histogram: counts[i] observations <= bounds[i].
type histogram struct {
	bounds []float64
	counts []float64
	count  float64
}

func (h histogram) minus(o histogram) histogram { return h.add(o, -1) }

func (h histogram) plus(o histogram) histogram {
	if h.bounds == nil {
		return o
	}
	return h.add(o, 1)
}

// add is h + sign*o bucket by bucket (h when the buckets differ).
func (h histogram) add(o histogram, sign float64) histogram {
	if len(o.counts) != len(h.counts) {
		return h
	}
	out := histogram{bounds: h.bounds, counts: make([]float64, len(h.counts)), count: h.count + sign*o.count}
	for i := range h.counts {
		out.counts[i] = h.counts[i] + sign*o.counts[i]
	}
	return out
}

// quantile interpolates linearly within the bucket holding the q-quantile (histogram_quantile).
func (h histogram) quantile(q float64) time.Duration {
	if h.count == 0 {
		return 0
	}
	rank := q * h.count
	lower, below := 0.0, 0.0
	for i, c := range h.counts {
		if c >= rank {
			upper := h.bounds[i]
			if math.IsInf(upper, 1) {
				return time.Duration(lower * float64(time.Second))
			}
			v := lower + (upper-lower)*(rank-below)/max(c-below, 1e-9)
			return time.Duration(v * float64(time.Second))
		}
		lower, below = h.bounds[i], c
	}
	return time.Duration(lower * float64(time.Second))
}

// scrape reads the queue's histograms from /metrics (zero values for those the server lacks).
func scrape(client *http.Client, base string) serverMetrics {
	var m serverMetrics
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		return m
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return m
	}
	hist := func(name string) *dto.Histogram {
		if f := families[name]; f != nil && len(f.GetMetric()) == 1 {
			return f.GetMetric()[0].GetHistogram()
		}
		return nil
	}
	size := func(name string) sizeHistogram {
		h := hist(name)
		return sizeHistogram{count: float64(h.GetSampleCount()), sum: h.GetSampleSum()}
	}
	seconds := func(name string) histogram {
		h := hist(name)
		if h == nil {
			return histogram{}
		}
		out := histogram{count: float64(h.GetSampleCount())}
		for _, b := range h.GetBucket() {
			out.bounds = append(out.bounds, b.GetUpperBound())
			out.counts = append(out.counts, float64(b.GetCumulativeCount()))
		}
		return out
	}
	m.accept = size("wfreview_queue_accept_batch_size")
	m.drainTx = size("wfreview_queue_inbox_drain_batch_size")
	m.enqueue = size("wfreview_queue_enqueue_batch_size")
	m.drain = seconds("wfreview_queue_inbox_drain_seconds")
	m.acceptWait = seconds("wfreview_queue_accept_seconds")
	return m
}

// waitDrained scrapes until the deliveries of the last burst were drained into River (at most 10s).
func waitDrained(client *http.Client, base string, before serverMetrics, accepted int) serverMetrics {
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := scrape(client, base)
		if m.drain.count-before.drain.count >= float64(accepted) || m.drain.bounds == nil || time.Now().After(deadline) {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// commitProbe times durable commits of a one-row transaction.
type commitProbe interface {
	time(n int) ([]time.Duration, error)
	Close() error
}

// sqliteProbe commits on its own SQLite file, opened with the queue's settings.
type sqliteProbe struct {
	db  *sql.DB
	seq int
}

func openSQLiteProbe(path string) (*sqliteProbe, error) {
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open commit probe: %w", err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY, at INTEGER NOT NULL)`); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("create commit probe table: %w", err)
	}
	return &sqliteProbe{db: db}, nil
}

// time runs n transactions of one insert each and returns the time of each.
func (p *sqliteProbe) time(n int) ([]time.Duration, error) {
	ds := make([]time.Duration, 0, n)
	for range n {
		p.seq++
		t0 := time.Now()
		tx, err := p.db.Begin()
		if err != nil {
			return nil, fmt.Errorf("commit probe: %w", err)
		}
		if _, err := tx.Exec(`INSERT INTO probe (id, at) VALUES (?, ?)`, p.seq, t0.UnixNano()); err != nil {
			_ = tx.Rollback()
			return nil, fmt.Errorf("commit probe: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("commit probe: %w", err)
		}
		ds = append(ds, time.Since(t0))
	}
	return ds, nil
}

func (p *sqliteProbe) Close() error { return p.db.Close() }

// postgresProbe commits on a table of the server's database (dropped at the end).
type postgresProbe struct {
	conn *pgx.Conn
	seq  int
}

func openPostgresProbe(ctx context.Context, dbURL string) (*postgresProbe, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("open commit probe: %w", err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS webhookload_probe (id BIGINT PRIMARY KEY, at BIGINT NOT NULL); TRUNCATE webhookload_probe`); err != nil {
		_ = conn.Close(ctx)
		return nil, fmt.Errorf("create commit probe table: %w", err)
	}
	return &postgresProbe{conn: conn}, nil
}

func (p *postgresProbe) time(n int) ([]time.Duration, error) {
	ctx := context.Background()
	ds := make([]time.Duration, 0, n)
	for range n {
		p.seq++
		t0 := time.Now()
		tx, err := p.conn.Begin(ctx)
		if err != nil {
			return nil, fmt.Errorf("commit probe: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO webhookload_probe (id, at) VALUES ($1, $2)`, p.seq, t0.UnixNano()); err != nil {
			_ = tx.Rollback(ctx)
			return nil, fmt.Errorf("commit probe: %w", err)
		}
		if err := tx.Commit(ctx); err != nil {
			return nil, fmt.Errorf("commit probe: %w", err)
		}
		ds = append(ds, time.Since(t0))
	}
	return ds, nil
}

func (p *postgresProbe) Close() error {
	ctx := context.Background()
	_, err := p.conn.Exec(ctx, `DROP TABLE IF EXISTS webhookload_probe`)
	return errors.Join(err, p.conn.Close(ctx))
}

func sorted(ds []time.Duration) []time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds
}

// pct is the p-quantile of sorted durations (0 when empty).
func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return ds[min(len(ds)-1, int(p*float64(len(ds))))]
}

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }
