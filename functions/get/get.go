package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/pkg/request"
	"github.com/example/serverless-todo/pkg/response"
	"github.com/example/serverless-todo/pkg/store"
)

type getHandler struct {
	store *store.Store
}

// parse reads the caller and the todo id, and checks If-None-Match before
// the read, so a malformed one costs no read. Every error it returns is a
// 4xx problem.
func parse(req *events.APIGatewayV2HTTPRequest) (owner, id string, err error) {
	if owner, err = request.Owner(req); err != nil {
		return "", "", err
	}
	if id, err = request.PathID(req, "id"); err != nil {
		return "", "", err
	}
	if _, err := request.IfNoneMatch(req, 0); err != nil {
		return "", "", err
	}
	return owner, id, nil
}

// handle returns the todo with its ETag, or 304 when If-None-Match shows the
// client already has this version.
func (h *getHandler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	owner, id, err := parse(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	t, err := h.store.GetTodo(ctx, owner, id)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	match, _ := request.IfNoneMatch(req, t.Version)
	return response.Versioned(t, t.Version, match)
}
