package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/pkg/request"
	"github.com/example/serverless-todo/pkg/response"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
	"github.com/example/serverless-todo/pkg/validate"
)

type updateHandler struct {
	store    *store.Store
	validate *validate.Validator
}

// updateRequest is what a valid PATCH /todos/{id} asks for.
type updateRequest struct {
	owner, id string
	// version is what If-Match requires, 0 for any.
	version int64
	patch   todo.Patch
}

// parse reads and validates the request without touching the table; every
// error it returns is a 4xx problem. The patch's values must obey the same
// rules as a new todo's.
func (h *updateHandler) parse(req *events.APIGatewayV2HTTPRequest) (updateRequest, error) {
	var r updateRequest
	var err error
	if r.owner, err = request.Owner(req); err != nil {
		return r, err
	}
	if r.id, err = request.PathID(req, "id"); err != nil {
		return r, err
	}
	if r.version, err = request.IfMatch(req); err != nil {
		return r, err
	}
	if err := request.DecodeMergePatch(req, &r.patch); err != nil {
		return r, err
	}
	return r, r.patch.Validate(h.validate)
}

// handle applies the patch in one conditional write and returns the whole
// todo as it is now, with its new ETag.
func (h *updateHandler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	r, err := h.parse(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	t, err := h.store.UpdateTodo(ctx, r.owner, r.id, &r.patch, r.version)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return response.Versioned(t, t.Version, false)
}
