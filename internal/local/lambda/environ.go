package lambda

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// reservedEnv lists the variables Lambda sets itself and refuses in a
// function's configuration
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
var reservedEnv = []string{
	"_HANDLER",
	"_X_AMZN_TRACE_ID",
	"AWS_ACCESS_KEY",
	"AWS_ACCESS_KEY_ID",
	"AWS_DEFAULT_REGION",
	"AWS_EXECUTION_ENV",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
	"AWS_LAMBDA_FUNCTION_NAME",
	"AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE",
	"AWS_LAMBDA_LOG_GROUP_NAME",
	"AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_LAMBDA_RUNTIME_API",
	"AWS_REGION",
	"AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN",
	"LAMBDA_RUNTIME_DIR",
	"LAMBDA_TASK_ROOT",
}

// checkEnv refuses reserved names, as Lambda's CreateFunction does.
func checkEnv(vars map[string]string) error {
	var used []string
	for name := range vars {
		if slices.Contains(reservedEnv, name) {
			used = append(used, name)
		}
	}
	if len(used) > 0 {
		slices.Sort(used)
		return fmt.Errorf("environment variables %s are reserved by Lambda", strings.Join(used, ", "))
	}
	return nil
}

// Credentials that only DynamoDB Local and other local endpoints accept: a
// function must never reach real AWS from a developer's machine. The
// local S3 checks the signatures made with them, as S3 checks its own.
const (
	LocalAccessKeyID     = "ASIALOCALDEVELOPMENT"
	LocalSecretAccessKey = "local-development-secret-access-key"
	localSessionToken    = "local-development-session-token"
)

// environ builds the process's whole environment. Nothing comes from the
// developer's own: a function that works here must not depend on a
// variable that Lambda does not set. That holds for PATH too, which gets
// Lambda's value, and for HOME, which Lambda leaves unset: with it, the AWS
// SDK would read the developer's ~/.aws profiles and could reach real AWS
// with real credentials.
func (e *env) environ() []string {
	s := e.p.svc
	root := filepath.Dir(e.fn.Path)
	vars := map[string]string{
		// Lambda's defaults, which a function may change.
		"PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
		"LANG": "en_US.UTF-8",
		"TZ":   ":UTC",
	}
	for k, v := range e.fn.Env {
		vars[k] = v
	}
	for k, v := range map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          e.ln.Addr().String(),
		"AWS_LAMBDA_FUNCTION_NAME":        e.fn.Name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(e.fn.MemoryMB),
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + e.fn.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      newLogStreamName(time.Now()),
		"AWS_REGION":                      s.region,
		"AWS_DEFAULT_REGION":              s.region,
		"_HANDLER":                        "bootstrap",
		"LAMBDA_TASK_ROOT":                root,
		"LAMBDA_RUNTIME_DIR":              root,
		"AWS_ACCESS_KEY":                  LocalAccessKeyID,
		"AWS_ACCESS_KEY_ID":               LocalAccessKeyID,
		"AWS_SECRET_ACCESS_KEY":           LocalSecretAccessKey,
		"AWS_SESSION_TOKEN":               localSessionToken,
	} {
		vars[k] = v
	}
	env := make([]string, 0, len(vars))
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	slices.Sort(env)
	return env
}
