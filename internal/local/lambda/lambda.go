// Package lambda runs Lambda functions on this machine the way Lambda
// runs them. A function is its real bootstrap binary, started in an
// execution environment: a process with Lambda's environment variables and
// its own implementation of the Lambda Runtime API on loopback. An
// environment serves one invocation at a time, stays warm between
// invocations, and is replaced when its process crashes or runs past the
// function's timeout; more environments start under concurrency, up to a
// limit per function.
//
// The Service writes Lambda's platform lines (START, END, REPORT) and the
// functions' own output to one log, each line whole and marked with the
// function's name.
package lambda

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Defaults for the zero values of Function and Config fields, as Lambda has
// them.
const (
	DefaultTimeout        = 3 * time.Second
	DefaultMemoryMB       = 128
	DefaultMaxConcurrency = 10
	DefaultRegion         = "us-east-1"
	DefaultAccountID      = "123456789012"
	// DefaultInitTimeout is Lambda's limit on the init phase of an
	// on-demand environment.
	DefaultInitTimeout = 10 * time.Second
	// DefaultShutdownTimeout is how long Close lets a process end after
	// SIGTERM before it kills it.
	DefaultShutdownTimeout = 2 * time.Second
)

// MaxPayloadBytes is Lambda's limit on a synchronous invocation's request
// and on its response: 6 MB, plus the 100 bytes of slack the Runtime API
// allows.
const MaxPayloadBytes = 6*1024*1024 + 100

// Function describes one function, as template.yaml does.
type Function struct {
	// Name identifies the function in Invoke and in the logs, like the
	// template's logical ID (CreateTodoFunction).
	Name string
	// Path is the function's bootstrap binary, built for this machine.
	Path string
	// Timeout bounds one invocation; 0 means DefaultTimeout.
	Timeout time.Duration
	// MemoryMB is reported to the function and in REPORT lines; 0 means
	// DefaultMemoryMB. It is not enforced.
	MemoryMB int
	// LogFormat is the LoggingConfig's: LogFormatText (the default) or
	// LogFormatJSON, in which the platform writes its records as JSON.
	LogFormat string
	// Env holds the function's own environment variables. Names Lambda
	// reserves (AWS_REGION, _HANDLER, ...) are refused, as Lambda refuses
	// them.
	Env map[string]string
	// MaxConcurrency caps the function's execution environments; 0 means
	// DefaultMaxConcurrency. Invocations beyond it wait for a free
	// environment until their context ends.
	MaxConcurrency int
}

// Config configures a Service.
type Config struct {
	Functions []Function
	// Region and AccountID appear in the functions' environment and ARNs;
	// empty means DefaultRegion and DefaultAccountID.
	Region    string
	AccountID string
	// Log receives platform lines and the functions' output; nil
	// discards them.
	Log io.Writer
	// InitTimeout bounds a cold start, from process start to its first
	// request for an event; 0 means DefaultInitTimeout.
	InitTimeout time.Duration
	// ShutdownTimeout is how long Close waits after SIGTERM before it
	// kills; 0 means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
	// OnReport, if set, receives what each invocation's REPORT line says,
	// for programs that measure functions rather than read their logs.
	OnReport func(Report)
}

// Report is what Lambda reports of an invocation.
type Report struct {
	Function  string
	RequestID string
	// Duration is the invocation's own time, from the event's delivery to
	// the function's answer.
	Duration time.Duration
	// InitDuration is the time from the start of the process to its first
	// request for an event, on the environment's first invocation (a cold
	// start); zero otherwise.
	InitDuration time.Duration
	// MaxMemoryKB is the most memory the process has held so far.
	MaxMemoryKB int64
}

// Service runs functions. It is safe for concurrent use.
type Service struct {
	region, accountID string
	initTimeout       time.Duration
	shutdownTimeout   time.Duration
	log               *lineLog
	onReport          func(Report)
	pools             map[string]*pool

	mu      sync.Mutex
	closed  bool
	closing chan struct{}
	workers sync.WaitGroup
}

