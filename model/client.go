package model

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	openai "github.com/sashabaranov/go-openai"
)

// Request is one review call.
type Request struct {
	System, User string
	// Schema is the JSON schema of the answer, sent as response_format json_schema with
	// strict true. Empty: no response_format is sent.
	Schema     json.RawMessage
	SchemaName string // defaults to "result"
	// MaxTokens caps the answer; zero falls back to Spec.MaxOutputTokens, and zero there
	// leaves it to the server.
	MaxTokens int
}

// Usage is what one Complete consumed, summed over all its attempts.
type Usage struct {
	PromptTokens, CompletionTokens int
	Calls                          int // HTTP requests sent
}

// Defaults of NewClient.
const (
	DefaultMaxRetries    = 3
	DefaultBackoffBase   = time.Second
	DefaultBackoffMax    = 30 * time.Second
	DefaultTimeout       = 3 * time.Minute
	DefaultMaxRetryAfter = time.Minute
)

// Client calls one reviewer model through an OpenAI-compatible chat completions API. It is
// safe for concurrent use.
type Client struct {
	spec          Spec
	http          *http.Client
	maxRetries    int
	base, max     time.Duration
	maxRetryAfter time.Duration
	timeout       time.Duration
	log           zerolog.Logger
	sleep         func(ctx context.Context, d time.Duration) error
	// noFormat is set once the server rejected response_format; later calls skip it.
	noFormat atomic.Bool
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (transport, proxies). Its Timeout should be zero or
// larger than the per-call timeout, which is enforced through the request context.
func WithHTTPClient(h *http.Client) Option {
	return func(c *Client) {
		if h != nil {
			c.http = h
		}
	}
}

// WithMaxRetries sets how many times a retryable fault is retried (default 3, so at most 4
// attempts). Negative values count as zero.
func WithMaxRetries(n int) Option {
	return func(c *Client) { c.maxRetries = max(n, 0) }
}

// WithBackoff sets the exponential backoff: base doubles per retry up to max, and the actual
// wait is drawn uniformly from the upper half of that (jitter).
func WithBackoff(base, maxDelay time.Duration) Option {
	return func(c *Client) {
		if base > 0 {
			c.base = base
		}
		if maxDelay > 0 {
			c.max = maxDelay
		}
	}
}

// WithMaxRetryAfter caps the wait a server may ask for with Retry-After (default 1 minute).
func WithMaxRetryAfter(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.maxRetryAfter = d
		}
	}
}

// WithTimeout sets the per-call timeout (default 3 minutes); zero or negative disables it.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) { c.timeout = d }
}

// WithLogger sets the logger. Log lines carry the model name, attempt, status and delay; never
// the API key or headers.
func WithLogger(l zerolog.Logger) Option {
	return func(c *Client) { c.log = l }
}

// WithSleep replaces the wait between retries (for tests). It must return ctx.Err() when the
// context ends first.
func WithSleep(f func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) {
		if f != nil {
			c.sleep = f
		}
	}
}

// NewClient returns a client for s. Every provider is reached through its OpenAI-compatible
// base URL (s.BaseURL, e.g. "https://api.openai.com/v1", "https://openrouter.ai/api/v1",
// "http://localhost:11434/v1"); an empty BaseURL means OpenAI. An empty s.APIKey sends no
// Authorization header (go-openai v1.43.0 omits it for an empty token), as local servers expect.
func NewClient(s Spec, opts ...Option) *Client {
	c := &Client{
		spec:          s,
		http:          &http.Client{},
		maxRetries:    DefaultMaxRetries,
		base:          DefaultBackoffBase,
		max:           DefaultBackoffMax,
		maxRetryAfter: DefaultMaxRetryAfter,
		timeout:       DefaultTimeout,
		log:           zerolog.Nop(),
		sleep:         sleepCtx,
	}
	for _, o := range opts {
		o(c)
	}
	if c.base > c.max {
		c.base = c.max
	}
	return c
}

