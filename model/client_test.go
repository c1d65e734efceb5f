package model_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	openai "github.com/sashabaranov/go-openai"

	"github.com/wfreview/wfreview/model"
	"github.com/wfreview/wfreview/model/modeltest"
)

// testKey is distinctive so a leak anywhere is easy to spot.
const testKey = "sk-test-SECRET-7f3a9c2e51d04b6b"

var findingsSchema = json.RawMessage(`{"type":"object","properties":{"findings":{"type":"array","items":{"type":"string"}}},"required":["findings"],"additionalProperties":false}`)

type findings struct {
	Findings []string `json:"findings"`
}

// sleeper records the waits between retries instead of sleeping.
type sleeper struct {
	mu sync.Mutex
	ds []time.Duration
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.ds = append(s.ds, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.ds...)
}

func newClient(srv *modeltest.Server, name string, sl *sleeper, opts ...model.Option) *model.Client {
	spec := model.Spec{Name: name, Provider: "openai", BaseURL: srv.URL, APIKey: testKey, MaxOutputTokens: 4096}
	all := append([]model.Option{model.WithSleep(sl.sleep), model.WithBackoff(time.Second, 8*time.Second)}, opts...)
	return model.NewClient(spec, all...)
}

func request() model.Request {
	return model.Request{
		System:     "You review code. Answer with JSON only.",
		User:       "Review this diff.",
		Schema:     findingsSchema,
		SchemaName: "review",
	}
}

// complete runs Complete and decodes into findings.
func complete(ctx context.Context, c *model.Client, req model.Request) (findings, model.Usage, error) {
	var f findings
	u, err := c.Complete(ctx, req, func(s string) error {
		f = findings{}
		dec := json.NewDecoder(strings.NewReader(s))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return err
		}
		if f.Findings == nil {
			return errors.New("findings missing")
		}
		return nil
	})
	return f, u, err
}

func TestCompleteStructuredOutput(t *testing.T) {
	srv := modeltest.NewServer(t, func(c modeltest.Call) modeltest.Reply {
		return modeltest.Reply{Content: `{"findings":["nil map write in handler.go:42"]}`, PromptTokens: 1200, CompletionTokens: 80}
	})
	sl := &sleeper{}
	c := newClient(srv, "gpt-4.1", sl)

	f, u, err := complete(context.Background(), c, request())
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if len(f.Findings) != 1 || f.Findings[0] != "nil map write in handler.go:42" {
		t.Errorf("findings = %v", f.Findings)
	}
	if u != (model.Usage{PromptTokens: 1200, CompletionTokens: 80, Calls: 1}) {
		t.Errorf("usage = %+v", u)
	}
	calls := srv.Calls()
	if len(calls) != 1 {
		t.Fatalf("calls = %d, want 1", len(calls))
	}
	call := calls[0]
	if call.Model != "gpt-4.1" || srv.CallsFor("gpt-4.1") != 1 {
		t.Errorf("model = %q", call.Model)
	}
	rf := call.Request.ResponseFormat
	if rf == nil || rf.Type != openai.ChatCompletionResponseFormatTypeJSONSchema || rf.JSONSchema == nil {
		t.Fatalf("response_format = %+v, want json_schema", rf)
	}
	if rf.JSONSchema.Name != "review" || !rf.JSONSchema.Strict {
		t.Errorf("json_schema name=%q strict=%v", rf.JSONSchema.Name, rf.JSONSchema.Strict)
	}
	gotSchema, err := json.Marshal(rf.JSONSchema.Schema)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	_ = json.Unmarshal(gotSchema, &a)
	_ = json.Unmarshal(findingsSchema, &b)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("schema sent = %s", gotSchema)
	}
	if len(call.Messages) != 2 || call.Messages[0].Role != "system" || call.Messages[1].Role != "user" ||
		call.Messages[1].Content != "Review this diff." {
		t.Errorf("messages = %+v", call.Messages)
	}
	if call.Request.MaxTokens != 4096 || call.Request.MaxCompletionTokens != 0 {
		t.Errorf("max_tokens=%d max_completion_tokens=%d, want 4096 and 0", call.Request.MaxTokens, call.Request.MaxCompletionTokens)
	}
	if got := call.Header.Get("Authorization"); got != "Bearer "+testKey {
		t.Errorf("Authorization header not sent as Bearer key")
	}
	var raw map[string]any
	if err := json.Unmarshal(call.Body, &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["temperature"]; ok {
		t.Errorf("temperature sent: %v", raw["temperature"])
	}
	if raw["stream"] != false {
		t.Errorf("stream = %v", raw["stream"])
	}
	if len(sl.waits()) != 0 {
		t.Errorf("slept %v on success", sl.waits())
	}
}

