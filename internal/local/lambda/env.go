package lambda

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// initTimeoutType is the error type of an init phase that ran too long.
const initTimeoutType = "Sandbox.Timedout"

// env is one execution environment: a function process and the Runtime
// API endpoint that only it talks to.
type env struct {
	p      *pool
	fn     *Function
	prefix string // marks the log lines: "[Name] "

	// events hands invocations to the runtime's next-invocation request.
	events chan *invocation
	// ready is closed by the runtime's first next-invocation request: the
	// end of the init phase.
	ready      chan struct{}
	readyOnce  sync.Once
	initFailed chan *InitError
	// exited is closed once the process has ended and waitErr is set.
	exited   chan struct{}
	waitErr  error
	stopping chan struct{} // closed by terminate, for extensions' SHUTDOWN
	stopOnce sync.Once

	ln          net.Listener
	srv         *http.Server
	releaseOnce sync.Once
	cmd         *exec.Cmd
	started     time.Time
	stdout      *funcOutput
	stderr      *funcOutput

	// mu guards what follows.
	mu           sync.Mutex
	current      *invocation // handed to the runtime, not yet answered
	initDuration time.Duration
	firstReport  bool // the next REPORT is the environment's first: it has an Init Duration
	initErrorSet bool
	extensions   map[string][]string // extension ID -> events it registered for
	peakKB       int64
}

// invocation is one event on its way through an environment.
type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	traceID  string
	result   chan result // buffered: whoever answers never blocks
}

// outcome is what an invocation left: its result, and the state of the
// environment.
type outcome struct {
	result
	healthy     bool // the environment can serve the next invocation
	undelivered bool // the process ended before it took the event
}

// newEnv opens the environment's Runtime API endpoint on a free loopback
// port. It serves, and the process runs, from startProcess on.
func newEnv(p *pool) (*env, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("lambda: runtime API listener: %w", err)
	}
	e := &env{
		p:          p,
		fn:         &p.fn,
		prefix:     "[" + p.fn.Name + "] ",
		events:     make(chan *invocation),
		ready:      make(chan struct{}),
		initFailed: make(chan *InitError, 1),
		exited:     make(chan struct{}),
		stopping:   make(chan struct{}),
		ln:         ln,
		extensions: make(map[string][]string),
	}
	// No timeouts: the runtime's next-invocation request waits as long as
	// there is no event, as Lambda's does.
	e.srv = &http.Server{Handler: e.runtimeAPI()}
	return e, nil
}

// startProcess starts the function's bootstrap with Lambda's environment,
// its output going to the log.
func (e *env) startProcess() error {
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		return err
	}
	stderrR, stderrW, err := os.Pipe()
	if err != nil {
		stdoutR.Close()
		stdoutW.Close()
		return err
	}
	cmd := exec.Command(e.fn.Path)
	// Lambda runs the bootstrap in LAMBDA_TASK_ROOT, where the code is.
	cmd.Dir = filepath.Dir(e.fn.Path)
	cmd.Env = e.environ()
	cmd.Stdout, cmd.Stderr = stdoutW, stderrW
	cmd.SysProcAttr = sysProcAttr()
	e.cmd = cmd
	e.started = time.Now()
	go e.srv.Serve(e.ln)
	err = cmd.Start()
	// The child has its own copies; the log readers see the end of the
	// output when the child's are closed.
	stdoutW.Close()
	stderrW.Close()
	if err != nil {
		e.cmd = nil
		stdoutR.Close()
		stderrR.Close()
		return err
	}
	e.stdout = newFuncOutput(stdoutR, e.prefix, e.p.svc.log)
	e.stderr = newFuncOutput(stderrR, e.prefix, e.p.svc.log)
	go func() {
		e.waitErr = cmd.Wait()
		close(e.exited)
	}()
	return nil
}

// waitInit waits for the end of the init phase: the runtime's first
// request for an event.
func (e *env) waitInit(timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-e.ready:
		return nil
	case ie := <-e.initFailed:
		return ie
	case <-e.exited:
		// A runtime that reports its init error exits next: the report
		// says more than the exit status.
		select {
		case ie := <-e.initFailed:
			return ie
		default:
		}
		if e.p.svc.isClosed() {
			return ErrClosed
		}
		e.drainOutput()
		return &InitError{
			Function: e.fn.Name,
			Type:     "Runtime.ExitError",
			Message:  "Runtime exited with error: " + e.waitErr.Error(),
		}
	case <-t.C:
		return &InitError{
			Function: e.fn.Name,
			Type:     initTimeoutType,
			Message:  fmt.Sprintf("Init phase timed out after %.2f seconds", timeout.Seconds()),
		}
	case <-e.p.svc.closing:
		return ErrClosed
	}
}

