package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// throughput is what a fixed number of requests from concurrent clients
// achieved.
type throughput struct {
	Requests int
	Elapsed  time.Duration
	// Latencies are those of the requests that succeeded.
	Latencies []time.Duration
	// Errors counts requests that failed or got another status than
	// their route's; the first says why.
	Errors int
	First  error
}

func (t *throughput) PerSecond() float64 { return ratio(float64(t.Requests), t.Elapsed.Seconds()) }

// measureThroughput sends n requests of the mix through the gateway from
// the given number of concurrent clients, after a warm-up of as many
// requests again that starts the execution environments the concurrency
// needs; then as many requests to the hello baseline, the ceiling of the
// gateway and the Lambda runtime alone.
func measureThroughput(ctx context.Context, l *lab, fx *fixture, n, clients int, progress io.Writer) (api, floor *throughput, err error) {
	ops := mix(n)
	if err := fx.addDeletable(ctx, 2*deletes(ops)); err != nil {
		return nil, nil, err
	}
	a, err := l.serve(nil, newLogMeter())
	if err != nil {
		return nil, nil, err
	}
	defer a.Close()
	client := newClient()

	apiRequest := func(i int) (*http.Request, int, error) {
		req, err := fx.request(ctx, a.URL, ops[i])
		return req, ops[i].Status, err
	}
	helloRequest := func(int) (*http.Request, int, error) {
		req, err := fx.baselineRequest(ctx, a.URL, hello)
		return req, http.StatusOK, err
	}
	// The warm-ups start the execution environments the concurrency
	// needs, so that the measured runs have no cold start.
	fmt.Fprintf(progress, "throughput: warm-up, then %d requests of the mix, then %d to hello, from %d clients\n", n, n, clients)
	for _, request := range []func(int) (*http.Request, int, error){apiRequest, helloRequest} {
		if warm := hammer(client, n, clients, request); warm.Errors > 0 {
			return nil, nil, fmt.Errorf("bench: throughput warm-up: %d errors, the first: %w", warm.Errors, warm.First)
		}
	}
	api = hammer(client, n, clients, apiRequest)
	floor = hammer(client, n, clients, helloRequest)
	return api, floor, nil
}

// hammer sends requests 0 to n-1 from the given number of clients at once,
// each client sending its next request when the last has been answered.
func hammer(client *http.Client, n, clients int, request func(i int) (*http.Request, int, error)) *throughput {
	var (
		next atomic.Int64
		mu   sync.Mutex
		wg   sync.WaitGroup
	)
	t := &throughput{Requests: n, Latencies: make([]time.Duration, 0, n)}
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				req, status, err := request(i)
				var took time.Duration
				if err == nil {
					took, err = send(client, req, status)
				}
				mu.Lock()
				if err != nil {
					t.Errors++
					if t.First == nil {
						t.First = err
					}
				} else {
					t.Latencies = append(t.Latencies, took)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.Elapsed = time.Since(start)
	return t
}
