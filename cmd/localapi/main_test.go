package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/example/serverless-todo/internal/local/devauth"
)

// root is the repository, seen from this package's folder; serve runs
// from it, as make dev runs it.
var root = filepath.Join("..", "..")

func TestTokenPrintsATokenForAnyUser(t *testing.T) {
	state := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"token", "-sub", "alice", "-scopes", "todos.read, todos.write", "-ttl", "5m", "-state", state}, noEnv, &stdout, &stderr)
	if err != nil {
		t.Fatalf("token: %v; stderr: %s", err, &stderr)
	}
	raw := strings.TrimSuffix(stdout.String(), "\n")
	if strings.ContainsAny(raw, " \n") {
		t.Fatalf("token printed %q, want the token alone on one line", stdout.String())
	}
	// The key is the state folder's, the one serve trusts.
	iss, err := devauth.Open(state, devauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	_, err = jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(iss.URL)).
		ParseWithClaims(raw, claims, func(tok *jwt.Token) (any, error) { return iss.PublicKeys()[tok.Header["kid"].(string)], nil })
	if err != nil {
		t.Fatalf("the token does not verify with the state folder's key: %v", err)
	}
	exp, _ := claims.GetExpirationTime()
	iat, _ := claims.GetIssuedAt()
	if claims["sub"] != "alice" || claims["scope"] != "todos.read todos.write" || exp.Sub(iat.Time) != 5*time.Minute ||
		claims["client_id"] != iss.Audience || claims["token_use"] != "access" {
		t.Errorf("claims %v: want an access token for alice, both scopes, valid for 5m", claims)
	}

	stdout.Reset()
	if err := run(t.Context(), []string{"token", "-state", state}, noEnv, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	claims = jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(strings.TrimSpace(stdout.String()), claims); err != nil {
		t.Fatal(err)
	}
	exp, _ = claims.GetExpirationTime()
	iat, _ = claims.GetIssuedAt()
	if claims["sub"] != devUser || claims["scope"] != devauth.DefaultScope || exp.Sub(iat.Time) != devauth.DefaultTTL {
		t.Errorf("claims %v: want by default a token for %s with the scope %s, valid for %s", claims, devUser, devauth.DefaultScope, devauth.DefaultTTL)
	}
}

// After the user's account deletion (the stack's user pool stand-in
// recorded it in the state folder), token refuses them, and says why.
func TestTokenRefusesADeletedUser(t *testing.T) {
	state := t.TempDir()
	iss, err := devauth.Open(state, devauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := iss.DeleteUser("alice"); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	err = run(t.Context(), []string{"token", "-sub", "alice", "-state", state}, noEnv, &stdout, &stderr)
	if !errors.Is(err, devauth.ErrUserDeleted) || stdout.Len() != 0 {
		t.Errorf("token for a deleted user: %v, printed %q", err, stdout.String())
	}
	// What main prints before it exits with status 1.
	if want := "localapi: user alice was deleted; the user pool issues no tokens for a deleted user"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("token for a deleted user says %q, want it to start %q", err, want)
	}
	if err := run(t.Context(), []string{"token", "-sub", "bob", "-state", state}, noEnv, &stdout, &stderr); err != nil || stdout.Len() == 0 {
		t.Errorf("token for another user: %v", err)
	}
}

func TestOpenAPIPrintsTheDefinitionWithItsScopesResolved(t *testing.T) {
	t.Chdir(root)
	src, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args  []string
		scope string
	}{
		{nil, devauth.DefaultScope},
		{[]string{"-param", "JwtScope=todos/access"}, "todos/access"},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(t.Context(), append([]string{"openapi"}, tt.args...), noEnv, &stdout, &stderr); err != nil {
			t.Fatalf("openapi %v: %v; stderr: %s", tt.args, err, &stderr)
		}
		refs := strings.Count(string(src), "- Ref: JwtScope\n")
		want := strings.ReplaceAll(string(src), "- Ref: JwtScope\n", `- "`+tt.scope+`"`+"\n")
		if refs == 0 || stdout.String() != want {
			t.Errorf("openapi %v: %d scopes in openapi.yaml; the output is not openapi.yaml with each one %q", tt.args, refs, tt.scope)
		}
	}
}

func TestRunRefusesWrongUse(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"an unknown command", []string{"deploy"}, nil, `no command "deploy"`},
		{"arguments to serve", []string{"serve", "now"}, nil, "serve takes no arguments"},
		{"a parameter without a value", []string{"serve", "-param", "PushoverToken"}, nil, "want Name=Value"},
		{"a PORT that is no number", nil, map[string]string{"PORT": "http"}, "PORT=http is not a port number"},
		{"an unknown flag", []string{"token", "-user", "alice"}, nil, "flag provided but not defined: -user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), tt.args, func(k string) string { return tt.env[k] }, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
			}
		})
	}
}

func noEnv(string) string { return "" }

