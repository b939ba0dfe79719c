// Package ddbreplay records DynamoDB's answers and replays them, so a
// benchmark can time a handler's own work (parsing, validation, marshalling,
// the SDK's serialization and signing) without the network round trip.
// Every answer it replays was recorded from a real DynamoDB (DynamoDB Local
// in the benchmarks): nothing is made up.
package ddbreplay

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/pkg/handler"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
)

// Transport passes requests to a real DynamoDB while recording, and answers
// each operation with its last recorded answer once Replay is called.
type Transport struct {
	mu        sync.Mutex
	replaying bool
	answers   map[string]answer // by X-Amz-Target, such as DynamoDB_20120810.GetItem
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

// Client returns a copy of client whose requests go through a new Transport.
func Client(client *dynamodb.Client) (*dynamodb.Client, *Transport) {
	t := &Transport{answers: map[string]answer{}}
	return dynamodb.New(client.Options(), func(o *dynamodb.Options) {
		o.HTTPClient = &http.Client{Transport: t}
	}), t
}

// Replay switches from recording to replaying.
func (t *Transport) Replay() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.replaying = true
}

// RoundTrip records or replays the answer to req.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	target := req.Header.Get("X-Amz-Target")
	t.mu.Lock()
	replaying := t.replaying
	a, ok := t.answers[target]
	t.mu.Unlock()
	if replaying {
		if !ok {
			return nil, fmt.Errorf("ddbreplay: no recorded answer for %s", target)
		}
		if req.Body != nil {
			// The SDK expects its request body to be read, as a server would.
			_, _ = io.Copy(io.Discard, req.Body)
			req.Body.Close()
		}
		return &http.Response{
			StatusCode:    a.status,
			Header:        a.header.Clone(),
			Body:          io.NopCloser(bytes.NewReader(a.body)),
			ContentLength: int64(len(a.body)),
			Request:       req,
		}, nil
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.answers[target] = answer{status: resp.StatusCode, header: resp.Header.Clone(), body: body}
	t.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// Table returns a new table of the test DynamoDB whose client records and
// replays through the returned Transport.
func Table(tb testing.TB) (*dbtest.Table, *Transport) {
	tb.Helper()
	tbl := dbtest.NewTable(tb)
	client, t := Client(tbl.Client)
	return &dbtest.Table{Name: tbl.Name, Client: client}, t
}

// Handler benchmarks h serving r: one call records DynamoDB's answers and
// must return status, then every timed call replays them. It reports
// allocations, and checks the last response too.
func Handler(b *testing.B, t *Transport, h handler.Func, r apitest.Request, status int) {
	b.Helper()
	serve := handler.Wrap(handler.NewLogger(io.Discard), h)
	ev := r.Event()
	resp, _ := serve(context.Background(), ev)
	if resp.StatusCode != status {
		b.Fatalf("recording call: status %d, want %d: %s", resp.StatusCode, status, resp.Body)
	}
	t.Replay()
	b.ReportAllocs()
	for b.Loop() {
		resp, _ = serve(context.Background(), ev)
	}
	if resp.StatusCode != status {
		b.Fatalf("replayed call: status %d, want %d: %s", resp.StatusCode, status, resp.Body)
	}
}

// SDK benchmarks call, the bare SDK doing the same DynamoDB work as a
// handler, as the floor the handler is compared with: one call records,
// every timed call replays.
func SDK(b *testing.B, t *Transport, call func(ctx context.Context) error) {
	b.Helper()
	if err := call(context.Background()); err != nil {
		b.Fatalf("recording call: %v", err)
	}
	t.Replay()
	b.ReportAllocs()
	for b.Loop() {
		if err := call(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// PutTodo stores a typical todo of owner, with every field set, to
// benchmark reads and changes of.
func PutTodo(tb testing.TB, s *store.Store, owner string) todo.Todo {
	tb.Helper()
	due := "2027-03-01T09:00:00Z"
	in := todo.New{Title: "Read the book club pick", Notes: "Chapters 3 and 4, before Thursday", DueAt: &due, Tags: []string{"books", "evening"}}
	td := in.Todo(ulid.Make().String(), time.Now())
	if err := s.PutTodo(context.Background(), owner, td, 0); err != nil {
		tb.Fatal(err)
	}
	return td
}
