package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/serverless-todo/internal/local/stack"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/internal/testkit/faultproxy"
)

// faultyAPI is the API with a fault proxy between its functions and
// DynamoDB Local, and Pushover's fake behind the contact form.
type faultyAPI struct {
	*api
	proxy    *faultproxy.Proxy
	pushover *pushover
}

// notified waits for Pushover's notification of the message, and checks
// that it is the only one: the function notifies before it answers.
func (a *faultyAPI) notified(t *testing.T, message string) {
	t.Helper()
	select {
	case form := <-a.pushover.received:
		if !strings.Contains(form.Get("message"), message) {
			t.Errorf("Pushover got %q, want the message %q", form.Get("message"), message)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Pushover received no notification")
	}
	if n := len(a.pushover.received); n != 0 {
		t.Errorf("Pushover got %d more notifications, want one", n)
	}
}

func startFaultyAPI(t *testing.T) *faultyAPI {
	t.Helper()
	p, err := faultproxy.Start(dbtest.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	fake := newPushover(t)
	a := startAPIOn(t, p.URL, map[string]string{"PushoverToken": "apptoken123", "PushoverUserKey": "userkey456"}, func(cfg *stack.Config) {
		cfg.Function("ContactFunction").Env["PUSHOVER_API_URL"] = fake.srv.URL + "/1/messages.json"
	})
	return &faultyAPI{api: a, proxy: p, pushover: fake}
}

// items returns every item of the API's table as plain values.
func (a *api) items(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	p := dynamodb.NewScanPaginator(dbtest.Client(t), &dynamodb.ScanInput{TableName: aws.String(a.cfg.Tables[0].Name), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			var m map[string]any
			if err := attributevalue.UnmarshalMap(item, &m); err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
	}
	return out
}

// countItems counts the items of the table whose attribute has the value.
func (a *api) countItems(t *testing.T, attribute string, value any) int {
	t.Helper()
	n := 0
	for _, item := range a.items(t) {
		if item[attribute] == value {
			n++
		}
	}
	return n
}

// retryFigures are the figures of the tests below, for RELIABILITY.md.
type retryFigures struct {
	mu sync.Mutex
	// injected counts the faults injected, by route.
	injected map[string]int
	// wrong counts answers other than the one the committed write
	// deserves; duplicates, writes that took effect twice.
	wrong, duplicates int
}

func (f *retryFigures) add(route string, faults int, wrong, duplicate bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.injected[route] += faults
	if wrong {
		f.wrong++
	}
	if duplicate {
		f.duplicates++
	}
}

// ambiguousCase is one write whose first attempt commits and whose answer
// is lost: check says what the client got and what the table holds, and
// returns whether the answer was wrong and whether the write took effect
// twice.
type ambiguousCase struct {
	name, route string
	rule        func(tc *caseData) faultproxy.Rule
	send        func(tc *caseData) request
	check       func(t *testing.T, a *faultyAPI, tc *caseData, resp response) (wrong, duplicate bool)
}

// caseData is what a case works on: a todo of its own and markers that
// only its calls carry.
type caseData struct {
	token  string
	td     todo
	marker string
}

// The SDK retries a call whose answer was lost or late. When the first
// attempt had committed, the client must still get the answer that write
// deserves, and the table must hold it once: every write route, through
// the gateway, with the fault proxy losing the answer of exactly the call
// chosen.
func TestAmbiguousCommitsGetTheAnswerTheirWriteDeserves(t *testing.T) {
	t.Parallel()
	a := startFaultyAPI(t)
	alice := a.token(t, "alice")
	figs := &retryFigures{injected: map[string]int{}}

	created := func(t *testing.T, a *faultyAPI, tc *caseData, resp response) (bool, bool) {
		if resp.status != http.StatusCreated {
			t.Errorf("got %d %s, want 201", resp.status, resp.body)
			return true, a.countItems(t, "title", tc.marker) > 1
		}
		var td todo
		resp.decode(t, &td)
		n := a.countItems(t, "title", tc.marker)
		if n != 1 || td.Title != tc.marker {
			t.Errorf("the table holds %d todos titled %q, want 1 (answered %+v)", n, tc.marker, td)
		}
		return false, n > 1
	}
	patched := func(t *testing.T, a *faultyAPI, tc *caseData, resp response) (bool, bool) {
		var got, stored todo
		a.do(t, request{method: "GET", path: "/todos/" + tc.td.ID, token: tc.token}).want(t, http.StatusOK).decode(t, &stored)
		if resp.status != http.StatusOK {
			t.Errorf("got %d %s, want 200", resp.status, resp.body)
			return true, stored.Version > 2
		}
		resp.decode(t, &got)
		if got.Version != 2 || !jsonEqual(got, stored) || !stored.Done || resp.header.Get("ETag") != `"2"` {
			t.Errorf("answered %+v (ETag %s), stored %+v: want both at version 2, done", got, resp.header.Get("ETag"), stored)
		}
		return false, stored.Version > 2
	}
	deleted := func(t *testing.T, a *faultyAPI, tc *caseData, resp response) (bool, bool) {
		a.do(t, request{method: "GET", path: "/todos/" + tc.td.ID, token: tc.token}).wantProblem(t, http.StatusNotFound)
		if resp.status != http.StatusNoContent {
			t.Errorf("got %d %s, want 204", resp.status, resp.body)
			return true, false
		}
		if n := a.countItems(t, "id", tc.td.ID); n != 1 {
			t.Errorf("%d items hold the deleted todo's id, want only its tombstone", n)
		}
		return false, false
	}
	patch := func(ifMatch string) func(tc *caseData) request {
		return func(tc *caseData) request {
			h := map[string]string{"Content-Type": "application/merge-patch+json"}
			if ifMatch != "" {
				h["If-Match"] = ifMatch
			}
			return request{method: "PATCH", path: "/todos/" + tc.td.ID, token: tc.token, header: h, body: `{"done":true}`}
		}
	}
	del := func(ifMatch string) func(tc *caseData) request {
		return func(tc *caseData) request {
			req := request{method: "DELETE", path: "/todos/" + tc.td.ID, token: tc.token}
			if ifMatch != "" {
				req.header = map[string]string{"If-Match": ifMatch}
			}
			return req
		}
	}
	onTodo := func(op string, action faultproxy.Action) func(tc *caseData) faultproxy.Rule {
		return func(tc *caseData) faultproxy.Rule {
			return faultproxy.Rule{Operation: op, Contains: tc.td.ID, Action: action}
		}
	}
	create := func(key string) func(tc *caseData) request {
		return func(tc *caseData) request {
			req := request{method: "POST", path: "/todos", token: tc.token, body: `{"title":"` + tc.marker + `"}`}
			if key != "" {
				req.header = map[string]string{"Idempotency-Key": tc.marker + key}
			}
			return req
		}
	}

	tests := []ambiguousCase{
		{"a create and its count, their answer dropped", "POST /todos",
			func(tc *caseData) faultproxy.Rule {
				return faultproxy.Rule{Operation: "TransactWriteItems", Contains: tc.marker, Action: faultproxy.DropAnswer}
			}, create(""), created},
		{"a create and its count, their answer held past the attempt timeout", "POST /todos",
			func(tc *caseData) faultproxy.Rule {
				return faultproxy.Rule{Operation: "TransactWriteItems", Contains: tc.marker, Action: faultproxy.HoldAnswer}
			}, create(""), created},
		{"a create with an Idempotency-Key, its lock's answer dropped", "POST /todos",
			func(tc *caseData) faultproxy.Rule {
				return faultproxy.Rule{Operation: "PutItem", Contains: "IDEMPOTENCY#" + tc.marker, Action: faultproxy.DropAnswer}
			}, create("-lock"), created},
		{"a create with an Idempotency-Key, its transaction's answer dropped", "POST /todos",
			func(tc *caseData) faultproxy.Rule {
				return faultproxy.Rule{Operation: "TransactWriteItems", Contains: tc.marker, Action: faultproxy.DropAnswer}
			}, create("-transaction"), created},
		{"a patch with If-Match, its answer dropped", "PATCH /todos/{id}", onTodo("TransactWriteItems", faultproxy.DropAnswer), patch(`"1"`), patched},
		{"a patch with If-Match, its answer held", "PATCH /todos/{id}", onTodo("TransactWriteItems", faultproxy.HoldAnswer), patch(`"1"`), patched},
		{"a patch without If-Match, its answer dropped", "PATCH /todos/{id}", onTodo("TransactWriteItems", faultproxy.DropAnswer), patch(""), patched},
		{"a delete with If-Match, its answer dropped", "DELETE /todos/{id}", onTodo("TransactWriteItems", faultproxy.DropAnswer), del(`"1"`), deleted},
		{"a delete without If-Match, its answer held", "DELETE /todos/{id}", onTodo("TransactWriteItems", faultproxy.HoldAnswer), del(""), deleted},
		{"a contact message and its sender's count, their answer dropped", "POST /contact",
			func(tc *caseData) faultproxy.Rule {
				return faultproxy.Rule{Operation: "TransactWriteItems", Contains: tc.marker, Action: faultproxy.DropAnswer}
			},
			func(tc *caseData) request {
				return request{method: "POST", path: "/contact", body: `{"name":"Ann","email":"ann@example.com","message":"` + tc.marker + `"}`}
			},
			func(t *testing.T, a *faultyAPI, tc *caseData, resp response) (bool, bool) {
				a.notified(t, tc.marker)
				n := a.countItems(t, "message", tc.marker)
				if resp.status != http.StatusAccepted || n != 1 {
					t.Errorf("got %d %s with %d messages stored, want 202 and 1", resp.status, resp.body, n)
				}
				return resp.status != http.StatusAccepted, n > 1
			}},
		{"a contact message's notification outcome, its answer dropped", "POST /contact",
			func(tc *caseData) faultproxy.Rule {
				return faultproxy.Rule{Operation: "UpdateItem", Contains: "notified", Action: faultproxy.DropAnswer}
			},
			func(tc *caseData) request {
				return request{method: "POST", path: "/contact", body: `{"name":"Ann","email":"ann@example.com","message":"` + tc.marker + `"}`}
			},
			func(t *testing.T, a *faultyAPI, tc *caseData, resp response) (bool, bool) {
				var receipt struct{ ID string }
				resp.want(t, http.StatusAccepted).decode(t, &receipt)
				a.notified(t, tc.marker)
				if stored := a.contactMessage(t, receipt.ID); stored["notified"] != true {
					t.Errorf("the message is stored as %v, want notified", stored)
				}
				return false, false
			}},
	}
	// In turn: the rules match by markers, but the cases share functions,
	// and a held answer holds up its function's only execution environment.
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := &caseData{token: alice, marker: fmt.Sprintf("ambiguous-%02d", i)}
			data.td = a.create(t, alice, `{"title":"`+data.marker+`-setup"}`)
			in := a.proxy.Fault(tc.rule(data))
			resp := a.do(t, tc.send(data))
			if in.Applied() != 1 {
				t.Fatalf("the proxy faulted %d calls, want 1: the test did not test", in.Applied())
			}
			wrong, duplicate := tc.check(t, a, data, resp)
			figs.add(tc.route, in.Applied(), wrong, duplicate)
		})
	}
	recordFigures("ambiguous", map[string]any{"injected": figs.injected, "wrong": figs.wrong, "duplicates": figs.duplicates})
}

