package main

import (
	"testing"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/pkg/validate"
)

// FuzzParse checks that any PATCH /todos/{id} is either a valid merge patch
// or a 4xx problem, never a panic.
func FuzzParse(f *testing.F) {
	id := ulid.Make().String()
	f.Add(`{"title":"x"}`, id, `"1"`, "application/merge-patch+json")
	f.Add(`{"notes":null,"dueAt":null,"tags":null}`, id, "", "application/json")
	f.Add(`{}`, id, "*", "application/merge-patch+json")
	f.Add(`{"title":null}`, "nope", `W/"1"`, "application/merge-patch+json")
	f.Add(`{"done":"true","tags":[1]}`, id, `"0"`, "application/merge-patch+json")
	f.Add(`null`, id, "", "application/merge-patch+json")
	h := &updateHandler{validate: validate.New()}
	f.Fuzz(func(t *testing.T, body, id, ifMatch, contentType string) {
		ev := apitest.Request{Method: "PATCH", Path: "/todos/" + id, Route: "PATCH /todos/{id}", Sub: "alice", Body: body,
			PathParameters: map[string]string{"id": id}, Headers: map[string]string{"If-Match": ifMatch, "Content-Type": contentType}}.Event()
		r, err := h.parse(&ev)
		if err != nil {
			apitest.ClientError(t, err)
			return
		}
		values, fields := r.patch.Values()
		if r.patch.Check() != nil || h.validate.Fields(&values, fields...) != nil || r.version < 0 || len(r.id) != 26 {
			t.Fatalf("accepted %q (If-Match %q) as %+v, which is invalid", body, ifMatch, r)
		}
	})
}
