package main

import (
	"testing"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/pkg/todo"
)

// FuzzParse checks that any GET /todos query is either valid or a 4xx
// problem, never a panic. (The store's own fuzz test covers cursors.)
func FuzzParse(f *testing.F) {
	f.Add("20", "true", true, true)
	f.Add("0", "TRUE", true, true)
	f.Add("-1", "", true, false)
	f.Add("1,2", "false,true", true, true)
	f.Fuzz(func(t *testing.T, limit, done string, setLimit, setDone bool) {
		query := map[string]string{}
		if setLimit {
			query["limit"] = limit
		}
		if setDone {
			query["done"] = done
		}
		ev := apitest.Request{Method: "GET", Path: "/todos", Route: "GET /todos", Sub: "alice", Query: query}.Event()
		_, q, err := parse(&ev)
		if err != nil {
			apitest.ClientError(t, err)
			return
		}
		if q.Limit < 1 || q.Limit > todo.MaxPageSize || (setDone && q.Done == nil) {
			t.Fatalf("accepted %v as %+v", query, q)
		}
	})
}
