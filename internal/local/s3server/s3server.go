// Package s3server is the local S3: gofakes3's implementation of the S3
// API over files in a folder or over memory, served on loopback, behind what S3 checks
// and gofakes3 does not, and with the bucket event notifications S3 sends.
//
// Every request must be signed with known credentials, as a private bucket
// demands. A presigned request (the URLs the API hands to apps) is checked
// as S3 checks it: its expiry, and its SigV4 signature recomputed over the
// method, path, query and the headers it signed, so that another content
// type or another length than the signed ones is refused. A request the
// SDK signs in its Authorization header is checked for a known access key
// only: the functions' SDK makes those, and what they sign is the SDK's
// business, not this product's.
//
// Not emulated: presigned POST policies (the API presigns PUTs), bucket
// policies, Block Public Access settings, lifecycle rules, encryption,
// object tagging and versioning; CORS is answered for any origin.
package s3server

import (
	"context"
	"crypto/hmac"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3afero"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/spf13/afero"
)

// Invoker runs a function with a payload, as the local Lambda service's
// Invoke does; an error is a failed invocation.
type Invoker func(ctx context.Context, function string, payload []byte) ([]byte, error)

// Notification is one of a bucket's event notifications to a function.
type Notification struct {
	// Function is the function's name, which Invoke takes.
	Function string
	// Events are S3's event types, like s3:ObjectCreated:* or
	// s3:ObjectCreated:Put.
	Events []string
	// Prefix and Suffix filter the objects' keys; empty matches any.
	Prefix, Suffix string
}

// Bucket is a bucket to create, with its notifications.
type Bucket struct {
	Name          string
	Notifications []Notification
}

// Options configures Start.
type Options struct {
	// Buckets are created at the start.
	Buckets []Bucket
	// Credentials maps the access key IDs the server accepts to their
	// secret access keys.
	Credentials map[string]string
	// Region is the buckets' Region, which signatures and events name.
	Region string
	// Invoke delivers notifications; nil when no bucket has any.
	Invoke Invoker
	// Log gets one line per delivery and per refused request; nil
	// discards them.
	Log io.Writer
	// Now is the server's clock, for expiry; nil means time.Now.
	Now func() time.Time
	// Dir keeps the buckets' objects in files under it, from one start to
	// the next; empty keeps them in memory, gone at Close.
	Dir string
}

// Server is a running local S3.
type Server struct {
	// Endpoint is its base URL, like http://127.0.0.1:4566: buckets are
	// addressed path-style under it.
	Endpoint string

	opts     Options
	backend  gofakes3.Backend
	api      http.Handler
	srv      *http.Server
	mu       sync.Mutex // guards buckets
	buckets  map[string]Bucket
	ctx      context.Context
	stop     context.CancelFunc
	inFlight sync.WaitGroup
	logMu    sync.Mutex
	// sequence orders the events, as S3's sequencer does for one key.
	sequence atomic.Uint64
}

// Start serves a local S3 on a free loopback port.
func Start(opts Options) (*Server, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	backend, err := newBackend(opts.Dir)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:    opts,
		backend: backend,
		api:     gofakes3.New(backend, gofakes3.WithInsecureCORS(), gofakes3.WithTimeSource(clock(opts.Now)), gofakes3.WithoutVersioning()).Server(),
		buckets: map[string]Bucket{},
	}
	s.ctx, s.stop = context.WithCancel(context.Background())
	for _, b := range opts.Buckets {
		if err := s.CreateBucket(b); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("s3server: %w", err)
	}
	s.Endpoint = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// newBackend is gofakes3's store of objects: files under dir, or memory.
func newBackend(dir string) (gofakes3.Backend, error) {
	if dir == "" {
		return s3mem.New(), nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("s3server: %w", err)
	}
	b, err := s3afero.MultiBucket(afero.NewBasePathFs(afero.NewOsFs(), dir))
	if err != nil {
		return nil, fmt.Errorf("s3server: %s: %w", dir, err)
	}
	return b, nil
}

