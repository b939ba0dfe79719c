package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/pkg/contact"
	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/handler"
	"github.com/example/serverless-todo/pkg/keys"
	"github.com/example/serverless-todo/pkg/notify"
	"github.com/example/serverless-todo/pkg/validate"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const (
	token   = "pushover-app-token-SECRET"
	userKey = "pushover-user-key-SECRET"
	body    = `{"name":"Ann Example","email":"ann@example.com","message":"Hello, I would like a demo of the app."}`
)

// fakePushover is Pushover's message API on loopback: it records what it
// receives and answers with the given handler.
type fakePushover struct {
	srv   *httptest.Server
	forms chan map[string][]string
}

func newFakePushover(t *testing.T, answer http.HandlerFunc) *fakePushover {
	f := &fakePushover{forms: make(chan map[string][]string, 10)}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		f.forms <- r.PostForm
		answer(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func ok(w http.ResponseWriter, r *http.Request) {
	w.Write([]byte(`{"status":1,"request":"5042853c-402d-4a18-abcb-168734a801de"}`))
}

// hashKey is the secret's ipHashKey in these tests.
var hashKey = []byte("test-ip-hash-key-0123456789abcdef0123456789")

// setup returns a contact handler over a new table whose notifier is the
// one given (nil: notifications off), allowing 100 messages per sender
// and hour and keeping them 90 days, and a buffer holding its logs.
func setup(t *testing.T, n notify.Notifier) (*contactHandler, *dbtest.Table, *bytes.Buffer) {
	tbl := dbtest.NewTable(t)
	var logs bytes.Buffer
	settings := func(context.Context) (settings, error) { return settings{notifier: n, ipHashKey: hashKey}, nil }
	return &contactHandler{store: tbl.Store(), validate: validate.New(), settings: settings, perHour: 100, retention: 90 * 24 * time.Hour,
		log: handler.NewLogger(&logs), now: time.Now}, tbl, &logs
}

func post(b string) apitest.Request {
	return apitest.Request{Method: "POST", Path: "/contact", Route: "POST /contact", Body: b}
}

// storedMessages returns the contact messages in the table.
func storedMessages(t *testing.T, tbl *dbtest.Table) []contact.Message {
	t.Helper()
	var out []contact.Message
	for _, item := range tbl.Items(t) {
		if pk, _ := item["PK"].(*types.AttributeValueMemberS); pk == nil || !strings.HasPrefix(pk.Value, keys.ContactPrefix) {
			continue
		}
		var m contact.Message
		if err := attributevalue.UnmarshalMap(item, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

var idPattern = regexp.MustCompile(`^\{"id":"[0-9A-HJKMNP-TV-Z]{26}"\}$`)

func TestContactStoresTheMessageAndNotifiesTheOwner(t *testing.T) {
	pushover := newFakePushover(t, ok)
	h, tbl, logs := setup(t, &notify.Pushover{Token: token, UserKey: userKey, URL: pushover.srv.URL})
	resp := apitest.Invoke(t, h.handle, post(body))
	if resp.StatusCode != 202 || !idPattern.MatchString(resp.Body) || resp.Headers["Content-Type"] != "application/json" {
		t.Fatalf("got %d %s %v, want 202 with the message id", resp.StatusCode, resp.Body, resp.Headers)
	}
	apitest.SecurityHeaders(t, resp)

	form := <-pushover.forms
	if form["token"][0] != token || form["user"][0] != userKey || !strings.Contains(form["title"][0], "Ann Example") ||
		!strings.Contains(form["message"][0], "ann@example.com") || !strings.Contains(form["message"][0], "I would like a demo") {
		t.Errorf("Pushover got %v", form)
	}
	msgs := storedMessages(t, tbl)
	if len(msgs) != 1 {
		t.Fatalf("%d messages stored", len(msgs))
	}
	m := msgs[0]
	if resp.Body != `{"id":"`+m.ID+`"}` || m.Name != "Ann Example" || m.Email != "ann@example.com" || !strings.HasPrefix(m.Message, "Hello") ||
		m.SenderHash != senderHash(hashKey, "203.0.113.7") || !m.Notified || m.NotifyError != "" || time.Since(m.CreatedAt) > time.Minute ||
		m.ExpiresAt != m.CreatedAt.Add(90*24*time.Hour).Unix() {
		t.Errorf("stored %+v", m)
	}
	// Neither the address nor the user agent is kept, anywhere.
	for _, item := range tbl.Items(t) {
		if b, _ := json.Marshal(item); strings.Contains(string(b), "203.0.113.7") || strings.Contains(string(b), "apitest/1.0") {
			t.Errorf("an item keeps the sender's IP address or user agent: %s", b)
		}
	}
	if s := logs.String(); strings.Contains(s, "I would like a demo") || strings.Contains(s, "SECRET") {
		t.Errorf("the log holds the message or a Pushover secret:\n%s", s)
	}
}

func TestContactStillSucceedsWhenTheNotificationFails(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	tests := []struct {
		name   string
		url    func(t *testing.T) string
		reason string
	}{
		{"Pushover down", func(t *testing.T) string { return down.URL }, "pushover"},
		{"Pushover failing", func(t *testing.T) string {
			return newFakePushover(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }).srv.URL
		}, "HTTP 500"},
		{"Pushover rejecting", func(t *testing.T) string {
			return newFakePushover(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(400)
				w.Write([]byte(`{"status":0,"errors":["application token is invalid"]}`))
			}).srv.URL
		}, "application token is invalid"},
		{"Pushover slower than its timeout", func(t *testing.T) string {
			return newFakePushover(t, func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-release:
				case <-r.Context().Done():
				}
			}).srv.URL
		}, "deadline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, tbl, logs := setup(t, &notify.Pushover{Token: token, UserKey: userKey, URL: tt.url(t), Timeout: 200 * time.Millisecond})
			resp := apitest.Invoke(t, h.handle, post(body))
			if resp.StatusCode != 202 || !idPattern.MatchString(resp.Body) {
				t.Fatalf("got %d %s, want 202", resp.StatusCode, resp.Body)
			}
			msgs := storedMessages(t, tbl)
			if len(msgs) != 1 || msgs[0].Notified || !strings.Contains(msgs[0].NotifyError, tt.reason) {
				t.Fatalf("stored %+v, want one message not notified because of %q", msgs, tt.reason)
			}
			if strings.Contains(msgs[0].NotifyError, "SECRET") {
				t.Errorf("the stored error holds a secret: %s", msgs[0].NotifyError)
			}
			if s := logs.String(); !strings.Contains(s, "contact notification failed") || strings.Contains(s, "SECRET") || strings.Contains(s, "I would like a demo") {
				t.Errorf("log:\n%s", s)
			}
		})
	}
}

