package s3server_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/internal/local/s3server"
	"github.com/example/serverless-todo/internal/testkit/s3test"
	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/presign"
)

const (
	bucket    = "photos"
	keyID     = "ASIALOCALTEST"
	secretKey = "local-test-secret"
)

type delivery struct {
	function string
	event    events.S3Event
}

// start runs a server whose notifications to "confirm" for uploads/ land
// in the returned channel; the first fail invocations fail.
func start(t *testing.T, fail int) (*s3server.Server, <-chan delivery) {
	t.Helper()
	return startIn(t, "", fail)
}

// startIn is start with the objects in files under dir ("" for memory).
func startIn(t *testing.T, dir string, fail int) (*s3server.Server, <-chan delivery) {
	t.Helper()
	got := make(chan delivery, 10)
	srv, err := s3server.Start(s3server.Options{
		Buckets: []s3server.Bucket{{Name: bucket, Notifications: []s3server.Notification{
			{Function: "confirm", Events: []string{"s3:ObjectCreated:*"}, Prefix: attachment.UploadsPrefix},
		}}},
		Credentials: map[string]string{keyID: secretKey},
		Region:      "us-east-1",
		Dir:         dir,
		Invoke: func(_ context.Context, function string, payload []byte) ([]byte, error) {
			if fail > 0 {
				fail--
				return nil, errors.New("function error")
			}
			var e events.S3Event
			if err := json.Unmarshal(payload, &e); err != nil {
				t.Errorf("payload: %v", err)
			}
			got <- delivery{function, e}
			return nil, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, got
}

func signer(t *testing.T, srv *s3server.Server, secret string) *presign.Signer {
	t.Helper()
	env := map[string]string{
		attachment.EnvBucket: bucket, "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_S3": srv.Endpoint,
		"AWS_ACCESS_KEY_ID": keyID, "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": "token",
	}
	s, err := presign.Open(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// send makes the request r describes with body, its headers changed by
// header: a value replaces one, "" removes one.
func send(t *testing.T, r presign.Request, body []byte, header map[string]string) (int, string) {
	t.Helper()
	h := maps.Clone(r.Headers)
	for k, v := range header {
		if v == "" {
			delete(h, k)
		} else {
			h[k] = v
		}
	}
	r.Headers = h
	return s3test.Send(t, r, body)
}

func TestPresignedPutIsCheckedAsS3ChecksIt(t *testing.T) {
	srv, _ := start(t, 0)
	photo := []byte("\xff\xd8\xff\xe0 a jpeg of twenty-eight bytes")
	key := attachment.UploadKey("user-1", "todo-1", "att-1")
	ctx := context.Background()
	good := signer(t, srv, secretKey)
	put := func(s *presign.Signer, size int64) presign.Request {
		r, err := s.Put(ctx, key, "image/jpeg", size, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	past := good.WithClock(func() time.Time { return time.Now().Add(-2 * time.Minute) })
	for _, tc := range []struct {
		name     string
		req      presign.Request
		body     []byte
		header   map[string]string
		wantCode int
		wantBody string
	}{
		{"a longer body than signed", put(good, int64(len(photo))), append(photo, 'x'), nil, 403, "SignatureDoesNotMatch"},
		{"a shorter body than signed", put(good, int64(len(photo))), photo[1:], nil, 403, "SignatureDoesNotMatch"},
		{"another content type", put(good, int64(len(photo))), photo, map[string]string{"Content-Type": "image/png"}, 403, "SignatureDoesNotMatch"},
		{"no content type", put(good, int64(len(photo))), photo, map[string]string{"Content-Type": ""}, 403, "SignatureDoesNotMatch"},
		{"an expired URL", put(past, int64(len(photo))), photo, nil, 403, "Request has expired"},
		{"another secret", put(signer(t, srv, "not-the-secret"), int64(len(photo))), photo, nil, 403, "SignatureDoesNotMatch"},
		{"an API token beside the signature", put(good, int64(len(photo))), photo, map[string]string{"Authorization": "Bearer token"}, 400, "Only one auth mechanism allowed"},
		{"the signed request", put(good, int64(len(photo))), photo, nil, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := send(t, tc.req, tc.body, tc.header)
			if code != tc.wantCode || !strings.Contains(body, tc.wantBody) {
				t.Fatalf("got %d %s, want %d with %q", code, body, tc.wantCode, tc.wantBody)
			}
		})
	}

	get, err := good.Get(ctx, key, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := send(t, get, nil, nil); code != 200 || body != string(photo) {
		t.Fatalf("download: %d %q, want 200 and the bytes uploaded", code, body)
	}
	resp, err := http.Get(srv.Endpoint + "/" + bucket + "/" + key)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("unsigned download: %d, want 403", resp.StatusCode)
	}
}

func TestUploadsNotifyTheFunctionAsS3Does(t *testing.T) {
	srv, got := start(t, 1)
	ctx := context.Background()
	s := signer(t, srv, secretKey)
	body := []byte("\x89PNG\r\n\x1a\n")
	for _, key := range []string{"users/user-1/todo-1/att-1", attachment.UploadKey("user-1", "todo-1", "att-1")} {
		r, err := s.Put(ctx, key, "image/png", int64(len(body)), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if code, resp := send(t, r, body, nil); code != 200 {
			t.Fatalf("put %s: %d %s", key, code, resp)
		}
	}
	// The first invocation fails and is retried; the object outside the
	// prefix notifies no one.
	d := <-got
	if d.function != "confirm" || len(d.event.Records) != 1 {
		t.Fatalf("got %+v", d)
	}
	rec := d.event.Records[0]
	if rec.EventSource != "aws:s3" || rec.EventName != "ObjectCreated:Put" || rec.S3.Bucket.Name != bucket ||
		rec.S3.Object.URLDecodedKey != attachment.UploadKey("user-1", "todo-1", "att-1") || rec.S3.Object.Size != int64(len(body)) {
		t.Fatalf("record %+v", rec)
	}
	srv.Close()
	select {
	case d := <-got:
		t.Fatalf("a second delivery: %+v", d)
	default:
	}
}

func TestObjectsInADirOutliveTheServer(t *testing.T) {
	dir := t.TempDir()
	srv, _ := startIn(t, dir, 0)
	s := signer(t, srv, secretKey)
	body := []byte("\xff\xd8\xff kept on disk")
	key := attachment.ObjectKey("user-1", "todo-1", "att-1")
	r, err := s.Put(context.Background(), key, "image/jpeg", int64(len(body)), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if code, resp := send(t, r, body, nil); code != 200 {
		t.Fatalf("put: %d %s", code, resp)
	}
	srv.Close()

	again, _ := startIn(t, dir, 0)
	if keys, err := again.Keys(bucket, "users/"); err != nil || len(keys) != 1 || keys[0] != key {
		t.Fatalf("keys after a restart: %v, %v; want %s", keys, err, key)
	}
	get, err := signer(t, again, secretKey).Get(context.Background(), key, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if code, got := send(t, get, nil, nil); code != 200 || got != string(body) {
		t.Fatalf("download after a restart: %d %q", code, got)
	}
}
