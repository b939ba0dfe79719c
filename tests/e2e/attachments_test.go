package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/example/serverless-todo/internal/local/lambda"
	"github.com/example/serverless-todo/internal/testkit/s3test"
	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/presign"
)

// photo returns a JPEG's leading bytes padded to size: what the check
// reads, and bytes to compare.
func photo(size int) []byte {
	b := bytes.Repeat([]byte{0x5a}, size)
	copy(b, "\xff\xd8\xff\xe0\x00\x10JFIF\x00")
	for i := 16; i < size; i += 97 {
		b[i] = byte(i)
	}
	return b
}

// declared is POST /todos/{id}/attachments's answer.
type declared struct {
	attachment.Attachment
	Upload presign.Request `json:"upload"`
}

// declare declares an upload of contentType and size on the todo.
func (a *api) declare(t *testing.T, token, todoID, contentType string, size int) declared {
	t.Helper()
	resp := a.do(t, request{method: "POST", path: "/todos/" + todoID + "/attachments", token: token,
		body: fmt.Sprintf(`{"contentType":%q,"size":%d,"fileName":"photo.jpg"}`, contentType, size)}).want(t, http.StatusCreated)
	var d declared
	resp.decode(t, &d)
	if loc := resp.header.Get("Location"); loc != "/todos/"+todoID+"/attachments/"+d.ID {
		t.Errorf("Location = %q", loc)
	}
	if d.Status != attachment.StatusPending || d.Upload.Method != http.MethodPut {
		t.Fatalf("declared %+v", d)
	}
	return d
}

// upload sends the presigned request with body, as an app does, and
// returns S3's status and body.
func upload(t *testing.T, r presign.Request, body []byte) (int, string) {
	t.Helper()
	return s3test.Send(t, r, body)
}

// settled waits for the attachment to leave pending, as the app would by
// reading the todo, and returns its status.
func (a *api) settled(t *testing.T, token, todoID, attachmentID string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		var td todo
		a.do(t, request{method: "GET", path: "/todos/" + todoID, token: token}).want(t, http.StatusOK).decode(t, &td)
		i := attachment.Find(td.Attachments, attachmentID)
		if i < 0 {
			t.Fatalf("attachment %s gone from %+v", attachmentID, td)
		}
		if s := td.Attachments[i].Status; s != attachment.StatusPending {
			return s
		}
		select {
		case <-ctx.Done():
			t.Fatalf("attachment %s still pending; the log:\n%s", attachmentID, a.log)
		case <-tick.C:
		}
	}
}

// keys lists the attachments bucket under prefix, through the S3 API.
func (a *api) bucketKeys(t *testing.T, prefix string) []string {
	t.Helper()
	client := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(a.S3Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(lambda.LocalAccessKeyID, lambda.LocalSecretAccessKey, ""),
	})
	var keys []string
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(a.cfg.Buckets[0].Name), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}

// download follows GET /todos/{id}/attachments/{aid}'s redirect to S3 and
// returns the bytes.
func (a *api) download(t *testing.T, token, todoID, attachmentID string) []byte {
	t.Helper()
	resp := a.do(t, request{method: "GET", path: "/todos/" + todoID + "/attachments/" + attachmentID, token: token}).want(t, http.StatusFound)
	loc := resp.header.Get("Location")
	if !strings.HasPrefix(loc, a.S3Endpoint+"/") {
		t.Fatalf("Location %q is not the local S3's", loc)
	}
	got, err := http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	b, _ := io.ReadAll(got.Body)
	if got.StatusCode != http.StatusOK {
		t.Fatalf("download: %d %s", got.StatusCode, b)
	}
	return b
}

