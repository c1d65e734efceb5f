package model

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. A failed Complete returns a *CallError whose chain holds one of these (or
// the caller's context error), so callers can use errors.Is.
var (
	// ErrExhausted: every allowed attempt failed with a retryable fault. Fall back to the
	// next reviewer.
	ErrExhausted = errors.New("retries exhausted")
	// ErrMalformedOutput: the answer held no JSON object, or decode rejected it.
	ErrMalformedOutput = errors.New("malformed model output")
	// ErrEmptyResponse: the server answered without choices or with empty content.
	ErrEmptyResponse = errors.New("empty model response")
	// ErrTimeout: one call took longer than the per-call timeout (WithTimeout). It does not
	// wrap context.DeadlineExceeded: that is reserved for the caller's own context.
	ErrTimeout = errors.New("model call timed out")
)

// CallError is the error Complete returns. Every failure mode is a *CallError: use errors.As
// to read Status and Attempts, errors.Is(err, ErrExhausted) to see that retries ran out, and
// errors.Is(err, context.Canceled) / context.DeadlineExceeded to see that the caller's
// context ended (in which case falling back to another reviewer is pointless).
//
// Neither Error() nor anything reachable through errors.As holds the API key: error text
// containing it (e.g. a server echoing the Authorization header) is redacted, and the
// original error is then reachable only through errors.Is.
type CallError struct {
	Model    string
	Status   int // HTTP status of the last answer; 0 when there was none (network, timeout)
	Attempts int // attempts made (HTTP requests sent, including a retry without response_format)
	Err      error
	// Retryable reports whether the last fault was transient (429, 5xx, network, timeout,
	// malformed output). With Exhausted it means the retries ran out; without, the caller's
	// context ended.
	Retryable bool
	exhausted bool
}

func (e *CallError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "model %s: ", e.Model)
	switch {
	case e.exhausted:
		fmt.Fprintf(&b, "%s after %d attempts", ErrExhausted, e.Attempts)
	case e.Retryable:
		fmt.Fprintf(&b, "gave up after %d attempts", e.Attempts)
	default:
		fmt.Fprintf(&b, "failed after %d attempts, not retried", e.Attempts)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, ": status %d", e.Status)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap exposes the last attempt's error and, when retries ran out, ErrExhausted.
func (e *CallError) Unwrap() []error {
	if e.exhausted {
		return []error{e.Err, ErrExhausted}
	}
	return []error{e.Err}
}

// redacted replaces an error whose text contains a secret.
type redacted struct {
	msg  string
	orig error
}

func (e *redacted) Error() string { return e.msg }

// Is keeps errors.Is working (context errors, sentinels) without exposing the original
// error's text through errors.As or Unwrap.
func (e *redacted) Is(target error) bool { return errors.Is(e.orig, target) }

const redactedMark = "[REDACTED]"

// redact returns err unchanged unless its text contains secret.
func redact(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return &redacted{msg: strings.ReplaceAll(err.Error(), secret, redactedMark), orig: err}
}
