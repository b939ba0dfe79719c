package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/metrics"
	"github.com/example/serverless-todo/pkg/objects"
	"github.com/example/serverless-todo/pkg/store"
)

type confirmHandler struct {
	store *store.Store
	s3    *objects.Client
	log   *slog.Logger
}

// handle settles the attachment an upload is for. The upload's key says
// whose and which (the server built it); the attachment says what was
// declared. A match is copied to the checked key, which downloads read,
// and the attachment becomes ready; anything else is deleted and the
// attachment rejected. An upload no pending attachment waits for (its
// todo or attachment deleted, or expired) is deleted. Every step is safe
// to run again, as a retry of the invocation or a second delivery of the
// same record does.
func (h *confirmHandler) handle(ctx context.Context, rec *events.S3EventRecord) error {
	bucket := h.s3.Bucket(rec.S3.Bucket.Name)
	key := rec.S3.Object.URLDecodedKey
	owner, todoID, attachmentID, ok := attachment.ParseUploadKey(key)
	if !ok {
		// Not an upload this API presigned: the lifecycle rule removes it.
		h.log.WarnContext(ctx, "not an upload key", slog.String("key", key))
		return nil
	}
	t, err := h.store.GetTodo(ctx, owner, todoID)
	if errors.Is(err, errkind.ErrNotFound) {
		return bucket.Delete(ctx, key)
	}
	if err != nil {
		return err
	}
	i := attachment.Find(t.Attachments, attachmentID)
	if i < 0 || t.Attachments[i].Status != attachment.StatusPending {
		// Deleted, expired, or settled by an earlier delivery (which
		// copied a ready one already).
		return bucket.Delete(ctx, key)
	}
	declared := t.Attachments[i]
	head, size, err := bucket.Peek(ctx, key, attachment.SniffLength)
	if errors.Is(err, objects.ErrNoObject) {
		// Gone since S3 reported it: deleted with its attachment.
		return nil
	}
	if err != nil {
		return err
	}
	status := attachment.StatusRejected
	if size == declared.Size && attachment.Matches(declared.ContentType, head) {
		status = attachment.StatusReady
		if err := bucket.Copy(ctx, key, attachment.ObjectKey(owner, todoID, attachmentID)); err != nil {
			return err
		}
	}
	_, err = h.store.SettleAttachment(ctx, owner, todoID, attachmentID, status)
	switch {
	case errors.Is(err, errkind.ErrNotFound), errors.Is(err, errkind.ErrAttachmentNotFound), errors.Is(err, errkind.ErrAccountDeleted):
		// Deleted while this ran, or its account is: so are its bytes.
		return bucket.Delete(ctx, attachment.Keys(owner, todoID, attachmentID)...)
	case err != nil:
		return err
	}
	if status == attachment.StatusReady {
		metrics.Count(ctx, metrics.AttachmentConfirmed)
	} else {
		metrics.Count(ctx, metrics.AttachmentRejected)
	}
	h.log.InfoContext(ctx, "attachment settled", slog.String("status", status))
	return bucket.Delete(ctx, key)
}
