// Package modeltest provides a fake OpenAI-compatible chat completions server for tests, so
// no test reaches a real model.
package modeltest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Call is one chat completion request the server received.
type Call struct {
	N        int // 1-based count across the server
	Model    string
	Messages []openai.ChatCompletionMessage
	Request  openai.ChatCompletionRequest
	Header   http.Header
	// Body is the raw request body, for asserting on fields go-openai's types hide.
	Body []byte
}

// Reply is what the server answers to a Call.
type Reply struct {
	// Status is the HTTP status; 0 means 200. For any status >= 400 the body is OpenAI's
	// error shape {"error":{"message","type","code"}} with Content as the message
	// (http.StatusText when Content is empty).
	Status int
	// Content is the assistant message's content (or the error message).
	Content string
	// RetryAfter, when set, is sent as the Retry-After header (any status).
	RetryAfter string
	// Delay holds the answer back; it ends early when the client gives up (request context)
	// or the test ends.
	Delay time.Duration
	// PromptTokens and CompletionTokens fill usage; total_tokens is their sum.
	PromptTokens, CompletionTokens int
	// FinishReason defaults to "stop".
	FinishReason string
	// Raw, when set, is sent as the body verbatim (with Status), for malformed or unusual
	// answers such as an empty choices list.
	Raw string
}

// Handler decides the reply to each call. It may be called concurrently.
type Handler func(call Call) Reply

// Server is a fake OpenAI-compatible server. It is safe for concurrent use.
type Server struct {
	// URL is the base URL to configure clients with, including /v1.
	URL string

	srv     *httptest.Server
	handler Handler
	done    chan struct{}

	mu    sync.Mutex
	calls []Call
}

// NewServer starts a server answering with h, closed by t.Cleanup. A nil h answers "{}" to
// everything. It serves POST {URL}/chat/completions (and /chat/completions at the root, for
// clients configured without /v1); other paths get 404 and other methods 405, with OpenAI's
// error body.
func NewServer(t testing.TB, h Handler) *Server {
	t.Helper()
	if h == nil {
		h = func(Call) Reply { return Reply{Content: "{}"} }
	}
	s := &Server{handler: h, done: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + "/v1"
	t.Cleanup(func() {
		close(s.done)
		s.srv.Close()
	})
	return s
}

// Calls returns a copy of the calls received so far, in arrival order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsFor returns how many calls named model.
func (s *Server) CallsFor(model string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Model == model {
			n++
		}
	}
	return n
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" && r.URL.Path != "/chat/completions" {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "could not read the body of your request")
		return
	}
	var req openai.ChatCompletionRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid request body: "+err.Error())
		return
	}
	if req.Model == "" {
		writeError(w, http.StatusBadRequest, "you must provide a model parameter")
		return
	}

	s.mu.Lock()
	call := Call{
		N:        len(s.calls) + 1,
		Model:    req.Model,
		Messages: req.Messages,
		Request:  req,
		Header:   r.Header.Clone(),
		Body:     body,
	}
	s.calls = append(s.calls, call)
	s.mu.Unlock()

	reply := s.handler(call)

	if reply.Delay > 0 {
		t := time.NewTimer(reply.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return // the client gave up: answer nothing, like a server whose peer hung up
		case <-s.done:
			return
		}
	}

	if reply.RetryAfter != "" {
		w.Header().Set("Retry-After", reply.RetryAfter)
	}
	status := reply.Status
	if status == 0 {
		status = http.StatusOK
	}
	if reply.Raw != "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(reply.Raw))
		return
	}
	if status >= 400 {
		msg := reply.Content
		if msg == "" {
			msg = http.StatusText(status)
		}
		writeError(w, status, msg)
		return
	}
	finish := reply.FinishReason
	if finish == "" {
		finish = "stop"
	}
	resp := map[string]any{
		"id":      fmt.Sprintf("chatcmpl-fake-%d", call.N),
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   req.Model,
		"choices": []map[string]any{{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": reply.Content},
			"finish_reason": finish,
		}},
		"usage": map[string]any{
			"prompt_tokens":     reply.PromptTokens,
			"completion_tokens": reply.CompletionTokens,
			"total_tokens":      reply.PromptTokens + reply.CompletionTokens,
		},
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(resp)
}

// errorKind returns OpenAI's error type and code for a status.
func errorKind(status int) (typ string, code any) {
	switch {
	case status == http.StatusUnauthorized:
		return "invalid_request_error", "invalid_api_key"
	case status == http.StatusForbidden:
		return "permission_error", nil
	case status == http.StatusNotFound:
		return "invalid_request_error", "model_not_found"
	case status == http.StatusTooManyRequests:
		return "rate_limit_error", "rate_limit_exceeded"
	case status >= 500:
		return "server_error", nil
	}
	return "invalid_request_error", nil
}

func writeError(w http.ResponseWriter, status int, msg string) {
	typ, code := errorKind(status)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"error": map[string]any{
			"message": msg,
			"type":    typ,
			"param":   nil,
			"code":    code,
		},
	})
}

// JSONReply is a convenience: a 200 answer whose content is v marshalled to JSON.
func JSONReply(v any) Reply {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("modeltest: marshal reply: %v", err))
	}
	return Reply{Content: string(b)}
}

// LastUserMessage returns the content of the call's last user message.
func (c Call) LastUserMessage() string {
	for i := len(c.Messages) - 1; i >= 0; i-- {
		if c.Messages[i].Role == openai.ChatMessageRoleUser {
			return c.Messages[i].Content
		}
	}
	return ""
}

// HasResponseFormat reports whether the call asked for structured output.
func (c Call) HasResponseFormat() bool {
	return c.Request.ResponseFormat != nil && c.Request.ResponseFormat.Type != "" &&
		!strings.EqualFold(string(c.Request.ResponseFormat.Type), "text")
}
