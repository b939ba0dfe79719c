// Command localapi runs the whole API on this machine, as template.yaml and
// openapi.yaml describe it: make dev runs its serve command, make token its
// token command. Run it from the repository's root.
//
// Usage:
//
//	localapi [serve] [-port N] [-state DIR] [-in-memory] [-param Name=Value]...
//	localapi token [-sub USER] [-scopes a,b] [-ttl 15m] [-state DIR]
//	localapi openapi [-param Name=Value]...
//
// serve builds the functions for this machine, starts DynamoDB Local
// (unless AWS_ENDPOINT_URL_DYNAMODB names a DynamoDB to use), creates the
// table, and serves the API on 127.0.0.1 until interrupted; it prints a token and
// a curl command to start with, then the access log and the functions'
// logs. token prints a token for any user, signed with the key in the state
// folder that serve trusts. openapi prints the OpenAPI definition as
// OpenAPI tools read it once CloudFormation has resolved it (its routes'
// scopes resolved, line for line); make lint and make docs read it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/example/serverless-todo/internal/local/devauth"
	"github.com/example/serverless-todo/internal/local/stack"
	"github.com/example/serverless-todo/pkg/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, a second one stops the program at once.
	context.AfterFunc(ctx, stop)
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// devUser is the user of the token serve prints.
const devUser = "dev-user"

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	command := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		command, args = args[0], args[1:]
	}
	var err error
	switch command {
	case "serve":
		err = serve(ctx, args, getenv, stdout, stderr)
	case "token":
		err = token(args, stdout, stderr)
	case "openapi":
		err = openAPI(args, stdout, stderr)
	default:
		return fmt.Errorf("localapi: no command %q: the commands are serve, token and openapi", command)
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	defaultPort := 3000
	if p := getenv("PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return fmt.Errorf("localapi: PORT=%s is not a port number", p)
		}
		defaultPort = n
	}
	flags := flag.NewFlagSet("localapi serve", flag.ContinueOnError)
	flags.SetOutput(stderr)
	port := flags.Int("port", defaultPort, "`port` on 127.0.0.1 to serve the API on, 0 for a free one; $PORT sets the default")
	state := flags.String("state", stack.DefaultStateDir, "state `folder`: the dev signing key, the built functions, DynamoDB Local's data")
	inMemory := flags.Bool("in-memory", false, "keep DynamoDB Local's data in memory: it is gone when the API stops")
	params := parameters{}
	flags.Var(params, "param", "set the template parameter `Name=Value`, like CorsAllowOrigins=http://localhost:5173 (repeatable)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("localapi: serve takes no arguments, only flags: %q", flags.Args())
	}

	cfg, err := stack.Load(".", stack.LoadOptions{Parameters: params})
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: run localapi from the repository's root (make dev does)", err)
	}
	if err != nil {
		return err
	}
	endpoint := getenv(store.EnvEndpoint)
	if endpoint == "" {
		fmt.Fprintln(stdout, "Building the functions and starting DynamoDB Local...")
	} else {
		fmt.Fprintf(stdout, "Building the functions; DynamoDB at %s (AWS_ENDPOINT_URL_DYNAMODB)...\n", endpoint)
	}
	began := time.Now()
	api, err := stack.Start(ctx, cfg, stack.Options{
		Addr:             "127.0.0.1:" + strconv.Itoa(*port),
		StateDir:         *state,
		InMemory:         *inMemory,
		DynamoDBEndpoint: endpoint,
		Log:              stdout,
	})
	if err != nil {
		if ctx.Err() != nil {
			// Interrupted while starting: what the user asked for.
			return nil
		}
		return err
	}
	data := "data in " + filepath.Join(*state, "dynamodb")
	switch {
	case endpoint != "":
		data = "given by AWS_ENDPOINT_URL_DYNAMODB"
	case *inMemory:
		data = "data in memory"
	}
	objects := "objects in " + filepath.Join(*state, "s3")
	if *inMemory {
		objects = "objects in memory"
	}
	err = banner(stdout, api, cfg, data, objects, time.Since(began))
	if err == nil {
		err = api.Wait(ctx)
	}
	fmt.Fprintln(stdout, "Stopping...")
	closeCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return errors.Join(err, api.Close(closeCtx))
}