// CreateBucket creates a bucket with its notifications; one that exists
// already, from an earlier start with the same Dir, keeps its objects.
func (s *Server) CreateBucket(b Bucket) error {
	exists, err := s.backend.BucketExists(b.Name)
	if err != nil {
		return fmt.Errorf("s3server: bucket %s: %w", b.Name, err)
	}
	if !exists {
		if err := s.backend.CreateBucket(b.Name); err != nil {
			return fmt.Errorf("s3server: bucket %s: %w", b.Name, err)
		}
	}
	s.mu.Lock()
	s.buckets[b.Name] = b
	s.mu.Unlock()
	return nil
}

// Close stops serving, and waits for the notifications under way, which
// it cuts short.
func (s *Server) Close() error {
	err := s.srv.Close()
	s.stop()
	s.inFlight.Wait()
	return err
}

// ServeHTTP checks the request's credentials, passes it to gofakes3, and
// notifies the bucket's functions of what it created.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// A CORS preflight carries no credentials, in S3 too.
	if r.Method != http.MethodOptions {
		if err := s.authenticate(r); err != nil {
			s.logf("refused %s %s: %s", r.Method, r.URL.Path, err.message)
			writeError(w, err)
			return
		}
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.api.ServeHTTP(rec, r)
	if rec.status/100 == 2 {
		if bucket, key, event, ok := created(r); ok {
			s.notify(bucket, key, event, r)
		}
	}
}

// created reports the object a successful request created, and S3's name
// of the event.
func created(r *http.Request) (bucket, key, event string, ok bool) {
	bucket, key, _ = strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if bucket == "" || key == "" {
		return "", "", "", false
	}
	switch {
	case r.Method == http.MethodPut && r.URL.Query().Has("partNumber"):
		return "", "", "", false
	case r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "":
		return bucket, key, "ObjectCreated:Copy", true
	case r.Method == http.MethodPut:
		return bucket, key, "ObjectCreated:Put", true
	case r.Method == http.MethodPost && r.URL.Query().Has("uploadId"):
		return bucket, key, "ObjectCreated:CompleteMultipartUpload", true
	}
	return "", "", "", false
}

// s3Error is an error S3 answers with.
type s3Error struct {
	status        int
	code, message string
}

func writeError(w http.ResponseWriter, e *s3Error) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(e.status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Error><Code>%s</Code><Message>%s</Message></Error>", e.code, e.message)
}

func accessDenied(message string) *s3Error {
	return &s3Error{status: http.StatusForbidden, code: "AccessDenied", message: message}
}

// authenticate checks a request's credentials as S3 does for a private
// bucket: presigned in its query, or signed in its Authorization header.
func (s *Server) authenticate(r *http.Request) *s3Error {
	if r.URL.Query().Has("X-Amz-Signature") {
		if r.Header.Get("Authorization") != "" {
			// An app that follows a download's redirect with its API
			// token still attached gets this from S3 too.
			return &s3Error{status: http.StatusBadRequest, code: "InvalidArgument", message: "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified"}
		}
		return s.checkPresigned(r)
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return accessDenied("Access Denied")
	}
	_, cred, found := strings.Cut(auth, "Credential=")
	keyID, _, _ := strings.Cut(cred, "/")
	if _, known := s.opts.Credentials[keyID]; !found || !known {
		return &s3Error{status: http.StatusForbidden, code: "InvalidAccessKeyId", message: "The AWS Access Key Id you provided does not exist in our records."}
	}
	return nil
}

// maxExpires is the longest a presigned URL is valid, in seconds: 7 days.
const maxExpires = 7 * 24 * 60 * 60

