package main

import (
	"testing"
	"time"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/pkg/validate"
)

// FuzzParse checks that any POST /todos is either a valid todo or a 4xx
// problem, never a panic.
func FuzzParse(f *testing.F) {
	f.Add(`{"title":"Buy milk","notes":"n","done":true,"dueAt":"2027-01-02T10:00:00+01:00","tags":["a","b"]}`, "", "application/json")
	f.Add(`{"title":"   "}`, "key-1", "application/json")
	f.Add(`{"title":"x","tags":["a","a"]}`, "", "application/json")
	f.Add(`{"title":"x","dueAt":"2027-13-45T99:00:00Z"}`, "", "application/json")
	f.Add(`{"title":"a\u0000b"}`, "k k", "application/json")
	f.Add(`{"title":null,"done":null,"tags":null}`, "", "application/json; charset=utf-8")
	f.Add(`[]`, "", "text/plain")
	h := &createHandler{validate: validate.New(), now: time.Now}
	f.Fuzz(func(t *testing.T, body, key, contentType string) {
		ev := apitest.Request{Method: "POST", Path: "/todos", Route: "POST /todos", Sub: "alice", Body: body,
			Headers: map[string]string{"Idempotency-Key": key, "Content-Type": contentType}}.Event()
		if key == "" {
			delete(ev.Headers, "idempotency-key")
		}
		r, err := h.parse(&ev)
		if err != nil {
			apitest.ClientError(t, err)
			return
		}
		if err := h.validate.Struct(&r.new); err != nil || r.owner != "alice" || r.key != key {
			t.Fatalf("accepted %q as %+v, which is invalid: %v", body, r, err)
		}
	})
}
