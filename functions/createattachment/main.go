// Command createattachment is the Lambda function behind
// POST /todos/{id}/attachments: it declares a photo of one of the
// caller's todos and hands out the presigned request that uploads it
// straight to S3.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/example/serverless-todo/pkg/env"
	"github.com/example/serverless-todo/pkg/handler"
	"github.com/example/serverless-todo/pkg/presign"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/validate"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "createattachment:", err)
		os.Exit(1)
	}
}

// EnvMaxBytes is the largest photo, template.yaml's MaxAttachmentBytes;
// how long the upload URL lives is presign.EnvURLSeconds.
const EnvMaxBytes = "MAX_ATTACHMENT_BYTES"

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	maxBytes, err := env.PositiveInt(getenv, EnvMaxBytes)
	if err != nil {
		return err
	}
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
	h := &createHandler{store: db, signer: signer, validate: validate.New(),
		maxBytes: int64(maxBytes), urlTTL: urlTTL, now: time.Now}
	return handler.Start(ctx, getenv, handler.NewLogger(stdout), h.handle)
}
