package main

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/metrics"
	"github.com/example/serverless-todo/pkg/objects"
	"github.com/example/serverless-todo/pkg/purge"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/userpool"
)

type purgeHandler struct {
	store  *store.Store
	bucket *objects.Bucket
	queue  *purge.Queue
	pool   *userpool.Pool
	log    *slog.Logger
	// pageItems is the most a round deletes; 0 means defaultPageItems.
	pageItems int
}

// Each round deletes at most pageItems; the handler stops starting rounds
// when less than reserve is left before the invocation's deadline, and
// queues the rest of the purge as a new message, so that an account of any
// size is purged in invocations that each end in time.
const (
	defaultPageItems = 1000
	reserve          = 5 * time.Second
)

// handle carries out one purge request: the user pool's user first, so
// that the account cannot sign in again whatever happens next, then the
// objects of the account's attachments, then the data, round after round:
// the objects before the data, since the data's last round lifts the
// account's mark, and while the mark holds no new attachment is declared. Every step is idempotent, so a crash half-way
// (the message comes back) or a message delivered twice only repeats
// work.
func (h *purgeHandler) handle(ctx context.Context, msg *events.SQSMessage) error {
	req, err := purge.Parse(msg.Body)
	if err != nil {
		return err
	}
	if err := h.pool.DeleteUser(ctx, req.Username); err != nil {
		return err
	}
	deadline, hasDeadline := ctx.Deadline()
	total := 0
	objectsDone := false
	for {
		var done bool
		var n int
		var err error
		if !objectsDone {
			objectsDone, n, err = h.purgeObjects(ctx, req.Owner, cmp.Or(h.pageItems, defaultPageItems))
		} else {
			done, n, err = h.store.PurgeAccount(ctx, req.Owner, cmp.Or(h.pageItems, defaultPageItems))
		}
		total += n
		if err != nil {
			return err
		}
		if done {
			metrics.Count(ctx, metrics.PurgeCompleted)
			h.log.InfoContext(ctx, "purged", slog.String("owner", req.Owner), slog.Int("items", total))
			return nil
		}
		if hasDeadline && time.Until(deadline) < reserve {
			h.log.InfoContext(ctx, "purge continues", slog.String("owner", req.Owner), slog.Int("items", total))
			return h.queue.Send(ctx, req)
		}
	}
}

// purgeObjects deletes up to limit of owner's objects, the checked ones
// and then the uploads, and reports whether none are left.
func (h *purgeHandler) purgeObjects(ctx context.Context, owner string, limit int) (done bool, n int, err error) {
	for _, prefix := range []string{attachment.UserPrefix(owner), attachment.UserUploadsPrefix(owner)} {
		deleted, more, err := h.bucket.DeletePrefix(ctx, prefix, limit-n)
		n += deleted
		if err != nil || more {
			return false, n, err
		}
	}
	return true, n, nil
}
