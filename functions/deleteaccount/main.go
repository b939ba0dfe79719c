// Command deleteaccount is the Lambda function behind DELETE /me: it deletes
// the caller's account, at once for writes and in the background for what
// it holds.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/example/serverless-todo/pkg/env"
	"github.com/example/serverless-todo/pkg/handler"
	"github.com/example/serverless-todo/pkg/purge"
	"github.com/example/serverless-todo/pkg/store"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "deleteaccount:", err)
		os.Exit(1)
	}
}

// EnvTokenValidity is how many minutes the API's access tokens are valid,
// template.yaml's AccessTokenValidity.
const EnvTokenValidity = "TOKEN_VALIDITY_MINUTES"

// clockSkew is what the deletion mark outlives the tokens by besides:
// the gateway checks exp with its own clock.
const clockSkew = 5 * time.Minute

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	minutes, err := env.PositiveInt(getenv, EnvTokenValidity)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, getenv)
	if err != nil {
		return err
	}
	queue, err := purge.Open(getenv)
	if err != nil {
		return err
	}
	h := &deleteAccountHandler{store: db, queue: queue, keepFor: time.Duration(minutes)*time.Minute + clockSkew}
	return handler.Start(ctx, getenv, handler.NewLogger(stdout), h.handle)
}
