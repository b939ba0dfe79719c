package deploycheck

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/example/serverless-todo/internal/local/samtemplate"
	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/keys"
)

// A check reads a repository and returns what is wrong with it, one
// sentence per problem; nothing when all is well.
type check struct {
	name string
	run  func(*repo) []string
}

var checks = []check{
	{"integrations", checkIntegrations},
	{"routes", checkRoutes},
	{"permissions", checkPermissions},
	{"folders", checkFolders},
	{"build", checkBuild},
	{"runtime", checkRuntime},
	{"iam", checkIAM},
	{"logs", checkLogs},
	{"access log", checkAccessLog},
	{"cors", checkCORS},
	{"authorizer", checkAuthorizer},
	{"secrets", checkSecrets},
	{"table", checkTable},
	{"bucket", checkBucket},
	{"api", checkAPI},
	{"alarms", checkAlarms},
}

func TestDeploymentHasNoDrift(t *testing.T) {
	r, err := loadRepo(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range c.run(r) {
				t.Error(p)
			}
		})
	}
}

// problems collects what a check finds.
type problems []string

func (p *problems) add(format string, args ...any) {
	*p = append(*p, fmt.Sprintf(format, args...))
}

// checkIntegrations: every OpenAPI operation invokes a function of the
// template through a Lambda proxy integration of payload format 2.0.
func checkIntegrations(r *repo) []string {
	var p problems
	ops := r.operations()
	for _, rt := range sortedKeys(ops) {
		fn, wrong := integration(ops[rt])
		for _, w := range wrong {
			p.add("%s: %s", rt, w)
		}
		if fn == "" {
			continue
		}
		if res, ok := r.tpl.Resources[fn]; !ok || res.Type != samtemplate.TypeFunction {
			p.add("%s: invokes %s, which template.yaml does not define as a function", rt, fn)
		}
	}
	return p
}

// checkRoutes: every function of the template serves at least one route,
// a queue or a bucket's notification (the integrations check reports
// routes to functions it lacks).
func checkRoutes(r *repo) []string {
	var p problems
	for _, id := range sortedKeys(r.functions) {
		if len(r.routesOf(id)) == 0 && len(r.queuesOf(id)) == 0 && len(r.functions[id].S3Events) == 0 {
			p.add("template.yaml: %s serves no route: give an operation of openapi.yaml an x-amazon-apigateway-integration whose uri is the Fn::Sub of ${%s.Arn}'s invocation ARN, or remove the function", id, id)
		}
	}
	return p
}

// checkPermissions: each function may be invoked by API Gateway for
// exactly its routes of this API, and by nothing else.
func checkPermissions(r *repo) []string {
	var p problems
	perms, err := r.tpl.Permissions()
	if err != nil {
		return []string{err.Error()}
	}
	res := r.resolver(nil)
	granted := map[string][]string{}
	for _, perm := range perms {
		fn := refID(perm.FunctionName)
		if fn == "" {
			fn = arnOf(perm.FunctionName)
		}
		if _, ok := r.functions[fn]; !ok {
			p.add("permission %s is for %v, not a function of the template", perm.LogicalID, perm.FunctionName)
			continue
		}
		if perm.Action != "lambda:InvokeFunction" || perm.Principal != "apigateway.amazonaws.com" {
			p.add("permission %s lets %s %s, want apigateway.amazonaws.com lambda:InvokeFunction", perm.LogicalID, perm.Principal, perm.Action)
		}
		arn, err := res.String(perm.SourceArn)
		if err != nil {
			p.add("permission %s: SourceArn: %v", perm.LogicalID, err)
			continue
		}
		granted[fn] = append(granted[fn], arn)
	}
	for _, id := range sortedKeys(r.functions) {
		var want []string
		for _, rt := range r.routesOf(id) {
			want = append(want, executeAPIArn(rt))
		}
		extra, missing := sameSet(granted[id], want)
		for _, arn := range extra {
			p.add("template.yaml: %s may be invoked from %s, beyond its routes", id, arn)
		}
		for _, arn := range missing {
			method, path, _ := strings.Cut(arn[strings.LastIndex(arn, "/*/")+3:], "/")
			p.add("template.yaml: %s has no permission for %s: add an AWS::Lambda::Permission %sPermission of lambda:InvokeFunction for apigateway.amazonaws.com with SourceArn !Sub arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${%s}/*/%s/%s",
				id, arn, id, apiID, method, path)
		}
	}
	return p
}

// checkFolders: each folder under functions/ is the code of exactly one
// function of the template, which its Makefile target builds.
func checkFolders(r *repo) []string {
	var p problems
	builtBy := map[string][]string{}
	for _, id := range sortedKeys(r.functions) {
		if rc := r.recipe(id); rc.folder != "" {
			builtBy[rc.folder] = append(builtBy[rc.folder], id)
		}
	}
	for _, folder := range r.folders {
		switch ids := builtBy[folder]; len(ids) {
		case 0:
			p.add("functions/%s is no function's code: add its function to template.yaml (with its role, log group and invoke permission), an operation of openapi.yaml that invokes it, and a Makefile target that builds ./functions/%s (make function does all three), or remove the folder", folder, folder)
		case 1:
		default:
			p.add("functions/%s is built by %v: each function has a folder of its own", folder, ids)
		}
	}
	for folder, ids := range builtBy {
		if !slices.Contains(r.folders, folder) {
			p.add("Makefile: build-%s builds ./functions/%s, which holds no Go code", ids[0], folder)
		}
	}
	return p
}

