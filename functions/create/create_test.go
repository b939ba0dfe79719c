package main

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
	"github.com/example/serverless-todo/pkg/validate"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var ulidPattern = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)

func newHandler(t *testing.T) (*createHandler, *dbtest.Table) {
	tbl := dbtest.NewTable(t)
	return &createHandler{store: tbl.Store(), validate: validate.New(), maxTodos: 10000, now: time.Now}, tbl
}

func post(body string, headers map[string]string) apitest.Request {
	return apitest.Request{Method: "POST", Path: "/todos", Route: "POST /todos", Sub: "alice", Body: body, Headers: headers}
}

func TestCreateReturnsTheTodoWithLocationAndETag(t *testing.T) {
	h, tbl := newHandler(t)
	before := time.Now().UTC().Truncate(time.Millisecond)
	resp := apitest.Invoke(t, h.handle, post(`{"title":"  Buy milk ","notes":"2 litres","done":true,"dueAt":"2027-01-02T10:00:00+01:00","tags":["home","shop"]}`, nil))
	var got todo.Todo
	apitest.JSON(t, resp, 201, &got)
	apitest.SecurityHeaders(t, resp)

	if !ulidPattern.MatchString(got.ID) {
		t.Errorf("id %q is not a ULID", got.ID)
	}
	if loc := resp.Headers["Location"]; loc != "/todos/"+got.ID {
		t.Errorf("Location = %q", loc)
	}
	if tag := resp.Headers["ETag"]; tag != `"1"` {
		t.Errorf("ETag = %q", tag)
	}
	if got.Title != "Buy milk" || got.Notes != "2 litres" || !got.Done || got.DueAt != "2027-01-02T09:00:00Z" ||
		!slices.Equal(got.Tags, []string{"home", "shop"}) || got.Version != 1 {
		t.Errorf("todo = %+v", got)
	}
	created, err := time.Parse(time.RFC3339, got.CreatedAt)
	if err != nil || created.Before(before) || created.After(time.Now()) || got.UpdatedAt != got.CreatedAt || !strings.HasSuffix(got.CreatedAt, "Z") {
		t.Errorf("createdAt %q, updatedAt %q: want the server's UTC time now", got.CreatedAt, got.UpdatedAt)
	}
	stored, err := tbl.Store().GetTodo(t.Context(), "alice", got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(stored.Tags, got.Tags) || stored.Title != got.Title || stored.CreatedAt != got.CreatedAt || stored.DueAt != got.DueAt {
		t.Errorf("stored %+v, returned %+v", stored, got)
	}
}

func TestCreateDefaultsOptionalFields(t *testing.T) {
	h, _ := newHandler(t)
	resp := apitest.Invoke(t, h.handle, post(`{"title":"x"}`, nil))
	if !strings.Contains(resp.Body, `"done":false`) || strings.Contains(resp.Body, "notes") || strings.Contains(resp.Body, "tags") || strings.Contains(resp.Body, "dueAt") {
		t.Fatalf("body %s: want done false and no empty optional fields", resp.Body)
	}
}

func TestCreateAcceptsABase64EncodedBody(t *testing.T) {
	h, _ := newHandler(t)
	r := post(`{"title":"from a binary-safe client"}`, nil)
	r.Base64 = true
	var got todo.Todo
	apitest.JSON(t, apitest.Invoke(t, h.handle, r), 201, &got)
	if got.Title != "from a binary-safe client" {
		t.Fatalf("title %q", got.Title)
	}
}

func TestCreateRefusesBadRequestsAndWritesNothing(t *testing.T) {
	tests := []struct {
		name   string
		req    apitest.Request
		status int
		fields []string
	}{
		{"not JSON", post(`{title: "x"}`, nil), 400, nil},
		{"no body", post("", nil), 400, nil},
		{"unknown field", post(`{"title":"x","id":"01ARZ3NDEKTSV4RRFFQ69G5FAV"}`, nil), 400, []string{"id"}},
		{"version is the server's", post(`{"title":"x","version":7}`, nil), 400, []string{"version"}},
		{"no title", post(`{"notes":"n"}`, nil), 400, []string{"title"}},
		{"blank title", post(`{"title":"   "}`, nil), 400, []string{"title"}},
		{"title of 201 characters", post(`{"title":"`+strings.Repeat("a", 201)+`"}`, nil), 400, []string{"title"}},
		{"title of the wrong type", post(`{"title":["x"]}`, nil), 400, []string{"title"}},
		{"done as a string", post(`{"title":"x","done":"yes"}`, nil), 400, []string{"done"}},
		{"notes of 2001 characters", post(`{"title":"x","notes":"`+strings.Repeat("n", 2001)+`"}`, nil), 400, []string{"notes"}},
		{"dueAt not a date", post(`{"title":"x","dueAt":"next week"}`, nil), 400, []string{"dueAt"}},
		{"eleven tags", post(`{"title":"x","tags":["1","2","3","4","5","6","7","8","9","10","11"]}`, nil), 400, []string{"tags"}},
		{"repeated tags", post(`{"title":"x","tags":["a","a"]}`, nil), 400, []string{"tags"}},
		{"tag of 33 characters", post(`{"title":"x","tags":["`+strings.Repeat("t", 33)+`"]}`, nil), 400, []string{"tags[0]"}},
		{"several fields wrong", post(`{"title":"","dueAt":"x","tags":[""]}`, nil), 400, []string{"dueAt", "tags[0]", "title"}},
		{"duplicate member", post(`{"title":"x","title":"y"}`, nil), 400, []string{"title"}},
		{"text/plain", post(`{"title":"x"}`, map[string]string{"Content-Type": "text/plain"}), 415, nil},
		{"over 64 KiB", post(`{"title":"x","notes":"`+strings.Repeat("n", 70000)+`"}`, nil), 413, nil},
		{"malformed Idempotency-Key", post(`{"title":"x"}`, map[string]string{"Idempotency-Key": "has space"}), 400, []string{"Idempotency-Key"}},
		{"no caller", apitest.Request{Method: "POST", Path: "/todos", Route: "POST /todos", Body: `{"title":"x"}`}, 401, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, tbl := newHandler(t)
			resp := apitest.Invoke(t, h.handle, tt.req)
			p := apitest.Problem(t, resp, tt.status)
			apitest.SecurityHeaders(t, resp)
			if got := apitest.Fields(p); !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %v, want %v (%+v)", got, tt.fields, p)
			}
			if items := tbl.Items(t); len(items) != 0 {
				t.Errorf("a refused request wrote %d items", len(items))
			}
		})
	}
}