// banner tells what runs where, and how to make a first request.
func banner(w io.Writer, api *stack.Stack, cfg *stack.Config, data, objects string, took time.Duration) error {
	tok, err := api.Issuer.Mint(devauth.Token{Subject: devUser})
	deleted := errors.Is(err, devauth.ErrUserDeleted)
	if err != nil && !deleted {
		return err
	}
	fmt.Fprintf(w, "\nTodo API at %s, ready in %.1fs. Routes (openapi.yaml):\n", api.URL, took.Seconds())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, rt := range cfg.Routes {
		method, path, _ := strings.Cut(rt.Key, " ")
		auth := "public"
		if rt.Authorizer != "" {
			auth = "JWT"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", method, path, rt.Function, auth)
	}
	tw.Flush()
	tables := make([]string, len(cfg.Tables))
	for i, tb := range cfg.Tables {
		tables[i] = tb.Name
	}
	fmt.Fprintf(w, "DynamoDB at %s, table %s, %s.\n", api.DynamoDBEndpoint, strings.Join(tables, ", "), data)
	if len(api.Queues) > 0 {
		queues := make([]string, len(api.Queues))
		for i, q := range api.Queues {
			queues[i] = q.Name
		}
		fmt.Fprintf(w, "SQS (moto_server) at %s, queues %s, in memory; the user pool's AdminDeleteUser at %s.\n", api.MotoEndpoint, strings.Join(queues, ", "), api.CognitoEndpoint)
	}
	if len(cfg.Buckets) > 0 {
		buckets := make([]string, len(cfg.Buckets))
		for i, b := range cfg.Buckets {
			buckets[i] = b.Name
		}
		fmt.Fprintf(w, "S3 at %s, bucket %s, %s.\n", api.S3Endpoint, strings.Join(buckets, ", "), objects)
	}
	if deleted {
		// As Cognito never gives a deleted user a token again; any other
		// user still gets one.
		fmt.Fprintf(w, "\nThe user %s deleted their account (DELETE /me), so the local user pool issues them no token;\nmake token SUB=alice makes one for another user, or remove the state folder to start afresh.\n\n", devUser)
	} else {
		fmt.Fprintf(w, "\nA token for the user %s, valid for %s (make token SUB=alice makes one for alice):\n\n", devUser, shortDuration(devauth.DefaultTTL))
		fmt.Fprintf(w, "  export TOKEN=%s\n\n", tok)
		fmt.Fprintf(w, "  curl -i -H \"Authorization: Bearer $TOKEN\" %s/todos\n\n", api.URL)
	}
	fmt.Fprintln(w, "Logs follow. Ctrl-C stops the API and everything it started.")
	return nil
}

// shortDuration writes d without its zero parts: 1h rather than 1h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func token(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("localapi token", flag.ContinueOnError)
	flags.SetOutput(stderr)
	sub := flags.String("sub", devUser, "the `user`: the token's sub claim, which owns the todos")
	scopes := flags.String("scopes", devauth.DefaultScope, "the token's scopes, comma-separated; Cognito's by default, which the routes require")
	ttl := flags.Duration("ttl", devauth.DefaultTTL, "how long the token is valid")
	state := flags.String("state", stack.DefaultStateDir, "state `folder` of the signing key serve trusts")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("localapi: token takes no arguments, only flags: %q", flags.Args())
	}
	iss, err := devauth.Open(*state, devauth.Options{})
	if err != nil {
		return err
	}
	list := []string{}
	for s := range strings.SplitSeq(*scopes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			list = append(list, s)
		}
	}
	tok, err := iss.Mint(devauth.Token{Subject: *sub, Scopes: list, TTL: *ttl})
	if errors.Is(err, devauth.ErrUserDeleted) {
		return fmt.Errorf("localapi: user %s was deleted; %w (nor reuses a sub): make one for another SUB, or remove %s to start afresh",
			*sub, devauth.ErrUserDeleted, filepath.Join(*state, devauth.DeletedUsersFile))
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}

func openAPI(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("localapi openapi", flag.ContinueOnError)
	flags.SetOutput(stderr)
	params := parameters{}
	flags.Var(params, "param", "set the template parameter `Name=Value`, like JwtScope=todos/access (repeatable)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("localapi: openapi takes no arguments, only flags: %q", flags.Args())
	}
	cfg, err := stack.Load(".", stack.LoadOptions{Parameters: params})
	if err != nil {
		return err
	}
	_, err = stdout.Write(cfg.OpenAPI)
	return err
}

// parameters collects -param Name=Value flags.
type parameters map[string]string

func (p parameters) String() string { return "" }

func (p parameters) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return errors.New("want Name=Value")
	}
	p[name] = value
	return nil
}