// checkBuild: each function is built by sam build through a Makefile
// target that exists and builds its folder for its architecture.
func checkBuild(r *repo) []string {
	var p problems
	for _, id := range sortedKeys(r.functions) {
		f := r.functions[id]
		if f.BuildMethod != "makefile" {
			p.add("template.yaml: %s: Metadata BuildMethod is %q: set it to makefile", id, f.BuildMethod)
			continue
		}
		if _, err := os.Stat(filepath.Join(r.dir, f.CodeURI, "Makefile")); err != nil {
			p.add("template.yaml: %s: CodeUri %q has no Makefile", id, f.CodeURI)
			continue
		}
		target := "build-" + id
		rc := r.recipe(id)
		if rc.err != nil {
			p.add("Makefile: there is no target %s, which sam build runs for %s: add `%s: ; $(LAMBDA_ENV) go build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/<folder>`", target, id, target)
			continue
		}
		if rc.folder == "" {
			p.add("Makefile: %s builds no folder under functions/:%s", target, rc.text)
		}
		goarch := map[string]string{"arm64": "arm64", "x86_64": "amd64"}[strings.Join(f.Architectures, "")]
		for _, want := range []string{
			" go build ", " -o /artifacts/bootstrap ",
			" GOOS=linux ", " GOARCH=" + goarch + " ", " CGO_ENABLED=0 ",
		} {
			if !strings.Contains(rc.text, want) {
				p.add("Makefile: %s does not run %q:%s", target, strings.TrimSpace(want), rc.text)
			}
		}
		// The Lambda runtime client without its RPC shim, which
		// provided.al2023 does not use.
		if m := buildTags.FindStringSubmatch(rc.text); m == nil || !slices.Contains(strings.Split(m[1], ","), "lambda.norpc") {
			p.add("Makefile: %s does not build with the tag lambda.norpc:%s", target, rc.text)
		}
	}
	return p
}

var buildTags = regexp.MustCompile(` -tags (\S+) `)

// checkRuntime: every function runs the Go binary on the arm64 OS-only
// runtime, small, traced, with JSON logs, and gives up before the gateway.
func checkRuntime(r *repo) []string {
	var p problems
	for _, id := range sortedKeys(r.functions) {
		f := r.functions[id]
		if f.Runtime != "provided.al2023" || f.Handler != "bootstrap" {
			p.add("%s: runtime %q with handler %q, want provided.al2023 with bootstrap", id, f.Runtime, f.Handler)
		}
		if !reflect.DeepEqual(f.Architectures, []string{"arm64"}) {
			p.add("%s: architectures %v, want [arm64]", id, f.Architectures)
		}
		if f.MemorySize <= 0 || f.MemorySize > 256 {
			p.add("%s: memory %d MB, want a small size set (at most 256)", id, f.MemorySize)
		}
		if queues := r.queuesOf(id); len(queues) > 0 {
			// A queue's message comes back before the invocation ends
			// unless the queue hides it for longer; Lambda advises six
			// times the function's timeout.
			for _, q := range queues {
				visibility := number(r.tpl.Resources[q].Properties["VisibilityTimeout"])
				if f.Timeout <= 0 || visibility < 6*f.Timeout {
					p.add("%s: timeout %d s, and its queue %s hides a message for %d s: want a timeout set and the visibility timeout at least six times it", id, f.Timeout, q, visibility)
				}
			}
		} else if f.Timeout <= 0 || f.Timeout >= gatewayTimeout {
			p.add("%s: timeout %d s, want one set below the gateway's %d s", id, f.Timeout, gatewayTimeout)
		}
		if f.Tracing != "Active" {
			p.add("%s: tracing %q, want Active", id, f.Tracing)
		}
		if f.LogFormat != "JSON" {
			p.add("%s: log format %q, want JSON", id, f.LogFormat)
		}
	}
	return p
}

