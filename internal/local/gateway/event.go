package gateway

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The payload format 2.0 event
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html),
// field for field as HTTP APIs send it: events.APIGatewayV2HTTPRequest
// reads it, but would also write fields that are absent here, such as an
// empty mutual TLS authentication.
type requestEvent struct {
	Version               string            `json:"version"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	PathParameters        map[string]string `json:"pathParameters,omitempty"`
	RequestContext        requestContext    `json:"requestContext"`
	Body                  string            `json:"body,omitempty"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
}

type requestContext struct {
	AccountID    string             `json:"accountId"`
	APIID        string             `json:"apiId"`
	Authorizer   *authorizerContext `json:"authorizer,omitempty"`
	DomainName   string             `json:"domainName"`
	DomainPrefix string             `json:"domainPrefix"`
	HTTP         httpContext        `json:"http"`
	RequestID    string             `json:"requestId"`
	RouteKey     string             `json:"routeKey"`
	Stage        string             `json:"stage"`
	Time         string             `json:"time"`
	TimeEpoch    int64              `json:"timeEpoch"`
}

type httpContext struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

type authorizerContext struct {
	JWT jwtContext `json:"jwt"`
}

type jwtContext struct {
	Claims map[string]string `json:"claims"`
	// Scopes is null unless the route requires scopes.
	Scopes []string `json:"scopes"`
}

// clfTime is the Common Log Format time of $context.requestTime and the
// event's requestContext.time.
const clfTime = "02/Jan/2006:15:04:05 -0700"

// exchange is what the gateway knows of one request and its answer, for
// the event and the access log.
type exchange struct {
	requestID string
	start     time.Time
	sourceIP  string
	method    string
	path      string
	protocol  string
	host      string
	userAgent string

	routeKey           string
	claims             map[string]string
	authorizerError    string
	integrationError   string
	integrationStatus  int
	integrationLatency time.Duration
	errorMessage       string
	errorResponseType  string
	status             int
	responseLength     int
}

func newExchange(r *http.Request) *exchange {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return &exchange{
		requestID: newRequestID(),
		start:     time.Now(),
		sourceIP:  ip,
		method:    r.Method,
		path:      r.URL.EscapedPath(),
		// API Gateway talks HTTP/1.1 to integrations, whatever the client
		// spoke, and says so.
		protocol:  "HTTP/1.1",
		host:      r.Host,
		userAgent: r.Header.Get("User-Agent"),
	}
}

// newRequestID returns an ID of the form of HTTP APIs' request IDs, such
// as "LV7fzho-PHcEJPw=".
func newRequestID() string {
	var b [11]byte
	_, _ = rand.Read(b[:])
	return base64.URLEncoding.EncodeToString(b[:])
}

