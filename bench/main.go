// Command bench measures what the functions cost beside what any Go Lambda
// function costs: cold start, package size, warm latency through the
// gateway, handler CPU, memory and throughput, each against a baseline built
// from bench/baseline with the functions' own flags and measured in the
// same run, interleaved where it can be. It prints the results as Markdown
// tables and writes them into BENCHMARKS.md between its markers.
//
// make bench runs it from the repository's root. It starts its own
// DynamoDB Local, in memory, and everything else it measures; it stops all
// of it before it exits.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/example/serverless-todo/internal/local/devauth"
	"github.com/example/serverless-todo/internal/local/dynamodblocal"
	"github.com/example/serverless-todo/internal/local/moto"
	"github.com/example/serverless-todo/internal/local/stack"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// settings are the counts of a run, which its flags set.
type settings struct {
	Starts     int
	Requests   int
	Warmup     int
	Memory     int
	Throughput int
	Clients    int
	Rounds     int
	Benchtime  string
	Count      int
	Only       string
	Out        string
}

// The phases of a run, in the order they run.
var phases = []string{"size", "cpu", "cold", "warm", "memory", "throughput", "scale"}

func (s settings) args() []string {
	var out []string
	def := defaultSettings()
	add := func(name, v, d string) {
		if v != d {
			out = append(out, "-"+name+"="+v)
		}
	}
	add("starts", strconv.Itoa(s.Starts), strconv.Itoa(def.Starts))
	add("requests", strconv.Itoa(s.Requests), strconv.Itoa(def.Requests))
	add("warmup", strconv.Itoa(s.Warmup), strconv.Itoa(def.Warmup))
	add("memory", strconv.Itoa(s.Memory), strconv.Itoa(def.Memory))
	add("throughput", strconv.Itoa(s.Throughput), strconv.Itoa(def.Throughput))
	add("clients", strconv.Itoa(s.Clients), strconv.Itoa(def.Clients))
	add("rounds", strconv.Itoa(s.Rounds), strconv.Itoa(def.Rounds))
	add("benchtime", s.Benchtime, def.Benchtime)
	add("count", strconv.Itoa(s.Count), strconv.Itoa(def.Count))
	add("only", s.Only, def.Only)
	return out
}

// defaultSettings keep a whole run within a few minutes on a two-core
// machine while giving every median and p99 enough samples.
func defaultSettings() settings {
	return settings{
		Starts: 25, Requests: 1000, Warmup: 50, Memory: 10000,
		Throughput: 6000, Clients: 32, Rounds: 30, Benchtime: "3000x", Count: 3,
		Out: "BENCHMARKS.md",
	}
}

func parseFlags(args []string, stderr io.Writer) (settings, error) {
	s := defaultSettings()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&s.Starts, "starts", s.Starts, "cold starts of each binary")
	fs.IntVar(&s.Requests, "requests", s.Requests, "warm requests per route, each beside its SDK call")
	fs.IntVar(&s.Warmup, "warmup", s.Warmup, "rounds of warm requests before counting")
	fs.IntVar(&s.Memory, "memory", s.Memory, "requests to each function before reading its peak memory")
	fs.IntVar(&s.Throughput, "throughput", s.Throughput, "requests of the throughput run")
	fs.IntVar(&s.Clients, "clients", s.Clients, "concurrent clients of the throughput run")
	fs.IntVar(&s.Rounds, "rounds", s.Rounds, "rounds of the scale run, each sending every form of listing once")
	fs.StringVar(&s.Benchtime, "benchtime", s.Benchtime, "go test -benchtime of the handler benchmarks")
	fs.IntVar(&s.Count, "count", s.Count, "runs of each handler benchmark; the median is reported")
	fs.StringVar(&s.Only, "only", "", "run only these phases, comma-separated: "+strings.Join(phases, ","))
	fs.StringVar(&s.Out, "o", s.Out, "the file to write the report into, between its markers; empty writes none (a run of some phases never writes)")
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	if fs.NArg() > 0 {
		return s, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, n := range []int{s.Starts, s.Requests, s.Memory, s.Throughput, s.Clients, s.Rounds, s.Count} {
		if n < 1 {
			return s, errors.New("every count must be at least 1")
		}
	}
	for p := range strings.SplitSeq(s.Only, ",") {
		if p != "" && !slices.Contains(phases, p) {
			return s, fmt.Errorf("-only: no phase %q; the phases are %s", p, strings.Join(phases, ","))
		}
	}
	return s, nil
}

