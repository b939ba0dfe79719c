package stack

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/example/serverless-todo/internal/local/devauth"
	"github.com/example/serverless-todo/internal/local/gateway"
	"github.com/example/serverless-todo/internal/local/intrinsics"
	"github.com/example/serverless-todo/internal/local/lambda"
	"github.com/example/serverless-todo/internal/local/s3server"
	"github.com/example/serverless-todo/internal/local/samtemplate"
)

// TemplateFile is the SAM template Load reads, in the folder it is given.
const TemplateFile = "template.yaml"

// What the local copy of the stack is, where CloudFormation would say.
const (
	stackName = "local"
	region    = lambda.DefaultRegion
	accountID = lambda.DefaultAccountID
)

// Config is the API as template.yaml and the OpenAPI definition it includes
// describe it, resolved for this machine: what Start runs. Load makes it;
// a test may change it before Start, to add routes and functions, give a
// function more environment variables, or run another binary as one.
type Config struct {
	// Dir is the folder of template.yaml. Function CodeUris are relative
	// to it, and DynamoDB Local is looked for in its node_modules.
	Dir string
	// API is the HTTP API's logical ID; it marks the access log's lines.
	API string
	// Routes are the API's routes: one per operation of the OpenAPI
	// definition, to the function its integration invokes, behind the
	// authorizer its security requires.
	Routes []gateway.Route
	// Authorizers are the API's JWT authorizers by security scheme name,
	// with the identity source the definition gives. Their issuer,
	// audience and keys are left empty: Start sets the local dev issuer's,
	// since the template's point at Cognito.
	Authorizers map[string]gateway.JWTAuthorizer
	// CORS is the definition's x-amazon-apigateway-cors, resolved; nil
	// when it has none.
	CORS *gateway.CORS
	// AccessLogFormat is the stage's access log format.
	AccessLogFormat string
	// OpenAPI is the OpenAPI definition as OpenAPI tools read it once
	// CloudFormation has resolved it: the file, with the scopes of its
	// security requirements resolved (samtemplate.ResolveScopes).
	OpenAPI []byte
	// Functions are the template's functions.
	Functions []Function
	// Tables are the template's DynamoDB tables.
	Tables []Table
	// Secrets are the template's Secrets Manager secrets, with their
	// values: resolved, or generated as CloudFormation would.
	Secrets []Secret
	// Queues are the template's SQS queues, each dead-letter queue before
	// the queues that redrive to it.
	Queues []Queue
	// EventSources are the functions' SQS event sources: what Start polls
	// and invokes the functions with.
	EventSources []EventSource
	// Buckets are the template's S3 buckets, with the notifications the
	// functions' S3 events give them.
	Buckets []Bucket
}

// Bucket is an S3 bucket of the template and the name of its local copy.
type Bucket struct {
	// Name is its local name, its Ref: the NamePrefix and its logical ID,
	// in lower case, as bucket names are.
	Name string
	// Notifications invoke functions for its object events.
	Notifications []s3server.Notification
}

// Queue is an SQS queue of the template and the name of its local copy.
type Queue struct {
	// Name is its local name: the NamePrefix and its QueueName, or its
	// logical ID when it has none.
	Name string
	// URL is its Ref, and its QueueUrl. Load gives the URL SQS would give
	// it in the local Region and account; Start replaces it, here and
	// wherever a function's environment holds it, with the URL the local
	// SQS (moto) answers CreateQueue with, <endpoint>/<account>/<name>, so
	// that a function's Ref of the queue is what the SDK gets from
	// GetQueueUrl.
	URL string
	// ARN is its Arn, the same in moto as in SQS.
	ARN string
	// VisibilityTimeout and MessageRetentionPeriod are the template's, in
	// seconds.
	VisibilityTimeout      int
	MessageRetentionPeriod int
	// DeadLetterARN is its dead-letter queue's ARN, "" for none, and
	// MaxReceiveCount the receipts after which a message moves there.
	DeadLetterARN   string
	MaxReceiveCount int
}