// checkIAM: each function has its own role, trusted by Lambda only, that
// may call exactly the DynamoDB actions its code declares (the IAM lines
// of the methods its binary links), on the table only and on the
// partitions its code declares only (their IAM keys lines, as a
// dynamodb:LeadingKeys condition), write to its own log group and send
// traces, and nothing else.
func checkIAM(r *repo) []string {
	var p problems
	roles, err := r.tpl.Roles()
	if err != nil {
		return []string{err.Error()}
	}
	byID := map[string]samtemplate.Role{}
	for _, role := range roles {
		byID[role.LogicalID] = role
	}
	usedBy := map[string]string{}
	table := map[string]any{"Fn::GetAtt": []any{tableID, "Arn"}}
	for _, id := range sortedKeys(r.functions) {
		fn := r.functions[id]
		var needs, secretNeeds, sqsNeeds, poolNeeds, s3Needs, partitions []string
		var derived bool
		if folder := r.recipe(id).folder; folder != "" {
			l := r.code.of(folder)
			if l.err != nil {
				p.add("%s: cannot tell what its code calls: %v", id, l.err)
			} else {
				needs, derived = slices.DeleteFunc(slices.Clone(l.actions), func(a string) bool { return !strings.HasPrefix(a, "dynamodb:") }), true
				secretNeeds = slices.DeleteFunc(slices.Clone(l.actions), func(a string) bool { return !strings.HasPrefix(a, "secretsmanager:") })
				sqsNeeds = slices.DeleteFunc(slices.Clone(l.actions), func(a string) bool { return !strings.HasPrefix(a, "sqs:") })
				poolNeeds = slices.DeleteFunc(slices.Clone(l.actions), func(a string) bool { return !strings.HasPrefix(a, "cognito-idp:") })
				s3Needs = slices.DeleteFunc(slices.Clone(l.actions), func(a string) bool { return !strings.HasPrefix(a, "s3:") })
				partitions = l.leadingKeys
			}
		}
		// The secrets the function is told of, by its environment: the only
		// ones its role may read.
		var secrets []any
		for _, v := range fn.Environment {
			if sid := refID(v); r.tpl.Resources[sid].Type == samtemplate.TypeSecret {
				secrets = append(secrets, map[string]any{"Ref": sid})
			}
		}
		// The queues it is told of, by its environment and its event
		// sources: the only ones its role may use. Lambda's poller of an
		// event source uses the function's role, and needs three actions.
		var queues []any
		for _, v := range fn.Environment {
			if qid := refID(v); r.tpl.Resources[qid].Type == typeQueue {
				queues = append(queues, map[string]any{"Fn::GetAtt": []any{qid, "Arn"}})
			}
		}
		for _, qid := range r.queuesOf(id) {
			if q := map[string]any{"Fn::GetAtt": []any{qid, "Arn"}}; !slices.ContainsFunc(queues, func(v any) bool { return reflect.DeepEqual(v, q) }) {
				queues = append(queues, q)
			}
			sqsNeeds = append(sqsNeeds, pollerActions...)
		}
		slices.Sort(sqsNeeds)
		sqsNeeds = slices.Compact(sqsNeeds)
		if fn.Policies != nil {
			p.add("%s: has SAM Policies; it must have its own role instead", id)
		}
		roleID := arnOf(fn.Role)
		role, ok := byID[roleID]
		if !ok {
			p.add("template.yaml: %s: its Role %v is not the Arn of a role in the template: give it a role of its own, %sRole, trusted by lambda.amazonaws.com", id, fn.Role, id)
			continue
		}
		if other, shared := usedBy[roleID]; shared {
			p.add("%s: shares role %s with %s", id, roleID, other)
		}
		usedBy[roleID] = id
		if !reflect.DeepEqual(role.TrustedServices, []string{"lambda.amazonaws.com"}) {
			p.add("%s: role %s trusts %v, want lambda.amazonaws.com only", id, roleID, role.TrustedServices)
		}
		if len(role.ManagedPolicyArns) > 0 {
			p.add("%s: role %s has managed policies %v", id, roleID, role.ManagedPolicyArns)
		}
		logs := map[string]any{"Fn::GetAtt": []any{refID(fn.LogGroup), "Arn"}}
		var tableGot, secretGot, sqsGot, poolGot, s3Got, logsGot, traceGot []string
		for _, pol := range role.Policies {
			for _, s := range pol.Statements {
				if s.Effect != "Allow" || len(s.NotActions) > 0 || len(s.NotResources) > 0 {
					p.add("%s: role %s has a statement that is not a plain Allow of actions on resources", id, roleID)
					continue
				}
				for _, action := range s.Actions {
					switch {
					case strings.HasPrefix(action, "dynamodb:"):
						tableGot = append(tableGot, action)
						// A Query may read the indexes too: they are the
						// listings'.
						want := []any{table}
						if action == "dynamodb:Query" {
							for _, ix := range keys.Indexes {
								want = append(want, map[string]any{"Fn::Sub": "${" + tableID + ".Arn}/index/" + ix.Name})
							}
						}
						if !reflect.DeepEqual(s.Resources, want) {
							p.add("template.yaml: %s: may call %s on %v, want exactly %v: the table (and for a Query its indexes)", id, action, s.Resources, want)
						}
						if derived {
							if want := leadingKeysCondition(partitions); !reflect.DeepEqual(s.Condition, want) {
								p.add("template.yaml: %s: may call %s with the condition %v, want exactly %v: the partitions its code reaches (its IAM keys lines)", id, action, s.Condition, want)
							}
						}
					case strings.HasPrefix(action, "secretsmanager:"):
						secretGot = append(secretGot, action)
						if len(s.Resources) == 0 || !sameItems(s.Resources, secrets) {
							p.add("template.yaml: %s: may call %s on %v, not only on the secrets its environment names (%v)", id, action, s.Resources, secrets)
						}
					case strings.HasPrefix(action, "sqs:"):
						sqsGot = append(sqsGot, action)
						if len(s.Resources) == 0 || !sameItems(s.Resources, queues) {
							p.add("template.yaml: %s: may call %s on %v, not only on the queues its environment and event sources name (%v)", id, action, s.Resources, queues)
						}
					case strings.HasPrefix(action, "cognito-idp:"):
						poolGot = append(poolGot, action)
						if len(s.Resources) != 1 || !refersTo(s.Resources[0], userPoolID) {
							p.add("template.yaml: %s: may call %s on %v, not only on the stack's user pool", id, action, s.Resources)
						}
					case strings.HasPrefix(action, "s3:"):
						s3Got = append(s3Got, action)
						for _, w := range s3Grant(action, s) {
							p.add("template.yaml: %s: %s %s", id, action, w)
						}
					case strings.HasPrefix(action, "logs:"):
						logsGot = append(logsGot, action)
						if !reflect.DeepEqual(s.Resources, []any{logs}) {
							p.add("%s: may call %s on %v, not only on its own log group", id, action, s.Resources)
						}
					case strings.HasPrefix(action, "xray:"):
						traceGot = append(traceGot, action)
					default:
						p.add("%s: may call %s", id, action)
					}
				}
			}
		}
		grants := []struct {
			what      string
			got, want []string
		}{
			{"logs", logsGot, logActions},
			{"tracing", traceGot, traceActions},
			{"its queues", sqsGot, sqsNeeds},
		}
		if derived {
			grants = append(grants, struct {
				what      string
				got, want []string
			}{"the table", tableGot, needs}, struct {
				what      string
				got, want []string
			}{"its secrets", secretGot, secretNeeds}, struct {
				what      string
				got, want []string
			}{"the user pool", poolGot, poolNeeds}, struct {
				what      string
				got, want []string
			}{"the bucket", s3Got, s3Needs})
		}
		for _, grant := range grants {
			extra, missing := sameSet(grant.got, grant.want)
			if len(extra) > 0 {
				p.add("template.yaml: %s: %s may call %v, beyond what its code calls: remove them", id, roleID, extra)
			}
			if len(missing) > 0 {
				p.add("template.yaml: %s: %s may not call %v on %s, which its code calls: add them", id, roleID, missing, grant.what)
			}
		}
	}
	return p
}

