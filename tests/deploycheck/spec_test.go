package deploycheck

// What every deployment must be, whatever its routes: the invariants the
// checks hold template.yaml, openapi.yaml, the Makefile and the code to.
// Which functions exist, which routes reach them, which folder builds each
// and which DynamoDB actions each may call are not listed here: the checks
// read them from those files and from what each function's code links, so
// that a new route is its folder, openapi.yaml, template.yaml and the
// Makefile, and nothing else.

const (
	// tableID and apiID are the logical IDs of the table and the API.
	tableID  = "TodoTable"
	apiID    = "TodoApi"
	bucketID = "AttachmentsBucket"
	// definitionLocation is where the API's OpenAPI document is included
	// from, relative to template.yaml.
	definitionLocation = "./openapi.yaml"
	// securityScheme is the OpenAPI security scheme of the JWT authorizer.
	securityScheme = "jwt"
	// gatewayTimeout is API Gateway's limit for an HTTP API integration, in
	// seconds; a function must give up before it.
	gatewayTimeout = 30
)

// logActions and traceActions are what every function's role may do beside
// its table actions: write to its own log group, send traces to X-Ray.
var (
	logActions   = []string{"logs:CreateLogStream", "logs:PutLogEvents"}
	traceActions = []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
)

// accessLogFields is the access log format: exactly these JSON members.
var accessLogFields = map[string]string{
	"requestId":               "$context.requestId",
	"ip":                      "$context.identity.sourceIp",
	"requestTime":             "$context.requestTime",
	"httpMethod":              "$context.httpMethod",
	"routeKey":                "$context.routeKey",
	"status":                  "$context.status",
	"protocol":                "$context.protocol",
	"responseLength":          "$context.responseLength",
	"integrationErrorMessage": "$context.integrationErrorMessage",
	"errorMessage":            "$context.error.message",
}

// CORS: the request headers the API reads and the response headers a
// browser client needs to see.
var (
	corsAllowHeaders  = []string{"Authorization", "Content-Type", "If-Match", "If-None-Match", "Idempotency-Key"}
	corsExposeHeaders = []string{"ETag", "Location", "Idempotent-Replayed", "Retry-After", "WWW-Authenticate"}
)

// secretParameters are the parameters that carry secrets: NoEcho, and
// kept in Secrets Manager.
var secretParameters = []string{"PushoverToken", "PushoverUserKey"}
