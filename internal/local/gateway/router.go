package gateway

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// route is a Route, parsed.
type route struct {
	Route
	method     string   // an HTTP method, or ANY; empty for $default
	segments   []string // the path's segments: literals, {var}, {var+}
	greedy     bool     // the last segment is a greedy variable
	isDefault  bool
	authorizer *authorizer
}

var methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"}

func parseRoute(r Route) (*route, error) {
	rt := &route{Route: r}
	if r.Key == "$default" {
		rt.isDefault = true
		return rt, nil
	}
	method, path, ok := strings.Cut(r.Key, " ")
	if !ok || !slices.Contains(methods, method) || !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("route key %q is not \"$default\" or a method and a path", r.Key)
	}
	rt.method = method
	rt.segments = strings.Split(path[1:], "/")
	for i, seg := range rt.segments {
		name, isVar := variable(seg)
		switch {
		case !isVar:
			if strings.ContainsAny(seg, "{}") {
				return nil, fmt.Errorf("route %q: segment %q is not a literal or a whole {variable}", r.Key, seg)
			}
		case name == "" || name == "+":
			return nil, fmt.Errorf("route %q: a path variable has no name", r.Key)
		case strings.HasSuffix(name, "+"):
			if i != len(rt.segments)-1 {
				return nil, fmt.Errorf("route %q: the greedy variable %s must end the path", r.Key, seg)
			}
			rt.greedy = true
		}
	}
	return rt, nil
}

// variable returns the name of a path variable segment, {name} or
// {name+}.
func variable(seg string) (string, bool) {
	if len(seg) >= 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

// match picks the route for a request as HTTP APIs do
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html#http-api-develop-routes.evaluation):
// a full match of path and method first, then a match with a greedy path
// variable, then $default. Among several, the more specific path wins: a
// literal segment over a variable, from the left, and a greedy variable
// further right over one further left; on the same path, the method over
// ANY, which only takes methods the path has no route for.
func match(routes []*route, method, escapedPath string) (*route, map[string]string) {
	var best *route
	var bestParams map[string]string
	for _, rt := range routes {
		params, ok := rt.match(method, escapedPath)
		if ok && (best == nil || moreSpecific(rt, best)) {
			best, bestParams = rt, params
		}
	}
	return best, bestParams
}

// match reports whether rt takes the request, with its path parameters,
// decoded.
func (rt *route) match(method, escapedPath string) (map[string]string, bool) {
	if rt.isDefault {
		return nil, true
	}
	if rt.method != "ANY" && rt.method != method {
		return nil, false
	}
	if !strings.HasPrefix(escapedPath, "/") {
		return nil, false
	}
	segs := strings.Split(escapedPath[1:], "/")
	fixed := rt.segments
	if rt.greedy {
		fixed = fixed[:len(fixed)-1]
		if len(segs) <= len(fixed) {
			return nil, false
		}
	} else if len(segs) != len(fixed) {
		return nil, false
	}
	var params map[string]string
	for i, seg := range fixed {
		value := unescapePath(segs[i])
		name, isVar := variable(seg)
		switch {
		case !isVar && value != seg:
			return nil, false
		case isVar && value == "":
			return nil, false
		case isVar:
			if params == nil {
				params = make(map[string]string)
			}
			params[name] = value
		}
	}
	if rt.greedy {
		rest := unescapePath(strings.Join(segs[len(fixed):], "/"))
		if rest == "" {
			return nil, false
		}
		name, _ := variable(rt.segments[len(rt.segments)-1])
		if params == nil {
			params = make(map[string]string)
		}
		params[strings.TrimSuffix(name, "+")] = rest
	}
	return params, true
}

// moreSpecific reports whether a should win over b when both match.
func moreSpecific(a, b *route) bool {
	if c := cmp.Compare(a.class(), b.class()); c != 0 {
		return c < 0
	}
	if c := slices.Compare(a.specificity(), b.specificity()); c != 0 {
		return c > 0
	}
	return a.method != "ANY" && b.method == "ANY"
}

// class ranks the kinds of match: full, greedy, $default.
func (rt *route) class() int {
	switch {
	case rt.isDefault:
		return 2
	case rt.greedy:
		return 1
	}
	return 0
}

// specificity scores each segment of the path: literal 2, variable 1,
// greedy variable 0.
func (rt *route) specificity() []int {
	score := make([]int, len(rt.segments))
	for i, seg := range rt.segments {
		name, isVar := variable(seg)
		switch {
		case !isVar:
			score[i] = 2
		case !strings.HasSuffix(name, "+"):
			score[i] = 1
		}
	}
	return score
}

func unescapePath(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}
