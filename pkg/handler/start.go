package handler

import (
	"context"
	"log/slog"
	"runtime/debug"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"
)

// Start serves h as the process's Lambda handler and does not return. Call
// it last in main's run, after building everything h needs: Lambda freezes
// the process between requests, so work done before Start is done once per
// execution environment rather than once per request.
func Start(ctx context.Context, getenv func(string) string, log *slog.Logger, h Func) {
	SetMemoryLimit(getenv)
	lambda.StartWithOptions(Wrap(log, h), lambda.WithContext(ctx))
}

// SetMemoryLimit sets the Go memory limit to 90% of the function's memory
// size, unless GOMEMLIMIT sets one. Lambda kills a function that exceeds its
// memory size; with the limit the collector works harder near it instead.
// The tenth left over is for what the limit does not count, such as the
// binary's own pages.
func SetMemoryLimit(getenv func(string) string) {
	if getenv("GOMEMLIMIT") != "" {
		return
	}
	mb, err := strconv.ParseInt(getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), 10, 64)
	if err != nil || mb <= 0 {
		return
	}
	debug.SetMemoryLimit(mb << 20 / 10 * 9)
}
