package main

import (
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/pkg/todo"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// setup returns a handler and a todo of alice's at version 1.
func setup(t *testing.T) (*getHandler, todo.Todo) {
	tbl := dbtest.NewTable(t)
	s := tbl.Store()
	in := todo.New{Title: "Read", Tags: []string{"books"}}
	td := in.Todo(ulid.Make().String(), time.Now())
	if err := s.PutTodo(t.Context(), "alice", td, 0); err != nil {
		t.Fatal(err)
	}
	return &getHandler{store: s}, td
}

func get(sub, id string, headers map[string]string) apitest.Request {
	return apitest.Request{Method: "GET", Path: "/todos/" + id, Route: "GET /todos/{id}", Sub: sub,
		PathParameters: map[string]string{"id": id}, Headers: headers}
}

func TestGetReturnsTheTodoWithItsETag(t *testing.T) {
	h, td := setup(t)
	resp := apitest.Invoke(t, h.handle, get("alice", td.ID, nil))
	var got todo.Todo
	apitest.JSON(t, resp, 200, &got)
	apitest.SecurityHeaders(t, resp)
	if got.ID != td.ID || got.Title != "Read" || got.Version != 1 || got.CreatedAt != td.CreatedAt {
		t.Errorf("got %+v, want %+v", got, td)
	}
	if resp.Headers["ETag"] != `"1"` {
		t.Errorf("ETag = %q", resp.Headers["ETag"])
	}
}

func TestGetAcceptsALowerCaseID(t *testing.T) {
	h, td := setup(t)
	var got todo.Todo
	apitest.JSON(t, apitest.Invoke(t, h.handle, get("alice", strings.ToLower(td.ID), nil)), 200, &got)
	if got.ID != td.ID {
		t.Fatalf("id %s", got.ID)
	}
}

func TestGetWithIfNoneMatch(t *testing.T) {
	tests := []struct {
		header string
		status int
	}{
		{`"1"`, 304},
		{`W/"1"`, 304},
		{`"7", "1"`, 304},
		{`*`, 304},
		{`"2"`, 200},
		{`1`, 400},
		{`"abc"`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			h, td := setup(t)
			resp := apitest.Invoke(t, h.handle, get("alice", td.ID, map[string]string{"If-None-Match": tt.header}))
			switch tt.status {
			case 304:
				if resp.StatusCode != 304 || resp.Body != "" || resp.Headers["ETag"] != `"1"` {
					t.Fatalf("got %d %q ETag %q; want 304, no body, ETag \"1\"", resp.StatusCode, resp.Body, resp.Headers["ETag"])
				}
				apitest.SecurityHeaders(t, resp)
			case 200:
				var got todo.Todo
				apitest.JSON(t, resp, 200, &got)
			default:
				p := apitest.Problem(t, resp, tt.status)
				if p.Errors[0].Field != "If-None-Match" {
					t.Fatalf("problem %+v", p)
				}
			}
		})
	}
}

func TestGetRefuses(t *testing.T) {
	h, td := setup(t)
	tests := []struct {
		name   string
		req    apitest.Request
		status int
	}{
		{"another user's todo", get("bob", td.ID, nil), 404},
		{"a missing todo", get("alice", ulid.Make().String(), nil), 404},
		{"an id that is not a ULID", get("alice", "not-a-ulid", nil), 400},
		{"no caller", get("", td.ID, nil), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := apitest.Invoke(t, h.handle, tt.req)
			apitest.Problem(t, resp, tt.status)
			apitest.SecurityHeaders(t, resp)
		})
	}
}
