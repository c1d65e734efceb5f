package billing

import (
	"testing"
	"time"
)

type fixedClock time.Time

func (f fixedClock) Now() time.Time { return time.Time(f) }

func TestDueDate(t *testing.T) {
	c := fixedClock(time.Date(2025, 1, 15, 13, 0, 0, 0, time.UTC))
	if got, want := DueDate(c), time.Date(2025, 2, 14, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("DueDate = %v, want %v", got, want)
	}
}