func TestContactWithoutPushoverOnlyStores(t *testing.T) {
	h, tbl, logs := setup(t, nil)
	resp := apitest.Invoke(t, h.handle, post(body))
	if resp.StatusCode != 202 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	msgs := storedMessages(t, tbl)
	if len(msgs) != 1 || msgs[0].Notified || msgs[0].NotifyError != "" {
		t.Fatalf("stored %+v", msgs)
	}
	if !strings.Contains(logs.String(), "notifications are off") {
		t.Errorf("log:\n%s", logs)
	}
}

func TestContactSpamTrapAnswersAsUsualAndDoesNothing(t *testing.T) {
	pushover := newFakePushover(t, ok)
	h, tbl, _ := setup(t, &notify.Pushover{Token: token, UserKey: userKey, URL: pushover.srv.URL})
	for _, b := range []string{
		`{"name":"Bot","email":"bot@spam.example","message":"Cheap pills","website":"http://spam.example"}`,
		`{"name":"","email":"not an email","message":"","website":"x"}`,
	} {
		resp := apitest.Invoke(t, h.handle, post(b))
		if resp.StatusCode != 202 || !idPattern.MatchString(resp.Body) {
			t.Fatalf("got %d %s, want the usual 202", resp.StatusCode, resp.Body)
		}
	}
	if n := len(tbl.Items(t)); n != 0 {
		t.Errorf("spam stored: %d items", n)
	}
	select {
	case f := <-pushover.forms:
		t.Errorf("spam notified: %v", f)
	default:
	}
}

func TestContactRefusesBadInputAndStoresNothing(t *testing.T) {
	tests := []struct {
		name   string
		req    apitest.Request
		status int
		fields []string
	}{
		{"empty object", post(`{}`), 400, []string{"email", "message", "name"}},
		{"bad email", post(`{"name":"A","email":"nope","message":"m"}`), 400, []string{"email"}},
		{"blank message", post(`{"name":"A","email":"a@example.com","message":"  "}`), 400, []string{"message"}},
		{"message too long", post(`{"name":"A","email":"a@example.com","message":"` + strings.Repeat("m", 5001) + `"}`), 400, []string{"message"}},
		{"name too long", post(`{"name":"` + strings.Repeat("n", 101) + `","email":"a@example.com","message":"m"}`), 400, []string{"name"}},
		{"name with control characters", post(`{"name":"A\u0000","email":"a@example.com","message":"m"}`), 400, []string{"name"}},
		{"unknown field", post(`{"name":"A","email":"a@example.com","message":"m","phone":"1"}`), 400, []string{"phone"}},
		{"not JSON", post(`name=A`), 400, nil},
		{"form encoded", apitest.Request{Method: "POST", Path: "/contact", Route: "POST /contact", Body: "name=A",
			Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 415, nil},
		{"too large", post(`{"name":"A","email":"a@example.com","message":"` + strings.Repeat("m", 70000) + `"}`), 413, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pushover := newFakePushover(t, ok)
			h, tbl, _ := setup(t, &notify.Pushover{Token: token, UserKey: userKey, URL: pushover.srv.URL})
			p := apitest.Problem(t, apitest.Invoke(t, h.handle, tt.req), tt.status)
			if got := apitest.Fields(p); !slices.Equal(got, tt.fields) {
				t.Errorf("fields %v, want %v", got, tt.fields)
			}
			if n := len(tbl.Items(t)); n != 0 {
				t.Errorf("%d items stored", n)
			}
			if len(pushover.forms) != 0 {
				t.Errorf("a refused message was notified")
			}
		})
	}
}

