package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/example/serverless-todo/internal/local/devauth"
	"github.com/example/serverless-todo/internal/local/stack"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/internal/testkit/lambdatest"
	"github.com/example/serverless-todo/internal/testkit/logsink"
	"github.com/example/serverless-todo/internal/testkit/mototest"
)

// root is the repository, seen from this package's folder.
var root = filepath.Join("..", "..")

// What TestMain prepares once for every test.
var (
	// binaries are the functions' bootstraps by logical ID, built with the
	// Makefile's targets as make dev builds them.
	binaries map[string]string
	// faultyBinary is lambdatest's function, which crashes or hangs
	// when asked to.
	faultyBinary string
	// contract is openapi.yaml, with its routes' scopes resolved, and
	// router finds its operation for a request.
	contract *openapi3.T
	router   routers.Router
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := prepare(dir); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer mototest.Stop()
	code := dbtest.Run(m)
	if report := os.Getenv("RELIABILITY_REPORT"); report != "" && code == 0 {
		if err := writeReliability(report, os.Getenv("RELIABILITY_FUZZ_LOG"), os.Getenv("RELIABILITY_FUZZTIME"), os.Getenv("RELIABILITY_VULNCHECK_LOG")); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: writing the reliability report:", err)
			return 1
		}
	}
	return code
}

func prepare(dir string) error {
	var wg sync.WaitGroup
	var buildErr, faultyErr error
	wg.Go(func() {
		cfg, err := stack.Load(root, stack.LoadOptions{})
		if err != nil {
			buildErr = err
			return
		}
		if buildErr = cfg.Build(context.Background(), filepath.Join(dir, "functions")); buildErr != nil {
			return
		}
		binaries = map[string]string{}
		for _, f := range cfg.Functions {
			binaries[f.Name] = f.Path
		}
	})
	wg.Go(func() {
		faulty := filepath.Join(dir, "faulty")
		if faultyErr = os.MkdirAll(faulty, 0o755); faultyErr == nil {
			faultyBinary, faultyErr = lambdatest.BuildFunction(faulty)
		}
	})
	// openapi.yaml as OpenAPI tools read it: its routes' scopes resolved.
	cfg, err := stack.Load(root, stack.LoadOptions{})
	var doc *openapi3.T
	if err == nil {
		doc, err = openapi3.NewLoader().LoadFromData(cfg.OpenAPI)
	}
	if err == nil {
		contract = doc
		// The document's server is the deployed API's; here the API is on
		// loopback, so operations are found by path alone.
		local := *doc
		local.Servers = nil
		router, err = legacy.NewRouter(&local)
	}
	wg.Wait()
	return errors.Join(buildErr, faultyErr, err)
}

// api is one running copy of the API, with a table of its own.
type api struct {
	*stack.Stack
	cfg   *stack.Config
	state string
	log   *logsink.Sink
	// s3Ahead moves the local S3's clock on by this many nanoseconds: a
	// presigned URL expires by it without the test waiting.
	s3Ahead atomic.Int64
}

// startAPI starts the API with the template's parameters set as params,
// after configure (which may be nil) has changed what Load read. The
// test's cleanup stops it, and fails the test if a function's process
// outlives it.
func startAPI(t *testing.T, params map[string]string, configure func(*stack.Config)) *api {
	t.Helper()
	return startAPIOn(t, dbtest.Endpoint(), params, configure)
}