// EventSource is an event source mapping: a queue whose messages invoke a
// function.
type EventSource struct {
	Function string
	Queue    Queue
	// BatchSize is the most messages of one invocation.
	BatchSize int
	// BatchingWindow is how long messages are gathered before an
	// invocation of fewer than BatchSize.
	BatchingWindow time.Duration
	// ReportBatchItemFailures is whether the function reports which
	// messages of a batch failed.
	ReportBatchItemFailures bool
}

// Function is a Lambda function of the template, as it runs here.
type Function struct {
	// Name is the function's logical ID, which routes invoke it by.
	Name string
	// Path is the function's bootstrap binary, built for this machine.
	// Build sets it; a function that has one is not built.
	Path string
	// CodeDir is the function's CodeUri folder, and BuildMethod its
	// Metadata BuildMethod: makefile, when Build can build it.
	CodeDir     string
	BuildMethod string
	Timeout     time.Duration
	MemoryMB    int
	// LogFormat is the LoggingConfig's LogFormat: Text or JSON.
	LogFormat string
	// Env holds the environment variables the template gives the
	// function, resolved. Start adds AWS_ENDPOINT_URL_DYNAMODB.
	Env map[string]string
}

// Table is a DynamoDB table of the template and the name of its local copy.
type Table struct {
	Name       string
	Definition samtemplate.Table
}

// LoadOptions configures Load; the zero value takes every parameter's
// default.
type LoadOptions struct {
	// Parameters set template parameters by name, like PushoverToken.
	Parameters map[string]string
	// NamePrefix goes before the logical ID of a table or a secret, and
	// the name of a queue, to name its local copy, so that several copies
	// of the API can share one DynamoDB and one moto.
	NamePrefix string
}

// Function returns the function with the given name, or nil.
func (c *Config) Function(name string) *Function {
	for i := range c.Functions {
		if c.Functions[i].Name == name {
			return &c.Functions[i]
		}
	}
	return nil
}

