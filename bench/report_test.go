package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestSpliceReportKeepsWhatIsOutsideTheMarkers(t *testing.T) {
	doc := "# Benchmarks\n\nWritten by hand.\n\n" + beginMarker + "\nold tables\n" + endMarker + "\n\n## What moved\n\nAlso by hand.\n"
	got, err := spliceReport([]byte(doc), []byte("new tables\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := "# Benchmarks\n\nWritten by hand.\n\n" + beginMarker + "\n\nnew tables\n\n" + endMarker + "\n\n## What moved\n\nAlso by hand.\n"
	if string(got) != want {
		t.Errorf("spliced:\n%s\nwant:\n%s", got, want)
	}
}

func TestSpliceReportStartsANewDocument(t *testing.T) {
	got, err := spliceReport(nil, []byte("tables"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), "# Benchmarks\n") || !strings.Contains(string(got), beginMarker+"\n\ntables\n\n"+endMarker) {
		t.Errorf("new document:\n%s", got)
	}
}

func TestSpliceReportRefusesADocumentWithoutItsMarkers(t *testing.T) {
	for name, doc := range map[string]string{
		"no markers":    "# Benchmarks\n\nby hand\n",
		"no end marker": beginMarker + "\nold\n",
		"markers twice": beginMarker + "\n" + endMarker + "\n" + beginMarker + "\n" + endMarker + "\n",
	} {
		if _, err := spliceReport([]byte(doc), []byte("new")); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// sampleResults are the results of a run, made up: every function alike,
// twice the floors' figures.
func sampleResults() *results {
	ms := func(n float64) []time.Duration { return []time.Duration{time.Duration(n * float64(time.Millisecond))} }
	r := &results{
		Machine:   machine{Date: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC), GoVersion: "go1.26.8", CPU: "Test CPU", Cores: 2, Platform: "linux/amd64", LoadAverage: "0.50"},
		Settings:  defaultSettings(),
		Functions: map[string]string{},
		MemoryMB:  128,
		Sizes:     map[string]*sizeBreakdown{},
		CPU:       map[string]map[string]goBenchmark{},
		Cold: map[string]*coldStarts{
			hello:    {Init: ms(2), First: ms(3)},
			sdkFloor: {Init: ms(4), First: ms(5)},
		},
		WarmUp: ms(1),
		Warm: map[string]*warmLatency{
			hello:    {API: ms(0.5)},
			sdkFloor: {API: ms(0.6)},
		},
		Memory:          map[string]memoryFigures{hello: {Peak: 10240, Anon: 4096, File: 5120}, sdkFloor: {Peak: 12288}},
		Throughput:      &throughput{Requests: 100, Elapsed: time.Second, Latencies: ms(20)},
		ThroughputFloor: &throughput{Requests: 100, Elapsed: time.Second / 4, Latencies: ms(5)},
	}
	r.Subjects = []*subject{{Name: hello, ZipBytes: 2_000_000}, {Name: sdkFloor, ZipBytes: 2_500_000}}
	r.Sizes[hello] = &sizeBreakdown{ByModule: map[string]int64{stdModule: 2 << 20}, Metadata: 3 << 20}
	for _, op := range operations {
		fn := "Fn" + op.Name
		r.Functions[op.Name] = fn
		r.Subjects = append(r.Subjects, &subject{Name: fn, ZipBytes: 4_000_000})
		r.Sizes[fn] = &sizeBreakdown{ByModule: map[string]int64{stdModule: 3 << 20, mainModule: 40 << 10}, Metadata: 5 << 20}
		r.CPU[op.Name] = map[string]goBenchmark{"Handle": {NsPerOp: 60000, BytesPerOp: 30000, AllocsPerOp: 400}, "SDKGetItem": {NsPerOp: 40000, BytesPerOp: 28000, AllocsPerOp: 350}}
		r.Cold[fn] = &coldStarts{Init: ms(8), First: ms(10)}
		r.Warm[op.Name] = &warmLatency{API: ms(2), Floor: ms(1), Billed: ms(1.5), ReadUnits: 1, WriteUnits: 1, LogBytes: 500, AccessLogBytes: 250}
		r.Memory[fn] = memoryFigures{Peak: 20480, Anon: 8192, File: 10240}
	}
	return r
}

func TestWriteReportHasARowPerFunctionInEveryTable(t *testing.T) {
	var b bytes.Buffer
	if err := writeReport(&b, sampleResults()); err != nil {
		t.Fatal(err)
	}
	report := b.String()
	sections := []string{"### 1. Cold start", "### 2. Package size", "### 3. Warm requests", "### 4. Handler CPU", "### 5. Memory", "### 6. Throughput", "### Cost of a million requests"}
	for _, s := range sections {
		if !strings.Contains(report, s) {
			t.Errorf("the report has no section %q", s)
		}
	}
	// Each function has a row in each of the five tables of functions.
	for _, op := range operations {
		if n := strings.Count(report, "\n| "+op.Name+" |"); n != 5 {
			t.Errorf("%d rows for %s, want one in each of five tables", n, op.Name)
		}
	}
	for _, want := range []string{
		"Test CPU, 2 cores, linux/amd64, go1.26.8; load average 0.50",
		// Init 8 ms against the floor's 4: twice, 100% over the 1.00 target.
		"| create | 8.00 ms | 2.00 | 4.00 | 10.00 ms | 2.00 | 3.33 | missed by 100% |",
		// 4 MB zipped against hello's 2: twice, 54% over 1.3.
		"| create | 4.00 MB | 2.00 | 1.60 |",
		// 2 ms against the SDK call's 1: 33% over 1.5; less hello's 0.5 ms, 1.5.
		"| create | 2.00 ms | 2.00 ms | 1.00 ms | 1.00 ms | 2.00 | missed by 33% | 1.50 |",
		"| create | 60.0 µs | 400 | 30000 | 40.0 µs | 350 | 28000 | 1.50 | 20.0 µs | missed by 20% |",
		"| create | 20.0 MB | 2.00 | 1.67 | missed by 54% | 8.0 MB | 10.0 MB |",
		"| the mix | 100 | 100 | 0.25 | 20.00 ms | 20.00 ms | 0 |",
		"| runtime tables, type data, headers | 3072 |",
		"| **Total** |",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
}

func TestWriteReportLeavesOutThePhasesThatDidNotRun(t *testing.T) {
	r := sampleResults()
	r.Cold, r.Warm, r.Memory, r.Throughput = nil, nil, nil, nil
	var b bytes.Buffer
	if err := writeReport(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"### 1. Cold start", "### 3. Warm requests", "### 5. Memory", "### 6. Throughput", "### Cost"} {
		if strings.Contains(b.String(), s) {
			t.Errorf("the report has the section %q of a phase that did not run", s)
		}
	}
	if !strings.Contains(b.String(), "### 4. Handler CPU") {
		t.Error("the report lacks the handler CPU that ran")
	}
}

// A function the workload does not reach, like one just added with make
// function, is measured for its size and named as not measured otherwise.
func TestWriteReportSaysWhichFunctionsTheWorkloadDoesNotReach(t *testing.T) {
	r := sampleResults()
	r.Unmeasured = []string{"MeFunction"}
	r.Subjects = append(r.Subjects, &subject{Name: "MeFunction", ZipBytes: 3_000_000})
	r.Sizes["MeFunction"] = &sizeBreakdown{ByModule: map[string]int64{stdModule: 3 << 20}, Metadata: 4 << 20}
	var b bytes.Buffer
	if err := writeReport(&b, r); err != nil {
		t.Fatal(err)
	}
	report := b.String()
	if !strings.Contains(report, "has no request for MeFunction: only its size is measured") {
		t.Errorf("the report does not say MeFunction is not measured:\n%s", report)
	}
	if n := strings.Count(report, "\n| MeFunction |"); n != 1 {
		t.Errorf("%d rows for MeFunction, want its size's only", n)
	}
}
