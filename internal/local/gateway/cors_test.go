package gateway_test

import (
	"net/http"
	"testing"

	"github.com/example/serverless-todo/internal/local/gateway"
)

func TestCORS(t *testing.T) {
	const app = "https://app.example.com"
	iss := newIssuer(t)
	a := newAPI(t, gateway.Config{
		CORS: &gateway.CORS{
			AllowOrigins:     []string{app},
			AllowMethods:     []string{"GET", "POST", "DELETE"},
			AllowHeaders:     []string{"authorization", "content-type", "idempotency-key"},
			ExposeHeaders:    []string{"etag", "location"},
			MaxAge:           300,
			AllowCredentials: true,
		},
		Authorizers: map[string]gateway.JWTAuthorizer{"jwt": authorizerFor(iss)},
		Routes: []gateway.Route{
			{Key: "POST /todos"},
			{Key: "GET /secure", Authorizer: "jwt"},
		},
	})
	// The function sets CORS headers of its own, which the gateway
	// replaces.
	functionCORS := `{"response":{"statusCode":200,"headers":{"access-control-allow-origin":"*","access-control-allow-methods":"PUT","etag":"\"1\""},"body":"{}"}}`

	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		want   map[string]string // "" value: absent
	}{
		{
			name: "preflight from an allowed origin",
			req: func() *http.Request {
				return a.request(t, "OPTIONS", "/todos", "", "Origin", app, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type")
			},
			status: http.StatusNoContent,
			want: map[string]string{
				"Access-Control-Allow-Origin":      app,
				"Access-Control-Allow-Methods":     "GET,POST,DELETE",
				"Access-Control-Allow-Headers":     "authorization,content-type,idempotency-key",
				"Access-Control-Max-Age":           "300",
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Expose-Headers":    "",
			},
		},
		{
			name: "preflight of a path without routes",
			req: func() *http.Request {
				return a.request(t, "OPTIONS", "/anywhere", "", "Origin", app, "Access-Control-Request-Method", "GET")
			},
			status: http.StatusNoContent,
			want:   map[string]string{"Access-Control-Allow-Origin": app},
		},
		{
			name: "preflight from another origin",
			req: func() *http.Request {
				return a.request(t, "OPTIONS", "/todos", "", "Origin", "https://evil.example", "Access-Control-Request-Method", "POST")
			},
			status: http.StatusNoContent,
			want: map[string]string{
				"Access-Control-Allow-Origin":  "",
				"Access-Control-Allow-Methods": "",
				"Access-Control-Allow-Headers": "",
			},
		},
		{
			name:   "OPTIONS that is not a preflight",
			req:    func() *http.Request { return a.request(t, "OPTIONS", "/todos", "", "Origin", app) },
			status: http.StatusNotFound,
			want:   map[string]string{"Access-Control-Allow-Origin": app},
		},
		{
			name: "request from an allowed origin",
			req: func() *http.Request {
				return a.request(t, "POST", "/todos", functionCORS, "Origin", app, "X-Test-Mode", "respond", "Content-Type", "application/json")
			},
			status: http.StatusOK,
			want: map[string]string{
				"Access-Control-Allow-Origin":      app,
				"Access-Control-Expose-Headers":    "etag,location",
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods":     "",
				"Etag":                             `"1"`,
			},
		},
		{
			name: "request from another origin",
			req: func() *http.Request {
				return a.request(t, "POST", "/todos", functionCORS, "Origin", "https://evil.example", "X-Test-Mode", "respond", "Content-Type", "application/json")
			},
			status: http.StatusOK,
			want:   map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": "", "Etag": `"1"`},
		},
		{
			name: "request without origin",
			req: func() *http.Request {
				return a.request(t, "POST", "/todos", functionCORS, "X-Test-Mode", "respond", "Content-Type", "application/json")
			},
			status: http.StatusOK,
			want:   map[string]string{"Access-Control-Allow-Origin": ""},
		},
		{
			name:   "the authorizer's refusal",
			req:    func() *http.Request { return a.request(t, "GET", "/secure", "", "Origin", app) },
			status: http.StatusUnauthorized,
			want:   map[string]string{"Access-Control-Allow-Origin": app, "Access-Control-Allow-Credentials": "true"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := a.do(t, tt.req())
			if res.status != tt.status {
				t.Errorf("status = %d, want %d (%s)", res.status, tt.status, res.body)
			}
			if tt.status == http.StatusNoContent && res.body != "" {
				t.Errorf("body = %q, want none", res.body)
			}
			for name, want := range tt.want {
				if got := res.header.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestCORSAnyOrigin(t *testing.T) {
	a := newAPI(t, gateway.Config{
		CORS:   &gateway.CORS{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"}},
		Routes: []gateway.Route{{Key: "GET /todos"}},
	})
	pre := a.do(t, a.request(t, "OPTIONS", "/todos", "", "Origin", "https://any.example", "Access-Control-Request-Method", "GET"))
	got := a.do(t, a.request(t, "GET", "/todos", "", "Origin", "https://any.example"))
	for _, res := range []result{pre, got} {
		if v := res.header.Get("Access-Control-Allow-Origin"); v != "*" {
			t.Errorf("Access-Control-Allow-Origin = %q, want *", v)
		}
	}
	if v := pre.header.Get("Access-Control-Allow-Methods"); v != "*" {
		t.Errorf("Access-Control-Allow-Methods = %q, want *", v)
	}
}

func TestPreflightGoesToTheRouteThatTakesIt(t *testing.T) {
	// As the CORS guide warns: $default takes OPTIONS requests too, so the
	// gateway does not answer them itself.
	a := newAPI(t, gateway.Config{
		CORS:   &gateway.CORS{AllowOrigins: []string{"*"}},
		Routes: []gateway.Route{{Key: "$default"}},
	})
	ev, _ := a.echo(t, a.request(t, "OPTIONS", "/todos", "", "Origin", "https://any.example", "Access-Control-Request-Method", "GET"))
	if ev.RouteKey != "$default" || ev.RequestContext.HTTP.Method != "OPTIONS" {
		t.Errorf("the preflight reached %q as %s, want $default as OPTIONS", ev.RouteKey, ev.RequestContext.HTTP.Method)
	}
}
