package main

import (
	"testing"

	"github.com/example/serverless-todo/internal/testkit/apitest"
)

// FuzzParse checks that any GET /todos/changes query is either valid or a
// 4xx problem, never a panic. (The store's tests cover sync tokens.)
func FuzzParse(f *testing.F) {
	f.Add("100", "abc", true, true)
	f.Add("0", "", true, false)
	f.Add("1e2", "e30", true, true)
	f.Fuzz(func(t *testing.T, limit, since string, setLimit, setSince bool) {
		query := map[string]string{}
		if setLimit {
			query["limit"] = limit
		}
		if setSince {
			query["since"] = since
		}
		ev := apitest.Request{Method: "GET", Path: "/todos/changes", Route: "GET /todos/changes", Sub: "alice", Query: query}.Event()
		q, err := parse(&ev)
		if err != nil {
			apitest.ClientError(t, err)
			return
		}
		if q.limit < 1 || q.limit > maxChanges || q.owner != "alice" {
			t.Fatalf("accepted %v as %+v", query, q)
		}
	})
}
