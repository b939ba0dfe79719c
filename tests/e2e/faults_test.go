package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/internal/local/dynamodblocal"
	"github.com/example/serverless-todo/internal/local/stack"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
)

// ownDynamoDB is a DynamoDB Local of one test's own, with its data on disk,
// so that the test can stop it and start it again on the same port, or
// freeze it, without touching any other test's.
type ownDynamoDB struct {
	t    *testing.T
	opts dynamodblocal.Options
	srv  *dynamodblocal.Server
}

func startOwnDynamoDB(t *testing.T) *ownDynamoDB {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	db := &ownDynamoDB{t: t, opts: dynamodblocal.Options{Dir: t.TempDir(), Port: port}}
	db.start()
	t.Cleanup(func() { db.srv.Stop() })
	return db
}

func (db *ownDynamoDB) start() {
	db.t.Helper()
	jar, err := dynamodblocal.FindJar(root)
	if err != nil {
		db.t.Fatal(err)
	}
	db.opts.Jar = jar
	if db.srv, err = dynamodblocal.Start(context.Background(), db.opts); err != nil {
		db.t.Fatal(err)
	}
}

func (db *ownDynamoDB) endpoint() string { return db.srv.Endpoint }

// warm reads the table through a patient client until DynamoDB Local
// answers it: a JVM just started answers its first requests slowly, which
// the functions' two-second attempts would take for an outage that is over.
func (db *ownDynamoDB) warm(table string) {
	db.t.Helper()
	client := dbtest.Client(db.t)
	client = dynamodb.New(client.Options(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(db.endpoint()) })
	_, err := client.Query(context.Background(), &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "USER#warm"}},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		db.t.Fatalf("DynamoDB Local after its restart: %v", err)
	}
}

// timed is a response and how long it took.
type timed struct {
	route string
	resp  response
	took  time.Duration
}

// everyRoute sends one request to each route at once, as alice, aiming the
// ones with an id at the given todos, and returns the answers.
func (a *api) everyRoute(t *testing.T, token string, ids []string) []timed {
	t.Helper()
	reqs := []request{
		{method: "POST", path: "/todos", token: token, body: `{"title":"during the outage"}`},
		{method: "GET", path: "/todos", token: token},
		{method: "GET", path: "/todos/" + ids[0], token: token},
		{method: "PATCH", path: "/todos/" + ids[1], token: token, header: map[string]string{"Content-Type": "application/merge-patch+json"}, body: `{"done":true}`},
		{method: "DELETE", path: "/todos/" + ids[2], token: token},
		{method: "POST", path: "/contact", body: `{"name":"Ann","email":"ann@example.com","message":"Are you there?"}`},
	}
	out := make([]timed, len(reqs))
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Go(func() {
			start := time.Now()
			resp := a.do(t, req)
			out[i] = timed{route: req.method + " " + req.path, resp: resp, took: time.Since(start)}
		})
	}
	wg.Wait()
	return out
}

// functionTimeout is the timeout in template.yaml of the functions behind
// the routes: a fault must be answered within it. (The purge, behind its
// queue, has a longer one of its own.)
func functionTimeout(t *testing.T, cfg *stack.Config) time.Duration {
	t.Helper()
	var timeout time.Duration
	for _, rt := range cfg.Routes {
		f := cfg.Function(rt.Function)
		if timeout == 0 {
			timeout = f.Timeout
		}
		if f.Timeout != timeout {
			t.Fatalf("the functions' timeouts differ: %s and %s", timeout, f.Timeout)
		}
	}
	return timeout
}

func TestDynamoDBStoppedIsA503AndTheAPIRecovers(t *testing.T) {
	t.Parallel()
	db := startOwnDynamoDB(t)
	a := startAPIOn(t, db.endpoint(), nil, nil)
	timeout := functionTimeout(t, a.cfg)
	alice := a.token(t, "alice")
	var acknowledged []string
	for i := range 5 {
		acknowledged = append(acknowledged, a.create(t, alice, fmt.Sprintf(`{"title":"before the outage %d"}`, i)).ID)
	}

	db.srv.Stop()
	during := a.everyRoute(t, alice, acknowledged)
	var slowest time.Duration
	for _, r := range during {
		p := r.resp.wantProblem(t, http.StatusServiceUnavailable)
		if r.resp.header.Get("Retry-After") == "" || p.Detail == "" {
			t.Errorf("%s: 503 without Retry-After or detail", r.route)
		}
		for _, leak := range leaks {
			if strings.Contains(string(r.resp.body), leak) {
				t.Errorf("%s: the 503 gives away %q: %s", r.route, leak, r.resp.body)
			}
		}
		if r.took >= timeout {
			t.Errorf("%s: answered after %s, past the function timeout of %s", r.route, r.took, timeout)
		}
		slowest = max(slowest, r.took)
	}

	// Back on the same port and data: the next requests succeed with no
	// restart of anything else. (Their first attempts may commit and time
	// out on a JVM still warming up; the retries answer as they committed.)
	db.start()
	db.warm(a.cfg.Tables[0].Name)
	after := a.everyRoute(t, alice, acknowledged)
	want := map[string]int{"POST": http.StatusCreated, "GET": http.StatusOK, "PATCH": http.StatusOK, "DELETE": http.StatusNoContent}
	for _, r := range after {
		method, _, _ := strings.Cut(r.route, " ")
		expect := want[method]
		if r.route == "POST /contact" {
			expect = http.StatusAccepted
		}
		if r.resp.status != expect {
			t.Errorf("%s after the outage: %d %s, want %d", r.route, r.resp.status, r.resp.body, expect)
		}
	}
	// Every write acknowledged before the outage is there (the delete
	// after it took one away).
	var listed []string
	for _, p := range a.listAll(t, alice, "limit=100") {
		listed = append(listed, ids(p)...)
	}
	lost := 0
	for _, id := range acknowledged {
		if id != acknowledged[2] && !slices.Contains(listed, id) {
			lost++
			t.Errorf("todo %s, acknowledged before the outage, is gone", id)
		}
	}
	recordFigures("outage", map[string]any{"requestsDuringOutage": len(during), "slowestMs": slowest.Milliseconds(),
		"timeoutMs": timeout.Milliseconds(), "acknowledgedWritesLost": lost, "requestsAfter": len(after)})
}

