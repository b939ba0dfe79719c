package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/example/serverless-todo/internal/local/lambda"
	"github.com/example/serverless-todo/pkg/awsconfig"
	"github.com/example/serverless-todo/pkg/store"
)

// coldStarts are the start-up times of one binary.
type coldStarts struct {
	// Init is the time from the exec of the bootstrap to its first request
	// for an event: Lambda's Init Duration.
	Init []time.Duration
	// First is the time from the exec to the answer of the first request:
	// Init Duration plus the first invocation's Duration, what a client
	// waiting on a cold start waits beyond the gateway.
	First []time.Duration
}

// measureColdStarts starts every function and both floors n times each,
// the binaries interleaved: round after round, every binary once per
// round, each round in another order, so that whatever else the machine
// does weighs on all of them alike. Each start serves one real request of
// the workload through the gateway, then stops.
//
// Each round also times, in this process, what the functions' init does
// and the floors' does not: opening the connection to DynamoDB
// (store.Warm) with a new client. It is returned as warmUp.
func measureColdStarts(ctx context.Context, l *lab, fx *fixture, n int, progress io.Writer) (out map[string]*coldStarts, warmUp []time.Duration, err error) {
	fns, err := l.functions()
	if err != nil {
		return nil, nil, err
	}
	var (
		mu      sync.Mutex
		reports []lambda.Report
	)
	inv := &coldInvoker{functions: map[string]lambda.Function{}, onReport: func(r lambda.Report) {
		mu.Lock()
		defer mu.Unlock()
		reports = append(reports, r)
	}}
	for _, f := range fns {
		inv.functions[f.Name] = f
	}
	gw, err := l.gateway(inv, io.Discard)
	if err != nil {
		return nil, nil, err
	}
	srv, err := listen(gw)
	if err != nil {
		return nil, nil, err
	}
	defer srv.Close(ctx)
	client := newClient()
	if err := fx.addDeletable(ctx, n); err != nil {
		return nil, nil, err
	}

	// A start is a request to one of these: the API's routes, then the
	// floors' own.
	targets, err := l.targets(ctx, fx, srv.URL)
	if err != nil {
		return nil, nil, err
	}

	fmt.Fprintf(progress, "cold starts: %d rounds of %d binaries\n", n, len(targets))
	out = map[string]*coldStarts{}
	for round := range n {
		took, err := timeWarmUp(ctx, l.endpoint, fx.table)
		if err != nil {
			return nil, nil, err
		}
		warmUp = append(warmUp, took)
		for i := range targets {
			t := targets[(i+round)%len(targets)]
			req, err := t.request()
			if err != nil {
				return nil, nil, err
			}
			mu.Lock()
			reports = reports[:0]
			mu.Unlock()
			if _, err := send(client, req, t.status); err != nil {
				return nil, nil, fmt.Errorf("bench: cold start of %s: %w", t.function, err)
			}
			mu.Lock()
			r := reports
			mu.Unlock()
			if len(r) != 1 || r[0].InitDuration <= 0 {
				return nil, nil, fmt.Errorf("bench: cold start of %s: %d reports, want one with an Init Duration", t.function, len(r))
			}
			cs := out[t.function]
			if cs == nil {
				cs = &coldStarts{}
				out[t.function] = cs
			}
			cs.Init = append(cs.Init, r[0].InitDuration)
			cs.First = append(cs.First, r[0].InitDuration+r[0].Duration)
		}
	}
	return out, warmUp, nil
}

// timeWarmUp times store.Warm on a new client of the DynamoDB at endpoint,
// configured as the functions configure theirs.
func timeWarmUp(ctx context.Context, endpoint, table string) (time.Duration, error) {
	client, err := store.NewClient(func(name string) string {
		switch name {
		case store.EnvEndpoint:
			return endpoint
		case awsconfig.EnvRegion:
			return lambda.DefaultRegion
		case awsconfig.EnvAccessKeyID, awsconfig.EnvSecretAccessKey:
			return "local"
		}
		return ""
	})
	if err != nil {
		return 0, err
	}
	start := time.Now()
	store.New(client, table).Warm(ctx)
	took := time.Since(start)
	// The connection stays in the client's idle pool until the pool's
	// idle timeout closes it.
	return took, nil
}