// New checks cfg and returns a Service. No process starts until the first
// invocation of a function.
func New(cfg Config) (*Service, error) {
	s := &Service{
		region:          cmp.Or(cfg.Region, DefaultRegion),
		accountID:       cmp.Or(cfg.AccountID, DefaultAccountID),
		initTimeout:     cmp.Or(cfg.InitTimeout, DefaultInitTimeout),
		shutdownTimeout: cmp.Or(cfg.ShutdownTimeout, DefaultShutdownTimeout),
		log:             &lineLog{w: cfg.Log},
		onReport:        cfg.OnReport,
		pools:           make(map[string]*pool, len(cfg.Functions)),
		closing:         make(chan struct{}),
	}
	if s.log.w == nil {
		s.log.w = io.Discard
	}
	for _, fn := range cfg.Functions {
		if fn.Name == "" {
			return nil, errors.New("lambda: a function has no name")
		}
		if _, dup := s.pools[fn.Name]; dup {
			return nil, fmt.Errorf("lambda: function %s is configured twice", fn.Name)
		}
		if err := checkEnv(fn.Env); err != nil {
			return nil, fmt.Errorf("lambda: function %s: %w", fn.Name, err)
		}
		info, err := os.Stat(fn.Path)
		if err != nil {
			return nil, fmt.Errorf("lambda: function %s: %w", fn.Name, err)
		}
		if info.IsDir() || info.Mode().Perm()&0o111 == 0 {
			return nil, fmt.Errorf("lambda: function %s: %s is not an executable file", fn.Name, fn.Path)
		}
		fn.Timeout = cmp.Or(fn.Timeout, DefaultTimeout)
		fn.MemoryMB = cmp.Or(fn.MemoryMB, DefaultMemoryMB)
		fn.MaxConcurrency = cmp.Or(fn.MaxConcurrency, DefaultMaxConcurrency)
		s.pools[fn.Name] = &pool{
			svc:   s,
			fn:    fn,
			slots: make(chan struct{}, fn.MaxConcurrency),
			live:  make(map[*env]struct{}),
		}
	}
	return s, nil
}

// Invoke runs the named function with payload, a JSON event, and returns
// what the function returned. It waits for a free execution environment,
// starting one if none is warm. Its errors are *FunctionError,
// *CrashError, *TimeoutError, *InitError, ErrFunctionNotFound,
// ErrPayloadTooLarge, ErrClosed, or ctx's error.
//
// When ctx ends during an invocation, Invoke returns at once but the
// function runs on to its end or its timeout, as it does in Lambda, and its
// environment stays busy until then.
func (s *Service) Invoke(ctx context.Context, name string, payload []byte) ([]byte, error) {
	p, ok := s.pools[name]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrFunctionNotFound, name)
	}
	if len(payload) > MaxPayloadBytes {
		return nil, fmt.Errorf("%w: %d bytes", ErrPayloadTooLarge, len(payload))
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.closing:
		return nil, ErrClosed
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-p.slots
		return nil, ErrClosed
	}
	s.workers.Add(1)
	s.mu.Unlock()

	done := make(chan result, 1)
	go func() {
		defer s.workers.Done()
		defer func() { <-p.slots }()
		done <- p.invoke(payload)
	}()
	select {
	case r := <-done:
		return r.payload, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close stops every function process: SIGTERM first, then, for those
// still running after the shutdown timeout or when ctx ends, SIGKILL. It
// returns once all of them are gone. Invocations still running fail with
// ErrClosed, and later ones are refused.
func (s *Service) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.closing)
	s.mu.Unlock()

	var envs []*env
	for _, p := range s.pools {
		envs = append(envs, p.shutdown()...)
	}
	for _, e := range envs {
		e.terminate()
	}
	grace := time.NewTimer(s.shutdownTimeout)
	defer grace.Stop()
	expired := false
	for _, e := range envs {
		if !expired {
			select {
			case <-e.exited:
				continue
			case <-grace.C:
				expired = true
			case <-ctx.Done():
				expired = true
			}
		}
		// Past the grace period: kill this one and every one left.
		e.kill()
	}
	s.workers.Wait()
	return ctx.Err()
}

// result is the outcome of one invocation.
type result struct {
	payload []byte
	err     error
}
