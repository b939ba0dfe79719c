// Package stack runs the whole API on this machine, as template.yaml
// and the OpenAPI definition it includes describe it, and from nothing
// else: Load reads the routes, the JWT authorizer, CORS, the access log
// format, the functions with their settings, environment, SQS event
// sources and S3 events, and the table, secrets, queues and buckets; Start
// builds the functions with the Makefile's own targets, starts DynamoDB
// Local (or uses a given DynamoDB) with the template's table, moto_server
// with its secrets and queues when it has some, and the local S3
// (s3server) with its buckets, whose notifications invoke the functions;
// runs the functions as Lambda does (package lambda) behind an HTTP API
// gateway (gateway) on loopback and polls their queues for them as
// Lambda's event source mappings do (eventsource), and has tokens minted
// by a local issuer (devauth) that the gateway trusts in place of Cognito,
// and which stands in for the user pool's AdminDeleteUser on a loopback
// port of its own.
//
// make dev runs it through cmd/localapi; the end-to-end tests start their
// own copies, with their own parameters, environment and extra routes.
package stack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/example/serverless-todo/internal/local/devauth"
	"github.com/example/serverless-todo/internal/local/dynamodblocal"
	"github.com/example/serverless-todo/internal/local/emulator"
	"github.com/example/serverless-todo/internal/local/gateway"
	"github.com/example/serverless-todo/internal/local/lambda"
	"github.com/example/serverless-todo/internal/local/moto"
	"github.com/example/serverless-todo/internal/local/s3server"
	"github.com/example/serverless-todo/pkg/awsconfig"
	"github.com/example/serverless-todo/pkg/secret"
	"github.com/example/serverless-todo/pkg/store"
)

// DefaultStateDir is the state folder, relative to the working directory:
// the dev signing key, the functions' binaries and DynamoDB Local's data.
const DefaultStateDir = ".local"

// Options configures Start. The zero value serves on a free loopback port
// with its state in DefaultStateDir.
type Options struct {
	// Addr is the gateway's address; empty means 127.0.0.1 on a free port.
	Addr string
	// StateDir keeps the dev signing key, the functions' binaries (in
	// functions/), DynamoDB Local's data (in dynamodb/) and the local S3's
	// objects (in s3/); empty means DefaultStateDir.
	StateDir string
	// InMemory keeps DynamoDB Local's data and the local S3's objects in
	// memory: they are gone when the API stops.
	InMemory bool
	// DynamoDBEndpoint is a DynamoDB to use, like a DynamoDB Local already
	// running; empty starts DynamoDB Local.
	DynamoDBEndpoint string
	// MotoEndpoint is a moto_server to use for the services DynamoDB Local
	// does not cover (Secrets Manager, SQS); empty starts one when the
	// template has resources it serves.
	MotoEndpoint string
	// QueueVisibilityTimeout, when not zero, replaces every queue's
	// visibility timeout: a test of a message that comes back after a
	// failure need not wait the template's minutes.
	QueueVisibilityTimeout time.Duration
	// S3Clock, when not nil, is the local S3's clock, by which presigned
	// URLs expire: a test of an expired URL moves it on rather than wait.
	S3Clock func() time.Time
	// Log receives the gateway's access log and everything the functions
	// write, and Lambda's platform lines, a whole line at a time, each
	// marked with the API's or the function's logical ID. Nil discards
	// them.
	Log io.Writer
}

