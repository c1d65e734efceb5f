package queue

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	enqueued   prometheus.Counter
	duplicates *prometheus.CounterVec
	superseded prometheus.Counter
	outcomes   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	// batchSize and batchFallbacks describe group commit (batch.go).
	batchSize      prometheus.Histogram
	batchFallbacks prometheus.Counter
}

// newMetrics builds the collectors and registers them on reg (if not nil).
// Collectors already registered on reg (a second Queue on the same registry)
// are reused.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		enqueued: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "wfreview", Subsystem: "queue", Name: "jobs_enqueued_total",
			Help: "Review jobs inserted into the queue.",
		}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "wfreview", Subsystem: "queue", Name: "enqueue_duplicates_total",
			Help: "Enqueue calls that inserted nothing, by reason (duplicate_delivery, duplicate_job).",
		}, []string{"reason"}),
		superseded: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "wfreview", Subsystem: "queue", Name: "jobs_superseded_total",
			Help: "Queued auto review jobs cancelled because a newer head SHA was pushed.",
		}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "wfreview", Subsystem: "queue", Name: "job_outcomes_total",
			Help: "Review job attempts by outcome (completed, failed, discarded, cancelled, interrupted, panicked).",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "wfreview", Subsystem: "queue", Name: "job_duration_seconds",
			Help:    "Duration of review job attempts by outcome.",
			Buckets: []float64{0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200},
		}, []string{"outcome"}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "wfreview", Subsystem: "queue", Name: "enqueue_batch_size",
			Help:    "Enqueue calls committed by one group-commit transaction.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}),
		batchFallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "wfreview", Subsystem: "queue", Name: "enqueue_batch_fallbacks_total",
			Help: "Group-commit transactions that failed and whose jobs were retried one transaction each.",
		}),
	}
	for _, reason := range []string{ReasonDuplicateDelivery, ReasonDuplicateJob} {
		m.duplicates.WithLabelValues(reason)
	}
	for _, o := range []string{outcomeCompleted, outcomeFailed, outcomeDiscarded, outcomeCancelled, outcomeInterrupted, outcomePanicked} {
		m.outcomes.WithLabelValues(o)
	}
	if reg == nil {
		return m, nil
	}

	var err error
	m.enqueued = register(reg, m.enqueued, &err)
	m.duplicates = register(reg, m.duplicates, &err)
	m.superseded = register(reg, m.superseded, &err)
	m.outcomes = register(reg, m.outcomes, &err)
	m.duration = register(reg, m.duration, &err)
	m.batchSize = register(reg, m.batchSize, &err)
	m.batchFallbacks = register(reg, m.batchFallbacks, &err)
	if err != nil {
		return nil, fmt.Errorf("register queue metrics: %w", err)
	}
	return m, nil
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C, errp *error) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		*errp = errors.Join(*errp, err)
	}
	return c
}

func (m *metrics) observeEnqueue(res EnqueueResult) {
	if res.Duplicate {
		m.duplicates.WithLabelValues(res.Reason).Inc()
	} else {
		m.enqueued.Inc()
	}
	if res.Superseded > 0 {
		m.superseded.Add(float64(res.Superseded))
	}
}

func (m *metrics) observeBatch(n int) { m.batchSize.Observe(float64(n)) }

func (m *metrics) observeOutcome(outcome string, d time.Duration) {
	m.outcomes.WithLabelValues(outcome).Inc()
	m.duration.WithLabelValues(outcome).Observe(d.Seconds())
}
