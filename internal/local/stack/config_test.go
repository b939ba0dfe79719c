package stack_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/example/serverless-todo/internal/local/gateway"
	"github.com/example/serverless-todo/internal/local/s3server"
	"github.com/example/serverless-todo/internal/local/samtemplate"
	"github.com/example/serverless-todo/internal/local/stack"
)

// root is the repository, seen from this package's folder.
var root = filepath.Join("..", "..", "..")

func load(t *testing.T, opts stack.LoadOptions) *stack.Config {
	t.Helper()
	cfg, err := stack.Load(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// spec reads openapi.yaml with kin-openapi, a reader independent of the
// loader's, as OpenAPI tools read it: with its scopes resolved.
func spec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(load(t, stack.LoadOptions{}).OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestLoadRoutesEveryOperationToItsFunction(t *testing.T) {
	cfg := load(t, stack.LoadOptions{})
	// What kin-openapi reads in the document: each operation's route, the
	// function its integration's uri names, and the authorizer its
	// security requires.
	invokes := regexp.MustCompile(`/functions/\$\{(\w+)\.Arn\}/invocations$`)
	var want []gateway.Route
	for path, item := range spec(t).Paths.Map() {
		for method, op := range item.Operations() {
			ig, _ := op.Extensions["x-amazon-apigateway-integration"].(map[string]any)
			uri, _ := ig["uri"].(map[string]any)
			sub, _ := uri["Fn::Sub"].(string)
			m := invokes.FindStringSubmatch(sub)
			if m == nil {
				t.Errorf("%s %s: integration uri %v names no function", method, path, ig["uri"])
				continue
			}
			rt := gateway.Route{Key: method + " " + path, Function: m[1]}
			if op.Security == nil || len(*op.Security) > 0 {
				rt.Authorizer = "jwt"
				rt.AuthorizationScopes = (*op.Security)[0]["jwt"]
			}
			want = append(want, rt)
		}
	}
	slices.SortFunc(want, func(a, b gateway.Route) int { return strings.Compare(a.Key, b.Key) })
	got := slices.Clone(cfg.Routes)
	slices.SortFunc(got, func(a, b gateway.Route) int { return strings.Compare(a.Key, b.Key) })
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("Routes =\n%+v\nwant\n%+v", got, want)
	}

	wantAuth := map[string]gateway.JWTAuthorizer{"jwt": {IdentitySource: "$request.header.Authorization"}}
	if !reflect.DeepEqual(cfg.Authorizers, wantAuth) {
		t.Errorf("Authorizers = %+v, want %+v (the issuer is Start's to set)", cfg.Authorizers, wantAuth)
	}
}

func TestLoadTakesCORSFromTheDefinition(t *testing.T) {
	ext := spec(t).Extensions["x-amazon-apigateway-cors"].(map[string]any)
	list := func(v any) []string {
		var out []string
		for _, s := range v.([]any) {
			out = append(out, s.(string))
		}
		return out
	}
	tests := []struct {
		name    string
		params  map[string]string
		origins []string
	}{
		{"the origins parameter's default", nil, []string{"*"}},
		{"origins given as a parameter", map[string]string{"CorsAllowOrigins": "https://app.example, http://localhost:5173"}, []string{"https://app.example", "http://localhost:5173"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := load(t, stack.LoadOptions{Parameters: tt.params})
			want := &gateway.CORS{
				AllowOrigins:     tt.origins,
				AllowMethods:     list(ext["allowMethods"]),
				AllowHeaders:     list(ext["allowHeaders"]),
				ExposeHeaders:    list(ext["exposeHeaders"]),
				MaxAge:           int(ext["maxAge"].(float64)),
				AllowCredentials: ext["allowCredentials"].(bool),
			}
			if !reflect.DeepEqual(cfg.CORS, want) {
				t.Errorf("CORS = %+v, want %+v", cfg.CORS, want)
			}
		})
	}
}

func TestLoadResolvesTheFunctions(t *testing.T) {
	tpl, err := samtemplate.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	apis, err := tpl.HTTPAPIs()
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		opts  stack.LoadOptions
		table string
		// env is what the contact function gets beside TABLE_NAME.
		contactEnv map[string]string
		// secret is the ContactSecret's value, but its generated ipHashKey.
		secret, secretName string
		// queue and bucket are the purge queue's and the bucket's local names.
		queue, bucket string
	}{
		{
			name:       "defaults",
			table:      "TodoTable",
			contactEnv: map[string]string{"CONTACT_SECRET": "ContactSecret", "CONTACT_LIMIT_PER_HOUR": "5", "CONTACT_RETENTION_DAYS": "90"},
			secret:     `{"pushoverToken":"","pushoverUserKey":""}`,
			secretName: "ContactSecret",
			queue:      "PurgeQueue",
			bucket:     "attachmentsbucket",
		},
		{
			name: "parameters and a name prefix",
			opts: stack.LoadOptions{Parameters: map[string]string{"PushoverToken": "tok", "PushoverUserKey": "usr", "ContactLimitPerHour": "1000"},
				NamePrefix: "e2e-1-"},
			table:      "e2e-1-TodoTable",
			contactEnv: map[string]string{"CONTACT_SECRET": "e2e-1-ContactSecret", "CONTACT_LIMIT_PER_HOUR": "1000", "CONTACT_RETENTION_DAYS": "90"},
			secret:     `{"pushoverToken":"tok","pushoverUserKey":"usr"}`,
			secretName: "e2e-1-ContactSecret",
			queue:      "e2e-1-PurgeQueue",
			bucket:     "e2e-1-attachmentsbucket",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := load(t, tt.opts)
			if cfg.Dir != abs || cfg.API != apis[0].LogicalID || cfg.AccessLogFormat != apis[0].AccessLogFormat || cfg.AccessLogFormat == "" {
				t.Errorf("Dir, API, AccessLogFormat = %q, %q, %q; want %q, %q and the template's format", cfg.Dir, cfg.API, cfg.AccessLogFormat, abs, apis[0].LogicalID)
			}
			if len(cfg.Tables) != 1 || cfg.Tables[0].Name != tt.table || cfg.Tables[0].Definition.LogicalID != "TodoTable" {
				t.Errorf("Tables = %+v, want TodoTable named %s", cfg.Tables, tt.table)
			}
			if len(cfg.Secrets) != 1 || cfg.Secrets[0].Name != tt.secretName {
				t.Fatalf("Secrets = %d, want ContactSecret named %s", len(cfg.Secrets), tt.secretName)
			}
			var value map[string]string
			if err := json.Unmarshal([]byte(cfg.Secrets[0].Value), &value); err != nil {
				t.Fatal(err)
			}
			key := value["ipHashKey"]
			delete(value, "ipHashKey")
			if got, _ := json.Marshal(value); string(got) != tt.secret || !regexp.MustCompile(`^[A-Za-z0-9]{64}$`).MatchString(key) {
				t.Errorf("the secret holds %s and an ipHashKey of %d characters; want %s and 64 letters and digits, as GenerateSecretString says", got, len(key), tt.secret)
			}
			wantQueues := []stack.Queue{
				{Name: strings.Replace(tt.queue, "PurgeQueue", "PurgeDeadLetterQueue", 1), VisibilityTimeout: 30, MessageRetentionPeriod: 1209600},
				{Name: tt.queue, VisibilityTimeout: 180, MessageRetentionPeriod: 1209600, MaxReceiveCount: 5},
			}
			for i := range wantQueues {
				q := &wantQueues[i]
				q.URL = "https://sqs.us-east-1.amazonaws.com/123456789012/" + q.Name
				q.ARN = "arn:aws:sqs:us-east-1:123456789012:" + q.Name
			}
			wantQueues[1].DeadLetterARN = wantQueues[0].ARN
			if !reflect.DeepEqual(cfg.Queues, wantQueues) {
				t.Errorf("Queues = %+v\nwant %+v (the dead-letter queue first)", cfg.Queues, wantQueues)
			}
			wantSources := []stack.EventSource{{Function: "PurgeAccountFunction", Queue: wantQueues[1], BatchSize: 1, ReportBatchItemFailures: true}}
			if !reflect.DeepEqual(cfg.EventSources, wantSources) {
				t.Errorf("EventSources = %+v\nwant %+v", cfg.EventSources, wantSources)
			}
			wantBuckets := []stack.Bucket{{Name: tt.bucket, Notifications: []s3server.Notification{
				{Function: "ConfirmAttachmentFunction", Events: []string{"s3:ObjectCreated:*"}, Prefix: "uploads/"}}}}
			if !reflect.DeepEqual(cfg.Buckets, wantBuckets) {
				t.Errorf("Buckets = %+v\nwant %+v (lower case, as bucket names are)", cfg.Buckets, wantBuckets)
			}
			if len(cfg.Functions) != len(fns) {
				t.Fatalf("%d functions, want the template's %d", len(cfg.Functions), len(fns))
			}
			for i, f := range cfg.Functions {
				tf := fns[i]
				want := stack.Function{
					Name:        tf.LogicalID,
					CodeDir:     abs,
					BuildMethod: "makefile",
					Timeout:     time.Duration(tf.Timeout) * time.Second,
					MemoryMB:    tf.MemorySize,
					LogFormat:   tf.LogFormat,
					Env:         map[string]string{"TABLE_NAME": tt.table, "METRICS_NAMESPACE": "ServerlessTodo/local"},
				}
				switch f.Name {
				case "ContactFunction":
					for k, v := range tt.contactEnv {
						want.Env[k] = v
					}
				case "CreateTodoFunction":
					want.Env["MAX_TODOS_PER_USER"] = "10000"
				case "DeleteTodoFunction":
					want.Env["TOMBSTONE_RETENTION_DAYS"] = "30"
					want.Env["ATTACHMENTS_BUCKET"] = tt.bucket
				case "ChangesFunction":
					want.Env["TOMBSTONE_RETENTION_DAYS"] = "30"
				case "CreateAttachmentFunction":
					want.Env["ATTACHMENTS_BUCKET"] = tt.bucket
					want.Env["MAX_ATTACHMENT_BYTES"] = "10485760"
					want.Env["ATTACHMENT_URL_SECONDS"] = "300"
				case "GetAttachmentFunction":
					want.Env["ATTACHMENTS_BUCKET"] = tt.bucket
					want.Env["ATTACHMENT_URL_SECONDS"] = "300"
				case "DeleteAttachmentFunction":
					want.Env["ATTACHMENTS_BUCKET"] = tt.bucket
				case "DeleteAccountFunction":
					want.Env["PURGE_QUEUE_URL"] = "https://sqs.us-east-1.amazonaws.com/123456789012/" + tt.queue
					want.Env["TOKEN_VALIDITY_MINUTES"] = "15"
				case "PurgeAccountFunction":
					// Ref of a queue is its URL; of the user pool, its ID.
					want.Env["PURGE_QUEUE_URL"] = "https://sqs.us-east-1.amazonaws.com/123456789012/" + tt.queue
					want.Env["USER_POOL_ID"] = "us-east-1_local"
					want.Env["ATTACHMENTS_BUCKET"] = tt.bucket
				}
				if want.Timeout <= 0 || want.MemoryMB <= 0 || want.LogFormat != "JSON" {
					t.Errorf("%s: the template gives timeout %v, memory %d MB and log format %q", tf.LogicalID, want.Timeout, want.MemoryMB, want.LogFormat)
				}
				if !reflect.DeepEqual(f, want) {
					t.Errorf("function %d = %+v\nwant %+v", i, f, want)
				}
			}
		})
	}
}

