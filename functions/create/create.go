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
	"github.com/example/serverless-todo/pkg/request"
	"github.com/example/serverless-todo/pkg/response"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
	"github.com/example/serverless-todo/pkg/validate"
)

type createHandler struct {
	store    *store.Store
	validate *validate.Validator
	now      func() time.Time
}

// handle creates a todo. With an Idempotency-Key, a retry of the same body
// gets the first response again (marked Idempotent-Replayed) instead of a
// second todo.
func (h *createHandler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	owner, err := request.Owner(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	key, err := request.IdempotencyKey(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	var in todo.New
	if err := request.DecodeJSON(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	in.Normalize()
	if err := h.validate.Struct(&in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}

	t := in.Todo(ulid.Make().String(), h.now())
	resp, err := response.JSON(http.StatusCreated, t)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	resp.Headers["Location"] = "/todos/" + t.ID
	resp.Headers["ETag"] = etag.Format(t.Version)

	if key == "" {
		return resp, h.store.PutTodo(ctx, owner, t)
	}
	replay, err := h.store.PutTodoOnce(ctx, owner, t, store.Idempotency{
		Key:         key,
		RequestHash: requestHash(&in),
		Response:    store.SavedResponse{Status: resp.StatusCode, Headers: resp.Headers, Body: resp.Body},
	})
	if err != nil || replay == nil {
		return resp, err
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
