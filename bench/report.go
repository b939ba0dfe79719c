package main

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/example/serverless-todo/internal/local/lambda"
)

// results is everything one run measured, and how.
type results struct {
	Machine  machine
	Settings settings
	// Functions maps each operation's name to its function's logical ID.
	Functions map[string]string
	// Unmeasured are the template's functions that no operation of the
	// workload reaches: only their size is measured.
	Unmeasured []string
	MemoryMB   int

	Subjects []*subject
	Sizes    map[string]*sizeBreakdown // by subject name
	CPU      map[string]map[string]goBenchmark
	Cold     map[string]*coldStarts // by function or baseline name
	// WarmUp is store.Warm on a new client, timed in each round of cold
	// starts: what the functions' init does that the floors' does not.
	WarmUp     []time.Duration
	Warm       map[string]*warmLatency  // by operation or baseline name
	Memory     map[string]memoryFigures // by function or baseline name
	Throughput *throughput
	// ThroughputFloor is the same load on the hello baseline.
	ThroughputFloor *throughput
	// Scale is the forms of listing among many todos.
	Scale *scale
}

// machine describes where the run ran.
type machine struct {
	Date      time.Time
	GoVersion string
	CPU       string
	Cores     int
	Platform  string
	// LoadAverage is the one-minute load average when the run started:
	// how busy the machine already was.
	LoadAverage string
}

// Targets of the issue, as ratios to a baseline, and in time.
const (
	initTarget       = 1.00
	sizeTarget       = 1.3
	latencyTarget    = 1.5
	memoryTarget     = 1.3
	handlerCPUTarget = 50 * time.Microsecond
)

// The markers around the part of BENCHMARKS.md that make bench writes;
// everything outside them is left as it is.
const (
	beginMarker = "<!-- make bench writes from here to the end marker; edit outside them -->"
	endMarker   = "<!-- end of what make bench writes -->"
)

// writeReport renders r as Markdown.
func writeReport(w io.Writer, r *results) error {
	var b bytes.Buffer
	r.header(&b)
	if r.Cold != nil {
		r.coldTable(&b)
	}
	if r.Subjects != nil {
		r.sizeTable(&b)
	}
	if r.Warm != nil {
		r.warmTable(&b)
	}
	if r.CPU != nil {
		r.cpuTable(&b)
	}
	if r.Memory != nil {
		r.memoryTable(&b)
	}
	if r.Throughput != nil {
		r.throughputTable(&b)
	}
	if r.Scale != nil {
		r.scaleTable(&b)
	}
	if r.Warm != nil && r.Cold != nil {
		r.costTable(&b)
	}
	_, err := w.Write(b.Bytes())
	return err
}

func (r *results) header(b *bytes.Buffer) {
	m, s := r.Machine, r.Settings
	fmt.Fprintf(b, "Measured on %s: %s, %d cores, %s, %s; load average %s when the run began.\n",
		m.Date.UTC().Format("2006-01-02 15:04 UTC"), m.CPU, m.Cores, m.Platform, m.GoVersion, m.LoadAverage)
	fmt.Fprintf(b, "Reproduce with `make bench`, which ran `%s`.\n", strings.Join(append([]string{"go run ./bench"}, s.args()...), " "))
	b.WriteString("Every ratio compares two figures measured side by side in this run, ")
	b.WriteString("so that what else the machine does weighs on both.\n")
	if len(r.Unmeasured) > 0 {
		fmt.Fprintf(b, "\nThe workload (`bench/workload.go`) has no request for %s: only %s measured; add an operation to measure the rest.\n",
			strings.Join(r.Unmeasured, ", "), map[bool]string{true: "its size is", false: "their sizes are"}[len(r.Unmeasured) == 1])
	}
}

