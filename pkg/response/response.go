// Package response builds the API Gateway HTTP API responses (payload format
// 2.0) the functions return: JSON bodies, empty bodies, and problems, with the
// one mapping from an error to an HTTP status.
package response

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/etag"
	"github.com/example/serverless-todo/pkg/problem"
)

// RetryAfterSeconds is what a 503 asks the client to wait: DynamoDB
// throttling and blips clear within a second or two.
const RetryAfterSeconds = "1"

// JSON returns a response with v as its JSON body. &, < and > stay as
// they are rather than \u0026 and the like (json.Marshal's HTML escaping):
// the body is application/json with nosniff, never HTML, and a presigned
// URL's query reads as the URL it is.
func JSON(status int, v any) (events.APIGatewayV2HTTPResponse, error) {
	var body strings.Builder
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	resp := Empty(status)
	resp.Headers["Content-Type"] = "application/json"
	resp.Body = strings.TrimSuffix(body.String(), "\n")
	return resp, nil
}

// Versioned answers with a representation at version and its ETag: 200
// with v as its body, or, when the client already holds that version
// (notModified, from If-None-Match), 304 without one.
func Versioned(v any, version int64, notModified bool) (events.APIGatewayV2HTTPResponse, error) {
	resp := Empty(http.StatusNotModified)
	if !notModified {
		var err error
		if resp, err = JSON(http.StatusOK, v); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
	}
	resp.Headers["ETag"] = etag.Format(version)
	return resp, nil
}

// Empty returns a response without a body, such as 204 or 304.
func Empty(status int) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: baseHeaders()}
}

// Problem returns the response that carries p.
func Problem(p *problem.Problem) events.APIGatewayV2HTTPResponse {
	body, _ := json.Marshal(p) // a Problem always marshals
	resp := Empty(p.Status)
	resp.Headers["Content-Type"] = problem.ContentType
	switch {
	case p.RetryAfter > 0:
		resp.Headers["Retry-After"] = strconv.Itoa(p.RetryAfter)
	case p.Status == http.StatusServiceUnavailable:
		resp.Headers["Retry-After"] = RetryAfterSeconds
	}
	resp.Body = string(body)
	return resp
}

// ProblemFor maps an error to what the client is told. It is the API's one
// error-to-HTTP mapping. Anything it does not know is a 500 whose body says
// nothing of the cause: the cause goes to the log only.
func ProblemFor(err error) *problem.Problem {
	var p *problem.Problem
	switch {
	case errors.As(err, &p):
		return p
	case errors.Is(err, errkind.ErrNotFound):
		return problem.New(http.StatusNotFound, "The todo does not exist.")
	case errors.Is(err, errkind.ErrAttachmentNotFound):
		return problem.New(http.StatusNotFound, "The attachment does not exist.")
	case errors.Is(err, errkind.ErrVersionMismatch):
		return problem.New(http.StatusPreconditionFailed, "The todo has changed: its ETag no longer matches If-Match. Fetch it again and retry.")
	case errors.Is(err, errkind.ErrIdempotencyKeyReused):
		return problem.New(http.StatusUnprocessableEntity, "The Idempotency-Key was already used with a different request body.")
	case errors.Is(err, errkind.ErrIdempotencyInFlight):
		return problem.New(http.StatusConflict, "A request with this Idempotency-Key is still being processed. Retry later.")
	case errors.Is(err, errkind.ErrConflict):
		return problem.New(http.StatusConflict, "A concurrent request changed the same data. Retry.")
	case errors.Is(err, errkind.ErrInvalidCursor):
		return problem.InvalidField("cursor", "is not a cursor this API gave you")
	case errors.Is(err, errkind.ErrInvalidSyncToken):
		return problem.InvalidField("since", "is not a sync token this API gave you")
	case errors.Is(err, errkind.ErrSyncTokenExpired):
		return problem.New(http.StatusGone, "The sync token is older than the record of deletions. Synchronize from scratch: call again without since, and replace what you keep with what it returns.")
	case errors.Is(err, errkind.ErrRateLimited):
		p := problem.New(http.StatusTooManyRequests, "Too many requests from you. Retry after the time Retry-After says.")
		p.RetryAfter = 1
		var ra *errkind.RetryAfter
		if errors.As(err, &ra) {
			p.RetryAfter = max(1, int(math.Ceil(ra.After.Seconds())))
		}
		return p
	case errors.Is(err, errkind.ErrQuotaReached):
		return problem.New(http.StatusForbidden, "You have reached your quota of todos. Delete some before you create more.")
	case errors.Is(err, errkind.ErrAccountDeleted):
		return problem.New(http.StatusForbidden, "This account has been deleted. Sign up again to start a new one.")
	case errors.Is(err, errkind.ErrUsernameTaken):
		p := problem.New(http.StatusConflict, "The username is taken. Choose another.")
		p.Errors = []problem.FieldError{{Field: "username", Message: "is taken"}}
		return p
	case errors.Is(err, errkind.ErrOutcomeUnknown):
		return problem.New(http.StatusServiceUnavailable, "The service is busy, and the change may or may not have been made. "+
			"Retry the same request after a moment: with the same Idempotency-Key or If-Match, the retry reports the first one's outcome and never applies it twice.")
	case errors.Is(err, errkind.ErrUnavailable):
		return problem.New(http.StatusServiceUnavailable, "The service is busy. Retry after a moment.")
	}
	return problem.New(http.StatusInternalServerError, "Something went wrong on our side.")
}

// baseHeaders are on every response: API responses carry user data and must
// not be stored by any cache, nor sniffed into something other than JSON.
func baseHeaders() map[string]string {
	return map[string]string{
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	}
}
