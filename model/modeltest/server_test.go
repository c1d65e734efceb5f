package modeltest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

func post(t *testing.T, url, body string) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body %q is not JSON: %v", b, err)
	}
	return resp, m
}

func TestServerAnswersLikeOpenAI(t *testing.T) {
	s := NewServer(t, func(c Call) Reply {
		return Reply{Content: "hello " + c.LastUserMessage(), PromptTokens: 12, CompletionTokens: 3}
	})
	resp, m := post(t, s.URL+"/chat/completions", `{"model":"gpt-4.1","messages":[{"role":"system","content":"s"},{"role":"user","content":"there"}],"max_tokens":50}`)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if m["object"] != "chat.completion" || m["model"] != "gpt-4.1" || m["id"] == "" || m["created"] == nil {
		t.Errorf("envelope = %v", m)
	}
	choice := m["choices"].([]any)[0].(map[string]any)
	msg := choice["message"].(map[string]any)
	if msg["role"] != "assistant" || msg["content"] != "hello there" || choice["finish_reason"] != "stop" || choice["index"] != 0.0 {
		t.Errorf("choice = %v", choice)
	}
	usage := m["usage"].(map[string]any)
	if usage["prompt_tokens"] != 12.0 || usage["completion_tokens"] != 3.0 || usage["total_tokens"] != 15.0 {
		t.Errorf("usage = %v", usage)
	}
	calls := s.Calls()
	if len(calls) != 1 || calls[0].N != 1 || calls[0].Model != "gpt-4.1" || len(calls[0].Messages) != 2 || calls[0].Request.MaxTokens != 50 {
		t.Errorf("calls = %+v", calls)
	}
}

func TestServerWithGoOpenAI(t *testing.T) {
	s := NewServer(t, func(c Call) Reply { return JSONReply(map[string]int{"n": c.N}) })
	cfg := openai.DefaultConfig("k")
	cfg.BaseURL = s.URL
	cli := openai.NewClientWithConfig(cfg)
	for i := 1; i <= 2; i++ {
		resp, err := cli.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
			Model:    "claude-sonnet-4-5",
			Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}},
		})
		if err != nil {
			t.Fatalf("CreateChatCompletion: %v", err)
		}
		if want := fmt.Sprintf(`{"n":%d}`, i); resp.Choices[0].Message.Content != want {
			t.Errorf("content = %q, want %q", resp.Choices[0].Message.Content, want)
		}
	}
	if s.CallsFor("claude-sonnet-4-5") != 2 || s.CallsFor("gpt-4.1") != 0 {
		t.Errorf("CallsFor = %d", s.CallsFor("claude-sonnet-4-5"))
	}
}

func TestServerErrors(t *testing.T) {
	tests := []struct {
		name       string
		reply      Reply
		wantStatus int
		wantType   string
		wantCode   any
		wantMsg    string
		wantRetry  string
	}{
		{"429", Reply{Status: 429, Content: "Rate limit reached", RetryAfter: "3"}, 429, "rate_limit_error", "rate_limit_exceeded", "Rate limit reached", "3"},
		{"401", Reply{Status: 401}, 401, "invalid_request_error", "invalid_api_key", "Unauthorized", ""},
		{"400", Reply{Status: 400, Content: "response_format is not supported"}, 400, "invalid_request_error", nil, "response_format is not supported", ""},
		{"500", Reply{Status: 500}, 500, "server_error", nil, "Internal Server Error", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(t, func(Call) Reply { return tt.reply })
			resp, m := post(t, s.URL+"/chat/completions", `{"model":"m","messages":[]}`)
			if resp.StatusCode != tt.wantStatus || resp.Header.Get("Retry-After") != tt.wantRetry {
				t.Errorf("status %d retry-after %q", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
			e := m["error"].(map[string]any)
			if e["message"] != tt.wantMsg || e["type"] != tt.wantType || e["code"] != tt.wantCode {
				t.Errorf("error = %v", e)
			}
		})
	}

	s := NewServer(t, nil)
	resp, m := post(t, s.URL+"/embeddings", `{"model":"m"}`)
	if resp.StatusCode != 404 || m["error"] == nil {
		t.Errorf("unknown path: %d %v", resp.StatusCode, m)
	}
	resp, m = post(t, s.URL+"/chat/completions", `{not json`)
	if resp.StatusCode != 400 || m["error"] == nil {
		t.Errorf("bad body: %d %v", resp.StatusCode, m)
	}
	getResp, err := http.Get(s.URL + "/chat/completions")
	if err != nil {
		t.Fatal(err)
	}
	getResp.Body.Close()
	if getResp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", getResp.StatusCode)
	}
	if len(s.Calls()) != 0 {
		t.Errorf("rejected requests were recorded as calls: %d", len(s.Calls()))
	}
}

func TestServerRawAndDelay(t *testing.T) {
	s := NewServer(t, func(c Call) Reply {
		if c.N == 1 {
			return Reply{Raw: `{"choices":[]}`}
		}
		return Reply{Delay: 10 * time.Second, Content: "late"}
	})
	resp, m := post(t, s.URL+"/chat/completions", `{"model":"m","messages":[]}`)
	if resp.StatusCode != 200 || len(m["choices"].([]any)) != 0 {
		t.Errorf("raw: %d %v", resp.StatusCode, m)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/chat/completions", strings.NewReader(`{"model":"m","messages":[]}`))
	start := time.Now()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("delayed reply arrived before the client's deadline")
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("client waited %v", time.Since(start))
	}
}

func TestServerConcurrentCalls(t *testing.T) {
	s := NewServer(t, func(c Call) Reply { return Reply{Content: fmt.Sprint(c.N)} })
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(s.URL+"/chat/completions", "application/json",
				strings.NewReader(fmt.Sprintf(`{"model":"m%d","messages":[]}`, i%2)))
			if err == nil {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	calls := s.Calls()
	seen := map[int]bool{}
	for _, c := range calls {
		seen[c.N] = true
	}
	if len(calls) != 20 || len(seen) != 20 || !seen[1] || !seen[20] {
		t.Errorf("calls = %d, distinct N = %d", len(calls), len(seen))
	}
	if s.CallsFor("m0")+s.CallsFor("m1") != 20 || s.CallsFor("m0") != 10 {
		t.Errorf("CallsFor m0=%d m1=%d", s.CallsFor("m0"), s.CallsFor("m1"))
	}
}
