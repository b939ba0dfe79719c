package main

import (
	"errors"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/todo"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func del(sub, id string, headers map[string]string) apitest.Request {
	return apitest.Request{Method: "DELETE", Path: "/todos/" + id, Route: "DELETE /todos/{id}", Sub: sub,
		PathParameters: map[string]string{"id": id}, Headers: headers}
}

func TestDelete(t *testing.T) {
	tests := []struct {
		name    string
		sub     string
		id      string // "" means the todo's own id
		headers map[string]string
		status  int
		gone    bool
	}{
		{"deletes", "alice", "", nil, 204, true},
		{"deletes at the current version", "alice", "", map[string]string{"If-Match": `"1"`}, 204, true},
		{"deletes with If-Match *", "alice", "", map[string]string{"If-Match": "*"}, 204, true},
		{"refuses a stale version", "alice", "", map[string]string{"If-Match": `"2"`}, 412, false},
		{"refuses a malformed If-Match", "alice", "", map[string]string{"If-Match": "v1"}, 400, false},
		{"another user's todo is not found", "bob", "", nil, 404, false},
		{"a missing todo is not found", "alice", ulid.Make().String(), nil, 404, false},
		{"an id that is not a ULID", "alice", "42", nil, 400, false},
		{"no caller", "", "", nil, 401, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := dbtest.NewTable(t).Store()
			in := todo.New{Title: "t"}
			td := in.Todo(ulid.Make().String(), time.Now())
			if err := s.PutTodo(t.Context(), "alice", td, 0); err != nil {
				t.Fatal(err)
			}
			id := tt.id
			if id == "" {
				id = td.ID
			}
			resp := apitest.Invoke(t, (&deleteHandler{store: s}).handle, del(tt.sub, id, tt.headers))
			apitest.SecurityHeaders(t, resp)
			if tt.status == 204 {
				if resp.StatusCode != 204 || resp.Body != "" {
					t.Fatalf("got %d %q, want 204 and no body", resp.StatusCode, resp.Body)
				}
			} else {
				apitest.Problem(t, resp, tt.status)
			}
			_, err := s.GetTodo(t.Context(), "alice", td.ID)
			if gone := errors.Is(err, errkind.ErrNotFound); gone != tt.gone {
				t.Fatalf("todo gone = %v, want %v (%v)", gone, tt.gone, err)
			}
		})
	}
}
