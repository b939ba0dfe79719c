package request_test

import (
	"strings"
	"testing"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/pkg/request"
)

// The fuzz targets check the parsers' one promise: whatever the client
// sends, the result is a valid value or a 4xx problem, never a panic.

func FuzzDecodeJSON(f *testing.F) {
	f.Add(`{"title":"a","done":true,"tags":["x"],"count":3}`, "application/json", false)
	f.Add(`{"title":"a","title":"b"}`, "application/json", false)
	f.Add(`{"tags":[[[[[]]]]]}`, "application/json; charset=utf-8", false)
	f.Add("eyJ0aXRsZSI6ImEifQ==", "application/json", true)
	f.Add(`{"count":1e999}`, "application/json", false)
	f.Add("{\"title\":\"\xff\"}", "text/plain", false)
	f.Add(`{"a":{"b":{"a":1,"b":2}},"b":[{"a":1},{"a":1}]}`, "application/json", false)
	f.Fuzz(func(t *testing.T, raw, contentType string, b64 bool) {
		ev := apitest.Request{Method: "POST", Path: "/x", Body: raw, Base64: b64, Headers: map[string]string{"Content-Type": contentType}}.Event()
		var v body
		if err := request.DecodeJSON(&ev, &v); err != nil {
			apitest.ClientError(t, err)
		}
	})
}

func FuzzIdempotencyKey(f *testing.F) {
	for _, s := range []string{"k", "", " ", strings.Repeat("k", 256), "clé", "a\x7fb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		ev := apitest.Request{Headers: map[string]string{"Idempotency-Key": key}}.Event()
		got, err := request.IdempotencyKey(&ev)
		if err != nil {
			apitest.ClientError(t, err)
			return
		}
		if got != key || len(got) < 1 || len(got) > 255 || strings.ContainsFunc(got, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
			t.Fatalf("accepted %q as %q", key, got)
		}
	})
}

func FuzzIntQuery(f *testing.F) {
	for _, s := range []string{"20", "0", "101", "-1", "1e2", "0x10", "+5", " 5", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, limit string) {
		ev := apitest.Request{Query: map[string]string{"limit": limit}}.Event()
		n, err := request.IntQuery(&ev, "limit", 20, 1, 100)
		if err != nil {
			apitest.ClientError(t, err)
			return
		}
		if n < 1 || n > 100 {
			t.Fatalf("accepted %q as %d", limit, n)
		}
	})
}

func FuzzPathID(f *testing.F) {
	for _, s := range []string{ulid.Make().String(), "01arz3ndektsv4rrffq69g5fav", "8ZZZZZZZZZZZZZZZZZZZZZZZZZ", "", "../x", "01ARZ3NDEKTSV4RRFFQ69G5FA\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		ev := apitest.Request{PathParameters: map[string]string{"id": id}}.Event()
		got, err := request.PathID(&ev, "id")
		if err != nil {
			apitest.ClientError(t, err)
			return
		}
		if back, err := ulid.ParseStrict(got); err != nil || back.String() != got || !strings.EqualFold(got, id) {
			t.Fatalf("accepted %q as %q", id, got)
		}
	})
}
