package e2e

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/example/serverless-todo/internal/local/devauth"
	"github.com/example/serverless-todo/pkg/attachment"
)

// todo is the API's representation of a todo.
type todo struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Notes     string   `json:"notes"`
	Done      bool     `json:"done"`
	DueAt     string   `json:"dueAt"`
	Tags      []string `json:"tags"`
	CreatedAt string   `json:"createdAt"`
	UpdatedAt string   `json:"updatedAt"`
	Version   int      `json:"version"`
	// Attachments are the metadata of its photos.
	Attachments []attachment.Attachment `json:"attachments"`
}

type page struct {
	Items      []todo  `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

// etag is the ETag of a version.
func etag(version int) string { return `"` + strconv.Itoa(version) + `"` }

// create creates a todo for the token's user and returns it.
func (a *api) create(t *testing.T, token, body string) todo {
	t.Helper()
	resp := a.do(t, request{method: "POST", path: "/todos", token: token, body: body}).want(t, http.StatusCreated)
	var td todo
	resp.decode(t, &td)
	if loc := resp.header.Get("Location"); loc != "/todos/"+td.ID {
		t.Errorf("Location = %q, want /todos/%s", loc, td.ID)
	}
	if tag := resp.header.Get("ETag"); tag != etag(td.Version) {
		t.Errorf("ETag = %q, want %q", tag, etag(td.Version))
	}
	return td
}

// list returns the token's user's todos, all pages, for the query.
func (a *api) listAll(t *testing.T, token, query string) (pages [][]todo) {
	t.Helper()
	cursor := ""
	for range 100 {
		path := "/todos?" + query
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		var p page
		a.do(t, request{method: "GET", path: path, token: token}).want(t, http.StatusOK).decode(t, &p)
		pages = append(pages, p.Items)
		if p.NextCursor == nil {
			return pages
		}
		cursor = *p.NextCursor
	}
	t.Fatal("the pages never end")
	return nil
}

func ids(todos []todo) []string {
	out := make([]string, len(todos))
	for i, td := range todos {
		out[i] = td.ID
	}
	return out
}

func TestTodoLifecycleKeepsEachUsersTodosTheirOwn(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil, nil)
	alice, bob := a.token(t, "alice"), a.token(t, "bob")

	created := a.create(t, alice, `{"title":"  File the tax return ","notes":"Receipts are in the blue folder.","dueAt":"2026-12-31T17:00:00+01:00","tags":["admin","home"]}`)
	want := todo{ID: created.ID, Title: "File the tax return", Notes: "Receipts are in the blue folder.", DueAt: "2026-12-31T16:00:00Z",
		Tags: []string{"admin", "home"}, CreatedAt: created.CreatedAt, UpdatedAt: created.CreatedAt, Version: 1}
	if !jsonEqual(created, want) {
		t.Fatalf("created %+v, want %+v", created, want)
	}
	bobs := a.create(t, bob, `{"title":"Walk the dog"}`)

	t.Run("each user lists only their own todos", func(t *testing.T) {
		for _, tc := range []struct {
			user, token string
			want        []string
		}{{"alice", alice, []string{created.ID}}, {"bob", bob, []string{bobs.ID}}} {
			var p page
			a.do(t, request{method: "GET", path: "/todos", token: tc.token}).want(t, http.StatusOK).decode(t, &p)
			if got := ids(p.Items); !slices.Equal(got, tc.want) || p.NextCursor != nil {
				t.Errorf("%s lists %v (next %v), want %v and no next page", tc.user, got, p.NextCursor, tc.want)
			}
		}
	})

	t.Run("another user's todo is not found", func(t *testing.T) {
		for _, req := range []request{
			{method: "GET", path: "/todos/" + created.ID},
			{method: "PATCH", path: "/todos/" + created.ID, body: `{"done":true}`},
			{method: "DELETE", path: "/todos/" + created.ID},
		} {
			req.token = bob
			a.do(t, req).wantProblem(t, http.StatusNotFound)
		}
		var got todo
		a.do(t, request{method: "GET", path: "/todos/" + created.ID, token: alice}).want(t, http.StatusOK).decode(t, &got)
		if !jsonEqual(got, created) {
			t.Errorf("after bob's attempts alice's todo is %+v, want %+v", got, created)
		}
	})

	t.Run("If-None-Match with the current ETag gives 304", func(t *testing.T) {
		resp := a.do(t, request{method: "GET", path: "/todos/" + created.ID, token: alice, header: map[string]string{"If-None-Match": etag(1)}}).want(t, http.StatusNotModified)
		if resp.header.Get("ETag") != etag(1) {
			t.Errorf("ETag of the 304 = %q, want %q", resp.header.Get("ETag"), etag(1))
		}
	})

	var updated todo
	t.Run("a merge patch with the current If-Match changes the todo", func(t *testing.T) {
		resp := a.do(t, request{method: "PATCH", path: "/todos/" + created.ID, token: alice,
			header: map[string]string{"If-Match": etag(1), "Content-Type": "application/merge-patch+json"},
			body:   `{"done":true,"notes":null}`}).want(t, http.StatusOK)
		resp.decode(t, &updated)
		want := created
		want.Done, want.Notes, want.Version, want.UpdatedAt = true, "", 2, updated.UpdatedAt
		if !jsonEqual(updated, want) || updated.UpdatedAt < created.UpdatedAt {
			t.Errorf("patched %+v, want %+v, updated no earlier than %s", updated, want, created.UpdatedAt)
		}
		if resp.header.Get("ETag") != etag(2) {
			t.Errorf("ETag = %q, want %q", resp.header.Get("ETag"), etag(2))
		}
	})

	t.Run("a stale If-Match is refused", func(t *testing.T) {
		a.do(t, request{method: "PATCH", path: "/todos/" + created.ID, token: alice, header: map[string]string{"If-Match": etag(1)}, body: `{"title":"Lost update"}`}).
			wantProblem(t, http.StatusPreconditionFailed)
		a.do(t, request{method: "DELETE", path: "/todos/" + created.ID, token: alice, header: map[string]string{"If-Match": etag(1)}}).
			wantProblem(t, http.StatusPreconditionFailed)
		var got todo
		resp := a.do(t, request{method: "GET", path: "/todos/" + created.ID, token: alice, header: map[string]string{"If-None-Match": etag(1)}}).want(t, http.StatusOK)
		resp.decode(t, &got)
		if !jsonEqual(got, updated) || resp.header.Get("ETag") != etag(2) {
			t.Errorf("after the refused changes: %+v with ETag %s, want %+v with %s", got, resp.header.Get("ETag"), updated, etag(2))
		}
	})

	t.Run("delete with the current If-Match removes it", func(t *testing.T) {
		resp := a.do(t, request{method: "DELETE", path: "/todos/" + created.ID, token: alice, header: map[string]string{"If-Match": etag(2)}}).want(t, http.StatusNoContent)
		if len(resp.body) != 0 {
			t.Errorf("204 with body %s", resp.body)
		}
		a.do(t, request{method: "GET", path: "/todos/" + created.ID, token: alice}).wantProblem(t, http.StatusNotFound)
		a.do(t, request{method: "DELETE", path: "/todos/" + created.ID, token: alice}).wantProblem(t, http.StatusNotFound)
		if pages := a.listAll(t, alice, ""); len(pages) != 1 || len(pages[0]) != 0 {
			t.Errorf("alice lists %v after the delete, want one empty page", pages)
		}
		if pages := a.listAll(t, bob, ""); len(pages) != 1 || !slices.Equal(ids(pages[0]), []string{bobs.ID}) {
			t.Errorf("bob lists %v, want his todo untouched", pages)
		}
	})
}

func TestListPagesNewestFirstUntilTheLastPage(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil, nil)
	alice := a.token(t, "alice")
	var created []string // oldest first
	for i := range 5 {
		created = append(created, a.create(t, alice, fmt.Sprintf(`{"title":"todo %d"}`, i)).ID)
	}
	for _, i := range []int{1, 3} {
		a.do(t, request{method: "PATCH", path: "/todos/" + created[i], token: alice, body: `{"done":true}`}).want(t, http.StatusOK)
	}
	newestFirst := func(idx ...int) []string {
		var out []string
		for _, i := range slices.Backward(idx) {
			out = append(out, created[i])
		}
		return out
	}

	tests := []struct {
		name, query string
		pages       [][]string
	}{
		{"two by two", "limit=2", [][]string{newestFirst(3, 4), newestFirst(1, 2), newestFirst(0)}},
		{"the default limit", "", [][]string{newestFirst(0, 1, 2, 3, 4)}},
		{"only done", "done=true&limit=1", [][]string{newestFirst(3), newestFirst(1)}},
		{"only not done", "done=false&limit=2", [][]string{newestFirst(2, 4), newestFirst(0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages := a.listAll(t, alice, tt.query)
			got := make([][]string, len(pages))
			for i, p := range pages {
				got[i] = ids(p)
			}
			if !slices.EqualFunc(got, tt.pages, slices.Equal) {
				t.Errorf("pages %v, want %v", got, tt.pages)
			}
		})
	}

	t.Run("invalid parameters", func(t *testing.T) {
		for _, tc := range []struct{ query, field string }{
			{"limit=0", "limit"},
			{"limit=101", "limit"},
			{"done=maybe", "done"},
			{"cursor=not-a-cursor", "cursor"},
		} {
			p := a.do(t, request{method: "GET", path: "/todos?" + tc.query, token: alice}).wantProblem(t, http.StatusBadRequest)
			if len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
				t.Errorf("?%s: errors %+v, want one for %s", tc.query, p.Errors, tc.field)
			}
		}
	})
}

func TestIdempotencyKeyReplaysTheFirstResponse(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil, nil)
	alice := a.token(t, "alice")
	post := func(key, body string) response {
		return a.do(t, request{method: "POST", path: "/todos", token: alice, header: map[string]string{"Idempotency-Key": key}, body: body})
	}
	const body = `{"title":"Pay the rent","tags":["home"]}`

	first := post("retry-1", body).want(t, http.StatusCreated)
	if v := first.header.Get("Idempotent-Replayed"); v != "" {
		t.Errorf("the first request has Idempotent-Replayed %q", v)
	}
	replay := post("retry-1", body).want(t, http.StatusCreated)
	if replay.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("Idempotent-Replayed = %q, want true", replay.header.Get("Idempotent-Replayed"))
	}
	for _, h := range []string{"Location", "ETag"} {
		if replay.header.Get(h) != first.header.Get(h) {
			t.Errorf("replayed %s = %q, want the first's %q", h, replay.header.Get(h), first.header.Get(h))
		}
	}
	var firstTodo, replayed todo
	first.decode(t, &firstTodo)
	replay.decode(t, &replayed)
	if !jsonEqual(replayed, firstTodo) {
		t.Errorf("replayed %+v, want the first %+v", replayed, firstTodo)
	}

	post("retry-1", `{"title":"Pay the rent twice"}`).wantProblem(t, http.StatusUnprocessableEntity)
	other := post("retry-2", body).want(t, http.StatusCreated)
	var second todo
	other.decode(t, &second)

	pages := a.listAll(t, alice, "")
	if got, want := ids(pages[0]), []string{second.ID, firstTodo.ID}; len(pages) != 1 || !slices.Equal(got, want) {
		t.Errorf("alice has %v, want %v: one todo per key", got, want)
	}
}

func TestGatewayRefusesRequestsWithoutAValidAccessToken(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil, nil)
	other, err := devauthIssuer(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	sameKeyOtherAudience, err := devauthIssuer(a.state, "another-app")
	if err != nil {
		t.Fatal(err)
	}
	expired, err := mint(a.Issuer, "alice", time.Now().Add(-2*time.Hour), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := mint(other, "alice", time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	wrongAudience, err := mint(sameKeyOtherAudience, "alice", time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		header map[string]string
	}{
		{"no token", nil},
		{"not a JWT", map[string]string{"Authorization": "Bearer not-a-jwt"}},
		{"signed by another key", map[string]string{"Authorization": "Bearer " + foreign}},
		{"expired", map[string]string{"Authorization": "Bearer " + expired}},
		{"for another audience", map[string]string{"Authorization": "Bearer " + wrongAudience}},
	}
	// Valid tokens without the routes' scope: only access tokens carry it.
	forbidden := map[string]devauth.Token{
		"an ID token":                       {Subject: "alice", ID: true},
		"an access token without scope":     {Subject: "alice", Scopes: []string{}},
		"an access token for another scope": {Subject: "alice", Scopes: []string{"openid", "profile"}},
	}
	for name, tok := range forbidden {
		raw, err := a.Issuer.Mint(tok)
		if err != nil {
			t.Fatal(err)
		}
		tests = append(tests, struct {
			name   string
			header map[string]string
		}{name, map[string]string{"Authorization": "Bearer " + raw}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status := http.StatusUnauthorized
			if _, ok := forbidden[tt.name]; ok {
				status = http.StatusForbidden
			}
			for _, req := range []request{
				{method: "GET", path: "/todos"},
				{method: "POST", path: "/todos", body: `{"title":"x"}`},
				{method: "GET", path: "/todos/01JD8X3N7Q5V2K8M4R6T9W1Y3Z"},
				{method: "PATCH", path: "/todos/01JD8X3N7Q5V2K8M4R6T9W1Y3Z", body: `{"done":true}`, header: map[string]string{"Content-Type": "application/merge-patch+json"}},
				{method: "DELETE", path: "/todos/01JD8X3N7Q5V2K8M4R6T9W1Y3Z"},
			} {
				for k, v := range tt.header {
					if req.header == nil {
						req.header = map[string]string{}
					}
					req.header[k] = v
				}
				resp := a.do(t, req)
				resp.wantGatewayError(t, status)
				challenge := resp.header.Get("WWW-Authenticate")
				if !regexp.MustCompile(`^Bearer\b`).MatchString(challenge) ||
					(status == http.StatusForbidden && !strings.Contains(challenge, `error="insufficient_scope"`)) {
					t.Errorf("%s %s: WWW-Authenticate = %q, want a Bearer challenge (insufficient_scope for a 403)", req.method, req.path, challenge)
				}
			}
		})
	}
	// No function ran: the gateway refused every request itself.
	for _, f := range a.cfg.Functions {
		if pids := a.PIDs(f.Name); len(pids) != 0 {
			t.Errorf("%s started (%v) for a refused request", f.Name, pids)
		}
	}
}

func TestGatewayAnswersNotFoundForWhatNoRouteTakes(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil, nil)
	alice := a.token(t, "alice")
	for _, req := range []request{
		{method: "GET", path: "/"},
		{method: "GET", path: "/todo"},
		{method: "PUT", path: "/todos", body: `{"title":"x"}`},
		{method: "POST", path: "/todos/01JD8X3N7Q5V2K8M4R6T9W1Y3Z", body: `{}`},
		{method: "GET", path: "/todos/01JD8X3N7Q5V2K8M4R6T9W1Y3Z/tags"},
	} {
		t.Run(req.method+" "+req.path, func(t *testing.T) {
			req.token = alice
			a.do(t, req).wantGatewayError(t, http.StatusNotFound)
		})
	}
}
