// Command delete is the Lambda function behind DELETE /todos/{id}: it
// deletes one of the caller's todos.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/example/serverless-todo/pkg/handler"
	"github.com/example/serverless-todo/pkg/objects"
	"github.com/example/serverless-todo/pkg/store"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "delete:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	bucket, err := objects.Open(getenv)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, getenv)
	if err != nil {
		return err
	}
	log := handler.NewLogger(stdout)
	h := &deleteHandler{store: db, bucket: bucket, log: log}
	return handler.Start(ctx, getenv, log, h.handle)
}
