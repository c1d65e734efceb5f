package handlers_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite" // reads the killed server's database

	"github.com/wfreview/wfreview/config"
	"github.com/wfreview/wfreview/model/modeltest"
)

// TestKillDuringBurstLosesNoAcknowledgedDelivery kills the server (SIGKILL) in the middle of a
// burst of pull_request webhooks from 8 connections, deliveries sharing group-commit transactions;
// after a restart, every delivery that was answered 2xx has its delivery id and its job in the
// database.
func TestKillDuringBurstLosesNoAcknowledgedDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	_, cfg := crashSetup(t, func(modeltest.Call) modeltest.Reply { return modeltest.Reply{Content: "{}"} })
	op, err := config.LoadOperator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	template := fixture(t, "pull_request.opened.2.json")
	body := func(i int) []byte {
		b, _ := json.Marshal(template)
		var p map[string]any
		_ = json.Unmarshal(b, &p) // a deep copy
		pr := p["pull_request"].(map[string]any)
		number := 1000 + i%40 // 40 pull requests, pushes superseding each other
		p["action"], p["number"], pr["number"] = "synchronize", number, number
		pr["head"].(map[string]any)["sha"] = fmt.Sprintf("%040x", i)
		b, _ = json.Marshal(p)
		return b
	}

	child, url := startChild(t, cfg, "first")
	const total, connections, killAfter = 2000, 8, 150
	var seq, acked, failed atomic.Int64
	var mu sync.Mutex
	var ackedIDs []string
	killed := make(chan struct{})
	var wg sync.WaitGroup
	for range connections {
		wg.Go(func() {
			client := &http.Client{Timeout: 30 * time.Second}
			for {
				i := int(seq.Add(1))
				if i > total {
					return
				}
				b := body(i)
				id := fmt.Sprintf("burst-%d", i)
				req, _ := http.NewRequest(http.MethodPost, url+"/api/github/hook", bytes.NewReader(b))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-GitHub-Event", "pull_request")
				req.Header.Set("X-GitHub-Delivery", id)
				req.Header.Set("X-Hub-Signature-256", sign(b))
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					select {
					case <-killed:
						return // the server is gone
					default:
						continue
					}
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					failed.Add(1)
					continue
				}
				mu.Lock()
				ackedIDs = append(ackedIDs, id)
				mu.Unlock()
				acked.Add(1)
			}
		})
	}
	deadline := time.Now().Add(60 * time.Second)
	for acked.Load() < killAfter && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if err := child.Process.Kill(); err != nil { // kill -9 during the burst
		t.Fatal(err)
	}
	close(killed)
	_ = child.Wait()
	wg.Wait()
	mu.Lock()
	acks := append([]string(nil), ackedIDs...)
	mu.Unlock()
	if len(acks) < killAfter || len(acks) >= total {
		t.Fatalf("%d deliveries acknowledged before the kill; want the kill in the middle of the burst", len(acks))
	}

	startChild(t, cfg, "second") // the restart: migrations, rescue of the killed process's jobs

	db, err := sql.Open("sqlite", op.DatabaseURL+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recorded := queryStrings(t, db, `SELECT delivery_id FROM wfreview_delivery`)
	withJob := queryStrings(t, db, `SELECT json_extract(args, '$.delivery_id') FROM river_job`)
	lost := 0
	for _, id := range acks {
		if !recorded[id] || !withJob[id] {
			lost++
			if lost <= 10 {
				t.Errorf("delivery %s was acknowledged but after the restart: delivery id recorded %v, job %v", id, recorded[id], withJob[id])
			}
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d acknowledged deliveries lost", lost, len(acks))
	}
	t.Logf("%d deliveries acknowledged before the kill, %d failed or cut off, %d jobs in the database: none lost",
		len(acks), failed.Load(), len(withJob))
}

func queryStrings(t *testing.T, db *sql.DB, query string) map[string]bool {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out[s.String] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