func TestCompleteTolerantJSON(t *testing.T) {
	tests := []struct {
		name, content string
		want          []string
	}{
		{"fenced block", "Here is my review:\n\n```json\n{\"findings\": [\"missing error check\"]}\n```\n", []string{"missing error check"}},
		{"prose around JSON", "I looked at the diff {briefly}. Result: {\"findings\": [\"unclosed brace \\\"}\\\" in string\", \"x\"]} Hope that helps!", []string{"unclosed brace \"}\" in string", "x"}},
		{"thinking block first", "<think>maybe {\"findings\": [\"wrong\"]}</think>\n{\"findings\": []}", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := modeltest.NewServer(t, func(modeltest.Call) modeltest.Reply { return modeltest.Reply{Content: tt.content} })
			f, u, err := complete(context.Background(), newClient(srv, "llama3.1:8b", &sleeper{}), request())
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if fmt.Sprint(f.Findings) != fmt.Sprint(tt.want) {
				t.Errorf("findings = %q, want %q", f.Findings, tt.want)
			}
			if u.Calls != 1 {
				t.Errorf("calls = %d, want 1 (no retry needed)", u.Calls)
			}
		})
	}
}

func TestCompleteRetryAfter(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name, retryAfter string
		status           int
		wantMin, wantMax time.Duration
	}{
		{"429 seconds", "7", http.StatusTooManyRequests, 7 * time.Second, 7 * time.Second},
		{"429 capped", "3600", http.StatusTooManyRequests, 20 * time.Second, 20 * time.Second},
		{"503 http date", now.Add(12 * time.Second).UTC().Format(http.TimeFormat), http.StatusServiceUnavailable, 9 * time.Second, 13 * time.Second},
		{"429 without header uses backoff", "", http.StatusTooManyRequests, 500 * time.Millisecond, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := modeltest.NewServer(t, func(c modeltest.Call) modeltest.Reply {
				if c.N == 1 {
					return modeltest.Reply{Status: tt.status, Content: "Rate limit reached for gpt-4.1 on tokens per min", RetryAfter: tt.retryAfter}
				}
				return modeltest.Reply{Content: `{"findings":[]}`, PromptTokens: 10, CompletionTokens: 2}
			})
			sl := &sleeper{}
			c := newClient(srv, "gpt-4.1", sl, model.WithMaxRetryAfter(20*time.Second))
			_, u, err := complete(context.Background(), c, request())
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			w := sl.waits()
			if len(w) != 1 || w[0] < tt.wantMin || w[0] > tt.wantMax {
				t.Errorf("waits = %v, want one in [%v, %v]", w, tt.wantMin, tt.wantMax)
			}
			if u.Calls != 2 || u.PromptTokens != 10 {
				t.Errorf("usage = %+v", u)
			}
		})
	}
}

