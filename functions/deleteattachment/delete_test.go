package main

import (
	"slices"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/internal/testkit/s3test"
	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/objects"
	"github.com/example/serverless-todo/pkg/todo"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func del(sub, todoID, attachmentID string) apitest.Request {
	return apitest.Request{Method: "DELETE", Path: "/todos/" + todoID + "/attachments/" + attachmentID,
		Route: "DELETE /todos/{id}/attachments/{attachmentId}", Sub: sub,
		PathParameters: map[string]string{"id": todoID, "attachmentId": attachmentID}}
}

func TestDeleteRemovesTheAttachmentAndItsObjects(t *testing.T) {
	photo := []byte("\xff\xd8\xff\xe0 the photo's bytes")
	for _, tt := range []struct {
		name     string
		sub      string
		status   string // of the attachment deleted
		missing  bool   // another attachment id than the one declared
		want     int
		wantGone bool
	}{
		{"a ready attachment", "alice", attachment.StatusReady, false, 204, true},
		{"a pending attachment, its upload too", "alice", attachment.StatusPending, false, 204, true},
		{"a rejected attachment", "alice", attachment.StatusRejected, false, 204, true},
		{"another user's attachment is not found", "bob", attachment.StatusReady, false, 404, false},
		{"a missing attachment is not found", "alice", attachment.StatusReady, true, 404, false},
		{"no caller", "", attachment.StatusReady, false, 401, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := dbtest.NewTable(t).Store()
			b := s3test.New(t)
			bucket, err := objects.Open(dbtest.Getenv(b.Env()))
			if err != nil {
				t.Fatal(err)
			}
			td := (&todo.New{Title: "Fix the bike"}).Todo(ulid.Make().String(), time.Now())
			if err := s.PutTodo(t.Context(), "alice", td, 0); err != nil {
				t.Fatal(err)
			}
			kept := b.Attach(t, s, "alice", td.ID, attachment.StatusReady, photo)
			a := b.Attach(t, s, "alice", td.ID, tt.status, photo)
			id := a.ID
			if tt.missing {
				id = ulid.Make().String()
			}
			before := b.Keys(t, "")

			resp := apitest.Invoke(t, (&deleteHandler{store: s, bucket: bucket}).handle, del(tt.sub, td.ID, id))
			if tt.want == 204 {
				if resp.StatusCode != 204 || resp.Body != "" {
					t.Fatalf("got %d %q, want 204 and no body", resp.StatusCode, resp.Body)
				}
				apitest.SecurityHeaders(t, resp)
			} else {
				apitest.Problem(t, resp, tt.want)
			}

			got, err := s.GetTodo(t.Context(), "alice", td.ID)
			if err != nil {
				t.Fatal(err)
			}
			if gone := attachment.Find(got.Attachments, a.ID) < 0; gone != tt.wantGone {
				t.Fatalf("attachment gone: %v, want %v", gone, tt.wantGone)
			}
			if attachment.Find(got.Attachments, kept.ID) < 0 {
				t.Fatal("the other attachment went too")
			}
			want := before
			if tt.wantGone {
				want = []string{attachment.ObjectKey("alice", td.ID, kept.ID)}
			}
			if keys := b.Keys(t, ""); !slices.Equal(keys, want) {
				t.Fatalf("bucket holds %v, want %v", keys, want)
			}
		})
	}
}