func TestDynamoDBFrozenIsA503WithinTheFunctionTimeout(t *testing.T) {
	t.Parallel()
	db := startOwnDynamoDB(t)
	// A shorter timeout than the template's keeps the test short; the
	// point is that the answer beats it, whatever it is. The handler stops
	// a tenth of it before the deadline, which leaves a busy machine time
	// to carry the answer back.
	const timeout = 6 * time.Second
	a := startAPIOn(t, db.endpoint(), nil, func(cfg *stack.Config) {
		for i := range cfg.Functions {
			cfg.Functions[i].Timeout = timeout
		}
	})
	alice := a.token(t, "alice")
	var warmup, todos []string
	for i := range 6 {
		id := a.create(t, alice, fmt.Sprintf(`{"title":"frozen %d"}`, i)).ID
		if i < 3 {
			warmup = append(warmup, id)
		} else {
			todos = append(todos, id)
		}
	}
	// Every function warm first: what is timed is the invocation, which is
	// what the timeout bounds. (A cold start during the freeze adds its init,
	// which Lambda bounds separately; the warm-up of the DynamoDB
	// connection in init gives up after a second.)
	for _, r := range a.everyRoute(t, alice, warmup) {
		if r.resp.status >= 300 {
			t.Fatalf("warming %s: %d %s", r.route, r.resp.status, r.resp.body)
		}
	}
	if err := db.srv.Pause(); err != nil {
		t.Fatal(err)
	}
	during := a.everyRoute(t, alice, todos)
	if err := db.srv.Resume(); err != nil {
		t.Fatal(err)
	}
	var slowest time.Duration
	for _, r := range during {
		r.resp.wantProblem(t, http.StatusServiceUnavailable)
		if r.took >= timeout {
			t.Errorf("%s: answered after %s, past the function timeout of %s", r.route, r.took, timeout)
		}
		slowest = max(slowest, r.took)
	}
	var p page
	a.do(t, request{method: "GET", path: "/todos", token: alice}).want(t, http.StatusOK).decode(t, &p)
	recordFigures("freeze", map[string]any{"requests": len(during), "slowestMs": slowest.Milliseconds(), "timeoutMs": timeout.Milliseconds()})
}

func TestFunctionKilledMidRequestIsA500AndReplaced(t *testing.T) {
	t.Parallel()
	db := startOwnDynamoDB(t)
	a := startAPIOn(t, db.endpoint(), nil, nil)
	alice := a.token(t, "alice")
	td := a.create(t, alice, `{"title":"read while killed"}`)
	a.do(t, request{method: "GET", path: "/todos/" + td.ID, token: alice}).want(t, http.StatusOK)
	pids := a.PIDs("GetTodoFunction")
	if len(pids) != 1 {
		t.Fatalf("GetTodoFunction runs in %v, want one process", pids)
	}

	// A frozen DynamoDB holds the next request inside the function.
	if err := db.srv.Pause(); err != nil {
		t.Fatal(err)
	}
	answered := make(chan response, 1)
	go func() {
		answered <- a.do(t, request{method: "GET", path: "/todos/" + td.ID, token: alice})
	}()
	a.log.WaitFor(t, regexp.MustCompile(`(?s)\[GetTodoFunction\] {"time":"[^"]+","type":"platform.start".*\[GetTodoFunction\] {"time":"[^"]+","type":"platform.start"`))
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	resp := <-answered
	if err := db.srv.Resume(); err != nil {
		t.Fatal(err)
	}
	resp.wantGatewayError(t, http.StatusInternalServerError)

	var got todo
	a.do(t, request{method: "GET", path: "/todos/" + td.ID, token: alice}).want(t, http.StatusOK).decode(t, &got)
	if got.ID != td.ID {
		t.Errorf("got %+v", got)
	}
	after := a.PIDs("GetTodoFunction")
	if len(after) != 1 || after[0] == pids[0] {
		t.Errorf("after the kill GetTodoFunction runs in %v, want one new process, not %d", after, pids[0])
	}
	recordFigures("kill", map[string]any{"killed": 1, "status": resp.status, "replacedBy": "a new process"})
}
