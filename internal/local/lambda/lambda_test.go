package lambda_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/example/serverless-todo/internal/local/lambda"
	"github.com/example/serverless-todo/internal/testkit/lambdatest"
	"github.com/example/serverless-todo/internal/testkit/logsink"
)

// testFunction is the test function's bootstrap, built once by TestMain.
var testFunction string

func TestMain(m *testing.M) { lambdatest.Main(m, &testFunction) }

// reply is what the test function answers to a direct command.
type reply struct {
	PID        int             `json:"pid"`
	RequestID  string          `json:"requestId"`
	DeadlineMS int64           `json:"deadlineMs"`
	Event      json.RawMessage `json:"event"`
	Env        []string        `json:"env"`
	Held       string          `json:"held"`
}

func TestColdStartThenWarmReuse(t *testing.T) {
	s, log := start(t, lambda.Config{}, fn())
	event := `{"mode":"echo","n":1}`

	before := time.Now()
	first := invoke(t, s, event)
	second := invoke(t, s, event)

	if !bytes.Equal(first.Event, []byte(event)) {
		t.Errorf("event = %s, want %s", first.Event, event)
	}
	if second.PID != first.PID {
		t.Errorf("second invocation ran in process %d, want the warm %d", second.PID, first.PID)
	}
	if first.RequestID == second.RequestID || !uuidPattern.MatchString(first.RequestID) {
		t.Errorf("request IDs %q and %q: want two different UUIDs", first.RequestID, second.RequestID)
	}
	// The deadline is the invocation's start plus the default timeout.
	deadline := time.UnixMilli(first.DeadlineMS)
	if deadline.Before(before.Add(lambda.DefaultTimeout)) || deadline.After(time.Now().Add(lambda.DefaultTimeout)) {
		t.Errorf("deadline %v is not %v after the invocation", deadline, lambda.DefaultTimeout)
	}

	tests := []struct {
		name      string
		requestID string
		cold      bool
	}{
		{"cold start", first.RequestID, true},
		{"warm start", second.RequestID, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := invocation(log, tt.requestID)
			if len(lines) != 3 {
				t.Fatalf("platform lines for %s = %q, want START, END, REPORT", tt.requestID, lines)
			}
			if want := "[fn] START RequestId: " + tt.requestID + " Version: $LATEST"; lines[0] != want {
				t.Errorf("line 1 = %q, want %q", lines[0], want)
			}
			if want := "[fn] END RequestId: " + tt.requestID; lines[1] != want {
				t.Errorf("line 2 = %q, want %q", lines[1], want)
			}
			m := reportPattern.FindStringSubmatch(lines[2])
			if m == nil {
				t.Fatalf("line 3 = %q, want a REPORT line", lines[2])
			}
			if m[1] != tt.requestID || m[4] != "128" {
				t.Errorf("REPORT = %q, want request %s and 128 MB", lines[2], tt.requestID)
			}
			if used, _ := strconv.Atoi(m[5]); used < 1 {
				t.Errorf("Max Memory Used = %s MB, want the process's peak", m[5])
			}
			if hasInit := m[6] != ""; hasInit != tt.cold {
				t.Errorf("REPORT = %q: Init Duration present = %v, want %v", lines[2], hasInit, tt.cold)
			}
			duration, _ := strconv.ParseFloat(m[2], 64)
			billed, _ := strconv.Atoi(m[3])
			initDuration, _ := strconv.ParseFloat(m[7], 64)
			// Billed: the duration, and for a custom runtime's cold start the
			// init duration too, rounded up to the millisecond.
			if lo, hi := duration+initDuration, duration+initDuration+1.01; float64(billed) < lo || float64(billed) > hi {
				t.Errorf("Billed Duration = %d ms, want %.2f ms rounded up", billed, duration+initDuration)
			}
		})
	}
}

