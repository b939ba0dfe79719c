package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/internal/testkit/emf"
	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/handler"
	"github.com/example/serverless-todo/pkg/metrics"
	"github.com/example/serverless-todo/pkg/problem"
	"github.com/example/serverless-todo/pkg/response"
)

// logLine decodes the one log line a request must leave.
func logLine(t *testing.T, buf *bytes.Buffer) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1:\n%s", len(lines), buf)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatalf("log line %q: %v", lines[0], err)
	}
	return m
}

func TestWrapMapsErrorsToProblemsWithTheAPIHeaders(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		level  string
	}{
		{"a problem as it is", problem.New(http.StatusTeapot, "short and stout"), http.StatusTeapot, "INFO"},
		{"not found", errkind.ErrNotFound, 404, "INFO"},
		{"version mismatch", errkind.ErrVersionMismatch, 412, "INFO"},
		{"key reused", errkind.ErrIdempotencyKeyReused, 422, "INFO"},
		{"in flight", errkind.ErrIdempotencyInFlight, 409, "INFO"},
		{"conflict", fmt.Errorf("%w: TransactionConflict", errkind.ErrConflict), 409, "INFO"},
		{"bad cursor", errkind.ErrInvalidCursor, 400, "INFO"},
		{"account deleted", errkind.ErrAccountDeleted, 403, "INFO"},
		{"username taken", errkind.ErrUsernameTaken, 409, "INFO"},
		{"unavailable", fmt.Errorf("%w: operation error DynamoDB: GetItem, table todo-prod throttled", errkind.ErrUnavailable), 503, "ERROR"},
		{"unexpected", errors.New("operation error DynamoDB: ValidationException: table arn:aws:dynamodb:... secret"), 500, "ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := handler.Wrap(handler.NewLogger(&logs), func(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				return events.APIGatewayV2HTTPResponse{}, tt.err
			})
			resp, err := h(context.Background(), apitest.Request{Method: "GET", Path: "/todos", Route: "GET /todos", Sub: "alice"}.Event())
			if err != nil {
				t.Fatalf("Wrap returned an error to Lambda: %v", err)
			}
			apitest.Problem(t, resp, tt.status)
			apitest.SecurityHeaders(t, resp)
			if tt.status >= 500 {
				if strings.Contains(resp.Body, "DynamoDB") || strings.Contains(resp.Body, "todo-prod") || strings.Contains(resp.Body, "arn:") {
					t.Errorf("5xx body leaks the cause: %s", resp.Body)
				}
			}
			if got := resp.Headers["Retry-After"]; (tt.status == 503) != (got != "") {
				t.Errorf("Retry-After = %q on a %d", got, tt.status)
			}
			line := logLine(t, &logs)
			if line["level"] != tt.level || line["status"] != float64(tt.status) || line["route"] != "GET /todos" || line["owner"] != "alice" {
				t.Errorf("log line %v", line)
			}
			if tt.status >= 500 && !strings.Contains(fmt.Sprint(line["error"]), tt.err.Error()) {
				t.Errorf("log line %v lacks the cause", line)
			}
		})
	}
}

func TestWrapTurnsAPanicIntoA500(t *testing.T) {
	var logs bytes.Buffer
	h := handler.Wrap(handler.NewLogger(&logs), func(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		panic("boom")
	})
	resp, err := h(context.Background(), apitest.Request{Method: "GET", Path: "/"}.Event())
	if err != nil {
		t.Fatal(err)
	}
	apitest.Problem(t, resp, 500)
	apitest.SecurityHeaders(t, resp)
	if line := logLine(t, &logs); !strings.Contains(fmt.Sprint(line["error"]), "panic: boom") {
		t.Fatalf("log line %v lacks the panic", line)
	}
}

func TestWrapAddsTheSecurityHeadersToEveryResponse(t *testing.T) {
	var logs bytes.Buffer
	h := handler.Wrap(handler.NewLogger(&logs), func(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 204}, nil
	})
	resp, _ := h(context.Background(), apitest.Request{}.Event())
	apitest.SecurityHeaders(t, resp)
	if resp.StatusCode != 204 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestWrapLogsOneLineWithoutBodyOrToken(t *testing.T) {
	var logs bytes.Buffer
	h := handler.Wrap(handler.NewLogger(&logs), func(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return response.JSON(201, map[string]string{"ok": "yes"})
	})
	ev := apitest.Request{Method: "POST", Path: "/contact", Route: "POST /contact", Body: `{"message":"my secret message"}`,
		Headers: map[string]string{"Authorization": "Bearer eyJtoken"}}.Event()
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "aws-req-1"})
	if _, err := h(ctx, ev); err != nil {
		t.Fatal(err)
	}
	line := logLine(t, &logs)
	for k, want := range map[string]any{"msg": "request", "requestId": ev.RequestContext.RequestID, "awsRequestId": "aws-req-1", "route": "POST /contact", "status": float64(201)} {
		if line[k] != want {
			t.Errorf("log %s = %v, want %v", k, line[k], want)
		}
	}
	if _, ok := line["latencyMs"].(float64); !ok {
		t.Errorf("log line lacks latencyMs: %v", line)
	}
	if s := logs.String(); strings.Contains(s, "secret") || strings.Contains(s, "eyJtoken") {
		t.Errorf("log line holds the body or the token: %s", s)
	}
}

