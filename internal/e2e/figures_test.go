package e2e

import "sync"

// figures are what the reliability tests measured, by test: how many
// requests, which statuses, how many faults. writeReliability renders them
// into RELIABILITY.md when asked to.
var figures = struct {
	sync.Mutex
	m map[string]map[string]any
}{m: map[string]map[string]any{}}

// recordFigures keeps a test's figures for the report.
func recordFigures(test string, v map[string]any) {
	figures.Lock()
	defer figures.Unlock()
	figures.m[test] = v
}