// With LogFormat JSON, Lambda writes its own records as JSON objects (the
// Telemetry API's types and fields) and passes the function's output as it
// is.
func TestJSONLogFormatWritesThePlatformsRecordsAsJSON(t *testing.T) {
	f := fn()
	f.LogFormat = lambda.LogFormatJSON
	s, log := start(t, lambda.Config{}, f)
	first := invoke(t, s, `{"mode":"echo"}`)
	if _, err := s.Invoke(context.Background(), "fn", []byte(`{"mode":"exit","code":3}`)); err == nil {
		t.Fatal("the exit mode answered")
	}

	type record struct {
		Time   string         `json:"time"`
		Type   string         `json:"type"`
		Record map[string]any `json:"record"`
	}
	var records []record
	for _, line := range log.Matching(regexp.MustCompile(`^\[fn\] \{"time"`)) {
		var r record
		if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "[fn] ")), &r); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if _, err := time.Parse(time.RFC3339Nano, r.Time); err != nil {
			t.Errorf("%q: time: %v", line, err)
		}
		records = append(records, r)
	}
	if lines := log.Matching(regexp.MustCompile(`^\[fn\] (START|END|REPORT|RequestId:|Runtime\.ExitError)`)); len(lines) > 0 {
		t.Errorf("text platform lines in the JSON format: %q", lines)
	}
	var types []string
	for _, r := range records {
		types = append(types, r.Type)
	}
	want := []string{"platform.start", "platform.runtimeDone", "platform.report", "platform.start", "platform.runtimeDone", "platform.report"}
	if !slices.Equal(types, want) {
		t.Fatalf("records %v, want %v", types, want)
	}
	report := records[2].Record
	metrics, _ := report["metrics"].(map[string]any)
	if report["requestId"] != first.RequestID || report["status"] != "success" || metrics["memorySizeMB"] != 128.0 ||
		metrics["durationMs"] == nil || metrics["billedDurationMs"] == nil || metrics["maxMemoryUsedMB"] == nil || metrics["initDurationMs"] == nil {
		t.Errorf("report %v, want request %s, success and its metrics with the init duration", report, first.RequestID)
	}
	if records[0].Record["requestId"] != first.RequestID || records[0].Record["version"] != "$LATEST" {
		t.Errorf("start %v", records[0].Record)
	}
	for _, r := range records[4:] {
		if r.Record["status"] != "error" || r.Record["errorType"] != "Runtime.ExitError" {
			t.Errorf("%s of the exited invocation: %v, want status error, Runtime.ExitError", r.Type, r.Record)
		}
	}
	if m, _ := records[5].Record["metrics"].(map[string]any); m["initDurationMs"] != nil {
		t.Errorf("a warm invocation's report has an init duration: %v", m)
	}
}

func TestEnvironmentIsLambdas(t *testing.T) {
	t.Setenv("LAMBDALOCAL_DEVELOPER_ONLY", "leaked")
	s, _ := start(t, lambda.Config{Region: "eu-west-3"}, lambda.Function{
		Name:     "EnvFunction",
		Path:     testFunction,
		MemoryMB: 256,
		Env:      map[string]string{"TABLE_NAME": "todos", "TZ": "Europe/Paris"},
	})
	r := invokeFn(t, s, "EnvFunction", `{"mode":"env"}`)
	env := make(map[string]string, len(r.Env))
	for _, kv := range r.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	tests := []struct {
		name string
		want *regexp.Regexp // nil: must be unset
	}{
		{"AWS_LAMBDA_RUNTIME_API", regexp.MustCompile(`^127\.0\.0\.1:\d+$`)},
		{"AWS_LAMBDA_FUNCTION_NAME", exactly("EnvFunction")},
		{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", exactly("256")},
		{"AWS_LAMBDA_FUNCTION_VERSION", exactly("$LATEST")},
		{"AWS_LAMBDA_INITIALIZATION_TYPE", exactly("on-demand")},
		{"AWS_LAMBDA_LOG_GROUP_NAME", exactly("/aws/lambda/EnvFunction")},
		{"AWS_LAMBDA_LOG_STREAM_NAME", regexp.MustCompile(`^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$`)},
		{"AWS_REGION", exactly("eu-west-3")},
		{"AWS_DEFAULT_REGION", exactly("eu-west-3")},
		{"_HANDLER", exactly("bootstrap")},
		{"LAMBDA_TASK_ROOT", exactly(filepath.Dir(testFunction))},
		{"AWS_ACCESS_KEY_ID", regexp.MustCompile(`.`)},
		{"AWS_SECRET_ACCESS_KEY", regexp.MustCompile(`.`)},
		{"AWS_SESSION_TOKEN", regexp.MustCompile(`.`)},
		{"PATH", exactly("/usr/local/bin:/usr/bin/:/bin:/opt/bin")},
		{"LANG", exactly("en_US.UTF-8")},
		// The function's own variables, which may change Lambda's
		// unreserved defaults.
		{"TABLE_NAME", exactly("todos")},
		{"TZ", exactly("Europe/Paris")},
		// Nothing of the developer's environment.
		{"LAMBDALOCAL_DEVELOPER_ONLY", nil},
		{"HOME", nil},
		{"AWS_PROFILE", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, set := env[tt.name]
			switch {
			case tt.want == nil && set:
				t.Errorf("%s = %q, want it unset", tt.name, v)
			case tt.want != nil && !tt.want.MatchString(v):
				t.Errorf("%s = %q (set: %v), want %v", tt.name, v, set, tt.want)
			}
		})
	}
}

