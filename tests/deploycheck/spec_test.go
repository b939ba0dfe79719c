package deploycheck

// What the deployment must be: the facts the checks hold template.yaml,
// openapi.yaml and the Makefile to. Changing the product means changing
// these first.

// function is one Lambda function of the API.
type function struct {
	logicalID string
	// folder is the package under functions/ its Makefile target builds.
	folder string
	// routes are the only routes that reach it, as API Gateway route keys.
	routes []string
	// tableActions are the only DynamoDB actions its role may call, all on
	// the table. create writes with a TransactWriteItems of two Puts, which
	// IAM authorizes as PutItem.
	tableActions []string
	// public routes have no authorizer.
	public bool
}

var functions = []function{
	{"CreateTodoFunction", "create", []string{"POST /todos"}, []string{"dynamodb:PutItem", "dynamodb:DeleteItem"}, false},
	{"ListTodosFunction", "list", []string{"GET /todos"}, []string{"dynamodb:Query"}, false},
	{"GetTodoFunction", "get", []string{"GET /todos/{id}"}, []string{"dynamodb:GetItem"}, false},
	{"UpdateTodoFunction", "update", []string{"PATCH /todos/{id}"}, []string{"dynamodb:UpdateItem"}, false},
	{"DeleteTodoFunction", "delete", []string{"DELETE /todos/{id}"}, []string{"dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:GetItem"}, false},
	{"ContactFunction", "contact", []string{"POST /contact"}, []string{"dynamodb:PutItem", "dynamodb:UpdateItem"}, true},
}

const (
	// tableID and apiID are the logical IDs of the table and the API.
	tableID = "TodoTable"
	apiID   = "TodoApi"
	// definitionLocation is where the API's OpenAPI document is included
	// from, relative to template.yaml.
	definitionLocation = "./openapi.yaml"
	// securityScheme is the OpenAPI security scheme of the JWT authorizer.
	securityScheme = "jwt"
	// contactFunction receives the Pushover secrets, and no other.
	contactFunction = "ContactFunction"
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
	corsExposeHeaders = []string{"ETag", "Location", "Idempotent-Replayed", "Retry-After"}
)

// pushoverParameters are the NoEcho parameters only the contact function
// may see, by the environment variable that carries each.
var pushoverParameters = map[string]string{
	"PUSHOVER_TOKEN":    "PushoverToken",
	"PUSHOVER_USER_KEY": "PushoverUserKey",
}