// rows are the functions in the tables' order, the operations'.
func (r *results) rows() []row {
	var rows []row
	for _, op := range operations {
		rows = append(rows, row{Label: op.Name, Key: r.Functions[op.Name], Op: op.Name})
	}
	for _, id := range r.Unmeasured {
		rows = append(rows, row{Label: id, Key: id})
	}
	return rows
}

type row struct {
	Label string // how the tables call it: the operation's name
	Key   string // the function's logical ID, or a baseline's name
	Op    string // the operation's name
}

func (r *results) coldTable(b *bytes.Buffer) {
	fmt.Fprintf(b, "\n### 1. Cold start\n\n")
	warmUp := median(r.WarmUp)
	fmt.Fprintf(b, "Median of %d starts of each binary, the binaries interleaved. Init is the time from the exec of the bootstrap to its first request for an event (Lambda's Init Duration); first response adds the first invocation, a real request of the workload against DynamoDB Local. Target: init at most %.2f× the SDK floor's.\n\n", r.Settings.Starts, initTarget)
	fmt.Fprintf(b, "The SDK floor is `config.LoadDefaultConfig` and a DynamoDB client, as any DynamoDB-backed Go function starts; the functions configure the SDK from the Lambda environment alone (`pkg/awsconfig`). A function also opens its connection to DynamoDB (`store.Warm`, %s when timed alone with a new client in each round), in the background: init does not wait for it, and the first request does, to use that connection.\n\n", ms(warmUp))
	b.WriteString("| Function | Init | × SDK floor | × hello | First response | × SDK floor | × hello | Init target |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|---|\n")
	floor, hi := r.Cold[sdkFloor], r.Cold[hello]
	if floor == nil || hi == nil {
		return
	}
	fi, ff := median(floor.Init), median(floor.First)
	hiI, hiF := median(hi.Init), median(hi.First)
	line := func(label string, cs *coldStarts, function bool) {
		i, f := median(cs.Init), median(cs.First)
		v := ""
		if function {
			v = verdict(ratio(i, fi), initTarget)
		}
		fmt.Fprintf(b, "| %s | %s | %.2f | %.2f | %s | %.2f | %.2f | %s |\n",
			label, ms(i), ratio(i, fi), ratio(i, hiI), ms(f), ratio(f, ff), ratio(f, hiF), v)
	}
	for _, rw := range r.rows() {
		if cs := r.Cold[rw.Key]; cs != nil {
			line(rw.Label, cs, true)
		}
	}
	line("SDK floor", floor, false)
	line("hello", hi, false)
}

