package stack_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/internal/local/devauth"
	"github.com/example/serverless-todo/internal/local/dynamodblocal"
	"github.com/example/serverless-todo/internal/local/stack"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/internal/testkit/lambdatest"
	"github.com/example/serverless-todo/internal/testkit/logsink"
	"github.com/example/serverless-todo/internal/testkit/mototest"
	"github.com/example/serverless-todo/pkg/secret"
)

// testFunction is lambdatest's function, built once by TestMain. It
// stands in for every function of the template here, answering with the
// event it got or, asked by its x-test-mode header, its environment: these
// tests are about what Start wires together, not about the functions.
var testFunction string

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "localapi-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if testFunction, err = lambdatest.BuildFunction(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if queueFunction, err = buildQueueFunction(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer mototest.Stop()
	return dbtest.Run(m)
}

// echoConfig is the repository's API with the test function as every
// function, and a table of its own.
func echoConfig(t *testing.T, params map[string]string) *stack.Config {
	t.Helper()
	cfg, err := stack.Load(root, stack.LoadOptions{Parameters: params, NamePrefix: uniquePrefix()})
	if err != nil {
		t.Fatal(err)
	}
	for i := range cfg.Functions {
		cfg.Functions[i].Path = testFunction
	}
	return cfg
}

func uniquePrefix() string { return "t-" + strings.ToLower(rand.Text()[:10]) + "-" }

// start starts cfg on the test DynamoDB; the test's cleanup closes it.
func start(t *testing.T, cfg *stack.Config) (*stack.Stack, *logsink.Sink) {
	t.Helper()
	log := &logsink.Sink{}
	s, err := stack.Start(t.Context(), cfg, stack.Options{
		StateDir:         t.TempDir(),
		DynamoDBEndpoint: dbtest.Endpoint(),
		MotoEndpoint:     mototest.Endpoint(t),
		Log:              log,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeStack(t, s) })
	return s, log
}

