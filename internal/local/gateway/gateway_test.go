package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/internal/local/gateway"
	"github.com/example/serverless-todo/internal/local/lambda"
	"github.com/example/serverless-todo/internal/testkit/lambdatest"
)

// testFunction is the test function's bootstrap, built once by TestMain.
// Behind the gateway it echoes the event unless the x-test-mode header asks
// for something else; see lambdatest.
var testFunction string

func TestMain(m *testing.M) { lambdatest.Main(m, &testFunction) }

// api is a gateway on loopback in front of the test function, run by
// the local Lambda service as "fn".
type api struct {
	url       string
	accessLog *syncBuffer
}

// newAPI serves cfg; routes without a function go to "fn". The test's
// cleanup stops everything.
func newAPI(t *testing.T, cfg gateway.Config, fn ...lambda.Function) *api {
	t.Helper()
	f := lambda.Function{Name: "fn", Path: testFunction}
	if len(fn) > 0 {
		f = fn[0]
	}
	svc, err := lambda.New(lambda.Config{Functions: []lambda.Function{f}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := svc.Close(ctx); err != nil {
			t.Errorf("closing lambda: %v", err)
		}
	})
	for i := range cfg.Routes {
		if cfg.Routes[i].Function == "" {
			cfg.Routes[i].Function = "fn"
		}
	}
	a := &api{accessLog: &syncBuffer{}}
	if cfg.AccessLogFormat == "" {
		cfg.AccessLogFormat = `{"requestId":"$context.requestId","status":"$context.status","integrationErrorMessage":"$context.integrationErrorMessage"}`
	}
	cfg.AccessLog = a.accessLog
	gw, err := gateway.New(cfg, svc)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	a.url = srv.URL
	return a
}

// result is a response, read.
type result struct {
	status int
	header http.Header
	body   string
}

func (a *api) do(t *testing.T, req *http.Request) result {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (a *api) request(t *testing.T, method, path string, body string, header ...string) *http.Request {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, a.url+path, r)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	return req
}

// echo sends req to the echoing function and returns the event it got, and
// the event as a map, to see which fields it has.
func (a *api) echo(t *testing.T, req *http.Request) (events.APIGatewayV2HTTPRequest, map[string]any) {
	t.Helper()
	res := a.do(t, req)
	if res.status != http.StatusOK {
		t.Fatalf("%s %s = %d %s, want 200 and the echoed event", req.Method, req.URL, res.status, res.body)
	}
	var ev events.APIGatewayV2HTTPRequest
	var raw map[string]any
	if err := json.Unmarshal([]byte(res.body), &ev); err != nil {
		t.Fatalf("event %s: %v", res.body, err)
	}
	_ = json.Unmarshal([]byte(res.body), &raw)
	return ev, raw
}

// accessLogLines returns the access log, one decoded JSON line each.
func (a *api) accessLogLines(t *testing.T) []map[string]string {
	t.Helper()
	var lines []map[string]string
	for line := range strings.Lines(a.accessLog.String()) {
		var m map[string]string
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("access log line %q is not JSON: %v", line, err)
		}
		lines = append(lines, m)
	}
	return lines
}

// lastAccessLog returns the access log line of the last request.
func (a *api) lastAccessLog(t *testing.T) map[string]string {
	t.Helper()
	lines := a.accessLogLines(t)
	if len(lines) == 0 {
		t.Fatal("no access log line")
	}
	return lines[len(lines)-1]
}