// When no attempt of a write gets an answer, the function cannot know
// whether it was made: it answers 503 with Retry-After, never a 2xx or a
// 4xx, and the client's retry of the same request learns the outcome
// without applying the write twice.
func TestAWriteWithoutAnAnswerIsA503AndTheRetryLearnsTheOutcome(t *testing.T) {
	t.Parallel()
	a := startFaultyAPI(t)
	alice := a.token(t, "alice")
	figs := &retryFigures{injected: map[string]int{}}
	tests := []struct {
		name, route string
		op          string
		// on is a marker the faulted call holds; req the request, sent
		// twice.
		req   func(td todo) (on string, req request)
		check func(t *testing.T, td todo, retry response) (wrong, duplicate bool)
	}{
		{"a create with an Idempotency-Key", "POST /todos", "TransactWriteItems", func(td todo) (string, request) {
			return "unknown-create", request{method: "POST", path: "/todos", token: alice, body: `{"title":"unknown-create"}`,
				header: map[string]string{"Idempotency-Key": "unknown-create"}}
		}, func(t *testing.T, _ todo, retry response) (bool, bool) {
			n := a.countItems(t, "title", "unknown-create")
			if retry.status != http.StatusCreated || retry.header.Get("Idempotent-Replayed") != "true" || n != 1 {
				t.Errorf("the retry got %d (replayed %q) with %d todos stored, want a replayed 201 and 1",
					retry.status, retry.header.Get("Idempotent-Replayed"), n)
			}
			return retry.status != http.StatusCreated, n > 1
		}},
		{"a patch with If-Match", "PATCH /todos/{id}", "TransactWriteItems", func(td todo) (string, request) {
			return td.ID, request{method: "PATCH", path: "/todos/" + td.ID, token: alice, body: `{"done":true}`,
				header: map[string]string{"Content-Type": "application/merge-patch+json", "If-Match": `"1"`}}
		}, func(t *testing.T, td todo, retry response) (bool, bool) {
			var got todo
			if retry.status != http.StatusOK {
				t.Errorf("the retry got %d %s, want 200", retry.status, retry.body)
				return true, false
			}
			retry.decode(t, &got)
			if got.Version != 2 || !got.Done {
				t.Errorf("the retry answered %+v, want the first attempt's version 2", got)
			}
			return false, got.Version > 2
		}},
		{"a delete with If-Match", "DELETE /todos/{id}", "TransactWriteItems", func(td todo) (string, request) {
			return td.ID, request{method: "DELETE", path: "/todos/" + td.ID, token: alice, header: map[string]string{"If-Match": `"1"`}}
		}, func(t *testing.T, td todo, retry response) (bool, bool) {
			if retry.status != http.StatusNoContent {
				t.Errorf("the retry got %d %s, want 204", retry.status, retry.body)
			}
			return retry.status != http.StatusNoContent, false
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			td := a.create(t, alice, `{"title":"setup"}`)
			on, req := tc.req(td)
			in := a.proxy.Fault(faultproxy.Rule{Operation: tc.op, Contains: on, Times: 3})
			first := a.do(t, req)
			if in.Applied() != 3 {
				t.Fatalf("the proxy faulted %d calls, want all 3 attempts", in.Applied())
			}
			p := first.wantProblem(t, http.StatusServiceUnavailable)
			if first.header.Get("Retry-After") == "" || !strings.Contains(p.Detail, "may or may not") {
				t.Errorf("the 503 has Retry-After %q and detail %q: want both, saying the outcome is unknown", first.header.Get("Retry-After"), p.Detail)
			}
			wrong, duplicate := tc.check(t, td, a.do(t, req))
			figs.add(tc.route, in.Applied(), wrong, duplicate)
		})
	}
	recordFigures("unanswered", map[string]any{"injected": figs.injected, "wrong": figs.wrong, "duplicates": figs.duplicates})
}