// A photo goes up through the presigned request, is checked by the
// confirming function S3's notification invokes, comes back down
// identical, and goes with its attachment and its todo.
func TestAPhotoGoesUpComesBackAndGoesWithItsTodo(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil, nil)
	alice := a.token(t, "alice")
	td := a.create(t, alice, `{"title":"Fix the bike"}`)
	good := photo(300_000)

	d := a.declare(t, alice, td.ID, "image/jpeg", len(good))
	u, _ := url.Parse(d.Upload.URL)
	if !strings.Contains(u.Path, "/"+attachment.UserUploadsPrefix("alice")) {
		t.Errorf("upload path %s is not under alice's uploads", u.Path)
	}
	if status, body := upload(t, d.Upload, good); status != http.StatusOK {
		t.Fatalf("upload: %d %s", status, body)
	}
	uploaded := time.Now()
	if s := a.settled(t, alice, td.ID, d.ID); s != attachment.StatusReady {
		t.Fatalf("status %s, want ready; the log:\n%s", s, a.log)
	}
	readyAfter := time.Since(uploaded)
	if got := a.download(t, alice, td.ID, d.ID); !bytes.Equal(got, good) {
		t.Fatalf("downloaded %d bytes, not the %d uploaded", len(got), len(good))
	}
	// The upload was moved to the checked key: one object.
	if keys := a.bucketKeys(t, ""); !slices.Equal(keys, []string{attachment.ObjectKey("alice", td.ID, d.ID)}) {
		t.Fatalf("bucket holds %v", keys)
	}
	// The list shows the metadata, not URLs.
	var listed page
	a.do(t, request{method: "GET", path: "/todos", token: alice}).want(t, http.StatusOK).decode(t, &listed)
	if len(listed.Items) != 1 || len(listed.Items[0].Attachments) != 1 || listed.Items[0].Attachments[0].Status != attachment.StatusReady ||
		listed.Items[0].Attachments[0].FileName != "photo.jpg" || listed.Items[0].Attachments[0].Size != int64(len(good)) {
		t.Fatalf("listed %+v", listed.Items)
	}

	// A second photo, deleted on its own.
	second := a.declare(t, alice, td.ID, "image/jpeg", len(good))
	if status, body := upload(t, second.Upload, good); status != http.StatusOK {
		t.Fatalf("upload: %d %s", status, body)
	}
	a.settled(t, alice, td.ID, second.ID)
	a.do(t, request{method: "DELETE", path: "/todos/" + td.ID + "/attachments/" + second.ID, token: alice}).want(t, http.StatusNoContent)
	a.do(t, request{method: "GET", path: "/todos/" + td.ID + "/attachments/" + second.ID, token: alice}).wantProblem(t, http.StatusNotFound)
	if keys := a.bucketKeys(t, ""); !slices.Equal(keys, []string{attachment.ObjectKey("alice", td.ID, d.ID)}) {
		t.Fatalf("after deleting the second: bucket holds %v", keys)
	}

	// Deleting the todo deletes its photo's object.
	a.do(t, request{method: "DELETE", path: "/todos/" + td.ID, token: alice}).want(t, http.StatusNoContent)
	keys := a.bucketKeys(t, "")
	if len(keys) != 0 {
		t.Fatalf("after deleting the todo: bucket holds %v", keys)
	}
	recordFigures("photo", map[string]any{"bytes": len(good), "readyMs": readyAfter.Milliseconds(), "objectsLeft": len(keys)})
}

