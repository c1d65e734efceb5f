package eval

import (
	"encoding/json"
	"math"
)

// Counts are true positives (a finding matched to an expected issue), false positives (a finding
// matched to none) and false negatives (an expected issue no finding matched).
type Counts struct {
	TP int `json:"tp"`
	FP int `json:"fp"`
	FN int `json:"fn"`
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.TP += o.TP
	c.FP += o.FP
	c.FN += o.FN
}

// Precision is TP/(TP+FP); NaN when there is no finding.
func (c Counts) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall is TP/(TP+FN); NaN when there is no expected issue.
func (c Counts) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// F1 is the harmonic mean of precision and recall, 2TP/(2TP+FP+FN); NaN when there is neither a
// finding nor an expected issue.
func (c Counts) F1() float64 { return ratio(2*c.TP, 2*c.TP+c.FP+c.FN) }

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// MarshalJSON adds precision, recall and f1 (null when undefined).
func (c Counts) MarshalJSON() ([]byte, error) {
	type plain Counts
	return json.Marshal(struct {
		plain
		Precision *float64 `json:"precision"`
		Recall    *float64 `json:"recall"`
		F1        *float64 `json:"f1"`
	}{plain(c), num(c.Precision()), num(c.Recall()), num(c.F1())})
}

func num(f float64) *float64 {
	if math.IsNaN(f) {
		return nil
	}
	r := math.Round(f*1000) / 1000
	return &r
}

// SourceCounts are a finding source's share: its true and false positives, and the expected issues
// it found (recall counts the issues that source alone matched).
type SourceCounts struct {
	TP       int `json:"tp"`
	FP       int `json:"fp"`
	Expected int `json:"expected"`
}

// Precision is TP/(TP+FP); NaN without findings.
func (s SourceCounts) Precision() float64 { return ratio(s.TP, s.TP+s.FP) }

// Recall is the share of all expected issues this source's findings matched.
func (s SourceCounts) Recall() float64 { return ratio(s.TP, s.Expected) }

// MarshalJSON adds precision and recall.
func (s SourceCounts) MarshalJSON() ([]byte, error) {
	type plain SourceCounts
	return json.Marshal(struct {
		plain
		Precision *float64 `json:"precision"`
		Recall    *float64 `json:"recall"`
	}{plain(s), num(s.Precision()), num(s.Recall())})
}
