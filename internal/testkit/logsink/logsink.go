// Package logsink is a log for tests: an io.Writer that keeps everything
// written to it, for many writers at once, and that a test can read or wait
// on. Waiting on the log, rather than sleeping, is how a test knows that
// something it cannot see directly has happened, such as an access log line,
// which the gateway writes after the response.
package logsink

import (
	"bytes"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// WaitTimeout bounds WaitFor.
const WaitTimeout = 10 * time.Second

// Sink is a log. The zero value is an empty log ready to use.
type Sink struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed, and replaced, on every write
}

// Write appends p to the log.
func (s *Sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(p)
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	return len(p), nil
}

// String returns the whole log.
func (s *Sink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// Lines returns the log's lines.
func (s *Sink) Lines() []string {
	return strings.Split(strings.TrimSuffix(s.String(), "\n"), "\n")
}

// Matching returns the lines that match re.
func (s *Sink) Matching(re *regexp.Regexp) []string {
	var out []string
	for _, line := range s.Lines() {
		if re.MatchString(line) {
			out = append(out, line)
		}
	}
	return out
}

// WaitFor waits until the log matches re, and fails the test if it does not
// within WaitTimeout.
func (s *Sink) WaitFor(tb testing.TB, re *regexp.Regexp) {
	tb.Helper()
	s.WaitUntil(tb, "a line of the log matches "+re.String(), func(log []byte) bool { return re.Match(log) })
}

// WaitUntil waits until done says the log is complete, and fails the test,
// saying what it waited for, if it is not within WaitTimeout. done must not
// keep log.
func (s *Sink) WaitUntil(tb testing.TB, what string, done func(log []byte) bool) {
	tb.Helper()
	timeout := time.NewTimer(WaitTimeout)
	defer timeout.Stop()
	for {
		s.mu.Lock()
		found := done(s.buf.Bytes())
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		changed := s.changed
		s.mu.Unlock()
		if found {
			return
		}
		select {
		case <-changed:
		case <-timeout.C:
			tb.Fatalf("waited in vain until %s; the log:\n%s", what, s)
		}
	}
}