// objectPrefixes are where the attachments' objects are: the uploads, and
// the checked objects, each per user (pkg/attachment).
var objectPrefixes = []string{attachment.UploadsPrefix, attachment.ObjectsPrefix}

// s3Grant says what is wrong with a statement's grant of an S3 action: an
// object action reaches objects under the attachments' prefixes only,
// never the whole bucket; ListBucket, the one bucket action, lists those
// prefixes only.
func s3Grant(action string, s samtemplate.Statement) []string {
	var wrong []string
	if action == "s3:ListBucket" {
		bucket := map[string]any{"Fn::GetAtt": []any{bucketID, "Arn"}}
		prefixes := make([]any, len(objectPrefixes))
		for i, pre := range objectPrefixes {
			prefixes[i] = pre + "*"
		}
		if !reflect.DeepEqual(s.Resources, []any{bucket}) {
			wrong = append(wrong, fmt.Sprintf("on %v, want the bucket %s's Arn", s.Resources, bucketID))
		}
		cond, _ := s.Condition["StringLike"].(map[string]any)
		if got, _ := cond["s3:prefix"].([]any); len(s.Condition) != 1 || len(cond) != 1 || !sameItems(got, prefixes) {
			wrong = append(wrong, fmt.Sprintf("with the condition %v, want StringLike s3:prefix %v", s.Condition, prefixes))
		}
		return wrong
	}
	if len(s.Resources) == 0 {
		return []string{"on no resource"}
	}
	for _, res := range s.Resources {
		sub, _ := res.(map[string]any)["Fn::Sub"].(string)
		if !slices.ContainsFunc(objectPrefixes, func(pre string) bool { return sub == "${"+bucketID+".Arn}/"+pre+"*" }) {
			wrong = append(wrong, fmt.Sprintf("on %v, want only objects under %v of %s", res, objectPrefixes, bucketID))
		}
	}
	if s.Condition != nil {
		wrong = append(wrong, fmt.Sprintf("with the condition %v, want none", s.Condition))
	}
	return wrong
}

// leadingKeysCondition is the condition that lets a statement reach only
// the partitions whose keys match patterns. ForAllValues holds for a
// request that names no key at all (a Scan), which no role here may make.
func leadingKeysCondition(patterns []string) map[string]any {
	values := make([]any, len(patterns))
	for i, p := range patterns {
		values[i] = p
	}
	return map[string]any{"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": values}}
}

// sameItems reports whether a and b hold the same values, in any order.
func sameItems(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.ContainsFunc(b, func(y any) bool { return reflect.DeepEqual(x, y) }) {
			return false
		}
	}
	return true
}

// checkLogs: each function logs to a log group of its own that keeps logs
// for a limited time, and so does the API's access log.
func checkLogs(r *repo) []string {
	var p problems
	res := r.resolver(nil)
	retention := func(owner, group string) {
		lg, ok := r.tpl.Resources[group]
		if !ok || lg.Type != samtemplate.TypeLogGroup {
			p.add("%s: logs to %q, not a log group of the template", owner, group)
			return
		}
		days, err := res.String(lg.Properties["RetentionInDays"])
		if n, _ := strconv.Atoi(days); err != nil || n <= 0 {
			p.add("%s: log group %s keeps logs forever (no RetentionInDays)", owner, group)
		}
	}
	owners := map[string]string{}
	for _, id := range sortedKeys(r.functions) {
		group := refID(r.functions[id].LogGroup)
		if group == "" {
			p.add("%s: has no LoggingConfig LogGroup of its own", id)
			continue
		}
		if other, ok := owners[group]; ok {
			p.add("%s: shares log group %s with %s", id, group, other)
		}
		owners[group] = id
		retention(id, group)
	}
	apis, err := r.tpl.HTTPAPIs()
	if err != nil {
		return append(p, err.Error())
	}
	for _, api := range apis {
		if group := arnOf(api.AccessLogDestination); group != "" {
			retention(api.LogicalID+" access log", group)
		} else {
			p.add("%s: access logs go to %v, not a log group of the template", api.LogicalID, api.AccessLogDestination)
		}
	}
	return p
}