func closeStack(t *testing.T, s *stack.Stack) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func token(t *testing.T, s *stack.Stack, sub string) string {
	t.Helper()
	tok, err := s.Issuer.Mint(devauth.Token{Subject: sub})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// call sends a request and returns the status and body.
func call(t *testing.T, method, url string, headers map[string]string, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func TestStartServesTheTemplatesRoutesBehindTheDevIssuer(t *testing.T) {
	cfg := echoConfig(t, nil)
	s, _ := start(t, cfg)
	const id = "01JD8X3N7Q5V2K8M4R6T9W1Y3Z"

	status, body := call(t, "GET", s.URL+"/todos/"+id, map[string]string{"Authorization": "Bearer " + token(t, s, "alice")}, "")
	if status != http.StatusOK {
		t.Fatalf("GET /todos/{id} with a dev token = %d %s, want the function's 200", status, body)
	}
	var event struct {
		RouteKey       string            `json:"routeKey"`
		PathParameters map[string]string `json:"pathParameters"`
		RequestContext struct {
			Authorizer struct {
				JWT struct {
					Claims map[string]string `json:"claims"`
				} `json:"jwt"`
			} `json:"authorizer"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(body, &event); err != nil {
		t.Fatalf("event %s: %v", body, err)
	}
	if event.RouteKey != "GET /todos/{id}" || event.PathParameters["id"] != id || event.RequestContext.Authorizer.JWT.Claims["sub"] != "alice" {
		t.Errorf("event: route %q, parameters %v, claims %v; want GET /todos/{id}, id %s, sub alice",
			event.RouteKey, event.PathParameters, event.RequestContext.Authorizer.JWT.Claims, id)
	}

	tests := []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"no token", nil, http.StatusUnauthorized},
		{"a token of another issuer", map[string]string{"Authorization": "Bearer " + foreignToken(t)}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, body := call(t, "GET", s.URL+"/todos", tt.headers, ""); status != tt.want {
				t.Errorf("GET /todos = %d %s, want %d", status, body, tt.want)
			}
		})
	}
}

// foreignToken is signed with a key the stack does not know.
func foreignToken(t *testing.T) string {
	iss, err := devauth.Open(t.TempDir(), devauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := iss.Mint(devauth.Token{Subject: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestStartGivesFunctionsTheirResolvedEnvironment(t *testing.T) {
	cfg := echoConfig(t, map[string]string{"PushoverToken": "tokSECRET1", "PushoverUserKey": "usrSECRET2"})
	cfg.Function("ContactFunction").Env["PUSHOVER_API_URL"] = "http://127.0.0.1:9/1/messages.json"
	s, _ := start(t, cfg)
	table := cfg.Tables[0].Name
	secretName := cfg.Secrets[0].Name

	tests := []struct {
		name, method, path string
		want               map[string]string
		absent             []string
	}{
		{
			name: "a todo function", method: "GET", path: "/todos",
			want:   map[string]string{"TABLE_NAME": table, "AWS_ENDPOINT_URL_DYNAMODB": s.DynamoDBEndpoint, "AWS_LAMBDA_FUNCTION_NAME": "ListTodosFunction", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128"},
			absent: []string{"CONTACT_SECRET", "PUSHOVER_API_URL"},
		},
		{
			name: "the contact function", method: "POST", path: "/contact",
			want: map[string]string{"TABLE_NAME": table, "AWS_ENDPOINT_URL_DYNAMODB": s.DynamoDBEndpoint, "AWS_LAMBDA_FUNCTION_NAME": "ContactFunction",
				"CONTACT_SECRET": secretName, "AWS_ENDPOINT_URL_SECRETS_MANAGER": s.MotoEndpoint, "PUSHOVER_API_URL": "http://127.0.0.1:9/1/messages.json"},
			absent: []string{"PUSHOVER_TOKEN", "PUSHOVER_USER_KEY"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := call(t, tt.method, s.URL+tt.path, map[string]string{
				"Authorization": "Bearer " + token(t, s, "alice"),
				"X-Test-Mode":   "env",
			}, "{}")
			if status != http.StatusOK {
				t.Fatalf("%s %s = %d %s", tt.method, tt.path, status, body)
			}
			var reply struct{ Env []string }
			if err := json.Unmarshal(body, &reply); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{}
			for _, kv := range reply.Env {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
			for k, v := range tt.want {
				if env[k] != v {
					t.Errorf("%s = %q, want %q", k, env[k], v)
				}
			}
			for _, k := range tt.absent {
				if v, ok := env[k]; ok {
					t.Errorf("%s = %q, want it unset", k, v)
				}
			}
			for k, v := range env {
				if strings.Contains(v, "SECRET") {
					t.Errorf("%s holds a Pushover value: %s", k, v)
				}
			}
		})
	}

	// The values are in the secret, where the function reads them.
	sec, err := secret.Open(dbtest.Getenv(map[string]string{"AWS_ENDPOINT_URL_SECRETS_MANAGER": s.MotoEndpoint}), secretName)
	if err != nil {
		t.Fatal(err)
	}
	var value struct{ PushoverToken, PushoverUserKey, IPHashKey string }
	if err := sec.JSON(t.Context(), &value); err != nil || value.PushoverToken != "tokSECRET1" || value.PushoverUserKey != "usrSECRET2" || len(value.IPHashKey) != 64 {
		t.Errorf("the secret holds %+v (%v): want the parameters and a generated ipHashKey", value, err)
	}
}

func TestStartRunsMotoWhenTheTemplateHasSecretsAndNoneIsGiven(t *testing.T) {
	cfg := echoConfig(t, nil)
	s, err := stack.Start(t.Context(), cfg, stack.Options{StateDir: t.TempDir(), DynamoDBEndpoint: dbtest.Endpoint()})
	if err != nil {
		t.Fatal(err)
	}
	if s.MotoEndpoint == "" || s.MotoEndpoint == mototest.Endpoint(t) {
		t.Errorf("MotoEndpoint = %q, want a moto_server of its own", s.MotoEndpoint)
	}
	sec, err := secret.Open(dbtest.Getenv(map[string]string{"AWS_ENDPOINT_URL_SECRETS_MANAGER": s.MotoEndpoint}), cfg.Secrets[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sec.String(t.Context()); err != nil {
		t.Errorf("its secret: %v", err)
	}
	closeStack(t, s)
	if _, err := http.Get(s.MotoEndpoint); err == nil {
		t.Error("its moto_server still answers after Close")
	}
}

func TestStartCreatesTheTableOnceAndRefusesAWrongOne(t *testing.T) {
	cfg := echoConfig(t, nil)
	client := dbtest.Client(t)
	name := cfg.Tables[0].Name
	t.Cleanup(func() {
		_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})

	first, _ := start(t, cfg)
	item := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "USER#x"}, "SK": &types.AttributeValueMemberS{Value: "TODO#y"}}
	if _, err := client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(name), Item: item}); err != nil {
		t.Fatalf("the table Start made: %v", err)
	}
	ttl, err := client.DescribeTimeToLive(t.Context(), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil || aws.ToString(ttl.TimeToLiveDescription.AttributeName) != cfg.Tables[0].Definition.TTLAttribute {
		t.Errorf("time to live = %+v, %v; want on %s", ttl, err, cfg.Tables[0].Definition.TTLAttribute)
	}
	closeStack(t, first)

	// A second start, like make dev's next day, finds the table and its
	// items.
	start(t, cfg)
	out, err := client.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(name), Key: item})
	if err != nil || out.Item == nil {
		t.Errorf("the item after a restart: %v, %v; want it kept", out, err)
	}

	wrong := echoConfig(t, nil)
	in := dynamodblocal.CreateTableInput(wrong.Tables[0].Definition, wrong.Tables[0].Name)
	in.KeySchema = in.KeySchema[:1]
	in.AttributeDefinitions = in.AttributeDefinitions[:1]
	in.LocalSecondaryIndexes = nil
	if _, err := client.CreateTable(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: in.TableName})
	})
	_, err = stack.Start(t.Context(), wrong, stack.Options{StateDir: t.TempDir(), DynamoDBEndpoint: dbtest.Endpoint(), MotoEndpoint: mototest.Endpoint(t)})
	if err == nil || !strings.Contains(err.Error(), "exists with keys map[PK:HASH S]") {
		t.Errorf("Start on a table with other keys = %v, want a refusal", err)
	}
}

func TestLogMarksEachLineWithItsSource(t *testing.T) {
	s, log := start(t, echoConfig(t, nil))
	if status, body := call(t, "GET", s.URL+"/todos", map[string]string{"Authorization": "Bearer " + token(t, s, "alice")}, ""); status != http.StatusOK {
		t.Fatalf("GET /todos = %d %s", status, body)
	}
	// The access log line is written once the response is.
	log.WaitFor(t, regexp.MustCompile(`(?m)^\[TodoApi\] \{"requestId":"[^"]+",.*"routeKey":"GET /todos","status":"200"`))
	log.WaitFor(t, regexp.MustCompile(`(?m)^\[ListTodosFunction\] {"time":"[^"]+","type":"platform.report"`))
}

func TestCloseStopsEveryProcess(t *testing.T) {
	s, _ := start(t, echoConfig(t, nil))
	if status, body := call(t, "GET", s.URL+"/todos", map[string]string{"Authorization": "Bearer " + token(t, s, "alice")}, ""); status != http.StatusOK {
		t.Fatalf("GET /todos = %d %s", status, body)
	}
	pids := s.PIDs("ListTodosFunction")
	if len(pids) != 1 {
		t.Fatalf("PIDs(ListTodosFunction) = %v, want the one environment that served", pids)
	}
	closeStack(t, s)
	if err := syscall.Kill(pids[0], 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("function process %d after Close: kill -0 = %v, want it gone", pids[0], err)
	}
	if _, err := http.Get(s.URL + "/todos"); err == nil {
		t.Error("the gateway still answers after Close")
	}
	if err := s.Close(t.Context()); err != nil {
		t.Errorf("a second Close = %v, want nil", err)
	}
}

func TestStartRefusesAPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	state := t.TempDir()
	_, err = stack.Start(t.Context(), echoConfig(t, nil), stack.Options{Addr: ln.Addr().String(), StateDir: state, DynamoDBEndpoint: dbtest.Endpoint(), MotoEndpoint: mototest.Endpoint(t)})
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("Start on a port in use = %v, want EADDRINUSE", err)
	}
	// Nothing was done before the port was known to be free.
	if entries, _ := os.ReadDir(state); len(entries) != 0 {
		t.Errorf("the state folder has %d entries, want none", len(entries))
	}
}

func TestBuildRunsTheMakefileTargetForThisMachine(t *testing.T) {
	dir := t.TempDir()
	// A Makefile whose target records how it was run, as the real one
	// would build with it.
	makefile := "LAMBDA_ENV := GOOS=linux GOARCH=arm64 CGO_ENABLED=0\n" +
		"build-HelloFunction:\n" +
		"\tprintf '%s' '$(LAMBDA_ENV)' > $(ARTIFACTS_DIR)/bootstrap\n" +
		"build-BrokenFunction:\n" +
		"\t@echo compile error in broken.go >&2; exit 1\n"
	if err := os.WriteFile(filepath.Join(dir, "Makefile"), []byte(makefile), 0o644); err != nil {
		t.Fatal(err)
	}
	// A make that runs the build (make dev) passes its variables on.
	t.Setenv("MAKEFLAGS", "ARTIFACTS_DIR=/nowhere")
	out := t.TempDir()

	cfg := &stack.Config{Functions: []stack.Function{
		{Name: "HelloFunction", CodeDir: dir, BuildMethod: "makefile"},
		{Name: "PrebuiltFunction", Path: "/bin/true"},
	}}
	if err := cfg.Build(t.Context(), out); err != nil {
		t.Fatal(err)
	}
	wantPath := filepath.Join(out, "HelloFunction", "bootstrap")
	if got := cfg.Functions[0].Path; got != wantPath {
		t.Errorf("Path = %q, want %q", got, wantPath)
	}
	got, err := os.ReadFile(wantPath)
	if want := "GOOS=" + runtime.GOOS + " GOARCH=" + runtime.GOARCH + " CGO_ENABLED=0"; err != nil || string(got) != want {
		t.Errorf("the recipe ran with LAMBDA_ENV %q (%v), want %q", got, err, want)
	}
	if got := cfg.Functions[1].Path; got != "/bin/true" {
		t.Errorf("a function with a Path got Path %q, want it kept", got)
	}

	tests := []struct {
		name string
		fn   stack.Function
		want string
	}{
		{"a failing recipe", stack.Function{Name: "BrokenFunction", CodeDir: dir, BuildMethod: "makefile"}, "compile error in broken.go"},
		{"no target", stack.Function{Name: "MissingFunction", CodeDir: dir, BuildMethod: "makefile"}, "No rule to make target"},
		{"another build method", stack.Function{Name: "HelloFunction", CodeDir: dir, BuildMethod: "go1.x"}, `HelloFunction has BuildMethod "go1.x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &stack.Config{Functions: []stack.Function{tt.fn}}
			err := cfg.Build(t.Context(), t.TempDir())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Build = %v, want an error containing %q", err, tt.want)
			}
			if cfg.Functions[0].Path != "" {
				t.Errorf("a failed build set Path %q", cfg.Functions[0].Path)
			}
		})
	}
}
