package handler

import (
	"context"
	"errors"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
)

// ObjectFunc handles one record of an S3 event notification: one object
// created or removed.
type ObjectFunc func(ctx context.Context, rec *events.S3EventRecord) error

// ObjectLambda is the handler lambda.Start takes for S3 event
// notifications, which S3 delivers as asynchronous invocations.
type ObjectLambda func(ctx context.Context, ev events.S3Event) error

// WrapObjects returns the Lambda handler for h: each record in turn, each
// with one log line. A failure (or a panic) of any fails the invocation,
// which Lambda retries twice, so h must be safe to run again on a record
// it handled (S3 may also deliver a record twice).
func WrapObjects(log *slog.Logger, h ObjectFunc) ObjectLambda {
	return func(ctx context.Context, ev events.S3Event) error {
		var errs []error
		for i := range ev.Records {
			rec := &ev.Records[i]
			// Keys are the server's own (never a client's file name), and
			// short.
			errs = append(errs, handleRecord(ctx, log, "object", rec, h,
				slog.String("event", rec.EventName),
				slog.String("key", rec.S3.Object.URLDecodedKey),
				slog.Int64("size", rec.S3.Object.Size)))
		}
		return errors.Join(errs...)
	}
}

// StartObjects serves h as the process's Lambda handler for S3 event
// notifications, as Start serves an API handler.
func StartObjects(ctx context.Context, getenv func(string) string, log *slog.Logger, h ObjectFunc) error {
	return start(ctx, getenv, WrapObjects(log, h))
}