// Load reads dir's template.yaml and the OpenAPI definition its HTTP API
// includes, and resolves what they say with opts' parameters and local
// stand-ins for what only CloudFormation knows: a table's Ref is its local
// name, a function's Arn a Lambda ARN in the local Region and account.
func Load(dir string, opts LoadOptions) (*Config, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	tpl, err := samtemplate.Load(filepath.Join(dir, TemplateFile))
	if err != nil {
		return nil, err
	}
	if err := checkParameters(tpl, opts.Parameters); err != nil {
		return nil, err
	}
	// The local name of a table or secret.
	localName := func(id string) string { return opts.NamePrefix + id }
	res := intrinsics.New(tpl, intrinsics.Stack{
		Name:       stackName,
		Region:     region,
		AccountID:  accountID,
		Parameters: opts.Parameters,
		Ref: func(id string, r samtemplate.Resource) string {
			switch r.Type {
			case samtemplate.TypeTable:
				return localName(id)
			case samtemplate.TypeSecret:
				// Its ARN in AWS; here its name, which GetSecretValue
				// takes as well.
				return localName(id)
			case samtemplate.TypeQueue:
				return queueURL(queueName(id, r, localName))
			case samtemplate.TypeUserPool:
				return devauth.PoolID
			case samtemplate.TypeBucket:
				return bucketName(id, localName)
			}
			// A function's Ref is its name, which here is its logical ID.
			return id
		},
		Arn: func(id string, r samtemplate.Resource) string {
			switch r.Type {
			case samtemplate.TypeTable:
				return "arn:aws:dynamodb:" + region + ":" + accountID + ":table/" + localName(id)
			case samtemplate.TypeFunction:
				return "arn:aws:lambda:" + region + ":" + accountID + ":function:" + id
			case samtemplate.TypeQueue:
				return queueARN(queueName(id, r, localName))
			case samtemplate.TypeUserPool:
				return "arn:aws:cognito-idp:" + region + ":" + accountID + ":userpool/" + devauth.PoolID
			case samtemplate.TypeBucket:
				return "arn:aws:s3:::" + bucketName(id, localName)
			}
			return ""
		},
		Attrs: func(id string, r samtemplate.Resource) map[string]string {
			switch r.Type {
			case samtemplate.TypeQueue:
				name := queueName(id, r, localName)
				return map[string]string{"QueueName": name, "QueueUrl": queueURL(name)}
			case samtemplate.TypeUserPool:
				provider := "cognito-idp." + region + ".amazonaws.com/" + devauth.PoolID
				return map[string]string{"UserPoolId": devauth.PoolID, "ProviderName": provider, "ProviderURL": "https://" + provider}
			}
			return nil
		},
	})

	c := &Config{Dir: dir}
	if err := c.loadAPI(tpl, res); err != nil {
		return nil, err
	}
	fns, err := tpl.Functions()
	if err != nil {
		return nil, err
	}
	for _, f := range fns {
		env, err := res.Environment(f)
		if err != nil {
			return nil, err
		}
		c.Functions = append(c.Functions, Function{
			Name:        f.LogicalID,
			CodeDir:     filepath.Join(dir, f.CodeURI),
			BuildMethod: f.BuildMethod,
			Timeout:     time.Duration(f.Timeout) * time.Second,
			MemoryMB:    f.MemorySize,
			LogFormat:   f.LogFormat,
			Env:         env,
		})
	}
	for _, rt := range c.Routes {
		if c.Function(rt.Function) == nil {
			return nil, fmt.Errorf("stack: route %s invokes %s, which %s does not define as a function", rt.Key, rt.Function, TemplateFile)
		}
	}
	tables, err := tpl.Tables()
	if err != nil {
		return nil, err
	}
	for _, tb := range tables {
		c.Tables = append(c.Tables, Table{Name: localName(tb.LogicalID), Definition: tb})
	}
	if c.Secrets, err = secrets(tpl, res, opts.NamePrefix); err != nil {
		return nil, err
	}
	if err := c.loadQueues(tpl, fns, localName); err != nil {
		return nil, err
	}
	if err := c.loadBuckets(tpl, fns, localName); err != nil {
		return nil, err
	}
	return c, nil
}

// bucketName is the local name of a bucket: the prefix and its logical ID,
// in lower case. CloudFormation names a bucket without a BucketName
// <stack>-<logical id>-<random>, lower case too.
func bucketName(id string, localName func(string) string) string {
	return strings.ToLower(localName(id))
}

// loadBuckets reads the template's buckets, and gives each the
// notifications of the functions' S3 events that name it.
func (c *Config) loadBuckets(tpl *samtemplate.Template, fns []samtemplate.Function, localName func(string) string) error {
	index := map[string]int{}
	for _, id := range tpl.Buckets() {
		index[id] = len(c.Buckets)
		c.Buckets = append(c.Buckets, Bucket{Name: bucketName(id, localName)})
	}
	for _, f := range fns {
		for _, ev := range f.S3Events {
			i, ok := index[ev.Bucket]
			if !ok {
				return fmt.Errorf("stack: %s's event %s names %s, which %s does not define as a bucket", f.LogicalID, ev.Name, ev.Bucket, TemplateFile)
			}
			c.Buckets[i].Notifications = append(c.Buckets[i].Notifications,
				s3server.Notification{Function: f.LogicalID, Events: ev.Events, Prefix: ev.Prefix, Suffix: ev.Suffix})
		}
	}
	return nil
}

// queueName is the local name of a queue: the prefix and its QueueName,
// or its logical ID when it has none (CloudFormation would make one up).
func queueName(id string, r samtemplate.Resource, localName func(string) string) string {
	name, _ := r.Properties["QueueName"].(string)
	return localName(cmp.Or(name, id))
}

// queueURL and queueARN are a queue's Ref and Arn in SQS, by its local
// name; Start replaces the URL with the local SQS's.
func queueURL(name string) string {
	return "https://sqs." + region + ".amazonaws.com/" + accountID + "/" + name
}