func TestShortDurationDropsZeroParts(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour:                  "1h",
		90 * time.Minute:           "1h30m",
		24 * time.Hour:             "24h",
		5 * time.Minute:            "5m",
		time.Hour + 30*time.Second: "1h0m30s",
		1500 * time.Millisecond:    "1.5s",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestServeRunsTheAPIUntilInterrupted runs serve as make dev does: its own
// DynamoDB Local, data in the state folder. What it prints works; Ctrl-C
// (the end of its context) stops every process it started; and a second
// run finds the first one's data.
func TestServeRunsTheAPIUntilInterrupted(t *testing.T) {
	t.Chdir(root)
	// Relative, as make dev's .local is.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	abs := t.TempDir()
	state, err := filepath.Rel(wd, abs)
	if err != nil {
		t.Fatal(err)
	}

	first := startServe(t, state)
	token, url := first.banner(t)
	status, body := call(t, "POST", url+"/todos", token, `{"title":"Survive a restart"}`)
	if status != http.StatusCreated {
		t.Fatalf("the printed token and URL: POST /todos = %d %s", status, body)
	}
	var created struct{ ID string }
	if err := json.Unmarshal(body, &created); err != nil {
		t.Fatal(err)
	}
	// DynamoDB Local and the function that served run from the state
	// folder, so that they can be found, and found gone.
	if procs := processesUsing(t, abs); len(procs) < 2 {
		t.Errorf("processes using the state folder while serving: %q, want DynamoDB Local and CreateTodoFunction", procs)
	}
	first.interrupt(t)
	if procs := processesUsing(t, abs); len(procs) > 0 {
		t.Errorf("processes left after the interrupt: %q", procs)
	}

	second := startServe(t, state)
	_, url = second.banner(t)
	var tok bytes.Buffer
	if err := run(t.Context(), []string{"token", "-state", state}, noEnv, &tok, io.Discard); err != nil {
		t.Fatal(err)
	}
	status, body = call(t, "GET", url+"/todos/"+created.ID, strings.TrimSpace(tok.String()), "")
	if status != http.StatusOK {
		t.Errorf("after a restart, with a token from the token command: GET the todo = %d %s, want it kept", status, body)
	}
	second.interrupt(t)
	if procs := processesUsing(t, abs); len(procs) > 0 {
		t.Errorf("processes left after the second interrupt: %q", procs)
	}
}

// serving is a serve command running in the background.
type serving struct {
	out    *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

func startServe(t *testing.T, state string) *serving {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &serving{out: &syncBuffer{changed: make(chan struct{})}, cancel: cancel, done: make(chan error, 1)}
	go func() {
		s.done <- run(ctx, []string{"serve", "-port", "0", "-state", state}, noEnv, s.out, s.out)
	}()
	t.Cleanup(func() {
		cancel()
		<-s.done
	})
	return s
}

var (
	tokenLine = regexp.MustCompile(`(?m)^  export TOKEN=(\S+)$`)
	curlLine  = regexp.MustCompile(`(?m)^  curl -i -H "Authorization: Bearer \$TOKEN" (http://127\.0\.0\.1:\d+)/todos$`)
)

// banner waits for what serve prints once it serves, and returns the
// token and the URL it gives.
func (s *serving) banner(t *testing.T) (token, url string) {
	t.Helper()
	// Building the functions can take a while on a cold build cache.
	deadline := time.NewTimer(5 * time.Minute)
	defer deadline.Stop()
	for {
		out, changed := s.out.snapshot()
		tm, um := tokenLine.FindStringSubmatch(out), curlLine.FindStringSubmatch(out)
		if tm != nil && um != nil {
			return tm[1], um[1]
		}
		select {
		case <-changed:
		case err := <-s.done:
			s.done <- err // for the cleanup
			t.Fatalf("serve ended before serving: %v\n%s", err, out)
		case <-deadline.C:
			t.Fatalf("serve printed no token and curl command:\n%s", out)
		}
	}
}

// interrupt stops serve as Ctrl-C does and waits for it to return.
func (s *serving) interrupt(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("serve returned %v after the interrupt, want nil", err)
		}
		s.done <- err // for the cleanup
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after the interrupt")
	}
	if out, _ := s.out.snapshot(); !strings.Contains(out, "Stopping...") {
		t.Errorf("serve did not say it was stopping:\n%s", out)
	}
}

func call(t *testing.T, method, url, token, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// processesUsing returns the command lines of the processes that name dir
// in theirs.
func processesUsing(t *testing.T, dir string) []string {
	t.Helper()
	var lines []string
	if runtime.GOOS == "linux" {
		entries, err := os.ReadDir("/proc")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if _, err := strconv.Atoi(e.Name()); err != nil {
				continue
			}
			cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if err != nil {
				continue // gone meanwhile
			}
			lines = append(lines, e.Name()+" "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	} else {
		out, err := exec.Command("ps", "-axo", "pid=,args=").Output()
		if err != nil {
			t.Fatal(err)
		}
		lines = strings.Split(string(out), "\n")
	}
	var using []string
	for _, l := range lines {
		if strings.Contains(l, dir) {
			using = append(using, l)
		}
	}
	return using
}

// syncBuffer is serve's output, which the test reads while serve writes.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed, and replaced, on every write
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	close(b.changed)
	b.changed = make(chan struct{})
	return b.buf.Write(p)
}

func (b *syncBuffer) snapshot() (string, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String(), b.changed
}
