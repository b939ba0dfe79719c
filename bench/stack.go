package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/example/serverless-todo/internal/local/devauth"
	"github.com/example/serverless-todo/internal/local/gateway"
	"github.com/example/serverless-todo/internal/local/lambda"
	"github.com/example/serverless-todo/internal/local/stack"
	"github.com/example/serverless-todo/pkg/awsconfig"
	"github.com/example/serverless-todo/pkg/secret"
	"github.com/example/serverless-todo/pkg/store"
)

// lab is what every benchmark of the running API shares: the template's
// API as package stack reads it, the binaries built for this machine, the
// DynamoDB they use, the token issuer the gateway trusts, and the
// notifier's endpoint.
type lab struct {
	cfg      *stack.Config
	subjects []*subject
	endpoint string
	// motoEndpoint serves the secrets.
	motoEndpoint string
	issuer       *devauth.Issuer
}

// functions returns the template's functions and the hello and sdkfloor
// baselines, as the local Lambda service runs them: each with its binary built for this
// machine and its environment from the template, plus the DynamoDB to use.
// The baselines get the functions' memory size and no environment of their
// own: the SDK floor only builds a client.
func (l *lab) functions() ([]lambda.Function, error) {
	var out []lambda.Function
	memory := 0
	for _, f := range l.cfg.Functions {
		s := l.subject(f.Name)
		if s == nil {
			return nil, fmt.Errorf("bench: %s was not built", f.Name)
		}
		env := maps.Clone(f.Env)
		env[store.EnvEndpoint] = l.endpoint
		env[awsconfig.EndpointVariable(secret.EndpointService)] = l.motoEndpoint
		out = append(out, lambda.Function{Name: f.Name, Path: s.Host, Timeout: f.Timeout, MemoryMB: f.MemoryMB, LogFormat: f.LogFormat, Env: env})
		memory = f.MemoryMB
	}
	for _, name := range []string{hello, sdkFloor} {
		out = append(out, lambda.Function{Name: name, Path: l.subject(name).Host, MemoryMB: memory})
	}
	return out, nil
}