func TestCompleteExhausted(t *testing.T) {
	for _, status := range []int{500, 502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			srv := modeltest.NewServer(t, func(modeltest.Call) modeltest.Reply {
				return modeltest.Reply{Status: status, Content: "The server had an error while processing your request."}
			})
			sl := &sleeper{}
			c := newClient(srv, "gpt-4.1", sl, model.WithMaxRetries(3))
			_, u, err := complete(context.Background(), c, request())
			if !errors.Is(err, model.ErrExhausted) {
				t.Fatalf("err = %v, want ErrExhausted", err)
			}
			var ce *model.CallError
			if !errors.As(err, &ce) {
				t.Fatalf("err %T is not a *CallError", err)
			}
			if ce.Attempts != 4 || ce.Status != status || ce.Model != "gpt-4.1" || !ce.Retryable {
				t.Errorf("CallError = %+v", ce)
			}
			if !strings.Contains(err.Error(), "4 attempts") || !strings.Contains(err.Error(), fmt.Sprint(status)) {
				t.Errorf("error text %q lacks attempts or status", err)
			}
			var apiErr *openai.APIError
			if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != status {
				t.Errorf("the server's error is not reachable: %v", err)
			}
			if u.Calls != 4 || len(srv.Calls()) != 4 {
				t.Errorf("calls = %d (server %d), want 4", u.Calls, len(srv.Calls()))
			}
			// Exponential backoff with jitter in the upper half: 1s, 2s, 4s.
			w := sl.waits()
			if len(w) != 3 {
				t.Fatalf("waits = %v, want 3", w)
			}
			for i, d := range w {
				base := time.Second << i
				if d < base/2 || d > base {
					t.Errorf("wait %d = %v, want in [%v, %v]", i, d, base/2, base)
				}
			}
		})
	}
}

func TestCompleteNoRetry(t *testing.T) {
	tests := []struct {
		status int
		msg    string
	}{
		{http.StatusBadRequest, "This model's maximum context length is 128000 tokens."},
		{http.StatusUnauthorized, "Incorrect API key provided."},
		{http.StatusForbidden, "Project does not have access to model gpt-4.1."},
		{http.StatusNotFound, "The model `gpt-9` does not exist or you do not have access to it."},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			srv := modeltest.NewServer(t, func(modeltest.Call) modeltest.Reply {
				return modeltest.Reply{Status: tt.status, Content: tt.msg}
			})
			sl := &sleeper{}
			_, u, err := complete(context.Background(), newClient(srv, "gpt-4.1", sl), request())
			var ce *model.CallError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *CallError", err)
			}
			if ce.Status != tt.status || ce.Attempts != 1 || ce.Retryable || errors.Is(err, model.ErrExhausted) {
				t.Errorf("CallError = %+v", ce)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q lacks the server's message", err)
			}
			if u.Calls != 1 || len(sl.waits()) != 0 {
				t.Errorf("calls = %d, waits = %v; want 1 and none", u.Calls, sl.waits())
			}
		})
	}
}

func TestCompleteTimeout(t *testing.T) {
	t.Run("slow then fast", func(t *testing.T) {
		srv := modeltest.NewServer(t, func(c modeltest.Call) modeltest.Reply {
			if c.N == 1 {
				return modeltest.Reply{Delay: 5 * time.Second, Content: `{"findings":["late"]}`}
			}
			return modeltest.Reply{Content: `{"findings":["on time"]}`}
		})
		sl := &sleeper{}
		c := newClient(srv, "qwen2.5-coder:32b", sl, model.WithTimeout(100*time.Millisecond))
		start := time.Now()
		f, u, err := complete(context.Background(), c, request())
		if err != nil {
			t.Fatalf("Complete: %v", err)
		}
		if time.Since(start) > 3*time.Second {
			t.Errorf("took %v: the per-call timeout was not enforced", time.Since(start))
		}
		if len(f.Findings) != 1 || f.Findings[0] != "on time" || u.Calls != 2 || len(sl.waits()) != 1 {
			t.Errorf("findings=%v usage=%+v waits=%v", f.Findings, u, sl.waits())
		}
	})
	t.Run("always slow", func(t *testing.T) {
		srv := modeltest.NewServer(t, func(modeltest.Call) modeltest.Reply {
			return modeltest.Reply{Delay: 5 * time.Second, Content: `{"findings":[]}`}
		})
		c := newClient(srv, "qwen2.5-coder:32b", &sleeper{}, model.WithTimeout(50*time.Millisecond), model.WithMaxRetries(1))
		_, u, err := complete(context.Background(), c, request())
		if !errors.Is(err, model.ErrTimeout) || !errors.Is(err, model.ErrExhausted) {
			t.Fatalf("err = %v, want ErrTimeout and ErrExhausted", err)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a per-call timeout must not look like the caller's deadline: %v", err)
		}
		if u.Calls != 2 {
			t.Errorf("calls = %d, want 2", u.Calls)
		}
	})
}