// startAPIOn is startAPI with the DynamoDB at endpoint.
func startAPIOn(t *testing.T, endpoint string, params map[string]string, configure func(*stack.Config)) *api {
	t.Helper()
	// The contact form's per-sender limit counts every message from the
	// tests, which all come from 127.0.0.1; the test of the limit sets its
	// own.
	withDefaults := map[string]string{"ContactLimitPerHour": "1000"}
	maps.Copy(withDefaults, params)
	cfg, err := stack.Load(root, stack.LoadOptions{
		Parameters: withDefaults,
		NamePrefix: "e2e-" + strings.ToLower(rand.Text()[:10]) + "-",
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range cfg.Functions {
		cfg.Functions[i].Path = binaries[cfg.Functions[i].Name]
	}
	if configure != nil {
		configure(cfg)
	}
	a := &api{cfg: cfg, state: t.TempDir(), log: &logsink.Sink{}}
	a.Stack, err = stack.Start(t.Context(), cfg, stack.Options{
		StateDir:         a.state,
		DynamoDBEndpoint: endpoint,
		MotoEndpoint:     mototest.Endpoint(t),
		// A purge that failed comes back in seconds, not the template's
		// three minutes.
		QueueVisibilityTimeout: 2 * time.Second,
		S3Clock:                func() time.Time { return time.Now().Add(time.Duration(a.s3Ahead.Load())) },
		Log:                    a.log,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		var pids []int
		for _, f := range cfg.Functions {
			pids = append(pids, a.PIDs(f.Name)...)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := a.Close(ctx); err != nil {
			t.Errorf("closing the API: %v", err)
		}
		for _, pid := range pids {
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("function process %d outlived the API (kill -0: %v)", pid, err)
			}
		}
		if t.Failed() {
			t.Logf("the API's log:\n%s", a.log)
		}
	})
	return a
}

// token returns a token of the local issuer for sub.
func (a *api) token(t *testing.T, sub string) string {
	t.Helper()
	tok, err := a.Issuer.Mint(devauth.Token{Subject: sub})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// request is one HTTP request to the API.
type request struct {
	method, path string
	// token goes in the Authorization header, after Bearer.
	token  string
	header map[string]string
	// body is sent as application/json unless header sets a Content-Type.
	body string
	// testOnly marks a route the test added, which openapi.yaml does not
	// describe.
	testOnly bool
}

// response is what the API answered.
type response struct {
	status int
	header http.Header
	body   []byte
}

// noRedirects answers a redirect (a download's 302) as it is, for the test
// to check and follow.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// do sends req and checks the response against openapi.yaml.
func (a *api) do(t *testing.T, req request) response {
	t.Helper()
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	r, err := http.NewRequestWithContext(t.Context(), req.method, a.URL+req.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if req.body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if req.token != "" {
		r.Header.Set("Authorization", "Bearer "+req.token)
	}
	for k, v := range req.header {
		r.Header.Set(k, v)
	}
	httpResp, err := noRedirects.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	defer httpResp.Body.Close()
	b, err := io.ReadAll(httpResp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", req.method, req.path, err)
	}
	resp := response{status: httpResp.StatusCode, header: httpResp.Header, body: b}
	checkContract(t, r, req, resp)
	return resp
}

// checkContract checks a response against openapi.yaml: the operation's
// documented response for its status, its headers and its body; or, for a
// request no operation takes, or one the gateway refuses before any
// function runs (a missing token, a body or headers over its limits), one of
// the answers the gateway makes itself.
func checkContract(t *testing.T, r *http.Request, req request, resp response) {
	t.Helper()
	what := fmt.Sprintf("%s %s answered %d %s", req.method, shorten(req.path), resp.status, shorten(string(resp.body)))
	if resp.header.Get("Apigw-Requestid") == "" {
		t.Errorf("%s without an Apigw-Requestid header", what)
	}
	route, params, err := router.FindRoute(r)
	if err != nil || isGatewayAnswer(resp) || !sameShape(route.Path, r.URL.EscapedPath()) {
		checkGatewayAnswer(t, what, req, resp)
		return
	}
	documented := route.Operation.Responses.Status(resp.status)
	if documented == nil {
		t.Errorf("%s: openapi.yaml documents no %d for %s %s", what, resp.status, route.Method, route.Path)
		return
	}
	// Headers the document lists are sent, but for those sent only
	// sometimes.
	for name, h := range documented.Value.Headers {
		if h.Value.Required && resp.header.Get(name) == "" {
			t.Errorf("%s without the header %s that openapi.yaml documents", what, name)
		}
	}
	if resp.status == http.StatusNotModified {
		// ValidateResponse skips 304s: it has no body.
		if len(resp.body) != 0 {
			t.Errorf("%s: a 304 with a body", what)
		}
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route},
		Status:                 resp.status,
		Header:                 resp.header,
		Options: &openapi3filter.Options{
			IncludeResponseStatus:   true,
			MultiError:              true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.EnableFormatValidation()},
		},
	}
	in.SetBodyBytes(resp.body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s, which openapi.yaml does not allow: %v", what, err)
	}
}

// checkGatewayAnswer checks an answer to a request that no operation of
// openapi.yaml takes: the gateway's own error, as GatewayError documents
// it; its answer to a CORS preflight; or a route the test added.
func checkGatewayAnswer(t *testing.T, what string, req request, resp response) {
	t.Helper()
	isPreflight := req.method == http.MethodOptions && req.header["Origin"] != "" && req.header["Access-Control-Request-Method"] != ""
	switch {
	case isPreflight:
		if resp.status != http.StatusNoContent || len(resp.body) != 0 {
			t.Errorf("%s, want the gateway's 204 without a body to a preflight", what)
		}
	case resp.status >= 400:
		if ct := resp.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s with Content-Type %q, want the gateway's application/json", what, ct)
		}
		var v any
		if err := json.Unmarshal(resp.body, &v); err != nil {
			t.Errorf("%s: not JSON: %v", what, err)
			return
		}
		if err := contract.Components.Schemas["GatewayError"].Value.VisitJSON(v); err != nil {
			t.Errorf("%s, not a GatewayError: %v", what, err)
		}
		if want := map[string]any{"message": http.StatusText(resp.status)}; !jsonEqual(v, want) {
			t.Errorf("%s, want the gateway's %v", what, want)
		}
	case !req.testOnly:
		t.Errorf("%s: no operation of openapi.yaml takes it", what)
	}
}

// isGatewayAnswer reports whether a response is one the gateway makes
// itself: application/json with nothing but a message. The functions answer
// errors as problems and everything else with bodies of their own.
func isGatewayAnswer(resp response) bool {
	if resp.header.Get("Content-Type") != "application/json" {
		return false
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(resp.body, &body); err != nil {
		return false
	}
	_, ok := body["message"]
	return ok && len(body) == 1
}

// sameShape reports whether a request path has the segments of an
// operation's path template, as the gateway matches them: the legacy
// router also takes /todos/ for /todos and an encoded slash for a segment
// break, and the gateway does neither.
func sameShape(template, escapedPath string) bool {
	want := strings.Split(template, "/")
	got := strings.Split(escapedPath, "/")
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if strings.HasPrefix(want[i], "{") {
			if got[i] == "" || strings.Contains(strings.ToLower(got[i]), "%2f") {
				return false
			}
		} else if want[i] != got[i] {
			return false
		}
	}
	return true
}

// shorten keeps failure messages readable when requests are huge.
func shorten(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

func jsonEqual(a, b any) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(x, y)
}

// decode decodes a JSON body into v.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
}

