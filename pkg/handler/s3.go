package handler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
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
			start := time.Now()
			var err error
			func() {
				defer func() {
					if v := recover(); v != nil {
						err = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
					}
				}()
				err = h(ctx, rec)
			}()
			logObject(ctx, log, rec, time.Since(start), err)
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	}
}

// StartObjects serves h as the process's Lambda handler for S3 event
// notifications, as Start serves an API handler.
func StartObjects(ctx context.Context, getenv func(string) string, log *slog.Logger, h ObjectFunc) error {
	return start(ctx, getenv, WrapObjects(log, h))
}

// logObject writes a record's one log line: which event of which object,
// and what came of it. Keys are the server's own (never a client's file
// name) and short.
func logObject(ctx context.Context, log *slog.Logger, rec *events.S3EventRecord, took time.Duration, err error) {
	attrs := []slog.Attr{
		slog.String("event", rec.EventName),
		slog.String("key", rec.S3.Object.URLDecodedKey),
		slog.String("size", strconv.FormatInt(rec.S3.Object.Size, 10)),
		slog.Float64("latencyMs", float64(took.Microseconds())/1000),
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("awsRequestId", lc.AwsRequestID))
	}
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelError
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	log.LogAttrs(ctx, level, "object", attrs...)
}