func TestCompleteContextCancelled(t *testing.T) {
	srv := modeltest.NewServer(t, func(modeltest.Call) modeltest.Reply {
		return modeltest.Reply{Delay: 5 * time.Second, Content: `{"findings":[]}`}
	})
	sl := &sleeper{}
	c := newClient(srv, "gpt-4.1", sl)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, u, err := complete(ctx, c, request())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the caller's context.DeadlineExceeded", err)
	}
	if errors.Is(err, model.ErrExhausted) || errors.Is(err, model.ErrTimeout) {
		t.Errorf("cancellation reported as exhaustion/timeout: %v", err)
	}
	if u.Calls != 1 || len(sl.waits()) != 0 || time.Since(start) > 3*time.Second {
		t.Errorf("calls=%d waits=%v took=%v; want one call, no retry", u.Calls, sl.waits(), time.Since(start))
	}

	// Already cancelled: no request at all.
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	_, u, err = complete(ctx2, c, request())
	if !errors.Is(err, context.Canceled) || u.Calls != 0 {
		t.Errorf("err=%v calls=%d, want context.Canceled and no call", err, u.Calls)
	}
}

func TestCompleteMalformedThenGood(t *testing.T) {
	tests := []struct {
		name  string
		first modeltest.Reply
	}{
		{"no JSON", modeltest.Reply{Content: "I think the code looks fine overall.", PromptTokens: 100, CompletionTokens: 9}},
		{"truncated JSON", modeltest.Reply{Content: `{"findings": ["a", "b"`, FinishReason: "length", PromptTokens: 100, CompletionTokens: 9}},
		{"decode rejects", modeltest.Reply{Content: `{"verdict": "ok"}`, PromptTokens: 100, CompletionTokens: 9}},
		{"empty choices", modeltest.Reply{Raw: `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4.1","choices":[],"usage":{"prompt_tokens":100,"completion_tokens":9,"total_tokens":109}}`}},
		{"empty content", modeltest.Reply{Content: "", PromptTokens: 100, CompletionTokens: 9}},
		{"body not a completion", modeltest.Reply{Raw: `<html>502 Bad Gateway</html>`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := modeltest.NewServer(t, func(c modeltest.Call) modeltest.Reply {
				if c.N == 1 {
					return tt.first
				}
				return modeltest.Reply{Content: `{"findings":["ok"]}`, PromptTokens: 100, CompletionTokens: 5}
			})
			sl := &sleeper{}
			f, u, err := complete(context.Background(), newClient(srv, "gpt-4.1", sl), request())
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if len(f.Findings) != 1 || f.Findings[0] != "ok" {
				t.Errorf("findings = %v", f.Findings)
			}
			wantPrompt := 200
			if tt.first.Raw == `<html>502 Bad Gateway</html>` {
				wantPrompt = 100
			}
			if u.Calls != 2 || u.PromptTokens != wantPrompt || len(sl.waits()) != 1 {
				t.Errorf("usage = %+v waits = %v; want 2 calls, prompt tokens %d summed over both", u, sl.waits(), wantPrompt)
			}
		})
	}

	t.Run("always malformed", func(t *testing.T) {
		srv := modeltest.NewServer(t, func(modeltest.Call) modeltest.Reply { return modeltest.Reply{Content: "no json here"} })
		_, u, err := complete(context.Background(), newClient(srv, "gpt-4.1", &sleeper{}, model.WithMaxRetries(2)), request())
		if !errors.Is(err, model.ErrMalformedOutput) || !errors.Is(err, model.ErrExhausted) || !errors.Is(err, model.ErrNoJSON) {
			t.Fatalf("err = %v, want ErrMalformedOutput, ErrNoJSON and ErrExhausted", err)
		}
		if u.Calls != 3 {
			t.Errorf("calls = %d, want 3", u.Calls)
		}
	})
}

