// Package apitest builds API Gateway HTTP API events (payload format 2.0)
// the way the gateway sends them, with the JWT authorizer's claims, and reads
// the functions' responses, for handler tests.
package apitest

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/pkg/handler"
	"github.com/example/serverless-todo/pkg/problem"
)

// Request describes one API request. Event turns it into the event a
// function receives.
type Request struct {
	// Method and Path are what the client sent; Route is the matched route
	// key, such as "GET /todos/{id}".
	Method, Path, Route string
	// PathParameters are the route's parameters, such as {"id": "01H..."}.
	PathParameters map[string]string
	// Query holds query parameters; repeated values are comma-joined, as
	// the gateway joins them.
	Query map[string]string
	// Headers are sent with lowercased names. A request with a Body and no
	// content-type gets application/json.
	Headers map[string]string
	Body    string
	// Base64 sends the body base64-encoded, as the gateway does for binary
	// content types.
	Base64 bool
	// Sub is the caller's sub claim; empty sends no authorizer context, as
	// for the public /contact route.
	Sub string
	// Claims are more claims of the caller's token, such as email.
	Claims map[string]string
	// SourceIP is the client's address; empty means 203.0.113.7.
	SourceIP string
}

// Event returns the payload 2.0 event for r.
func (r Request) Event() events.APIGatewayV2HTTPRequest {
	now := time.Now()
	ip := cmp.Or(r.SourceIP, "203.0.113.7")
	headers := map[string]string{
		"host":              "api.example.com",
		"user-agent":        "apitest/1.0",
		"x-forwarded-for":   ip,
		"x-forwarded-proto": "https",
		"x-forwarded-port":  "443",
	}
	if r.Body != "" {
		headers["content-type"] = "application/json"
		headers["content-length"] = strconv.Itoa(len(r.Body))
	}
	for k, v := range r.Headers {
		headers[strings.ToLower(k)] = v
	}
	var query url.Values
	var raw string
	if len(r.Query) > 0 {
		query = url.Values{}
		for k, v := range r.Query {
			query.Set(k, v)
		}
		raw = query.Encode()
	}
	body := r.Body
	if r.Base64 {
		body = base64Encode(body)
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              r.Route,
		RawPath:               r.Path,
		RawQueryString:        raw,
		Headers:               headers,
		QueryStringParameters: r.Query,
		PathParameters:        r.PathParameters,
		Body:                  body,
		IsBase64Encoded:       r.Base64,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID:    "123456789012",
			APIID:        "api",
			DomainName:   "api.example.com",
			DomainPrefix: "api",
			RequestID:    rand.Text(),
			RouteKey:     r.Route,
			Stage:        "$default",
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.Path,
				Protocol:  "HTTP/1.1",
				SourceIP:  ip,
				UserAgent: "apitest/1.0",
			},
		},
	}
	if r.Sub != "" {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{
					"sub":       r.Sub,
					"iss":       "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example",
					"client_id": "exampleclient",
					"token_use": "access",
					"scope":     "openid",
					"iat":       strconv.FormatInt(now.Add(-time.Minute).Unix(), 10),
					"exp":       strconv.FormatInt(now.Add(time.Hour).Unix(), 10),
				},
				Scopes: []string{"openid"},
			},
		}
		maps.Copy(ev.RequestContext.Authorizer.JWT.Claims, r.Claims)
	}
	return ev
}

func base64Encode(s string) string {
	return base64.StdEncoding.EncodeToString([]byte(s))
}