func TestNewRefusesReservedVariables(t *testing.T) {
	_, err := lambda.New(lambda.Config{Functions: []lambda.Function{{
		Name: "fn", Path: testFunction,
		Env: map[string]string{"AWS_REGION": "us-west-2", "_HANDLER": "x", "TABLE_NAME": "ok"},
	}}})
	if err == nil || !strings.Contains(err.Error(), "AWS_REGION, _HANDLER are reserved") {
		t.Fatalf("New = %v, want an error naming AWS_REGION and _HANDLER", err)
	}
}

func TestConcurrencyStartsEnvironmentsUpToTheLimit(t *testing.T) {
	s, _ := start(t, lambda.Config{}, lambda.Function{Name: "fn", Path: testFunction, MaxConcurrency: 2})
	hold := newHolder(t)

	replies := make(chan reply, 3)
	for range 3 {
		go func() { replies <- invoke(t, s, hold.command()) }()
	}
	// Two environments take two invocations; the third waits for one of
	// them, whichever is released first.
	hold.waitArrivals(t, 2)
	hold.release()
	first := <-replies
	hold.waitArrivals(t, 3)
	if n := hold.maxHeld(); n != 2 {
		t.Errorf("%d invocations ran at once, want the limit, 2", n)
	}
	hold.release()
	hold.release()
	second, third := <-replies, <-replies

	pids := []int{first.PID, second.PID, third.PID}
	slices.Sort(pids)
	if distinct := len(slices.Compact(pids)); distinct != 2 {
		t.Errorf("invocations ran in processes %v: %d environments, want 2", pids, distinct)
	}
	if third.PID != first.PID && second.PID != first.PID {
		t.Errorf("the environment freed first (process %d) did not serve the waiting invocation (%d, %d)", first.PID, second.PID, third.PID)
	}
}

