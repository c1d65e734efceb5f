package billing

import "time"

// Clock tells the time; tests use a fixed one.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// DueDate is thirty days after now, at midnight UTC.
func DueDate(c Clock) time.Time {
	return c.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 30)
}

// Default is the real clock.
var Default Clock = systemClock{}