// Stack is the API running on this machine.
type Stack struct {
	// URL is the gateway's base URL, like http://127.0.0.1:3000.
	URL string
	// DynamoDBEndpoint is the DynamoDB the functions use.
	DynamoDBEndpoint string
	// MotoEndpoint is the moto_server the functions use for Secrets
	// Manager and SQS; empty when the template has neither.
	MotoEndpoint string
	// Queues are the template's SQS queues as moto has them, with the
	// URLs it gave them, which the functions' environment holds too.
	Queues []Queue
	// CognitoEndpoint serves the one user pool action the functions call,
	// AdminDeleteUser, for the Issuer's users; the functions have it in
	// AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER.
	CognitoEndpoint string
	// S3Endpoint is the local S3 (package s3server) with the template's
	// buckets; empty when it has none. The functions have it in
	// AWS_ENDPOINT_URL_S3.
	S3Endpoint string
	// Issuer mints the tokens the gateway accepts, for any user.
	Issuer *devauth.Issuer

	server    *http.Server
	cognito   *http.Server
	functions *lambda.Service
	log       io.Writer
	// pollers are the event source mappings, which stopPollers ends.
	pollers     sync.WaitGroup
	stopPollers context.CancelFunc
	s3          *s3server.Server      // nil when the template has no bucket
	db          *dynamodblocal.Server // nil when DynamoDB was given
	moto        *moto.Server          // nil when given or not needed
	failed      chan error
	closing     chan struct{}
	closeOnce   sync.Once
	closeErr    error
}

// Start runs cfg: it builds the functions that have no Path, into the
// state folder, while DynamoDB Local starts; creates each table that does
// not exist; and serves the API. ctx bounds the start only; Close stops
// it all.
func Start(ctx context.Context, cfg *Config, opts Options) (_ *Stack, err error) {
	// Absolute: DynamoDB Local runs in its jar's folder.
	state, err := filepath.Abs(cmp.Or(opts.StateDir, DefaultStateDir))
	if err != nil {
		return nil, fmt.Errorf("stack: %w", err)
	}
	logw := &syncWriter{w: cmp.Or[io.Writer](opts.Log, io.Discard)}
	// The port first: a port in use fails the start before any work.
	ln, err := net.Listen("tcp", cmp.Or(opts.Addr, "127.0.0.1:0"))
	if err != nil {
		return nil, fmt.Errorf("stack: %w", err)
	}
	s := &Stack{
		URL: "http://" + ln.Addr().String(),
		// One for each server and process that can fail.
		failed:  make(chan error, 4),
		closing: make(chan struct{}),
		log:     logw,
	}
	defer func() {
		if err != nil {
			ln.Close()
			_ = s.Close(context.Background())
		}
	}()
	if s.Issuer, err = devauth.Open(state, devauth.Options{}); err != nil {
		return nil, err
	}

	cfg = cfg.clone()
	var wg sync.WaitGroup
	var buildErr, dbErr error
	wg.Go(func() { buildErr = cfg.Build(ctx, filepath.Join(state, "functions")) })
	s.DynamoDBEndpoint = opts.DynamoDBEndpoint
	if s.DynamoDBEndpoint == "" {
		wg.Go(func() {
			dbOpts := dynamodblocal.Options{}
			if !opts.InMemory {
				dbOpts.Dir = filepath.Join(state, "dynamodb")
			}
			if dbOpts.Jar, dbErr = dynamodblocal.FindJar(cfg.Dir); dbErr != nil {
				return
			}
			if s.db, dbErr = dynamodblocal.Start(ctx, dbOpts); dbErr == nil {
				s.DynamoDBEndpoint = s.db.Endpoint
			}
		})
	}
	var motoErr error
	s.MotoEndpoint = opts.MotoEndpoint
	if s.MotoEndpoint == "" && (len(cfg.Secrets) > 0 || len(cfg.Queues) > 0) {
		wg.Go(func() {
			if s.moto, motoErr = moto.Start(ctx, moto.Options{}); motoErr == nil {
				s.MotoEndpoint = s.moto.Endpoint
			}
		})
	}
	wg.Wait()
	if err := errors.Join(buildErr, dbErr, motoErr); err != nil {
		return nil, err
	}
	if err := s.createTables(ctx, cfg.Tables); err != nil {
		return nil, err
	}
	if len(cfg.Secrets) > 0 {
		if err := CreateSecrets(ctx, s.MotoEndpoint, cfg.Secrets); err != nil {
			return nil, err
		}
	}
	if len(cfg.Queues) > 0 {
		created, err := CreateQueues(ctx, s.MotoEndpoint, cfg.Queues, opts.QueueVisibilityTimeout)
		if err != nil {
			return nil, err
		}
		cfg.useQueues(created)
		s.Queues = created
	}
	if err := s.serveCognito(); err != nil {
		return nil, err
	}
	if len(cfg.Buckets) > 0 {
		dir := filepath.Join(state, "s3")
		if opts.InMemory {
			dir = ""
		}
		if err := s.serveS3(cfg.Buckets, dir, opts.S3Clock); err != nil {
			return nil, err
		}
	}

	fns := make([]lambda.Function, 0, len(cfg.Functions))
	for _, f := range cfg.Functions {
		env := maps.Clone(f.Env)
		if env == nil {
			env = map[string]string{}
		}
		maps.Copy(env, s.ServiceEndpoints(env))
		fns = append(fns, lambda.Function{Name: f.Name, Path: f.Path, Timeout: f.Timeout, MemoryMB: f.MemoryMB, LogFormat: f.LogFormat, Env: env})
	}
	if s.functions, err = lambda.New(lambda.Config{Functions: fns, Region: region, AccountID: accountID, Log: logw}); err != nil {
		return nil, err
	}
	s.startEventSources(cfg, s.functions.Invoke)

	authorizers := make(map[string]gateway.JWTAuthorizer, len(cfg.Authorizers))
	for name, a := range cfg.Authorizers {
		a.Issuer, a.Audience, a.Keys = s.Issuer.URL, []string{s.Issuer.Audience}, s.Issuer.PublicKeys()
		authorizers[name] = a
	}
	gw, err := gateway.New(gateway.Config{
		Routes:          cfg.Routes,
		Authorizers:     authorizers,
		CORS:            cfg.CORS,
		AccessLogFormat: cfg.AccessLogFormat,
		AccessLog:       &prefixWriter{prefix: []byte("[" + cfg.API + "] "), w: logw},
		AccountID:       accountID,
	}, s.functions)
	if err != nil {
		return nil, err
	}
	// No MaxHeaderBytes: the gateway applies API Gateway's own limit,
	// which http.Server's larger default leaves to it.
	s.server = &http.Server{
		Handler:           gw,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(&prefixWriter{prefix: []byte("[" + cfg.API + "] "), w: logw}, "", 0),
	}
	go func() {
		if err := s.server.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.failed <- fmt.Errorf("stack: the gateway stopped serving: %w", err)
		}
	}()
	started := map[string]*emulator.Process{}
	if s.db != nil {
		started["DynamoDB Local"] = s.db.Process
	}
	if s.moto != nil {
		started["moto_server"] = s.moto.Process
	}
	for name, p := range started {
		go func() {
			select {
			case <-p.Exited():
				s.failed <- errors.New("stack: " + name + " exited")
			case <-s.closing:
			}
		}()
	}
	return s, nil
}