func TestCreateWithAnIdempotencyKey(t *testing.T) {
	h, tbl := newHandler(t)
	key := map[string]string{"Idempotency-Key": "3f1c9a2e-retry-me"}
	first := apitest.Invoke(t, h.handle, post(`{"title":"once"}`, key))
	var created todo.Todo
	apitest.JSON(t, first, 201, &created)
	if first.Headers["Idempotent-Replayed"] != "" {
		t.Errorf("the first response is marked replayed")
	}

	// The same body, spaced differently, is the same request.
	retry := apitest.Invoke(t, h.handle, post(`{ "title" : "once" }`, key))
	if retry.StatusCode != 201 || retry.Body != first.Body || retry.Headers["Idempotent-Replayed"] != "true" ||
		retry.Headers["Location"] != first.Headers["Location"] || retry.Headers["ETag"] != first.Headers["ETag"] {
		t.Fatalf("retry: %d %v %s; want the first response replayed", retry.StatusCode, retry.Headers, retry.Body)
	}
	apitest.SecurityHeaders(t, retry)

	other := apitest.Invoke(t, h.handle, post(`{"title":"twice"}`, key))
	apitest.Problem(t, other, 422)

	page, err := tbl.Store().ListTodos(t.Context(), "alice", storeQuery())
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].ID != created.ID {
		t.Fatalf("alice has %d todos, want only %s", len(page.Items), created.ID)
	}

	// Keys belong to their user: bob's identical request is his own.
	bob := post(`{"title":"once"}`, key)
	bob.Sub = "bob"
	var bobs todo.Todo
	apitest.JSON(t, apitest.Invoke(t, h.handle, bob), 201, &bobs)
	if bobs.ID == created.ID {
		t.Fatalf("bob got alice's todo")
	}
}