// hopByHop lists headers that concern one connection only, which a proxy
// does not pass on.
var hopByHop = []string{"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}

// event builds the payload 2.0 event for a request.
func (g *Gateway) event(r *http.Request, x *exchange, rt *route, params map[string]string, body []byte, auth *authorizerContext) ([]byte, error) {
	headers := make(map[string]string, len(r.Header)+6)
	for name, values := range r.Header {
		name = strings.ToLower(name)
		if name == "cookie" || slices.Contains(hopByHop, name) {
			continue
		}
		headers[name] = strings.Join(values, ",")
	}
	headers["host"] = r.Host
	headers["content-length"] = strconv.Itoa(len(body))
	if prior := headers["x-forwarded-for"]; prior != "" {
		headers["x-forwarded-for"] = prior + ", " + x.sourceIP
	} else {
		headers["x-forwarded-for"] = x.sourceIP
	}
	// What API Gateway tells every function, whose clients reach it over
	// TLS on 443: the same here, though the local client came over plain
	// HTTP to another port, so that a function sees the event it sees in
	// AWS (this API's functions build no absolute URL from it).
	headers["x-forwarded-proto"] = "https"
	headers["x-forwarded-port"] = "443"
	if headers["x-amzn-trace-id"] == "" {
		headers["x-amzn-trace-id"] = fmt.Sprintf("Root=1-%08x-%s", x.start.Unix(), randomHex(12))
	}

	ev := requestEvent{
		Version:               "2.0",
		RouteKey:              rt.Key,
		RawPath:               x.path,
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies(r.Header),
		Headers:               headers,
		QueryStringParameters: queryParameters(r.URL.RawQuery),
		PathParameters:        params,
		RequestContext: requestContext{
			AccountID:    g.accountID,
			APIID:        g.apiID,
			Authorizer:   auth,
			DomainName:   hostname(x.host),
			DomainPrefix: domainPrefix(x.host),
			HTTP: httpContext{
				Method:    r.Method,
				Path:      x.path,
				Protocol:  x.protocol,
				SourceIP:  x.sourceIP,
				UserAgent: x.userAgent,
			},
			RequestID: x.requestID,
			RouteKey:  rt.Key,
			Stage:     "$default",
			Time:      x.start.UTC().Format(clfTime),
			TimeEpoch: x.start.UnixMilli(),
		},
	}
	if len(body) > 0 {
		// A text body that is not UTF-8 cannot be a JSON string as it is:
		// encoding/json would swap its bad bytes for U+FFFD unseen, and
		// the function could no longer tell that the client sent them.
		if isText(r.Header.Get("Content-Type")) && utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return json.Marshal(ev)
}

// isText reports whether HTTP APIs pass a body of this content type as
// text. They base64-encode every other body, including those without a
// content type and form posts.
func isText(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch mediaType {
	case "application/json", "application/xml", "application/javascript":
		return true
	}
	return strings.HasPrefix(mediaType, "text/")
}

// cookies splits the request's Cookie headers into the event's cookies.
func cookies(h http.Header) []string {
	var out []string
	for _, line := range h.Values("Cookie") {
		for c := range strings.SplitSeq(line, ";") {
			if c = strings.TrimSpace(c); c != "" {
				out = append(out, c)
			}
		}
	}
	return out
}

// queryParameters decodes a query string; the values of a repeated
// parameter are joined with commas.
func queryParameters(raw string) map[string]string {
	if raw == "" {
		return nil
	}
	var names []string
	values := make(map[string][]string)
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		name, value = unescapeQuery(name), unescapeQuery(value)
		if _, seen := values[name]; !seen {
			names = append(names, name)
		}
		values[name] = append(values[name], value)
	}
	if len(names) == 0 {
		return nil
	}
	params := make(map[string]string, len(names))
	for _, name := range names {
		params[name] = strings.Join(values[name], ",")
	}
	return params
}

func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// domainPrefix is the first label of the domain name.
// hostname is a Host header without its port: API Gateway's domainName,
// since its clients always come to port 443.
func hostname(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}

// domainPrefix is the first label of the domain name, as API Gateway
// defines it: the API's ID for its execute-api name, 127 for 127.0.0.1.
func domainPrefix(host string) string {
	prefix, _, _ := strings.Cut(hostname(host), ".")
	return prefix
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// response is what the client gets.
type response struct {
	status  int
	headers map[string]string
	cookies []string
	body    []byte
	// preflight marks the gateway's answer to a CORS preflight, whose
	// CORS headers are set already.
	preflight bool
}

// parseResponse reads a function's result as HTTP APIs read payload 2.0
// results: an object with a statusCode is a response; any other JSON is
// the body of a 200 application/json response, a JSON string being the
// body's text.
func parseResponse(out []byte) (response, error) {
	if !json.Valid(out) {
		return response{}, errors.New("the function's result is not JSON")
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(out, &fields) == nil && fields["statusCode"] != nil {
		var v struct {
			StatusCode      int               `json:"statusCode"`
			Headers         map[string]string `json:"headers"`
			Cookies         []string          `json:"cookies"`
			Body            string            `json:"body"`
			IsBase64Encoded bool              `json:"isBase64Encoded"`
		}
		if err := json.Unmarshal(out, &v); err != nil {
			return response{}, fmt.Errorf("malformed function response: %w", err)
		}
		if v.StatusCode < 100 || v.StatusCode > 599 {
			return response{}, fmt.Errorf("malformed function response: statusCode %d", v.StatusCode)
		}
		body := []byte(v.Body)
		if v.IsBase64Encoded {
			var err error
			if body, err = base64.StdEncoding.DecodeString(v.Body); err != nil {
				return response{}, fmt.Errorf("malformed function response: base64 body: %w", err)
			}
		}
		return response{status: v.StatusCode, headers: v.Headers, cookies: v.Cookies, body: body}, nil
	}
	body := out
	var text string
	if json.Unmarshal(out, &text) == nil {
		body = []byte(text)
	}
	return response{
		status:  http.StatusOK,
		headers: map[string]string{"Content-Type": "application/json"},
		body:    body,
	}, nil
}
