// Command purge is the Lambda function behind the purge queue: it deletes,
// in the background, everything a deleted account holds: the user in the
// user pool, the attachments' objects and the data.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/example/serverless-todo/pkg/handler"
	"github.com/example/serverless-todo/pkg/objects"
	"github.com/example/serverless-todo/pkg/purge"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/userpool"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "purge:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	db, err := store.Open(ctx, getenv)
	if err != nil {
		return err
	}
	bucket, err := objects.Open(getenv)
	if err != nil {
		return err
	}
	queue, err := purge.Open(getenv)
	if err != nil {
		return err
	}
	pool, err := userpool.Open(getenv)
	if err != nil {
		return err
	}
	log := handler.NewLogger(stdout)
	h := &purgeHandler{store: db, bucket: bucket, queue: queue, pool: pool, log: log}
	return handler.StartQueue(ctx, getenv, log, h.handle)
}
