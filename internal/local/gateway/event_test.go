package gateway_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/internal/local/devauth"
	"github.com/example/serverless-todo/internal/local/gateway"
	"github.com/example/serverless-todo/internal/local/lambda"
)

// TestEventMatchesAWSSamples sends the HTTP request behind each of AWS's
// sample events (aws-lambda-go's events/testdata) through the gateway and
// compares the event the function gets with the sample, field by field.
// What must differ is checked for its form instead: IDs, times, the
// client's address and the host. The gateway sends no stage variables (a
// $default stage without any) and no mutual TLS authentication.
func TestEventMatchesAWSSamples(t *testing.T) {
	dir := samplesDir(t)
	tests := []struct {
		file string
		// contentType is sent with the body, which the samples show as
		// text; the samples have no content-type header.
		contentType string
		// absent are sample fields the request cannot produce; the
		// gateway must not send them.
		absent []string
	}{
		{file: "apigw-v2-request-no-authorizer.json"},
		{
			file:        "apigw-v2-request-jwt-authorizer.json",
			contentType: "application/json",
			// The hand-written sample has path parameters on the $default
			// route, which has none.
			absent: []string{"pathParameters", "stageVariables"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var sample events.APIGatewayV2HTTPRequest
			var sampleRaw map[string]any
			if err := json.Unmarshal(data, &sample); err != nil {
				t.Fatal(err)
			}
			_ = json.Unmarshal(data, &sampleRaw)

			cfg := gateway.Config{
				APIID:     sample.RequestContext.APIID,
				AccountID: sample.RequestContext.AccountID,
				Routes:    []gateway.Route{{Key: sample.RouteKey}},
			}
			var token string
			if jwt := authorizerOf(sample); jwt != nil {
				iss := newIssuer(t)
				cfg.Authorizers = map[string]gateway.JWTAuthorizer{"jwt": authorizerFor(iss)}
				cfg.Routes[0].Authorizer = "jwt"
				cfg.Routes[0].AuthorizationScopes = jwt.Scopes[:1]
				claims := make(map[string]any)
				for k, v := range jwt.Claims {
					claims[k] = v
				}
				token = mint(t, iss, devauth.Token{Subject: "user", Scopes: jwt.Scopes, Claims: claims})
			}
			a := newAPI(t, cfg)

			// The request that would produce the sample.
			req := a.request(t, sample.RequestContext.HTTP.Method, sample.RawPath+"?"+sample.RawQueryString, sample.Body)
			req.URL.RawQuery = sample.RawQueryString
			for name, value := range sample.Headers {
				switch strings.ToLower(name) {
				case "host", "content-length", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto", "x-amzn-trace-id":
					// The gateway sets these.
				default:
					req.Header.Set(name, value)
				}
			}
			if sample.RequestContext.HTTP.UserAgent != "" {
				req.Header.Set("User-Agent", sample.RequestContext.HTTP.UserAgent)
			}
			if len(sample.Cookies) > 0 {
				req.Header.Set("Cookie", strings.Join(sample.Cookies, "; "))
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			before := time.Now()
			got, gotRaw := a.echo(t, req)

			// The same fields, less what cannot be the same.
			want := keys(sampleRaw)
			want = slices.DeleteFunc(want, func(k string) bool { return slices.Contains(tt.absent, k) })
			if got := keys(gotRaw); !slices.Equal(got, want) {
				t.Errorf("event fields = %v, want %v", got, want)
			}
			wantContext := slices.DeleteFunc(keys(sampleRaw["requestContext"].(map[string]any)), func(k string) bool { return k == "authentication" })
			if got := keys(gotRaw["requestContext"].(map[string]any)); !slices.Equal(got, wantContext) {
				t.Errorf("requestContext fields = %v, want %v", got, wantContext)
			}

			same := []struct {
				field     string
				got, want any
			}{
				{"version", got.Version, sample.Version},
				{"routeKey", got.RouteKey, sample.RouteKey},
				{"rawPath", got.RawPath, sample.RawPath},
				{"rawQueryString", got.RawQueryString, sample.RawQueryString},
				{"cookies", got.Cookies, sample.Cookies},
				{"queryStringParameters", got.QueryStringParameters, sample.QueryStringParameters},
				{"body", got.Body, sample.Body},
				{"isBase64Encoded", got.IsBase64Encoded, sample.IsBase64Encoded},
				{"requestContext.accountId", got.RequestContext.AccountID, sample.RequestContext.AccountID},
				{"requestContext.apiId", got.RequestContext.APIID, sample.RequestContext.APIID},
				{"requestContext.routeKey", got.RequestContext.RouteKey, sample.RequestContext.RouteKey},
				{"requestContext.stage", got.RequestContext.Stage, sample.RequestContext.Stage},
				{"requestContext.http.method", got.RequestContext.HTTP.Method, sample.RequestContext.HTTP.Method},
				{"requestContext.http.path", got.RequestContext.HTTP.Path, sample.RequestContext.HTTP.Path},
				{"requestContext.http.protocol", got.RequestContext.HTTP.Protocol, sample.RequestContext.HTTP.Protocol},
				{"requestContext.http.userAgent", got.RequestContext.HTTP.UserAgent, sample.RequestContext.HTTP.UserAgent},
			}
			for _, s := range same {
				if gb, wb := jsonOf(s.got), jsonOf(s.want); gb != wb {
					t.Errorf("%s = %s, want %s", s.field, gb, wb)
				}
			}
			// Every header of the sample, with its name in lower case.
			for name, value := range sample.Headers {
				name = strings.ToLower(name)
				gotValue, ok := got.Headers[name]
				switch name {
				case "host":
					ok = gotValue == strings.TrimPrefix(a.url, "http://")
				case "content-length", "x-forwarded-port", "x-forwarded-proto", "x-amzn-trace-id", "x-forwarded-for":
					// Checked by TestEventFields.
				default:
					ok = ok && gotValue == value
				}
				if !ok {
					t.Errorf("headers[%q] = %q, want %q", name, gotValue, value)
				}
			}
			for name := range got.Headers {
				if name != strings.ToLower(name) {
					t.Errorf("header name %q is not in lower case", name)
				}
			}
			if jwt := authorizerOf(sample); jwt != nil {
				gotJWT := authorizerOf(got)
				if gotJWT == nil {
					t.Fatal("no requestContext.authorizer.jwt")
				}
				for k, v := range jwt.Claims {
					if gotJWT.Claims[k] != v {
						t.Errorf("claims[%q] = %q, want %q", k, gotJWT.Claims[k], v)
					}
				}
				if !slices.Equal(gotJWT.Scopes, jwt.Scopes) {
					t.Errorf("scopes = %v, want %v", gotJWT.Scopes, jwt.Scopes)
				}
			}

			// What differs, by its form.
			rc := got.RequestContext
			if !regexp.MustCompile(`^[A-Za-z0-9_-]{15}=$`).MatchString(rc.RequestID) {
				t.Errorf("requestId = %q, want the form of %q", rc.RequestID, sample.RequestContext.RequestID)
			}
			tm, err := time.Parse("02/Jan/2006:15:04:05 -0700", rc.Time)
			if err != nil || !strings.HasSuffix(rc.Time, " +0000") {
				t.Errorf("time = %q, want the form of %q in UTC", rc.Time, sample.RequestContext.Time)
			}
			if epoch := time.UnixMilli(rc.TimeEpoch); epoch.Before(before.Add(-time.Second)) || epoch.After(time.Now()) || !tm.Equal(epoch.Truncate(time.Second)) {
				t.Errorf("timeEpoch = %d and time = %q, want the request's time", rc.TimeEpoch, rc.Time)
			}
			if rc.HTTP.SourceIP != "127.0.0.1" {
				t.Errorf("sourceIp = %q, want 127.0.0.1", rc.HTTP.SourceIP)
			}
			// As API Gateway gives them: the host without a port, and its
			// first label.
			if rc.DomainName != "127.0.0.1" || rc.DomainPrefix != "127" {
				t.Errorf("domainName, domainPrefix = %q, %q, want 127.0.0.1, 127", rc.DomainName, rc.DomainPrefix)
			}
		})
	}
}

// TestEventFields checks what TestEventMatchesAWSSamples cannot: the
// values the gateway adds, repeated headers and parameters, encoding.
func TestEventFields(t *testing.T) {
	a := newAPI(t, gateway.Config{Routes: []gateway.Route{{Key: "POST /todos/{id}"}}})
	req := a.request(t, "POST", "/todos/01J0?tag=a&tag=b&q=caf%C3%A9+au+lait&empty=&flag", `{"title":"x"}`,
		"Content-Type", "application/json; charset=utf-8",
		"X-Multi", "one",
		"X-Multi", "two",
		"X-Forwarded-For", "203.0.113.9",
		"X-Amzn-Trace-Id", "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c",
		"Cookie", "a=1; b=2",
		"Cookie", "c=3",
		"Connection", "keep-alive",
	)
	ev, raw := a.echo(t, req)
	tests := []struct {
		field     string
		got, want any
	}{
		{"rawQueryString", ev.RawQueryString, "tag=a&tag=b&q=caf%C3%A9+au+lait&empty=&flag"},
		{"queryStringParameters", ev.QueryStringParameters, map[string]string{"tag": "a,b", "q": "café au lait", "empty": "", "flag": ""}},
		{"pathParameters", ev.PathParameters, map[string]string{"id": "01J0"}},
		{"cookies", ev.Cookies, []string{"a=1", "b=2", "c=3"}},
		{"headers.x-multi", ev.Headers["x-multi"], "one,two"},
		{"headers.content-type", ev.Headers["content-type"], "application/json; charset=utf-8"},
		{"headers.content-length", ev.Headers["content-length"], "13"},
		{"headers.x-forwarded-for", ev.Headers["x-forwarded-for"], "203.0.113.9, 127.0.0.1"},
		{"headers.x-forwarded-proto", ev.Headers["x-forwarded-proto"], "https"},
		{"headers.x-forwarded-port", ev.Headers["x-forwarded-port"], "443"},
		{"headers.x-amzn-trace-id", ev.Headers["x-amzn-trace-id"], "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c"},
		{"body", ev.Body, `{"title":"x"}`},
		{"isBase64Encoded", ev.IsBase64Encoded, false},
		{"requestContext.http.method", ev.RequestContext.HTTP.Method, "POST"},
		{"requestContext.http.path", ev.RequestContext.HTTP.Path, "/todos/01J0"},
		{"requestContext.stage", ev.RequestContext.Stage, "$default"},
		{"requestContext.apiId", ev.RequestContext.APIID, "local"},
	}
	for _, tt := range tests {
		if g, w := jsonOf(tt.got), jsonOf(tt.want); g != w {
			t.Errorf("%s = %s, want %s", tt.field, g, w)
		}
	}
	for _, absent := range []string{"cookie", "connection"} {
		if v, ok := ev.Headers[absent]; ok {
			t.Errorf("headers[%q] = %q, want it left out", absent, v)
		}
	}
	if _, ok := raw["requestContext"].(map[string]any)["authorizer"]; ok {
		t.Error("requestContext.authorizer present on a route without authorizer")
	}

	// Without a trace header of its own, the request gets one.
	ev, _ = a.echo(t, a.request(t, "POST", "/todos/1", ""))
	if !regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`).MatchString(ev.Headers["x-amzn-trace-id"]) {
		t.Errorf("x-amzn-trace-id = %q, want a new trace ID", ev.Headers["x-amzn-trace-id"])
	}
	if ev.Headers["content-length"] != "0" || ev.Body != "" || ev.IsBase64Encoded {
		t.Errorf("request without body: content-length %q, body %q, base64 %v", ev.Headers["content-length"], ev.Body, ev.IsBase64Encoded)
	}
	if ev.RequestContext.RequestID == "" {
		t.Error("no requestId")
	}
}

func TestBodyEncodingFollowsContentType(t *testing.T) {
	a := newAPI(t, gateway.Config{Routes: []gateway.Route{{Key: "$default"}}})
	tests := []struct {
		contentType string
		body        string
		base64      bool
	}{
		{"text/plain", "hello\x00é", false},
		{"text/plain", "hello\x00\xff", true},
		{"application/json", "hello\x00\xff", true},
		{"text/csv; charset=utf-8", "hello\x00é", false},
		{"application/json", "hello\x00é", false},
		{"application/json; charset=utf-8", "hello\x00é", false},
		{"application/xml", "hello\x00é", false},
		{"application/javascript", "hello\x00é", false},
		{"", "hello\x00é", true},
		{"application/octet-stream", "hello\x00é", true},
		{"image/png", "hello\x00é", true},
		{"application/x-www-form-urlencoded", "hello\x00é", true},
		{"application/merge-patch+json", "hello\x00é", true},
		{"application/problem+json", "hello\x00é", true},
		{"multipart/form-data; boundary=x", "hello\x00é", true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %q", tt.contentType, tt.body), func(t *testing.T) {
			req := a.request(t, "PUT", "/upload", tt.body)
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			ev, _ := a.echo(t, req)
			if ev.IsBase64Encoded != tt.base64 {
				t.Fatalf("isBase64Encoded = %v, want %v", ev.IsBase64Encoded, tt.base64)
			}
			got := ev.Body
			if tt.base64 {
				b, err := base64.StdEncoding.DecodeString(ev.Body)
				if err != nil {
					t.Fatalf("body %q is not base64: %v", ev.Body, err)
				}
				got = string(b)
				if got != tt.body {
					t.Errorf("body decodes to %q, want %q", got, tt.body)
				}
			} else if got != tt.body {
				t.Errorf("body = %q, want the text %q", got, tt.body)
			}
		})
	}
}

func TestResponseMapping(t *testing.T) {
	a := newAPI(t, gateway.Config{Routes: []gateway.Route{{Key: "POST /respond"}}})
	png := []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0xff}
	tests := []struct {
		name     string
		response string // what the function returns
		status   int
		header   map[string][]string // "" value: absent
		body     []byte
	}{
		{
			name:     "status, headers and body",
			response: `{"statusCode":201,"headers":{"location":"/todos/1","content-type":"application/json","etag":"\"1\""},"body":"{\"id\":1}"}`,
			status:   201,
			header:   map[string][]string{"Location": {"/todos/1"}, "Content-Type": {"application/json"}, "Etag": {`"1"`}},
			body:     []byte(`{"id":1}`),
		},
		{
			name:     "each cookie a Set-Cookie header",
			response: `{"statusCode":200,"cookies":["session=abc; Path=/; HttpOnly","theme=dark"],"body":"ok"}`,
			status:   200,
			header:   map[string][]string{"Set-Cookie": {"session=abc; Path=/; HttpOnly", "theme=dark"}},
			body:     []byte("ok"),
		},
		{
			name:     "base64 body decoded",
			response: `{"statusCode":200,"headers":{"content-type":"image/png"},"isBase64Encoded":true,"body":"` + base64.StdEncoding.EncodeToString(png) + `"}`,
			status:   200,
			header:   map[string][]string{"Content-Type": {"image/png"}},
			body:     png,
		},
		{
			name:     "no statusCode: the result is a JSON body",
			response: `{"message":"Hello from Lambda!"}`,
			status:   200,
			header:   map[string][]string{"Content-Type": {"application/json"}},
			body:     []byte(`{"message":"Hello from Lambda!"}`),
		},
		{
			name:     "no statusCode: a JSON string is the body's text",
			response: `"Hello from Lambda!"`,
			status:   200,
			header:   map[string][]string{"Content-Type": {"application/json"}},
			body:     []byte("Hello from Lambda!"),
		},
		{
			name:     "no content type: sniffed",
			response: `{"statusCode":200,"body":"plain words"}`,
			status:   200,
			header:   map[string][]string{"Content-Type": {"text/plain; charset=utf-8"}},
			body:     []byte("plain words"),
		},
		{
			name:     "no content",
			response: `{"statusCode":204,"headers":{"x-content-type-options":"nosniff"}}`,
			status:   204,
			header:   map[string][]string{"X-Content-Type-Options": {"nosniff"}, "Content-Type": {""}},
			body:     nil,
		},
		{
			name:     "statusCode not a number",
			response: `{"statusCode":"200","body":"x"}`,
			status:   500,
			header:   map[string][]string{"Content-Type": {"application/json"}},
			body:     []byte(`{"message":"Internal Server Error"}`),
		},
		{
			name:     "statusCode out of range",
			response: `{"statusCode":700}`,
			status:   500,
			body:     []byte(`{"message":"Internal Server Error"}`),
		},
		{
			name:     "body not base64",
			response: `{"statusCode":200,"isBase64Encoded":true,"body":"not base64!"}`,
			status:   500,
			body:     []byte(`{"message":"Internal Server Error"}`),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := a.request(t, "POST", "/respond", `{"response":`+tt.response+`}`,
				"X-Test-Mode", "respond", "Content-Type", "application/json")
			res := a.do(t, req)
			if res.status != tt.status {
				t.Errorf("status = %d, want %d (body %q)", res.status, tt.status, res.body)
			}
			if !bytes.Equal([]byte(res.body), tt.body) {
				t.Errorf("body = %q, want %q", res.body, tt.body)
			}
			for name, want := range tt.header {
				got := res.header.Values(name)
				if want[0] == "" {
					want = nil
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			if res.header.Get("Apigw-Requestid") != a.lastAccessLog(t)["requestId"] {
				t.Errorf("apigw-requestid = %q, want the request's ID %q", res.header.Get("Apigw-Requestid"), a.lastAccessLog(t)["requestId"])
			}
		})
	}
}

func TestFunctionFailures(t *testing.T) {
	tests := []struct {
		name               string
		mode, body         string
		timeout            time.Duration // the function's
		integrationTimeout time.Duration
		status             int
		integrationError   string
	}{
		{"function error", "error", `{"message":"boom"}`, 0, 0, 500, "errorString: boom"},
		{"process exit", "exit", `{"code":2}`, 0, 0, 500, "Runtime exited with error: exit status 2"},
		{"function timeout", "sleep", `{"ms":5000}`, 300 * time.Millisecond, 0, 500, "Task timed out after 0.30 seconds"},
		{"integration timeout", "sleep", `{"ms":1500}`, 10 * time.Second, 300 * time.Millisecond, 503, "did not answer within 300ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPI(t, gateway.Config{
				Routes:             []gateway.Route{{Key: "POST /x"}},
				IntegrationTimeout: tt.integrationTimeout,
			}, lambdaFunction(tt.timeout))
			res := a.do(t, a.request(t, "POST", "/x", tt.body, "X-Test-Mode", tt.mode, "Content-Type", "application/json"))
			assertGatewayError(t, res, tt.status)
			if got := a.lastAccessLog(t)["integrationErrorMessage"]; !strings.Contains(got, tt.integrationError) {
				t.Errorf("integrationErrorMessage = %q, want it to contain %q", got, tt.integrationError)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	a := newAPI(t, gateway.Config{Routes: []gateway.Route{{Key: "$default"}}})

	t.Run("request line and header values", func(t *testing.T) {
		// Counted: GET, /h, HTTP/1.1 (13 bytes), the Host value h, and
		// the X-Pad value.
		const counted = 3 + 2 + 8 + 1
		tests := []struct {
			pad    int
			status int
		}{
			{gateway.MaxHeaderBytes - counted, http.StatusOK},
			{gateway.MaxHeaderBytes - counted + 1, http.StatusRequestHeaderFieldsTooLarge},
		}
		for _, tt := range tests {
			res := rawRequest(t, a, "GET /h HTTP/1.1\r\nHost: h\r\nX-Pad: "+strings.Repeat("p", tt.pad)+"\r\n\r\n")
			if tt.status == http.StatusOK && res.status != http.StatusOK {
				t.Errorf("%d bytes: status %d %s, want 200", counted+tt.pad, res.status, res.body)
			}
			if tt.status != http.StatusOK {
				assertGatewayError(t, res, tt.status)
			}
		}
	})

	t.Run("body", func(t *testing.T) {
		res := a.do(t, a.request(t, "POST", "/big", strings.Repeat("x", gateway.MaxBodyBytes+1), "Content-Type", "text/plain"))
		assertGatewayError(t, res, http.StatusRequestEntityTooLarge)

		// Without a Content-Length, the gateway counts as it reads.
		req := a.request(t, "POST", "/big", "", "Content-Type", "text/plain")
		req.Body = io.NopCloser(strings.NewReader(strings.Repeat("x", gateway.MaxBodyBytes+1)))
		req.ContentLength = -1
		assertGatewayError(t, a.do(t, req), http.StatusRequestEntityTooLarge)

		// At the limit the gateway takes the body; Lambda's 6 MB limit on
		// events then refuses it.
		res = a.do(t, a.request(t, "POST", "/big", strings.Repeat("x", gateway.MaxBodyBytes), "Content-Type", "text/plain"))
		assertGatewayError(t, res, http.StatusInternalServerError)
		if got := a.lastAccessLog(t)["integrationErrorMessage"]; !strings.Contains(got, "payload too large") {
			t.Errorf("integrationErrorMessage = %q, want Lambda's refusal", got)
		}
	})
}

func TestAccessLog(t *testing.T) {
	// The format of the stage's AccessLogSettings.
	format := `{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod","routeKey":"$context.routeKey", "status":"$context.status","protocol":"$context.protocol", "responseLength":"$context.responseLength", "integrationErrorMessage":"$context.integrationErrorMessage", "errorMessage":"$context.error.message" }`
	a := newAPI(t, gateway.Config{Routes: []gateway.Route{{Key: "GET /todos/{id}"}}, AccessLogFormat: format})

	ok := a.do(t, a.request(t, "GET", "/todos/1", ""))
	missing := a.do(t, a.request(t, "GET", "/nothing", ""))
	failed := a.do(t, a.request(t, "GET", "/todos/2", "", "X-Test-Mode", "error"))

	lines := a.accessLogLines(t)
	if len(lines) != 3 {
		t.Fatalf("%d access log lines, want 3:\n%s", len(lines), a.accessLog)
	}
	tests := []struct {
		res                          result
		route, status, integration   string
		errorMessage, responseLength string
	}{
		{ok, "GET /todos/{id}", "200", "-", "-", itoa(len(ok.body))},
		{missing, "-", "404", "-", "Not Found", "23"},
		{failed, "GET /todos/{id}", "500", "lambda: fn returned an error: errorString: ", "Internal Server Error", "35"},
	}
	for i, tt := range tests {
		line := lines[i]
		want := map[string]string{
			"requestId":      tt.res.header.Get("Apigw-Requestid"),
			"ip":             "127.0.0.1",
			"httpMethod":     "GET",
			"routeKey":       tt.route,
			"status":         tt.status,
			"protocol":       "HTTP/1.1",
			"responseLength": tt.responseLength,
			"errorMessage":   tt.errorMessage,
		}
		for k, v := range want {
			if line[k] != v {
				t.Errorf("line %d: %s = %q, want %q", i+1, k, line[k], v)
			}
		}
		if !strings.HasPrefix(line["integrationErrorMessage"], tt.integration) {
			t.Errorf("line %d: integrationErrorMessage = %q, want %q", i+1, line["integrationErrorMessage"], tt.integration)
		}
		if when, err := time.Parse("02/Jan/2006:15:04:05 -0700", line["requestTime"]); err != nil || time.Since(when) > time.Minute {
			t.Errorf("line %d: requestTime = %q, want the request's time", i+1, line["requestTime"])
		}
		if len(keys(anyMap(line))) != 10 {
			t.Errorf("line %d has fields %v", i+1, keys(anyMap(line)))
		}
	}
}

// --- helpers ---

func lambdaFunction(timeout time.Duration) lambda.Function {
	return lambda.Function{Name: "fn", Path: testFunction, Timeout: timeout}
}

// rawRequest sends raw, a whole HTTP/1.1 request, and reads the response.
func rawRequest(t *testing.T, a *api, raw string) result {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(a.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

// samplesDir is aws-lambda-go's events/testdata.
func samplesDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-lambda-go").Output()
	if err != nil {
		t.Fatalf("locating aws-lambda-go: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "events", "testdata")
}

func authorizerOf(ev events.APIGatewayV2HTTPRequest) *events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription {
	if ev.RequestContext.Authorizer == nil {
		return nil
	}
	return ev.RequestContext.Authorizer.JWT
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func anyMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func itoa(n int) string { return jsonOf(n) }
