// Command create is the Lambda function behind POST /todos: it creates a
// todo for the caller, at most once per Idempotency-Key.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/example/serverless-todo/pkg/env"
	"github.com/example/serverless-todo/pkg/handler"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/validate"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "create:", err)
		os.Exit(1)
	}
}

// EnvMaxTodos is how many todos one user may keep, template.yaml's
// MaxTodosPerUser.
const EnvMaxTodos = "MAX_TODOS_PER_USER"

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	maxTodos, err := env.PositiveInt(getenv, EnvMaxTodos)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, getenv)
	if err != nil {
		return err
	}
	h := &createHandler{store: db, validate: validate.New(), maxTodos: maxTodos, now: time.Now}
	return handler.Start(ctx, getenv, handler.NewLogger(stdout), h.handle)
}