// Spec returns the model the client calls (with its API key).
func (c *Client) Spec() Spec { return c.spec }

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Complete sends req as a chat completion and hands the JSON object of the answer to decode.
//
// The answer's JSON is found tolerantly (ExtractJSON), because servers that ignore
// response_format answer with prose or fenced blocks. An answer without JSON, or one decode
// rejects, is malformed output and is retried, as are HTTP 408, 429 (after Retry-After, in
// seconds or as an HTTP date, capped by WithMaxRetryAfter), 5xx other than 501 and 505,
// network errors, per-call timeouts and empty answers, up to WithMaxRetries times with
// exponential backoff and jitter. Other statuses (400, 401, 403, 404, ...), and the end of
// ctx, return at once. A 400 or 422 whose message mentions response_format or json_schema is
// retried once without response_format (the prompt asks for JSON too), and the client
// remembers to omit it from then on; that retry does not use up the retry budget.
//
// Usage sums the token usage of every answer and counts the HTTP requests. Every error is a
// *CallError.
func (c *Client) Complete(ctx context.Context, req Request, decode func(content string) error) (Usage, error) {
	var u Usage
	useFormat := len(req.Schema) > 0 && !c.noFormat.Load()
	retries, attempts := 0, 0
	for {
		if err := ctx.Err(); err != nil {
			return u, &CallError{Model: c.spec.Name, Attempts: attempts, Err: err}
		}
		attempts++
		o := c.attempt(ctx, req, useFormat, decode, &u)
		if o.err == nil {
			c.log.Debug().Str("model", c.spec.Name).Int("attempt", attempts).
				Int("prompt_tokens", u.PromptTokens).Int("completion_tokens", u.CompletionTokens).
				Msg("model call succeeded")
			return u, nil
		}
		err := redact(o.err, c.spec.APIKey)
		fail := &CallError{Model: c.spec.Name, Status: o.status, Attempts: attempts, Err: err, Retryable: o.retryable}

		if ctx.Err() != nil {
			fail.Err = fmt.Errorf("%w (last fault: %w)", ctx.Err(), err)
			return u, fail
		}
		if o.formatRejected && useFormat {
			useFormat = false
			c.noFormat.Store(true)
			c.log.Warn().Str("model", c.spec.Name).Int("status", o.status).
				Msg("server rejected response_format; retrying without it")
			continue
		}
		if !o.retryable {
			c.log.Warn().Str("model", c.spec.Name).Int("attempt", attempts).Int("status", o.status).
				Str("error", err.Error()).Msg("model call failed; not retryable")
			return u, fail
		}
		if retries >= c.maxRetries {
			fail.exhausted = true
			c.log.Warn().Str("model", c.spec.Name).Int("attempts", attempts).Int("status", o.status).
				Str("error", err.Error()).Msg("model call failed; retries exhausted")
			return u, fail
		}
		delay := c.backoff(retries)
		if o.retryAfter > 0 {
			delay = min(o.retryAfter, c.maxRetryAfter)
		}
		c.log.Warn().Str("model", c.spec.Name).Int("attempt", attempts).Int("status", o.status).
			Dur("retry_in", delay).Str("error", err.Error()).Msg("model call failed; retrying")
		if serr := c.sleep(ctx, delay); serr != nil {
			fail.Err = fmt.Errorf("%w (waiting to retry after: %w)", serr, err)
			return u, fail
		}
		retries++
	}
}

