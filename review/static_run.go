package review

import (
	"context"
	"sync"

	"github.com/wfreview/wfreview/checklist"
)

// analyzerResult is what one analyzer of runStatic returned.
type analyzerResult struct {
	res checklist.Result
	err error
}

// runAnalyzers runs the analyzers concurrently and returns their results in the order given, so a
// review's findings and notes do not depend on which finished first. The analyzers that share the
// Go type check (one GoLoader) run one after the other in one goroutine: the first loads, the second
// reuses the load. Every checklist.Tree implementation is safe for concurrent use (its file list is
// read once, under sync.Once), and the analyzers keep their state per call.
func runAnalyzers(ctx context.Context, in *checklist.Input, analyzers []checklist.Analyzer) []analyzerResult {
	out := make([]analyzerResult, len(analyzers))
	var lanes [][]int
	typeLane := -1
	for i, a := range analyzers {
		switch a.(type) {
		case *checklist.GoAPI, *checklist.NeedlessAbstraction:
			if typeLane >= 0 {
				lanes[typeLane] = append(lanes[typeLane], i)
				continue
			}
			typeLane = len(lanes)
		}
		lanes = append(lanes, []int{i})
	}
	var wg sync.WaitGroup
	for _, lane := range lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, i := range lane {
				res, err := analyzers[i].Analyze(ctx, in)
				out[i] = analyzerResult{res, err}
			}
		}()
	}
	wg.Wait()
	return out
}
