// Command deleteattachment is the Lambda function behind
// DELETE /todos/{id}/attachments/{attachmentId}: it deletes one of the
// caller's photos, its object first.
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
		fmt.Fprintln(os.Stderr, "deleteattachment:", err)
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
	h := &deleteHandler{store: db, bucket: bucket}
	return handler.Start(ctx, getenv, handler.NewLogger(stdout), h.handle)
}
