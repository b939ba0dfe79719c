package gateway

import (
	"net/http"
	"strconv"
	"strings"
)

// CORS as HTTP APIs do it
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html):
// the gateway answers preflight requests itself, adds the CORS headers to
// responses for allowed origins, and drops the CORS headers of functions.
// A request from an origin not allowed gets no CORS headers, which is what
// makes the browser refuse it.

// allowedOrigin returns the Access-Control-Allow-Origin value for origin,
// if the configuration allows it.
func (c *CORS) allowedOrigin(origin string) (string, bool) {
	if origin == "" {
		return "", false
	}
	for _, allowed := range c.AllowOrigins {
		switch {
		case allowed == "*" && !c.AllowCredentials:
			return "*", true
		case allowed == "*", strings.EqualFold(allowed, origin):
			return origin, true
		}
	}
	return "", false
}

// preflight sets the headers of the answer to a preflight request.
func (c *CORS) preflight(h http.Header, origin string) {
	allowed, ok := c.allowedOrigin(origin)
	if !ok {
		return
	}
	h.Set("Access-Control-Allow-Origin", allowed)
	if len(c.AllowMethods) > 0 {
		h.Set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
	}
	if len(c.AllowHeaders) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ","))
	}
	if c.MaxAge > 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(c.MaxAge))
	}
	if c.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

// decorate replaces a response's CORS headers with the configuration's.
func (c *CORS) decorate(h http.Header, origin string) {
	for name := range h {
		if strings.HasPrefix(name, "Access-Control-") {
			delete(h, name)
		}
	}
	allowed, ok := c.allowedOrigin(origin)
	if !ok {
		return
	}
	h.Set("Access-Control-Allow-Origin", allowed)
	if len(c.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposeHeaders, ","))
	}
	if c.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}