func TestCompleteResponseFormatRejected(t *testing.T) {
	srv := modeltest.NewServer(t, func(c modeltest.Call) modeltest.Reply {
		if c.HasResponseFormat() {
			return modeltest.Reply{Status: http.StatusBadRequest, Content: "'response_format.type' must be 'json_object' or 'text'"}
		}
		return modeltest.Reply{Content: "```json\n{\"findings\":[\"ok\"]}\n```"}
	})
	sl := &sleeper{}
	c := newClient(srv, "deepseek-chat", sl, model.WithMaxRetries(0))
	f, u, err := complete(context.Background(), c, request())
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if len(f.Findings) != 1 || u.Calls != 2 || len(sl.waits()) != 0 {
		t.Errorf("findings=%v usage=%+v waits=%v", f.Findings, u, sl.waits())
	}
	calls := srv.Calls()
	if !calls[0].HasResponseFormat() || calls[1].HasResponseFormat() {
		t.Errorf("first call should carry response_format and the retry should not")
	}
	// The client remembers: the next Complete does not send it at all.
	if _, u, err = complete(context.Background(), c, request()); err != nil || u.Calls != 1 {
		t.Errorf("second Complete: calls=%d err=%v, want one call", u.Calls, err)
	}
	if srv.Calls()[2].HasResponseFormat() {
		t.Errorf("response_format sent again after the server rejected it")
	}
}

func TestCompleteMaxTokensField(t *testing.T) {
	tests := []struct {
		model                 string
		wantMax, wantMaxCompl int
		reqMax, specMaxOutput int
	}{
		{"gpt-4.1", 4096, 0, 0, 4096},
		{"claude-sonnet-4-5", 1000, 0, 1000, 4096},
		{"o3-mini", 0, 4096, 0, 4096},
		{"gpt-5", 0, 2048, 2048, 4096},
		{"qwen2.5-coder:32b", 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			srv := modeltest.NewServer(t, func(modeltest.Call) modeltest.Reply { return modeltest.Reply{Content: `{"findings":[]}`} })
			c := model.NewClient(model.Spec{Name: tt.model, BaseURL: srv.URL, APIKey: testKey, MaxOutputTokens: tt.specMaxOutput})
			req := request()
			req.MaxTokens = tt.reqMax
			if _, _, err := complete(context.Background(), c, req); err != nil {
				t.Fatalf("Complete: %v", err)
			}
			r := srv.Calls()[0].Request
			if r.MaxTokens != tt.wantMax || r.MaxCompletionTokens != tt.wantMaxCompl {
				t.Errorf("max_tokens=%d max_completion_tokens=%d, want %d and %d", r.MaxTokens, r.MaxCompletionTokens, tt.wantMax, tt.wantMaxCompl)
			}
		})
	}
}

func TestCompleteNoSchemaNoKey(t *testing.T) {
	srv := modeltest.NewServer(t, func(modeltest.Call) modeltest.Reply { return modeltest.Reply{Content: `{"findings":[]}`} })
	c := model.NewClient(model.Spec{Name: "llama3.1:8b", BaseURL: srv.URL})
	req := request()
	req.Schema = nil
	if _, _, err := complete(context.Background(), c, req); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	call := srv.Calls()[0]
	if call.HasResponseFormat() {
		t.Errorf("response_format sent without a schema")
	}
	if h, ok := call.Header["Authorization"]; ok {
		t.Errorf("Authorization header sent with an empty key: %q", h)
	}
}