// checkAccessLog: the access log is JSON with exactly the agreed fields.
func checkAccessLog(r *repo) []string {
	var p problems
	apis, err := r.tpl.HTTPAPIs()
	if err != nil {
		return []string{err.Error()}
	}
	for _, api := range apis {
		var fields map[string]string
		if err := json.Unmarshal([]byte(api.AccessLogFormat), &fields); err != nil {
			p.add("%s: the access log format is not a JSON object of strings: %v", api.LogicalID, err)
			continue
		}
		for _, name := range sortedKeys(fields) {
			if want, ok := accessLogFields[name]; !ok {
				p.add("%s: the access log has field %s, which is not agreed", api.LogicalID, name)
			} else if fields[name] != want {
				p.add("%s: access log field %s is %s, want %s", api.LogicalID, name, fields[name], want)
			}
		}
		for _, name := range sortedKeys(accessLogFields) {
			if _, ok := fields[name]; !ok {
				p.add("%s: the access log lacks field %s", api.LogicalID, name)
			}
		}
	}
	return p
}

// checkCORS: browsers may call every route from the configured origins,
// send the headers the API reads and read the headers it answers with.
func checkCORS(r *repo) []string {
	var p problems
	cors, ok := r.api.Extensions["x-amazon-apigateway-cors"].(map[string]any)
	if !ok {
		return []string{"openapi.yaml has no x-amazon-apigateway-cors"}
	}
	if origins := refID(cors["allowOrigins"]); origins == "" {
		p.add("CORS allowOrigins is %v, want a Ref of a template parameter", cors["allowOrigins"])
	} else if param, ok := r.tpl.Parameters[origins]; !ok || param.Default != "*" {
		p.add("CORS allowOrigins parameter %s does not exist or does not default to *", origins)
	}
	has := func(list any, want string) bool {
		items, _ := list.([]any)
		for _, item := range items {
			if s, ok := item.(string); ok && strings.EqualFold(s, want) {
				return true
			}
		}
		return false
	}
	for _, h := range corsAllowHeaders {
		if !has(cors["allowHeaders"], h) {
			p.add("CORS does not allow request header %s", h)
		}
	}
	for _, h := range corsExposeHeaders {
		if !has(cors["exposeHeaders"], h) {
			p.add("CORS does not expose response header %s", h)
		}
	}
	for rt := range r.operations() {
		method, _, _ := strings.Cut(rt, " ")
		if !has(cors["allowMethods"], method) {
			p.add("CORS does not allow method %s", method)
		}
	}
	if age, _ := cors["maxAge"].(float64); age <= 0 {
		p.add("CORS maxAge is %v, want browsers to cache preflights", cors["maxAge"])
	}
	return p
}

// checkAuthorizer: the JWT authorizer guards every /todos operation and
// not the public ones, and trusts the stack's user pool unless another
// issuer is configured.
func checkAuthorizer(r *repo) []string {
	var p problems
	ref, ok := r.api.Components.SecuritySchemes[securityScheme]
	if !ok || ref.Value == nil {
		return []string{"openapi.yaml has no security scheme " + securityScheme}
	}
	auth, _ := ref.Value.Extensions["x-amazon-apigateway-authorizer"].(map[string]any)
	if auth["type"] != "jwt" || auth["identitySource"] != "$request.header.Authorization" {
		p.add("security scheme %s is not a JWT authorizer reading the Authorization header: %v", securityScheme, auth)
	}
	for _, tc := range []struct {
		name           string
		params         map[string]string
		issuer         string
		audience       []any
		cognitoCreated bool
	}{
		{"by default", nil, "https://cognito-idp." + region + ".amazonaws.com/ref-UserPool", []any{"ref-UserPoolClient", "ref-CliUserPoolClient"}, true},
		{"without the CLI's client", map[string]string{"CognitoCliClient": "false"}, "https://cognito-idp." + region + ".amazonaws.com/ref-UserPool", []any{"ref-UserPoolClient"}, true},
		{"with another issuer", map[string]string{"JwtIssuer": "https://issuer.example", "JwtAudience": "my-api"}, "https://issuer.example", []any{"my-api"}, false},
	} {
		res := r.resolver(tc.params)
		cfg, err := res.Value(auth["jwtConfiguration"])
		if err != nil {
			p.add("jwtConfiguration %s: %v", tc.name, err)
			continue
		}
		want := map[string]any{"issuer": tc.issuer, "audience": tc.audience}
		if !reflect.DeepEqual(cfg, want) {
			p.add("jwtConfiguration %s is %v, want %v", tc.name, cfg, want)
		}
		for _, id := range []string{"UserPool", "UserPoolClient", "CliUserPoolClient"} {
			want := tc.cognitoCreated && (id != "CliUserPoolClient" || tc.params["CognitoCliClient"] != "false")
			created := false
			if res, ok := r.tpl.Resources[id]; ok {
				created = res.Condition == ""
				if res.Condition != "" {
					created, err = r.resolver(tc.params).Condition(res.Condition)
					if err != nil {
						p.add("%s: %v", id, err)
					}
				}
			}
			if created != want {
				p.add("%s %s: created is %v, want %v", id, tc.name, created, want)
			}
		}
	}
	// Every route behind the authorizer requires the scope JwtScope names,
	// which only access tokens carry; a probe value shows the routes follow
	// the parameter rather than repeat its default.
	const probe = "probe/scope"
	probed, err := r.scopesWith(map[string]string{"JwtScope": probe})
	if err != nil {
		p.add("openapi.yaml: %v", err)
	}
	ops := r.operations()
	for _, rt := range sortedKeys(ops) {
		op := ops[rt]
		if public(op) {
			continue
		}
		if got := probed[rt]; !reflect.DeepEqual(got, []string{probe}) {
			p.add("openapi.yaml: %s must require the scope of the JwtScope parameter, and only it (security: [{%s: [{Ref: JwtScope}]}]); with JwtScope=%s it requires %v", rt, securityScheme, probe, got)
		}
	}
	for _, rt := range sortedKeys(ops) {
		op := ops[rt]
		fn, _ := integration(op)
		// A function that reads the caller's identity needs the
		// authorizer to have checked it.
		needsUser := false
		if folder := r.recipe(fn).folder; folder != "" {
			needsUser = r.code.of(folder).symbols[ownerSymbol]
		}
		security := r.api.Security
		if op.Security != nil {
			security = *op.Security
		}
		var schemes []string
		for _, req := range security {
			for name := range req {
				schemes = append(schemes, name)
			}
		}
		switch {
		case needsUser && !reflect.DeepEqual(schemes, []string{securityScheme}):
			p.add("openapi.yaml: %s must require the %s authorizer (security: [{%s: [{Ref: JwtScope}]}]): %s reads the caller's identity; it requires %v", rt, securityScheme, securityScheme, fn, schemes)
		case !public(op) && !reflect.DeepEqual(schemes, []string{securityScheme}):
			p.add("openapi.yaml: %s must require the %s authorizer, or say security: [] to be public; it requires %v", rt, securityScheme, schemes)
		}
	}
	return p
}