func TestInvocationWaitsForAFreeEnvironmentUntilItsDeadline(t *testing.T) {
	s, _ := start(t, lambda.Config{}, lambda.Function{Name: "fn", Path: testFunction, MaxConcurrency: 1})
	hold := newHolder(t)

	// The caller gives up, but the function runs on and keeps the only
	// environment busy, as in Lambda.
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go func() {
		_, err := s.Invoke(ctx, "fn", []byte(hold.command()))
		errs <- err
	}()
	hold.waitArrivals(t, 1)
	cancel()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Fatalf("Invoke after its context was canceled = %v, want context.Canceled", err)
	}

	waitCtx, cancelWait := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancelWait()
	if _, err := s.Invoke(waitCtx, "fn", []byte(`{"mode":"echo"}`)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Invoke while the only environment is busy = %v, want context.DeadlineExceeded", err)
	}

	hold.release()
	if r := invoke(t, s, `{"mode":"echo"}`); r.PID == 0 {
		t.Fatalf("Invoke after the environment was freed = %+v", r)
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name    string
		command string
		check   func(t *testing.T, err error)
		// warm: the environment serves the next invocation.
		warm bool
		// logged: the platform lines the failure adds, besides START,
		// END and REPORT.
		logged  []string
		report  string        // what REPORT ends with
		timeout time.Duration // the function's; 0 means 10s
	}{
		{
			name:    "handler error",
			command: `{"mode":"error","message":"no such todo"}`,
			check: func(t *testing.T, err error) {
				var fe *lambda.FunctionError
				if !errors.As(err, &fe) || fe.Type != "errorString" || fe.Message != "no such todo" || fe.Function != "fn" {
					t.Fatalf("err = %#v, want a FunctionError errorString: no such todo", err)
				}
				var doc map[string]any
				if json.Unmarshal(fe.Payload, &doc) != nil || doc["errorMessage"] != "no such todo" {
					t.Errorf("Payload = %s, want the runtime's error document", fe.Payload)
				}
			},
			warm:   true,
			report: "MB",
		},
		{
			name:    "panic",
			command: `{"mode":"panic","message":"bad state"}`,
			check: func(t *testing.T, err error) {
				var fe *lambda.FunctionError
				if !errors.As(err, &fe) || fe.Message != "bad state" {
					t.Fatalf("err = %#v, want a FunctionError with the panic's message", err)
				}
			},
			// aws-lambda-go ends the process after reporting a panic.
			warm:   false,
			report: "MB",
		},
		{
			name:    "process exit",
			command: `{"mode":"exit","code":3}`,
			check: func(t *testing.T, err error) {
				var ce *lambda.CrashError
				if !errors.As(err, &ce) || ce.ExitStatus != "exit status 3" {
					t.Fatalf("err = %#v, want a CrashError with exit status 3", err)
				}
			},
			logged: []string{`Error: Runtime exited with error: exit status 3`, `^\[fn\] Runtime\.ExitError$`},
			report: "\tStatus: error\tError Type: Runtime.ExitError",
		},
		{
			name:    "process exit with status 0",
			command: `{"mode":"exit","code":0}`,
			check: func(t *testing.T, err error) {
				var ce *lambda.CrashError
				if !errors.As(err, &ce) || ce.ExitStatus != "exit status 0" {
					t.Fatalf("err = %#v, want a CrashError with exit status 0", err)
				}
			},
			logged: []string{`Error: Runtime exited with error: exit status 0`, `^\[fn\] Runtime\.ExitError$`},
			report: "\tStatus: error\tError Type: Runtime.ExitError",
		},
		{
			name:    "timeout",
			command: `{"mode":"sleep","ms":30000}`,
			check: func(t *testing.T, err error) {
				var te *lambda.TimeoutError
				if !errors.As(err, &te) || te.Timeout != 300*time.Millisecond {
					t.Fatalf("err = %#v, want a TimeoutError after 300ms", err)
				}
			},
			logged:  []string{`^\[fn\] \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [0-9a-f-]{36} Task timed out after 0\.30 seconds$`},
			report:  "\tStatus: timeout",
			timeout: 300 * time.Millisecond,
		},
		{
			name:    "response over 6 MB",
			command: `{"mode":"big","bytes":7000000}`,
			check: func(t *testing.T, err error) {
				var fe *lambda.FunctionError
				if !errors.As(err, &fe) || fe.Type != "Function.ResponseSizeTooLarge" {
					t.Fatalf("err = %#v, want a FunctionError Function.ResponseSizeTooLarge", err)
				}
			},
			// aws-lambda-go exits when the Runtime API refuses its answer.
			warm:   false,
			report: "MB",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, log := start(t, lambda.Config{}, lambda.Function{Name: "fn", Path: testFunction, Timeout: cmp.Or(tt.timeout, 10*time.Second)})
			before := invoke(t, s, `{"mode":"echo"}`)

			start := time.Now()
			_, err := s.Invoke(context.Background(), "fn", []byte(tt.command))
			tt.check(t, err)
			if took := time.Since(start); tt.timeout != 0 && took > tt.timeout+3*time.Second {
				t.Errorf("timed out after %v, want about %v", took, tt.timeout)
			}
			for _, pattern := range tt.logged {
				log.WaitFor(t, regexp.MustCompile(`(?m)`+pattern))
			}
			reports := log.Matching(reportPattern)
			if last := reports[len(reports)-1]; !strings.HasSuffix(last, tt.report) {
				t.Errorf("REPORT = %q, want it to end with %q", last, tt.report)
			}

			after := invoke(t, s, `{"mode":"echo"}`)
			if warm := after.PID == before.PID; warm != tt.warm {
				t.Errorf("next invocation in process %d, before %d: warm = %v, want %v", after.PID, before.PID, warm, tt.warm)
			}
			if !tt.warm && !processGone(before.PID) {
				t.Errorf("process %d of the failed environment is still running", before.PID)
			}
			if lines := invocation(log, after.RequestID); !tt.warm && !strings.Contains(strings.Join(lines, "\n"), "Init Duration") {
				t.Errorf("the invocation after the failure was not a cold start: %q", lines)
			}
		})
	}
}

