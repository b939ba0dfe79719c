// Package presign signs the S3 requests an app sends itself, the upload of
// an attachment's bytes and their download, with SigV4 query
// authentication and the function's own credentials: the bytes never pass
// through the gateway or Lambda. It uses the SDK's signer alone, not the
// S3 client, which would cost each presigning function about 0.3 MB of
// its zip (3.40 MB for deleteattachment, which links it, against 3.08 MB
// for getattachment, which does not; BENCHMARKS.md) for requests it never
// sends.
package presign

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/awsconfig"
	"github.com/example/serverless-todo/pkg/env"
)

// MaxExpiry is the longest a SigV4 presigned URL may live (S3 refuses
// more); a function's role credentials usually end sooner, which ends the
// URL too.
const MaxExpiry = 7 * 24 * time.Hour

// unsignedPayload is the payload hash of a presigned request: the app's
// bytes are not known when the URL is signed. S3 checks the signed
// headers instead: the size and the type.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// Request is a presigned request for the app to send: its method and URL,
// and the headers it must send with exactly these values, since they are
// signed.
type Request struct {
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers,omitempty"`
	ExpiresAt string            `json:"expiresAt"`
}

// Signer presigns requests to one bucket. Build it once per process with
// Open.
type Signer struct {
	creds  aws.CredentialsProvider
	region string
	bucket string
	// endpoint is the S3 endpoint the environment names, addressed path
	// style (the bucket in the path), as local S3 servers want; nil in
	// AWS, where the bucket is the host (virtual-hosted style).
	endpoint *url.URL
	signer   *v4.Signer
	now      func() time.Time
}

// EnvURLSeconds names how many seconds the URLs a function presigns live:
// template.yaml's AttachmentUrlSeconds.
const EnvURLSeconds = "ATTACHMENT_URL_SECONDS"

// URLTTL reads how long the function's URLs live, from EnvURLSeconds.
func URLTTL(getenv func(string) string) (time.Duration, error) {
	seconds, err := env.PositiveInt(getenv, EnvURLSeconds)
	if err != nil {
		return 0, err
	}
	return time.Duration(seconds) * time.Second, nil
}

// Open returns the signer of the bucket attachment.EnvBucket names, with the
// function's credentials and Region (awsconfig), and the endpoint
// AWS_ENDPOINT_URL_S3 names locally.
func Open(getenv func(string) string) (*Signer, error) {
	bucket := getenv(attachment.EnvBucket)
	if bucket == "" {
		return nil, errors.New("presign: " + attachment.EnvBucket + " is not set")
	}
	cfg, err := awsconfig.Load(getenv)
	if err != nil {
		return nil, err
	}
	s := &Signer{creds: cfg.Credentials, region: cfg.Region, bucket: bucket, now: time.Now,
		// S3 signs the path as it is sent, not escaped a second time.
		signer: v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })}
	if e := awsconfig.Endpoint(getenv, "S3"); e != "" {
		if s.endpoint, err = url.Parse(e); err != nil || s.endpoint.Host == "" {
			return nil, fmt.Errorf("presign: %s is not a URL: %q", awsconfig.EndpointVariable("S3"), e)
		}
	}
	return s, nil
}

// WithClock returns a copy of s that reads the time from now, for tests
// of expired URLs.
func (s *Signer) WithClock(now func() time.Time) *Signer {
	c := *s
	c.now = now
	return &c
}

// Put presigns the upload of key: a PUT, valid for ttl, of exactly size
// bytes of contentType. Content-Length and Content-Type are signed
// headers, so S3 refuses a body of another size or type with
// SignatureDoesNotMatch: it enforces the declared size exactly, which a
// POST policy's content-length-range only bounds. S3 authorizes the
// upload as the signer's own PutObject.
//
// IAM: s3:PutObject
func (s *Signer) Put(ctx context.Context, key, contentType string, size int64, ttl time.Duration) (Request, error) {
	return s.presign(ctx, http.MethodPut, key, ttl, func(r *http.Request) {
		r.ContentLength = size
		r.Header.Set("Content-Type", contentType)
	})
}

// Get presigns the download of key, valid for ttl. S3 authorizes the
// download as the signer's own GetObject.
//
// IAM: s3:GetObject
func (s *Signer) Get(ctx context.Context, key string, ttl time.Duration) (Request, error) {
	return s.presign(ctx, http.MethodGet, key, ttl, func(*http.Request) {})
}

func (s *Signer) presign(ctx context.Context, method, key string, ttl time.Duration, headers func(*http.Request)) (Request, error) {
	if ttl < time.Second || ttl > MaxExpiry {
		return Request{}, fmt.Errorf("presign: a URL lives 1 s to %v, not %v", MaxExpiry, ttl)
	}
	creds, err := s.creds.Retrieve(ctx)
	if err != nil {
		return Request{}, fmt.Errorf("presign: credentials: %w", err)
	}
	u := s.objectURL(key)
	u.RawQuery = url.Values{"X-Amz-Expires": {strconv.FormatInt(int64(ttl/time.Second), 10)}}.Encode()
	r, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return Request{}, fmt.Errorf("presign: %w", err)
	}
	headers(r)
	now := s.now()
	signed, header, err := s.signer.PresignHTTP(ctx, creds, r, unsignedPayload, "s3", s.region, now)
	if err != nil {
		return Request{}, fmt.Errorf("presign: %w", err)
	}
	out := Request{Method: method, URL: signed, ExpiresAt: now.Add(ttl).UTC().Format(time.RFC3339)}
	for name, values := range header {
		// Host is the URL's own; the app's HTTP client sends it.
		if name == "Host" || len(values) == 0 {
			continue
		}
		if out.Headers == nil {
			out.Headers = map[string]string{}
		}
		out.Headers[name] = values[0]
	}
	return out, nil
}

// objectURL is where key is: https://<bucket>.s3.<region>.amazonaws.com/<key>
// in AWS, <endpoint>/<bucket>/<key> locally. Keys are the server's own
// (package attachment), of letters, digits and slashes: nothing to escape.
func (s *Signer) objectURL(key string) *url.URL {
	if s.endpoint == nil {
		return &url.URL{Scheme: "https", Host: s.bucket + ".s3." + s.region + ".amazonaws.com", Path: "/" + key}
	}
	u := *s.endpoint
	u.Path = strings.TrimSuffix(u.Path, "/") + "/" + s.bucket + "/" + key
	return &u
}