// What S3 refuses, and what the confirming function rejects.
func TestUploadsThatAreNotWhatWasDeclaredGoNowhere(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil, nil)
	alice := a.token(t, "alice")
	td := a.create(t, alice, `{"title":"Photos"}`)
	good := photo(50_000)
	png := append([]byte("\x89PNG\r\n\x1a\n"), good[8:]...)

	refused := 0
	t.Run("a PNG declared as a JPEG is rejected and deleted", func(t *testing.T) {
		d := a.declare(t, alice, td.ID, "image/jpeg", len(png))
		if status, body := upload(t, d.Upload, png); status != http.StatusOK {
			t.Fatalf("upload: %d %s", status, body)
		}
		if s := a.settled(t, alice, td.ID, d.ID); s != attachment.StatusRejected {
			t.Fatalf("status %s, want rejected", s)
		}
		a.do(t, request{method: "GET", path: "/todos/" + td.ID + "/attachments/" + d.ID, token: alice}).wantProblem(t, http.StatusNotFound)
		if keys := a.bucketKeys(t, ""); len(keys) != 0 {
			t.Fatalf("bucket holds %v", keys)
		}
	})
	for _, tt := range []struct {
		name     string
		body     []byte
		header   map[string]string
		s3Ahead  time.Duration
		wantCode int
		wantBody string
	}{
		{"a body longer than declared", append(slices.Clone(good), 0), nil, 0, http.StatusForbidden, "SignatureDoesNotMatch"},
		{"a body shorter than declared", good[:len(good)-1], nil, 0, http.StatusForbidden, "SignatureDoesNotMatch"},
		{"another content type than declared", good, map[string]string{"Content-Type": "image/png"}, 0, http.StatusForbidden, "SignatureDoesNotMatch"},
		{"an expired URL", good, nil, 301 * time.Second, http.StatusForbidden, "Request has expired"},
	} {
		t.Run(tt.name+" is refused by S3", func(t *testing.T) {
			d := a.declare(t, alice, td.ID, "image/jpeg", len(good))
			for k, v := range tt.header {
				d.Upload.Headers[k] = v
			}
			a.s3Ahead.Store(int64(tt.s3Ahead))
			status, body := upload(t, d.Upload, tt.body)
			a.s3Ahead.Store(0)
			if status != tt.wantCode || !strings.Contains(body, tt.wantBody) {
				t.Fatalf("upload: %d %s, want %d %s", status, body, tt.wantCode, tt.wantBody)
			}
			refused++
			if keys := a.bucketKeys(t, ""); len(keys) != 0 {
				t.Fatalf("bucket holds %v", keys)
			}
			// The attachment stays pending, and expires.
			var got todo
			a.do(t, request{method: "GET", path: "/todos/" + td.ID, token: alice}).want(t, http.StatusOK).decode(t, &got)
			if i := attachment.Find(got.Attachments, d.ID); i < 0 || got.Attachments[i].Status != attachment.StatusPending {
				t.Fatalf("attachments %+v, want %s pending", got.Attachments, d.ID)
			}
			a.do(t, request{method: "DELETE", path: "/todos/" + td.ID + "/attachments/" + d.ID, token: alice}).want(t, http.StatusNoContent)
		})
	}
	t.Run("an unsigned request is refused by S3", func(t *testing.T) {
		d := a.declare(t, alice, td.ID, "image/jpeg", len(good))
		u, _ := url.Parse(d.Upload.URL)
		u.RawQuery = ""
		unsigned := presign.Request{Method: http.MethodPut, URL: u.String(), Headers: d.Upload.Headers}
		if status, body := upload(t, unsigned, good); status != http.StatusForbidden || !strings.Contains(body, "AccessDenied") {
			t.Fatalf("upload: %d %s, want 403 AccessDenied", status, body)
		}
	})
	t.Run("a declaration over the limit is a 400 naming size", func(t *testing.T) {
		p := a.do(t, request{method: "POST", path: "/todos/" + td.ID + "/attachments", token: alice,
			body: fmt.Sprintf(`{"contentType":"image/jpeg","size":%d}`, attachment.DefaultMaxBytes+1)}).wantProblem(t, http.StatusBadRequest)
		if len(p.Errors) != 1 || p.Errors[0].Field != "size" {
			t.Fatalf("problem %+v, want it to name size", p)
		}
	})
	recordFigures("photo refusals", map[string]any{"refusedByS3": refused, "rejected": 1, "objectsLeft": len(a.bucketKeys(t, ""))})
}

// One user's todo, attachment and URL reach nothing of another's.
func TestAttachmentsAreTheirOwnersOnly(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil, nil)
	alice, bob := a.token(t, "alice"), a.token(t, "bob")
	td := a.create(t, alice, `{"title":"alice's"}`)
	bobs := a.create(t, bob, `{"title":"bob's"}`)
	good := photo(20_000)
	d := a.declare(t, alice, td.ID, "image/jpeg", len(good))
	if status, body := upload(t, d.Upload, good); status != http.StatusOK {
		t.Fatalf("upload: %d %s", status, body)
	}
	a.settled(t, alice, td.ID, d.ID)

	for _, r := range []request{
		{method: "POST", path: "/todos/" + td.ID + "/attachments", body: `{"contentType":"image/jpeg","size":10}`},
		{method: "GET", path: "/todos/" + td.ID + "/attachments/" + d.ID},
		{method: "DELETE", path: "/todos/" + td.ID + "/attachments/" + d.ID},
		// bob's own todo does not hold alice's attachment.
		{method: "GET", path: "/todos/" + bobs.ID + "/attachments/" + d.ID},
		{method: "DELETE", path: "/todos/" + bobs.ID + "/attachments/" + d.ID},
	} {
		r.token = bob
		a.do(t, r).wantProblem(t, http.StatusNotFound)
	}
	// bob's upload URL is for his prefix only: pointed at alice's key,
	// its signature no longer holds.
	bd := a.declare(t, bob, bobs.ID, "image/jpeg", len(good))
	hijack := bd.Upload
	hijack.URL = strings.Replace(hijack.URL, attachment.UploadKey("bob", bobs.ID, bd.ID), attachment.ObjectKey("alice", td.ID, d.ID), 1)
	if hijack.URL == bd.Upload.URL {
		t.Fatalf("upload URL %s does not hold bob's upload key", bd.Upload.URL)
	}
	if status, body := upload(t, hijack, photo(len(good))); status != http.StatusForbidden || !strings.Contains(body, "SignatureDoesNotMatch") {
		t.Fatalf("bob's URL onto alice's key: %d %s, want 403", status, body)
	}
	if got := a.download(t, alice, td.ID, d.ID); !bytes.Equal(got, good) {
		t.Fatal("alice's photo changed")
	}
}
