package handler

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/example/serverless-todo/pkg/metrics"
)

// EnvRuntimeAPI is where Lambda's runtime API listens, in every execution
// environment.
const EnvRuntimeAPI = "AWS_LAMBDA_RUNTIME_API"

// Start serves h as the process's Lambda handler. Call it last in main's
// run, after building everything h needs: Lambda freezes the process
// between requests, so work done before Start is done once per execution
// environment rather than once per request.
//
// In an execution environment it never returns: the runtime loop serves
// until Lambda ends the process. Outside one it returns an error at once,
// rather than let the runtime client end the process as it would.
func Start(ctx context.Context, getenv func(string) string, log *slog.Logger, h Func) error {
	return start(ctx, getenv, Wrap(log, h))
}

// start serves a wrapped handler as Start, StartQueue and StartObjects do.
func start(ctx context.Context, getenv func(string) string, h any) error {
	if getenv(EnvRuntimeAPI) == "" {
		return errors.New("handler: " + EnvRuntimeAPI + " is not set: this binary runs in Lambda, or under make dev")
	}
	SetMemoryLimit(getenv)
	// Every invocation's context derives from this one.
	ctx = metrics.WithNamespace(ctx, getenv(metrics.EnvNamespace))
	lambda.StartWithOptions(h, lambda.WithContext(ctx))
	panic("handler: lambda.StartWithOptions returned")
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