func queueARN(name string) string { return "arn:aws:sqs:" + region + ":" + accountID + ":" + name }

// loadQueues reads the template's queues, dead-letter queues first, and
// the functions' SQS event sources.
func (c *Config) loadQueues(tpl *samtemplate.Template, fns []samtemplate.Function, localName func(string) string) error {
	defs, err := tpl.Queues()
	if err != nil {
		return err
	}
	byID := map[string]Queue{}
	for _, d := range defs {
		name := localName(cmp.Or(d.QueueName, d.LogicalID))
		q := Queue{Name: name, URL: queueURL(name), ARN: queueARN(name), VisibilityTimeout: d.VisibilityTimeout,
			MessageRetentionPeriod: d.MessageRetentionPeriod, MaxReceiveCount: d.MaxReceiveCount}
		byID[d.LogicalID] = q
	}
	for _, d := range defs {
		if d.DeadLetterQueue != "" {
			q := byID[d.LogicalID]
			q.DeadLetterARN = byID[d.DeadLetterQueue].ARN
			byID[d.LogicalID] = q
		}
	}
	// Dead-letter queues first: a redrive policy names an existing queue.
	for _, d := range defs {
		if d.DeadLetterQueue == "" {
			c.Queues = append(c.Queues, byID[d.LogicalID])
		}
	}
	for _, d := range defs {
		if d.DeadLetterQueue != "" {
			c.Queues = append(c.Queues, byID[d.LogicalID])
		}
	}
	for _, f := range fns {
		for _, ev := range f.SQSEvents {
			q, ok := byID[ev.Queue]
			if !ok {
				return fmt.Errorf("stack: %s's event %s names %s, which %s does not define as a queue", f.LogicalID, ev.Name, ev.Queue, TemplateFile)
			}
			c.EventSources = append(c.EventSources, EventSource{Function: f.LogicalID, Queue: q, BatchSize: ev.BatchSize,
				BatchingWindow: time.Duration(ev.MaximumBatchingWindowInSeconds) * time.Second, ReportBatchItemFailures: ev.ReportBatchItemFailures})
		}
	}
	return nil
}

// checkParameters refuses a parameter the template does not have, or a
// value it does not allow, as CloudFormation does.
func checkParameters(tpl *samtemplate.Template, params map[string]string) error {
	for name, v := range params {
		p, ok := tpl.Parameters[name]
		if !ok {
			return fmt.Errorf("stack: %s has no parameter %s", TemplateFile, name)
		}
		if len(p.AllowedValues) > 0 && !slices.Contains(p.AllowedValues, v) {
			return fmt.Errorf("stack: parameter %s must be one of %s", name, strings.Join(p.AllowedValues, ", "))
		}
		if p.AllowedPattern != "" {
			// CloudFormation matches the whole value.
			re, err := regexp.Compile(`^(?:` + p.AllowedPattern + `)$`)
			if err != nil {
				return fmt.Errorf("stack: parameter %s: AllowedPattern: %w", name, err)
			}
			if !re.MatchString(v) {
				return fmt.Errorf("stack: parameter %s must match %s", name, p.AllowedPattern)
			}
		}
		if p.Type == "Number" {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fmt.Errorf("stack: parameter %s must be a number, not %q", name, v)
			}
			for _, bound := range []struct {
				limit string
				out   func(n, limit float64) bool
				word  string
			}{{p.MinValue, func(n, l float64) bool { return n < l }, "at least"}, {p.MaxValue, func(n, l float64) bool { return n > l }, "at most"}} {
				if l, err := strconv.ParseFloat(bound.limit, 64); err == nil && bound.out(n, l) {
					return fmt.Errorf("stack: parameter %s must be %s %s", name, bound.word, bound.limit)
				}
			}
		}
	}
	return nil
}