// cognitoService is the SDK's name of Cognito's user pools in
// AWS_ENDPOINT_URL_<service>.
const cognitoService = "COGNITO_IDENTITY_PROVIDER"

// serveCognito serves the Issuer's stand-in for the user pool's
// AdminDeleteUser on a loopback port of its own.
func (s *Stack) serveCognito() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("stack: %w", err)
	}
	s.CognitoEndpoint = "http://" + ln.Addr().String()
	s.cognito = &http.Server{Handler: s.Issuer.CognitoHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.cognito.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.failed <- fmt.Errorf("stack: the user pool's stand-in stopped serving: %w", err)
		}
	}()
	return nil
}

// serveS3 runs the local S3 with the buckets. Their notifications invoke
// the functions, which start after it: the invoker reads them then.
func (s *Stack) serveS3(buckets []Bucket, dir string, clock func() time.Time) error {
	bs := make([]s3server.Bucket, len(buckets))
	for i, b := range buckets {
		bs[i] = s3server.Bucket{Name: b.Name, Notifications: b.Notifications}
	}
	srv, err := s3server.Start(s3server.Options{
		Buckets:     bs,
		Credentials: map[string]string{lambda.LocalAccessKeyID: lambda.LocalSecretAccessKey},
		Region:      region,
		Invoke: func(ctx context.Context, function string, payload []byte) ([]byte, error) {
			return s.functions.Invoke(ctx, function, payload)
		},
		Log: s.log,
		Now: clock,
		Dir: dir,
	})
	if err != nil {
		return fmt.Errorf("stack: %w", err)
	}
	s.s3, s.S3Endpoint = srv, srv.Endpoint
	return nil
}

