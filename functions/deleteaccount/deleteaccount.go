package main

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/profile"
	"github.com/example/serverless-todo/pkg/purge"
	"github.com/example/serverless-todo/pkg/request"
	"github.com/example/serverless-todo/pkg/response"
	"github.com/example/serverless-todo/pkg/store"
)

type deleteAccountHandler struct {
	store *store.Store
	queue *purge.Queue
	// keepFor is how long the account's deletion mark outlives it: longer
	// than any token issued before the deletion stays valid.
	keepFor time.Duration
}

// accepted is the body of the 202.
type accepted struct {
	DeletedAt string `json:"deletedAt"`
}

// handle marks the account deleted, which stops every write of the
// caller's at once, and queues the purge of what it holds, which runs in
// the background; the client gets 202 without waiting for it. With
// If-Match, only while the profile is at that version. Deleting again
// queues the purge again, which is harmless: a purge is idempotent.
func (h *deleteAccountHandler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	owner, err := request.Owner(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	version, err := request.IfMatch(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	deletedAt, err := h.store.DeleteAccount(ctx, owner, version, h.keepFor)
	if errors.Is(err, errkind.ErrVersionMismatch) {
		return events.APIGatewayV2HTTPResponse{}, profile.ErrChanged
	}
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	// Cognito's access tokens name the user in username; the sub is the
	// name of a user pool whose users sign in with their email.
	username := request.Claims(req)["username"]
	if username == "" {
		username = owner
	}
	if err := h.queue.Send(ctx, purge.Request{Owner: owner, Username: username}); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return response.JSON(http.StatusAccepted, accepted{DeletedAt: deletedAt.UTC().Format(time.RFC3339)})
}