func TestCompleteNetworkError(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL + "/v1"
	dead.Close()
	sl := &sleeper{}
	c := model.NewClient(model.Spec{Name: "gpt-4.1", BaseURL: url, APIKey: testKey}, model.WithSleep(sl.sleep), model.WithMaxRetries(2))
	_, u, err := complete(context.Background(), c, request())
	var ce *model.CallError
	if !errors.As(err, &ce) || !errors.Is(err, model.ErrExhausted) || ce.Status != 0 || ce.Attempts != 3 {
		t.Fatalf("err = %v (%+v), want exhausted network error after 3 attempts", err, ce)
	}
	if u.Calls != 3 || len(sl.waits()) != 2 {
		t.Errorf("calls=%d waits=%v", u.Calls, sl.waits())
	}
	if strings.Contains(err.Error(), testKey) {
		t.Errorf("key in error: %v", err)
	}
}

func TestCompleteKeyNeverLeaks(t *testing.T) {
	// A hostile or careless proxy echoes the Authorization header in its error body.
	tests := []struct {
		name  string
		reply func(c modeltest.Call) modeltest.Reply
	}{
		{"401 echoing the header", func(c modeltest.Call) modeltest.Reply {
			return modeltest.Reply{Status: 401, Content: "invalid credentials: " + c.Header.Get("Authorization")}
		}},
		{"500 raw body echoing the key", func(c modeltest.Call) modeltest.Reply {
			return modeltest.Reply{Status: 500, Raw: "upstream failed for key " + strings.TrimPrefix(c.Header.Get("Authorization"), "Bearer ")}
		}},
		{"200 content echoing the key", func(c modeltest.Call) modeltest.Reply {
			return modeltest.Reply{Content: "your key is " + strings.TrimPrefix(c.Header.Get("Authorization"), "Bearer ")}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := modeltest.NewServer(t, tt.reply)
			var logs bytes.Buffer
			logger := zerolog.New(&logs).Level(zerolog.DebugLevel)
			c := newClient(srv, "gpt-4.1", &sleeper{}, model.WithLogger(logger), model.WithMaxRetries(1))
			_, _, err := complete(context.Background(), c, request())
			if err == nil {
				t.Fatal("Complete succeeded, want an error")
			}
			if strings.Contains(err.Error(), testKey) || strings.Contains(fmt.Sprintf("%+v", err), testKey) {
				t.Errorf("key in error: %v", err)
			}
			if strings.Contains(logs.String(), testKey) {
				t.Errorf("key in logs: %s", logs.String())
			}
			if logs.Len() == 0 {
				t.Errorf("no log lines: the failure should be logged")
			}
			var apiErr *openai.APIError
			if errors.As(err, &apiErr) && strings.Contains(apiErr.Message, testKey) {
				t.Errorf("key reachable through errors.As: %q", apiErr.Message)
			}
			var reqErr *openai.RequestError
			if errors.As(err, &reqErr) && strings.Contains(string(reqErr.Body), testKey) {
				t.Errorf("key reachable through errors.As: %q", reqErr.Body)
			}
		})
	}
}

func TestCompleteConcurrent(t *testing.T) {
	srv := modeltest.NewServer(t, func(c modeltest.Call) modeltest.Reply {
		if c.N%3 == 0 {
			return modeltest.Reply{Status: 503}
		}
		return modeltest.Reply{Content: `{"findings":["` + c.LastUserMessage() + `"]}`, PromptTokens: 1}
	})
	c := newClient(srv, "gpt-4.1", &sleeper{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := request()
			req.User = fmt.Sprintf("diff %d", i)
			f, _, err := complete(context.Background(), c, req)
			if err == nil && (len(f.Findings) != 1 || f.Findings[0] != req.User) {
				err = fmt.Errorf("got %v for %s", f.Findings, req.User)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
