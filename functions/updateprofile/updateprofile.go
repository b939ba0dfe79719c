package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/profile"
	"github.com/example/serverless-todo/pkg/request"
	"github.com/example/serverless-todo/pkg/response"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/validate"
)

type updateProfileHandler struct {
	store    *store.Store
	validate *validate.Validator
}

// updateRequest is what a valid PATCH /me asks for.
type updateRequest struct {
	owner string
	// version is what If-Match requires, 0 for any.
	version int64
	patch   profile.Patch
}

// parse reads and validates the request without touching the table; every
// error it returns is a 4xx problem.
func (h *updateProfileHandler) parse(req *events.APIGatewayV2HTTPRequest) (updateRequest, error) {
	var r updateRequest
	var err error
	if r.owner, err = request.Owner(req); err != nil {
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

// handle applies the patch, creating the profile when the caller has none,
// and returns the whole profile with its new ETag.
func (h *updateProfileHandler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	r, err := h.parse(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	p, err := h.store.UpdateProfile(ctx, r.owner, &r.patch, r.version)
	if errors.Is(err, errkind.ErrVersionMismatch) {
		return events.APIGatewayV2HTTPResponse{}, profile.ErrChanged
	}
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return response.Versioned(p, p.Version, false)
}
