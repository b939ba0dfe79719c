package handler

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/example/serverless-todo/pkg/metrics"
)

// handleRecord runs h on one record of an event (a queue's message, a
// bucket's object), a panic made an error, and writes the record's one log
// line: msg with attrs, which say which record, then the time it took, the
// invocation's request ID, the error and the events h counted (package
// metrics). It returns h's error.
func handleRecord[R any](ctx context.Context, log *slog.Logger, msg string, rec *R, h func(context.Context, *R) error, attrs ...slog.Attr) error {
	start := time.Now()
	ctx, counts := metrics.NewContext(ctx)
	err := func() (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
			}
		}()
		return h(ctx, rec)
	}()
	attrs = append(attrs, slog.Float64("latencyMs", metrics.Milliseconds(time.Since(start))))
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("awsRequestId", lc.AwsRequestID))
	}
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelError
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	attrs = counts.AppendRecord(attrs, time.Now())
	log.LogAttrs(ctx, level, msg, attrs...)
	return err
}
