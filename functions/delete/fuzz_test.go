package main

import (
	"testing"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/apitest"
)

// FuzzParse checks that any DELETE /todos/{id} is either valid or a 4xx
// problem, never a panic.
func FuzzParse(f *testing.F) {
	id := ulid.Make().String()
	f.Add(id, `"1"`)
	f.Add(id, "*")
	f.Add("x", `W/"1"`)
	f.Add(id, `"1", "2"`)
	f.Fuzz(func(t *testing.T, id, ifMatch string) {
		ev := apitest.Request{Method: "DELETE", Path: "/todos/" + id, Route: "DELETE /todos/{id}", Sub: "alice",
			PathParameters: map[string]string{"id": id}, Headers: map[string]string{"If-Match": ifMatch}}.Event()
		owner, got, version, err := parse(&ev)
		if err != nil {
			apitest.ClientError(t, err)
			return
		}
		if owner != "alice" || len(got) != 26 || version < 0 {
			t.Fatalf("accepted %q, If-Match %q as %q, %d", id, ifMatch, got, version)
		}
	})
}
