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

type listHandler struct {
	store *store.Store
}

// page is the response body. Items is never null, so a client can always
// iterate it; NextCursor is absent on the last page.
type page struct {
	Items      []todo.Todo `json:"items"`
	NextCursor string      `json:"nextCursor,omitempty"`
}

// parse reads the caller and the query parameters; every error it returns
// is a 4xx problem. The cursor is the store's to decode: only it knows what
// a position in the table looks like.
func parse(req *events.APIGatewayV2HTTPRequest) (owner string, q store.ListQuery, err error) {
	if owner, err = request.Owner(req); err != nil {
		return "", q, err
	}
	if q.Limit, err = request.IntQuery(req, "limit", todo.DefaultPageSize, 1, todo.MaxPageSize); err != nil {
		return "", q, err
	}
	if q.Done, err = request.BoolQuery(req, "done"); err != nil {
		return "", q, err
	}
	sort, err := request.EnumQuery(req, "sort", "createdAt", "createdAt", "dueAt")
	if err != nil {
		return "", q, err
	}
	if sort == "dueAt" {
		q.Sort = store.SortDueAt
	}
	q.Cursor = req.QueryStringParameters["cursor"]
	return owner, q, nil
}

func (h *listHandler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	owner, q, err := parse(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	p, err := h.store.ListTodos(ctx, owner, q)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return response.JSON(http.StatusOK, page{Items: p.Items, NextCursor: p.NextCursor})
}
