package main

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/pkg/request"
	"github.com/example/serverless-todo/pkg/response"
	"github.com/example/serverless-todo/pkg/store"
)

type deleteHandler struct {
	store *store.Store
}

// parse reads the caller, the todo id and the version If-Match requires (0
// for any); every error it returns is a 4xx problem.
func parse(req *events.APIGatewayV2HTTPRequest) (owner, id string, version int64, err error) {
	if owner, err = request.Owner(req); err != nil {
		return "", "", 0, err
	}
	if id, err = request.PathID(req, "id"); err != nil {
		return "", "", 0, err
	}
	if version, err = request.IfMatch(req); err != nil {
		return "", "", 0, err
	}
	return owner, id, version, nil
}

// handle deletes the todo; with If-Match, only at that version.
func (h *deleteHandler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	owner, id, version, err := parse(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if err := h.store.DeleteTodo(ctx, owner, id, version); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return response.Empty(http.StatusNoContent), nil
}
