package main

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/objects"
	"github.com/example/serverless-todo/pkg/request"
	"github.com/example/serverless-todo/pkg/response"
	"github.com/example/serverless-todo/pkg/store"
)

type deleteHandler struct {
	store  *store.Store
	bucket *objects.Bucket
}

// handle deletes the attachment: its objects (the checked one, and an
// upload not yet checked) and then its entry on the todo. In that order a
// failure half-way leaves the entry, and the client's retry finishes the
// job; the other way round it would leave objects no entry names.
func (h *deleteHandler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	owner, todoID, attachmentID, err := request.AttachmentPath(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	t, err := h.store.GetTodo(ctx, owner, todoID)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if attachment.Find(t.Attachments, attachmentID) < 0 {
		return events.APIGatewayV2HTTPResponse{}, errkind.ErrAttachmentNotFound
	}
	if err := h.bucket.Delete(ctx, attachment.Keys(owner, todoID, attachmentID)...); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if _, err := h.store.RemoveAttachment(ctx, owner, todoID, attachmentID); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return response.Empty(http.StatusNoContent), nil
}
