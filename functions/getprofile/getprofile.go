package main

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/profile"
	"github.com/example/serverless-todo/pkg/request"
	"github.com/example/serverless-todo/pkg/response"
	"github.com/example/serverless-todo/pkg/store"
)

type getProfileHandler struct {
	store *store.Store
}

// handle returns the caller's profile with its ETag. A caller who never
// wrote one gets what their token says (profile.FromClaims) and no ETag,
// so that the app can always draw its profile screen.
func (h *getProfileHandler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	owner, err := request.Owner(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if _, err := request.IfNoneMatch(req, 0); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	p, err := h.store.GetProfile(ctx, owner)
	if errors.Is(err, errkind.ErrNotFound) {
		return response.JSON(http.StatusOK, profile.FromClaims(request.Claims(req)))
	}
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	match, _ := request.IfNoneMatch(req, p.Version)
	return response.Versioned(p, p.Version, match)
}