func (s settings) runs(phase string) bool {
	return s.Only == "" || slices.Contains(strings.Split(s.Only, ","), phase)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	r := &results{Settings: s, Machine: describeMachine(time.Now())}
	started := time.Now()
	// The contact function notifies the fake Pushover; both parameters are
	// needed, or it only logs. Every request comes from one address, so
	// the per-sender limit is raised out of the way, and so is the quota of
	// todos of the one user the memory runs create tens of thousands for.
	cfg, err := stack.Load(root, stack.LoadOptions{Parameters: map[string]string{
		"PushoverToken": "benchtoken1", "PushoverUserKey": "benchuser1", "ContactLimitPerHour": "1000000000",
		"MaxTodosPerUser": "1000000000"}})
	if err != nil {
		return err
	}
	work := filepath.Join(root, "build", "bench")
	if err := os.RemoveAll(work); err != nil {
		return err
	}

	notifier, err := startPushover()
	if err != nil {
		return err
	}
	defer notifier.Close()
	for i := range cfg.Functions {
		if cfg.Functions[i].Env["CONTACT_SECRET"] != "" {
			cfg.Functions[i].Env["PUSHOVER_API_URL"] = notifier.URL
		}
	}

	fmt.Fprintln(stderr, "building the functions and baselines, for this machine and linux/arm64, while DynamoDB Local and moto start")
	var db *dynamodblocal.Server
	var mo *moto.Server
	dbReady, motoReady := make(chan error, 1), make(chan error, 1)
	go func() {
		jar := getenv(dynamodblocal.JarEnv)
		var err error
		if jar == "" {
			jar, err = dynamodblocal.FindJar(root)
		}
		if err == nil {
			db, err = dynamodblocal.Start(ctx, dynamodblocal.Options{Jar: jar})
		}
		dbReady <- err
	}()
	go func() {
		var err error
		if mo, err = moto.Start(ctx, moto.Options{}); err == nil {
			err = stack.CreateSecrets(ctx, mo.Endpoint, cfg.Secrets)
		}
		motoReady <- err
	}()
	subjects, buildErr := buildAll(ctx, cfg, filepath.Join(work, "bin"))
	dbErr, motoErr := <-dbReady, <-motoReady
	if db != nil {
		defer db.Stop()
	}
	if mo != nil {
		defer mo.Stop()
	}
	if err := errors.Join(buildErr, dbErr, motoErr); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "built in %s\n", time.Since(started).Round(time.Second))
	r.Subjects = subjects

	l := &lab{cfg: cfg, subjects: subjects, endpoint: db.Endpoint, motoEndpoint: mo.Endpoint}
	if l.issuer, err = devauth.Open(filepath.Join(work, "state"), devauth.Options{}); err != nil {
		return err
	}
	r.Functions = map[string]string{}
	for _, op := range operations {
		if r.Functions[op.Name], err = l.function(op.Route); err != nil {
			return err
		}
	}
	for _, f := range cfg.Functions {
		if !slices.Contains(slices.Collect(maps.Values(r.Functions)), f.Name) {
			r.Unmeasured = append(r.Unmeasured, f.Name)
		}
	}
	r.MemoryMB = cfg.Function(r.Functions[operations[0].Name]).MemoryMB

	table := cfg.Tables[0]
	client := dynamodblocal.Client(db.Endpoint)
	if err := dynamodblocal.CreateTable(ctx, client, table.Definition, table.Name); err != nil {
		return err
	}
	fx, err := newFixture(ctx, client, table.Name, l.issuer)
	if err != nil {
		return err
	}

	if s.runs("size") {
		fmt.Fprintln(stderr, "size: breaking the binaries down by module")
		r.Sizes = map[string]*sizeBreakdown{}
		for _, sub := range subjects {
			if sub.Symbolic == "" {
				continue
			}
			if r.Sizes[sub.Name], err = breakdown(sub.Symbolic, sub.Lambda); err != nil {
				return err
			}
		}
	}
	if s.runs("cpu") {
		fmt.Fprintf(stderr, "cpu: the functions' Go benchmarks, -benchtime %s, %d runs each, the packages taking turns\n", s.Benchtime, s.Count)
		if r.CPU, err = handlerCPU(ctx, root, filepath.Join(work, "tests"), db.Endpoint, s.Benchtime, s.Count); err != nil {
			return err
		}
	}
	if s.runs("cold") {
		if r.Cold, r.WarmUp, err = measureColdStarts(ctx, l, fx, s.Starts, stderr); err != nil {
			return err
		}
	}
	if s.runs("warm") {
		floor, err := startFloor(ctx, l.subject(sdkCall).Host, table.Name, db.Endpoint, notifier.URL)
		if err != nil {
			return err
		}
		r.Warm, err = measureWarm(ctx, l, fx, floor, s.Requests, s.Warmup, stderr)
		if err = errors.Join(err, floor.Close()); err != nil {
			return err
		}
	}
	if s.runs("memory") {
		if r.Memory, err = measureMemory(ctx, l, fx, s.Memory, stderr); err != nil {
			return err
		}
	}
	if s.runs("throughput") {
		if r.Throughput, r.ThroughputFloor, err = measureThroughput(ctx, l, fx, s.Throughput, s.Clients, stderr); err != nil {
			return err
		}
		if r.Throughput.Errors > 0 || r.ThroughputFloor.Errors > 0 {
			fmt.Fprintf(stderr, "throughput: errors! the first: %v %v\n", r.Throughput.First, r.ThroughputFloor.First)
		}
	}
	if s.runs("scale") {
		if r.Scale, err = measureScale(ctx, l, client, table.Name, l.issuer, s.Rounds, stderr); err != nil {
			return err
		}
	}
	// The contact function answers 202 even when its notification fails;
	// only Pushover's count shows that none did.
	if got, want := notifier.Messages(), fx.contacts.Load(); got != want {
		return fmt.Errorf("bench: Pushover got %d messages for %d contact messages sent", got, want)
	}
	fmt.Fprintf(stderr, "done in %s\n\n", time.Since(started).Round(time.Second))

	var report bytes.Buffer
	if err := writeReport(&report, r); err != nil {
		return err
	}
	if _, err := stdout.Write(report.Bytes()); err != nil {
		return err
	}
	if s.Out == "" || s.Only != "" {
		return nil
	}
	if err := updateFile(filepath.Join(root, s.Out), report.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "\nwritten to %s\n", s.Out)
	return nil
}

// describeMachine says where the run runs: the CPU's model name as Linux
// gives it, the cores, the Go version and the load already on the machine.
func describeMachine(now time.Time) machine {
	m := machine{
		Date: now, GoVersion: runtime.Version(), Cores: runtime.NumCPU(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH, CPU: runtime.GOARCH, LoadAverage: "unknown",
	}
	if info, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(info)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(load)); len(f) > 0 {
			m.LoadAverage = f[0]
		}
	}
	return m
}