func TestInitFailures(t *testing.T) {
	tests := []struct {
		name     string
		testInit string
		wantType string
		wantMsg  string
		status   string
		logged   string
	}{
		{"process exits", "exit", "Runtime.ExitError", "Runtime exited with error: exit status 1", "error", `\[fn\] fn: init failed on purpose`},
		{"runtime reports", "report", "Test.InitFailed", "no configuration", "error", ""},
		{"init too long", "hang", "Sandbox.Timedout", "Init phase timed out after 0.30 seconds", "timeout", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, log := start(t, lambda.Config{InitTimeout: 300 * time.Millisecond}, lambda.Function{
				Name: "fn", Path: testFunction, Env: map[string]string{"TEST_INIT": tt.testInit},
			})
			_, err := s.Invoke(context.Background(), "fn", []byte(`{"mode":"echo"}`))
			var ie *lambda.InitError
			if !errors.As(err, &ie) || ie.Type != tt.wantType || ie.Message != tt.wantMsg {
				t.Fatalf("err = %#v, want an InitError %s: %s", err, tt.wantType, tt.wantMsg)
			}
			log.WaitFor(t, regexp.MustCompile(`(?m)^\[fn\] INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: `+tt.status+`\tError Type: `+regexp.QuoteMeta(tt.wantType)+`$`))
			if tt.logged != "" {
				log.WaitFor(t, regexp.MustCompile(tt.logged))
			}
			if got := log.Matching(regexp.MustCompile(`START RequestId`)); len(got) != 0 {
				t.Errorf("an invocation started: %q", got)
			}
		})
	}
}