func (r *results) sizeTable(b *bytes.Buffer) {
	fmt.Fprintf(b, "\n### 2. Package size\n\n")
	fmt.Fprintf(b, "The linux/arm64 bootstrap, built with the Makefile's recipe, zipped with `zip` as `make build` zips it, which compresses as `sam deploy` does (zlib's deflate, default level). Target: at most %.1f× hello.\n\n", sizeTarget)
	b.WriteString("| Function | Zipped | × hello | × SDK floor | Unzipped | Target |\n")
	b.WriteString("|---|--:|--:|--:|--:|---|\n")
	by := map[string]*subject{}
	for _, s := range r.Subjects {
		by[s.Name] = s
	}
	hi, floor := by[hello], by[sdkFloor]
	if hi == nil || floor == nil {
		return
	}
	line := func(label string, s *subject, target bool) {
		v := ""
		if target {
			v = verdict(ratio(s.ZipBytes, hi.ZipBytes), sizeTarget)
		}
		fmt.Fprintf(b, "| %s | %s | %.2f | %.2f | %s | %s |\n", label, mb(s.ZipBytes), ratio(s.ZipBytes, hi.ZipBytes), ratio(s.ZipBytes, floor.ZipBytes), mb(fileSize(s.Lambda)), v)
	}
	for _, rw := range r.rows() {
		if s := by[rw.Key]; s != nil {
			line(rw.Label, s, true)
		}
	}
	line("SDK floor", floor, false)
	line("hello", hi, false)

	if len(r.Sizes) == 0 {
		return
	}
	// The breakdown: a column per binary, a row per module, largest first
	// in the largest function.
	cols := []row{{Label: "hello", Key: hello}, {Label: "SDK floor", Key: sdkFloor}}
	cols = append(cols, r.rows()...)
	largest := ""
	for _, rw := range r.rows() {
		if s := by[rw.Key]; s != nil && (largest == "" || s.ZipBytes > by[largest].ZipBytes) {
			largest = rw.Key
		}
	}
	modules := map[string]bool{}
	for _, sb := range r.Sizes {
		for m := range sb.ByModule {
			modules[m] = true
		}
	}
	names := make([]string, 0, len(modules))
	for m := range modules {
		names = append(names, m)
	}
	slices.SortFunc(names, func(x, y string) int {
		return cmp.Or(cmp.Compare(r.Sizes[largest].ByModule[y], r.Sizes[largest].ByModule[x]), strings.Compare(x, y))
	})
	fmt.Fprintf(b, "\nWhere the bytes come from, unzipped, in KB: the code and data of each module's symbols (from the same build with its symbol table kept), and the runtime's tables and type data, which grow with the code.\n\n")
	b.WriteString("| Module |")
	for _, c := range cols {
		fmt.Fprintf(b, " %s |", c.Label)
	}
	b.WriteString("\n|---|")
	b.WriteString(strings.Repeat("--:|", len(cols)))
	b.WriteString("\n")
	for _, m := range names {
		fmt.Fprintf(b, "| %s |", m)
		for _, c := range cols {
			if sb := r.Sizes[c.Key]; sb != nil && sb.ByModule[m] > 0 {
				fmt.Fprintf(b, " %d |", (sb.ByModule[m]+512)/1024)
			} else {
				b.WriteString(" |")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("| runtime tables, type data, headers |")
	for _, c := range cols {
		if sb := r.Sizes[c.Key]; sb != nil {
			fmt.Fprintf(b, " %d |", (sb.Metadata+512)/1024)
		} else {
			b.WriteString(" |")
		}
	}
	b.WriteString("\n")
}

func (r *results) warmTable(b *bytes.Buffer) {
	fmt.Fprintf(b, "\n### 3. Warm requests\n\n")
	fmt.Fprintf(b, "%d requests per route through the local gateway (JWT checked, payload 2.0 event, Runtime API) to a warm function, as a client on loopback times them; each followed by sdkcall, a plain Go program doing the same DynamoDB work with the SDK (for contact: the put, the Pushover POST on loopback and the update), timed around its SDK calls. The routes interleaved, with requests to hello and the SDK floor through the same gateway: what the gateway and the Lambda runtime cost without any function work. %d rounds of warm-up not counted. Target: p50 at most %.1f× the direct call's. The last column takes hello's p50 out: what the function adds to the SDK call.\n\n", r.Settings.Requests, r.Settings.Warmup, latencyTarget)
	b.WriteString("| Route | p50 | p99 | SDK call p50 | SDK call p99 | p50 × SDK call | Target | (p50 − hello p50) × SDK call |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|---|--:|\n")
	var gateway time.Duration
	if w := r.Warm[hello]; w != nil {
		gateway = median(w.API)
	}
	for _, rw := range r.rows() {
		w := r.Warm[rw.Op]
		if w == nil {
			continue
		}
		p50, f50 := median(w.API), median(w.Floor)
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %.2f | %s | %.2f |\n", rw.Label, ms(p50), ms(percentile(w.API, 99)),
			ms(f50), ms(percentile(w.Floor, 99)), ratio(p50, f50), verdict(ratio(p50, f50), latencyTarget), ratio(p50-gateway, f50))
	}
	for _, name := range []string{hello, sdkFloor} {
		if w := r.Warm[name]; w != nil {
			fmt.Fprintf(b, "| %s (no DynamoDB work) | %s | %s | | | | | |\n", baselineLabel(name), ms(median(w.API)), ms(percentile(w.API, 99)))
		}
	}
}

func (r *results) cpuTable(b *bytes.Buffer) {
	fmt.Fprintf(b, "\n### 4. Handler CPU\n\n")
	fmt.Fprintf(b, "Go benchmarks (the test binaries of `./functions/...` with `-test.bench . -test.benchmem -test.benchtime %s`, median of %d runs, the packages taking turns) of each handler behind the same Lambda wrapper as in production (deadline, log line, headers), with DynamoDB's answers, recorded once from DynamoDB Local, replayed in process; beside the bare SDK call doing the same DynamoDB work. Target: under %s a request, with a bounded number of allocations.\n\n", r.Settings.Benchtime, r.Settings.Count, us(handlerCPUTarget))
	b.WriteString("| Function | Handler | allocs | bytes | SDK call | allocs | bytes | × SDK call | Own work | Target |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
	for _, rw := range r.rows() {
		byName := r.CPU[rw.Op]
		h, ok := byName["Handle"]
		if !ok {
			continue
		}
		var floor goBenchmark
		for name, g := range byName {
			if strings.HasPrefix(name, "SDK") {
				floor = g
			}
		}
		handle := time.Duration(h.NsPerOp)
		v := "met"
		if handle >= handlerCPUTarget {
			v = fmt.Sprintf("missed by %.0f%%", 100*(ratio(handle, handlerCPUTarget)-1))
		}
		fmt.Fprintf(b, "| %s | %s | %d | %d | %s | %d | %d | %.2f | %s | %s |\n", rw.Label, us(handle), h.AllocsPerOp, h.BytesPerOp,
			us(time.Duration(floor.NsPerOp)), floor.AllocsPerOp, floor.BytesPerOp, ratio(h.NsPerOp, floor.NsPerOp),
			us(time.Duration(h.NsPerOp-floor.NsPerOp)), v)
	}
}

func (r *results) memoryTable(b *bytes.Buffer) {
	fmt.Fprintf(b, "\n### 5. Memory\n\n")
	fmt.Fprintf(b, "Peak resident memory (VmHWM, what Lambda reports as Max Memory Used) of each function's process after %d requests through the gateway, one process per function from its start, the functions side by side; hello and the SDK floor after as many. GOMEMLIMIT is set from the %d MB memory size. Target: at most %.1f× hello. The last two columns split what the process holds at the end: anonymous memory (heap, stacks) and pages of its binary.\n\n", r.Settings.Memory, r.MemoryMB, memoryTarget)
	b.WriteString("| Function | Peak RSS | × hello | × SDK floor | Target | Anonymous | Binary pages |\n")
	b.WriteString("|---|--:|--:|--:|---|--:|--:|\n")
	hi, floor := r.Memory[hello].Peak, r.Memory[sdkFloor].Peak
	line := func(label string, m memoryFigures, target bool) {
		v := ""
		if target {
			v = verdict(ratio(m.Peak, hi), memoryTarget)
		}
		fmt.Fprintf(b, "| %s | %s | %.2f | %.2f | %s | %s | %s |\n", label, kib(m.Peak), ratio(m.Peak, hi), ratio(m.Peak, floor), v, kib(m.Anon), kib(m.File))
	}
	for _, rw := range r.rows() {
		if m, ok := r.Memory[rw.Key]; ok {
			line(rw.Label, m, true)
		}
	}
	line("SDK floor", r.Memory[sdkFloor], false)
	line("hello", r.Memory[hello], false)
}

func (r *results) throughputTable(b *bytes.Buffer) {
	fmt.Fprintf(b, "\n### 6. Throughput\n\n")
	var mixText []string
	for _, op := range operations {
		mixText = append(mixText, fmt.Sprintf("%s %d%%", op.Name, op.Share))
	}
	fmt.Fprintf(b, "%d requests from %d concurrent clients through the gateway, after a warm-up of as many that starts the execution environments the concurrency needs (up to %d per function). The mix: %s. Then the same load on hello, the ceiling of the gateway and the local Lambda runtime on this machine.\n\n",
		r.Settings.Throughput, r.Settings.Clients, lambda.DefaultMaxConcurrency, strings.Join(mixText, ", "))
	b.WriteString("| Workload | Requests | Requests/s | × hello | p50 | p99 | Errors |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|\n")
	t, f := r.Throughput, r.ThroughputFloor
	fmt.Fprintf(b, "| the mix | %d | %.0f | %.2f | %s | %s | %d |\n", t.Requests, t.PerSecond(), ratio(t.PerSecond(), f.PerSecond()), ms(median(t.Latencies)), ms(percentile(t.Latencies, 99)), t.Errors)
	fmt.Fprintf(b, "| hello | %d | %.0f | 1.00 | %s | %s | %d |\n", f.Requests, f.PerSecond(), ms(median(f.Latencies)), ms(percentile(f.Latencies, 99)), f.Errors)
}

func (r *results) costTable(b *bytes.Buffer) {
	u := usage(r.Warm, r.Cold, func(op operation) string { return r.Functions[op.Name] })
	lines := costPerMillion(u, r.MemoryMB)
	fmt.Fprintf(b, "\n### Cost of a million requests of the mix\n\n")
	b.WriteString("US East (N. Virginia) prices, first tiers, no free tier; durations, capacity units and log bytes as measured above (the README's cost section explains each line).\n\n")
	b.WriteString("| Item | Basis | HTTP API | REST API |\n")
	b.WriteString("|---|---|--:|--:|\n")
	var httpTotal, restTotal float64
	for _, l := range lines {
		fmt.Fprintf(b, "| %s | %s | $%.4f | $%.4f |\n", l.Item, l.Basis, l.HTTPAPI, l.RESTAPI)
		httpTotal += l.HTTPAPI
		restTotal += l.RESTAPI
	}
	fmt.Fprintf(b, "| **Total** | | **$%.2f** | **$%.2f** |\n", httpTotal, restTotal)
}

// verdict says whether a ratio is within its target, and if not by how
// much it misses.
func verdict(got, target float64) string {
	if got <= target {
		return "met"
	}
	return fmt.Sprintf("missed by %.0f%%", 100*(got/target-1))
}

func baselineLabel(name string) string {
	if name == sdkFloor {
		return "SDK floor"
	}
	return name
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
func us(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond)) }
func mb(n int64) string         { return fmt.Sprintf("%.2f MB", float64(n)/1e6) }
func kib(n int64) string        { return fmt.Sprintf("%.1f MB", float64(n)/1024) }

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// updateFile puts report between the markers of the file at path, keeping
// what is outside them; a file without them gets a title, the markers and
// the report.
func updateFile(path string, report []byte) error {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	out, err := spliceReport(old, report)
	if err != nil {
		return fmt.Errorf("bench: %s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}

// spliceReport returns doc with the part between the markers replaced by
// report, or a new document when doc is empty.
func spliceReport(doc, report []byte) ([]byte, error) {
	block := []byte(beginMarker + "\n\n" + strings.TrimSpace(string(report)) + "\n\n" + endMarker)
	if len(bytes.TrimSpace(doc)) == 0 {
		return append([]byte("# Benchmarks\n\n"), append(block, '\n')...), nil
	}
	before, rest, ok := bytes.Cut(doc, []byte(beginMarker))
	if !ok {
		return nil, errors.New("it has no begin marker " + beginMarker)
	}
	_, after, ok := bytes.Cut(rest, []byte(endMarker))
	if !ok {
		return nil, errors.New("it has no end marker " + endMarker)
	}
	if bytes.Contains(after, []byte(beginMarker)) {
		return nil, errors.New("it has the markers twice")
	}
	return slices.Concat(before, block, after), nil
}
