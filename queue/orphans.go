package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// rescueOrphans makes every job left "running" by a previous process available again at once. It is only
// correct when no other process works the same database, which holds for SQLite: the embedded
// default serves one replica (the Helm chart refuses more). Without it a review killed by a crash or
// kill -9 would wait for River's rescuer (RescueStuckJobsAfter, the job timeout plus a minute).
// It uses the same driver calls as River's own JobRescuer, so the rows stay in River's format.
func rescueOrphans(ctx context.Context, exec riverdriver.Executor, maxAttempts int) (int, error) {
	now := time.Now().UTC()
	stuck, err := exec.JobGetStuck(ctx, &riverdriver.JobGetStuckParams{Max: 1000, StuckHorizon: now.Add(time.Second)})
	if err != nil {
		return 0, fmt.Errorf("list orphaned jobs: %w", err)
	}
	if len(stuck) == 0 {
		return 0, nil
	}
	p := &riverdriver.JobRescueManyParams{StuckHorizon: now.Add(time.Second)}
	for _, job := range stuck {
		errData, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: max(job.Attempt, 0),
			Error: "process stopped while the job was running; rescued at start-up"})
		if err != nil {
			return 0, fmt.Errorf("encode rescue error: %w", err)
		}
		p.ID = append(p.ID, job.ID)
		p.Error = append(p.Error, errData)
		if job.Attempt >= max(job.MaxAttempts, maxAttempts) {
			p.State = append(p.State, string(rivertype.JobStateDiscarded))
			p.FinalizedAt = append(p.FinalizedAt, &now)
			p.ScheduledAt = append(p.ScheduledAt, job.ScheduledAt)
			continue
		}
		p.State = append(p.State, string(rivertype.JobStateAvailable)) // not retryable: that waits for the leader's scheduler
		p.FinalizedAt = append(p.FinalizedAt, nil)
		p.ScheduledAt = append(p.ScheduledAt, now)
	}
	if _, err := exec.JobRescueMany(ctx, p); err != nil {
		return 0, fmt.Errorf("rescue orphaned jobs: %w", err)
	}
	return len(stuck), nil
}
