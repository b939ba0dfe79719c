package main

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/presign"
	"github.com/example/serverless-todo/pkg/request"
	"github.com/example/serverless-todo/pkg/response"
	"github.com/example/serverless-todo/pkg/store"
)

type getHandler struct {
	store  *store.Store
	signer *presign.Signer
	urlTTL time.Duration
}

// handle answers 302 to a presigned GET of the attachment's checked
// object: the bytes come from S3, not through the gateway. Only a ready
// attachment has one; a pending or rejected one is 404, as is another
// user's (it is not in the caller's partition).
func (h *getHandler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	owner, todoID, attachmentID, err := request.AttachmentPath(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	t, err := h.store.GetTodo(ctx, owner, todoID)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	i := attachment.Find(t.Attachments, attachmentID)
	if i < 0 || t.Attachments[i].Status != attachment.StatusReady {
		return events.APIGatewayV2HTTPResponse{}, errkind.ErrAttachmentNotFound
	}
	download, err := h.signer.Get(ctx, attachment.ObjectKey(owner, todoID, attachmentID), h.urlTTL)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	resp := response.Empty(http.StatusFound)
	resp.Headers["Location"] = download.URL
	return resp, nil
}
