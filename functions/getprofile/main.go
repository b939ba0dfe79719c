// Command getprofile is the Lambda function behind GET /me: the caller's
// profile.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/example/serverless-todo/pkg/handler"
	"github.com/example/serverless-todo/pkg/store"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "getprofile:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	db, err := store.Open(ctx, getenv)
	if err != nil {
		return err
	}
	h := &getProfileHandler{store: db}
	return handler.Start(ctx, getenv, handler.NewLogger(stdout), h.handle)
}
