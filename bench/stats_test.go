package main

import (
	"testing"
	"time"
)

func TestPercentileIsTheNearestRank(t *testing.T) {
	// 1 ms to 20 ms, in no order.
	var twenty []time.Duration
	for _, i := range []int{7, 3, 20, 1, 15, 9, 11, 2, 18, 5, 13, 4, 16, 8, 19, 6, 12, 10, 17, 14} {
		twenty = append(twenty, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		name    string
		samples []time.Duration
		p       float64
		want    time.Duration
	}{
		{"no samples", nil, 50, 0},
		{"one sample is every percentile", []time.Duration{3}, 99, 3},
		{"the median of an even count is the lower middle", twenty, 50, 10 * time.Millisecond},
		{"p99 of twenty is the largest", twenty, 99, 20 * time.Millisecond},
		{"p95 of twenty is the 19th", twenty, 95, 19 * time.Millisecond},
		{"p1 is the smallest", twenty, 1, 1 * time.Millisecond},
		{"the median of an odd count is the middle", []time.Duration{5, 1, 3}, 50, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := append([]time.Duration(nil), tt.samples...)
			if got := percentile(tt.samples, tt.p); got != tt.want {
				t.Errorf("percentile(%v) = %v, want %v", tt.p, got, tt.want)
			}
			for i := range before {
				if tt.samples[i] != before[i] {
					t.Fatal("percentile reordered its samples")
				}
			}
		})
	}
}

func TestRatioOfNothingIsZero(t *testing.T) {
	if got := ratio(3.0, 0); got != 0 {
		t.Errorf("ratio(3, 0) = %v, want 0", got)
	}
	if got := ratio(3*time.Millisecond, 2*time.Millisecond); got != 1.5 {
		t.Errorf("ratio(3ms, 2ms) = %v, want 1.5", got)
	}
}

func TestVerdictSaysByHowMuchATargetIsMissed(t *testing.T) {
	tests := []struct {
		got, target float64
		want        string
	}{
		{1.0, 1.1, "met"},
		{1.1, 1.1, "met"},
		{1.32, 1.1, "missed by 20%"},
		{3.0, 1.5, "missed by 100%"},
	}
	for _, tt := range tests {
		if got := verdict(tt.got, tt.target); got != tt.want {
			t.Errorf("verdict(%v, %v) = %q, want %q", tt.got, tt.target, got, tt.want)
		}
	}
}
