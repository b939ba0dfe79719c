package main

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/pkg/etag"
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

// handle applies the patch in one conditional write and returns the whole
// todo as it is now, with its new ETag.
func (h *updateHandler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
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
	var patch todo.Patch
	if err := request.DecodeJSON(req, &patch, request.MergePatchJSON, request.JSON); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if err := patch.Check(); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	patch.Normalize()
	values, fields := patch.Values()
	if err := h.validate.Fields(&values, fields...); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	t, err := h.store.UpdateTodo(ctx, owner, id, &patch, version)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	resp, err := response.JSON(http.StatusOK, t)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	resp.Headers["ETag"] = etag.Format(t.Version)
	return resp, nil
}