func TestConfigFunctionFindsByName(t *testing.T) {
	cfg := load(t, stack.LoadOptions{})
	f := cfg.Function("ContactFunction")
	if f == nil || f.Name != "ContactFunction" {
		t.Fatalf("Function(ContactFunction) = %+v", f)
	}
	f.Env["PUSHOVER_API_URL"] = "http://127.0.0.1:1"
	if cfg.Function("ContactFunction").Env["PUSHOVER_API_URL"] == "" {
		t.Error("a change through Function did not reach the Config")
	}
	if f := cfg.Function("Nope"); f != nil {
		t.Errorf("Function(Nope) = %+v, want nil", f)
	}
}

// edit replaces the first occurrence of old with new in one file of a copy
// of the repository.
type edit struct{ file, old, new string }

// mutated copies template.yaml and openapi.yaml into a new folder and
// applies the edits; an edit whose old text is gone fails the test.
func mutated(t *testing.T, edits ...edit) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"template.yaml", "openapi.yaml"} {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range edits {
			if e.file != name {
				continue
			}
			if !strings.Contains(string(data), e.old) {
				t.Fatalf("%s no longer contains %q: update this test", name, e.old)
			}
			data = []byte(strings.Replace(string(data), e.old, e.new, 1))
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadRefusesWhatTheLocalAPICannotRun(t *testing.T) {
	tests := []struct {
		name   string
		edits  []edit
		params map[string]string
		want   string
	}{
		{
			name:   "a parameter the template does not have",
			params: map[string]string{"PushoverTokn": "x"},
			want:   "template.yaml has no parameter PushoverTokn",
		},
		{
			name:   "a value the parameter does not allow",
			params: map[string]string{"TableDeletionProtection": "maybe"},
			want:   "parameter TableDeletionProtection must be one of true, false",
		},
		{
			name:   "a value the parameter's pattern refuses",
			params: map[string]string{"PushoverToken": `a","ipHashKey":"x`},
			want:   "parameter PushoverToken must match ^[A-Za-z0-9]*$",
		},
		{
			name:   "a number below the parameter's minimum",
			params: map[string]string{"ContactLimitPerHour": "0"},
			want:   "parameter ContactLimitPerHour must be at least 1",
		},
		{
			name:   "a number above the parameter's maximum",
			params: map[string]string{"ContactRetentionDays": "5000"},
			want:   "parameter ContactRetentionDays must be at most 3650",
		},
		{
			name:   "not a number",
			params: map[string]string{"ContactLimitPerHour": "many"},
			want:   `parameter ContactLimitPerHour must be a number, not "many"`,
		},
		{
			name:  "an operation invoking a function the template lacks",
			edits: []edit{{"template.yaml", "  ContactFunction:\n    Type: AWS::Serverless::Function", "  ContactFormFunction:\n    Type: AWS::Serverless::Function"}},
			want:  "route POST /contact invokes ContactFunction, which template.yaml does not define as a function",
		},
		{
			name:  "an integration of payload format 1.0",
			edits: []edit{{"openapi.yaml", "payloadFormatVersion: '2.0'", "payloadFormatVersion: '1.0'"}},
			want:  `payloadFormatVersion "1.0": the local gateway runs aws_proxy, POST, 2.0 only`,
		},
		{
			name:  "an operation without an integration",
			edits: []edit{{"openapi.yaml", "      x-amazon-apigateway-integration:\n        type: aws_proxy\n        httpMethod: POST\n        payloadFormatVersion: '2.0'\n        uri:\n          Fn::Sub: arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${ContactFunction.Arn}/invocations", ""}},
			want:  "POST /contact has no x-amazon-apigateway-integration",
		},
		{
			name:  "a route requiring a scheme that is not an authorizer",
			edits: []edit{{"openapi.yaml", "      security:\n        - jwt:\n            - Ref: JwtScope\n      parameters:\n        - $ref: '#/components/parameters/IdempotencyKey'", "      security:\n        - cognito: []\n      parameters:\n        - $ref: '#/components/parameters/IdempotencyKey'"}},
			want:  "POST /todos requires cognito, which is not a security scheme with an x-amazon-apigateway-authorizer",
		},
		{
			name:  "a route with two authorizers",
			edits: []edit{{"openapi.yaml", "      security:\n        - jwt:\n            - Ref: JwtScope\n      parameters:\n        - $ref: '#/components/parameters/IdempotencyKey'", "      security:\n        - jwt: []\n        - other: []\n      parameters:\n        - $ref: '#/components/parameters/IdempotencyKey'"}},
			want:  "POST /todos: security lists 2 requirements; an HTTP API route has one authorizer",
		},
		{
			name:  "a Lambda authorizer",
			edits: []edit{{"openapi.yaml", "        type: jwt\n        identitySource: $request.header.Authorization", "        type: request\n        identitySource: $request.header.Authorization"}},
			want:  `security scheme jwt: the local gateway has JWT authorizers only, not "request"`,
		},
		{
			name:  "a short form that AWS::Include would refuse",
			edits: []edit{{"openapi.yaml", "  allowOrigins:\n    Ref: CorsAllowOrigins", "  allowOrigins: !Ref CorsAllowOrigins"}},
			want:  "AWS::Include does not read the short form !Ref",
		},
		{
			name:  "a CORS setting HTTP APIs do not have",
			edits: []edit{{"openapi.yaml", "  maxAge: 3600", "  maxAgeSeconds: 3600"}},
			want:  "x-amazon-apigateway-cors: maxAgeSeconds is not a CORS setting of HTTP APIs",
		},
		{
			name:  "a definition that is not included from a file",
			edits: []edit{{"template.yaml", "Location: ./openapi.yaml", "Location: s3://bucket/openapi.yaml"}},
			want:  "DefinitionBody must be an AWS::Include of a file in the repository",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := stack.Load(mutated(t, tt.edits...), stack.LoadOptions{Parameters: tt.params})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// A queue's local name is the prefix and its QueueName, or its logical ID
// without one; its Ref, Arn and QueueName, and the redrive policy of the
// queue that names it as dead-letter queue, all say that name.
func TestLoadNamesTheQueuesLocally(t *testing.T) {
	src := filepath.Join("testdata", "queues")
	tests := []struct {
		name      string
		queueName string // the dead-letter queue's QueueName
		wantDLQ   string
	}{
		{"by logical ID", "", "p-PurgeDeadLetterQueue"},
		{"by QueueName", "purge-dead-letters", "p-purge-dead-letters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, name := range []string{"template.yaml", "openapi.yaml"} {
				data, err := os.ReadFile(filepath.Join(src, name))
				if err != nil {
					t.Fatal(err)
				}
				if name == "template.yaml" && tt.queueName != "" {
					old := "  PurgeDeadLetterQueue:\n    Type: AWS::SQS::Queue\n    Properties:\n"
					if !strings.Contains(string(data), old) {
						t.Fatalf("testdata/queues/template.yaml no longer contains %q: update this test", old)
					}
					data = []byte(strings.Replace(string(data), old, old+"      QueueName: "+tt.queueName+"\n", 1))
				}
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cfg, err := stack.Load(dir, stack.LoadOptions{NamePrefix: "p-"})
			if err != nil {
				t.Fatal(err)
			}
			arn := func(name string) string { return "arn:aws:sqs:us-east-1:123456789012:" + name }
			url := func(name string) string { return "https://sqs.us-east-1.amazonaws.com/123456789012/" + name }
			want := []stack.Queue{
				{Name: tt.wantDLQ, URL: url(tt.wantDLQ), ARN: arn(tt.wantDLQ), VisibilityTimeout: 30, MessageRetentionPeriod: 1209600},
				{Name: "p-PurgeQueue", URL: url("p-PurgeQueue"), ARN: arn("p-PurgeQueue"), VisibilityTimeout: 180, MessageRetentionPeriod: 1209600,
					DeadLetterARN: arn(tt.wantDLQ), MaxReceiveCount: 2},
			}
			if !reflect.DeepEqual(cfg.Queues, want) {
				t.Errorf("Queues = %+v\nwant %+v", cfg.Queues, want)
			}
			env := cfg.Function("PurgeAccountFunction").Env
			if env["PURGE_QUEUE_URL"] != url("p-PurgeQueue") || env["DEAD_LETTER_QUEUE"] != tt.wantDLQ {
				t.Errorf("PURGE_QUEUE_URL %q, DEAD_LETTER_QUEUE %q: want the Ref and the GetAtt QueueName of the local queues", env["PURGE_QUEUE_URL"], env["DEAD_LETTER_QUEUE"])
			}
		})
	}
}

func TestLoadRefusesAnEventOfAQueueItDoesNotHave(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"template.yaml", "openapi.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", "queues", name))
		if err != nil {
			t.Fatal(err)
		}
		data = []byte(strings.Replace(string(data), "Queue: !GetAtt PurgeQueue.Arn", "Queue: !GetAtt OtherQueue.Arn", 1))
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := stack.Load(dir, stack.LoadOptions{})
	if want := "PurgeAccountFunction's event Purge names OtherQueue, which template.yaml does not define as a queue"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Load = %v, want an error containing %q", err, want)
	}
}