// want fails the test unless the response has the status.
func (r response) want(t *testing.T, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
	return r
}

// problem is an RFC 9457 problem, as the functions answer errors.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// wantProblem fails the test unless the response is a problem of the
// status, from a function.
func (r response) wantProblem(t *testing.T, status int) problem {
	t.Helper()
	r.want(t, status)
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p problem
	r.decode(t, &p)
	if p.Type != "about:blank" || p.Status != status || p.Title != http.StatusText(status) {
		t.Errorf("problem %+v: want about:blank, %d, %q", p, status, http.StatusText(status))
	}
	return p
}

// wantGatewayError fails the test unless the response is the gateway's
// own {"message": ...} for the status.
func (r response) wantGatewayError(t *testing.T, status int) {
	t.Helper()
	r.want(t, status)
	var body map[string]any
	r.decode(t, &body)
	if want := map[string]any{"message": http.StatusText(status)}; !jsonEqual(body, want) || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("%s %s, want application/json %v from the gateway", r.header.Get("Content-Type"), r.body, want)
	}
}

// contactMessage reads the stored contact message id from the API's table,
// as plain values.
func (a *api) contactMessage(t *testing.T, id string) map[string]any {
	t.Helper()
	out, err := dbtest.Client(t).GetItem(t.Context(), &dynamodb.GetItemInput{
		TableName: aws.String(a.cfg.Tables[0].Name),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "CONTACT#" + id},
			"SK": &types.AttributeValueMemberS{Value: "CONTACT"},
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Item == nil {
		t.Fatalf("no contact message %s in the table", id)
	}
	var m map[string]any
	if err := attributevalue.UnmarshalMap(out.Item, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
