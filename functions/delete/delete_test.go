package main

import (
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/internal/testkit/s3test"
	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/handler"
	"github.com/example/serverless-todo/pkg/objects"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func newHandler(t *testing.T, s *store.Store, b *s3test.Bucket) *deleteHandler {
	t.Helper()
	bucket, err := objects.Open(dbtest.Getenv(b.Env()))
	if err != nil {
		t.Fatal(err)
	}
	return &deleteHandler{store: s, bucket: bucket, log: handler.NewLogger(io.Discard)}
}

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
			resp := apitest.Invoke(t, newHandler(t, s, s3test.New(t)).handle, del(tt.sub, id, tt.headers))
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

func TestDeletingATodoDeletesItsAttachmentsObjects(t *testing.T) {
	s := dbtest.NewTable(t).Store()
	b := s3test.New(t)
	photo := []byte("\xff\xd8\xff\xe0 a photo")
	td := (&todo.New{Title: "with photos"}).Todo(ulid.Make().String(), time.Now())
	other := (&todo.New{Title: "another"}).Todo(ulid.Make().String(), time.Now())
	for _, x := range []todo.Todo{td, other} {
		if err := s.PutTodo(t.Context(), "alice", x, 0); err != nil {
			t.Fatal(err)
		}
	}
	b.Attach(t, s, "alice", td.ID, attachment.StatusReady, photo)
	b.Attach(t, s, "alice", td.ID, attachment.StatusPending, photo)
	kept := b.Attach(t, s, "alice", other.ID, attachment.StatusReady, photo)

	resp := apitest.Invoke(t, newHandler(t, s, b).handle, del("alice", td.ID, nil))
	if resp.StatusCode != 204 {
		t.Fatalf("got %d %s, want 204", resp.StatusCode, resp.Body)
	}
	if keys, want := b.Keys(t, ""), []string{attachment.ObjectKey("alice", other.ID, kept.ID)}; !slices.Equal(keys, want) {
		t.Fatalf("bucket holds %v, want only the other todo's object", keys)
	}
}
