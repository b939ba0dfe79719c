package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/example/serverless-todo/internal/local/lambda"
)

// warmLatency is what warm requests of one route took.
type warmLatency struct {
	// API is each request through the gateway, as its client timed it.
	API []time.Duration
	// Floor is sdkcall doing the same DynamoDB work, timed around the SDK
	// calls; none for the baselines, which do none.
	Floor []time.Duration
	// ReadUnits and WriteUnits are the mean capacity units the floor's
	// calls consumed, what the route costs in DynamoDB.
	ReadUnits, WriteUnits float64
	// Billed is the function's own Duration of each invocation, what
	// Lambda bills.
	Billed []time.Duration
	// LogBytes and AccessLogBytes are what the function logged and the
	// gateway's access log line, per request.
	LogBytes, AccessLogBytes float64
}

// newClient returns the HTTP client of every benchmark: connections kept
// alive, as an app keeps them, so that no request pays for a TCP
// handshake.
func newClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second}
}

// send sends req and reads the whole answer, which must have the status
// want; it returns the time from sending to the end of the body.
func send(c *http.Client, req *http.Request, want int) (time.Duration, error) {
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != want {
		return 0, fmt.Errorf("%s %s answered %d, want %d: %s", req.Method, req.URL.Path, resp.StatusCode, want, body)
	}
	return took, nil
}

// measureWarm sends each route n requests through the gateway to warm
// functions, each followed by sdkcall doing the same DynamoDB work, the
// routes interleaved round after round; and as many requests to the
// baselines, for what the gateway and the Lambda runtime cost alone. The
// first warmup rounds are not counted. Results are by operation name, and
// by baseline name.
func measureWarm(ctx context.Context, l *lab, fx *fixture, floor *floorProgram, n, warmup int, progress io.Writer) (map[string]*warmLatency, error) {
	if err := fx.addDeletable(ctx, 2*(n+warmup)); err != nil {
		return nil, err
	}
	var (
		mu     sync.Mutex
		billed = map[string][]time.Duration{}
	)
	meter := newLogMeter()
	a, err := l.serve(func(r lambda.Report) {
		mu.Lock()
		defer mu.Unlock()
		billed[r.Function] = append(billed[r.Function], r.Duration)
	}, meter)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	client := newClient()

	type target struct {
		name, function string
		op             *operation
	}
	var targets []target
	for i, op := range operations {
		fn, err := l.function(op.Route)
		if err != nil {
			return nil, err
		}
		targets = append(targets, target{op.Name, fn, &operations[i]})
	}
	for _, name := range []string{hello, sdkFloor} {
		targets = append(targets, target{name: name, function: name})
	}

	fmt.Fprintf(progress, "warm requests: %d rounds of %d routes, each route beside its SDK call, after %d rounds of warm-up\n", n, len(targets), warmup)
	out := map[string]*warmLatency{}
	for _, t := range targets {
		out[t.name] = &warmLatency{}
	}
	for round := range warmup + n {
		if round == warmup {
			mu.Lock()
			clear(billed)
			mu.Unlock()
			meter.start()
		}
		for i := range targets {
			t := targets[(i+round)%len(targets)]
			var req *http.Request
			var err error
			status := http.StatusOK
			if t.op != nil {
				req, err = fx.request(ctx, a.URL, *t.op)
				status = t.op.Status
			} else {
				req, err = fx.baselineRequest(ctx, a.URL, t.name)
			}
			if err != nil {
				return nil, err
			}
			took, err := send(client, req, status)
			if err != nil {
				return nil, fmt.Errorf("bench: warm %s: %w", t.name, err)
			}
			var fl floorResult
			if t.op != nil {
				line, err := fx.floor(*t.op)
				if err != nil {
					return nil, err
				}
				if fl, err = floor.do(line); err != nil {
					return nil, fmt.Errorf("bench: floor of %s: %w", t.name, err)
				}
			}
			if round >= warmup {
				w := out[t.name]
				w.API = append(w.API, took)
				if t.op != nil {
					w.Floor = append(w.Floor, fl.Took)
					w.ReadUnits += fl.ReadUnits / float64(n)
					w.WriteUnits += fl.WriteUnits / float64(n)
				}
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, t := range targets {
		w := out[t.name]
		w.Billed = billed[t.function]
		fnBytes, _ := meter.count(t.function)
		w.LogBytes = float64(fnBytes) / float64(n)
	}
	accessBytes, accessLines := meter.count("")
	for _, w := range out {
		w.AccessLogBytes = ratio(float64(accessBytes), float64(accessLines))
	}
	return out, nil
}
