package main

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/pkg/request"
	"github.com/example/serverless-todo/pkg/response"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
)

// Page sizes: limit is optional and bounded so a page stays small and fast.
const (
	defaultLimit = 20
	maxLimit     = 100
)

type listHandler struct {
	store *store.Store
}

// page is the response body. Items is never null, so a client can always
// iterate it; NextCursor is absent on the last page.
type page struct {
	Items      []todo.Todo `json:"items"`
	NextCursor string      `json:"nextCursor,omitempty"`
}

func (h *listHandler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	owner, err := request.Owner(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	limit, err := request.IntQuery(req, "limit", defaultLimit, 1, maxLimit)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	done, err := request.BoolQuery(req, "done")
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	p, err := h.store.ListTodos(ctx, owner, store.ListQuery{
		Limit:  limit,
		Cursor: req.QueryStringParameters["cursor"],
		Done:   done,
	})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return response.JSON(http.StatusOK, page{Items: p.Items, NextCursor: p.NextCursor})
}