func TestConcurrentRetriesWithOneKeyCreateOneTodo(t *testing.T) {
	h, tbl := newHandler(t)
	key := map[string]string{"Idempotency-Key": "burst"}
	const clients = 20
	resps := make([]events.APIGatewayV2HTTPResponse, clients)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range clients {
		wg.Go(func() {
			<-start
			resps[i] = apitest.Invoke(t, h.handle, post(`{"title":"burst"}`, key))
		})
	}
	close(start)
	wg.Wait()

	page, err := tbl.Store().ListTodos(t.Context(), "alice", storeQuery())
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 {
		t.Fatalf("%d todos exist, want 1", len(page.Items))
	}
	id := page.Items[0].ID
	var created, conflicts int
	for _, resp := range resps {
		switch resp.StatusCode {
		case 201:
			created++
			var got todo.Todo
			apitest.JSON(t, resp, 201, &got)
			if got.ID != id {
				t.Errorf("a client got todo %s, but only %s exists", got.ID, id)
			}
		case 409:
			conflicts++
			apitest.Problem(t, resp, 409)
		default:
			t.Errorf("status %d: %s", resp.StatusCode, resp.Body)
		}
	}
	if created == 0 {
		t.Fatalf("no client got a 201 (%d conflicts)", conflicts)
	}
}

func storeQuery() store.ListQuery { return store.ListQuery{Limit: 100} }

func TestAUserAtTheirQuotaGets403UntilTheyDeleteATodo(t *testing.T) {
	h, tbl := newHandler(t)
	h.maxTodos = 2
	var first todo.Todo
	apitest.JSON(t, apitest.Invoke(t, h.handle, post(`{"title":"one"}`, nil)), 201, &first)
	apitest.JSON(t, apitest.Invoke(t, h.handle, post(`{"title":"two"}`, map[string]string{"Idempotency-Key": "k2"})), 201, &todo.Todo{})
	for _, headers := range []map[string]string{nil, {"Idempotency-Key": "k3"}} {
		p := apitest.Problem(t, apitest.Invoke(t, h.handle, post(`{"title":"three"}`, headers)), 403)
		if !strings.Contains(p.Detail, "quota") {
			t.Errorf("403 %+v does not say the quota is reached", p)
		}
	}
	page, err := tbl.Store().ListTodos(t.Context(), "alice", store.ListQuery{Limit: 10})
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("alice has %d todos (%v), want 2: nothing stored past the quota", len(page.Items), err)
	}
	// Another user has a quota of their own.
	other := post(`{"title":"bob's"}`, nil)
	other.Sub = "bob"
	apitest.JSON(t, apitest.Invoke(t, h.handle, other), 201, &todo.Todo{})
	// Deleting one makes room, and the refused keyed request may be sent
	// again: its key was freed.
	if _, err := tbl.Store().DeleteTodo(t.Context(), "alice", first.ID, 0); err != nil {
		t.Fatal(err)
	}
	resp := apitest.Invoke(t, h.handle, post(`{"title":"three"}`, map[string]string{"Idempotency-Key": "k3"}))
	if resp.StatusCode != 201 || resp.Headers["Idempotent-Replayed"] != "" {
		t.Errorf("after a delete: %d %v %s, want a new 201", resp.StatusCode, resp.Headers, resp.Body)
	}
	apitest.Problem(t, apitest.Invoke(t, h.handle, post(`{"title":"four"}`, nil)), 403)
}
