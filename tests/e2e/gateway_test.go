package e2e

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/example/serverless-todo/internal/local/devauth"
	"github.com/example/serverless-todo/internal/local/gateway"
	"github.com/example/serverless-todo/internal/local/stack"
)

func devauthIssuer(dir, audience string) (*devauth.Issuer, error) {
	return devauth.Open(dir, devauth.Options{Audience: audience})
}

func mint(iss *devauth.Issuer, sub string, issued time.Time, ttl time.Duration) (string, error) {
	return iss.Mint(devauth.Token{Subject: sub, IssuedAt: issued, TTL: ttl})
}

var ulid = regexp.MustCompile(`^[0-7][0-9A-HJKMNP-TV-Z]{25}$`)

// pushover is a fake of Pushover's message API on loopback: it hands each
// notification to the test.
type pushover struct {
	srv      *httptest.Server
	received chan url.Values
}

func newPushover(t *testing.T) *pushover {
	p := &pushover{received: make(chan url.Values, 4)}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost || r.URL.Path != "/1/messages.json" {
			http.Error(w, `{"status":0,"errors":["bad request"]}`, http.StatusBadRequest)
			return
		}
		p.received <- r.PostForm
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":1,"request":"e2e"}`)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func TestContactFormIsAcceptedAndNotified(t *testing.T) {
	t.Parallel()
	fake := newPushover(t)
	// A port nothing listens on: Pushover unreachable.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	unreachable := "http://" + ln.Addr().String() + "/1/messages.json"
	ln.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"status":0,"errors":["server trouble"]}`, http.StatusInternalServerError)
	}))
	t.Cleanup(failing.Close)
	rejecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"token":"invalid","errors":["application token is invalid"],"status":0}`)
	}))
	t.Cleanup(rejecting.Close)
	// Slow: it answers only when the client gives up (or the test ends).
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); slow.Close() })

	tests := []struct {
		name string
		url  string
		// notified: the fake receives the notification; otherwise the
		// function logs that it failed.
		notified bool
	}{
		{"Pushover notified", fake.srv.URL + "/1/messages.json", true},
		{"Pushover unreachable", unreachable, false},
		{"Pushover failing", failing.URL + "/1/messages.json", false},
		{"Pushover rejecting", rejecting.URL + "/1/messages.json", false},
		{"Pushover slower than its timeout", slow.URL + "/1/messages.json", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := startAPI(t, map[string]string{"PushoverToken": "apptoken123", "PushoverUserKey": "userkey456"}, func(cfg *stack.Config) {
				cfg.Function("ContactFunction").Env["PUSHOVER_API_URL"] = tt.url
			})
			start := time.Now()
			resp := a.do(t, request{method: "POST", path: "/contact",
				body: `{"name":"Ada Lovelace","email":"ada@example.com","message":"Could it sort todos by due date?","website":""}`}).
				want(t, http.StatusAccepted)
			took, timeout := time.Since(start), a.cfg.Function("ContactFunction").Timeout
			if took >= timeout {
				t.Errorf("the 202 came after %s, past the function timeout of %s", took, timeout)
			}
			defer func() {
				recordFigures("pushover: "+tt.name, map[string]any{"status": resp.status, "ms": took.Milliseconds(),
					"timeoutMs": timeout.Milliseconds(), "stored": true, "notified": tt.notified, "failed": t.Failed()})
			}()
			var receipt struct{ ID string }
			resp.decode(t, &receipt)
			if !ulid.MatchString(receipt.ID) {
				t.Errorf("receipt id %q is not a ULID", receipt.ID)
			}
			// The message is stored, and says whether the owner was told.
			stored := a.contactMessage(t, receipt.ID)
			if stored["message"] != "Could it sort todos by due date?" || stored["notified"] != tt.notified ||
				(stored["notifyError"] != nil) == tt.notified {
				t.Errorf("stored message %v: want it notified = %v, with a notifyError when not", stored, tt.notified)
			}
			for _, secret := range []string{"apptoken123", "userkey456", "Could it sort todos by due date?"} {
				if strings.Contains(a.log.String(), secret) {
					t.Errorf("the log holds %q", secret)
				}
			}
			// The Pushover values reach the function through its secret,
			// not its configuration.
			for _, f := range a.cfg.Functions {
				for k, v := range f.Env {
					if strings.Contains(v, "apptoken123") || strings.Contains(v, "userkey456") {
						t.Errorf("%s's configuration holds a Pushover value in %s", f.Name, k)
					}
				}
			}
			if !tt.notified {
				a.log.WaitFor(t, regexp.MustCompile(`(?m)^\[ContactFunction\] \{.*"msg":"contact notification failed","contactId":"`+receipt.ID+`"`))
				return
			}
			select {
			case form := <-fake.received:
				for k, want := range map[string]string{"token": "apptoken123", "user": "userkey456", "title": "Contact form: Ada Lovelace"} {
					if form.Get(k) != want {
						t.Errorf("notification %s = %q, want %q", k, form.Get(k), want)
					}
				}
				if msg := form.Get("message"); !strings.Contains(msg, "ada@example.com") || !strings.Contains(msg, "Could it sort todos by due date?") {
					t.Errorf("notification message %q lacks the sender or the message", msg)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Pushover received no notification")
			}
		})
	}

	t.Run("an invalid form", func(t *testing.T) {
		t.Parallel()
		a := startAPI(t, nil, nil)
		p := a.do(t, request{method: "POST", path: "/contact", body: `{"name":"","email":"not-an-email","message":"hi"}`}).wantProblem(t, http.StatusBadRequest)
		var fields []string
		for _, e := range p.Errors {
			fields = append(fields, e.Field)
		}
		slices.Sort(fields)
		if !slices.Equal(fields, []string{"email", "name"}) {
			t.Errorf("errors name %v, want email and name", fields)
		}
	})
}