// Problem decodes a problem response and checks its status, content type
// and body shape.
func Problem(tb testing.TB, resp events.APIGatewayV2HTTPResponse, status int) problem.Problem {
	tb.Helper()
	if resp.StatusCode != status {
		tb.Fatalf("status = %d, want %d; body: %s", resp.StatusCode, status, resp.Body)
	}
	if ct := resp.Headers["Content-Type"]; ct != problem.ContentType {
		tb.Fatalf("Content-Type = %q, want %q", ct, problem.ContentType)
	}
	var p problem.Problem
	dec := json.NewDecoder(strings.NewReader(resp.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		tb.Fatalf("problem body %q: %v", resp.Body, err)
	}
	if p.Status != status || p.Type != "about:blank" || p.Title != http.StatusText(status) || p.Detail == "" {
		tb.Fatalf("problem = %+v, want status %d, type about:blank, title %q and a detail", p, status, http.StatusText(status))
	}
	return p
}

// Fields returns the fields a problem names, sorted.
func Fields(p problem.Problem) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	sort.Strings(out)
	return out
}

// JSON decodes a JSON response body into v, refusing members v lacks, and
// checks the status and content type.
func JSON(tb testing.TB, resp events.APIGatewayV2HTTPResponse, status int, v any) {
	tb.Helper()
	if resp.StatusCode != status {
		tb.Fatalf("status = %d, want %d; body: %s", resp.StatusCode, status, resp.Body)
	}
	if ct := resp.Headers["Content-Type"]; ct != "application/json" {
		tb.Fatalf("Content-Type = %q, want application/json", ct)
	}
	dec := json.NewDecoder(strings.NewReader(resp.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		tb.Fatalf("body %q: %v", resp.Body, err)
	}
}

// SecurityHeaders checks the headers every function response carries.
func SecurityHeaders(tb testing.TB, resp events.APIGatewayV2HTTPResponse) {
	tb.Helper()
	if got := resp.Headers["X-Content-Type-Options"]; got != "nosniff" {
		tb.Errorf("X-Content-Type-Options = %q, want nosniff", got)
	}
	if got := resp.Headers["Cache-Control"]; got != "no-store" {
		tb.Errorf("Cache-Control = %q, want no-store", got)
	}
}

// Invoke sends r through h as Lambda would, wrapped by handler.Wrap, and
// returns the response. It also checks the log the request left: exactly one
// JSON request line with the response's status, and no trace of the request
// body or the Authorization header anywhere in the log.
func Invoke(tb testing.TB, h handler.Func, r Request) events.APIGatewayV2HTTPResponse {
	tb.Helper()
	var logs bytes.Buffer
	ev := r.Event()
	resp, err := handler.Wrap(handler.NewLogger(&logs), h)(context.Background(), ev)
	if err != nil {
		tb.Fatalf("the handler returned an error to Lambda: %v", err)
	}
	requestLines := 0
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var rec struct {
			Msg    string `json:"msg"`
			Status int    `json:"status"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			tb.Fatalf("log line %q is not JSON: %v", line, err)
		}
		if rec.Msg == "request" {
			requestLines++
			if rec.Status != resp.StatusCode {
				tb.Errorf("log line says status %d, response has %d", rec.Status, resp.StatusCode)
			}
		}
	}
	if requestLines != 1 {
		tb.Errorf("%d request log lines, want 1:\n%s", requestLines, &logs)
	}
	if len(r.Body) >= 16 && strings.Contains(logs.String(), r.Body) {
		tb.Errorf("the log holds the request body:\n%s", &logs)
	}
	if auth := ev.Headers["authorization"]; auth != "" && strings.Contains(logs.String(), auth) {
		tb.Errorf("the log holds the Authorization header")
	}
	return resp
}

// ClientError checks that err is what a parser may return for bad input: a
// problem with a 4xx status, its status text as title, and a detail.
func ClientError(tb testing.TB, err error) *problem.Problem {
	tb.Helper()
	var p *problem.Problem
	if !errors.As(err, &p) {
		tb.Fatalf("error %v (%T) is not a problem", err, err)
	}
	if p.Status < 400 || p.Status > 499 || p.Title != http.StatusText(p.Status) || p.Detail == "" || p.Type != "about:blank" {
		tb.Fatalf("problem %+v is not a client error", p)
	}
	return p
}