// checkSecrets: the Pushover credentials are NoEcho parameters, and a
// NoEcho parameter reaches a Secrets Manager secret and nothing else: no
// function's configuration, which anyone allowed
// lambda:GetFunctionConfiguration reads in clear, no other resource, no
// output. A function gets the secret's ARN, never its value.
func checkSecrets(r *repo) []string {
	var p problems
	for _, name := range secretParameters {
		if par, ok := r.tpl.Parameters[name]; !ok || !par.NoEcho {
			p.add("parameter %s does not exist or is not NoEcho", name)
		}
	}
	for _, name := range sortedKeys(r.tpl.Parameters) {
		if !r.tpl.Parameters[name].NoEcho {
			continue
		}
		for _, id := range sortedKeys(r.functions) {
			for variable, v := range r.functions[id].Environment {
				if refersTo(v, name) {
					p.add("template.yaml: %s: its environment variable %s holds the NoEcho parameter %s: keep it in an AWS::SecretsManager::Secret and give the function the secret's Ref", id, variable, name)
				}
			}
		}
		for _, id := range sortedKeys(r.tpl.Resources) {
			res := r.tpl.Resources[id]
			if res.Type == samtemplate.TypeSecret || res.Type == samtemplate.TypeFunction {
				continue
			}
			for prop, v := range res.Properties {
				if refersTo(v, name) {
					p.add("template.yaml: %s: %s passes the NoEcho parameter %s on; only a secret may hold it", id, prop, name)
				}
			}
		}
		if refersTo(r.tpl.Outputs, name) {
			p.add("template.yaml: an output reveals %s", name)
		}
	}
	return p
}

// checkTable: the one table has the generic keys, costs nothing when idle,
// expires items by expiresAt, can be restored, survives the stack, and is
// the table every function is told about.
func checkTable(r *repo) []string {
	var p problems
	tables, err := r.tpl.Tables()
	if err != nil {
		return []string{err.Error()}
	}
	if len(tables) != 1 || tables[0].LogicalID != tableID {
		return []string{fmt.Sprintf("want exactly the table %s, have %d tables", tableID, len(tables))}
	}
	tb := tables[0]
	if want := []samtemplate.KeyElement{{AttributeName: "PK", KeyType: "HASH"}, {AttributeName: "SK", KeyType: "RANGE"}}; !reflect.DeepEqual(tb.KeySchema, want) {
		p.add("key schema %v, want %v", tb.KeySchema, want)
	}
	// The indexes are the store's (pkg/keys): each a string sort key over
	// the user's partition, with every attribute, so that a listing reads
	// its page from the index alone.
	wantAttrs := []samtemplate.AttributeDefinition{{AttributeName: "PK", AttributeType: "S"}, {AttributeName: "SK", AttributeType: "S"}}
	var wantIndexes []samtemplate.LocalSecondaryIndex
	for _, ix := range keys.Indexes {
		wantAttrs = append(wantAttrs, samtemplate.AttributeDefinition{AttributeName: ix.SortKey, AttributeType: "S"})
		wantIndexes = append(wantIndexes, samtemplate.LocalSecondaryIndex{
			IndexName:      ix.Name,
			KeySchema:      []samtemplate.KeyElement{{AttributeName: "PK", KeyType: "HASH"}, {AttributeName: ix.SortKey, KeyType: "RANGE"}},
			ProjectionType: "ALL",
		})
	}
	if !reflect.DeepEqual(tb.AttributeDefinitions, wantAttrs) {
		p.add("attribute definitions %v, want %v", tb.AttributeDefinitions, wantAttrs)
	}
	if !reflect.DeepEqual(tb.LocalSecondaryIndexes, wantIndexes) {
		p.add("local secondary indexes %+v, want %+v (pkg/keys.Indexes)", tb.LocalSecondaryIndexes, wantIndexes)
	}
	if tb.BillingMode != "PAY_PER_REQUEST" {
		p.add("billing mode %q, want PAY_PER_REQUEST", tb.BillingMode)
	}
	if tb.TTLAttribute != "expiresAt" {
		p.add("time to live on %q, want expiresAt", tb.TTLAttribute)
	}
	if tb.PointInTimeRecovery != true {
		p.add("point-in-time recovery is %v, want true", tb.PointInTimeRecovery)
	}
	if tb.DeletionPolicy != "RetainExceptOnCreate" || tb.UpdateReplacePolicy != "Retain" {
		p.add("DeletionPolicy %q and UpdateReplacePolicy %q, want RetainExceptOnCreate and Retain", tb.DeletionPolicy, tb.UpdateReplacePolicy)
	}
	// The AWS managed key: KMS with no key of the template's own.
	if want := map[string]any{"SSEEnabled": true, "SSEType": "KMS"}; !reflect.DeepEqual(tb.SSE, want) {
		p.add("SSESpecification %v, want %v (the AWS managed key aws/dynamodb)", tb.SSE, want)
	}
	if on, err := r.resolver(nil).Value(tb.DeletionProtection); err != nil || on != true {
		p.add("deletion protection is %v by default (%v), want true", on, err)
	}
	for _, id := range sortedKeys(r.functions) {
		if v := r.functions[id].Environment["TABLE_NAME"]; refID(v) != tableID {
			p.add("%s: TABLE_NAME is %v, want Ref %s", id, v, tableID)
		}
	}
	return p
}

