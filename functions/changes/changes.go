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

// Page sizes of GET /todos/changes: todos and deletions together.
const (
	defaultChanges = 100
	maxChanges     = 100
)

type changesHandler struct {
	store *store.Store
}

// answer is the response body. Items and DeletedIDs are never null.
type answer struct {
	Items      []todo.Todo `json:"items"`
	DeletedIDs []string    `json:"deletedIds"`
	SyncToken  string      `json:"syncToken"`
	HasMore    bool        `json:"hasMore"`
}

// query is a parsed GET /todos/changes.
type query struct {
	owner, since string
	limit        int
}

// parse reads the caller and the query parameters; every error it returns
// is a 4xx problem. The token is the store's to decode.
func parse(req *events.APIGatewayV2HTTPRequest) (q query, err error) {
	if q.owner, err = request.Owner(req); err != nil {
		return q, err
	}
	if q.limit, err = request.IntQuery(req, "limit", defaultChanges, 1, maxChanges); err != nil {
		return q, err
	}
	q.since = req.QueryStringParameters["since"]
	return q, nil
}

func (h *changesHandler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	q, err := parse(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	cs, err := h.store.Changes(ctx, q.owner, q.since, q.limit)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return response.JSON(http.StatusOK, answer{Items: cs.Items, DeletedIDs: cs.DeletedIDs, SyncToken: cs.Token, HasMore: cs.HasMore})
}