// loadAPI reads the template's one HTTP API and its OpenAPI definition.
func (c *Config) loadAPI(tpl *samtemplate.Template, res *intrinsics.Resolver) error {
	apis, err := tpl.HTTPAPIs()
	if err != nil {
		return err
	}
	if len(apis) != 1 {
		return fmt.Errorf("stack: %s has %d HTTP APIs; the local API serves exactly one", TemplateFile, len(apis))
	}
	api := apis[0]
	c.API = api.LogicalID
	c.AccessLogFormat = api.AccessLogFormat
	loc := api.DefinitionLocation
	if loc == "" || strings.Contains(loc, "://") {
		return fmt.Errorf("stack: %s's DefinitionBody must be an AWS::Include of a file in the repository, not %v", api.LogicalID, api.DefinitionBody)
	}
	path := filepath.Join(c.Dir, loc)
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("stack: %w", err)
	}
	if c.OpenAPI, err = samtemplate.ResolveScopes(src, res.String); err != nil {
		return fmt.Errorf("stack: %s: %w", loc, err)
	}
	doc, err := samtemplate.ParseInclude(c.OpenAPI, path)
	if err != nil {
		return err
	}
	if c.Routes, err = routes(doc); err != nil {
		return fmt.Errorf("stack: %s: %w", loc, err)
	}
	if c.Authorizers, err = authorizers(doc, res, c.Routes); err != nil {
		return fmt.Errorf("stack: %s: %w", loc, err)
	}
	if cors, ok := doc["x-amazon-apigateway-cors"]; ok {
		if c.CORS, err = corsConfig(cors, res); err != nil {
			return fmt.Errorf("stack: %s: x-amazon-apigateway-cors: %w", loc, err)
		}
	}
	return nil
}

// routes turns each operation of the definition into a route, as API
// Gateway imports it.
func routes(doc map[string]any) ([]gateway.Route, error) {
	paths, ok := doc["paths"].(map[string]any)
	if !ok || len(paths) == 0 {
		return nil, errors.New("the definition has no paths")
	}
	var out []gateway.Route
	for path, item := range paths {
		ops, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("path %s is not a mapping", path)
		}
		if _, ok := ops["$ref"]; ok {
			return nil, fmt.Errorf("path %s is a $ref, which HTTP APIs do not import", path)
		}
		for member, v := range ops {
			method, isOp := samtemplate.OperationMethods[member]
			if !isOp {
				continue
			}
			key := method + " " + path
			op, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s is not a mapping", key)
			}
			rt, err := route(key, op, doc["security"])
			if err != nil {
				return nil, err
			}
			out = append(out, rt)
		}
	}
	// By path, then method: the order people read an API in.
	slices.SortFunc(out, func(a, b gateway.Route) int {
		ma, pa, _ := strings.Cut(a.Key, " ")
		mb, pb, _ := strings.Cut(b.Key, " ")
		return cmp.Or(strings.Compare(pa, pb), strings.Compare(ma, mb))
	})
	return out, nil
}

func route(key string, op map[string]any, rootSecurity any) (gateway.Route, error) {
	ig, err := samtemplate.ParseIntegration(op["x-amazon-apigateway-integration"])
	if err != nil {
		return gateway.Route{}, fmt.Errorf("%s %w", key, err)
	}
	// The gateway speaks to functions in one way: a Lambda proxy
	// integration with payload format 2.0.
	if ig.Type != "aws_proxy" || ig.HTTPMethod != "POST" || ig.PayloadFormatVersion != "2.0" {
		return gateway.Route{}, fmt.Errorf("%s: integration of type %q, httpMethod %q, payloadFormatVersion %q: the local gateway runs aws_proxy, POST, 2.0 only",
			key, ig.Type, ig.HTTPMethod, ig.PayloadFormatVersion)
	}
	if ig.Function == "" {
		return gateway.Route{}, fmt.Errorf("%s: integration uri %v is not the Fn::Sub of a function's invocation ARN", key, ig.URI)
	}
	rt := gateway.Route{Key: key, Function: ig.Function}
	// An operation without security takes the definition's.
	security, ok := op["security"]
	if !ok {
		security = rootSecurity
	}
	reqs, _ := security.([]any)
	if security != nil && reqs == nil {
		return gateway.Route{}, fmt.Errorf("%s: security must be a list", key)
	}
	switch len(reqs) {
	case 0:
		return rt, nil
	case 1:
	default:
		return gateway.Route{}, fmt.Errorf("%s: security lists %d requirements; an HTTP API route has one authorizer", key, len(reqs))
	}
	req, ok := reqs[0].(map[string]any)
	if !ok || len(req) != 1 {
		return gateway.Route{}, fmt.Errorf("%s: security must name one authorizer", key)
	}
	for name, scopes := range req {
		rt.Authorizer = name
		if rt.AuthorizationScopes, err = stringList(scopes); err != nil {
			return gateway.Route{}, fmt.Errorf("%s: scopes of %s: %w", key, name, err)
		}
	}
	return rt, nil
}

