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

// handle deletes the todo; with If-Match, only at that version.
func (h *deleteHandler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	owner, err := request.Owner(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	id, err := request.PathID(req, "id")
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	version, err := request.IfMatch(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if err := h.store.DeleteTodo(ctx, owner, id, version); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return response.Empty(http.StatusNoContent), nil
}
