// Package faultproxy is a loopback HTTP proxy between a DynamoDB client and
// DynamoDB (Local) that makes chosen calls ambiguous, as a timeout, a
// dropped connection or a lost answer makes them in AWS: it forwards the
// request, waits for DynamoDB's answer, so that a write has committed, and
// then drops the answer or holds it until the client gives up. The SDK then
// retries a write that was already made.
//
// Nothing is mocked: every request reaches the real DynamoDB, and every
// answer a client gets is DynamoDB's own. Which calls fail is chosen by
// rule, never by timing, so a test that uses it is deterministic.
package faultproxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Action is what the proxy does with the answer to a faulted call.
type Action int

const (
	// DropAnswer closes the client's connection without sending a byte of
	// the answer, as a connection reset after the request arrived does.
	DropAnswer Action = iota
	// HoldAnswer keeps the answer until the client stops waiting for it
	// (its attempt timeout closes the connection), as a slow network does.
	HoldAnswer
)

func (a Action) String() string {
	switch a {
	case DropAnswer:
		return "drop the answer"
	case HoldAnswer:
		return "hold the answer"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Rule chooses the calls to fault.
type Rule struct {
	// Operation is the DynamoDB API action, like PutItem or
	// TransactWriteItems.
	Operation string
	// Contains, when set, must appear in the request body: a key, a table
	// name or a value the call writes.
	Contains string
	// Times is how many matching calls in a row to fault; 0 means one.
	// The SDK makes three attempts, so Times: 3 leaves it without any
	// answer.
	Times  int
	Action Action
}

// Injection is a rule in force. Applied tells how many calls it has
// faulted, so a test can check that the fault it meant to inject was.
type Injection struct {
	rule    Rule
	mu      sync.Mutex
	applied int
}

// Applied returns how many calls the rule has faulted so far.
func (in *Injection) Applied() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.applied
}

// take counts a matching call and reports whether to fault it.
func (in *Injection) take() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.applied >= max(in.rule.Times, 1) {
		return false
	}
	in.applied++
	return true
}

// Proxy forwards to one DynamoDB endpoint.
type Proxy struct {
	// URL is the endpoint to give the client instead of DynamoDB's.
	URL string

	upstream *url.URL
	client   *http.Client
	srv      *http.Server

	mu    sync.Mutex
	rules []*Injection
	calls map[string]int
}

// Start serves a proxy of upstream, DynamoDB's endpoint URL, on a free
// loopback port.
func Start(upstream string) (*Proxy, error) {
	u, err := url.Parse(upstream)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("faultproxy: upstream %q is not a URL", upstream)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: %w", err)
	}
	p := &Proxy{
		URL:      "http://" + ln.Addr().String(),
		upstream: u,
		// Patient: the proxy must see every answer it forwards, however
		// long a busy DynamoDB Local takes, or it would add faults of its
		// own.
		client: &http.Client{Timeout: time.Minute},
		calls:  map[string]int{},
	}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// Fault puts r in force, after the rules already given: a call is faulted
// by the first rule that matches it and has faults left.
func (p *Proxy) Fault(r Rule) *Injection {
	in := &Injection{rule: r}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = append(p.rules, in)
	return in
}

// Calls returns how many calls of the operation the proxy has received,
// faulted or not.
func (p *Proxy) Calls(operation string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[operation]
}

// Close stops the proxy.
func (p *Proxy) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return p.srv.Shutdown(ctx)
}

// operation returns the action a DynamoDB request calls, from its
// X-Amz-Target header (DynamoDB_20120810.PutItem).
func operation(r *http.Request) string {
	target := r.Header.Get("X-Amz-Target")
	if i := strings.LastIndexByte(target, '.'); i >= 0 {
		return target[i+1:]
	}
	return target
}

// match returns the rule that faults this call, or nil.
func (p *Proxy) match(op string, body []byte) *Injection {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[op]++
	for _, in := range p.rules {
		if in.rule.Operation != op || !bytes.Contains(body, []byte(in.rule.Contains)) {
			continue
		}
		if in.take() {
			return in
		}
	}
	return nil
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	fault := p.match(operation(r), body)

	// The upstream request carries the client's headers unchanged: DynamoDB
	// Local reads the region and account from the signature, and does not
	// check it against the host. It is not tied to the client's context:
	// a faulted call must complete upstream whatever the client does.
	out, err := http.NewRequestWithContext(context.WithoutCancel(r.Context()), r.Method, p.upstream.JoinPath(r.URL.Path).String(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	resp, err := p.client.Do(out)
	if err != nil {
		// DynamoDB is not there: so be it for the client too.
		dropConnection(w)
		return
	}
	answer, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		dropConnection(w)
		return
	}

	if fault != nil {
		switch fault.rule.Action {
		case HoldAnswer:
			// The server cancels the request's context when the client
			// closes the connection, which its attempt timeout does.
			<-r.Context().Done()
		case DropAnswer:
		}
		dropConnection(w)
		return
	}
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(answer)
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): aborting the handler resets the stream.
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		// A reset rather than an orderly close, as a lost connection looks.
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}
