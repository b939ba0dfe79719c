package s3server

import (
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// retries are the pauses before S3's asynchronous invocation of a function
// is tried again after a failure: Lambda tries an asynchronous event
// twice more, after about one minute and then two. Locally seconds: a
// developer watches.
var retries = []time.Duration{time.Second, 2 * time.Second}

// notify delivers the event of a created object to every function a
// notification of its bucket names for it, each in the background: S3
// answers the request without waiting for the function, and so does this.
func (s *Server) notify(bucket, key, event string, r *http.Request) {
	s.mu.Lock()
	b := s.buckets[bucket]
	s.mu.Unlock()
	var payload []byte
	for _, n := range b.Notifications {
		if !n.matches(event, key) {
			continue
		}
		if payload == nil {
			var err error
			if payload, err = s.event(bucket, key, event, r); err != nil {
				s.logf("no notification of %s %s: %v", event, key, err)
				return
			}
		}
		s.inFlight.Go(func() { s.deliver(n.Function, event, key, payload) })
	}
}

// event is the S3Event S3 sends for one created object.
func (s *Server) event(bucket, key, event string, r *http.Request) ([]byte, error) {
	obj, err := s.backend.HeadObject(bucket, key)
	if err != nil {
		return nil, err
	}
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	rec := events.S3EventRecord{
		EventVersion:      "2.1",
		EventSource:       "aws:s3",
		AWSRegion:         s.opts.Region,
		EventTime:         s.opts.Now().UTC(),
		EventName:         event,
		PrincipalID:       events.S3UserIdentity{PrincipalID: "AWS:LOCAL"},
		RequestParameters: events.S3RequestParameters{SourceIPAddress: ip},
		S3: events.S3Entity{
			SchemaVersion:   "1.0",
			ConfigurationID: "local",
			Bucket:          events.S3Bucket{Name: bucket, OwnerIdentity: events.S3UserIdentity{PrincipalID: "LOCAL"}, Arn: "arn:aws:s3:::" + bucket},
			Object: events.S3Object{
				// S3 sends the key URL-encoded, as a form value, slashes kept.
				Key:       strings.ReplaceAll(url.QueryEscape(key), "%2F", "/"),
				Size:      obj.Size,
				ETag:      hex.EncodeToString(obj.Hash),
				Sequencer: strconv.FormatUint(s.sequence.Add(1), 16),
			},
		},
	}
	return json.Marshal(events.S3Event{Records: []events.S3EventRecord{rec}})
}

// deliver invokes function with payload, and again after each pause in
// retries while it fails, as Lambda's asynchronous invocation does.
func (s *Server) deliver(function, event, key string, payload []byte) {
	for attempt := 0; ; attempt++ {
		start := time.Now()
		_, err := s.opts.Invoke(s.ctx, function, payload)
		took := time.Since(start).Round(time.Millisecond)
		if s.ctx.Err() != nil {
			return
		}
		if err == nil {
			s.logf("%s %s: %s handled it in %s", event, key, function, took)
			return
		}
		if attempt == len(retries) {
			s.logf("%s %s: %s failed %d times, the event is dropped: %v", event, key, function, attempt+1, err)
			return
		}
		s.logf("%s %s: %s failed in %s, trying again in %s: %v", event, key, function, took, retries[attempt], err)
		t := time.NewTimer(retries[attempt])
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func urlQuery(rawURL string) (url.Values, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	return u.Query(), nil
}
