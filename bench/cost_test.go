package main

import (
	"math"
	"testing"
	"time"
)

func TestMeanBilledMSRoundsEachInvocationUp(t *testing.T) {
	ds := []time.Duration{1200 * time.Microsecond, 2 * time.Millisecond, 100 * time.Microsecond}
	// Billed 2, 2 and 1 ms.
	if got := meanBilledMS(ds); got != 5.0/3 {
		t.Errorf("meanBilledMS = %v, want %v", got, 5.0/3)
	}
	if got := meanBilledMS(nil); got != 0 {
		t.Errorf("meanBilledMS(nil) = %v", got)
	}
}

func TestCostPerMillionPricesTheMeasuredUsage(t *testing.T) {
	// Every operation alike: 3 ms billed, one read unit, half a write unit,
	// 600 bytes of function log and 250 of access log; 20 ms of init.
	warm := map[string]*warmLatency{}
	cold := map[string]*coldStarts{}
	for _, op := range operations {
		warm[op.Name] = &warmLatency{
			Billed:    []time.Duration{2500 * time.Microsecond, 3 * time.Millisecond},
			ReadUnits: 1, WriteUnits: 0.5, LogBytes: 600, AccessLogBytes: 250,
		}
		cold["fn-"+op.Name] = &coldStarts{Init: []time.Duration{20 * time.Millisecond}}
	}
	u := usage(warm, cold, func(op operation) string { return "fn-" + op.Name })
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if !near(u.BilledMS, 3) || !near(u.InitMS, 20) || !near(u.ReadUnits, 1) || !near(u.WriteUnits, 0.5) || !near(u.LogBytes, 600) || !near(u.AccessLogBytes, 250) {
		t.Fatalf("usage = %+v", u)
	}

	lines := costPerMillion(u, 128)
	want := map[string][2]float64{
		"API Gateway requests": {1.00, 3.50},
		"Lambda requests":      {0.20, 0.20},
		// 1e6 × (3 ms + 1% of 20 ms) × 0.125 GB × $0.0000133334.
		"Lambda duration": {1e6 * 0.0032 * 0.125 * 0.0000133334, 1e6 * 0.0032 * 0.125 * 0.0000133334},
		"DynamoDB writes": {0.5 * 0.625, 0.5 * 0.625},
		"DynamoDB reads":  {0.125, 0.125},
		"CloudWatch Logs": {850e6 / (1 << 30) * 0.50, 850e6 / (1 << 30) * 0.50},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d", len(lines), len(want))
	}
	for _, l := range lines {
		w, ok := want[l.Item]
		if !ok || !near(l.HTTPAPI, w[0]) || !near(l.RESTAPI, w[1]) {
			t.Errorf("%s: $%v behind an HTTP API, $%v behind a REST API; want %v", l.Item, l.HTTPAPI, l.RESTAPI, w)
		}
		if l.Basis == "" {
			t.Errorf("%s says nothing of its basis", l.Item)
		}
	}
}