func TestTheSecretConfiguresNotificationsAndTheHash(t *testing.T) {
	key := strings.Repeat("k", 64)
	tests := []struct {
		name    string
		value   secretValue
		enabled bool
		wantErr string
	}{
		{"no Pushover", secretValue{IPHashKey: key}, false, ""},
		{"Pushover", secretValue{PushoverToken: "t", PushoverUserKey: "u", IPHashKey: key}, true, ""},
		{"a token without user key", secretValue{PushoverToken: "tSECRET", IPHashKey: key}, false, "set both or neither"},
		{"a user key without token", secretValue{PushoverUserKey: "uSECRET", IPHashKey: key}, false, "set both or neither"},
		{"no hash key", secretValue{PushoverToken: "tSECRET", PushoverUserKey: "uSECRET"}, false, "ipHashKey is missing"},
		{"a short hash key", secretValue{IPHashKey: "kSECRET"}, false, "shorter than 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.value.settings("https://pushover.test")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "SECRET") {
					t.Errorf("err = %v, want one saying %q and quoting no value", err, tt.wantErr)
				}
				return
			}
			if err != nil || (s.notifier != nil) != tt.enabled || string(s.ipHashKey) != key {
				t.Errorf("settings %+v, err %v", s, err)
			}
		})
	}
}

func TestASenderOverTheHourlyLimitGets429AndStoresNothing(t *testing.T) {
	pushover := newFakePushover(t, ok)
	h, tbl, _ := setup(t, &notify.Pushover{Token: token, UserKey: userKey, URL: pushover.srv.URL})
	h.perHour = 2
	clock := time.Date(2026, 12, 2, 14, 59, 20, 0, time.UTC)
	h.now = func() time.Time { return clock }
	from := func(ip, b string) apitest.Request {
		r := post(b)
		r.SourceIP = ip
		return r
	}
	spam := `{"name":"Bot","email":"bot@spam.example","message":"Pills","website":"x"}`
	for i, tt := range []struct {
		req    apitest.Request
		status int
	}{
		{from("198.51.100.1", body), 202},
		{from("198.51.100.1", `{"name":""}`), 400}, // refused input does not count
		{from("198.51.100.1", spam), 202},          // nor does spam
		{from("198.51.100.1", body), 202},
		{from("198.51.100.1", body), 429},
		{from("198.51.100.1", body), 429},
		{from("198.51.100.2", body), 202}, // another sender has a limit of their own
	} {
		resp := apitest.Invoke(t, h.handle, tt.req)
		if resp.StatusCode != tt.status {
			t.Fatalf("message %d: status %d %s, want %d", i, resp.StatusCode, resp.Body, tt.status)
		}
		if tt.status == 429 {
			p := apitest.Problem(t, resp, 429)
			if resp.Headers["Retry-After"] != "40" || !strings.Contains(p.Detail, "Retry-After") {
				t.Errorf("429 with Retry-After %q and %+v, want the 40 seconds left in the hour", resp.Headers["Retry-After"], p)
			}
		}
	}
	if n := len(storedMessages(t, tbl)); n != 3 {
		t.Errorf("%d messages stored, want 3: none of the refused", n)
	}
	if n := len(pushover.forms); n != 3 {
		t.Errorf("%d notifications, want 3", n)
	}
	// The next hour, the sender may send again.
	clock = clock.Add(time.Minute)
	if resp := apitest.Invoke(t, h.handle, from("198.51.100.1", body)); resp.StatusCode != 202 {
		t.Errorf("in the next hour: %d %s, want 202", resp.StatusCode, resp.Body)
	}
}

func TestContactFailsWithoutItsSecretAndStoresNothing(t *testing.T) {
	h, tbl, _ := setup(t, nil)
	h.settings = func(context.Context) (settings, error) {
		return settings{}, fmt.Errorf("secret: reading x: %w", errkind.ErrUnavailable)
	}
	resp := apitest.Invoke(t, h.handle, post(body))
	apitest.Problem(t, resp, 503)
	if n := len(tbl.Items(t)); n != 0 {
		t.Errorf("%d items stored", n)
	}
}
