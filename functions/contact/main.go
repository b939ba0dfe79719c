// Command contact is the Lambda function behind POST /contact, the public
// contact form: it stores the message, then tells the owner through
// Pushover.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/example/serverless-todo/pkg/handler"
	"github.com/example/serverless-todo/pkg/notify"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/validate"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "contact:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	db, err := store.Open(ctx, getenv)
	if err != nil {
		return err
	}
	notifier, err := pushover(getenv)
	if err != nil {
		return err
	}
	log := handler.NewLogger(stdout)
	h := &contactHandler{store: db, validate: validate.New(), notifier: notifier, log: log, now: time.Now}
	return handler.Start(ctx, getenv, log, h.handle)
}

// pushover returns the Pushover notifier the environment configures, or nil
// when it configures none. Half a configuration is an error: it would look
// like notifications are on while none could ever be sent.
func pushover(getenv func(string) string) (notify.Notifier, error) {
	token, user := getenv("PUSHOVER_TOKEN"), getenv("PUSHOVER_USER_KEY")
	switch {
	case token == "" && user == "":
		return nil, nil
	case token == "" || user == "":
		return nil, errors.New("set both PUSHOVER_TOKEN and PUSHOVER_USER_KEY, or neither")
	}
	return &notify.Pushover{Token: token, UserKey: user, URL: getenv("PUSHOVER_API_URL")}, nil
}
