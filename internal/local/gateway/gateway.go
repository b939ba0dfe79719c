// Package gateway serves HTTP the way an API Gateway HTTP API serves it in
// front of Lambda functions: it picks the route as HTTP APIs do, enforces
// the route's JWT authorizer, answers CORS preflight requests, sends the
// route's function a payload format 2.0 event, turns the function's result
// into the HTTP response, and writes one access log line per request.
//
// The gateway reaches functions through an Invoker, such as a
// *lambda.Service; its Config is what the API's OpenAPI definition and
// stage settings say.
package gateway

import (
	"cmp"
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Limits of HTTP APIs
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
const (
	// MaxHeaderBytes bounds the request line and header values together.
	// The gateway counts the bytes of the method, the request target and
	// the protocol version, plus the bytes of every header value, Host
	// included; header names, separators and line ends do not count.
	MaxHeaderBytes = 10240
	// MaxBodyBytes bounds the request body.
	MaxBodyBytes = 10 << 20
	// DefaultIntegrationTimeout is HTTP APIs' maximum integration timeout.
	DefaultIntegrationTimeout = 30 * time.Second
)

// Invoker runs a function with an event and returns its result.
// *lambda.Service is one.
type Invoker interface {
	Invoke(ctx context.Context, function string, payload []byte) ([]byte, error)
}

// Config describes an HTTP API and its $default stage.
type Config struct {
	// Routes are the API's routes; see Route.
	Routes []Route
	// Authorizers are the API's JWT authorizers by name, the names that
	// routes refer to.
	Authorizers map[string]JWTAuthorizer
	// CORS is the API's CORS configuration; nil disables CORS.
	CORS *CORS
	// AccessLogFormat is the stage's access log format, with $context
	// variables, such as
	// {"requestId":"$context.requestId","status":"$context.status"}.
	// Empty disables access logging.
	AccessLogFormat string
	// AccessLog receives one formatted line per request.
	AccessLog io.Writer
	// APIID and AccountID fill the events' and the log's context; empty
	// means "local" and "123456789012".
	APIID     string
	AccountID string
	// IntegrationTimeout bounds a function's answer, after which the
	// client gets 503; 0 means DefaultIntegrationTimeout.
	IntegrationTimeout time.Duration
}

// Route sends requests to a function.
type Route struct {
	// Key is the route key: a method (GET, POST, PUT, PATCH, DELETE, HEAD,
	// OPTIONS or ANY) and a path whose segments may be path variables,
	// "GET /todos/{id}", with a greedy variable last, "ANY /{proxy+}"; or
	// "$default", for requests no other route matches.
	Key string
	// Function is the name the Invoker knows the function by.
	Function string
	// Authorizer names the route's JWT authorizer in Config.Authorizers;
	// empty leaves the route open.
	Authorizer string
	// AuthorizationScopes, if any, require the token to have one of them.
	AuthorizationScopes []string
}

// JWTAuthorizer validates the JSON Web Tokens of requests, as an HTTP
// API's JWT authorizer does.
type JWTAuthorizer struct {
	// IdentitySource is where the token is: "$request.header.<name>".
	// Empty means "$request.header.Authorization".
	IdentitySource string
	// Issuer must equal the token's iss claim.
	Issuer string
	// Audience lists the accepted values of the token's aud claim, or of
	// its client_id claim, as in Cognito's access tokens.
	Audience []string
	// Keys are the issuer's public keys (its JWKS) by key ID. HTTP APIs
	// accept only RSA signatures: a token's kid must name an
	// *rsa.PublicKey here.
	Keys map[string]crypto.PublicKey
}

// CORS is an HTTP API's CORS configuration, as x-amazon-apigateway-cors
// and the API's CorsConfiguration have it.
type CORS struct {
	// AllowOrigins lists the origins allowed; "*" allows any.
	AllowOrigins []string
	AllowMethods []string
	AllowHeaders []string
	// ExposeHeaders lists the response headers a browser script may read.
	ExposeHeaders []string
	// MaxAge is how long, in seconds, a browser may keep a preflight
	// answer; 0 sends no Access-Control-Max-Age.
	MaxAge           int
	AllowCredentials bool
}

// Gateway is an http.Handler. It is safe for concurrent use.
type Gateway struct {
	invoker   Invoker
	routes    []*route
	cors      *CORS
	accessLog *accessLog
	apiID     string
	accountID string
	timeout   time.Duration
}

// New checks cfg and returns a Gateway that invokes functions through inv.
func New(cfg Config, inv Invoker) (*Gateway, error) {
	if inv == nil {
		return nil, errors.New("gateway: no Invoker")
	}
	g := &Gateway{
		invoker:   inv,
		cors:      cfg.CORS,
		apiID:     cmp.Or(cfg.APIID, "local"),
		accountID: cmp.Or(cfg.AccountID, "123456789012"),
		timeout:   cmp.Or(cfg.IntegrationTimeout, DefaultIntegrationTimeout),
	}
	authorizers := make(map[string]*authorizer, len(cfg.Authorizers))
	for name, a := range cfg.Authorizers {
		az, err := newAuthorizer(a)
		if err != nil {
			return nil, fmt.Errorf("gateway: authorizer %s: %w", name, err)
		}
		authorizers[name] = az
	}
	keys := make(map[string]bool, len(cfg.Routes))
	for _, r := range cfg.Routes {
		rt, err := parseRoute(r)
		if err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		if keys[rt.Key] {
			return nil, fmt.Errorf("gateway: route %q is defined twice", rt.Key)
		}
		keys[rt.Key] = true
		if r.Authorizer != "" {
			if rt.authorizer = authorizers[r.Authorizer]; rt.authorizer == nil {
				return nil, fmt.Errorf("gateway: route %q: no authorizer named %q", rt.Key, r.Authorizer)
			}
		} else if len(r.AuthorizationScopes) > 0 {
			return nil, fmt.Errorf("gateway: route %q has scopes but no authorizer", rt.Key)
		}
		if r.Function == "" {
			return nil, fmt.Errorf("gateway: route %q has no function", rt.Key)
		}
		g.routes = append(g.routes, rt)
	}
	if cfg.AccessLogFormat != "" {
		if cfg.AccessLog == nil {
			return nil, errors.New("gateway: an access log format but no AccessLog writer")
		}
		g.accessLog = newAccessLog(cfg.AccessLogFormat, cfg.AccessLog)
	}
	return g, nil
}

// ServeHTTP answers one request as the HTTP API would.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := newExchange(r)
	defer g.accessLog.write(x)

	if requestHeaderBytes(r) > MaxHeaderBytes {
		g.fail(w, r, x, http.StatusRequestHeaderFieldsTooLarge, "REQUEST_TOO_LARGE")
		return
	}
	if r.ContentLength > MaxBodyBytes {
		g.fail(w, r, x, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		g.fail(w, r, x, http.StatusBadRequest, "BAD_REQUEST_BODY")
		return
	}
	if len(body) > MaxBodyBytes {
		g.fail(w, r, x, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE")
		return
	}

	rt, params := match(g.routes, r.Method, r.URL.EscapedPath())
	if rt == nil {
		// The gateway answers a preflight itself when no route takes it,
		// even without an OPTIONS route.
		if g.cors != nil && isPreflight(r) {
			g.preflight(w, r, x)
			return
		}
		g.fail(w, r, x, http.StatusNotFound, "RESOURCE_NOT_FOUND")
		return
	}
	x.routeKey = rt.Key

	var auth *authorizerContext
	if rt.authorizer != nil {
		var denied *authError
		auth, denied = rt.authorizer.authorize(r, rt.AuthorizationScopes, x.start)
		if denied != nil {
			x.authorizerError = denied.description
			w.Header().Set("Www-Authenticate", denied.challenge)
			g.fail(w, r, x, denied.status, denied.responseType)
			return
		}
		x.claims = auth.JWT.Claims
	}

	event, err := g.event(r, x, rt, params, body, auth)
	if err != nil {
		x.integrationError = err.Error()
		g.fail(w, r, x, http.StatusInternalServerError, "INTEGRATION_FAILURE")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), g.timeout)
	defer cancel()
	invoked := time.Now()
	out, err := g.invoker.Invoke(ctx, rt.Function, event)
	x.integrationLatency = time.Since(invoked)
	switch {
	case r.Context().Err() != nil:
		// The client left; nobody reads an answer.
		x.integrationError = r.Context().Err().Error()
		return
	case errors.Is(err, context.DeadlineExceeded):
		x.integrationError = fmt.Sprintf("the function did not answer within %v", g.timeout)
		g.fail(w, r, x, http.StatusServiceUnavailable, "INTEGRATION_TIMEOUT")
		return
	case err != nil:
		x.integrationStatus = http.StatusOK
		x.integrationError = err.Error()
		g.fail(w, r, x, http.StatusInternalServerError, "INTEGRATION_FAILURE")
		return
	}
	x.integrationStatus = http.StatusOK
	resp, err := parseResponse(out)
	if err != nil {
		x.integrationError = err.Error()
		g.fail(w, r, x, http.StatusInternalServerError, "INTEGRATION_FAILURE")
		return
	}
	g.write(w, r, x, resp)
}

// fail sends one of the gateway's own error responses, such as
// 404 {"message":"Not Found"}.
func (g *Gateway) fail(w http.ResponseWriter, r *http.Request, x *exchange, status int, responseType string) {
	message := http.StatusText(status)
	x.errorMessage = message
	x.errorResponseType = responseType
	body := []byte(`{"message":` + strconv.Quote(message) + `}`)
	w.Header().Set("Content-Type", "application/json")
	g.write(w, r, x, response{status: status, body: body})
}

// write sends resp with the headers the gateway adds.
func (g *Gateway) write(w http.ResponseWriter, r *http.Request, x *exchange, resp response) {
	h := w.Header()
	for name, value := range resp.headers {
		h.Set(name, value)
	}
	for _, c := range resp.cookies {
		h.Add("Set-Cookie", c)
	}
	if g.cors != nil && !resp.preflight {
		g.cors.decorate(h, r.Header.Get("Origin"))
	}
	h.Set("Apigw-Requestid", x.requestID)
	if h.Get("Content-Type") == "" && len(resp.body) > 0 {
		h.Set("Content-Type", http.DetectContentType(resp.body))
	}
	if bodyAllowed(resp.status) {
		h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	} else {
		resp.body = nil
	}
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(resp.body)
	}
	x.status = resp.status
	x.responseLength = len(resp.body)
}

// preflight answers a CORS preflight request.
func (g *Gateway) preflight(w http.ResponseWriter, r *http.Request, x *exchange) {
	g.cors.preflight(w.Header(), r.Header.Get("Origin"))
	x.routeKey = "-"
	g.write(w, r, x, response{status: http.StatusNoContent, preflight: true})
}

func bodyAllowed(status int) bool {
	return status != http.StatusNoContent && status != http.StatusNotModified && status >= 200
}

func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// requestHeaderBytes measures a request as MaxHeaderBytes says.
func requestHeaderBytes(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + len(r.Host)
	for _, values := range r.Header {
		for _, v := range values {
			n += len(v)
		}
	}
	return n
}
