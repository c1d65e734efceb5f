package handlers

import (
	"context"
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are wfreview's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	Webhooks       *prometheus.CounterVec
	Reviews        *prometheus.CounterVec
	ReviewSeconds  prometheus.Histogram
	GitHubCalls    *prometheus.CounterVec
	CallsPerReview prometheus.Histogram
	Findings       *prometheus.CounterVec
	ModelTokens    *prometheus.CounterVec
	// Feedback counts suppressions recorded, by kind (reaction, reply).
	Feedback *prometheus.CounterVec
	// Suppressed counts findings not posted because of feedback.
	Suppressed prometheus.Counter
	// ThreadsResolved counts earlier comments resolved because their finding was fixed.
	ThreadsResolved prometheus.Counter
	// Archives counts head archives by result (downloaded, cached, refused, error).
	Archives *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wfreview_webhooks_total",
			Help: "Webhook deliveries handled, by event and result (queued, duplicate, ignored, error)."}, []string{"event", "result"}),
		Reviews: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wfreview_reviews_total",
			Help: "Review jobs finished, by outcome (posted, empty, skipped, superseded, config_error, failed)."}, []string{"outcome"}),
		ReviewSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "wfreview_review_duration_seconds",
			Help: "Wall time of a review job.", Buckets: []float64{1, 2, 5, 10, 20, 30, 60, 120, 300, 600}}),
		GitHubCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wfreview_github_requests_total",
			Help: "HTTP requests made to the GitHub API, by method and status class."}, []string{"method", "status"}),
		CallsPerReview: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "wfreview_github_requests_per_review",
			Help: "GitHub API requests made by one review job.", Buckets: []float64{5, 10, 15, 20, 30, 50, 75, 100, 200}}),
		Findings: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wfreview_findings_total",
			Help: "Findings posted, by check and source."}, []string{"check", "source"}),
		ModelTokens: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wfreview_model_tokens_total",
			Help: "Model tokens used, by kind (prompt, completion)."}, []string{"kind"}),
		Feedback: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wfreview_feedback_total",
			Help: "Findings suppressed by feedback on a wfreview comment, by kind (reaction: a 👎; reply: /review ignore)."}, []string{"kind"}),
		Suppressed: prometheus.NewCounter(prometheus.CounterOpts{Name: "wfreview_findings_suppressed_total",
			Help: "Findings not posted because feedback suppressed them in the repository."}),
		ThreadsResolved: prometheus.NewCounter(prometheus.CounterOpts{Name: "wfreview_threads_resolved_total",
			Help: "Earlier wfreview comments resolved because a push changed their line and the finding is gone."}),
		Archives: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wfreview_archives_total",
			Help: "Head archives by result (downloaded, cached, refused, error); refused and error reviews read files one by one."}, []string{"result"}),
	}
	if reg != nil {
		reg.MustRegister(m.Webhooks, m.Reviews, m.ReviewSeconds, m.GitHubCalls, m.CallsPerReview, m.Findings, m.ModelTokens,
			m.Feedback, m.Suppressed, m.ThreadsResolved, m.Archives)
	}
	return m
}

func (m *Metrics) webhook(event, result string) {
	if m != nil {
		m.Webhooks.WithLabelValues(event, result).Inc()
	}
}

func (m *Metrics) review(outcome string) {
	if m != nil {
		m.Reviews.WithLabelValues(outcome).Inc()
	}
}

// callCounterKey carries the per-job GitHub request counter in a context.
type callCounterKey struct{}

// withCallCounter returns a context whose GitHub requests are counted into n.
func withCallCounter(ctx context.Context, n *atomic.Int64) context.Context {
	return context.WithValue(ctx, callCounterKey{}, n)
}

// ObserveGitHubResponse is the RetryOptions.OnResponse hook: it counts every GitHub request
// attempt globally and for the job whose context made it.
func (m *Metrics) ObserveGitHubResponse(req *http.Request, resp *http.Response, err error) {
	if n, ok := req.Context().Value(callCounterKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
	if m == nil {
		return
	}
	status := "error"
	if err == nil && resp != nil {
		status = statusClass(resp.StatusCode)
	}
	m.GitHubCalls.WithLabelValues(req.Method, status).Inc()
}

func statusClass(code int) string {
	switch {
	case code >= 500:
		return "5xx"
	case code == 429:
		return "429"
	case code == 403:
		return "403"
	case code == 404:
		return "404"
	case code == 422:
		return "422"
	case code >= 400:
		return "4xx"
	case code >= 300:
		return "3xx"
	}
	return "2xx"
}
