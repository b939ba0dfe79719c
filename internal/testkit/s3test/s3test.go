// Package s3test gives a test a real S3 API on loopback: the local S3
// (package s3server) with one empty bucket, which accepts the credentials
// dbtest.Getenv gives, stopped with the test.
package s3test

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/local/s3server"
	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/awsconfig"
	"github.com/example/serverless-todo/pkg/presign"
	"github.com/example/serverless-todo/pkg/store"
)

// Bucket is a test's bucket.
type Bucket struct {
	Name   string
	Server *s3server.Server
}

// New starts a local S3 with an empty bucket for the test.
func New(tb testing.TB) *Bucket {
	tb.Helper()
	b := &Bucket{Name: "test-" + strings.ToLower(rand.Text())}
	srv, err := s3server.Start(s3server.Options{
		Buckets:     []s3server.Bucket{{Name: b.Name}},
		Credentials: map[string]string{"local": "local"},
		Region:      "us-east-1",
	})
	if err != nil {
		tb.Fatalf("s3test: %v", err)
	}
	tb.Cleanup(func() { srv.Close() })
	b.Server = srv
	return b
}

// Env is the environment that points objects.Open and presign.Open at the
// bucket, to add to dbtest.Getenv's.
func (b *Bucket) Env() map[string]string {
	return map[string]string{attachment.EnvBucket: b.Name, awsconfig.EndpointVariable("S3"): b.Server.Endpoint}
}

// Keys lists the bucket's keys under prefix.
func (b *Bucket) Keys(tb testing.TB, prefix string) []string {
	tb.Helper()
	keys, err := b.Server.Keys(b.Name, prefix)
	if err != nil {
		tb.Fatal(err)
	}
	return keys
}

// Put uploads body to key as an app does: with the PUT presign.Put signs,
// over real HTTP. It returns S3's status.
func (b *Bucket) Put(tb testing.TB, key, contentType string, body []byte) int {
	tb.Helper()
	env := b.Env()
	env[awsconfig.EnvRegion], env[awsconfig.EnvAccessKeyID], env[awsconfig.EnvSecretAccessKey] = "us-east-1", "local", "local"
	signer, err := presign.Open(func(k string) string { return env[k] })
	if err != nil {
		tb.Fatal(err)
	}
	up, err := signer.Put(tb.Context(), key, contentType, int64(len(body)), time.Minute)
	if err != nil {
		tb.Fatal(err)
	}
	status, _ := Send(tb, up, body)
	return status
}

// Send makes the presigned request r with body, as an app does (Go's
// client, like curl and browsers, sends the body's own length whatever
// r's Content-Length says), and returns S3's status and body.
func Send(tb testing.TB, r presign.Request, body []byte) (int, string) {
	tb.Helper()
	req, err := http.NewRequestWithContext(tb.Context(), r.Method, r.URL, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// Get returns the object at key, read from the server's store.
func (b *Bucket) Get(tb testing.TB, key string) ([]byte, bool) {
	tb.Helper()
	obj, err := b.Server.Object(b.Name, key)
	if err != nil {
		return nil, false
	}
	return obj, true
}

// Attach declares a JPEG attachment of body on owner's todo, and brings it
// to status as the confirming function would: a ready one has its checked
// object in the bucket, a pending one its upload.
func (b *Bucket) Attach(tb testing.TB, s *store.Store, owner, todoID, status string, body []byte) attachment.Attachment {
	tb.Helper()
	in := attachment.New{ContentType: "image/jpeg", Size: int64(len(body))}
	a := in.Pending(ulid.Make().String(), time.Now().UTC().Format(time.RFC3339), time.Now().Add(time.Hour))
	if _, err := s.AddAttachment(tb.Context(), owner, todoID, a); err != nil {
		tb.Fatal(err)
	}
	key := attachment.UploadKey(owner, todoID, a.ID)
	if status == attachment.StatusReady {
		key = attachment.ObjectKey(owner, todoID, a.ID)
	}
	if code := b.Put(tb, key, a.ContentType, body); code != http.StatusOK {
		tb.Fatalf("s3test: put %s: %d", key, code)
	}
	if status != attachment.StatusPending {
		var err error
		if a, err = s.SettleAttachment(tb.Context(), owner, todoID, a.ID, status); err != nil {
			tb.Fatal(err)
		}
	}
	return a
}
