package deploycheck

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/example/serverless-todo/internal/local/intrinsics"
	"github.com/example/serverless-todo/internal/local/samtemplate"
)

// root is the repository, seen from this package's folder.
var root = filepath.Join("..", "..")

// repoFiles are the files the checks read, relative to the repository.
var repoFiles = []string{"template.yaml", "openapi.yaml", "Makefile"}

// repo is what the checks read from one copy of the repository.
type repo struct {
	dir       string
	tpl       *samtemplate.Template
	api       *openapi3.T
	functions map[string]samtemplate.Function
	// folders are the folders under functions/ that hold Go code.
	folders []string
	// code reads what each folder's function links. A copy of the
	// repository that holds only the files above reads the root's code.
	code *code

	recipesOnce sync.Once
	recipes     map[string]recipe
}

// recipe is what the Makefile target sam build runs for a function does.
type recipe struct {
	// text is the recipe as make -n prints it, on one line, or the reason
	// there is none.
	text string
	err  error
	// folder is the folder under functions/ it builds, "" if none.
	folder string
}

func loadRepo(dir string) (*repo, error) {
	tpl, err := samtemplate.Load(filepath.Join(dir, "template.yaml"))
	if err != nil {
		return nil, err
	}
	fns, err := tpl.Functions()
	if err != nil {
		return nil, err
	}
	r := &repo{dir: dir, tpl: tpl, functions: map[string]samtemplate.Function{}}
	resolved, err := openAPIOf(dir, tpl)
	if err != nil {
		return nil, err
	}
	if r.api, err = openapi3.NewLoader().LoadFromData(resolved); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	if err := r.api.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	for _, f := range fns {
		r.functions[f.LogicalID] = f
	}
	codeDir := dir
	if _, err := os.Stat(filepath.Join(dir, "functions")); err != nil {
		codeDir = root
	}
	entries, err := os.ReadDir(filepath.Join(codeDir, "functions"))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if matches, _ := filepath.Glob(filepath.Join(codeDir, "functions", e.Name(), "*.go")); e.IsDir() && len(matches) > 0 {
			r.folders = append(r.folders, e.Name())
		}
	}
	r.code = codeOf(codeDir)
	return r, nil
}

// folderArg finds the package a recipe builds.
var folderArg = regexp.MustCompile(` \./functions/([^/ ]+) `)

// recipe returns what the build-<id> target of the Makefile in the
// function's CodeUri runs, as make -n prints it.
func (r *repo) recipe(id string) recipe {
	r.recipesOnce.Do(func() {
		r.recipes = map[string]recipe{}
		for fid, f := range r.functions {
			target := "build-" + fid
			out, err := exec.Command("make", "-n", "--no-print-directory", "-C", filepath.Join(r.dir, f.CodeURI), target, "ARTIFACTS_DIR=/artifacts").CombinedOutput()
			if err != nil {
				r.recipes[fid] = recipe{err: fmt.Errorf("%w: %s", err, strings.TrimSpace(string(out)))}
				continue
			}
			text := " " + strings.Join(strings.Fields(string(out)), " ") + " "
			rc := recipe{text: text}
			if m := folderArg.FindStringSubmatch(text); m != nil {
				rc.folder = m[1]
			}
			r.recipes[fid] = rc
		}
	})
	return r.recipes[id]
}

// routesOf returns the routes whose integration invokes the function.
func (r *repo) routesOf(id string) []route {
	var out []route
	ops := r.operations()
	for _, rt := range sortedKeys(ops) {
		if fn, _ := integration(ops[rt]); fn == id {
			out = append(out, rt)
		}
	}
	return out
}

// public reports whether an operation says, as the contact form does,
// that it needs no token: security: [].
func public(op *openapi3.Operation) bool {
	return op.Security != nil && len(*op.Security) == 0
}

// Stand-ins for what CloudFormation knows when it resolves the template.
const (
	region  = "eu-west-1"
	account = "123456789012"
)

// resolver resolves the template's intrinsic functions with stand-ins: a
// resource's Ref is "ref-<ID>", its Arn "arn-<ID>".
func (r *repo) resolver(params map[string]string) *intrinsics.Resolver {
	return resolverOf(r.tpl, params)
}

func resolverOf(tpl *samtemplate.Template, params map[string]string) *intrinsics.Resolver {
	return intrinsics.New(tpl, intrinsics.Stack{
		Name:       "todo-api",
		Region:     region,
		AccountID:  account,
		Parameters: params,
		Ref:        func(id string, _ samtemplate.Resource) string { return "ref-" + id },
		Arn:        func(id string, _ samtemplate.Resource) string { return "arn-" + id },
	})
}

// openAPIOf returns openapi.yaml of dir as OpenAPI tools read it, with its
// routes' scopes resolved (samtemplate.ResolveScopes) by tpl's parameters'
// defaults.
func openAPIOf(dir string, tpl *samtemplate.Template) ([]byte, error) {
	return openAPIWith(dir, tpl, nil)
}

// openAPIWith is openAPIOf with the given parameters.
func openAPIWith(dir string, tpl *samtemplate.Template, params map[string]string) ([]byte, error) {
	src, err := os.ReadFile(filepath.Join(dir, "openapi.yaml"))
	if err != nil {
		return nil, err
	}
	out, err := samtemplate.ResolveScopes(src, resolverOf(tpl, params).String)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	return out, nil
}