// checkBucket: the attachments' bucket is private, encrypted, TLS only,
// retained like the table, open to browsers' uploads from the API's
// origins, rid of stray uploads, and notifies one function of each upload;
// every other function that links the bucket's code is told its name.
func checkBucket(r *repo) []string {
	var p problems
	if ids := r.tpl.Buckets(); !slices.Equal(ids, []string{bucketID}) {
		return []string{fmt.Sprintf("want exactly the bucket %s, have %v", bucketID, ids)}
	}
	b := r.tpl.Resources[bucketID]
	props := b.Properties
	if b.DeletionPolicy != "RetainExceptOnCreate" || b.UpdateReplacePolicy != "Retain" {
		p.add("%s: DeletionPolicy %q and UpdateReplacePolicy %q, want RetainExceptOnCreate and Retain", bucketID, b.DeletionPolicy, b.UpdateReplacePolicy)
	}
	if _, named := props["BucketName"]; named {
		p.add("%s has a BucketName: a retained bucket of that name would block the next stack's; leave the name to CloudFormation", bucketID)
	}
	block := map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true}
	if !reflect.DeepEqual(props["PublicAccessBlockConfiguration"], block) {
		p.add("%s: PublicAccessBlockConfiguration %v, want %v", bucketID, props["PublicAccessBlockConfiguration"], block)
	}
	if want := map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}}; !reflect.DeepEqual(props["OwnershipControls"], want) {
		p.add("%s: OwnershipControls %v, want %v (no ACLs)", bucketID, props["OwnershipControls"], want)
	}
	enc, _ := props["BucketEncryption"].(map[string]any)
	rules, _ := enc["ServerSideEncryptionConfiguration"].([]any)
	var algorithm any
	if len(rules) == 1 {
		def, _ := rules[0].(map[string]any)["ServerSideEncryptionByDefault"].(map[string]any)
		algorithm = def["SSEAlgorithm"]
	}
	if algorithm != "AES256" && algorithm != "aws:kms" {
		p.add("%s: BucketEncryption %v, want SSE-S3 (AES256) or SSE-KMS by default", bucketID, props["BucketEncryption"])
	}
	cors, _ := props["CorsConfiguration"].(map[string]any)
	corsRules, _ := cors["CorsRules"].([]any)
	if len(corsRules) != 1 {
		p.add("%s: %d CORS rules, want one", bucketID, len(corsRules))
	} else {
		rule, _ := corsRules[0].(map[string]any)
		if !refersTo(rule["AllowedOrigins"], "CorsAllowOrigins") {
			p.add("%s: CORS AllowedOrigins %v, want Ref CorsAllowOrigins, the API's", bucketID, rule["AllowedOrigins"])
		}
		if methods := fmt.Sprint(rule["AllowedMethods"]); methods != "[GET PUT]" {
			p.add("%s: CORS AllowedMethods %s, want [GET PUT]: the presigned download and upload", bucketID, methods)
		}
	}
	lifecycle, _ := props["LifecycleConfiguration"].(map[string]any)
	var expiresUploads, abortsMultipart bool
	lifecycleRules, _ := lifecycle["Rules"].([]any)
	for _, v := range lifecycleRules {
		rule, _ := v.(map[string]any)
		if rule["Status"] != "Enabled" {
			continue
		}
		if rule["Prefix"] == attachment.UploadsPrefix && number(rule["ExpirationInDays"]) >= 1 {
			expiresUploads = true
		}
		abort, _ := rule["AbortIncompleteMultipartUpload"].(map[string]any)
		if _, hasPrefix := rule["Prefix"]; !hasPrefix && number(abort["DaysAfterInitiation"]) >= 1 {
			abortsMultipart = true
		}
	}
	if !expiresUploads {
		p.add("%s: no enabled lifecycle rule expires the objects under %s, the uploads never checked", bucketID, attachment.UploadsPrefix)
	}
	if !abortsMultipart {
		p.add("%s: no enabled lifecycle rule of the whole bucket aborts incomplete multipart uploads", bucketID)
	}
	if !r.deniesInsecureTransport() {
		p.add("%s: no AWS::S3::BucketPolicy of it denies s3:* on it and its objects to any principal when aws:SecureTransport is false", bucketID)
	}

	var notified []string
	for _, id := range sortedKeys(r.functions) {
		fn := r.functions[id]
		for _, ev := range fn.S3Events {
			notified = append(notified, id)
			if ev.Bucket != bucketID || !slices.Equal(ev.Events, []string{"s3:ObjectCreated:*"}) || ev.Prefix != attachment.UploadsPrefix || ev.Suffix != "" {
				p.add("%s: S3 event %s is %+v, want s3:ObjectCreated:* of %s under %s", id, ev.Name, ev, bucketID, attachment.UploadsPrefix)
			}
			if _, told := fn.Environment[attachment.EnvBucket]; told {
				p.add("%s: %s in its environment makes a dependency cycle with the notification; it reads the bucket from each event", id, attachment.EnvBucket)
			}
		}
		folder := r.recipe(id).folder
		if folder == "" || len(fn.S3Events) > 0 {
			continue
		}
		l := r.code.of(folder)
		if l.err != nil || !slices.ContainsFunc(l.actions, func(a string) bool { return strings.HasPrefix(a, "s3:") }) {
			continue
		}
		if v := fn.Environment[attachment.EnvBucket]; refID(v) != bucketID {
			p.add("%s: calls S3, and %s is %v, want Ref %s", id, attachment.EnvBucket, v, bucketID)
		}
	}
	if len(notified) != 1 {
		p.add("%s notifies %v of its uploads, want exactly one function", bucketID, notified)
	}
	return p
}

