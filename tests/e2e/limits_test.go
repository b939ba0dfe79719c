package e2e

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTheContactFormLimitsEachSender: past ContactLimitPerHour valid
// messages in an hour, a sender gets 429 with Retry-After and a problem,
// and nothing is stored or sent; refused input and spam do not count.
func TestTheContactFormLimitsEachSender(t *testing.T) {
	t.Parallel()
	const limit = 2
	a := startAPI(t, map[string]string{"ContactLimitPerHour": strconv.Itoa(limit)}, nil)
	valid := request{method: "POST", path: "/contact", body: `{"name":"Ada","email":"ada@example.com","message":"Hello there"}`}
	a.do(t, request{method: "POST", path: "/contact", body: `{"name":"","email":"x","message":""}`}).wantProblem(t, http.StatusBadRequest)
	a.do(t, request{method: "POST", path: "/contact", body: `{"name":"Bot","email":"b@spam.example","message":"Pills","website":"x"}`}).want(t, http.StatusAccepted)
	for range limit {
		a.do(t, valid).want(t, http.StatusAccepted)
	}
	refused := 0
	for range 3 {
		// An hour may end between two requests: then the next one is
		// accepted, as the limit says.
		before := time.Now()
		resp := a.do(t, valid)
		if resp.status == http.StatusAccepted && before.Truncate(time.Hour) != time.Now().Truncate(time.Hour) {
			continue
		}
		p := resp.wantProblem(t, http.StatusTooManyRequests)
		refused++
		secs, err := strconv.Atoi(resp.header.Get("Retry-After"))
		left := time.Until(before.Truncate(time.Hour).Add(time.Hour))
		if err != nil || secs < 1 || time.Duration(secs)*time.Second > left+2*time.Second {
			t.Errorf("Retry-After %q, want the %s left in the hour", resp.header.Get("Retry-After"), left.Round(time.Second))
		}
		if !strings.Contains(p.Detail, "Retry") {
			t.Errorf("problem %+v does not say when to retry", p)
		}
	}
	stored := 0
	for _, item := range scan(t, a.cfg.Tables[0].Name) {
		if strings.Contains(item, `"Value":"CONTACT#`) {
			stored++
			if strings.Contains(item, "127.0.0.1") {
				t.Errorf("a stored message keeps the sender's address: %s", item)
			}
		}
	}
	if stored > limit+3-refused || stored < limit {
		t.Errorf("%d messages stored, want the %d accepted", stored, limit+3-refused)
	}
	recordFigures("contact limit", map[string]any{"limit": limit, "refused": refused, "stored": stored})
}

// TestAUserKeepsAtMostMaxTodosPerUser: past the quota, a create gets 403
// with a problem and stores nothing; a delete makes room.
func TestAUserKeepsAtMostMaxTodosPerUser(t *testing.T) {
	t.Parallel()
	a := startAPI(t, map[string]string{"MaxTodosPerUser": "2"}, nil)
	alice := a.token(t, "alice")
	first := a.create(t, alice, `{"title":"one"}`)
	a.create(t, alice, `{"title":"two"}`)
	refused := 0
	for _, header := range []map[string]string{nil, {"Idempotency-Key": "k3"}} {
		p := a.do(t, request{method: "POST", path: "/todos", token: alice, body: `{"title":"three"}`, header: header}).wantProblem(t, http.StatusForbidden)
		refused++
		if !strings.Contains(p.Detail, "quota") {
			t.Errorf("403 %+v does not say the quota is reached", p)
		}
	}
	if got := a.listAll(t, alice, ""); len(got) != 1 || len(got[0]) != 2 {
		t.Errorf("alice has %v, want her 2 todos", got)
	}
	a.do(t, request{method: "DELETE", path: "/todos/" + first.ID, token: alice}).want(t, http.StatusNoContent)
	a.do(t, request{method: "POST", path: "/todos", token: alice, body: `{"title":"three"}`, header: map[string]string{"Idempotency-Key": "k3"}}).want(t, http.StatusCreated)
	recordFigures("todo quota", map[string]any{"limit": 2, "refused": refused})
}
