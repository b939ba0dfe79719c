package main

import (
	"slices"
	"time"
)

// percentile returns the nearest-rank p-th percentile (0 < p <= 100) of
// samples: the smallest sample that at least p percent of them do not
// exceed. It returns 0 for no samples.
func percentile(samples []time.Duration, p float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	// The rank is ceil(p/100 * n), computed in integers so that p = 50
	// of 20 samples is exactly the 10th.
	n := len(sorted)
	rank := (int(p*1000)*n + 100_000 - 1) / 100_000
	return sorted[min(max(rank, 1), n)-1]
}

// median is the 50th percentile.
func median(samples []time.Duration) time.Duration { return percentile(samples, 50) }

// ratio is a over b, or 0 when b is not positive.
func ratio[T int64 | float64 | time.Duration](a, b T) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}
