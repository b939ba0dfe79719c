// Package request reads what a function needs from an API Gateway HTTP API
// event (payload format 2.0): the caller, path and query parameters,
// conditional and idempotency headers, and the JSON body. Everything it
// rejects comes back as a *problem.Problem with a 4xx status, so a handler
// returns the error as it is.
package request

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/pkg/etag"
	"github.com/example/serverless-todo/pkg/problem"
)

// Owner returns the caller: the sub claim of the JWT the gateway's
// authorizer checked. The gateway never sends a /todos request without one;
// the function still refuses it, so a misconfigured route cannot serve
// everyone's data to no one in particular.
func Owner(req *events.APIGatewayV2HTTPRequest) (string, error) {
	if a := req.RequestContext.Authorizer; a != nil && a.JWT != nil {
		if sub := a.JWT.Claims["sub"]; sub != "" {
			return sub, nil
		}
	}
	return "", problem.New(http.StatusUnauthorized, "The request carries no authenticated user.")
}

// Claims returns the claims of the JWT the gateway's authorizer checked,
// nil for a public route.
func Claims(req *events.APIGatewayV2HTTPRequest) map[string]string {
	if a := req.RequestContext.Authorizer; a != nil && a.JWT != nil {
		return a.JWT.Claims
	}
	return nil
}

// Header returns a request header. Payload 2.0 lowercases header names and
// joins repeated headers with commas; the fallback scan keeps hand-made
// events working too.
func Header(req *events.APIGatewayV2HTTPRequest, name string) string {
	lower := strings.ToLower(name)
	if v, ok := req.Headers[lower]; ok {
		return v
	}
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// PathID returns the ULID in the path parameter name, in its canonical upper
// case form.
func PathID(req *events.APIGatewayV2HTTPRequest, name string) (string, error) {
	id, err := ulid.ParseStrict(req.PathParameters[name])
	if err != nil {
		return "", problem.New(http.StatusBadRequest, "The "+name+" in the path must be a ULID.")
	}
	return id.String(), nil
}

// AttachmentPath reads the caller and the ids of a route under
// /todos/{id}/attachments/{attachmentId}; every error it returns is a 4xx
// problem.
func AttachmentPath(req *events.APIGatewayV2HTTPRequest) (owner, todoID, attachmentID string, err error) {
	if owner, err = Owner(req); err != nil {
		return "", "", "", err
	}
	if todoID, err = PathID(req, "id"); err != nil {
		return "", "", "", err
	}
	if attachmentID, err = PathID(req, "attachmentId"); err != nil {
		return "", "", "", err
	}
	return owner, todoID, attachmentID, nil
}

// IntQuery returns the integer query parameter name, def when it is absent,
// and a 400 when it is not an integer from min to max.
func IntQuery(req *events.APIGatewayV2HTTPRequest, name string, def, min, max int) (int, error) {
	s, ok := req.QueryStringParameters[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		return 0, problem.InvalidField(name, "must be an integer from "+strconv.Itoa(min)+" to "+strconv.Itoa(max))
	}
	return n, nil
}

// BoolQuery returns the boolean query parameter name, nil when it is absent,
// and a 400 unless it is true or false.
func BoolQuery(req *events.APIGatewayV2HTTPRequest, name string) (*bool, error) {
	s, ok := req.QueryStringParameters[name]
	if !ok {
		return nil, nil
	}
	switch s {
	case "true":
		b := true
		return &b, nil
	case "false":
		b := false
		return &b, nil
	}
	return nil, problem.InvalidField(name, "must be true or false")
}

// EnumQuery returns the query parameter name, def when it is absent, and a
// 400 listing the allowed values unless it is one of them. The value is
// never echoed: it is the client's, of any length.
func EnumQuery(req *events.APIGatewayV2HTTPRequest, name, def string, allowed ...string) (string, error) {
	s, ok := req.QueryStringParameters[name]
	if !ok {
		return def, nil
	}
	if !slices.Contains(allowed, s) {
		return "", problem.InvalidField(name, "must be one of "+strings.Join(allowed, ", "))
	}
	return s, nil
}

// IfMatch returns the version an If-Match header requires, 0 when the
// request requires none.
func IfMatch(req *events.APIGatewayV2HTTPRequest) (int64, error) {
	version, err := etag.ParseIfMatch(Header(req, "If-Match"))
	if err != nil {
		return 0, problem.InvalidField("If-Match", err.Error())
	}
	return version, nil
}

// IfNoneMatch reports whether an If-None-Match header matches the version.
func IfNoneMatch(req *events.APIGatewayV2HTTPRequest, version int64) (bool, error) {
	match, err := etag.NoneMatch(Header(req, "If-None-Match"), version)
	if err != nil {
		return false, problem.InvalidField("If-None-Match", err.Error())
	}
	return match, nil
}

// MaxIdempotencyKey is the longest Idempotency-Key accepted.
const MaxIdempotencyKey = 255

// IdempotencyKey returns the Idempotency-Key header, "" when there is none:
// 1 to 255 visible ASCII characters.
func IdempotencyKey(req *events.APIGatewayV2HTTPRequest) (string, error) {
	const name = "Idempotency-Key"
	key, ok := req.Headers[strings.ToLower(name)]
	if !ok {
		if key = Header(req, name); key == "" {
			return "", nil
		}
	}
	if key == "" || len(key) > MaxIdempotencyKey {
		return "", problem.InvalidField(name, "must be 1 to 255 visible ASCII characters")
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return "", problem.InvalidField(name, "must be 1 to 255 visible ASCII characters")
		}
	}
	return key, nil
}
