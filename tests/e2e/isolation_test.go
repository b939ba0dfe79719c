package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/example/serverless-todo/internal/local/stack"
)

// TestUsersNeverReachEachOthersData has bob try every route with alice's
// ids, cursors and idempotency keys. Ids and cursors of alice's are
// refused (404, 400). An idempotency key names a request of its own user
// only: bob's request with alice's key is simply bob's, so it creates bob's
// own todo and replays nothing of alice's. No answer bob gets holds any of
// alice's data, and alice's todos are as she left them.
func TestUsersNeverReachEachOthersData(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil, nil)
	alice, bob := a.token(t, "alice"), a.token(t, "bob")
	const secret = "alice's private plan"
	var aliceTodos []todo
	for range 3 {
		aliceTodos = append(aliceTodos, a.do(t, request{method: "POST", path: "/todos", token: alice,
			header: map[string]string{"Idempotency-Key": "alice-key"}, body: `{"title":"` + secret + `","notes":"only for alice"}`}).
			want(t, http.StatusCreated).decodeTodo(t))
	}
	a.create(t, alice, `{"title":"`+secret+` 2"}`)
	var p page
	a.do(t, request{method: "GET", path: "/todos?limit=1", token: alice}).want(t, http.StatusOK).decode(t, &p)
	if p.NextCursor == nil {
		t.Fatal("alice's first page has no cursor")
	}
	aliceCursor := *p.NextCursor
	id := aliceTodos[0].ID

	tries := []struct {
		name   string
		req    request
		status int
	}{
		{"get alice's todo", request{method: "GET", path: "/todos/" + id, token: bob}, http.StatusNotFound},
		{"get alice's todo if changed", request{method: "GET", path: "/todos/" + id, token: bob, header: map[string]string{"If-None-Match": `"9"`}}, http.StatusNotFound},
		{"patch alice's todo", request{method: "PATCH", path: "/todos/" + id, token: bob, header: map[string]string{"Content-Type": "application/merge-patch+json"}, body: `{"title":"bob was here"}`}, http.StatusNotFound},
		{"patch alice's todo at its version", request{method: "PATCH", path: "/todos/" + id, token: bob, header: map[string]string{"Content-Type": "application/merge-patch+json", "If-Match": `"1"`}, body: `{"done":true}`}, http.StatusNotFound},
		{"delete alice's todo", request{method: "DELETE", path: "/todos/" + id, token: bob}, http.StatusNotFound},
		{"delete alice's todo at its version", request{method: "DELETE", path: "/todos/" + id, token: bob, header: map[string]string{"If-Match": `"1"`}}, http.StatusNotFound},
		{"list with alice's cursor", request{method: "GET", path: "/todos?cursor=" + aliceCursor, token: bob}, http.StatusBadRequest},
		{"list with alice's cursor and a filter", request{method: "GET", path: "/todos?done=false&limit=100&cursor=" + aliceCursor, token: bob}, http.StatusBadRequest},
		{"list by due date with alice's cursor", request{method: "GET", path: "/todos?sort=dueAt&limit=100&cursor=" + aliceCursor, token: bob}, http.StatusBadRequest},
	}
	for _, tt := range tries {
		resp := a.do(t, tt.req)
		if resp.status != tt.status {
			t.Errorf("bob tries to %s: %d %s, want %d", tt.name, resp.status, resp.body, tt.status)
		}
		if strings.Contains(string(resp.body), secret) || strings.Contains(string(resp.body), id) {
			t.Errorf("bob tries to %s and sees alice's data: %s", tt.name, resp.body)
		}
	}

	// Alice's key, used by bob, is bob's own: a new todo of his, no replay.
	resp := a.do(t, request{method: "POST", path: "/todos", token: bob,
		header: map[string]string{"Idempotency-Key": "alice-key"}, body: `{"title":"` + secret + `","notes":"only for alice"}`}).want(t, http.StatusCreated)
	bobs := resp.decodeTodo(t)
	if resp.header.Get("Idempotent-Replayed") != "" || bobs.ID == id {
		t.Errorf("bob, with alice's key, got %s (replayed %q): alice's todo", bobs.ID, resp.header.Get("Idempotent-Replayed"))
	}
	// Bob's own listing holds his todo and nothing of alice's.
	for _, p := range a.listAll(t, bob, "limit=100") {
		for _, td := range p {
			if td.ID != bobs.ID {
				t.Errorf("bob's listing holds %s", td.ID)
			}
		}
	}
	// Alice's todos are untouched.
	var got todo
	a.do(t, request{method: "GET", path: "/todos/" + id, token: alice}).want(t, http.StatusOK).decode(t, &got)
	if got.Version != 1 || got.Title != secret {
		t.Errorf("alice's todo is now %+v", got)
	}
	recordFigures("isolation", map[string]any{"tries": len(tries) + 2, "leaks": 0})
}

func (r response) decodeTodo(t *testing.T) todo {
	t.Helper()
	var td todo
	r.decode(t, &td)
	return td
}

// TestLogsHoldNoTokensMessagesOrKeys runs every route with Pushover
// configured and reads the whole log, the gateway's and the functions':
// no token, no contact message and no Pushover key may be in it. Every
// answer of a function carries nosniff and no-store.
func TestLogsHoldNoTokensMessagesOrKeys(t *testing.T) {
	t.Parallel()
	fake := newPushover(t)
	const (
		appToken = "pushoverAppToken4a8f"
		userKey  = "pushoverUserKey9c2e"
		message  = "My phone number is 555-0100, call me about the invoice"
	)
	a := startAPI(t, map[string]string{"PushoverToken": appToken, "PushoverUserKey": userKey}, func(cfg *stack.Config) {
		cfg.Function("ContactFunction").Env["PUSHOVER_API_URL"] = fake.srv.URL + "/1/messages.json"
	})
	alice := a.token(t, "alice")
	var answers []response
	td := a.create(t, alice, `{"title":"call back","notes":"private notes"}`)
	for _, req := range []request{
		{method: "GET", path: "/todos", token: alice},
		{method: "GET", path: "/todos/" + td.ID, token: alice},
		{method: "PATCH", path: "/todos/" + td.ID, token: alice, header: map[string]string{"Content-Type": "application/merge-patch+json"}, body: `{"done":true}`},
		{method: "PATCH", path: "/todos/" + td.ID, token: alice, header: map[string]string{"Content-Type": "application/merge-patch+json"}, body: `{"title":""}`},
		{method: "DELETE", path: "/todos/" + td.ID, token: alice},
		{method: "POST", path: "/contact", body: `{"name":"Ann","email":"ann@example.com","message":"` + message + `"}`},
		{method: "POST", path: "/contact", body: `{"name":"","email":"ann@example.com","message":"` + message + `"}`},
	} {
		answers = append(answers, a.do(t, req))
	}
	<-fake.received
	for _, r := range answers {
		if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%d %s: a function's answer without nosniff and no-store", r.status, r.body)
		}
	}
	log := a.log.String()
	parts := strings.Split(alice, ".")
	for name, secret := range map[string]string{
		"the token": alice, "the token's signature": parts[2], "the token's claims": parts[1],
		"the contact message": message, "part of the contact message": "555-0100",
		"the Pushover token": appToken, "the Pushover user key": userKey, "the notes": "private notes",
	} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds %s", name)
		}
	}
	if !strings.Contains(log, `"route":"POST /contact"`) {
		t.Fatalf("the log lacks the functions' lines: %s", log)
	}
}