func TestRuntimeAPIRefusesWrongRequests(t *testing.T) {
	s, _ := start(t, lambda.Config{}, fn())
	out, err := s.Invoke(context.Background(), "fn", []byte(`{"mode":"probe"}`))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]struct {
		Status      int    `json:"status"`
		ContentType string `json:"contentType"`
		Body        string `json:"body"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		call   string
		status int
		body   string // JSON, or the start of a text body
	}{
		{"responseWrongID", 400, `{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}`},
		{"errorWrongID", 400, `{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}`},
		{"initErrorAfterInit", 403, `{"errorMessage":"State transition from Running to InitError failed for runtime. Error: State transition is not allowed","errorType":"InvalidStateTransition"}`},
		{"unknownPath", 404, "404 page not found"},
	}
	for _, tt := range tests {
		t.Run(tt.call, func(t *testing.T) {
			r := got[tt.call]
			if r.Status != tt.status {
				t.Errorf("status = %d, want %d", r.Status, tt.status)
			}
			if strings.HasPrefix(tt.body, "{") {
				if r.ContentType != "application/json" {
					t.Errorf("Content-Type = %q, want application/json", r.ContentType)
				}
				assertJSONEqual(t, r.Body, tt.body)
			} else if !strings.HasPrefix(r.Body, tt.body) {
				t.Errorf("body = %q, want %q", r.Body, tt.body)
			}
		})
	}
	// The invocation that probed still got its own answer through.
	if !strings.Contains(string(out), "responseWrongID") {
		t.Errorf("probe's answer = %s", out)
	}
}

func TestFunctionOutputIsLoggedLineByLine(t *testing.T) {
	// A process that ignores SIGTERM says nothing more when Close stops it.
	s, log := start(t, lambda.Config{ShutdownTimeout: 100 * time.Millisecond}, lambda.Function{
		Name: "fn", Path: testFunction, Env: map[string]string{"TEST_SIGTERM": "ignore"},
	})
	r := invoke(t, s, `{"mode":"log","lines":["first line","second line"]}`)

	// The function's lines come between its START and END lines.
	all := log.Lines()
	startAt := slices.Index(all, "[fn] START RequestId: "+r.RequestID+" Version: $LATEST")
	endAt := slices.Index(all, "[fn] END RequestId: "+r.RequestID)
	for _, want := range []string{"[fn] out: first line", "[fn] err: first line", "[fn] out: second line", "[fn] err: second line"} {
		i := slices.Index(all, want)
		if i < 0 || i < startAt || i > endAt {
			t.Errorf("line %q at %d, want it between START (%d) and END (%d) in\n%s", want, i, startAt, endAt, strings.Join(all, "\n"))
		}
	}
	if i, j := slices.Index(all, "[fn] out: first line"), slices.Index(all, "[fn] out: second line"); i > j {
		t.Errorf("stdout lines out of order: %d, %d", i, j)
	}
	// A last line without a newline is logged when the stream ends.
	closeService(t, s)
	log.WaitFor(t, regexp.MustCompile(`(?m)^\[fn\] no newline at the end$`))
}

func TestInvokeRefusals(t *testing.T) {
	s, _ := start(t, lambda.Config{}, fn())
	tests := []struct {
		name     string
		function string
		payload  []byte
		want     error
	}{
		{"unknown function", "NoSuchFunction", []byte(`{}`), lambda.ErrFunctionNotFound},
		{"payload over 6 MB", "fn", bytes.Repeat([]byte("x"), lambda.MaxPayloadBytes+1), lambda.ErrPayloadTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Invoke(context.Background(), tt.function, tt.payload); !errors.Is(err, tt.want) {
				t.Errorf("Invoke = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCloseStopsEveryProcess(t *testing.T) {
	tests := []struct {
		name    string
		sigterm string
		// graceful: the process ends on SIGTERM, through the SIGTERM
		// handler that the extension enabled.
		graceful bool
	}{
		{"process that stops on SIGTERM", "", true},
		{"process that ignores SIGTERM", "ignore", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, log := start(t, lambda.Config{ShutdownTimeout: 500 * time.Millisecond}, lambda.Function{
				Name: "fn", Path: testFunction, Env: map[string]string{"TEST_SIGTERM": tt.sigterm},
			})
			hold := newHolder(t)
			// One busy environment, one idle.
			busy := make(chan error, 1)
			go func() {
				_, err := s.Invoke(context.Background(), "fn", []byte(hold.command()))
				busy <- err
			}()
			hold.waitArrivals(t, 1)
			idle := invoke(t, s, `{"mode":"echo"}`)
			if bytes.Contains([]byte(log.String()), []byte("Failed to register internal extension")) {
				t.Errorf("the SIGTERM extension did not register:\n%s", log)
			}

			closeService(t, s)
			if err := <-busy; !errors.Is(err, lambda.ErrClosed) {
				t.Errorf("busy invocation = %v, want ErrClosed", err)
			}
			if !processGone(idle.PID) {
				t.Errorf("process %d still runs after Close", idle.PID)
			}
			if _, err := s.Invoke(context.Background(), "fn", []byte(`{}`)); !errors.Is(err, lambda.ErrClosed) {
				t.Errorf("Invoke after Close = %v, want ErrClosed", err)
			}
			for _, pid := range hold.pids() {
				if !processGone(pid) {
					t.Errorf("busy process %d still runs after Close", pid)
				}
			}
			// Close has logged all that the processes wrote.
			if n := len(log.Matching(regexp.MustCompile(`^\[fn\] SIGTERM received, shutting down$`))); (n == 2) != tt.graceful {
				t.Errorf("%d processes stopped on SIGTERM, want graceful = %v", n, tt.graceful)
			}
		})
	}
}

// --- helpers ---

var (
	uuidPattern   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	reportPattern = regexp.MustCompile(`^\[fn\] REPORT RequestId: ([0-9a-f-]{36})\tDuration: (\d+\.\d\d) ms\tBilled Duration: (\d+) ms\tMemory Size: (\d+) MB\tMax Memory Used: (\d+) MB(\tInit Duration: (\d+\.\d\d) ms)?`)
)

func fn() lambda.Function { return lambda.Function{Name: "fn", Path: testFunction} }

// start returns a Service with fns and the log it writes; the test's
// cleanup closes it.
func start(t *testing.T, cfg lambda.Config, fns ...lambda.Function) (*lambda.Service, *logsink.Sink) {
	t.Helper()
	log := &logsink.Sink{}
	cfg.Functions = fns
	cfg.Log = log
	s, err := lambda.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeService(t, s) })
	return s, log
}

func closeService(t *testing.T, s *lambda.Service) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func invoke(t *testing.T, s *lambda.Service, command string) reply {
	t.Helper()
	return invokeFn(t, s, "fn", command)
}

func invokeFn(t *testing.T, s *lambda.Service, name, command string) reply {
	t.Helper()
	out, err := s.Invoke(context.Background(), name, []byte(command))
	if err != nil {
		t.Errorf("Invoke(%s): %v", command, err)
		return reply{}
	}
	var r reply
	if err := json.Unmarshal(out, &r); err != nil {
		t.Errorf("reply %s: %v", out, err)
	}
	return r
}

// processGone reports whether no process has the ID pid.
func processGone(pid int) bool {
	return syscall.Kill(pid, 0) == syscall.ESRCH
}

func exactly(s string) *regexp.Regexp { return regexp.MustCompile("^" + regexp.QuoteMeta(s) + "$") }

func assertJSONEqual(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Errorf("body %q is not JSON: %v", got, err)
		return
	}
	_ = json.Unmarshal([]byte(want), &w)
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("body = %s, want %s", gb, wb)
	}
}

// invocation returns the platform lines of one request.
func invocation(log *logsink.Sink, requestID string) []string {
	return log.Matching(regexp.MustCompile(`^\[fn\] (START|END|REPORT) RequestId: ` + regexp.QuoteMeta(requestID) + `\b`))
}

// holder is an HTTP endpoint that the test function's hold mode calls; it
// keeps each call waiting until the test releases one.
type holder struct {
	srv      *httptest.Server
	arrived  chan struct{}
	releases chan struct{}

	mu        sync.Mutex
	held, max int
	arrivals  int
	callers   []int // the pids of the processes that called
}

func newHolder(t *testing.T) *holder {
	h := &holder{arrived: make(chan struct{}, 16), releases: make(chan struct{}, 16)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.held++
		h.max = max(h.max, h.held)
		h.arrivals++
		if pid, err := strconv.Atoi(r.URL.Query().Get("pid")); err == nil {
			h.callers = append(h.callers, pid)
		}
		h.mu.Unlock()
		h.arrived <- struct{}{}
		select {
		case <-h.releases:
		case <-r.Context().Done():
		}
		h.mu.Lock()
		h.held--
		h.mu.Unlock()
		fmt.Fprint(w, "released")
	}))
	t.Cleanup(func() {
		close(h.releases)
		h.srv.Close()
	})
	return h
}

func (h *holder) command() string { return `{"mode":"hold","url":"` + h.srv.URL + `"}` }

func (h *holder) release() { h.releases <- struct{}{} }

// waitArrivals waits until n calls in all have arrived.
func (h *holder) waitArrivals(t *testing.T, n int) {
	t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for {
		h.mu.Lock()
		got := h.arrivals
		h.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-h.arrived:
		case <-timeout.C:
			t.Fatalf("%d calls arrived, want %d", got, n)
		}
	}
}

func (h *holder) pids() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.callers)
}

func (h *holder) maxHeld() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.max
}

func TestOnReportGetsEachInvocationsReport(t *testing.T) {
	var mu sync.Mutex
	var reports []lambda.Report
	s, _ := start(t, lambda.Config{OnReport: func(r lambda.Report) {
		mu.Lock()
		defer mu.Unlock()
		reports = append(reports, r)
	}}, fn())
	first := invoke(t, s, `{"mode":"echo"}`)
	second := invoke(t, s, `{"mode":"echo"}`)

	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 2 {
		t.Fatalf("%d reports, want 2", len(reports))
	}
	for i, r := range reports {
		want := []string{first.RequestID, second.RequestID}[i]
		if r.Function != "fn" || r.RequestID != want || r.Duration <= 0 || r.MaxMemoryKB <= 0 {
			t.Errorf("report %d = %+v, want fn, request %s, a duration and memory", i, r, want)
		}
	}
	if reports[0].InitDuration <= 0 || reports[1].InitDuration != 0 {
		t.Errorf("init durations %s and %s, want one on the cold start only", reports[0].InitDuration, reports[1].InitDuration)
	}
}