// scopesWith returns the scopes each route requires, with the given
// parameters.
func (r *repo) scopesWith(params map[string]string) (map[route][]string, error) {
	data, err := openAPIWith(r.dir, r.tpl, params)
	if err != nil {
		return nil, err
	}
	api, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, err
	}
	out := map[route][]string{}
	for path, item := range api.Paths.Map() {
		for method, op := range item.Operations() {
			if op.Security == nil {
				continue
			}
			for _, req := range *op.Security {
				out[method+" "+path] = append(out[method+" "+path], req[securityScheme]...)
			}
		}
	}
	return out, nil
}

// route is an API Gateway route key, like "GET /todos/{id}".
type route = string

// operations returns the OpenAPI document's operations by route.
func (r *repo) operations() map[route]*openapi3.Operation {
	ops := map[route]*openapi3.Operation{}
	for path, item := range r.api.Paths.Map() {
		for method, op := range item.Operations() {
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return ops
}

// integration returns the logical ID of the function an operation's
// x-amazon-apigateway-integration invokes, and what is wrong with the
// integration otherwise.
func integration(op *openapi3.Operation) (string, []string) {
	ig, err := samtemplate.ParseIntegration(op.Extensions["x-amazon-apigateway-integration"])
	if err != nil {
		return "", []string{err.Error()}
	}
	var wrong []string
	for _, f := range []struct{ key, got, want string }{
		{"httpMethod", ig.HTTPMethod, "POST"},
		{"payloadFormatVersion", ig.PayloadFormatVersion, "2.0"},
		{"type", ig.Type, "aws_proxy"},
	} {
		if f.got != f.want {
			wrong = append(wrong, fmt.Sprintf("integration %s is %q, want %q", f.key, f.got, f.want))
		}
	}
	if ig.Function == "" {
		return "", append(wrong, fmt.Sprintf("integration uri %v is not the Fn::Sub of a function's invocation ARN", ig.URI))
	}
	return ig.Function, wrong
}

// executeAPIArn is the ARN API Gateway invokes a function with for a route
// of the API, as SAM writes it for its own events: any stage, and a path
// parameter matching any segment.
func executeAPIArn(rt route) string {
	method, path, _ := strings.Cut(rt, " ")
	path = regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "*")
	return fmt.Sprintf("arn:aws:execute-api:%s:%s:ref-%s/*/%s%s", region, account, apiID, method, path)
}

// typeQueue is an SQS queue's resource type.
const typeQueue = "AWS::SQS::Queue"

// userPoolID is the logical ID of the stack's Cognito user pool.
const userPoolID = "UserPool"

// pollerActions are what Lambda's poller of an SQS event source calls
// with the function's role.
var pollerActions = []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}

// queuesOf returns the logical IDs of the queues whose SQS event sources
// invoke the function id, sorted.
func (r *repo) queuesOf(id string) []string {
	events, _ := r.tpl.Resources[id].Properties["Events"].(map[string]any)
	var out []string
	for _, v := range events {
		ev, _ := v.(map[string]any)
		if ev["Type"] != "SQS" {
			continue
		}
		props, _ := ev["Properties"].(map[string]any)
		if q := arnOf(props["Queue"]); q != "" {
			out = append(out, q)
		}
	}
	slices.Sort(out)
	return out
}

// number is a template's literal number, 0 for anything else.
func number(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return 0
}

// refID returns the logical ID v refers to with Ref, or "".
func refID(v any) string {
	if name, arg, ok := samtemplate.Intrinsic(v); ok && name == "Ref" {
		s, _ := arg.(string)
		return s
	}
	return ""
}

// arnOf returns the logical ID v is the Fn::GetAtt Arn of, or "".
func arnOf(v any) string {
	if name, arg, ok := samtemplate.Intrinsic(v); ok && name == "Fn::GetAtt" {
		if a, ok := arg.([]any); ok && len(a) == 2 && a[1] == "Arn" {
			s, _ := a[0].(string)
			return s
		}
	}
	return ""
}

// refersTo reports whether v mentions the named parameter or resource, by
// Ref or inside an Fn::Sub string.
func refersTo(v any, name string) bool {
	if fn, arg, ok := samtemplate.Intrinsic(v); ok {
		switch fn {
		case "Ref":
			return arg == name
		case "Fn::Sub":
			var format string
			switch a := arg.(type) {
			case string:
				format = a
			case []any:
				if len(a) > 0 {
					format, _ = a[0].(string)
				}
				if len(a) > 1 && refersTo(a[1], name) {
					return true
				}
			}
			return strings.Contains(format, "${"+name+"}")
		}
		return refersTo(arg, name)
	}
	switch x := v.(type) {
	case map[string]any:
		for _, item := range x {
			if refersTo(item, name) {
				return true
			}
		}
	case []any:
		for _, item := range x {
			if refersTo(item, name) {
				return true
			}
		}
	}
	return false
}

// copyRepo copies the files the checks read into a new folder.
func copyRepo(dst string) error {
	for _, name := range repoFiles {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// sameSet reports the items only in got and only in want.
func sameSet(got, want []string) (extra, missing []string) {
	g, w := map[string]bool{}, map[string]bool{}
	for _, s := range got {
		g[s] = true
	}
	for _, s := range want {
		w[s] = true
	}
	for s := range g {
		if !w[s] {
			extra = append(extra, s)
		}
	}
	for s := range w {
		if !g[s] {
			missing = append(missing, s)
		}
	}
	sort.Strings(extra)
	sort.Strings(missing)
	return extra, missing
}
