// Package handler adapts a function's request handler to Lambda. Every
// request gets a deadline that leaves time to answer, one structured log
// line that is also its metrics (package metrics), and a response with the
// API's security headers, whether the handler returned a response, an error
// or panicked.
package handler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/metrics"
	"github.com/example/serverless-todo/pkg/problem"
	"github.com/example/serverless-todo/pkg/response"
)

// Func handles one API Gateway HTTP API request. An error it returns becomes
// the problem response that response.ProblemFor maps it to.
type Func func(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Lambda is the handler lambda.Start takes.
type Lambda func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// MaxLogValueBytes bounds each string a log line carries, so that no input
// (a huge token subject, an error quoting a body) makes a line of more than
// a few KB.
const MaxLogValueBytes = 512

// boundValue cuts a string attribute to MaxLogValueBytes.
func boundValue(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindString && len(a.Value.String()) > MaxLogValueBytes {
		a.Value = slog.StringValue(problem.Cut(a.Value.String(), MaxLogValueBytes))
	}
	return a
}

// NewLogger returns the JSON logger functions write to: Lambda's JSON log
// format keeps each line as one structured record.
func NewLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: boundValue}))
}

// Wrap returns the Lambda handler for h. It never returns an error to Lambda:
// Lambda would turn it into the gateway's bare 500, without the API's
// headers, and without a log line saying which request failed.
func Wrap(log *slog.Logger, h Func) Lambda {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, _ error) {
		start := time.Now()
		ctx, cancel := withAnswerTime(ctx, start)
		defer cancel()
		ctx, counts := metrics.NewContext(ctx)

		var err error
		func() {
			defer func() {
				if v := recover(); v != nil {
					err = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
				}
			}()
			resp, err = h(ctx, &req)
		}()
		var p *problem.Problem
		if err != nil {
			p = response.ProblemFor(err)
			resp = response.Problem(p)
			countLimits(counts, err)
		}
		secure(&resp)
		logRequest(ctx, log, &req, resp.StatusCode, time.Since(start), err, p, counts)
		return resp, nil
	}
}

// withAnswerTime ends the handler's context before the invocation's deadline,
// so that a slow DynamoDB turns into a 503 the client can act on rather than
// a Lambda timeout. The margin is a tenth of the time left, between 100 ms
// and one second.
func withAnswerTime(ctx context.Context, now time.Time) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	margin := min(max(deadline.Sub(now)/10, 100*time.Millisecond), time.Second)
	return context.WithDeadline(ctx, deadline.Add(-margin))
}

// secure sets the headers every response carries, whoever built it.
func secure(resp *events.APIGatewayV2HTTPResponse) {
	if resp.Headers == nil {
		resp.Headers = make(map[string]string, 2)
	}
	resp.Headers["X-Content-Type-Options"] = "nosniff"
	if _, ok := resp.Headers["Cache-Control"]; !ok {
		resp.Headers["Cache-Control"] = "no-store"
	}
}

// countLimits counts a refusal for a limit, whichever function refused: a
// rate limit or a quota reached.
func countLimits(counts *metrics.Counts, err error) {
	switch {
	case errors.Is(err, errkind.ErrRateLimited):
		counts.Add(metrics.RateLimited)
	case errors.Is(err, errkind.ErrQuotaReached):
		counts.Add(metrics.QuotaReached)
	}
}

// logRequest writes the request's one log line, which is also its metrics.
// It holds no body, header or token: only who asked for what, and what came
// of it. A 5xx carries the cause, which the client never sees.
func logRequest(ctx context.Context, log *slog.Logger, req *events.APIGatewayV2HTTPRequest, status int, took time.Duration, err error, p *problem.Problem, counts *metrics.Counts) {
	attrs := make([]slog.Attr, 0, 12)
	attrs = append(attrs,
		slog.String("requestId", req.RequestContext.RequestID),
		slog.Int("status", status),
	)
	attrs = counts.AppendRequest(attrs, time.Now(), req.RouteKey, status, took)
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("awsRequestId", lc.AwsRequestID))
	}
	if a := req.RequestContext.Authorizer; a != nil && a.JWT != nil {
		if sub := a.JWT.Claims["sub"]; sub != "" {
			attrs = append(attrs, slog.String("owner", sub))
		}
	}
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
	case err != nil:
		attrs = append(attrs, slog.String("problem", p.Error()))
	}
	log.LogAttrs(ctx, level, "request", attrs...)
}
