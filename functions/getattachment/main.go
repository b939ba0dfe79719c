// Command getattachment is the Lambda function behind
// GET /todos/{id}/attachments/{attachmentId}: it redirects the caller to a
// presigned download of one of their ready photos, straight from S3.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/example/serverless-todo/pkg/handler"
	"github.com/example/serverless-todo/pkg/presign"
	"github.com/example/serverless-todo/pkg/store"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "getattachment:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	urlTTL, err := presign.URLTTL(getenv)
	if err != nil {
		return err
	}
	signer, err := presign.Open(getenv)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, getenv)
	if err != nil {
		return err
	}
	h := &getHandler{store: db, signer: signer, urlTTL: urlTTL}
	return handler.Start(ctx, getenv, handler.NewLogger(stdout), h.handle)
}
