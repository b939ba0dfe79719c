package main

import (
	"testing"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/apitest"
)

// FuzzParse checks that any GET /todos/{id} is either valid or a 4xx
// problem, never a panic.
func FuzzParse(f *testing.F) {
	id := ulid.Make().String()
	f.Add(id, `"1"`)
	f.Add(id, `W/"1", "2"`)
	f.Add("x", "*")
	f.Add(id, `"1",`)
	f.Fuzz(func(t *testing.T, id, ifNoneMatch string) {
		ev := apitest.Request{Method: "GET", Path: "/todos/" + id, Route: "GET /todos/{id}", Sub: "alice",
			PathParameters: map[string]string{"id": id}, Headers: map[string]string{"If-None-Match": ifNoneMatch}}.Event()
		owner, got, err := parse(&ev)
		if err != nil {
			apitest.ClientError(t, err)
			return
		}
		if owner != "alice" || len(got) != 26 {
			t.Fatalf("accepted id %q as %q", id, got)
		}
	})
}
