package main

import (
	"math"
	"reflect"
	"testing"
	"time"
)

func TestMixKeepsTheSharesOfTheOperations(t *testing.T) {
	for _, n := range []int{1, 7, 100, 6000} {
		ops := mix(n)
		if len(ops) != n {
			t.Fatalf("mix(%d) has %d operations", n, len(ops))
		}
		count := map[string]int{}
		for _, op := range ops {
			count[op.Name]++
		}
		for _, op := range operations {
			want := float64(n*op.Share) / 100
			// Each share is rounded down, the first gets what is left:
			// at most one request per operation off.
			if math.Abs(float64(count[op.Name])-want) > float64(len(operations)) {
				t.Errorf("mix(%d) has %d %s, want about %.1f", n, count[op.Name], op.Name, want)
			}
		}
	}
	if !reflect.DeepEqual(mix(500), mix(500)) {
		t.Error("mix is not the same from one run to the next")
	}
}

func TestOperationSharesAddUpToAHundred(t *testing.T) {
	total := 0
	for _, op := range operations {
		total += op.Share
	}
	if total != 100 {
		t.Errorf("the shares add up to %d%%", total)
	}
}

func TestParseFloorAnswer(t *testing.T) {
	tests := []struct {
		answer  string
		want    floorResult
		wantErr bool
	}{
		{"ok 1250000 1 0", floorResult{Took: 1250 * time.Microsecond, ReadUnits: 1}, false},
		{"ok 980000 0 2", floorResult{Took: 980 * time.Microsecond, WriteUnits: 2}, false},
		{"ok 980000 0.5 0", floorResult{Took: 980 * time.Microsecond, ReadUnits: 0.5}, false},
		{"error 5000 operation error DynamoDB: GetItem, no such table", floorResult{}, true},
		{"ok 12", floorResult{}, true},
		{"ok -3 0 0", floorResult{}, true},
		{"maybe 12 0 0", floorResult{}, true},
		{"", floorResult{}, true},
	}
	for _, tt := range tests {
		got, err := parseFloorAnswer(tt.answer)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseFloorAnswer(%q) = %+v, %v; want %+v, error %v", tt.answer, got, err, tt.want, tt.wantErr)
		}
	}
}
