// Command confirmattachment is the Lambda function behind the attachments
// bucket's event notifications: when an upload arrives it checks the
// object's real size and leading bytes against what was declared, keeps
// it (ready) or deletes it (rejected).
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
		fmt.Fprintln(os.Stderr, "confirmattachment:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	s3, err := objects.Connect(getenv)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, getenv)
	if err != nil {
		return err
	}
	log := handler.NewLogger(stdout)
	h := &confirmHandler{store: db, s3: s3, log: log}
	return handler.StartObjects(ctx, getenv, log, h.handle)
}
