package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/example/serverless-todo/internal/local/lambda"
)

// memoryFigures describe a process's resident memory, in KiB.
type memoryFigures struct {
	// Peak is the most it has held (VmHWM): what Lambda reports as Max
	// Memory Used.
	Peak int64
	// Anon and File split what it holds now: anonymous memory (the heap,
	// stacks) and pages of files, its own binary's.
	Anon, File int64
}

// measureMemory sends n requests through the gateway to every function
// and both baselines, one at a time per function so that each is served by
// one process from its start, the functions side by side; and returns the
// memory of each process after its n-th request, by function name.
func measureMemory(ctx context.Context, l *lab, fx *fixture, n int, progress io.Writer) (map[string]memoryFigures, error) {
	if err := fx.addDeletable(ctx, n); err != nil {
		return nil, err
	}
	var (
		mu   sync.Mutex
		peak = map[string]int64{}
		// processes counts cold starts: one per function, or the
		// figure is not one process's.
		processes = map[string]int{}
	)
	a, err := l.serve(func(r lambda.Report) {
		mu.Lock()
		defer mu.Unlock()
		peak[r.Function] = r.MaxMemoryKB
		if r.InitDuration > 0 {
			processes[r.Function]++
		}
	}, newLogMeter())
	if err != nil {
		return nil, err
	}
	defer a.Close()
	client := newClient()

	targets, err := l.targets(ctx, fx, a.URL)
	if err != nil {
		return nil, err
	}

	var done atomic.Int64
	total := int64(n * len(targets))
	fmt.Fprintf(progress, "memory: %d requests to each of %d binaries, side by side\n", n, len(targets))
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Go(func() {
			for range n {
				req, err := t.request()
				if err == nil {
					_, err = send(client, req, t.status)
				}
				if err != nil {
					errs[i] = fmt.Errorf("bench: memory of %s: %w", t.function, err)
					return
				}
				if d := done.Add(1); d%max(total/4, 1) == 0 {
					fmt.Fprintf(progress, "memory: %d of %d requests\n", d, total)
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	mu.Lock()
	defer mu.Unlock()
	out := map[string]memoryFigures{}
	for _, t := range targets {
		pids := a.svc.PIDs(t.function)
		if processes[t.function] != 1 || len(pids) != 1 {
			return nil, fmt.Errorf("bench: memory of %s: %d processes served it, want one", t.function, processes[t.function])
		}
		m := memoryFigures{Peak: peak[t.function]}
		m.Anon, m.File = residentSplit(pids[0])
		out[t.function] = m
	}
	return out, nil
}

// residentSplit reads how much of a process's resident memory is
// anonymous and how much is file pages (RssAnon and RssFile in
// /proc/<pid>/status, in kB); zeros where Linux's /proc is not.
func residentSplit(pid int) (anon, file int64) {
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		name, value, _ := bytes.Cut(sc.Bytes(), []byte(":"))
		fields := bytes.Fields(value)
		if len(fields) == 0 {
			continue
		}
		kb, err := strconv.ParseInt(string(fields[0]), 10, 64)
		if err != nil {
			continue
		}
		switch string(name) {
		case "RssAnon":
			anon = kb
		case "RssFile":
			file = kb
		}
	}
	return anon, file
}