// backoff returns the wait before retry number n (0-based): base·2ⁿ capped at max, with
// jitter drawn from its upper half.
func (c *Client) backoff(n int) time.Duration {
	d := c.base
	for i := 0; i < n && d < c.max; i++ {
		d *= 2
	}
	d = min(d, c.max)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// outcome is one attempt's result.
type outcome struct {
	err            error
	status         int
	retryable      bool
	retryAfter     time.Duration
	formatRejected bool
}

// recorder counts the HTTP requests of one attempt and keeps the last answer's status and
// headers (go-openai's errors carry neither Retry-After nor a status for bodies it cannot
// parse).
type recorder struct {
	doer   openai.HTTPDoer
	n      int
	status int
	header http.Header
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	r.n++
	resp, err := r.doer.Do(req)
	if resp != nil {
		r.status = resp.StatusCode
		r.header = resp.Header.Clone()
	}
	return resp, err
}

func (c *Client) attempt(ctx context.Context, req Request, useFormat bool, decode func(string) error, u *Usage) outcome {
	cctx, cancel := ctx, context.CancelFunc(func() {})
	if c.timeout > 0 {
		cctx, cancel = context.WithTimeout(ctx, c.timeout)
	}
	defer cancel()

	rec := &recorder{doer: c.http}
	cfg := openai.DefaultConfig(c.spec.APIKey)
	if c.spec.BaseURL != "" {
		cfg.BaseURL = c.spec.BaseURL
	}
	cfg.HTTPClient = rec
	resp, err := openai.NewClientWithConfig(cfg).CreateChatCompletion(cctx, c.chatRequest(req, useFormat))
	u.Calls += rec.n
	if err != nil {
		return c.classify(ctx, cctx, rec, err)
	}
	u.PromptTokens += resp.Usage.PromptTokens
	u.CompletionTokens += resp.Usage.CompletionTokens

	if len(resp.Choices) == 0 {
		return outcome{err: fmt.Errorf("%w: no choices", ErrEmptyResponse), status: rec.status, retryable: true}
	}
	msg := resp.Choices[0].Message
	if strings.TrimSpace(msg.Content) == "" {
		if msg.Refusal != "" {
			return outcome{err: fmt.Errorf("%w: refusal: %s", ErrEmptyResponse, msg.Refusal), status: rec.status, retryable: true}
		}
		return outcome{err: fmt.Errorf("%w: finish_reason %q", ErrEmptyResponse, resp.Choices[0].FinishReason), status: rec.status, retryable: true}
	}
	js, err := ExtractJSON(msg.Content)
	if err != nil {
		return outcome{err: fmt.Errorf("%w: %w (finish_reason %q, %d chars)", ErrMalformedOutput, err, resp.Choices[0].FinishReason, len(msg.Content)), status: rec.status, retryable: true}
	}
	if decode != nil {
		if err := decode(js); err != nil {
			return outcome{err: fmt.Errorf("%w: decode: %w", ErrMalformedOutput, err), status: rec.status, retryable: true}
		}
	}
	return outcome{}
}

// chatRequest builds the go-openai request.
//
// The answer cap goes in max_tokens, which every OpenAI-compatible server (vLLM, Ollama,
// llama.cpp, OpenRouter, LiteLLM, Groq, Together, DeepSeek, Mistral, Anthropic's and Google's
// compatibility endpoints) understands, except for OpenAI's reasoning models (o1, o3, o4,
// gpt-5, gpt-6), which reject it and need max_completion_tokens; go-openai refuses to send
// max_tokens for them too. Temperature is left unset: go-openai omits a zero float, and
// reasoning models accept only the default.
func (c *Client) chatRequest(req Request, useFormat bool) openai.ChatCompletionRequest {
	var msgs []openai.ChatCompletionMessage
	if req.System != "" {
		msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleSystem, Content: req.System})
	}
	msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: req.User})
	cr := openai.ChatCompletionRequest{Model: c.spec.Name, Messages: msgs}

	maxTok := req.MaxTokens
	if maxTok <= 0 {
		maxTok = c.spec.MaxOutputTokens
	}
	if maxTok > 0 {
		if usesMaxCompletionTokens(c.spec.Name) {
			cr.MaxCompletionTokens = maxTok
		} else {
			cr.MaxTokens = maxTok
		}
	}
	if useFormat {
		name := req.SchemaName
		if name == "" {
			name = "result"
		}
		cr.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
				Name:   name,
				Schema: req.Schema,
				Strict: true,
			},
		}
	}
	return cr
}

// usesMaxCompletionTokens reports whether the model is one of OpenAI's reasoning models.
func usesMaxCompletionTokens(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, p := range []string{"o1", "o3", "o4", "gpt-5", "gpt-6"} {
		if n == p || strings.HasPrefix(n, p+"-") || strings.HasPrefix(n, p+".") {
			return true
		}
	}
	return false
}

// classify turns a go-openai error into an outcome.
func (c *Client) classify(ctx, cctx context.Context, rec *recorder, err error) outcome {
	if ctx.Err() != nil {
		return outcome{err: err, status: rec.status}
	}
	if cctx.Err() != nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		return outcome{err: fmt.Errorf("%w: no answer within %s", ErrTimeout, c.timeout), retryable: true}
	}
	if rec.n == 0 {
		// go-openai refused the request before sending it (e.g. a parameter the model does
		// not take): retrying cannot help.
		return outcome{err: fmt.Errorf("request not sent: %w", err)}
	}
	status, msg := rec.status, ""
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		if apiErr.HTTPStatusCode != 0 {
			status = apiErr.HTTPStatusCode
		}
		msg = apiErr.Message
	case errors.As(err, &reqErr):
		if reqErr.HTTPStatusCode != 0 {
			status = reqErr.HTTPStatusCode
		}
		msg = string(reqErr.Body)
	}
	if status < 400 {
		// Network error, or a 2xx body that is not a chat completion.
		return outcome{err: err, status: status, retryable: true}
	}
	o := outcome{err: err, status: status, retryable: retryableStatus(status)}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		o.retryAfter = retryAfter(rec.header, time.Now())
	}
	if status == http.StatusBadRequest || status == http.StatusUnprocessableEntity {
		l := strings.ToLower(msg)
		for _, w := range []string{"response_format", "json_schema", "response format", "json schema", "structured output"} {
			if strings.Contains(l, w) {
				o.formatRejected = true
				break
			}
		}
	}
	return o
}

func retryableStatus(s int) bool {
	switch {
	case s == http.StatusRequestTimeout, s == http.StatusTooEarly, s == http.StatusTooManyRequests:
		return true
	case s == http.StatusNotImplemented, s == http.StatusHTTPVersionNotSupported:
		return false
	case s >= 500:
		return true
	}
	return false
}

// retryAfter reads Retry-After (seconds, or an HTTP date) or retry-after-ms; 0 when absent
// or in the past.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(min(ms, 86400e3) * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, 86400) * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
