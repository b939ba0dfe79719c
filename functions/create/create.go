package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/pkg/etag"
	"github.com/example/serverless-todo/pkg/metrics"
	"github.com/example/serverless-todo/pkg/request"
	"github.com/example/serverless-todo/pkg/response"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
	"github.com/example/serverless-todo/pkg/validate"
)

type createHandler struct {
	store    *store.Store
	validate *validate.Validator
	// maxTodos is how many todos one user may keep.
	maxTodos int
	now      func() time.Time
}

// createRequest is what a valid POST /todos asks for.
type createRequest struct {
	owner string
	// key is the Idempotency-Key, "" when there is none.
	key string
	new todo.New
}

// parse reads and validates the request without touching the table; every
// error it returns is a 4xx problem.
func (h *createHandler) parse(req *events.APIGatewayV2HTTPRequest) (createRequest, error) {
	var r createRequest
	var err error
	if r.owner, err = request.Owner(req); err != nil {
		return r, err
	}
	if r.key, err = request.IdempotencyKey(req); err != nil {
		return r, err
	}
	if err := request.DecodeJSON(req, &r.new); err != nil {
		return r, err
	}
	return r, r.new.Validate(h.validate)
}

// handle creates a todo. With an Idempotency-Key, a retry of the same body
// gets the first response again (marked Idempotent-Replayed) instead of a
// second todo. A user who keeps maxTodos todos gets 403 until they delete
// some.
func (h *createHandler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	r, err := h.parse(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	t := r.new.Todo(ulid.Make().String(), h.now())
	resp, err := response.JSON(http.StatusCreated, t)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	resp.Headers["Location"] = "/todos/" + t.ID
	resp.Headers["ETag"] = etag.Format(t.Version)

	if r.key == "" {
		if err := h.store.PutTodo(ctx, r.owner, t, h.maxTodos); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		metrics.Count(ctx, metrics.TodoCreated)
		return resp, nil
	}
	replay, err := h.store.PutTodoOnce(ctx, r.owner, t, store.Idempotency{
		Key:         r.key,
		RequestHash: requestHash(&r.new),
		Response:    store.SavedResponse{Status: resp.StatusCode, Headers: resp.Headers, Body: resp.Body},
	}, h.maxTodos)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if replay == nil {
		metrics.Count(ctx, metrics.TodoCreated)
		return resp, nil
	}
	replayed := response.Empty(replay.Status)
	for k, v := range replay.Headers {
		replayed.Headers[k] = v
	}
	replayed.Headers["Idempotent-Replayed"] = "true"
	replayed.Body = replay.Body
	return replayed, nil
}

// requestHash identifies what a request asks for: the normalized body, so a
// retry that differs only in spacing or member order is the same request.
func requestHash(in *todo.New) string {
	b, _ := json.Marshal(in) // a todo.New always marshals
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
