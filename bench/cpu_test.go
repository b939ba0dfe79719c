package main

import (
	"reflect"
	"testing"
)

func TestParseBenchmarksReadsEveryRunByPackageAndName(t *testing.T) {
	out := `goos: linux
goarch: amd64
pkg: github.com/example/serverless-todo/functions/get
cpu: AMD EPYC
BenchmarkHandle-2       	    3000	     49976 ns/op	   31453 B/op	     378 allocs/op
BenchmarkHandle-2       	    3000	     51000 ns/op	   31453 B/op	     378 allocs/op
BenchmarkSDKGetItem-2   	    3000	     38887.5 ns/op	   28721 B/op	     349 allocs/op
PASS
ok  	github.com/example/serverless-todo/functions/get	2.104s
pkg: github.com/example/serverless-todo/functions/list
BenchmarkHandle     	    3000	    216000 ns/op	   89640 B/op	    1245 allocs/op
PASS
`
	got, err := parseBenchmarks([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string][]goBenchmark{
		"get": {
			"Handle":     {{49976, 31453, 378}, {51000, 31453, 378}},
			"SDKGetItem": {{38887.5, 28721, 349}},
		},
		"list": {"Handle": {{216000, 89640, 1245}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseBenchmarks =\n%v\nwant\n%v", got, want)
	}
}

func TestParseBenchmarksRefusesWhatItCannotRead(t *testing.T) {
	tests := map[string]string{
		"no -benchmem":      "pkg: x/get\nBenchmarkHandle-2   3000   49976 ns/op\n",
		"a benchmark first": "BenchmarkHandle-2   3000   49976 ns/op   31453 B/op   378 allocs/op\n",
		"not a number":      "pkg: x/get\nBenchmarkHandle-2   3000   fast ns/op   31453 B/op   378 allocs/op\n",
	}
	for name, out := range tests {
		t.Run(name, func(t *testing.T) {
			if got, err := parseBenchmarks([]byte(out)); err == nil {
				t.Errorf("parseBenchmarks = %v, want an error", got)
			}
		})
	}
}

func TestMedianRunIsTheMiddleOne(t *testing.T) {
	runs := []goBenchmark{{NsPerOp: 90, AllocsPerOp: 1}, {NsPerOp: 50, AllocsPerOp: 2}, {NsPerOp: 70, AllocsPerOp: 3}, {NsPerOp: 60, AllocsPerOp: 4}}
	if got := medianRun(runs); got.NsPerOp != 60 || got.AllocsPerOp != 4 {
		t.Errorf("medianRun = %+v, want the run of 60 ns", got)
	}
	if got := medianRun(runs[:3]); got.NsPerOp != 70 {
		t.Errorf("medianRun of three = %+v, want the run of 70 ns", got)
	}
}