func (l *lab) subject(name string) *subject {
	for _, s := range l.subjects {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// function returns the logical ID of the function that serves route.
func (l *lab) function(route string) (string, error) {
	for _, r := range l.cfg.Routes {
		if r.Key == route {
			return r.Function, nil
		}
	}
	return "", fmt.Errorf("bench: openapi.yaml has no route %s", route)
}

// gateway returns the gateway of the template's API, invoking functions
// through inv, with a route to each baseline beside the API's own, behind
// the same JWT authorizer as /todos: requests to the baselines cost the
// gateway what requests to the functions cost it.
func (l *lab) gateway(inv gateway.Invoker, accessLog io.Writer) (*gateway.Gateway, error) {
	routes := slices.Clone(l.cfg.Routes)
	authorizer := ""
	for _, r := range l.cfg.Routes {
		authorizer = cmp.Or(authorizer, r.Authorizer)
	}
	for _, name := range []string{hello, sdkFloor} {
		routes = append(routes, gateway.Route{Key: baselineRoute(name), Function: name, Authorizer: authorizer})
	}
	authorizers := make(map[string]gateway.JWTAuthorizer, len(l.cfg.Authorizers))
	for name, a := range l.cfg.Authorizers {
		a.Issuer, a.Audience, a.Keys = l.issuer.URL, []string{l.issuer.Audience}, l.issuer.PublicKeys()
		authorizers[name] = a
	}
	return gateway.New(gateway.Config{
		Routes:          routes,
		Authorizers:     authorizers,
		CORS:            l.cfg.CORS,
		AccessLogFormat: l.cfg.AccessLogFormat,
		AccessLog:       accessLog,
	}, inv)
}

// api is the API served on loopback, its functions warm between requests,
// as make dev serves it.
type api struct {
	URL string
	svc *lambda.Service
	srv *server
}

// server serves a handler on a free loopback port.
type server struct {
	URL string
	srv *http.Server
}

func listen(h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{URL: "http://" + ln.Addr().String(), srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go s.srv.Serve(ln)
	return s, nil
}

// Close stops the server once the requests in flight are answered.
func (s *server) Close(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// serve starts the API. Every invocation's REPORT goes to onReport, and
// the functions' logs and the access log to the meter.
func (l *lab) serve(onReport func(lambda.Report), meter *logMeter) (*api, error) {
	fns, err := l.functions()
	if err != nil {
		return nil, err
	}
	svc, err := lambda.New(lambda.Config{Functions: fns, Log: meter.functions(), OnReport: onReport})
	if err != nil {
		return nil, err
	}
	gw, err := l.gateway(svc, meter.accessLog())
	if err != nil {
		return nil, errors.Join(err, svc.Close(context.Background()))
	}
	srv, err := listen(gw)
	if err != nil {
		return nil, errors.Join(err, svc.Close(context.Background()))
	}
	return &api{URL: srv.URL, svc: svc, srv: srv}, nil
}

// Close stops the server and every function process.
func (a *api) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return errors.Join(a.srv.Close(ctx), a.svc.Close(ctx))
}

// coldInvoker runs each invocation in an execution environment of its own,
// a cold start every time: a new Service with the one function, closed
// once it has answered.
type coldInvoker struct {
	functions map[string]lambda.Function
	onReport  func(lambda.Report)
}

func (c *coldInvoker) Invoke(ctx context.Context, name string, payload []byte) ([]byte, error) {
	fn, ok := c.functions[name]
	if !ok {
		return nil, fmt.Errorf("%w: %s", lambda.ErrFunctionNotFound, name)
	}
	svc, err := lambda.New(lambda.Config{Functions: []lambda.Function{fn}, OnReport: c.onReport})
	if err != nil {
		return nil, err
	}
	out, err := svc.Invoke(ctx, name, payload)
	return out, errors.Join(err, svc.Close(ctx))
}

// logMeter counts the bytes of the log lines each function writes, and of
// the access log, as CloudWatch Logs would ingest them: without the marks
// the local Lambda service puts before a function's lines.
type logMeter struct {
	mu     sync.Mutex
	bytes  map[string]int64 // by function name; "" for the access log
	lines  map[string]int64
	record bool
}

func newLogMeter() *logMeter {
	return &logMeter{bytes: map[string]int64{}, lines: map[string]int64{}}
}

// start forgets what was counted and counts from now on; a new meter
// counts nothing until it starts.
func (m *logMeter) start() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.record = true
	clear(m.bytes)
	clear(m.lines)
}

func (m *logMeter) add(name string, line []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.record {
		m.bytes[name] += int64(len(line))
		m.lines[name]++
	}
}

// functions is the Service's log: lines like "[Name] text\n".
func (m *logMeter) functions() io.Writer {
	return writerFunc(func(p []byte) {
		name, line, ok := bytes.Cut(p, []byte("] "))
		if !ok || len(name) == 0 || name[0] != '[' {
			return
		}
		m.add(string(name[1:]), bytes.TrimSuffix(line, []byte("\n")))
	})
}

// accessLog is the gateway's access log: one line a request.
func (m *logMeter) accessLog() io.Writer {
	return writerFunc(func(p []byte) { m.add("", bytes.TrimSuffix(p, []byte("\n"))) })
}

// count returns the bytes and lines counted for name, a function's or ""
// for the access log.
func (m *logMeter) count(name string) (bytes, lines int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bytes[name], m.lines[name]
}

type writerFunc func(p []byte)

func (w writerFunc) Write(p []byte) (int, error) {
	w(p)
	return len(p), nil
}

// target is a binary a measurement sends requests to, and how.
type target struct {
	function string
	request  func() (*http.Request, error)
	status   int
}

// targets returns a target for each operation of the workload, to its
// route's function, then one for each floor, all through the gateway at
// url.
func (l *lab) targets(ctx context.Context, fx *fixture, url string) ([]target, error) {
	var out []target
	for _, op := range operations {
		fn, err := l.function(op.Route)
		if err != nil {
			return nil, err
		}
		out = append(out, target{fn, func() (*http.Request, error) { return fx.request(ctx, url, op) }, op.Status})
	}
	for _, name := range []string{hello, sdkFloor} {
		out = append(out, target{name, func() (*http.Request, error) { return fx.baselineRequest(ctx, url, name) }, http.StatusOK})
	}
	return out, nil
}