// checkPresigned checks a presigned request: its algorithm, credential,
// expiry and signature. The signature is recomputed by the SDK's own
// signer over the request as it arrived, with only the headers it names
// as signed, so any change to the method, key, query or a signed header
// (Content-Type, and Content-Length, which is the body's real length)
// makes it differ.
func (s *Server) checkPresigned(r *http.Request) *s3Error {
	q := r.URL.Query()
	if q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" {
		return &s3Error{status: http.StatusBadRequest, code: "AuthorizationQueryParametersError", message: "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\""}
	}
	scope := strings.Split(q.Get("X-Amz-Credential"), "/")
	if len(scope) != 5 || scope[3] != "s3" || scope[4] != "aws4_request" {
		return &s3Error{status: http.StatusBadRequest, code: "AuthorizationQueryParametersError", message: "Error parsing the X-Amz-Credential parameter"}
	}
	secret, known := s.opts.Credentials[scope[0]]
	if !known {
		return &s3Error{status: http.StatusForbidden, code: "InvalidAccessKeyId", message: "The AWS Access Key Id you provided does not exist in our records."}
	}
	signedAt, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	if err != nil || scope[1] != signedAt.Format("20060102") {
		return &s3Error{status: http.StatusBadRequest, code: "AuthorizationQueryParametersError", message: "X-Amz-Date must be in the ISO8601 Long Format and match the credential's date"}
	}
	expires, err := strconv.Atoi(q.Get("X-Amz-Expires"))
	if err != nil || expires < 1 || expires > maxExpires {
		return &s3Error{status: http.StatusBadRequest, code: "AuthorizationQueryParametersError", message: "X-Amz-Expires must be a number of seconds from 1 to 604800"}
	}
	now := s.opts.Now()
	if now.After(signedAt.Add(time.Duration(expires) * time.Second)) {
		return accessDenied("Request has expired")
	}
	if signedAt.After(now.Add(15 * time.Minute)) {
		return accessDenied("Request is not yet valid")
	}

	want := q.Get("X-Amz-Signature")
	q.Del("X-Amz-Signature")
	u := *r.URL
	u.Scheme, u.Host, u.RawQuery = "http", r.Host, q.Encode()
	again, err := http.NewRequest(r.Method, u.String(), nil)
	if err != nil {
		return accessDenied("Access Denied")
	}
	signedHeaders := strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	for _, name := range signedHeaders {
		switch name {
		case "host":
		case "content-length":
			again.ContentLength = r.ContentLength
		default:
			if v := r.Header.Values(name); len(v) > 0 {
				again.Header[http.CanonicalHeaderKey(name)] = v
			}
		}
	}
	creds := aws.Credentials{AccessKeyID: scope[0], SecretAccessKey: secret, SessionToken: q.Get("X-Amz-Security-Token")}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	signed, _, err := signer.PresignHTTP(context.Background(), creds, again, "UNSIGNED-PAYLOAD", "s3", scope[2], signedAt)
	if err != nil {
		return accessDenied("Access Denied")
	}
	got, err := urlQuery(signed)
	if err != nil || got.Get("X-Amz-SignedHeaders") != q.Get("X-Amz-SignedHeaders") ||
		!hmac.Equal([]byte(got.Get("X-Amz-Signature")), []byte(want)) {
		return &s3Error{status: http.StatusForbidden, code: "SignatureDoesNotMatch", message: "The request signature we calculated does not match the signature you provided."}
	}
	return nil
}

func (s *Server) logf(format string, args ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.opts.Log, "[S3] "+format+"\n", args...)
}

// statusRecorder keeps the status gofakes3 answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// clock adapts a clock function to gofakes3's time source.
type clock func() time.Time

func (c clock) Now() time.Time                  { return c() }
func (c clock) Since(t time.Time) time.Duration { return c().Sub(t) }

// matches reports whether a notification is for an event on key.
func (n Notification) matches(event, key string) bool {
	if !strings.HasPrefix(key, n.Prefix) || !strings.HasSuffix(key, n.Suffix) {
		return false
	}
	kind, _, _ := strings.Cut(event, ":")
	return slices.ContainsFunc(n.Events, func(e string) bool {
		return e == "s3:"+event || e == "s3:"+kind+":*"
	})
}

// Keys lists the keys in a bucket under prefix, in order: what a test
// inspects to prove what is left.
func (s *Server) Keys(bucket, prefix string) ([]string, error) {
	list, err := s.backend.ListBucket(bucket, &gofakes3.Prefix{Prefix: prefix, HasPrefix: true}, gofakes3.ListBucketPage{})
	if err != nil {
		return nil, fmt.Errorf("s3server: list %s: %w", bucket, err)
	}
	keys := make([]string, 0, len(list.Contents))
	for _, c := range list.Contents {
		keys = append(keys, c.Key)
	}
	return keys, nil
}

// Object returns the bytes of an object, read from the store: what a test
// compares with what it uploaded.
func (s *Server) Object(bucket, key string) ([]byte, error) {
	obj, err := s.backend.GetObject(bucket, key, nil)
	if err != nil {
		return nil, fmt.Errorf("s3server: %s/%s: %w", bucket, key, err)
	}
	defer obj.Contents.Close()
	return io.ReadAll(obj.Contents)
}
