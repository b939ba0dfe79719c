package store

import (
	"context"
	"time"

	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/todo"
)

// A todo's attachments live in the todo's own item, so that GET and the
// lists show them at no cost beyond the todo's, and every change of one is
// a write of the todo (changeTodo): one version on, the user's next
// sequence number, so that an app that synchronizes sees an attachment
// come, become ready and go as it sees any change of the todo.

// AddAttachment adds the pending attachment a to owner's todo todoID and
// returns the todo as it is now. A todo that already has
// attachment.MaxPerTodo attachments (pending ones included, expired ones
// not) is attachment.ErrTooMany, and nothing is written.
func (s *Store) AddAttachment(ctx context.Context, owner, todoID string, a attachment.Attachment) (todo.Todo, error) {
	return s.changeTodo(ctx, owner, todoID, newWriteID(), 0, func(cur todo.Todo, now time.Time) (todo.Todo, error) {
		if len(cur.Attachments) >= attachment.MaxPerTodo {
			return todo.Todo{}, attachment.ErrTooMany()
		}
		cur.Attachments = append(cur.Attachments, a)
		return cur.Touch(now), nil
	})
}

// SettleAttachment gives owner's pending attachment attachmentID of todo
// todoID its final status, ready or rejected, and returns it as it is now.
// An attachment already settled is left as it is (S3 may report an object
// twice); a missing one is errkind.ErrAttachmentNotFound, and a missing
// todo errkind.ErrNotFound.
func (s *Store) SettleAttachment(ctx context.Context, owner, todoID, attachmentID, status string) (attachment.Attachment, error) {
	var settled attachment.Attachment
	_, err := s.changeTodo(ctx, owner, todoID, newWriteID(), 0, func(cur todo.Todo, now time.Time) (todo.Todo, error) {
		i := attachment.Find(cur.Attachments, attachmentID)
		if i < 0 {
			return todo.Todo{}, errkind.ErrAttachmentNotFound
		}
		if cur.Attachments[i].Status != attachment.StatusPending {
			settled = cur.Attachments[i]
			return todo.Todo{}, errUnchanged
		}
		cur.Attachments = append([]attachment.Attachment(nil), cur.Attachments...)
		cur.Attachments[i].Status, cur.Attachments[i].ExpiresAt = status, 0
		settled = cur.Attachments[i]
		return cur.Touch(now), nil
	})
	return settled, err
}

// RemoveAttachment takes attachment attachmentID off owner's todo todoID
// and returns it as it was; a missing one is errkind.ErrAttachmentNotFound, and
// a missing todo errkind.ErrNotFound.
func (s *Store) RemoveAttachment(ctx context.Context, owner, todoID, attachmentID string) (attachment.Attachment, error) {
	var removed attachment.Attachment
	_, err := s.changeTodo(ctx, owner, todoID, newWriteID(), 0, func(cur todo.Todo, now time.Time) (todo.Todo, error) {
		i := attachment.Find(cur.Attachments, attachmentID)
		if i < 0 {
			return todo.Todo{}, errkind.ErrAttachmentNotFound
		}
		removed = cur.Attachments[i]
		rest := append(append([]attachment.Attachment(nil), cur.Attachments[:i]...), cur.Attachments[i+1:]...)
		if len(rest) == 0 {
			rest = nil
		}
		cur.Attachments = rest
		return cur.Touch(now), nil
	})
	return removed, err
}
