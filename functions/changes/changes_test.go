package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func changes(sub string, query map[string]string) apitest.Request {
	return apitest.Request{Method: "GET", Path: "/todos/changes", Route: "GET /todos/changes", Sub: sub, Query: query}
}

type body struct {
	Items      []todo.Todo `json:"items"`
	DeletedIDs []string    `json:"deletedIds"`
	SyncToken  string      `json:"syncToken"`
	HasMore    bool        `json:"hasMore"`
}

func put(t *testing.T, s *store.Store, owner, title string) todo.Todo {
	t.Helper()
	in := todo.New{Title: title}
	td := in.Todo(ulid.Make().String(), time.Now())
	if err := s.PutTodo(t.Context(), owner, td, 0); err != nil {
		t.Fatal(err)
	}
	return td
}

func TestChangesSinceATokenAreTheNewTodosAndTheDeletions(t *testing.T) {
	s := dbtest.NewTable(t).Store()
	h := &changesHandler{store: s}
	a := put(t, s, "alice", "a")
	var first body
	resp := apitest.Invoke(t, h.handle, changes("alice", nil))
	apitest.JSON(t, resp, http.StatusOK, &first)
	apitest.SecurityHeaders(t, resp)
	if len(first.Items) != 1 || first.Items[0].ID != a.ID || len(first.DeletedIDs) != 0 || first.HasMore || first.SyncToken == "" {
		t.Fatalf("the first sync = %+v; want a, nothing deleted, a token", first)
	}
	b := put(t, s, "alice", "b")
	if _, err := s.DeleteTodo(t.Context(), "alice", a.ID, 0); err != nil {
		t.Fatal(err)
	}
	var next body
	apitest.JSON(t, apitest.Invoke(t, h.handle, changes("alice", map[string]string{"since": first.SyncToken})), http.StatusOK, &next)
	if len(next.Items) != 1 || next.Items[0].ID != b.ID || !slices.Equal(next.DeletedIDs, []string{a.ID}) || next.HasMore {
		t.Fatalf("changes since = %+v; want b, and a deleted", next)
	}
	// At most limit entries in all, todos and deletions counted together.
	var page body
	apitest.JSON(t, apitest.Invoke(t, h.handle, changes("alice", map[string]string{"since": first.SyncToken, "limit": "1"})), http.StatusOK, &page)
	if len(page.Items)+len(page.DeletedIDs) != 1 || !page.HasMore {
		t.Fatalf("changes with limit 1 = %+v; want one, and more", page)
	}
	// An empty answer still has both lists.
	resp = apitest.Invoke(t, h.handle, changes("alice", map[string]string{"since": next.SyncToken}))
	apitest.JSON(t, resp, http.StatusOK, &page)
	if !strings.Contains(resp.Body, `"items":[]`) || !strings.Contains(resp.Body, `"deletedIds":[]`) {
		t.Errorf("an empty answer = %s; want empty lists, not null", resp.Body)
	}
}

func TestChangesRefuseWhatIsNotAQuery(t *testing.T) {
	s := dbtest.NewTable(t).Store()
	h := &changesHandler{store: s}
	put(t, s, "bob", "b")
	var bobs body
	apitest.JSON(t, apitest.Invoke(t, h.handle, changes("bob", nil)), http.StatusOK, &bobs)
	expired := &changesHandler{store: s.WithClock(func() time.Time { return time.Now().Add(store.DefaultTombstoneTTL) })}
	tests := []struct {
		name   string
		h      *changesHandler
		req    apitest.Request
		status int
		field  string
	}{
		{"limit 0", h, changes("alice", map[string]string{"limit": "0"}), 400, "limit"},
		{"limit 101", h, changes("alice", map[string]string{"limit": "101"}), 400, "limit"},
		{"a token that does not decode", h, changes("alice", map[string]string{"since": "!!!"}), 400, "since"},
		{"another user's token", h, changes("alice", map[string]string{"since": bobs.SyncToken}), 400, "since"},
		{"a token older than the tombstones", expired, changes("bob", map[string]string{"since": bobs.SyncToken}), 410, ""},
		{"no caller", h, changes("", nil), 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := apitest.Problem(t, apitest.Invoke(t, tt.h.handle, tt.req), tt.status)
			if tt.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tt.field) {
				t.Errorf("errors = %+v, want one for %s", p.Errors, tt.field)
			}
		})
	}
}
