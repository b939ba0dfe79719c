// Package emulator runs a local stand-in for an AWS service as a child
// process serving HTTP on a loopback port: DynamoDB Local and moto both
// run this way. It starts the process, waits until it answers, and stops
// it; on Linux the process also ends when its parent dies, so it never
// outlives a test run or an interrupted make dev.
package emulator

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Spec says what to run.
type Spec struct {
	// Name names the emulator in errors, like "dynamodblocal".
	Name string
	// Command and Args are the program and its arguments; Dir is its
	// working directory, empty for the caller's.
	Command string
	Args    []string
	Dir     string
	// Port is the port the arguments make it listen on; Start polls
	// http://127.0.0.1:Port/ until it answers.
	Port int
	// Log receives the emulator's own output; nil discards it. The last
	// 8 KB of it are in Start's error either way.
	Log io.Writer
	// StartTimeout bounds the wait for the first answer; 0 means 60 s.
	StartTimeout time.Duration
}

// Process is a running emulator.
type Process struct {
	// Endpoint is its base URL, like http://127.0.0.1:8000.
	Endpoint string

	name     string
	cmd      *exec.Cmd
	exited   chan struct{}
	waitErr  error
	stopOnce sync.Once
}

// Start runs spec and returns once the emulator answers HTTP requests,
// whatever their status.
func Start(ctx context.Context, spec Spec) (*Process, error) {
	out := &tailBuffer{max: 8 << 10}
	var w io.Writer = out
	if spec.Log != nil {
		w = io.MultiWriter(out, spec.Log)
	}
	cmd := exec.Command(spec.Command, spec.Args...)
	cmd.Dir = spec.Dir
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: start %s: %w", spec.Name, spec.Command, err)
	}
	p := &Process{
		Endpoint: "http://127.0.0.1:" + strconv.Itoa(spec.Port),
		name:     spec.Name,
		cmd:      cmd,
		exited:   make(chan struct{}),
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	timeout := spec.StartTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	if err := p.waitReady(ctx, timeout); err != nil {
		p.Stop()
		return nil, fmt.Errorf("%w\n%s", err, out.String())
	}
	return p, nil
}

// waitReady polls the endpoint until it answers, the process exits, or the
// timeout passes.
func (p *Process) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.Endpoint, nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("%s: %s exited before serving: %v", p.name, p.cmd.Path, p.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("%s: no answer from %s within %s", p.name, p.Endpoint, timeout)
		case <-tick.C:
		}
	}
}

// Exited is closed when the process has ended.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Stop sends SIGTERM, waits up to five seconds, then kills, and returns once
// the process is gone. It is safe to call more than once.
func (p *Process) Stop() {
	p.stopOnce.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
}

// Pause stops the process with SIGSTOP (it keeps its port but answers
// nothing), a way to test what clients do when a service hangs. It
// returns once every thread has stopped: a thread running when the signal
// comes runs on until the kernel next takes the processor from it, long
// enough to answer a request sent right after the signal.
func (p *Process) Pause() error {
	if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	return waitStopped(p.name, p.cmd.Process.Pid, 5*time.Second)
}

// Resume continues a paused process.
func (p *Process) Resume() error { return p.cmd.Process.Signal(syscall.SIGCONT) }

// FreePort returns a loopback port nothing listens on now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes written, for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if extra := t.buf.Len() - t.max; extra > 0 {
		t.buf.Next(extra)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
