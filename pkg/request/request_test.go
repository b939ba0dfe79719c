package request_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/pkg/problem"
	"github.com/example/serverless-todo/pkg/request"
	"github.com/example/serverless-todo/pkg/todo"
)

// asProblem returns the problem err is, failing the test if it is not one.
func asProblem(t *testing.T, err error) *problem.Problem {
	t.Helper()
	var p *problem.Problem
	if !errors.As(err, &p) {
		t.Fatalf("error %v (%T) is not a problem", err, err)
	}
	return p
}

type body struct {
	Title string   `json:"title"`
	Done  bool     `json:"done"`
	Tags  []string `json:"tags"`
	Count int      `json:"count"`
}

func TestDecodeJSONAcceptsAValidBody(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		base64      bool
		want        body
	}{
		{"plain", "application/json", `{"title":"a","done":true,"tags":["x"],"count":2}`, false, body{"a", true, []string{"x"}, 2}},
		{"charset utf-8", "application/json; charset=UTF-8", `{"title":"é"}`, false, body{Title: "é"}},
		{"base64-encoded by the gateway", "application/json", `{"title":"b"}`, true, body{Title: "b"}},
		{"surrounding whitespace", "application/json", " \n{\"title\":\"c\"}\n ", false, body{Title: "c"}},
		{"same name in different objects is no duplicate", "application/json", `{"title":"d","tags":[]}`, false, body{Title: "d", Tags: []string{}}},
		{"escaped member names", "application/json", `{"t\u0069tle":"e"}`, false, body{Title: "e"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := apitest.Request{Method: "POST", Path: "/x", Body: tt.body, Base64: tt.base64, Headers: map[string]string{"Content-Type": tt.contentType}}.Event()
			var got body
			if err := request.DecodeJSON(&ev, &got); err != nil {
				t.Fatal(err)
			}
			if got.Title != tt.want.Title || got.Done != tt.want.Done || !slices.Equal(got.Tags, tt.want.Tags) || got.Count != tt.want.Count {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeJSONRefusesBadBodies(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		base64      bool
		status      int
		field       string
	}{
		{"no body", "application/json", "", false, 400, ""},
		{"not JSON", "application/json", "title=a", false, 400, ""},
		{"truncated", "application/json", `{"title":"a"`, false, 400, ""},
		{"two values", "application/json", `{"title":"a"}{"title":"b"}`, false, 400, ""},
		{"an array", "application/json", `[{"title":"a"}]`, false, 400, ""},
		{"a string", "application/json", `"a"`, false, 400, ""},
		{"unknown member", "application/json", `{"title":"a","owner":"bob"}`, false, 400, "owner"},
		{"a member in another case", "application/json", `{"Title":"a"}`, false, 400, "Title"},
		{"a member in another case after the member", "application/json", `{"title":"a","TITLE":"b"}`, false, 400, "TITLE"},
		{"duplicate member", "application/json", `{"title":"a","title":"b"}`, false, 400, "title"},
		{"duplicate member in a nested object", "application/json", `{"title":"a","tags":[{"x":1,"x":2}]}`, false, 400, "x"},
		{"wrong type", "application/json", `{"title":5}`, false, 400, "title"},
		{"wrong type in an array", "application/json", `{"tags":["a",1]}`, false, 400, "tags[1]"},
		{"huge number", "application/json", `{"count":1e999}`, false, 400, "count"},
		{"number where bool", "application/json", `{"done":1}`, false, 400, "done"},
		{"deep nesting", "application/json", `{"tags":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, false, 400, ""},
		{"invalid UTF-8", "application/json", "{\"title\":\"\xff\"}", false, 400, ""},
		{"invalid base64", "application/json", "%%%", true, 400, ""},
		{"too large", "application/json", `{"title":"` + strings.Repeat("a", request.MaxBodyBytes) + `"}`, false, 413, ""},
		{"too large after base64", "application/json", `{"title":"` + strings.Repeat("a", request.MaxBodyBytes) + `"}`, true, 413, ""},
		{"no content type", "", `{"title":"a"}`, false, 415, ""},
		{"text/plain", "text/plain", `{"title":"a"}`, false, 415, ""},
		{"form", "application/x-www-form-urlencoded", `title=a`, false, 415, ""},
		{"another charset", "application/json; charset=latin1", `{"title":"a"}`, false, 415, ""},
		{"malformed content type", "application/", `{"title":"a"}`, false, 415, ""},
		{"merge patch where JSON is wanted", "application/merge-patch+json", `{"title":"a"}`, false, 415, ""},
		{"null member", "application/json", `{"title":null}`, false, 400, "title"},
		{"null in an array", "application/json", `{"tags":["a",null]}`, false, 400, "tags"},
		{"null body", "application/json", `null`, false, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := apitest.Request{Method: "POST", Path: "/x", Body: tt.body, Base64: tt.base64}.Event()
			ev.Headers["content-type"] = tt.contentType
			if tt.contentType == "" {
				delete(ev.Headers, "content-type")
			}
			var got body
			p := asProblem(t, request.DecodeJSON(&ev, &got))
			if p.Status != tt.status {
				t.Fatalf("status = %d, want %d (%v)", p.Status, tt.status, p)
			}
			if p.Detail == "" || p.Title != http.StatusText(tt.status) {
				t.Fatalf("problem %+v lacks a detail or title", p)
			}
			if tt.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tt.field) {
				t.Fatalf("errors = %+v, want one for %q", p.Errors, tt.field)
			}
		})
	}
}

func TestDecodeJSONAcceptsTheGivenMediaTypes(t *testing.T) {
	for _, ct := range []string{"application/merge-patch+json", "application/json"} {
		ev := apitest.Request{Method: "PATCH", Path: "/x", Body: `{"title":"a"}`, Headers: map[string]string{"content-type": ct}}.Event()
		var p todo.Patch
		if err := request.DecodeMergePatch(&ev, &p); err != nil {
			t.Fatalf("%s: %v", ct, err)
		}
	}
}

func TestDecodeMergePatchAllowsNullOnlyAsAMember(t *testing.T) {
	tests := []struct {
		body   string
		status int
		field  string
	}{
		{`{"notes":null,"tags":null}`, 0, ""},
		{`{"tags":[null]}`, 400, "tags"},
		{`null`, 400, ""},
	}
	for _, tt := range tests {
		ev := apitest.Request{Method: "PATCH", Path: "/x", Body: tt.body, Headers: map[string]string{"content-type": "application/merge-patch+json"}}.Event()
		var p todo.Patch
		err := request.DecodeMergePatch(&ev, &p)
		if tt.status == 0 {
			if err != nil || !p.Notes.Null || !p.Tags.Null {
				t.Errorf("%s: %v, %+v", tt.body, err, p)
			}
			continue
		}
		pr := asProblem(t, err)
		if pr.Status != tt.status || (tt.field != "" && (len(pr.Errors) != 1 || pr.Errors[0].Field != tt.field)) {
			t.Errorf("%s: problem %+v", tt.body, pr)
		}
	}
}

func TestBodyDecodesBase64(t *testing.T) {
	ev := events.APIGatewayV2HTTPRequest{Body: base64.StdEncoding.EncodeToString([]byte("\x00\x01binary")), IsBase64Encoded: true}
	b, err := request.Body(&ev)
	if err != nil || string(b) != "\x00\x01binary" {
		t.Fatalf("Body = %q, %v", b, err)
	}
}

func TestOwner(t *testing.T) {
	ev := apitest.Request{Sub: "alice"}.Event()
	if got, err := request.Owner(&ev); got != "alice" || err != nil {
		t.Fatalf("Owner = %q, %v", got, err)
	}
	for name, ev := range map[string]events.APIGatewayV2HTTPRequest{
		"no authorizer": apitest.Request{}.Event(),
		"no sub claim": func() events.APIGatewayV2HTTPRequest {
			ev := apitest.Request{Sub: "alice"}.Event()
			delete(ev.RequestContext.Authorizer.JWT.Claims, "sub")
			return ev
		}(),
		"no JWT": func() events.APIGatewayV2HTTPRequest {
			ev := apitest.Request{Sub: "alice"}.Event()
			ev.RequestContext.Authorizer.JWT = nil
			return ev
		}(),
	} {
		_, err := request.Owner(&ev)
		if p := asProblem(t, err); p.Status != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, p.Status)
		}
	}
}

func TestPathIDReturnsTheCanonicalULID(t *testing.T) {
	const id = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{id, id, false},
		{strings.ToLower(id), id, false},
		{"", "", true},
		{"01ARZ3NDEKTSV4RRFFQ69G5FA", "", true},   // 25 characters
		{"01ARZ3NDEKTSV4RRFFQ69G5FAVV", "", true}, // 27 characters
		{"01ARZ3NDEKTSV4RRFFQ69G5FAU", "", true},  // U is not Crockford base32
		{"81ARZ3NDEKTSV4RRFFQ69G5FAV", "", true},  // overflows 128 bits
		{"../../etc/passwd", "", true},
	}
	for _, tt := range tests {
		ev := apitest.Request{PathParameters: map[string]string{"id": tt.in}}.Event()
		got, err := request.PathID(&ev, "id")
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("PathID(%q) = %q, %v", tt.in, got, err)
		}
		if err != nil && asProblem(t, err).Status != 400 {
			t.Errorf("PathID(%q): status %d", tt.in, asProblem(t, err).Status)
		}
	}
}

func TestIntQuery(t *testing.T) {
	tests := []struct {
		query   map[string]string
		want    int
		wantErr bool
	}{
		{nil, 20, false},
		{map[string]string{"limit": "1"}, 1, false},
		{map[string]string{"limit": "100"}, 100, false},
		{map[string]string{"limit": "0"}, 0, true},
		{map[string]string{"limit": "101"}, 0, true},
		{map[string]string{"limit": "-5"}, 0, true},
		{map[string]string{"limit": ""}, 0, true},
		{map[string]string{"limit": "ten"}, 0, true},
		{map[string]string{"limit": "5,6"}, 0, true},
		{map[string]string{"limit": "99999999999999999999999"}, 0, true},
		{map[string]string{"limit": "1.5"}, 0, true},
	}
	for _, tt := range tests {
		ev := apitest.Request{Query: tt.query}.Event()
		got, err := request.IntQuery(&ev, "limit", 20, 1, 100)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("IntQuery(%v) = %d, %v", tt.query, got, err)
		}
		if err != nil {
			if p := asProblem(t, err); p.Status != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "limit" {
				t.Errorf("IntQuery(%v): problem %+v", tt.query, p)
			}
		}
	}
}

func TestBoolQuery(t *testing.T) {
	for in, want := range map[string]string{"true": "true", "false": "false", "": "error", "TRUE": "error", "1": "error", "yes": "error"} {
		ev := apitest.Request{Query: map[string]string{"done": in}}.Event()
		b, err := request.BoolQuery(&ev, "done")
		got := "error"
		if err == nil {
			got = map[bool]string{true: "true", false: "false"}[*b]
		}
		if got != want {
			t.Errorf("BoolQuery(%q) = %s, want %s", in, got, want)
		}
	}
	ev := apitest.Request{}.Event()
	if b, err := request.BoolQuery(&ev, "done"); b != nil || err != nil {
		t.Errorf("absent: %v, %v", b, err)
	}
}

func TestIdempotencyKey(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
		want    string
		wantErr bool
	}{
		{"absent", nil, "", false},
		{"visible ASCII", map[string]string{"idempotency-key": "abc-123_~!"}, "abc-123_~!", false},
		{"255 characters", map[string]string{"idempotency-key": strings.Repeat("k", 255)}, strings.Repeat("k", 255), false},
		{"mixed-case header name", map[string]string{"Idempotency-Key": "k"}, "k", false},
		{"empty", map[string]string{"idempotency-key": ""}, "", true},
		{"256 characters", map[string]string{"idempotency-key": strings.Repeat("k", 256)}, "", true},
		{"space", map[string]string{"idempotency-key": "a b"}, "", true},
		{"non-ASCII", map[string]string{"idempotency-key": "clé"}, "", true},
		{"control character", map[string]string{"idempotency-key": "a\x00b"}, "", true},
	}
	for _, tt := range tests {
		ev := apitest.Request{}.Event()
		for k, v := range tt.headers {
			ev.Headers[k] = v
		}
		got, err := request.IdempotencyKey(&ev)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%s: IdempotencyKey = %q, %v", tt.name, got, err)
		}
	}
}

func TestConditionalHeadersRefuseMalformedTags(t *testing.T) {
	ev := apitest.Request{Headers: map[string]string{"If-Match": "3", "If-None-Match": "nope"}}.Event()
	if _, err := request.IfMatch(&ev); asProblem(t, err).Errors[0].Field != "If-Match" {
		t.Errorf("IfMatch: %v", err)
	}
	if _, err := request.IfNoneMatch(&ev, 1); asProblem(t, err).Errors[0].Field != "If-None-Match" {
		t.Errorf("IfNoneMatch: %v", err)
	}
	ev = apitest.Request{Headers: map[string]string{"If-Match": `"3"`}}.Event()
	if v, err := request.IfMatch(&ev); v != 3 || err != nil {
		t.Errorf("IfMatch = %d, %v", v, err)
	}
}
