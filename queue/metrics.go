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
	// The inbox (inbox.go): accept group commits, drain transactions, time from acceptance to River.
	acceptBatchSize prometheus.Histogram
	acceptFallbacks prometheus.Counter
	drainBatchSize  prometheus.Histogram
	drainLatency    prometheus.Histogram
	acceptLatency   prometheus.Histogram
	drainErrors     prometheus.Counter
}

// batchSizeBuckets are the buckets of the transaction-size histograms (at most maxBatch jobs).
var batchSizeBuckets = []float64{1, 2, 4, 8, 16, 32, 64, 128, maxBatch}

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
			Buckets: batchSizeBuckets,
		}),
		batchFallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "wfreview", Subsystem: "queue", Name: "enqueue_batch_fallbacks_total",
			Help: "Group-commit transactions that failed and whose jobs were retried one transaction each.",
		}),
		acceptBatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "wfreview", Subsystem: "queue", Name: "accept_batch_size",
			Help:    "Accept calls (webhook deliveries) committed to the inbox by one group-commit transaction.",
			Buckets: batchSizeBuckets,
		}),
		acceptFallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "wfreview", Subsystem: "queue", Name: "accept_batch_fallbacks_total",
			Help: "Inbox group-commit transactions that failed and whose deliveries were retried one transaction each.",
		}),
		drainBatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "wfreview", Subsystem: "queue", Name: "inbox_drain_batch_size",
			Help:    "Inbox rows moved into River by one drain transaction.",
			Buckets: batchSizeBuckets,
		}),
		drainLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "wfreview", Subsystem: "queue", Name: "inbox_drain_seconds",
			Help:    "Time from a delivery's acceptance into the inbox to its job committed in River.",
			Buckets: []float64{.0005, .001, .002, .003, .004, .005, .0075, .01, .015, .02, .03, .05, .075, .1, .15, .2, .3, .5, .75, 1, 2, 5, 10, 30},
		}),
		acceptLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "wfreview", Subsystem: "queue", Name: "accept_seconds",
			Help:    "Time an Accept (a webhook's acknowledgement) waits for the inbox transaction holding its delivery to commit.",
			Buckets: []float64{.0002, .0005, .001, .002, .003, .004, .005, .0075, .01, .015, .02, .03, .05, .075, .1, .2, .5, 1, 5},
		}),
		drainErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "wfreview", Subsystem: "queue", Name: "inbox_drain_errors_total",
			Help: "Inbox drain transactions that failed (retried), and rows dropped because their job could not be decoded.",
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
	m.acceptBatchSize = register(reg, m.acceptBatchSize, &err)
	m.acceptFallbacks = register(reg, m.acceptFallbacks, &err)
	m.drainBatchSize = register(reg, m.drainBatchSize, &err)
	m.drainLatency = register(reg, m.drainLatency, &err)
	m.drainErrors = register(reg, m.drainErrors, &err)
	m.acceptLatency = register(reg, m.acceptLatency, &err)
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

func (m *metrics) observeAcceptBatch(n int) { m.acceptBatchSize.Observe(float64(n)) }

func (m *metrics) observeDrainBatch(n int) { m.drainBatchSize.Observe(float64(n)) }

func (m *metrics) observeOutcome(outcome string, d time.Duration) {
	m.outcomes.WithLabelValues(outcome).Inc()
	m.duration.WithLabelValues(outcome).Observe(d.Seconds())
}