// deniesInsecureTransport reports whether a bucket policy of the bucket
// denies everyone everything over plain HTTP.
func (r *repo) deniesInsecureTransport() bool {
	for _, id := range sortedKeys(r.tpl.Resources) {
		res := r.tpl.Resources[id]
		if res.Type != "AWS::S3::BucketPolicy" || !refersTo(res.Properties["Bucket"], bucketID) {
			continue
		}
		doc, _ := res.Properties["PolicyDocument"].(map[string]any)
		stmts, _ := doc["Statement"].([]any)
		for _, v := range stmts {
			s, _ := v.(map[string]any)
			cond, _ := s["Condition"].(map[string]any)
			boolean, _ := cond["Bool"].(map[string]any)
			resources := fmt.Sprint(s["Resource"])
			if s["Effect"] == "Deny" && s["Principal"] == "*" && fmt.Sprint(s["Action"]) == "s3:*" &&
				fmt.Sprint(boolean["aws:SecureTransport"]) == "false" &&
				strings.Contains(resources, "["+bucketID+" Arn]") && strings.Contains(resources, "${"+bucketID+".Arn}/*") {
				return true
			}
		}
	}
	return false
}

// checkAPI: the HTTP API is built from openapi.yaml, refuses a definition
// it would half import, and throttles the public route harder.
func checkAPI(r *repo) []string {
	var p problems
	apis, err := r.tpl.HTTPAPIs()
	if err != nil {
		return []string{err.Error()}
	}
	if len(apis) != 1 || apis[0].LogicalID != apiID {
		return []string{fmt.Sprintf("want exactly the HTTP API %s, have %d", apiID, len(apis))}
	}
	api := apis[0]
	if api.DefinitionLocation != definitionLocation {
		p.add("the API's DefinitionBody includes %q, want %s through AWS::Include", api.DefinitionLocation, definitionLocation)
	}
	if !api.FailOnWarnings {
		p.add("FailOnWarnings is off: a definition API Gateway cannot fully import would deploy half an API")
	}
	res := r.resolver(nil)
	number := func(what string, v any) float64 {
		s, err := res.String(v)
		n, convErr := strconv.ParseFloat(s, 64)
		if err != nil || convErr != nil || n <= 0 {
			p.add("%s is %v, want a positive number", what, v)
		}
		return n
	}
	rate := number("default throttling rate", api.DefaultRouteSettings.ThrottlingRateLimit)
	burst := number("default throttling burst", api.DefaultRouteSettings.ThrottlingBurstLimit)
	ops := r.operations()
	for _, key := range sortedKeys(api.RouteSettings) {
		if _, ok := ops[key]; !ok {
			p.add("RouteSettings has %s, which is not a route of openapi.yaml", key)
		}
	}
	for _, rt := range sortedKeys(ops) {
		if !public(ops[rt]) {
			continue
		}
		{
			s, ok := api.RouteSettings[rt]
			if !ok {
				p.add("template.yaml: public route %s has no throttling of its own: add it to %s's RouteSettings with limits below the API's", rt, apiID)
				continue
			}
			if n := number(rt+" throttling rate", s.ThrottlingRateLimit); n >= rate {
				p.add("public route %s may take %v requests per second, not fewer than the API's %v", rt, n, rate)
			}
			if n := number(rt+" throttling burst", s.ThrottlingBurstLimit); n >= burst {
				p.add("public route %s may take a burst of %v, not fewer than the API's %v", rt, n, burst)
			}
		}
	}
	return p
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
