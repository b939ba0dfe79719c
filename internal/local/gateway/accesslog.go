package gateway

import (
	"encoding/json"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// accessLog writes one line per request from the stage's format, in which
// $context variables
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html)
// stand for the request's values. A variable without a value, or one the
// gateway does not know, becomes "-", as in API Gateway's logs. Values are
// escaped for JSON strings, so that a JSON format gives a JSON line.
type accessLog struct {
	format string
	mu     sync.Mutex
	w      io.Writer
}

func newAccessLog(format string, w io.Writer) *accessLog {
	// A log line is one line.
	format = strings.NewReplacer("\r\n", " ", "\n", " ").Replace(strings.TrimSpace(format))
	return &accessLog{format: format, w: w}
}

var contextVariable = regexp.MustCompile(`\$context\.[A-Za-z0-9_.]*[A-Za-z0-9_]`)

func (l *accessLog) write(x *exchange) {
	if l == nil {
		return
	}
	line := contextVariable.ReplaceAllStringFunc(l.format, func(v string) string {
		name := strings.TrimPrefix(v, "$context.")
		value := x.variable(name)
		switch {
		case value == "":
			return "-"
		case name == "error.messageString":
			// Quoted already, to stand unquoted in the format.
			return value
		}
		return escapeJSON(value)
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(l.w, line+"\n")
}

// variable returns the value of $context.<name>, or "" for none.
func (x *exchange) variable(name string) string {
	if claim, ok := strings.CutPrefix(name, "authorizer.claims."); ok {
		return x.claims[claim]
	}
	switch name {
	case "requestId", "extendedRequestId":
		return x.requestID
	case "identity.sourceIp":
		return x.sourceIP
	case "identity.userAgent":
		return x.userAgent
	case "requestTime":
		return x.start.UTC().Format(clfTime)
	case "requestTimeEpoch":
		return strconv.FormatInt(x.start.UnixMilli(), 10)
	case "httpMethod":
		return x.method
	case "path":
		return x.path
	case "protocol":
		return x.protocol
	case "domainName":
		return x.host
	case "domainPrefix":
		return domainPrefix(x.host)
	case "routeKey":
		return x.routeKey
	case "stage":
		return "$default"
	case "status":
		return positive(x.status)
	case "responseLength", "dataProcessed":
		if x.status == 0 {
			return ""
		}
		return strconv.Itoa(x.responseLength)
	case "responseLatency":
		return strconv.FormatInt(time.Since(x.start).Milliseconds(), 10)
	case "integrationErrorMessage", "integration.error":
		return x.integrationError
	case "integrationStatus", "integration.integrationStatus":
		return positive(x.integrationStatus)
	case "integration.status":
		// The status the function's response set.
		if x.integrationStatus == 0 || x.errorResponseType != "" {
			return ""
		}
		return positive(x.status)
	case "integrationLatency", "integration.latency":
		if x.integrationLatency == 0 {
			return ""
		}
		return strconv.FormatInt(x.integrationLatency.Milliseconds(), 10)
	case "error.message":
		return x.errorMessage
	case "error.messageString":
		if x.errorMessage == "" {
			return ""
		}
		b, _ := json.Marshal(x.errorMessage)
		return string(b)
	case "error.responseType":
		return x.errorResponseType
	case "authorizer.error":
		return x.authorizerError
	}
	return ""
}

func positive(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// escapeJSON escapes s for the inside of a JSON string.
func escapeJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
