package main

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/internal/testkit/s3test"
	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/handler"
	"github.com/example/serverless-todo/pkg/objects"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var (
	jpeg = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), bytes.Repeat([]byte{7}, 100)...)
	png  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 100)...)
)

// setup returns a handler over a table and a bucket of its own, and a todo
// of alice's with one pending attachment declared as contentType of size
// bytes.
func setup(t *testing.T, contentType string, size int64) (*confirmHandler, *s3test.Bucket, todo.Todo, attachment.Attachment) {
	t.Helper()
	s := dbtest.NewTable(t).Store()
	b := s3test.New(t)
	s3, err := objects.Connect(dbtest.Getenv(b.Env()))
	if err != nil {
		t.Fatal(err)
	}
	td := (&todo.New{Title: "Fix the bike"}).Todo(ulid.Make().String(), time.Now())
	if err := s.PutTodo(t.Context(), "alice", td, 0); err != nil {
		t.Fatal(err)
	}
	in := attachment.New{ContentType: contentType, Size: size}
	a := in.Pending(ulid.Make().String(), time.Now().UTC().Format(time.RFC3339), time.Now().Add(time.Hour))
	if _, err := s.AddAttachment(t.Context(), "alice", td.ID, a); err != nil {
		t.Fatal(err)
	}
	return &confirmHandler{store: s, s3: s3, log: handler.NewLogger(&bytes.Buffer{})}, b, td, a
}

func record(b *s3test.Bucket, key string) *events.S3EventRecord {
	return &events.S3EventRecord{EventName: "ObjectCreated:Put", S3: events.S3Entity{
		Bucket: events.S3Bucket{Name: b.Name}, Object: events.S3Object{Key: key, URLDecodedKey: key}}}
}

func status(t *testing.T, s *store.Store, todoID, attachmentID string) string {
	t.Helper()
	td, err := s.GetTodo(t.Context(), "alice", todoID)
	if err != nil {
		t.Fatal(err)
	}
	i := attachment.Find(td.Attachments, attachmentID)
	if i < 0 {
		return "gone"
	}
	return td.Attachments[i].Status
}

func TestConfirmKeepsOnlyWhatMatchesTheDeclaration(t *testing.T) {
	for _, tt := range []struct {
		name        string
		contentType string
		size        int64
		body        []byte
		want        string
	}{
		{"a JPEG of the declared size is ready", "image/jpeg", int64(len(jpeg)), jpeg, attachment.StatusReady},
		{"a PNG declared as a JPEG is rejected", "image/jpeg", int64(len(png)), png, attachment.StatusRejected},
		{"a JPEG of another size is rejected", "image/jpeg", int64(len(jpeg)) + 1, jpeg, attachment.StatusRejected},
		{"text declared as a PNG is rejected", "image/png", 11, []byte("hello world"), attachment.StatusRejected},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, b, td, a := setup(t, tt.contentType, tt.size)
			upload := attachment.UploadKey("alice", td.ID, a.ID)
			// The upload's own signed length is what it really is; the
			// declaration is what differs.
			if code := b.Put(t, upload, tt.contentType, tt.body); code != 200 {
				t.Fatalf("upload: %d", code)
			}
			if err := h.handle(t.Context(), record(b, upload)); err != nil {
				t.Fatal(err)
			}
			if got := status(t, h.store, td.ID, a.ID); got != tt.want {
				t.Fatalf("status %s, want %s", got, tt.want)
			}
			want := []string{}
			if tt.want == attachment.StatusReady {
				want = []string{attachment.ObjectKey("alice", td.ID, a.ID)}
				if got, _ := b.Get(t, want[0]); !bytes.Equal(got, tt.body) {
					t.Fatalf("kept %d bytes, want the %d uploaded", len(got), len(tt.body))
				}
			}
			if got := b.Keys(t, ""); !slices.Equal(got, want) {
				t.Fatalf("bucket holds %v, want %v", got, want)
			}

			// S3 may deliver an event twice: the second changes nothing.
			if err := h.handle(t.Context(), record(b, upload)); err != nil {
				t.Fatal(err)
			}
			if got := status(t, h.store, td.ID, a.ID); got != tt.want {
				t.Fatalf("after a second delivery: status %s, want %s", got, tt.want)
			}
			if got := b.Keys(t, ""); !slices.Equal(got, want) {
				t.Fatalf("after a second delivery: bucket holds %v, want %v", got, want)
			}
		})
	}
}

func TestConfirmDeletesUploadsNoAttachmentWaitsFor(t *testing.T) {
	for _, tt := range []struct {
		name   string
		upload func(t *testing.T, h *confirmHandler, td todo.Todo, a attachment.Attachment) string
	}{
		{"its todo was deleted", func(t *testing.T, h *confirmHandler, td todo.Todo, a attachment.Attachment) string {
			if _, err := h.store.DeleteTodo(t.Context(), "alice", td.ID, 0); err != nil {
				t.Fatal(err)
			}
			return attachment.UploadKey("alice", td.ID, a.ID)
		}},
		{"its attachment was deleted", func(t *testing.T, h *confirmHandler, td todo.Todo, a attachment.Attachment) string {
			if _, err := h.store.RemoveAttachment(t.Context(), "alice", td.ID, a.ID); err != nil {
				t.Fatal(err)
			}
			return attachment.UploadKey("alice", td.ID, a.ID)
		}},
		{"no such attachment was declared", func(t *testing.T, h *confirmHandler, td todo.Todo, a attachment.Attachment) string {
			return attachment.UploadKey("alice", td.ID, ulid.Make().String())
		}},
		{"it was declared by another user", func(t *testing.T, h *confirmHandler, td todo.Todo, a attachment.Attachment) string {
			return attachment.UploadKey("bob", td.ID, a.ID)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, b, td, a := setup(t, "image/jpeg", int64(len(jpeg)))
			key := tt.upload(t, h, td, a)
			if code := b.Put(t, key, "image/jpeg", jpeg); code != 200 {
				t.Fatalf("upload: %d", code)
			}
			if err := h.handle(t.Context(), record(b, key)); err != nil {
				t.Fatal(err)
			}
			if got := b.Keys(t, ""); len(got) != 0 {
				t.Fatalf("bucket holds %v, want nothing", got)
			}
		})
	}
}

func TestConfirmLeavesKeysItDidNotPresignAlone(t *testing.T) {
	h, b, _, _ := setup(t, "image/jpeg", int64(len(jpeg)))
	const key = "uploads/not-ours.jpg"
	if code := b.Put(t, key, "image/jpeg", jpeg); code != 200 {
		t.Fatalf("upload: %d", code)
	}
	if err := h.handle(t.Context(), record(b, key)); err != nil {
		t.Fatal(err)
	}
	if got := b.Keys(t, ""); !slices.Equal(got, []string{key}) {
		t.Fatalf("bucket holds %v, want the stray key left to the lifecycle rule", got)
	}
}
