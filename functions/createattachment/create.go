package main

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/presign"
	"github.com/example/serverless-todo/pkg/request"
	"github.com/example/serverless-todo/pkg/response"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
	"github.com/example/serverless-todo/pkg/validate"
)

// uploadGrace is how long after its URL expires a pending attachment
// still waits for its object: S3 checks the expiry when an upload starts,
// and a large one over a slow network may take minutes to arrive.
const uploadGrace = time.Hour

type createHandler struct {
	store    *store.Store
	signer   *presign.Signer
	validate *validate.Validator
	// maxBytes is the largest upload accepted; urlTTL how long the
	// presigned upload lives.
	maxBytes int64
	urlTTL   time.Duration
	now      func() time.Time
}

// created is the answer: the attachment, and the request that uploads
// its bytes.
type created struct {
	attachment.Attachment
	Upload presign.Request `json:"upload"`
}

// parse reads the caller, the todo id and the declared upload; every error
// it returns is a 4xx problem.
func (h *createHandler) parse(req *events.APIGatewayV2HTTPRequest) (owner, todoID string, n attachment.New, err error) {
	if owner, err = request.Owner(req); err != nil {
		return "", "", n, err
	}
	if todoID, err = request.PathID(req, "id"); err != nil {
		return "", "", n, err
	}
	if err = request.DecodeJSON(req, &n); err != nil {
		return "", "", n, err
	}
	return owner, todoID, n, n.Validate(h.validate, h.maxBytes)
}

// handle adds a pending attachment to the caller's todo and presigns its
// upload: a PUT of exactly the declared size and type to a key built from
// the owner and the ids alone. The attachment becomes ready when S3
// reports the object and the confirming function has checked it.
func (h *createHandler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	owner, todoID, n, err := h.parse(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	now := h.now()
	a := n.Pending(ulid.Make().String(), todo.Timestamp(now), now.Add(h.urlTTL+uploadGrace))
	upload, err := h.signer.Put(ctx, attachment.UploadKey(owner, todoID, a.ID), a.ContentType, a.Size, h.urlTTL)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if _, err := h.store.AddAttachment(ctx, owner, todoID, a); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	resp, err := response.JSON(http.StatusCreated, created{Attachment: a, Upload: upload})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	resp.Headers["Location"] = "/todos/" + todoID + "/attachments/" + a.ID
	return resp, nil
}