// ServiceEndpoints returns the variables that point a function's SDK
// clients at the local services, leaving out those env sets already.
func (s *Stack) ServiceEndpoints(env map[string]string) map[string]string {
	out := map[string]string{}
	for variable, endpoint := range map[string]string{
		store.EnvEndpoint: s.DynamoDBEndpoint,
		awsconfig.EndpointVariable(secret.EndpointService): s.MotoEndpoint,
		awsconfig.EndpointVariable("SQS"):                  s.MotoEndpoint,
		awsconfig.EndpointVariable(cognitoService):         s.CognitoEndpoint,
		awsconfig.EndpointVariable("S3"):                   s.S3Endpoint,
	} {
		if _, set := env[variable]; !set && endpoint != "" {
			out[variable] = endpoint
		}
	}
	return out
}

func (s *Stack) createTables(ctx context.Context, tables []Table) error {
	client := dynamodblocal.Client(s.DynamoDBEndpoint)
	for _, tb := range tables {
		if err := ensureTable(ctx, client, tb); err != nil {
			return fmt.Errorf("stack: %w", err)
		}
	}
	return nil
}

// PIDs returns the process IDs of the running execution environments of
// the named function.
func (s *Stack) PIDs(function string) []int {
	return s.functions.PIDs(function)
}

// Wait returns nil when ctx ends, or an error as soon as the API fails: the
// gateway or the user pool's stand-in stops serving, or the DynamoDB Local
// or moto_server it started exits.
func (s *Stack) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-s.failed:
		// Ctrl-C reaches DynamoDB Local too, and may end it first.
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
}

// Close stops the API: the gateway takes no more requests and finishes
// those in flight, the event source mappings stop and Close waits for
// them (a batch under way is cut short with its function, and its
// messages come back after their visibility timeout, as after a crash),
// then the functions' processes get SIGTERM, and so do DynamoDB Local and
// moto_server if Start started them. When ctx ends first, what is left is
// killed. Close returns once every process is gone.
func (s *Stack) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		close(s.closing)
		var errs []error
		if s.server != nil {
			if err := s.server.Shutdown(ctx); err != nil {
				errs = append(errs, err, s.server.Close())
			}
		}
		// The mappings before the functions: none starts an invocation
		// the functions' stop would cut short.
		if s.stopPollers != nil {
			s.stopPollers()
			s.pollers.Wait()
		}
		if s.cognito != nil {
			errs = append(errs, s.cognito.Close())
		}
		// Before the functions: no notification starts an invocation
		// their stop would cut short.
		if s.s3 != nil {
			errs = append(errs, s.s3.Close())
		}
		if s.functions != nil {
			errs = append(errs, s.functions.Close(ctx))
		}
		if s.db != nil {
			s.db.Stop()
		}
		if s.moto != nil {
			s.moto.Stop()
		}
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("stack: close: %w", err)
		}
	})
	return s.closeErr
}

// clone copies c deeply enough that Start's builds leave the caller's
// Config as it was.
func (c *Config) clone() *Config {
	out := *c
	out.Routes = slices.Clone(c.Routes)
	out.Functions = slices.Clone(c.Functions)
	for i := range out.Functions {
		out.Functions[i].Env = maps.Clone(out.Functions[i].Env)
	}
	out.Tables = slices.Clone(c.Tables)
	out.Secrets = slices.Clone(c.Secrets)
	out.Queues = slices.Clone(c.Queues)
	out.EventSources = slices.Clone(c.EventSources)
	out.Buckets = slices.Clone(c.Buckets)
	return &out
}

// syncWriter serializes writes from the gateway and the functions, so
// that each line stays whole in a writer that is not safe for concurrent
// use.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// prefixWriter marks what it passes on with a prefix; its writers write a
// whole line at a time, as the gateway's access log does.
type prefixWriter struct {
	prefix []byte
	w      io.Writer
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	if _, err := p.w.Write(append(slices.Clip(p.prefix), b...)); err != nil {
		return 0, err
	}
	return len(b), nil
}
