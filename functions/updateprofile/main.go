// Command updateprofile is the Lambda function behind PATCH /me: it applies
// a JSON merge patch to the caller's profile.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/example/serverless-todo/pkg/handler"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/validate"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "updateprofile:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	db, err := store.Open(ctx, getenv)
	if err != nil {
		return err
	}
	h := &updateProfileHandler{store: db, validate: validate.New()}
	return handler.Start(ctx, getenv, handler.NewLogger(stdout), h.handle)
}