// invoke hands payload to the runtime and waits for its answer, the end of
// the process, or the function's timeout.
func (e *env) invoke(payload []byte) outcome {
	inv := &invocation{
		id:      newUUID(),
		payload: payload,
		traceID: newTraceID(),
		result:  make(chan result, 1),
	}
	start := time.Now()
	inv.deadline = start.Add(e.fn.Timeout)
	timer := time.NewTimer(e.fn.Timeout)
	defer timer.Stop()

	select {
	case e.events <- inv:
	case <-e.exited:
		return outcome{result: result{err: e.crashError(inv)}, undelivered: true}
	case <-timer.C:
		// The runtime never asked for the event.
		e.platformStart(inv)
		return e.timedOut(inv, start)
	}

	select {
	case r := <-inv.result:
		e.drainOutput()
		e.report(inv, time.Since(start), succeeded)
		return outcome{result: r, healthy: true}
	case <-e.exited:
		// A runtime that answers and then exits (as aws-lambda-go does
		// after a panic) has still answered.
		select {
		case r := <-inv.result:
			e.drainOutput()
			e.report(inv, time.Since(start), succeeded)
			return outcome{result: r}
		default:
		}
		if e.p.svc.isClosed() {
			return outcome{result: result{err: ErrClosed}}
		}
		e.drainOutput()
		e.platformCrash(inv)
		e.report(inv, time.Since(start), exited)
		return outcome{result: result{err: e.crashError(inv)}}
	case <-timer.C:
		return e.timedOut(inv, start)
	}
}

// timedOut ends an invocation that ran past the function's timeout: as
// Lambda does, it stops the environment so that the next invocation starts
// clean.
func (e *env) timedOut(inv *invocation, start time.Time) outcome {
	e.sampleMemory()
	e.kill()
	e.drainOutput()
	e.platformTimeout(inv)
	e.report(inv, time.Since(start), timedOut)
	return outcome{result: result{err: &TimeoutError{Function: e.fn.Name, RequestID: inv.id, Timeout: e.fn.Timeout}}}
}

func (e *env) crashError(inv *invocation) error {
	return &CrashError{Function: e.fn.Name, RequestID: inv.id, ExitStatus: e.exitStatus()}
}

// exitStatus says how the process ended, as os/exec words it: an exit with
// status 0 mid-invocation is a crash too.
func (e *env) exitStatus() string {
	if e.waitErr == nil {
		return "exit status 0"
	}
	return e.waitErr.Error()
}

// report writes the END and REPORT records of an invocation.
func (e *env) report(inv *invocation, took time.Duration, o outcomeStatus) {
	e.mu.Lock()
	first := e.firstReport
	e.firstReport = false
	initDuration := e.initDuration
	e.mu.Unlock()

	billed := took
	if first {
		// provided.al2023, a custom runtime, is billed for its init phase.
		billed += initDuration
	}
	peakKB := e.maxMemoryKB()
	e.platformEnd(inv, took, billed, initDuration, first, peakKB, o)
	if e.p.svc.onReport != nil {
		r := Report{Function: e.fn.Name, RequestID: inv.id, Duration: took, MaxMemoryKB: peakKB}
		if first {
			r.InitDuration = initDuration
		}
		e.p.svc.onReport(r)
	}
}

// maxMemoryKB returns the most memory the process has held.
func (e *env) maxMemoryKB() int64 {
	e.sampleMemory()
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.peakKB
}

// sampleMemory updates the process's peak memory while it runs, and from
// its resource usage once it has ended.
func (e *env) sampleMemory() {
	var kb int64
	var ok bool
	select {
	case <-e.exited:
		kb, ok = exitedPeakKB(e.cmd.ProcessState)
	default:
		kb, ok = peakMemoryKB(e.cmd.Process.Pid)
	}
	if ok {
		e.mu.Lock()
		e.peakKB = max(e.peakKB, kb)
		e.mu.Unlock()
	}
}

// markReady ends the init phase; the runtime's first request for an event
// calls it.
func (e *env) markReady() {
	e.readyOnce.Do(func() {
		e.mu.Lock()
		e.initDuration = time.Since(e.started)
		e.firstReport = true
		e.mu.Unlock()
		close(e.ready)
	})
}

// take returns the invocation in flight if its ID is id, and ends it: a
// runtime answers each invocation once.
func (e *env) take(id string) *invocation {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.current == nil || e.current.id != id {
		return nil
	}
	inv := e.current
	e.current = nil
	return inv
}

// state names the runtime's state as the Runtime API's errors do.
func (e *env) state() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	select {
	case <-e.ready:
	default:
		if e.initErrorSet {
			return "InitError"
		}
		return "Started"
	}
	if e.current != nil {
		return "Running"
	}
	return "Ready"
}

func (e *env) alive() bool {
	select {
	case <-e.exited:
		return false
	default:
		return e.cmd != nil
	}
}

// terminate asks the process to stop: the SHUTDOWN event for extensions
// that want it, and SIGTERM.
func (e *env) terminate() {
	e.stopOnce.Do(func() { close(e.stopping) })
	if e.alive() {
		_ = e.cmd.Process.Signal(syscall.SIGTERM)
	}
}

// kill ends the process at once and waits until it is gone.
func (e *env) kill() {
	if e.cmd == nil {
		return
	}
	if e.alive() {
		_ = e.cmd.Process.Kill()
	}
	<-e.exited
}

// release closes the Runtime API endpoint, once the process is gone or
// never started.
func (e *env) release() {
	e.releaseOnce.Do(func() {
		e.stopOnce.Do(func() { close(e.stopping) })
		_ = e.srv.Close()
	})
}

// drainOutput passes on what the process has written and the log has not
// had yet, so that an invocation's own lines come before its END line.
func (e *env) drainOutput() {
	if e.stdout != nil {
		e.stdout.drain()
		e.stderr.drain()
	}
}

// platform writes one of Lambda's own log lines.

func (e *env) sinceStart() time.Duration { return time.Since(e.started) }

func (e *env) arn() string {
	s := e.p.svc
	return "arn:aws:lambda:" + s.region + ":" + s.accountID + ":function:" + e.fn.Name
}

func (s *Service) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
