package main

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/presign"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
	"github.com/example/serverless-todo/pkg/validate"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// setup returns a handler that accepts up to 1 MB, its store, and a todo
// of alice's.
func setup(t *testing.T) (*createHandler, *store.Store, todo.Todo) {
	tbl := dbtest.NewTable(t)
	s := tbl.Store()
	in := todo.New{Title: "Fix the bike"}
	td := in.Todo(ulid.Make().String(), time.Now())
	if err := s.PutTodo(t.Context(), "alice", td, 0); err != nil {
		t.Fatal(err)
	}
	signer, err := presign.Open(dbtest.Getenv(map[string]string{attachment.EnvBucket: "photos", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:4566"}))
	if err != nil {
		t.Fatal(err)
	}
	return &createHandler{store: s, signer: signer, validate: validate.New(), maxBytes: 1 << 20, urlTTL: 5 * time.Minute, now: time.Now}, s, td
}

func post(sub, todoID, body string) apitest.Request {
	return apitest.Request{Method: "POST", Path: "/todos/" + todoID + "/attachments", Route: "POST /todos/{id}/attachments", Sub: sub,
		PathParameters: map[string]string{"id": todoID}, Body: body, Headers: map[string]string{"Content-Type": "application/json"}}
}

func TestCreateDeclaresAPendingAttachmentAndPresignsItsUpload(t *testing.T) {
	h, s, td := setup(t)
	before := time.Now()
	resp := apitest.Invoke(t, h.handle, post("alice", td.ID, `{"contentType":"image/jpeg","size":12345,"fileName":"  bike.jpg "}`))
	var got created
	apitest.JSON(t, resp, 201, &got)
	apitest.SecurityHeaders(t, resp)
	a := got.Attachment
	if len(a.ID) != 26 || a.ContentType != "image/jpeg" || a.Size != 12345 || a.FileName != "bike.jpg" || a.Status != attachment.StatusPending || a.CreatedAt == "" {
		t.Errorf("attachment %+v", a)
	}
	if loc := resp.Headers["Location"]; loc != "/todos/"+td.ID+"/attachments/"+a.ID {
		t.Errorf("Location = %q", loc)
	}

	// The upload: a PUT to the key of alice's uploads, of exactly the
	// declared size and type, both signed, for the five minutes asked.
	up := got.Upload
	u, err := url.Parse(up.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if up.Method != "PUT" || u.Host != "127.0.0.1:4566" || u.Path != "/photos/"+attachment.UploadKey("alice", td.ID, a.ID) {
		t.Errorf("upload %s %s", up.Method, up.URL)
	}
	if got := q.Get("X-Amz-SignedHeaders"); got != "content-length;content-type;host" {
		t.Errorf("signed headers %q, want the length and type signed", got)
	}
	if q.Get("X-Amz-Expires") != "300" || q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" || len(q.Get("X-Amz-Signature")) != 64 ||
		!strings.HasSuffix(q.Get("X-Amz-Credential"), "/us-east-1/s3/aws4_request") {
		t.Errorf("query %v", q)
	}
	if up.Headers["Content-Type"] != "image/jpeg" || up.Headers["Content-Length"] != "12345" || len(up.Headers) != 2 {
		t.Errorf("headers %v, want Content-Type and Content-Length", up.Headers)
	}
	exp, err := time.Parse(time.RFC3339, up.ExpiresAt)
	if err != nil || exp.Before(before.Add(5*time.Minute-time.Second)) || exp.After(time.Now().Add(5*time.Minute)) {
		t.Errorf("expiresAt %q", up.ExpiresAt)
	}

	// The todo shows it, pending, one version on.
	stored, err := s.GetTodo(t.Context(), "alice", td.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Version != 2 || len(stored.Attachments) != 1 || stored.Attachments[0].ID != a.ID || stored.Attachments[0].Status != attachment.StatusPending {
		t.Errorf("stored todo %+v", stored)
	}
}

func TestCreateRefusesBadDeclarationsNamingTheField(t *testing.T) {
	tests := []struct {
		name, body, field string
	}{
		{"a GIF", `{"contentType":"image/gif","size":10}`, "contentType"},
		{"no type", `{"size":10}`, "contentType"},
		{"type with parameters", `{"contentType":"image/jpeg; charset=x","size":10}`, "contentType"},
		{"no size", `{"contentType":"image/png"}`, "size"},
		{"zero size", `{"contentType":"image/png","size":0}`, "size"},
		{"negative size", `{"contentType":"image/png","size":-1}`, "size"},
		{"over the limit", `{"contentType":"image/png","size":` + strconv.Itoa(1<<20+1) + `}`, "size"},
		{"fractional size", `{"contentType":"image/png","size":1.5}`, "size"},
		{"file name too long", `{"contentType":"image/png","size":10,"fileName":"` + strings.Repeat("a", 256) + `"}`, "fileName"},
		{"file name with a newline", `{"contentType":"image/png","size":10,"fileName":"a\nb"}`, "fileName"},
		{"unknown member", `{"contentType":"image/png","size":10,"url":"x"}`, "url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, s, td := setup(t)
			p := apitest.Problem(t, apitest.Invoke(t, h.handle, post("alice", td.ID, tt.body)), 400)
			if f := apitest.Fields(p); len(f) != 1 || f[0] != tt.field {
				t.Errorf("fields %v, want [%s]: %+v", f, tt.field, p)
			}
			if got, _ := s.GetTodo(t.Context(), "alice", td.ID); got.Version != 1 || got.Attachments != nil {
				t.Errorf("a refused declaration wrote %+v", got)
			}
		})
	}
}

func TestCreateAnswers404ForAnotherUsersOrAMissingTodo(t *testing.T) {
	h, s, td := setup(t)
	for _, r := range []apitest.Request{
		post("bob", td.ID, `{"contentType":"image/png","size":10}`),
		post("alice", ulid.Make().String(), `{"contentType":"image/png","size":10}`),
	} {
		apitest.Problem(t, apitest.Invoke(t, h.handle, r), 404)
	}
	if got, _ := s.GetTodo(t.Context(), "alice", td.ID); got.Version != 1 || got.Attachments != nil {
		t.Errorf("alice's todo changed: %+v", got)
	}
}

// A todo holds at most ten: pending ones count, expired ones do not.
func TestCreateStopsAtTheMostATodoMayHold(t *testing.T) {
	h, s, td := setup(t)
	for i := range attachment.MaxPerTodo {
		resp := apitest.Invoke(t, h.handle, post("alice", td.ID, `{"contentType":"image/png","size":10}`))
		if resp.StatusCode != 201 {
			t.Fatalf("attachment %d: %d %s", i+1, resp.StatusCode, resp.Body)
		}
	}
	p := apitest.Problem(t, apitest.Invoke(t, h.handle, post("alice", td.ID, `{"contentType":"image/png","size":10}`)), 400)
	if !strings.Contains(p.Detail, "10 attachments") {
		t.Errorf("detail %q", p.Detail)
	}
	// Two hours on, the ten pending uploads that never came have expired.
	later := time.Now().Add(2 * time.Hour)
	h.store = s.WithClock(func() time.Time { return later })
	h.now = func() time.Time { return later }
	var got created
	apitest.JSON(t, apitest.Invoke(t, h.handle, post("alice", td.ID, `{"contentType":"image/png","size":10}`)), 201, &got)
	stored, err := h.store.GetTodo(t.Context(), "alice", td.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.Attachments) != 1 || stored.Attachments[0].ID != got.ID {
		t.Errorf("after expiry the todo holds %d attachments, want only the new one", len(stored.Attachments))
	}
}
