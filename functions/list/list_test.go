package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/pkg/todo"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// setup returns a handler over n todos of alice's, every other one done,
// each due an hour after the one before it, and their ids newest first.
func setup(t *testing.T, n int) (*listHandler, []string) {
	tbl := dbtest.NewTable(t)
	s := tbl.Store()
	base := time.Now()
	var ids []string
	for i := range n {
		due := time.Date(2027, 1, 1, i, 0, 0, 0, time.UTC).Format(time.RFC3339)
		in := todo.New{Title: fmt.Sprint("todo ", i), Done: i%2 == 1, DueAt: &due}
		id := ulid.MustNew(ulid.Timestamp(base.Add(time.Duration(i)*time.Millisecond)), ulid.DefaultEntropy()).String()
		if err := s.PutTodo(t.Context(), "alice", in.Todo(id, base), 0); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	slices.Reverse(ids)
	return &listHandler{store: s}, ids
}

func list(sub string, query map[string]string) apitest.Request {
	return apitest.Request{Method: "GET", Path: "/todos", Route: "GET /todos", Sub: sub, Query: query}
}

type pageBody struct {
	Items      []todo.Todo `json:"items"`
	NextCursor *string     `json:"nextCursor"`
}

func TestListPagesNewestFirstUntilThereIsNoCursor(t *testing.T) {
	h, want := setup(t, 45)
	var got []string
	query := map[string]string{}
	for page := 0; ; page++ {
		resp := apitest.Invoke(t, h.handle, list("alice", query))
		var body pageBody
		apitest.JSON(t, resp, 200, &body)
		apitest.SecurityHeaders(t, resp)
		for _, td := range body.Items {
			got = append(got, td.ID)
		}
		if body.NextCursor == nil {
			if len(body.Items) != 5 {
				t.Errorf("last page has %d items, want 5", len(body.Items))
			}
			break
		}
		if len(body.Items) != 20 {
			t.Fatalf("page %d has %d items, want the default limit 20", page, len(body.Items))
		}
		query = map[string]string{"cursor": *body.NextCursor}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("ids = %v\nwant  %v", got, want)
	}
}

func TestListHonoursLimitAndDone(t *testing.T) {
	h, ids := setup(t, 9)
	var done []string
	for i, id := range ids {
		// ids are newest first: the newest, todo 8, is not done.
		if (8-i)%2 == 1 {
			done = append(done, id)
		}
	}
	// The oldest todo is due first.
	byDue, doneByDue := slices.Clone(ids), slices.Clone(done)
	slices.Reverse(byDue)
	slices.Reverse(doneByDue)
	tests := []struct {
		query map[string]string
		want  []string
		more  bool
	}{
		{map[string]string{"limit": "3"}, ids[:3], true},
		{map[string]string{"limit": "9"}, ids, false},
		{map[string]string{"limit": "100"}, ids, false},
		{map[string]string{"limit": "3", "done": "true"}, done[:3], true},
		{map[string]string{"limit": "4", "done": "true"}, done, false},
		{map[string]string{"done": "false", "limit": "1"}, ids[:1], true},
		{map[string]string{"sort": "createdAt", "limit": "3"}, ids[:3], true},
		{map[string]string{"sort": "dueAt", "limit": "3"}, byDue[:3], true},
		{map[string]string{"sort": "dueAt", "done": "true"}, doneByDue, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.query), func(t *testing.T) {
			var body pageBody
			apitest.JSON(t, apitest.Invoke(t, h.handle, list("alice", tt.query)), 200, &body)
			var got []string
			for _, td := range body.Items {
				got = append(got, td.ID)
			}
			if !slices.Equal(got, tt.want) || (body.NextCursor != nil) != tt.more {
				t.Fatalf("ids %v cursor %v; want %v, more %v", got, body.NextCursor, tt.want, tt.more)
			}
		})
	}
}

func TestListOfNoTodosIsAnEmptyArray(t *testing.T) {
	h, _ := setup(t, 0)
	resp := apitest.Invoke(t, h.handle, list("alice", nil))
	if resp.StatusCode != 200 || resp.Body != `{"items":[]}` {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
}

func TestListShowsOnlyTheCallersTodos(t *testing.T) {
	h, _ := setup(t, 3)
	var body pageBody
	apitest.JSON(t, apitest.Invoke(t, h.handle, list("bob", nil)), 200, &body)
	if len(body.Items) != 0 {
		t.Fatalf("bob sees %d of alice's todos", len(body.Items))
	}
}

func TestListRefuses(t *testing.T) {
	h, _ := setup(t, 3)
	var first pageBody
	apitest.JSON(t, apitest.Invoke(t, h.handle, list("alice", map[string]string{"limit": "1"})), 200, &first)
	tests := []struct {
		name   string
		req    apitest.Request
		status int
		field  string
	}{
		{"limit 0", list("alice", map[string]string{"limit": "0"}), 400, "limit"},
		{"limit 101", list("alice", map[string]string{"limit": "101"}), 400, "limit"},
		{"negative limit", list("alice", map[string]string{"limit": "-1"}), 400, "limit"},
		{"overflowing limit", list("alice", map[string]string{"limit": strings.Repeat("9", 30)}), 400, "limit"},
		{"limit not a number", list("alice", map[string]string{"limit": "twenty"}), 400, "limit"},
		{"done not a boolean", list("alice", map[string]string{"done": "yes"}), 400, "done"},
		{"an unknown sort", list("alice", map[string]string{"sort": "title"}), 400, "sort"},
		{"a sort in another case", list("alice", map[string]string{"sort": "DUEAT"}), 400, "sort"},
		{"a cursor of another sort", list("alice", map[string]string{"sort": "dueAt", "cursor": *first.NextCursor}), 400, "cursor"},
		{"a cursor that does not decode", list("alice", map[string]string{"cursor": "!!!"}), 400, "cursor"},
		{"another user's cursor", list("bob", map[string]string{"cursor": *first.NextCursor}), 400, "cursor"},
		{"no caller", list("", nil), 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := apitest.Problem(t, apitest.Invoke(t, h.handle, tt.req), tt.status)
			if tt.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tt.field) {
				t.Fatalf("problem %+v, want an error for %s", p, tt.field)
			}
		})
	}
}