func TestCORSFollowsTheDefinition(t *testing.T) {
	t.Parallel()
	// What x-amazon-apigateway-cors says, read by kin-openapi rather than
	// by the code under test.
	ext := contract.Extensions["x-amazon-apigateway-cors"].(map[string]any)
	join := func(v any) string {
		var out []string
		for _, s := range v.([]any) {
			out = append(out, s.(string))
		}
		return strings.Join(out, ",")
	}
	preflight := func(origin string) request {
		return request{method: "OPTIONS", path: "/todos", header: map[string]string{
			"Origin":                         origin,
			"Access-Control-Request-Method":  "POST",
			"Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
		}}
	}
	tests := []struct {
		name    string
		origins string // the CorsAllowOrigins parameter; empty for its default
		origin  string
		// allowed is the Access-Control-Allow-Origin answered; empty for
		// an origin not allowed.
		allowed string
	}{
		{"any origin by default", "", "https://app.example", "*"},
		{"an origin the parameter allows", "https://app.example,http://localhost:5173", "http://localhost:5173", "http://localhost:5173"},
		{"an origin the parameter does not allow", "https://app.example", "https://evil.example", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var params map[string]string
			if tt.origins != "" {
				params = map[string]string{"CorsAllowOrigins": tt.origins}
			}
			a := startAPI(t, params, nil)

			pre := a.do(t, preflight(tt.origin)).want(t, http.StatusNoContent)
			want := map[string]string{"Access-Control-Allow-Origin": tt.allowed}
			if tt.allowed != "" {
				want["Access-Control-Allow-Methods"] = join(ext["allowMethods"])
				want["Access-Control-Allow-Headers"] = join(ext["allowHeaders"])
				want["Access-Control-Max-Age"] = strconv.Itoa(int(ext["maxAge"].(float64)))
			}
			for h, v := range want {
				if got := pre.header.Get(h); got != v {
					t.Errorf("preflight %s = %q, want %q", h, got, v)
				}
			}

			resp := a.do(t, request{method: "GET", path: "/todos", token: a.token(t, "alice"), header: map[string]string{"Origin": tt.origin}}).want(t, http.StatusOK)
			want = map[string]string{"Access-Control-Allow-Origin": tt.allowed}
			if tt.allowed != "" {
				want["Access-Control-Expose-Headers"] = join(ext["exposeHeaders"])
			}
			for h, v := range want {
				if got := resp.header.Get(h); got != v {
					t.Errorf("GET /todos %s = %q, want %q", h, got, v)
				}
			}
		})
	}
}

// faulty is the reply of the test function in its sleep mode.
type faulty struct {
	PID int `json:"pid"`
}

func TestCrashingAndTimingOutFunctionsAreReplaced(t *testing.T) {
	t.Parallel()
	const timeout = time.Second
	a := startAPI(t, nil, func(cfg *stack.Config) {
		cfg.Functions = append(cfg.Functions, stack.Function{Name: "FaultyFunction", Path: faultyBinary, Timeout: timeout})
		cfg.Routes = append(cfg.Routes, gateway.Route{Key: "POST /faulty", Function: "FaultyFunction"})
	})
	call := func(mode, body string) response {
		return a.do(t, request{method: "POST", path: "/faulty", header: map[string]string{"X-Test-Mode": mode}, body: body, testOnly: true})
	}
	serve := func() int {
		var r faulty
		call("sleep", `{"ms":0}`).want(t, http.StatusOK).decode(t, &r)
		if pids := a.PIDs("FaultyFunction"); !slices.Equal(pids, []int{r.PID}) {
			t.Errorf("running environments %v, want the one that served, %d", pids, r.PID)
		}
		return r.PID
	}

	tests := []struct {
		name, mode, body string
		// logged are what the access log and Lambda's lines say.
		logged []*regexp.Regexp
	}{
		{
			name: "a crash", mode: "exit", body: `{"code":3}`,
			logged: []*regexp.Regexp{
				regexp.MustCompile(`(?m)^\[FaultyFunction\] RequestId: \S+ Error: Runtime exited with error: exit status 3$`),
				regexp.MustCompile(`(?m)^\[TodoApi\] \{.*"routeKey":"POST /faulty","status":"500",.*"integrationErrorMessage":"[^"]*Runtime exited with error: exit status 3","errorMessage":"Internal Server Error"\}$`),
			},
		},
		{
			name: "a timeout", mode: "sleep", body: `{"ms":60000}`,
			logged: []*regexp.Regexp{
				regexp.MustCompile(`(?m)^\[FaultyFunction\] \S+ \S+ Task timed out after 1\.00 seconds$`),
				regexp.MustCompile(`(?m)^\[TodoApi\] \{.*"routeKey":"POST /faulty","status":"500",.*"integrationErrorMessage":"[^"]*Task timed out after 1\.00 seconds","errorMessage":"Internal Server Error"\}$`),
			},
		},
	}
	before := serve()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call(tt.mode, tt.body).wantGatewayError(t, http.StatusInternalServerError)
			for _, re := range tt.logged {
				a.log.WaitFor(t, re)
			}
			if pids := a.PIDs("FaultyFunction"); slices.Contains(pids, before) {
				t.Errorf("the failed environment's process %d still runs", before)
			}
			after := serve()
			if after == before {
				t.Errorf("the next request ran in the failed environment's process %d", before)
			}
			before = after
		})
	}

	// The API's own functions were not disturbed.
	var p page
	a.do(t, request{method: "GET", path: "/todos", token: a.token(t, "alice")}).want(t, http.StatusOK).decode(t, &p)
	if len(p.Items) != 0 {
		t.Errorf("items %v, want none", p.Items)
	}
}
