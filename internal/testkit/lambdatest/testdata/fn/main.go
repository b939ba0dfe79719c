// Command fn is a Lambda function for tests: what it does is chosen by its
// event. A direct event is a command, {"mode": "echo", ...}; an API Gateway
// event (payload 2.0) takes the mode from its x-test-mode header (echo
// when absent) and the rest of the command from its JSON body.
//
// The environment variable TEST_INIT makes the init phase fail: "exit"
// exits, "report" reports to the Runtime API's init error endpoint and
// exits, "hang" never starts. TEST_SIGTERM=ignore ignores SIGTERM;
// otherwise SIGTERM is handled through an extension, as
// lambda.WithEnableSIGTERM does, and logged.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fn:", err)
		os.Exit(1)
	}
}

// command is what a test asks the function to do.
type command struct {
	Mode    string   `json:"mode"`
	Message string   `json:"message"` // error, panic
	Code    int      `json:"code"`    // exit
	MS      int      `json:"ms"`      // sleep
	Lines   []string `json:"lines"`   // log
	URL     string   `json:"url"`     // hold
	Bytes   int      `json:"bytes"`   // big
	// Response is returned as it is (respond): a test's Lambda response.
	Response json.RawMessage `json:"response"`
}

// gatewayEvent is the part of a payload 2.0 event the function reads.
type gatewayEvent struct {
	Version         string            `json:"version"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	switch getenv("TEST_INIT") {
	case "exit":
		return errors.New("init failed on purpose")
	case "report":
		return reportInitError(getenv("AWS_LAMBDA_RUNTIME_API"))
	case "hang":
		time.Sleep(time.Hour)
	}
	var opts []lambda.Option
	if getenv("TEST_SIGTERM") == "ignore" {
		signal.Ignore(syscall.SIGTERM)
	} else {
		opts = append(opts, lambda.WithEnableSIGTERM(func() {
			fmt.Fprintln(stdout, "SIGTERM received, shutting down")
			os.Exit(0)
		}))
	}
	h := handler{getenv: getenv, stdout: stdout, stderr: stderr}
	lambda.StartWithOptions(h.handle, append(opts, lambda.WithContext(ctx))...)
	return nil
}

type handler struct {
	getenv         func(string) string
	stdout, stderr io.Writer
}

func (h handler) handle(ctx context.Context, event json.RawMessage) (any, error) {
	var cmd command
	var gw gatewayEvent
	if err := json.Unmarshal(event, &gw); err == nil && gw.Version == "2.0" {
		body := []byte(gw.Body)
		if gw.IsBase64Encoded {
			body, _ = base64.StdEncoding.DecodeString(gw.Body)
		}
		_ = json.Unmarshal(body, &cmd)
		cmd.Mode = gw.Headers["x-test-mode"]
		if cmd.Mode == "" || cmd.Mode == "echo" {
			return map[string]any{
				"statusCode": 200,
				"headers":    map[string]string{"content-type": "application/json"},
				"body":       string(event),
			}, nil
		}
	} else if err := json.Unmarshal(event, &cmd); err != nil {
		return nil, err
	}
	return h.do(ctx, cmd, event)
}

// do runs cmd. Its replies say which process and request served it.
func (h handler) do(ctx context.Context, cmd command, event json.RawMessage) (any, error) {
	reply := map[string]any{"pid": os.Getpid()}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		reply["requestId"] = lc.AwsRequestID
	}
	if deadline, ok := ctx.Deadline(); ok {
		reply["deadlineMs"] = deadline.UnixMilli()
	}
	switch cmd.Mode {
	case "echo":
		reply["event"] = event
		return reply, nil
	case "env":
		reply["env"] = os.Environ()
		return reply, nil
	case "error":
		return nil, errors.New(cmd.Message)
	case "panic":
		panic(cmd.Message)
	case "exit":
		fmt.Fprintln(h.stderr, "exiting with", cmd.Code)
		os.Exit(cmd.Code)
	case "sleep":
		// Deaf to its deadline, as a stuck function is.
		time.Sleep(time.Duration(cmd.MS) * time.Millisecond)
		return reply, nil
	case "log":
		for _, l := range cmd.Lines {
			fmt.Fprintln(h.stdout, "out: "+l)
			fmt.Fprintln(h.stderr, "err: "+l)
		}
		fmt.Fprint(h.stdout, "no newline at the end")
		return reply, nil
	case "hold":
		body, err := get(ctx, cmd.URL+"?pid="+strconv.Itoa(os.Getpid()))
		reply["held"] = body
		return reply, err
	case "big":
		reply["data"] = strings.Repeat("x", cmd.Bytes)
		return reply, nil
	case "respond":
		return cmd.Response, nil
	case "probe":
		return probe(h.getenv("AWS_LAMBDA_RUNTIME_API"))
	}
	return nil, fmt.Errorf("unknown mode %q", cmd.Mode)
}

func get(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// probe calls this environment's Runtime API the wrong way and returns
// what it answered.
func probe(api string) (map[string]any, error) {
	base := "http://" + api + "/2018-06-01/runtime/"
	calls := []struct{ name, method, url string }{
		{"responseWrongID", http.MethodPost, base + "invocation/not-the-request-id/response"},
		{"errorWrongID", http.MethodPost, base + "invocation/not-the-request-id/error"},
		{"initErrorAfterInit", http.MethodPost, base + "init/error"},
		{"unknownPath", http.MethodGet, base + "no/such/path"},
	}
	out := make(map[string]any, len(calls))
	for _, c := range calls {
		req, err := http.NewRequest(c.method, c.url, strings.NewReader(`{"errorMessage":"probe","errorType":"Probe"}`))
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		out[c.name] = map[string]any{
			"status":      resp.StatusCode,
			"contentType": resp.Header.Get("Content-Type"),
			"body":        string(body),
		}
	}
	return out, nil
}

// reportInitError tells the Runtime API that init failed, as a runtime
// does before it exits.
func reportInitError(api string) error {
	req, err := http.NewRequest(http.MethodPost, "http://"+api+"/2018-06-01/runtime/init/error",
		strings.NewReader(`{"errorMessage":"no configuration","errorType":"Test.InitFailed"}`))
	if err != nil {
		return err
	}
	req.Header.Set("Lambda-Runtime-Function-Error-Type", "Test.InitFailed")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return fmt.Errorf("init error reported: %s", resp.Status)
}
