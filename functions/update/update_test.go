package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
	"github.com/example/serverless-todo/pkg/validate"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// setup returns a handler, its store, and a todo of alice's at version 1
// with every field set.
func setup(t *testing.T) (*updateHandler, *store.Store, todo.Todo) {
	tbl := dbtest.NewTable(t)
	s := tbl.Store()
	due := "2027-01-01T09:00:00Z"
	in := todo.New{Title: "Plan trip", Notes: "book hotel", DueAt: &due, Tags: []string{"travel"}}
	td := in.Todo(ulid.Make().String(), time.Now().Add(-time.Hour))
	if err := s.PutTodo(t.Context(), "alice", td, 0); err != nil {
		t.Fatal(err)
	}
	return &updateHandler{store: s, validate: validate.New()}, s, td
}

func patch(sub, id, body string, headers map[string]string) apitest.Request {
	h := map[string]string{"Content-Type": "application/merge-patch+json"}
	for k, v := range headers {
		h[k] = v
	}
	return apitest.Request{Method: "PATCH", Path: "/todos/" + id, Route: "PATCH /todos/{id}", Sub: sub,
		PathParameters: map[string]string{"id": id}, Body: body, Headers: h}
}

func TestUpdateAppliesTheMergePatch(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, got todo.Todo)
	}{
		{"new title, trimmed", `{"title":"  Plan holiday  "}`, func(t *testing.T, got todo.Todo) {
			if got.Title != "Plan holiday" || got.Notes != "book hotel" || got.DueAt == "" || len(got.Tags) != 1 {
				t.Errorf("got %+v: want only the title changed", got)
			}
		}},
		{"done", `{"done":true}`, func(t *testing.T, got todo.Todo) {
			if !got.Done || got.Title != "Plan trip" {
				t.Errorf("got %+v", got)
			}
		}},
		{"null removes", `{"notes":null,"dueAt":null,"tags":null}`, func(t *testing.T, got todo.Todo) {
			if got.Notes != "" || got.DueAt != "" || got.Tags != nil {
				t.Errorf("got %+v", got)
			}
		}},
		{"tags replaced", `{"tags":["a","b"]}`, func(t *testing.T, got todo.Todo) {
			if !slices.Equal(got.Tags, []string{"a", "b"}) {
				t.Errorf("tags %v", got.Tags)
			}
		}},
		{"dueAt in UTC", `{"dueAt":"2027-02-03T04:05:06-03:00"}`, func(t *testing.T, got todo.Todo) {
			if got.DueAt != "2027-02-03T07:05:06Z" {
				t.Errorf("dueAt %s", got.DueAt)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, s, td := setup(t)
			resp := apitest.Invoke(t, h.handle, patch("alice", td.ID, tt.body, nil))
			var got todo.Todo
			apitest.JSON(t, resp, 200, &got)
			apitest.SecurityHeaders(t, resp)
			if got.Version != 2 || resp.Headers["ETag"] != `"2"` || got.ID != td.ID || got.CreatedAt != td.CreatedAt || got.UpdatedAt <= td.UpdatedAt {
				t.Errorf("version %d ETag %s id %s createdAt %s updatedAt %s", got.Version, resp.Headers["ETag"], got.ID, got.CreatedAt, got.UpdatedAt)
			}
			tt.check(t, got)
			stored, err := s.GetTodo(t.Context(), "alice", td.ID)
			if err != nil || fmt.Sprint(stored) != fmt.Sprint(got) {
				t.Errorf("stored %+v (%v), returned %+v", stored, err, got)
			}
		})
	}
}

func TestUpdateAcceptsBothJSONMediaTypes(t *testing.T) {
	for _, ct := range []string{"application/merge-patch+json", "application/json", "application/json; charset=utf-8"} {
		h, _, td := setup(t)
		resp := apitest.Invoke(t, h.handle, patch("alice", td.ID, `{"done":true}`, map[string]string{"Content-Type": ct}))
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d %s", ct, resp.StatusCode, resp.Body)
		}
	}
}