func TestWrapEndsTheHandlerContextBeforeTheInvocationDeadline(t *testing.T) {
	tests := []struct {
		left, margin time.Duration
	}{
		{10 * time.Second, time.Second},
		{3 * time.Second, 300 * time.Millisecond},
		{500 * time.Millisecond, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		var logs bytes.Buffer
		var got time.Duration
		h := handler.Wrap(handler.NewLogger(&logs), func(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			d, _ := ctx.Deadline()
			got = time.Until(d)
			return response.Empty(204), nil
		})
		ctx, cancel := context.WithTimeout(context.Background(), tt.left)
		deadline, _ := ctx.Deadline()
		h(ctx, apitest.Request{}.Event())
		cancel()
		want := time.Until(deadline) - tt.margin
		if diff := got - want; diff > 50*time.Millisecond || diff < -50*time.Millisecond {
			t.Errorf("%s left: handler got %s, want about %s", tt.left, got, want)
		}
	}
}

func TestSetMemoryLimitFollowsTheFunctionsMemorySize(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	tests := []struct {
		env  map[string]string
		want int64
	}{
		{map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128"}, 128 << 20 / 10 * 9},
		{map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024"}, 1024 << 20 / 10 * 9},
		{map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "GOMEMLIMIT": "50MiB"}, 12345},
		{map[string]string{}, 12345},
		{map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "lots"}, 12345},
	}
	for _, tt := range tests {
		debug.SetMemoryLimit(12345)
		handler.SetMemoryLimit(func(k string) string { return tt.env[k] })
		if got := debug.SetMemoryLimit(-1); got != tt.want {
			t.Errorf("%v: limit %d, want %d", tt.env, got, tt.want)
		}
	}
}

// TestALogLineStaysSmallWhateverTheInput: every string a line carries is
// cut, so a huge subject or error cannot make a huge line.
func TestALogLineStaysSmallWhateverTheInput(t *testing.T) {
	var logs bytes.Buffer
	huge := strings.Repeat("é", 40000)
	h := handler.Wrap(handler.NewLogger(&logs), func(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{}, errors.New("store: " + huge)
	})
	ev := apitest.Request{Method: "GET", Path: "/todos", Route: "GET /todos", Sub: huge}.Event()
	resp, err := h(context.Background(), ev)
	if err != nil || resp.StatusCode != 500 {
		t.Fatalf("got %d, %v", resp.StatusCode, err)
	}
	line := logLine(t, &logs)
	if n := logs.Len(); n > 4096 {
		t.Errorf("a log line of %d bytes, want at most 4 KB", n)
	}
	for _, k := range []string{"owner", "error"} {
		if s, _ := line[k].(string); len(s) > handler.MaxLogValueBytes || !strings.HasSuffix(s, "…") {
			t.Errorf("log %s is %d bytes, want it cut to %d", k, len(s), handler.MaxLogValueBytes)
		}
	}
}

func TestWrapsLineIsTheRequestsMetricsAndCountsLimitsHit(t *testing.T) {
	for _, tt := range []struct {
		name    string
		err     error
		outcome string
		counted metrics.Event
	}{
		{"a success counts no limit", nil, "2xx", ""},
		{"a rate limit", &errkind.RetryAfter{Err: errkind.ErrRateLimited, After: time.Minute}, "4xx", metrics.RateLimited},
		{"a quota", fmt.Errorf("%w: 100 todos", errkind.ErrQuotaReached), "4xx", metrics.QuotaReached},
		{"a panic", nil, "5xx", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := handler.Wrap(handler.NewLogger(&logs), func(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				if tt.outcome == "5xx" {
					panic("boom")
				}
				return response.Empty(200), tt.err
			})
			if _, err := h(context.Background(), apitest.Request{Method: "POST", Path: "/todos", Route: "POST /todos"}.Event()); err != nil {
				t.Fatal(err)
			}
			doc, err := emf.Validate(bytes.TrimSpace(logs.Bytes()))
			if err != nil {
				t.Fatalf("%v\nline: %s", err, logs.Bytes())
			}
			var latency, limits []emf.Metric
			for _, m := range doc.Metrics {
				switch m.Name {
				case metrics.Latency:
					latency = append(latency, m)
				case string(metrics.RateLimited), string(metrics.QuotaReached):
					limits = append(limits, m)
				}
			}
			if len(latency) != 1 || latency[0].Dimensions["route"] != "POST /todos" || latency[0].Dimensions["outcome"] != tt.outcome {
				t.Errorf("latency metrics %+v, want one for POST /todos, %s", latency, tt.outcome)
			}
			switch {
			case tt.counted == "" && len(limits) != 0:
				t.Errorf("limits counted: %+v", limits)
			case tt.counted != "" && (len(limits) != 1 || limits[0].Name != string(tt.counted) || limits[0].Value != 1):
				t.Errorf("limits counted: %+v, want one %s", limits, tt.counted)
			}
		})
	}
}
