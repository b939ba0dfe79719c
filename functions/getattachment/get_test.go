package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/internal/testkit/s3test"
	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/presign"
	"github.com/example/serverless-todo/pkg/todo"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func get(sub, todoID, attachmentID string) apitest.Request {
	return apitest.Request{Method: "GET", Path: "/todos/" + todoID + "/attachments/" + attachmentID,
		Route: "GET /todos/{id}/attachments/{attachmentId}", Sub: sub,
		PathParameters: map[string]string{"id": todoID, "attachmentId": attachmentID}}
}

func TestGetRedirectsToADownloadOfReadyAttachmentsOnly(t *testing.T) {
	s := dbtest.NewTable(t).Store()
	b := s3test.New(t)
	signer, err := presign.Open(dbtest.Getenv(b.Env()))
	if err != nil {
		t.Fatal(err)
	}
	h := &getHandler{store: s, signer: signer, urlTTL: 2 * time.Minute}
	td := (&todo.New{Title: "Fix the bike"}).Todo(ulid.Make().String(), time.Now())
	if err := s.PutTodo(t.Context(), "alice", td, 0); err != nil {
		t.Fatal(err)
	}
	photo := []byte("\xff\xd8\xff\xe0 the photo's bytes")
	ready := b.Attach(t, s, "alice", td.ID, attachment.StatusReady, photo)
	pending := b.Attach(t, s, "alice", td.ID, attachment.StatusPending, photo)
	rejected := b.Attach(t, s, "alice", td.ID, attachment.StatusRejected, photo)

	t.Run("a ready attachment redirects to its bytes", func(t *testing.T) {
		resp := apitest.Invoke(t, h.handle, get("alice", td.ID, ready.ID))
		apitest.SecurityHeaders(t, resp)
		if resp.StatusCode != http.StatusFound || resp.Body != "" {
			t.Fatalf("got %d %q, want 302 and no body", resp.StatusCode, resp.Body)
		}
		loc, err := url.Parse(resp.Headers["Location"])
		if err != nil {
			t.Fatal(err)
		}
		if loc.Path != "/"+b.Name+"/"+attachment.ObjectKey("alice", td.ID, ready.ID) || loc.Query().Get("X-Amz-Expires") != "120" ||
			loc.Query().Get("X-Amz-SignedHeaders") != "host" {
			t.Fatalf("Location %s", loc)
		}
		dl, err := http.Get(loc.String())
		if err != nil {
			t.Fatal(err)
		}
		defer dl.Body.Close()
		got, _ := io.ReadAll(dl.Body)
		if dl.StatusCode != 200 || string(got) != string(photo) {
			t.Fatalf("download: %d %q, want the bytes uploaded", dl.StatusCode, got)
		}
	})
	for _, tt := range []struct {
		name               string
		sub, todoID, attID string
		status             int
		wantDetail         string
	}{
		{"a pending attachment is not found", "alice", td.ID, pending.ID, 404, "attachment"},
		{"a rejected attachment is not found", "alice", td.ID, rejected.ID, 404, "attachment"},
		{"another user's attachment is not found", "bob", td.ID, ready.ID, 404, "todo"},
		{"a missing attachment is not found", "alice", td.ID, ulid.Make().String(), 404, "attachment"},
		{"a missing todo is not found", "alice", ulid.Make().String(), ready.ID, 404, "todo"},
		{"an attachment id that is not a ULID", "alice", td.ID, "photo.jpg", 400, "attachmentId"},
		{"no caller", "", td.ID, ready.ID, 401, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := apitest.Invoke(t, h.handle, get(tt.sub, tt.todoID, tt.attID))
			p := apitest.Problem(t, resp, tt.status)
			if !strings.Contains(strings.ToLower(p.Detail+" "+p.Title+" "+strings.Join(apitest.Fields(p), " ")), strings.ToLower(tt.wantDetail)) {
				t.Fatalf("problem %+v, want it to name %q", p, tt.wantDetail)
			}
			if _, found := resp.Headers["Location"]; found {
				t.Fatalf("Location %q on a %d", resp.Headers["Location"], resp.StatusCode)
			}
		})
	}
}
