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
