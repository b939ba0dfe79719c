// Command changes is the Lambda function behind GET /todos/changes: it
// tells a syncing client what changed in the caller's todos since its last
// sync token.
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
		fmt.Fprintln(os.Stderr, "changes:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	db, err := store.Open(ctx, getenv)
	if err != nil {
		return err
	}
	h := &changesHandler{store: db}
	return handler.Start(ctx, getenv, handler.NewLogger(stdout), h.handle)
}
