// Command webhookload measures how fast `wfreview serve` acknowledges webhooks with the embedded
// default (SQLite): it starts the server on loopback against a stub GitHub, posts signed
// pull_request deliveries from several connections for a while, and prints accepted deliveries per
// second and the p50/p99/max acknowledgement latency. Every 2xx means the review job was committed to
// the database first, so this is the durable path, fsync included.
//
//	go run ./bench/webhookload -duration 10s -concurrency 8
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/handlers"
)

const secret = "bench-secret"

func main() {
	duration := flag.Duration("duration", 10*time.Second, "how long to send")
	concurrency := flag.Int("concurrency", 8, "concurrent connections")
	dbURL := flag.String("database", "", "database URL (default: a SQLite file in a temp dir)")
	flag.Parse()
	if err := run(*duration, *concurrency, *dbURL); err != nil {
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

func run(duration time.Duration, concurrency int, dbURL string) error {
	gh := stubGitHub()
	defer gh.Close()
	dir, err := os.MkdirTemp("", "webhookload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if dbURL == "" {
		dbURL = filepath.Join(dir, "wfreview.db")
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	op := config.DefaultOperator()
	op.GitHub.V3APIURL = gh.URL + "/"
	op.GitHub.App.IntegrationID = 1
	op.GitHub.App.PrivateKey = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	op.GitHub.App.WebhookSecret = secret
	op.DatabaseURL = dbURL

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := handlers.NewServer(ctx, op, handlers.ServerOptions{Version: "bench", Log: zerolog.Nop()})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String() + "/api/github/hook"

	var seq, accepted, failed atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			for time.Now().Before(deadline) {
				i := int(seq.Add(1))
				body := payload(i)
				mac := hmac.New(sha256.New, []byte(secret))
				mac.Write(body)
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-GitHub-Event", "pull_request")
				req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("bench-%d", i))
				req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
				t0 := time.Now()
				resp, err := client.Do(req)
				d := time.Since(t0)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					accepted.Add(1)
					local = append(local, d)
				} else {
					failed.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cancel()
	if err := <-done; err != nil {
		return err
	}
	if len(lat) == 0 {
		return fmt.Errorf("no delivery accepted (%d failed)", failed.Load())
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Printf("backend:      %s\n", config.RedactDatabaseURL(dbURL))
	fmt.Printf("concurrency:  %d connections for %s\n", concurrency, elapsed.Round(time.Millisecond))
	fmt.Printf("accepted:     %d (%.0f/s), failed: %d\n", accepted.Load(), float64(accepted.Load())/elapsed.Seconds(), failed.Load())
	fmt.Printf("ack latency:  p50 %s  p99 %s  max %s\n", pct(0.50).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond))
	return nil
}