// authorizers reads the JWT authorizers of the definition's security
// schemes, and checks that every route's authorizer is one.
func authorizers(doc map[string]any, res *intrinsics.Resolver, rts []gateway.Route) (map[string]gateway.JWTAuthorizer, error) {
	components, _ := doc["components"].(map[string]any)
	schemes, _ := components["securitySchemes"].(map[string]any)
	out := map[string]gateway.JWTAuthorizer{}
	for name, v := range schemes {
		scheme, _ := v.(map[string]any)
		ext, ok := scheme["x-amazon-apigateway-authorizer"].(map[string]any)
		if !ok {
			continue
		}
		if typ, _ := ext["type"].(string); !strings.EqualFold(typ, "jwt") {
			return nil, fmt.Errorf("security scheme %s: the local gateway has JWT authorizers only, not %q", name, typ)
		}
		source, err := res.String(ext["identitySource"])
		if err != nil {
			return nil, fmt.Errorf("security scheme %s: identitySource: %w", name, err)
		}
		out[name] = gateway.JWTAuthorizer{IdentitySource: source}
	}
	for _, rt := range rts {
		if _, ok := out[rt.Authorizer]; rt.Authorizer != "" && !ok {
			return nil, fmt.Errorf("%s requires %s, which is not a security scheme with an x-amazon-apigateway-authorizer", rt.Key, rt.Authorizer)
		}
	}
	return out, nil
}

// corsConfig reads x-amazon-apigateway-cors, resolving its intrinsic
// functions, such as a Ref of the origins parameter.
func corsConfig(v any, res *intrinsics.Resolver) (*gateway.CORS, error) {
	resolved, err := res.Value(v)
	if err != nil {
		return nil, err
	}
	m, ok := resolved.(map[string]any)
	if !ok {
		return nil, errors.New("must be a mapping")
	}
	c := &gateway.CORS{}
	for key, v := range m {
		switch key {
		case "allowOrigins":
			c.AllowOrigins, err = stringList(v)
		case "allowMethods":
			c.AllowMethods, err = stringList(v)
		case "allowHeaders":
			c.AllowHeaders, err = stringList(v)
		case "exposeHeaders":
			c.ExposeHeaders, err = stringList(v)
		case "maxAge":
			c.MaxAge, err = integer(v)
		case "allowCredentials":
			var isBool bool
			if c.AllowCredentials, isBool = v.(bool); !isBool {
				err = errors.New("must be true or false")
			}
		default:
			err = errors.New("is not a CORS setting of HTTP APIs")
		}
		if err != nil {
			return nil, fmt.Errorf("%s %w", key, err)
		}
	}
	return c, nil
}

func stringList(v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	items, ok := v.([]any)
	if !ok {
		return nil, errors.New("must be a list")
	}
	var out []string
	for _, item := range items {
		s, ok := item.(string)
		if !ok {
			return nil, fmt.Errorf("must list strings, not %v", item)
		}
		out = append(out, s)
	}
	return out, nil
}

func integer(v any) (int, error) {
	switch x := v.(type) {
	case int64:
		return int(x), nil
	case string:
		if i, err := strconv.Atoi(x); err == nil {
			return i, nil
		}
	}
	return 0, fmt.Errorf("must be an integer, not %v", v)
}
