package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/objects"
	"github.com/example/serverless-todo/pkg/request"
	"github.com/example/serverless-todo/pkg/response"
	"github.com/example/serverless-todo/pkg/store"
)

type deleteHandler struct {
	store  *store.Store
	bucket *objects.Bucket
	log    *slog.Logger
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

// handle deletes the todo (with If-Match, only at that version), then its
// attachments' objects. The todo is gone once its delete commits, so a
// failure to delete an object is logged, not answered: a retry would find
// no todo, and the account's purge sweeps its owner's objects whatever is
// left.
func (h *deleteHandler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	owner, id, version, err := parse(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	deleted, err := h.store.DeleteTodo(ctx, owner, id, version)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	var keys []string
	for _, a := range deleted.Attachments {
		keys = append(keys, attachment.Keys(owner, id, a.ID)...)
	}
	if err := h.bucket.Delete(ctx, keys...); err != nil {
		h.log.ErrorContext(ctx, "objects of a deleted todo left behind", slog.Int("keys", len(keys)), slog.String("error", err.Error()))
	}
	return response.Empty(http.StatusNoContent), nil
}