// assertGatewayError checks one of the gateway's own responses.
func assertGatewayError(t *testing.T, res result, status int) {
	t.Helper()
	if res.status != status {
		t.Errorf("status = %d, want %d (body %s)", res.status, status, res.body)
	}
	if want := `{"message":"` + http.StatusText(status) + `"}`; res.body != want {
		t.Errorf("body = %s, want %s", res.body, want)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if res.header.Get("Apigw-Requestid") == "" {
		t.Error("no apigw-requestid header")
	}
}

// syncBuffer is a buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestNewRefusesBadConfig(t *testing.T) {
	key := map[string]gateway.JWTAuthorizer{"jwt": {Issuer: "https://i", Audience: []string{"a"}, Keys: testKeys(t)}}
	tests := []struct {
		name string
		cfg  gateway.Config
		want string
	}{
		{"route key without a path", gateway.Config{Routes: []gateway.Route{{Key: "GET", Function: "fn"}}}, "not \"$default\" or a method and a path"},
		{"unknown method", gateway.Config{Routes: []gateway.Route{{Key: "FETCH /x", Function: "fn"}}}, "not \"$default\""},
		{"greedy variable not last", gateway.Config{Routes: []gateway.Route{{Key: "GET /{proxy+}/x", Function: "fn"}}}, "must end the path"},
		{"partial variable", gateway.Config{Routes: []gateway.Route{{Key: "GET /a{id}", Function: "fn"}}}, "whole {variable}"},
		{"route twice", gateway.Config{Routes: []gateway.Route{{Key: "GET /x", Function: "fn"}, {Key: "GET /x", Function: "fn"}}}, "defined twice"},
		{"no function", gateway.Config{Routes: []gateway.Route{{Key: "GET /x"}}}, "no function"},
		{"unknown authorizer", gateway.Config{Routes: []gateway.Route{{Key: "GET /x", Function: "fn", Authorizer: "nope"}}}, `no authorizer named "nope"`},
		{"scopes without authorizer", gateway.Config{Routes: []gateway.Route{{Key: "GET /x", Function: "fn", AuthorizationScopes: []string{"s"}}}}, "scopes but no authorizer"},
		{"authorizer without keys", gateway.Config{Authorizers: map[string]gateway.JWTAuthorizer{"jwt": {Issuer: "https://i", Audience: []string{"a"}}}}, "needs the issuer's keys"},
		{"authorizer without audience", gateway.Config{Authorizers: map[string]gateway.JWTAuthorizer{"jwt": {Issuer: "https://i", Keys: testKeys(t)}}}, "needs an issuer and an audience"},
		{"identity source not a header", gateway.Config{Authorizers: map[string]gateway.JWTAuthorizer{"jwt": {IdentitySource: "$request.querystring.token", Issuer: "https://i", Audience: []string{"a"}, Keys: testKeys(t)}}}, "not $request.header"},
		{"access log without writer", gateway.Config{Authorizers: key, AccessLogFormat: "$context.requestId"}, "no AccessLog writer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gateway.New(tt.cfg, invokerFunc(nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// invokerFunc lets a test satisfy gateway.Invoker where no function runs.
type invokerFunc func(ctx context.Context, function string, payload []byte) ([]byte, error)

func (f invokerFunc) Invoke(ctx context.Context, function string, payload []byte) ([]byte, error) {
	return f(ctx, function, payload)
}

func TestRoutePrecedence(t *testing.T) {
	// The example of
	// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html,
	// and routes that differ by method only.
	a := newAPI(t, gateway.Config{Routes: []gateway.Route{
		{Key: "GET /pets/dog/1"},
		{Key: "GET /pets/dog/{id}"},
		{Key: "GET /pets/{proxy+}"},
		{Key: "ANY /{proxy+}"},
		{Key: "$default"},
		{Key: "DELETE /items/{id}"},
		{Key: "ANY /items/{id}"},
		{Key: "GET /a/{x}/c"},
		{Key: "GET /a/b/{y}"},
	}})
	tests := []struct {
		method, path string
		route        string
		params       map[string]string
	}{
		{"GET", "/pets/dog/1", "GET /pets/dog/1", nil},
		{"GET", "/pets/dog/2", "GET /pets/dog/{id}", map[string]string{"id": "2"}},
		{"GET", "/pets/cat/1", "GET /pets/{proxy+}", map[string]string{"proxy": "cat/1"}},
		{"POST", "/test/5", "ANY /{proxy+}", map[string]string{"proxy": "test/5"}},
		{"POST", "/pets/dog/1", "ANY /{proxy+}", map[string]string{"proxy": "pets/dog/1"}},
		{"GET", "/pets", "ANY /{proxy+}", map[string]string{"proxy": "pets"}},
		{"GET", "/", "$default", nil},
		{"DELETE", "/items/7", "DELETE /items/{id}", map[string]string{"id": "7"}},
		{"PATCH", "/items/7", "ANY /items/{id}", map[string]string{"id": "7"}},
		// A literal segment wins from the left.
		{"GET", "/a/b/c", "GET /a/b/{y}", map[string]string{"y": "c"}},
		// Parameters arrive decoded; an encoded slash stays in its segment.
		{"GET", "/pets/dog/a%2Fb%20c", "GET /pets/dog/{id}", map[string]string{"id": "a/b c"}},
		{"GET", "/pets/x/%C3%A9t%C3%A9", "GET /pets/{proxy+}", map[string]string{"proxy": "x/été"}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			ev, _ := a.echo(t, a.request(t, tt.method, tt.path, ""))
			if ev.RouteKey != tt.route || ev.RequestContext.RouteKey != tt.route {
				t.Errorf("routeKey = %q (requestContext %q), want %q", ev.RouteKey, ev.RequestContext.RouteKey, tt.route)
			}
			if !mapsEqual(ev.PathParameters, tt.params) {
				t.Errorf("pathParameters = %v, want %v", ev.PathParameters, tt.params)
			}
			if ev.RawPath != tt.path {
				t.Errorf("rawPath = %q, want %q", ev.RawPath, tt.path)
			}
		})
	}
}

func TestNoRouteIsNotFound(t *testing.T) {
	a := newAPI(t, gateway.Config{Routes: []gateway.Route{
		{Key: "GET /todos/{id}"},
		{Key: "GET /files/{path+}"},
	}})
	for _, tt := range []struct{ method, path string }{
		{"GET", "/nothing"},
		{"POST", "/todos/1"},  // the path, not the method
		{"GET", "/todos/"},    // an empty variable
		{"GET", "/todos/1/x"}, // one segment too many
		{"GET", "/files"},     // a greedy variable takes one segment at least
		{"GET", "/TODOS/1"},   // paths are case-sensitive
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			assertGatewayError(t, a.do(t, a.request(t, tt.method, tt.path, "")), http.StatusNotFound)
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