func TestUpdateWithIfMatch(t *testing.T) {
	h, s, td := setup(t)
	resp := apitest.Invoke(t, h.handle, patch("alice", td.ID, `{"title":"v2"}`, map[string]string{"If-Match": `"1"`}))
	if resp.StatusCode != 200 || resp.Headers["ETag"] != `"2"` {
		t.Fatalf("matching If-Match: %d %s", resp.StatusCode, resp.Body)
	}
	stale := apitest.Invoke(t, h.handle, patch("alice", td.ID, `{"title":"lost update"}`, map[string]string{"If-Match": `"1"`}))
	apitest.Problem(t, stale, 412)
	got, _ := s.GetTodo(t.Context(), "alice", td.ID)
	if got.Title != "v2" || got.Version != 2 {
		t.Fatalf("a refused update changed the todo: %+v", got)
	}
}

func TestUpdateRefusesAndChangesNothing(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		header map[string]string
		status int
		fields []string
	}{
		{"empty patch", `{}`, nil, 400, nil},
		{"title removed", `{"title":null}`, nil, 400, []string{"title"}},
		{"done null", `{"done":null}`, nil, 400, []string{"done"}},
		{"blank title", `{"title":"  "}`, nil, 400, []string{"title"}},
		{"title too long", `{"title":"` + strings.Repeat("t", 201) + `"}`, nil, 400, []string{"title"}},
		{"notes too long", `{"notes":"` + strings.Repeat("n", 2001) + `"}`, nil, 400, []string{"notes"}},
		{"bad dueAt", `{"dueAt":"soon"}`, nil, 400, []string{"dueAt"}},
		{"bad tags", `{"tags":["a","a"]}`, nil, 400, []string{"tags"}},
		{"unknown field", `{"owner":"bob"}`, nil, 400, []string{"owner"}},
		{"wrong type", `{"done":"true"}`, nil, 400, []string{"done"}},
		{"wrong type beside valid members", `{"title":"x","notes":7}`, nil, 400, []string{"notes"}},
		{"wrong type in an array", `{"tags":["a",1]}`, nil, 400, []string{"tags[1]"}},
		{"not an object", `["title"]`, nil, 400, nil},
		{"not JSON", `{"title":`, nil, 400, nil},
		{"malformed If-Match", `{"title":"x"}`, map[string]string{"If-Match": "1"}, 400, []string{"If-Match"}},
		{"stale If-Match", `{"title":"x"}`, map[string]string{"If-Match": `"5"`}, 412, nil},
		{"text/plain", `{"title":"x"}`, map[string]string{"Content-Type": "text/plain"}, 415, nil},
		{"too large", `{"notes":"` + strings.Repeat("n", 70000) + `"}`, nil, 413, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, s, td := setup(t)
			p := apitest.Problem(t, apitest.Invoke(t, h.handle, patch("alice", td.ID, tt.body, tt.header)), tt.status)
			if got := apitest.Fields(p); !slices.Equal(got, tt.fields) {
				t.Errorf("fields %v, want %v", got, tt.fields)
			}
			got, _ := s.GetTodo(t.Context(), "alice", td.ID)
			if fmt.Sprint(got) != fmt.Sprint(td) {
				t.Errorf("a refused update changed the todo: %+v", got)
			}
		})
	}
}

func TestUpdateOfAMissingTodoIsNotFoundAndCreatesNothing(t *testing.T) {
	tbl := dbtest.NewTable(t)
	h := &updateHandler{store: tbl.Store(), validate: validate.New()}
	apitest.Problem(t, apitest.Invoke(t, h.handle, patch("alice", ulid.Make().String(), `{"title":"x"}`, nil)), 404)
	if n := len(tbl.Items(t)); n != 0 {
		t.Fatalf("%d items written", n)
	}
}

func TestUpdateOfAnotherUsersTodoIsNotFound(t *testing.T) {
	h, s, td := setup(t)
	apitest.Problem(t, apitest.Invoke(t, h.handle, patch("bob", td.ID, `{"title":"mine now"}`, nil)), 404)
	got, _ := s.GetTodo(t.Context(), "alice", td.ID)
	if got.Title != td.Title {
		t.Fatalf("bob changed alice's todo")
	}
}

func TestUpdateRefusesABadIDOrNoCaller(t *testing.T) {
	h, _, td := setup(t)
	apitest.Problem(t, apitest.Invoke(t, h.handle, patch("alice", "nope", `{"title":"x"}`, nil)), 400)
	apitest.Problem(t, apitest.Invoke(t, h.handle, patch("", td.ID, `{"title":"x"}`, nil)), 401)
}
